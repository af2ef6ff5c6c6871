//! Group 1 — secret leaks. Runs every example-like flow against the emulator (server and
//! cloud mode) with the process-wide TRACE capture on, captures `Debug` of every public
//! type that can hold a secret and `Display`/`Debug`/sources of every error, then scans the
//! whole run's log (all groups) and every captured string for the run's known secrets and
//! for anything shaped like a JWT.

use std::future::Future;
use std::time::Duration;

use tsc::auth::{ConnectedAppAuth, ExposeSecret};
use tsc::model::{SignInCredentials, SignInRequest, SignInResponse, SwitchSiteRequest};
use tsc::{
    Deployment, HttpOptions, JwtAuth, PersonalAccessTokenAuth, RedirectPolicy, Server, TableauAuth,
    Verify,
};
use tsc_testserver::{Config, ListenOptions, RunningServer, TestServer};

use crate::support::{Ctx, GroupReport, ensure, nonce, sign_in_xml};

/// Secrets of this group, by kind (the other groups' secrets are in the context).
#[derive(Default)]
struct Known {
    by_kind: Vec<(&'static str, String)>,
}

impl Known {
    fn add(&mut self, ctx: &Ctx, kind: &'static str, value: impl Into<String>) {
        let value = value.into();
        ctx.secret(value.clone());
        if !self.by_kind.iter().any(|(_, v)| *v == value) {
            self.by_kind.push((kind, value));
        }
    }
}

struct Env {
    server_mode: TestServer,
    server_run: RunningServer,
    cloud: TestServer,
    cloud_run: RunningServer,
}

pub(crate) async fn run(ctx: &Ctx) -> GroupReport {
    let mut report = GroupReport::new("1 secret leaks");
    let env = match setup().await {
        Ok(e) => e,
        Err(e) => {
            report.case("start the emulators", Err(e));
            return report;
        }
    };
    let mut known = Known::default();
    known.add(ctx, "password", tsc_testserver::ADMIN_PASSWORD);
    known.add(ctx, "password", tsc_testserver::ANALYST_PASSWORD);
    known.add(ctx, "PAT secret", tsc_testserver::PAT_SECRET);
    known.add(
        ctx,
        "connected-app secret value",
        tsc_testserver::CONNECTED_APP_SECRET_VALUE,
    );

    let flows = flows(ctx, &env, &mut known, &mut report).await;
    capture_types(ctx, &mut known);

    // A planted canary, logged at TRACE from another runtime thread and captured as a
    // string: the scan below must find it, or it proves nothing.
    let canary = format!("verify-canary-{}", nonce());
    let planted = canary.clone();
    let _ = tokio::spawn(async move {
        tracing::trace!(target: "tsc_verify::canary", "planted {planted}");
    })
    .await;
    ctx.capture("canary", format!("planted {canary}"));

    // The scan: every log line of the whole run, every captured string.
    let log = ctx.log.text();
    let lines: Vec<&str> = log.lines().collect();
    let strings = ctx.strings();
    let mut all_secrets: Vec<(&'static str, String)> = known.by_kind.clone();
    for s in ctx.secrets() {
        if !all_secrets.iter().any(|(_, v)| *v == s) {
            all_secrets.push(("secret of another group", s));
        }
    }
    let mut leaks = 0usize;
    let kinds = [
        "password",
        "PAT secret",
        "connected-app secret value",
        "JWT",
        "session token",
        "secret of another group",
    ];
    for kind in kinds {
        let secrets: Vec<&String> = all_secrets
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, v)| v)
            .collect();
        if secrets.is_empty() && kind == "secret of another group" {
            continue; // only group 1 ran (`--only 1`)
        }
        let found: Vec<String> = secrets
            .iter()
            .flat_map(|secret| find(secret, &lines, &strings))
            .collect();
        leaks += found.len();
        report.case(
            &format!(
                "no {kind} ({} known) in logs or captured strings",
                secrets.len()
            ),
            ensure(!secrets.is_empty() && found.is_empty(), || {
                if secrets.is_empty() {
                    "no secret of this kind was collected: the scan would prove nothing".to_owned()
                } else {
                    format!(
                        "{} leak(s), first: {}",
                        found.len(),
                        found[..found.len().min(3)].join(" || ")
                    )
                }
            }),
        );
    }
    // Unknown JWTs too (ConnectedAppAuth mints fresh ones we never see): nothing shaped
    // like a JWT may be logged or shown.
    let mut jwt_like: Vec<String> = lines
        .iter()
        .filter(|l| looks_like_jwt(l))
        .map(|l| format!("log line: {l}"))
        .collect();
    jwt_like.extend(
        strings
            .iter()
            .filter(|(_, t)| looks_like_jwt(t))
            .map(|(w, t)| format!("{w}: {t}")),
    );
    leaks += jwt_like.len();
    report.case(
        "nothing JWT-shaped (eyJ….….…) in logs or captured strings",
        ensure(jwt_like.is_empty(), || {
            format!(
                "{} hit(s), first: {}",
                jwt_like.len(),
                jwt_like[0].chars().take(300).collect::<String>()
            )
        }),
    );
    let canary_hits = find(&canary, &lines, &strings).len();
    report.case(
        "the scan finds a planted canary in the log and in the captured strings",
        ensure(canary_hits == 2, || {
            format!("the canary was found {canary_hits} time(s), expected 2: the scan is blind")
        }),
    );
    report.case(
        "the capture saw TRACE events of the client stack",
        ensure(
            lines.iter().any(|l| l.contains("TRACE"))
                && lines
                    .iter()
                    .any(|l| l.contains("DEBUG") && l.contains("tsc_")),
            || {
                "no TRACE line, or no DEBUG line of a tsc crate: the subscriber is not capturing"
                    .to_owned()
            },
        ),
    );
    report.figure = format!(
        "{flows} flows, {} log lines, {} strings scanned, {leaks} leaks",
        lines.len(),
        strings.len()
    );
    drop(env);
    report
}

