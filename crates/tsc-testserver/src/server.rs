//! The emulator itself: shared state, request handling and the in-memory tower service.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use secrecy::ExposeSecret;

use crate::body::{BoxError, TestBody};
use crate::config::{Config, Mode, SessionExpiry, UatSettings};
use crate::control::{Clock, Counters, Fault, FaultInjector, SignInCounts, lock_mutex};
use crate::data::{DataSet, SiteData, UserData, WorkbookData, secret_eq};
use crate::jwt::{self, JtiStore, UatKey};
use crate::parse::{self, Credentials};
use crate::routes::{ApiVersion, Matched, Route, classify};
use crate::xml::{Doc, El};

/// The header carrying the session token (matched case-insensitively).
pub const AUTH_HEADER: &str = "x-tableau-auth";
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// How a session was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInKind {
    /// Username and password.
    Password,
    /// Personal access token.
    Pat,
    /// Connected-app JWT.
    Jwt,
    /// Unified Access Token.
    Uat,
}

/// A live session as tests may inspect it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// Site LUID.
    pub site_id: String,
    /// User LUID (the impersonated user when impersonating).
    pub user_id: String,
    /// How it was obtained.
    pub kind: SignInKind,
    /// The PAT name, for PAT sessions.
    pub pat: Option<String>,
}

#[derive(Clone, Debug)]
struct Session {
    site_id: String,
    user_id: String,
    created: Instant,
    last_used: Instant,
    kind: SignInKind,
    pat: Option<String>,
}

struct PatState {
    created: Instant,
    last_used: Instant,
    revoked: bool,
    /// The token of the one live session this PAT may have.
    session: Option<String>,
}

#[derive(Default)]
struct State {
    sessions: HashMap<String, Session>,
    pats: HashMap<String, PatState>,
    jtis: JtiStore,
    sign_ins: SignInCounts,
    requests: BTreeMap<String, u64>,
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) version: ApiVersion,
    pub(crate) data: DataSet,
    pub(crate) clock: Clock,
    pub(crate) faults: FaultInjector,
    pub(crate) uat_key: Option<&'static UatKey>,
    state: Mutex<State>,
}

