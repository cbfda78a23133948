//! HTTPS with rustls. With `--tls-chacha20-only` the server offers only
//! TLS 1.3 `TLS13_CHACHA20_POLY1305_SHA256`: a client offering only AES
//! suites fails the handshake, one offering ChaCha20 gets its answer.
//! Without the flag an AES-only client is served. `--https` alone opens no
//! plain HTTP listener, and a client that does not complete the TLS
//! handshake is dropped at `--tls-handshake-timeout`. The certificate is
//! made here with rcgen.

#[path = "api_common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// Writes a fresh certificate and key into `dir`; returns their paths and the CA.
fn write_certs(dir: &Path) -> (String, String, CertificateDer<'static>) {
    let (cert, key, ca) = make_certs();
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, cert).expect("write cert");
    std::fs::write(&key_path, key).expect("write key");
    (
        cert_path.to_string_lossy().to_string(),
        key_path.to_string_lossy().to_string(),
        ca,
    )
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
    let (cert_s, key_s, ca) = write_certs(certs.path());
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

/// The TCP ports process `pid` listens on (from `/proc/net/tcp{,6}`).
fn listening_ports(pid: u32) -> Vec<u16> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fd dir")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().to_string();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_string())
        })
        .collect();
    let mut ports = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // local_address, st (0A: LISTEN), inode.
            if f.len() > 9 && f[3] == "0A" && inodes.iter().any(|i| i == f[9]) {
                let port = f[1].rsplit(':').next().expect("port");
                ports.push(u16::from_str_radix(port, 16).expect("hex port"));
            }
        }
    }
    ports
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

#[test]
fn https_alone_opens_no_plain_http() {
    let data = import("blockchain-180-no-unconfirmed.db");
    let certs = tempfile::tempdir().expect("dir");
    let (cert, key, ca) = write_certs(certs.path());
    let mut server = Server::start_exact(
        data.path(),
        &[
            "--https",
            "127.0.0.1:0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
        ],
    );
    assert_eq!(server.http, "", "a plain HTTP address was printed");
    let addr = server.https.clone().expect("https address");
    let port: u16 = addr
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let chacha = client_config(&ca, vec![cipher_suite::TLS13_CHACHA20_POLY1305_SHA256]);
    let answer = https_get(&addr, chacha, "/api/v1/version").expect("served over HTTPS");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(listening_ports(server.pid()), vec![port]);
    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(30)).expect("exits");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_stalled_tls_handshake_is_dropped_at_its_timeout() {
    let data = import("blockchain-180-no-unconfirmed.db");
    let certs = tempfile::tempdir().expect("dir");
    let (cert, key, _ca) = write_certs(certs.path());
    let server = Server::start_exact(
        data.path(),
        &[
            "--https",
            "127.0.0.1:0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--tls-handshake-timeout",
            "2",
        ],
    );
    let addr = server.https.clone().expect("https address");
    let t = Instant::now();
    let mut s = TcpStream::connect(&addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let mut buf = [0u8; 16];
    let r = s.read(&mut buf);
    let took = t.elapsed();
    println!(
        "a client silent after connecting was dropped after {:.0} ms (handshake timeout 2 s)",
        took.as_secs_f64() * 1000.0
    );
    assert!(
        matches!(r, Ok(0))
            || matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset),
        "not closed by the server: {r:?}"
    );
    assert!(took >= Duration::from_secs(2), "closed before the timeout");
}
