//! Our responses have the shapes of the TSC fixtures (real-server-shaped XML): the same
//! element paths, and for the elements we model, the same attribute names in the same order.

mod common;

use std::collections::BTreeMap;

use common::*;
use quick_xml::events::Event;
use tsc_testserver::{Config, TestServer};

/// element path → attribute names (of the first element at that path), in document order.
fn shape(xml: &str) -> BTreeMap<String, Vec<String>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut out = BTreeMap::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                stack.push(e.local_name().as_ref().to_owned());
                let attrs: Vec<String> = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attr");
                        let k: &str = a.key.as_ref();
                        k.to_owned()
                    })
                    .collect();
                out.entry(stack.join("/")).or_insert(attrs);
            }
            Event::Empty(e) => {
                stack.push(e.local_name().as_ref().to_owned());
                let attrs: Vec<String> = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attr");
                        let k: &str = a.key.as_ref();
                        k.to_owned()
                    })
                    .collect();
                out.entry(stack.join("/")).or_insert(attrs);
                stack.pop();
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../tests/fixtures/tsc-assets/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn assert_same(fixture_name: &str, ours: &str, compare_attrs: &[&str]) {
    let theirs = shape(&fixture(fixture_name));
    let mine = shape(ours);
    let their_paths: Vec<&String> = theirs.keys().collect();
    for path in &their_paths {
        assert!(
            mine.contains_key(*path),
            "{fixture_name}: we lack {path}; ours: {:?}",
            mine.keys()
        );
    }
    for path in compare_attrs {
        assert_eq!(
            theirs.get(*path),
            mine.get(*path),
            "{fixture_name}: attributes of {path}"
        );
    }
}

#[tokio::test]
async fn responses_match_fixture_shapes() {
    let s = TestServer::new(Config::server().workbooks_per_site(3));
    let r = sign_in(&s, &password_body("admin", "admin-password", "")).await;
    assert_same(
        "auth_sign_in.xml",
        &r.body,
        &[
            "tsResponse",
            "tsResponse/credentials",
            "tsResponse/credentials/site",
            "tsResponse/credentials/user",
        ],
    );
    let t = r.token();
    let site = r.attr("site", "id").expect("site");

    let r = sign_in(&s, &password_body("admin", "wrong", "")).await;
    assert_same(
        "auth_sign_in_error.xml",
        &r.body,
        &["tsResponse", "tsResponse/error"],
    );

    let r = call(&s, "GET", "/api/9.9/serverInfo", &[], "").await;
    assert_same(
        "server_info_404.xml",
        &r.body,
        &["tsResponse", "tsResponse/error"],
    );

    let r = call(&s, "GET", "/api/3.27/serverInfo", &[], "").await;
    assert_same(
        "server_info_get.xml",
        &r.body,
        &["tsResponse/serverInfo/productVersion"],
    );

    let r = get(&s, &format!("{V}/sites/{site}/workbooks"), &t).await;
    assert_same(
        "workbook_get.xml",
        &r.body,
        &[
            "tsResponse/pagination",
            "tsResponse/workbooks/workbook",
            "tsResponse/workbooks/workbook/project",
            "tsResponse/workbooks/workbook/owner",
        ],
    );
    // The second default workbook has tags, like the fixture's.
    let id = r.attrs("workbook", "id")[1].clone();
    let r = get(&s, &format!("{V}/sites/{site}/workbooks/{id}"), &t).await;
    assert_same(
        "workbook_get_by_id.xml",
        &r.body,
        &["tsResponse/workbook", "tsResponse/workbook/views/view"],
    );

    let r = get(&s, &format!("{V}/sites/{site}/workbooks?pageNumber=5"), &t).await;
    assert_same(
        "workbook_get_empty.xml",
        &r.body,
        &["tsResponse/pagination"],
    );

    let r = get(&s, &format!("{V}/sites/Default?key=name"), &t).await;
    assert_same("site_get_by_name.xml", &r.body, &[]);
    let r = get(&s, &format!("{V}/sites"), &t).await;
    assert_same("site_get.xml", &r.body, &["tsResponse/pagination"]);
}

#[test]
fn the_service_fits_a_generic_transport_bound() {
    fn assert_service<S>(_: &S)
    where
        S: tower::Service<
                http::Request<http_body_util::Full<bytes::Bytes>>,
                Response = http::Response<tsc_testserver::TestBody>,
                Error = std::convert::Infallible,
            > + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
    }
    fn assert_body<
        B: http_body::Body<Data = bytes::Bytes, Error = tsc_testserver::BoxError> + Send + 'static,
    >() {
    }
    assert_service(&TestServer::new(Config::server().workbooks_per_site(0)).service());
    assert_body::<tsc_testserver::TestBody>();
}