/// An emulated Tableau Server / Tableau Cloud. Cheap to clone; clones share state.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use tower::ServiceExt;
/// use tsc_testserver::{Config, TestServer};
/// let server = TestServer::new(Config::server().workbooks_per_site(3));
/// let response = server
///     .service()
///     .oneshot(http::Request::get("/api/3.27/serverinfo").body(String::new()).unwrap())
///     .await
///     .unwrap();
/// assert_eq!(response.status(), 200);
/// # });
/// ```
#[derive(Clone)]
pub struct TestServer {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("mode", &self.inner.config.mode)
            .field("api_version", &self.inner.version)
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// Builds an emulator. An invalid configuration value is replaced by its default with a
    /// warning; use [`TestServer::try_new`] to get an error instead.
    pub fn new(config: Config) -> Self {
        match TestServer::try_new(config.clone()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "invalid tsc-testserver configuration; using defaults");
                let (fallback, key) = match config.mode {
                    Mode::Server => (Config::server(), None),
                    Mode::Cloud => (Config::cloud(), UatKey::shared().ok()),
                };
                TestServer::build(fallback, key)
            }
        }
    }

    /// Builds an emulator after [`Config::validate`]; in cloud mode also generates the UAT key.
    pub fn try_new(config: Config) -> Result<Self, crate::Error> {
        config.validate()?;
        let key = match config.mode {
            Mode::Cloud => Some(UatKey::shared()?),
            Mode::Server => None,
        };
        Ok(TestServer::build(config, key))
    }

    fn build(config: Config, uat_key: Option<&'static UatKey>) -> Self {
        let version = ApiVersion::parse(&config.api_version).unwrap_or(ApiVersion::new(3, 27));
        let data = config
            .data
            .clone()
            .unwrap_or_else(|| DataSet::default_data(config.workbooks_per_site));
        let clock = Clock::default();
        let now = clock.now();
        let mut state = State::default();
        for pat in &data.personal_access_tokens {
            state.pats.insert(
                pat.name.clone(),
                PatState {
                    created: now,
                    last_used: now,
                    revoked: false,
                    session: None,
                },
            );
        }
        TestServer {
            inner: Arc::new(Inner {
                config,
                version,
                data,
                clock,
                faults: FaultInjector::default(),
                uat_key,
                state: Mutex::new(state),
            }),
        }
    }

    /// The in-memory tower service (no sockets). Routes on the path only.
    pub fn service(&self) -> TestService {
        TestService {
            inner: self.inner.clone(),
        }
    }

    /// The content served (sites, users, PATs, connected apps, workbooks).
    pub fn data(&self) -> &DataSet {
        &self.inner.data
    }

    /// The users (shortcut for `data().users`).
    pub fn users(&self) -> &[UserData] {
        &self.inner.data.users
    }

    /// The sites (shortcut for `data().sites`).
    pub fn sites(&self) -> &[SiteData] {
        &self.inner.data.sites
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Server or cloud.
    pub fn mode(&self) -> Mode {
        self.inner.config.mode
    }

    /// The highest API version served.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.version
    }

    /// LUID of the site with this content URL.
    pub fn site_id(&self, content_url: &str) -> Option<&str> {
        self.inner
            .data
            .site_by_content_url(content_url)
            .map(|s| s.id.as_str())
    }

    /// LUID of the user with this name.
    pub fn user_id(&self, name: &str) -> Option<&str> {
        self.inner.data.user(name).map(|u| u.id.as_str())
    }

    /// UAT settings and key (cloud mode only).
    pub fn uat(&self) -> Option<(&UatSettings, &UatKey)> {
        self.inner.uat_key.map(|k| (&self.inner.config.uat, k))
    }

    /// A connected-app JWT for `sub`, signed with the first connected app's secret.
    pub fn connected_app_jwt(&self, sub: &str, scopes: &[&str]) -> Option<String> {
        self.inner
            .data
            .connected_apps
            .first()
            .map(|app| jwt::mint_connected_app_jwt(app, sub, scopes))
    }

    /// A UAT for `username` (cloud mode only).
    pub fn uat_jwt(&self, username: &str, scopes: &[&str]) -> Option<String> {
        self.uat()
            .map(|(settings, key)| jwt::mint_uat_jwt(settings, key, username, scopes))
    }

    /// What the emulator has seen so far.
    pub fn counters(&self) -> Counters {
        let now = self.inner.clock.now();
        let state = lock_mutex(&self.inner.state);
        Counters {
            sign_ins: state.sign_ins.clone(),
            requests: state.requests.clone(),
            active_sessions: state
                .sessions
                .values()
                .filter(|s| !self.inner.expired(s, now))
                .count(),
        }
    }

    /// The live sessions (tokens are not exposed).
    pub fn sessions(&self) -> Vec<SessionInfo> {
        let now = self.inner.clock.now();
        let state = lock_mutex(&self.inner.state);
        state
            .sessions
            .values()
            .filter(|s| !self.inner.expired(s, now))
            .map(|s| SessionInfo {
                site_id: s.site_id.clone(),
                user_id: s.user_id.clone(),
                kind: s.kind,
                pat: s.pat.clone(),
            })
            .collect()
    }

    /// Fault injection switches.
    pub fn faults(&self) -> &FaultInjector {
        &self.inner.faults
    }

    /// The emulator's clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Moves the emulator's time forward (sessions, PATs and JWT checks all follow it).
    pub fn advance(&self, by: Duration) {
        self.inner.clock.advance(by);
    }

    /// Revokes a personal access token: later sign-ins with it fail (`401001`) and its live
    /// session, if any, ends. Returns false for an unknown name.
    pub fn revoke_pat(&self, name: &str) -> bool {
        let mut state = lock_mutex(&self.inner.state);
        let Some(p) = state.pats.get_mut(name) else {
            return false;
        };
        p.revoked = true;
        if let Some(token) = p.session.take() {
            state.sessions.remove(&token);
        }
        true
    }

    /// Ends every session at once: later calls with their tokens get 401 `401002`.
    pub fn expire_all_sessions(&self) {
        let mut state = lock_mutex(&self.inner.state);
        state.sessions.clear();
        for p in state.pats.values_mut() {
            p.session = None;
        }
    }

    /// Answers one request (what both the in-memory service and the listeners call).
    pub(crate) async fn handle(
        &self,
        parts: http::request::Parts,
        body: Bytes,
    ) -> Response<TestBody> {
        self.inner.handle(parts, body).await
    }

    pub(crate) fn count(&self, route: Route) {
        self.inner.count(route);
    }
}

/// The in-memory tower service of a [`TestServer`].
#[derive(Clone)]
pub struct TestService {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TestService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestService").finish_non_exhaustive()
    }
}

impl<B> tower_service::Service<Request<B>> for TestService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<TestBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<TestBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let inner = self.inner.clone();
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let bytes = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
                Ok(c) => c.to_bytes(),
                Err(_) => {
                    let json = wants_json(&parts.headers);
                    return Ok(inner
                        .error(
                            ApiError::bad_request("request body unreadable or too large"),
                            json,
                        )
                        .into_response());
                }
            };
            Ok(inner.handle(parts, bytes).await)
        })
    }
}

/// A response before fault post-processing.
pub(crate) struct Reply {
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
    headers: Vec<(http::HeaderName, HeaderValue)>,
}

const XML_TYPE: &str = "application/xml;charset=utf-8";
const JSON_TYPE: &str = "application/json;charset=utf-8";

impl Reply {
    fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            content_type: "",
            body: Bytes::new(),
            headers: Vec::new(),
        }
    }

    fn raw(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            content_type,
            body: body.into(),
            headers: Vec::new(),
        }
    }

    pub(crate) fn into_response(self) -> Response<TestBody> {
        let body = self.body.clone();
        self.build(TestBody::full(body))
    }

    fn build(self, body: TestBody) -> Response<TestBody> {
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        if !self.content_type.is_empty() {
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        }
        for (k, v) in self.headers {
            response.headers_mut().insert(k, v);
        }
        response
    }
}

