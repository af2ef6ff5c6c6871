//! Group 4 — faults from the emulator's fault injection. Each case ends in a typed error or
//! the documented retry, within a time bound, and the session works afterwards.

use std::time::{Duration, Instant};

use tsc::transport::{RetryPolicy, Transport};
use tsc::{PersonalAccessTokenAuth, Server, Verify};
use tsc_testserver::{Config, Fault, ListenOptions, Route, TestServer};

use crate::support::{Ctx, GroupReport, ensure, transport_error};

/// The call a case makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    /// `server.workbooks().get()` — an idempotent, authenticated GET.
    GetWorkbooks,
    /// `server.auth().sign_in(&pat)` — a POST.
    SignIn,
}

/// The documented outcome.
#[derive(Clone, Copy, Debug)]
enum Expect {
    Success,
    /// The connection failed while the body was read (`transport::Error::Body` / `Http`).
    BodyCut,
    /// The body could not be decoded (`tsc_model::Error`, wrapped).
    Undecodable,
    /// `auth::Error::NonXmlResponse` with this status.
    NonXml(u16),
    /// A Tableau error with this status and code.
    Api(u16, &'static str),
    Timeout,
    BodyTooLarge,
}

struct Case {
    name: &'static str,
    call: Call,
    faults: Vec<(Fault, u32)>,
    expect: Expect,
    /// Requests the route must have received (1 = no retry).
    attempts: u64,
    /// Lower bound of the elapsed time that proves a documented wait (Retry-After).
    waits_at_least: Duration,
}

const TIMEOUT: Duration = Duration::from_secs(3);

pub(crate) async fn run(ctx: &Ctx) -> GroupReport {
    let mut report = GroupReport::new("4 faults");
    if let Err(e) = cases(ctx, &mut report).await {
        report.case("set up the emulator", Err(e));
    }
    report.figure = format!(
        "{} faults, typed or retried, 0 panics, session usable after each",
        report.passed
    );
    report
}

async fn cases(ctx: &Ctx, report: &mut GroupReport) -> Result<(), String> {
    let emulator = TestServer::new(Config::server().workbooks_per_site(5));
    let running = emulator
        .start(ListenOptions::loopback())
        .await
        .map_err(|e| e.to_string())?;
    ctx.secret(tsc_testserver::PAT_SECRET);
    let pat =
        PersonalAccessTokenAuth::new(tsc_testserver::PAT_NAME, tsc_testserver::PAT_SECRET, "");
    let server = Server::builder(&running.https_url)
        .verify(Verify::CaFile(running.ca_file.clone()))
        .timeout(TIMEOUT)
        .use_server_version(true)
        .build()
        .await
        .map_err(|e| e.to_string())?;
    server
        .auth()
        .sign_in(&pat)
        .await
        .map_err(|e| format!("first sign-in: {e}"))?
        .keep();

    let none = Duration::ZERO;
    let list = vec![
        Case {
            name: "connection cut mid-body (GET)",
            call: Call::GetWorkbooks,
            faults: vec![(Fault::DropMidBody, 1)],
            expect: Expect::BodyCut,
            attempts: 1,
            waits_at_least: none,
        },
        Case {
            name: "connection cut mid-body (sign-in POST)",
            call: Call::SignIn,
            faults: vec![(Fault::DropMidBody, 1)],
            expect: Expect::BodyCut,
            attempts: 1,
            waits_at_least: none,
        },
        Case {
            name: "truncated XML (GET)",
            call: Call::GetWorkbooks,
            faults: vec![(Fault::TruncatedXml, 1)],
            expect: Expect::Undecodable,
            attempts: 1,
            waits_at_least: none,
        },
        Case {
            name: "truncated XML (sign-in POST)",
            call: Call::SignIn,
            faults: vec![(Fault::TruncatedXml, 1)],
            expect: Expect::Undecodable,
            attempts: 1,
            waits_at_least: none,
        },
        Case {
            name: "HTML 503 once (GET retried, then succeeds)",
            call: Call::GetWorkbooks,
            faults: vec![(Fault::Html503, 1)],
            expect: Expect::Success,
            attempts: 2,
            waits_at_least: none,
        },
        Case {
            name: "HTML 503 three times (GET: 2 retries, then typed)",
            call: Call::GetWorkbooks,
            faults: vec![(Fault::Html503, 3)],
            expect: Expect::NonXml(503),
            attempts: 3,
            waits_at_least: none,
        },
        Case {
            name: "HTML 503 (sign-in POST not retried)",
            call: Call::SignIn,
            faults: vec![(Fault::Html503, 1)],
            expect: Expect::NonXml(503),
            attempts: 1,
            waits_at_least: none,
        },
        Case {
            name: "plain-text 500 (GET, not retried)",
            call: Call::GetWorkbooks,
            faults: vec![(Fault::PlainText500, 1)],
            expect: Expect::NonXml(500),
            attempts: 1,
            waits_at_least: none,
        },
        Case {
            name: "slow server within the timeout",
            call: Call::GetWorkbooks,
            faults: vec![(Fault::Delay(Duration::from_millis(300)), 1)],
            expect: Expect::Success,
            attempts: 1,
            waits_at_least: none,
        },
        Case {
            name: "slow server beyond the timeout",
            call: Call::GetWorkbooks,
            faults: vec![(Fault::Delay(Duration::from_secs(20)), 1)],
            expect: Expect::Timeout,
            attempts: 1,
            waits_at_least: none,
        },
        Case {
            name: "429 Retry-After 1 s (GET retried after the wait)",
            call: Call::GetWorkbooks,
            faults: vec![(
                Fault::TooManyRequests {
                    retry_after_secs: 1,
                },
                1,
            )],
            expect: Expect::Success,
            attempts: 2,
            waits_at_least: Duration::from_millis(950),
        },
        Case {
            name: "429 Retry-After 1 s three times (GET: 2 retries, then typed)",
            call: Call::GetWorkbooks,
            faults: vec![(
                Fault::TooManyRequests {
                    retry_after_secs: 1,
                },
                3,
            )],
            expect: Expect::Api(429, "429000"),
            attempts: 3,
            waits_at_least: Duration::from_millis(1900),
        },
        Case {
            name: "429 Retry-After 3600 s (longer than max delay: not waited)",
            call: Call::GetWorkbooks,
            faults: vec![(
                Fault::TooManyRequests {
                    retry_after_secs: 3600,
                },
                1,
            )],
            expect: Expect::Api(429, "429000"),
            attempts: 1,
            waits_at_least: none,
        },
        Case {
            name: "429 Retry-After 1 s (sign-in POST not retried)",
            call: Call::SignIn,
            faults: vec![(
                Fault::TooManyRequests {
                    retry_after_secs: 1,
                },
                1,
            )],
            expect: Expect::Api(429, "429000"),
            attempts: 1,
            waits_at_least: none,
        },
    ];
    for case in list {
        let result = one(ctx, &emulator, &server, &pat, &case).await;
        report.case(case.name, result);
    }

    // Oversized: a 2 MiB answer through a transport limited to 1 MiB.
    let limited = Server::builder(&running.https_url)
        .transport(
            Transport::builder()
                .tls_certs_merge([tsc::transport::Certificate::from_pem_file(
                    running.ca_file.clone(),
                )])
                .max_response_bytes(1 << 20)
                .retry(RetryPolicy::default())
                .timeout(TIMEOUT)
                .build()
                .map_err(|e| e.to_string())?,
        )
        .use_server_version(true)
        .build()
        .await
        .map_err(|e| e.to_string())?;
    limited
        .auth()
        .sign_in(&pat)
        .await
        .map_err(|e| format!("sign-in of the size-limited client: {e}"))?
        .keep();
    let case = Case {
        name: "oversized body (2 MiB vs a 1 MiB limit)",
        call: Call::GetWorkbooks,
        faults: vec![(Fault::Oversized(2 << 20), 1)],
        expect: Expect::BodyTooLarge,
        attempts: 1,
        waits_at_least: none,
    };
    let result = one(ctx, &emulator, &limited, &pat, &case).await;
    report.case(case.name, result);
    emulator.faults().clear();
    let _ = server.auth().sign_out().await;
    Ok(())
}

fn route(call: Call) -> Route {
    match call {
        Call::GetWorkbooks => Route::Workbooks,
        Call::SignIn => Route::SignIn,
    }
}

async fn call(
    server: &Server,
    pat: &PersonalAccessTokenAuth,
    call: Call,
) -> Result<(), tsc::Error> {
    match call {
        Call::GetWorkbooks => server.workbooks().get().await.map(drop),
        Call::SignIn => server.auth().sign_in(pat).await.map(|g| g.keep()),
    }
}

async fn one(
    ctx: &Ctx,
    emulator: &TestServer,
    server: &Server,
    pat: &PersonalAccessTokenAuth,
    case: &Case,
) -> Result<(), String> {
    emulator.faults().clear();
    let route = route(case.call);
    let before = emulator.counters().requests_for(route);
    for (fault, times) in &case.faults {
        emulator
            .faults()
            .inject_times(Some(route), fault.clone(), *times);
    }
    let started = Instant::now();
    // The bound: the transport's own timeout plus slack; a hang is a failure, not a wait.
    let outcome = tokio::time::timeout(
        TIMEOUT + Duration::from_secs(5),
        call(server, pat, case.call),
    )
    .await;
    let elapsed = started.elapsed();
    emulator.faults().clear();
    let result = match outcome {
        Err(_) => {
            return Err(format!(
                "hung: no answer within {:?}",
                TIMEOUT + Duration::from_secs(5)
            ));
        }
        Ok(r) => r,
    };
    if let Err(e) = &result {
        ctx.error(case.name, e);
    }
    judge(&result, case.expect)?;
    let attempts = emulator.counters().requests_for(route) - before;
    ensure(attempts == case.attempts, || {
        format!(
            "the server received {attempts} attempt(s), expected {}",
            case.attempts
        )
    })?;
    ensure(elapsed >= case.waits_at_least, || {
        format!("returned after {elapsed:?}: the announced Retry-After was not waited for")
    })?;
    // The session is still usable: the next call succeeds (after a failed sign-in, sign
    // in again first, as a caller would).
    let follow_up = tokio::time::timeout(Duration::from_secs(10), async {
        if case.call == Call::SignIn && !server.is_signed_in() {
            call(server, pat, Call::SignIn).await?;
        }
        server.workbooks().get().await.map(drop)
    })
    .await;
    match follow_up {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("the follow-up call failed: {e} ({e:?})")),
        Err(_) => Err("the follow-up call hung".to_owned()),
    }
}

