//! Server info, version gate, sites, workbooks, pagination, response shapes, faults and
//! counters through the in-memory service.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use http_body_util::BodyExt;
use tower::ServiceExt;
use tsc_testserver::{Config, Fault, Route, TestServer};

fn server(n: usize) -> TestServer {
    TestServer::new(Config::server().workbooks_per_site(n))
}

#[tokio::test]
async fn server_info_needs_no_token_and_matches_any_case() {
    let s = server(1);
    for path in [
        "/api/3.27/serverinfo",
        "/api/2.4/serverInfo",
        "/api/3.0/SERVERINFO",
    ] {
        let r = call(&s, "GET", path, &[], "").await;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.body.contains("<restApiVersion>3.27</restApiVersion>"));
        assert_eq!(
            r.attr("productVersion", "build").as_deref(),
            Some("20253.25.1010.1200")
        );
        assert!(r.body.contains("xsi:schemaLocation=\"http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_27.xsd\""));
    }
    let r = call(
        &s,
        "GET",
        "/api/3.27/serverinfo",
        &[("Accept", "application/json")],
        "",
    )
    .await;
    let v = r.json();
    assert_eq!(v["serverInfo"]["restApiVersion"], "3.27");
    assert_eq!(v["serverInfo"]["productVersion"]["value"], "2025.3.0");
    let r = call(&s, "POST", "/api/3.27/serverinfo", &[], "").await;
    assert_eq!(r.error_code().as_deref(), Some("405000"));
}

#[tokio::test]
async fn version_gate_answers_404003() {
    let s = TestServer::new(Config::server().api_version("3.20").workbooks_per_site(1));
    let cases = [
        (
            "/api/3.21/serverinfo",
            "Unknown resource '/3.21/serverinfo' specified in URI.",
        ),
        (
            "/api/2.3/serverInfo",
            "Unknown resource '/2.3/serverInfo' specified in URI.",
        ),
        (
            "/api/3.x/serverinfo",
            "Unknown resource '/3.x/serverinfo' specified in URI.",
        ),
        (
            "/api/3.20/nothing/here",
            "Unknown resource '/3.20/nothing/here' specified in URI.",
        ),
    ];
    for (path, detail) in cases {
        let r = call(&s, "GET", path, &[], "").await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.error_code().as_deref(), Some("404003"));
        assert!(
            r.body.contains(&format!("<detail>{detail}</detail>")),
            "{}",
            r.body
        );
    }
    let r = call(
        &s,
        "POST",
        "/api/3.21/auth/signin",
        &[],
        &password_body("admin", "admin-password", ""),
    )
    .await;
    assert_eq!(r.error_code().as_deref(), Some("404003"));
    assert_eq!(
        call(&s, "GET", "/api/3.10/serverinfo", &[], "")
            .await
            .status,
        200,
        "3.10 < 3.20 numerically"
    );
    // sessions/current starts at 3.0 (our choice).
    let r = call(
        &s,
        "POST",
        "/api/3.20/auth/signin",
        &[],
        &password_body("admin", "admin-password", ""),
    )
    .await;
    assert_eq!(r.status, 200);
    let t = r.token();
    assert_eq!(
        get(&s, "/api/2.8/sessions/current", &t)
            .await
            .error_code()
            .as_deref(),
        Some("404003")
    );
    assert_eq!(get(&s, "/api/3.0/sessions/current", &t).await.status, 200);
}

#[tokio::test]
async fn legacy_auth_endpoint_is_behind_a_flag() {
    let off = server(0);
    assert_eq!(
        call(&off, "GET", "/auth?format=xml", &[], "").await.status,
        404
    );
    let on = TestServer::new(
        Config::server()
            .legacy_auth_endpoint(true)
            .workbooks_per_site(0),
    );
    let r = call(&on, "GET", "/auth?format=xml", &[], "").await;
    assert_eq!(r.status, 200);
    assert!(
        r.body
            .contains("<product_version>2025.3.0</product_version>")
    );
    assert_eq!(on.counters().requests_for(Route::LegacyAuthInfo), 1);
}

