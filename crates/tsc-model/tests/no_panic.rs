//! Property tests: no input, however malformed, makes a decoder panic; request bodies round-trip
//! for arbitrary values.

use proptest::prelude::*;
use tsc_model::secrecy::ExposeSecret;
use tsc_model::{
    ApiError, EXCERPT_MAX_CHARS, Error, LegacyAuthInfo, ServerInfoItem, SignInCredentials,
    SignInRequest, SignInResponse, SiteAuthConfiguration, SiteItem, SiteList, SwitchSiteRequest,
    UserList, ViewList, WorkbookItem, WorkbookList,
};

macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        &[$(include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/tsc-assets/", $name
        )).as_slice()),*]
    };
}

const FIXTURES: &[&[u8]] = fixtures!(
    "auth_sign_in.xml",
    "auth_sign_in_error.xml",
    "auth_sign_in_impersonate.xml",
    "request_option_page_number.xml",
    "request_option_page_size.xml",
    "request_option_pagination.xml",
    "server_info_25.xml",
    "server_info_404.xml",
    "server_info_auth_info.xml",
    "server_info_get.xml",
    "server_info_wrong_site.html",
    "site_auth_configurations.xml",
    "site_create.xml",
    "site_get.xml",
    "site_get_by_id.xml",
    "site_get_by_name.xml",
    "site_update.xml",
    "user_get.xml",
    "user_get_empty.xml",
    "workbook_get.xml",
    "workbook_get_by_id.xml",
    "workbook_get_by_id_acceleration_status.xml",
    "workbook_get_empty.xml",
    "workbook_get_invalid_date.xml",
    "workbook_get_page_1.xml",
    "workbook_get_page_2.xml",
    "workbook_get_page_3.xml",
);

/// Runs every decoder on `body`; each must return (Ok or Err), and every error's message must
/// respect the excerpt bound.
fn decode_everything(body: &[u8]) {
    fn check<T>(result: Result<T, Error>) {
        if let Err(err) = result {
            let shown = err.to_string();
            // Excerpt (≤ 200 chars) plus fixed text and names (each shortened to ≤ 81 chars).
            assert!(shown.chars().count() < EXCERPT_MAX_CHARS + 400, "{shown}");
            let _ = format!("{err:?}");
        }
    }
    check(SignInResponse::from_xml(body));
    check(ServerInfoItem::from_xml(body));
    check(LegacyAuthInfo::from_xml(body));
    check(SiteItem::from_xml(body));
    check(SiteList::from_xml(body));
    check(SiteAuthConfiguration::list_from_xml(body));
    check(WorkbookItem::from_xml(body));
    check(WorkbookList::from_xml(body));
    check(ViewList::from_xml(body));
    check(UserList::from_xml(body));
    check(ApiError::from_xml(body));
    let _ = ApiError::sniff(body);
    check(SignInRequest::from_xml(body));
    check(SwitchSiteRequest::from_xml(body));
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let markup = prop::sample::select(vec![
        b"<".to_vec(),
        b">".to_vec(),
        b"/>".to_vec(),
        b"\"".to_vec(),
        b"&".to_vec(),
        b"&#0;".to_vec(),
        b"&#xFFFFFFFF;".to_vec(),
        b"<![CDATA[".to_vec(),
        b"<!--".to_vec(),
        b"xmlns=\"urn:x\" ".to_vec(),
        b"xmlns:ns0=\"http://tableau.com/api\" ".to_vec(),
        b"<ns1:".to_vec(),
        b"\xff\xfe".to_vec(),
        b"</tsResponse>".to_vec(),
        b"<error code=\"1\">".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), markup).prop_map(|(i, m)| Mutation::Insert(i, m)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, m)| Mutation::Insert(i, m)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(body: &mut Vec<u8>, m: &Mutation) {
    let len = body.len().max(1);
    match m {
        Mutation::Flip(i, b) => {
            if !body.is_empty() {
                body[i % len] = *b;
            }
        }
        Mutation::Delete(i, n) => {
            let start = (i % len).min(body.len());
            let end = (start + n).min(body.len());
            body.drain(start..end);
        }
        Mutation::Insert(i, bytes) => {
            let at = (i % len).min(body.len());
            body.splice(at..at, bytes.iter().copied());
        }
        Mutation::Truncate(i) => body.truncate(i % len),
        Mutation::Duplicate(i, n) => {
            let start = (i % len).min(body.len());
            let end = (start + n).min(body.len());
            let copy = body[start..end].to_vec();
            body.splice(end..end, copy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&body);
    }

    #[test]
    fn arbitrary_xmlish_text_never_panics(body in "[<>/=\"' a-zA-Z:&#;0-9\\[\\]!?-]{0,200}") {
        decode_everything(body.as_bytes());
        let wrapped = format!("<tsResponse xmlns=\"http://tableau.com/api\">{body}</tsResponse>");
        decode_everything(wrapped.as_bytes());
    }

    #[test]
    fn mutated_fixtures_never_panic(
        index in 0..FIXTURES.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mut body = FIXTURES[index].to_vec();
        for m in &mutations {
            apply(&mut body, m);
        }
        decode_everything(&body);
    }

    #[test]
    fn sign_in_requests_round_trip(
        name in any::<String>(),
        secret in any::<String>(),
        site in any::<String>(),
        user in proptest::option::of(any::<String>()),
        kind in 0u8..4,
    ) {
        // XML 1.0 cannot carry NUL and most C0 controls even as references; real names,
        // secrets and JWTs never contain them.
        let legal = |s: &str| s.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'));
        prop_assume!(legal(&name) && legal(&secret) && legal(&site));
        prop_assume!(user.as_deref().is_none_or(legal));
        let credentials = match kind {
            0 => SignInCredentials::password(name, secret.clone()),
            1 => SignInCredentials::personal_access_token(name, secret.clone()),
            2 => SignInCredentials::jwt(secret.clone()),
            _ => SignInCredentials::unified_access_token(secret.clone()),
        };
        let mut request = SignInRequest::new(credentials, site.clone());
        if let Some(user) = &user {
            request = request.impersonate(user.clone());
        }
        let xml = request.to_xml();
        let back = SignInRequest::from_xml(xml.as_bytes()).unwrap();
        prop_assert_eq!(back.to_xml(), xml);
        prop_assert_eq!(back.site_content_url(), site.as_str());
        prop_assert_eq!(back.impersonate_user_id(), user.as_deref());
        let decoded_secret = match back.credentials() {
            SignInCredentials::Password { password, .. } => password.expose_secret().to_owned(),
            SignInCredentials::PersonalAccessToken { secret, .. } => secret.expose_secret().to_owned(),
            SignInCredentials::Jwt { jwt, .. } => jwt.expose_secret().to_owned(),
        };
        prop_assert_eq!(decoded_secret, secret);
    }
}
