//! The runner: the month's schedule played in wall time against a hub, as an open model.
//!
//! Each send starts at its scheduled wall time whether or not earlier ones have finished
//! (up to `max_in_flight` at once; past that the dispatcher itself falls behind, which the
//! schedule lag shows), and its latency counts from the scheduled time, so a slow hub shows
//! in the latency instead of slowing the load down. Each office is one [`HubClient`] with
//! its own certificate and login ID: it logs in once, reuses its connection, and logs in
//! again when the hub says its token is no longer valid. Live clients are bounded
//! ([`RunOptions::max_sessions`], least recently used out); an office whose client was
//! dropped keeps its token, so it reconnects without logging in again. Memory is thus
//! bounded by the concurrency, not by the offices touched; what grows with the sends is the
//! ledger the reconciliation needs. A request that gets no answer or
//! a 5xx is retried with backoff until the run's end; a repeated send is a replay (same
//! files, same ファイル連番), which the hub never delivers twice (HUB-API.md).
//!
//! Receivers poll their inbox `poll_minutes` (simulated) after something was sent to them,
//! download what is new, check each file's SHA-256 and import in ファイル連番 order; a
//! provider sends its 実績 only for a pair whose 予定 it has imported.
//!
//! The run always ends by itself: at `duration`, or after `max_sends` sends, then a bounded
//! grace for the sends in flight.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::Digest;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use renkei_simulator::client::{ClientError, ClientIdentity, ClientOptions, HubClient, InboxItem};

use crate::metrics::Metrics;
use crate::profile::{Profile, Schedule, Shard};
use crate::sessions::Lru;
use crate::units::{self, SendKind};
use crate::world::{self, LoadWorld};

/// Why a run could not be made (as opposed to errors counted in it).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// An office's certificate or key could not be read.
    #[error("事業所 {office} の証明書を読めません: {message}")]
    Identity {
        /// 事業所番号.
        office: String,
        /// Why.
        message: String,
    },
    /// A send unit could not be built.
    #[error("送信単位を作れません: {0}")]
    Unit(String),
}

/// Where offices' certificates and keys come from.
#[derive(Clone)]
pub enum Credentials {
    /// Generated in memory: by office index, (chain PEM, key PEM).
    Memory(Arc<HashMap<u32, (String, String)>>),
    /// A PKI folder written by `renkei load init` (`offices/<number>.pem`, `-key.pem`).
    Dir(PathBuf),
}

/// The hub to play against.
#[derive(Clone)]
pub struct Target {
    /// Its base URL (`https://127.0.0.1:8443`).
    pub url: String,
    /// The root its server certificate chains to (PEM).
    pub root_pem: String,
    /// The offices' certificates.
    pub credentials: Credentials,
}

/// How long and how much.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Wall time the month is played in.
    pub duration: Duration,
    /// The most sends started (the run's request bound).
    pub max_sends: u64,
    /// Sends and polls in flight at most.
    pub max_in_flight: usize,
    /// Offices' live clients (TLS set-up and connection) kept at most; the least recently
    /// used one not in use is dropped past it. An office's login token outlives its client.
    pub max_sessions: usize,
    /// Time allowed after the end for the sends in flight.
    pub grace: Duration,
    /// Time allowed for one request.
    pub timeout: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            duration: Duration::from_secs(60),
            max_sends: 1_000_000,
            max_in_flight: 512,
            max_sessions: 1024,
            grace: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
        }
    }
}

/// What became of a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The hub answered 2xx with this 送信ID.
    Acknowledged(String),
    /// The hub refused it (its code) or a final transport error.
    Refused(String),
    /// No answer at all before the run's end.
    Unanswered,
}

/// One send made, for the reconciliation.
#[derive(Debug, Clone)]
pub struct SendRecord {
    /// Index of the pair.
    pub pair: u32,
    /// What was sent.
    pub kind: SendKind,
    /// Sender's office index.
    pub sender: u32,
    /// Receiver's office index.
    pub receiver: u32,
    /// The ファイル連番.
    pub serial: String,
    /// Each file's name and SHA-256.
    pub files: Vec<(String, String)>,
    /// What the hub said.
    pub outcome: SendOutcome,
    /// At least one try got no answer (it was then retried as a replay).
    pub unanswered_try: bool,
    /// When the first try started.
    pub started: Instant,
    /// When the acknowledgement arrived.
    pub answered: Option<Instant>,
}

