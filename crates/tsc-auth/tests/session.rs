//! Session lifecycle against the in-memory fake: each case of Python TSC's
//! `test/test_auth.py`, plus renewal, version negotiation, the http probe and secrecy.

mod support;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use futures_util::future::join_all;
use http::{Method, Request, StatusCode};
use secrecy::ExposeSecret;
use support::*;
use tsc_auth::{
    AUTH_HEADER, ConnectedAppAuth, CredentialStrategy, Deployment, Error, JwtAuth,
    PersonalAccessTokenAuth, ReauthPolicy, SessionManager, TableauAuth,
};
use tsc_model::ApiVersion;
use tsc_transport::Body;

const SERVER: &str = "https://tableau.example.com";

fn manager(fake: &Fake, version: &str) -> SessionManager {
    capture_logs();
    SessionManager::builder(fake.transport(), SERVER.parse().unwrap())
        .api_version(version.parse().unwrap())
        .build()
        .unwrap()
}

fn password(fake: &Fake, site: &str) -> Arc<dyn CredentialStrategy> {
    let (name, pw) = fake.lock().password.clone();
    Arc::new(TableauAuth::new(name, pw, site))
}

fn pat(fake: &Fake, site: &str) -> Arc<dyn CredentialStrategy> {
    let (name, secret) = fake.lock().pat.clone();
    Arc::new(PersonalAccessTokenAuth::new(name, secret, site))
}

fn get(manager: &SessionManager, path: &str) -> Request<Body> {
    Request::get(manager.site_url(path).unwrap())
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn sign_in_with_password_keeps_token_site_and_user() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    let session = m.sign_in(password(&fake, "")).await.unwrap();
    assert_eq!(session.site_id(), SITE_LUID);
    assert_eq!(session.site_content_url(), "");
    assert_eq!(session.user_id(), USER_LUID);
    assert!(session.pat_expiry().is_none());
    assert!(
        fake.live_tokens()
            .contains(&session.token().expose_secret().to_owned())
    );

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let sign_in = &requests[0];
    assert_eq!(sign_in.method, Method::POST);
    assert_eq!(
        sign_in.uri.to_string(),
        "https://tableau.example.com/api/3.24/auth/signin"
    );
    assert!(sign_in.token().is_none(), "sign-in must not carry a token");
    let body = sign_in.body_text();
    assert_eq!(attr(&body, "name").as_deref(), Some("alice"));
    assert_eq!(attr(&body, "contentUrl").as_deref(), Some(""));
    assert_eq!(
        m.site_url("workbooks").unwrap().to_string(),
        format!("{SERVER}/api/3.24/sites/{SITE_LUID}/workbooks")
    );
    let (_, pw) = fake.lock().password.clone();
    assert_secret_absent(&pw, &[format!("{m:?}"), format!("{session:?}")]);
    assert_secret_absent(
        session.token().expose_secret(),
        &[format!("{m:?}"), format!("{session:?}")],
    );
}

#[tokio::test]
async fn sign_in_with_personal_access_token_reads_expiry_and_warns() {
    let fake = Fake::new();
    fake.lock().pat_expiry = Some("2:03:04".into());
    let m = manager(&fake, "3.24");
    let session = m.sign_in(pat(&fake, "marketing")).await.unwrap();
    assert_eq!(session.site_content_url(), "marketing");
    assert_eq!(session.site_id(), OTHER_SITE_LUID);
    let expiry = session
        .pat_expiry()
        .expect("expiry from estimatedTimeToExpiration");
    assert_eq!(expiry.raw, "2:03:04");
    assert_eq!(
        expiry.remaining,
        Some(Duration::from_secs(((2 * 24 + 3) * 60 + 4) * 60))
    );
    assert!(expiry.expires_at.unwrap() > session.signed_in_at());
    // Under the 7-day default threshold: a warn event naming the raw value.
    let logs = logs();
    assert!(
        logs.lines()
            .any(|l| l.contains("WARN") && l.contains("2:03:04") && l.contains("expires soon")),
        "no PAT expiry warning in {logs}"
    );
    let body = fake.requests()[0].body_text();
    assert_eq!(
        attr(&body, "personalAccessTokenName").as_deref(),
        Some("nightly-job")
    );
    let (_, secret) = fake.lock().pat.clone();
    assert_secret_absent(
        &secret,
        &[format!("{m:?}"), format!("{:?}", pat(&fake, ""))],
    );
}

