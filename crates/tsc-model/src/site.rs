//! Sites: `GET sites/{id}`, `GET sites` and site authentication configurations.

use std::collections::BTreeMap;
use std::fmt;

use crate::Error;
use crate::common::{PaginationItem, decode_single, walk_ts_response};
use crate::xml::{Attr, Elem, Parser};

/// Who administers a site (`adminMode`). Unknown values are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AdminMode {
    /// `ContentAndUsers`: site admins manage content and users.
    ContentAndUsers,
    /// `ContentOnly`: site admins manage content only.
    ContentOnly,
    /// Any other value, as sent.
    Other(String),
}

impl AdminMode {
    fn from_text(text: String) -> Self {
        match text.as_str() {
            "ContentAndUsers" => AdminMode::ContentAndUsers,
            "ContentOnly" => AdminMode::ContentOnly,
            _ => AdminMode::Other(text),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            AdminMode::ContentAndUsers => "ContentAndUsers",
            AdminMode::ContentOnly => "ContentOnly",
            AdminMode::Other(s) => s,
        }
    }
}

impl fmt::Display for AdminMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a site is usable (`state`). Unknown values are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SiteState {
    /// `Active`.
    Active,
    /// `Suspended`.
    Suspended,
    /// Any other value, as sent.
    Other(String),
}

impl SiteState {
    fn from_text(text: String) -> Self {
        match text.as_str() {
            "Active" => SiteState::Active,
            "Suspended" => SiteState::Suspended,
            _ => SiteState::Other(text),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            SiteState::Active => "Active",
            SiteState::Suspended => "Suspended",
            SiteState::Other(s) => s,
        }
    }
}

impl fmt::Display for SiteState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A site (`siteType`), with the attributes TSC's `SiteItem` exposes typed and every other
/// attribute kept verbatim in [`other_attributes`](Self::other_attributes).
///
/// Integer attributes that are present but empty decode as `None`; present but non-numeric
/// ones are a [`Error::Decode`] naming the attribute.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SiteItem {
    /// Site LUID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Content URL (`""` for the Default site).
    pub content_url: String,
    /// `adminMode`.
    pub admin_mode: Option<AdminMode>,
    /// `state`.
    pub state: Option<SiteState>,
    /// `userQuota` (maximum users).
    pub user_quota: Option<i64>,
    /// `storageQuota` (MB).
    pub storage_quota: Option<i64>,
    /// `revisionLimit` (-1 or 2..10000).
    pub revision_limit: Option<i64>,
    /// `revisionHistoryEnabled`.
    pub revision_history_enabled: Option<bool>,
    /// `disableSubscriptions`.
    pub disable_subscriptions: Option<bool>,
    /// `subscribeOthersEnabled`.
    pub subscribe_others_enabled: Option<bool>,
    /// `allowSubscriptionAttachments`.
    pub allow_subscription_attachments: Option<bool>,
    /// `tierCreatorCapacity`.
    pub tier_creator_capacity: Option<i64>,
    /// `tierExplorerCapacity`.
    pub tier_explorer_capacity: Option<i64>,
    /// `tierViewerCapacity`.
    pub tier_viewer_capacity: Option<i64>,
    /// Users on the site: the `numUsers` attribute (older servers) or `usage/@numUsers`.
    pub num_users: Option<i64>,
    /// Storage used (MB): the `storage` attribute (older servers) or `usage/@storage`.
    pub storage: Option<i64>,
    /// `dataAlertsEnabled` (older servers: `isDataAlertsEnabled`).
    pub data_alerts_enabled: Option<bool>,
    /// `askDataMode` (schema and fixtures disagree on the values, so it stays text).
    pub ask_data_mode: Option<String>,
    /// `timeZone`, e.g. `America/Los_Angeles`.
    pub time_zone: Option<String>,
    /// `useDefaultTimeZone`.
    pub use_default_time_zone: Option<bool>,
    /// `guestAccessEnabled`.
    pub guest_access_enabled: Option<bool>,
    /// `cacheWarmupEnabled`.
    pub cache_warmup_enabled: Option<bool>,
    /// `commentingEnabled`.
    pub commenting_enabled: Option<bool>,
    /// `catalogingEnabled`.
    pub cataloging_enabled: Option<bool>,
    /// `flowsEnabled`.
    pub flows_enabled: Option<bool>,
    /// `derivedPermissionsEnabled`.
    pub derived_permissions_enabled: Option<bool>,
    /// `requestAccessEnabled`.
    pub request_access_enabled: Option<bool>,
    /// `runNowEnabled`.
    pub run_now_enabled: Option<bool>,
    /// `extractEncryptionMode` (`enforced`, `enabled`, `disabled`).
    pub extract_encryption_mode: Option<String>,
    /// `userVisibilityMode`.
    pub user_visibility_mode: Option<String>,
    /// Every other attribute (the schema has ~90 feature flags), by name, unescaped.
    pub other_attributes: BTreeMap<String, String>,
}

