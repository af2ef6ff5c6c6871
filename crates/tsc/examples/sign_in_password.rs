//! Sign in with a username and password.
//!
//! ```python
//! tableau_auth = TSC.TableauAuth('USERNAME', 'PASSWORD', site_id='CONTENTURL')
//! server = TSC.Server('https://SERVER_URL')
//! server.auth.sign_in(tableau_auth)
//! ```
//!
//! `cargo run --example sign_in_password`

mod common;

use tsc::{Server, TableauAuth};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let (username, password) = target
        .password
        .clone()
        .ok_or("set TSC_USERNAME and TSC_PASSWORD")?;

    let tableau_auth = TableauAuth::new(username, password, target.site.clone());
    let server = Server::builder(&target.url)
        .verify(target.verify())
        .use_server_version(true)
        .build()
        .await?;
    let session = server.auth().sign_in(&tableau_auth).await?;
    println!(
        "signed in as {} on site `{}` with REST API {}",
        tableau_auth.username(),
        server
            .site_url()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Default".into()),
        server.version()
    );
    session.sign_out().await?;
    println!("signed out");
    Ok(())
}
