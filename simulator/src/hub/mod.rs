//! The mock hub (連携基盤). Its rules live in small modules named for them, apart from the
//! HTTP layer, so the planned successor API (介護保険資格確認等WEBサービス) can reuse them:
//!
//! - [`certificate`]: what the verified client certificate says, which types are accepted;
//! - [`auth`]: login IDs, passwords, lockout, tokens;
//! - [`licence`]: licence periods;
//! - [`send`]: what a send must satisfy;
//! - the mailbox, in this file ([`Hub`]'s methods): pages of lists, download and the receipt
//!   rule, withdrawal, the quota, retention and the periodic maintenance;
//! - [`tls`]: the rustls server configuration (client certificates, CRLs, the clock);
//! - [`api`]: the HTTP API of simulator/HUB-RULES.md (axum), its body limits and streaming;
//! - [`server`]: the accept loop, connection limits and timeouts, the request log.

pub mod api;
pub mod auth;
pub mod certificate;
pub mod error;
pub mod licence;
pub mod limits;
pub mod send;
pub mod server;
pub mod tls;
pub mod upload;

use std::sync::{Arc, Mutex};

use time::Duration;

pub use auth::{LoginOk, Session};
pub use certificate::{PeerIdentity, Warning};
pub use error::{clip, HubError, CERT_EXPIRING, TLS_OUTCOMES, WARNING_CODES};
pub use limits::Limits;
pub use send::Upload;
pub use server::{start_from_files, HubServer, ServeFiles, ServeOptions};

use crate::clock::SharedClock;
use crate::store::{Page, PageRequest, SendRecord, SendStatus, Store, StoreError};
use crate::world::World;

/// Where the hub's one-line request log goes.
#[derive(Debug, Clone, Default)]
pub enum HubLog {
    /// Standard error (what `renkei hub serve` uses).
    #[default]
    Stderr,
    /// Kept in memory (tests and scenario evidence).
    Memory(Arc<Mutex<Vec<String>>>),
    /// Nowhere.
    Off,
}

impl HubLog {
    /// Writes one line of the log.
    pub fn write(&self, line: String) {
        match self {
            HubLog::Stderr => eprintln!("{line}"),
            HubLog::Memory(m) => m.lock().unwrap_or_else(|e| e.into_inner()).push(line),
            HubLog::Off => {}
        }
    }
}

/// The hub: a world, a store, a clock, sessions.
pub struct Hub {
    /// The offices, licences and settings the hub knows.
    pub world: World,
    /// Where sends and files are kept.
    pub store: Arc<dyn Store>,
    /// The clock every rule asks.
    pub clock: SharedClock,
    /// Sessions and lockouts.
    pub auth: auth::Auth,
    /// Where the one-line request log goes.
    pub log: HubLog,
    /// The limits it enforces as a server (bodies, timeouts, connections).
    pub limits: Limits,
    /// Lines about refused handshakes and connections, rate-limited.
    pub refusals: limits::RateLimitedLog,
    /// Each office's stored bytes as last read from the store, for the quota.
    stored: std::sync::Mutex<std::collections::HashMap<String, StoredBytes>>,
}

/// How long an office's stored bytes read from the store serve the quota check before they
/// are read again. Summing an office's sends on every send would cost more the more it
/// keeps; this bounds that to one sum per office per interval. Sends this hub is storing are
/// reserved and then added at once, and a withdrawal reads again, so what lags (by at most
/// this long) is another hub process's sends (PostgreSQL), retention, and a send committed
/// while the figure was being read.
pub const QUOTA_REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// An office's stored bytes for the quota: the figure, when it was read, and whether a
/// request is reading it again (the others use the figure meanwhile, so an office's many
/// concurrent sends do not all sum its sends at once).
#[derive(Debug, Clone, Copy)]
struct StoredBytes {
    bytes: u64,
    /// Bytes of sends being stored now ([`Hub::send`] reserves them).
    pending: u64,
    read_at: std::time::Instant,
    refreshing: bool,
    /// Read it again at the next send (a withdrawal freed room).
    stale: bool,
}

/// A send's files as a set of (name, SHA-256), whatever their order.
fn file_set(files: &[(String, String)]) -> std::collections::BTreeSet<(String, String)> {
    files.iter().cloned().collect()
}

