//! Request bodies: sign-in and switch-site.
//!
//! Canonical form (what [`SignInRequest::to_xml`] and [`SwitchSiteRequest::to_xml`] write, byte
//! for byte): the shape TSC sends — no XML declaration, no namespace, no whitespace between
//! elements, attributes in TSC's order (`name, password` / `personalAccessTokenName,
//! personalAccessTokenSecret` / `jwt, isUat`), empty elements written as `<site contentUrl="…" />`
//! (with the space, as Python's ElementTree writes them), `site` before `user`.
//! Attribute values escape `& < > " '` and write tab, newline and carriage return as character
//! references so attribute-value normalization cannot turn them into spaces.

use secrecy::{ExposeSecret, SecretString};

use crate::xml::{Parser, push_attr};
use crate::{ApiVersion, Error};

/// The credentials of a sign-in request. `Debug` never shows the password, secret or JWT.
///
/// ```
/// use tsc_model::SignInCredentials;
/// let creds = SignInCredentials::password("alice", "s3cret");
/// assert!(!format!("{creds:?}").contains("s3cret"));
/// ```
#[derive(Debug, Clone)]
pub enum SignInCredentials {
    /// Username and password (`name`, `password`).
    Password {
        /// The user's sign-in name.
        name: String,
        /// The password.
        password: SecretString,
    },
    /// Personal access token (`personalAccessTokenName`, `personalAccessTokenSecret`).
    PersonalAccessToken {
        /// The token's name.
        name: String,
        /// The token's secret.
        secret: SecretString,
    },
    /// A JWT: connected app (`is_uat = false`) or Unified Access Token (`is_uat = true`).
    /// `isUat` is always sent, as TSC (≥ 0.39) does.
    Jwt {
        /// The signed JWT.
        jwt: SecretString,
        /// `true` for a Tableau Cloud Unified Access Token.
        is_uat: bool,
    },
}

impl SignInCredentials {
    /// Username and password.
    pub fn password(name: impl Into<String>, password: impl Into<String>) -> Self {
        SignInCredentials::Password {
            name: name.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// Personal access token name and secret.
    pub fn personal_access_token(name: impl Into<String>, secret: impl Into<String>) -> Self {
        SignInCredentials::PersonalAccessToken {
            name: name.into(),
            secret: SecretString::from(secret.into()),
        }
    }

    /// A connected-app JWT (`isUat="false"`).
    pub fn jwt(jwt: impl Into<String>) -> Self {
        SignInCredentials::Jwt {
            jwt: SecretString::from(jwt.into()),
            is_uat: false,
        }
    }

    /// A Unified Access Token JWT (`isUat="true"`).
    pub fn unified_access_token(jwt: impl Into<String>) -> Self {
        SignInCredentials::Jwt {
            jwt: SecretString::from(jwt.into()),
            is_uat: true,
        }
    }

    /// The lowest REST API version that accepts these credentials: password 2.0, PAT 3.6,
    /// connected-app JWT 3.17, UAT 3.27.
    pub fn minimum_version(&self) -> ApiVersion {
        match self {
            SignInCredentials::Password { .. } => ApiVersion::SIGN_IN,
            SignInCredentials::PersonalAccessToken { .. } => ApiVersion::PAT,
            SignInCredentials::Jwt { is_uat: false, .. } => ApiVersion::JWT,
            SignInCredentials::Jwt { is_uat: true, .. } => ApiVersion::UAT,
        }
    }

    /// A short name of the credential kind, safe to log: `password`, `personal access token`,
    /// `connected-app JWT` or `unified access token`.
    pub fn kind(&self) -> &'static str {
        match self {
            SignInCredentials::Password { .. } => "password",
            SignInCredentials::PersonalAccessToken { .. } => "personal access token",
            SignInCredentials::Jwt { is_uat: false, .. } => "connected-app JWT",
            SignInCredentials::Jwt { is_uat: true, .. } => "unified access token",
        }
    }
}

/// `POST /api/{v}/auth/signin` body.
///
/// ```
/// use tsc_model::{SignInCredentials, SignInRequest};
/// let body = SignInRequest::new(SignInCredentials::password("admin", "pw"), "")
///     .impersonate("dd2239f6-ddf1-4107-981a-4cf94e415794")
///     .to_xml();
/// assert_eq!(
///     body,
///     r#"<tsRequest><credentials name="admin" password="pw"><site contentUrl="" /><user id="dd2239f6-ddf1-4107-981a-4cf94e415794" /></credentials></tsRequest>"#
/// );
/// ```
#[derive(Debug, Clone)]
pub struct SignInRequest {
    credentials: SignInCredentials,
    site_content_url: String,
    impersonate_user_id: Option<String>,
}

impl SignInRequest {
    /// Signs in to the site with `site_content_url` (`""` = the Default site on Tableau Server;
    /// on Tableau Cloud the name after `#/site/` in the browser URL).
    pub fn new(credentials: SignInCredentials, site_content_url: impl Into<String>) -> Self {
        SignInRequest {
            credentials,
            site_content_url: site_content_url.into(),
            impersonate_user_id: None,
        }
    }