#[tokio::test]
async fn sites_by_id_name_and_content_url() {
    let s = server(3);
    let (t, default_id, _) = sign_in_ok(&s, &password_body("admin", "admin-password", "")).await;
    let marketing = s.site_id("MarketingTeam").expect("site").to_owned();
    for path in [
        format!("{V}/sites/{marketing}"),
        format!("{V}/sites/MarketingTeam?key=name"),
        format!("{V}/sites/marketingteam?key=contentUrl"),
    ] {
        let r = get(&s, &path, &t).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_eq!(r.attr("site", "id").as_deref(), Some(marketing.as_str()));
        assert_eq!(r.attr("site", "name").as_deref(), Some("MarketingTeam"));
        assert_eq!(
            r.attr("site", "contentUrl").as_deref(),
            Some("MarketingTeam")
        );
        assert_eq!(r.attr("site", "state").as_deref(), Some("Active"));
    }
    let r = get(
        &s,
        &format!("{V}/sites/Default?key=name&includeUsage=true"),
        &t,
    )
    .await;
    assert_eq!(r.attr("site", "id"), Some(default_id));
    assert_eq!(r.attr("usage", "numUsers").as_deref(), Some("2"));
    let r = get(&s, &format!("{V}/sites/Nope?key=name"), &t).await;
    assert_eq!(
        (r.status.as_u16(), r.error_code().as_deref()),
        (404, Some("404000"))
    );
    let r = get(&s, &format!("{V}/sites/x?key=bogus"), &t).await;
    assert_eq!(r.status, 400);
    // Admin lists all three sites; analyst sees only their two; other sites are forbidden.
    let r = get(&s, &format!("{V}/sites"), &t).await;
    assert_eq!(r.attr("pagination", "totalAvailable").as_deref(), Some("3"));
    assert_eq!(
        r.attrs("site", "name"),
        vec!["Default", "MarketingTeam", "Finance"]
    );
    let (ta, _, _) = sign_in_ok(&s, &password_body("analyst", "analyst-password", "")).await;
    assert_eq!(
        get(&s, &format!("{V}/sites"), &ta)
            .await
            .attrs("site", "id")
            .len(),
        2
    );
    assert_eq!(
        get(&s, &format!("{V}/sites/{marketing}"), &ta).await.status,
        403
    );
    assert_eq!(
        get(&s, &format!("{V}/sites/{marketing}"), "")
            .await
            .error_code()
            .as_deref(),
        Some("401000")
    );
}

