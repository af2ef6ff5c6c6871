//! Request bodies: exact bytes for every credential kind, escaping round trips, and secrets
//! kept out of `Debug`.

use tsc_model::secrecy::ExposeSecret;
use tsc_model::{ApiVersion, Error, SignInCredentials, SignInRequest, SwitchSiteRequest};

const USER: &str = "dd2239f6-ddf1-4107-981a-4cf94e415794";

fn all_kinds() -> Vec<(SignInCredentials, &'static str)> {
    vec![
        (
            SignInCredentials::password("alice", "s3cret"),
            r#"name="alice" password="s3cret""#,
        ),
        (
            SignInCredentials::personal_access_token("nightly-job", "Abc123PATsecret"),
            r#"personalAccessTokenName="nightly-job" personalAccessTokenSecret="Abc123PATsecret""#,
        ),
        (
            SignInCredentials::jwt("eyJhbGciOiJIUzI1NiJ9.e30.sig"),
            r#"jwt="eyJhbGciOiJIUzI1NiJ9.e30.sig" isUat="false""#,
        ),
        (
            SignInCredentials::unified_access_token("eyJhbGciOiJSUzI1NiJ9.e30.uat"),
            r#"jwt="eyJhbGciOiJSUzI1NiJ9.e30.uat" isUat="true""#,
        ),
    ]
}

#[test]
fn exact_bytes_for_every_kind_without_impersonation() {
    for (credentials, attrs) in all_kinds() {
        let body = SignInRequest::new(credentials, "MarketingTeam").to_xml();
        let expected = format!(
            r#"<tsRequest><credentials {attrs}><site contentUrl="MarketingTeam" /></credentials></tsRequest>"#
        );
        assert_eq!(body, expected);
    }
}

#[test]
fn exact_bytes_for_every_kind_with_impersonation_site_before_user() {
    for (credentials, attrs) in all_kinds() {
        let body = SignInRequest::new(credentials, "")
            .impersonate(USER)
            .to_xml();
        let expected = format!(
            r#"<tsRequest><credentials {attrs}><site contentUrl="" /><user id="{USER}" /></credentials></tsRequest>"#
        );
        assert_eq!(body, expected);
    }
}

#[test]
fn switch_site_exact_bytes_and_round_trip() {
    assert_eq!(
        SwitchSiteRequest::new("NewSite").to_xml(),
        r#"<tsRequest><site contentUrl="NewSite" /></tsRequest>"#
    );
    assert_eq!(
        SwitchSiteRequest::new("").to_xml(),
        r#"<tsRequest><site contentUrl="" /></tsRequest>"#
    );
    let tricky = SwitchSiteRequest::new("a&b<c>\"d'e");
    let xml = tricky.to_xml();
    assert_eq!(
        xml,
        r#"<tsRequest><site contentUrl="a&amp;b&lt;c&gt;&quot;d&apos;e" /></tsRequest>"#
    );
    assert_eq!(SwitchSiteRequest::from_xml(xml.as_bytes()).unwrap(), tricky);
}

#[test]
fn escaped_values_round_trip_through_the_decoder() {
    let nasty = "\"<>&'";
    let with_whitespace = "tab\there\nnew line\r\n  spaces  ";
    for secret in [nasty, with_whitespace, "ünïcødé ✓", "&amp; literal", ""] {
        let cases = [
            SignInCredentials::password(nasty, secret),
            SignInCredentials::personal_access_token(nasty, secret),
            SignInCredentials::jwt(secret),
            SignInCredentials::unified_access_token(secret),
        ];
        for credentials in cases {
            let request = SignInRequest::new(credentials, nasty).impersonate(nasty);
            let xml = request.to_xml();
            assert!(!xml.contains(nasty), "unescaped value in {xml}");
            let back = SignInRequest::from_xml(xml.as_bytes()).unwrap();
            assert_eq!(back.site_content_url(), nasty);
            assert_eq!(back.impersonate_user_id(), Some(nasty));
            match (request.credentials(), back.credentials()) {
                (
                    SignInCredentials::Password {
                        name: n1,
                        password: p1,
                    },
                    SignInCredentials::Password {
                        name: n2,
                        password: p2,
                    },
                )
                | (
                    SignInCredentials::PersonalAccessToken {
                        name: n1,
                        secret: p1,
                    },
                    SignInCredentials::PersonalAccessToken {
                        name: n2,
                        secret: p2,
                    },
                ) => {
                    assert_eq!(n1, n2);
                    assert_eq!(p1.expose_secret(), p2.expose_secret());
                }
                (
                    SignInCredentials::Jwt {
                        jwt: j1,
                        is_uat: u1,
                    },
                    SignInCredentials::Jwt {
                        jwt: j2,
                        is_uat: u2,
                    },
                ) => {
                    assert_eq!(j1.expose_secret(), j2.expose_secret());
                    assert_eq!(u1, u2);
                }
                (a, b) => panic!("kind changed: {} -> {}", a.kind(), b.kind()),
            }
            // The re-encoded body is byte-identical: the form is canonical.
            assert_eq!(back.to_xml(), xml);
        }
    }
}

