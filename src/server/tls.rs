//! TLS with rustls: PEM certificate chain and a PKCS#1, PKCS#8 or SEC1 private key.
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls;

/// Build the TLS acceptor from PEM files.
pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<pgwire::tokio::TlsAcceptor> {
    let cert_pem = std::fs::read(cert)
        .with_context(|| format!("cannot read TLS certificate {}", cert.display()))?;
    let key_pem =
        std::fs::read(key).with_context(|| format!("cannot read TLS key {}", key.display()))?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{} is not a PEM certificate chain", cert.display()))?;
    if certs.is_empty() {
        anyhow::bail!("{} contains no certificate", cert.display());
    }
    // from_pem_slice accepts "PRIVATE KEY" (PKCS#8), "RSA PRIVATE KEY" (PKCS#1) and
    // "EC PRIVATE KEY" (SEC1).
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a PEM private key (PKCS#1, PKCS#8 or SEC1): {e}",
            key.display()
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("the TLS certificate and key do not match or are unsupported")?;
    // ALPN for PostgreSQL 17 direct TLS (sslnegotiation=direct).
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(pgwire::tokio::TlsAcceptor::from(Arc::new(config)))
}
