//! Namespaces, error reporting (paths, excerpts, redaction) and leniency rules.

use tsc_model::secrecy::ExposeSecret;
use tsc_model::{
    ApiError, BodyKind, EXCERPT_MAX_CHARS, Error, ServerInfoItem, SignInResponse, SiteItem,
    ValueError, WorkbookList,
};

const SIGN_IN_BODY: &str =
    r#"<credentials token="tok"><site id="s1" contentUrl="Samples"/><user id="u1"/></credentials>"#;

fn wrap(open: &str, close: &str) -> String {
    let inner = if open.contains("ns0:") {
        SIGN_IN_BODY
            .replace("<credentials", "<ns0:credentials")
            .replace("</credentials", "</ns0:credentials")
            .replace("<site", "<ns0:site")
            .replace("<user", "<ns0:user")
    } else {
        SIGN_IN_BODY.to_owned()
    };
    format!("{open}{inner}{close}")
}

#[test]
fn accepted_namespaces() {
    let bodies = [
        wrap(
            r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_25.xsd">"#,
            "</tsResponse>",
        ),
        wrap(
            r#"<tsResponse xmlns="http://tableausoftware.com/api">"#,
            "</tsResponse>",
        ),
        // Tableau Cloud capture shape: ns0 prefix, no XML declaration.
        wrap(
            r#"<ns0:tsResponse xmlns:ns0="http://tableau.com/api">"#,
            "</ns0:tsResponse>",
        ),
        wrap("<tsResponse>", "</tsResponse>"),
    ];
    for body in bodies {
        let r = SignInResponse::from_xml(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(r.token.expose_secret(), "tok");
        assert_eq!(r.site.content_url, "Samples");
        assert_eq!(r.user.id, "u1");
    }
}

#[test]
fn unknown_namespace_is_named() {
    let body = wrap(
        r#"<tsResponse xmlns="http://example.com/other">"#,
        "</tsResponse>",
    );
    let err = SignInResponse::from_xml(body.as_bytes()).unwrap_err();
    match &err {
        Error::UnknownNamespace { namespace, element } => {
            assert_eq!(namespace, "http://example.com/other");
            assert_eq!(element, "tsResponse");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains("\"http://example.com/other\""),
        "{err}"
    );

    let prefixed = wrap(
        r#"<ns0:tsResponse xmlns:ns0="urn:evil">"#,
        "</ns0:tsResponse>",
    );
    assert!(matches!(
        SignInResponse::from_xml(prefixed.as_bytes()),
        Err(Error::UnknownNamespace { namespace, .. }) if namespace == "urn:evil"
    ));

    let undeclared = wrap("<ns0:tsResponse>", "</ns0:tsResponse>");
    assert!(matches!(
        SignInResponse::from_xml(undeclared.as_bytes()),
        Err(Error::UnknownNamespace { namespace, .. }) if namespace.contains("undeclared prefix `ns0:`")
    ));
}

#[test]
fn foreign_namespace_children_are_skipped_not_mistaken_for_ours() {
    // A `credentials` element in another namespace is an extension, not the credentials.
    let body = r#"<tsResponse xmlns="http://tableau.com/api" xmlns:x="urn:ext">
        <x:credentials token="WRONG"><x:site id="no"/><x:user id="no"/></x:credentials>
        <credentials token="right"><site id="s" contentUrl=""/><user id="u"/></credentials>
    </tsResponse>"#;
    let r = SignInResponse::from_xml(body.as_bytes()).unwrap();
    assert_eq!(r.token.expose_secret(), "right");
}

#[test]
fn unknown_elements_and_attributes_are_ignored() {
    let body = r#"<tsResponse xmlns="http://tableau.com/api">
        <!-- a comment -->
        <credentials token="t" futureAttr="x" estimatedTimeToExpiration="weird">
            <futureElement a="b"><nested><deeper/></nested>text</futureElement>
            <site id="s" contentUrl="c" extra="1"><usage/></site>
            <user id="u"/>
        </credentials>
        <warnings><warning id="w" errorCode="1" message="m"/></warnings>
    </tsResponse>"#;
    let r = SignInResponse::from_xml(body.as_bytes()).unwrap();
    let t = r.estimated_time_to_expiration.unwrap();
    assert_eq!((t.raw.as_str(), t.parsed), ("weird", None));
}

#[test]
fn decode_errors_name_the_attribute_and_redact_secrets() {
    let body = r#"<tsResponse xmlns="http://tableau.com/api"><credentials token="SUPERSECRETTOKEN"><site id="s" contentUrl=""/><user id="u"/></credentials><pagination pageNumber="1" pageSize="ten" totalAvailable="3"/><workbooks/></tsResponse>"#;
    let err = WorkbookList::from_xml(body.as_bytes()).unwrap_err();
    match &err {
        Error::Decode {
            what,
            excerpt,
            source,
        } => {
            assert_eq!(what, "tsResponse/pagination/@pageSize");
            assert!(matches!(source, ValueError::Integer(_)));
            assert!(excerpt.contains("pageSize=\"ten\""), "{excerpt}");
            assert!(!excerpt.contains("SUPERSECRETTOKEN"), "{excerpt}");
            assert!(excerpt.chars().count() <= EXCERPT_MAX_CHARS);
        }
        other => panic!("{other:?}"),
    }
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("SUPERSECRETTOKEN"), "{shown}");
    assert!(shown.contains("tsResponse/pagination/@pageSize"), "{shown}");
}

#[test]
fn malformed_xml_reports_position_and_redacted_excerpt() {
    let body = br#"<tsResponse><credentials token="LEAKME" password="PWLEAK"><site id="s"></user></credentials></tsResponse>"#;
    let err = SignInResponse::from_xml(body).unwrap_err();
    match &err {
        Error::Xml {
            position, excerpt, ..
        } => {
            assert!(*position > 0);
            assert!(
                !excerpt.contains("LEAKME") && !excerpt.contains("PWLEAK"),
                "{excerpt}"
            );
        }
        other => panic!("{other:?}"),
    }
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("LEAKME") && !shown.contains("PWLEAK"),
        "{shown}"
    );

    // A secret-valued attribute with a bad entity: no details at all.
    let body = br#"<tsResponse><credentials token="abc&bogus;def"><site id="s"/><user id="u"/></credentials></tsResponse>"#;
    let err = SignInResponse::from_xml(body).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("bogus") && !shown.contains("abc"),
        "{shown}"
    );
    assert!(matches!(
        err,
        Error::Decode {
            source: ValueError::Secret,
            ..
        }
    ));
}

