//! The hub's TLS: TLS 1.3 (1.2 allowed), a client certificate required on every connection
//! and verified by rustls's WebPKI client verifier against the PKI's root, with every issuing
//! CA's CRL and `enforce_revocation_expiration` (an expired CRL is unknown revocation status,
//! refused). Time comes from the injected clock, so a scenario decides whether a certificate
//! or a CRL has expired. The handshake's refusals become the TLS alerts of simulator/HUB-RULES.md:
//! certificate_expired (expired, not yet valid), certificate_revoked, unknown_ca (unknown
//! issuer, expired CRL).

use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::clock::SharedClock;
use crate::pki::HubTlsMaterial;

/// The hub's TLS configuration cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// rustls refused the certificates or the key.
    #[error("TLS の設定ができません: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client-certificate verifier (roots, CRLs) cannot be built.
    #[error("クライアント証明書の検証器を作れません: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
}

/// The hub's rustls server configuration.
pub fn server_config(
    material: &HubTlsMaterial,
    clock: &SharedClock,
) -> Result<Arc<ServerConfig>, TlsSetupError> {
    crate::install_crypto_provider();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for r in &material.roots {
        roots.add(r.clone())?;
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .with_crls(material.crls.clone())
        .enforce_revocation_expiration()
        .build()?;
    let mut cfg = ServerConfig::builder_with_details(provider, clock.time_provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            material.server_chain.clone(),
            material.server_key.clone_key(),
        )?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}
