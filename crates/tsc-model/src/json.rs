//! JSON bodies (feature `json`): the same requests and responses in the shape Tableau uses when
//! asked for `application/json` (spec §1.4): the `tsResponse` root is dropped, attributes
//! become string properties, element text becomes `"value"`, repeated children become arrays
//! under the singular name inside the plural wrapper (`"workbooks": {"workbook": [...]}`), and
//! numbers in `pagination` are strings. Decoders accept numbers and booleans where strings are
//! usual, and a single object where an array is usual.
//!
//! Bodies are first parsed into a `serde_json::Value` (so a parse error can only be a syntax
//! error, whose message never quotes the body), then walked by hand, so that every error names
//! its JSON path and no message can carry a secret value.

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::common::Timestamp;
use crate::error::{BodyKind, excerpt, excerpt_start};
use crate::{
    ApiError, ApiVersion, Error, OwnerRef, PaginationItem, ProjectRef, ServerInfoItem,
    SignInCredentials, SignInRequest, SignInResponse, SiteRef, TimeToExpiration, UserRef,
    ValueError, WorkbookItem, WorkbookList,
};

fn parse(body: &[u8]) -> Result<Value, Error> {
    let trimmed = body
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(body)
        .trim_ascii_start();
    match trimmed.first() {
        None => {
            return Err(Error::NotJson {
                kind: BodyKind::Empty,
                excerpt: String::new(),
            });
        }
        Some(b'{') => {}
        Some(b'<') => {
            let kind = if trimmed.len() >= 5 && trimmed[..5].eq_ignore_ascii_case(b"<html")
                || trimmed.len() >= 14 && trimmed[..14].eq_ignore_ascii_case(b"<!doctype html")
            {
                BodyKind::Html
            } else {
                BodyKind::Xml
            };
            return Err(Error::NotJson {
                kind,
                excerpt: excerpt_start(body),
            });
        }
        Some(_) => {
            return Err(Error::NotJson {
                kind: BodyKind::Text,
                excerpt: excerpt_start(body),
            });
        }
    }
    serde_json::from_slice(body).map_err(|source| {
        // Line/column → byte offset, for the excerpt.
        let mut line = 1;
        let mut offset = 0;
        for (i, b) in body.iter().enumerate() {
            if line == source.line() {
                offset = i + source.column().saturating_sub(1);
                break;
            }
            if *b == b'\n' {
                line += 1;
            }
        }
        Error::Json {
            excerpt: excerpt(body, offset),
            source,
        }
    })
}

/// A JSON scalar as text: strings as-is, numbers and booleans formatted.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Helper carrying the JSON path of the object being read, for errors.
struct Obj<'v> {
    value: &'v serde_json::Map<String, Value>,
    path: &'static str,
}

impl<'v> Obj<'v> {
    fn root(value: &'v Value) -> Result<Self, Error> {
        match value {
            Value::Object(map) => Ok(Obj {
                value: map,
                path: "(root)",
            }),
            _ => Err(Error::MissingElement {
                name: "(object)",
                parent: "JSON body",
            }),
        }
    }

    fn child(&self, key: &'static str, path: &'static str) -> Option<Obj<'v>> {
        match self.value.get(key) {
            Some(Value::Object(map)) => Some(Obj { value: map, path }),
            _ => None,
        }
    }

    fn require(&self, key: &'static str, path: &'static str) -> Result<Obj<'v>, Error> {
        self.child(key, path).ok_or(Error::MissingElement {
            name: key,
            parent: self.path,
        })
    }

    fn text(&self, key: &'static str) -> Result<Option<String>, Error> {
        match self.value.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => scalar_text(v).map(Some).ok_or_else(|| Error::Decode {
                what: format!("{}/{key}", self.path),
                excerpt: String::new(),
                source: ValueError::JsonType,
            }),
        }
    }

    fn secret(&self, key: &'static str) -> Result<Option<String>, Error> {
        match self.value.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::Decode {
                what: format!("{}/{key}", self.path),
                excerpt: String::new(),
                source: ValueError::Secret,
            }),
        }
    }

    fn required_text(&self, key: &'static str) -> Result<String, Error> {
        self.text(key)?.ok_or(Error::MissingAttribute {
            element: self.path,
            attribute: key,
        })
    }

    fn int<T: std::str::FromStr<Err = std::num::ParseIntError>>(
        &self,
        key: &'static str,
    ) -> Result<Option<T>, Error> {
        let Some(text) = self.text(key)? else {
            return Ok(None);
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        text.trim().parse().map(Some).map_err(|e| Error::Decode {
            what: format!("{}/{key}", self.path),
            excerpt: String::new(),
            source: ValueError::Integer(e),
        })
    }

    fn boolean(&self, key: &'static str) -> Result<Option<bool>, Error> {
        Ok(self
            .text(key)?
            .map(|t| t.trim().eq_ignore_ascii_case("true")))
    }

    /// `{"tag": [..]}` or `{"tag": {..}}` → the objects.
    fn list(&self, key: &'static str) -> Vec<&'v serde_json::Map<String, Value>> {
        match self.value.get(key) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
            Some(Value::Object(one)) => vec![one],
            _ => Vec::new(),
        }
    }
}