/// What the live display shows.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The simulated instant the schedule has reached (JST).
    pub simulated: time::OffsetDateTime,
    /// Sends started.
    pub started: u64,
    /// Sends scheduled in the run's bounds.
    pub scheduled: u64,
    /// Sends acknowledged.
    pub acknowledged: u64,
    /// Failed requests.
    pub errors: u64,
    /// Send p99 from the scheduled time so far, ms.
    pub p99_ms: f64,
    /// Wall time since the start.
    pub elapsed: Duration,
}

/// Things the caller runs at points of the run.
pub struct Hooks {
    /// Called about twice a second.
    pub progress: Box<dyn Fn(&Snapshot) + Send + Sync>,
    /// Awaited after the last send and before the reconciliation (a chaos task stops and
    /// the hub is back up).
    pub before_reconcile: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl Hooks {
    /// No display, nothing before the reconciliation.
    pub fn none() -> Hooks {
        Hooks {
            progress: Box::new(|_| {}),
            before_reconcile: None,
        }
    }
}

/// Facts of the run itself.
#[derive(Debug, Clone)]
pub struct RunFacts {
    /// Sends in the schedule (this shard).
    pub scheduled: u64,
    /// Sends due within the run's bounds (before its end, at most `max_sends`).
    pub due: u64,
    /// Sends started: fewer than `due` when the runner fell behind its schedule (every
    /// in-flight slot busy) and the run's end came first.
    pub started: u64,
    /// Simulated seconds reached (of the schedule's length): the last send started, before
    /// the end, the count bound, or the point where the runner fell behind.
    pub reached: u32,
    /// Wall time of the play, the grace included, without the reconciliation.
    pub wall: Duration,
    /// Wall time of the reconciliation.
    pub reconcile_wall: Duration,
    /// Tasks still running after the grace (aborted).
    pub abandoned: u64,
}

/// An office's client and whether it is logged in.
struct Session {
    client: Arc<HubClient>,
    logged_in: bool,
}

/// What every task shares.
pub(crate) struct Shared {
    world: Arc<LoadWorld>,
    schedule: Arc<Schedule>,
    month: String,
    target: Target,
    opts: RunOptions,
    poll_wall: Duration,
    t0: Instant,
    deadline: Instant,
    /// Simulated seconds per wall second.
    compression: f64,
    /// Live clients, bounded (least recently used out).
    sessions: Mutex<Lru<tokio::sync::Mutex<Session>>>,
    /// Each office's login token, kept when its client is dropped.
    tokens: Mutex<HashMap<u32, Box<str>>>,
    /// Sends and polls in flight.
    gate: Arc<Semaphore>,
    metrics: Mutex<Metrics>,
    ledger: Mutex<Vec<SendRecord>>,
    by_send_id: Mutex<HashMap<String, usize>>,
    /// Per receiver: 送信ID already imported (downloaded and checked).
    imported: Mutex<HashMap<u32, HashSet<String>>>,
    /// Per (receiver, sender): the highest ファイル連番 imported.
    last_serial: Mutex<HashMap<(u32, u32), String>>,
    /// Pairs whose 予定 the provider has imported.
    yotei_in: Mutex<HashSet<u32>>,
    pending_polls: Mutex<HashSet<u32>>,
    pair_index: HashMap<(u32, u32), u32>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether a failed request is worth another try (no answer, or the hub failed).
fn retryable(e: &ClientError) -> bool {
    match e {
        ClientError::Hub { status, .. } => *status >= 500,
        ClientError::Timeout(_) | ClientError::Connection(_) => true,
        _ => false,
    }
}

/// The hub's word that the token is no longer valid (expired, or the session was closed).
fn token_invalid(e: &ClientError) -> bool {
    matches!(e, ClientError::Hub { code, .. } if code == "AUTH_TOKEN_INVALID")
}

impl Shared {
    /// The office's session: its live client, or a new one (presenting the office's token
    /// when it has one).
    fn session(&self, office: u32) -> Result<Arc<tokio::sync::Mutex<Session>>, RunError> {
        if let Some(s) = lock(&self.sessions).get(office) {
            return Ok(s);
        }
        let number = self.world.offices[office as usize].number.clone();
        let fail = |message: String| RunError::Identity {
            office: number.clone(),
            message,
        };
        let identity = match &self.target.credentials {
            Credentials::Memory(map) => {
                let (chain, key) = map
                    .get(&office)
                    .ok_or_else(|| fail("証明書が生成されていません".into()))?;
                ClientIdentity::from_pem(&self.target.root_pem, chain, key)
            }
            Credentials::Dir(dir) => {
                let (cert, key) = renkei_simulator::pki::Pki::office_paths(dir, &number);
                ClientIdentity::from_files(&dir.join("ca.pem"), &cert, &key)
            }
        }
        .map_err(|e| fail(e.to_string()))?;
        let client = HubClient::new(
            &self.target.url,
            Some(identity),
            ClientOptions {
                timeout: self.opts.timeout,
                attempts: 1,
                ..ClientOptions::default()
            },
        )
        .map_err(|e| fail(e.to_string()))?;
        let token = lock(&self.tokens).get(&office).map(|t| t.to_string());
        let logged_in = token.is_some();
        client.set_token(token);
        let s = Arc::new(tokio::sync::Mutex::new(Session {
            client: Arc::new(client),
            logged_in,
        }));
        let (kept, evicted) = {
            let mut cache = lock(&self.sessions);
            let kept = cache.insert(office, s.clone());
            (kept, cache.evicted)
        };
        if Arc::ptr_eq(&kept, &s) {
            let mut m = lock(&self.metrics);
            m.office.clients += 1;
            m.office.clients_evicted = evicted;
        }
        Ok(kept)
    }

