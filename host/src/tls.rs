//! HTTPS for clients that accept nothing else: both official SDKs build
//! `https://{domain}/rest/...`. With `--tls` the host makes a self-signed
//! certificate for `127.0.0.1` and `localhost` at start (or takes one with
//! `--tls-cert` and `--tls-key`) and serves every connection through it;
//! the certificate is written as PEM to a path the host prints, for the
//! client to trust (`REQUESTS_CA_BUNDLE` or `SSL_CERT_FILE` for Python,
//! `NODE_EXTRA_CA_CERTS` for Node).
//!
//! A connection's first byte tells a TLS client (a handshake record,
//! `0x16`) from a plain-HTTP one: a plain request to a TLS port is answered
//! in plain HTTP with a JSON envelope saying so, and a TLS client on a
//! plain port is logged, each with a clear line.

use std::path::Path;
use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The first byte of a TLS handshake record.
const HANDSHAKE: u8 = 0x16;

/// A certificate and its private key, as PEM.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The certificate chain, PEM.
    pub certificate: String,
    /// The private key, PEM.
    pub key: String,
}

impl Identity {
    /// A fresh self-signed certificate for `127.0.0.1` and `localhost`.
    ///
    /// # Errors
    /// The certificate could not be made.
    pub fn self_signed() -> Result<Self, String> {
        let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        let made = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
        Ok(Self {
            certificate: made.cert.pem(),
            key: made.key_pair.serialize_pem(),
        })
    }

    /// A certificate and key read from PEM files.
    ///
    /// # Errors
    /// A file cannot be read.
    pub fn from_files(certificate: &Path, key: &Path) -> Result<Self, String> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
        };
        Ok(Self {
            certificate: read(certificate)?,
            key: read(key)?,
        })
    }

    /// The acceptor that serves connections with this identity.
    ///
    /// # Errors
    /// The PEM holds no certificate or no usable key.
    pub fn acceptor(&self) -> Result<TlsAcceptor, String> {
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(self.certificate.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("certificate: {e}"))?;
        if chain.is_empty() {
            return Err("certificate: no certificate in the PEM".into());
        }
        let key =
            PrivateKeyDer::from_pem_slice(self.key.as_bytes()).map_err(|e| format!("key: {e}"))?;
        let config = ServerConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("certificate and key: {e}"))?;
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// Whether the client's first byte opens a TLS handshake; `None` when it
/// sent nothing (or closed) before `wait`.
pub(crate) async fn speaks_tls(stream: &TcpStream, wait: std::time::Duration) -> Option<bool> {
    let mut first = [0u8; 1];
    match tokio::time::timeout(wait, stream.peek(&mut first)).await {
        Ok(Ok(1)) => Some(first[0] == HANDSHAKE),
        _ => None,
    }
}

/// Answers a plain-HTTP request on a TLS port in plain HTTP, then closes.
pub(crate) async fn refuse_plain(mut stream: TcpStream) {
    tracing::warn!("a plain-HTTP request came to the HTTPS port: use https://");
    let body = r#"{"error":"INVALID_REQUEST","error_description":"This port serves HTTPS: call it with https://"}"#;
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Logs a TLS client on a plain-HTTP port.
pub(crate) fn log_tls_on_plain() {
    tracing::warn!(
        "a TLS client connected to this plain-HTTP port: start rest_host with --tls, or call it with http://"
    );
}
