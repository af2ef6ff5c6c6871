//! The innermost service: one HTTP attempt through hyper-util's pooled client, with its own
//! tracing span, error classification and the response-body limit.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, Uri};
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use tokio::time::{Instant, Sleep};
use tower_service::Service;
use tracing::Instrument;
use tracing::field::Empty;

use crate::connect::{ConnectTimedOut, RecentTlsErrors, TlsUnavailable};
use crate::error::{RedirectError, TimeoutKind, TlsError};
use crate::redirect::{Hops, UpgradeMemory, ValidPolicy, is_redirect};
use crate::{Body, BoxError, Error, OperationName, ResponseUri, RetryPolicy};
use http::HeaderValue;
use http::header::{PROXY_AUTHORIZATION, USER_AGENT};
use hyper_util::client::proxy::matcher::Matcher;

/// Request extension set by the entry service: when the whole request must be done.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestDeadline {
    pub(crate) at: Instant,
    pub(crate) after: Duration,
}

/// Displays `scheme://authority/path` without the query string (which may carry secrets).
pub(crate) struct UriNoQuery<'a>(pub(crate) &'a Uri);

impl std::fmt::Display for UriNoQuery<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.0.scheme_str(), self.0.authority()) {
            (Some(scheme), Some(authority)) => write!(f, "{scheme}://{authority}{}", self.0.path()),
            _ => f.write_str(self.0.path()),
        }
    }
}

/// `scheme://authority/path` without the query string.
pub(crate) fn display_uri(uri: &Uri) -> String {
    UriNoQuery(uri).to_string()
}

/// The default stack as one service: entry checks, `User-Agent`, overall timeout, retries,
/// redirects, and traced attempts over hyper-util's pooled client.
///
/// One struct and one boxed future per request rather than a tower layer per concern: the
/// concerns share the copy of the request they need for replays, and the benchmark showed
/// the per-layer clones, boxes and moves costing more than the target overhead.
pub(crate) struct Pipeline<C> {
    pub(crate) client: Client<C, Body>,
    pub(crate) max_response_bytes: u64,
    pub(crate) redirect: ValidPolicy,
    pub(crate) memory: UpgradeMemory,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Option<Duration>,
    /// The proxy rules, for `Proxy-Authorization` on plain-http requests sent to a proxy
    /// (https requests carry it on the CONNECT instead).
    pub(crate) proxy: Option<Arc<Matcher>>,
    /// TLS failures the connections' IO met after the connect (see [`RecentTlsErrors`]).
    pub(crate) tls_errors: Arc<RecentTlsErrors>,
}

/// The future of one request through a [`Stack`].
pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Error>> + Send>>;

/// A service callable through a shared reference (no clone per request).
pub(crate) trait Stack: Send + Sync + 'static {
    /// Sends one request.
    fn call(self: Arc<Self>, request: Request<Body>) -> BoxFuture;
}

impl<C> Stack for Pipeline<C>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    fn call(self: Arc<Self>, mut request: Request<Body>) -> BoxFuture {
        let uri = request.uri();
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            let reason = format!(
                "the URI {:?} is not an absolute http(s) URI; the layers above must build one",
                display_uri(uri)
            );
            return Box::pin(std::future::ready(Err(Error::InvalidRequest { reason })));
        }
        if !request.headers().contains_key(USER_AGENT) {
            request
                .headers_mut()
                .insert(USER_AGENT, self.user_agent.clone());
        }
        if let Some(upgraded) = self.memory.apply(request.uri()) {
            *request.uri_mut() = upgraded;
        }
        let Some(after) = self.timeout else {
            return Box::pin(self.run(request));
        };
        let at = tokio::time::Instant::now() + after;
        request
            .extensions_mut()
            .insert(RequestDeadline { at, after });
        Box::pin(async move {
            let target = UriNoQuery(request.uri()).to_string();
            match tokio::time::timeout_at(at, self.run(request)).await {
                Ok(result) => result,
                Err(_) => Err(Error::Timeout {
                    kind: TimeoutKind::Request,
                    after,
                    target,
                }),
            }
        })
    }
}