/// Every log line and captured string holding `secret`, with an excerpt around it.
fn find(secret: &str, lines: &[&str], strings: &[(String, String)]) -> Vec<String> {
    let mut found: Vec<String> = lines
        .iter()
        .filter(|l| l.contains(secret))
        .map(|l| format!("log line: {}", excerpt(l, secret)))
        .collect();
    found.extend(
        strings
            .iter()
            .filter(|(_, t)| t.contains(secret))
            .map(|(what, t)| format!("{what}: {}", excerpt(t, secret))),
    );
    found
}

fn excerpt(text: &str, secret: &str) -> String {
    let at = text.find(secret).unwrap_or(0);
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(80)
        .map_or(0, |(i, _)| i);
    let shown: String = text[start..].chars().take(200).collect();
    shown.replace(secret, "«SECRET»")
}

/// `eyJ` + base64url + `.` + base64url + `.` — a JWT header is base64url JSON starting `{"`.
fn looks_like_jwt(text: &str) -> bool {
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut rest = text;
    while let Some(i) = rest.find("eyJ") {
        let tail = &rest[i..];
        let parts: Vec<&str> = tail.splitn(3, '.').collect();
        if parts.len() == 3
            && parts[0].len() >= 10
            && parts[0].chars().all(b64)
            && parts[1].len() >= 10
            && parts[1].chars().all(b64)
        {
            return true;
        }
        rest = &rest[i + 3..];
    }
    false
}

async fn setup() -> Result<Env, String> {
    let server_mode = TestServer::new(Config::server().workbooks_per_site(12));
    let server_run = server_mode
        .start(ListenOptions::loopback())
        .await
        .map_err(|e| e.to_string())?;
    let cloud = TestServer::new(Config::cloud().workbooks_per_site(4));
    let cloud_run = cloud
        .start(ListenOptions::loopback())
        .await
        .map_err(|e| e.to_string())?;
    Ok(Env {
        server_mode,
        server_run,
        cloud,
        cloud_run,
    })
}

