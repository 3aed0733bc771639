//! A hub on loopback with a pinned clock, built from the demo world, for the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use renkei_simulator::client::{ClientIdentity, ClientOptions, HubClient};
use renkei_simulator::clock::{ManualClock, SharedClock};
use renkei_simulator::hub::{Hub, HubLog, HubServer, ServeOptions};
use renkei_simulator::pki::Pki;
use renkei_simulator::store::SqliteStore;
use renkei_simulator::world::{self, DemoIdentity, World};
use time::macros::datetime;
use time::OffsetDateTime;

/// "Now" in every test: 2026-11-24 10:00 JST.
pub const NOW: OffsetDateTime = datetime!(2026-11-24 01:00 UTC);

pub struct TestHub {
    pub world: World,
    pub ids: Vec<DemoIdentity>,
    pub pki: Pki,
    pub clock: Arc<ManualClock>,
    pub server: HubServer,
    pub log: Arc<Mutex<Vec<String>>>,
    pub data: tempfile::TempDir,
}

/// The demo world as of [`NOW`].
pub fn demo_world() -> (World, Vec<DemoIdentity>) {
    world::demo(NOW)
}

impl TestHub {
    pub async fn start() -> TestHub {
        let (w, ids) = demo_world();
        TestHub::start_with(w, ids, |_| {}).await
    }

    /// Starts a hub on `world`; `adjust` may change the PKI (extra certificates, CRL dates)
    /// before the hub reads it.
    pub async fn start_with(
        world: World,
        ids: Vec<DemoIdentity>,
        adjust: impl FnOnce(&mut Pki),
    ) -> TestHub {
        let mut pki = Pki::generate(&world, NOW).expect("pki");
        adjust(&mut pki);
        let clock = Arc::new(ManualClock::new(NOW));
        let shared = SharedClock::from_arc(clock.clone());
        let data = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::open(data.path()).expect("store"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let hub = Arc::new(Hub::new(
            world.clone(),
            store,
            shared,
            HubLog::Memory(log.clone()),
        ));
        let server = HubServer::start(
            hub,
            &pki.hub_material().expect("material"),
            ServeOptions {
                listen: "127.0.0.1:0".parse().expect("addr"),
            },
        )
        .await
        .expect("serve");
        TestHub {
            world,
            ids,
            pki,
            clock,
            server,
            log,
            data,
        }
    }

    /// The demo identity meant to get `expect` (the n-th one when several).
    pub fn id(&self, expect: &str, n: usize) -> &DemoIdentity {
        self.ids
            .iter()
            .filter(|i| i.expect == expect)
            .nth(n)
            .unwrap_or_else(|| panic!("no demo identity {expect} #{n}"))
    }

    /// A client presenting `office`'s certificate (no retries: tests look at first outcomes).
    pub fn client(&self, office: &str) -> HubClient {
        let c = self.pki.office(office).expect("office certificate");
        let identity =
            ClientIdentity::from_pem(&self.pki.root_pem(), &c.cert.chain_pem, &c.cert.key_pem)
                .expect("identity");
        HubClient::new(
            &self.server.url(),
            Some(identity),
            ClientOptions {
                attempts: 1,
                ..ClientOptions::default()
            },
        )
        .expect("client")
    }

    /// A logged-in client for the demo identity `expect` #n.
    pub async fn login(&self, expect: &str, n: usize) -> HubClient {
        let id = self.id(expect, n).clone();
        let c = self.client(&id.office);
        c.login(&id.user_id, &id.password).await.expect("login");
        c
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// A 予定 send unit (第6表 + 第7表 + 利用者補足情報, revision 4.1) from `kyotaku` to the 訪問介護
/// office `provider`, as (file name, bytes).
pub fn yotei_files(kyotaku: &str, provider: &str, serial: &str) -> Vec<(String, Vec<u8>)> {
    let mut w = renkei_spec::sample::World::generate(7, 3);
    w.kyotaku.office = kyotaku.to_string();
    w.providers[0].office = provider.to_string();
    let unit = renkei_spec::sample::usage_unit(&w, "4.1", 0, "202612", serial);
    renkei_spec::writer::write_unit(&unit)
        .expect("write")
        .into_iter()
        .map(|f| (f.name, f.bytes))
        .collect()
}
