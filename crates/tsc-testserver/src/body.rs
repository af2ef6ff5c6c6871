//! The response body type of the in-memory service.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// Boxed error type of [`TestBody`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body was cut on purpose ([`crate::Fault::DropMidBody`]).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped mid-body (injected fault)")]
pub struct DroppedMidBody;

/// A response body: complete bytes, or bytes followed by an injected failure.
pub struct TestBody {
    data: Option<Bytes>,
    fail_after: bool,
    /// Before failing, pause briefly so a socket server flushes the bytes already produced
    /// (hyper drops unflushed output when a body fails).
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl std::fmt::Debug for TestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestBody")
            .field("remaining", &self.data.as_ref().map_or(0, Bytes::len))
            .field("fail_after", &self.fail_after)
            .finish()
    }
}

impl TestBody {
    /// A complete body.
    pub fn full(data: impl Into<Bytes>) -> Self {
        TestBody {
            data: Some(data.into()),
            fail_after: false,
            pause: None,
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        TestBody {
            data: None,
            fail_after: false,
            pause: None,
        }
    }

    /// `data`, then an error instead of the end of the body.
    pub(crate) fn failing_after(data: Bytes) -> Self {
        TestBody {
            data: Some(data),
            fail_after: true,
            pause: None,
        }
    }
}

impl Body for TestBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(data) = self.data.take().filter(|d| !d.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if self.fail_after {
            let pause = self
                .pause
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(50))));
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
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
