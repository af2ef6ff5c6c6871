//! Redirect-safe POST: the redirect policy and the service that follows redirects.
//!
//! This is hand-rolled rather than tower-http's `FollowRedirect` with a custom `Policy`:
//! tower-http rewrites a POST into a GET on 301/302 *before* consulting the policy (rule 2
//! needs the POST repeated with its body on an http→https upgrade), and it silently returns
//! the 3xx when `Location` is missing or the body cannot be cloned (rule 6 wants typed errors).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use http::header::{AUTHORIZATION, COOKIE, HOST, LOCATION, PROXY_AUTHORIZATION};
use http::{HeaderMap, HeaderName, Method, Response, StatusCode, Uri};

use crate::Body;
use crate::client::display_uri;
use crate::error::{ConfigError, RedirectError};

/// Which redirects the transport follows, and where.
///
/// The default follows at most 10 hops under these rules:
/// 1. Same origin, 307/308: the method and body are repeated.
/// 2. Scheme upgrade on the same host name (`http://h[:p]` → `https://h[:q]`) on
///    301/302/307/308: the request is repeated **with its method and body** (a POST never
///    becomes a GET), and the upgrade is remembered, so later requests to `http://h[:p]` go
///    straight to `https://h[:q]` (one `info` event says so).
/// 3. `https` → `http`: refused ([`RedirectError::Downgrade`]).
/// 4. Any other origin change: refused ([`RedirectError::CrossOrigin`]) for a request that has
///    a body or credentials, unless [`RedirectPolicy::allow_origin`] allows the target origin.
///    Whenever a cross-origin hop is followed, `X-Tableau-Auth`, `Authorization`, `Cookie`,
///    `Proxy-Authorization` and every header marked sensitive are removed first.
/// 5. 303, or 301/302 for a method other than GET/HEAD outside rule 2: refused
///    ([`RedirectError::MethodChange`], which explains Tableau's 405000 trap); never a silent GET.
/// 6. A missing or invalid `Location`, too many hops, a loop, or a streaming body that would
///    have to be sent again: typed errors.
///
/// [`RedirectPolicy::none`] returns 3xx responses untouched.
///
/// ```
/// use tsc_transport::{RedirectPolicy, Transport};
/// // Tableau Cloud's front door redirects sign-in to a pod:
/// let policy = RedirectPolicy::default().allow_origin("https://10ax.online.tableau.com");
/// let transport = Transport::builder().redirect(policy).build()?;
/// # Ok::<(), tsc_transport::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RedirectPolicy {
    follow: bool,
    max_hops: usize,
    allowed_origins: Vec<String>,
}

impl Default for RedirectPolicy {
    fn default() -> Self {
        Self::limited(10)
    }
}

impl RedirectPolicy {
    /// Follows at most `max_hops` redirects under the rules above.
    pub fn limited(max_hops: usize) -> Self {
        Self {
            follow: true,
            max_hops,
            allowed_origins: Vec::new(),
        }
    }

    /// Follows no redirect: 3xx responses are returned as they are.
    pub fn none() -> Self {
        Self {
            follow: false,
            max_hops: 0,
            allowed_origins: Vec::new(),
        }
    }

