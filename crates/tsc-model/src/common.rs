//! Pieces shared by several responses: pagination, timestamps, the error document, and the
//! `tsResponse` envelope walk.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

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

/// Decodes the first `<name>` child of a `<tsResponse>` with `decode`, skipping every other
/// child; a document without one is [`Error::MissingElement`]. `expected` names the document
/// for [`Error::ErrorResponse`].
pub(crate) fn decode_single<'a, T>(
    body: &'a [u8],
    expected: &'static str,
    name: &'static str,
    mut decode: impl FnMut(&mut Parser<'a>, Elem<'a>) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut found = None;
    walk_ts_response(body, expected, |parser, child| {
        if found.is_none() && child.local_name() == name {
            found = Some(decode(parser, child)?);
            Ok(())
        } else {
            parser.skip(child)
        }
    })?;
    found.ok_or(Error::MissingElement {
        name,
        parent: "tsResponse",
    })
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
        let text = raw.trim();
        let date_time =
            parse_utc_seconds(text).or_else(|| OffsetDateTime::parse(text, &Rfc3339).ok());
        Timestamp { raw, date_time }
    }
}

/// Fast path for the exact shape servers send, `YYYY-MM-DDTHH:MM:SSZ`; `None` for any other
/// shape *or* an impossible date (then the RFC 3339 parser decides, and rejects it too).
fn parse_utc_seconds(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    if !shape_ok {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u16> {
        b[from..to].iter().try_fold(0u16, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u16::from(c - b'0'))
        })
    };
    let month = Month::try_from(u8::try_from(num(5, 7)?).ok()?).ok()?;
    let date = Date::from_calendar_date(
        i32::from(num(0, 4)?),
        month,
        u8::try_from(num(8, 10)?).ok()?,
    )
    .ok()?;
    let time = Time::from_hms(
        u8::try_from(num(11, 13)?).ok()?,
        u8::try_from(num(14, 16)?).ok()?,
        u8::try_from(num(17, 19)?).ok()?,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_timestamp_path_agrees_with_rfc3339() {
        for text in [
            "2016-08-03T20:34:04Z",
            "2000-02-29T00:00:00Z",
            "1999-12-31T23:59:59Z",
            "2016-06-31T20:34:04Z",
            "2001-02-29T00:00:00Z",
            "2016-13-01T00:00:00Z",
            "2016-08-03T24:00:00Z",
            "2016-08-03T20:61:00Z",
            "2016-0a-03T20:34:04Z",
        ] {
            let fast = parse_utc_seconds(text);
            let slow = OffsetDateTime::parse(text, &Rfc3339).ok();
            assert_eq!(fast, slow, "{text}");
            assert_eq!(Timestamp::parse(text).date_time, slow, "{text}");
        }
        // Shapes only the general parser accepts.
        for text in [
            "2016-08-03T20:34:04.123Z",
            "2016-08-03T20:34:04+02:00",
            " 2016-08-03T20:34:04Z ",
        ] {
            assert_eq!(
                parse_utc_seconds(text.trim()).is_some(),
                text.trim().len() == 20
            );
            assert!(Timestamp::parse(text).date_time.is_some(), "{text}");
        }
    }
}
