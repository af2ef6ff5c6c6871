//! A server administrator signs in as another user.
//!
//! ```python
//! tableau_auth = TSC.TableauAuth('USERNAME', 'PASSWORD', user_id_to_impersonate='USER_ID')
//! server.auth.sign_in(tableau_auth)
//! ```
//!
//! `cargo run --example impersonation`

mod common;

use tsc::{PersonalAccessTokenAuth, Server, TableauAuth};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let user_id = target
        .impersonate
        .clone()
        .ok_or("set TSC_IMPERSONATE_USER_ID")?;
    let server = Server::builder(&target.url)
        .verify(target.verify())
        .use_server_version(true)
        .build()
        .await?;

    // With a password (the embedded server's administrator is `admin`).
    let (admin, password) = if target.is_embedded() {
        ("admin".to_owned(), "admin-password".to_owned())
    } else {
        target
            .password
            .clone()
            .ok_or("set TSC_USERNAME and TSC_PASSWORD (a server administrator)")?
    };
    let tableau_auth =
        TableauAuth::new(admin, password, target.site.clone()).impersonate(user_id.clone());
    let session = server.auth().sign_in(&tableau_auth).await?;
    println!(
        "signed in as user {} (asked for {user_id})",
        server.user_id().unwrap_or_default()
    );
    session.sign_out().await?;

    // With a personal access token (REST API 3.11 or later).
    if let Some((name, value)) = target.pat.clone() {
        let pat_auth =
            PersonalAccessTokenAuth::new(name, value, target.site.clone()).impersonate(user_id);
        let session = server.auth().sign_in(&pat_auth).await?;
        println!(
            "…and with a personal access token: user {}",
            server.user_id().unwrap_or_default()
        );
        session.sign_out().await?;
    }
    Ok(())
}
