//! `server.workbooks()`: one page, a chosen page, or a stream over all of them.

use futures_util::stream::{self, BoxStream, StreamExt};
use tsc_model::{PaginationItem, WorkbookItem, WorkbookList};

use super::{encode_component, get_ok, site_uri};
use crate::{RequestOptions, Result, Server};

/// Workbook queries (TSC's `server.workbooks`).
#[derive(Debug, Clone, Copy)]
pub struct WorkbooksEndpoint<'a> {
    server: &'a Server,
}

impl<'a> WorkbooksEndpoint<'a> {
    pub(crate) fn new(server: &'a Server) -> Self {
        Self { server }
    }

    /// The first page with the server's default page size (TSC's `server.workbooks.get()`).
    pub async fn get(&self) -> Result<(Vec<WorkbookItem>, PaginationItem)> {
        self.get_page(&RequestOptions::new()).await
    }

    /// One page, chosen with [`RequestOptions`] (TSC's `server.workbooks.get(req_options)`).
    pub async fn get_page(
        &self,
        options: &RequestOptions,
    ) -> Result<(Vec<WorkbookItem>, PaginationItem)> {
        fetch_page(self.server, options).await
    }

    /// One workbook by LUID.
    pub async fn get_by_id(&self, workbook_id: &str) -> Result<WorkbookItem> {
        if workbook_id.trim().is_empty() {
            return Err(crate::Error::invalid("workbook id", "it is empty"));
        }
        let uri = site_uri(
            self.server,
            &format!("workbooks/{}", encode_component(workbook_id)),
        )?;
        let body = get_ok(self.server, uri).await?;
        Ok(WorkbookItem::from_xml(&body)?)
    }

    /// Every workbook of the site, page after page (TSC's `TSC.Pager(server.workbooks)`).
    /// Memory stays flat: one page is held at a time.
    pub fn all(&self) -> BoxStream<'static, Result<WorkbookItem>> {
        self.pager().stream()
    }

    /// A configurable pager: page size and how many pages to fetch concurrently.
    pub fn pager(&self) -> Pager {
        Pager {
            server: self.server.clone(),
            page_size: None,
            concurrency: 1,
        }
    }
}

/// Streams every workbook of the site, optionally fetching several pages at once once the
/// first page has told the total.
///
/// ```
/// # use tsc_testserver::{Config, TestServer};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> tsc::Result<()> {
/// # let emulator = TestServer::new(Config::server().workbooks_per_site(450));
/// # let server = tsc::Server::builder("https://tableau.example.com")
/// #     .transport(tsc::transport::Transport::new(emulator.service()))
/// #     .build().await?;
/// # let session = server.auth().sign_in(&tsc::PersonalAccessTokenAuth::new("quickstart", "quickstart-secret", "")).await?;
/// use futures_util::TryStreamExt;
/// let all: Vec<_> = server
///     .workbooks()
///     .pager()
///     .page_size(200)
///     .concurrency(4)
///     .stream()
///     .try_collect()
///     .await?;
/// assert_eq!(all.len(), 450); // 3 pages, the last two fetched at once
/// # session.sign_out().await?; Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Pager {
    server: Server,
    page_size: Option<u32>,
    concurrency: usize,
}

impl Pager {
    /// Workbooks per page (1–1000; the server's default is 100).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Pages in flight at once after the first (default 1 = sequential; values below 1
    /// mean 1). Pages are still yielded in order.
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages.max(1);
        self
    }

    /// The stream of workbooks, in server order.
    pub fn stream(self) -> BoxStream<'static, Result<WorkbookItem>> {
        let Pager {
            server,
            page_size,
            concurrency,
        } = self;
        let first = {
            let server = server.clone();
            async move {
                let mut options = RequestOptions::new().page_number(1);
                if let Some(size) = page_size {
                    options = options.page_size(size);
                }
                fetch_page(&server, &options).await
            }
        };
        stream::once(first)
            .flat_map(move |first| match first {
                Err(e) => stream::iter(vec![Err(e)]).boxed(),
                Ok((items, pagination)) => {
                    let size = pagination.page_size.max(1);
                    let pages = total_pages(pagination.total_available, size);
                    let server = server.clone();
                    let rest = stream::iter(2..=pages)
                        .map(move |number| {
                            let server = server.clone();
                            let fetch = async move {
                                let options =
                                    RequestOptions::new().page_size(size).page_number(number);
                                fetch_page(&server, &options).await
                            };
                            // With several pages in flight each page is fetched *and decoded*
                            // on its own task, so decoding runs in parallel on a multi-thread
                            // runtime instead of inside the consumer's task.
                            async move {
                                if concurrency > 1 {
                                    tokio::spawn(fetch).await.unwrap_or_else(|source| {
                                        Err(crate::Error::PageTask {
                                            page: number,
                                            source,
                                        })
                                    })
                                } else {
                                    fetch.await
                                }
                            }
                        })
                        .buffered(concurrency)
                        .flat_map(|page| match page {
                            Ok((items, _)) => {
                                stream::iter(items.into_iter().map(Ok).collect::<Vec<_>>())
                            }
                            Err(e) => stream::iter(vec![Err(e)]),
                        });
                    stream::iter(items.into_iter().map(Ok).collect::<Vec<_>>())
                        .chain(rest)
                        .boxed()
                }
            })
            .boxed()
    }
}

/// Pages needed for `total` items at `size` per page (at least 1).
fn total_pages(total: u64, size: u32) -> u32 {
    let pages = total.div_ceil(u64::from(size.max(1)));
    u32::try_from(pages.max(1)).unwrap_or(u32::MAX)
}

async fn fetch_page(
    server: &Server,
    options: &RequestOptions,
) -> Result<(Vec<WorkbookItem>, PaginationItem)> {
    let query = options.to_query(server.version())?;
    let path = if query.is_empty() {
        "workbooks".to_owned()
    } else {
        format!("workbooks?{query}")
    };
    let uri = site_uri(server, &path)?;
    let body = get_ok(server, uri).await?;
    let list = WorkbookList::from_xml(&body)?;
    Ok((list.workbooks, list.pagination))
}

#[cfg(test)]
mod tests {
    #[test]
    fn page_count_rounds_up_and_is_at_least_one() {
        assert_eq!(super::total_pages(0, 100), 1);
        assert_eq!(super::total_pages(100, 100), 1);
        assert_eq!(super::total_pages(101, 100), 2);
        assert_eq!(super::total_pages(10_000, 100), 100);
        assert_eq!(super::total_pages(5, 0), 5);
    }
}
