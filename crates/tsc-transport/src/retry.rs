//! Retries of idempotent requests that the server asked to repeat later (429, 503).

use std::time::Duration;

use http::header::RETRY_AFTER;
use http::{Method, Response, StatusCode};

use crate::Body;

/// When to retry a request the server answered with 429 Too Many Requests or
/// 503 Service Unavailable.
///
/// Only GET and HEAD are retried (POST is never repeated: a sign-in or a publish must not
/// run twice). The delay is the server's `Retry-After` (in seconds), else an exponential
/// backoff starting at 250 ms; a delay longer than [`RetryPolicy::max_delay`] is not waited
/// for: the 429/503 response is returned instead. The default retries twice, waiting at
/// most 10 s each time. A retry repeats the hop that was answered 429/503 (after any
/// redirects) and is its own traced attempt; the overall request timeout covers the waits.
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

impl RetryPolicy {
    /// Whether a request with this method and body may be retried at all.
    pub(crate) fn may_retry(&self, method: &Method, body: &Body) -> bool {
        self.max_retries > 0
            && (method == Method::GET || method == Method::HEAD)
            && body.try_clone().is_some()
    }

    /// The delay before retry number `retry + 1`, if `response` asks for one and it is allowed.
    pub(crate) fn retry_delay(&self, response: &Response<Body>, retry: u32) -> Option<Duration> {
        let status = response.status();
        if !matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        ) || retry >= self.max_retries
        {
            return None;
        }
        self.delay(response, retry)
    }
}
