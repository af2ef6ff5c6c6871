//! Parsing the request bodies the emulator accepts: sign-in and switch-site, XML or JSON.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use secrecy::SecretString;
use serde_json::Value;

/// The credential kinds of a sign-in.
pub(crate) enum Credentials {
    Password {
        name: String,
        password: SecretString,
    },
    Pat {
        name: String,
        secret: SecretString,
    },
    Jwt {
        token: SecretString,
        is_uat: bool,
    },
}

/// A parsed sign-in request.
pub(crate) struct SignInRequest {
    pub(crate) credentials: Credentials,
    pub(crate) site: String,
    pub(crate) impersonate: Option<String>,
}

/// Why a body was rejected (answered 400 `400000`). Never contains secret values.
#[derive(Debug)]
pub(crate) struct Malformed(pub(crate) &'static str);

type Attrs = Vec<(String, String)>;

fn attrs_of(e: &BytesStart<'_>) -> Result<Attrs, Malformed> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|_| Malformed("malformed XML attribute"))?;
        let key = a.key.local_name().as_ref().to_owned();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|_| Malformed("malformed XML attribute value"))?
            .into_owned();
        out.push((key, value));
    }
    Ok(out)
}

fn get(attrs: &Attrs, name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The elements of interest inside `tsRequest`, found by local name and nesting.
#[derive(Default)]
struct XmlRequest {
    credentials: Option<Attrs>,
    credentials_site: Option<Attrs>,
    credentials_user: Option<Attrs>,
    top_site: Option<Attrs>,
}

fn read_xml(body: &[u8]) -> Result<XmlRequest, Malformed> {
    let text = std::str::from_utf8(body).map_err(|_| Malformed("body is not UTF-8"))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut out = XmlRequest::default();
    let mut saw_root = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|_| Malformed("malformed XML"))?;
        let (start, is_empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let Some(e) = start else { continue };
        let name = e.local_name().as_ref().to_owned();
        let path: Vec<&str> = stack.iter().map(String::as_str).collect();
        match (path.as_slice(), name.as_str()) {
            ([], "tsRequest") => saw_root = true,
            ([], _) => return Err(Malformed("root element is not tsRequest")),
            (["tsRequest"], "credentials") => out.credentials = Some(attrs_of(&e)?),
            (["tsRequest"], "site") => out.top_site = Some(attrs_of(&e)?),
            (["tsRequest", "credentials"], "site") => out.credentials_site = Some(attrs_of(&e)?),
            (["tsRequest", "credentials"], "user") => out.credentials_user = Some(attrs_of(&e)?),
            _ => {}
        }
        if !is_empty {
            stack.push(name);
        }
    }
    if !saw_root || !stack.is_empty() {
        return Err(Malformed("incomplete XML document"));
    }
    Ok(out)
}

/// `isUat` as sent by TSC (`"true"`/`"false"`) or tableau-mcp (a JSON boolean).
fn truthy(v: &str) -> bool {
    v.eq_ignore_ascii_case("true")
}

fn credentials_from(
    get_attr: impl Fn(&str) -> Option<String>,
    is_uat: bool,
) -> Result<Credentials, Malformed> {
    if let Some(token) = get_attr("jwt") {
        return Ok(Credentials::Jwt {
            token: SecretString::from(token),
            is_uat,
        });
    }
    if let Some(name) = get_attr("personalAccessTokenName") {
        let secret = get_attr("personalAccessTokenSecret")
            .ok_or(Malformed("personalAccessTokenSecret is missing"))?;
        return Ok(Credentials::Pat {
            name,
            secret: SecretString::from(secret),
        });
    }
    if let Some(name) = get_attr("name") {
        let password = get_attr("password").ok_or(Malformed("password is missing"))?;
        return Ok(Credentials::Password {
            name,
            password: SecretString::from(password),
        });
    }
    Err(Malformed(
        "credentials carry no known credential attributes",
    ))
}

