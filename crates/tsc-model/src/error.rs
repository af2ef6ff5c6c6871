//! The crate's error type, and the short, secret-free body excerpts it carries.

use crate::{ApiError, ParseApiVersionError};

/// Everything that can go wrong while decoding a Tableau REST body.
///
/// Every variant that quotes the body does so through a short excerpt (at most
/// [`EXCERPT_MAX_CHARS`] characters) in which the values of `token`, `password`,
/// `personalAccessTokenSecret` and `jwt` attributes (or JSON keys) are replaced by
/// `[redacted]`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The body is not XML at all: empty, an HTML page (proxies, load balancers, maintenance
    /// pages, a wrong server address), JSON, or plain text.
    #[error("response body is not XML: it looks like {kind}; it starts with {excerpt:?}")]
    NotXml {
        /// What the body looks like instead.
        kind: BodyKind,
        /// The start of the body, shortened and redacted.
        excerpt: String,
    },

    /// The body starts like XML but is not well-formed.
    #[error("malformed XML at byte {position}, near {excerpt:?}")]
    Xml {
        /// Byte offset of the problem in the body.
        position: u64,
        /// The body around `position`, shortened and redacted.
        excerpt: String,
        /// What the XML reader reported.
        #[source]
        source: quick_xml::Error,
    },

    /// An element is bound to a namespace that is neither Tableau's current one
    /// (`http://tableau.com/api`), its legacy one (`http://tableausoftware.com/api`), nor none.
    #[error(
        "unknown XML namespace {namespace:?} on <{element}>: expected \"http://tableau.com/api\", \"http://tableausoftware.com/api\" or no namespace"
    )]
    UnknownNamespace {
        /// The namespace URI found (or a description of an undeclared prefix).
        namespace: String,
        /// The element carrying it, as written in the body.
        element: String,
    },

    /// The document's root element is not the one this decoder reads.
    #[error("expected root element <{expected}>, found <{found}>")]
    UnexpectedRoot {
        /// The root this decoder reads (`tsResponse`, `tsRequest`, `authinfo`).
        expected: &'static str,
        /// The root found, as written in the body (shortened).
        found: String,
    },

    /// A required element is absent.
    #[error("missing element <{name}> in <{parent}>")]
    MissingElement {
        /// Local name of the missing element.
        name: &'static str,
        /// Path of the element that should contain it.
        parent: &'static str,
    },

    /// A required attribute is absent.
    #[error("missing attribute {element}/@{attribute}")]
    MissingAttribute {
        /// Path of the element that should carry it.
        element: &'static str,
        /// The attribute's name.
        attribute: &'static str,
    },

    /// An element or attribute is present but its value cannot be decoded.
    #[error("cannot decode {what}{near}", near = near(.excerpt))]
    Decode {
        /// Path of the element or attribute, e.g. `tsResponse/pagination/@pageSize`.
        what: String,
        /// The body around the problem, shortened and redacted (empty for JSON bodies,
        /// where `what` is the JSON path).
        excerpt: String,
        /// Why the value was rejected.
        #[source]
        source: ValueError,
    },

    /// The body is not JSON (feature `json`): empty, XML, an HTML page, or plain text.
    #[cfg(feature = "json")]
    #[error("response body is not JSON: it looks like {kind}; it starts with {excerpt:?}")]
    NotJson {
        /// What the body looks like instead.
        kind: BodyKind,
        /// The start of the body, shortened and redacted.
        excerpt: String,
    },

    /// The body starts like JSON but does not parse (feature `json`).
    #[cfg(feature = "json")]
    #[error("malformed JSON, near {excerpt:?}")]
    Json {
        /// The body around the problem, shortened and redacted.
        excerpt: String,
        /// The JSON parser's report (a syntax error: it never quotes values).
        #[source]
        source: serde_json::Error,
    },

    /// The document exceeds a structural limit that no real response comes near, set so that
    /// hostile input cannot make decoding quadratic.
    #[error("the document has more {what} than the limit of {limit}")]
    LimitExceeded {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: usize,
    },

    /// The body is a well-formed Tableau error document (`<tsResponse><error code=…>`), not
    /// the response that was expected. Status-code handling normally catches this first.
    #[error("expected {expected} but the body is a Tableau error response")]
    ErrorResponse {
        /// What the decoder was asked for.
        expected: &'static str,
        /// The decoded error document.
        #[source]
        error: Box<ApiError>,
    },
}

/// Why one value (an attribute or an element's text) could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// Not a decimal integer in range.
    #[error("not an integer in range")]
    Integer(#[source] std::num::ParseIntError),
    /// Not a `<major>.<minor>` version.
    #[error("not a REST API version")]
    ApiVersion(#[source] ParseApiVersionError),
    /// An entity or character reference that XML does not define.
    #[error("invalid entity or character reference")]
    Escape(#[source] quick_xml::escape::EscapeError),
    /// The value belongs to a secret (password, token, JWT); the details are withheld so the
    /// secret cannot leak through the error.
    #[error("invalid value in a secret field (details withheld)")]
    Secret,
    /// The attribute list of an element is malformed (missing quotes, `=`, …).
    #[error("malformed attribute")]
    Attribute(#[source] quick_xml::events::attributes::AttrError),
    /// The same attribute appears twice on one element.
    #[error("duplicate attribute")]
    DuplicateAttribute,
    /// A JSON value of the wrong kind (an object or array where text was expected).
    #[error("wrong JSON type")]
    JsonType,
    /// Any other failure the XML reader reports for a value.
    #[error("invalid value")]
    Xml(#[source] quick_xml::Error),
}

fn near(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!(", near {excerpt:?}")
    }
}

/// What a non-XML body looks like, for [`Error::NotXml`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyKind {
    /// Zero bytes or only whitespace.
    Empty,
    /// An HTML page (`<!DOCTYPE html` or `<html`).
    Html,
    /// A JSON document (starts with `{` or `[`).
    Json,
    /// Anything else that does not start with `<`.
    Text,
    /// An XML document (when JSON was expected).
    Xml,
}

impl std::fmt::Display for BodyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BodyKind::Empty => "an empty body",
            BodyKind::Html => "an HTML page (wrong address, proxy or maintenance page?)",
            BodyKind::Json => "JSON (was `Accept: application/json` sent?)",
            BodyKind::Text => "plain text",
            BodyKind::Xml => "XML (was `Accept: application/json` sent?)",
        })
    }
}

