//! TLS options: trust anchors, client identity, version floor, insecure mode.
//!
//! The twins of TSC's `add_http_options({'verify': ...})`:
//! - `verify="ca.pem"` → [`crate::TransportBuilder::tls_certs_merge`] with
//!   [`Certificate::from_pem_file`];
//! - `verify=False` → [`crate::TransportBuilder::tls_danger_accept_invalid_certs`].
//!
//! TSC's `configure_ssl(allow_weak_dh=True)` has no twin: rustls implements no finite-field
//! Diffie-Hellman cipher suites at all (only ECDHE), so there is no weak-DH to allow.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::error::{ConfigError, TlsFailure};

/// One or more CA certificates to trust, from PEM (file or bytes) or DER.
///
/// Nothing is read or parsed until [`crate::TransportBuilder::build`], which reports an
/// unreadable file or PEM without a certificate as a [`ConfigError`] naming the path.
///
/// ```
/// use tsc_transport::{Certificate, ConfigError, Error, Transport};
/// let result = Transport::builder()
///     .tls_certs_merge([Certificate::from_pem_file("/nonexistent/ca.pem")])
///     .build();
/// match result {
///     Err(Error::Config(ConfigError::ReadFile { path, .. })) => {
///         assert_eq!(path.to_str(), Some("/nonexistent/ca.pem"))
///     }
///     other => panic!("expected a ReadFile error, got {other:?}"),
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Certificate {
    source: CertSource,
}

#[derive(Clone, Debug)]
enum CertSource {
    Pem(Vec<u8>),
    PemFile(PathBuf),
    Der(Vec<u8>),
}

impl Certificate {
    /// All certificates in PEM data (one or a bundle).
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Self {
        Self {
            source: CertSource::Pem(pem.as_ref().to_vec()),
        }
    }

    /// All certificates in a PEM file (one or a bundle), read at build time.
    pub fn from_pem_file(path: impl Into<PathBuf>) -> Self {
        Self {
            source: CertSource::PemFile(path.into()),
        }
    }

    /// One DER-encoded certificate.
    pub fn from_der(der: impl Into<Vec<u8>>) -> Self {
        Self {
            source: CertSource::Der(der.into()),
        }
    }

    fn source_name(&self) -> String {
        match &self.source {
            CertSource::Pem(_) => "PEM data".to_owned(),
            CertSource::PemFile(path) => path.display().to_string(),
            CertSource::Der(_) => "DER data".to_owned(),
        }
    }

    fn load(&self) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
        match &self.source {
            CertSource::Der(der) => Ok(vec![CertificateDer::from(der.clone())]),
            CertSource::Pem(pem) => parse_certs(pem, self.source_name()),
            CertSource::PemFile(path) => {
                let pem = read_file(path, "CA certificate")?;
                parse_certs(&pem, self.source_name())
            }
        }
    }
}

fn read_file(path: &PathBuf, what: &'static str) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|source| ConfigError::ReadFile {
        what,
        path: path.clone(),
        source,
    })
}

fn parse_certs(
    pem: &[u8],
    source_name: String,
) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| ConfigError::InvalidPem {
            source_name: source_name.clone(),
            source,
        })?;
    if certs.is_empty() {
        return Err(ConfigError::NoPemItem {
            what: "certificate",
            source_name,
        });
    }
    Ok(certs)
}

/// A client certificate chain and private key, for servers that require mutual TLS.
///
/// Read and parsed at build time. `Debug` never shows the key.
#[derive(Clone)]
pub struct Identity {
    cert: Certificate,
    key: KeySource,
}

#[derive(Clone)]
enum KeySource {
    Pem(Vec<u8>),
    PemFile(PathBuf),
}

impl Identity {
    /// A certificate chain and a private key (PKCS#8, PKCS#1 or SEC1), both PEM.
    pub fn from_pem(cert_chain_pem: impl AsRef<[u8]>, key_pem: impl AsRef<[u8]>) -> Self {
        Self {
            cert: Certificate::from_pem(cert_chain_pem),
            key: KeySource::Pem(key_pem.as_ref().to_vec()),
        }
    }