async fn server_for(
    ctx: &Ctx,
    run: &RunningServer,
    url: &str,
    cloud: bool,
) -> Result<Server, tsc::Error> {
    let builder = Server::builder(url)
        .verify(Verify::CaFile(run.ca_file.clone()))
        .timeout(Duration::from_secs(20))
        .use_server_version(true)
        .deployment(if cloud {
            Deployment::Cloud
        } else {
            Deployment::Server
        });
    ctx.debug("ServerBuilder", &builder);
    let server = builder.build().await?;
    ctx.debug("Server", &server);
    Ok(server)
}

/// After a sign-in: remember the session token, capture what can hold it.
fn after_sign_in(ctx: &Ctx, known: &mut Known, server: &Server, guard: Option<&tsc::SignInGuard>) {
    if let Some(token) = server.auth_token() {
        known.add(ctx, "session token", token.expose_secret());
        ctx.debug("SessionToken", &token);
    }
    if let Some(guard) = guard {
        ctx.debug("SignInGuard", guard);
        if let Some(session) = guard.session() {
            ctx.debug("SessionInfo", &session);
        }
    }
    ctx.debug("Server (signed in)", server);
    ctx.debug("SessionManager", server.session_manager());
}

/// Runs one flow as a case; `Ok(())` when it behaved as documented.
async fn flow<F>(report: &mut GroupReport, name: &str, f: F) -> usize
where
    F: Future<Output = Result<(), String>>,
{
    let outcome = tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .unwrap_or_else(|_| Err("did not finish within 60 s".to_owned()));
    report.case(&format!("flow: {name}"), outcome);
    1
}

fn expect_err<T>(
    ctx: &Ctx,
    what: &str,
    r: Result<T, tsc::Error>,
    check: impl Fn(&tsc::Error) -> bool,
) -> Result<(), String> {
    match r {
        Ok(_) => Err(format!("{what}: expected an error, got success")),
        Err(e) => {
            ctx.error(what, &e);
            ensure(check(&e), || {
                format!("{what}: unexpected error {e} ({e:?})")
            })
        }
    }
}

