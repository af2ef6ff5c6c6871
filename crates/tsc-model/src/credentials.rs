//! The sign-in / switch-site response: `<tsResponse><credentials token=…>`.

use std::time::Duration;

use secrecy::SecretString;

use crate::Error;
use crate::common::decode_single;
use crate::xml::{Elem, Parser};

/// A successful sign-in or switch-site response.
///
/// ```
/// use secrecy::ExposeSecret;
/// use tsc_model::SignInResponse;
/// let body = br#"<tsResponse xmlns="http://tableau.com/api">
///   <credentials token="abc" estimatedTimeToExpiration="173:21:12">
///     <site id="6b7179ba-b82b-4f0f-91ed-812074ac5da6" contentUrl="Samples"/>
///     <user id="1a96d216-e9b8-497b-a82a-0b899a965e01"/>
///   </credentials></tsResponse>"#;
/// let signed_in = SignInResponse::from_xml(body)?;
/// assert_eq!(signed_in.token.expose_secret(), "abc");
/// assert_eq!(signed_in.site.content_url, "Samples");
/// assert!(!format!("{signed_in:?}").contains("abc"));
/// # Ok::<(), tsc_model::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SignInResponse {
    /// The session token to send as `X-Tableau-Auth`. Opaque: never parse it.
    pub token: SecretString,
    /// `estimatedTimeToExpiration`, sent on personal access token sign-ins: how long until the
    /// token (the PAT, per TSC issue #1197) expires.
    pub estimated_time_to_expiration: Option<TimeToExpiration>,
    /// The site signed in to.
    pub site: SiteRef,
    /// The signed-in user (the impersonated user when impersonating).
    pub user: UserRef,
}

/// The site of a session: `credentials/site`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SiteRef {
    /// Site LUID, used in `/sites/{id}/…` URLs.
    pub id: String,
    /// The site's content URL; `""` is the Default site (also when the attribute is absent).
    pub content_url: String,
}

/// The user of a session: `credentials/user`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserRef {
    /// User LUID.
    pub id: String,
}

/// `estimatedTimeToExpiration`, raw text always kept.
///
/// Interpretation (UNCONFIRMED by Tableau's docs, following third-party parsers of observed
/// values such as `173:21:12`): `days:hours:minutes`. [`parsed`](Self::parsed) is set only when
/// the text has exactly that shape, with hours below 24 and minutes below 60.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TimeToExpiration {
    /// The attribute text as sent.
    pub raw: String,
    /// The duration, when `raw` has the `D:HH:MM` shape.
    pub parsed: Option<Duration>,
}

impl TimeToExpiration {
    /// Interprets `raw` as `days:hours:minutes`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tsc_model::TimeToExpiration;
    /// let t = TimeToExpiration::parse("173:21:12");
    /// assert_eq!(t.parsed, Some(Duration::from_secs(((173 * 24 + 21) * 60 + 12) * 60)));
    /// assert_eq!(TimeToExpiration::parse("1:99:00").parsed, None);
    /// ```
    pub fn parse(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let parsed = parse_days_hours_minutes(raw.trim());
        TimeToExpiration { raw, parsed }
    }
}

fn parse_days_hours_minutes(text: &str) -> Option<Duration> {
    let mut parts = text.split(':');
    let (days, hours, minutes) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let number = |s: &str, max_len: usize| -> Option<u64> {
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let days = number(days, 6)?;
    let hours = number(hours, 2).filter(|h| *h < 24)?;
    let minutes = number(minutes, 2).filter(|m| *m < 60)?;
    Some(Duration::from_secs(
        ((days * 24 + hours) * 60 + minutes) * 60,
    ))
}

impl SignInResponse {
    /// Decodes a sign-in or switch-site response body.
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        decode_single(
            body,
            "a sign-in response",
            "credentials",
            decode_credentials,
        )
    }
}

fn decode_credentials<'a>(
    parser: &mut Parser<'a>,
    elem: Elem<'a>,
) -> Result<SignInResponse, Error> {
    const PATH: &str = "tsResponse/credentials";
    let (mut token, mut expiration) = (None, None);
    for attr in elem.attrs(parser, PATH) {
        let attr = attr?;
        match attr.name() {
            "token" => token = Some(SecretString::from(attr.secret()?)),
            "estimatedTimeToExpiration" => {
                expiration = Some(TimeToExpiration::parse(attr.string()?));
            }
            _ => {}
        }
    }
    let (mut site, mut user) = (None, None);
    while let Some(child) = parser.next_child(&elem)? {
        match child.local_name() {
            "site" if site.is_none() => {
                const SITE: &str = "tsResponse/credentials/site";
                let (mut id, mut content_url) = (None, String::new());
                for attr in child.attrs(parser, SITE) {
                    let attr = attr?;
                    match attr.name() {
                        "id" => id = Some(attr.string()?),
                        "contentUrl" => content_url = attr.string()?,
                        _ => {}
                    }
                }
                let id = id.ok_or(Error::MissingAttribute {
                    element: SITE,
                    attribute: "id",
                })?;
                site = Some(SiteRef { id, content_url });
                parser.skip(child)?;
            }
            "user" if user.is_none() => {
                const USER: &str = "tsResponse/credentials/user";
                let mut id = None;
                for attr in child.attrs(parser, USER) {
                    let attr = attr?;
                    if attr.name() == "id" {
                        id = Some(attr.string()?);
                    }
                }
                let id = id.ok_or(Error::MissingAttribute {
                    element: USER,
                    attribute: "id",
                })?;
                user = Some(UserRef { id });
                parser.skip(child)?;
            }
            _ => parser.skip(child)?,
        }
    }
    Ok(SignInResponse {
        token: token.ok_or(Error::MissingAttribute {
            element: PATH,
            attribute: "token",
        })?,
        estimated_time_to_expiration: expiration,
        site: site.ok_or(Error::MissingElement {
            name: "site",
            parent: PATH,
        })?,
        user: user.ok_or(Error::MissingElement {
            name: "user",
            parent: PATH,
        })?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_to_expiration_shapes() {
        let day = 24 * 3600;
        let cases = [
            ("173:21:12", Some(173 * day + 21 * 3600 + 12 * 60)),
            ("177:05:38", Some(177 * day + 5 * 3600 + 38 * 60)),
            ("0:00:00", Some(0)),
            ("1:23:59", Some(day + 23 * 3600 + 59 * 60)),
            ("1:24:00", None),
            ("1:00:60", None),
            ("1:00", None),
            ("1:00:00:00", None),
            ("a:b:c", None),
            ("-1:00:00", None),
            ("", None),
            ("9999999:00:00", None),
        ];
        for (raw, secs) in cases {
            let t = TimeToExpiration::parse(raw);
            assert_eq!(t.raw, raw);
            assert_eq!(t.parsed, secs.map(Duration::from_secs), "{raw}");
        }
    }
}