    /// Signs in as the user with this LUID (server administrators only; Tableau Server only).
    pub fn impersonate(mut self, user_id: impl Into<String>) -> Self {
        self.impersonate_user_id = Some(user_id.into());
        self
    }

    /// The credentials.
    pub fn credentials(&self) -> &SignInCredentials {
        &self.credentials
    }

    /// The site's content URL.
    pub fn site_content_url(&self) -> &str {
        &self.site_content_url
    }

    /// The LUID of the user to impersonate, if any.
    pub fn impersonate_user_id(&self) -> Option<&str> {
        self.impersonate_user_id.as_deref()
    }

    /// The lowest REST API version that accepts this request: the credentials' floor, raised
    /// to 3.11 for personal-access-token impersonation.
    pub fn minimum_version(&self) -> ApiVersion {
        let floor = self.credentials.minimum_version();
        match (&self.credentials, &self.impersonate_user_id) {
            (SignInCredentials::PersonalAccessToken { .. }, Some(_)) => {
                floor.max(ApiVersion::PAT_IMPERSONATION)
            }
            _ => floor,
        }
    }

    /// The XML body in the canonical form described in the [module docs](self).
    ///
    /// The result necessarily contains the secret: it is the wire format. Do not log it.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(160);
        out.push_str("<tsRequest><credentials");
        match &self.credentials {
            SignInCredentials::Password { name, password } => {
                push_attr(&mut out, "name", name);
                push_attr(&mut out, "password", password.expose_secret());
            }
            SignInCredentials::PersonalAccessToken { name, secret } => {
                push_attr(&mut out, "personalAccessTokenName", name);
                push_attr(
                    &mut out,
                    "personalAccessTokenSecret",
                    secret.expose_secret(),
                );
            }
            SignInCredentials::Jwt { jwt, is_uat } => {
                push_attr(&mut out, "jwt", jwt.expose_secret());
                push_attr(&mut out, "isUat", if *is_uat { "true" } else { "false" });
            }
        }
        out.push_str("><site");
        push_attr(&mut out, "contentUrl", &self.site_content_url);
        out.push_str(" />");
        if let Some(user_id) = &self.impersonate_user_id {
            out.push_str("<user");
            push_attr(&mut out, "id", user_id);
            out.push_str(" />");
        }
        out.push_str("</credentials></tsRequest>");
        out
    }

