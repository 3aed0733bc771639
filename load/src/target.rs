//! The hub a run plays against: the embedded hub (the default: the simulator's hub on a
//! loopback port, a durable SQLite store in a temporary folder, the machine's clock), or an
//! external one reached by URL with the PKI written by `renkei load init`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use renkei_simulator::clock::SharedClock;
use renkei_simulator::hub::{Hub, HubLog, HubServer, Limits, ServeOptions};
use renkei_simulator::pki::Pki;
use renkei_simulator::store::{SqliteStore, Store};
use renkei_simulator::world::World;

use crate::run::{Credentials, Target};
use crate::world::LoadWorld;

/// Why a target could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The PKI could not be generated or read.
    #[error(transparent)]
    Pki(#[from] renkei_simulator::pki::PkiError),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] renkei_simulator::store::StoreError),
    /// The hub could not start.
    #[error(transparent)]
    Serve(#[from] renkei_simulator::hub::server::ServeError),
    /// A file-system failure.
    #[error("{0}")]
    Io(String),
}

/// The generated PKI and how long it took.
pub struct GeneratedPki {
    /// The PKI (root, CAs, the hub's certificate, one certificate per office).
    pub pki: Pki,
    /// Offices certified.
    pub offices: usize,
    /// Wall time of the generation.
    pub took: Duration,
}

impl GeneratedPki {
    /// Milliseconds per 1,000 offices.
    pub fn ms_per_1000(&self) -> f64 {
        self.took.as_secs_f64() * 1000.0 * 1000.0 / (self.offices.max(1) as f64)
    }
}

/// Generates the PKI of `hub_world` (ECDSA P-256 keys, one root, one issuing CA per
/// certificate type), timed.
pub fn generate_pki(hub_world: &World) -> Result<GeneratedPki, TargetError> {
    let t = Instant::now();
    let pki = Pki::generate(hub_world, time::OffsetDateTime::now_utc())?;
    Ok(GeneratedPki {
        offices: pki.offices.len(),
        took: t.elapsed(),
        pki,
    })
}

/// In-memory credentials by office index for `world` from `pki` (the hub world's order).
pub fn memory_credentials(world: &LoadWorld, pki: &Pki) -> Credentials {
    let map: HashMap<u32, (String, String)> = pki
        .offices
        .iter()
        .filter_map(|c| {
            let i = world.index_of(&c.office)?;
            Some((i, (c.cert.chain_pem.clone(), c.cert.key_pem.clone())))
        })
        .collect();
    Credentials::Memory(Arc::new(map))
}

/// The embedded hub, running until dropped (or shut down).
pub struct Embedded {
    /// The server.
    pub server: HubServer,
    /// Its store's folder, removed on drop.
    pub data: tempfile::TempDir,
    /// The hub (for a look at its store).
    pub hub: Arc<Hub>,
}

/// Starts the simulator's hub on 127.0.0.1 for `hub_world`, on the machine's clock. Every
/// office connects from the same loopback address, so the per-address connection cap is
/// lifted to the total cap.
pub async fn start_embedded(hub_world: World, pki: &Pki) -> Result<Embedded, TargetError> {
    start_embedded_with_clock(hub_world, pki, SharedClock::system()).await
}

/// [`start_embedded`] on `clock` (a test moves it to expire the offices' tokens).
pub async fn start_embedded_with_clock(
    hub_world: World,
    pki: &Pki,
    clock: SharedClock,
) -> Result<Embedded, TargetError> {
    let data = tempfile::tempdir().map_err(|e| TargetError::Io(e.to_string()))?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(data.path())?);
    let limits = Limits {
        max_connections: 16_384,
        max_connections_per_address: 16_384,
        ..Limits::default()
    };
    let hub = Arc::new(Hub::new(hub_world, store, clock, HubLog::Off).with_limits(limits));
    let server = HubServer::start(
        hub.clone(),
        &pki.hub_material()?,
        ServeOptions {
            listen: "127.0.0.1:0"
                .parse()
                .map_err(|_| TargetError::Io("addr".into()))?,
        },
    )
    .await?;
    Ok(Embedded { server, data, hub })
}

/// The embedded hub as a target, with in-memory credentials.
pub fn embedded_target(e: &Embedded, world: &LoadWorld, pki: &Pki) -> Target {
    Target {
        url: e.server.url(),
        root_pem: pki.root_pem(),
        credentials: memory_credentials(world, pki),
    }
}
