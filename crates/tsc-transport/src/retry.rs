//! Retries of idempotent requests that the server asked to repeat later (429, 503).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::RETRY_AFTER;
use http::{Method, Request, Response, StatusCode};
use tower::ServiceExt;
use tower_service::Service;

use crate::client::display_uri;
use crate::{Body, Error};

/// When to retry a request the server answered with 429 Too Many Requests or
/// 503 Service Unavailable.
///
/// Only GET and HEAD are retried (POST is never repeated: a sign-in or a publish must not
/// run twice). The delay is the server's `Retry-After` (in seconds), else an exponential
/// backoff starting at 250 ms; a delay longer than [`RetryPolicy::max_delay`] is not waited
/// for: the 429/503 response is returned instead. The default retries twice, waiting at
/// most 10 s each time. Each retry is its own traced attempt.
///
/// ```
/// use std::time::Duration;
/// use tsc_transport::RetryPolicy;
/// let policy = RetryPolicy::default().max_retries(3).max_delay(Duration::from_secs(30));
/// # let _ = policy;
/// ```
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    max_retries: u32,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Never retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            max_delay: Duration::ZERO,
        }
    }

    /// At most this many retries after the first attempt.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The longest delay that will be waited for before a retry.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    fn delay(&self, response: &Response<Body>, retry: u32) -> Option<Duration> {
        let delay = match response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            Some(seconds) => Duration::from_secs(seconds),
            None => Duration::from_millis(250).saturating_mul(1u32 << retry.min(16)),
        };
        (delay <= self.max_delay).then_some(delay)
    }
}

/// The service that applies a [`RetryPolicy`].
#[derive(Clone)]
pub(crate) struct Retry<S> {
    pub(crate) inner: S,
    pub(crate) policy: Arc<RetryPolicy>,
}

impl<S> Service<Request<Body>> for Retry<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let inner = self.inner.clone();
        let retryable = self.policy.max_retries > 0
            && (request.method() == Method::GET || request.method() == Method::HEAD)
            && request.body().try_clone().is_some();
        if !retryable {
            return Box::pin(inner.oneshot(request));
        }
        let policy = self.policy.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut retry = 0;
            loop {
                let mut attempt = Request::new(body.try_clone().unwrap_or_default());
                *attempt.method_mut() = parts.method.clone();
                *attempt.uri_mut() = parts.uri.clone();
                *attempt.version_mut() = parts.version;
                *attempt.headers_mut() = parts.headers.clone();
                *attempt.extensions_mut() = parts.extensions.clone();
                let response = inner.clone().oneshot(attempt).await?;
                let status = response.status();
                let again = matches!(
                    status,
                    StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
                ) && retry < policy.max_retries;
                let delay = if again {
                    policy.delay(&response, retry)
                } else {
                    None
                };
                let Some(delay) = delay else {
                    return Ok(response);
                };
                retry += 1;
                tracing::info!(
                    status = status.as_u16(),
                    url = %display_uri(&parts.uri),
                    retry,
                    delay_ms = delay.as_millis() as u64,
                    "server asked to retry later; retrying"
                );
                drop(response);
                tokio::time::sleep(delay).await;
            }
        })
    }
}
