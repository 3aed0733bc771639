//! `renkei hub bench`: the hub's throughput and latency against a ceiling, measured in one
//! run on loopback.
//!
//! The real hub (the demo world, a durable store in a temporary folder, log off) and a
//! ceiling ([`ceiling`]: bare hyper over the same rustls configuration, storing nothing)
//! run in this process; the load client ([`driver`], [`load`]) drives both with the same
//! phases, and each phase is one [`report::Row`]: requests/s, p50/p99/p99.9 latency and
//! errors of each, and the hub's rate over the ceiling's. At the end the store is asked how
//! many sends it holds, which must be exactly the sends counted as successes.
//! docs/BENCH.md says how to run it and what each row means.

pub mod ceiling;
pub mod driver;
pub mod load;
pub mod report;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::ClientIdentity;
use crate::clock::SharedClock;
use crate::hub::{Hub, HubLog, HubServer, ServeOptions};
use crate::pki::Pki;
use crate::store::{PgStore, SqliteStore, Store};
use driver::{DriverError, Serials, Target, UnitTemplate};
use load::{Bounds, Login, Work};
use report::Row;

/// How the bench runs.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Each phase's duration (against each server).
    pub phase: Duration,
    /// The most requests one phase makes against one server.
    pub max_requests: u64,
    /// Sends preloaded into the store before the "stored sends grow" phase.
    pub stored: u64,
    /// The store: `sqlite` (in a temporary folder) or a `postgres://` URL.
    pub store: String,
    /// The offered rate of the fixed-rate phase (sends per second).
    pub rate: u32,
    /// Users per 予定 send unit (5 gives about 40 KB).
    pub users: usize,
    /// Sends made at warm-up, which the inbox and download phases read.
    pub seeds: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            phase: Duration::from_secs(5),
            max_requests: 1_000_000,
            stored: 20_000,
            store: "sqlite".into(),
            rate: 1_000,
            users: 5,
            seeds: 10,
        }
    }
}