#[tokio::test]
async fn pat_expiry_far_away_does_not_warn() {
    let fake = Fake::new();
    fake.lock().pat_expiry = Some("300:01:02".into());
    let m = manager(&fake, "3.24");
    let session = m.sign_in(pat(&fake, "")).await.unwrap();
    assert_eq!(session.pat_expiry().unwrap().raw, "300:01:02");
    assert!(!logs().contains("300:01:02"), "a far expiry must not warn");
}

#[tokio::test]
async fn sign_in_impersonating_sends_user_and_returns_that_user() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    let target = "dd2239f6-ddf1-4107-981a-4cf94e415794";
    let (name, pw) = fake.lock().password.clone();
    let session = m
        .sign_in(Arc::new(TableauAuth::new(name, pw, "").impersonate(target)))
        .await
        .unwrap();
    assert_eq!(session.user_id(), target);
    let body = fake.requests()[0].body_text();
    let site_at = body.find("<site").unwrap();
    let user_at = body.find("<user").unwrap();
    assert!(site_at < user_at, "schema order: site, then user: {body}");
}

#[tokio::test]
async fn pat_impersonation_needs_3_11() {
    let fake = Fake::new();
    let m = manager(&fake, "3.10");
    let (name, secret) = fake.lock().pat.clone();
    let err = m
        .sign_in(Arc::new(
            PersonalAccessTokenAuth::new(name, secret, "").impersonate(USER_LUID),
        ))
        .await
        .unwrap_err();
    match err {
        Error::VersionTooLow { floor, current, .. } => {
            assert_eq!(floor, ApiVersion::PAT_IMPERSONATION);
            assert_eq!(current, ApiVersion::new(3, 10));
        }
        other => panic!("expected VersionTooLow, got {other:?}"),
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn sign_in_error_is_failed_sign_in_with_tableau_code() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    let wrong = "wrong-pw-0b5e-secret";
    let err = m
        .sign_in(Arc::new(TableauAuth::new("alice", wrong, "")))
        .await
        .unwrap_err();
    match &err {
        Error::FailedSignIn {
            code,
            summary,
            detail,
        } => {
            assert_eq!(code, "401001");
            assert_eq!(summary, "Signin Error");
            assert_eq!(detail, "Error signing in to Tableau Server");
        }
        other => panic!("expected FailedSignIn, got {other:?}"),
    }
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(err.code(), Some("401001"));
    assert!(m.session().is_none());
    assert_secret_absent(wrong, &[err.to_string(), format!("{err:?}")]);
}

#[tokio::test]
async fn sign_in_with_invalid_token_fails() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    let wrong = "pat-wrong-5d8e-secret";
    let err = m
        .sign_in(Arc::new(PersonalAccessTokenAuth::new(
            "nightly-job",
            wrong,
            "",
        )))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::FailedSignIn { ref code, .. } if code == "401001"));
    assert_secret_absent(wrong, &[err.to_string(), format!("{err:?}")]);
}