async fn flows(ctx: &Ctx, env: &Env, known: &mut Known, report: &mut GroupReport) -> usize {
    let srv = &env.server_run;
    let url = srv.https_url.clone();
    let e = &env.server_mode;
    let app = e.data().connected_apps.first().cloned();
    let analyst_id = e.user_id("analyst").map(str::to_owned).unwrap_or_default();
    let mut n = 0;

    // 1. Personal access token: version, sign in, list, stream, sign out.
    n += flow(report, "personal access token (quickstart)", async {
        let server = server_for(ctx, srv, &url, false)
            .await
            .map_err(|e| e.to_string())?;
        let auth =
            PersonalAccessTokenAuth::new(tsc_testserver::PAT_NAME, tsc_testserver::PAT_SECRET, "");
        ctx.debug("PersonalAccessTokenAuth", &auth);
        let guard = server
            .auth()
            .sign_in(&auth)
            .await
            .map_err(|e| e.to_string())?;
        after_sign_in(ctx, known, &server, Some(&guard));
        let (page, pagination) = server.workbooks().get().await.map_err(|e| e.to_string())?;
        ctx.debug("WorkbookItem page", &page);
        ctx.debug("PaginationItem", &pagination);
        use futures_util::TryStreamExt;
        let all: Vec<_> = server
            .workbooks()
            .pager()
            .page_size(5)
            .concurrency(2)
            .stream()
            .try_collect()
            .await
            .map_err(|e| e.to_string())?;
        ensure(all.len() == 12, || {
            format!("streamed {} workbooks, expected 12", all.len())
        })?;
        guard.sign_out().await.map_err(|e| e.to_string())
    })
    .await;

    // 2. Username and password, switch site, sign out.
    n += flow(report, "password sign-in and switch site", async {
        let server = server_for(ctx, srv, &url, false)
            .await
            .map_err(|e| e.to_string())?;
        let auth = TableauAuth::new("analyst", tsc_testserver::ANALYST_PASSWORD, "");
        ctx.debug("TableauAuth", &auth);
        let guard = server
            .auth()
            .sign_in(&auth)
            .await
            .map_err(|e| e.to_string())?;
        after_sign_in(ctx, known, &server, Some(&guard));
        // A non-admin may read only the site it is signed in to, so switch by content URL.
        let info = server
            .auth()
            .switch_site_by_content_url("MarketingTeam")
            .await
            .map_err(|e| e.to_string())?;
        let site = server
            .sites()
            .get_by_content_url("MarketingTeam")
            .await
            .map_err(|e| e.to_string())?;
        ctx.debug("SiteItem", &site);
        ctx.debug("SessionInfo after switch", &info);
        after_sign_in(ctx, known, &server, Some(&guard));
        server.workbooks().get().await.map_err(|e| e.to_string())?;
        guard.sign_out().await.map_err(|e| e.to_string())
    })
    .await;

    // 3. Connected app: minted JWTs, then one raw minted JWT.
    n += flow(report, "connected app (minted JWTs)", async {
        let app = app.as_ref().ok_or("no connected app in the emulator")?;
        let server = server_for(ctx, srv, &url, false)
            .await
            .map_err(|e| e.to_string())?;
        let builder = ConnectedAppAuth::builder(
            app.client_id.clone(),
            app.secret_id.clone(),
            app.secret_value.expose_secret().to_owned(),
            "admin",
        )
        .scopes(["tableau:content:read"]);
        ctx.debug("ConnectedAppAuthBuilder", &builder);
        let auth = builder.build().map_err(|e| e.to_string())?;
        ctx.debug("ConnectedAppAuth", &auth);
        let guard = server
            .auth()
            .sign_in(&auth)
            .await
            .map_err(|e| e.to_string())?;
        after_sign_in(ctx, known, &server, Some(&guard));
        guard.sign_out().await.map_err(|e| e.to_string())?;
        let jwt = auth.mint_jwt().map_err(|e| e.to_string())?;
        known.add(ctx, "JWT", jwt.expose_secret());
        let raw = JwtAuth::new(jwt, "");
        ctx.debug("JwtAuth", &raw);
        let guard = server
            .auth()
            .sign_in(&raw)
            .await
            .map_err(|e| e.to_string())?;
        after_sign_in(ctx, known, &server, Some(&guard));
        server.workbooks().get().await.map_err(|e| e.to_string())?;
        guard.sign_out().await.map_err(|e| e.to_string())
    })
    .await;

    // 4. A JWT minted by the emulator (as an identity provider would).
    n += flow(
        report,
        "connected-app JWT from the identity provider",
        async {
            let jwt = e
                .connected_app_jwt("admin", &["tableau:content:read"])
                .ok_or("no connected app")?;
            known.add(ctx, "JWT", jwt.clone());
            let server = server_for(ctx, srv, &url, false)
                .await
                .map_err(|e| e.to_string())?;
            let guard = server
                .auth()
                .sign_in(&JwtAuth::new(jwt, ""))
                .await
                .map_err(|e| e.to_string())?;
            after_sign_in(ctx, known, &server, Some(&guard));
            guard.sign_out().await.map_err(|e| e.to_string())
        },
    )
    .await;

    // 5. Unified access token on (emulated) Tableau Cloud.
    n += flow(report, "UAT on Tableau Cloud", async {
        let jwt = env
            .cloud
            .uat_jwt("admin@example.com", &["tableau:content:read"])
            .ok_or("no UAT key")?;
        known.add(ctx, "JWT", jwt.clone());
        let cloud_url = env.cloud_run.https_url.clone();
        let server = server_for(ctx, &env.cloud_run, &cloud_url, true)
            .await
            .map_err(|e| e.to_string())?;
        let auth = JwtAuth::uat(jwt, "MarketingTeam");
        ctx.debug("JwtAuth (UAT)", &auth);
        let guard = server
            .auth()
            .sign_in(&auth)
            .await
            .map_err(|e| e.to_string())?;
        after_sign_in(ctx, known, &server, Some(&guard));
        server.workbooks().get().await.map_err(|e| e.to_string())?;
        // Switching site is refused on Cloud before anything is sent.
        expect_err(
            ctx,
            "switch site on Cloud",
            server.auth().switch_site_by_content_url("").await,
            |e| {
                matches!(
                    e,
                    tsc::Error::Auth(tsc::auth::Error::NotAvailableOnCloud { .. })
                )
            },
        )?;
        guard.sign_out().await.map_err(|e| e.to_string())
    })
    .await;

    // 6. Impersonation by an administrator.
    n += flow(report, "impersonation", async {
        let server = server_for(ctx, srv, &url, false)
            .await
            .map_err(|e| e.to_string())?;
        let auth = TableauAuth::new("admin", tsc_testserver::ADMIN_PASSWORD, "")
            .impersonate(analyst_id.clone());
        ctx.debug("TableauAuth (impersonating)", &auth);
        let guard = server
            .auth()
            .sign_in(&auth)
            .await
            .map_err(|e| e.to_string())?;
        after_sign_in(ctx, known, &server, Some(&guard));
        ensure(
            server.user_id().as_deref() == Some(analyst_id.as_str()),
            || {
                format!(
                    "signed in as {:?}, expected the impersonated {analyst_id}",
                    server.user_id()
                )
            },
        )?;
        guard.sign_out().await.map_err(|e| e.to_string())
    })
    .await;

    // 7. Session expiry mid-run: renewed once, transparently.
    n += flow(report, "re-sign-in after expiry", async {
        let server = server_for(ctx, srv, &url, false)
            .await
            .map_err(|e| e.to_string())?;
        let auth = TableauAuth::new("analyst", tsc_testserver::ANALYST_PASSWORD, "");
        let guard = server
            .auth()
            .sign_in(&auth)
            .await
            .map_err(|e| e.to_string())?;
        after_sign_in(ctx, known, &server, Some(&guard));
        let before = e.counters().sign_ins.password;
        e.expire_all_sessions();
        server
            .workbooks()
            .get()
            .await
            .map_err(|e| format!("the call after expiry failed: {e}"))?;
        after_sign_in(ctx, known, &server, Some(&guard));
        let renewed = e.counters().sign_ins.password - before;
        ensure(renewed == 1, || {
            format!("{renewed} re-sign-ins, expected 1")
        })?;
        guard.sign_out().await.map_err(|e| e.to_string())
    })
    .await;

    // 8. Sign-out with a token the server already considers dead (TSC issue #1351).
    n += flow(report, "sign-out with a dead token", async {
        let server = server_for(ctx, srv, &url, false)
            .await
            .map_err(|e| e.to_string())?;
        let auth =
            PersonalAccessTokenAuth::new(tsc_testserver::PAT_NAME, tsc_testserver::PAT_SECRET, "");
        let guard = server
            .auth()
            .sign_in(&auth)
            .await
            .map_err(|e| e.to_string())?;
        after_sign_in(ctx, known, &server, Some(&guard));
        e.expire_all_sessions();
        guard
            .sign_out()
            .await
            .map_err(|e| format!("sign-out with a dead token failed: {e}"))?;
        ensure(!server.is_signed_in(), || {
            "still signed in after sign-out".to_owned()
        })
    })
    .await;

    // 9. The http URL that redirects to https; with_sign_in block.
    n += flow(
        report,
        "http URL redirected to https, with_sign_in block",
        async {
            let http_url = srv.http_redirect_url.clone();
            let server = server_for(ctx, srv, &http_url, false)
                .await
                .map_err(|e| e.to_string())?;
            let auth = PersonalAccessTokenAuth::new(
                tsc_testserver::PAT_NAME,
                tsc_testserver::PAT_SECRET,
                "",
            );
            let total = server
                .auth()
                .with_sign_in(&auth, async |s: Server| {
                    if let Some(t) = s.auth_token() {
                        known.add(ctx, "session token", t.expose_secret());
                    }
                    s.workbooks().get().await.map(|(_, p)| p.total_available)
                })
                .await
                .map_err(|e| e.to_string())?;
            ensure(total == 12, || format!("{total} workbooks, expected 12"))
        },
    )
    .await;

    // 10. Failures: every error's text is captured and scanned.
    n += flow(
        report,
        "failures (wrong secrets, bad JWT, single-use JWT after expiry, faults)",
        async {
            let server = server_for(ctx, srv, &url, false)
                .await
                .map_err(|e| e.to_string())?;
            let wrong_password = format!("wrong-password-{}", nonce());
            known.add(ctx, "password", wrong_password.clone());
            expect_err(
                ctx,
                "wrong password",
                server
                    .auth()
                    .sign_in(&TableauAuth::new("analyst", wrong_password.as_str(), ""))
                    .await,
                |e| matches!(e, tsc::Error::Auth(tsc::auth::Error::FailedSignIn { .. })),
            )?;
            let wrong_secret = format!("wrong-pat-secret-{}", nonce());
            known.add(ctx, "PAT secret", wrong_secret.clone());
            expect_err(
                ctx,
                "wrong PAT secret",
                server
                    .auth()
                    .sign_in(&PersonalAccessTokenAuth::new(
                        "quickstart",
                        wrong_secret.as_str(),
                        "",
                    ))
                    .await,
                |e| e.status().map(|s| s.as_u16()) == Some(401),
            )?;
            let fake_jwt = format!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2ZXJpZnkifQ.{}", nonce());
            known.add(ctx, "JWT", fake_jwt.clone());
            expect_err(
                ctx,
                "forged JWT",
                server.auth().sign_in(&JwtAuth::new(fake_jwt, "")).await,
                |e| e.status().map(|s| s.as_u16()) == Some(401),
            )?;
            expect_err(
                ctx,
                "call before sign-in",
                server.workbooks().get().await,
                tsc::Error::is_not_signed_in,
            )?;
            // A raw JWT is single use: after expiry it cannot sign in again.
            let jwt = e
                .connected_app_jwt("admin", &["tableau:content:read"])
                .ok_or("no connected app")?;
            known.add(ctx, "JWT", jwt.clone());
            let guard = server
                .auth()
                .sign_in(&JwtAuth::new(jwt, ""))
                .await
                .map_err(|e| e.to_string())?;
            after_sign_in(ctx, known, &server, Some(&guard));
            e.expire_all_sessions();
            expect_err(
                ctx,
                "expired single-use JWT session",
                server.workbooks().get().await,
                |e| {
                    matches!(
                        e,
                        tsc::Error::Auth(tsc::auth::Error::CannotSignInAgain { .. })
                    ) || e.code() == Some("401002")
                },
            )?;
            guard.keep();
            let _ = server.auth().sign_out().await;
            // Faults during an authenticated session.
            let auth = TableauAuth::new("analyst", tsc_testserver::ANALYST_PASSWORD, "");
            let guard = server
                .auth()
                .sign_in(&auth)
                .await
                .map_err(|e| e.to_string())?;
            after_sign_in(ctx, known, &server, Some(&guard));
            e.faults().inject_once(
                Some(tsc_testserver::Route::Workbooks),
                tsc_testserver::Fault::PlainText500,
            );
            expect_err(ctx, "plain-text 500", server.workbooks().get().await, |e| {
                e.status().map(|s| s.as_u16()) == Some(500)
            })?;
            e.faults().inject_once(
                Some(tsc_testserver::Route::SignIn),
                tsc_testserver::Fault::TruncatedXml,
            );
            expect_err(
                ctx,
                "truncated sign-in answer",
                server.auth().sign_in(&auth).await,
                |_| true,
            )?;
            e.faults().clear();
            // A redirect refused by policy, carrying the token.
            e.faults().inject_once(
                Some(tsc_testserver::Route::Workbooks),
                tsc_testserver::Fault::Redirect {
                    status: 307,
                    location: Some("https://elsewhere.invalid/x".to_owned()),
                },
            );
            let guard2 = server
                .auth()
                .sign_in(&auth)
                .await
                .map_err(|e| e.to_string())?;
            after_sign_in(ctx, known, &server, Some(&guard2));
            expect_err(
                ctx,
                "cross-origin redirect with the token",
                server.workbooks().get().await,
                tsc::Error::is_redirect,
            )?;
            e.faults().clear();
            guard.keep();
            guard2.sign_out().await.map_err(|e| e.to_string())
        },
    )
    .await;

    // 11. HTTP options changed on a live session; danger mode.
    n += flow(
        report,
        "add_http_options on a live session, danger mode",
        async {
            let server = server_for(ctx, srv, &url, false)
                .await
                .map_err(|e| e.to_string())?;
            let auth = PersonalAccessTokenAuth::new(
                tsc_testserver::PAT_NAME,
                tsc_testserver::PAT_SECRET,
                "",
            );
            let guard = server
                .auth()
                .sign_in(&auth)
                .await
                .map_err(|e| e.to_string())?;
            after_sign_in(ctx, known, &server, Some(&guard));
            let options = HttpOptions::new()
                .verify(Verify::Disabled)
                .timeout(Duration::from_secs(10));
            ctx.debug("HttpOptions", &options);
            server
                .add_http_options(options)
                .map_err(|e| e.to_string())?;
            server.workbooks().get().await.map_err(|e| e.to_string())?;
            ctx.debug(
                "RedirectPolicy",
                &RedirectPolicy::default().allow_origin("https://pod.example.com"),
            );
            guard.sign_out().await.map_err(|e| e.to_string())
        },
    )
    .await;
    n
}

