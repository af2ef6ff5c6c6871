//! Group 2 — the redirect matrix: 5 statuses × 8 targets × {sign-in POST, authenticated
//! GET} against loopback servers of our own, with the expected outcome of every cell in
//! [`expected`] (derived from the documented rules of `tsc_transport::RedirectPolicy` and
//! `tsc_auth::SessionManager::sign_in`), and every request each origin received checked
//! for credentials.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tsc::model::ApiVersion;
use tsc::transport::RedirectError;
use tsc::{RedirectPolicy, Server, TableauAuth, Verify};

use crate::support::{
    Ctx, GroupReport, Loopback, Pki, Recorded, ensure, lock, nonce, redirect, tableau_answer,
    transport_error,
};

const STATUSES: [u16; 5] = [301, 302, 303, 307, 308];

/// Where the redirect points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    SameOrigin,
    /// The client is given `http://127.0.0.1:p`, which redirects everything to
    /// `https://127.0.0.1:q` (same host name).
    HttpToHttps,
    HttpsToHttp,
    OtherOriginAllowed,
    OtherOriginNotAllowed,
    MissingLocation,
    Loop,
    ElevenHops,
}

const TARGETS: [Target; 8] = [
    Target::SameOrigin,
    Target::HttpToHttps,
    Target::HttpsToHttp,
    Target::OtherOriginAllowed,
    Target::OtherOriginNotAllowed,
    Target::MissingLocation,
    Target::Loop,
    Target::ElevenHops,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    SignInPost,
    AuthenticatedGet,
}

/// The refusals of `RedirectError`, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    MethodChange,
    Downgrade,
    CrossOrigin,
    MissingLocation,
    Loop,
    TooManyHops,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Success,
    Refused(Refusal),
}

/// The expected-outcome table.
///
/// Rules (RedirectPolicy docs): a missing Location, a loop, more than 10 hops are typed
/// errors; https→http is refused; 303, and 301/302 for a POST, would turn the request into
/// a GET and are refused (except the http→https upgrade of 301/302); another origin is
/// refused for a request with a body or credentials unless allowed. SessionManager docs:
/// on an `http://` server URL, `GET serverinfo` runs first and a same-host https redirect
/// switches the manager to https *before* the credentials leave — so the http→https rows
/// succeed for every status and neither password nor token may reach the http listener.
fn expected(status: u16, target: Target, kind: Kind) -> Outcome {
    let post = kind == Kind::SignInPost;
    let keeps_method = match status {
        301..=303 => !post,
        _ => true,
    };
    match target {
        Target::MissingLocation => Outcome::Refused(Refusal::MissingLocation),
        Target::HttpToHttps => Outcome::Success,
        Target::HttpsToHttp => Outcome::Refused(Refusal::Downgrade),
        _ if !keeps_method => Outcome::Refused(Refusal::MethodChange),
        Target::SameOrigin | Target::OtherOriginAllowed => Outcome::Success,
        Target::OtherOriginNotAllowed => Outcome::Refused(Refusal::CrossOrigin),
        Target::Loop => Outcome::Refused(Refusal::Loop),
        Target::ElevenHops => Outcome::Refused(Refusal::TooManyHops),
    }
}

/// The cell being run, read by the servers' handlers.
#[derive(Clone, Debug)]
struct Scenario {
    status: u16,
    target: Target,
    kind: Kind,
    token: String,
    primary: String,
    plain: String,
    allowed: String,
    denied: String,
}

struct Servers {
    primary: Loopback,
    plain: Loopback,
    allowed: Loopback,
    denied: Loopback,
}