/// A Tableau error: HTTP status, six-digit code, summary, detail.
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    summary: &'static str,
    detail: String,
}

impl ApiError {
    fn new(
        status: u16,
        code: &'static str,
        summary: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            summary,
            detail: detail.into(),
        }
    }

    pub(crate) fn bad_request(detail: &str) -> Self {
        ApiError::new(
            400,
            "400000",
            "Bad Request",
            format!("Payload is either malformed or incomplete ({detail})"),
        )
    }

    fn sign_in_failed() -> Self {
        ApiError::new(
            401,
            "401001",
            "Signin Error",
            "Error signing in to Tableau Server",
        )
    }

    fn no_credentials() -> Self {
        ApiError::new(
            401,
            "401000",
            "Unauthorized Access",
            "No authentication credentials were provided",
        )
    }

    fn invalid_credentials() -> Self {
        ApiError::new(
            401,
            "401002",
            "Unauthorized Access",
            "Invalid authentication credentials were provided.",
        )
    }

    fn unknown_resource(resource: &str) -> Self {
        ApiError::new(
            404,
            "404003",
            "Resource Not Found",
            format!("Unknown resource '{resource}' specified in URI."),
        )
    }

    fn method_not_allowed(method: &Method) -> Self {
        ApiError::new(
            405,
            "405000",
            "Method Not Allowed",
            format!("The HTTP method '{method}' is not supported for the given resource"),
        )
    }

    /// Our choice for permission failures whose real code is unconfirmed.
    fn forbidden(detail: impl Into<String>) -> Self {
        ApiError::new(403, "403000", "Forbidden", detail)
    }

    fn doc(&self) -> Doc {
        Doc::new([El::new("error")
            .attr("code", self.code)
            .child(El::new("summary").text(self.summary))
            .child(El::new("detail").text(self.detail.clone()))])
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("application/json"))
}

fn sends_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"))
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn query_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// `D:HH:MM` (days unpadded, hours and minutes two digits): third-party parsers read the
/// observed `"173:21:12"` as days:hours:minutes, and the PAT's remaining life fits that.
pub(crate) fn format_expiration(remaining: Duration) -> String {
    let mins = remaining.as_secs() / 60;
    format!("{}:{:02}:{:02}", mins / 1440, (mins / 60) % 24, mins % 60)
}

struct Ctx<'a> {
    parts: &'a http::request::Parts,
    matched: &'a Matched,
    json: bool,
    query: Vec<(String, String)>,
}

type Outcome = Result<Reply, ApiError>;

impl Inner {
    fn count(&self, route: Route) {
        let mut state = lock_mutex(&self.state);
        *state.requests.entry(route.name().to_owned()).or_insert(0) += 1;
    }

    fn expired(&self, s: &Session, now: Instant) -> bool {
        let since = match self.config.session_expiry {
            SessionExpiry::Idle => s.last_used,
            SessionExpiry::Absolute => s.created,
        };
        now.saturating_duration_since(since) >= self.config.session_ttl
    }

    fn schema_version(&self) -> String {
        self.version.to_string()
    }

    fn doc_reply(&self, status: StatusCode, doc: Doc, json: bool) -> Reply {
        if json {
            Reply::raw(status, JSON_TYPE, doc.to_json())
        } else {
            Reply::raw(status, XML_TYPE, doc.to_xml(&self.schema_version()))
        }
    }

    fn error(&self, e: ApiError, json: bool) -> Reply {
        tracing::debug!(
            code = e.code,
            status = e.status.as_u16(),
            "tsc-testserver error reply"
        );
        self.doc_reply(e.status, e.doc(), json)
    }

    async fn handle(&self, parts: http::request::Parts, body: Bytes) -> Response<TestBody> {
        let matched = classify(parts.uri.path());
        let route = match matched.route {
            Route::LegacyAuthInfo if !self.config.legacy_auth_endpoint => Route::Unknown,
            r => r,
        };
        self.count(route);
        let json = wants_json(&parts.headers);
        let mut post = None;
        if let Some(fault) = self.faults.take(route) {
            tracing::debug!(route = route.name(), ?fault, "injecting fault");
            match fault {
                Fault::Delay(d) => tokio::time::sleep(d).await,
                Fault::DropMidBody | Fault::TruncatedXml => post = Some(fault),
                other => return self.fault_reply(other).into_response(),
            }
        }
        let ctx = Ctx {
            parts: &parts,
            matched: &matched,
            json,
            query: query_pairs(parts.uri.query()),
        };
        let reply = match self.dispatch(route, &ctx, &body) {
            Ok(r) => r,
            Err(e) => self.error(e, json),
        };
        match post {
            Some(Fault::DropMidBody) => {
                let full = reply.body.len();
                let half = reply.body.slice(..full / 2);
                let mut reply = reply;
                reply
                    .headers
                    .push((CONTENT_LENGTH, HeaderValue::from(full)));
                reply.build(TestBody::failing_after(half))
            }
            Some(Fault::TruncatedXml) => {
                let half = reply.body.slice(..reply.body.len() / 2);
                reply.build(TestBody::full(half))
            }
            _ => reply.into_response(),
        }
    }

