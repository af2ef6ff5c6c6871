//! Pieces shared by several responses: pagination, timestamps, the error document, and the
//! `tsResponse` envelope walk.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;
use crate::xml::{Elem, Parser};

/// Opens a `<tsResponse>` document and hands each child element to `on_child`, which must
/// consume it (decode it or [`Parser::skip`] it). An `<error>` child turns into
/// [`Error::ErrorResponse`].
pub(crate) fn walk_ts_response<'a>(
    body: &'a [u8],
    expected: &'static str,
    mut on_child: impl FnMut(&mut Parser<'a>, Elem<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    let (mut parser, root) = Parser::open(body, "tsResponse")?;
    while let Some(child) = parser.next_child(&root)? {
        if child.local_name() == "error" {
            let error = ApiError::decode(&mut parser, child)?;
            return Err(Error::ErrorResponse {
                expected,
                error: Box::new(error),
            });
        }
        on_child(&mut parser, child)?;
    }
    parser.finish()
}

/// Where one page of a paged list sits in the whole list (`<pagination pageNumber pageSize
/// totalAvailable/>`, TSC's `PaginationItem`).
///
/// ```
/// use tsc_model::PaginationItem;
/// let page = PaginationItem { page_number: 2, page_size: 1, total_available: 3 };
/// assert!(page.has_next_page());
/// assert_eq!(page.next_page_number(), Some(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaginationItem {
    /// 1-based number of this page.
    pub page_number: u32,
    /// Items per page as the server applied it (1–1000).
    pub page_size: u32,
    /// Items in the whole list.
    pub total_available: u64,
}

impl PaginationItem {
    /// What TSC assumes when a list response carries no `<pagination>`: the page is the
    /// whole list.
    pub fn whole_list(len: usize) -> Self {
        PaginationItem {
            page_number: 1,
            page_size: u32::try_from(len).unwrap_or(u32::MAX),
            total_available: len as u64,
        }
    }

    /// `true` while `page_size * page_number < total_available` (TSC's pager rule).
    pub fn has_next_page(&self) -> bool {
        u64::from(self.page_number) * u64::from(self.page_size) < self.total_available
    }

    /// The number of the next page, if [`has_next_page`](Self::has_next_page).
    pub fn next_page_number(&self) -> Option<u32> {
        if self.has_next_page() {
            self.page_number.checked_add(1)
        } else {
            None
        }
    }

    pub(crate) fn decode<'a>(
        parser: &mut Parser<'a>,
        elem: Elem<'a>,
        path: &'static str,
    ) -> Result<Self, Error> {
        let (mut number, mut size, mut total) = (None, None, None);
        for attr in elem.attrs(parser, path) {
            let attr = attr?;
            match attr.name() {
                "pageNumber" => number = Some(attr.int()?),
                "pageSize" => size = Some(attr.int()?),
                "totalAvailable" => total = Some(attr.int()?),
                _ => {}
            }
        }
        let missing = |attribute| Error::MissingAttribute {
            element: path,
            attribute,
        };
        let item = PaginationItem {
            page_number: number.ok_or_else(|| missing("pageNumber"))?,
            page_size: size.ok_or_else(|| missing("pageSize"))?,
            total_available: total.ok_or_else(|| missing("totalAvailable"))?,
        };
        parser.skip(elem)?;
        Ok(item)
    }
}

/// A date-time attribute such as `createdAt="2016-08-03T20:34:04Z"`: the raw text is always
/// kept; [`date_time`](Self::date_time) is `None` when the text is not a valid RFC 3339
/// date-time (TSC fixture `workbook_get_invalid_date.xml` has `2016-06-31`), so one bad date
/// never fails the page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// The attribute text as sent.
    pub raw: String,
    /// The parsed instant (servers send UTC with `Z`).
    pub date_time: Option<OffsetDateTime>,
}

impl Timestamp {
    /// Parses `raw` as RFC 3339 (a superset of the `%Y-%m-%dT%H:%M:%SZ` shape servers use).
    ///
    /// ```
    /// use tsc_model::Timestamp;
    /// let ok = Timestamp::parse("2016-08-03T20:34:04Z");
    /// assert_eq!(ok.date_time.map(|t| t.unix_timestamp()), Some(1_470_256_444));
    /// let bad = Timestamp::parse("2016-06-31T20:34:04Z");
    /// assert_eq!((bad.raw.as_str(), bad.date_time), ("2016-06-31T20:34:04Z", None));
    /// ```
    pub fn parse(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let date_time = OffsetDateTime::parse(raw.trim(), &Rfc3339).ok();
        Timestamp { raw, date_time }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// A Tableau error document: `<tsResponse><error code="401001"><summary>…</summary>
/// <detail>…</detail></error></tsResponse>`.
///
/// ```
/// use tsc_model::ApiError;
/// let body = br#"<tsResponse xmlns="http://tableau.com/api"><error code="401002">
///   <summary>Unauthorized Access</summary>
///   <detail>Invalid authentication credentials were provided.</detail></error></tsResponse>"#;
/// let err = ApiError::from_xml(body)?;
/// assert_eq!(err.code, "401002");
/// assert_eq!(err.http_status(), Some(401));
/// assert!(ApiError::sniff(b"<html></html>").is_none());
/// # Ok::<(), tsc_model::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiError {
    /// Six-digit code; its first three digits match the HTTP status (e.g. `401001`).
    pub code: String,
    /// Short summary (`Signin Error`).
    pub summary: String,
    /// Longer detail (`Error signing in to Tableau Server`).
    pub detail: String,
}

impl ApiError {
    /// Decodes an error document.
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        let (mut parser, root) = Parser::open(body, "tsResponse")?;
        let mut found = None;
        while let Some(child) = parser.next_child(&root)? {
            if found.is_none() && child.local_name() == "error" {
                found = Some(ApiError::decode(&mut parser, child)?);
            } else {
                parser.skip(child)?;
            }
        }
        parser.finish()?;
        found.ok_or(Error::MissingElement {
            name: "error",
            parent: "tsResponse",
        })
    }

    /// `Some` when `body` is a well-formed Tableau error document, `None` for anything else
    /// (success documents, HTML, garbage). Never fails.
    pub fn sniff(body: &[u8]) -> Option<Self> {
        ApiError::from_xml(body).ok()
    }

    /// The HTTP status implied by the code's first three digits, if it has that shape.
    pub fn http_status(&self) -> Option<u16> {
        let head = self.code.get(..3)?;
        if !head.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        head.parse().ok().filter(|s| (100..600).contains(s))
    }

    pub(crate) fn decode<'a>(parser: &mut Parser<'a>, elem: Elem<'a>) -> Result<Self, Error> {
        const PATH: &str = "tsResponse/error";
        let mut code = None;
        for attr in elem.attrs(parser, PATH) {
            let attr = attr?;
            if attr.name() == "code" {
                code = Some(attr.string()?.trim().to_owned());
            }
        }
        let code = code.ok_or(Error::MissingAttribute {
            element: PATH,
            attribute: "code",
        })?;
        let (mut summary, mut detail) = (String::new(), String::new());
        while let Some(child) = parser.next_child(&elem)? {
            match child.local_name() {
                "summary" => summary = parser.text(child, "tsResponse/error/summary")?,
                "detail" => detail = parser.text(child, "tsResponse/error/detail")?,
                _ => parser.skip(child)?,
            }
        }
        Ok(ApiError {
            code,
            summary,
            detail,
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tableau error {}: {}", self.code, self.summary)?;
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
