//! REST API versions: parsing, numeric ordering and the version floors of the sign-in surface.

use std::fmt;
use std::str::FromStr;

/// A Tableau REST API version such as `3.27`, as it appears in `/api/{version}/…` URLs and in
/// `serverInfo/restApiVersion`.
///
/// Versions order numerically per component (`3.10 > 3.9`), never as floats or strings.
///
/// ```
/// use tsc_model::ApiVersion;
///
/// let v: ApiVersion = "3.10".parse()?;
/// assert!(v > "3.9".parse()?);
/// assert_eq!(v.to_string(), "3.10");
/// assert!(v.at_least(ApiVersion::PAT));
/// assert!(!v.at_least(ApiVersion::JWT));
/// # Ok::<(), tsc_model::ParseApiVersionError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiVersion {
    // Field order matters: the derived `Ord` compares `major` first, then `minor`.
    major: u16,
    minor: u16,
}

impl ApiVersion {
    /// Sign in with a username and password (and sign out): 2.0.
    pub const SIGN_IN: ApiVersion = ApiVersion::new(2, 0);
    /// The oldest version TSC still supports (Tableau Server 10.0): 2.3.
    pub const MINIMUM_SUPPORTED: ApiVersion = ApiVersion::new(2, 3);
    /// `GET serverinfo`: 2.4. Older servers answer `404003`.
    pub const SERVER_INFO: ApiVersion = ApiVersion::new(2, 4);
    /// `POST auth/switchSite`: 2.6.
    pub const SWITCH_SITE: ApiVersion = ApiVersion::new(2, 6);
    /// Personal access token sign-in (Tableau Server 2019.4): 3.6.
    pub const PAT: ApiVersion = ApiVersion::new(3, 6);
    /// Request options are sent as percent-encoded query parameters from 3.7 (Server 2020.1).
    pub const ENCODED_QUERY_PARAMS: ApiVersion = ApiVersion::new(3, 7);
    /// Impersonation (`<user id>`) together with a personal access token (Server 2021.1): 3.11.
    pub const PAT_IMPERSONATION: ApiVersion = ApiVersion::new(3, 11);
    /// Connected-app JWT sign-in (Server 2022.3): 3.17.
    pub const JWT: ApiVersion = ApiVersion::new(3, 17);
    /// Unified Access Token JWT sign-in (`isUat="true"`, Tableau Cloud, Dec 2025): 3.27.
    pub const UAT: ApiVersion = ApiVersion::new(3, 27);
    /// The version a client starts with before asking the server, as TSC does: 2.4
    /// ("first version that dropped the legacy auth endpoint").
    pub const DEFAULT: ApiVersion = ApiVersion::new(2, 4);
    /// The newest version this crate knows of: 3.29 (schema `ts-api_3_29.xsd`, Server 26.2).
    pub const LATEST_KNOWN: ApiVersion = ApiVersion::new(3, 29);

    /// Builds a version from its two components.
    pub const fn new(major: u16, minor: u16) -> Self {
        ApiVersion { major, minor }
    }

    /// The major component (`3` in `3.27`).
    pub const fn major(self) -> u16 {
        self.major
    }

    /// The minor component (`27` in `3.27`).
    pub const fn minor(self) -> u16 {
        self.minor
    }

    /// `true` when `self` is `floor` or newer: the check a client makes before calling a method
    /// introduced in `floor`.
    pub fn at_least(self, floor: ApiVersion) -> bool {
        self >= floor
    }
}

impl Default for ApiVersion {
    /// [`ApiVersion::DEFAULT`] (2.4).
    fn default() -> Self {
        ApiVersion::DEFAULT
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl fmt::Debug for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiVersion({}.{})", self.major, self.minor)
    }
}

/// Why a string is not an [`ApiVersion`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid REST API version {input:?}: expected `<major>.<minor>` with decimal numbers, like \"3.27\""
)]
pub struct ParseApiVersionError {
    input: String,
}

impl ParseApiVersionError {
    /// The rejected input (truncated to 40 characters).
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl FromStr for ApiVersion {
    type Err = ParseApiVersionError;

    /// Parses exactly `<major>.<minor>` (ASCII digits only, no sign, no whitespace, no third
    /// component: the URL version is never an update-release triple).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseApiVersionError {
            input: s.chars().take(40).collect(),
        };
        let (major, minor) = s.split_once('.').ok_or_else(err)?;
        let component = |part: &str| -> Option<u16> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        match (component(major), component(minor)) {
            (Some(major), Some(minor)) => Ok(ApiVersion::new(major, minor)),
            _ => Err(err()),
        }
    }
}