#[test]
fn decodes_what_tsc_sends_and_other_shapes() {
    // TSC's bytes, pretty-printed bodies, a namespace, and a missing isUat all decode.
    let tsc = br#"<tsRequest><credentials name="u" password="p"><site contentUrl="" /></credentials></tsRequest>"#;
    let r = SignInRequest::from_xml(tsc).unwrap();
    assert_eq!(r.site_content_url(), "");
    assert_eq!(r.credentials().kind(), "password");

    let pretty = br#"<?xml version="1.0"?>
<tsRequest xmlns="http://tableau.com/api">
  <credentials jwt="abc">
    <site contentUrl="S" />
  </credentials>
</tsRequest>"#;
    let r = SignInRequest::from_xml(pretty).unwrap();
    assert!(matches!(
        r.credentials(),
        SignInCredentials::Jwt { is_uat: false, .. }
    ));

    let switch = b"<tsRequest>\n  <site contentUrl='Finance'/>\n</tsRequest>";
    assert_eq!(
        SwitchSiteRequest::from_xml(switch).unwrap().content_url(),
        "Finance"
    );
}

#[test]
fn incomplete_requests_name_what_is_missing() {
    let cases: [(&[u8], &str); 5] = [
        (
            br#"<tsRequest><credentials name="u"><site contentUrl=""/></credentials></tsRequest>"#,
            "missing attribute tsRequest/credentials/@password",
        ),
        (
            br#"<tsRequest><credentials personalAccessTokenName="n"><site/></credentials></tsRequest>"#,
            "missing attribute tsRequest/credentials/@personalAccessTokenSecret",
        ),
        (
            br#"<tsRequest><credentials name="u" password="p"/></tsRequest>"#,
            "missing element <site> in <tsRequest/credentials>",
        ),
        (
            br#"<tsRequest><credentials><site/></credentials></tsRequest>"#,
            "missing attribute tsRequest/credentials/@name",
        ),
        (br#"<tsRequest/>"#, "missing element <credentials> in <tsRequest>"),
    ];
    for (body, message) in cases {
        let err = SignInRequest::from_xml(body).unwrap_err();
        assert_eq!(err.to_string(), message);
    }
    assert!(matches!(
        SignInRequest::from_xml(br#"<tsResponse/>"#),
        Err(Error::UnexpectedRoot {
            expected: "tsRequest",
            ..
        })
    ));
}

#[test]
fn debug_never_shows_secrets() {
    let secrets = [
        "s3cret-pw",
        "pat-s3cret",
        "eyJ.jwt.s3cret",
        "eyJ.uat.s3cret",
    ];
    let requests = [
        SignInRequest::new(SignInCredentials::password("alice", secrets[0]), "site"),
        SignInRequest::new(
            SignInCredentials::personal_access_token("ci", secrets[1]),
            "site",
        )
        .impersonate(USER),
        SignInRequest::new(SignInCredentials::jwt(secrets[2]), "site"),
        SignInRequest::new(SignInCredentials::unified_access_token(secrets[3]), "site"),
    ];
    for (request, secret) in requests.iter().zip(secrets) {
        let debug = format!("{request:?} {:?} {request:#?}", request.credentials());
        assert!(!debug.contains(secret), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
        // The wire body does carry it: that is the point of the body.
        assert!(request.to_xml().contains(secret));
        let decoded = SignInRequest::from_xml(request.to_xml().as_bytes()).unwrap();
        assert!(!format!("{decoded:?}").contains(secret));
    }
}

#[test]
fn minimum_versions_follow_the_floors() {
    let pw = SignInRequest::new(SignInCredentials::password("a", "b"), "");
    assert_eq!(pw.minimum_version(), ApiVersion::SIGN_IN);
    assert_eq!(
        pw.clone().impersonate(USER).minimum_version(),
        ApiVersion::SIGN_IN
    );
    let pat = SignInRequest::new(SignInCredentials::personal_access_token("a", "b"), "");
    assert_eq!(pat.minimum_version(), ApiVersion::PAT);
    assert_eq!(
        pat.impersonate(USER).minimum_version(),
        ApiVersion::PAT_IMPERSONATION
    );
    assert_eq!(
        SignInCredentials::jwt("j").minimum_version(),
        ApiVersion::JWT
    );
    assert_eq!(
        SignInCredentials::unified_access_token("j").minimum_version(),
        ApiVersion::UAT
    );
}
