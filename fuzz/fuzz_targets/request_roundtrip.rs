//! Builds a `SignInRequest` (every credential kind, optional impersonation) and a
//! `SwitchSiteRequest` from fuzzed strings, writes them with `to_xml` and decodes them with
//! `from_xml` (and `to_json` / `from_json`): the decoded request must equal the one built.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tsc_model::secrecy::ExposeSecret;
use tsc_model::{SignInCredentials, SignInRequest, SwitchSiteRequest};

/// The fuzz input cut into strings at `\u{1f}` (unit separator), lossily decoded.
fn fields(data: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(data)
        .split('\u{1f}')
        .map(str::to_owned)
        .collect()
}

fn same(a: &SignInCredentials, b: &SignInCredentials) -> bool {
    use SignInCredentials::*;
    match (a, b) {
        (
            Password {
                name: n1,
                password: p1,
            },
            Password {
                name: n2,
                password: p2,
            },
        ) => n1 == n2 && p1.expose_secret() == p2.expose_secret(),
        (
            PersonalAccessToken {
                name: n1,
                secret: s1,
            },
            PersonalAccessToken {
                name: n2,
                secret: s2,
            },
        ) => n1 == n2 && s1.expose_secret() == s2.expose_secret(),
        (
            Jwt {
                jwt: j1,
                is_uat: u1,
            },
            Jwt {
                jwt: j2,
                is_uat: u2,
            },
        ) => j1.expose_secret() == j2.expose_secret() && u1 == u2,
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let f = fields(rest);
    let get = |i: usize| f.get(i).cloned().unwrap_or_default();
    let credentials = match selector % 4 {
        0 => SignInCredentials::password(get(0), get(1)),
        1 => SignInCredentials::personal_access_token(get(0), get(1)),
        2 => SignInCredentials::jwt(get(1)),
        _ => SignInCredentials::unified_access_token(get(1)),
    };
    let mut request = SignInRequest::new(credentials, get(2));
    if selector & 0x80 != 0 {
        request = request.impersonate(get(3));
    }
    let xml = request.to_xml();
    let decoded = match SignInRequest::from_xml(xml.as_bytes()) {
        Ok(d) => d,
        Err(e) => panic!("to_xml wrote a body from_xml rejects: {e}"),
    };
    assert!(
        same(request.credentials(), decoded.credentials()),
        "credentials differ after a round trip"
    );
    assert_eq!(request.site_content_url(), decoded.site_content_url());
    assert_eq!(request.impersonate_user_id(), decoded.impersonate_user_id());

    // The JSON shape (feature `json`) round-trips too.
    let decoded = match SignInRequest::from_json(request.to_json().as_bytes()) {
        Ok(d) => d,
        Err(e) => panic!("to_json wrote a body from_json rejects: {e}"),
    };
    assert!(
        same(request.credentials(), decoded.credentials()),
        "credentials differ after a JSON round trip"
    );
    assert_eq!(request.site_content_url(), decoded.site_content_url());
    assert_eq!(request.impersonate_user_id(), decoded.impersonate_user_id());

    let switch = SwitchSiteRequest::new(get(2));
    let decoded = match SwitchSiteRequest::from_xml(switch.to_xml().as_bytes()) {
        Ok(d) => d,
        Err(e) => panic!("SwitchSiteRequest::to_xml wrote a body from_xml rejects: {e}"),
    };
    assert_eq!(switch.content_url(), decoded.content_url());
});
