//! The `Transport` handle: a cheaply cloneable, type-erased tower service.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

use crate::client::{Stack, StackService, classify_boxed};
use crate::{Body, BoxError, Error, TransportBuilder};
use std::sync::Arc;

/// Request extension: a name for the operation (e.g. `"auth.sign_in"`, `"sites.list"`),
/// recorded as `otel.name` on the request's tracing spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationName(pub &'static str);

/// Response extension: the URI that finally answered (after redirects and the https upgrade).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseUri(pub http::Uri);

/// The HTTP transport: sends a `Request<Body>` with an absolute URI, returns a `Response<Body>`.
///
/// It is a non-generic handle over a boxed tower service, so clones are cheap and share
/// the connection pool. Build the default stack with [`Transport::builder`], or wrap any
/// tower service with [`Transport::new`] (an in-memory fake server in tests, or your own stack):
///
/// ```
/// use tsc_transport::{Body, Transport};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), tsc_transport::Error> {
/// let fake = tower::service_fn(|req: http::Request<Body>| async move {
///     let reply = format!("you asked for {}", req.uri().path());
///     Ok::<_, std::convert::Infallible>(http::Response::new(Body::from(reply)))
/// });
/// let transport = Transport::new(fake);
/// let request = http::Request::get("https://tableau.example.com/api/3.24/serverinfo")
///     .body(Body::empty())
///     .map_err(|e| tsc_transport::Error::InvalidRequest { reason: e.to_string() })?;
/// let response = transport.send(request).await?;
/// let text = response.into_body().collect().await?;
/// assert_eq!(&text[..], b"you asked for /api/3.24/serverinfo");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Transport {
    inner: Inner,
    kind: &'static str,
}

#[derive(Clone)]
enum Inner {
    /// Any tower service (custom transports, or the default stack wrapped in user layers).
    Service(BoxCloneSyncService<Request<Body>, Response<Body>, Error>),
    /// The default stack without user layers: called through `Arc`, no clone per request.
    Stack(Arc<dyn Stack>),
}

impl Transport {
    /// Wraps any tower service as a transport.
    ///
    /// The response body is converted to [`Body`] (a `Body` stays as it is). Errors are
    /// converted: a [`crate::Error`] inside is kept; connect timeouts, rustls failures
    /// (as [`Error::Tls`] naming the request's host), hyper and hyper-util errors
    /// ([`Error::Connect`] / [`Error::Http`]) and refused connections are classified; anything
    /// else becomes [`Error::Service`].
    pub fn new<S, B>(service: S) -> Self
    where
        S: tower_service::Service<Request<Body>, Response = Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Self::from_parts(service, "custom")
    }

    pub(crate) fn from_parts<S, B>(service: S, kind: &'static str) -> Self
    where
        S: tower_service::Service<Request<Body>, Response = Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let inner = Classify(service);
        Self {
            inner: Inner::Service(BoxCloneSyncService::new(inner)),
            kind,
        }
    }

    pub(crate) fn from_stack(stack: Arc<dyn Stack>) -> Self {
        Self {
            inner: Inner::Stack(stack),
            kind: "default",
        }
    }

    /// A builder for the default stack (hyper-util pooled client, rustls, redirects, …).
    pub fn builder() -> TransportBuilder {
        TransportBuilder::new()
    }

    /// Sends one request. The URI must be absolute (`https://host/path`).
    pub async fn send(&self, request: Request<Body>) -> Result<Response<Body>, Error> {
        match &self.inner {
            Inner::Stack(stack) => stack.clone().call(request).await,
            Inner::Service(service) => service.clone().oneshot(request).await,
        }
    }

    /// The boxed service inside, for use with tower combinators.
    pub fn into_service(self) -> BoxCloneSyncService<Request<Body>, Response<Body>, Error> {
        match self.inner {
            Inner::Service(service) => service,
            Inner::Stack(stack) => BoxCloneSyncService::new(StackService(stack)),
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("stack", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The future returned by `Transport`'s [`tower_service::Service::call`].
pub struct ResponseFuture {
    inner: Pin<Box<dyn Future<Output = Result<Response<Body>, Error>> + Send>>,
}

impl Future for ResponseFuture {
    type Output = Result<Response<Body>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl tower_service::Service<Request<Body>> for Transport {
    type Response = Response<Body>;
    type Error = Error;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match &mut self.inner {
            Inner::Service(service) => service.poll_ready(cx),
            Inner::Stack(_) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, request: Request<Body>) -> ResponseFuture {
        let inner = match &mut self.inner {
            Inner::Service(service) => service.call(request),
            Inner::Stack(stack) => stack.clone().call(request),
        };
        ResponseFuture { inner }
    }
}

/// Adapts a custom service: its body becomes [`Body`], its errors are classified with the
/// request's host (see [`Transport::new`]).
#[derive(Clone)]
struct Classify<S>(S);

impl<S, B> tower_service::Service<Request<Body>> for Classify<S>
where
    S: tower_service::Service<Request<Body>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.0
            .poll_ready(cx)
            .map_err(|err| classify_boxed(err.into(), ""))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let authority = request.uri().authority().cloned();
        let responding = self.0.call(request);
        Box::pin(async move {
            match responding.await {
                Ok(response) => Ok(response.map(Body::wrap)),
                Err(err) => {
                    let host = authority.as_ref().map_or("", |a| a.as_str());
                    Err(classify_boxed(err.into(), host))
                }
            }
        })
    }
}
