//! The response body type of the in-memory service.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// Boxed error type of [`TestBody`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body was cut on purpose ([`crate::Fault::DropMidBody`]).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped mid-body (injected fault)")]
pub struct DroppedMidBody;

/// A response body: complete bytes, or bytes followed by an injected failure.
#[derive(Debug)]
pub struct TestBody {
    data: Option<Bytes>,
    fail_after: bool,
}

impl TestBody {
    /// A complete body.
    pub fn full(data: impl Into<Bytes>) -> Self {
        TestBody {
            data: Some(data.into()),
            fail_after: false,
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        TestBody {
            data: None,
            fail_after: false,
        }
    }

    /// `data`, then an error instead of the end of the body.
    pub(crate) fn failing_after(data: Bytes) -> Self {
        TestBody {
            data: Some(data),
            fail_after: true,
        }
    }
}

impl Body for TestBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(data) = self.data.take().filter(|d| !d.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if self.fail_after {
            self.fail_after = false;
            return Poll::Ready(Some(Err(Box::new(DroppedMidBody))));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        !self.fail_after && self.data.as_ref().is_none_or(Bytes::is_empty)
    }

    fn size_hint(&self) -> SizeHint {
        if self.fail_after {
            // Unknown on purpose: the declared length lives in the Content-Length header.
            return SizeHint::default();
        }
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}