    /// The run's end plus the grace: no retry goes past it.
    fn give_up_at(&self) -> Instant {
        self.deadline + self.opts.grace
    }

    /// Logs `office` in on `s` (measured as the `login` endpoint), retrying while the hub
    /// does not answer.
    async fn login(&self, office: u32, s: &mut Session) -> Result<(), ClientError> {
        let seed = self.world.params.seed;
        let (id, pw) = (world::user_id(office), world::password(seed, office));
        let mut wait = Duration::from_millis(100);
        loop {
            let t = Instant::now();
            let r = s.client.login(&id, &pw).await;
            s.client.take_exchanges();
            match r {
                Ok(r) => {
                    lock(&self.tokens).insert(office, r.token.into_boxed_str());
                    let mut m = lock(&self.metrics);
                    m.ok("login", t.elapsed(), t.elapsed());
                    m.office.logins += 1;
                    s.logged_in = true;
                    return Ok(());
                }
                Err(e) if retryable(&e) && Instant::now() + wait < self.give_up_at() => {
                    {
                        let mut m = lock(&self.metrics);
                        m.error("login", &e.code());
                        m.office.retries += 1;
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
                Err(e) => {
                    lock(&self.metrics).error("login", &e.code());
                    return Err(e);
                }
            }
        }
    }

    /// Runs `op` on the office's session: logged in first, once more after the token is
    /// refused, retried with backoff while there is no answer or a 5xx. Returns the result
    /// and whether some try got no answer.
    async fn with_session<T, F, Fut>(
        &self,
        office: u32,
        s: &mut Session,
        endpoint: &str,
        mut op: F,
    ) -> (Result<T, ClientError>, bool)
    where
        F: FnMut(Arc<HubClient>) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let mut no_answer = false;
        let mut relogins = 0;
        let mut wait = Duration::from_millis(100);
        loop {
            if !s.logged_in {
                if let Err(e) = self.login(office, s).await {
                    return (Err(e), no_answer);
                }
            }
            let r = op(s.client.clone()).await;
            let tries = s.client.take_exchanges();
            no_answer |= tries.iter().any(|x| x.status.is_none());
            if endpoint == "send" && tries.last().and_then(|x| x.status) == Some(200) {
                lock(&self.metrics).office.replays += 1;
            }
            match r {
                Err(e) if token_invalid(&e) && relogins < 2 => {
                    relogins += 1;
                    s.logged_in = false;
                    lock(&self.metrics).office.relogins += 1;
                }
                Err(e) if retryable(&e) && Instant::now() + wait < self.give_up_at() => {
                    {
                        let mut m = lock(&self.metrics);
                        m.error(endpoint, &e.code());
                        m.office.retries += 1;
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
                other => return (other, no_answer),
            }
        }
    }

    /// The simulated seconds (since the schedule's start) at wall instant `t`.
    fn simulated_at(&self, t: Instant) -> u32 {
        (t.saturating_duration_since(self.t0).as_secs_f64() * self.compression) as u32
    }

    /// The wall instant of simulated second `at`.
    fn wall_of(&self, at: u32) -> Instant {
        self.t0 + Duration::from_secs_f64(f64::from(at) / self.compression)
    }

    /// Whether the pair of this sender and receiver is played by this shard.
    fn pair_of(&self, a: u32, b: u32) -> Option<u32> {
        let k = self.world.params.kyotaku;
        let key = if a < k { (a, b) } else { (b, a) };
        self.pair_index.get(&key).copied()
    }
}

/// One scheduled send: build the unit, make sure a 実績's 予定 is in, send, record.
async fn send_one(sh: Arc<Shared>, event: crate::profile::Event, scheduled: Instant) {
    let pair = sh.world.pairs[event.pair as usize];
    let (sender, receiver) = if event.kind.from_provider() {
        (pair.provider, pair.kyotaku)
    } else {
        (pair.kyotaku, pair.provider)
    };
    if event.kind == SendKind::Jisseki && !lock(&sh.yotei_in).contains(&event.pair) {
        // Import first: the provider reads its inbox before answering with 実績.
        poll(sh.clone(), pair.provider, scheduled).await;
        if !lock(&sh.yotei_in).contains(&event.pair) {
            lock(&sh.metrics).office.jisseki_without_yotei += 1;
            return;
        }
    }
    let serial = sh.schedule.serial(event.at);
    let files = match units::build(
        &sh.world,
        &pair,
        event.pair as usize,
        event.kind,
        &sh.month,
        &serial,
    ) {
        Ok(f) => f,
        Err(e) => {
            lock(&sh.metrics).error("send", &format!("UNIT:{e}"));
            return;
        }
    };
    let hour = sh.simulated_at(scheduled) / 3600;
    lock(&sh.metrics).hours.entry(hour).or_default().started += 1;
    let session = match sh.session(sender) {
        Ok(s) => s,
        Err(e) => {
            lock(&sh.metrics).error("send", &format!("SETUP:{e}"));
            return;
        }
    };
    let mut s = session.lock().await;
    let payload: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.name.clone(), f.bytes.clone()))
        .collect();
    let started = Instant::now();
    let (r, no_answer) = sh
        .with_session(sender, &mut s, "send", |c| {
            let payload = payload.clone();
            async move { c.send(&payload).await }
        })
        .await;
    drop(s);
    let answered = Instant::now();
    let outcome = match &r {
        Ok(receipt) => SendOutcome::Acknowledged(receipt.send_id.clone()),
        Err(e)
            if retryable(e)
                && matches!(e, ClientError::Timeout(_) | ClientError::Connection(_)) =>
        {
            SendOutcome::Unanswered
        }
        Err(e) => SendOutcome::Refused(e.code()),
    };
    {
        let mut m = lock(&sh.metrics);
        let h = m.hours.entry(hour).or_default();
        match &r {
            Ok(_) => {
                h.ok += 1;
                m.ok("send", answered - scheduled, answered - started);
                let day = hour / 24;
                crate::metrics::record(
                    m.days.entry(day).or_insert_with(crate::metrics::histogram),
                    answered - scheduled,
                );
                let sec = answered.saturating_duration_since(sh.t0).as_secs() as u32;
                *m.wall.entry(sec).or_default() += 1;
            }
            Err(e) => {
                h.errors += 1;
                m.error("send", &e.code());
                m.sample("send", e.to_string());
            }
        }
    }
    let acked = matches!(outcome, SendOutcome::Acknowledged(_));
    let record = SendRecord {
        pair: event.pair,
        kind: event.kind,
        sender,
        receiver,
        serial,
        files: files.into_iter().map(|f| (f.name, f.sha256)).collect(),
        outcome: outcome.clone(),
        unanswered_try: no_answer,
        started,
        answered: acked.then_some(answered),
    };
    {
        let mut ledger = lock(&sh.ledger);
        if let SendOutcome::Acknowledged(id) = &outcome {
            lock(&sh.by_send_id).insert(id.clone(), ledger.len());
        }
        ledger.push(record);
    }
    if acked {
        schedule_poll(&sh, receiver);
    }
}

/// Schedules `office`'s next inbox poll `poll_minutes` (simulated) from now, unless one is
/// pending; no poll starts after the run's end.
fn schedule_poll(sh: &Arc<Shared>, office: u32) {
    if !lock(&sh.pending_polls).insert(office) {
        return;
    }
    let at = Instant::now() + sh.poll_wall;
    if at >= sh.deadline {
        lock(&sh.pending_polls).remove(&office);
        return;
    }
    let sh2 = sh.clone();
    tokio::spawn(async move {
        tokio::time::sleep_until(at).await;
        // A poll counts against the in-flight bound like a send (and so holds a client).
        let Ok(_permit) = sh2.gate.clone().acquire_owned().await else {
            return;
        };
        lock(&sh2.pending_polls).remove(&office);
        // Past the grace the run is over (its reconciliation reads the inboxes itself).
        if Instant::now() >= sh2.give_up_at() {
            return;
        }
        poll(sh2, office, at).await;
    });
}

/// The send's ファイル連番, from its first file's name.
fn serial_of(item: &InboxItem) -> String {
    item.files
        .first()
        .and_then(|f| renkei_spec::filename::parse(&f.name).name)
        .map(|n| n.sequence)
        .unwrap_or_default()
}

/// `office` polls its inbox: lists it, downloads what it has not imported (this shard's
/// pairs), checks every file's SHA-256 against what was sent, imports in ファイル連番 order
/// per sender.
async fn poll(sh: Arc<Shared>, office: u32, scheduled: Instant) {
    let Ok(session) = sh.session(office) else {
        return;
    };
    let mut s = session.lock().await;
    let t = Instant::now();
    let (r, _) = sh
        .with_session(office, &mut s, "inbox", |c| async move { c.inbox().await })
        .await;
    let items = match r {
        Ok(items) => {
            let mut m = lock(&sh.metrics);
            m.ok("inbox", Instant::now() - scheduled, t.elapsed());
            m.office.polls += 1;
            items
        }
        Err(_) => return,
    };
    let mut new: Vec<(u32, String, InboxItem)> = {
        let done = lock(&sh.imported);
        let done = done.get(&office);
        items
            .into_iter()
            .filter(|i| !done.is_some_and(|d| d.contains(&i.send_id)))
            .filter_map(|i| {
                let sender = sh.world.index_of(&i.sender)?;
                sh.pair_of(sender, office)?;
                Some((sender, serial_of(&i), i))
            })
            .collect()
    };
    new.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    for (sender, serial, item) in new {
        let mut intact = true;
        for f in &item.files {
            let t = Instant::now();
            let (send_id, name) = (item.send_id.clone(), f.name.clone());
            let (r, _) = sh
                .with_session(office, &mut s, "download", |c| {
                    let (send_id, name) = (send_id.clone(), name.clone());
                    async move { c.download(&send_id, &name).await }
                })
                .await;
            match r {
                Ok(bytes) => {
                    lock(&sh.metrics).ok("download", t.elapsed(), t.elapsed());
                    let sha = hex::encode(sha2::Sha256::digest(&bytes));
                    let sent = sent_sha(&sh, &item.send_id, &f.name);
                    if sha != f.sha256 || sent.as_ref().is_some_and(|x| *x != sha) {
                        intact = false;
                    }
                }
                Err(_) => return,
            }
        }
        {
            let mut m = lock(&sh.metrics);
            m.office.imports += 1;
            if !intact {
                m.office.imports_corrupted += 1;
            }
        }
        {
            let mut last = lock(&sh.last_serial);
            let prev = last.entry((office, sender)).or_default();
            if serial < *prev {
                lock(&sh.metrics).office.imports_out_of_order += 1;
            } else {
                *prev = serial;
            }
        }
        lock(&sh.imported)
            .entry(office)
            .or_default()
            .insert(item.send_id.clone());
        let kind = {
            let ix = lock(&sh.by_send_id).get(&item.send_id).copied();
            ix.and_then(|i| lock(&sh.ledger).get(i).map(|r| r.kind))
        };
        if matches!(kind, Some(SendKind::Yotei)) && intact {
            if let Some(p) = sh.pair_of(sender, office) {
                lock(&sh.yotei_in).insert(p);
            }
        }
    }
}

/// The SHA-256 sent for file `name` of send `send_id`, when this run made it.
fn sent_sha(sh: &Shared, send_id: &str, name: &str) -> Option<String> {
    let i = *lock(&sh.by_send_id).get(send_id)?;
    // A poll still running after the run handed its ledger over finds it empty (as does
    // the kind lookup in `poll`).
    let ledger = lock(&sh.ledger);
    ledger
        .get(i)?
        .files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s.clone())
}

/// A slot for the next send, or `None` once `deadline` has passed (while waiting for one,
/// or before): the dispatcher does not start sends after the run's end.
async fn dispatch_permit(
    gate: &Arc<Semaphore>,
    deadline: Instant,
) -> Option<tokio::sync::OwnedSemaphorePermit> {
    if Instant::now() >= deadline {
        return None;
    }
    match tokio::time::timeout_at(deadline, gate.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Some(permit),
        Ok(Err(_)) | Err(_) => None,
    }
}

/// The run's result before the reconciliation is judged.
pub struct Played {
    /// What was measured.
    pub metrics: Metrics,
    /// Every send made.
    pub ledger: Vec<SendRecord>,
    /// 送信ID imported (downloaded and checked) during the run, by receiver.
    pub imported: HashMap<u32, HashSet<String>>,
    /// Facts of the run.
    pub facts: RunFacts,
    /// The reconciliation.
    pub reconciliation: crate::reconcile::Reconciliation,
}

/// Plays `schedule` against `target`, then reconciles.
pub async fn run(
    world: Arc<LoadWorld>,
    profile: &Profile,
    schedule: Arc<Schedule>,
    shard: Shard,
    target: Target,
    opts: RunOptions,
    hooks: Hooks,
) -> Result<Played, RunError> {
    renkei_simulator::install_crypto_provider();
    let t0 = Instant::now() + Duration::from_millis(200);
    let compression = f64::from(schedule.length) / opts.duration.as_secs_f64().max(0.001);
    let pair_index = world
        .pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| shard.has(p.kyotaku))
        .map(|(i, p)| ((p.kyotaku, p.provider), i as u32))
        .collect();
    let sh = Arc::new(Shared {
        world,
        month: profile.target_yyyymm(),
        poll_wall: Duration::from_secs_f64(f64::from(profile.poll_minutes) * 60.0 / compression),
        schedule: schedule.clone(),
        target,
        t0,
        deadline: t0 + opts.duration,
        compression,
        opts: opts.clone(),
        sessions: Mutex::new(Lru::new(opts.max_sessions)),
        tokens: Mutex::new(HashMap::new()),
        gate: Arc::new(Semaphore::new(opts.max_in_flight.max(1))),
        metrics: Mutex::new(Metrics::default()),
        ledger: Mutex::new(Vec::new()),
        by_send_id: Mutex::new(HashMap::new()),
        imported: Mutex::new(HashMap::new()),
        last_serial: Mutex::new(HashMap::new()),
        yotei_in: Mutex::new(HashSet::new()),
        pending_polls: Mutex::new(HashSet::new()),
        pair_index,
    });
    let scheduled = schedule
        .events
        .iter()
        .take_while(|e| sh.wall_of(e.at) < sh.deadline)
        .count()
        .min(usize::try_from(opts.max_sends).unwrap_or(usize::MAX)) as u64;
    let started = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let reached = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let ticker = {
        let (sh, started, reached) = (sh.clone(), started.clone(), reached.clone());
        let progress = hooks.progress;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let m = lock(&sh.metrics);
                let send = m.endpoints.get("send");
                let snap = Snapshot {
                    simulated: sh
                        .schedule
                        .instant(reached.load(std::sync::atomic::Ordering::Relaxed)),
                    started: started.load(std::sync::atomic::Ordering::Relaxed),
                    scheduled,
                    acknowledged: send.map_or(0, |e| e.ok),
                    errors: m.errors(),
                    p99_ms: send.map_or(0.0, |e| crate::metrics::quantile_ms(&e.latency, 0.99)),
                    elapsed: sh.t0.elapsed(),
                };
                drop(m);
                progress(&snap);
            }
        })
    };
    let gate = sh.gate.clone();
    let mut tasks = tokio::task::JoinSet::new();
    for event in schedule.events.iter().take(scheduled as usize) {
        let at = sh.wall_of(event.at);
        tokio::time::sleep_until(at).await;
        // A send due before the end but not started by then is never started: the run ends
        // at its duration, and the sends the runner fell behind on count as not started.
        let Some(permit) = dispatch_permit(&gate, sh.deadline).await else {
            break;
        };
        let lag = Instant::now().saturating_duration_since(at);
        crate::metrics::record(&mut lock(&sh.metrics).lag, lag);
        started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        reached.store(event.at, std::sync::atomic::Ordering::Relaxed);
        let (sh2, e) = (sh.clone(), *event);
        tasks.spawn(async move {
            send_one(sh2, e, at).await;
            drop(permit);
        });
        while tasks.try_join_next().is_some() {}
    }
    let grace_end = Instant::now().max(sh.deadline) + opts.grace;
    let mut abandoned = 0u64;
    loop {
        match tokio::time::timeout_at(grace_end, tasks.join_next()).await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                abandoned = tasks.len() as u64;
                tasks.abort_all();
                break;
            }
        }
    }
    ticker.abort();
    let wall = sh.t0.elapsed();
    if let Some(f) = hooks.before_reconcile {
        f.await;
    }
    let r0 = Instant::now();
    let reconciliation = crate::reconcile::reconcile(&sh.view()).await;
    let facts = RunFacts {
        scheduled: schedule.events.len() as u64,
        due: scheduled,
        started: started.load(std::sync::atomic::Ordering::Relaxed),
        reached: reached.load(std::sync::atomic::Ordering::Relaxed),
        wall,
        reconcile_wall: r0.elapsed(),
        abandoned,
    };
    let metrics = lock(&sh.metrics).clone();
    let ledger = std::mem::take(&mut *lock(&sh.ledger));
    let imported = std::mem::take(&mut *lock(&sh.imported));
    Ok(Played {
        metrics,
        ledger,
        imported,
        facts,
        reconciliation,
    })
}

