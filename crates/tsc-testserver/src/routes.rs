//! Path routing: API version parsing, route identification, version floors.

use std::fmt;

/// A REST API version, compared numerically per component (`3.10 > 3.9`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    /// Major component.
    pub major: u32,
    /// Minor component.
    pub minor: u32,
}

impl ApiVersion {
    /// Builds a version.
    pub const fn new(major: u32, minor: u32) -> Self {
        ApiVersion { major, minor }
    }

    /// Parses `MAJOR.MINOR` (digits only, nothing else).
    ///
    /// ```
    /// use tsc_testserver::ApiVersion;
    /// assert!(ApiVersion::parse("3.10").unwrap() > ApiVersion::parse("3.9").unwrap());
    /// assert!(ApiVersion::parse("3").is_none());
    /// assert!(ApiVersion::parse("2.0.1").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.split_once('.')?;
        let digits =
            |x: &str| !x.is_empty() && x.len() <= 4 && x.bytes().all(|c| c.is_ascii_digit());
        if !digits(a) || !digits(b) {
            return None;
        }
        Some(ApiVersion::new(a.parse().ok()?, b.parse().ok()?))
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The routes the emulator knows; used for counters and per-route fault injection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Route {
    /// `POST /api/{v}/auth/signin`
    SignIn,
    /// `POST /api/{v}/auth/signout`
    SignOut,
    /// `POST /api/{v}/auth/switchSite`
    SwitchSite,
    /// `GET /api/{v}/serverinfo` (any case)
    ServerInfo,
    /// `GET /api/{v}/sessions/current`
    SessionsCurrent,
    /// `GET /api/{v}/sites`
    Sites,
    /// `GET /api/{v}/sites/{id | name?key=name | contentUrl?key=contentUrl}`
    Site,
    /// `GET /api/{v}/sites/{site-luid}/workbooks`
    Workbooks,
    /// `GET /api/{v}/sites/{site-luid}/workbooks/{workbook-luid}`
    Workbook,
    /// Legacy `GET /auth?format=xml` (when enabled).
    LegacyAuthInfo,
    /// The plain-HTTP listener's redirect answer.
    HttpRedirect,
    /// Anything else (answered 404 `404003`).
    Unknown,
}

impl Route {
    /// Every route, for iteration.
    pub const ALL: [Route; 12] = [
        Route::SignIn,
        Route::SignOut,
        Route::SwitchSite,
        Route::ServerInfo,
        Route::SessionsCurrent,
        Route::Sites,
        Route::Site,
        Route::Workbooks,
        Route::Workbook,
        Route::LegacyAuthInfo,
        Route::HttpRedirect,
        Route::Unknown,
    ];

    /// A stable dotted name, used as the counter key.
    pub fn name(self) -> &'static str {
        match self {
            Route::SignIn => "auth.signin",
            Route::SignOut => "auth.signout",
            Route::SwitchSite => "auth.switchSite",
            Route::ServerInfo => "serverinfo",
            Route::SessionsCurrent => "sessions.current",
            Route::Sites => "sites.list",
            Route::Site => "sites.get",
            Route::Workbooks => "workbooks.list",
            Route::Workbook => "workbooks.get",
            Route::LegacyAuthInfo => "legacy.authinfo",
            Route::HttpRedirect => "http.redirect",
            Route::Unknown => "unknown",
        }
    }

    /// The lowest API version that serves this route. `sessions/current`'s floor is
    /// unconfirmed; 3.0 is our choice.
    pub fn floor(self) -> ApiVersion {
        match self {
            Route::SwitchSite => ApiVersion::new(2, 6),
            Route::ServerInfo => ApiVersion::new(2, 4),
            Route::SessionsCurrent => ApiVersion::new(3, 0),
            _ => ApiVersion::new(2, 0),
        }
    }

    /// The one HTTP method the route accepts.
    pub fn method(self) -> &'static str {
        match self {
            Route::SignIn | Route::SignOut | Route::SwitchSite => "POST",
            _ => "GET",
        }
    }
}

/// A routed path.
#[derive(Debug, Clone)]
pub(crate) struct Matched {
    pub(crate) route: Route,
    /// The version in the path (`None` for non-`/api` routes).
    pub(crate) version: Option<ApiVersion>,
    /// The raw version text (for error messages), empty when absent.
    pub(crate) version_text: String,
    /// Path parameters (site, workbook) in order, percent-decoded.
    pub(crate) params: Vec<String>,
    /// The path after `/api` (for "Unknown resource" details).
    pub(crate) resource: String,
}

/// Routes a request path (query excluded). Fixed segments match case-insensitively.
pub(crate) fn classify(path: &str) -> Matched {
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let resource = path.strip_prefix("/api").unwrap_or(path).to_owned();
    let mut m = Matched {
        route: Route::Unknown,
        version: None,
        version_text: String::new(),
        params: Vec::new(),
        resource,
    };
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lower.as_slice() {
        ["auth"] => m.route = Route::LegacyAuthInfo,
        ["api", v, rest @ ..] => {
            m.version_text = (*v).to_owned();
            m.version = ApiVersion::parse(v);
            let p = |i: usize| segments.get(i + 2).cloned().unwrap_or_default();
            m.route = match rest {
                ["auth", "signin"] => Route::SignIn,
                ["auth", "signout"] => Route::SignOut,
                ["auth", "switchsite"] => Route::SwitchSite,
                ["serverinfo"] => Route::ServerInfo,
                ["sessions", "current"] => Route::SessionsCurrent,
                ["sites"] => Route::Sites,
                ["sites", _] => {
                    m.params = vec![p(1)];
                    Route::Site
                }
                ["sites", _, "workbooks"] => {
                    m.params = vec![p(1)];
                    Route::Workbooks
                }
                ["sites", _, "workbooks", _] => {
                    m.params = vec![p(1), p(3)];
                    Route::Workbook
                }
                _ => Route::Unknown,
            };
        }
        _ => {}
    }
    m
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_routes_case_insensitively() {
        let m = classify("/api/3.27/serverInfo");
        assert_eq!(m.route, Route::ServerInfo);
        assert_eq!(m.version, Some(ApiVersion::new(3, 27)));
        assert_eq!(classify("/api/3.27/SERVERINFO").route, Route::ServerInfo);
        assert_eq!(
            classify("/api/2.6/auth/switchSite").route,
            Route::SwitchSite
        );
        let m = classify("/api/3.27/sites/abc/workbooks/def");
        assert_eq!(m.route, Route::Workbook);
        assert_eq!(m.params, vec!["abc".to_owned(), "def".to_owned()]);
        let m = classify("/api/3.27/sites/Marketing%20Team");
        assert_eq!(m.params, vec!["Marketing Team".to_owned()]);
        assert_eq!(classify("/api/3.27/nope").route, Route::Unknown);
        assert_eq!(classify("/auth").route, Route::LegacyAuthInfo);
        assert_eq!(classify("/").route, Route::Unknown);
        assert_eq!(classify("/api/x.y/serverinfo").version, None);
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%"), "%");
    }
}
