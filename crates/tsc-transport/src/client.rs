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

use crate::connect::ConnectTimedOut;
use crate::error::{TimeoutKind, TlsError};
use crate::{Body, BoxError, Error};

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

/// One attempt over the pooled hyper client.
pub(crate) struct HyperService<C> {
    // Behind an Arc: the stack is cloned per request and per hop, and hyper-util's `Client`
    // is a large struct of builders whose clone and moves showed up in the benchmark.
    pub(crate) client: Arc<Client<C, Body>>,
    pub(crate) max_response_bytes: u64,
}

impl<C> Clone for HyperService<C> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            max_response_bytes: self.max_response_bytes,
        }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>;

impl<C> Service<Request<Body>> for HyperService<C>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    type Response = Response<Body>;
    type Error = Error;
    type Future = BoxFuture<Response<Body>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
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
        Box::pin(
            async move {
                let span = tracing::Span::current();
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
                        Ok(
                            response
                                .map(|body| Body::wrap(LimitedBody::new(body, limit, deadline))),
                        )
                    }
                    Err(err) => {
                        let host = authority.as_ref().map_or("", |a| a.as_str());
                        let err = classify(err, host);
                        span.record("error.type", error_type(&err));
                        tracing::debug!(error = %err, "request failed");
                        Err(err)
                    }
                }
            }
            .instrument(span),
        )
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

/// Turns a hyper-util client error into a typed transport error.
pub(crate) fn classify(err: hyper_util::client::legacy::Error, host: &str) -> Error {
    if let Some(timeout) = find_in_chain::<ConnectTimedOut>(&err) {
        return Error::Timeout {
            kind: TimeoutKind::Connect,
            after: timeout.after,
            target: host.to_owned(),
        };
    }
    if let Some(tls) = find_in_chain::<rustls::Error>(&err) {
        let tls = tls.clone();
        let host = host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        });
        return Error::Tls(TlsError {
            host: host.to_owned(),
            reason: crate::tls::classify(&tls),
            source: tls,
        });
    }
    if err.is_connect() {
        return Error::Connect {
            host: host.to_owned(),
            source: Box::new(err),
        };
    }
    Error::Http {
        host: host.to_owned(),
        source: Box::new(err),
    }
}

/// The response body with the size limit and the request deadline applied.
struct LimitedBody {
    inner: Incoming,
    limit: u64,
    seen: u64,
    deadline: Option<(Pin<Box<Sleep>>, Duration, Uri)>,
}

impl LimitedBody {
    fn new(inner: Incoming, limit: u64, deadline: Option<(RequestDeadline, Uri)>) -> Self {
        Self {
            inner,
            limit,
            seen: 0,
            deadline: deadline
                .map(|(d, uri)| (Box::pin(tokio::time::sleep_until(d.at)), d.after, uri)),
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
        if let Some((sleep, after, uri)) = &mut this.deadline
            && sleep.as_mut().poll(cx).is_ready()
        {
            let err = Error::Timeout {
                kind: TimeoutKind::Request,
                after: *after,
                target: display_uri(uri),
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