fn error_document(root: &Obj<'_>, expected: &'static str) -> Result<(), Error> {
    if let Some(error) = root.child("error", "error") {
        return Err(Error::ErrorResponse {
            expected,
            error: Box::new(decode_error(&error)?),
        });
    }
    Ok(())
}

fn decode_error(error: &Obj<'_>) -> Result<ApiError, Error> {
    Ok(ApiError {
        code: error.required_text("code")?.trim().to_owned(),
        summary: error.text("summary")?.unwrap_or_default(),
        detail: error.text("detail")?.unwrap_or_default(),
    })
}

fn json_string(out: &mut String, value: &str) {
    // Writing a `&str` to JSON cannot fail.
    out.push_str(&serde_json::to_string(value).unwrap_or_else(|_| String::from("\"\"")));
}

impl SignInRequest {
    /// The JSON body, keys in the same order as the XML form:
    /// `{"credentials":{"name":…,"password":…,"site":{"contentUrl":…},"user":{"id":…}}}`.
    /// `isUat` is a JSON boolean, always sent. The impersonation shape (`"user": {"id"}`) is
    /// by analogy with XML (UNCONFIRMED by Tableau's docs).
    ///
    /// ```
    /// use tsc_model::{SignInCredentials, SignInRequest};
    /// let body = SignInRequest::new(SignInCredentials::unified_access_token("eyJ"), "S").to_json();
    /// assert_eq!(body, r#"{"credentials":{"jwt":"eyJ","isUat":true,"site":{"contentUrl":"S"}}}"#);
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"credentials\":{");
        match self.credentials() {
            SignInCredentials::Password { name, password } => {
                out.push_str("\"name\":");
                json_string(&mut out, name);
                out.push_str(",\"password\":");
                json_string(&mut out, password.expose_secret());
            }
            SignInCredentials::PersonalAccessToken { name, secret } => {
                out.push_str("\"personalAccessTokenName\":");
                json_string(&mut out, name);
                out.push_str(",\"personalAccessTokenSecret\":");
                json_string(&mut out, secret.expose_secret());
            }
            SignInCredentials::Jwt { jwt, is_uat } => {
                out.push_str("\"jwt\":");
                json_string(&mut out, jwt.expose_secret());
                out.push_str(if *is_uat {
                    ",\"isUat\":true"
                } else {
                    ",\"isUat\":false"
                });
            }
        }
        out.push_str(",\"site\":{\"contentUrl\":");
        json_string(&mut out, self.site_content_url());
        out.push('}');
        if let Some(user) = self.impersonate_user_id() {
            out.push_str(",\"user\":{\"id\":");
            json_string(&mut out, user);
            out.push('}');
        }
        out.push_str("}}");
        out
    }

    /// Decodes a JSON sign-in request (for servers and emulators); the same rules as
    /// [`SignInRequest::from_xml`]. `isUat` may be a boolean or a string.
    pub fn from_json(body: &[u8]) -> Result<Self, Error> {
        let value = parse(body)?;
        let root = Obj::root(&value)?;
        let creds = root.require("credentials", "credentials")?;
        let credentials = if let Some(jwt) = creds.secret("jwt")? {
            SignInCredentials::Jwt {
                jwt: SecretString::from(jwt),
                is_uat: creds.boolean("isUat")?.unwrap_or(false),
            }
        } else if let Some(name) = creds.text("personalAccessTokenName")? {
            let secret =
                creds
                    .secret("personalAccessTokenSecret")?
                    .ok_or(Error::MissingAttribute {
                        element: "credentials",
                        attribute: "personalAccessTokenSecret",
                    })?;
            SignInCredentials::PersonalAccessToken {
                name,
                secret: SecretString::from(secret),
            }
        } else if let Some(name) = creds.text("name")? {
            let password = creds.secret("password")?.ok_or(Error::MissingAttribute {
                element: "credentials",
                attribute: "password",
            })?;
            SignInCredentials::Password {
                name,
                password: SecretString::from(password),
            }
        } else {
            return Err(Error::MissingAttribute {
                element: "credentials",
                attribute: "name",
            });
        };
        let site = creds.require("site", "credentials/site")?;
        let mut request =
            SignInRequest::new(credentials, site.text("contentUrl")?.unwrap_or_default());
        if let Some(user) = creds.child("user", "credentials/user") {
            request = request.impersonate(user.required_text("id")?);
        }
        Ok(request)
    }
}

