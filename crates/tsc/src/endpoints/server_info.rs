//! `server.server_info()`.

use tsc_model::ServerInfoItem;

use crate::{Result, Server};

/// Server information (TSC's `server.server_info`).
#[derive(Debug, Clone, Copy)]
pub struct ServerInfoEndpoint<'a> {
    server: &'a Server,
}

impl<'a> ServerInfoEndpoint<'a> {
    pub(crate) fn new(server: &'a Server) -> Self {
        Self { server }
    }

    /// Product version, build and REST API version (`GET serverinfo`, no sign-in needed).
    pub async fn get(&self) -> Result<ServerInfoItem> {
        Ok(self.server.inner.manager.server_info().await?)
    }
}