/// Why the bench could not run (as opposed to errors counted in a phase).
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The store spec is neither `sqlite` nor a `postgres://` URL.
    #[error("--store は sqlite か postgres://… の URL です: {0}")]
    StoreSpec(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The PKI could not be generated.
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
    /// The hub could not start.
    #[error(transparent)]
    Serve(#[from] crate::hub::server::ServeError),
    /// The TLS configuration could not be built.
    #[error(transparent)]
    Tls(#[from] crate::hub::tls::TlsSetupError),
    /// A client could not be set up.
    #[error(transparent)]
    Client(#[from] Box<crate::client::ClientError>),
    /// A request at warm-up, or a login before a phase, failed.
    #[error("準備の要求が失敗しました: {0}")]
    Driver(#[from] DriverError),
    /// The demo world lacks an office the bench needs, or the sample unit failed.
    #[error("ベンチの準備ができません: {0}")]
    Setup(String),
    /// A file-system or socket failure.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Opens the hub's store from `spec`: `sqlite` is [`SqliteStore`] in `dir`; a `postgres://`
/// URL is [`PgStore`] in a fresh schema of this run's (`renkei_bench_…`, left for a look
/// afterwards), so a bench never mixes with a hub's sends. Returns the store and what it is.
pub fn open_store(spec: &str, dir: &Path) -> Result<(Arc<dyn Store>, String), BenchError> {
    match spec {
        "sqlite" => Ok((
            Arc::new(SqliteStore::open(dir)?),
            format!(
                "SQLite (WAL, synchronous = FULL, sends ≤ {} KiB inline)",
                crate::store::INLINE_SEND_BYTES / 1024
            ),
        )),
        s if s.starts_with("postgres://") || s.starts_with("postgresql://") => {
            let schema = format!(
                "renkei_bench_{}_{}",
                std::process::id(),
                time::OffsetDateTime::now_utc().unix_timestamp()
            );
            let store = PgStore::connect_in_schema(s, &schema)?;
            Ok((Arc::new(store), format!("PostgreSQL, schema {schema}")))
        }
        other => Err(BenchError::StoreSpec(
            other.split(':').next().unwrap_or_default().to_string(),
        )),
    }
}

/// What the store holds against what the bench counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredCheck {
    /// Sends counted as successes (warm-up, hub phases, preload).
    pub counted: u64,
    /// Sends the store lists for the sender.
    pub found: u64,
}

/// A whole run.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// What was loaded: the send unit's size, the store, the machine's load.
    pub setup: Vec<String>,
    /// One row per phase.
    pub rows: Vec<Row>,
    /// The preload: how many sends, and how long it took.
    pub preload: Option<(u64, Duration)>,
    /// The mean time of one retention pass (`Store::purge_before` with nothing to purge, as
    /// the hub's periodic maintenance runs it), by how many sends the store held.
    pub retention: Vec<(u64, Duration)>,
    /// The store's count against the successes.
    pub stored: StoredCheck,
}

impl BenchReport {
    /// No phase had an error and the store holds exactly the sends counted.
    pub fn passed(&self) -> bool {
        self.rows.iter().all(|r| r.errors() == 0) && self.stored.counted == self.stored.found
    }

    /// The table, the notes, the preload and the store check, for people.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for l in &self.setup {
            s.push_str(l);
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&report::table(&self.rows));
        if let Some((n, t)) = self.preload {
            s.push_str(&format!(
                "preload: {n} sends straight into the store in {:.1} s ({:.0}/s)\n",
                t.as_secs_f64(),
                n as f64 / t.as_secs_f64().max(1e-9)
            ));
        }
        for (n, t) in &self.retention {
            s.push_str(&format!(
                "retention pass (purge_before, the periodic maintenance's purge): {:.3} ms with {n} sends stored\n",
                t.as_secs_f64() * 1000.0
            ));
        }
        s.push_str(&format!(
            "store check: {} sends counted as 201, {} stored: {}\n",
            self.stored.counted,
            self.stored.found,
            if self.stored.counted == self.stored.found {
                "same"
            } else {
                "DIFFERENT"
            }
        ));
        s
    }
}

/// The machine's load average (Linux), for the report.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| {
            let v: Vec<&str> = l.split_whitespace().take(3).collect();
            (v.len() == 3).then(|| v.join(" "))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// One office of the demo world that logs in: its TLS configuration and login.
struct Office {
    number: String,
    tls: Arc<rustls::ClientConfig>,
    login: Login,
}

fn office(pki: &Pki, ids: &[crate::world::DemoIdentity], n: usize) -> Result<Office, BenchError> {
    let id = ids
        .iter()
        .filter(|i| i.expect == "ok")
        .nth(n)
        .ok_or_else(|| BenchError::Setup(format!("デモの利用できる事業所 #{n} がありません")))?;
    let c = pki
        .office(&id.office)
        .ok_or_else(|| BenchError::Setup(format!("事業所 {} の証明書がありません", id.office)))?;
    let identity = ClientIdentity::from_pem(&pki.root_pem(), &c.cert.chain_pem, &c.cert.key_pem)
        .map_err(Box::new)?;
    Ok(Office {
        number: id.office.clone(),
        tls: driver::client_config(identity)?,
        login: Login {
            user_id: id.user_id.clone(),
            password: id.password.clone(),
        },
    })
}

/// A phase: what it does against each server.
enum Shape {
    Closed { clients: usize },
    Open { pool: usize, rate: u32 },
}

/// The hub and the ceiling, as the sender and as the receiver.
struct Targets {
    hub_sender: Target,
    hub_receiver: Target,
    ceiling_sender: Target,
    ceiling_receiver: Target,
}

/// Runs one phase against the hub, then the same against the ceiling.
async fn phase(
    name: String,
    targets: &Targets,
    as_sender: bool,
    login: &Login,
    shape: &Shape,
    work: &Work,
    bounds: Bounds,
) -> Result<Row, BenchError> {
    let (hub, ceiling) = if as_sender {
        (&targets.hub_sender, &targets.ceiling_sender)
    } else {
        (&targets.hub_receiver, &targets.ceiling_receiver)
    };
    let run = |t: Target| async move {
        match shape {
            Shape::Closed { clients } => load::closed_loop(&t, login, *clients, work, bounds).await,
            Shape::Open { pool, rate } => {
                load::open_loop(&t, login, *pool, *rate, work, bounds).await
            }
        }
    };
    let hub_m = run(hub.clone()).await?;
    let ceiling_m = run(ceiling.clone()).await?;
    Ok(Row {
        phase: name,
        stores_sends: matches!(work, Work::Send { .. }),
        hub: hub_m,
        ceiling: ceiling_m,
        note: None,
    })
}

/// Every send by `sender` in the store, counted page by page.
fn count_sent(store: &dyn Store, sender: &str) -> Result<u64, crate::store::StoreError> {
    let mut page = crate::store::PageRequest {
        after: None,
        limit: crate::store::MAX_PAGE,
    };
    let mut n = 0u64;
    loop {
        let p = store.sent_by(sender, &page)?;
        n += p.sends.len() as u64;
        match p.next_after {
            Some(next) => page.after = Some(next),
            None => return Ok(n),
        }
    }
}

/// The mean time of one retention pass over `store` as the hub's maintenance runs it every
/// minute (cutoff 30 days back, so nothing is purged), over 20 passes.
async fn retention_pass(
    store: &Arc<dyn Store>,
    at: time::OffsetDateTime,
) -> Result<Duration, BenchError> {
    const PASSES: u32 = 20;
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        for _ in 0..PASSES {
            store.purge_before(at - time::Duration::days(30), at)?;
        }
        Ok::<_, crate::store::StoreError>(started.elapsed() / PASSES)
    })
    .await
    .map_err(|e| BenchError::Setup(format!("retention pass: {e}")))?
    .map_err(BenchError::from)
}