#[test]
fn truncated_documents_are_errors() {
    let full = br#"<tsResponse><credentials token="t"><site id="s" contentUrl=""/><user id="u"/></credentials></tsResponse>"#;
    for cut in 1..full.len() {
        let result = SignInResponse::from_xml(&full[..cut]);
        assert!(result.is_err(), "accepted a body cut at {cut}");
    }
    assert!(SignInResponse::from_xml(full).is_ok());
}

#[test]
fn not_xml_kinds() {
    let cases: [(&[u8], BodyKind); 6] = [
        (b"", BodyKind::Empty),
        (b"  \r\n ", BodyKind::Empty),
        (
            b"<!DOCTYPE html><html><body>503</body></html>",
            BodyKind::Html,
        ),
        (br#"{"error":{"code":"401002"}}"#, BodyKind::Json),
        (b"Service Unavailable", BodyKind::Text),
        (b"\xEF\xBB\xBF<HTML>", BodyKind::Html),
    ];
    for (body, kind) in cases {
        match ServerInfoItem::from_xml(body) {
            Err(Error::NotXml { kind: k, .. }) => assert_eq!(k, kind, "{body:?}"),
            other => panic!("{body:?}: {other:?}"),
        }
    }
    let json = br#"{"credentials":{"token":"JSONSECRET"}}"#;
    let shown = format!("{:?}", SignInResponse::from_xml(json).unwrap_err());
    assert!(!shown.contains("JSONSECRET"), "{shown}");
}

#[test]
fn missing_pieces_are_named() {
    let err = SignInResponse::from_xml(
        br#"<tsResponse><credentials token="t"><user id="u"/></credentials></tsResponse>"#,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing element <site> in <tsResponse/credentials>"
    );
    let err = SignInResponse::from_xml(
        br#"<tsResponse><credentials><site id="s"/><user id="u"/></credentials></tsResponse>"#,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing attribute tsResponse/credentials/@token"
    );
    let err = SignInResponse::from_xml(b"<tsResponse/>").unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing element <credentials> in <tsResponse>"
    );
    let err = ApiError::from_xml(b"<tsResponse><error/></tsResponse>").unwrap_err();
    assert_eq!(err.to_string(), "missing attribute tsResponse/error/@code");
    let err = ServerInfoItem::from_xml(
        b"<tsResponse><serverInfo><restApiVersion>3.x</restApiVersion></serverInfo></tsResponse>",
    )
    .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Decode { what, source: ValueError::ApiVersion(_), .. } if what == "tsResponse/serverInfo/restApiVersion"
        ),
        "{err:?}"
    );
    assert!(matches!(
        WorkbookList::from_xml(b"<tsResponse><pagination pageNumber='1' pageSize='1' totalAvailable='0'/></tsResponse>"),
        Err(Error::MissingElement { name: "workbooks", .. })
    ));
}