    fn fault_reply(&self, fault: Fault) -> Reply {
        match fault {
            Fault::Html503 => Reply::raw(
                StatusCode::SERVICE_UNAVAILABLE,
                "text/html;charset=utf-8",
                "<!DOCTYPE html>\n<html><head><title>Tableau Server is unavailable</title></head>\
                 <body><h1>503 Service Unavailable</h1><p>Tableau Server is undergoing maintenance. \
                 Try again later.</p></body></html>\n",
            ),
            Fault::PlainText500 => Reply::raw(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain;charset=utf-8",
                "Internal Server Error\n",
            ),
            Fault::TooManyRequests { retry_after_secs } => {
                let mut r = self.error(
                    ApiError::new(
                        429,
                        "429000",
                        "Too Many Requests",
                        format!("Rate limit exceeded; retry after {retry_after_secs} seconds."),
                    ),
                    false,
                );
                r.headers
                    .push((RETRY_AFTER, HeaderValue::from(retry_after_secs)));
                r
            }
            Fault::Oversized(n) => {
                let head = Doc::new([]).to_xml(&self.schema_version());
                let (open, close) = head.split_at(head.find("</tsResponse>").unwrap_or(head.len()));
                let mut s = String::with_capacity(n.max(head.len()) + 16);
                s.push_str(open);
                s.push_str("<!--");
                let pad = n.saturating_sub(head.len() + 7);
                s.extend(std::iter::repeat_n('x', pad));
                s.push_str("-->");
                s.push_str(close);
                Reply::raw(StatusCode::OK, XML_TYPE, s)
            }
            Fault::Redirect { status, location } => {
                let mut r = Reply::raw(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::MOVED_PERMANENTLY),
                    "text/html;charset=utf-8",
                    "<html><body>Moved</body></html>\n",
                );
                if let Some(v) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                    r.headers.push((http::header::LOCATION, v));
                }
                r
            }
            // Handled by the caller; answer plainly if ever reached.
            Fault::Delay(_) | Fault::DropMidBody | Fault::TruncatedXml => {
                Reply::empty(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    fn dispatch(&self, route: Route, ctx: &Ctx<'_>, body: &Bytes) -> Outcome {
        let method = &ctx.parts.method;
        match route {
            Route::Unknown | Route::HttpRedirect => {
                return Err(ApiError::unknown_resource(&ctx.matched.resource));
            }
            Route::LegacyAuthInfo => {
                if *method != Method::GET {
                    return Err(ApiError::method_not_allowed(method));
                }
                return Ok(self.legacy_auth_info());
            }
            _ => {}
        }
        let version = match ctx.matched.version {
            Some(v) if v <= self.version && v >= route.floor() => v,
            _ => {
                return Err(ApiError::unknown_resource(&ctx.matched.resource));
            }
        };
        let _ = version;
        if method.as_str() != route.method() {
            return Err(ApiError::method_not_allowed(method));
        }
        match route {
            Route::SignIn => self.sign_in(ctx, body),
            Route::SignOut => self.sign_out(ctx),
            Route::SwitchSite => self.switch_site(ctx, body),
            Route::ServerInfo => Ok(self.server_info(ctx)),
            Route::SessionsCurrent => self.sessions_current(ctx),
            Route::Sites => self.list_sites(ctx),
            Route::Site => self.get_site(ctx),
            Route::Workbooks => self.list_workbooks(ctx),
            Route::Workbook => self.get_workbook(ctx),
            Route::Unknown | Route::HttpRedirect | Route::LegacyAuthInfo => {
                Err(ApiError::unknown_resource(&ctx.matched.resource))
            }
        }
    }

    fn legacy_auth_info(&self) -> Reply {
        let body = format!(
            "<authinfo>\n<version version=\"0.31\">\n<api_version>0.31</api_version>\n\
             <server_api_version>0.31</server_api_version>\n<document_version>9.2</document_version>\n\
             <product_version>{pv}</product_version>\n<external_version>{pv}</external_version>\n\
             <build>{b}</build>\n<publishing_method>unrestricted</publishing_method>\n\
             <mobile_api_version>2.6</mobile_api_version>\n</version>\n</authinfo>\n",
            pv = self.config.product_version,
            b = self.config.build
        );
        Reply::raw(StatusCode::OK, XML_TYPE, body)
    }

    fn server_info(&self, ctx: &Ctx<'_>) -> Reply {
        let doc = Doc::new([El::new("serverInfo")
            .child(
                El::new("productVersion")
                    .attr("build", self.config.build.clone())
                    .text(self.config.product_version.clone()),
            )
            .child(El::new("restApiVersion").text(self.version.to_string()))
            .child(El::new("platform").text("linux"))]);
        self.doc_reply(StatusCode::OK, doc, ctx.json)
    }

    fn new_token(&self, site_id: &str) -> String {
        let a = uuid::Uuid::new_v4().simple().to_string();
        match self.config.mode {
            Mode::Server => a,
            // Tableau Cloud tokens seen in the wild: three pipe-separated parts, the last the
            // site LUID. Clients must treat the token as opaque; this shape checks they do.
            Mode::Cloud => {
                let b = uuid::Uuid::new_v4().simple().to_string();
                format!("{}|{}|{}", &a[..22], b, site_id)
            }
        }
    }

    fn member(user: &UserData, site: &SiteData) -> bool {
        user.sites
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&site.content_url))
    }

