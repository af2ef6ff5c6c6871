//! Group 7 — bad input at the API: each is a clear, typed error before any request is sent.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tsc::auth::ConnectedAppAuth;
use tsc::{JwtAuth, PersonalAccessTokenAuth, RequestOptions, Server, TableauAuth, Verify};
use tsc_testserver::{Config, ListenOptions, TestServer};

use crate::support::{Ctx, GroupReport, ensure};

/// What a case must produce.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// `tsc::Error::InvalidArgument` about this argument.
    InvalidArgument(&'static str),
    /// `tsc_auth::Error::InvalidCredentials` about this field.
    InvalidCredentials(&'static str),
}

type Call<'a> = Pin<Box<dyn Future<Output = Result<(), tsc::Error>> + 'a>>;

fn total_requests(server: &TestServer) -> u64 {
    server.counters().requests.values().sum()
}

pub(crate) async fn run(ctx: &Ctx) -> GroupReport {
    let mut report = GroupReport::new("7 bad input");
    let emulator = TestServer::new(Config::server().workbooks_per_site(3));
    let running = match emulator.start(ListenOptions::loopback()).await {
        Ok(r) => r,
        Err(e) => {
            report.case("start the emulator", Err(e.to_string()));
            return report;
        }
    };
    let server = match Server::builder(&running.https_url)
        .verify(Verify::CaFile(running.ca_file.clone()))
        .timeout(Duration::from_secs(20))
        .use_server_version(true)
        .build()
        .await
    {
        Ok(s) => s,
        Err(e) => {
            report.case("build the server", Err(e.to_string()));
            return report;
        }
    };
    let pat =
        PersonalAccessTokenAuth::new(tsc_testserver::PAT_NAME, tsc_testserver::PAT_SECRET, "");
    ctx.secret(tsc_testserver::PAT_SECRET);
    // Signed in, so the site-scoped calls below fail on their argument, not on the session.
    let guard = match server.auth().sign_in(&pat).await {
        Ok(g) => g,
        Err(e) => {
            report.case("sign in for the site-scoped cases", Err(e.to_string()));
            return report;
        }
    };
    if let Some(t) = server.auth_token() {
        ctx.secret(t.expose_secret());
    }

    let ws = "   ";
    let cases: Vec<(&str, Expect, Call<'_>)> = vec![
        (
            "password sign-in with an empty username",
            Expect::InvalidCredentials("username"),
            Box::pin(sign_in(
                &server,
                TableauAuth::new("", "analyst-password", ""),
            )),
        ),
        (
            "password sign-in with a whitespace username",
            Expect::InvalidCredentials("username"),
            Box::pin(sign_in(
                &server,
                TableauAuth::new(ws, "analyst-password", ""),
            )),
        ),
        (
            "password sign-in with an empty password",
            Expect::InvalidCredentials("password"),
            Box::pin(sign_in(&server, TableauAuth::new("analyst", "", ""))),
        ),
        (
            "password sign-in with a whitespace password",
            Expect::InvalidCredentials("password"),
            Box::pin(sign_in(&server, TableauAuth::new("analyst", ws, ""))),
        ),
        (
            "PAT sign-in with an empty token name",
            Expect::InvalidCredentials("token name"),
            Box::pin(sign_in(
                &server,
                PersonalAccessTokenAuth::new("", "quickstart-secret", ""),
            )),
        ),
        (
            "PAT sign-in with a whitespace token secret",
            Expect::InvalidCredentials("token secret"),
            Box::pin(sign_in(
                &server,
                PersonalAccessTokenAuth::new("quickstart", ws, ""),
            )),
        ),
        (
            "JWT sign-in with an empty JWT",
            Expect::InvalidCredentials("JWT"),
            Box::pin(sign_in(&server, JwtAuth::new("", ""))),
        ),
        (
            "UAT sign-in with a whitespace JWT",
            Expect::InvalidCredentials("JWT"),
            Box::pin(sign_in(&server, JwtAuth::uat(ws, ""))),
        ),
        (
            "connected app with an empty secret value",
            Expect::InvalidCredentials("secret value"),
            Box::pin(async {
                ConnectedAppAuth::builder("client", "secret-id", "", "admin")
                    .scopes(["tableau:content:read"])
                    .build()
                    .map(drop)
                    .map_err(tsc::Error::from)
            }),
        ),
        (
            "connected app with a whitespace username",
            Expect::InvalidCredentials("username"),
            Box::pin(async {
                ConnectedAppAuth::builder("client", "secret-id", "value", ws)
                    .scopes(["tableau:content:read"])
                    .build()
                    .map(drop)
                    .map_err(tsc::Error::from)
            }),
        ),
        (
            "server URL with no host (https://)",
            Expect::InvalidArgument("server address"),
            Box::pin(async { Server::new("https://").map(drop) }),
        ),
        (
            "server URL with no host (https:///api)",
            Expect::InvalidArgument("server address"),
            Box::pin(async { Server::new("https:///api").map(drop) }),
        ),
        (
            "server URL with a non-http scheme (ftp://)",
            Expect::InvalidArgument("server address"),
            Box::pin(async { Server::new("ftp://tableau.example.com").map(drop) }),
        ),
        (
            "server URL with a non-http scheme (file://)",
            Expect::InvalidArgument("server address"),
            Box::pin(async { Server::new("file:///etc/passwd").map(drop) }),
        ),
        (
            "site name with `/`",
            Expect::InvalidArgument("site name"),
            Box::pin(async { server.sites().get_by_name("a/../b").await.map(drop) }),
        ),
        (
            "site name with `?`",
            Expect::InvalidArgument("site name"),
            Box::pin(async { server.sites().get_by_name("a?key=id").await.map(drop) }),
        ),
        (
            "site content URL with `/`",
            Expect::InvalidArgument("content URL"),
            Box::pin(async { server.sites().get_by_content_url("x/y").await.map(drop) }),
        ),
        (
            "page size 0",
            Expect::InvalidArgument("page size"),
            Box::pin(async {
                server
                    .workbooks()
                    .get_page(&RequestOptions::new().page_size(0))
                    .await
                    .map(drop)
            }),
        ),
        (
            "page size 5000",
            Expect::InvalidArgument("page size"),
            Box::pin(async {
                server
                    .workbooks()
                    .get_page(&RequestOptions::new().page_size(5000))
                    .await
                    .map(drop)
            }),
        ),
        (
            "pager with page size 5000",
            Expect::InvalidArgument("page size"),
            Box::pin(async {
                use futures_util::StreamExt;
                let mut stream = server.workbooks().pager().page_size(5000).stream();
                match stream.next().await {
                    Some(Err(e)) => Err(e),
                    Some(Ok(_)) => Ok(()),
                    None => Ok(()),
                }
            }),
        ),
    ];

    for (name, expect, call) in cases {
        let before = total_requests(&emulator);
        let outcome = tokio::time::timeout(Duration::from_secs(20), call).await;
        let after = total_requests(&emulator);
        let result = match outcome {
            Err(_) => Err("did not finish within 20 s".to_owned()),
            Ok(Ok(())) => Err("accepted; expected an error before any request".to_owned()),
            Ok(Err(err)) => {
                ctx.error(name, &err);
                check(&err, expect).and_then(|()| {
                    ensure(after == before, || {
                        format!(
                            "the right error, but {} request(s) reached the server first",
                            after - before
                        )
                    })
                })
            }
        };
        report.case(name, result);
    }
    if let Err(e) = guard.sign_out().await {
        report.case("sign out at the end", Err(e.to_string()));
    }
    report.figure = format!(
        "{} inputs refused before sending, 0 requests",
        report.passed
    );
    report
}

async fn sign_in<A>(server: &Server, auth: A) -> Result<(), tsc::Error>
where
    A: tsc::CredentialStrategy + Clone + 'static,
{
    server.auth().sign_in(&auth).await.map(|g| g.keep())
}

/// The error is the expected variant and its message names the offending argument.
fn check(err: &tsc::Error, expect: Expect) -> Result<(), String> {
    let text = err.to_string();
    let ok = match (expect, err) {
        (Expect::InvalidArgument(what), tsc::Error::InvalidArgument { what: w, .. }) => {
            w.contains(what) || text.contains(what)
        }
        (
            Expect::InvalidCredentials(field),
            tsc::Error::Auth(tsc::auth::Error::InvalidCredentials { field: f, .. }),
        ) => f.contains(field),
        _ => false,
    };
    ensure(ok, || {
        format!("expected {expect:?}, got {err:?} (\"{text}\")")
    })
}
