//! Trust an internal CA — the twin of `server.add_http_options({'verify': '/path/ca.pem'})`.
//!
//! Without the CA, the failure is a typed TLS error that names the host, the reason and
//! the option that fixes it.
//!
//! `cargo run --example custom_ca`

mod common;

use tsc::{HttpOptions, PersonalAccessTokenAuth, Server, Verify};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let ca_file = target
        .ca_file
        .clone()
        .ok_or("set TSC_CA_FILE to your CA bundle")?;
    let (name, value) = target
        .pat
        .clone()
        .ok_or("set TSC_TOKEN_NAME and TSC_TOKEN_VALUE")?;
    let auth = PersonalAccessTokenAuth::new(name, value, target.site.clone());

    let server = Server::new(&target.url)?;
    // First without the CA: the system roots do not know it.
    match server.server_info().get().await {
        Err(e) if e.is_tls() => println!(
            "without the CA, as expected:\n  {e}\n  caused by: {}",
            chain(&e)
        ),
        Err(e) => return Err(e.into()),
        Ok(_) => println!("(the system roots already trust this server)"),
    }

    // TSC: server.add_http_options({'verify': ca_file})
    server.add_http_options(HttpOptions::new().verify(Verify::CaFile(ca_file.clone())))?;
    server.use_server_version().await?;
    let session = server.auth().sign_in(&auth).await?;
    println!(
        "with {} trusted: signed in, REST API {}",
        ca_file.display(),
        server.version()
    );
    session.sign_out().await?;
    Ok(())
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(" → ")
}
