//! An embedded hub: a world, its PKI, a pinned clock, a store in a temporary folder, and the
//! server on a free loopback port — what scenarios and tests start in one call.

use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use crate::client::{ClientError, ClientIdentity, ClientOptions, HubClient};
use crate::clock::{ManualClock, SharedClock};
use crate::hub::{Hub, HubLog, HubServer, Limits, ServeOptions};
use crate::pki::Pki;
use crate::store::{SqliteStore, Store};
use crate::world::{DemoIdentity, World};

/// A running hub with everything it was made from.
pub struct EmbeddedHub {
    /// The world the hub serves (offices, licences, settings).
    pub world: World,
    /// The demo login IDs and passwords, one per office.
    pub ids: Vec<DemoIdentity>,
    /// The PKI generated for this hub (root, CAs, CRLs, certificates).
    pub pki: Pki,
    /// The hub's clock, pinned; steps move it.
    pub clock: Arc<ManualClock>,
    /// The running server.
    pub server: HubServer,
    /// The hub it serves (its rules, store and sessions, for tests that look inside).
    pub hub: Arc<Hub>,
    /// The hub's request log.
    pub log: Arc<Mutex<Vec<String>>>,
    /// The hub's data folder (the SQLite store), removed on drop.
    pub data: tempfile::TempDir,
}

/// Why an embedded hub could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// The PKI could not be generated.
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The server could not start.
    #[error(transparent)]
    Serve(#[from] crate::hub::server::ServeError),
    /// The temporary data folder could not be made.
    #[error("一時フォルダを作れません: {0}")]
    Io(#[from] std::io::Error),
}

impl EmbeddedHub {
    /// Starts `world` with the clock pinned at `now`; `adjust` may change the PKI (extra
    /// certificates, CRL dates) before the hub reads it.
    pub async fn start(
        world: World,
        ids: Vec<DemoIdentity>,
        now: OffsetDateTime,
        adjust: impl FnOnce(&mut Pki),
    ) -> Result<EmbeddedHub, EmbeddedError> {
        EmbeddedHub::start_limited(world, ids, now, adjust, Limits::default()).await
    }

    /// [`EmbeddedHub::start`] with other server limits (tests of timeouts and caps).
    pub async fn start_limited(
        world: World,
        ids: Vec<DemoIdentity>,
        now: OffsetDateTime,
        adjust: impl FnOnce(&mut Pki),
        limits: Limits,
    ) -> Result<EmbeddedHub, EmbeddedError> {
        EmbeddedHub::start_on(world, ids, now, adjust, limits, None).await
    }

    /// [`EmbeddedHub::start_limited`] on a given store (the PostgreSQL store in tests);
    /// `None` is a SQLite store in the hub's temporary data folder.
    pub async fn start_on(
        world: World,
        ids: Vec<DemoIdentity>,
        now: OffsetDateTime,
        adjust: impl FnOnce(&mut Pki),
        limits: Limits,
        store: Option<Arc<dyn Store>>,
    ) -> Result<EmbeddedHub, EmbeddedError> {
        let mut pki = Pki::generate(&world, now)?;
        adjust(&mut pki);
        let clock = Arc::new(ManualClock::new(now));
        let data = tempfile::tempdir()?;
        let store: Arc<dyn Store> = match store {
            Some(s) => s,
            None => Arc::new(SqliteStore::open(data.path())?),
        };
        let log = Arc::new(Mutex::new(Vec::new()));
        let hub = Arc::new(
            Hub::new(
                world.clone(),
                store,
                SharedClock::from_arc(clock.clone()),
                HubLog::Memory(log.clone()),
            )
            .with_limits(limits),
        );
        let server =
            HubServer::start(hub.clone(), &pki.hub_material()?, ServeOptions::default()).await?;
        Ok(EmbeddedHub {
            world,
            ids,
            pki,
            clock,
            server,
            hub,
            log,
            data,
        })
    }

    /// The demo world of simulator/HUB-RULES.md, dated around `now`.
    pub async fn demo(now: OffsetDateTime) -> Result<EmbeddedHub, EmbeddedError> {
        let (w, ids) = crate::world::demo(now);
        EmbeddedHub::start(w, ids, now, |_| {}).await
    }

    /// The demo identity meant to get `expect` (the n-th one when several).
    pub fn identity(&self, expect: &str, n: usize) -> Option<&DemoIdentity> {
        self.ids.iter().filter(|i| i.expect == expect).nth(n)
    }

    /// A client presenting `office`'s certificate; `attempts` tries per request.
    pub fn client(&self, office: &str, attempts: u32) -> Result<HubClient, ClientError> {
        let c = self
            .pki
            .office(office)
            .ok_or_else(|| ClientError::Setup(format!("事業所 {office} の証明書がありません")))?;
        let identity =
            ClientIdentity::from_pem(&self.pki.root_pem(), &c.cert.chain_pem, &c.cert.key_pem)?;
        HubClient::new(
            &self.server.url(),
            Some(identity),
            ClientOptions {
                attempts,
                ..ClientOptions::default()
            },
        )
    }

    /// The hub's request log so far, one line per request or refused handshake.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
