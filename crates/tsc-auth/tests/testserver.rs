//! The session lifecycle against the emulated Tableau (`tsc-testserver`): in memory
//! through `TestServer::service()`, and on loopback sockets through `start()`.

mod support;

use std::sync::Arc;

use futures_util::future::join_all;
use http::{Request, StatusCode};
use tsc_auth::{
    ConnectedAppAuth, CredentialStrategy, Deployment, Error, JwtAuth, PersonalAccessTokenAuth,
    SessionManager, TableauAuth,
};
use tsc_model::ApiVersion;
use tsc_testserver::{
    ADMIN_PASSWORD, Config, ListenOptions, PAT_NAME, PAT_SECRET, Route, TestServer,
};
use tsc_transport::{Body, Certificate, Transport};

const SERVER: &str = "https://tableau.example.com";

fn manager_for(server: &TestServer, deployment: Deployment) -> SessionManager {
    support::capture_logs();
    SessionManager::builder(Transport::new(server.service()), SERVER.parse().unwrap())
        .api_version(ApiVersion::new(3, 27))
        .deployment(deployment)
        .build()
        .unwrap()
}

fn setup() -> (TestServer, SessionManager) {
    let server = TestServer::new(Config::server().workbooks_per_site(3));
    let manager = manager_for(&server, Deployment::Auto);
    (server, manager)
}

fn admin(site: &str) -> Arc<dyn CredentialStrategy> {
    Arc::new(TableauAuth::new("admin", ADMIN_PASSWORD, site))
}

fn pat(site: &str) -> Arc<dyn CredentialStrategy> {
    Arc::new(PersonalAccessTokenAuth::new(PAT_NAME, PAT_SECRET, site))
}

async fn list_workbooks(manager: &SessionManager) -> Result<StatusCode, Error> {
    let request = Request::get(manager.site_url("workbooks")?)
        .body(Body::empty())
        .unwrap();
    Ok(manager.send(request).await?.status())
}

#[tokio::test]
async fn password_sign_in_then_an_authenticated_call() {
    let (server, m) = setup();
    let session = m.sign_in(admin("")).await.unwrap();
    assert_eq!(Some(session.site_id()), server.site_id(""));
    assert_eq!(Some(session.user_id()), server.user_id("admin"));
    assert_eq!(list_workbooks(&m).await.unwrap(), StatusCode::OK);
    assert_eq!(server.counters().sign_ins.password, 1);
    support::assert_secret_absent(ADMIN_PASSWORD, &[format!("{m:?}")]);
    support::assert_secret_absent(session.token().expose_secret(), &[format!("{m:?}")]);
}

#[tokio::test]
async fn pat_sign_in_reports_expiry() {
    let (server, m) = setup();
    let session = m.sign_in(pat("MarketingTeam")).await.unwrap();
    assert_eq!(session.site_content_url(), "MarketingTeam");
    assert_eq!(Some(session.site_id()), server.site_id("MarketingTeam"));
    let expiry = session
        .pat_expiry()
        .expect("the emulator sends estimatedTimeToExpiration");
    assert!(
        expiry.remaining.is_some(),
        "unreadable expiry {:?}",
        expiry.raw
    );
    assert_eq!(server.counters().sign_ins.pat, 1);
    support::assert_secret_absent(PAT_SECRET, &[format!("{m:?}"), format!("{session:?}")]);
}

#[tokio::test]
async fn impersonation_signs_in_as_the_other_user() {
    let (server, m) = setup();
    let analyst = server.user_id("analyst").unwrap().to_owned();
    let session = m
        .sign_in(Arc::new(
            TableauAuth::new("admin", ADMIN_PASSWORD, "").impersonate(analyst.clone()),
        ))
        .await
        .unwrap();
    assert_eq!(session.user_id(), analyst);
    assert_eq!(server.counters().sign_ins.impersonated, 1);
}

