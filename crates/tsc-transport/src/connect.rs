//! Connectors: direct or through a proxy, and the connect timeout around TCP + tunnel + TLS.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

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

/// How long a recorded TLS failure explains a closed connection to the same host.
const RECENT_TLS_ERROR_TTL: Duration = Duration::from_secs(5);
/// At most this many hosts are remembered; the oldest entry makes room for a new one.
const RECENT_TLS_ERROR_HOSTS: usize = 32;

/// TLS failures recently seen on established connections, per `host[:port]`.
///
/// With TLS 1.3 the client finishes its side of the handshake before the server has checked
/// the client certificate, so a server's "certificate required" alert is read later by
/// hyper's connection task. The rustls error ends there and the request only sees a canceled
/// or closed connection. The connection IO records the rustls error here (only on the error
/// path: successful reads take no lock), and classification looks it up for such errors.
#[derive(Debug, Default)]
pub(crate) struct RecentTlsErrors {
    by_host: Mutex<HashMap<String, (Instant, rustls::Error)>>,
}

impl RecentTlsErrors {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, rustls::Error)>> {
        // A panic while holding the lock cannot leave the map inconsistent: keep using it.
        self.by_host
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records `error` for `host` as seen at `now`.
    pub(crate) fn record_at(&self, host: &str, error: rustls::Error, now: Instant) {
        let mut entries = self.entries();
        entries.retain(|_, (at, _)| now.saturating_duration_since(*at) < RECENT_TLS_ERROR_TTL);
        if entries.len() >= RECENT_TLS_ERROR_HOSTS && !entries.contains_key(host) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(host, _)| host.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(host.to_owned(), (now, error));
    }

    /// The TLS error recorded for `host` less than the TTL before `now`, if any.
    pub(crate) fn recent_at(&self, host: &str, now: Instant) -> Option<rustls::Error> {
        let entries = self.entries();
        let (at, error) = entries.get(host)?;
        (now.saturating_duration_since(*at) < RECENT_TLS_ERROR_TTL).then(|| error.clone())
    }

    /// The TLS error recorded for `host` in the last few seconds, if any.
    pub(crate) fn recent(&self, host: &str) -> Option<rustls::Error> {
        self.recent_at(host, Instant::now())
    }
}

/// Wraps each connection's IO so that rustls errors met after the connect are recorded.
pub(crate) struct RecordTlsErrors<C> {
    inner: C,
    recent: Arc<RecentTlsErrors>,
}

impl<C> RecordTlsErrors<C> {
    pub(crate) fn new(inner: C, recent: Arc<RecentTlsErrors>) -> Self {
        Self { inner, recent }
    }
}

impl<C: Clone> Clone for RecordTlsErrors<C> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            recent: self.recent.clone(),
        }
    }
}

impl<C> Service<Uri> for RecordTlsErrors<C>
where
    C: Service<Uri> + Send,
    C::Future: Send + 'static,
    C::Response: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = TlsErrorRecording<C::Response>;
    type Error = BoxError;
    type Future = BoxFuture<Self::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        // The same `host[:port]` string the request's error is classified with.
        let host = dst.authority().cloned();
        let recent = self.recent.clone();
        let connecting = self.inner.call(dst);
        Box::pin(async move {
            let io = connecting.await.map_err(Into::into)?;
            Ok(TlsErrorRecording { io, host, recent })
        })
    }
}

/// A connection whose read and write errors carrying a `rustls::Error` are recorded.
pub(crate) struct TlsErrorRecording<T> {
    io: T,
    host: Option<http::uri::Authority>,
    recent: Arc<RecentTlsErrors>,
}

impl<T> TlsErrorRecording<T> {
    /// Records the rustls error inside `result`, if any; passes `result` on unchanged.
    fn note<R>(&self, result: Poll<std::io::Result<R>>) -> Poll<std::io::Result<R>> {
        if let Poll::Ready(Err(err)) = &result
            && let Some(tls) = err
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            && let Some(host) = &self.host
        {
            self.recent
                .record_at(host.as_str(), tls.clone(), Instant::now());
        }
        result
    }
}

impl<T: Connection> Connection for TlsErrorRecording<T> {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}

