//! One test per row of the README's "Python TSC → tsc" table, each against the emulated
//! server on loopback TLS (its CA generated for the run), plus the facade's promises:
//! guard drop signs out, `with_sign_in` always signs out, clones share one session.

use std::time::Duration;

use futures_util::TryStreamExt;
use secrecy::ExposeSecret;
use tsc::{
    ConnectedAppAuth, HttpOptions, JwtAuth, PersonalAccessTokenAuth, RequestOptions, Server,
    TableauAuth, Verify,
};
use tsc_testserver::{Config, ListenOptions, Route, RunningServer, TestServer};

const WORKBOOKS: usize = 57;

async fn emulator(config: Config) -> (TestServer, RunningServer) {
    let emulator = TestServer::new(config.workbooks_per_site(WORKBOOKS));
    let running = emulator
        .start(ListenOptions::loopback())
        .await
        .expect("the emulator starts on loopback");
    (emulator, running)
}

async fn server_for(running: &RunningServer) -> Server {
    Server::builder(&running.https_url)
        .verify(Verify::CaFile(running.ca_file.clone()))
        .use_server_version(true)
        .build()
        .await
        .expect("server builds and asks its version")
}

fn pat() -> PersonalAccessTokenAuth {
    PersonalAccessTokenAuth::new("quickstart", "quickstart-secret", "")
}

/// `TSC.Server(url, use_server_version=True)`
#[tokio::test]
async fn server_with_use_server_version_speaks_the_servers_version() {
    let (emulator, running) = emulator(Config::server().api_version("3.24")).await;
    let before = Server::builder(&running.https_url)
        .verify(Verify::CaFile(running.ca_file.clone()))
        .build()
        .await
        .unwrap();
    assert_eq!(
        before.version().to_string(),
        "2.4",
        "TSC's default before asking"
    );
    let server = server_for(&running).await;
    assert_eq!(server.version().to_string(), "3.24");
    assert_eq!(emulator.counters().requests_for(Route::ServerInfo), 1);
}

/// `server.server_info.get()`
#[tokio::test]
async fn server_info_get_returns_versions() {
    let (_emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    let info = server.server_info().get().await.unwrap();
    assert_eq!(info.rest_api_version.to_string(), "3.27");
    assert!(!info.product_version.is_empty());
}

/// `TSC.PersonalAccessTokenAuth(...)` + `server.auth.sign_in(auth)`
#[tokio::test]
async fn pat_sign_in_fills_the_session_accessors() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    assert!(!server.is_signed_in());
    assert!(server.auth_token().is_none());
    let session = server.auth().sign_in(&pat()).await.unwrap();
    assert!(server.is_signed_in());
    assert_eq!(server.site_id().as_deref(), emulator.site_id(""));
    assert_eq!(server.site_url().as_deref(), Some(""));
    assert_eq!(server.user_id().as_deref(), emulator.user_id("admin"));
    let token = server.auth_token().expect("a token");
    assert!(!token.expose_secret().is_empty());
    assert!(!format!("{token:?}").contains(token.expose_secret()));
    assert_eq!(emulator.counters().sign_ins.pat, 1);
    session.sign_out().await.unwrap();
    assert!(!server.is_signed_in());
}

/// `TSC.TableauAuth(username, password, site_id)`
#[tokio::test]
async fn password_sign_in_on_a_named_site() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    let auth = TableauAuth::new("analyst", "analyst-password", "MarketingTeam");
    let session = server.auth().sign_in(&auth).await.unwrap();
    assert_eq!(
        server.site_id().as_deref(),
        emulator.site_id("MarketingTeam")
    );
    assert_eq!(server.user_id().as_deref(), emulator.user_id("analyst"));
    session.sign_out().await.unwrap();

    // Wrong password: TSC's FailedSignInError, code 401001.
    let err = server
        .auth()
        .sign_in(&TableauAuth::new("analyst", "wrong", ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("401001"));
    assert_eq!(err.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert!(!server.is_signed_in());
}

/// `TSC.JWTAuth(jwt, site_id=...)` with a connected app, and a minting strategy
#[tokio::test]
async fn jwt_sign_in_with_a_connected_app() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    let app = &emulator.data().connected_apps[0];
    let minting = ConnectedAppAuth::builder(
        app.client_id.clone(),
        app.secret_id.clone(),
        app.secret_value.expose_secret().to_owned(),
        "admin",
    )
    .scopes(["tableau:content:read"])
    .build()
    .unwrap();
    let session = server.auth().sign_in(&minting).await.unwrap();
    assert_eq!(server.user_id().as_deref(), emulator.user_id("admin"));
    session.sign_out().await.unwrap();
    let raw = JwtAuth::new(minting.mint_jwt().unwrap(), "");
    let session = server.auth().sign_in(&raw).await.unwrap();
    session.sign_out().await.unwrap();
    assert_eq!(emulator.counters().sign_ins.jwt, 2);
}