    fn credentials_reply(
        &self,
        token: &str,
        site: &SiteData,
        user_id: &str,
        expiration: Option<String>,
        json: bool,
    ) -> Reply {
        let mut creds = El::new("credentials").attr("token", token);
        if let Some(e) = expiration {
            creds = creds.attr("estimatedTimeToExpiration", e);
        }
        let creds = creds
            .child(
                El::new("site")
                    .attr("id", site.id.clone())
                    .attr("contentUrl", site.content_url.clone()),
            )
            .child(El::new("user").attr("id", user_id));
        self.doc_reply(StatusCode::OK, Doc::new([creds]), json)
    }

    fn sign_in(&self, ctx: &Ctx<'_>, body: &Bytes) -> Outcome {
        let request = parse::parse_sign_in(body, sends_json(&ctx.parts.headers))
            .map_err(|m| ApiError::bad_request(m.0))?;
        let result = self.sign_in_checked(request);
        let mut state = lock_mutex(&self.state);
        match result {
            Err(e) => {
                state.sign_ins.failed += 1;
                Err(e)
            }
            Ok(granted) => {
                let now = self.clock.now();
                let token = self.new_token(&granted.site.id);
                let mut expiration = None;
                if let Some(pat_name) = &granted.pat {
                    let abs = self.config.pat_absolute_lifetime;
                    if let Some(p) = state.pats.get_mut(pat_name) {
                        p.last_used = now;
                        let old = p.session.replace(token.clone());
                        let remaining = (p.created + abs).saturating_duration_since(now);
                        expiration = Some(format_expiration(remaining));
                        if let Some(old) = old {
                            // One live session per PAT: the earlier one ends here.
                            state.sessions.remove(&old);
                        }
                    }
                }
                state.sessions.insert(
                    token.clone(),
                    Session {
                        site_id: granted.site.id.clone(),
                        user_id: granted.user_id.clone(),
                        created: now,
                        last_used: now,
                        kind: granted.kind,
                        pat: granted.pat.clone(),
                    },
                );
                let c = &mut state.sign_ins;
                match granted.kind {
                    SignInKind::Password => c.password += 1,
                    SignInKind::Pat => c.pat += 1,
                    SignInKind::Jwt => c.jwt += 1,
                    SignInKind::Uat => c.uat += 1,
                }
                if granted.impersonated {
                    c.impersonated += 1;
                }
                drop(state);
                Ok(self.credentials_reply(
                    &token,
                    granted.site,
                    &granted.user_id,
                    expiration,
                    ctx.json,
                ))
            }
        }
    }

