//! The hub's durable store (保管): sends, their files and their delivery state.
//!
//! The handlers see only the [`Store`] trait, so another engine (PostgreSQL for a hub that
//! outgrows one machine) is a new implementation, not a change to the hub. The embedded
//! default is [`sqlite::SqliteStore`]: WAL journal, `synchronous = FULL`, readers on a pool
//! of their own connections, and one writer that commits concurrent writes together (group
//! commit) — each one still durable before the hub answers 2xx for it.

#[cfg(test)]
mod conformance;
pub mod postgres;
mod segments;
pub mod sqlite;

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;

pub use self::postgres::PgStore;
pub use sqlite::SqliteStore;

/// The store a hub is told to use: `sqlite` (or nothing) for [`SqliteStore`] in `data_dir`,
/// a `postgres://` or `postgresql://` URL for [`PgStore`] (several hub processes may share
/// one database this way; each keeps its own pool of connections).
pub fn open_store(spec: &str, data_dir: &Path) -> Result<Arc<dyn Store>, StoreError> {
    let spec = spec.trim();
    if spec.is_empty() || spec == "sqlite" {
        Ok(Arc::new(SqliteStore::open(data_dir)?))
    } else if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(spec)?))
    } else {
        // Only the scheme is repeated: the rest may hold a password.
        let kind = spec.split(':').next().unwrap_or_default();
        Err(StoreError::Backend(format!(
            "unknown store '{kind}': 'sqlite' or a postgres:// URL"
        )))
    }
}

/// A send's 送信ID from its `seq` (both stores number sends the same way).
fn id_of(seq: i64) -> String {
    format!("S{seq:08}")
}

