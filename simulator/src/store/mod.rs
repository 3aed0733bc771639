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
    /// The sending office (事業所番号).
    pub sender: String,
    /// The receiving office (事業所番号).
    pub receiver: String,
    /// ファイル連番 (the 14-digit timestamp shared by the send's files).
    pub serial: String,
    /// When the hub accepted it.
    pub sent_at: OffsetDateTime,
    /// The files, with their bytes.
    pub files: Vec<NewFile>,
}

/// A file as the hub accepts it.
#[derive(Debug, Clone)]
pub struct NewFile {
    /// The file name, as uploaded.
    pub name: String,
    /// Its bytes, unchanged.
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
}

/// A stored send and its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRecord {
    /// The 送信ID (`S` and 8 digits).
    pub id: String,
    /// The sending office (事業所番号).
    pub sender: String,
    /// The receiving office (事業所番号).
    pub receiver: String,
    /// ファイル連番 (the 14-digit timestamp shared by the send's files).
    pub serial: String,
    /// When the hub accepted it.
    pub sent_at: OffsetDateTime,
    /// When the receiver had downloaded every file (受信済み).
    pub received_at: Option<OffsetDateTime>,
    /// When the sender withdrew it (取消).
    pub withdrawn_at: Option<OffsetDateTime>,
    /// When retention removed its bytes (期限切れ).
    pub purged_at: Option<OffsetDateTime>,
    /// Its files, in upload order.
    pub files: Vec<FileRecord>,
}

/// A stored file of a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// The file name, as uploaded.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
    /// When the receiver first downloaded it.
    pub downloaded_at: Option<OffsetDateTime>,
}

/// The status a send shows (hub.md, Statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SendStatus {
    /// 未受信: not every file downloaded yet.
    #[serde(rename = "未受信")]
    Unreceived,
    /// 受信済み: the receiver downloaded every file.
    #[serde(rename = "受信済み")]
    Received,
    /// 期限切れ: past retention, its bytes purged.
    #[serde(rename = "期限切れ")]
    Expired,
    /// 取消: withdrawn by the sender before it was received.
    #[serde(rename = "取消")]
    Withdrawn,
}

impl SendStatus {
    /// The word the API and the lists show.
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
    /// The status the send shows now: withdrawn, else purged, else received, else not yet.
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
    /// No send with this 送信ID.
    #[error("送信 {0} がありません")]
    NotFound(String),
    /// The database failed (the backend's message).
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
    /// The send with this 送信ID, whatever its state.
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