    /// A certificate chain file and a private key file, both PEM, read at build time.
    pub fn from_pem_files(cert_chain: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        Self {
            cert: Certificate::from_pem_file(cert_chain),
            key: KeySource::PemFile(key.into()),
        }
    }

    fn load(&self) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), ConfigError> {
        let certs = self.cert.load()?;
        let (pem, source_name) = match &self.key {
            KeySource::Pem(pem) => (pem.clone(), "PEM data".to_owned()),
            KeySource::PemFile(path) => {
                (read_file(path, "private key")?, path.display().to_string())
            }
        };
        let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|source| match source {
            rustls_pki_types::pem::Error::NoItemsFound => ConfigError::NoPemItem {
                what: "private key",
                source_name: source_name.clone(),
            },
            source => ConfigError::InvalidPem {
                source_name: source_name.clone(),
                source,
            },
        })?;
        Ok((certs, key))
    }
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("cert", &self.cert)
            .finish_non_exhaustive()
    }
}

/// A TLS protocol version, for [`crate::TransportBuilder::tls_version_min`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2 (the default floor; rustls supports nothing older).
    Tls12,
    /// TLS 1.3.
    Tls13,
}

/// The TLS part of the builder's configuration.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsOptions {
    pub(crate) extra_roots: Vec<Certificate>,
    pub(crate) only_extra_roots: bool,
    pub(crate) identity: Option<Identity>,
    pub(crate) version_min: Option<TlsVersion>,
    pub(crate) server_name: Option<String>,
    pub(crate) danger_accept_invalid_certs: bool,
    pub(crate) preconfigured: Option<ClientConfig>,
}

