//! The hub's durable store (保管): sends, their files and their delivery state.
//!
//! The handlers see only the [`Store`] trait, so another engine (PostgreSQL for a hub that
//! outgrows one machine) is a new implementation, not a change to the hub. The embedded
//! default is [`sqlite::SqliteStore`]: WAL journal, `synchronous = FULL`, one transaction per
//! send, so a send the hub answered 2xx for survives a crash of the process.

pub mod sqlite;

use serde::Serialize;
use time::OffsetDateTime;

pub use sqlite::SqliteStore;

/// A send as the hub accepts it.
#[derive(Debug, Clone)]
pub struct NewSend {
    pub sender: String,
    pub receiver: String,
    /// ファイル連番 (the 14-digit timestamp shared by the send's files).
    pub serial: String,
    pub sent_at: OffsetDateTime,
    pub files: Vec<NewFile>,
}

#[derive(Debug, Clone)]
pub struct NewFile {
    pub name: String,
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
}

/// A stored send and its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRecord {
    pub id: String,
    pub sender: String,
    pub receiver: String,
    pub serial: String,
    pub sent_at: OffsetDateTime,
    /// When the receiver had downloaded every file (受信済み).
    pub received_at: Option<OffsetDateTime>,
    /// When the sender withdrew it (取消).
    pub withdrawn_at: Option<OffsetDateTime>,
    /// When retention removed its bytes (期限切れ).
    pub purged_at: Option<OffsetDateTime>,
    pub files: Vec<FileRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub downloaded_at: Option<OffsetDateTime>,
}

/// The status a send shows (hub.md, Statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SendStatus {
    #[serde(rename = "未受信")]
    Unreceived,
    #[serde(rename = "受信済み")]
    Received,
    #[serde(rename = "期限切れ")]
    Expired,
    #[serde(rename = "取消")]
    Withdrawn,
}

impl SendStatus {
    pub fn japanese(self) -> &'static str {
        match self {
            SendStatus::Unreceived => "未受信",
            SendStatus::Received => "受信済み",
            SendStatus::Expired => "期限切れ",
            SendStatus::Withdrawn => "取消",
        }
    }
}

impl SendRecord {
    pub fn status(&self) -> SendStatus {
        if self.withdrawn_at.is_some() {
            SendStatus::Withdrawn
        } else if self.purged_at.is_some() {
            SendStatus::Expired
        } else if self.received_at.is_some() {
            SendStatus::Received
        } else {
            SendStatus::Unreceived
        }
    }
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A live send with the same sender, receiver and ファイル連番 exists.
    #[error("同じファイル連番の送信がすでにあります: {0}")]
    Duplicate(String),
    #[error("送信 {0} がありません")]
    NotFound(String),
    #[error("保管領域のエラー: {0}")]
    Backend(String),
}

/// What the hub needs from durable storage. Every method is one transaction.
pub trait Store: Send + Sync {
    /// Stores a send and its files; refuses a second live send (neither withdrawn nor purged)
    /// with the same sender, receiver and ファイル連番 ([`StoreError::Duplicate`]).
    fn insert_send(&self, send: &NewSend) -> Result<SendRecord, StoreError>;
    /// The live (neither withdrawn nor purged) send with this sender, receiver and ファイル連番.
    fn find_live(
        &self,
        sender: &str,
        receiver: &str,
        serial: &str,
    ) -> Result<Option<SendRecord>, StoreError>;
    fn get(&self, id: &str) -> Result<Option<SendRecord>, StoreError>;
    /// Sends by `office`, in arrival order (withdrawn ones included).
    fn sent_by(&self, office: &str) -> Result<Vec<SendRecord>, StoreError>;
    /// Sends to `office`, in arrival order (withdrawn ones excluded).
    fn sent_to(&self, office: &str) -> Result<Vec<SendRecord>, StoreError>;
    /// A file's bytes, unless the send was purged or withdrawn.
    fn file_bytes(&self, id: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Hands out a file and records the download, in one transaction: `None` when the send
    /// was withdrawn or purged or has no such file. The send becomes 受信済み when every file
    /// has been downloaded.
    fn download(
        &self,
        id: &str,
        name: &str,
        at: OffsetDateTime,
    ) -> Result<Option<(Vec<u8>, SendRecord)>, StoreError>;
    /// Withdraws (取消) a send that is neither received nor purged, in one transaction; returns
    /// the send as it stands afterwards (so its status says whether it was withdrawn).
    fn withdraw(&self, id: &str, at: OffsetDateTime) -> Result<SendRecord, StoreError>;
    /// Removes the bytes of every send that arrived before `cutoff` (期限切れ); returns how
    /// many sends were purged.
    fn purge_before(&self, cutoff: OffsetDateTime, at: OffsetDateTime)
        -> Result<usize, StoreError>;
}
