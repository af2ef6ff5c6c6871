//! Credential parsing as a server does it: arbitrary bytes into `SignInRequest::from_xml` and
//! `SwitchSiteRequest::from_xml`. No panic; a decoded request must survive `to_xml` →
//! `from_xml` unchanged, and its `Debug` must not show the secret it holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tsc_model::secrecy::ExposeSecret;
use tsc_model::{SignInCredentials, SignInRequest, SwitchSiteRequest};

fn secret(c: &SignInCredentials) -> &str {
    match c {
        SignInCredentials::Password { password, .. } => password.expose_secret(),
        SignInCredentials::PersonalAccessToken { secret, .. } => secret.expose_secret(),
        SignInCredentials::Jwt { jwt, .. } => jwt.expose_secret(),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = SignInRequest::from_xml(data) {
        let s = secret(request.credentials());
        // Short secrets could appear in Debug by coincidence (a field name, a kind).
        if s.len() >= 12 && s.chars().all(|c| c.is_ascii_alphanumeric()) {
            assert!(
                !format!("{request:?}").contains(s),
                "Debug shows the secret"
            );
        }
        let again = SignInRequest::from_xml(request.to_xml().as_bytes())
            .expect("the canonical form of a decoded request decodes");
        assert_eq!(secret(request.credentials()), secret(again.credentials()));
        assert_eq!(request.site_content_url(), again.site_content_url());
        assert_eq!(request.impersonate_user_id(), again.impersonate_user_id());
    }
    if let Ok(switch) = SwitchSiteRequest::from_xml(data) {
        let again = SwitchSiteRequest::from_xml(switch.to_xml().as_bytes())
            .expect("the canonical form of a decoded switch-site request decodes");
        assert_eq!(switch.content_url(), again.content_url());
    }
});
