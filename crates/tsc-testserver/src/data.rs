//! The emulator's content: sites, users, personal access tokens, connected apps and workbooks.
//!
//! [`DataSet::default_data`] builds the documented default data, identical in every run: every
//! LUID is a UUIDv5 derived from a fixed namespace and a readable key, so tests (and people)
//! can rely on them.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

/// Namespace for the deterministic LUIDs of the default data (a fixed, random UUID).
const LUID_NAMESPACE: Uuid = Uuid::from_u128(0x5c0f_9a7e_2d41_4b8e_9f3a_61c2_7d0e_b1a4);

/// A deterministic LUID for `key` (UUIDv5 in the emulator's namespace).
pub fn luid(key: &str) -> String {
    Uuid::new_v5(&LUID_NAMESPACE, key.as_bytes()).to_string()
}

/// All content the emulator serves. Replaceable as a whole through a configuration file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSet {
    /// Sites, the Default site (`content_url == ""`) included.
    pub sites: Vec<SiteData>,
    /// Users and their site memberships.
    pub users: Vec<UserData>,
    /// Personal access tokens.
    #[serde(default)]
    pub personal_access_tokens: Vec<PatData>,
    /// Connected apps (direct trust) whose JWTs the emulator accepts.
    #[serde(default)]
    pub connected_apps: Vec<ConnectedAppData>,
    /// Workbooks, each on one site.
    #[serde(default)]
    pub workbooks: Vec<WorkbookData>,
}

/// One site.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteData {
    /// Site LUID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The site's content URL (`""` for the Default site).
    pub content_url: String,
}

/// One user.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserData {
    /// User LUID.
    pub id: String,
    /// Sign-in name (case-sensitive here).
    pub name: String,
    /// Full name.
    #[serde(default)]
    pub full_name: String,
    /// E-mail; also accepted as the connected-app `sub` and the UAT username claim.
    #[serde(default)]
    pub email: String,
    /// Password for password sign-in.
    pub password: SecretString,
    /// Server administrator: may impersonate and see every site.
    #[serde(default)]
    pub server_admin: bool,
    /// Site role reported by `sessions/current` (e.g. `Explorer`).
    #[serde(default = "default_site_role")]
    pub site_role: String,
    /// Content URLs of the sites the user belongs to.
    pub sites: Vec<String>,
    /// Tableau-authentication MFA: in cloud mode such users cannot sign in with a password.
    #[serde(default)]
    pub mfa: bool,
}

fn default_site_role() -> String {
    "Explorer".to_owned()
}

/// One personal access token.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatData {
    /// Token name (`personalAccessTokenName`).
    pub name: String,
    /// Token secret (`personalAccessTokenSecret`).
    pub secret: SecretString,
    /// Name of the owning user.
    pub user: String,
}

/// One connected app (direct trust) with one secret.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectedAppData {
    /// Client ID: the JWT `iss`.
    pub client_id: String,
    /// Secret ID: the JWT header `kid`.
    pub secret_id: String,
    /// Secret value: the HS256 key.
    pub secret_value: SecretString,
    /// Disabled apps reject every token.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// One workbook.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkbookData {
    /// Workbook LUID.
    pub id: String,
    /// Content URL of the site it lives on.
    pub site: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Content URL of the workbook.
    pub content_url: String,
    /// Project LUID.
    pub project_id: String,
    /// Project name.
    pub project_name: String,
    /// Owner's user LUID.
    pub owner_id: String,
    /// Tag labels.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Creation time, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created_at: String,
    /// Update time, `YYYY-MM-DDTHH:MM:SSZ`.
    pub updated_at: String,
    /// Size in MB.
    #[serde(default)]
    pub size: u64,
    /// Whether views show as tabs.
    #[serde(default)]
    pub show_tabs: bool,
    /// View names (`GET …/workbooks/{id}` lists them).
    #[serde(default)]
    pub views: Vec<String>,
}

/// Password of the default `admin` user.
pub const ADMIN_PASSWORD: &str = "admin-password";
/// Password of the default `analyst` user.
pub const ANALYST_PASSWORD: &str = "analyst-password";
/// Name of the default personal access token (owned by `admin`).
pub const PAT_NAME: &str = "quickstart";
/// Secret of the default personal access token.
pub const PAT_SECRET: &str = "quickstart-secret";
/// Secret value of the default connected app (test-only; published on purpose).
pub const CONNECTED_APP_SECRET_VALUE: &str =
    "tsc-testserver-connected-app-secret-value-do-not-use-in-production";

