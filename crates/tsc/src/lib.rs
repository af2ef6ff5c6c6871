//! # tsc — the Tableau Server Client for Rust
//!
//! A thin facade over the layers of the workspace, named like the Python
//! `tableauserverclient` (TSC) so its sign-in guide ports line by line:
//!
//! | Python TSC | tsc |
//! |---|---|
//! | `TSC.Server(url, use_server_version=True)` | `Server::builder(url).use_server_version(true).build().await?` |
//! | `TSC.PersonalAccessTokenAuth(name, value, site_id=site)` | [`PersonalAccessTokenAuth::new`] |
//! | `TSC.TableauAuth(user, password, site_id=site)` | [`TableauAuth::new`] |
//! | `TSC.JWTAuth(jwt, site_id=site)` | [`JwtAuth::new`] (UAT: [`JwtAuth::uat`]) |
//! | `server.auth.sign_in(auth)` | `server.auth().sign_in(&auth).await?` |
//! | `with server.auth.sign_in(auth):` | `server.auth().with_sign_in(&auth, async \|server\| { … }).await` |
//! | `server.auth.switch_site(site)` | `server.auth().switch_site(&site).await?` |
//! | `server.auth.sign_out()` | `server.auth().sign_out().await?` |
//! | `server.add_http_options({'verify': ca})` | `server.add_http_options(HttpOptions::new().verify(Verify::CaFile(ca)))?` |
//!
//! The layers are re-exported: [`model`] (XML types, no I/O), [`transport`] (tower/hyper,
//! TLS, redirects) and [`auth`] (credentials and sessions).
//!
//! # Example
//!
//! Against a real server you would write `Server::builder("https://tableau.example.com")`;
//! here the emulated server runs in memory as the transport, so this example really runs:
//!
//! ```
//! use futures_util::TryStreamExt;
//! use tsc::{PersonalAccessTokenAuth, Server, transport::Transport};
//! use tsc_testserver::{Config, TestServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> tsc::Result<()> {
//! let emulator = TestServer::new(Config::server().workbooks_per_site(30));
//! let server = Server::builder("https://tableau.example.com")
//!     .transport(Transport::new(emulator.service()))
//!     .use_server_version(true)
//!     .build()
//!     .await?;
//! let tableau_auth = PersonalAccessTokenAuth::new("quickstart", "quickstart-secret", "");
//! let session = server.auth().sign_in(&tableau_auth).await?;
//!
//! let (first_page, pagination) = server.workbooks().get().await?;
//! assert_eq!(pagination.total_available, 30);
//! let all: Vec<_> = server.workbooks().all().try_collect().await?;
//! assert_eq!(all.len(), first_page.len());
//!
//! let site = server.sites().get_by_name("MarketingTeam").await?;
//! server.auth().switch_site(&site).await?;
//! assert_eq!(server.site_url().as_deref(), Some("MarketingTeam"));
//!
//! session.sign_out().await?;
//! assert!(!server.is_signed_in());
//! # Ok(()) }
//! ```

mod endpoints;
mod error;
mod request_options;
mod server;

pub use tsc_auth as auth;
pub use tsc_model as model;
pub use tsc_transport as transport;

pub use endpoints::{
    AuthEndpoint, Pager, ServerInfoEndpoint, SignInGuard, SitesEndpoint, WorkbooksEndpoint,
};
pub use error::{Error, Result};
pub use request_options::{MAX_PAGE_SIZE, RequestOptions};
pub use server::{HttpOptions, Server, ServerBuilder, Verify};

pub use tsc_auth::{
    ConnectedAppAuth, CredentialStrategy, Deployment, JwtAuth, PersonalAccessTokenAuth,
    ReauthPolicy, SessionInfo, SessionToken, TableauAuth,
};
pub use tsc_model::{ApiVersion, PaginationItem, ServerInfoItem, SiteItem, WorkbookItem};
pub use tsc_transport::RedirectPolicy;
