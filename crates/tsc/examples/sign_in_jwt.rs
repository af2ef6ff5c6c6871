//! Sign in with a JSON Web Token from a connected app (direct trust).
//!
//! ```python
//! tableau_auth = TSC.JWTAuth('JWT', site_id='CONTENTURL')   # not JWTAuth('JWT', 'SITE')!
//! server.auth.sign_in(tableau_auth)
//! ```
//!
//! TSC's second positional argument is `isUat`, so `JWTAuth('JWT', 'SITENAME')` silently
//! asks for a UAT sign-in. Here the two are different constructors: `JwtAuth::new` and
//! `JwtAuth::uat`. A raw JWT signs in once; `ConnectedAppAuth` mints a fresh one for every
//! sign-in, so the session can be renewed when it expires.
//!
//! `cargo run --example sign_in_jwt` (with `-- --cloud` for a Tableau Cloud UAT sign-in
//! against the embedded server in cloud mode).

mod common;

use std::time::Duration;

use tsc::{ConnectedAppAuth, JwtAuth, Server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cloud = std::env::args().any(|a| a == "--cloud");
    if cloud {
        return uat().await;
    }
    let target = common::target().await?;
    let (client_id, secret_id, secret_value, username) = target
        .connected_app
        .clone()
        .ok_or("set TSC_CLIENT_ID, TSC_SECRET_ID, TSC_SECRET_VALUE, TSC_JWT_USERNAME")?;
    let server = Server::builder(&target.url)
        .verify(target.verify())
        .use_server_version(true)
        .build()
        .await?;

    // A connected app that mints a fresh HS256 JWT for every sign-in.
    let connected_app = ConnectedAppAuth::builder(client_id, secret_id, secret_value, username)
        .scopes(["tableau:content:read"])
        .lifetime(Duration::from_secs(5 * 60))
        .site_id(target.site.clone())
        .build()?;
    let session = server.auth().sign_in(&connected_app).await?;
    println!(
        "signed in with a minted connected-app JWT: user {}",
        server.user_id().unwrap_or_default()
    );
    session.sign_out().await?;

    // The guide's form: a JWT you obtained elsewhere (here: minted once by the same app).
    let jwt = connected_app.mint_jwt()?;
    let tableau_auth = JwtAuth::new(jwt, target.site.clone());
    let session = server.auth().sign_in(&tableau_auth).await?;
    println!("signed in with a raw JWT ({tableau_auth:?})");
    session.sign_out().await?;
    println!("signed out");
    Ok(())
}

/// Tableau Cloud Unified Access Token: `JwtAuth::uat`, REST API 3.27 or later.
async fn uat() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target_with(tsc_testserver::Config::cloud()).await?;
    let embedded = target
        .embedded
        .as_ref()
        .ok_or("the UAT demo needs the embedded server")?;
    // Stands in for your identity provider: the emulator signs a UAT with its private key.
    let jwt = embedded
        .server()
        .uat_jwt("admin@example.com", &["tableau:content:read"])
        .ok_or("the emulator is not in cloud mode")?;
    let server = Server::builder(&target.url)
        .verify(target.verify())
        .deployment(tsc::Deployment::Cloud)
        .use_server_version(true)
        .build()
        .await?;
    let session = server
        .auth()
        .sign_in(&JwtAuth::uat(jwt, target.site.clone()))
        .await?;
    println!(
        "signed in to Tableau Cloud (emulated) with a UAT: site `{}`, user {}",
        server.site_url().unwrap_or_default(),
        server.user_id().unwrap_or_default()
    );
    session.sign_out().await?;
    println!("signed out");
    Ok(())
}
