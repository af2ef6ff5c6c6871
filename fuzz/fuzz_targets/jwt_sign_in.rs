//! The emulator's JWT verification path (connected-app HS256 and Tableau Cloud UATs), driven
//! through its public in-memory service with sign-in requests: the first byte picks how the
//! rest becomes a JWT. Whatever the token, the answer is a 2xx or 4xx, never a 5xx or a panic.
//!
//! * 0: the bytes are the JWT (connected-app sign-in on the Server emulator);
//! * 1: the bytes are the claims JSON, under a valid header, **correctly signed** with the
//!   connected app's secret (reaches the claim checks behind the signature);
//! * 2: the bytes are the header JSON over valid claims, correctly signed;
//! * 3: the bytes are a UAT (`isUat="true"`) on the Cloud emulator.
#![no_main]

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use tower_service::Service;
use tsc_model::{SignInCredentials, SignInRequest};
use tsc_testserver::{Config, TestServer};

struct Env {
    runtime: tokio::runtime::Runtime,
    server: TestServer,
    cloud: TestServer,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| Env {
        runtime: tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime"),
        server: TestServer::new(Config::server().workbooks_per_site(1)),
        cloud: TestServer::new(Config::cloud().workbooks_per_site(1)),
    })
}

fn signed(header: &[u8], claims: &[u8], secret: &str) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, message.as_bytes());
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

fn sign_in(server: &TestServer, credentials: SignInCredentials) -> u16 {
    let body = SignInRequest::new(credentials, "").to_xml();
    let request = http::Request::post("/api/3.27/auth/signin")
        .header("content-type", "application/xml")
        .body(body)
        .expect("a request");
    let mut service = server.service();
    let response = env()
        .runtime
        .block_on(service.call(request))
        .unwrap_or_else(|never| match never {});
    response.status().as_u16()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let e = env();
    let Some(app) = e.server.data().connected_apps.first() else {
        return;
    };
    use tsc_model::secrecy::ExposeSecret;
    let secret = app.secret_value.expose_secret();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let header = format!(
        r#"{{"alg":"HS256","typ":"JWT","kid":"{}","iss":"{}"}}"#,
        app.secret_id, app.client_id
    );
    let claims = format!(
        r#"{{"iss":"{}","exp":{},"jti":"fuzz","aud":"tableau","sub":"admin","scp":["tableau:content:read"]}}"#,
        app.client_id,
        now + 300
    );
    let (server, credentials) = match mode % 4 {
        0 => (
            &e.server,
            SignInCredentials::jwt(String::from_utf8_lossy(rest)),
        ),
        1 => (
            &e.server,
            SignInCredentials::jwt(signed(header.as_bytes(), rest, secret)),
        ),
        2 => (
            &e.server,
            SignInCredentials::jwt(signed(rest, claims.as_bytes(), secret)),
        ),
        _ => (
            &e.cloud,
            SignInCredentials::unified_access_token(String::from_utf8_lossy(rest)),
        ),
    };
    let status = sign_in(server, credentials);
    assert!(
        status < 500,
        "the emulator answered {status} to a sign-in with a fuzzed JWT"
    );
});