/// Shows a finished row (the header first) and keeps it.
fn emit(progress: &mut (dyn FnMut(&str) + Send), rows: &mut Vec<Row>, r: Row) {
    if rows.is_empty() {
        progress(report::header().trim_end());
    }
    progress(report::line(&r).trim_end());
    rows.push(r);
}

/// Runs the whole bench; `progress` gets a line as each step ends (the table's rows, the
/// preload).
pub async fn run(
    opts: &BenchOptions,
    progress: &mut (dyn FnMut(&str) + Send),
) -> Result<BenchReport, BenchError> {
    crate::install_crypto_provider();
    let now = time::OffsetDateTime::now_utc();
    let (mut world, ids) = crate::world::demo(now);
    // The bench measures throughput, not the limits: one office sends far more than its
    // quota, and its clients log in far more often than one certificate may in a minute.
    world.hub.office_quota_bytes = 1 << 40;
    world.hub.login_attempts_per_minute = 1_000_000;
    world.hub.sessions_per_certificate = 1_000_000;
    let pki = Pki::generate(&world, now)?;
    let material = pki.hub_material()?;
    let clock = SharedClock::system();
    let data = tempfile::tempdir()?;
    let (store, store_kind) = open_store(&opts.store, data.path())?;
    let limits = crate::hub::Limits {
        max_connections_per_certificate: 4096,
        ..crate::hub::Limits::default()
    };
    let hub =
        Arc::new(Hub::new(world, store.clone(), clock.clone(), HubLog::Off).with_limits(limits));
    let server = HubServer::start(hub, &material, ServeOptions::default()).await?;

    let kyotaku = office(&pki, &ids, 0)?;
    let houmon = office(&pki, &ids, 1)?;
    let unit = Arc::new(
        UnitTemplate::yotei(&kyotaku.number, &houmon.number, opts.users)
            .map_err(BenchError::Setup)?,
    );
    let serials = Arc::new(Serials::default());
    let (files, bytes) = unit.size();
    let mut setup = vec![
        format!(
            "renkei hub bench: send unit 予定 {files} files, {bytes} bytes; store {store_kind}; \
             phases {:.1} s, at most {} requests each",
            opts.phase.as_secs_f64(),
            opts.max_requests
        ),
        format!(
            "machine: {} cores, load average {} at start",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            load_average()
        ),
    ];

    // Warm-up on the hub: the seeds the inbox and download phases read, and the hub's own
    // answers, which the ceiling then gives back.
    let hub_sender = Target::new(server.addr, kyotaku.tls.clone());
    let hub_receiver = Target::new(server.addr, houmon.tls.clone());
    let mut canned = ceiling::Canned::default();
    let mut counted = 0u64;
    let mut downloads = Vec::new();
    {
        let mut c = hub_sender.connect().await?;
        canned.login = c
            .login(&kyotaku.login.user_id, &kyotaku.login.password)
            .await?;
        for _ in 0..opts.seeds.max(1) {
            let serial = serials.next();
            let answer = c.send(&unit, &serial).await?;
            counted += 1;
            let id = serde_json::from_slice::<serde_json::Value>(&answer)
                .ok()
                .and_then(|v| {
                    v.get("send_id")
                        .and_then(|s| s.as_str())
                        .map(str::to_string)
                })
                .ok_or_else(|| BenchError::Setup("送信の応答に send_id がありません".into()))?;
            for name in unit.names(&serial) {
                downloads.push(format!("/v1/inbox/{id}/files/{name}"));
            }
            canned.send = answer;
        }
        let mut r = load::logged_in(&hub_receiver, &houmon.login).await?;
        canned.inbox = r.get("/v1/inbox").await?;
        if let Some(p) = downloads.first() {
            canned.download = r.get(p).await?;
        }
    }
    let ceiling =
        ceiling::start(crate::hub::tls::server_config(&material, &clock)?, canned).await?;
    let targets = Targets {
        hub_sender,
        hub_receiver,
        ceiling_sender: Target::new(ceiling.addr, kyotaku.tls.clone()),
        ceiling_receiver: Target::new(ceiling.addr, houmon.tls.clone()),
    };

    let bounds = Bounds {
        duration: opts.phase,
        max_requests: opts.max_requests,
    };
    let send = |handshake_each| Work::Send {
        unit: unit.clone(),
        serials: serials.clone(),
        handshake_each,
    };
    let inbox = Work::Get {
        paths: Arc::new(vec!["/v1/inbox".to_string()]),
    };
    let download = Work::Get {
        paths: Arc::new(downloads),
    };
    let seeds = opts.seeds.max(1);
    let mut rows: Vec<Row> = Vec::new();

    let plan: Vec<(String, bool, Shape, Work)> = vec![
        (
            format!("inbox listing ×8 ({seeds} sends listed)"),
            false,
            Shape::Closed { clients: 8 },
            inbox,
        ),
        (
            "download ×8 (one file each)".into(),
            false,
            Shape::Closed { clients: 8 },
            download,
        ),
        (
            "sends keep-alive ×1".into(),
            true,
            Shape::Closed { clients: 1 },
            send(false),
        ),
        (
            "sends keep-alive ×8".into(),
            true,
            Shape::Closed { clients: 8 },
            send(false),
        ),
        (
            "sends keep-alive ×64".into(),
            true,
            Shape::Closed { clients: 64 },
            send(false),
        ),
        (
            "sends new TLS handshake each ×8".into(),
            true,
            Shape::Closed { clients: 8 },
            send(true),
        ),
        (
            format!("sends at {}/s, open loop (64 conns)", opts.rate),
            true,
            Shape::Open {
                pool: 64,
                rate: opts.rate,
            },
            send(false),
        ),
    ];
    for (name, as_sender, shape, work) in plan {
        let mut row = phase(
            name,
            &targets,
            as_sender,
            if as_sender {
                &kyotaku.login
            } else {
                &houmon.login
            },
            &shape,
            &work,
            bounds,
        )
        .await?;
        if let Shape::Open { rate, .. } = shape {
            let p99 = row.hub.quantile_ms(0.99);
            row.note = Some(format!(
                "offered {rate}/s for {:.1} s: hub p99 {p99:.1} ms (target < 50 ms: {})",
                opts.phase.as_secs_f64(),
                if p99 < 50.0 && row.hub.errors == 0 {
                    "met"
                } else {
                    "missed"
                }
            ));
        }
        if row.stores_sends {
            counted += row.hub.ok;
        }
        emit(progress, &mut rows, row);
    }

    // The store grows: preload straight into the store (no HTTP), then sends again.
    let mut retention = vec![(counted, retention_pass(&store, clock.now()).await?)];
    let mut preload = None;
    if opts.stored > 0 {
        let started = Instant::now();
        let (store2, unit2, serials2) = (store.clone(), unit.clone(), serials.clone());
        let (sender, receiver) = (kyotaku.number.clone(), houmon.number.clone());
        let n = opts.stored;
        let at = clock.now();
        tokio::task::spawn_blocking(move || -> Result<(), crate::store::StoreError> {
            for _ in 0..n {
                store2.insert_send(unit2.new_send(&sender, &receiver, &serials2.next(), at))?;
            }
            Ok(())
        })
        .await
        .map_err(|e| BenchError::Setup(format!("preload: {e}")))??;
        // The preload's backlog (SQLite: its WAL) is not what the next row measures.
        let store3 = store.clone();
        tokio::task::spawn_blocking(move || store3.settle())
            .await
            .map_err(|e| BenchError::Setup(format!("settle: {e}")))??;
        counted += n;
        let took = started.elapsed();
        progress(&format!(
            "preload: {n} sends into the store in {:.1} s",
            took.as_secs_f64()
        ));
        preload = Some((n, took));
        retention.push((counted, retention_pass(&store, clock.now()).await?));
        let row = phase(
            format!("sends keep-alive ×8, +{n} stored"),
            &targets,
            true,
            &kyotaku.login,
            &Shape::Closed { clients: 8 },
            &send(false),
            bounds,
        )
        .await?;
        counted += row.hub.ok;
        emit(progress, &mut rows, row);
    }
    setup.push(format!("machine: load average {} at end", load_average()));

    let sender = kyotaku.number.clone();
    let store2 = store.clone();
    let found = tokio::task::spawn_blocking(move || count_sent(&*store2, &sender))
        .await
        .map_err(|e| BenchError::Setup(format!("store count: {e}")))??;
    drop(ceiling);
    server.shutdown().await;
    drop(data);
    Ok(BenchReport {
        setup,
        rows,
        preload,
        retention,
        stored: StoredCheck { counted, found },
    })
}

