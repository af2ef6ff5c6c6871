//! Sign in with a personal access token — the guide's first snippet.
//!
//! ```python
//! tableau_auth = TSC.PersonalAccessTokenAuth('TOKEN_NAME', 'TOKEN_VALUE', site_id='CONTENTURL')
//! server = TSC.Server('https://SERVER_URL', use_server_version=True)
//! server.auth.sign_in(tableau_auth)
//! ```
//!
//! `cargo run --example sign_in_pat` (embedded server by default; see `common/mod.rs`).

mod common;

use tsc::{PersonalAccessTokenAuth, Server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let (name, value) = target
        .pat
        .clone()
        .ok_or("set TSC_TOKEN_NAME and TSC_TOKEN_VALUE")?;

    let tableau_auth = PersonalAccessTokenAuth::new(name, value, target.site.clone());
    let server = Server::builder(&target.url)
        .verify(target.verify())
        .use_server_version(true)
        .build()
        .await?;
    let session = server.auth().sign_in(&tableau_auth).await?;

    println!("signed in with {tableau_auth:?}"); // Debug never shows the secret
    println!(
        "site id {}, user id {}",
        server.site_id().unwrap_or_default(),
        server.user_id().unwrap_or_default()
    );
    if let Some(expiry) = session.session().and_then(|s| s.pat_expiry().cloned()) {
        println!(
            "the personal access token expires in about {}",
            describe(&expiry)
        );
    }
    session.sign_out().await?;
    println!("signed out");
    Ok(())
}

/// "173 days, 21 h" from the sign-in answer's `estimatedTimeToExpiration`.
fn describe(expiry: &tsc::auth::PatExpiry) -> String {
    match expiry.remaining {
        Some(d) => format!(
            "{} days, {} h",
            d.as_secs() / 86_400,
            d.as_secs() % 86_400 / 3600
        ),
        None => format!("`{}` (unrecognised format)", expiry.raw),
    }
}
