//! Sign-in, sessions, sign-out and switch-site through the in-memory service.

mod common;

use std::time::Duration;

use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::ExposeSecret;
use serde_json::json;
use tsc_testserver::{Config, DataSet, SessionExpiry, SignInKind, TestServer};

fn server() -> TestServer {
    TestServer::new(Config::server().workbooks_per_site(5))
}

#[tokio::test]
async fn sign_in_accepts_xml_with_any_or_no_content_type_and_json() {
    let s = server();
    let body = password_body("admin", "admin-password", "");
    for ct in [
        None,
        Some("text/xml"),
        Some("application/xml"),
        Some("text/plain"),
    ] {
        let headers: Vec<(&str, &str)> = ct.map(|c| ("Content-Type", c)).into_iter().collect();
        let r = call(&s, "POST", &format!("{V}/auth/signin"), &headers, &body).await;
        assert_eq!(r.status, 200, "{ct:?}: {}", r.body);
        assert!(r.body.starts_with("<?xml version='1.0' encoding='UTF-8'?>"));
        assert!(r.body.contains(r#"xmlns="http://tableau.com/api""#));
        assert_eq!(r.token().len(), 32);
        assert_eq!(r.attr("site", "id").as_deref(), s.site_id(""));
        assert_eq!(r.attr("site", "contentUrl").as_deref(), Some(""));
        assert_eq!(r.attr("user", "id").as_deref(), s.user_id("admin"));
        assert_eq!(r.attr("credentials", "estimatedTimeToExpiration"), None);
    }
    let json_body = r#"{"credentials":{"name":"analyst","password":"analyst-password","site":{"contentUrl":"MarketingTeam"}}}"#;
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/signin"),
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        ],
        json_body,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/json;charset=utf-8");
    let v = r.json();
    assert_eq!(v["credentials"]["site"]["contentUrl"], "MarketingTeam");
    assert_eq!(
        v["credentials"]["user"]["id"].as_str(),
        s.user_id("analyst")
    );
    // XML request, JSON answer.
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/signin"),
        &[("Accept", "application/json, text/plain, */*")],
        &body,
    )
    .await;
    assert_eq!(
        r.json()["credentials"]["token"].as_str().map(str::len),
        Some(32)
    );
    let c = s.counters();
    assert_eq!(c.sign_ins.password, 6);
    assert_eq!(
        c.active_sessions, 6,
        "password sign-ins do not end earlier sessions"
    );
}

#[tokio::test]
async fn sign_in_failures() {
    let s = server();
    for body in [
        password_body("admin", "wrong", ""),
        password_body("nobody", "x", ""),
        password_body("analyst", "analyst-password", "Finance"),
        password_body("admin", "admin-password", "NoSuchSite"),
        r#"<tsRequest><credentials personalAccessTokenName="quickstart" personalAccessTokenSecret="nope"><site contentUrl="" /></credentials></tsRequest>"#.to_owned(),
        jwt_body("not.a.jwt", false, ""),
    ] {
        let r = sign_in(&s, &body).await;
        assert_eq!(r.status, 401, "{body}");
        assert_eq!(r.error_code().as_deref(), Some("401001"));
        assert_eq!(attrs_of(&r.body, "summary").len(), 1);
        assert!(r.body.contains("<summary>Signin Error</summary>"));
        assert!(r.body.contains("<detail>Error signing in to Tableau Server</detail>"));
        assert!(!r.body.contains("wrong") && !r.body.contains("nope"), "no secret echoed");
    }
    assert_eq!(s.counters().sign_ins.failed, 6);
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/signin"),
        &[("Accept", "application/json")],
        &password_body("admin", "wrong", ""),
    )
    .await;
    assert_eq!(r.status, 401);
    let v = r.json();
    assert_eq!(v["error"]["code"], "401001", "JSON codes are strings");
    assert_eq!(v["error"]["summary"], "Signin Error");
    assert_eq!(v["error"]["detail"], "Error signing in to Tableau Server");
    for body in [
        "",
        "<tsRequest>",
        "<tsRequest><credentials name=\"a\"><site contentUrl=\"\"/></credentials></tsRequest>",
        "garbage",
    ] {
        let r = sign_in(&s, body).await;
        assert_eq!(r.status, 400, "{body:?}");
        assert_eq!(r.error_code().as_deref(), Some("400000"));
    }
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/signin"),
        &[("Content-Type", "application/json")],
        "{",
    )
    .await;
    assert_eq!(r.error_code().as_deref(), Some("400000"));
    let r = call(&s, "GET", &format!("{V}/auth/signin"), &[], "").await;
    assert_eq!(r.status, 405);
    assert_eq!(r.error_code().as_deref(), Some("405000"));
    assert!(
        r.body
            .contains("The HTTP method 'GET' is not supported for the given resource")
    );
}