fn judge(result: &Result<(), tsc::Error>, expect: Expect) -> Result<(), String> {
    let err = match (result, expect) {
        (Ok(()), Expect::Success) => return Ok(()),
        (Ok(()), _) => return Err(format!("expected {expect:?}, but the call succeeded")),
        (Err(e), Expect::Success) => return Err(format!("expected success, got {e} ({e:?})")),
        (Err(e), _) => e,
    };
    let ok = match expect {
        Expect::Success => false,
        Expect::BodyCut => matches!(
            transport_error(err),
            Some(tsc::transport::Error::Body(_) | tsc::transport::Error::Http { .. })
        ),
        Expect::Undecodable => matches!(
            err,
            tsc::Error::Model(_) | tsc::Error::Auth(tsc::auth::Error::Model(_))
        ),
        Expect::NonXml(status) => matches!(
            err,
            tsc::Error::Auth(tsc::auth::Error::NonXmlResponse { status: s, .. }) if s.as_u16() == status
        ),
        Expect::Api(status, code) => {
            err.status().map(|s| s.as_u16()) == Some(status) && err.code() == Some(code)
        }
        Expect::Timeout => err.is_timeout(),
        Expect::BodyTooLarge => matches!(
            transport_error(err),
            Some(tsc::transport::Error::BodyTooLarge { .. })
        ),
    };
    ensure(ok, || format!("expected {expect:?}, got {err} ({err:?})"))
}