/// The `seq` of a 送信ID (`S` and at least 8 digits), or `None` for anything else.
fn seq_of(id: &str) -> Option<i64> {
    id.strip_prefix('S')
        .filter(|d| d.len() >= 8 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
}

/// A time as the stores keep it: Unix seconds.
fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// A stored time back (the epoch for a value out of range).
fn from_ts(v: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(v).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// (assumed) A send of at most this many bytes (all its files together) is a small send,
/// whose bytes a store writes in the same commit as its rows: SQLite keeps them inline in
/// the database instead of a segment file (one fsync, not two), PostgreSQL stores the whole
/// send in one statement (its files' bytes read into memory together). 256 KiB is six
/// typical send units of ~40 KB and far below an image attachment of several MB.
pub const INLINE_SEND_BYTES: u64 = 256 * 1024;

/// A send as the hub accepts it.
#[derive(Debug)]
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

impl NewSend {
    /// The bytes of every file together.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// A file as the hub accepts it.
#[derive(Debug)]
pub struct NewFile {
    /// The file name, as uploaded.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Where its bytes are until the store takes them.
    pub body: FileBody,
}

/// Where an accepted file's bytes wait for the store: in memory (small files, tests) or in
/// the unnamed temporary file the upload streamed its large files into, one after another
/// (one file descriptor per send, however many files it has), so a request never holds a
/// whole send in memory. A store reads one file at a time ([`FileBody::read`],
/// [`FileBody::copy_to`]).
#[derive(Debug)]
pub enum FileBody {
    /// The bytes themselves.
    Memory(Vec<u8>),
    /// `len` bytes from `offset` of a temporary file (removed when the last body that shares
    /// it is dropped).
    Spooled {
        /// The send's temporary file.
        file: Arc<std::fs::File>,
        /// Where this file's bytes start in it.
        offset: u64,
        /// How many there are.
        len: u64,
    },
}

/// How much of a spooled file is read at a time when it is copied.
const COPY_CHUNK: usize = 256 * 1024;

impl FileBody {
    /// The bytes, read from wherever they are.
    pub fn read(&self) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
        use std::os::unix::fs::FileExt;
        match self {
            FileBody::Memory(b) => Ok(std::borrow::Cow::Borrowed(b)),
            FileBody::Spooled { file, offset, len } => {
                let len = usize::try_from(*len).map_err(|_| {
                    std::io::Error::new(std::io::ErrorKind::InvalidData, "file too large")
                })?;
                let mut out = vec![0; len];
                file.read_exact_at(&mut out, *offset)?;
                Ok(std::borrow::Cow::Owned(out))
            }
        }
    }

    /// Writes the bytes to `out` (a spooled file a chunk at a time) and says how many there
    /// were.
    pub fn copy_to(&self, out: &mut std::fs::File) -> std::io::Result<u64> {
        use std::io::Write;
        use std::os::unix::fs::FileExt;
        match self {
            FileBody::Memory(b) => {
                out.write_all(b)?;
                Ok(b.len() as u64)
            }
            FileBody::Spooled { file, offset, len } => {
                let mut buf = vec![0; COPY_CHUNK.min(*len as usize)];
                let mut done = 0u64;
                while done < *len {
                    let n = buf.len().min((*len - done) as usize);
                    file.read_exact_at(&mut buf[..n], offset + done)?;
                    out.write_all(&buf[..n])?;
                    done += n as u64;
                }
                Ok(done)
            }
        }
    }
}

impl NewFile {
    /// A file whose bytes are in memory (the SHA-256 computed here).
    pub fn in_memory(name: impl Into<String>, bytes: Vec<u8>) -> NewFile {
        use sha2::{Digest, Sha256};
        NewFile {
            name: name.into(),
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            body: FileBody::Memory(bytes),
        }
    }
}

/// Which page of a list to read: sends after the cursor, in arrival order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Only sends that arrived after this 送信ID (the previous page's `next_after`).
    pub after: Option<String>,
    /// At most this many sends (the hub clamps it to [`MAX_PAGE`]; 0 means [`DEFAULT_PAGE`]).
    pub limit: usize,
}

/// The page size when none is asked for.
pub const DEFAULT_PAGE: usize = 100;
/// The largest page the hub hands out.
pub const MAX_PAGE: usize = 1000;

impl PageRequest {
    /// The first page of the default size.
    pub fn first() -> PageRequest {
        PageRequest::default()
    }

    /// The number of sends this page may hold (clamped to 1..=[`MAX_PAGE`]).
    pub fn size(&self) -> usize {
        match self.limit {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The sends, in arrival order.
    pub sends: Vec<SendRecord>,
    /// The cursor of the next page, when there are more sends.
    pub next_after: Option<String>,
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

/// The status a send shows (simulator/HUB-RULES.md, Statuses).
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
    fn insert_send(&self, send: NewSend) -> Result<SendRecord, StoreError>;
    /// The live (neither withdrawn nor purged) send with this sender, receiver and ファイル連番.
    fn find_live(
        &self,
        sender: &str,
        receiver: &str,
        serial: &str,
    ) -> Result<Option<SendRecord>, StoreError>;
    /// The send with this 送信ID, whatever its state.
    fn get(&self, id: &str) -> Result<Option<SendRecord>, StoreError>;
    /// One page of the sends by `office`, in arrival order (withdrawn ones included).
    fn sent_by(&self, office: &str, page: &PageRequest) -> Result<Page, StoreError>;
    /// One page of the sends to `office`, in arrival order (withdrawn ones excluded).
    fn sent_to(&self, office: &str, page: &PageRequest) -> Result<Page, StoreError>;
    /// A file's bytes, unless the send was purged or withdrawn. Reading records nothing.
    fn file_bytes(&self, id: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Records that the receiver was handed the whole file, in one transaction: `None` when
    /// the send was withdrawn or purged or has no such file. The send becomes 受信済み when
    /// every file has been downloaded.
    fn mark_downloaded(
        &self,
        id: &str,
        name: &str,
        at: OffsetDateTime,
    ) -> Result<Option<SendRecord>, StoreError>;
    /// The bytes `sender` keeps stored: sends neither withdrawn nor purged that arrived at
    /// or after `cutoff` (the storage quota).
    fn live_bytes(&self, sender: &str, cutoff: OffsetDateTime) -> Result<u64, StoreError>;
    /// Withdraws (取消) a send that is neither received nor purged, in one transaction; returns
    /// the send as it stands afterwards (so its status says whether it was withdrawn).
    fn withdraw(&self, id: &str, at: OffsetDateTime) -> Result<SendRecord, StoreError>;
    /// Finishes background work (SQLite: a full checkpoint of the WAL into the database), so
    /// a measurement after a bulk load measures the store, not the load's backlog.
    fn settle(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Deletes the bytes of every send that arrived before `cutoff` (期限切れ) and marks it
    /// purged; returns how many sends were purged. Runs as the hub's periodic maintenance
    /// over an index, never before a request.
    fn purge_before(&self, cutoff: OffsetDateTime, at: OffsetDateTime)
        -> Result<usize, StoreError>;
}