#[cfg(test)]
mod tests {
    use super::report::Measure;
    use super::*;

    #[test]
    fn the_store_is_sqlite_or_a_postgres_url() {
        let dir = tempfile::tempdir().expect("dir");
        assert!(open_store("sqlite", dir.path()).is_ok());
        assert!(matches!(
            open_store("mysql://user:secret@host/db", dir.path()),
            Err(BenchError::StoreSpec(kind)) if kind == "mysql"
        ));
    }

    #[test]
    fn an_error_in_any_phase_or_a_lost_send_fails_the_run() {
        let mut failed = Measure::new();
        failed.failure("POST /v1/sends: 期待 201、応答 500".into());
        let row = |hub| Row {
            phase: "sends keep-alive ×1".into(),
            stores_sends: true,
            hub,
            ceiling: Measure::new(),
            note: None,
        };
        let report = |hub, found| BenchReport {
            setup: vec![],
            rows: vec![row(hub)],
            preload: None,
            retention: vec![],
            stored: StoredCheck { counted: 5, found },
        };
        assert!(report(Measure::new(), 5).passed());
        assert!(!report(failed, 5).passed());
        let lost = report(Measure::new(), 4);
        assert!(!lost.passed());
        assert!(lost.render().contains("DIFFERENT"));
    }

