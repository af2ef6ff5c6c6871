//! The redirect policy, rule by rule, against loopback origins that record what they receive.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use http::Request;
use support::{Pki, Recorded, get, post, redirect, respond, serve, serve_tls, server_config};
use tsc_transport::{
    Body, Certificate, Error, RedirectError, RedirectPolicy, ResponseUri, Transport,
};

const TOKEN: &str = "session-token-0123456789";

fn plain_transport() -> Transport {
    Transport::builder().no_proxy().build().expect("build")
}

fn with_token(mut request: Request<Body>) -> Request<Body> {
    let mut value = http::HeaderValue::from_static(TOKEN);
    value.set_sensitive(true);
    request.headers_mut().insert("x-tableau-auth", value);
    request
}

fn redirect_error(result: Result<http::Response<Body>, Error>) -> RedirectError {
    match result {
        Err(Error::Redirect(err)) => err,
        other => panic!("expected a redirect error, got {other:?}"),
    }
}

/// Answers `/old` with `status` → `/new`, and echoes anything else.
async fn same_origin(status: u16) -> support::Server {
    serve(move |req: &Recorded| match req.uri.path() {
        "/old" => redirect(status, "/new"),
        _ => respond(200, "moved here"),
    })
    .await
}

#[tokio::test]
async fn rule1_same_origin_307_and_308_repeat_method_and_body() {
    for status in [307, 308] {
        let server = same_origin(status).await;
        let response = plain_transport()
            .send(with_token(post(&server.url("/old"), "<tsRequest/>")))
            .await
            .expect("send");
        assert_eq!(response.status(), 200);
        let final_uri = response
            .extensions()
            .get::<ResponseUri>()
            .map(|u| u.0.to_string());
        assert_eq!(final_uri, Some(server.url("/new")));
        let seen = server.requests();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].method, http::Method::POST);
        assert_eq!(seen[1].uri.path(), "/new");
        assert_eq!(&seen[1].body[..], b"<tsRequest/>");
        // Same origin: the session header stays.
        assert_eq!(
            seen[1].headers.get("x-tableau-auth").map(|v| v.as_bytes()),
            Some(TOKEN.as_bytes())
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn rule2_http_to_https_upgrade_repeats_the_post_and_is_remembered() {
    for status in [301, 302, 307, 308] {
        let capture = support::LogCapture::default();
        let _guard = capture.install();
        let pki = Pki::new("Internal CA");
        let secure = serve_tls(server_config(&pki.leaf(&["127.0.0.1"], None)), |_| {
            respond(200, "signed in")
        })
        .await;
        let https_base = secure.url("");
        let plain = serve(move |req: &Recorded| {
            redirect(status, &format!("{https_base}{}", req.uri.path()))
        })
        .await;
        let transport = Transport::builder()
            .no_proxy()
            .tls_certs_only([Certificate::from_pem(&pki.ca_pem)])
            .build()
            .expect("build");

        let body = "<tsRequest><credentials name=\"u\" password=\"p\"/></tsRequest>";
        let response = transport
            .send(post(&plain.url("/api/3.24/auth/signin"), body))
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "status {status}");
        let seen = secure.requests();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            seen[0].method,
            http::Method::POST,
            "a POST never becomes a GET (status {status})"
        );
        assert_eq!(&seen[0].body[..], body.as_bytes());
        assert_eq!(seen[0].uri.path(), "/api/3.24/auth/signin");

        // Later requests (from a clone too) go straight to https.
        let clone = transport.clone();
        let response = clone
            .send(get(&plain.url("/api/3.24/sites?pageSize=1")))
            .await
            .expect("send");
        assert_eq!(response.status(), 200);
        assert_eq!(
            plain.count(),
            1,
            "the http listener saw only the first request"
        );
        assert_eq!(secure.count(), 2);
        assert_eq!(secure.requests()[1].uri.query(), Some("pageSize=1"));
        let final_uri = response
            .extensions()
            .get::<ResponseUri>()
            .map(|u| u.0.scheme_str().map(str::to_owned));
        assert_eq!(final_uri, Some(Some("https".to_owned())));

        let logs = capture.text();
        let infos = logs
            .lines()
            .filter(|l| l.contains("INFO") && l.contains("later requests go straight to https"))
            .count();
        assert_eq!(infos, 1, "{logs}");
    }
}

