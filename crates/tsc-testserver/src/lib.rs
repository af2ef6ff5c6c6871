//! # tsc-testserver
//!
//! An emulated Tableau Server / Tableau Cloud REST API (authentication surface, sites,
//! workbooks) for tests, the quickstart and users' own CI. It runs
//!
//! * **in memory**, as a tower [`Service`](tower_service::Service) ([`TestServer::service`]),
//! * **on loopback**, with an HTTPS listener whose certificate comes from a CA generated at
//!   start, a plain-HTTP listener that redirects every request to it, and optionally a plain
//!   HTTP API listener ([`TestServer::start`]),
//! * as the **`tsc-testserver` binary**, which prints one JSON line when ready.
//!
//! It shares no code with the client crates (`tsc-model`, `tsc-transport`, `tsc-auth`, `tsc`):
//! it is the yardstick, so a misunderstanding must not be able to hide on both sides.
//! Behaviour follows the workspace's REST reference; choices where the real server's
//! behaviour is unconfirmed are marked in the code and listed in the README.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use tower::ServiceExt;
//! use tsc_testserver::{Config, TestServer};
//!
//! let server = TestServer::new(Config::server().workbooks_per_site(3));
//! let sign_in = http::Request::post("/api/3.27/auth/signin")
//!     .body(r#"<tsRequest><credentials personalAccessTokenName="quickstart"
//!               personalAccessTokenSecret="quickstart-secret"><site contentUrl="" />
//!               </credentials></tsRequest>"#.to_string())
//!     .unwrap();
//! let response = server.service().oneshot(sign_in).await.unwrap();
//! assert_eq!(response.status(), 200);
//! assert_eq!(server.counters().sign_ins.pat, 1);
//! # });
//! ```

mod body;
mod config;
mod control;
mod data;
mod error;
mod jwt;
mod net;
mod parse;
mod routes;
mod server;
mod xml;

pub use body::{BoxError, DroppedMidBody, TestBody};
pub use config::{
    CLOUD_SESSION_TTL, Config, DEFAULT_WORKBOOKS_PER_SITE, Mode, SERVER_SESSION_TTL, SessionExpiry,
    UatSettings,
};
pub use control::{Clock, Counters, Fault, FaultInjector, SignInCounts};
pub use data::{
    ADMIN_PASSWORD, ANALYST_PASSWORD, CONNECTED_APP_SECRET_VALUE, ConnectedAppData, DataSet,
    PAT_NAME, PAT_SECRET, PatData, SiteData, UserData, WorkbookData, luid,
};
pub use error::Error;
pub use jwt::{UAT_TENANT_CLAIM, UatKey, mint_connected_app_jwt, mint_uat_jwt};
pub use net::{ListenOptions, RunningServer};
pub use routes::{ApiVersion, Route};
pub use server::{AUTH_HEADER, SessionInfo, SignInKind, TestServer, TestService};

/// The REST API version the emulator answers by default.
pub const DEFAULT_API_VERSION: &str = "3.27";

#[cfg(test)]
mod tests {
    #[test]
    fn default_version_is_dotted() {
        assert!(crate::ApiVersion::parse(super::DEFAULT_API_VERSION).is_some());
    }
}