#[tokio::test]
async fn workbooks_paginate_exactly() {
    let s = server(250);
    let (t, site, _) = sign_in_ok(&s, &pat_body("")).await;
    let base = format!("{V}/sites/{site}/workbooks");
    let r = get(&s, &base, &t).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.attr("pagination", "pageNumber").as_deref(), Some("1"));
    assert_eq!(r.attr("pagination", "pageSize").as_deref(), Some("100"));
    assert_eq!(
        r.attr("pagination", "totalAvailable").as_deref(),
        Some("250")
    );
    assert_eq!(r.attrs("workbook", "id").len(), 100);
    // Walk like TSC's pager: stop when pageSize * pageNumber >= totalAvailable.
    let mut seen = HashSet::new();
    let mut page = 1;
    loop {
        let r = get(&s, &format!("{base}?pageNumber={page}&pageSize=75"), &t).await;
        assert_eq!(r.attr("pagination", "pageSize").as_deref(), Some("75"));
        assert_eq!(r.attr("pagination", "pageNumber"), Some(page.to_string()));
        for id in r.attrs("workbook", "id") {
            assert!(seen.insert(id), "duplicate across pages");
        }
        if 75 * page >= 250 {
            break;
        }
        page += 1;
    }
    assert_eq!((page, seen.len()), (4, 250));
    let expected: HashSet<String> = s.data().workbooks_on("").map(|w| w.id.clone()).collect();
    assert_eq!(seen, expected);
    let r = get(&s, &format!("{base}?pageNumber=9"), &t).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.attrs("workbook", "id").len(), 0);
    assert_eq!(
        r.attr("pagination", "totalAvailable").as_deref(),
        Some("250")
    );
    assert!(r.body.contains("<workbooks />"));
    for bad in [
        "pageSize=0",
        "pageSize=1001",
        "pageSize=abc",
        "pageNumber=0",
        "pageNumber=-1",
    ] {
        let r = get(&s, &format!("{base}?{bad}"), &t).await;
        assert_eq!(r.status, 400, "{bad}");
    }
    assert_eq!(
        get(&s, &format!("{base}?pageSize=1000"), &t)
            .await
            .attrs("workbook", "id")
            .len(),
        250
    );
    // Encoded (≥ 3.7) and raw (< 3.7) filter strings are both tolerated.
    assert_eq!(
        get(&s, &format!("{base}?filter=name%3Aeq%3Afoo&pageSize=1"), &t)
            .await
            .status,
        200
    );
    assert_eq!(
        get(
            &s,
            &format!("{base}?pageNumber=1&pageSize=1&filter=tags:in:[a,b]"),
            &t
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn workbook_shapes_match_the_fixtures() {
    let s = server(4);
    let (t, site, _) = sign_in_ok(
        &s,
        &password_body("admin", "admin-password", "MarketingTeam"),
    )
    .await;
    let r = get(&s, &format!("{V}/sites/{site}/workbooks"), &t).await;
    let first = &attrs_of(&r.body, "workbook")[0];
    let names: Vec<&str> = first.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "name",
            "description",
            "contentUrl",
            "webpageUrl",
            "showTabs",
            "size",
            "createdAt",
            "updatedAt"
        ]
    );
    let wb = &s
        .data()
        .workbooks_on("MarketingTeam")
        .next()
        .expect("workbook")
        .clone();
    assert_eq!(r.attr("workbook", "createdAt"), Some(wb.created_at.clone()));
    assert_eq!(r.attr("project", "id"), Some(wb.project_id.clone()));
    assert_eq!(r.attr("owner", "id"), Some(wb.owner_id.clone()));
    assert!(
        r.attr("workbook", "webpageUrl")
            .is_some_and(|u| u.contains("/#/site/MarketingTeam/workbooks/"))
    );
    let created = r.attr("workbook", "createdAt").expect("date");
    assert_eq!(created.len(), 20);
    assert!(created.ends_with('Z') && created.as_bytes()[10] == b'T');
    let r = get(&s, &format!("{V}/sites/{site}/workbooks/{}", wb.id), &t).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.attr("workbook", "name"), Some(wb.name.clone()));
    assert_eq!(r.attrs("view", "id").len(), wb.views.len());
    assert_eq!(r.attrs("tag", "label"), wb.tags);
    let r = get(
        &s,
        &format!(
            "{V}/sites/{site}/workbooks/{}",
            tsc_testserver::luid("nope")
        ),
        &t,
    )
    .await;
    assert_eq!(r.status, 404);
    // JSON variant.
    let r = call(
        &s,
        "GET",
        &format!("{V}/sites/{site}/workbooks?pageSize=2"),
        &[("X-Tableau-Auth", &t), ("Accept", "application/json")],
        "",
    )
    .await;
    let v = r.json();
    assert_eq!(v["pagination"]["totalAvailable"], "4");
    assert_eq!(v["workbooks"]["workbook"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        v["workbooks"]["workbook"][0]["project"]["id"].as_str(),
        Some(wb.project_id.as_str())
    );
    // Another site's URL with this session is refused.
    let finance = s.site_id("Finance").expect("site");
    assert_eq!(
        get(&s, &format!("{V}/sites/{finance}/workbooks"), &t)
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn faults_by_route_once_and_persistent() {
    let s = server(3);
    let (t, site, _) = sign_in_ok(&s, &pat_body("")).await;
    let wb = format!("{V}/sites/{site}/workbooks");

    s.faults()
        .inject_once(Some(Route::Workbooks), Fault::Html503);
    let r = get(&s, &wb, &t).await;
    assert_eq!(r.status, 503);
    assert!(
        r.headers["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/html"))
    );
    assert!(r.body.starts_with("<!DOCTYPE html>"));
    assert_eq!(get(&s, &wb, &t).await.status, 200, "one-shot");

    s.faults()
        .inject_times(Some(Route::Workbooks), Fault::PlainText500, 2);
    assert_eq!(
        call(&s, "GET", "/api/3.27/serverinfo", &[], "")
            .await
            .status,
        200,
        "other routes untouched"
    );
    for _ in 0..2 {
        let r = get(&s, &wb, &t).await;
        assert_eq!(
            (r.status.as_u16(), r.body.as_str()),
            (500, "Internal Server Error\n")
        );
    }
    assert_eq!(get(&s, &wb, &t).await.status, 200);

    s.faults().inject(
        None,
        Fault::TooManyRequests {
            retry_after_secs: 7,
        },
    );
    for _ in 0..3 {
        let r = call(&s, "GET", "/api/3.27/serverinfo", &[], "").await;
        assert_eq!(r.status, 429);
        assert_eq!(r.headers["retry-after"], "7");
        assert_eq!(r.error_code().as_deref(), Some("429000"));
    }
    s.faults().clear();

    s.faults()
        .inject_once(Some(Route::Workbooks), Fault::TruncatedXml);
    let r = get(&s, &wb, &t).await;
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with("<?xml") && !r.body.contains("</tsResponse>"));
    let mut reader = quick_xml::Reader::from_str(&r.body);
    let mut broken = false;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(_) => {
                broken = true;
                break;
            }
        }
    }
    assert!(broken || !r.body.trim_end().ends_with("</tsResponse>"));

    s.faults()
        .inject_once(Some(Route::ServerInfo), Fault::Oversized(100_000));
    let r = call(&s, "GET", "/api/3.27/serverinfo", &[], "").await;
    assert_eq!((r.status.as_u16(), r.body.len()), (200, 100_000));
    assert!(
        attrs_of(&r.body, "tsResponse").len() == 1,
        "still well-formed XML"
    );

    s.faults()
        .inject_once(Some(Route::ServerInfo), Fault::DropMidBody);
    let req = http::Request::get("/api/3.27/serverinfo")
        .body(String::new())
        .expect("request");
    let resp = s.service().oneshot(req).await.expect("infallible");
    let declared: usize = resp.headers()["content-length"]
        .to_str()
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("length");
    let mut body = resp.into_body();
    let first = body
        .frame()
        .await
        .expect("a frame")
        .expect("data")
        .into_data()
        .expect("data");
    assert_eq!(first.len(), declared / 2);
    let err = body
        .frame()
        .await
        .expect("an error frame")
        .expect_err("dropped");
    assert!(err.to_string().contains("dropped mid-body"));

    s.faults().inject_once(
        Some(Route::SignIn),
        Fault::Redirect {
            status: 301,
            location: Some("https://pod.example/api/3.27/auth/signin".into()),
        },
    );
    let r = sign_in(&s, &pat_body("")).await;
    assert_eq!(r.status, 301);
    assert_eq!(
        r.headers["location"],
        "https://pod.example/api/3.27/auth/signin"
    );
    s.faults().inject_once(
        None,
        Fault::Redirect {
            status: 302,
            location: None,
        },
    );
    let r = call(&s, "GET", "/api/3.27/serverinfo", &[], "").await;
    assert_eq!(r.status, 302);
    assert!(!r.headers.contains_key("location"));

    s.faults()
        .inject_once(None, Fault::Delay(Duration::from_millis(30)));
    let started = std::time::Instant::now();
    assert_eq!(
        call(&s, "GET", "/api/3.27/serverinfo", &[], "")
            .await
            .status,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert_eq!(s.faults().armed(), 0);
}