/// `TSC.JWTAuth(jwt, isUat=True, site_id=...)` on Tableau Cloud
#[tokio::test]
async fn uat_sign_in_on_cloud() {
    let (emulator, running) = emulator(Config::cloud()).await;
    let server = Server::builder(&running.https_url)
        .verify(Verify::CaFile(running.ca_file.clone()))
        .deployment(tsc::Deployment::Cloud)
        .use_server_version(true)
        .build()
        .await
        .unwrap();
    let jwt = emulator
        .uat_jwt("admin@example.com", &["tableau:content:read"])
        .expect("cloud mode has a UAT key");
    let session = server
        .auth()
        .sign_in(&JwtAuth::uat(jwt, "MarketingTeam"))
        .await
        .unwrap();
    assert_eq!(
        server.site_id().as_deref(),
        emulator.site_id("MarketingTeam")
    );
    assert_eq!(emulator.counters().sign_ins.uat, 1);
    // Switch site is a Tableau Server feature.
    let err = server
        .auth()
        .switch_site_by_content_url("Finance")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Tableau Cloud"), "{err}");
    session.sign_out().await.unwrap();
}

/// `TSC.TableauAuth(..., user_id_to_impersonate=...)`
#[tokio::test]
async fn impersonation_signs_in_as_the_other_user() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    let analyst = emulator.user_id("analyst").unwrap().to_owned();
    let auth = TableauAuth::new("admin", "admin-password", "").impersonate(analyst.clone());
    let session = server.auth().sign_in(&auth).await.unwrap();
    assert_eq!(server.user_id().as_deref(), Some(analyst.as_str()));
    session.sign_out().await.unwrap();
    assert_eq!(emulator.counters().sign_ins.impersonated, 1);
}

/// `server.auth.sign_out()` — the token is dead afterwards, and signing out twice is fine
#[tokio::test]
async fn sign_out_invalidates_the_token_and_is_idempotent() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    server.auth().sign_in(&pat()).await.unwrap().keep();
    assert_eq!(emulator.counters().active_sessions, 1);
    server.auth().sign_out().await.unwrap();
    assert_eq!(emulator.counters().active_sessions, 0);
    let before = emulator.counters().requests_for(Route::SignOut);
    server.auth().sign_out().await.unwrap();
    assert_eq!(
        emulator.counters().requests_for(Route::SignOut),
        before,
        "no request when already signed out"
    );
    let err = server.workbooks().get().await.unwrap_err();
    assert!(err.is_not_signed_in(), "{err:?}");
}

/// `with server.auth.sign_in(auth): ...`
#[tokio::test]
async fn with_sign_in_signs_out_even_when_the_block_fails() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    let total = server
        .auth()
        .with_sign_in(&pat(), async |server| -> tsc::Result<u64> {
            Ok(server.workbooks().get().await?.1.total_available)
        })
        .await
        .unwrap();
    assert_eq!(total, WORKBOOKS as u64);
    assert!(!server.is_signed_in());
    let failed: tsc::Result<()> = server
        .auth()
        .with_sign_in(&pat(), async |server| -> tsc::Result<()> {
            server.sites().get_by_name("no/such/site").await.map(|_| ())
        })
        .await;
    assert!(failed.is_err());
    assert!(!server.is_signed_in());
    assert_eq!(emulator.counters().active_sessions, 0);
}

/// A guard dropped without sign-out signs out in the background.
#[tokio::test]
async fn dropped_guard_signs_out_in_the_background() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    {
        let _session = server.auth().sign_in(&pat()).await.unwrap();
        assert_eq!(emulator.counters().active_sessions, 1);
    }
    let waited = tokio::time::timeout(Duration::from_secs(10), async {
        while emulator.counters().active_sessions != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "the background sign-out never reached the server"
    );
    assert!(!server.is_signed_in());

    // A kept guard does not sign out.
    server.auth().sign_in(&pat()).await.unwrap().keep();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(server.is_signed_in());
    server.auth().sign_out().await.unwrap();
}

