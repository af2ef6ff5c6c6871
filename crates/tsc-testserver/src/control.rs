//! Test controls: the movable clock, fault injection and counters.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::routes::Route;

pub(crate) fn lock_mutex<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock must not disable the emulator for the remaining tests.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The emulator's clock: real time plus an offset tests can [`advance`](Clock::advance), so
/// session and token expiry can be tested without waiting.
#[derive(Clone, Debug)]
pub struct Clock {
    offset: Arc<Mutex<Duration>>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            offset: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }
}

impl Clock {
    /// Moves the emulator's time forward.
    pub fn advance(&self, by: Duration) {
        let mut o = lock_mutex(&self.offset);
        *o = o.saturating_add(by);
    }

    /// How far the clock has been moved.
    pub fn offset(&self) -> Duration {
        *lock_mutex(&self.offset)
    }

    /// Monotonic "now" including the offset.
    pub fn now(&self) -> Instant {
        Instant::now() + self.offset()
    }

    /// Unix seconds including the offset (for JWT `exp` checks).
    pub fn unix_now(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        (real + self.offset()).as_secs() as i64
    }
}

/// A failure the emulator can be told to produce instead of (or while) answering.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `503` with an HTML maintenance page (not XML: clients must cope).
    Html503,
    /// `500` with a plain-text body.
    PlainText500,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Send the headers (with the full `Content-Length`) and half the body, then fail the body
    /// (on a socket: the connection is cut).
    DropMidBody,
    /// Answer normally but cut the XML body in half (status and headers intact).
    TruncatedXml,
    /// `429` with `Retry-After` and a `429000` error body.
    TooManyRequests {
        /// Seconds announced in `Retry-After`.
        retry_after_secs: u64,
    },
    /// `200` with an XML body padded to this many bytes (to test client size limits).
    Oversized(usize),
    /// A redirect with this status (e.g. 301, 302, 307, 308) to `location`, or without a
    /// `Location` header when `None` (a misconfigured proxy). A front door such as
    /// `online.tableau.com` → pod is `Redirect { status: 301, location: Some(pod_url) }`.
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header value, if any.
        location: Option<String>,
    },
}

#[derive(Clone, Debug)]
struct Rule {
    route: Option<Route>,
    fault: Fault,
    remaining: Option<u32>,
}

/// Switches faults on and off, globally or per route, once, `n` times or until cleared.
///
/// ```
/// use tsc_testserver::{Config, Fault, Route, TestServer};
/// let server = TestServer::new(Config::server().workbooks_per_site(1));
/// server.faults().inject_times(Some(Route::Workbooks), Fault::Html503, 2);
/// server.faults().inject(None, Fault::Delay(std::time::Duration::from_millis(5)));
/// server.faults().clear();
/// ```
#[derive(Clone, Debug, Default)]
pub struct FaultInjector {
    rules: Arc<Mutex<Vec<Rule>>>,
}

impl FaultInjector {
    /// Applies `fault` to every matching request until [`clear`](Self::clear).
    /// `route == None` matches every route.
    pub fn inject(&self, route: Option<Route>, fault: Fault) {
        lock_mutex(&self.rules).push(Rule {
            route,
            fault,
            remaining: None,
        });
    }

    /// Applies `fault` to the next matching request only.
    pub fn inject_once(&self, route: Option<Route>, fault: Fault) {
        self.inject_times(route, fault, 1);
    }

    /// Applies `fault` to the next `count` matching requests.
    pub fn inject_times(&self, route: Option<Route>, fault: Fault, count: u32) {
        if count == 0 {
            return;
        }
        lock_mutex(&self.rules).push(Rule {
            route,
            fault,
            remaining: Some(count),
        });
    }

    /// Removes every rule.
    pub fn clear(&self) {
        lock_mutex(&self.rules).clear();
    }

    /// Number of rules still armed.
    pub fn armed(&self) -> usize {
        lock_mutex(&self.rules).len()
    }

    /// Takes the first rule matching `route`, consuming one use.
    pub(crate) fn take(&self, route: Route) -> Option<Fault> {
        let mut rules = lock_mutex(&self.rules);
        let i = rules
            .iter()
            .position(|r| r.route.is_none_or(|x| x == route))?;
        let fault = rules[i].fault.clone();
        if let Some(n) = rules[i].remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                rules.remove(i);
            }
        }
        Some(fault)
    }
}

/// Successful sign-ins by credential kind, plus failures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignInCounts {
    /// Username and password.
    pub password: u64,
    /// Personal access token.
    pub pat: u64,
    /// Connected-app JWT.
    pub jwt: u64,
    /// Unified Access Token.
    pub uat: u64,
    /// Of those, with `<user id>` impersonation.
    pub impersonated: u64,
    /// Switch-site calls that produced a new session.
    pub switch_site: u64,
    /// Rejected sign-ins (401001 and friends).
    pub failed: u64,
}

/// A snapshot of what the emulator has seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Sign-ins by kind.
    pub sign_ins: SignInCounts,
    /// Requests per route, keyed by [`Route::name`]; faulted requests count too.
    pub requests: BTreeMap<String, u64>,
    /// Sessions alive right now (unexpired, not signed out).
    pub active_sessions: usize,
}

impl Counters {
    /// Requests seen on `route`.
    pub fn requests_for(&self, route: Route) -> u64 {
        self.requests.get(route.name()).copied().unwrap_or(0)
    }

    /// All successful sign-ins, every kind.
    pub fn total_sign_ins(&self) -> u64 {
        let s = &self.sign_ins;
        s.password + s.pat + s.jwt + s.uat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_match_route_and_count_down() {
        let f = FaultInjector::default();
        f.inject_times(Some(Route::Workbooks), Fault::PlainText500, 2);
        assert_eq!(f.take(Route::SignIn), None);
        assert_eq!(f.take(Route::Workbooks), Some(Fault::PlainText500));
        assert_eq!(f.take(Route::Workbooks), Some(Fault::PlainText500));
        assert_eq!(f.take(Route::Workbooks), None);
        f.inject(None, Fault::Html503);
        for _ in 0..5 {
            assert_eq!(f.take(Route::SignIn), Some(Fault::Html503));
        }
        f.clear();
        assert_eq!(f.armed(), 0);
    }

    #[test]
    fn clock_advances() {
        let c = Clock::default();
        let before = c.unix_now();
        c.advance(Duration::from_secs(3600));
        assert!(c.unix_now() >= before + 3600);
        assert_eq!(c.offset(), Duration::from_secs(3600));
    }
}
