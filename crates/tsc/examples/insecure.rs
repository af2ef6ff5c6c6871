//! Turn certificate checks off — the twin of `server.add_http_options({'verify': False})`.
//!
//! Development only: anyone on the path can read and change the traffic, including your
//! credentials. tsc emits one `warn` event when this is enabled.
//!
//! `cargo run --example insecure`

mod common;

use tsc::{HttpOptions, PersonalAccessTokenAuth, Server, Verify};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_target(false).init(); // to show the warning
    let target = common::target().await?;
    let (name, value) = target
        .pat
        .clone()
        .ok_or("set TSC_TOKEN_NAME and TSC_TOKEN_VALUE")?;

    let server = Server::new(&target.url)?;
    server.add_http_options(HttpOptions::new().verify(Verify::Disabled))?;
    server.use_server_version().await?;
    let session = server
        .auth()
        .sign_in(&PersonalAccessTokenAuth::new(
            name,
            value,
            target.site.clone(),
        ))
        .await?;
    println!(
        "signed in without verifying the certificate (REST API {})",
        server.version()
    );
    session.sign_out().await?;
    Ok(())
}