#[tokio::test]
async fn rule3_https_to_http_is_refused() {
    let plain = serve(|_| respond(200, "plain")).await;
    let plain_url = plain.url("/landing");
    let pki = Pki::new("Internal CA");
    let secure = serve_tls(server_config(&pki.leaf(&["127.0.0.1"], None)), move |_| {
        redirect(302, &plain_url)
    })
    .await;
    let transport = Transport::builder()
        .no_proxy()
        .tls_certs_only([Certificate::from_pem(&pki.ca_pem)])
        .build()
        .expect("build");
    let err = redirect_error(transport.send(with_token(get(&secure.url("/start")))).await);
    assert!(matches!(err, RedirectError::Downgrade { .. }), "{err:?}");
    assert_eq!(plain.count(), 0);
}

/// Origin A redirects everything to origin B with `status`.
async fn two_origins(status: u16) -> (support::Server, support::Server) {
    let b = serve(|_| respond(200, "origin b")).await;
    let b_base = b.url("");
    let a =
        serve(move |req: &Recorded| redirect(status, &format!("{b_base}{}", req.uri.path()))).await;
    (a, b)
}

#[tokio::test]
async fn rule4_cross_origin_with_body_or_credentials_is_refused_naming_both_remedies() {
    let (a, b) = two_origins(307).await;
    let err = redirect_error(
        plain_transport()
            .send(post(&a.url("/signin"), "<secret/>"))
            .await,
    );
    let message = err.to_string();
    match &err {
        RedirectError::CrossOrigin {
            target_origin,
            carries,
            ..
        } => {
            assert_eq!(target_origin, &b.url(""));
            assert_eq!(*carries, "a body");
        }
        other => panic!("expected CrossOrigin, got {other:?}"),
    }
    assert!(message.contains("allow_origin"), "{message}");
    assert!(message.contains("directly as the server URL"), "{message}");

    let err = redirect_error(
        plain_transport()
            .send(with_token(get(&a.url("/sites"))))
            .await,
    );
    assert!(
        matches!(
            err,
            RedirectError::CrossOrigin {
                carries: "credentials",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(b.count(), 0, "nothing may reach the other origin");
}

#[tokio::test]
async fn rule4_cross_origin_get_without_credentials_is_followed() {
    let (a, b) = two_origins(302).await;
    let mut request = get(&a.url("/public"));
    request
        .headers_mut()
        .insert("accept", http::HeaderValue::from_static("application/xml"));
    let response = plain_transport().send(request).await.expect("send");
    assert_eq!(response.status(), 200);
    let seen = b.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].headers.get("accept").map(|v| v.as_bytes()),
        Some(&b"application/xml"[..])
    );
}

#[tokio::test]
async fn rule4_allowed_origin_gets_the_body_but_no_credentials() {
    let (a, b) = two_origins(307).await;
    let transport = Transport::builder()
        .no_proxy()
        .redirect(RedirectPolicy::default().allow_origin(b.url("")))
        .build()
        .expect("build");
    let mut request = with_token(post(&a.url("/api/3.24/auth/signin"), "<tsRequest/>"));
    let headers = request.headers_mut();
    headers.insert(
        "authorization",
        http::HeaderValue::from_static("Bearer abc"),
    );
    headers.insert(
        "cookie",
        http::HeaderValue::from_static("workgroup_session_id=xyz"),
    );
    headers.insert(
        "proxy-authorization",
        http::HeaderValue::from_static("Basic cHJveHk="),
    );
    let mut custom = http::HeaderValue::from_static("custom-secret");
    custom.set_sensitive(true);
    headers.insert("x-custom-secret", custom);
    headers.insert("x-harmless", http::HeaderValue::from_static("kept"));
    let response = transport.send(request).await.expect("send");
    assert_eq!(response.status(), 200);
    let seen = b.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, http::Method::POST);
    assert_eq!(&seen[0].body[..], b"<tsRequest/>");
    for name in [
        "x-tableau-auth",
        "authorization",
        "cookie",
        "proxy-authorization",
        "x-custom-secret",
    ] {
        assert!(
            !seen[0].headers.contains_key(name),
            "{name} leaked to the other origin"
        );
    }
    assert_eq!(
        seen[0].headers.get("x-harmless").map(|v| v.as_bytes()),
        Some(&b"kept"[..])
    );
}

