//! `TransportBuilder`: configuration of the default stack.

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::ServiceExt;

use crate::{Body, Error, Transport};

/// Builds a [`Transport`] over the default stack.
///
/// Configuration errors (an unreadable CA file, an invalid proxy URL, …) are collected and
/// reported by [`TransportBuilder::build`].
#[must_use]
#[derive(Debug, Default)]
pub struct TransportBuilder {
    _private: (),
}

impl TransportBuilder {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Builds the transport.
    pub fn build(self) -> Result<Transport, Error> {
        let client: Client<HttpConnector, Body> =
            Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        let service = client
            .map_response(|res: Response<hyper::body::Incoming>| {
                res.map(|b| Body::wrap(b.map_frame(|f| f.map_data(Bytes::from))))
            })
            .map_request(|req: Request<Body>| req);
        Ok(Transport::from_parts(service, "default"))
    }
}