/// `server.sites.get_by_name(...)` + `server.auth.switch_site(site)`
#[tokio::test]
async fn switch_site_by_name() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    let session = server.auth().sign_in(&pat()).await.unwrap();
    let old_token = server.auth_token().unwrap();
    let site = server.sites().get_by_name("MarketingTeam").await.unwrap();
    assert_eq!(site.content_url, "MarketingTeam");
    server.auth().switch_site(&site).await.unwrap();
    assert_eq!(
        server.site_id().as_deref(),
        emulator.site_id("MarketingTeam")
    );
    assert_ne!(
        server.auth_token().unwrap().expose_secret(),
        old_token.expose_secret()
    );
    // Same site again: success, nothing changes (TSC ignores 403070 too).
    let token = server.auth_token().unwrap();
    server.auth().switch_site(&site).await.unwrap();
    assert_eq!(
        server.auth_token().unwrap().expose_secret(),
        token.expose_secret()
    );
    // get_by_id works for the current site only.
    let by_id = server.sites().get_by_id(&site.id).await.unwrap();
    assert_eq!(by_id.name, site.name);
    assert!(server.sites().get_by_id("not-this-site").await.is_err());
    session.sign_out().await.unwrap();
}

/// `server.add_http_options({'verify': ca_file})` after construction
#[tokio::test]
async fn add_http_options_with_a_ca_file_after_construction() {
    let (_emulator, running) = emulator(Config::server()).await;
    let server = Server::new(&running.https_url).unwrap();
    let err = server.server_info().get().await.unwrap_err();
    assert!(
        err.is_tls(),
        "the emulator's CA is not a system root: {err:?}"
    );
    server
        .add_http_options(HttpOptions::new().verify(Verify::CaFile(running.ca_file.clone())))
        .unwrap();
    server.use_server_version().await.unwrap();
    let session = server.auth().sign_in(&pat()).await.unwrap();
    session.sign_out().await.unwrap();
}

/// `server.add_http_options({'verify': False})`
#[tokio::test]
async fn verify_disabled_accepts_the_unknown_ca() {
    let (_emulator, running) = emulator(Config::server()).await;
    let server = Server::new(&running.https_url).unwrap();
    server
        .add_http_options(HttpOptions::new().verify(Verify::Disabled))
        .unwrap();
    assert_eq!(
        server.use_server_version().await.unwrap().to_string(),
        "3.27"
    );
}

/// `server.workbooks.get()`, `get(req_options)` and `TSC.Pager(server.workbooks)`
#[tokio::test]
async fn workbooks_first_page_chosen_page_and_all_pages() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    let session = server.auth().sign_in(&pat()).await.unwrap();
    let (first, pagination) = server.workbooks().get().await.unwrap();
    assert_eq!(first.len(), WORKBOOKS.min(100));
    assert_eq!(pagination.total_available, WORKBOOKS as u64);

    let (page3, p3) = server
        .workbooks()
        .get_page(&RequestOptions::new().page_size(10).page_number(3))
        .await
        .unwrap();
    assert_eq!((p3.page_number, p3.page_size), (3, 10));
    assert_eq!(page3.len(), 10);
    assert_eq!(page3[0].id, first[20].id, "page 3 of 10 starts at item 21");

    let before = emulator.counters().requests_for(Route::Workbooks);
    let sequential: Vec<_> = server
        .workbooks()
        .pager()
        .page_size(10)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sequential.len(), WORKBOOKS);
    assert_eq!(
        emulator.counters().requests_for(Route::Workbooks) - before,
        WORKBOOKS.div_ceil(10) as u64
    );
    let concurrent: Vec<_> = server
        .workbooks()
        .pager()
        .page_size(10)
        .concurrency(4)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids = |v: &[tsc::WorkbookItem]| v.iter().map(|w| w.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&sequential), ids(&concurrent), "same items, same order");
    let one = server.workbooks().get_by_id(&first[0].id).await.unwrap();
    assert_eq!(one.name, first[0].name);
    session.sign_out().await.unwrap();
}

/// Site-scoped calls before sign-in, and bad arguments, fail before any request.
#[tokio::test]
async fn calls_before_sign_in_and_bad_arguments_send_nothing() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    let before = emulator.counters();
    assert!(
        server
            .workbooks()
            .get()
            .await
            .unwrap_err()
            .is_not_signed_in()
    );
    assert!(
        server
            .sites()
            .get_by_name("Finance")
            .await
            .unwrap_err()
            .is_not_signed_in()
    );
    let session = server.auth().sign_in(&pat()).await.unwrap();
    let after_sign_in = emulator.counters();
    for options in [
        RequestOptions::new().page_size(0),
        RequestOptions::new().page_size(5000),
        RequestOptions::new().page_number(0),
    ] {
        let err = server.workbooks().get_page(&options).await.unwrap_err();
        assert!(matches!(err, tsc::Error::InvalidArgument { .. }), "{err:?}");
    }
    for name in ["a/b", "a?b", ""] {
        assert!(server.sites().get_by_name(name).await.is_err());
    }
    assert_eq!(
        emulator.counters().requests,
        after_sign_in.requests,
        "bad arguments sent a request"
    );
    assert_eq!(
        before.requests_for(Route::Workbooks),
        0,
        "not-signed-in calls sent a request"
    );
    session.sign_out().await.unwrap();
}