impl<T: Read + Unpin> Read for TlsErrorRecording<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_read(cx, buf);
        this.note(result)
    }
}

impl<T: Write + Unpin> Write for TlsErrorRecording<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_write(cx, buf);
        this.note(result)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_flush(cx);
        this.note(result)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_shutdown(cx);
        this.note(result)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.note(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::AlertDescription;

    fn certificate_required() -> rustls::Error {
        rustls::Error::AlertReceived(AlertDescription::CertificateRequired)
    }

    #[test]
    fn recent_tls_errors_are_per_host_and_expire() {
        let store = RecentTlsErrors::default();
        let t0 = Instant::now();
        store.record_at("tableau.example:8443", certificate_required(), t0);
        let soon = t0 + Duration::from_secs(1);
        assert_eq!(
            store.recent_at("tableau.example:8443", soon),
            Some(certificate_required())
        );
        assert_eq!(store.recent_at("tableau.example", soon), None);
        assert_eq!(store.recent_at("other.example:8443", soon), None);
        let late = t0 + RECENT_TLS_ERROR_TTL;
        assert_eq!(store.recent_at("tableau.example:8443", late), None);
    }

    #[test]
    fn recent_tls_errors_are_bounded_and_keep_the_newest() {
        let store = RecentTlsErrors::default();
        let t0 = Instant::now();
        let hosts = RECENT_TLS_ERROR_HOSTS + 8;
        for i in 0..hosts {
            let at = t0 + Duration::from_millis(i as u64);
            store.record_at(&format!("host{i}:443"), certificate_required(), at);
        }
        let now = t0 + Duration::from_millis(hosts as u64);
        assert_eq!(store.entries().len(), RECENT_TLS_ERROR_HOSTS);
        assert!(
            store.recent_at("host0:443", now).is_none(),
            "oldest evicted"
        );
        let newest = format!("host{}:443", hosts - 1);
        assert!(store.recent_at(&newest, now).is_some());
    }

    /// An IO whose every operation fails with `error`.
    struct Failing(fn() -> std::io::Error);

    impl Read for Failing {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            _buf: ReadBufCursor<'_>,
        ) -> Poll<std::io::Result<()>> {
            Poll::Ready(Err((self.0)()))
        }
    }

    impl Write for Failing {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            _buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            Poll::Ready(Err((self.0)()))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Err((self.0)()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Err((self.0)()))
        }
    }

    fn recording(make: fn() -> std::io::Error) -> TlsErrorRecording<Failing> {
        TlsErrorRecording {
            io: Failing(make),
            host: Some(http::uri::Authority::from_static("127.0.0.1:8443")),
            recent: Arc::new(RecentTlsErrors::default()),
        }
    }

    #[tokio::test]
    async fn io_errors_carrying_a_rustls_error_are_recorded_for_the_host() {
        let mut read = recording(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, certificate_required())
        });
        let mut bytes = [0u8; 16];
        let mut buf = hyper::rt::ReadBuf::new(&mut bytes);
        let result =
            std::future::poll_fn(|cx| Pin::new(&mut read).poll_read(cx, buf.unfilled())).await;
        let err = result.err().map(|e| e.kind());
        assert_eq!(err, Some(std::io::ErrorKind::InvalidData), "passed on");
        assert_eq!(
            read.recent.recent("127.0.0.1:8443"),
            Some(certificate_required())
        );

        let mut write = recording(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, certificate_required())
        });
        let result = std::future::poll_fn(|cx| Pin::new(&mut write).poll_write(cx, b"GET")).await;
        assert!(result.is_err());
        assert!(write.recent.recent("127.0.0.1:8443").is_some());
    }

    #[tokio::test]
    async fn other_io_errors_are_not_recorded() {
        let mut plain = recording(|| std::io::ErrorKind::ConnectionReset.into());
        let mut bytes = [0u8; 16];
        let mut buf = hyper::rt::ReadBuf::new(&mut bytes);
        let result =
            std::future::poll_fn(|cx| Pin::new(&mut plain).poll_read(cx, buf.unfilled())).await;
        assert!(result.is_err());
        assert!(plain.recent.entries().is_empty());
    }
}