/// An office as `GET /v1/offices/{number}` shows it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct OfficeInfo {
    /// The 事業所番号 asked about.
    pub office: String,
    /// The office's name, when it is registered.
    pub name: Option<String>,
    /// Whether it is registered for the exchange.
    pub registered: bool,
    /// The end of its current licence period (YYYY-MM-DD), if it has one.
    pub licensed_until: Option<String>,
}

impl Hub {
    /// A hub over `world` and `store`, asking `clock`, logging to `log`.
    pub fn new(world: World, store: Arc<dyn Store>, clock: SharedClock, log: HubLog) -> Hub {
        Hub {
            world,
            store,
            clock,
            auth: auth::Auth::default(),
            log,
            limits: Limits::default(),
            refusals: limits::RateLimitedLog::default(),
            stored: Default::default(),
        }
    }

    /// The same hub with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Hub {
        self.limits = limits;
        self
    }

    /// Logs a refused handshake or connection, within the per-minute budget.
    pub fn log_refusal(&self, line: String) {
        let now = self.clock.now();
        for l in self
            .refusals
            .admit(line, self.limits.refusal_log_lines_per_minute, now)
        {
            self.log.write(l);
        }
    }

    /// `POST /v1/login`.
    pub fn login(
        &self,
        peer: &PeerIdentity,
        user_id: &str,
        password: &str,
    ) -> Result<LoginOk, HubError> {
        self.auth
            .login(&self.world, peer, user_id, password, self.clock.now())
    }

    /// The session behind a bearer token.
    pub fn session(&self, token: &str, peer: &PeerIdentity) -> Result<Session, HubError> {
        self.auth.session(token, peer, self.clock.now())
    }

    /// The moment before which a send is past retention (期限切れ).
    pub fn retention_cutoff(&self) -> time::OffsetDateTime {
        self.clock.now() - Duration::days(self.world.hub.retention_days)
    }

    /// A record as the API shows it now: a send past retention shows 期限切れ at once, even
    /// before the periodic purge ([`Hub::maintain`]) has deleted its bytes, so a moved clock
    /// takes effect immediately.
    pub fn view(&self, mut r: SendRecord) -> SendRecord {
        if r.purged_at.is_none() && r.sent_at < self.retention_cutoff() {
            r.purged_at = Some(r.sent_at + Duration::days(self.world.hub.retention_days));
        }
        r
    }

    fn views(&self, page: Page) -> Page {
        Page {
            sends: page.sends.into_iter().map(|r| self.view(r)).collect(),
            next_after: page.next_after,
        }
    }

    /// The bytes `office` keeps stored (read again after [`QUOTA_REFRESH`], by one request
    /// while the others use the figure it replaces).
    fn stored_bytes(&self, office: &str) -> Result<u64, HubError> {
        {
            let mut m = self.stored.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(e) = m.get_mut(office) {
                let fresh = !e.stale && e.read_at.elapsed() < QUOTA_REFRESH;
                if e.refreshing || fresh {
                    return Ok(e.bytes);
                }
                e.refreshing = true;
            }
        }
        let read = self.store.live_bytes(office, self.retention_cutoff());
        let mut m = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        let pending = m.get(office).map(|e| e.pending).unwrap_or(0);
        match read {
            Ok(bytes) => {
                m.insert(
                    office.to_string(),
                    StoredBytes {
                        bytes,
                        pending,
                        read_at: std::time::Instant::now(),
                        refreshing: false,
                        stale: false,
                    },
                );
                Ok(bytes)
            }
            Err(e) => {
                if let Some(e) = m.get_mut(office) {
                    e.refreshing = false;
                    e.stale = true;
                }
                Err(e.into())
            }
        }
    }

    /// The storage quota: reserves `incoming` bytes for `office`, or refuses when its stored
    /// bytes, the sends it has in flight and `incoming` exceed the quota. Concurrent sends of
    /// one office each reserve, so together they cannot pass it. [`Hub::release`] ends the
    /// reservation.
    fn reserve(&self, office: &str, incoming: u64) -> Result<(), HubError> {
        let stored = self.stored_bytes(office)?;
        let quota = self.world.hub.office_quota_bytes;
        let mut m = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        let e = m.entry(office.to_string()).or_insert(StoredBytes {
            bytes: stored,
            pending: 0,
            read_at: std::time::Instant::now(),
            refreshing: false,
            stale: false,
        });
        let held = e.bytes.saturating_add(e.pending);
        if held.saturating_add(incoming) > quota {
            return Err(HubError::QuotaExceeded {
                office: office.to_string(),
                quota,
                stored: held,
            });
        }
        e.pending += incoming;
        Ok(())
    }

    /// Ends a reservation: the bytes count as stored when the send was.
    fn release(&self, office: &str, bytes: u64, stored: bool) {
        let mut m = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = m.get_mut(office) {
            e.pending = e.pending.saturating_sub(bytes);
            if stored {
                e.bytes += bytes;
            }
        }
    }

    /// Forgets an office's figure (a withdrawal freed room): the next send reads it again.
    fn forget_stored(&self, office: &str) {
        if let Some(e) = self
            .stored
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(office)
        {
            e.stale = true;
        }
    }

    /// `POST /v1/sends`. Returns the stored send and whether it is a replay: the same files
    /// sent again under the same ファイル連番 (a client retrying after a lost answer) get the
    /// original send back, so a send is stored and delivered once.
    pub fn send(
        &self,
        session: &Session,
        files: Vec<Upload>,
    ) -> Result<(SendRecord, bool), HubError> {
        let new = send::check_send(&self.world, &session.office, files, self.clock.now())?;
        let wanted = file_set(
            &new.files
                .iter()
                .map(|f| (f.name.clone(), f.sha256.clone()))
                .collect::<Vec<_>>(),
        );
        let serial = new.serial.clone();
        let replay = |old: SendRecord| {
            let same = file_set(
                &old.files
                    .iter()
                    .map(|f| (f.name.clone(), f.sha256.clone()))
                    .collect::<Vec<_>>(),
            ) == wanted;
            if same {
                Ok((self.view(old), true))
            } else {
                Err(HubError::DuplicateSend {
                    serial: serial.clone(),
                    existing: old.id,
                })
            }
        };
        let (sender, receiver) = (new.sender.clone(), new.receiver.clone());
        if let Some(old) = self.live(&sender, &receiver, &serial)? {
            return replay(old);
        }
        let size = new.total_bytes();
        self.reserve(&sender, size)?;
        let inserted = self.store.insert_send(new);
        self.release(&sender, size, inserted.is_ok());
        match inserted {
            Ok(r) => Ok((r, false)),
            // Another request stored the same ファイル連番 in between (a client retrying while
            // its first attempt was still being committed).
            Err(StoreError::Duplicate(existing)) => match self.live(&sender, &receiver, &serial)? {
                Some(old) => replay(old),
                None => Err(HubError::DuplicateSend { serial, existing }),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// The live send under a ファイル連番; one past retention but not yet purged is purged
    /// now, so it no longer holds its ファイル連番.
    fn live(
        &self,
        sender: &str,
        receiver: &str,
        serial: &str,
    ) -> Result<Option<SendRecord>, HubError> {
        match self.store.find_live(sender, receiver, serial)? {
            Some(old) if self.view(old.clone()).status() == SendStatus::Expired => {
                self.store
                    .purge_before(self.retention_cutoff(), self.clock.now())?;
                Ok(None)
            }
            other => Ok(other),
        }
    }

    /// `GET /v1/sends`: one page of what the office sent, in arrival order.
    pub fn sent(&self, session: &Session, page: &PageRequest) -> Result<Page, HubError> {
        Ok(self.views(self.store.sent_by(&session.office, page)?))
    }

    /// `GET /v1/inbox`: one page of what was sent to the office, in arrival order (withdrawn
    /// sends gone).
    pub fn inbox(&self, session: &Session, page: &PageRequest) -> Result<Page, HubError> {
        Ok(self.views(self.store.sent_to(&session.office, page)?))
    }

    /// The send a receiver may read, or why not.
    fn readable(
        &self,
        session: &Session,
        send_id: &str,
        name: &str,
    ) -> Result<SendRecord, HubError> {
        let not_found = || HubError::NotFound(format!("受信箱の {}/{}", clip(send_id), clip(name)));
        let send = self.store.get(send_id)?.ok_or_else(not_found)?;
        let send = self.view(send);
        if send.receiver != session.office || send.status() == SendStatus::Withdrawn {
            return Err(not_found());
        }
        if send.status() == SendStatus::Expired {
            return Err(HubError::SendExpired(send.id));
        }
        if !send.files.iter().any(|f| f.name == name) {
            return Err(not_found());
        }
        Ok(send)
    }

    /// `GET /v1/inbox/{send_id}/files/{name}`: only the receiver may read a send. Reading
    /// records nothing: the API calls [`Hub::record_download`] once the whole body was
    /// handed to the client (the receipt rule of HUB-API.md).
    pub fn download(
        &self,
        session: &Session,
        send_id: &str,
        name: &str,
    ) -> Result<Vec<u8>, HubError> {
        let send = self.readable(session, send_id, name)?;
        match self.store.file_bytes(&send.id, name)? {
            Some(bytes) => Ok(bytes),
            None => Err(HubError::SendExpired(send.id)),
        }
    }

    /// The size of a file the receiver may read (`HEAD`), recording nothing.
    pub fn file_size(&self, session: &Session, send_id: &str, name: &str) -> Result<u64, HubError> {
        let send = self.readable(session, send_id, name)?;
        Ok(send
            .files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.size)
            .unwrap_or(0))
    }

    /// Records that the receiver was handed all of a file: the send becomes 受信済み once
    /// every file was.
    pub fn record_download(
        &self,
        session: &Session,
        send_id: &str,
        name: &str,
    ) -> Result<Option<SendRecord>, HubError> {
        self.readable(session, send_id, name)?;
        Ok(self
            .store
            .mark_downloaded(send_id, name, self.clock.now())?
            .map(|r| self.view(r)))
    }

    /// `DELETE /v1/sends/{send_id}`: the sender withdraws (取消) a send still 未受信.
    pub fn withdraw(&self, session: &Session, send_id: &str) -> Result<SendRecord, HubError> {
        let send = self
            .store
            .get(send_id)?
            .filter(|s| s.sender == session.office)
            .map(|s| self.view(s))
            .ok_or_else(|| HubError::NotFound(format!("送信 {}", clip(send_id))))?;
        match send.status() {
            SendStatus::Withdrawn => return Ok(send),
            SendStatus::Expired => return Err(HubError::SendExpired(send.id)),
            _ => {}
        }
        // The store withdraws only a send that is neither received nor purged, atomically.
        let after = self.view(self.store.withdraw(send_id, self.clock.now())?);
        self.forget_stored(&session.office);
        match after.status() {
            SendStatus::Withdrawn => Ok(after),
            SendStatus::Received => Err(HubError::AlreadyReceived(after.id)),
            SendStatus::Expired => Err(HubError::SendExpired(after.id)),
            SendStatus::Unreceived => Err(HubError::Internal(format!(
                "送信 {} を取り消せませんでした",
                after.id
            ))),
        }
    }

    /// `GET /v1/offices/{number}`.
    pub fn office_info(&self, number: &str) -> OfficeInfo {
        let o = self.world.office(number).filter(|o| o.registered);
        OfficeInfo {
            office: number.to_string(),
            name: o.map(|o| o.name.clone()),
            registered: o.is_some(),
            licensed_until: o
                .and_then(|o| licence::licensed_until(o, self.clock.now()))
                .map(|d| crate::world::Day(d).to_string()),
        }
    }

    /// The periodic maintenance (`renkei hub serve` runs it every minute): retention
    /// (assumed 30 days, a setting) deletes the bytes of sends past it over an index, and
    /// expired sessions, failure records and attempt windows are dropped. Returns how many
    /// sends were purged.
    pub fn maintain(&self) -> Result<usize, HubError> {
        let now = self.clock.now();
        self.auth.prune(&self.world.hub, now);
        self.stored
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, e| e.pending > 0 || e.read_at.elapsed() < QUOTA_REFRESH * 12);
        Ok(self.store.purge_before(self.retention_cutoff(), now)?)
    }
}
