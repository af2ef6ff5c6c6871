//! Cross-crate checks: the facade re-exports the very same layer crates.

#[test]
fn facade_reexports_the_layer_crates() {
    assert_eq!(tsc::auth::AUTH_HEADER, tsc_auth::AUTH_HEADER);
    assert_eq!(
        tsc::transport::DEFAULT_USER_AGENT,
        tsc_transport::DEFAULT_USER_AGENT
    );
    assert_eq!(tsc::model::TABLEAU_NAMESPACE, tsc_model::TABLEAU_NAMESPACE);
}
