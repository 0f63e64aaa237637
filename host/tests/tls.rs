//! `--tls`: the host serves HTTPS with a certificate it makes at start and
//! writes where it says, a client that trusts that file gets the portal's
//! answers, and a plain-HTTP request to the HTTPS port is told so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// Starts `rest_host --tls`; the child, the certificate's path as printed,
/// and the base URL.
fn start_tls() -> (Child, String, String) {
    let out = common::scratch("tls-cert").with_extension("pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rest_host"))
        .args(["--port", "0", "--tls", "--tls-cert-out"])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let path = first.rsplit(": ").next().unwrap().to_owned();
    let second = lines.next().unwrap().unwrap();
    let base = second.strip_prefix("listening on ").unwrap().to_owned();
    (child, path, base)
}

/// `GET path` over HTTPS to `address`, trusting only `certificate`; the
/// raw answer.
fn https_get(address: &str, certificate: &str, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    https_send(address, certificate, request.as_bytes())
}

/// `request` (raw bytes) over HTTPS to `address`, trusting only
/// `certificate`; everything answered until the host closes.
fn https_send(address: &str, certificate: &str, request: &[u8]) -> String {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(certificate).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let mut tls = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .unwrap();
        tls.write_all(request).await.unwrap();
        let mut answer = Vec::new();
        let _ = tls.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    })
}

#[test]
fn tls_serves_https_with_the_certificate_it_prints() {
    let (mut child, certificate, base) = start_tls();
    let address = base
        .strip_prefix("https://")
        .expect("an https:// start line");
    let pem = std::fs::read_to_string(&certificate).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let answer = https_get(
        address,
        &certificate,
        "/rest/imbot.message.like?auth=t-demo&MESSAGE_ID=1&ACTION=plus",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#"{"result":true"#), "{answer}");

    // Plain HTTP to the HTTPS port: told, in plain HTTP.
    let mut plain = std::net::TcpStream::connect(address).unwrap();
    plain
        .write_all(b"GET /rest/imbot.bot.list HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut told = String::new();
    let _ = plain.read_to_string(&mut told);
    assert!(told.starts_with("HTTP/1.1 400"), "{told}");
    assert!(told.contains("This port serves HTTPS"), "{told}");

    // A malformed head after a valid request on one HTTPS connection: the
    // request answered, then the head with the envelope, then closed.
    let request = format!(
        "GET /rest/imbot.message.like?auth=t-demo&MESSAGE_ID=1&ACTION=minus HTTP/1.1\r\n\
         Host: {address}\r\n\r\nGET / HTTP/1.1\r\nBad Header\r\n\r\n"
    );
    let answer = https_send(address, &certificate, request.as_bytes());
    let (first, second) = answer.split_once("HTTP/1.1 400 ").expect("two answers");
    assert!(first.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(second.contains("connection: close"), "{answer}");
    assert!(
        second.ends_with(r#"{"error":"INVALID_REQUEST","error_description":"Malformed request: the parameters could not be read"}"#),
        "{answer}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_file(&certificate);
}

#[test]
fn a_tls_client_on_the_plain_port_is_logged() {
    let (mut child, base) = common::spawn_host(["--log", "warn"], Stdio::piped());
    let address = base.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    // The first bytes of a TLS ClientHello.
    stream.write_all(&[0x16, 0x03, 0x01, 0x00, 0x05]).unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("TLS client") {
        line.clear();
        assert_ne!(stderr.read_line(&mut line).unwrap(), 0, "no log line");
    }
    assert!(line.contains("--tls"), "{line}");
    child.kill().unwrap();
    child.wait().unwrap();
}
