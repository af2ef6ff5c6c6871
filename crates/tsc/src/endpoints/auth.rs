//! `server.auth()`: sign in, sign out, switch site.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tsc_auth::{CredentialStrategy, SessionInfo};
use tsc_model::SiteItem;

use crate::{Error, Result, Server};

/// Sign-in, sign-out and site switching (TSC's `server.auth`).
#[derive(Debug, Clone, Copy)]
pub struct AuthEndpoint<'a> {
    server: &'a Server,
}

impl<'a> AuthEndpoint<'a> {
    pub(crate) fn new(server: &'a Server) -> Self {
        Self { server }
    }

    /// Signs in (TSC's `server.auth.sign_in(auth)`) and returns a guard for the session.
    ///
    /// **Keep the guard:** `let session = server.auth().sign_in(&auth).await?;`. Dropping
    /// it without [`SignInGuard::sign_out`] signs out in the background on the running
    /// tokio runtime (so `let _ = …` would sign out at once). Call [`SignInGuard::keep`]
    /// to hold the session until [`AuthEndpoint::sign_out`] instead, like TSC does.
    pub async fn sign_in<A>(&self, auth: &A) -> Result<SignInGuard>
    where
        A: CredentialStrategy + Clone + 'static,
    {
        self.sign_in_with(Arc::new(auth.clone())).await
    }

    /// Like [`AuthEndpoint::sign_in`], for a strategy already behind an `Arc` (a trait
    /// object, for example).
    ///
    /// When the credentials need a newer REST API version than the one in use (a personal
    /// access token needs 3.6, a JWT 3.17) and the version was neither set nor asked yet,
    /// the server is asked first (`GET serverinfo`, no secrets) — so TSC's
    /// `Server(url)` + `sign_in(pat)` ports as it is. A version set with
    /// `ServerBuilder::version` is never changed behind your back.
    pub async fn sign_in_with(&self, strategy: Arc<dyn CredentialStrategy>) -> Result<SignInGuard> {
        let inner = &self.server.inner;
        if strategy.floor() > self.server.version() && !inner.version_settled.load(Ordering::SeqCst)
        {
            self.server.use_server_version().await?;
        }
        inner.manager.sign_in(strategy).await?;
        let epoch = inner.next_epoch();
        Ok(SignInGuard {
            server: Some(self.server.clone()),
            epoch,
        })
    }

    /// Signs out (TSC's `server.auth.sign_out()`). Idempotent: no request when signed out;
    /// a token the server already considers dead counts as signed out.
    pub async fn sign_out(&self) -> Result<()> {
        Ok(self.server.inner.manager.sign_out().await?)
    }

    /// Switches to another site of the same server (TSC's `server.auth.switch_site(site)`).
    ///
    /// Switching to the site you are on is a success with no change. Not available on
    /// Tableau Cloud.
    pub async fn switch_site(&self, site: &SiteItem) -> Result<SessionInfo> {
        self.switch_site_by_content_url(&site.content_url).await
    }

    /// Switches site by its content URL (`""` = the Default site).
    pub async fn switch_site_by_content_url(&self, content_url: &str) -> Result<SessionInfo> {
        Ok(self.server.inner.manager.switch_site(content_url).await?)
    }

    /// Signs in, runs `f`, and signs out afterwards even when `f` fails — the twin of
    /// Python's `with server.auth.sign_in(auth):` block. Returns `f`'s result; a sign-out
    /// failure is reported only when `f` succeeded.
    pub async fn with_sign_in<A, F, T, E>(&self, auth: &A, f: F) -> std::result::Result<T, E>
    where
        A: CredentialStrategy + Clone + 'static,
        F: AsyncFnOnce(Server) -> std::result::Result<T, E>,
        E: From<Error>,
    {
        let guard = self.sign_in(auth).await.map_err(E::from)?;
        let outcome = f(self.server.clone()).await;
        let signed_out = guard.sign_out().await;
        match (outcome, signed_out) {
            (Ok(value), Ok(())) => Ok(value),
            (Ok(_), Err(e)) => Err(E::from(e)),
            (Err(e), _) => Err(e),
        }
    }
}

/// A signed-in session. Sign out with [`SignInGuard::sign_out`]; dropped without it, it
/// signs out in the background on the running tokio runtime.
#[must_use = "dropping the guard signs out; bind it with `let session = …` or call `.keep()`"]
pub struct SignInGuard {
    /// `None` once signed out or kept.
    server: Option<Server>,
    epoch: u64,
}

impl fmt::Debug for SignInGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInGuard")
            .field("active", &self.server.is_some())
            .field("epoch", &self.epoch)
            .finish()
    }
}

impl SignInGuard {
    /// The session as it is now (after any switch site or re-sign-in).
    pub fn session(&self) -> Option<SessionInfo> {
        self.server.as_ref().and_then(|s| s.inner.manager.session())
    }

    /// Signs out now and waits for it.
    pub async fn sign_out(mut self) -> Result<()> {
        match self.server.take() {
            Some(server) if server.inner.epoch() == self.epoch => server.auth().sign_out().await,
            _ => Ok(()),
        }
    }

    /// Keeps the session after the guard is gone; sign out later with
    /// [`AuthEndpoint::sign_out`] (TSC's style).
    pub fn keep(mut self) {
        self.server = None;
    }
}

impl Drop for SignInGuard {
    fn drop(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        if server.inner.epoch() != self.epoch || !server.is_signed_in() {
            return; // a newer sign-in owns the session now, or it is already gone
        }
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move {
                    if let Err(e) = server.auth().sign_out().await {
                        tracing::warn!(error = %e, "background sign-out of a dropped SignInGuard failed");
                    }
                });
            }
            Err(_) => tracing::warn!(
                "SignInGuard dropped outside a tokio runtime: cannot sign out in the background; the session stays open until it expires"
            ),
        }
    }
}