/// `Server` is `Clone + Send + Sync`; clones share one session across tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_share_one_session_across_tasks() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Server>();
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    let session = server.auth().sign_in(&pat()).await.unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let s = server.clone();
            tokio::spawn(async move { s.workbooks().get().await.map(|(_, p)| p.total_available) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), WORKBOOKS as u64);
    }
    assert_eq!(emulator.counters().total_sign_ins(), 1);
    session.sign_out().await.unwrap();
    assert!(!server.clone().is_signed_in());
}

/// A URL without a scheme means https://
#[tokio::test]
async fn bare_host_means_https() {
    let server = Server::new("tableau.example.com").unwrap();
    assert!(
        server
            .server_address()
            .starts_with("https://tableau.example.com")
    );
    assert!(Server::new("ftp://tableau.example.com").is_err());
    assert!(Server::new("https://").is_err());
}

/// The session expires mid-run: the next call signs in again once and succeeds.
#[tokio::test]
async fn expired_session_is_renewed_transparently() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = server_for(&running).await;
    let session = server.auth().sign_in(&pat()).await.unwrap();
    emulator.expire_all_sessions();
    let (_, p) = server.workbooks().get().await.unwrap();
    assert_eq!(p.total_available, WORKBOOKS as u64);
    assert_eq!(emulator.counters().sign_ins.pat, 2);
    session.sign_out().await.unwrap();
}

/// TSC's `Server(url)` + `sign_in(pat)` (no `use_server_version`) ports as it is: the
/// version is asked first because a PAT needs 3.6; a version the caller pinned is kept.
#[tokio::test]
async fn pat_sign_in_negotiates_the_version_unless_pinned() {
    let (emulator, running) = emulator(Config::server()).await;
    let server = Server::builder(&running.https_url)
        .verify(Verify::CaFile(running.ca_file.clone()))
        .build()
        .await
        .unwrap();
    assert_eq!(server.version().to_string(), "2.4");
    let session = server.auth().sign_in(&pat()).await.unwrap();
    assert_eq!(server.version().to_string(), "3.27");
    session.sign_out().await.unwrap();

    let pinned = Server::builder(&running.https_url)
        .verify(Verify::CaFile(running.ca_file.clone()))
        .version("2.4".parse().unwrap())
        .build()
        .await
        .unwrap();
    let before = emulator.counters().requests.clone();
    let err = pinned.auth().sign_in(&pat()).await.unwrap_err();
    assert!(err.to_string().contains("3.6"), "{err}");
    assert_eq!(emulator.counters().requests, before, "nothing was sent");
}

/// `ServerBuilder::layer`: a user tower layer sees every request, and survives
/// `add_http_options` rebuilding the stack.
#[tokio::test]
async fn user_layer_sees_every_request_and_survives_a_rebuild() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (emulator, running) = emulator(Config::server()).await;
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let server = Server::builder(&running.https_url)
        .verify(Verify::CaFile(running.ca_file.clone()))
        .layer(tower::util::MapRequestLayer::new(
            move |mut req: http::Request<tsc::transport::Body>| {
                counter.fetch_add(1, Ordering::SeqCst);
                req.headers_mut().insert(
                    "x-request-source",
                    http::HeaderValue::from_static("facade-test"),
                );
                req
            },
        ))
        .use_server_version(true)
        .build()
        .await
        .unwrap();
    let session = server.auth().sign_in(&pat()).await.unwrap();
    server.workbooks().get().await.unwrap();
    let before_rebuild = seen.load(Ordering::SeqCst);
    assert_eq!(before_rebuild, 3, "serverinfo, signin, workbooks");
    server
        .add_http_options(HttpOptions::new().timeout(Duration::from_secs(30)))
        .unwrap();
    server.workbooks().get().await.unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), before_rebuild + 1);
    session.sign_out().await.unwrap();
    assert_eq!(
        emulator.counters().total_sign_ins(),
        1,
        "the session survived the rebuild"
    );
}