#[tokio::test]
async fn wrong_password_and_wrong_pat_are_failed_sign_ins() {
    let (server, m) = setup();
    for strategy in [
        Arc::new(TableauAuth::new("admin", "not-the-password", "")) as Arc<dyn CredentialStrategy>,
        Arc::new(PersonalAccessTokenAuth::new(PAT_NAME, "not-the-secret", "")),
    ] {
        let err = m.sign_in(strategy).await.unwrap_err();
        assert!(
            matches!(err, Error::FailedSignIn { ref code, .. } if code == "401001"),
            "{err:?}"
        );
        assert!(!err.to_string().contains("not-the-"));
    }
    assert_eq!(server.counters().sign_ins.failed, 2);
    assert!(m.session().is_none());
}

#[tokio::test]
async fn empty_credentials_never_reach_the_server() {
    let (server, m) = setup();
    let err = m
        .sign_in(Arc::new(TableauAuth::new("", "", "")))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidCredentials {
            field: "username",
            ..
        }
    ));
    assert_eq!(server.counters().requests_for(Route::SignIn), 0);
}

#[tokio::test]
async fn sign_out_ends_the_server_session_and_clears_state() {
    let (server, m) = setup();
    m.sign_in(admin("")).await.unwrap();
    assert_eq!(server.counters().active_sessions, 1);
    m.sign_out().await.unwrap();
    assert_eq!(server.counters().active_sessions, 0);
    assert!(m.session().is_none());
    assert!(matches!(list_workbooks(&m).await, Err(Error::NotSignedIn)));
    m.sign_out().await.unwrap();
    assert_eq!(server.counters().requests_for(Route::SignOut), 1);
}

#[tokio::test]
async fn sign_out_with_a_dead_token_is_fine() {
    let (server, m) = setup();
    m.sign_in(pat("")).await.unwrap();
    server.expire_all_sessions();
    m.sign_out().await.unwrap();
    assert!(m.session().is_none());
    assert_eq!(server.counters().requests_for(Route::SignOut), 1);
}

#[tokio::test]
async fn switch_site_and_same_site_switch() {
    let (server, m) = setup();
    let first = m.sign_in(admin("")).await.unwrap();
    let switched = m.switch_site("MarketingTeam").await.unwrap();
    assert_eq!(Some(switched.site_id()), server.site_id("MarketingTeam"));
    assert_ne!(
        switched.token().expose_secret(),
        first.token().expose_secret()
    );
    assert_eq!(list_workbooks(&m).await.unwrap(), StatusCode::OK);
    // Already there: 403070 is success, nothing changes.
    let same = m.switch_site("MarketingTeam").await.unwrap();
    assert_eq!(
        same.token().expose_secret(),
        switched.token().expose_secret()
    );
    assert_eq!(server.counters().requests_for(Route::SwitchSite), 2);
}

#[tokio::test]
async fn switch_site_is_refused_on_cloud() {
    let server = TestServer::new(Config::cloud().workbooks_per_site(1));
    let m = manager_for(&server, Deployment::Cloud);
    m.sign_in(pat("MarketingTeam")).await.unwrap();
    assert!(matches!(
        m.switch_site("Finance").await,
        Err(Error::NotAvailableOnCloud { .. })
    ));
    assert_eq!(server.counters().requests_for(Route::SwitchSite), 0);
}

