//! Helpers shared by the integration tests: drive the in-memory service and read XML.
#![allow(dead_code, unreachable_pub)]

use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use quick_xml::events::Event;
use tower::ServiceExt;
use tsc_testserver::TestServer;

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// First `elem`'s attribute `attr` (local names).
    pub fn attr(&self, elem: &str, attr: &str) -> Option<String> {
        attrs_of(&self.body, elem)
            .into_iter()
            .next()
            .and_then(|a| a.into_iter().find(|(k, _)| k == attr).map(|(_, v)| v))
    }

    /// Every `elem`'s attribute `attr`.
    pub fn attrs(&self, elem: &str, attr: &str) -> Vec<String> {
        attrs_of(&self.body, elem)
            .into_iter()
            .filter_map(|a| a.into_iter().find(|(k, _)| k == attr).map(|(_, v)| v))
            .collect()
    }

    pub fn error_code(&self) -> Option<String> {
        self.attr("error", "code")
    }

    pub fn token(&self) -> String {
        self.attr("credentials", "token")
            .expect("credentials token")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

/// Attributes of every element with local name `elem`; panics on malformed XML.
pub fn attrs_of(xml: &str, elem: &str) -> Vec<Vec<(String, String)>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == elem => {
                out.push(
                    e.attributes()
                        .map(|a| {
                            let a = a.expect("attribute");
                            (
                                a.key.local_name().as_ref().to_owned(),
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .expect("value")
                                    .into_owned(),
                            )
                        })
                        .collect(),
                );
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

pub async fn call(
    server: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut req = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(body.to_owned()).expect("request");
    let resp = server.service().oneshot(req).await.expect("infallible");
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
    }
}

pub async fn get(server: &TestServer, path: &str, token: &str) -> Reply {
    call(server, "GET", path, &[("X-Tableau-Auth", token)], "").await
}

pub fn pat_body(site: &str) -> String {
    format!(
        r#"<tsRequest><credentials personalAccessTokenName="quickstart" personalAccessTokenSecret="quickstart-secret"><site contentUrl="{site}" /></credentials></tsRequest>"#
    )
}

pub fn password_body(name: &str, password: &str, site: &str) -> String {
    format!(
        r#"<tsRequest><credentials name="{name}" password="{password}"><site contentUrl="{site}" /></credentials></tsRequest>"#
    )
}

pub fn jwt_body(jwt: &str, uat: bool, site: &str) -> String {
    format!(
        r#"<tsRequest><credentials jwt="{jwt}" isUat="{uat}"><site contentUrl="{site}" /></credentials></tsRequest>"#
    )
}

pub const V: &str = "/api/3.27";

pub async fn sign_in(server: &TestServer, body: &str) -> Reply {
    call(server, "POST", &format!("{V}/auth/signin"), &[], body).await
}

/// Signs in and returns (token, site id, user id).
pub async fn sign_in_ok(server: &TestServer, body: &str) -> (String, String, String) {
    let r = sign_in(server, body).await;
    assert_eq!(r.status, 200, "sign-in failed: {}", r.body);
    (
        r.token(),
        r.attr("site", "id").expect("site id"),
        r.attr("user", "id").expect("user id"),
    )
}
