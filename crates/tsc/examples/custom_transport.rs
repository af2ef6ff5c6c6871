//! Swap the transport and add your own tower middleware.
//!
//! The emulated server runs **in memory** as a tower service — no sockets — and a user
//! layer counts every request the client sends. This is how you test your own automation.
//!
//! `cargo run --example custom_transport`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tsc::transport::{Body, Transport};
use tsc::{PersonalAccessTokenAuth, Server};
use tsc_testserver::{Config, TestServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = TestServer::new(Config::server().workbooks_per_site(42));
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    // Any tower stack works: here the in-memory emulator behind a counting layer.
    let service = tower::ServiceBuilder::new()
        .map_request(move |req: http::Request<Body>| {
            counter.fetch_add(1, Ordering::Relaxed);
            req
        })
        .service(emulator.service());
    let server = Server::builder("https://tableau.invalid")
        .transport(Transport::new(service))
        .use_server_version(true)
        .build()
        .await?;

    let session = server
        .auth()
        .sign_in(&PersonalAccessTokenAuth::new(
            "quickstart",
            "quickstart-secret",
            "",
        ))
        .await?;
    let (workbooks, pagination) = server.workbooks().get().await?;
    println!(
        "in memory: {} workbooks on the first page, {} in total",
        workbooks.len(),
        pagination.total_available
    );
    session.sign_out().await?;
    println!(
        "the counting layer saw {} requests; the emulator counted {} sign-in(s)",
        sent.load(Ordering::Relaxed),
        emulator.counters().total_sign_ins()
    );
    Ok(())
}