impl Servers {
    fn all(&self) -> [(&'static str, &Loopback); 4] {
        [
            ("primary https origin", &self.primary),
            ("plain http origin", &self.plain),
            ("allowed other origin", &self.allowed),
            ("not-allowed other origin", &self.denied),
        ]
    }
}

fn primary_handler(
    scenario: &Scenario,
    req: &Recorded,
) -> http::Response<http_body_util::Full<bytes::Bytes>> {
    let path = req.uri.path().to_owned();
    let s = scenario.status;
    if let Some(n) = path
        .strip_prefix("/hop/")
        .and_then(|n| n.parse::<u32>().ok())
    {
        // The first redirect is hop 1, /hop/k → /hop/k+1 are hops 2..=11; /hop/11 answers.
        return if n < 11 {
            redirect(s, Some(&format!("{}/hop/{}", scenario.primary, n + 1)))
        } else {
            tableau_answer(req, &scenario.token)
        };
    }
    match path.as_str() {
        "/loop/a" => return redirect(s, Some(&format!("{}/loop/b", scenario.primary))),
        "/loop/b" => return redirect(s, Some(&format!("{}/loop/a", scenario.primary))),
        _ => {}
    }
    if path.starts_with("/moved/") {
        return tableau_answer(req, &scenario.token);
    }
    let redirect_here = match scenario.kind {
        Kind::SignInPost => req.method == http::Method::POST && path.ends_with("/auth/signin"),
        Kind::AuthenticatedGet => req.method == http::Method::GET && path.contains("/workbooks"),
    };
    if !redirect_here {
        return tableau_answer(req, &scenario.token);
    }
    let pq = req.uri.path_and_query().map_or("/", |p| p.as_str());
    match scenario.target {
        Target::SameOrigin => redirect(s, Some(&format!("{}/moved{pq}", scenario.primary))),
        Target::HttpToHttps => tableau_answer(req, &scenario.token),
        Target::HttpsToHttp => redirect(s, Some(&format!("{}{pq}", scenario.plain))),
        Target::OtherOriginAllowed => redirect(s, Some(&format!("{}{pq}", scenario.allowed))),
        Target::OtherOriginNotAllowed => redirect(s, Some(&format!("{}{pq}", scenario.denied))),
        Target::MissingLocation => redirect(s, None),
        Target::Loop => redirect(s, Some(&format!("{}/loop/a", scenario.primary))),
        Target::ElevenHops => redirect(s, Some(&format!("{}/hop/1", scenario.primary))),
    }
}

fn plain_handler(
    scenario: &Scenario,
    req: &Recorded,
) -> http::Response<http_body_util::Full<bytes::Bytes>> {
    if scenario.target == Target::HttpToHttps {
        // Like a real http listener in front of Tableau: every request goes to https.
        let pq = req.uri.path_and_query().map_or("/", |p| p.as_str());
        redirect(scenario.status, Some(&format!("{}{pq}", scenario.primary)))
    } else {
        tableau_answer(req, &scenario.token)
    }
}

pub(crate) async fn run(ctx: &Ctx) -> GroupReport {
    let mut report = GroupReport::new("2 redirects");
    match setup().await {
        Ok((servers, scenario, ca_pem)) => {
            let mut leaks = 0usize;
            let run_nonce = nonce();
            let mut n = 0usize;
            for kind in [Kind::SignInPost, Kind::AuthenticatedGet] {
                for target in TARGETS {
                    for status in STATUSES {
                        n += 1;
                        let name = format!("{status} {target:?} {kind:?}");
                        let outcome = tokio::time::timeout(
                            Duration::from_secs(30),
                            cell(
                                ctx,
                                &servers,
                                &scenario,
                                &ca_pem,
                                status,
                                target,
                                kind,
                                &format!("{run_nonce}-{n}"),
                            ),
                        )
                        .await
                        .unwrap_or_else(|_| Err((0, "did not finish within 30 s".to_owned())));
                        match outcome {
                            Ok(()) => report.case(&name, Ok(())),
                            Err((leaked, why)) => {
                                leaks += leaked;
                                report.case(&name, Err(why));
                            }
                        }
                    }
                }
            }
            report.figure = format!("{} cases, {leaks} credential leaks", report.cases);
        }
        Err(e) => report.case("set up the loopback origins", Err(e)),
    }
    report
}

async fn setup() -> Result<(Servers, Arc<Mutex<Scenario>>, String), String> {
    let pki = Pki::new("tsc-verify redirect CA")?;
    let leaf = pki.leaf(&["127.0.0.1"], None)?;
    let scenario = Arc::new(Mutex::new(Scenario {
        status: 302,
        target: Target::SameOrigin,
        kind: Kind::SignInPost,
        token: String::new(),
        primary: String::new(),
        plain: String::new(),
        allowed: String::new(),
        denied: String::new(),
    }));
    let sc = scenario.clone();
    let primary = Loopback::tls(
        leaf.server_config()?,
        Arc::new(move |r: &Recorded| primary_handler(&lock(&sc), r)),
    )
    .await?;
    let sc = scenario.clone();
    let plain = Loopback::plain(Arc::new(move |r: &Recorded| plain_handler(&lock(&sc), r))).await?;
    let sc = scenario.clone();
    let allowed = Loopback::tls(
        leaf.server_config()?,
        Arc::new(move |r: &Recorded| tableau_answer(r, &lock(&sc).token)),
    )
    .await?;
    let sc = scenario.clone();
    let denied = Loopback::tls(
        leaf.server_config()?,
        Arc::new(move |r: &Recorded| tableau_answer(r, &lock(&sc).token)),
    )
    .await?;
    {
        let mut s = lock(&scenario);
        s.primary = primary.origin();
        s.plain = plain.origin();
        s.allowed = allowed.origin();
        s.denied = denied.origin();
    }
    Ok((
        Servers {
            primary,
            plain,
            allowed,
            denied,
        },
        scenario,
        pki.ca_pem,
    ))
}

/// Runs one cell. `Err((leaks, why))` on failure.
#[allow(clippy::too_many_arguments)]
async fn cell(
    ctx: &Ctx,
    servers: &Servers,
    scenario: &Arc<Mutex<Scenario>>,
    ca_pem: &str,
    status: u16,
    target: Target,
    kind: Kind,
    unique: &str,
) -> Result<(), (usize, String)> {
    let password = format!("verify-password-{unique}");
    let token = format!("verify-session-token-{unique}");
    ctx.secret(&password);
    ctx.secret(&token);
    {
        let mut s = lock(scenario);
        s.status = status;
        s.target = target;
        s.kind = kind;
        s.token = token.clone();
    }
    for (_, s) in servers.all() {
        s.clear();
    }
    let base = if target == Target::HttpToHttps {
        servers.plain.origin()
    } else {
        servers.primary.origin()
    };
    let fail = |why: String| (0usize, why);
    let server = Server::builder(&base)
        .verify(Verify::CaPem(ca_pem.as_bytes().to_vec()))
        .redirect_policy(RedirectPolicy::default().allow_origin(servers.allowed.origin()))
        .version(ApiVersion::new(3, 27))
        .timeout(Duration::from_secs(20))
        .build()
        .await
        .map_err(|e| fail(format!("building the server failed: {e}")))?;
    let auth = TableauAuth::new("verify-user", password.as_str(), "");
    ctx.debug("TableauAuth (redirect matrix)", &auth);

    let result: Result<(), tsc::Error> = match kind {
        Kind::SignInPost => server.auth().sign_in(&auth).await.map(|g| g.keep()),
        Kind::AuthenticatedGet => match server.auth().sign_in(&auth).await {
            Ok(g) => {
                g.keep();
                server.workbooks().get().await.map(drop)
            }
            Err(e) => {
                ctx.error("sign-in before the authenticated GET", &e);
                return Err(fail(format!("the sign-in before the GET failed: {e}")));
            }
        },
    };
    let want = expected(status, target, kind);
    let got = match &result {
        Ok(()) => Outcome::Success,
        Err(e) => {
            ctx.error("redirect matrix error", e);
            match transport_error(e) {
                Some(tsc::transport::Error::Redirect(r)) => Outcome::Refused(match r {
                    RedirectError::MethodChange { .. } => Refusal::MethodChange,
                    RedirectError::Downgrade { .. } => Refusal::Downgrade,
                    RedirectError::CrossOrigin { .. } => Refusal::CrossOrigin,
                    RedirectError::MissingLocation { .. } => Refusal::MissingLocation,
                    RedirectError::Loop { .. } => Refusal::Loop,
                    RedirectError::TooManyHops { .. } => Refusal::TooManyHops,
                    other => {
                        return Err(fail(format!(
                            "expected {want:?}, got another redirect error: {other}"
                        )));
                    }
                }),
                _ => {
                    return Err(fail(format!(
                        "expected {want:?}, got a non-redirect error: {e} ({e:?})"
                    )));
                }
            }
        }
    };

    // Credentials: the password may reach only origins the user chose (the configured
    // https origin, an allowed origin); the token only the origin that issued it.
    let mut leaks = Vec::new();
    for (name, s) in servers.all() {
        let may_get_password = matches!(name, "primary https origin" | "allowed other origin");
        for r in s.requests() {
            if r.contains(&password) && !may_get_password {
                leaks.push(format!(
                    "password reached the {name} ({} {})",
                    r.method,
                    r.uri.path()
                ));
            }
            if r.contains(&token) && name != "primary https origin" {
                leaks.push(format!(
                    "session token reached the {name} ({} {})",
                    r.method,
                    r.uri.path()
                ));
            }
        }
    }
    let denied_got = servers.denied.requests().len();
    if denied_got > 0 {
        leaks.push(format!(
            "the not-allowed origin received {denied_got} request(s)"
        ));
    }
    if !leaks.is_empty() {
        return Err((leaks.len(), leaks.join("; ")));
    }
    ensure(got == want, || format!("expected {want:?}, got {got:?}"))
        .and_then(|()| followed_as_documented(servers, target, kind, got, &password))
        .map_err(fail)
}

/// A followed redirect really reached its target, with the method (and body) kept.
fn followed_as_documented(
    servers: &Servers,
    target: Target,
    kind: Kind,
    got: Outcome,
    password: &str,
) -> Result<(), String> {
    if got != Outcome::Success {
        return Ok(());
    }
    let method = match kind {
        Kind::SignInPost => http::Method::POST,
        Kind::AuthenticatedGet => http::Method::GET,
    };
    match target {
        Target::SameOrigin => {
            let hit = servers
                .primary
                .requests()
                .into_iter()
                .find(|r| r.uri.path().starts_with("/moved/"));
            match hit {
                Some(r) => ensure(r.method == method, || {
                    format!("the redirect turned the {method} into a {}", r.method)
                })
                .and_then(|()| {
                    ensure(kind != Kind::SignInPost || r.contains(password), || {
                        "the POST body was not sent again on the 307/308 hop".to_owned()
                    })
                }),
                None => Err("the same-origin target never received the request".to_owned()),
            }
        }
        Target::OtherOriginAllowed => {
            let hits = servers.allowed.requests();
            ensure(!hits.is_empty(), || {
                "the allowed origin never received the request".to_owned()
            })
            .and_then(|()| {
                ensure(
                    hits.iter().all(|r| {
                        !r.headers.contains_key("x-tableau-auth")
                            && !r.headers.contains_key(http::header::AUTHORIZATION)
                            && !r.headers.contains_key(http::header::COOKIE)
                    }),
                    || "credential headers were not removed on the cross-origin hop".to_owned(),
                )
            })
        }
        Target::HttpToHttps => ensure(
            servers.primary.requests().iter().any(|r| {
                r.method == method
                    && r.contains(if kind == Kind::SignInPost {
                        password
                    } else {
                        "/workbooks"
                    })
            }),
            || "the https origin never received the request".to_owned(),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_follows_the_documented_rules() {
        use Kind::*;
        use Outcome::*;
        use Target::*;
        assert_eq!(expected(307, SameOrigin, SignInPost), Success);
        assert_eq!(
            expected(301, SameOrigin, SignInPost),
            Refused(Refusal::MethodChange)
        );
        assert_eq!(expected(301, SameOrigin, AuthenticatedGet), Success);
        assert_eq!(expected(303, HttpToHttps, SignInPost), Success);
        assert_eq!(
            expected(308, HttpsToHttp, AuthenticatedGet),
            Refused(Refusal::Downgrade)
        );
        assert_eq!(expected(307, OtherOriginAllowed, SignInPost), Success);
        assert_eq!(
            expected(302, OtherOriginAllowed, SignInPost),
            Refused(Refusal::MethodChange)
        );
        assert_eq!(
            expected(302, OtherOriginNotAllowed, AuthenticatedGet),
            Refused(Refusal::CrossOrigin)
        );
        assert_eq!(
            expected(308, MissingLocation, SignInPost),
            Refused(Refusal::MissingLocation)
        );
        assert_eq!(
            expected(303, Loop, AuthenticatedGet),
            Refused(Refusal::Loop)
        );
        assert_eq!(
            expected(307, ElevenHops, SignInPost),
            Refused(Refusal::TooManyHops)
        );
        let cells = STATUSES.len() * TARGETS.len() * 2;
        assert_eq!(cells, 80);
    }
}
