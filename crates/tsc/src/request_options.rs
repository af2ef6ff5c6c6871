//! [`RequestOptions`]: paging (and later sorting and filtering) for list calls.

use tsc_model::ApiVersion;

use crate::{Error, Result};

/// Largest page size the REST API accepts.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Options of a list call — the twin of TSC's `TSC.RequestOptions`.
///
/// ```
/// let options = tsc::RequestOptions::new().page_size(50).page_number(3);
/// assert_eq!(options.to_query(tsc::model::ApiVersion::new(3, 27)).unwrap(), "pageNumber=3&pageSize=50");
/// // Out-of-range values are refused before any request is sent:
/// assert!(tsc::RequestOptions::new().page_size(5000).to_query(tsc::model::ApiVersion::new(3, 27)).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct RequestOptions {
    page_size: Option<u32>,
    page_number: Option<u32>,
}

impl RequestOptions {
    /// The server's defaults (page 1, 100 per page).
    pub fn new() -> Self {
        Self::default()
    }

    /// Items per page, 1–1000.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// The 1-based page number.
    pub fn page_number(mut self, page_number: u32) -> Self {
        self.page_number = Some(page_number);
        self
    }

    /// The query string (without `?`), validated. TSC's parameter order is kept.
    pub fn to_query(&self, _version: ApiVersion) -> Result<String> {
        let mut parts = Vec::new();
        if let Some(n) = self.page_number {
            if n == 0 {
                return Err(Error::invalid("page number", "pages are numbered from 1"));
            }
            parts.push(format!("pageNumber={n}"));
        }
        if let Some(size) = self.page_size {
            if size == 0 || size > MAX_PAGE_SIZE {
                return Err(Error::invalid(
                    "page size",
                    format!("{size} is outside 1..={MAX_PAGE_SIZE}, the range Tableau accepts"),
                ));
            }
            parts.push(format!("pageSize={size}"));
        }
        Ok(parts.join("&"))
    }
}
