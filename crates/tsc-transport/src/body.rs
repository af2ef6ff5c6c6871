//! The request/response body type of the transport.

use std::any::Any;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

use crate::client::LimitedBody;
use crate::{BoxError, Error};

/// An HTTP body: either complete bytes held in memory (replayable) or a stream.
///
/// Only the in-memory form can be cloned ([`Body::try_clone`]); that is what lets the
/// redirect and retry logic repeat a POST with its body. Every XML payload of the Tableau
/// REST API is small and should be sent with [`Body::full`].
///
/// ```
/// use tsc_transport::Body;
/// let body = Body::full("<tsRequest/>");
/// assert_eq!(body.as_bytes(), Some(&b"<tsRequest/>"[..]));
/// assert!(body.try_clone().is_some());
/// ```
pub struct Body {
    kind: Kind,
}

enum Kind {
    /// Complete bytes. Emptied (not dropped) once polled, so `is_end_stream` stays right.
    Full(Bytes),
    Streaming(UnsyncBoxBody<Bytes, BoxError>),
    /// A response from the default stack, unboxed (it is the common case).
    Response(LimitedBody),
}

impl Body {
    /// An empty, replayable body.
    pub fn empty() -> Self {
        Self::full(Bytes::new())
    }

    /// A replayable body holding `bytes`.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        Self {
            kind: Kind::Full(bytes.into()),
        }
    }

    /// Wraps any [`http_body::Body`] as a streaming (not replayable) body.
    ///
    /// Wrapping a `Body` returns it unchanged, so layering never double-boxes.
    pub fn wrap<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        // A `Body` passed through `Transport::new` or a user layer must stay replayable.
        let mut slot = Some(body);
        if let Some(inner) = (&mut slot as &mut dyn Any).downcast_mut::<Option<Body>>()
            && let Some(own) = inner.take()
        {
            return own;
        }
        match slot {
            Some(body) => Self {
                kind: Kind::Streaming(body.map_err(Into::into).boxed_unsync()),
            },
            // Unreachable: `slot` is only emptied when `B` is `Body`, which returned above.
            None => Self::empty(),
        }
    }

    pub(crate) fn from_response(body: LimitedBody) -> Self {
        Self {
            kind: Kind::Response(body),
        }
    }

    /// A copy of this body if it is held in memory; `None` for streaming bodies.
    pub fn try_clone(&self) -> Option<Body> {
        match &self.kind {
            Kind::Full(bytes) => Some(Body::full(bytes.clone())),
            Kind::Streaming(_) | Kind::Response(_) => None,
        }
    }

    /// The bytes of an in-memory body; `None` for streaming bodies.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Full(bytes) => Some(bytes),
            Kind::Streaming(_) | Kind::Response(_) => None,
        }
    }

    /// Whether this body is known to carry no bytes.
    pub(crate) fn is_known_empty(&self) -> bool {
        match &self.kind {
            Kind::Full(bytes) => bytes.is_empty(),
            Kind::Streaming(body) => http_body::Body::is_end_stream(body),
            Kind::Response(body) => http_body::Body::is_end_stream(body),
        }
    }

    /// Reads the whole body into memory.
    ///
    /// Errors raised while streaming (for example the transport's response-size limit,
    /// [`Error::BodyTooLarge`], or its request deadline) surface here with their own
    /// variant; other read failures become [`Error::Body`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), tsc_transport::Error> {
    /// let bytes = tsc_transport::Body::full("hello").collect().await?;
    /// assert_eq!(&bytes[..], b"hello");
    /// # Ok(()) }
    /// ```
    pub async fn collect(self) -> Result<Bytes, Error> {
        match self.kind {
            Kind::Full(bytes) => Ok(bytes),
            Kind::Streaming(body) => match BodyExt::collect(body).await {
                Ok(collected) => Ok(collected.to_bytes()),
                Err(err) => Err(Error::from_body_error(err)),
            },
            Kind::Response(body) => match BodyExt::collect(body).await {
                Ok(collected) => Ok(collected.to_bytes()),
                Err(err) => Err(Error::from_body_error(err)),
            },
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            Kind::Full(bytes) => {
                if bytes.is_empty() {
                    Poll::Ready(None)
                } else {
                    Poll::Ready(Some(Ok(Frame::data(std::mem::take(bytes)))))
                }
            }
            Kind::Streaming(body) => Pin::new(body).poll_frame(cx),
            Kind::Response(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full(bytes) => bytes.is_empty(),
            Kind::Streaming(body) => body.is_end_stream(),
            Kind::Response(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full(bytes) => SizeHint::with_exact(bytes.len() as u64),
            Kind::Streaming(body) => body.size_hint(),
            Kind::Response(body) => body.size_hint(),
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self::full(bytes)
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Self::full(text)
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Self::full(text)
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Self::full(bytes)
    }
}

impl fmt::Debug for Body {
    // Never prints content: request bodies carry passwords and PAT secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Full(bytes) => f
                .debug_struct("Body")
                .field("kind", &"full")
                .field("len", &bytes.len())
                .finish(),
            Kind::Streaming(_) | Kind::Response(_) => {
                f.debug_struct("Body").field("kind", &"streaming").finish()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn full_body_is_replayable_and_streaming_is_not() {
        let full = Body::full("abc");
        assert_eq!(
            full.try_clone()
                .and_then(|b| b.as_bytes().map(<[u8]>::to_vec)),
            Some(b"abc".to_vec())
        );
        let streaming = Body::wrap(http_body_util::Full::new(Bytes::from_static(b"xyz")));
        assert!(streaming.try_clone().is_none());
        assert!(streaming.as_bytes().is_none());
        assert_eq!(
            &streaming.collect().await.ok().unwrap_or_default()[..],
            b"xyz"
        );
    }

    #[test]
    fn wrapping_a_body_keeps_it_replayable() {
        let wrapped = Body::wrap(Body::full("again"));
        assert_eq!(wrapped.as_bytes(), Some(&b"again"[..]));
    }

    #[test]
    fn debug_never_shows_content() {
        let text = format!("{:?}", Body::full("password=hunter2"));
        assert!(!text.contains("hunter2"), "{text}");
    }
}