#[tokio::test]
async fn pat_sign_in_reports_expiry_and_ends_the_earlier_session() {
    let s = server();
    let r = sign_in(&s, &pat_body("")).await;
    assert_eq!(r.status, 200);
    let exp = r
        .attr("credentials", "estimatedTimeToExpiration")
        .expect("PAT expiry");
    let parts: Vec<&str> = exp.split(':').collect();
    assert_eq!(parts.len(), 3, "{exp}");
    assert!(parts[0] == "365" || parts[0] == "364", "{exp}");
    assert_eq!(parts[1].len(), 2);
    let first = r.token();
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &first)
            .await
            .status,
        200
    );
    let (second, _, _) = sign_in_ok(&s, &pat_body("MarketingTeam")).await;
    let r = get(&s, &format!("{V}/sessions/current"), &first).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code().as_deref(), Some("401002"));
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &second)
            .await
            .status,
        200
    );
    // Signing out with the superseded token fails like issue #1351 describes.
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/signout"),
        &[("X-Tableau-Auth", &first)],
        "",
    )
    .await;
    assert_eq!(r.error_code().as_deref(), Some("401002"));
    let c = s.counters();
    assert_eq!((c.sign_ins.pat, c.active_sessions), (2, 1));
    assert_eq!(s.sessions()[0].kind, SignInKind::Pat);
}

#[tokio::test]
async fn pat_expires_after_inactivity() {
    let s = server();
    sign_in_ok(&s, &pat_body("")).await;
    s.advance(Duration::from_secs(14 * 86_400));
    let r = sign_in(&s, &pat_body("")).await;
    assert_eq!(r.status, 200, "used within 15 days");
    let exp = r
        .attr("credentials", "estimatedTimeToExpiration")
        .expect("expiry");
    assert!(exp.starts_with("350:") || exp.starts_with("351:"), "{exp}");
    s.advance(Duration::from_secs(15 * 86_400));
    assert_eq!(
        sign_in(&s, &pat_body("")).await.error_code().as_deref(),
        Some("401001")
    );
}

#[tokio::test]
async fn sessions_expire_idle_or_absolute() {
    let idle = TestServer::new(
        Config::server()
            .workbooks_per_site(1)
            .session_ttl(Duration::from_secs(600)),
    );
    let (t, _, _) = sign_in_ok(&idle, &password_body("admin", "admin-password", "")).await;
    idle.advance(Duration::from_secs(400));
    assert_eq!(
        get(&idle, &format!("{V}/sessions/current"), &t)
            .await
            .status,
        200
    );
    idle.advance(Duration::from_secs(400));
    assert_eq!(
        get(&idle, &format!("{V}/sessions/current"), &t)
            .await
            .status,
        200,
        "idle TTL extended by use"
    );
    idle.advance(Duration::from_secs(600));
    let r = get(&idle, &format!("{V}/sessions/current"), &t).await;
    assert_eq!(
        (r.status.as_u16(), r.error_code().as_deref()),
        (401, Some("401002"))
    );
    assert_eq!(idle.counters().active_sessions, 0);

    let absolute = TestServer::new(
        Config::server()
            .workbooks_per_site(1)
            .session_ttl(Duration::from_secs(600))
            .session_expiry(SessionExpiry::Absolute),
    );
    let (t, _, _) = sign_in_ok(&absolute, &password_body("admin", "admin-password", "")).await;
    absolute.advance(Duration::from_secs(400));
    assert_eq!(
        get(&absolute, &format!("{V}/sessions/current"), &t)
            .await
            .status,
        200
    );
    absolute.advance(Duration::from_secs(400));
    assert_eq!(
        get(&absolute, &format!("{V}/sessions/current"), &t)
            .await
            .error_code()
            .as_deref(),
        Some("401002")
    );
}