/// `Debug` of the model's secret-bearing types, built with secrets of this run.
fn capture_types(ctx: &Ctx, known: &mut Known) {
    let password = format!("model-password-{}", nonce());
    let pat = format!("model-pat-secret-{}", nonce());
    let jwt = format!("eyJhbGciOiJIUzI1NiJ9.eyJtb2RlbCI6MX0.{}", nonce());
    let token = format!("model-session-token-{}", nonce());
    known.add(ctx, "password", password.clone());
    known.add(ctx, "PAT secret", pat.clone());
    known.add(ctx, "JWT", jwt.clone());
    known.add(ctx, "session token", token.clone());
    for credentials in [
        SignInCredentials::password("alice", password.as_str()),
        SignInCredentials::personal_access_token("ci", pat.as_str()),
        SignInCredentials::jwt(jwt.as_str()),
        SignInCredentials::unified_access_token(jwt.as_str()),
    ] {
        ctx.debug("SignInCredentials", &credentials);
        let request = SignInRequest::new(credentials, "site").impersonate("user-luid");
        ctx.debug("SignInRequest", &request);
    }
    ctx.debug("SwitchSiteRequest", &SwitchSiteRequest::new("site"));
    match SignInResponse::from_xml(sign_in_xml(&token).as_bytes()) {
        Ok(response) => ctx.debug("SignInResponse", &response),
        Err(e) => ctx.error("SignInResponse::from_xml", &e),
    }
    ctx.debug("SessionToken::new", &tsc::SessionToken::new(token.clone()));
    ctx.debug(
        "TableauAuth",
        &TableauAuth::new("alice", password.as_str(), ""),
    );
    ctx.debug(
        "PersonalAccessTokenAuth",
        &PersonalAccessTokenAuth::new("ci", pat.as_str(), ""),
    );
    ctx.debug("JwtAuth", &JwtAuth::new(jwt.as_str(), ""));
    // A decode error of a body that holds a token must not quote it.
    let broken = sign_in_xml(&token).replace("<user", "<user id=\"1\" id=\"2\"");
    if let Err(e) = SignInResponse::from_xml(broken.as_bytes()) {
        ctx.error("SignInResponse decode error", &e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_shapes_are_recognised() {
        assert!(looks_like_jwt(
            "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2ZXJpZnkifQ.c2lnbmF0dXJl end"
        ));
        assert!(!looks_like_jwt("eyJ alone"));
        assert!(!looks_like_jwt("x-tableau-auth: [redacted]"));
    }

    #[test]
    fn find_reports_lines_and_strings_with_the_secret_masked() {
        let strings = vec![("Debug of X".to_owned(), "X { s: \"hunter22\" }".to_owned())];
        let hits = find("hunter22", &["a hunter22 b", "clean"], &strings);
        assert_eq!(hits.len(), 2);
        assert!(
            hits.iter()
                .all(|h| !h.contains("hunter22") && h.contains("«SECRET»"))
        );
    }
}