/// Parses a sign-in body. `json` follows the request's `Content-Type`.
pub(crate) fn parse_sign_in(body: &[u8], json: bool) -> Result<SignInRequest, Malformed> {
    if json {
        let v: Value = serde_json::from_slice(body).map_err(|_| Malformed("malformed JSON"))?;
        let c = v
            .get("credentials")
            .filter(|c| c.is_object())
            .ok_or(Malformed("credentials object is missing"))?;
        let s = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
        let is_uat = match c.get("isUat") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => truthy(s),
            _ => false,
        };
        let credentials = credentials_from(s, is_uat)?;
        let site = c
            .get("site")
            .and_then(|s| s.get("contentUrl"))
            .and_then(Value::as_str)
            .ok_or(Malformed("site contentUrl is missing"))?
            .to_owned();
        let impersonate = c
            .get("user")
            .and_then(|u| u.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        return Ok(SignInRequest {
            credentials,
            site,
            impersonate,
        });
    }
    let x = read_xml(body)?;
    let attrs = x
        .credentials
        .ok_or(Malformed("credentials element is missing"))?;
    let is_uat = get(&attrs, "isUat").is_some_and(|v| truthy(&v));
    let credentials = credentials_from(|k| get(&attrs, k), is_uat)?;
    let site = x
        .credentials_site
        .and_then(|s| get(&s, "contentUrl"))
        .ok_or(Malformed("site contentUrl is missing"))?;
    let impersonate = x.credentials_user.and_then(|u| get(&u, "id"));
    Ok(SignInRequest {
        credentials,
        site,
        impersonate,
    })
}

/// Parses a switch-site body; returns the target content URL.
pub(crate) fn parse_switch_site(body: &[u8], json: bool) -> Result<String, Malformed> {
    if json {
        let v: Value = serde_json::from_slice(body).map_err(|_| Malformed("malformed JSON"))?;
        return v
            .get("site")
            .and_then(|s| s.get("contentUrl"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(Malformed("site contentUrl is missing"));
    }
    read_xml(body)?
        .top_site
        .and_then(|s| get(&s, "contentUrl"))
        .ok_or(Malformed("site contentUrl is missing"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn parses_tsc_password_body() {
        let r = parse_sign_in(
            br#"<tsRequest><credentials name="u" password="p&amp;q"><site contentUrl="" /><user id="abc" /></credentials></tsRequest>"#,
            false,
        )
        .map_err(|m| m.0)
        .expect("valid");
        match r.credentials {
            Credentials::Password { name, password } => {
                assert_eq!(name, "u");
                assert_eq!(password.expose_secret(), "p&q");
            }
            _ => panic!("wrong kind"),
        }
        assert_eq!(r.site, "");
        assert_eq!(r.impersonate.as_deref(), Some("abc"));
    }

    #[test]
    fn parses_namespaced_and_jwt_bodies() {
        let r = parse_sign_in(
            br#"<?xml version="1.0"?><ts:tsRequest xmlns:ts="http://tableau.com/api"><ts:credentials jwt="a.b.c" isUat="true"><ts:site contentUrl="S"/></ts:credentials></ts:tsRequest>"#,
            false,
        )
        .map_err(|m| m.0)
        .expect("valid");
        assert!(matches!(
            r.credentials,
            Credentials::Jwt { is_uat: true, .. }
        ));
        assert_eq!(r.site, "S");
    }

    #[test]
    fn parses_json_bodies() {
        let r = parse_sign_in(
            br#"{"credentials":{"personalAccessTokenName":"n","personalAccessTokenSecret":"s","site":{"contentUrl":"M"}}}"#,
            true,
        )
        .map_err(|m| m.0)
        .expect("valid");
        assert!(matches!(r.credentials, Credentials::Pat { .. }));
        let r = parse_sign_in(
            br#"{"credentials":{"jwt":"x","isUat":true,"site":{"contentUrl":"M"}}}"#,
            true,
        )
        .map_err(|m| m.0)
        .expect("valid");
        assert!(matches!(
            r.credentials,
            Credentials::Jwt { is_uat: true, .. }
        ));
    }

    #[test]
    fn rejects_malformed_bodies() {
        for body in [
            &b""[..],
            b"<tsRequest>",
            b"<other/>",
            b"<tsRequest><credentials name=\"u\" password=\"p\"/></tsRequest>",
            b"<tsRequest><credentials><site contentUrl=\"\"/></credentials></tsRequest>",
            b"<tsRequest><credentials name=\"u\"><site contentUrl=\"\"/></credentials></tsRequest>",
            b"\xff\xfe",
        ] {
            assert!(parse_sign_in(body, false).is_err(), "{body:?}");
        }
        assert!(parse_sign_in(b"{}", true).is_err());
        assert!(parse_sign_in(b"not json", true).is_err());
    }

    #[test]
    fn parses_switch_site() {
        assert_eq!(
            parse_switch_site(
                br#"<tsRequest><site contentUrl="Finance" /></tsRequest>"#,
                false
            )
            .map_err(|m| m.0)
            .expect("valid"),
            "Finance"
        );
        assert_eq!(
            parse_switch_site(br#"{"site":{"contentUrl":""}}"#, true)
                .map_err(|m| m.0)
                .expect("valid"),
            ""
        );
        assert!(parse_switch_site(b"<tsRequest/>", false).is_err());
    }
}
