//! Switch to another site of the same server (Tableau Server only).
//!
//! ```python
//! site = server.sites.get_by_name('NEW_SITENAME')
//! server.auth.switch_site(site)
//! ```
//!
//! `cargo run --example switch_site`

mod common;

use tsc::{PersonalAccessTokenAuth, Server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let (name, value) = target
        .pat
        .clone()
        .ok_or("set TSC_TOKEN_NAME and TSC_TOKEN_VALUE")?;
    if target.new_site_name.is_empty() {
        return Err("set TSC_NEW_SITE to the name of the site to switch to".into());
    }
    let server = Server::builder(&target.url)
        .verify(target.verify())
        .use_server_version(true)
        .build()
        .await?;
    let session = server
        .auth()
        .sign_in(&PersonalAccessTokenAuth::new(
            name,
            value,
            target.site.clone(),
        ))
        .await?;
    println!(
        "signed in to site `{}` ({})",
        server.site_url().unwrap_or_default(),
        server.site_id().unwrap_or_default()
    );

    let site = server.sites().get_by_name(&target.new_site_name).await?;
    server.auth().switch_site(&site).await?;
    println!(
        "switched to site `{}` ({})",
        server.site_url().unwrap_or_default(),
        server.site_id().unwrap_or_default()
    );

    // Switching to the site you are on is not an error (TSC ignores code 403070 too).
    server.auth().switch_site(&site).await?;
    println!("switching again to the same site is a no-op");
    session.sign_out().await?;
    Ok(())
}
