//! What every group shares: the report, the run context (secrets, captured strings, the
//! log capture), loopback servers that record what they receive, and a test PKI.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::reload;
use tracing_subscriber::util::SubscriberInitExt;

/// Locks a mutex, ignoring poisoning (a panicking case must not hide the others' results).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The outcome of one group: what the xtask prints as one table row.
#[derive(Debug, Default)]
pub(crate) struct GroupReport {
    pub(crate) group: String,
    pub(crate) cases: usize,
    pub(crate) passed: usize,
    pub(crate) figure: String,
    pub(crate) failures: Vec<String>,
}

impl GroupReport {
    pub(crate) fn new(group: &str) -> Self {
        Self {
            group: group.to_owned(),
            ..Self::default()
        }
    }

    /// Records one case; a failure is also printed on stderr at once.
    pub(crate) fn case(&mut self, name: &str, outcome: Result<(), String>) {
        self.cases += 1;
        match outcome {
            Ok(()) => {
                self.passed += 1;
                eprintln!("  ok    {}: {name}", self.group);
            }
            Err(why) => {
                eprintln!("  FAIL  {}: {name}: {why}", self.group);
                self.failures.push(format!("{name}: {why}"));
            }
        }
    }

    pub(crate) fn json(&self) -> String {
        serde_json::json!({
            "group": self.group,
            "cases": self.cases,
            "passed": self.passed,
            "figure": self.figure,
            "failures": self.failures,
        })
        .to_string()
    }
}

/// Turns a condition into a case outcome.
pub(crate) fn ensure(ok: bool, why: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why()) }
}

/// Everything the secret-leak scan needs, collected by every group of the run.
pub(crate) struct Ctx {
    secrets: Mutex<Vec<String>>,
    strings: Mutex<Vec<(String, String)>>,
    pub(crate) log: LogCapture,
    level: reload::Handle<LevelFilter, tracing_subscriber::Registry>,
}

impl Ctx {
    /// Installs the process-wide capturing subscriber (TRACE, every target, `log` records
    /// included) and returns the context.
    pub(crate) fn install() -> Result<Ctx, String> {
        let log = LogCapture::default();
        let (filter, level) = reload::Layer::new(LevelFilter::TRACE);
        tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(log.clone()),
            )
            .try_init()
            .map_err(|e| format!("could not install the capturing subscriber: {e}"))?;
        Ok(Ctx {
            secrets: Mutex::new(Vec::new()),
            strings: Mutex::new(Vec::new()),
            log,
            level,
        })
    }

    /// Changes the capture level (the load group runs at INFO to measure the client,
    /// not the formatter).
    pub(crate) fn set_level(&self, level: LevelFilter) {
        let _ = self.level.modify(|f| *f = level);
    }

    /// Remembers a secret of this run; it must appear in no log line and no captured string.
    pub(crate) fn secret(&self, value: impl Into<String>) {
        let value = value.into();
        // Short values would match by accident; every secret of the run is longer.
        if value.len() >= 6 {
            let mut all = lock(&self.secrets);
            if !all.contains(&value) {
                all.push(value);
            }
        }
    }

    /// Captures the text of something user-visible (a `Debug`, a `Display`, an error chain).
    pub(crate) fn capture(&self, what: impl Into<String>, text: impl Into<String>) {
        lock(&self.strings).push((what.into(), text.into()));
    }

    /// `Debug` of a value.
    pub(crate) fn debug<T: std::fmt::Debug>(&self, what: &str, value: &T) {
        self.capture(format!("Debug of {what}"), format!("{value:?}"));
        self.capture(format!("pretty Debug of {what}"), format!("{value:#?}"));
    }

    /// `Display`, `Debug` and the whole `source()` chain of an error.
    pub(crate) fn error<E: std::error::Error>(&self, what: &str, err: &E) {
        self.capture(format!("Display of {what}"), err.to_string());
        self.capture(format!("Debug of {what}"), format!("{err:?}"));
        let mut source = err.source();
        let mut depth = 1;
        while let Some(s) = source {
            self.capture(format!("source {depth} of {what}"), s.to_string());
            source = s.source();
            depth += 1;
        }
    }

    pub(crate) fn secrets(&self) -> Vec<String> {
        lock(&self.secrets).clone()
    }

    pub(crate) fn strings(&self) -> Vec<(String, String)> {
        lock(&self.strings).clone()
    }
}