#[tokio::test]
async fn default_ttls_are_240_and_120_minutes() {
    let s = server();
    let (t, _, _) = sign_in_ok(&s, &password_body("admin", "admin-password", "")).await;
    s.advance(Duration::from_secs(239 * 60));
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &t).await.status,
        200
    );
    s.advance(Duration::from_secs(240 * 60));
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &t).await.status,
        401
    );

    let c = TestServer::new(Config::cloud().workbooks_per_site(1));
    let (t, _, _) = sign_in_ok(
        &c,
        &password_body("admin", "admin-password", "MarketingTeam"),
    )
    .await;
    c.advance(Duration::from_secs(121 * 60));
    assert_eq!(
        get(&c, &format!("{V}/sessions/current"), &t).await.status,
        401
    );
}

#[tokio::test]
async fn missing_unknown_and_expired_tokens() {
    let s = server();
    let r = call(&s, "GET", &format!("{V}/sessions/current"), &[], "").await;
    assert_eq!(
        (r.status.as_u16(), r.error_code().as_deref()),
        (401, Some("401000"))
    );
    let r = get(&s, &format!("{V}/sessions/current"), "made-up").await;
    assert_eq!(
        (r.status.as_u16(), r.error_code().as_deref()),
        (401, Some("401002"))
    );
    let (t, _, _) = sign_in_ok(&s, &password_body("admin", "admin-password", "")).await;
    s.expire_all_sessions();
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &t)
            .await
            .error_code()
            .as_deref(),
        Some("401002")
    );
    // The header name is case-insensitive.
    let (t, _, _) = sign_in_ok(&s, &password_body("admin", "admin-password", "")).await;
    let r = call(
        &s,
        "GET",
        &format!("{V}/sessions/current"),
        &[("x-tableau-auth", &t)],
        "",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.attr("user", "name").as_deref(), Some("admin"));
    assert_eq!(r.attr("site", "contentUrl").as_deref(), Some(""));
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let s = server();
    let (t, _, _) = sign_in_ok(&s, &password_body("admin", "admin-password", "")).await;
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/signout"),
        &[("X-Tableau-Auth", &t), ("Content-Type", "text/xml")],
        "",
    )
    .await;
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &t)
            .await
            .error_code()
            .as_deref(),
        Some("401002")
    );
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/signout"),
        &[("X-Tableau-Auth", &t)],
        "",
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code().as_deref()),
        (401, Some("401002"))
    );
    let r = call(&s, "POST", &format!("{V}/auth/signout"), &[], "").await;
    assert_eq!(r.error_code().as_deref(), Some("401000"));
    assert_eq!(s.counters().active_sessions, 0);
}