#[tokio::test]
async fn empty_credentials_fail_before_any_request() {
    let fake = Fake::new();
    let m = manager(&fake, "3.27");
    let cases: Vec<(Arc<dyn CredentialStrategy>, &str)> = vec![
        (Arc::new(TableauAuth::new("", "", "")), "username"),
        (Arc::new(TableauAuth::new("alice", "", "")), "password"),
        (
            Arc::new(PersonalAccessTokenAuth::new("", "s", "")),
            "personal access token name",
        ),
        (
            Arc::new(PersonalAccessTokenAuth::new("n", "", "")),
            "personal access token secret",
        ),
        (Arc::new(JwtAuth::new("", "")), "JWT"),
        (Arc::new(JwtAuth::uat(" ", "")), "JWT"),
    ];
    for (strategy, expected) in cases {
        match m.sign_in(strategy).await {
            Err(Error::InvalidCredentials { field, .. }) => assert_eq!(field, expected),
            other => panic!("expected InvalidCredentials for {expected}, got {other:?}"),
        }
    }
    assert!(fake.requests().is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn sign_out_clears_state_and_is_idempotent() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    let session = m.sign_in(password(&fake, "")).await.unwrap();
    m.sign_out().await.unwrap();
    assert!(m.session().is_none());
    assert!(matches!(m.site_url("workbooks"), Err(Error::NotSignedIn)));
    assert!(fake.live_tokens().is_empty());
    let requests = fake.requests();
    let sign_out = requests.last().unwrap();
    assert_eq!(sign_out.path(), "/api/3.24/auth/signout");
    assert_eq!(
        sign_out.token().as_deref(),
        Some(session.token().expose_secret())
    );
    assert!(sign_out.headers.get(AUTH_HEADER).unwrap().is_sensitive());
    // No session: nothing sent.
    m.sign_out().await.unwrap();
    assert_eq!(fake.requests().len(), requests.len());
}

#[tokio::test]
async fn sign_out_with_dead_token_is_not_an_error() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    m.sign_in(pat(&fake, "")).await.unwrap();
    fake.expire_all_tokens(); // e.g. the PAT was used elsewhere since
    m.sign_out().await.unwrap();
    assert!(m.session().is_none());
    assert_eq!(
        fake.requests().last().unwrap().path(),
        "/api/3.24/auth/signout"
    );
}

#[tokio::test]
async fn switch_site_replaces_token_site_and_user() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    let before = m.sign_in(password(&fake, "")).await.unwrap();
    let after = m.switch_site("marketing").await.unwrap();
    assert_eq!(after.site_content_url(), "marketing");
    assert_eq!(after.site_id(), OTHER_SITE_LUID);
    assert_ne!(
        after.token().expose_secret(),
        before.token().expose_secret()
    );
    assert_eq!(
        m.session().unwrap().token().expose_secret(),
        after.token().expose_secret()
    );
    let switch = fake.requests().last().unwrap().clone();
    assert_eq!(switch.path(), "/api/3.24/auth/switchSite");
    assert_eq!(
        switch.token().as_deref(),
        Some(before.token().expose_secret())
    );
    assert_eq!(
        attr(&switch.body_text(), "contentUrl").as_deref(),
        Some("marketing")
    );
    // Later calls use the new token and the new site.
    let response = m.send(get(&m, "projects")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let last = fake.requests().last().unwrap().clone();
    assert_eq!(last.token().as_deref(), Some(after.token().expose_secret()));
    assert!(last.path().contains(OTHER_SITE_LUID));
}

#[tokio::test]
async fn switch_site_with_an_expired_session_signs_in_to_the_target() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    m.sign_in(password(&fake, "")).await.unwrap();
    fake.expire_all_tokens();
    let switched = m.switch_site("marketing").await.unwrap();
    assert_eq!(switched.site_content_url(), "marketing");
    assert_eq!(fake.sign_ins(), 2);
    let last = fake.requests().last().unwrap().clone();
    assert_eq!(last.path(), "/api/3.24/auth/signin");
    assert_eq!(
        attr(&last.body_text(), "contentUrl").as_deref(),
        Some("marketing")
    );
    // A raw JWT cannot do that: the 401002 is returned.
    let jwt = fake.lock().raw_jwt.clone();
    let m = manager(&fake, "3.27");
    m.sign_in(Arc::new(JwtAuth::new(jwt, ""))).await.unwrap();
    fake.expire_all_tokens();
    let err = m.switch_site("marketing").await.unwrap_err();
    assert!(err.is_session_expired(), "{err:?}");
}

#[tokio::test]
async fn switch_to_same_site_is_success_without_change() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    let before = m.sign_in(password(&fake, "marketing")).await.unwrap();
    let after = m.switch_site("marketing").await.unwrap();
    assert_eq!(
        after.token().expose_secret(),
        before.token().expose_secret()
    );
    assert_eq!(after.site_id(), before.site_id());
}