/// What the reconciliation reads of the shared state.
mod reconcile_access {
    use super::*;

    /// The ledger, the imports and a way to each receiver's session.
    #[derive(Clone)]
    pub(crate) struct View {
        pub(crate) sh: Arc<Shared>,
    }

    impl View {
        pub(crate) fn ledger(&self) -> Vec<SendRecord> {
            lock(&self.sh.ledger).clone()
        }
        pub(crate) fn imported(&self, office: u32) -> HashSet<String> {
            lock(&self.sh.imported)
                .get(&office)
                .cloned()
                .unwrap_or_default()
        }
        pub(crate) fn world(&self) -> &LoadWorld {
            &self.sh.world
        }
        pub(crate) fn pair_of(&self, a: u32, b: u32) -> Option<u32> {
            self.sh.pair_of(a, b)
        }
        /// The receiver's whole inbox, through the hub API.
        pub(crate) async fn inbox(&self, office: u32) -> Result<Vec<InboxItem>, String> {
            let session = self.sh.session(office).map_err(|e| e.to_string())?;
            let mut s = session.lock().await;
            let (r, _) = self
                .sh
                .with_session(office, &mut s, "reconcile.inbox", |c| async move {
                    c.inbox().await
                })
                .await;
            r.map_err(|e| e.to_string())
        }
        /// One file's bytes.
        pub(crate) async fn download(
            &self,
            office: u32,
            send_id: &str,
            name: &str,
        ) -> Result<Vec<u8>, String> {
            let session = self.sh.session(office).map_err(|e| e.to_string())?;
            let mut s = session.lock().await;
            let (r, _) = self
                .sh
                .with_session(office, &mut s, "reconcile.download", |c| {
                    let (a, b) = (send_id.to_string(), name.to_string());
                    async move { c.download(&a, &b).await }
                })
                .await;
            r.map_err(|e| e.to_string())
        }
    }
}

pub(crate) use reconcile_access::View as ReconcileView;

impl Shared {
    pub(crate) fn view(self: &Arc<Self>) -> ReconcileView {
        ReconcileView { sh: self.clone() }
    }
}