#[tokio::test]
async fn switch_site_issues_a_new_token_and_kills_the_old() {
    let s = server();
    let (t, site, user) = sign_in_ok(&s, &pat_body("")).await;
    let body = r#"<tsRequest><site contentUrl="MarketingTeam" /></tsRequest>"#;
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/switchSite"),
        &[("X-Tableau-Auth", &t), ("Content-Type", "text/xml")],
        body,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let t2 = r.token();
    assert_ne!(t2, t);
    assert_eq!(r.attr("site", "id").as_deref(), s.site_id("MarketingTeam"));
    assert_ne!(r.attr("site", "id"), Some(site));
    assert_eq!(r.attr("user", "id"), Some(user));
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &t)
            .await
            .error_code()
            .as_deref(),
        Some("401002")
    );
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &t2).await.status,
        200
    );
    // Same site → 403070.
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/switchSite"),
        &[("X-Tableau-Auth", &t2)],
        body,
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code().as_deref()),
        (403, Some("403070"))
    );
    // The PAT's one session moved with the switch: a new PAT sign-in ends t2.
    sign_in_ok(&s, &pat_body("")).await;
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &t2).await.status,
        401
    );
    // Analyst is not on Finance.
    let (ta, _, _) = sign_in_ok(&s, &password_body("analyst", "analyst-password", "")).await;
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/switchSite"),
        &[("X-Tableau-Auth", &ta)],
        r#"<tsRequest><site contentUrl="Finance"/></tsRequest>"#,
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.error_code().as_deref()),
        (401, Some("401003"))
    );
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/switchSite"),
        &[("X-Tableau-Auth", &ta)],
        "<x/>",
    )
    .await;
    assert_eq!(r.error_code().as_deref(), Some("400000"));
    // Below the 2.6 floor the route does not exist.
    let r = call(
        &s,
        "POST",
        "/api/2.5/auth/switchSite",
        &[("X-Tableau-Auth", &ta)],
        body,
    )
    .await;
    assert_eq!(r.error_code().as_deref(), Some("404003"));
    assert_eq!(s.counters().sign_ins.switch_site, 1);
}

#[tokio::test]
async fn impersonation_is_for_server_admins_in_server_mode() {
    let s = server();
    let analyst = s.user_id("analyst").expect("analyst").to_owned();
    let admin = s.user_id("admin").expect("admin").to_owned();
    let body = format!(
        r#"<tsRequest><credentials name="admin" password="admin-password"><site contentUrl="" /><user id="{analyst}" /></credentials></tsRequest>"#
    );
    let (t, _, user) = sign_in_ok(&s, &body).await;
    assert_eq!(user, analyst);
    let r = get(&s, &format!("{V}/sessions/current"), &t).await;
    assert_eq!(r.attr("user", "name").as_deref(), Some("analyst"));
    let pat = format!(
        r#"<tsRequest><credentials personalAccessTokenName="quickstart" personalAccessTokenSecret="quickstart-secret"><site contentUrl="MarketingTeam" /><user id="{analyst}" /></credentials></tsRequest>"#
    );
    assert_eq!(sign_in_ok(&s, &pat).await.2, analyst);
    let by_analyst = format!(
        r#"<tsRequest><credentials name="analyst" password="analyst-password"><site contentUrl="" /><user id="{admin}" /></credentials></tsRequest>"#
    );
    assert_eq!(sign_in(&s, &by_analyst).await.status, 403);
    // The target must be on the site.
    let finance = format!(
        r#"<tsRequest><credentials name="admin" password="admin-password"><site contentUrl="Finance" /><user id="{analyst}" /></credentials></tsRequest>"#
    );
    assert_eq!(
        sign_in(&s, &finance).await.error_code().as_deref(),
        Some("401001")
    );
    assert_eq!(s.counters().sign_ins.impersonated, 2);

    let cloud = TestServer::new(Config::cloud().workbooks_per_site(1));
    let body = format!(
        r#"<tsRequest><credentials name="admin" password="admin-password"><site contentUrl="MarketingTeam" /><user id="{analyst}" /></credentials></tsRequest>"#
    );
    assert_eq!(sign_in(&cloud, &body).await.status, 403);
}

fn hs256(
    secret: &str,
    header_extra: &[(&str, &str)],
    kid: &str,
    claims: serde_json::Value,
) -> String {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(kid.to_owned());
    for (k, v) in header_extra {
        h.extras.insert(*k, (*v).to_owned());
    }
    jsonwebtoken::encode(
        &h,
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("key"),
    )
    .expect("encode")
}

