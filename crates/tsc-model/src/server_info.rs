//! Server information: `GET serverinfo` and the legacy `/auth?format=xml` body.

use crate::common::decode_single;
use crate::error::ValueError;
use crate::xml::{Elem, Parser};
use crate::{ApiVersion, Error, legacy_api_version_for_product};

/// `<tsResponse><serverInfo>`: what `GET /api/{v}/serverinfo` returns (TSC's `ServerInfoItem`).
///
/// ```
/// use tsc_model::{ApiVersion, ServerInfoItem};
/// let body = br#"<tsResponse xmlns="http://tableau.com/api"><serverInfo>
///   <productVersion build="20242.24.0719.1101">2024.2.1</productVersion>
///   <restApiVersion>3.23</restApiVersion></serverInfo></tsResponse>"#;
/// let info = ServerInfoItem::from_xml(body)?;
/// assert_eq!(info.rest_api_version, ApiVersion::new(3, 23));
/// assert_eq!(info.product_version, "2024.2.1");
/// assert_eq!(info.build, "20242.24.0719.1101");
/// # Ok::<(), tsc_model::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerInfoItem {
    /// The marketing version (`productVersion` text), e.g. `2024.2.1`.
    pub product_version: String,
    /// `productVersion/@build`, e.g. `20242.24.0719.1101` (`""` when absent).
    pub build: String,
    /// The newest REST API version the server speaks (`restApiVersion`).
    pub rest_api_version: ApiVersion,
    /// `prepConductorVersion`, when sent.
    pub prep_conductor_version: Option<String>,
    /// `platform`, when sent.
    pub platform: Option<String>,
}

impl ServerInfoItem {
    /// Decodes a server-info response. `restApiVersion` must be a valid version: it drives
    /// version negotiation, so a bad value is an error rather than a silent default.
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        decode_single(
            body,
            "a server-info response",
            "serverInfo",
            decode_server_info,
        )
    }
}

fn decode_server_info<'a>(
    parser: &mut Parser<'a>,
    elem: Elem<'a>,
) -> Result<ServerInfoItem, Error> {
    const PATH: &str = "tsResponse/serverInfo";
    let (mut product, mut build, mut rest, mut prep, mut platform) =
        (None, String::new(), None, None, None);
    while let Some(child) = parser.next_child(&elem)? {
        match child.local_name() {
            "productVersion" => {
                for attr in child.attrs(parser, "tsResponse/serverInfo/productVersion") {
                    let attr = attr?;
                    if attr.name() == "build" {
                        build = attr.string()?;
                    }
                }
                product = Some(parser.text(child, "tsResponse/serverInfo/productVersion")?);
            }
            "restApiVersion" => {
                const WHAT: &str = "tsResponse/serverInfo/restApiVersion";
                let position = child.position();
                let text = parser.text(child, WHAT)?;
                let version = text.parse::<ApiVersion>().map_err(|err| {
                    parser.decode_error(WHAT.to_owned(), position, ValueError::ApiVersion(err))
                })?;
                rest = Some(version);
            }
            "prepConductorVersion" => {
                prep = Some(parser.text(child, "tsResponse/serverInfo/prepConductorVersion")?);
            }
            "platform" => platform = Some(parser.text(child, "tsResponse/serverInfo/platform")?),
            _ => parser.skip(child)?,
        }
    }
    Ok(ServerInfoItem {
        product_version: product.ok_or(Error::MissingElement {
            name: "productVersion",
            parent: PATH,
        })?,
        build,
        rest_api_version: rest.ok_or(Error::MissingElement {
            name: "restApiVersion",
            parent: PATH,
        })?,
        prep_conductor_version: prep,
        platform,
    })
}

/// The legacy `GET /auth?format=xml` answer of Tableau Server before 10.1 (no `serverinfo`):
/// `<authinfo><version><product_version>9.3</product_version>…`.
///
/// ```
/// use tsc_model::{ApiVersion, LegacyAuthInfo};
/// let body = b"<authinfo><version version=\"0.31\"><product_version>9.3</product_version>\
///              </version></authinfo>";
/// let info = LegacyAuthInfo::from_xml(body)?;
/// assert_eq!(info.rest_api_version(), ApiVersion::new(2, 2));
/// # Ok::<(), tsc_model::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LegacyAuthInfo {
    /// `product_version`, e.g. `9.3`.
    pub product_version: String,
    /// `external_version`, e.g. `9.3.4`.
    pub external_version: Option<String>,
    /// `build`.
    pub build: Option<String>,
    /// `api_version` (the old, non-REST API's version, e.g. `0.31`).
    pub api_version: Option<String>,
}

impl LegacyAuthInfo {
    /// Decodes the legacy body. Fields are read from `authinfo/version/*` (and, leniently,
    /// from direct children of `authinfo`).
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        let (mut parser, root) = Parser::open(body, "authinfo")?;
        let mut info = LegacyAuthInfo {
            product_version: String::new(),
            external_version: None,
            build: None,
            api_version: None,
        };
        let mut product = None;
        decode_legacy_fields(&mut parser, &root, &mut info, &mut product, true)?;
        parser.finish()?;
        info.product_version = product.ok_or(Error::MissingElement {
            name: "product_version",
            parent: "authinfo/version",
        })?;
        Ok(info)
    }

    /// The REST API version this server speaks, by TSC's map
    /// ([`legacy_api_version_for_product`]).
    pub fn rest_api_version(&self) -> ApiVersion {
        legacy_api_version_for_product(&self.product_version)
    }
}

fn decode_legacy_fields<'a>(
    parser: &mut Parser<'a>,
    parent: &Elem<'a>,
    info: &mut LegacyAuthInfo,
    product: &mut Option<String>,
    descend: bool,
) -> Result<(), Error> {
    const PATH: &str = "authinfo/version";
    while let Some(child) = parser.next_child(parent)? {
        match child.local_name() {
            "version" if descend => decode_legacy_fields(parser, &child, info, product, false)?,
            "product_version" => *product = Some(parser.text(child, PATH)?),
            "external_version" => info.external_version = Some(parser.text(child, PATH)?),
            "build" => info.build = Some(parser.text(child, PATH)?),
            "api_version" => info.api_version = Some(parser.text(child, PATH)?),
            _ => parser.skip(child)?,
        }
    }
    Ok(())
}
