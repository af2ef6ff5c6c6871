//! JSON bodies (feature `json`): shapes from the spec's §1.4 / §2.3 / §6.1 / §9.1.
#![cfg(feature = "json")]

use tsc_model::secrecy::ExposeSecret;
use tsc_model::{
    ApiError, ApiVersion, BodyKind, Error, ServerInfoItem, SignInCredentials, SignInRequest,
    SignInResponse, WorkbookItem, WorkbookList,
};

#[test]
fn request_bodies_for_every_kind() {
    let cases = [
        (
            SignInCredentials::password("alice", "s3cret"),
            r#""name":"alice","password":"s3cret""#,
        ),
        (
            SignInCredentials::personal_access_token("nightly-job", "Abc123"),
            r#""personalAccessTokenName":"nightly-job","personalAccessTokenSecret":"Abc123""#,
        ),
        (
            SignInCredentials::jwt("eyJ.a.b"),
            r#""jwt":"eyJ.a.b","isUat":false"#,
        ),
        (
            SignInCredentials::unified_access_token("eyJ.c.d"),
            r#""jwt":"eyJ.c.d","isUat":true"#,
        ),
    ];
    for (credentials, fields) in cases {
        let plain = SignInRequest::new(credentials.clone(), "MarketingTeam");
        assert_eq!(
            plain.to_json(),
            format!(r#"{{"credentials":{{{fields},"site":{{"contentUrl":"MarketingTeam"}}}}}}"#)
        );
        let impersonating = SignInRequest::new(credentials, "").impersonate("u-1");
        assert_eq!(
            impersonating.to_json(),
            format!(
                r#"{{"credentials":{{{fields},"site":{{"contentUrl":""}},"user":{{"id":"u-1"}}}}}}"#
            )
        );
        for request in [plain, impersonating] {
            let back = SignInRequest::from_json(request.to_json().as_bytes()).unwrap();
            assert_eq!(back.to_json(), request.to_json());
            assert_eq!(back.to_xml(), request.to_xml());
        }
    }
}

#[test]
fn request_escaping_round_trips() {
    let nasty = "\"\\<>&'\n\t\u{1}ü";
    let request =
        SignInRequest::new(SignInCredentials::password(nasty, nasty), nasty).impersonate(nasty);
    let json = request.to_json();
    let back = SignInRequest::from_json(json.as_bytes()).unwrap();
    assert_eq!(back.site_content_url(), nasty);
    match back.credentials() {
        SignInCredentials::Password { name, password } => {
            assert_eq!(name, nasty);
            assert_eq!(password.expose_secret(), nasty);
        }
        other => panic!("{}", other.kind()),
    }
    // tableau-mcp's shape: isUat as a boolean, omitted for connected apps.
    let mcp = br#"{"credentials":{"jwt":"x","site":{"contentUrl":"s"}}}"#;
    assert!(matches!(
        SignInRequest::from_json(mcp).unwrap().credentials(),
        SignInCredentials::Jwt { is_uat: false, .. }
    ));
}

#[test]
fn sign_in_response() {
    let body =
        br#"{"credentials": {"token": "tok|en|site", "estimatedTimeToExpiration": "173:21:12",
        "site": {"id": "6b7179ba-b82b-4f0f-91ed-812074ac5da6", "contentUrl": "Samples"},
        "user": {"id": "1a96d216-e9b8-497b-a82a-0b899a965e01"}}}"#;
    let r = SignInResponse::from_json(body).unwrap();
    assert_eq!(r.token.expose_secret(), "tok|en|site");
    assert_eq!(r.site.id, "6b7179ba-b82b-4f0f-91ed-812074ac5da6");
    assert_eq!(r.site.content_url, "Samples");
    assert_eq!(r.user.id, "1a96d216-e9b8-497b-a82a-0b899a965e01");
    assert!(r.estimated_time_to_expiration.unwrap().parsed.is_some());

    let no_token = br#"{"credentials":{"site":{"id":"s"},"user":{"id":"u"}}}"#;
    assert_eq!(
        SignInResponse::from_json(no_token).unwrap_err().to_string(),
        "missing attribute credentials/@token"
    );
    // A token of the wrong type is reported without its value.
    let odd = br#"{"credentials":{"token":{"nested":"SECRETVALUE"},"site":{"id":"s"},"user":{"id":"u"}}}"#;
    let shown = format!("{:?}", SignInResponse::from_json(odd).unwrap_err());
    assert!(!shown.contains("SECRETVALUE"), "{shown}");
}

