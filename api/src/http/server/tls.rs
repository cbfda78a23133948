//! The HTTPS listener's rustls configuration. With `chacha20_only` the
//! server offers TLS 1.3 with `TLS13_CHACHA20_POLY1305_SHA256` and nothing
//! else.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

/// The rustls provider: ring's suites, or ChaCha20-Poly1305 alone.
pub fn provider(chacha20_only: bool) -> CryptoProvider {
    let mut p = ring::default_provider();
    if chacha20_only {
        p.cipher_suites = vec![ring::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256];
    }
    p
}

/// A TLS server configuration from PEM files, offering HTTP/2 and HTTP/1.1.
pub fn tls_config(cert: &Path, key: &Path, chacha20_only: bool) -> anyhow::Result<ServerConfig> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("cannot read certificate {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("bad certificate {}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read private key {}", key.display()))?;
    let versions: &[&rustls::SupportedProtocolVersion] = if chacha20_only {
        &[&rustls::version::TLS13]
    } else {
        rustls::DEFAULT_VERSIONS
    };
    let mut cfg = ServerConfig::builder_with_provider(Arc::new(provider(chacha20_only)))
        .with_protocol_versions(versions)
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("certificate and key do not match")?;
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}