    /// Allows cross-origin redirects to `origin` (`scheme://host[:port]`) for requests with a
    /// body or credentials. Credential headers are still removed on the hop; the body is sent.
    /// An invalid origin is reported by `TransportBuilder::build`.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    pub(crate) fn validate(&self) -> Result<ValidPolicy, ConfigError> {
        let allowed = self
            .allowed_origins
            .iter()
            .map(|text| {
                text.parse::<Uri>()
                    .ok()
                    .filter(|uri| uri.path() == "/" || uri.path().is_empty())
                    .and_then(|uri| Origin::of(&uri))
                    .ok_or_else(|| ConfigError::InvalidAllowedOrigin {
                        origin: text.clone(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ValidPolicy {
            follow: self.follow,
            max_hops: self.max_hops,
            allowed,
        })
    }
}

/// A policy whose allowed origins have been parsed.
#[derive(Clone, Debug)]
pub(crate) struct ValidPolicy {
    follow: bool,
    max_hops: usize,
    allowed: Vec<Origin>,
}

/// scheme + host + port, with default ports filled in (tower-http's `eq_origin` definition).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    fn of(uri: &Uri) -> Option<Origin> {
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        Some(Origin {
            host: uri.host()?.to_ascii_lowercase(),
            port: uri.port_u16().unwrap_or(default_port),
            scheme,
        })
    }

    fn display(&self) -> String {
        let default = matches!(
            (self.scheme.as_str(), self.port),
            ("http", 80) | ("https", 443)
        );
        if default {
            format!("{}://{}", self.scheme, self.host)
        } else {
            format!("{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

/// Whether `status` is a redirect this module handles.
pub(crate) fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Remembered http→https upgrades, shared by every clone of a transport.
#[derive(Clone, Debug, Default)]
pub(crate) struct UpgradeMemory {
    // (host, http port) → https port
    upgrades: Arc<Mutex<HashMap<(String, u16), u16>>>,
    // Set once anything is remembered: lets every request skip the lock until then.
    any: Arc<AtomicBool>,
}

impl UpgradeMemory {
    fn remember(&self, from: &Origin, https_port: u16) {
        let Ok(mut map) = self.upgrades.lock() else {
            return;
        };
        let previous = map.insert((from.host.clone(), from.port), https_port);
        self.any.store(true, Ordering::Release);
        if previous != Some(https_port) {
            tracing::info!(
                from = %from.display(),
                to = %Origin { scheme: "https".into(), host: from.host.clone(), port: https_port }.display(),
                "server redirected http to https; later requests go straight to https (use the https URL to skip this redirect)"
            );
        }
    }

    /// The https URI to use instead of `uri`, if an upgrade of its origin was remembered.
    pub(crate) fn apply(&self, uri: &Uri) -> Option<Uri> {
        if !self.any.load(Ordering::Acquire) || uri.scheme() != Some(&http::uri::Scheme::HTTP) {
            return None;
        }
        let origin = Origin::of(uri)?;
        let port = *self
            .upgrades
            .lock()
            .ok()?
            .get(&(origin.host.clone(), origin.port))?;
        let host = uri.host()?;
        let authority = if port == 443 {
            host.to_owned()
        } else {
            format!("{host}:{port}")
        };
        let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
        Uri::builder()
            .scheme("https")
            .authority(authority)
            .path_and_query(path_and_query)
            .build()
            .ok()
    }
}

/// Header names removed on every followed cross-origin hop (plus any sensitive header).
const CREDENTIAL_HEADERS: [HeaderName; 3] = [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION];
const TABLEAU_AUTH: &str = "x-tableau-auth";

fn is_credential(name: &HeaderName, value: &http::HeaderValue) -> bool {
    value.is_sensitive() || CREDENTIAL_HEADERS.contains(name) || name.as_str() == TABLEAU_AUTH
}

fn strip_credentials(headers: &mut HeaderMap) {
    let names: Vec<HeaderName> = headers
        .iter()
        .filter(|(name, value)| is_credential(name, value))
        .map(|(name, _)| name.clone())
        .collect();
    for name in names {
        headers.remove(&name);
    }
    headers.remove(HOST);
}

/// The state of one logical request across redirect hops.
pub(crate) struct Hops {
    /// URIs answered with a redirect so far (allocated only once a redirect happens).
    visited: Vec<Uri>,
    count: usize,
    /// Whether the original request carries a body.
    has_body: bool,
}

impl Hops {
    pub(crate) fn new(has_body: bool) -> Self {
        Self {
            visited: Vec::new(),
            count: 0,
            has_body,
        }
    }
}

/// A redirect that may be followed: the new URI, and whether the body must be sent again.
pub(crate) struct Follow {
    pub(crate) target: Uri,
    pub(crate) location: String,
}

impl ValidPolicy {
    /// Whether redirects are followed at all.
    pub(crate) fn follows(&self) -> bool {
        self.follow
    }

    /// Decides on the redirect `response` to (`method`, `uri`, `headers`) under rules 1–6.
    ///
    /// On success, `headers` have been stripped of credentials if the hop changes origin,
    /// an https upgrade has been remembered, and `uri` is recorded as visited.
    pub(crate) fn decide(
        &self,
        memory: &UpgradeMemory,
        hops: &mut Hops,
        response: &Response<Body>,
        method: &Method,
        uri: &Uri,
        headers: &mut HeaderMap,
    ) -> Result<Follow, RedirectError> {
        let status = response.status();
        let from = display_uri(uri);
        let target = resolve_location(response, uri, status, &from)?;
        hops.count += 1;
        if hops.count > self.max_hops {
            return Err(RedirectError::TooManyHops {
                limit: self.max_hops,
                from,
            });
        }
        if &target == uri || hops.visited.contains(&target) {
            return Err(RedirectError::Loop {
                location: display_uri(&target),
            });
        }
        let (Some(current), Some(next)) = (Origin::of(uri), Origin::of(&target)) else {
            return Err(invalid_location(status, &from, &target.to_string()));
        };
        let location = display_uri(&target);
        if current.scheme == "https" && next.scheme == "http" {
            return Err(RedirectError::Downgrade { from, location });
        }
        let upgrade =
            current.scheme == "http" && next.scheme == "https" && current.host == next.host;
        let safe_method = method == Method::GET || method == Method::HEAD;
        let keep_method = match status {
            StatusCode::SEE_OTHER => safe_method,
            StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => safe_method || upgrade,
            _ => true, // 307, 308
        };
        if !keep_method {
            return Err(RedirectError::MethodChange {
                status,
                method: method.clone(),
                from,
                location,
            });
        }
        if current != next && !upgrade {
            let carries_credentials = headers.iter().any(|(n, v)| is_credential(n, v));
            if (hops.has_body || carries_credentials) && !self.allowed.contains(&next) {
                return Err(RedirectError::CrossOrigin {
                    from,
                    location,
                    target_origin: next.display(),
                    carries: match (hops.has_body, carries_credentials) {
                        (true, true) => "a body and credentials",
                        (true, false) => "a body",
                        _ => "credentials",
                    },
                });
            }
            strip_credentials(headers);
        }
        if upgrade {
            memory.remember(&current, next.port);
        }
        tracing::debug!(status = status.as_u16(), from = %from, to = %location, "following redirect");
        hops.visited.push(uri.clone());
        Ok(Follow { target, location })
    }
}

fn invalid_location(status: StatusCode, from: &str, raw: &str) -> RedirectError {
    RedirectError::InvalidLocation {
        status,
        from: from.to_owned(),
        // Without any query string (it may carry a token), and bounded.
        location: raw
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
    }
}

/// Resolves `Location` against the URI that answered (RFC 3986 reference resolution).
fn resolve_location(
    response: &Response<Body>,
    base: &Uri,
    status: StatusCode,
    from: &str,
) -> Result<Uri, RedirectError> {
    let Some(value) = response.headers().get(LOCATION) else {
        return Err(RedirectError::MissingLocation {
            status,
            from: from.to_owned(),
        });
    };
    let raw = String::from_utf8_lossy(value.as_bytes());
    let invalid = || invalid_location(status, from, &raw);
    let base = url::Url::parse(&base.to_string()).map_err(|_| invalid())?;
    let mut joined = base.join(raw.trim()).map_err(|_| invalid())?;
    if !matches!(joined.scheme(), "http" | "https") || joined.host_str().is_none() {
        return Err(invalid());
    }
    // The fragment is never sent to the server.
    joined.set_fragment(None);
    joined.as_str().parse::<Uri>().map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_fill_default_ports() {
        let a = Origin::of(&Uri::from_static("https://Example.com/x"));
        let b = Origin::of(&Uri::from_static("https://example.com:443/y"));
        assert_eq!(a, b);
        assert_ne!(a, Origin::of(&Uri::from_static("http://example.com/")));
    }

    #[test]
    fn invalid_allowed_origin_is_a_config_error() {
        let err = RedirectPolicy::default()
            .allow_origin("not a url")
            .validate()
            .err();
        assert!(
            matches!(err, Some(ConfigError::InvalidAllowedOrigin { .. })),
            "{err:?}"
        );
        let ok = RedirectPolicy::default()
            .allow_origin("https://pod.example.com")
            .validate();
        assert!(ok.is_ok());
    }

    #[test]
    fn credentials_are_stripped_including_sensitive_ones() {
        let mut headers = HeaderMap::new();
        headers.insert("x-tableau-auth", http::HeaderValue::from_static("token"));
        headers.insert(AUTHORIZATION, http::HeaderValue::from_static("Bearer x"));
        let mut secret = http::HeaderValue::from_static("s");
        secret.set_sensitive(true);
        headers.insert("x-custom-secret", secret);
        headers.insert("accept", http::HeaderValue::from_static("application/xml"));
        strip_credentials(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key("accept"));
    }

    #[test]
    fn upgrade_memory_rewrites_only_remembered_origins() {
        let memory = UpgradeMemory::default();
        let from = Origin::of(&Uri::from_static("http://h.example:8080/"))
            .unwrap_or_else(|| unreachable!());
        memory.remember(&from, 8443);
        let upgraded = memory.apply(&Uri::from_static("http://h.example:8080/api?x=1"));
        assert_eq!(
            upgraded,
            Some(Uri::from_static("https://h.example:8443/api?x=1"))
        );
        assert_eq!(
            memory.apply(&Uri::from_static("http://other.example:8080/")),
            None
        );
    }
}
