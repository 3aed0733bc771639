//! A hub on loopback with a pinned clock, built from the demo world, for the integration tests.
#![allow(dead_code)]

pub mod raw;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use renkei_simulator::client::HubClient;
use renkei_simulator::embedded::EmbeddedHub;
use renkei_simulator::hub::Limits;
use renkei_simulator::pki::Pki;
use renkei_simulator::store::{PgStore, Store};
use renkei_simulator::world::{self, DemoIdentity, World};
use time::macros::datetime;
use time::OffsetDateTime;

/// The PostgreSQL store in a fresh schema when `RENKEI_TEST_POSTGRES` is set, else `None`.
pub fn test_store() -> Option<Arc<dyn Store>> {
    let url = std::env::var("RENKEI_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())?;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let schema = format!(
        "t_hub_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
    );
    let store = PgStore::connect_in_schema(&url, &schema).expect("the PostgreSQL store");
    Some(Arc::new(store))
}

/// "Now" in every test: 2026-11-24 10:00 JST.
pub const NOW: OffsetDateTime = datetime!(2026-11-24 01:00 UTC);

pub struct TestHub(pub EmbeddedHub);

impl std::ops::Deref for TestHub {
    type Target = EmbeddedHub;
    fn deref(&self) -> &EmbeddedHub {
        &self.0
    }
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

    pub async fn start_with(
        world: World,
        ids: Vec<DemoIdentity>,
        adjust: impl FnOnce(&mut Pki),
    ) -> TestHub {
        TestHub::start_limited(world, ids, adjust, Limits::default()).await
    }

    /// A hub with other server limits. Its store is SQLite, or, when `RENKEI_TEST_POSTGRES`
    /// holds a URL (`.ci/run` starts a server with `scripts/postgres.sh`), the PostgreSQL
    /// store in a fresh schema of its own: the same tests then run against both stores.
    pub async fn start_limited(
        world: World,
        ids: Vec<DemoIdentity>,
        adjust: impl FnOnce(&mut Pki),
        limits: Limits,
    ) -> TestHub {
        TestHub(
            EmbeddedHub::start_on(world, ids, NOW, adjust, limits, test_store())
                .await
                .expect("hub"),
        )
    }

    /// Runs `f` on the hub where blocking is allowed, as the API does (the PostgreSQL
    /// store's client may not block an async task).
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&renkei_simulator::hub::Hub) -> T + Send + 'static,
    ) -> T {
        let hub = self.hub.clone();
        tokio::task::spawn_blocking(move || f(&hub))
            .await
            .expect("a blocking task")
    }

    /// The demo identity meant to get `expect` (the n-th one when several).
    pub fn id(&self, expect: &str, n: usize) -> &DemoIdentity {
        self.identity(expect, n)
            .unwrap_or_else(|| panic!("no demo identity {expect} #{n}"))
    }

    /// A client presenting `office`'s certificate (no retries: tests look at first outcomes).
    pub fn client(&self, office: &str) -> HubClient {
        self.0.client(office, 1).expect("client")
    }

    /// A logged-in client for the demo identity `expect` #n.
    pub async fn login(&self, expect: &str, n: usize) -> HubClient {
        let id = self.id(expect, n).clone();
        let c = self.client(&id.office);
        c.login(&id.user_id, &id.password).await.expect("login");
        c
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
