//! renkei-simulator: everything that stands in for the real 連携基盤 and its users.
//!
//! - [`clock`]: the one injected clock (certificates, CRLs, licences, retention);
//! - [`world`]: the world file — offices, login IDs, licences, certificates, hub settings;
//! - [`pki`]: the generated PKI (rcgen) and the hub's TLS material;
//! - [`bench`](mod@bench): `renkei hub bench`, the hub's throughput and latency against a bare-TLS ceiling;
//! - [`embedded`]: a whole hub started in one call (scenarios, tests);
//! - [`hub`]: the mock hub — its rules, its HTTPS API over mutual TLS, its server;
//! - [`store`]: the durable store behind a trait (SQLite in WAL mode by default);
//! - [`client`]: the hub client (the 連携クライアント's role), with typed errors;
//! - [`offices`]: simulated 居宅介護支援事業所 and サービス事業所 (予定, 実績, reconciliation).

pub mod bench;
pub mod client;
pub mod clock;
pub mod embedded;
pub mod hub;
pub mod offices;
pub mod pki;
pub mod store;
pub mod world;

/// Installs ring as the process's rustls crypto provider (once; later calls do nothing).
/// Every entry point calls this, so no caller meets "no process-level CryptoProvider".
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