/// Maps the product version reported by the legacy `/auth?format=xml` endpoint (Tableau Server
/// before 10.1, which has no `serverinfo`) to the REST API version it speaks, as TSC does:
/// `9.0`/`9.1` → 2.0, `9.2` → 2.1, `9.3` → 2.2, `10.0` → 2.3, anything else → 2.3
/// ([`ApiVersion::MINIMUM_SUPPORTED`]).
///
/// Unlike TSC, which looks the text up verbatim, this compares only the first two components,
/// so a full release number such as `9.3.4` maps like `9.3`.
///
/// ```
/// use tsc_model::{legacy_api_version_for_product, ApiVersion};
/// assert_eq!(legacy_api_version_for_product("9.3"), ApiVersion::new(2, 2));
/// assert_eq!(legacy_api_version_for_product("9.3.4"), ApiVersion::new(2, 2));
/// assert_eq!(legacy_api_version_for_product("hello"), ApiVersion::new(2, 3));
/// ```
pub fn legacy_api_version_for_product(product_version: &str) -> ApiVersion {
    let mut parts = product_version.trim().split('.');
    let major_minor = (parts.next(), parts.next());
    match major_minor {
        (Some("9"), Some("0" | "1")) => ApiVersion::new(2, 0),
        (Some("9"), Some("2")) => ApiVersion::new(2, 1),
        (Some("9"), Some("3")) => ApiVersion::new(2, 2),
        (Some("10"), Some("0")) => ApiVersion::new(2, 3),
        _ => ApiVersion::MINIMUM_SUPPORTED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        let v: ApiVersion = "3.27".parse().unwrap();
        assert_eq!(v, ApiVersion::new(3, 27));
        assert_eq!(v.major(), 3);
        assert_eq!(v.minor(), 27);
        assert_eq!(v.to_string(), "3.27");
        assert_eq!(format!("{v:?}"), "ApiVersion(3.27)");
        assert_eq!("2.0".parse::<ApiVersion>().unwrap(), ApiVersion::SIGN_IN);
    }

    #[test]
    fn orders_numerically_not_lexically() {
        let v310: ApiVersion = "3.10".parse().unwrap();
        let v39: ApiVersion = "3.9".parse().unwrap();
        assert!(v310 > v39);
        assert!(ApiVersion::new(10, 0) > ApiVersion::new(9, 99));
        let mut all = [
            ApiVersion::UAT,
            ApiVersion::SIGN_IN,
            v310,
            v39,
            ApiVersion::DEFAULT,
        ];
        all.sort();
        let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["2.0", "2.4", "3.9", "3.10", "3.27"]);
    }

    #[test]
    fn rejects_malformed_versions() {
        for bad in [
            "", "3", "3.", ".3", "3.27.1", "v3.27", "3,27", " 3.27", "3.27 ", "+3.1", "3.-1",
            "99999.1", "3.x", "٣.٢",
        ] {
            let err = bad.parse::<ApiVersion>().unwrap_err();
            assert_eq!(err.input(), bad, "{bad:?}");
            assert!(err.to_string().contains("invalid REST API version"));
        }
    }

    #[test]
    fn named_floors_match_the_spec() {
        let floors = [
            (ApiVersion::SIGN_IN, "2.0"),
            (ApiVersion::SERVER_INFO, "2.4"),
            (ApiVersion::SWITCH_SITE, "2.6"),
            (ApiVersion::PAT, "3.6"),
            (ApiVersion::ENCODED_QUERY_PARAMS, "3.7"),
            (ApiVersion::PAT_IMPERSONATION, "3.11"),
            (ApiVersion::JWT, "3.17"),
            (ApiVersion::UAT, "3.27"),
            (ApiVersion::DEFAULT, "2.4"),
            (ApiVersion::LATEST_KNOWN, "3.29"),
            (ApiVersion::default(), "2.4"),
        ];
        for (floor, text) in floors {
            assert_eq!(floor.to_string(), text);
        }
        assert!(ApiVersion::new(3, 6).at_least(ApiVersion::PAT));
        assert!(!ApiVersion::new(3, 5).at_least(ApiVersion::PAT));
        assert!(ApiVersion::new(3, 10).at_least(ApiVersion::new(3, 9)));
    }

    #[test]
    fn legacy_product_map_follows_tsc() {
        let cases = [
            ("9.0", "2.0"),
            ("9.1", "2.0"),
            ("9.2", "2.1"),
            ("9.3", "2.2"),
            ("10.0", "2.3"),
            ("10.0.5", "2.3"),
            ("8.3", "2.3"),
            ("", "2.3"),
        ];
        for (product, rest) in cases {
            assert_eq!(
                legacy_api_version_for_product(product).to_string(),
                rest,
                "{product}"
            );
        }
    }
}
