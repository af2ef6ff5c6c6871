//! What every example shares: where to connect and with which credentials.
//!
//! By default the examples start the embedded emulated server (`tsc-testserver`) on
//! loopback TLS with a freshly generated CA, so they run with no Tableau Server of your own.
//! Set `TSC_SERVER_URL` (and the credential variables below) to target a real server:
//!
//! | variable | used for |
//! |---|---|
//! | `TSC_SERVER_URL` | the server, e.g. `https://tableau.example.com` |
//! | `TSC_SITE` | site content URL (`""` or unset = Default site) |
//! | `TSC_CA_FILE` | a PEM CA bundle to trust in addition to the system roots |
//! | `TSC_TOKEN_NAME`, `TSC_TOKEN_VALUE` | personal access token |
//! | `TSC_USERNAME`, `TSC_PASSWORD` | username / password |
//! | `TSC_CLIENT_ID`, `TSC_SECRET_ID`, `TSC_SECRET_VALUE`, `TSC_JWT_USERNAME` | connected app |
//! | `TSC_IMPERSONATE_USER_ID` | user LUID to impersonate |
//! | `TSC_NEW_SITE` | site name to switch to |

#![allow(dead_code, unreachable_pub)] // each example uses a different subset of this module

use std::env;
use std::path::PathBuf;

use tsc::Verify;
use tsc_testserver::{Config, ListenOptions, RunningServer, TestServer};

/// Where an example connects, and what it may use there.
pub struct Target {
    /// The server URL (https).
    pub url: String,
    /// The plain-http URL that redirects to `url` (embedded server only).
    pub http_redirect_url: Option<String>,
    /// The CA to trust, if any.
    pub ca_file: Option<PathBuf>,
    /// Site content URL.
    pub site: String,
    /// Site to switch to.
    pub new_site_name: String,
    /// Personal access token (name, secret).
    pub pat: Option<(String, String)>,
    /// Username and password.
    pub password: Option<(String, String)>,
    /// Connected app: client id, secret id, secret value, username.
    pub connected_app: Option<(String, String, String, String)>,
    /// A user LUID to impersonate.
    pub impersonate: Option<String>,
    /// The embedded server, kept alive for the example's lifetime.
    pub embedded: Option<RunningServer>,
}

impl Target {
    /// `Verify::CaFile` for the embedded server's CA (or `TSC_CA_FILE`), else system roots.
    pub fn verify(&self) -> Verify {
        match &self.ca_file {
            Some(p) => Verify::CaFile(p.clone()),
            None => Verify::System,
        }
    }

    /// `true` when running against the embedded emulated server.
    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }
}

fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.is_empty())
}

/// The target: a real server from the environment, or the embedded emulator.
pub async fn target() -> Result<Target, Box<dyn std::error::Error>> {
    target_with(Config::server()).await
}

/// Like [`target`], with an emulator configuration of your choice.
pub async fn target_with(config: Config) -> Result<Target, Box<dyn std::error::Error>> {
    if let Some(url) = var("TSC_SERVER_URL") {
        let pair = |a: &str, b: &str| Some((var(a)?, var(b)?));
        return Ok(Target {
            url,
            http_redirect_url: None,
            ca_file: var("TSC_CA_FILE").map(PathBuf::from),
            site: var("TSC_SITE").unwrap_or_default(),
            new_site_name: var("TSC_NEW_SITE").unwrap_or_default(),
            pat: pair("TSC_TOKEN_NAME", "TSC_TOKEN_VALUE"),
            password: pair("TSC_USERNAME", "TSC_PASSWORD"),
            connected_app: (|| {
                Some((
                    var("TSC_CLIENT_ID")?,
                    var("TSC_SECRET_ID")?,
                    var("TSC_SECRET_VALUE")?,
                    var("TSC_JWT_USERNAME")?,
                ))
            })(),
            impersonate: var("TSC_IMPERSONATE_USER_ID"),
            embedded: None,
        });
    }
    let emulator = TestServer::try_new(config)?;
    let running = emulator.start(ListenOptions::loopback()).await?;
    let data = emulator.data();
    let app = data
        .connected_apps
        .first()
        .ok_or("the emulator has no connected app")?;
    let pat = data
        .personal_access_tokens
        .first()
        .ok_or("the emulator has no PAT")?;
    use secrecy::ExposeSecret;
    let pat_owner = pat.user.clone();
    let site = if emulator.mode().as_str() == "cloud" {
        "MarketingTeam".to_owned()
    } else {
        String::new()
    };
    Ok(Target {
        url: running.https_url.clone(),
        http_redirect_url: Some(running.http_redirect_url.clone()),
        ca_file: Some(running.ca_file.clone()),
        site,
        new_site_name: "MarketingTeam".to_owned(),
        pat: Some((pat.name.clone(), pat.secret.expose_secret().to_owned())),
        password: Some(("analyst".to_owned(), "analyst-password".to_owned())),
        connected_app: Some((
            app.client_id.clone(),
            app.secret_id.clone(),
            app.secret_value.expose_secret().to_owned(),
            pat_owner,
        )),
        impersonate: emulator.user_id("analyst").map(str::to_owned),
        embedded: Some(running),
    })
}