const ADJECTIVES: &[&str] = &[
    "Regional",
    "Quarterly",
    "Global",
    "Weekly",
    "Executive",
    "Customer",
    "Product",
    "Supply",
    "Marketing",
    "Finance",
];
const NOUNS: &[&str] = &[
    "Sales",
    "Overview",
    "Forecast",
    "Pipeline",
    "Retention",
    "Inventory",
    "Budget",
    "Traffic",
    "Returns",
    "Margins",
    "Churn",
    "Signups",
    "Orders",
];
const TAGS: &[&str] = &["certified", "finance", "marketing", "draft", "sample"];
const PROJECTS: &[&str] = &["default", "Sales", "Operations"];

impl DataSet {
    /// The documented default data with `workbooks_per_site` workbooks on each site.
    ///
    /// ```
    /// let data = tsc_testserver::DataSet::default_data(3);
    /// assert_eq!(data.sites.len(), 3);
    /// assert_eq!(data.workbooks.len(), 9);
    /// assert_eq!(data.site_by_content_url("").map(|s| s.name.as_str()), Some("Default"));
    /// ```
    pub fn default_data(workbooks_per_site: usize) -> DataSet {
        let sites: Vec<SiteData> = [
            ("Default", ""),
            ("MarketingTeam", "MarketingTeam"),
            ("Finance", "Finance"),
        ]
        .iter()
        .map(|(name, content_url)| SiteData {
            id: luid(&format!("site:{content_url}")),
            name: (*name).to_owned(),
            content_url: (*content_url).to_owned(),
        })
        .collect();
        let users = vec![
            UserData {
                id: luid("user:admin"),
                name: "admin".to_owned(),
                full_name: "Admin User".to_owned(),
                email: "admin@example.com".to_owned(),
                password: SecretString::from(ADMIN_PASSWORD),
                server_admin: true,
                site_role: "ServerAdministrator".to_owned(),
                sites: sites.iter().map(|s| s.content_url.clone()).collect(),
                mfa: false,
            },
            UserData {
                id: luid("user:analyst"),
                name: "analyst".to_owned(),
                full_name: "Analyst User".to_owned(),
                email: "analyst@example.com".to_owned(),
                password: SecretString::from(ANALYST_PASSWORD),
                server_admin: false,
                site_role: "Explorer".to_owned(),
                sites: vec![String::new(), "MarketingTeam".to_owned()],
                mfa: false,
            },
        ];
        let personal_access_tokens = vec![PatData {
            name: PAT_NAME.to_owned(),
            secret: SecretString::from(PAT_SECRET),
            user: "admin".to_owned(),
        }];
        let connected_apps = vec![ConnectedAppData {
            client_id: luid("connected-app:client-id"),
            secret_id: luid("connected-app:secret-id"),
            secret_value: SecretString::from(CONNECTED_APP_SECRET_VALUE),
            enabled: true,
        }];
        let mut workbooks = Vec::new();
        for site in &sites {
            for i in 0..workbooks_per_site {
                workbooks.push(default_workbook(site, &users, i));
            }
        }
        DataSet {
            sites,
            users,
            personal_access_tokens,
            connected_apps,
            workbooks,
        }
    }

    /// The site with this content URL (case-insensitive, as Tableau treats content URLs).
    pub fn site_by_content_url(&self, content_url: &str) -> Option<&SiteData> {
        self.sites
            .iter()
            .find(|s| s.content_url.eq_ignore_ascii_case(content_url))
    }

    /// The site with this LUID.
    pub fn site_by_id(&self, id: &str) -> Option<&SiteData> {
        self.sites.iter().find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// The site with this display name.
    pub fn site_by_name(&self, name: &str) -> Option<&SiteData> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// The user with this sign-in name.
    pub fn user(&self, name: &str) -> Option<&UserData> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The user with this LUID.
    pub fn user_by_id(&self, id: &str) -> Option<&UserData> {
        self.users.iter().find(|u| u.id.eq_ignore_ascii_case(id))
    }

    /// The user a JWT subject names: sign-in name or e-mail, case-sensitive.
    pub fn user_by_subject(&self, sub: &str) -> Option<&UserData> {
        self.users
            .iter()
            .find(|u| u.name == sub || (!u.email.is_empty() && u.email == sub))
    }

    /// Workbooks on the site with this content URL, in stable order.
    pub fn workbooks_on(&self, content_url: &str) -> impl Iterator<Item = &WorkbookData> {
        let content_url = content_url.to_owned();
        self.workbooks
            .iter()
            .filter(move |w| w.site.eq_ignore_ascii_case(&content_url))
    }

    /// Checks internal consistency (unique IDs, references that resolve).
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for s in &self.sites {
            if Uuid::parse_str(&s.id).is_err() {
                return Err(format!("site {:?}: id is not a LUID", s.name));
            }
            if !seen.insert(s.content_url.to_ascii_lowercase()) {
                return Err(format!("duplicate site content URL {:?}", s.content_url));
            }
        }
        for u in &self.users {
            if Uuid::parse_str(&u.id).is_err() {
                return Err(format!("user {:?}: id is not a LUID", u.name));
            }
            for site in &u.sites {
                if self.site_by_content_url(site).is_none() {
                    return Err(format!("user {:?}: unknown site {site:?}", u.name));
                }
            }
        }
        for p in &self.personal_access_tokens {
            if self.user(&p.user).is_none() {
                return Err(format!("PAT {:?}: unknown user {:?}", p.name, p.user));
            }
        }
        for w in &self.workbooks {
            if self.site_by_content_url(&w.site).is_none() {
                return Err(format!("workbook {:?}: unknown site {:?}", w.name, w.site));
            }
        }
        Ok(())
    }
}