/// Formatted tracing output of the whole run, in memory.
#[derive(Clone, Default)]
pub(crate) struct LogCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl LogCapture {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&lock(&self.buffer)).into_owned()
    }

    /// Bytes captured so far (to slice the log of one case).
    pub(crate) fn len(&self) -> usize {
        lock(&self.buffer).len()
    }

    pub(crate) fn text_since(&self, offset: usize) -> String {
        let b = lock(&self.buffer);
        String::from_utf8_lossy(b.get(offset..).unwrap_or_default()).into_owned()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.buffer).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// One request as a loopback server received it.
#[derive(Clone, Debug)]
pub(crate) struct Recorded {
    pub(crate) method: http::Method,
    pub(crate) uri: http::Uri,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

impl Recorded {
    /// Whether `secret` appears anywhere in this request (path, headers, body).
    pub(crate) fn contains(&self, secret: &str) -> bool {
        self.uri.to_string().contains(secret)
            || String::from_utf8_lossy(&self.body).contains(secret)
            || self
                .headers
                .values()
                .any(|v| String::from_utf8_lossy(v.as_bytes()).contains(secret))
    }
}

pub(crate) type Handler = Arc<dyn Fn(&Recorded) -> Response<Full<Bytes>> + Send + Sync>;

/// A loopback server that records every request it receives.
#[derive(Clone)]
pub(crate) struct Loopback {
    pub(crate) addr: SocketAddr,
    pub(crate) scheme: &'static str,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Loopback {
    /// `scheme://127.0.0.1:port`.
    pub(crate) fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        lock(&self.requests).clone()
    }

    pub(crate) fn clear(&self) {
        lock(&self.requests).clear();
    }

    /// A plain HTTP server on 127.0.0.1.
    pub(crate) async fn plain(handler: Handler) -> Result<Loopback, String> {
        start(handler, None).await
    }

    /// A TLS server on 127.0.0.1 with this configuration.
    pub(crate) async fn tls(
        config: rustls::ServerConfig,
        handler: Handler,
    ) -> Result<Loopback, String> {
        start(handler, Some(Arc::new(config))).await
    }
}

async fn start(
    handler: Handler,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<Loopback, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind 127.0.0.1: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("local addr: {e}"))?;
    let requests = Arc::new(Mutex::new(Vec::new()));
    let server = Loopback {
        addr,
        scheme: if tls.is_some() { "https" } else { "http" },
        requests: requests.clone(),
    };
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let handler = handler.clone();
            let requests = requests.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let handler = handler.clone();
                    let requests = requests.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|c| c.to_bytes())
                            .unwrap_or_default();
                        let recorded = Recorded {
                            method: parts.method,
                            uri: parts.uri,
                            headers: parts.headers,
                            body,
                        };
                        lock(&requests).push(recorded.clone());
                        Ok::<_, Infallible>(handler(&recorded))
                    }
                });
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                match tls {
                    None => {
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                    Some(config) => {
                        let acceptor = tokio_rustls::TlsAcceptor::from(config);
                        if let Ok(stream) = acceptor.accept(stream).await {
                            let _ = builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                    }
                }
            });
        }
    });
    Ok(server)
}

/// A response with a status and a body.
pub(crate) fn respond(status: u16, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if let Ok(v) = content_type.parse() {
        response.headers_mut().insert(http::header::CONTENT_TYPE, v);
    }
    response
}

/// A redirect with this status, with a `Location` when given.
pub(crate) fn redirect(status: u16, location: Option<&str>) -> Response<Full<Bytes>> {
    let mut response = respond(status, "text/plain", String::new());
    if let Some(Ok(v)) = location.map(str::parse) {
        response.headers_mut().insert(http::header::LOCATION, v);
    }
    response
}