#[tokio::test]
async fn use_server_version_adopts_the_servers_version() {
    let server = TestServer::new(Config::server().api_version("3.25").workbooks_per_site(1));
    support::capture_logs();
    let m = SessionManager::builder(Transport::new(server.service()), SERVER.parse().unwrap())
        .build()
        .unwrap();
    assert_eq!(m.version(), ApiVersion::DEFAULT);
    assert_eq!(
        m.use_server_version().await.unwrap(),
        ApiVersion::new(3, 25)
    );
    assert_eq!(server.counters().requests_for(Route::ServerInfo), 1);
    m.sign_in(pat("")).await.unwrap();
    assert!(
        m.site_url("workbooks")
            .unwrap()
            .path()
            .starts_with("/api/3.25/")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expiry_with_64_concurrent_requests_causes_one_sign_in() {
    let (server, m) = setup();
    m.sign_in(pat("")).await.unwrap();
    server.expire_all_sessions();
    let calls = (0..64).map(|_| {
        let m = m.clone();
        tokio::spawn(async move { list_workbooks(&m).await })
    });
    for result in join_all(calls).await {
        assert_eq!(result.unwrap().unwrap(), StatusCode::OK);
    }
    assert_eq!(
        server.counters().sign_ins.pat,
        2,
        "initial + exactly one renewal"
    );
}

#[tokio::test]
async fn pat_superseded_by_another_sign_in_recovers() {
    // One session per PAT: a second client's sign-in kills the first one's session.
    let server = TestServer::new(Config::server().workbooks_per_site(1));
    let first = manager_for(&server, Deployment::Auto);
    let second = manager_for(&server, Deployment::Auto);
    first.sign_in(pat("")).await.unwrap();
    second.sign_in(pat("")).await.unwrap();
    assert_eq!(list_workbooks(&first).await.unwrap(), StatusCode::OK);
    assert_eq!(server.counters().sign_ins.pat, 3);
}

#[tokio::test]
async fn connected_app_renews_with_a_fresh_jwt() {
    let (server, m) = setup();
    let app = server.data().connected_apps[0].clone();
    let strategy = ConnectedAppAuth::builder(
        app.client_id.clone(),
        app.secret_id.clone(),
        app.secret_value.clone(),
        "admin",
    )
    .scopes(["tableau:content:read"])
    .build()
    .unwrap();
    m.sign_in(Arc::new(strategy)).await.unwrap();
    server.expire_all_sessions();
    assert_eq!(list_workbooks(&m).await.unwrap(), StatusCode::OK);
    assert_eq!(server.counters().sign_ins.jwt, 2);
}

#[tokio::test]
async fn raw_jwt_cannot_renew() {
    let (server, m) = setup();
    let jwt = server
        .connected_app_jwt("admin", &["tableau:content:read"])
        .unwrap();
    m.sign_in(Arc::new(JwtAuth::new(jwt.clone(), "")))
        .await
        .unwrap();
    server.expire_all_sessions();
    let err = list_workbooks(&m).await.unwrap_err();
    assert!(matches!(err, Error::CannotSignInAgain { .. }), "{err:?}");
    assert_eq!(server.counters().sign_ins.jwt, 1);
    support::assert_secret_absent(
        &jwt,
        &[err.to_string(), format!("{err:?}"), format!("{m:?}")],
    );
}

#[tokio::test]
async fn loopback_http_redirect_is_upgraded_before_signing_in() {
    support::capture_logs();
    let server = TestServer::new(Config::server().workbooks_per_site(1));
    let running = server.start(ListenOptions::loopback()).await.unwrap();
    let transport = Transport::builder()
        .tls_certs_only([Certificate::from_pem(running.ca_pem.clone())])
        .build()
        .unwrap();
    let m = SessionManager::builder(transport, running.http_redirect_url.parse().unwrap())
        .api_version(ApiVersion::new(3, 27))
        .build()
        .unwrap();
    m.sign_in(pat("")).await.unwrap();
    assert_eq!(
        m.server_url().to_string().trim_end_matches('/'),
        running.https_url.trim_end_matches('/')
    );
    assert_eq!(list_workbooks(&m).await.unwrap(), StatusCode::OK);
    m.sign_out().await.unwrap();
    let counters = server.counters();
    assert_eq!(
        counters.requests_for(Route::HttpRedirect),
        1,
        "only the secret-free probe went to the plain-http listener"
    );
    assert_eq!(counters.sign_ins.pat, 1);
    support::assert_secret_absent(PAT_SECRET, &[format!("{m:?}")]);
    running.shutdown().await;
}
