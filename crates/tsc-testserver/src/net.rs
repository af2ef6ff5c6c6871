//! Loopback listeners: HTTPS with a CA generated at start, the plain-HTTP redirect listener,
//! and an optional plain-HTTP API listener.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{HOST, LOCATION};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use secrecy::ExposeSecret;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::body::TestBody;
use crate::error::Error;
use crate::routes::Route;
use crate::server::TestServer;

/// Where and how to listen. Defaults: 127.0.0.1, ephemeral ports, no plain-HTTP API listener,
/// files in a fresh temporary directory.
#[derive(Clone, Debug)]
pub struct ListenOptions {
    bind: IpAddr,
    https_port: u16,
    redirect_port: u16,
    plain_http: Option<u16>,
    dir: Option<PathBuf>,
}

impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            https_port: 0,
            redirect_port: 0,
            plain_http: None,
            dir: None,
        }
    }
}

impl ListenOptions {
    /// 127.0.0.1 with ephemeral ports.
    pub fn loopback() -> Self {
        ListenOptions::default()
    }

    /// Bind another address. Anything but loopback logs a warning: the emulator accepts the
    /// documented default passwords and must not be reachable from the network by accident.
    pub fn bind(mut self, addr: IpAddr) -> Self {
        if !addr.is_loopback() {
            tracing::warn!(%addr, "tsc-testserver is binding a non-loopback address; its credentials are public");
        }
        self.bind = addr;
        self
    }

    /// HTTPS port (0 = ephemeral).
    pub fn https_port(mut self, port: u16) -> Self {
        self.https_port = port;
        self
    }

    /// Plain-HTTP redirect listener port (0 = ephemeral).
    pub fn redirect_port(mut self, port: u16) -> Self {
        self.redirect_port = port;
        self
    }

    /// Also serve the API over plain HTTP (no TLS) on this port (0 = ephemeral).
    pub fn plain_http(mut self, port: u16) -> Self {
        self.plain_http = Some(port);
        self
    }

    /// Directory for `ca.pem` (and `uat-private-key.pem` in cloud mode). Default: a new
    /// temporary directory that is removed at shutdown.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }
}

/// A running emulator on loopback. Dropping it stops the listeners (as does
/// [`RunningServer::shutdown`]).
pub struct RunningServer {
    /// Base URL of the HTTPS listener, e.g. `https://127.0.0.1:34567`.
    pub https_url: String,
    /// Base URL of the plain-HTTP listener that redirects every request to `https_url`.
    pub http_redirect_url: String,
    /// Base URL of the plain-HTTP API listener, when requested.
    pub plain_http_url: Option<String>,
    /// The CA certificate (PEM) that signed the HTTPS certificate.
    pub ca_pem: String,
    /// File holding [`RunningServer::ca_pem`].
    pub ca_file: PathBuf,
    /// Cloud mode: file holding the UAT private key (PKCS#8 PEM) tests sign UATs with.
    pub uat_private_key_file: Option<PathBuf>,
    server: TestServer,
    dir: PathBuf,
    remove_dir: bool,
    shutdown: Option<watch::Sender<bool>>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("https_url", &self.https_url)
            .field("http_redirect_url", &self.http_redirect_url)
            .field("plain_http_url", &self.plain_http_url)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

impl RunningServer {
    /// The emulator behind the listeners (counters, faults, clock, data).
    pub fn server(&self) -> &TestServer {
        &self.server
    }

    /// The ready-line document the binary prints (see the README), minus nothing: URLs, CA
    /// file, version, mode, users, sites, the connected app and, in cloud mode, UAT settings.
    pub fn info(&self) -> serde_json::Value {
        let s = &self.server;
        let data = s.data();
        let users: serde_json::Map<String, serde_json::Value> = data
            .users
            .iter()
            .map(|u| (u.name.clone(), u.id.clone().into()))
            .collect();
        let sites: serde_json::Map<String, serde_json::Value> = data
            .sites
            .iter()
            .map(|x| (x.content_url.clone(), x.id.clone().into()))
            .collect();
        let app = data.connected_apps.first().map(|a| {
            serde_json::json!({
                "client_id": a.client_id,
                "secret_id": a.secret_id,
                "secret_value": a.secret_value.expose_secret(),
            })
        });
        let uat = s.uat().map(|(u, _)| {
            serde_json::json!({
                "issuer": u.issuer,
                "key_id": u.key_id,
                "tenant_id": u.tenant_id,
                "username_claim": u.username_claim,
                "private_key_file": self.uat_private_key_file,
            })
        });
        serde_json::json!({
            "https_url": self.https_url,
            "http_redirect_url": self.http_redirect_url,
            "plain_http_url": self.plain_http_url,
            "ca_file": self.ca_file,
            "api_version": s.api_version().to_string(),
            "mode": s.mode().as_str(),
            "workbooks_per_site": s.config().workbooks_per_site_value(),
            "users": users,
            "sites": sites,
            "connected_app": app,
            "uat": uat,
        })
    }

    /// Stops the listeners and waits for them; removes the temporary directory.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if self.remove_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The generated CA and leaf certificate.
struct Certs {
    ca_pem: String,
    config: Arc<rustls::ServerConfig>,
}

fn make_certs() -> Result<Certs, Error> {
    let ca_key = KeyPair::generate().map_err(Error::Certificate)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(Error::Certificate)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "tsc-testserver local CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(Error::Certificate)?;
    let issuer = Issuer::new(ca_params, &ca_key);

    let leaf_key = KeyPair::generate().map_err(Error::Certificate)?;
    let mut leaf_params = CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])
    .map_err(Error::Certificate)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    // Python 3.13+ verifies strictly (VERIFY_X509_STRICT) and wants an authority key id.
    leaf_params.use_authority_key_identifier_extension = true;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params
        .signed_by(&leaf_key, &issuer)
        .map_err(Error::Certificate)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key_der = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der())
        .map_err(|e| Error::Tls(rustls::Error::General(e.to_owned())))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(Error::Tls)?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca_cert.der().clone()], key_der)
        .map_err(Error::Tls)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Certs {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    })
}

