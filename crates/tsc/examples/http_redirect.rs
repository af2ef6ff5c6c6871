//! The 405000 trap, avoided.
//!
//! A server that redirects `http://` to `https://` answers a naive client's sign-in with
//! `405000 Method Not Allowed`: the client followed the 301 by re-sending the POST as a GET.
//! tsc never turns a POST into a GET. Given an `http://` URL it first asks `serverinfo`
//! (no secrets), sees the redirect to https on the same host, and sends the credentials
//! straight to https — they never cross the wire in clear.
//!
//! `cargo run --example http_redirect`

mod common;

use tsc::{PersonalAccessTokenAuth, Server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let http_url = match &target.http_redirect_url {
        Some(u) => u.clone(),
        None => target.url.replacen("https://", "http://", 1),
    };
    let (name, value) = target
        .pat
        .clone()
        .ok_or("set TSC_TOKEN_NAME and TSC_TOKEN_VALUE")?;

    let server = Server::builder(&http_url)
        .verify(target.verify())
        .build()
        .await?;
    println!("configured with {}", server.server_address());
    // `serverinfo` carries no secret: asking it over http is safe, and it reveals the redirect.
    server.use_server_version().await?;
    println!(
        "REST API {} (asked over http, answered after the redirect)",
        server.version()
    );
    let session = server
        .auth()
        .sign_in(&PersonalAccessTokenAuth::new(
            name,
            value,
            target.site.clone(),
        ))
        .await?;
    println!(
        "signed in; the client now talks to {}",
        server.server_address()
    );
    if let Some(embedded) = &target.embedded {
        let counters = embedded.server().counters();
        println!("sign-ins the emulator saw: {}", counters.total_sign_ins());
    }
    session.sign_out().await?;
    println!("signed out");
    Ok(())
}