    /// A tiny bounded run: every row produced, no error, and the store holds exactly the
    /// sends counted as 201 (so a failure can't pass as a success).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_tiny_run_produces_every_row_and_stores_what_it_counted() {
        let opts = BenchOptions {
            phase: Duration::from_millis(300),
            max_requests: 40,
            stored: 20,
            rate: 100,
            seeds: 3,
            ..BenchOptions::default()
        };
        let mut lines = Vec::new();
        let r = run(&opts, &mut |l: &str| lines.push(l.to_string()))
            .await
            .expect("bench runs");
        assert_eq!(r.rows.len(), 8, "{}", r.render());
        for row in &r.rows {
            assert_eq!(row.errors(), 0, "{}", r.render());
            assert!(row.hub.ok > 0 && row.ceiling.ok > 0, "{}", r.render());
            assert!(row.hub.ok <= 40 && row.ceiling.ok <= 40);
        }
        let sent: u64 = r
            .rows
            .iter()
            .filter(|row| row.stores_sends)
            .map(|row| row.hub.ok)
            .sum();
        assert_eq!(r.stored.counted, 3 + 20 + sent);
        assert_eq!(r.stored.found, r.stored.counted, "{}", r.render());
        assert!(r.passed());
        assert!(lines.iter().any(|l| l.starts_with("preload")));
        assert_eq!(r.retention.len(), 2);
    }
}