#[tokio::test]
async fn rule5_303_and_301_302_after_post_are_refused_never_a_silent_get() {
    for status in [301, 302, 303] {
        let server = same_origin(status).await;
        let err = redirect_error(
            plain_transport()
                .send(post(&server.url("/old"), "<tsRequest/>"))
                .await,
        );
        match &err {
            RedirectError::MethodChange {
                status: s, method, ..
            } => {
                assert_eq!(s.as_u16(), status);
                assert_eq!(method, http::Method::POST);
            }
            other => panic!("expected MethodChange, got {other:?}"),
        }
        assert!(err.to_string().contains("405000"), "{err}");
        assert_eq!(server.count(), 1, "no GET was sent after status {status}");
    }
    // A GET may follow 301/302/303.
    for status in [301, 302, 303] {
        let server = same_origin(status).await;
        let response = plain_transport()
            .send(get(&server.url("/old")))
            .await
            .expect("send");
        assert_eq!(response.status(), 200);
        assert_eq!(server.requests()[1].method, http::Method::GET);
    }
}

#[tokio::test]
async fn rule6_missing_and_invalid_location() {
    let server = serve(|req: &Recorded| match req.uri.path() {
        "/missing" => respond(302, ""),
        _ => redirect(302, "ftp://files.example/x?token=s3cr3t"),
    })
    .await;
    let err = redirect_error(plain_transport().send(get(&server.url("/missing"))).await);
    assert!(
        matches!(err, RedirectError::MissingLocation { .. }),
        "{err:?}"
    );
    let err = redirect_error(plain_transport().send(get(&server.url("/invalid"))).await);
    assert!(
        matches!(err, RedirectError::InvalidLocation { ref location, .. } if location == "ftp://files.example/x"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
}

#[tokio::test]
async fn rule6_too_many_hops_and_loops() {
    let counter = Arc::new(AtomicUsize::new(0));
    let next = counter.clone();
    let endless =
        serve(move |_| redirect(302, &format!("/hop{}", next.fetch_add(1, Ordering::SeqCst))))
            .await;
    let transport = Transport::builder()
        .no_proxy()
        .redirect(RedirectPolicy::limited(3))
        .build()
        .expect("build");
    let err = redirect_error(transport.send(get(&endless.url("/start"))).await);
    assert!(
        matches!(err, RedirectError::TooManyHops { limit: 3, .. }),
        "{err:?}"
    );
    assert_eq!(endless.count(), 4, "the first request and three hops");

    let looping = serve(|req: &Recorded| match req.uri.path() {
        "/a" => redirect(307, "/b"),
        _ => redirect(307, "/a"),
    })
    .await;
    let err = redirect_error(plain_transport().send(get(&looping.url("/a"))).await);
    assert!(matches!(err, RedirectError::Loop { .. }), "{err:?}");
    assert_eq!(looping.count(), 2);
}

#[tokio::test]
async fn rule6_streaming_body_cannot_be_replayed() {
    let server = same_origin(307).await;
    let stream = http_body_util::Full::new(bytes::Bytes::from_static(b"streamed"));
    let request = Request::post(server.url("/old"))
        .body(Body::wrap(stream))
        .expect("request");
    let err = redirect_error(plain_transport().send(request).await);
    assert!(
        matches!(err, RedirectError::BodyNotReplayable { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn policy_none_returns_the_redirect_untouched() {
    let server = same_origin(302).await;
    let transport = Transport::builder()
        .no_proxy()
        .redirect(RedirectPolicy::none())
        .build()
        .expect("build");
    let response = transport
        .send(post(&server.url("/old"), "x"))
        .await
        .expect("send");
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers().get("location").map(|v| v.as_bytes()),
        Some(&b"/new"[..])
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn retries_get_on_429_with_retry_after_but_never_post() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = attempts.clone();
    let server = serve(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            let mut busy = respond(429, "slow down");
            busy.headers_mut()
                .insert("retry-after", http::HeaderValue::from_static("0"));
            busy
        } else {
            respond(200, "ok")
        }
    })
    .await;
    let response = plain_transport()
        .send(get(&server.url("/api/3.24/sites")))
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_eq!(server.count(), 2);

    attempts.store(0, Ordering::SeqCst);
    let response = plain_transport()
        .send(post(&server.url("/api/3.24/auth/signin"), "x"))
        .await
        .expect("send");
    assert_eq!(response.status(), 429, "a POST is never retried");
    assert_eq!(server.count(), 3);

    // A Retry-After beyond the policy's maximum delay is not waited for.
    let patient = serve(|_| {
        let mut busy = respond(503, "maintenance");
        busy.headers_mut()
            .insert("retry-after", http::HeaderValue::from_static("3600"));
        busy
    })
    .await;
    let response = plain_transport()
        .send(get(&patient.url("/")))
        .await
        .expect("send");
    assert_eq!(response.status(), 503);
    assert_eq!(patient.count(), 1);
}