/// Longest excerpt, in characters, that an [`Error`] quotes from a body.
pub const EXCERPT_MAX_CHARS: usize = 200;

/// Names whose values are secrets. Matched case-insensitively, as attribute (`name=`) or JSON
/// key (`"name":`).
const SECRET_NAMES: [&[u8]; 4] = [b"personalaccesstokensecret", b"password", b"token", b"jwt"];

const REDACTED: &str = "[redacted]";

/// Byte ranges of secret values in `body` (the text between the quotes after `token=` etc.).
fn secret_ranges(body: &[u8]) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let matched = SECRET_NAMES.iter().find(|name| {
            body.len() - i >= name.len() && body[i..i + name.len()].eq_ignore_ascii_case(name)
        });
        let Some(name) = matched else {
            i += 1;
            continue;
        };
        let mut j = i + name.len();
        // JSON form: `"token"` then `:`.
        if body.get(j) == Some(&b'"') {
            j += 1;
        }
        while body.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if !matches!(body.get(j), Some(b'=' | b':')) {
            i += name.len();
            continue;
        }
        j += 1;
        while body.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        let start = match body.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                let start = j + 1;
                let end = body[start..]
                    .iter()
                    .position(|&b| b == q)
                    .map_or(body.len(), |p| start + p);
                ranges.push((start, end));
                i = end;
                continue;
            }
            _ => j,
        };
        // Unquoted value (malformed XML): redact up to the next delimiter.
        let end = body[start..]
            .iter()
            .position(|&b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/' | b',' | b'}' | b'<'))
            .map_or(body.len(), |p| start + p);
        if end > start {
            ranges.push((start, end));
        }
        i = end.max(i + 1);
    }
    ranges
}

/// A short, redacted, whitespace-collapsed excerpt of `body` around byte `position`.
pub(crate) fn excerpt(body: &[u8], position: usize) -> String {
    const BEFORE: usize = 120;
    let position = position.min(body.len());
    let from = position.saturating_sub(BEFORE);
    let to = (from + EXCERPT_MAX_CHARS).min(body.len());
    excerpt_range(body, from, to)
}

/// A short, redacted excerpt of the start of `body`.
pub(crate) fn excerpt_start(body: &[u8]) -> String {
    let from = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    excerpt_range(body, from, (from + EXCERPT_MAX_CHARS).min(body.len()))
}

fn excerpt_range(body: &[u8], from: usize, to: usize) -> String {
    // Redact over the whole body so that a window starting inside a secret value still hides it.
    let ranges = secret_ranges(body);
    let mut bytes: Vec<u8> = Vec::with_capacity(to - from);
    let mut i = from;
    while i < to {
        if let Some(&(_, end)) = ranges.iter().find(|(s, e)| *s <= i && i < *e) {
            bytes.extend_from_slice(REDACTED.as_bytes());
            i = end;
            continue;
        }
        bytes.push(body[i]);
        i += 1;
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for c in text.chars() {
        let space = c.is_whitespace();
        if !(space && last_space) {
            out.push(if space { ' ' } else { c });
        }
        last_space = space;
    }
    out.chars().take(EXCERPT_MAX_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_secret_kind() {
        let body = br#"<credentials token="T0K3N" password='pw"x' personalAccessTokenSecret="PAT-S3CRET" jwt="eyJ.a.b" name="alice" personalAccessTokenName="nightly"/> {"token": "JSONTOK", "Password":"p2"} jwt=bare>"#;
        let text = excerpt(body, 0);
        for secret in [
            "T0K3N",
            "pw\"x",
            "PAT-S3CRET",
            "eyJ",
            "JSONTOK",
            "p2",
            "bare",
        ] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
        assert!(text.contains("alice"), "{text}");
        assert!(text.contains("nightly"), "{text}");
        assert!(text.contains(r#"token="[redacted]""#), "{text}");
    }

    #[test]
    fn window_starting_inside_a_secret_still_hides_it() {
        let mut body = Vec::new();
        body.extend_from_slice(br#"<credentials token=""#);
        body.extend_from_slice(&[b'S'; 400]);
        body.extend_from_slice(br#""><site/></credentials>"#);
        let text = excerpt(&body, 300);
        assert!(!text.contains('S'), "{text}");
        assert!(text.starts_with(REDACTED), "{text}");
    }

    #[test]
    fn excerpt_is_short_and_collapses_whitespace() {
        let body = format!("<a>\n\n   {}</a>", "x".repeat(1000));
        let text = excerpt(body.as_bytes(), 500);
        assert!(text.chars().count() <= EXCERPT_MAX_CHARS);
        assert_eq!(excerpt_start(b"  <a>\n\n  <b/>"), "<a> <b/>");
        assert_eq!(excerpt_start(b""), "");
    }
}
