//! # tsc-model
//!
//! Typed XML request and response models for the Tableau Server / Tableau Cloud REST API
//! authentication surface.
//!
//! This crate is *sans-IO*: it builds request bodies and decodes response bodies, and never
//! opens a socket. Depend on it alone when you bring your own HTTP stack.
//!
//! * Requests: [`SignInRequest`] (password, personal access token, connected-app JWT, Unified
//!   Access Token, optional impersonation) and [`SwitchSiteRequest`], written in one canonical
//!   byte form (see [`request`]).
//! * Responses, each with `from_xml(&[u8])`: [`SignInResponse`] (also switch-site),
//!   [`ServerInfoItem`], [`LegacyAuthInfo`], [`SiteItem`], [`SiteList`], [`WorkbookItem`],
//!   [`WorkbookList`], [`ViewList`], [`UserList`], [`SiteAuthConfiguration`], and the error
//!   document [`ApiError`].
//! * [`ApiVersion`] with the version floors of the sign-in surface.
//! * With the `json` feature: `to_json` / `from_json` for sign-in requests and responses,
//!   server info, errors and workbooks, in the shapes Tableau uses for `application/json`.
//!
//! Decoders accept the current namespace ([`TABLEAU_NAMESPACE`]), the legacy one
//! ([`LEGACY_TABLEAU_NAMESPACE`]), a prefixed form (`<ns0:tsResponse xmlns:ns0=…>`) and no
//! namespace; any other namespace is [`Error::UnknownNamespace`]. Unknown elements and
//! attributes are ignored, unknown enum values kept. No input makes a decoder panic.
//!
//! ```
//! use tsc_model::{SignInCredentials, SignInRequest, SignInResponse};
//!
//! let body = SignInRequest::new(SignInCredentials::personal_access_token("ci", "s3cret"), "Sales")
//!     .to_xml();
//! assert_eq!(
//!     body,
//!     r#"<tsRequest><credentials personalAccessTokenName="ci" personalAccessTokenSecret="s3cret"><site contentUrl="Sales" /></credentials></tsRequest>"#
//! );
//!
//! let answer = br#"<?xml version='1.0' encoding='UTF-8'?>
//! <tsResponse xmlns="http://tableau.com/api"><credentials token="t0k">
//!   <site id="6b7179ba-b82b-4f0f-91ed-812074ac5da6" contentUrl="Sales"/>
//!   <user id="1a96d216-e9b8-497b-a82a-0b899a965e01"/></credentials></tsResponse>"#;
//! let session = SignInResponse::from_xml(answer)?;
//! assert_eq!(session.site.id, "6b7179ba-b82b-4f0f-91ed-812074ac5da6");
//! # Ok::<(), tsc_model::Error>(())
//! ```

mod common;
mod credentials;
mod error;
#[cfg(feature = "json")]
mod json;
mod lists;
pub mod request;
mod server_info;
mod site;
mod version;
mod workbook;
mod xml;

pub use common::{ApiError, PaginationItem, Timestamp};
pub use credentials::{SignInResponse, SiteRef, TimeToExpiration, UserRef};
pub use error::{BodyKind, EXCERPT_MAX_CHARS, Error, ValueError};
pub use lists::{UserItem, UserList, ViewItem, ViewList};
pub use request::{SignInCredentials, SignInRequest, SwitchSiteRequest};
pub use server_info::{LegacyAuthInfo, ServerInfoItem};
pub use site::{AdminMode, SiteAuthConfiguration, SiteItem, SiteList, SiteState};
pub use version::{ApiVersion, ParseApiVersionError, legacy_api_version_for_product};
pub use workbook::{
    DataAccelerationConfig, LocationKind, LocationRef, OwnerRef, ProjectRef, ViewRef, WorkbookItem,
    WorkbookList,
};

/// Re-exported so callers can build and read [`SignInCredentials`] and
/// [`SignInResponse::token`] without naming `secrecy` themselves.
pub use secrecy;

/// The default XML namespace of current Tableau REST API responses.
pub const TABLEAU_NAMESPACE: &str = "http://tableau.com/api";

/// The namespace of very old (REST 2.0 era, Tableau 9.x) responses.
pub const LEGACY_TABLEAU_NAMESPACE: &str = "http://tableausoftware.com/api";

#[cfg(test)]
mod tests {
    #[test]
    fn namespace_is_tableau_api() {
        assert_eq!(super::TABLEAU_NAMESPACE, "http://tableau.com/api");
        assert_eq!(
            super::LEGACY_TABLEAU_NAMESPACE,
            "http://tableausoftware.com/api"
        );
    }
}
