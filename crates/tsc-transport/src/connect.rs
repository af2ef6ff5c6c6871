//! Connectors: direct or through a proxy, and the connect timeout around TCP + tunnel + TLS.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use tower::ServiceExt;
use tower_service::Service;

use crate::BoxError;

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// Where connections go: straight to the origin, or through a proxy chosen per URI.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    http: HttpConnector,
    matcher: Option<Arc<Matcher>>,
}

impl ProxyConnector {
    pub(crate) fn new(http: HttpConnector, matcher: Option<Arc<Matcher>>) -> Self {
        Self { http, matcher }
    }
}

impl Service<Uri> for ProxyConnector {
    type Response = MaybeProxied<<HttpConnector as Service<Uri>>::Response>;
    type Error = BoxError;
    type Future = BoxFuture<Self::Response>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // HttpConnector is always ready; each call below uses a fresh clone.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let http = self.http.clone();
        let intercept = self.matcher.as_ref().and_then(|m| m.intercept(&dst));
        Box::pin(async move {
            match intercept {
                None => {
                    let io = http.oneshot(dst).await?;
                    Ok(MaybeProxied { io, proxied: false })
                }
                // https: a CONNECT tunnel; TLS then runs end to end through it.
                Some(proxy) if dst.scheme() == Some(&http::uri::Scheme::HTTPS) => {
                    let mut tunnel = Tunnel::new(proxy.uri().clone(), http);
                    if let Some(auth) = proxy.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    let io = tunnel.oneshot(dst).await?;
                    Ok(MaybeProxied { io, proxied: false })
                }
                // http: talk to the proxy, which hyper then sends absolute-form URIs to.
                Some(proxy) => {
                    let io = http.oneshot(proxy.uri().clone()).await?;
                    Ok(MaybeProxied { io, proxied: true })
                }
            }
        })
    }
}

/// A connection that remembers whether it goes to an HTTP forward proxy.
pub(crate) struct MaybeProxied<T> {
    io: T,
    proxied: bool,
}

impl<T: Connection> Connection for MaybeProxied<T> {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.proxied)
    }
}

impl<T: Read + Unpin> Read for MaybeProxied<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for MaybeProxied<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

/// The marker error of an elapsed connect timeout, found again when classifying errors.
#[derive(Debug, thiserror::Error)]
#[error("connect timeout after {after:?}")]
pub(crate) struct ConnectTimedOut {
    pub(crate) after: Duration,
}

/// Applies the connect timeout to a whole connection attempt (TCP, proxy tunnel and TLS).
#[derive(Clone)]
pub(crate) struct ConnectTimeout<C> {
    inner: C,
    timeout: Option<Duration>,
}

impl<C> ConnectTimeout<C> {
    pub(crate) fn new(inner: C, timeout: Option<Duration>) -> Self {
        Self { inner, timeout }
    }
}

impl<C> Service<Uri> for ConnectTimeout<C>
where
    C: Service<Uri> + Send,
    C::Future: Send + 'static,
    C::Response: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = BoxFuture<C::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let connecting = self.inner.call(dst);
        let timeout = self.timeout;
        Box::pin(async move {
            match timeout {
                None => connecting.await.map_err(Into::into),
                Some(after) => match tokio::time::timeout(after, connecting).await {
                    Ok(result) => result.map_err(Into::into),
                    Err(_) => Err(Box::new(ConnectTimedOut { after }) as BoxError),
                },
            }
        })
    }
}

/// The whole connector behind one `Arc`.
///
/// hyper-util's pooled client clones its connector on every request (for a lazy connect it
/// usually never runs); one reference count is cheaper than cloning the timeout, TLS and
/// proxy layers each time. A real connect clones the inner connector once.
pub(crate) struct SharedConnector<C>(Arc<C>);

impl<C> SharedConnector<C> {
    pub(crate) fn new(inner: C) -> Self {
        Self(Arc::new(inner))
    }
}

impl<C> Clone for SharedConnector<C> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<C> Service<Uri> for SharedConnector<C>
where
    C: Service<Uri> + Clone + Send + 'static,
    C::Future: Send + 'static,
    C::Response: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = BoxFuture<C::Response>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // Readiness is checked on the fresh clone below.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let connector = C::clone(&self.0);
        Box::pin(async move { connector.oneshot(dst).await.map_err(Into::into) })
    }
}

/// The marker error of an https request on a transport built without a crypto provider.
#[derive(Debug, thiserror::Error)]
#[error("https is unavailable: no rustls crypto provider")]
pub(crate) struct TlsUnavailable;

/// Stands in for the TLS connector when no crypto provider is available: http only.
#[derive(Clone)]
pub(crate) struct NoTls<C>(pub(crate) C);

impl<C> Service<Uri> for NoTls<C>
where
    C: Service<Uri>,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
    C::Response: Send + 'static,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = BoxFuture<C::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.0.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        if dst.scheme() == Some(&http::uri::Scheme::HTTPS) {
            return Box::pin(std::future::ready(
                Err(Box::new(TlsUnavailable) as BoxError),
            ));
        }
        let connecting = self.0.call(dst);
        Box::pin(async move { connecting.await.map_err(Into::into) })
    }
}