impl SignInResponse {
    /// Decodes a JSON sign-in or switch-site response:
    /// `{"credentials":{"token":…,"estimatedTimeToExpiration":…,"site":{"id","contentUrl"},"user":{"id"}}}`.
    ///
    /// ```
    /// use tsc_model::SignInResponse;
    /// let body = br#"{"credentials":{"token":"t","site":{"id":"s","contentUrl":""},"user":{"id":"u"}}}"#;
    /// assert_eq!(SignInResponse::from_json(body)?.user.id, "u");
    /// # Ok::<(), tsc_model::Error>(())
    /// ```
    pub fn from_json(body: &[u8]) -> Result<Self, Error> {
        let value = parse(body)?;
        let root = Obj::root(&value)?;
        error_document(&root, "a sign-in response")?;
        let creds = root.require("credentials", "credentials")?;
        let token = creds.secret("token")?.ok_or(Error::MissingAttribute {
            element: "credentials",
            attribute: "token",
        })?;
        let site = creds.require("site", "credentials/site")?;
        let user = creds.require("user", "credentials/user")?;
        Ok(SignInResponse {
            token: SecretString::from(token),
            estimated_time_to_expiration: creds
                .text("estimatedTimeToExpiration")?
                .map(TimeToExpiration::parse),
            site: SiteRef {
                id: site.required_text("id")?,
                content_url: site.text("contentUrl")?.unwrap_or_default(),
            },
            user: UserRef {
                id: user.required_text("id")?,
            },
        })
    }
}

impl ServerInfoItem {
    /// Decodes a JSON server-info response:
    /// `{"serverInfo":{"productVersion":{"value":…,"build":…},"restApiVersion":"3.23"}}`.
    pub fn from_json(body: &[u8]) -> Result<Self, Error> {
        let value = parse(body)?;
        let root = Obj::root(&value)?;
        error_document(&root, "a server-info response")?;
        let info = root.require("serverInfo", "serverInfo")?;
        // `productVersion` is an object (`value` + `build`), or plain text in some clients.
        let (product_version, build) =
            match info.child("productVersion", "serverInfo/productVersion") {
                Some(pv) => (
                    pv.text("value")?.unwrap_or_default(),
                    pv.text("build")?.unwrap_or_default(),
                ),
                None => (
                    info.text("productVersion")?.ok_or(Error::MissingElement {
                        name: "productVersion",
                        parent: "serverInfo",
                    })?,
                    String::new(),
                ),
            };
        let rest = info.text("restApiVersion")?.ok_or(Error::MissingElement {
            name: "restApiVersion",
            parent: "serverInfo",
        })?;
        let rest_api_version = rest
            .trim()
            .parse::<ApiVersion>()
            .map_err(|e| Error::Decode {
                what: "serverInfo/restApiVersion".to_owned(),
                excerpt: String::new(),
                source: ValueError::ApiVersion(e),
            })?;
        Ok(ServerInfoItem {
            product_version: product_version.trim().to_owned(),
            build,
            rest_api_version,
            prep_conductor_version: info.text("prepConductorVersion")?,
            platform: info.text("platform")?,
        })
    }
}

impl ApiError {
    /// Decodes a JSON error document: `{"error":{"summary":…,"detail":…,"code":"401002"}}`.
    pub fn from_json(body: &[u8]) -> Result<Self, Error> {
        let value = parse(body)?;
        let root = Obj::root(&value)?;
        decode_error(&root.require("error", "error")?)
    }

    /// `Some` when `body` is a JSON error document, `None` for anything else. Never fails.
    pub fn sniff_json(body: &[u8]) -> Option<Self> {
        ApiError::from_json(body).ok()
    }
}