/// The crypto provider: the application's process default if it installed one, else the one
/// chosen by cargo feature (ring first). Nothing is installed globally.
fn crypto_provider() -> Option<Arc<CryptoProvider>> {
    if let Some(installed) = CryptoProvider::get_default() {
        return Some(installed.clone());
    }
    #[cfg(feature = "rustls-ring")]
    {
        Some(Arc::new(rustls::crypto::ring::default_provider()))
    }
    #[cfg(all(feature = "rustls-aws-lc", not(feature = "rustls-ring")))]
    {
        Some(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
    }
    #[cfg(not(any(feature = "rustls-ring", feature = "rustls-aws-lc")))]
    {
        None
    }
}

fn default_roots(roots: &mut RootCertStore) {
    #[cfg(feature = "webpki-roots")]
    {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    #[cfg(not(feature = "webpki-roots"))]
    {
        // Unreadable entries in the system store are skipped, as curl and browsers do; a
        // server signed by a missing root then fails with a TLS error that names the fix.
        let loaded = rustls_native_certs::load_native_certs();
        let (added, ignored) = roots.add_parsable_certificates(loaded.certs);
        tracing::debug!(
            added,
            ignored,
            errors = loaded.errors.len(),
            "loaded system root certificates"
        );
    }
}

impl TlsOptions {
    /// Whether any TLS option was set (then a missing crypto provider is an error).
    fn is_configured(&self) -> bool {
        !self.extra_roots.is_empty()
            || self.identity.is_some()
            || self.version_min.is_some()
            || self.server_name.is_some()
            || self.danger_accept_invalid_certs
    }

    /// Builds the rustls configuration (ALPN is set later by the connector).
    ///
    /// `None` when no crypto provider is available and no TLS option was set: the transport
    /// then serves `http://` only and reports [`ConfigError::NoCryptoProvider`] for `https://`.
    pub(crate) fn client_config(&self) -> Result<Option<ClientConfig>, ConfigError> {
        if let Some(config) = &self.preconfigured {
            return Ok(Some(config.clone()));
        }
        // User-supplied files first, so their errors are reported whatever else is wrong.
        let mut extra = Vec::new();
        if !self.danger_accept_invalid_certs {
            for cert in &self.extra_roots {
                for der in cert.load()? {
                    extra.push((cert, der));
                }
            }
        }
        let identity = self.identity.as_ref().map(Identity::load).transpose()?;
        let provider = match crypto_provider() {
            Some(provider) => provider,
            None if !self.is_configured() => return Ok(None),
            None => return Err(ConfigError::NoCryptoProvider),
        };
        let versions: &[&rustls::SupportedProtocolVersion] = match self.version_min {
            Some(TlsVersion::Tls13) => &[&rustls::version::TLS13],
            _ => rustls::DEFAULT_VERSIONS,
        };
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|source| ConfigError::Tls {
                context: "protocol versions",
                source,
            })?;
        let builder = if self.danger_accept_invalid_certs {
            tracing::warn!(
                "TLS certificate verification is DISABLED (tls_danger_accept_invalid_certs): \
                 any server can impersonate the Tableau server and read credentials"
            );
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate { provider }))
        } else {
            let mut roots = RootCertStore::empty();
            if !self.only_extra_roots {
                default_roots(&mut roots);
            }
            for (cert, der) in extra {
                roots
                    .add(der)
                    .map_err(|source| ConfigError::InvalidCertificate {
                        source_name: cert.source_name(),
                        source,
                    })?;
            }
            builder.with_root_certificates(roots)
        };
        let config = match identity {
            Some((certs, key)) => builder
                .with_client_auth_cert(certs, key)
                .map_err(|source| ConfigError::Tls {
                    context: "client identity (certificate and key)",
                    source,
                })?,
            None => builder.with_no_client_auth(),
        };
        Ok(Some(config))
    }

    pub(crate) fn server_name(&self) -> Result<Option<ServerName<'static>>, ConfigError> {
        match &self.server_name {
            None => Ok(None),
            Some(name) => {
                let trimmed = name.trim_start_matches('[').trim_end_matches(']');
                ServerName::try_from(trimmed.to_owned())
                    .map(Some)
                    .map_err(|_| ConfigError::InvalidServerName { name: name.clone() })
            }
        }
    }
}

/// The verifier behind `tls_danger_accept_invalid_certs`: accepts any certificate, but still
/// checks handshake signatures so the session keys belong to the presented certificate.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Classifies a rustls error for the user.
pub(crate) fn classify(err: &rustls::Error) -> TlsFailure {
    match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => TlsFailure::UnknownIssuer,
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                TlsFailure::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                TlsFailure::NotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsFailure::NameMismatch
            }
            CertificateError::Revoked => TlsFailure::Revoked,
            _ => TlsFailure::BadCertificate,
        },
        // Alerts the server sends about *our* certificate (mTLS).
        rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::AccessDenied,
        ) => TlsFailure::ClientCertificateRejected,
        rustls::Error::AlertReceived(
            AlertDescription::HandshakeFailure | AlertDescription::ProtocolVersion,
        )
        | rustls::Error::PeerIncompatible(_) => TlsFailure::HandshakeFailure,
        _ => TlsFailure::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_certificate_is_an_error_naming_the_source() {
        let err = Certificate::from_pem("not a pem").load().err();
        assert!(
            matches!(&err, Some(ConfigError::NoPemItem { what: "certificate", source_name }) if source_name == "PEM data"),
            "{err:?}"
        );
    }

    #[test]
    fn classification_names_the_reason() {
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert_eq!(classify(&unknown), TlsFailure::UnknownIssuer);
        let name = rustls::Error::InvalidCertificate(CertificateError::NotValidForName);
        assert_eq!(classify(&name), TlsFailure::NameMismatch);
        let alert = rustls::Error::AlertReceived(AlertDescription::CertificateRequired);
        assert_eq!(classify(&alert), TlsFailure::ClientCertificateRejected);
    }
}