/// Parses an optional integer attribute: empty means absent.
fn opt_int(attr: &Attr<'_, '_>) -> Result<Option<i64>, Error> {
    if attr.cow()?.trim().is_empty() {
        Ok(None)
    } else {
        attr.int().map(Some)
    }
}

impl SiteItem {
    /// Decodes a single-site response (`GET sites/{id}`, site create/update).
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        decode_single(body, "a site response", "site", |parser, child| {
            SiteItem::decode(parser, child, "tsResponse/site")
        })
    }

    pub(crate) fn decode<'a>(
        parser: &mut Parser<'a>,
        elem: Elem<'a>,
        path: &'static str,
    ) -> Result<Self, Error> {
        let mut site = SiteItem::default();
        let mut id = None;
        for attr in elem.attrs(parser, path) {
            let attr = attr?;
            match attr.name() {
                "id" => id = Some(attr.string()?),
                "name" => site.name = attr.string()?,
                "contentUrl" => site.content_url = attr.string()?,
                "adminMode" => site.admin_mode = Some(AdminMode::from_text(attr.string()?)),
                "state" => site.state = Some(SiteState::from_text(attr.string()?)),
                "userQuota" => site.user_quota = opt_int(&attr)?,
                "storageQuota" => site.storage_quota = opt_int(&attr)?,
                "revisionLimit" => site.revision_limit = opt_int(&attr)?,
                "revisionHistoryEnabled" => site.revision_history_enabled = Some(attr.boolean()?),
                "disableSubscriptions" => site.disable_subscriptions = Some(attr.boolean()?),
                "subscribeOthersEnabled" => site.subscribe_others_enabled = Some(attr.boolean()?),
                "allowSubscriptionAttachments" => {
                    site.allow_subscription_attachments = Some(attr.boolean()?);
                }
                "tierCreatorCapacity" => site.tier_creator_capacity = opt_int(&attr)?,
                "tierExplorerCapacity" => site.tier_explorer_capacity = opt_int(&attr)?,
                "tierViewerCapacity" => site.tier_viewer_capacity = opt_int(&attr)?,
                "numUsers" => site.num_users = opt_int(&attr)?,
                "storage" => site.storage = opt_int(&attr)?,
                "dataAlertsEnabled" | "isDataAlertsEnabled" => {
                    site.data_alerts_enabled = Some(attr.boolean()?);
                }
                "askDataMode" => site.ask_data_mode = Some(attr.string()?),
                "timeZone" => site.time_zone = Some(attr.string()?),
                "useDefaultTimeZone" => site.use_default_time_zone = Some(attr.boolean()?),
                "guestAccessEnabled" => site.guest_access_enabled = Some(attr.boolean()?),
                "cacheWarmupEnabled" => site.cache_warmup_enabled = Some(attr.boolean()?),
                "commentingEnabled" => site.commenting_enabled = Some(attr.boolean()?),
                "catalogingEnabled" => site.cataloging_enabled = Some(attr.boolean()?),
                "flowsEnabled" => site.flows_enabled = Some(attr.boolean()?),
                "derivedPermissionsEnabled" => {
                    site.derived_permissions_enabled = Some(attr.boolean()?);
                }
                "requestAccessEnabled" => site.request_access_enabled = Some(attr.boolean()?),
                "runNowEnabled" => site.run_now_enabled = Some(attr.boolean()?),
                "extractEncryptionMode" => site.extract_encryption_mode = Some(attr.string()?),
                "userVisibilityMode" => site.user_visibility_mode = Some(attr.string()?),
                _ if attr.is_namespaced() => {}
                other => {
                    let name = other.to_owned();
                    site.other_attributes.insert(name, attr.string()?);
                }
            }
        }
        site.id = id.ok_or(Error::MissingAttribute {
            element: path,
            attribute: "id",
        })?;
        while let Some(child) = parser.next_child(&elem)? {
            if child.local_name() == "usage" {
                for attr in child.attrs(parser, "site/usage") {
                    let attr = attr?;
                    match attr.name() {
                        "numUsers" => site.num_users = opt_int(&attr)?,
                        "storage" => site.storage = opt_int(&attr)?,
                        _ => {}
                    }
                }
            }
            parser.skip(child)?;
        }
        Ok(site)
    }
}