#[tokio::test]
async fn switch_site_on_cloud_or_too_old_fails_before_sending() {
    let fake = Fake::new();
    capture_logs();
    let cloud = SessionManager::builder(
        fake.transport(),
        "https://10ay.online.tableau.com".parse().unwrap(),
    )
    .build()
    .unwrap();
    assert!(cloud.is_cloud());
    assert!(matches!(
        cloud.switch_site("x").await,
        Err(Error::NotAvailableOnCloud {
            call: "switch site"
        })
    ));
    let forced = SessionManager::builder(fake.transport(), SERVER.parse().unwrap())
        .deployment(Deployment::Cloud)
        .build()
        .unwrap();
    assert!(forced.is_cloud());
    let old = manager(&fake, "2.5");
    assert!(matches!(
        old.switch_site("x").await,
        Err(Error::VersionTooLow {
            call: "switch site",
            ..
        })
    ));
    let not_signed_in = manager(&fake, "3.24");
    assert!(matches!(
        not_signed_in.switch_site("x").await,
        Err(Error::NotSignedIn)
    ));
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn version_floors_are_checked_before_sending() {
    let fake = Fake::new();
    let m = manager(&fake, "3.5");
    let err = m.sign_in(pat(&fake, "")).await.unwrap_err();
    assert!(matches!(err, Error::VersionTooLow { floor, .. } if floor == ApiVersion::PAT));
    assert!(err.to_string().contains("3.6"), "{err}");
    let jwt = fake.lock().raw_jwt.clone();
    let m = manager(&fake, "3.16");
    assert!(matches!(
        m.sign_in(Arc::new(JwtAuth::new(jwt.clone(), ""))).await,
        Err(Error::VersionTooLow { floor, .. }) if floor == ApiVersion::JWT
    ));
    let m = manager(&fake, "3.26");
    assert!(matches!(
        m.sign_in(Arc::new(JwtAuth::uat(jwt, ""))).await,
        Err(Error::VersionTooLow { floor, .. }) if floor == ApiVersion::UAT
    ));
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn use_server_version_reads_serverinfo_without_token() {
    let fake = Fake::new();
    let m = manager(&fake, "2.4");
    m.sign_in(password(&fake, "")).await.unwrap();
    let version = m.use_server_version().await.unwrap();
    assert_eq!(version, ApiVersion::new(3, 24));
    assert_eq!(m.version(), version);
    let info = fake.requests().last().unwrap().clone();
    assert_eq!(info.path(), "/api/2.4/serverinfo");
    assert!(info.token().is_none(), "serverinfo is sent without a token");
    assert!(
        m.api_url("auth/signin")
            .unwrap()
            .to_string()
            .contains("/api/3.24/")
    );
}

#[tokio::test]
async fn use_server_version_falls_back_to_legacy_auth_on_404003() {
    let fake = Fake::new();
    {
        let mut state = fake.lock();
        state.server_info = ServerInfoMode::NotFound404003;
        state.legacy_product = Some("9.3");
    }
    let m = manager(&fake, "2.4");
    assert_eq!(m.use_server_version().await.unwrap(), ApiVersion::new(2, 2));
    let paths: Vec<String> = fake.requests().iter().map(|r| r.uri.to_string()).collect();
    assert_eq!(
        paths,
        [
            "https://tableau.example.com/api/2.4/serverinfo",
            "https://tableau.example.com/auth?format=xml"
        ]
    );
    // A legacy answer that is not XML keeps the version.
    fake.lock().legacy_product = None;
    let m = manager(&fake, "2.4");
    assert_eq!(m.use_server_version().await.unwrap(), ApiVersion::new(2, 4));
}

#[tokio::test]
async fn non_xml_answers_are_reported_with_an_excerpt() {
    let fake = Fake::new();
    fake.lock().server_info = ServerInfoMode::Html;
    let m = manager(&fake, "3.24");
    match m.use_server_version().await.unwrap_err() {
        Error::NonXmlResponse {
            status,
            content_type,
            excerpt,
        } => {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(content_type.as_deref(), Some("text/html"));
            assert!(excerpt.contains("maintenance"));
        }
        other => panic!("expected NonXmlResponse, got {other:?}"),
    }
    assert_eq!(m.version(), ApiVersion::new(3, 24));
}

#[tokio::test]
async fn sign_in_answered_405_explains_the_redirect() {
    let fake = Fake::new();
    fake.lock().sign_in_as_get = true;
    let m = manager(&fake, "3.24");
    let err = m.sign_in(password(&fake, "")).await.unwrap_err();
    assert!(matches!(err, Error::SignInRedirectedToGet { ref code, .. } if code == "405000"));
    let text = err.to_string();
    assert!(text.contains("GET") && text.contains("https://"), "{text}");
}

#[tokio::test]
async fn token_goes_only_to_the_server_origin_and_is_sensitive() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    m.sign_in(password(&fake, "")).await.unwrap();
    m.send(get(&m, "workbooks")).await.unwrap();
    for foreign in [
        "https://elsewhere.example.com/api/3.24/sites/x/workbooks",
        "http://tableau.example.com/api/3.24/sites/x/workbooks",
        "https://tableau.example.com:8443/api/3.24/sites/x/workbooks",
        "https://tableau.example.com.evil.test/api/3.24/sites/x/workbooks",
    ] {
        let request = Request::get(foreign).body(Body::empty()).unwrap();
        m.send(request).await.unwrap();
    }
    let requests = fake.requests();
    let own = &requests[1];
    assert!(own.headers.get(AUTH_HEADER).unwrap().is_sensitive());
    for foreign in &requests[2..] {
        assert!(foreign.token().is_none(), "token leaked to {}", foreign.uri);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expiry_with_64_concurrent_requests_signs_in_exactly_once() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    m.sign_in(pat(&fake, "")).await.unwrap();
    fake.expire_all_tokens();
    // Hold every 401 until all 64 requests arrived with the dead token, so the
    // expiries are truly concurrent.
    fake.lock().dead_token_barrier = Some(Arc::new(tokio::sync::Barrier::new(64)));
    let calls = (0..64).map(|i| {
        let m = m.clone();
        tokio::spawn(async move {
            let request = Request::post(m.site_url(&format!("things/{i}")).unwrap())
                .body(Body::full(format!("payload-{i}")))
                .unwrap();
            m.send(request).await
        })
    });
    let results = join_all(calls).await;
    for result in results {
        let response = result.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(
        fake.sign_ins(),
        2,
        "one initial sign-in, exactly one renewal"
    );
    let new_token = m.session().unwrap().token().expose_secret().to_owned();
    let replays: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.token().as_deref() == Some(new_token.as_str()))
        .collect();
    assert_eq!(replays.len(), 64, "each request replayed exactly once");
    // Replayed bodies are intact.
    assert!(replays.iter().any(|r| r.body_text() == "payload-7"));
}

#[tokio::test]
async fn requests_already_on_the_new_token_are_not_replayed() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    m.sign_in(pat(&fake, "")).await.unwrap();
    fake.expire_all_tokens();
    assert_eq!(m.send(get(&m, "a")).await.unwrap().status(), StatusCode::OK);
    let before = fake.requests().len();
    assert_eq!(m.send(get(&m, "b")).await.unwrap().status(), StatusCode::OK);
    assert_eq!(fake.requests().len(), before + 1);
    assert_eq!(fake.sign_ins(), 2);
}

#[tokio::test]
async fn reauth_never_passes_the_401_through() {
    let fake = Fake::new();
    capture_logs();
    let m = SessionManager::builder(fake.transport(), SERVER.parse().unwrap())
        .api_version(ApiVersion::new(3, 24))
        .reauth(ReauthPolicy::Never)
        .build()
        .unwrap();
    m.sign_in(pat(&fake, "")).await.unwrap();
    fake.expire_all_tokens();
    let response = m.send(get(&m, "workbooks")).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body = response.into_body().collect().await.unwrap();
    let err = Error::from_response(StatusCode::UNAUTHORIZED, &Default::default(), &body);
    assert!(err.is_session_expired());
    assert_eq!(fake.sign_ins(), 1);
}

#[tokio::test]
async fn streamed_body_cannot_be_replayed_but_session_is_renewed() {
    let fake = Fake::new();
    let m = manager(&fake, "3.24");
    m.sign_in(pat(&fake, "")).await.unwrap();
    fake.expire_all_tokens();
    let stream = http_body_util::Full::new(bytes::Bytes::from_static(b"chunk"));
    let request = Request::post(m.site_url("upload").unwrap())
        .body(Body::wrap(stream))
        .unwrap();
    assert!(matches!(
        m.send(request).await,
        Err(Error::BodyNotReplayable)
    ));
    assert_eq!(fake.sign_ins(), 2);
    assert_eq!(m.send(get(&m, "x")).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn connected_app_mints_a_new_jwt_for_each_sign_in() {
    let fake = Fake::new();
    let m = manager(&fake, "3.17");
    let secret = fake.lock().connected_app_secret.clone();
    let app = ConnectedAppAuth::builder(
        "client-1",
        "secret-id-1",
        secret.clone(),
        "alice@example.com",
    )
    .scopes(["tableau:content:read", "tableau:workbooks:update"])
    .lifetime(Duration::from_secs(120))
    .build()
    .unwrap();
    m.sign_in(Arc::new(app.clone())).await.unwrap();
    fake.expire_all_tokens();
    assert_eq!(m.send(get(&m, "x")).await.unwrap().status(), StatusCode::OK);
    assert_eq!(fake.sign_ins(), 2, "renewed with a freshly minted JWT");
    let jwts = fake.lock().minted_jwts.clone();
    assert_eq!(jwts.len(), 2);
    assert_ne!(jwts[0], jwts[1]);
    let mut jtis = Vec::new();
    for jwt in &jwts {
        let claims = verify_hs256(jwt, &secret);
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["sub"], "alice@example.com");
        assert_eq!(claims["aud"], "tableau");
        assert_eq!(
            claims["scp"],
            serde_json::json!(["tableau:content:read", "tableau:workbooks:update"])
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let exp = claims["exp"].as_u64().unwrap();
        assert!(exp > now && exp <= now + 120, "exp {exp} vs now {now}");
        jtis.push(claims["jti"].as_str().unwrap().to_owned());
        assert_secret_absent(jwt, &[format!("{m:?}"), format!("{app:?}")]);
    }
    assert_ne!(jtis[0], jtis[1]);
    assert_secret_absent(&secret, &[format!("{app:?}")]);
}

#[tokio::test]
async fn raw_jwt_cannot_sign_in_again_and_says_why() {
    let fake = Fake::new();
    let m = manager(&fake, "3.27");
    let jwt = fake.lock().raw_jwt.clone();
    m.sign_in(Arc::new(JwtAuth::new(jwt.clone(), "")))
        .await
        .unwrap();
    fake.expire_all_tokens();
    let err = m.send(get(&m, "x")).await.unwrap_err();
    assert!(matches!(err, Error::CannotSignInAgain { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("one sign-in only") && text.contains("ConnectedAppAuth"),
        "{text}"
    );
    assert_eq!(fake.sign_ins(), 1);
    assert_secret_absent(&jwt, &[text, format!("{err:?}"), format!("{m:?}")]);
}

#[tokio::test]
async fn http_server_that_redirects_is_upgraded_before_credentials_are_sent() {
    let fake = Fake::new();
    fake.lock().upgrade_to_https = true;
    capture_logs();
    let m = SessionManager::builder(
        fake.transport(),
        "http://tableau.example.com".parse().unwrap(),
    )
    .api_version(ApiVersion::new(3, 24))
    .build()
    .unwrap();
    m.sign_in(password(&fake, "")).await.unwrap();
    assert_eq!(m.server_url().to_string(), "https://tableau.example.com/");
    let requests = fake.requests();
    assert_eq!(
        requests[0].uri.to_string(),
        "http://tableau.example.com/api/3.24/serverinfo"
    );
    assert!(requests[0].body.is_empty() && requests[0].token().is_none());
    assert_eq!(
        requests[1].uri.scheme_str(),
        Some("https"),
        "credentials only over https"
    );
    for r in &requests {
        if r.uri.scheme_str() == Some("http") {
            assert!(r.body.is_empty() && r.token().is_none());
        }
    }
}

#[tokio::test]
async fn http_only_server_still_works_with_a_warning() {
    let fake = Fake::new();
    capture_logs();
    let m = SessionManager::builder(
        fake.transport(),
        "http://plain-http.example.com".parse().unwrap(),
    )
    .api_version(ApiVersion::new(3, 24))
    .build()
    .unwrap();
    m.sign_in(password(&fake, "")).await.unwrap();
    assert_eq!(m.server_url().scheme_str(), Some("http"));
    assert!(logs().lines().any(|l| l.contains("WARN")
        && l.contains("plain-http.example.com")
        && l.contains("unencrypted")));
}

#[tokio::test]
async fn invalid_server_urls_are_rejected_at_build() {
    let fake = Fake::new();
    for bad in [
        "/relative",
        "ftp://x.example.com",
        "https://x.example.com/?q=1",
    ] {
        let result = SessionManager::builder(fake.transport(), bad.parse().unwrap()).build();
        assert!(
            matches!(result, Err(Error::InvalidServerUrl { .. })),
            "{bad}"
        );
    }
}

/// Checks an HS256 JWT with `ring` directly (not the code under test) and returns
/// its claims; also checks the header Tableau needs.
fn verify_hs256(jwt: &str, secret: &str) -> serde_json::Value {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = jwt.split('.');
    let (header, payload, signature) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    assert!(parts.next().is_none());
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    ring::hmac::verify(
        &key,
        format!("{header}.{payload}").as_bytes(),
        &b64.decode(signature).unwrap(),
    )
    .expect("signature made with the secret value");
    let header: serde_json::Value = serde_json::from_slice(&b64.decode(header).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], "secret-id-1");
    assert_eq!(header["iss"], "client-1");
    serde_json::from_slice(&b64.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let fake = Fake::new();
    let m = manager(&fake, "3.27");
    let password = "dbg-password-a1b2";
    let pat_secret = "dbg-pat-c3d4";
    let jwt = "dbg.jwt-e5f6.sig";
    let app_secret = "dbg-app-secret-g7h8";
    let builder = ConnectedAppAuth::builder("client", "kid", app_secret, "alice").scopes(["s"]);
    let builder_debug = format!("{builder:?}");
    let app = builder.build().unwrap();
    let minted = app.mint_jwt().unwrap();
    let texts = vec![
        format!(
            "{:?}",
            TableauAuth::new("alice", password, "").impersonate("u")
        ),
        format!("{:?}", PersonalAccessTokenAuth::new("n", pat_secret, "")),
        format!("{:?}", JwtAuth::new(jwt, "")),
        format!("{:?}", JwtAuth::uat(jwt, "")),
        format!("{app:?}"),
        builder_debug,
        format!("{minted:?}"),
        format!("{m:?}"),
        format!("{:?}", m.layer()),
    ];
    for secret in [
        password,
        pat_secret,
        jwt,
        app_secret,
        minted.expose_secret(),
    ] {
        assert_secret_absent(secret, &texts);
    }
    // The session's token, once signed in.
    let session = m.sign_in(password_strategy(&fake)).await.unwrap();
    let token = session.token().expose_secret().to_owned();
    let texts = vec![
        format!("{session:?}"),
        format!("{:?}", session.token()),
        format!("{m:?}"),
        format!("{:?}", m.layer()),
    ];
    assert_secret_absent(&token, &texts);
}

fn password_strategy(fake: &Fake) -> Arc<dyn CredentialStrategy> {
    password(fake, "")
}
