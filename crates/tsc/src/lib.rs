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