/// Secrets are not compared by `==` anywhere else; this keeps the comparison in one place.
pub(crate) fn secret_eq(stored: &SecretString, given: &str) -> bool {
    let a = stored.expose_secret().as_bytes();
    let b = given.as_bytes();
    // Constant-time-ish: no early exit on the first differing byte.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn default_workbook(site: &SiteData, users: &[UserData], i: usize) -> WorkbookData {
    let adjective = ADJECTIVES[i % ADJECTIVES.len()];
    let noun = NOUNS[(i / ADJECTIVES.len()) % NOUNS.len()];
    let name = format!("{adjective} {noun} {:03}", i + 1);
    let content_url = name.replace(' ', "");
    let project_name = PROJECTS[i % PROJECTS.len()];
    let members: Vec<&UserData> = users
        .iter()
        .filter(|u| u.sites.iter().any(|s| s == &site.content_url))
        .collect();
    let owner_id = members
        .get(i % members.len().max(1))
        .map(|u| u.id.clone())
        .unwrap_or_default();
    let tags = (0..i % 3)
        .map(|k| TAGS[(i + k) % TAGS.len()].to_owned())
        .collect();
    // 2024-01-01T00:00:00Z plus i days and a few hours: distinct, ordered, always valid dates.
    let base = 1_704_067_200i64;
    let created = base + (i as i64) * 86_400 + ((i % 24) as i64) * 3_600;
    let updated = created + ((i % 30) as i64 + 1) * 86_400 + 1_800;
    let views = (1..=1 + i % 3)
        .map(|v| format!("{noun} Sheet {v}"))
        .collect();
    WorkbookData {
        id: luid(&format!("workbook:{}:{i}", site.content_url)),
        site: site.content_url.clone(),
        description: format!("{name} on {}", site.name),
        content_url,
        project_id: luid(&format!("project:{}:{project_name}", site.content_url)),
        project_name: project_name.to_owned(),
        owner_id,
        tags,
        created_at: format_timestamp(created),
        updated_at: format_timestamp(updated),
        size: 1 + (i as u64 * 7) % 50,
        show_tabs: i.is_multiple_of(2),
        views,
        name,
    }
}

pub(crate) fn format_timestamp(unix: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_data_is_deterministic_and_consistent() {
        let a = DataSet::default_data(25);
        let b = DataSet::default_data(25);
        assert_eq!(a.sites[1].id, b.sites[1].id);
        assert_eq!(a.workbooks[24].id, b.workbooks[24].id);
        assert_eq!(a.workbooks.len(), 75);
        a.validate().expect("default data is consistent");
        let names: std::collections::HashSet<_> = a.workbooks_on("").map(|w| &w.name).collect();
        assert_eq!(names.len(), 25, "names are unique per site");
        assert!(a.workbooks.iter().all(|w| w.created_at < w.updated_at));
        // Finance has only admin, so admin owns everything there.
        let admin = a.user("admin").map(|u| u.id.clone());
        assert!(
            a.workbooks_on("Finance")
                .all(|w| Some(&w.owner_id) == admin.as_ref())
        );
    }

    #[test]
    fn luids_have_uuid_shape() {
        let id = luid("site:");
        assert_eq!(id.len(), 36);
        assert!(Uuid::parse_str(&id).is_ok());
        assert_ne!(luid("a"), luid("b"));
    }

    #[test]
    fn timestamps_format_like_tableau() {
        assert_eq!(format_timestamp(1_704_067_200), "2024-01-01T00:00:00Z");
    }

    #[test]
    fn secret_comparison() {
        let s = SecretString::from("abc");
        assert!(secret_eq(&s, "abc"));
        assert!(!secret_eq(&s, "abd"));
        assert!(!secret_eq(&s, "ab"));
    }
}