#[tokio::test]
async fn counters_track_routes_kinds_and_sessions() {
    let s = server(2);
    let (t, site, _) = sign_in_ok(&s, &pat_body("")).await;
    sign_in_ok(&s, &password_body("analyst", "analyst-password", "")).await;
    let _ = sign_in(&s, &password_body("analyst", "bad", "")).await;
    get(&s, &format!("{V}/sites/{site}/workbooks"), &t).await;
    get(&s, &format!("{V}/sites/{site}/workbooks"), &t).await;
    call(&s, "GET", "/api/3.27/serverInfo", &[], "").await;
    call(&s, "GET", "/api/3.27/bogus", &[], "").await;
    let c = s.counters();
    assert_eq!(c.requests_for(Route::SignIn), 3);
    assert_eq!(c.requests_for(Route::Workbooks), 2);
    assert_eq!(c.requests_for(Route::ServerInfo), 1);
    assert_eq!(c.requests_for(Route::Unknown), 1);
    assert_eq!(
        (c.sign_ins.pat, c.sign_ins.password, c.sign_ins.failed),
        (1, 1, 1)
    );
    assert_eq!(c.total_sign_ins(), 2);
    assert_eq!(c.active_sessions, 2);
    call(
        &s,
        "POST",
        &format!("{V}/auth/signout"),
        &[("X-Tableau-Auth", &t)],
        "",
    )
    .await;
    assert_eq!(s.counters().active_sessions, 1);
}

#[tokio::test]
async fn the_service_ignores_scheme_and_authority_and_serves_concurrently() {
    let s = server(10);
    let req = http::Request::get("https://tableau.example.com/api/3.27/serverinfo")
        .body(String::new())
        .expect("request");
    assert_eq!(
        s.service().oneshot(req).await.expect("infallible").status(),
        200
    );
    let mut handles = Vec::new();
    for _ in 0..16 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            sign_in_ok(&s, &password_body("admin", "admin-password", ""))
                .await
                .0
        }));
    }
    let mut tokens = HashSet::new();
    for h in handles {
        tokens.insert(h.await.expect("task"));
    }
    assert_eq!(tokens.len(), 16, "tokens are unique");
    assert_eq!(s.counters().active_sessions, 16);
}