impl<C> Pipeline<C>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    /// Retries and redirects around single attempts.
    async fn run(self: Arc<Self>, request: Request<Body>) -> Result<Response<Body>, Error> {
        let may_retry = self.retry.may_retry(request.method(), request.body());
        if !self.redirect.follows() && !may_retry {
            let uri = request.uri().clone();
            let mut response = self.attempt(request).await?;
            response.extensions_mut().insert(ResponseUri(uri));
            return Ok(response);
        }
        let (parts, mut body) = request.into_parts();
        let method = parts.method;
        let mut uri = parts.uri;
        let version = parts.version;
        let mut headers = parts.headers;
        let extensions = parts.extensions;
        let mut hops = Hops::new(!body.is_known_empty());
        let mut retries = 0u32;
        loop {
            let replay = body.try_clone();
            let mut attempt = Request::new(body);
            *attempt.method_mut() = method.clone();
            *attempt.uri_mut() = uri.clone();
            *attempt.version_mut() = version;
            *attempt.headers_mut() = headers.clone();
            *attempt.extensions_mut() = extensions.clone();
            let mut response = self.attempt(attempt).await?;
            if may_retry && let Some(delay) = self.retry.retry_delay(&response, retries) {
                retries += 1;
                tracing::info!(
                    status = response.status().as_u16(),
                    url = %UriNoQuery(&uri),
                    retry = retries,
                    delay_ms = delay.as_millis() as u64,
                    "server asked to retry later; retrying"
                );
                drop(response);
                tokio::time::sleep(delay).await;
                body = replay.unwrap_or_default();
                continue;
            }
            if !self.redirect.follows() || !is_redirect(response.status()) {
                response.extensions_mut().insert(ResponseUri(uri));
                return Ok(response);
            }
            let follow = self.redirect.decide(
                &self.memory,
                &mut hops,
                &response,
                &method,
                &uri,
                &mut headers,
            )?;
            body = match replay {
                Some(copy) => copy,
                None => {
                    return Err(RedirectError::BodyNotReplayable {
                        status: response.status(),
                        location: follow.location,
                    }
                    .into());
                }
            };
            uri = follow.target;
        }
    }

    /// One traced attempt over the pooled client.
    // Not an `async fn`: the request is handed to hyper right away, so the returned future
    // holds only what the response needs (smaller futures, fewer moves per request).
    fn attempt(
        &self,
        mut request: Request<Body>,
    ) -> impl Future<Output = Result<Response<Body>, Error>> + Send + 'static {
        if let Some(proxy) = &self.proxy
            && request.uri().scheme() == Some(&http::uri::Scheme::HTTP)
            && let Some(intercept) = proxy.intercept(request.uri())
            && let Some(auth) = intercept.basic_auth()
        {
            let mut auth = auth.clone();
            auth.set_sensitive(true);
            request.headers_mut().insert(PROXY_AUTHORIZATION, auth);
        }
        let authority = request.uri().authority().cloned();
        let deadline = request
            .extensions()
            .get::<RequestDeadline>()
            .map(|d| (*d, request.uri().clone()));
        let limit = self.max_response_bytes;
        // OpenTelemetry HTTP client semantic conventions; headers and bodies are never
        // recorded. Field values are only formatted when the span is enabled.
        let span = tracing::debug_span!(
            "HTTP",
            otel.name = request.extensions().get::<OperationName>().map(|o| o.0),
            otel.kind = "client",
            http.request.method = %request.method(),
            url.full = %UriNoQuery(request.uri()),
            server.address = request.uri().host().unwrap_or_default(),
            server.port = request.uri().port_u16(),
            http.response.status_code = Empty,
            duration_ms = Empty,
            error.type = Empty,
        );
        let responding = self.client.request(request);
        let tls_errors = self.tls_errors.clone();
        let recorder = span.clone();
        async move {
            let span = recorder;
            let started = (!span.is_disabled()).then(std::time::Instant::now);
            let result = responding.await;
            if let Some(started) = started {
                span.record("duration_ms", started.elapsed().as_secs_f64() * 1000.0);
            }
            match result {
                Ok(response) => {
                    span.record("http.response.status_code", response.status().as_u16());
                    tracing::debug!(
                        status = response.status().as_u16(),
                        "response headers received"
                    );
                    Ok(response
                        .map(|body| Body::from_response(LimitedBody::new(body, limit, deadline))))
                }
                Err(err) => {
                    let host = authority.as_ref().map_or("", |a| a.as_str());
                    let err = classify_with(Box::new(err), host, Some(&tls_errors));
                    span.record("error.type", error_type(&err));
                    tracing::debug!(error = %err, "request failed");
                    Err(err)
                }
            }
        }
        .instrument(span)
    }
}