async fn bind(addr: IpAddr, port: u16, what: &str) -> Result<(TcpListener, SocketAddr), Error> {
    let listener = TcpListener::bind(SocketAddr::new(addr, port))
        .await
        .map_err(|e| {
            Error::io(
                format!("cannot bind the {what} listener on {addr}:{port}"),
                e,
            )
        })?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io(format!("no local address for the {what} listener"), e))?;
    Ok((listener, local))
}

fn url(scheme: &str, addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V6(ip) => format!("{scheme}://[{ip}]:{}", addr.port()),
        IpAddr::V4(ip) => format!("{scheme}://{ip}:{}", addr.port()),
    }
}

fn spawn_accept_loop<F, Fut>(
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
    per_connection: F,
) -> JoinHandle<()>
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        connections.spawn(per_connection(stream));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        // Dropping the set aborts open connections.
        connections.abort_all();
    })
}

async fn api_response(
    server: TestServer,
    req: Request<Incoming>,
) -> Result<Response<TestBody>, Infallible> {
    let (parts, body) = req.into_parts();
    let bytes = Limited::new(body, 1024 * 1024)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    Ok(server.handle(parts, bytes).await)
}

async fn serve_http<I>(io: I, server: TestServer)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |req| api_response(server.clone(), req));
    if let Err(e) = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), svc)
        .await
    {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

fn redirect_response(
    server: &TestServer,
    req: &Request<Incoming>,
    status: StatusCode,
    https: SocketAddr,
) -> Response<TestBody> {
    server.count(Route::HttpRedirect);
    // Keep the host name the client used (localhost vs 127.0.0.1), swap scheme and port.
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| {
            if let Some(rest) = h.strip_prefix('[') {
                rest.split(']')
                    .next()
                    .map(|ip| format!("[{ip}]"))
                    .unwrap_or_default()
            } else {
                h.split(':').next().unwrap_or_default().to_owned()
            }
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| match https.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        });
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let location = format!("https://{host}:{}{path}", https.port());
    let mut response = Response::new(TestBody::full(Bytes::from(format!(
        "<html><body>Moved to <a href=\"{location}\">{location}</a></body></html>\n"
    ))));
    *response.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, v);
    }
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html;charset=utf-8"),
    );
    response
}

impl TestServer {
    /// Starts the HTTPS listener, the plain-HTTP redirect listener and (if asked) the plain
    /// HTTP API listener on loopback. Needs a tokio runtime.
    pub async fn start(&self, options: ListenOptions) -> Result<RunningServer, Error> {
        let (dir, remove_dir) = match &options.dir {
            Some(d) => (d.clone(), false),
            None => (
                std::env::temp_dir()
                    .join(format!("tsc-testserver-{}", uuid::Uuid::new_v4().simple())),
                true,
            ),
        };
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        let certs = make_certs()?;
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, &certs.ca_pem)
            .map_err(|e| Error::io(format!("cannot write {}", ca_file.display()), e))?;
        let uat_private_key_file = match self.uat() {
            Some((_, key)) => {
                let path = dir.join("uat-private-key.pem");
                std::fs::write(&path, key.private_pem().expose_secret())
                    .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
                Some(path)
            }
            None => None,
        };

        let (tx, rx) = watch::channel(false);
        let mut tasks = Vec::new();

        let (https_listener, https_addr) = bind(options.bind, options.https_port, "HTTPS").await?;
        let acceptor = tokio_rustls::TlsAcceptor::from(certs.config.clone());
        let server = self.clone();
        tasks.push(spawn_accept_loop(
            https_listener,
            rx.clone(),
            move |stream| {
                let acceptor = acceptor.clone();
                let server = server.clone();
                async move {
                    match acceptor.accept(stream).await {
                        Ok(tls) => serve_http(tls, server).await,
                        Err(e) => tracing::debug!(error = %e, "TLS handshake failed"),
                    }
                }
            },
        ));

        let (redirect_listener, redirect_addr) =
            bind(options.bind, options.redirect_port, "HTTP redirect").await?;
        let status = StatusCode::from_u16(self.config().redirect_status)
            .unwrap_or(StatusCode::MOVED_PERMANENTLY);
        let server = self.clone();
        tasks.push(spawn_accept_loop(
            redirect_listener,
            rx.clone(),
            move |stream| {
                let server = server.clone();
                async move {
                    let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let r = redirect_response(&server, &req, status, https_addr);
                        async move { Ok::<_, Infallible>(r) }
                    });
                    if let Err(e) = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await
                    {
                        tracing::debug!(error = %e, "redirect connection ended with an error");
                    }
                }
            },
        ));

        let plain_http_url = match options.plain_http {
            Some(port) => {
                let (listener, addr) = bind(options.bind, port, "plain HTTP").await?;
                let server = self.clone();
                tasks.push(spawn_accept_loop(listener, rx.clone(), move |stream| {
                    serve_http(stream, server.clone())
                }));
                Some(url("http", addr))
            }
            None => None,
        };

        Ok(RunningServer {
            https_url: url("https", https_addr),
            http_redirect_url: url("http", redirect_addr),
            plain_http_url,
            ca_pem: certs.ca_pem,
            ca_file,
            uat_private_key_file,
            server: self.clone(),
            dir,
            remove_dir,
            shutdown: Some(tx),
            tasks,
        })
    }
}
