//! HTTPS with rustls. With `--tls-chacha20-only` the server offers only
//! TLS 1.3 `TLS13_CHACHA20_POLY1305_SHA256`: a client offering only AES
//! suites fails the handshake, one offering ChaCha20 gets its answer.
//! Without the flag an AES-only client is served. The certificate is made
//! here with rcgen.

#[path = "api_common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::crypto::ring::{self, cipher_suite};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned, SupportedCipherSuite};

use common::{import, Server};

/// A CA and a `localhost` certificate it signed; returns (cert PEM, key PEM, CA DER).
fn make_certs() -> (String, String, CertificateDer<'static>) {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("ca cert");
    let key = KeyPair::generate().expect("key");
    let params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    let cert = params.signed_by(&key, &ca, &ca_key).expect("cert");
    (cert.pem(), key.serialize_pem(), ca.der().clone())
}

fn client_config(ca: &CertificateDer<'static>, suites: Vec<SupportedCipherSuite>) -> ClientConfig {
    let mut provider = ring::default_provider();
    provider.cipher_suites = suites;
    let mut roots = RootCertStore::empty();
    roots.add(ca.clone()).expect("root");
    ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// Connects, sends `GET path` and returns the response text.
fn https_get(addr: &str, cfg: ClientConfig, path: &str) -> Result<String, String> {
    let port = addr.rsplit(':').next().unwrap_or("0");
    let name = ServerName::try_from("localhost").expect("name");
    let conn = ClientConnection::new(Arc::new(cfg), name).map_err(|e| e.to_string())?;
    let sock = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut tls = StreamOwned::new(conn, sock);
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
    tls.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    match tls.read_to_end(&mut out) {
        Ok(_) => {}
        // Some servers close without close_notify; keep what arrived.
        Err(e) if !out.is_empty() => eprintln!("read ended: {e}"),
        Err(e) => return Err(e.to_string()),
    }
    Ok(String::from_utf8_lossy(&out).to_string())
}

fn start(
    chacha_only: bool,
) -> (
    tempfile::TempDir,
    tempfile::TempDir,
    Server,
    CertificateDer<'static>,
) {
    let data = import("blockchain-180-no-unconfirmed.db");
    let certs = tempfile::tempdir().expect("dir");
    let (cert, key, ca) = make_certs();
    let cert_path = certs.path().join("cert.pem");
    let key_path = certs.path().join("key.pem");
    std::fs::write(&cert_path, cert).expect("write cert");
    std::fs::write(&key_path, key).expect("write key");
    let cert_s = cert_path.to_string_lossy().to_string();
    let key_s = key_path.to_string_lossy().to_string();
    let mut args = vec![
        "--https",
        "127.0.0.1:0",
        "--tls-cert",
        &cert_s,
        "--tls-key",
        &key_s,
    ];
    if chacha_only {
        args.push("--tls-chacha20-only");
    }
    let server = Server::start(data.path(), &args);
    (data, certs, server, ca)
}

#[test]
fn chacha20_only_refuses_aes_clients() {
    let (_d, _c, server, ca) = start(true);
    let addr = server.https.clone().expect("https address");
    let aes = client_config(
        &ca,
        vec![
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            cipher_suite::TLS13_AES_256_GCM_SHA384,
        ],
    );
    let refused = https_get(&addr, aes, "/api/v1/version");
    assert!(
        refused.is_err(),
        "an AES-only client was served: {refused:?}"
    );
    let chacha = client_config(&ca, vec![cipher_suite::TLS13_CHACHA20_POLY1305_SHA256]);
    let answer = https_get(&addr, chacha, "/api/v1/version").expect("ChaCha20 client is served");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"version\""), "{answer}");
}

#[test]
fn default_tls_serves_aes_clients() {
    let (_d, _c, server, ca) = start(false);
    let addr = server.https.clone().expect("https address");
    let aes = client_config(&ca, vec![cipher_suite::TLS13_AES_128_GCM_SHA256]);
    let answer = https_get(&addr, aes, "/api/v1/blockchain/metadata").expect("served");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"unspents\": 218"), "{answer}");
}
