//! The mock hub (連携基盤). Its rules live in small modules named for them, apart from the
//! HTTP layer, so the planned successor API (介護保険資格確認等WEBサービス) can reuse them:
//!
//! - [`certificate`]: what the verified client certificate says, which types are accepted;
//! - [`auth`]: login IDs, passwords, lockout, tokens;
//! - [`licence`]: licence periods;
//! - [`send`]: what a send must satisfy;
//! - the mailbox, in this file ([`Hub`]'s methods): listing, download, withdrawal, retention;
//! - [`tls`]: the rustls server configuration (client certificates, CRLs, the clock);
//! - [`api`]: the HTTP API of hub.md (axum); [`server`]: the accept loop and request log.

pub mod api;
pub mod auth;
pub mod certificate;
pub mod error;
pub mod licence;
pub mod send;
pub mod server;
pub mod tls;

use std::sync::{Arc, Mutex};

use time::Duration;

pub use auth::{LoginOk, Session};
pub use certificate::{PeerIdentity, Warning};
pub use error::{HubError, CERT_EXPIRING, TLS_OUTCOMES, WARNING_CODES};
pub use send::Upload;
pub use server::{start_from_files, HubServer, ServeFiles, ServeOptions};

use crate::clock::SharedClock;
use crate::store::{SendRecord, SendStatus, Store, StoreError};
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

    /// `POST /v1/sends`. Returns the stored send and whether it is a replay: the same files
    /// sent again under the same ファイル連番 (a client retrying after a lost answer) get the
    /// original send back, so a send is stored and delivered once.
    pub fn send(
        &self,
        session: &Session,
        files: Vec<Upload>,
    ) -> Result<(SendRecord, bool), HubError> {
        self.retention()?;
        let new = send::check_send(&self.world, &session.office, files, self.clock.now())?;
        let replay = |old: SendRecord| {
            let same = file_set(
                &old.files
                    .iter()
                    .map(|f| (f.name.clone(), f.sha256.clone()))
                    .collect::<Vec<_>>(),
            ) == file_set(
                &new.files
                    .iter()
                    .map(|f| (f.name.clone(), f.sha256.clone()))
                    .collect::<Vec<_>>(),
            );
            if same {
                Ok((old, true))
            } else {
                Err(HubError::DuplicateSend {
                    serial: new.serial.clone(),
                    existing: old.id,
                })
            }
        };
        if let Some(old) = self
            .store
            .find_live(&new.sender, &new.receiver, &new.serial)?
        {
            return replay(old);
        }
        match self.store.insert_send(&new) {
            Ok(r) => Ok((r, false)),
            // Another request stored the same ファイル連番 in between (a client retrying while
            // its first attempt was still being committed).
            Err(StoreError::Duplicate(existing)) => {
                match self
                    .store
                    .find_live(&new.sender, &new.receiver, &new.serial)?
                {
                    Some(old) => replay(old),
                    None => Err(HubError::DuplicateSend {
                        serial: new.serial.clone(),
                        existing,
                    }),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `GET /v1/sends`: what the office sent, in arrival order.
    pub fn sent(&self, session: &Session) -> Result<Vec<SendRecord>, HubError> {
        self.retention()?;
        Ok(self.store.sent_by(&session.office)?)
    }

    /// `GET /v1/inbox`: what was sent to the office, in arrival order (withdrawn sends gone).
    pub fn inbox(&self, session: &Session) -> Result<Vec<SendRecord>, HubError> {
        self.retention()?;
        Ok(self.store.sent_to(&session.office)?)
    }

    /// `GET /v1/inbox/{send_id}/files/{name}`: only the receiver may read a send.
    pub fn download(
        &self,
        session: &Session,
        send_id: &str,
        name: &str,
    ) -> Result<Vec<u8>, HubError> {
        self.retention()?;
        let not_found = || HubError::NotFound(format!("受信箱の {send_id}/{name}"));
        let send = self.store.get(send_id)?.ok_or_else(not_found)?;
        if send.receiver != session.office || send.status() == SendStatus::Withdrawn {
            return Err(not_found());
        }
        if send.status() == SendStatus::Expired {
            return Err(HubError::SendExpired(send.id));
        }
        match self.store.download(send_id, name, self.clock.now())? {
            Some((bytes, _)) => Ok(bytes),
            None => match self.store.get(send_id)?.map(|s| s.status()) {
                Some(SendStatus::Expired) => Err(HubError::SendExpired(send_id.to_string())),
                _ => Err(not_found()),
            },
        }
    }

    /// `DELETE /v1/sends/{send_id}`: the sender withdraws (取消) a send still 未受信.
    pub fn withdraw(&self, session: &Session, send_id: &str) -> Result<SendRecord, HubError> {
        self.retention()?;
        let send = self
            .store
            .get(send_id)?
            .filter(|s| s.sender == session.office)
            .ok_or_else(|| HubError::NotFound(format!("送信 {send_id}")))?;
        if send.status() == SendStatus::Withdrawn {
            return Ok(send);
        }
        // The store withdraws only a send that is neither received nor purged, atomically.
        let after = self.store.withdraw(send_id, self.clock.now())?;
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

    /// Retention (assumed 30 days, a setting): files older than that are purged and their
    /// send shows 期限切れ. Runs before every request, so a moved clock takes effect at once.
    pub fn retention(&self) -> Result<usize, HubError> {
        let now = self.clock.now();
        Ok(self
            .store
            .purge_before(now - Duration::days(self.world.hub.retention_days), now)?)
    }
}