    fn sign_in_checked(&self, request: parse::SignInRequest) -> Result<Granted<'_>, ApiError> {
        let fail = ApiError::sign_in_failed;
        let cloud = self.config.mode == Mode::Cloud;
        if cloud && request.site.is_empty() {
            // Tableau Cloud has no Default site: a site is always required.
            return Err(fail());
        }
        let site = self
            .data
            .site_by_content_url(&request.site)
            .ok_or_else(fail)?;
        let now = self.clock.now();
        let (user, kind, pat) = match &request.credentials {
            Credentials::Password { name, password } => {
                let user = self
                    .data
                    .user(name)
                    .filter(|u| secret_eq(&u.password, password.expose_secret()))
                    .ok_or_else(fail)?;
                if cloud && user.mfa {
                    return Err(fail());
                }
                (user, SignInKind::Password, None)
            }
            Credentials::Pat { name, secret } => {
                let pat = self
                    .data
                    .personal_access_tokens
                    .iter()
                    .find(|p| &p.name == name && secret_eq(&p.secret, secret.expose_secret()))
                    .ok_or_else(fail)?;
                {
                    let state = lock_mutex(&self.state);
                    let p = state.pats.get(&pat.name).ok_or_else(fail)?;
                    if p.revoked
                        || now.saturating_duration_since(p.created)
                            >= self.config.pat_absolute_lifetime
                        || now.saturating_duration_since(p.last_used)
                            >= self.config.pat_inactivity_limit
                    {
                        return Err(fail());
                    }
                }
                let user = self.data.user(&pat.user).ok_or_else(fail)?;
                (user, SignInKind::Pat, Some(pat.name.clone()))
            }
            Credentials::Jwt { token, is_uat } => {
                let unix = self.clock.unix_now();
                let max = self.config.max_jwt_lifetime;
                let mut state = lock_mutex(&self.state);
                let verified = if *is_uat {
                    match (self.uat_key, cloud) {
                        (Some(key), true) => jwt::verify_uat(
                            token.expose_secret(),
                            &self.config.uat,
                            key,
                            unix,
                            max,
                            &mut state.jtis,
                        ),
                        _ => Err("UAT sign-in is only available in cloud mode"),
                    }
                } else {
                    jwt::verify_connected_app(
                        token.expose_secret(),
                        &self.data.connected_apps,
                        unix,
                        max,
                        &mut state.jtis,
                    )
                };
                drop(state);
                let verified = verified.map_err(|why| {
                    tracing::debug!(reason = why, "JWT sign-in refused");
                    fail()
                })?;
                let user = self
                    .data
                    .user_by_subject(&verified.username)
                    .ok_or_else(fail)?;
                let kind = if *is_uat {
                    SignInKind::Uat
                } else {
                    SignInKind::Jwt
                };
                (user, kind, None)
            }
        };
        if !Self::member(user, site) {
            return Err(fail());
        }
        let mut user_id = user.id.clone();
        let mut impersonated = false;
        if let Some(target) = &request.impersonate {
            if cloud {
                return Err(ApiError::forbidden(
                    "Impersonation is not available on Tableau Cloud",
                ));
            }
            if matches!(kind, SignInKind::Jwt | SignInKind::Uat) {
                return Err(ApiError::forbidden(
                    "Impersonation is not available with JWT sign-in; use the JWT sub claim",
                ));
            }
            if !user.server_admin {
                return Err(ApiError::forbidden(
                    "Only server administrators can impersonate other users",
                ));
            }
            let target = self.data.user_by_id(target).ok_or_else(fail)?;
            if !Self::member(target, site) {
                return Err(fail());
            }
            user_id = target.id.clone();
            impersonated = true;
        }
        Ok(Granted {
            site,
            user_id,
            kind,
            pat,
            impersonated,
        })
    }

    /// The session for the request's token, refreshed (idle expiry), or the 401 to send.
    fn authenticate(&self, ctx: &Ctx<'_>) -> Result<(String, Session), ApiError> {
        let token = ctx
            .parts
            .headers
            .get(AUTH_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::no_credentials)?;
        let now = self.clock.now();
        let mut state = lock_mutex(&self.state);
        let session = state
            .sessions
            .get(token)
            .cloned()
            .ok_or_else(ApiError::invalid_credentials)?;
        if self.expired(&session, now) {
            state.sessions.remove(token);
            return Err(ApiError::invalid_credentials());
        }
        if let Some(s) = state.sessions.get_mut(token) {
            s.last_used = now;
        }
        Ok((token.to_owned(), session))
    }

    fn sign_out(&self, ctx: &Ctx<'_>) -> Outcome {
        let (token, session) = self.authenticate(ctx)?;
        let mut state = lock_mutex(&self.state);
        state.sessions.remove(&token);
        if let Some(p) = session.pat.and_then(|name| state.pats.get_mut(&name))
            && p.session.as_deref() == Some(token.as_str())
        {
            p.session = None;
        }
        Ok(Reply::empty(StatusCode::NO_CONTENT))
    }

    fn switch_site(&self, ctx: &Ctx<'_>, body: &Bytes) -> Outcome {
        let (token, session) = self.authenticate(ctx)?;
        if self.config.mode == Mode::Cloud {
            return Err(ApiError::forbidden(
                "Switch site is not available on Tableau Cloud",
            ));
        }
        let target = parse::parse_switch_site(body, sends_json(&ctx.parts.headers))
            .map_err(|m| ApiError::bad_request(m.0))?;
        let user = self.data.user_by_id(&session.user_id);
        let site = self
            .data
            .site_by_content_url(&target)
            .filter(|s| user.is_some_and(|u| Self::member(u, s)))
            .ok_or_else(|| {
                // 401003 is the code most often associated with switch-site failures (unconfirmed).
                ApiError::new(401, "401003", "Switch Site Error", format!("Error switching to site '{target}': the site does not exist or you are not a member."))
            })?;
        if site.id == session.site_id {
            return Err(ApiError::new(
                403,
                "403070",
                "Forbidden",
                "Cannot switch to the site you are already signed in to.",
            ));
        }
        let now = self.clock.now();
        let new_token = self.new_token(&site.id);
        let mut state = lock_mutex(&self.state);
        state.sessions.remove(&token);
        if let Some(p) = session
            .pat
            .as_ref()
            .and_then(|name| state.pats.get_mut(name))
        {
            p.session = Some(new_token.clone());
        }
        state.sessions.insert(
            new_token.clone(),
            Session {
                site_id: site.id.clone(),
                created: now,
                last_used: now,
                ..session.clone()
            },
        );
        state.sign_ins.switch_site += 1;
        drop(state);
        Ok(self.credentials_reply(&new_token, site, &session.user_id, None, ctx.json))
    }

    fn sessions_current(&self, ctx: &Ctx<'_>) -> Outcome {
        let (_, session) = self.authenticate(ctx)?;
        let site = self.data.site_by_id(&session.site_id);
        let user = self.data.user_by_id(&session.user_id);
        let mut s = El::new("session");
        if let Some(site) = site {
            s = s.child(site_element(site));
        }
        if let Some(user) = user {
            s = s.child(
                El::new("user")
                    .attr("id", user.id.clone())
                    .attr("name", user.name.clone())
                    .attr("siteRole", user.site_role.clone()),
            );
        }
        Ok(self.doc_reply(StatusCode::OK, Doc::new([s]), ctx.json))
    }

    fn page(&self, ctx: &Ctx<'_>) -> Result<(usize, usize), ApiError> {
        let parse = |key: &str, default: usize| -> Result<usize, ApiError> {
            match query_get(&ctx.query, key) {
                None => Ok(default),
                Some(v) => v.trim().parse::<usize>().map_err(|_| {
                    ApiError::new(
                        400,
                        "400006",
                        "Bad Request",
                        format!("The {key} parameter '{v}' is not a positive integer."),
                    )
                }),
            }
        };
        let size = parse("pageSize", 100)?;
        let number = parse("pageNumber", 1)?;
        // Range rule documented (1..=1000); the exact code is unconfirmed (400006 is our choice).
        if !(1..=1000).contains(&size) {
            return Err(ApiError::new(
                400,
                "400006",
                "Bad Request",
                format!("The page size {size} is outside the allowed range 1-1000."),
            ));
        }
        if number < 1 {
            return Err(ApiError::new(
                400,
                "400006",
                "Bad Request",
                "The page number must be at least 1.",
            ));
        }
        Ok((size, number))
    }

    /// One page of `items`; only the page's items are rendered, so a page costs the same
    /// whatever the size of the list (walking a 100k-workbook site stays linear).
    fn paginated<T>(
        &self,
        ctx: &Ctx<'_>,
        list: &'static str,
        items: &[T],
        render: impl Fn(&T) -> El,
    ) -> Outcome {
        let (size, number) = self.page(ctx)?;
        let total = items.len();
        let start = size.saturating_mul(number - 1).min(total);
        let end = start.saturating_add(size).min(total);
        let page: Vec<El> = items[start..end].iter().map(render).collect();
        let doc = Doc::new([
            El::new("pagination")
                .attr("pageNumber", number.to_string())
                .attr("pageSize", size.to_string())
                .attr("totalAvailable", total.to_string()),
            El::list(list).children(page),
        ]);
        Ok(self.doc_reply(StatusCode::OK, doc, ctx.json))
    }

    fn list_sites(&self, ctx: &Ctx<'_>) -> Outcome {
        let (_, session) = self.authenticate(ctx)?;
        let user = self.data.user_by_id(&session.user_id);
        let visible: Vec<&SiteData> = self
            .data
            .sites
            .iter()
            .filter(|s| match self.config.mode {
                // Tableau Cloud: only your own site.
                Mode::Cloud => s.id == session.site_id,
                // Tableau Server: admins see all, others their memberships.
                Mode::Server => user.is_some_and(|u| u.server_admin || Self::member(u, s)),
            })
            .collect();
        self.paginated(ctx, "sites", &visible, |s| site_element(s))
    }

    fn get_site(&self, ctx: &Ctx<'_>) -> Outcome {
        let (_, session) = self.authenticate(ctx)?;
        let key = ctx.matched.params.first().map(String::as_str).unwrap_or("");
        let site = match query_get(&ctx.query, "key")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("id") => self.data.site_by_id(key),
            Some("name") => self.data.site_by_name(key),
            Some("contenturl") => self.data.site_by_content_url(key),
            Some(_) => return Err(ApiError::bad_request("key must be name or contentUrl")),
        }
        .ok_or_else(|| {
            ApiError::new(
                404,
                "404000",
                "Resource Not Found",
                format!("Site '{key}' could not be found."),
            )
        })?;
        let admin = self
            .data
            .user_by_id(&session.user_id)
            .is_some_and(|u| u.server_admin);
        let allowed = site.id == session.site_id || (admin && self.config.mode == Mode::Server);
        if !allowed {
            return Err(ApiError::forbidden(
                "You can only query the site you are signed in to.",
            ));
        }
        let mut el = site_element(site);
        if query_get(&ctx.query, "includeUsage").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            let users = self
                .data
                .users
                .iter()
                .filter(|u| Self::member(u, site))
                .count();
            let storage: u64 = self
                .data
                .workbooks_on(&site.content_url)
                .map(|w| w.size)
                .sum();
            el = el.child(
                El::new("usage")
                    .attr("numUsers", users.to_string())
                    .attr("storage", storage.to_string()),
            );
        }
        Ok(self.doc_reply(StatusCode::OK, Doc::new([el]), ctx.json))
    }

    fn session_site_for(&self, ctx: &Ctx<'_>) -> Result<&SiteData, ApiError> {
        let (_, session) = self.authenticate(ctx)?;
        let wanted = ctx.matched.params.first().map(String::as_str).unwrap_or("");
        if !wanted.eq_ignore_ascii_case(&session.site_id) {
            return Err(ApiError::forbidden(
                "The site in the URI is not the site of the session.",
            ));
        }
        self.data.site_by_id(&session.site_id).ok_or_else(|| {
            ApiError::new(
                404,
                "404000",
                "Resource Not Found",
                "Site could not be found.",
            )
        })
    }

    fn origin(ctx: &Ctx<'_>) -> String {
        let host = ctx
            .parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned)
            .or_else(|| ctx.parts.uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".to_owned());
        format!("https://{host}")
    }

    fn workbook_element(
        &self,
        ctx: &Ctx<'_>,
        site: &SiteData,
        w: &WorkbookData,
        // 1-based position in the data set, the number in `webpageUrl`.
        n: usize,
        views: bool,
    ) -> El {
        let site_part = if site.content_url.is_empty() {
            String::new()
        } else {
            format!("site/{}/", site.content_url)
        };
        let mut el = El::new("workbook")
            .attr("id", w.id.clone())
            .attr("name", w.name.clone())
            .attr("description", w.description.clone())
            .attr("contentUrl", w.content_url.clone())
            .attr(
                "webpageUrl",
                format!("{}/#/{site_part}workbooks/{n}", Self::origin(ctx)),
            )
            .attr("showTabs", w.show_tabs.to_string())
            .attr("size", w.size.to_string())
            .attr("createdAt", w.created_at.clone())
            .attr("updatedAt", w.updated_at.clone())
            .child(
                El::new("project")
                    .attr("id", w.project_id.clone())
                    .attr("name", w.project_name.clone()),
            )
            .child(El::new("owner").attr("id", w.owner_id.clone()))
            .child(
                El::list("tags").children(
                    w.tags
                        .iter()
                        .map(|t| El::new("tag").attr("label", t.clone())),
                ),
            );
        if views {
            el = el.child(
                El::list("views").children(w.views.iter().enumerate().map(|(i, v)| {
                    El::new("view")
                        .attr("id", crate::data::luid(&format!("view:{}:{i}", w.id)))
                        .attr("name", v.clone())
                        .attr(
                            "contentUrl",
                            format!("{}/sheets/{}", w.content_url, v.replace(' ', "")),
                        )
                })),
            );
        }
        el
    }

    /// The site's workbooks with their 1-based position in the whole data set, in one pass.
    fn numbered_workbooks_on<'d>(
        &'d self,
        site: &'d SiteData,
    ) -> impl Iterator<Item = (usize, &'d WorkbookData)> + 'd {
        self.data
            .workbooks
            .iter()
            .enumerate()
            .filter(move |(_, w)| w.site.eq_ignore_ascii_case(&site.content_url))
            .map(|(i, w)| (i + 1, w))
    }

    fn list_workbooks(&self, ctx: &Ctx<'_>) -> Outcome {
        let site = self.session_site_for(ctx)?;
        let items: Vec<(usize, &WorkbookData)> = self.numbered_workbooks_on(site).collect();
        self.paginated(ctx, "workbooks", &items, |&(n, w)| {
            self.workbook_element(ctx, site, w, n, false)
        })
    }

    fn get_workbook(&self, ctx: &Ctx<'_>) -> Outcome {
        let site = self.session_site_for(ctx)?;
        let id = ctx.matched.params.get(1).map(String::as_str).unwrap_or("");
        let (n, w) = self
            .numbered_workbooks_on(site)
            .find(|(_, w)| w.id.eq_ignore_ascii_case(id))
            // 404006 is the code Tableau documents for an unknown workbook (unconfirmed here).
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "404006",
                    "Resource Not Found",
                    format!("Workbook '{id}' could not be found."),
                )
            })?;
        let el = self.workbook_element(ctx, site, w, n, true);
        Ok(self.doc_reply(StatusCode::OK, Doc::new([el]), ctx.json))
    }
}

struct Granted<'a> {
    site: &'a SiteData,
    user_id: String,
    kind: SignInKind,
    pat: Option<String>,
    impersonated: bool,
}

fn site_element(site: &SiteData) -> El {
    El::new("site")
        .attr("id", site.id.clone())
        .attr("name", site.name.clone())
        .attr("contentUrl", site.content_url.clone())
        .attr("adminMode", "ContentAndUsers")
        .attr("state", "Active")
        .attr("storageQuota", "100000")
        .attr("userQuota", "-1")
        .attr("disableSubscriptions", "false")
        .attr("revisionHistoryEnabled", "true")
        .attr("revisionLimit", "25")
        .attr("subscribeOthersEnabled", "true")
        .attr("useDefaultTimeZone", "true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiration_format_is_days_hours_minutes() {
        assert_eq!(
            format_expiration(Duration::from_secs(365 * 86_400)),
            "365:00:00"
        );
        assert_eq!(
            format_expiration(Duration::from_secs(173 * 86_400 + 21 * 3600 + 12 * 60 + 59)),
            "173:21:12"
        );
        assert_eq!(format_expiration(Duration::ZERO), "0:00:00");
    }
}