/// A [`Stack`] as a cloneable tower service, for wrapping in user layers.
pub(crate) struct StackService(pub(crate) Arc<dyn Stack>);

impl Clone for StackService {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl Service<Request<Body>> for StackService {
    type Response = Response<Body>;
    type Error = Error;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> BoxFuture {
        self.0.clone().call(request)
    }
}

fn error_type(err: &Error) -> &'static str {
    match err {
        Error::Timeout { .. } => "timeout",
        Error::Tls(_) => "tls",
        Error::Connect { .. } => "connect",
        _ => "http",
    }
}

/// Finds an error of type `T` anywhere in a source chain, looking inside `io::Error`s too
/// (their `source()` skips the wrapped error itself).
fn find_in_chain<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(found) = find_in_chain::<T>(inner)
        {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// Turns any service error into a typed transport error: a [`crate::Error`] inside is kept;
/// connect timeouts, TLS failures, connect failures and hyper errors found in the source
/// chain are classified; anything else becomes [`Error::Service`]. `host` is the
/// `host[:port]` of the request.
pub(crate) fn classify_boxed(err: BoxError, host: &str) -> Error {
    classify_with(err, host, None)
}

/// [`classify_boxed`], and when the connection closed before a response, a TLS failure
/// recorded in `recent` for `host` explains it (see [`RecentTlsErrors`]).
pub(crate) fn classify_with(err: BoxError, host: &str, recent: Option<&RecentTlsErrors>) -> Error {
    let err = match err.downcast::<Error>() {
        Ok(own) => return *own,
        Err(other) => other,
    };
    let chain: &(dyn std::error::Error + 'static) = &*err;
    if let Some(timeout) = find_in_chain::<ConnectTimedOut>(chain) {
        return Error::Timeout {
            kind: TimeoutKind::Connect,
            after: timeout.after,
            target: host.to_owned(),
        };
    }
    if find_in_chain::<TlsUnavailable>(chain).is_some() {
        return Error::Config(crate::ConfigError::NoCryptoProvider);
    }
    if let Some(tls) = find_in_chain::<rustls::Error>(chain) {
        return tls_error(host, tls.clone());
    }
    if let Some(recent) = recent
        && closed_before_response(chain)
        && let Some(tls) = recent.recent(host)
    {
        tracing::debug!(error = %err, "connection closed after a TLS failure; reporting that");
        return tls_error(host, tls);
    }
    let connect = if let Some(legacy) = chain.downcast_ref::<hyper_util::client::legacy::Error>() {
        Some(legacy.is_connect())
    } else if chain.downcast_ref::<hyper::Error>().is_some() {
        Some(false)
    } else if let Some(io) = chain.downcast_ref::<std::io::Error>() {
        // Only the unambiguous connect failures; other I/O errors of a custom service stay
        // `Service` errors.
        matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::AddrNotAvailable
        )
        .then_some(true)
    } else {
        None
    };
    match connect {
        Some(true) => Error::Connect {
            host: host.to_owned(),
            source: err,
        },
        Some(false) => Error::Http {
            host: host.to_owned(),
            source: err,
        },
        None => Error::Service(err),
    }
}

/// A TLS error for `host` (`host[:port]`; the error names the host without the port).
fn tls_error(host: &str, tls: rustls::Error) -> Error {
    let name = host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            name
        } else {
            host
        }
    });
    Error::Tls(TlsError {
        host: name.to_owned(),
        reason: crate::tls::classify(&tls),
        source: tls,
    })
}