/// A page of sites (`GET sites`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteList {
    /// Where this page sits (synthesised by [`PaginationItem::whole_list`] when absent).
    pub pagination: PaginationItem,
    /// The sites on this page.
    pub sites: Vec<SiteItem>,
}

impl SiteList {
    /// Decodes a site list page.
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        let (mut pagination, mut sites, mut seen_list) = (None, Vec::new(), false);
        walk_ts_response(body, "a site list", |parser, child| {
            match child.local_name() {
                "pagination" if pagination.is_none() => {
                    pagination = Some(PaginationItem::decode(
                        parser,
                        child,
                        "tsResponse/pagination",
                    )?);
                    Ok(())
                }
                "sites" if !seen_list => {
                    seen_list = true;
                    while let Some(site) = parser.next_child(&child)? {
                        if site.local_name() == "site" {
                            sites.push(SiteItem::decode(parser, site, "tsResponse/sites/site")?);
                        } else {
                            parser.skip(site)?;
                        }
                    }
                    Ok(())
                }
                _ => parser.skip(child),
            }
        })?;
        if !seen_list {
            return Err(Error::MissingElement {
                name: "sites",
                parent: "tsResponse",
            });
        }
        let pagination = pagination.unwrap_or_else(|| PaginationItem::whole_list(sites.len()));
        Ok(SiteList { pagination, sites })
    }
}

/// One `siteAuthConfiguration` (`GET sites/{id}/site-auth-configurations`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SiteAuthConfiguration {
    /// `authSetting`, e.g. `OIDC`, `SAML`.
    pub auth_setting: String,
    /// `enabled`.
    pub enabled: bool,
    /// `idpConfigurationId`.
    pub idp_configuration_id: Option<String>,
    /// `idpConfigurationName`.
    pub idp_configuration_name: Option<String>,
    /// `knownProviderAlias`, e.g. `Salesforce`.
    pub known_provider_alias: Option<String>,
}

impl SiteAuthConfiguration {
    /// Decodes `<tsResponse><siteAuthConfigurations>` into its entries.
    pub fn list_from_xml(body: &[u8]) -> Result<Vec<Self>, Error> {
        const PATH: &str = "tsResponse/siteAuthConfigurations/siteAuthConfiguration";
        let (mut list, mut seen) = (Vec::new(), false);
        walk_ts_response(body, "site auth configurations", |parser, child| {
            if seen || child.local_name() != "siteAuthConfigurations" {
                return parser.skip(child);
            }
            seen = true;
            while let Some(entry) = parser.next_child(&child)? {
                if entry.local_name() == "siteAuthConfiguration" {
                    let mut item = SiteAuthConfiguration::default();
                    for attr in entry.attrs(parser, PATH) {
                        let attr = attr?;
                        match attr.name() {
                            "authSetting" => item.auth_setting = attr.string()?,
                            "enabled" => item.enabled = attr.boolean()?,
                            "idpConfigurationId" => {
                                item.idp_configuration_id = Some(attr.string()?)
                            }
                            "idpConfigurationName" => {
                                item.idp_configuration_name = Some(attr.string()?);
                            }
                            "knownProviderAlias" => {
                                item.known_provider_alias = Some(attr.string()?);
                            }
                            _ => {}
                        }
                    }
                    list.push(item);
                }
                parser.skip(entry)?;
            }
            Ok(())
        })?;
        if !seen {
            return Err(Error::MissingElement {
                name: "siteAuthConfigurations",
                parent: "tsResponse",
            });
        }
        Ok(list)
    }
}