#[tokio::test]
async fn connected_app_jwt_rules() {
    let s = server();
    let app = s.data().connected_apps[0].clone();
    let secret = app.secret_value.expose_secret().to_owned();
    let now = s.clock().unix_now();
    let claims = |jti: &str| json!({"iss": app.client_id, "sub": "analyst", "aud": "tableau", "exp": now + 300, "jti": jti, "scp": ["tableau:content:read"]});
    let ok = hs256(
        &secret,
        &[("iss", &app.client_id)],
        &app.secret_id,
        claims("a"),
    );
    let (_, _, user) = sign_in_ok(&s, &jwt_body(&ok, false, "MarketingTeam")).await;
    assert_eq!(Some(user.as_str()), s.user_id("analyst"));
    // TSC 0.42 sends isUat="false"; also accepted without it, and as JSON.
    let r = sign_in(&s, &jwt_body(&ok, false, "MarketingTeam")).await;
    assert_eq!(
        r.error_code().as_deref(),
        Some("401001"),
        "jti reuse is refused"
    );
    let fresh = hs256(&secret, &[], &app.secret_id, claims("b"));
    let json_body = format!(r#"{{"credentials":{{"jwt":"{fresh}","site":{{"contentUrl":""}}}}}}"#);
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/signin"),
        &[("Content-Type", "application/json")],
        &json_body,
    )
    .await;
    assert_eq!(r.status, 200, "iss in payload only: {}", r.body);
    let mut bad = Vec::new();
    let mut c = claims("c");
    c["exp"] = json!(now + 11 * 60);
    bad.push((
        "exp beyond 10 minutes",
        hs256(&secret, &[], &app.secret_id, c),
    ));
    let mut c = claims("d");
    c["exp"] = json!(now - 5);
    bad.push(("expired", hs256(&secret, &[], &app.secret_id, c)));
    let mut c = claims("e");
    c["aud"] = json!("tableau-other");
    bad.push(("aud", hs256(&secret, &[], &app.secret_id, c)));
    let mut c = claims("f");
    c["scp"] = json!("tableau:content:read");
    bad.push(("scp string", hs256(&secret, &[], &app.secret_id, c)));
    let mut c = claims("g");
    c["sub"] = json!("ghost");
    bad.push(("unknown sub", hs256(&secret, &[], &app.secret_id, c)));
    let mut c = claims("h");
    c.as_object_mut().expect("object").remove("jti");
    bad.push(("no jti", hs256(&secret, &[], &app.secret_id, c)));
    bad.push(("wrong kid", hs256(&secret, &[], "other-kid", claims("i"))));
    bad.push((
        "wrong secret",
        hs256(
            "another-secret-another-secret-12",
            &[],
            &app.secret_id,
            claims("j"),
        ),
    ));
    let mut c = claims("k");
    c["iss"] = json!("someone-else");
    bad.push(("wrong iss", hs256(&secret, &[], &app.secret_id, c)));
    for (why, jwt) in bad {
        let r = sign_in(&s, &jwt_body(&jwt, false, "")).await;
        assert_eq!(r.error_code().as_deref(), Some("401001"), "{why}");
    }
    // The helper mints tokens the server accepts; analyst is not on Finance.
    let jwt = s
        .connected_app_jwt("admin", &["tableau:content:read"])
        .expect("app");
    sign_in_ok(&s, &jwt_body(&jwt, false, "Finance")).await;
    let jwt = s
        .connected_app_jwt("analyst", &["tableau:content:read"])
        .expect("app");
    assert_eq!(
        sign_in(&s, &jwt_body(&jwt, false, "Finance")).await.status,
        401
    );
    // A moved clock makes a fresh token look expired.
    let jwt = s.connected_app_jwt("admin", &[]).expect("app");
    s.advance(Duration::from_secs(301));
    assert_eq!(sign_in(&s, &jwt_body(&jwt, false, "")).await.status, 401);
    assert_eq!(s.counters().sign_ins.jwt, 3);
}