/// A test PKI: one CA and leaf certificates signed by it.
pub(crate) struct Pki {
    pub(crate) ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A leaf certificate and its key.
pub(crate) struct Leaf {
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
    cert_der: rustls::pki_types::CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl Pki {
    pub(crate) fn new(name: &str) -> Result<Pki, String> {
        let key = KeyPair::generate().map_err(|e| format!("CA key: {e}"))?;
        let mut params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| format!("CA params: {e}"))?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params
            .self_signed(&key)
            .map_err(|e| format!("CA cert: {e}"))?;
        Ok(Pki {
            ca_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// A leaf for `names` (DNS names or IP addresses), optionally valid only between the
    /// starts of two years.
    pub(crate) fn leaf(&self, names: &[&str], years: Option<(i32, i32)>) -> Result<Leaf, String> {
        let key = KeyPair::generate().map_err(|e| format!("leaf key: {e}"))?;
        let names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
        let mut params = CertificateParams::new(names).map_err(|e| format!("leaf params: {e}"))?;
        if let Some((from, to)) = years {
            params.not_before = rcgen::date_time_ymd(from, 1, 1);
            params.not_after = rcgen::date_time_ymd(to, 1, 1);
        }
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(|e| format!("leaf cert: {e}"))?;
        Ok(Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        })
    }

    fn ca_der(&self) -> Result<rustls::pki_types::CertificateDer<'static>, String> {
        use rustls::pki_types::pem::PemObject;
        rustls::pki_types::CertificateDer::from_pem_slice(self.ca_pem.as_bytes())
            .map_err(|e| format!("CA der: {e}"))
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl Leaf {
    fn key(&self) -> Result<rustls::pki_types::PrivateKeyDer<'static>, String> {
        rustls::pki_types::PrivateKeyDer::try_from(self.key_der.clone())
            .map_err(|e| format!("key der: {e}"))
    }

    /// A TLS server configuration presenting this leaf (h2 and http/1.1 by ALPN).
    pub(crate) fn server_config(&self) -> Result<rustls::ServerConfig, String> {
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("versions: {e}"))?
            .with_no_client_auth()
            .with_single_cert(vec![self.cert_der.clone()], self.key()?)
            .map_err(|e| format!("server cert: {e}"))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }

    /// Like [`Leaf::server_config`], requiring client certificates signed by `client_ca`.
    pub(crate) fn mtls_server_config(
        &self,
        client_ca: &Pki,
    ) -> Result<rustls::ServerConfig, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(client_ca.ca_der()?)
            .map_err(|e| format!("client CA: {e}"))?;
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .map_err(|e| format!("client verifier: {e}"))?;
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("versions: {e}"))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![self.cert_der.clone()], self.key()?)
            .map_err(|e| format!("server cert: {e}"))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// The transport error inside a facade error, wherever the layers put it.
pub(crate) fn transport_error(err: &tsc::Error) -> Option<&tsc::transport::Error> {
    match err {
        tsc::Error::Transport(e) => Some(e),
        tsc::Error::Auth(tsc::auth::Error::Transport(e)) => Some(e),
        _ => None,
    }
}

/// A Tableau sign-in answer carrying `token`.
pub(crate) fn sign_in_xml(token: &str) -> String {
    format!(
        r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><credentials token="{token}" estimatedTimeToExpiration="365:23:59:59"><site id="6b7179ba-b82b-4f0f-91ed-812074ac5da6" contentUrl=""/><user id="1a96d216-e9b8-497b-a82a-0b899a965e01"/></credentials></tsResponse>"#
    )
}

/// An empty first page of workbooks.
pub(crate) const WORKBOOKS_XML: &str = r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><pagination pageNumber="1" pageSize="100" totalAvailable="0"/><workbooks/></tsResponse>"#;

/// A server-info answer (REST 3.27).
pub(crate) const SERVER_INFO_XML: &str = r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><serverInfo><productVersion build="20251.25.0101.1234">2025.1.0</productVersion><restApiVersion>3.27</restApiVersion></serverInfo></tsResponse>"#;

/// What a small Tableau stand-in answers when it does not redirect: sign-in for a POST,
/// server info for `…/serverinfo`, an empty workbook page for other GETs.
pub(crate) fn tableau_answer(req: &Recorded, token: &str) -> Response<Full<Bytes>> {
    let path = req.uri.path().to_ascii_lowercase();
    if req.method == http::Method::POST {
        if path.ends_with("/auth/signout") {
            return respond(204, "text/plain", String::new());
        }
        respond(200, "application/xml", sign_in_xml(token))
    } else if path.ends_with("/serverinfo") {
        respond(200, "application/xml", SERVER_INFO_XML.to_owned())
    } else {
        respond(200, "application/xml", WORKBOOKS_XML.to_owned())
    }
}

/// A fresh random-looking suffix for secrets minted by this run (no rand crate needed:
/// the std hasher is randomly keyed per process).
pub(crate) fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default(),
    );
    format!("{:016x}", h.finish())
}
