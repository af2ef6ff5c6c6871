//! The tower layer that attaches the session token and renews expired sessions.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response, StatusCode};
use tower::ServiceExt;
use tower_layer::Layer;
use tower_service::Service;
use tsc_transport::Body;

use crate::credentials::BoxFuture;
use crate::error::{Error, SESSION_INVALID_CODE};
use crate::manager::{ReauthPolicy, Shared};

/// Adds `X-Tableau-Auth` to requests for the session's server and renews the session
/// once when the server says the token expired (`401002`).
///
/// Get one from [`SessionManager::layer`](crate::SessionManager::layer) and put it over
/// any service that speaks `Request<Body>` → `Response<Body>` with
/// [`tsc_transport::Error`], such as a [`Transport`](tsc_transport::Transport):
///
/// * The token is attached only when the request's origin (scheme, host, port) is the
///   configured server's, or its https upgrade. Anything else goes out without it.
/// * On `401` with code `401002` for a request that carried the *current* token, the
///   layer signs in again with the same [`CredentialStrategy`](crate::CredentialStrategy)
///   and replays the request if its body can be cloned ([`Body::try_clone`]).
///   Concurrent expiries cause exactly one sign-in: the first request signs in, the
///   others wait and reuse the new token. A request is replayed at most once.
/// * With [`ReauthPolicy::Never`] answers pass through untouched.
///
/// ```
/// use std::sync::Arc;
/// use tower::{Layer, ServiceExt};
/// use tsc_auth::{AUTH_HEADER, SessionManager, TableauAuth};
/// use tsc_transport::{Body, Transport};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> tsc_auth::Result<()> {
/// // A stand-in server: signs anyone in, and echoes whether a token came along.
/// let fake = tower::service_fn(|req: http::Request<Body>| async move {
///     let body = if req.uri().path().ends_with("/auth/signin") {
///         r#"<tsResponse><credentials token="t0k"><site id="s1" contentUrl=""/><user id="u1"/></credentials></tsResponse>"#.to_owned()
///     } else {
///         format!("token={}", req.headers().contains_key(AUTH_HEADER))
///     };
///     Ok::<_, std::convert::Infallible>(http::Response::new(Body::from(body)))
/// });
/// let transport = Transport::new(fake);
/// let manager = SessionManager::builder(transport.clone(), "https://tableau.example.com".parse().unwrap())
///     .build()?;
/// manager.sign_in(Arc::new(TableauAuth::new("alice", "pw", ""))).await?;
///
/// let service = manager.layer().layer(transport);
/// let ours = http::Request::get(manager.site_url("workbooks")?).body(Body::empty()).unwrap();
/// let answer = service.clone().oneshot(ours).await?.into_body().collect().await?;
/// assert_eq!(&answer[..], b"token=true");
/// let foreign = http::Request::get("https://elsewhere.example.com/").body(Body::empty()).unwrap();
/// let answer = service.oneshot(foreign).await?.into_body().collect().await?;
/// assert_eq!(&answer[..], b"token=false");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SessionLayer {
    shared: Arc<Shared>,
}

impl SessionLayer {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        SessionLayer { shared }
    }
}

impl fmt::Debug for SessionLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("server", &self.shared.server_url())
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> SessionService<S> {
        SessionService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service made by [`SessionLayer`].
#[derive(Clone)]
pub struct SessionService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> fmt::Debug for SessionService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("server", &self.shared.server_url())
            .finish_non_exhaustive()
    }
}

impl<S> Service<Request<Body>> for SessionService<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = tsc_transport::Error>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response<Body>, Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx).map_err(Error::Transport)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        // Use the service that was polled ready; keep a fresh clone for the replay.
        let replay_service = self.inner.clone();
        let mut ready = std::mem::replace(&mut self.inner, replay_service.clone());
        let shared = self.shared.clone();
        Box::pin(async move {
            let Some(generation) = shared.attach_token(&mut request) else {
                return ready.call(request).await.map_err(Error::Transport);
            };
            let reauth = shared.reauth_policy() == ReauthPolicy::Once;
            let replay = if reauth {
                try_clone_request(&request)
            } else {
                None
            };
            let response = ready.call(request).await?;
            if !reauth || response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            let (parts, body) = response.into_parts();
            let bytes = body.collect().await?;
            let expired =
                tsc_model::ApiError::sniff(&bytes).is_some_and(|e| e.code == SESSION_INVALID_CODE);
            let response = Response::from_parts(parts, Body::full(bytes));
            if !expired {
                return Ok(response);
            }
            tracing::debug!("session token rejected as invalid (401002); renewing the session");
            shared.renew_session(generation).await?;
            let Some(mut again) = replay else {
                return Err(Error::BodyNotReplayable);
            };
            if shared.attach_token(&mut again).is_none() {
                // Signed out while we waited for the renewal.
                return Err(Error::NotSignedIn);
            }
            Ok(replay_service.oneshot(again).await?)
        })
    }
}

/// A copy of the request, if its body can be sent again.
fn try_clone_request(request: &Request<Body>) -> Option<Request<Body>> {
    let body = request.body().try_clone()?;
    let mut copy = Request::new(body);
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    Some(copy)
}