#[tokio::test]
async fn cloud_mode_rules_and_uat() {
    let mut data = DataSet::default_data(2);
    data.users[1].mfa = true;
    let s = TestServer::new(Config::cloud().data(data));
    // Site required; no Default site.
    assert_eq!(
        sign_in(&s, &password_body("admin", "admin-password", ""))
            .await
            .error_code()
            .as_deref(),
        Some("401001")
    );
    let (t, _, _) = sign_in_ok(
        &s,
        &password_body("admin", "admin-password", "MarketingTeam"),
    )
    .await;
    assert_eq!(t.split('|').count(), 3, "cloud tokens are pipe-separated");
    assert!(t.ends_with(s.site_id("MarketingTeam").expect("site")));
    // MFA user cannot use a password on Cloud.
    assert_eq!(
        sign_in(
            &s,
            &password_body("analyst", "analyst-password", "MarketingTeam")
        )
        .await
        .error_code()
        .as_deref(),
        Some("401001")
    );
    // No switch-site on Cloud.
    let r = call(
        &s,
        "POST",
        &format!("{V}/auth/switchSite"),
        &[("X-Tableau-Auth", &t)],
        r#"<tsRequest><site contentUrl="Finance"/></tsRequest>"#,
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &t).await.status,
        200,
        "a refused switch keeps the session"
    );
    // UAT sign-in by e-mail.
    let uat = s
        .uat_jwt("analyst@example.com", &["tableau:content:read"])
        .expect("cloud has UAT");
    let (_, _, user) = sign_in_ok(&s, &jwt_body(&uat, true, "MarketingTeam")).await;
    assert_eq!(Some(user.as_str()), s.user_id("analyst"));
    // A UAT presented as a connected-app JWT fails, and vice versa.
    let uat = s.uat_jwt("analyst@example.com", &["x"]).expect("uat");
    assert_eq!(
        sign_in(&s, &jwt_body(&uat, false, "MarketingTeam"))
            .await
            .status,
        401
    );
    let app = s.connected_app_jwt("admin", &["x"]).expect("app");
    assert_eq!(
        sign_in(&s, &jwt_body(&app, true, "MarketingTeam"))
            .await
            .status,
        401
    );
    let c = s.counters().sign_ins;
    assert_eq!((c.password, c.uat), (1, 1));

    // Server mode refuses UATs outright.
    let srv = server();
    assert!(srv.uat().is_none());
    let cloud_uat = s.uat_jwt("admin@example.com", &["x"]).expect("uat");
    assert_eq!(
        sign_in(&srv, &jwt_body(&cloud_uat, true, "")).await.status,
        401
    );
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output() {
    let s = server();
    assert_eq!(s.users().len(), 2);
    assert_eq!(s.sites().len(), 3);
    let dump = format!("{:?} {:?} {:?}", s, s.data(), s.config());
    for secret in [
        "admin-password",
        "analyst-password",
        "quickstart-secret",
        tsc_testserver::CONNECTED_APP_SECRET_VALUE,
    ] {
        assert!(!dump.contains(secret), "{secret} leaked");
    }
    let cloud = TestServer::new(Config::cloud().workbooks_per_site(0));
    let (_, key) = cloud.uat().expect("key");
    assert!(!format!("{cloud:?} {key:?}").contains("PRIVATE KEY"));
}

#[tokio::test]
async fn revoked_pat_cannot_sign_in_and_loses_its_session() {
    let s = server();
    let (t, _, _) = sign_in_ok(&s, &pat_body("")).await;
    assert!(s.revoke_pat("quickstart"));
    assert!(!s.revoke_pat("no-such-pat"));
    assert_eq!(
        get(&s, &format!("{V}/sessions/current"), &t)
            .await
            .error_code()
            .as_deref(),
        Some("401002")
    );
    assert_eq!(
        sign_in(&s, &pat_body("")).await.error_code().as_deref(),
        Some("401001")
    );
}