#[test]
fn text_content_resolves_references_and_cdata() {
    let body = br#"<tsResponse><error code=" 400000 "><summary>Bad &amp; &#x42;ad</summary><detail><![CDATA[<raw> & stuff]]> tail</detail></error></tsResponse>"#;
    let e = ApiError::from_xml(body).unwrap();
    assert_eq!(e.code, "400000");
    assert_eq!(e.summary, "Bad & Bad");
    assert_eq!(e.detail, "<raw> & stuff tail");
}

#[test]
fn trailing_garbage_after_the_root_is_rejected() {
    let body = br#"<tsResponse><error code="1"/></tsResponse><tsResponse/>"#;
    assert!(ApiError::from_xml(body).is_err());
    let ok = b"<tsResponse><error code=\"1\"/></tsResponse>\n<!-- trailing comment -->\n";
    assert!(ApiError::from_xml(ok).is_ok());
}

#[test]
fn site_leniency_and_strictness() {
    let empty_quota = br#"<tsResponse><site id="x" storageQuota="" adminMode="SomethingNew" state="Archived"/></tsResponse>"#;
    let site = SiteItem::from_xml(empty_quota).unwrap();
    assert_eq!(site.storage_quota, None);
    assert_eq!(
        site.admin_mode.as_ref().map(|m| m.as_str()),
        Some("SomethingNew")
    );
    assert_eq!(
        site.state.as_ref().map(ToString::to_string).as_deref(),
        Some("Archived")
    );
    let bad_quota = br#"<tsResponse><site id="x" userQuota="many"/></tsResponse>"#;
    assert!(matches!(
        SiteItem::from_xml(bad_quota),
        Err(Error::Decode { what, .. }) if what == "tsResponse/site/@userQuota"
    ));
    let usage =
        br#"<tsResponse><site id="x"><usage numUsers="7" storage="12"/></site></tsResponse>"#;
    let site = SiteItem::from_xml(usage).unwrap();
    assert_eq!((site.num_users, site.storage), (Some(7), Some(12)));
}

#[test]
fn modern_cloud_workbook_shape() {
    let body = br#"<ns0:tsResponse xmlns:ns0="http://tableau.com/api" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_25.xsd"><ns0:pagination pageNumber="1" pageSize="100" totalAvailable="1" /><ns0:workbooks><ns0:workbook id="w" name="Personal" contentUrl="Personal" webpageUrl="https://10ax.online.tableau.com/#/site/exampledev/workbooks/265605" showTabs="true" size="2" createdAt="2025-01-02T03:04:05Z" updatedAt="2025-01-02T03:04:06Z" sheetCount="3" hasExtracts="false" encryptExtracts="false" defaultViewId="v" shareDescription="d" lastPublishedAt="2025-01-02T03:04:07Z" futureFlag="on"><ns0:location id="l" type="PersonalSpace" name="Personal Space" /><ns0:owner email="a@b.c" fullName="A B" id="o" lastLogin="2025-01-01T00:00:00Z" name="ab" siteRole="Creator" /><ns0:tags /><ns0:dataAccelerationConfig accelerationEnabled="false" /></ns0:workbook></ns0:workbooks></ns0:tsResponse>"#;
    let page = WorkbookList::from_xml(body).unwrap();
    let wb = &page.workbooks[0];
    assert_eq!(wb.sheet_count, Some(3));
    assert_eq!(wb.has_extracts, Some(false));
    assert_eq!(wb.show_tabs, Some(true));
    assert_eq!(wb.default_view_id.as_deref(), Some("v"));
    assert!(wb.project.is_none());
    let location = wb.location.as_ref().unwrap();
    assert_eq!(
        location.kind.as_ref().map(ToString::to_string).as_deref(),
        Some("PersonalSpace")
    );
    let owner = wb.owner.as_ref().unwrap();
    assert_eq!(owner.site_role.as_deref(), Some("Creator"));
    assert!(owner.last_login.as_ref().unwrap().date_time.is_some());
    assert!(wb.last_published_at.as_ref().unwrap().date_time.is_some());
    assert_eq!(
        wb.other_attributes.get("futureFlag").map(String::as_str),
        Some("on")
    );
    assert_eq!(
        wb.data_acceleration_config
            .as_ref()
            .unwrap()
            .acceleration_enabled,
        Some(false)
    );
}