#[test]
fn server_info_and_errors() {
    let body = br#"{"serverInfo":{"productVersion":{"value":"2024.2.1","build":"20242.24.0719.1101"},"restApiVersion":"3.23"}}"#;
    let info = ServerInfoItem::from_json(body).unwrap();
    assert_eq!(info.product_version, "2024.2.1");
    assert_eq!(info.build, "20242.24.0719.1101");
    assert_eq!(info.rest_api_version, ApiVersion::new(3, 23));

    let error = br#"{"error":{"summary":"Unauthorized Access","detail":"Invalid authentication credentials were provided.","code":"401002"}}"#;
    let e = ApiError::from_json(error).unwrap();
    assert_eq!(e.code, "401002");
    assert_eq!(e.http_status(), Some(401));
    assert_eq!(ApiError::sniff_json(error), Some(e.clone()));
    assert_eq!(ApiError::sniff_json(body), None);
    match ServerInfoItem::from_json(error) {
        Err(Error::ErrorResponse { error, .. }) => assert_eq!(*error, e),
        other => panic!("{other:?}"),
    }
}

#[test]
fn workbook_lists() {
    let body = br#"{"pagination":{"pageNumber":"1","pageSize":"100","totalAvailable":"2"},
      "workbooks":{"workbook":[
        {"id":"w1","name":"Superstore","contentUrl":"Superstore","showTabs":"false","size":"1",
         "createdAt":"2016-08-03T20:34:04Z","updatedAt":"2016-06-31T17:56:41Z","sheetCount":4,
         "hasExtracts":true,"project":{"id":"p","name":"default"},"owner":{"id":"o"},
         "tags":{"tag":[{"label":"Safari"},{"label":"Sample"}]},"futureField":"kept"},
        {"id":"w2","tags":{"tag":{"label":"single"}}}]}}"#;
    let page = WorkbookList::from_json(body).unwrap();
    assert_eq!(page.pagination.total_available, 2);
    let w = &page.workbooks[0];
    assert_eq!(w.name, "Superstore");
    assert_eq!(w.show_tabs, Some(false));
    assert_eq!(w.size, Some(1));
    assert_eq!(w.sheet_count, Some(4));
    assert_eq!(w.has_extracts, Some(true));
    assert!(w.created_at.as_ref().unwrap().date_time.is_some());
    assert_eq!(w.updated_at.as_ref().unwrap().date_time, None);
    assert_eq!(w.tags, ["Safari", "Sample"]);
    assert_eq!(w.project.as_ref().unwrap().name.as_deref(), Some("default"));
    assert_eq!(
        w.other_attributes.get("futureField").map(String::as_str),
        Some("kept")
    );
    assert_eq!(page.workbooks[1].tags, ["single"]);

    let empty = WorkbookList::from_json(
        br#"{"pagination":{"pageNumber":"1","pageSize":"100","totalAvailable":"0"},"workbooks":{}}"#,
    )
    .unwrap();
    assert!(empty.workbooks.is_empty());

    let single = WorkbookItem::from_json(br#"{"workbook":{"id":"w","name":"n"}}"#).unwrap();
    assert_eq!(single.id, "w");

    let bad =
        br#"{"pagination":{"pageNumber":"x","pageSize":"1","totalAvailable":"1"},"workbooks":{}}"#;
    assert!(matches!(
        WorkbookList::from_json(bad),
        Err(Error::Decode { what, .. }) if what == "pagination/pageNumber"
    ));
}

#[test]
fn not_json_and_malformed_json() {
    let cases: [(&[u8], BodyKind); 4] = [
        (b"", BodyKind::Empty),
        (b"<html><body>down</body></html>", BodyKind::Html),
        (
            br#"<tsResponse xmlns="http://tableau.com/api"/>"#,
            BodyKind::Xml,
        ),
        (b"Service Unavailable", BodyKind::Text),
    ];
    for (body, kind) in cases {
        match SignInResponse::from_json(body) {
            Err(Error::NotJson { kind: k, .. }) => assert_eq!(k, kind),
            other => panic!("{other:?}"),
        }
    }
    let broken = br#"{"credentials":{"token":"LEAKME","site":"#;
    let err = SignInResponse::from_json(broken).unwrap_err();
    assert!(matches!(err, Error::Json { .. }));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("LEAKME"), "{shown}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap deterministic sweep (the proptest suite covers the XML decoders).
    let seed = br#"{"credentials":{"token":"t","site":{"id":"s"},"user":{"id":"u"}},"workbooks":{"workbook":[{"id":"w","tags":{"tag":[{"label":"a"}]}}]},"serverInfo":{"productVersion":{"value":"1"},"restApiVersion":"3.1"},"error":{"code":"1"}}"#;
    for cut in 0..seed.len() {
        for body in [&seed[..cut], &seed[cut..]] {
            let _ = SignInResponse::from_json(body);
            let _ = SignInRequest::from_json(body);
            let _ = ServerInfoItem::from_json(body);
            let _ = ApiError::from_json(body);
            let _ = WorkbookList::from_json(body);
            let _ = WorkbookItem::from_json(body);
        }
    }
}