/// Whether a hyper error says the connection closed (or its I/O failed) before a response:
/// what a request sees when the connection task, not the request, met the real failure.
fn closed_before_response(chain: &(dyn std::error::Error + 'static)) -> bool {
    find_in_chain::<hyper::Error>(chain).is_some_and(|hyper| {
        hyper.is_canceled()
            || hyper.is_closed()
            || hyper.is_incomplete_message()
            // I/O errors of the connection (for h2, hyper turns h2's I/O errors into these).
            || std::error::Error::source(hyper).is_some_and(|s| s.is::<std::io::Error>())
    })
}

/// The response body with the size limit and the request deadline applied.
pub(crate) struct LimitedBody {
    inner: Incoming,
    limit: u64,
    seen: u64,
    // Boxed: rarely set, and keeping `Body` small keeps every request/response move cheap.
    deadline: Option<Box<BodyDeadline>>,
}

struct BodyDeadline {
    sleep: Pin<Box<Sleep>>,
    after: Duration,
    uri: Uri,
}

impl LimitedBody {
    fn new(inner: Incoming, limit: u64, deadline: Option<(RequestDeadline, Uri)>) -> Self {
        Self {
            inner,
            limit,
            seen: 0,
            deadline: deadline.map(|(d, uri)| {
                Box::new(BodyDeadline {
                    sleep: Box::pin(tokio::time::sleep_until(d.at)),
                    after: d.after,
                    uri,
                })
            }),
        }
    }

    fn too_large(&self) -> BoxError {
        Box::new(Error::BodyTooLarge { limit: self.limit })
    }
}

impl http_body::Body for LimitedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        // A Content-Length over the limit fails before any byte is buffered.
        if this.seen == 0 && this.inner.size_hint().lower() > this.limit {
            return Poll::Ready(Some(Err(this.too_large())));
        }
        if let Some(deadline) = &mut this.deadline
            && deadline.sleep.as_mut().poll(cx).is_ready()
        {
            let err = Error::Timeout {
                kind: TimeoutKind::Request,
                after: deadline.after,
                target: display_uri(&deadline.uri),
            };
            return Poll::Ready(Some(Err(Box::new(err))));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.seen = this.seen.saturating_add(data.len() as u64);
                    if this.seen > this.limit {
                        return Poll::Ready(Some(Err(this.too_large())));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(Box::new(err)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TlsFailure;
    use hyper_util::rt::TokioIo;
    use rustls::AlertDescription;

    /// A real hyper error for a request on a connection whose task already ended: hyper's
    /// canceled "connection was not ready", what the request saw in the race this fixes.
    async fn connection_not_ready() -> BoxError {
        let (client_io, server_io) = tokio::io::duplex(1024);
        let handshake = hyper::client::conn::http1::handshake::<_, http_body_util::Empty<Bytes>>(
            TokioIo::new(client_io),
        )
        .await;
        let (mut sender, connection) = match handshake {
            Ok(parts) => parts,
            Err(err) => panic!("handshake: {err}"),
        };
        // The peer goes away: the connection task reads EOF and ends (with an error or not;
        // either way the request below finds no connection).
        drop(server_io);
        let _ended = connection.await;
        let request = Request::get("/")
            .body(http_body_util::Empty::new())
            .unwrap_or_default();
        match sender.send_request(request).await {
            Ok(response) => panic!("unexpected response {}", response.status()),
            Err(err) => {
                assert!(err.is_canceled() || err.is_closed(), "{err:?}");
                Box::new(err)
            }
        }
    }

    fn store_with(host: &str) -> RecentTlsErrors {
        let store = RecentTlsErrors::default();
        let alert = rustls::Error::AlertReceived(AlertDescription::CertificateRequired);
        store.record_at(host, alert, std::time::Instant::now());
        store
    }

    #[tokio::test]
    async fn closed_connection_after_a_recorded_tls_failure_is_that_tls_error() {
        let store = store_with("127.0.0.1:8443");
        let err = classify_with(connection_not_ready().await, "127.0.0.1:8443", Some(&store));
        match err {
            Error::Tls(tls) => {
                assert_eq!(tls.host, "127.0.0.1");
                assert_eq!(tls.reason, TlsFailure::ClientCertificateRejected);
                assert_eq!(
                    tls.source,
                    rustls::Error::AlertReceived(AlertDescription::CertificateRequired)
                );
            }
            other => panic!("expected a TLS error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn closed_connection_without_a_recorded_tls_failure_stays_an_http_error() {
        let other_host = store_with("127.0.0.1:9443");
        let err = classify_with(
            connection_not_ready().await,
            "127.0.0.1:8443",
            Some(&other_host),
        );
        assert!(matches!(err, Error::Http { .. }), "{err:?}");
        let err = classify_with(connection_not_ready().await, "127.0.0.1:9443", None);
        assert!(matches!(err, Error::Http { .. }), "{err:?}");
    }

    #[test]
    fn a_recorded_tls_failure_does_not_explain_other_errors() {
        let store = store_with("127.0.0.1:8443");
        let refused: BoxError =
            Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        let err = classify_with(refused, "127.0.0.1:8443", Some(&store));
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    }
}