    /// Decodes a sign-in request body (for servers and emulators). The credential kind is
    /// chosen by the attributes present: `jwt`, else `personalAccessTokenName`, else `name`.
    /// A missing `isUat` means `false`.
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        const PATH: &str = "tsRequest/credentials";
        let (mut parser, root) = Parser::open(body, "tsRequest")?;
        let mut request = None;
        while let Some(child) = parser.next_child(&root)? {
            if request.is_some() || child.local_name() != "credentials" {
                parser.skip(child)?;
                continue;
            }
            let mut name = None;
            let mut password = None;
            let mut pat_name = None;
            let mut pat_secret = None;
            let mut jwt = None;
            let mut is_uat = false;
            for attr in child.attrs(&parser, PATH) {
                let attr = attr?;
                match attr.name() {
                    "name" => name = Some(attr.string()?),
                    "password" => password = Some(SecretString::from(attr.secret()?)),
                    "personalAccessTokenName" => pat_name = Some(attr.string()?),
                    "personalAccessTokenSecret" => {
                        pat_secret = Some(SecretString::from(attr.secret()?));
                    }
                    "jwt" => jwt = Some(SecretString::from(attr.secret()?)),
                    "isUat" => is_uat = attr.boolean()?,
                    _ => {}
                }
            }
            let missing = |attribute| Error::MissingAttribute {
                element: PATH,
                attribute,
            };
            let credentials = if let Some(jwt) = jwt {
                SignInCredentials::Jwt { jwt, is_uat }
            } else if let Some(name) = pat_name {
                SignInCredentials::PersonalAccessToken {
                    name,
                    secret: pat_secret.ok_or_else(|| missing("personalAccessTokenSecret"))?,
                }
            } else if let Some(name) = name {
                SignInCredentials::Password {
                    name,
                    password: password.ok_or_else(|| missing("password"))?,
                }
            } else {
                return Err(missing("name"));
            };
            let (mut site, mut user) = (None, None);
            while let Some(grandchild) = parser.next_child(&child)? {
                match grandchild.local_name() {
                    "site" if site.is_none() => {
                        let mut content_url = String::new();
                        for attr in grandchild.attrs(&parser, "tsRequest/credentials/site") {
                            let attr = attr?;
                            if attr.name() == "contentUrl" {
                                content_url = attr.string()?;
                            }
                        }
                        site = Some(content_url);
                    }
                    "user" if user.is_none() => {
                        for attr in grandchild.attrs(&parser, "tsRequest/credentials/user") {
                            let attr = attr?;
                            if attr.name() == "id" {
                                user = Some(attr.string()?);
                            }
                        }
                        if user.is_none() {
                            return Err(Error::MissingAttribute {
                                element: "tsRequest/credentials/user",
                                attribute: "id",
                            });
                        }
                    }
                    _ => {}
                }
                parser.skip(grandchild)?;
            }
            let site = site.ok_or(Error::MissingElement {
                name: "site",
                parent: PATH,
            })?;
            request = Some(SignInRequest {
                credentials,
                site_content_url: site,
                impersonate_user_id: user,
            });
        }
        parser.finish()?;
        request.ok_or(Error::MissingElement {
            name: "credentials",
            parent: "tsRequest",
        })
    }
}

/// `POST /api/{v}/auth/switchSite` body: `<tsRequest><site contentUrl="…" /></tsRequest>`.
///
/// ```
/// use tsc_model::SwitchSiteRequest;
/// assert_eq!(
///     SwitchSiteRequest::new("Finance").to_xml(),
///     r#"<tsRequest><site contentUrl="Finance" /></tsRequest>"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchSiteRequest {
    content_url: String,
}

impl SwitchSiteRequest {
    /// Switches to the site with this content URL (`""` = Default site).
    pub fn new(content_url: impl Into<String>) -> Self {
        SwitchSiteRequest {
            content_url: content_url.into(),
        }
    }

    /// The target site's content URL.
    pub fn content_url(&self) -> &str {
        &self.content_url
    }

    /// The XML body, in the canonical form of the [module docs](self).
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<tsRequest><site");
        push_attr(&mut out, "contentUrl", &self.content_url);
        out.push_str(" /></tsRequest>");
        out
    }

    /// Decodes a switch-site request body (for servers and emulators).
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        let (mut parser, root) = Parser::open(body, "tsRequest")?;
        let mut found = None;
        while let Some(child) = parser.next_child(&root)? {
            if found.is_none() && child.local_name() == "site" {
                let mut content_url = String::new();
                for attr in child.attrs(&parser, "tsRequest/site") {
                    let attr = attr?;
                    if attr.name() == "contentUrl" {
                        content_url = attr.string()?;
                    }
                }
                found = Some(SwitchSiteRequest { content_url });
            }
            parser.skip(child)?;
        }
        parser.finish()?;
        found.ok_or(Error::MissingElement {
            name: "site",
            parent: "tsRequest",
        })
    }
}
