//! Test support: an in-memory fake Tableau behind `Transport::new`, and a global
//! TRACE-level log capture used to prove secrets never reach the logs.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use tsc_auth::AUTH_HEADER;
use tsc_transport::{Body, ResponseUri, Transport};

pub const SITE_LUID: &str = "6b7179ba-b82b-4f0f-91ed-812074ac5da6";
pub const USER_LUID: &str = "1a96d216-e9b8-497b-a82a-0b899a965e01";
pub const OTHER_SITE_LUID: &str = "0d6cb1a9-3b4c-44c5-a3d0-6cd1d2a9d2ee";

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn path(&self) -> &str {
        self.uri.path()
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn token(&self) -> Option<String> {
        self.headers
            .get(AUTH_HEADER)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

/// How the fake answers `serverinfo`.
#[derive(Clone, Debug)]
pub enum ServerInfoMode {
    Version(&'static str),
    NotFound404003,
    Html,
}

#[derive(Debug)]
pub struct FakeState {
    pub requests: Vec<Recorded>,
    pub sign_ins: usize,
    /// valid token → (site content url, site luid, user luid)
    pub tokens: HashMap<String, (String, String, String)>,
    pub next_token: usize,
    pub password: (String, String),
    pub pat: (String, String),
    pub raw_jwt: String,
    pub connected_app_secret: String,
    pub pat_expiry: Option<String>,
    pub server_info: ServerInfoMode,
    pub legacy_product: Option<&'static str>,
    /// When set, `serverinfo` and sign-in answers over http report an https `ResponseUri`
    /// (what the real transport does after a same-host http→https redirect).
    pub upgrade_to_https: bool,
    /// Answer sign-ins with 405000, as a server that saw a GET would.
    pub sign_in_as_get: bool,
    /// Held until this many requests with a dead token have arrived.
    pub dead_token_barrier: Option<Arc<tokio::sync::Barrier>>,
    pub minted_jwts: Vec<String>,
}

/// The in-memory Tableau.
#[derive(Clone)]
pub struct Fake {
    pub state: Arc<Mutex<FakeState>>,
}

impl Fake {
    pub fn new() -> Fake {
        Fake {
            state: Arc::new(Mutex::new(FakeState {
                requests: Vec::new(),
                sign_ins: 0,
                tokens: HashMap::new(),
                next_token: 0,
                password: ("alice".into(), "pw-4f1c9e7d-secret".into()),
                pat: ("nightly-job".into(), "pat-8a2b6c1d-secret".into()),
                raw_jwt: "eyJhbGciOiJIUzI1NiJ9.raw-jwt-77e1-secret.sig".into(),
                connected_app_secret: "ca-secret-value-19d3".into(),
                pat_expiry: None,
                server_info: ServerInfoMode::Version("3.24"),
                legacy_product: None,
                upgrade_to_https: false,
                sign_in_as_get: false,
                dead_token_barrier: None,
                minted_jwts: Vec::new(),
            })),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap()
    }

    pub fn transport(&self) -> Transport {
        let fake = self.clone();
        Transport::new(tower::service_fn(move |req: Request<Body>| {
            let fake = fake.clone();
            async move { Ok::<_, std::convert::Infallible>(fake.handle(req).await) }
        }))
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    pub fn sign_ins(&self) -> usize {
        self.lock().sign_ins
    }

    /// Every token stops working, as when sessions time out.
    pub fn expire_all_tokens(&self) {
        self.lock().tokens.clear();
    }

    pub fn live_tokens(&self) -> Vec<String> {
        self.lock().tokens.keys().cloned().collect()
    }

    async fn handle(&self, req: Request<Body>) -> Response<Body> {
        let (parts, body) = req.into_parts();
        let body = body.collect().await.unwrap_or_default();
        let recorded = Recorded {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
            body,
        };
        self.lock().requests.push(recorded.clone());
        let mut response = self.route(&recorded).await;
        let upgrade = self.lock().upgrade_to_https;
        if upgrade && parts.uri.scheme_str() == Some("http") {
            let https: Uri = format!(
                "https://{}{}",
                parts.uri.host().unwrap(),
                parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/")
            )
            .parse()
            .unwrap();
            response.extensions_mut().insert(ResponseUri(https));
        } else {
            response
                .extensions_mut()
                .insert(ResponseUri(parts.uri.clone()));
        }
        response
    }

    async fn route(&self, req: &Recorded) -> Response<Body> {
        let path = req.path().to_owned();
        if path == "/auth" {
            return match self.lock().legacy_product {
                Some(p) => xml(
                    200,
                    format!(
                        "<authinfo><version version=\"0.31\"><api_version>0.31</api_version><product_version>{p}</product_version></version></authinfo>"
                    ),
                ),
                None => html(404),
            };
        }
        let Some(rest) = path.strip_prefix("/api/") else {
            return html(404);
        };
        let Some((_version, route)) = rest.split_once('/') else {
            return html(404);
        };
        match (req.method.clone(), route) {
            (Method::GET, r) if r.eq_ignore_ascii_case("serverinfo") => {
                match self.lock().server_info.clone() {
                    ServerInfoMode::Version(v) => xml(
                        200,
                        format!(
                            "<tsResponse xmlns=\"http://tableau.com/api\"><serverInfo><productVersion build=\"20242.24.0719.1101\">2024.2.1</productVersion><restApiVersion>{v}</restApiVersion></serverInfo></tsResponse>"
                        ),
                    ),
                    ServerInfoMode::NotFound404003 => error(
                        404,
                        "404003",
                        "Resource Not Found",
                        "Unknown resource '/2.4/serverInfo' specified in URI.",
                    ),
                    ServerInfoMode::Html => html(503),
                }
            }
            (Method::POST, "auth/signin") => self.sign_in(req),
            (Method::GET, "auth/signin") => error(
                405,
                "405000",
                "Method Not Allowed",
                "The HTTP method 'GET' is not supported for the given resource",
            ),
            (Method::POST, "auth/signout") => {
                let mut state = self.lock();
                match req.token().and_then(|t| state.tokens.remove(&t)) {
                    Some(_) => empty(204),
                    None => error(
                        401,
                        "401002",
                        "Unauthorized Access",
                        "Invalid authentication credentials were provided.",
                    ),
                }
            }
            (Method::POST, "auth/switchSite") => self.switch_site(req),
            (_, r) if r.starts_with("sites/") => self.site_call(req, r).await,
            _ => html(404),
        }
    }

    fn new_token(state: &mut FakeState, site: &str, site_luid: &str, user: &str) -> String {
        state.next_token += 1;
        let token = format!(
            "session-token-{}-{}",
            state.next_token,
            uuid::Uuid::new_v4()
        );
        state
            .tokens
            .insert(token.clone(), (site.into(), site_luid.into(), user.into()));
        token
    }

    fn sign_in(&self, req: &Recorded) -> Response<Body> {
        let body = req.body_text();
        let mut state = self.lock();
        if state.sign_in_as_get {
            return error(
                405,
                "405000",
                "Method Not Allowed",
                "The HTTP method 'GET' is not supported for the given resource",
            );
        }
        let site = attr(&body, "contentUrl").unwrap_or_default();
        let ok = if let Some(name) = attr(&body, "personalAccessTokenName") {
            Some(name) == Some(state.pat.0.clone())
                && attr(&body, "personalAccessTokenSecret") == Some(state.pat.1.clone())
        } else if let Some(jwt) = attr(&body, "jwt") {
            if jwt == state.raw_jwt {
                true
            } else {
                state.minted_jwts.push(jwt.clone());
                verify_jwt(&jwt, &state.connected_app_secret)
            }
        } else {
            attr(&body, "name") == Some(state.password.0.clone())
                && attr(&body, "password") == Some(state.password.1.clone())
        };
        if !ok {
            return error(
                401,
                "401001",
                "Signin Error",
                "Error signing in to Tableau Server",
            );
        }
        state.sign_ins += 1;
        // `<user id=...>` inside credentials: impersonation.
        let user = body
            .split("<user")
            .nth(1)
            .and_then(|rest| attr(rest, "id"))
            .unwrap_or_else(|| USER_LUID.to_owned());
        let site_luid = if site.is_empty() {
            SITE_LUID
        } else {
            OTHER_SITE_LUID
        };
        let token = Self::new_token(&mut state, &site, site_luid, &user);
        let expiry = match &state.pat_expiry {
            Some(e) if body.contains("personalAccessTokenName") => {
                format!(" estimatedTimeToExpiration=\"{e}\"")
            }
            _ => String::new(),
        };
        xml(
            200,
            format!(
                "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"http://tableau.com/api\"><credentials token=\"{token}\"{expiry}><site id=\"{site_luid}\" contentUrl=\"{site}\"/><user id=\"{user}\"/></credentials></tsResponse>"
            ),
        )
    }

    fn switch_site(&self, req: &Recorded) -> Response<Body> {
        let mut state = self.lock();
        let Some(current) = req.token().and_then(|t| state.tokens.get(&t).cloned()) else {
            return error(
                401,
                "401002",
                "Unauthorized Access",
                "Invalid authentication credentials were provided.",
            );
        };
        let target = attr(&req.body_text(), "contentUrl").unwrap_or_default();
        if target == current.0 {
            return error(403, "403070", "Forbidden", "Already signed in to that site");
        }
        if let Some(old) = req.token() {
            state.tokens.remove(&old);
        }
        let site_luid = if target.is_empty() {
            SITE_LUID
        } else {
            OTHER_SITE_LUID
        };
        let token = Self::new_token(&mut state, &target, site_luid, &current.2);
        xml(
            200,
            format!(
                "<tsResponse xmlns=\"http://tableau.com/api\"><credentials token=\"{token}\"><site id=\"{site_luid}\" contentUrl=\"{target}\"/><user id=\"{}\"/></credentials></tsResponse>",
                current.2
            ),
        )
    }

    async fn site_call(&self, req: &Recorded, route: &str) -> Response<Body> {
        let (valid, barrier) = {
            let state = self.lock();
            let valid = req.token().is_some_and(|t| state.tokens.contains_key(&t));
            (valid, state.dead_token_barrier.clone())
        };
        if !valid {
            if req.token().is_none() {
                return error(
                    401,
                    "401000",
                    "Unauthorized Access",
                    "No authentication credentials were provided",
                );
            }
            if let Some(barrier) = barrier {
                barrier.wait().await;
            }
            return error(
                401,
                "401002",
                "Unauthorized Access",
                "Invalid authentication credentials were provided.",
            );
        }
        xml(
            200,
            format!(
                "<tsResponse><ok route=\"{route}\" bodyLength=\"{}\"/></tsResponse>",
                req.body.len()
            ),
        )
    }
}

/// The value of `name="..."` in `text` (attributes are never escaped in these tests).
pub fn attr(text: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = text.find(&needle)? + needle.len();
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_owned())
}

fn verify_jwt(jwt: &str, secret: &str) -> bool {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["tableau"]);
    let Ok(key) = jsonwebtoken::DecodingKey::from_secret(secret.as_bytes()) else {
        return false;
    };
    jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &validation).is_ok()
}

pub fn xml(status: u16, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/xml;charset=utf-8")
        .body(Body::from(body))
        .unwrap()
}

pub fn error(status: u16, code: &str, summary: &str, detail: &str) -> Response<Body> {
    xml(
        status,
        format!(
            "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"http://tableau.com/api\"><error code=\"{code}\"><summary>{summary}</summary><detail>{detail}</detail></error></tsResponse>"
        ),
    )
}

pub fn html(status: u16) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "text/html")
        .body(Body::from("<html><body>Down for maintenance</body></html>"))
        .unwrap()
}

pub fn empty(status: u16) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .body(Body::empty())
        .unwrap()
}

// ---- log capture ---------------------------------------------------------------

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOGS: OnceLock<Sink> = OnceLock::new();

/// Installs (once per test binary) a global TRACE subscriber writing to memory.
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber per binary");
        sink
    });
}

/// Everything logged so far in this test binary.
pub fn logs() -> String {
    let sink = LOGS.get().expect("capture_logs() first");
    String::from_utf8_lossy(&sink.0.lock().unwrap()).into_owned()
}

/// Fails if `secret` appears in the captured logs or in any of `texts`.
pub fn assert_secret_absent(secret: &str, texts: &[String]) {
    assert!(!secret.is_empty());
    assert!(
        !logs().contains(secret),
        "secret {secret:?} appeared in the TRACE logs"
    );
    for text in texts {
        assert!(
            !text.contains(secret),
            "secret {secret:?} appeared in {text:?}"
        );
    }
}