fn pagination(root: &Obj<'_>, len: usize) -> Result<PaginationItem, Error> {
    let Some(p) = root.child("pagination", "pagination") else {
        return Ok(PaginationItem::whole_list(len));
    };
    let missing = |attribute| Error::MissingAttribute {
        element: "pagination",
        attribute,
    };
    Ok(PaginationItem {
        page_number: p.int("pageNumber")?.ok_or_else(|| missing("pageNumber"))?,
        page_size: p.int("pageSize")?.ok_or_else(|| missing("pageSize"))?,
        total_available: p
            .int("totalAvailable")?
            .ok_or_else(|| missing("totalAvailable"))?,
    })
}

impl WorkbookList {
    /// Decodes a JSON workbook list page:
    /// `{"pagination":{…},"workbooks":{"workbook":[…]}}` (an empty page may be
    /// `"workbooks": {}`).
    pub fn from_json(body: &[u8]) -> Result<Self, Error> {
        let value = parse(body)?;
        let root = Obj::root(&value)?;
        error_document(&root, "a workbook list")?;
        let list = root.require("workbooks", "workbooks")?;
        let workbooks = list
            .list("workbook")
            .into_iter()
            .map(|w| {
                decode_workbook(&Obj {
                    value: w,
                    path: "workbooks/workbook",
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(WorkbookList {
            pagination: pagination(&root, workbooks.len())?,
            workbooks,
        })
    }
}

impl WorkbookItem {
    /// Decodes a JSON single-workbook response: `{"workbook":{…}}`.
    pub fn from_json(body: &[u8]) -> Result<Self, Error> {
        let value = parse(body)?;
        let root = Obj::root(&value)?;
        error_document(&root, "a workbook response")?;
        decode_workbook(&root.require("workbook", "workbook")?)
    }
}

fn decode_workbook(w: &Obj<'_>) -> Result<WorkbookItem, Error> {
    const KNOWN: [&str; 17] = [
        "id",
        "name",
        "description",
        "contentUrl",
        "webpageUrl",
        "showTabs",
        "size",
        "createdAt",
        "updatedAt",
        "lastPublishedAt",
        "sheetCount",
        "hasExtracts",
        "encryptExtracts",
        "defaultViewId",
        "shareDescription",
        "primaryContentUrl",
        "project",
    ];
    let mut wb = WorkbookItem {
        id: w.required_text("id")?,
        name: w.text("name")?.unwrap_or_default(),
        description: w.text("description")?,
        content_url: w.text("contentUrl")?.unwrap_or_default(),
        webpage_url: w.text("webpageUrl")?,
        show_tabs: w.boolean("showTabs")?,
        size: w.int("size")?,
        created_at: w.text("createdAt")?.map(Timestamp::parse),
        updated_at: w.text("updatedAt")?.map(Timestamp::parse),
        last_published_at: w.text("lastPublishedAt")?.map(Timestamp::parse),
        sheet_count: w.int("sheetCount")?,
        has_extracts: w.boolean("hasExtracts")?,
        encrypt_extracts: w.text("encryptExtracts")?,
        default_view_id: w.text("defaultViewId")?,
        share_description: w.text("shareDescription")?,
        primary_content_url: w.text("primaryContentUrl")?,
        ..WorkbookItem::default()
    };
    if let Some(p) = w.child("project", "workbook/project") {
        wb.project = Some(ProjectRef {
            id: p.text("id")?.unwrap_or_default(),
            name: p.text("name")?,
            description: p.text("description")?,
        });
    }
    if let Some(o) = w.child("owner", "workbook/owner") {
        wb.owner = Some(OwnerRef {
            id: o.text("id")?.unwrap_or_default(),
            name: o.text("name")?,
            email: o.text("email")?,
            full_name: o.text("fullName")?,
            site_role: o.text("siteRole")?,
            last_login: o.text("lastLogin")?.map(Timestamp::parse),
        });
    }
    if let Some(tags) = w.child("tags", "workbook/tags") {
        for tag in tags.list("tag") {
            let tag = Obj {
                value: tag,
                path: "workbook/tags/tag",
            };
            if let Some(label) = tag.text("label")? {
                wb.tags.push(label);
            }
        }
    }
    for (key, value) in w.value {
        if KNOWN.contains(&key.as_str()) {
            continue;
        }
        if let Some(text) = scalar_text(value) {
            wb.other_attributes.insert(key.clone(), text);
        }
    }
    Ok(wb)
}