#[test]
fn namespace_declarations_are_scoped_to_their_element() {
    // A child that declares its own prefix for Tableau's namespace is ours; a sibling that moves
    // the default namespace elsewhere is not, and its declaration does not leak to later
    // siblings.
    let body = r#"<tsResponse>
        <credentials xmlns="urn:other" token="WRONG"><site id="no"/><user id="no"/></credentials>
        <t:credentials xmlns:t="http://tableau.com/api" token="right">
            <t:site id="s" contentUrl="c"/><user xmlns="http://tableausoftware.com/api" id="u"/>
        </t:credentials>
    </tsResponse>"#;
    let r = SignInResponse::from_xml(body.as_bytes()).unwrap();
    assert_eq!(r.token.expose_secret(), "right");
    assert_eq!((r.site.id.as_str(), r.user.id.as_str()), ("s", "u"));

    // An empty element's declaration applies to itself only.
    let body = r#"<tsResponse><pagination xmlns="urn:x" pageNumber="9" pageSize="9" totalAvailable="9"/><pagination pageNumber="1" pageSize="2" totalAvailable="3"/><workbooks/></tsResponse>"#;
    let page = WorkbookList::from_xml(body.as_bytes()).unwrap();
    assert_eq!(page.pagination.page_number, 1);

    // Undeclared prefixes below the root are foreign, hence skipped.
    let body = r#"<tsResponse><x:credentials token="no"/><credentials token="ok"><site id="s"/><user id="u"/></credentials></tsResponse>"#;
    let r = SignInResponse::from_xml(body.as_bytes()).unwrap();
    assert_eq!(r.token.expose_secret(), "ok");
}

#[test]
fn duplicate_attributes_are_rejected() {
    let body = br#"<tsResponse><credentials token="FIRSTSECRET" token="SECONDSECRET"><site id="s"/><user id="u"/></credentials></tsResponse>"#;
    let err = SignInResponse::from_xml(body).unwrap_err();
    match &err {
        Error::Decode { what, source, .. } => {
            assert_eq!(what, "tsResponse/credentials/@token");
            assert!(matches!(source, ValueError::DuplicateAttribute));
        }
        other => panic!("{other:?}"),
    }
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("FIRSTSECRET") && !shown.contains("SECONDSECRET"),
        "{shown}"
    );

    // Many distinct attributes are fine; a repeat past the inline window is still caught.
    let many: String = (0..40).map(|i| format!(" a{i}=\"{i}\"")).collect();
    let ok = format!("<tsResponse><site id=\"x\"{many}/></tsResponse>");
    let site = SiteItem::from_xml(ok.as_bytes()).unwrap();
    assert_eq!(site.other_attributes.len(), 40);
    let dup = format!("<tsResponse><site id=\"x\"{many} a35=\"again\"/></tsResponse>");
    assert!(matches!(
        SiteItem::from_xml(dup.as_bytes()),
        Err(Error::Decode { what, source: ValueError::DuplicateAttribute, .. }) if what == "tsResponse/site/@a35"
    ));
    let dup_id = br#"<tsResponse><site id="x" name="n" id="y"/></tsResponse>"#;
    assert!(SiteItem::from_xml(dup_id).is_err());
}

#[test]
fn excerpt_shows_the_failing_attribute_in_a_long_tag() {
    let filler: String = (0..20)
        .map(|i| format!(" extra{i}=\"{}\"", "v".repeat(10)))
        .collect();
    let body = format!(
        r#"<tsResponse><pagination pageNumber="1" pageSize="1" totalAvailable="1"/><workbooks><workbook id="w"{filler} size="huge"/></workbooks></tsResponse>"#
    );
    match WorkbookList::from_xml(body.as_bytes()) {
        Err(Error::Decode { what, excerpt, .. }) => {
            assert_eq!(what, "tsResponse/workbooks/workbook/@size");
            assert!(excerpt.contains(r#"size="huge""#), "{excerpt}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn hostile_shapes_stay_linear_or_are_refused() {
    // Thousands of distinct attributes: accepted (the duplicate check spills into a set).
    let many: String = (0..5000).map(|i| format!(" a{i}=\"v\"")).collect();
    let body = format!("<tsResponse><site id=\"x\"{many}/></tsResponse>");
    assert_eq!(
        SiteItem::from_xml(body.as_bytes())
            .unwrap()
            .other_attributes
            .len(),
        5000
    );
    // Hundreds of namespace declarations in scope: refused with a clear error.
    let decls: String = (0..500)
        .map(|i| format!(" xmlns:p{i}=\"urn:{i}\""))
        .collect();
    let body = format!("<tsResponse{decls}><site id=\"x\"/></tsResponse>");
    let err = SiteItem::from_xml(body.as_bytes()).unwrap_err();
    assert!(
        matches!(err, Error::LimitExceeded { limit: 64, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("namespace declarations"), "{err}");
}

#[test]
fn utf8_bom_and_declarations_are_accepted() {
    let body = b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<!-- generated -->\n<tsResponse><error code=\"500000\"><summary>Internal</summary><detail/></error></tsResponse>";
    let e = ApiError::from_xml(body).unwrap();
    assert_eq!(
        (e.code.as_str(), e.summary.as_str(), e.detail.as_str()),
        ("500000", "Internal", "")
    );
}
