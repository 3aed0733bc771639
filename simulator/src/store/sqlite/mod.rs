//! The embedded store: SQLite (bundled) in WAL mode with `synchronous = FULL`.
//!
//! Readers never wait behind the writer: each read takes a connection from a small pool
//! (WAL lets them read while a write commits). Writes go through a two-stage pipeline
//! (`sqlite/writer.rs`) that commits the writes which queued together in one transaction (group
//! commit): a few fsyncs for many sends, and each caller is answered only after the commit
//! that holds its write.
//!
//! Where a send's bytes go depends on its size ([`SqliteSettings::inline_send_bytes`], by
//! default [`INLINE_SEND_BYTES`] = 256 KiB for all its files together):
//! - a **small send** (at most the threshold; a typical 予定 or 実績 send unit is ~40 KB) keeps
//!   its bytes in the `blobs` table, written in the same group transaction as its rows: one
//!   fsync (the WAL commit, shared by the group) before the 2xx;
//! - a **large send** (above it) has its bytes appended to segment files beside the database
//!   (`store/segments.rs`), flushed before the commit that says where they are: two fsyncs
//!   (the segment's, then the commit's), each shared by the group.
//!
//! So one send adds at most the threshold to the WAL (a group of 256 writes at most 64 MiB)
//! before the checkpointer copies it into the database and the WAL is truncated back to
//! [`WAL_SIZE_LIMIT`]; an image attachment of many megabytes never passes through the WAL or
//! the database. The bytes of a withdrawn or purged send are deleted either way (its `blobs`
//! rows in the same transaction; a segment once every file in it is gone), and both kinds
//! read back the same way. Measured with `renkei hub bench` (docs/BENCH.md): a typical send
//! waits for one fsync instead of two.

mod writer;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use time::OffsetDateTime;

use self::writer::{Tx, Writer};
use super::segments::{self, Location, SegmentLog, SEGMENT_BYTES};
use super::{
    from_ts, id_of, seq_of, ts, FileRecord, NewSend, Page, PageRequest, SendRecord, Store,
    StoreError, INLINE_SEND_BYTES,
};

/// Read connections kept open.
const READERS: usize = 4;
/// How often the checkpointer copies the WAL into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// (assumed) The WAL file is truncated back to this size after a checkpoint.
pub const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// The folder of the segment files, beside the database.
const SEGMENTS_DIR: &str = "hub-files";

/// How a [`SqliteStore`] keeps bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteSettings {
    /// Sends of at most this many bytes (all files together) keep them inline in the
    /// database; larger ones in segment files. 0: every send with bytes in segments.
    pub inline_send_bytes: u64,
    /// A segment file is closed for writing once it holds this many bytes.
    pub segment_bytes: u64,
}

impl Default for SqliteSettings {
    fn default() -> Self {
        SqliteSettings {
            inline_send_bytes: INLINE_SEND_BYTES,
            segment_bytes: SEGMENT_BYTES,
        }
    }
}

/// The SQLite store: a write pipeline, a pool of readers.
pub struct SqliteStore {
    writer: Writer,
    readers: Mutex<Vec<Connection>>,
    open_reader: Box<dyn Fn() -> Result<Connection, StoreError> + Send + Sync>,
    /// Where the segment files are.
    segments: PathBuf,
    /// Sends of at most this many bytes keep them inline.
    inline_send_bytes: u64,
    /// Dropped with the store, which ends the checkpointer.
    _stop_checkpoints: mpsc::Sender<()>,
    /// Kept for [`SqliteStore::in_memory`]: the folder goes when the store does.
    _scratch: Option<tempfile::TempDir>,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sends (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    sender       TEXT NOT NULL,
    receiver     TEXT NOT NULL,
    serial       TEXT NOT NULL,
    sent_at      INTEGER NOT NULL,
    received_at  INTEGER,
    withdrawn_at INTEGER,
    purged_at    INTEGER,
    bytes        INTEGER NOT NULL DEFAULT 0
);
DROP INDEX IF EXISTS sends_live;
CREATE UNIQUE INDEX IF NOT EXISTS sends_live_v2
    ON sends(sender, receiver, serial) WHERE withdrawn_at IS NULL AND purged_at IS NULL;
CREATE INDEX IF NOT EXISTS sends_receiver ON sends(receiver, seq);
CREATE INDEX IF NOT EXISTS sends_sender ON sends(sender, seq);
CREATE INDEX IF NOT EXISTS sends_unpurged ON sends(sent_at) WHERE purged_at IS NULL;
CREATE INDEX IF NOT EXISTS sends_stored ON sends(sender, sent_at, bytes)
    WHERE withdrawn_at IS NULL AND purged_at IS NULL;
CREATE TABLE IF NOT EXISTS files (
    send_seq      INTEGER NOT NULL REFERENCES sends(seq),
    pos           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    downloaded_at INTEGER,
    segment       INTEGER,
    seg_offset    INTEGER,
    PRIMARY KEY (send_seq, name)
);
CREATE TABLE IF NOT EXISTS segments (
    id       INTEGER PRIMARY KEY,
    end_byte INTEGER NOT NULL,
    live     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS blobs (
    send_seq INTEGER NOT NULL,
    pos      INTEGER NOT NULL,
    bytes    BLOB NOT NULL,
    PRIMARY KEY (send_seq, pos)
);
";

/// The layout version this code writes (`PRAGMA user_version`): 3 keeps the bytes of new
/// files in segment files; the bytes of files stored by layout 2 stay in `blobs` and are
/// read from there.
const LAYOUT: i64 = 3;

/// Brings a data folder of an earlier layout to the current one, keeping every send: layout
/// 1 had the bytes in `files` and no byte count per send; layout 2 had no segment columns.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend)?;
    if version >= LAYOUT {
        return Ok(());
    }
    let has = |table: &str, column: &str| -> Result<bool, StoreError> {
        conn.prepare(&format!(
            "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
        ))
        .and_then(|mut s| s.exists([column]))
        .map_err(backend)
    };
    let exists: bool = conn
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sends'")
        .and_then(|mut s| s.exists([]))
        .map_err(backend)?;
    if exists {
        conn.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
        if !has("sends", "bytes")? {
            conn.execute_batch("ALTER TABLE sends ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0")
                .map_err(backend)?;
        }
        if has("files", "bytes")? {
            conn.execute_batch(
                "CREATE TABLE IF NOT EXISTS blobs (send_seq INTEGER NOT NULL, pos INTEGER NOT NULL,
                     bytes BLOB NOT NULL, PRIMARY KEY (send_seq, pos));
                 INSERT OR IGNORE INTO blobs SELECT send_seq, pos, bytes FROM files
                     WHERE bytes IS NOT NULL;
                 ALTER TABLE files DROP COLUMN bytes;
                 UPDATE sends SET bytes = (SELECT COALESCE(SUM(size), 0) FROM files
                     WHERE send_seq = sends.seq);",
            )
            .map_err(backend)?;
        }
        if !has("files", "segment")? {
            conn.execute_batch(
                "ALTER TABLE files ADD COLUMN segment INTEGER;
                 ALTER TABLE files ADD COLUMN seg_offset INTEGER;",
            )
            .map_err(backend)?;
        }
        conn.execute_batch("COMMIT").map_err(backend)?;
    }
    conn.pragma_update(None, "user_version", LAYOUT)
        .map_err(backend)
}

/// How a connection is opened: the writer with `synchronous = FULL` (or OFF for a scratch
/// store), readers read-only.
fn open_connection(path: &Path, durable: bool, reader: bool) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(backend)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(backend)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(backend)?;
    conn.pragma_update(None, "synchronous", if durable { "FULL" } else { "OFF" })
        .map_err(backend)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(backend)?;
    if reader {
        conn.pragma_update(None, "query_only", "ON")
            .map_err(backend)?;
    } else {
        conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)
            .map_err(backend)?;
        // No checkpoint inside a commit (by default every 1000 pages, a hundred sends, each a
        // stall for every send waiting): the checkpointer thread does them beside the writer.
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(backend)?;
    }
    Ok(conn)
}

impl SqliteStore {
    /// Opens (or creates) `dir/hub.sqlite3`.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(dir, SqliteSettings::default())
    }

    /// Opens (or creates) `dir/hub.sqlite3` with other [`SqliteSettings`] than the default.
    pub fn open_with(dir: &Path, settings: SqliteSettings) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("{}: {e}", dir.display())))?;
        SqliteStore::at(&dir.join("hub.sqlite3"), true, None, settings)
    }

    /// A store in a temporary folder of its own, without fsync (tests that need no
    /// durability); the folder is removed with the store.
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Backend(e.to_string()))?;
        let path = dir.path().join("hub.sqlite3");
        SqliteStore::at(&path, false, Some(dir), SqliteSettings::default())
    }

    fn at(
        path: &Path,
        durable: bool,
        scratch: Option<tempfile::TempDir>,
        settings: SqliteSettings,
    ) -> Result<SqliteStore, StoreError> {
        let conn = open_connection(path, durable, false)?;
        migrate(&conn)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        let segments_dir = path.with_file_name(SEGMENTS_DIR);
        let log = SegmentLog::open(
            &segments_dir,
            durable,
            &committed_segments(&conn)?,
            settings.segment_bytes,
        )
        .map_err(|e| StoreError::Backend(format!("{}: {e}", segments_dir.display())))?;
        let writer = Writer::start(conn, log)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let checkpointer = open_connection(path, durable, false)?;
        std::thread::Builder::new()
            .name("renkei-store-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpointer, stopped))
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let path = path.to_path_buf();
        Ok(SqliteStore {
            writer,
            readers: Mutex::new(Vec::new()),
            open_reader: Box::new(move || open_connection(&path, durable, true)),
            segments: segments_dir,
            inline_send_bytes: settings.inline_send_bytes,
            _stop_checkpoints: stop,
            _scratch: scratch,
        })
    }

    /// The journal mode in force (`wal` once opened on a file).
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        self.read(|c| {
            c.query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .map_err(backend)
        })
    }

    /// Runs `f` on a pooled read connection.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => (self.open_reader)()?,
        };
        let out = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < READERS {
            pool.push(conn);
        }
        out
    }

    /// Runs `rows` in the next group transaction (in a savepoint of its own) and waits for
    /// the commit: a write with no bytes to append.
    fn write<T: Send + 'static>(
        &self,
        rows: impl FnOnce(&Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.writer.write(|_| Ok(()), move |tx, ()| rows(tx))
    }
}

/// Each segment the database has files in, with the end of its last committed byte.
fn committed_segments(conn: &Connection) -> Result<Vec<(i64, u64)>, StoreError> {
    conn.prepare("SELECT id, end_byte FROM segments")
        .map_err(backend)?
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)
}

/// The checkpointer thread: a passive checkpoint every [`CHECKPOINT_EVERY`] on a connection
/// of its own, so the writer never stops for one (readers and the writer go on meanwhile).
/// Ends when the store is dropped.
fn checkpoint_loop(conn: Connection, stopped: mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

fn load(conn: &Connection, seq: i64) -> Result<Option<SendRecord>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT sender, receiver, serial, sent_at, received_at, withdrawn_at, purged_at
             FROM sends WHERE seq = ?1",
        )
        .map_err(backend)?
        .query_row([seq], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<i64>>(6)?,
            ))
        })
        .optional()
        .map_err(backend)?;
    let Some((sender, receiver, serial, sent, recv, wd, purged)) = row else {
        return Ok(None);
    };
    let mut stmt = conn
        .prepare_cached(
            "SELECT name, size, sha256, downloaded_at FROM files WHERE send_seq = ?1 ORDER BY pos",
        )
        .map_err(backend)?;
    let files = stmt
        .query_map([seq], |r| {
            Ok(FileRecord {
                name: r.get(0)?,
                size: r.get::<_, i64>(1)? as u64,
                sha256: r.get(2)?,
                downloaded_at: r.get::<_, Option<i64>>(3)?.map(from_ts),
            })
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(Some(SendRecord {
        id: id_of(seq),
        sender,
        receiver,
        serial,
        sent_at: from_ts(sent),
        received_at: recv.map(from_ts),
        withdrawn_at: wd.map(from_ts),
        purged_at: purged.map(from_ts),
        files,
    }))
}

/// One page of a list: `sql` selects `seq` for `?1` (the office) after `?2`, `LIMIT ?3`.
fn load_page(
    conn: &Connection,
    sql: &str,
    office: &str,
    page: &PageRequest,
) -> Result<Page, StoreError> {
    let after = match &page.after {
        None => 0,
        Some(id) => seq_of(id).ok_or_else(|| StoreError::NotFound(id.clone()))?,
    };
    let size = page.size();
    let mut seqs: Vec<i64> = conn
        .prepare_cached(sql)
        .map_err(backend)?
        .query_map(params![office, after, size as i64 + 1], |r| r.get(0))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    let more = seqs.len() > size;
    seqs.truncate(size);
    let mut sends = Vec::with_capacity(seqs.len());
    for s in &seqs {
        if let Some(r) = load(conn, *s)? {
            sends.push(r);
        }
    }
    Ok(Page {
        next_after: if more {
            seqs.last().map(|s| id_of(*s))
        } else {
            None
        },
        sends,
    })
}

fn live_seq(
    conn: &Connection,
    sender: &str,
    receiver: &str,
    serial: &str,
) -> Result<Option<i64>, StoreError> {
    conn.prepare_cached(
        "SELECT seq FROM sends WHERE sender = ?1 AND receiver = ?2 AND serial = ?3
         AND withdrawn_at IS NULL AND purged_at IS NULL",
    )
    .map_err(backend)?
    .query_row(params![sender, receiver, serial], |r| r.get(0))
    .optional()
    .map_err(backend)
}

/// Where a send's bytes are kept: inline in the `blobs` table (written by [`insert`] in the
/// rows' transaction), or already appended to the segments at these locations.
enum Placement {
    Inline,
    Segments(Vec<Location>),
}

/// Appends a send's files to the current segment (streamed: one file in memory at most,
/// whatever the send's size), the bytes stage of [`insert`] for a large send.
fn append_files(log: &mut SegmentLog, send: &NewSend) -> Result<Vec<Location>, StoreError> {
    send.files
        .iter()
        .map(|f| {
            log.append(&f.body, f.size)
                .map_err(|e| StoreError::Backend(format!("{}: {e}", f.name)))
        })
        .collect()
}

/// Stores one send's rows inside the group's transaction: its files' bytes inline, or at
/// the segment locations the bytes stage appended them to.
fn insert(tx: &Tx<'_>, send: &NewSend, placement: &Placement) -> Result<SendRecord, StoreError> {
    let conn = tx.conn;
    if let Some(seq) = live_seq(conn, &send.sender, &send.receiver, &send.serial)? {
        return Err(StoreError::Duplicate(id_of(seq)));
    }
    conn.prepare_cached(
        "INSERT INTO sends (sender, receiver, serial, sent_at, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(backend)?
    .execute(params![
        send.sender,
        send.receiver,
        send.serial,
        ts(send.sent_at),
        send.total_bytes() as i64
    ])
    .map_err(backend)?;
    let seq = conn.last_insert_rowid();
    let mut end = None;
    for (pos, f) in send.files.iter().enumerate() {
        let at = match placement {
            Placement::Inline => None,
            Placement::Segments(at) => Some(at.get(pos).ok_or_else(|| {
                StoreError::Backend(format!("{}: the file's bytes were not appended", f.name))
            })?),
        };
        conn.prepare_cached(
            "INSERT INTO files (send_seq, pos, name, size, sha256, segment, seg_offset)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(backend)?
        .execute(params![
            seq,
            pos as i64,
            f.name,
            f.size as i64,
            f.sha256,
            at.map(|a| a.segment),
            at.map(|a| a.offset as i64)
        ])
        .map_err(backend)?;
        match at {
            Some(at) => end = Some((at.segment, at.offset + f.size)),
            None => {
                let bytes = f
                    .body
                    .read()
                    .map_err(|e| StoreError::Backend(format!("{}: {e}", f.name)))?;
                if bytes.len() as u64 != f.size {
                    return Err(StoreError::Backend(format!(
                        "{}: the file has {} bytes, {} were counted",
                        f.name,
                        bytes.len(),
                        f.size
                    )));
                }
                conn.prepare_cached("INSERT INTO blobs (send_seq, pos, bytes) VALUES (?1, ?2, ?3)")
                    .map_err(backend)?
                    .execute(params![seq, pos as i64, bytes.as_ref()])
                    .map_err(backend)?;
            }
        }
    }
    if let Some((segment, end)) = end {
        conn.prepare_cached(
            "INSERT INTO segments (id, end_byte, live) VALUES (?1, ?2, ?3)
                 ON CONFLICT(id) DO UPDATE SET end_byte = max(end_byte, excluded.end_byte),
                     live = live + excluded.live",
        )
        .map_err(backend)?
        .execute(params![segment, end as i64, send.files.len() as i64])
        .map_err(backend)?;
    }
    load(conn, seq)?.ok_or_else(|| StoreError::NotFound(id_of(seq)))
}

/// Where a live send's file is: in a segment, or its bytes themselves (a small send's, or
/// any send stored by layout 2).
enum Stored {
    Segment(Location, u64),
    Blob(Vec<u8>),
}

fn find_file(conn: &Connection, seq: i64, name: &str) -> Result<Option<Stored>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT f.segment, f.seg_offset, f.size, b.bytes FROM files f
             JOIN sends s ON s.seq = f.send_seq
             LEFT JOIN blobs b ON b.send_seq = f.send_seq AND b.pos = f.pos
             WHERE f.send_seq = ?1 AND f.name = ?2
             AND s.withdrawn_at IS NULL AND s.purged_at IS NULL",
        )
        .map_err(backend)?
        .query_row(params![seq, name], |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<Vec<u8>>>(3)?,
            ))
        })
        .optional()
        .map_err(backend)?;
    Ok(match row {
        Some((Some(segment), Some(offset), size, _)) => Some(Stored::Segment(
            Location {
                segment,
                offset: offset.max(0) as u64,
            },
            size.max(0) as u64,
        )),
        Some((_, _, _, Some(bytes))) => Some(Stored::Blob(bytes)),
        _ => None,
    })
}

/// Takes the files of the sends `which` selects (with `args`) out of their segments' live
/// counts, and drops the segments left with none (below the floor: none is being written):
/// their ids, to remove once the transaction has committed.
fn release_files(
    tx: &Tx<'_>,
    which: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<i64>, StoreError> {
    tx.conn
        .execute(
            &format!(
                "UPDATE segments SET live = live - d.c FROM
                 (SELECT f.segment AS sg, COUNT(*) AS c FROM files f
                  WHERE f.segment IS NOT NULL AND f.send_seq IN ({which}) GROUP BY f.segment) AS d
                 WHERE segments.id = d.sg"
            ),
            args,
        )
        .map_err(backend)?;
    let dead: Vec<i64> = tx
        .conn
        .prepare_cached("SELECT id FROM segments WHERE live <= 0 AND id < ?1")
        .map_err(backend)?
        .query_map([tx.floor], |r| r.get(0))
        .map_err(backend)?
        .collect::<Result<_, _>>()
        .map_err(backend)?;
    tx.conn
        .execute(
            "DELETE FROM segments WHERE live <= 0 AND id < ?1",
            [tx.floor],
        )
        .map_err(backend)?;
    Ok(dead)
}

fn mark(
    conn: &Connection,
    seq: i64,
    name: &str,
    at: i64,
) -> Result<Option<SendRecord>, StoreError> {
    let n = conn
        .prepare_cached(
            "UPDATE files SET downloaded_at = COALESCE(downloaded_at, ?3)
             WHERE send_seq = ?1 AND name = ?2 AND EXISTS (SELECT 1 FROM sends
                 WHERE seq = ?1 AND withdrawn_at IS NULL AND purged_at IS NULL)",
        )
        .map_err(backend)?
        .execute(params![seq, name, at])
        .map_err(backend)?;
    if n == 0 {
        return Ok(None);
    }
    conn.prepare_cached(
        "UPDATE sends SET received_at = ?2
         WHERE seq = ?1 AND received_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM files WHERE send_seq = ?1 AND downloaded_at IS NULL)",
    )
    .map_err(backend)?
    .execute(params![seq, at])
    .map_err(backend)?;
    load(conn, seq)
}

/// Withdraws one send; with the segments it emptied (to remove after the commit).
fn withdraw_one(
    tx: &Tx<'_>,
    seq: i64,
    id: &str,
    at: i64,
) -> Result<(SendRecord, Vec<i64>), StoreError> {
    let n = tx
        .conn
        .execute(
            "UPDATE sends SET withdrawn_at = ?2 WHERE seq = ?1 AND withdrawn_at IS NULL
             AND received_at IS NULL AND purged_at IS NULL",
            params![seq, at],
        )
        .map_err(backend)?;
    let mut dead = Vec::new();
    if n > 0 {
        tx.conn
            .execute("DELETE FROM blobs WHERE send_seq = ?1", params![seq])
            .map_err(backend)?;
        dead = release_files(tx, "?1", params![seq])?;
    }
    let record = load(tx.conn, seq)?.ok_or_else(|| StoreError::NotFound(id.to_string()))?;
    Ok((record, dead))
}

/// Purges every send that arrived before `cutoff`; with how many, and the segments it
/// emptied (to remove after the commit).
fn purge(tx: &Tx<'_>, cutoff: i64, at: i64) -> Result<(usize, Vec<i64>), StoreError> {
    tx.conn
        .execute(
            "DELETE FROM blobs WHERE send_seq IN
             (SELECT seq FROM sends WHERE sent_at < ?1 AND purged_at IS NULL)",
            params![cutoff],
        )
        .map_err(backend)?;
    // Withdrawn sends left their segments' counts when they were withdrawn.
    let dead = release_files(
        tx,
        "SELECT seq FROM sends WHERE sent_at < ?1 AND purged_at IS NULL
         AND withdrawn_at IS NULL",
        params![cutoff],
    )?;
    let n = tx
        .conn
        .execute(
            "UPDATE sends SET purged_at = ?2 WHERE sent_at < ?1 AND purged_at IS NULL",
            params![cutoff, at],
        )
        .map_err(backend)?;
    Ok((n, dead))
}

impl Store for SqliteStore {
    fn insert_send(&self, send: NewSend) -> Result<SendRecord, StoreError> {
        // Small sends skip the bytes stage's flush: their bytes ride in the commit.
        let inline = send.total_bytes() <= self.inline_send_bytes;
        self.writer.write(
            move |log| {
                let placement = if inline {
                    Placement::Inline
                } else {
                    Placement::Segments(append_files(log, &send)?)
                };
                Ok((placement, send))
            },
            |tx, (placement, send)| insert(tx, &send, &placement),
        )
    }

    fn find_live(
        &self,
        sender: &str,
        receiver: &str,
        serial: &str,
    ) -> Result<Option<SendRecord>, StoreError> {
        self.read(|c| match live_seq(c, sender, receiver, serial)? {
            Some(s) => load(c, s),
            None => Ok(None),
        })
    }

    fn get(&self, id: &str) -> Result<Option<SendRecord>, StoreError> {
        match seq_of(id) {
            Some(s) => self.read(|c| load(c, s)),
            None => Ok(None),
        }
    }

    fn sent_by(&self, office: &str, page: &PageRequest) -> Result<Page, StoreError> {
        self.read(|c| {
            load_page(
                c,
                "SELECT seq FROM sends WHERE sender = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
                office,
                page,
            )
        })
    }

    fn sent_to(&self, office: &str, page: &PageRequest) -> Result<Page, StoreError> {
        self.read(|c| {
            load_page(
                c,
                "SELECT seq FROM sends WHERE receiver = ?1 AND seq > ?2 AND withdrawn_at IS NULL
                 ORDER BY seq LIMIT ?3",
                office,
                page,
            )
        })
    }

    fn file_bytes(&self, id: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match seq_of(id) {
            Some(seq) => match self.read(|c| find_file(c, seq, name))? {
                Some(Stored::Segment(at, size)) => segments::read(&self.segments, at, size)
                    .map_err(|e| StoreError::Backend(format!("{}: {e}", self.segments.display()))),
                Some(Stored::Blob(bytes)) => Ok(Some(bytes)),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    fn mark_downloaded(
        &self,
        id: &str,
        name: &str,
        at: OffsetDateTime,
    ) -> Result<Option<SendRecord>, StoreError> {
        let Some(seq) = seq_of(id) else {
            return Ok(None);
        };
        let name = name.to_string();
        self.write(move |tx| mark(tx.conn, seq, &name, ts(at)))
    }

    fn live_bytes(&self, sender: &str, cutoff: OffsetDateTime) -> Result<u64, StoreError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT COALESCE(SUM(bytes), 0) FROM sends WHERE sender = ?1 AND sent_at >= ?2
                 AND withdrawn_at IS NULL AND purged_at IS NULL",
            )
            .map_err(backend)?
            .query_row(params![sender, ts(cutoff)], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(backend)
        })
    }

    fn withdraw(&self, id: &str, at: OffsetDateTime) -> Result<SendRecord, StoreError> {
        let seq = seq_of(id).ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        let id = id.to_string();
        let (record, dead) = self.write(move |tx| withdraw_one(tx, seq, &id, ts(at)))?;
        segments::remove(&self.segments, &dead);
        Ok(record)
    }

    fn settle(&self) -> Result<(), StoreError> {
        self.write(|_| Ok(()))?;
        let c = (self.open_reader)()?;
        c.pragma_update(None, "query_only", "OFF")
            .map_err(backend)?;
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(backend)
    }

    fn purge_before(
        &self,
        cutoff: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let (n, dead) = self.write(move |tx| purge(tx, ts(cutoff), ts(at)))?;
        segments::remove(&self.segments, &dead);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance::{self, send, sized};
    use crate::store::NewFile;
    use std::sync::Arc;
    use time::macros::datetime;

    #[test]
    fn a_send_goes_from_unreceived_to_received_when_every_file_is_downloaded() {
        conformance::a_send_goes_from_unreceived_to_received_when_every_file_is_downloaded(
            &SqliteStore::in_memory().unwrap(),
        );
    }

    #[test]
    fn a_second_live_send_with_the_same_serial_is_refused_until_withdrawn() {
        conformance::a_second_live_send_with_the_same_serial_is_refused_until_withdrawn(
            &SqliteStore::in_memory().unwrap(),
        );
    }

    #[test]
    fn retention_purges_bytes_and_keeps_the_record() {
        conformance::retention_purges_bytes_and_keeps_the_record(
            &SqliteStore::in_memory().unwrap(),
        );
    }

    #[test]
    fn a_file_store_uses_wal_and_survives_reopening() {
        let dir = std::env::temp_dir().join(format!("renkei-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let id = {
            let s = SqliteStore::open(&dir).unwrap();
            assert_eq!(s.journal_mode().unwrap(), "wal");
            s.insert_send(send("20261124100000")).unwrap().id
        };
        let s = SqliteStore::open(&dir).unwrap();
        assert_eq!(s.get(&id).unwrap().unwrap().files.len(), 2);
        assert_eq!(s.get("S99999999").unwrap(), None);
        assert_eq!(s.get("../etc").unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn lists_come_in_pages_in_arrival_order() {
        conformance::lists_come_in_pages_in_arrival_order(&SqliteStore::in_memory().unwrap());
    }

    #[test]
    fn concurrent_sends_are_committed_together_and_each_is_answered() {
        let dir = tempfile::tempdir().unwrap();
        let s = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let ids = conformance::concurrent_sends_each_get_their_own_id(&s);
        // A duplicate inside a group fails alone; the rest of its group commits.
        let dup = s.insert_send(send("20261124100000"));
        let again = s.insert_send(send("20261124100000"));
        assert!(dup.is_ok());
        assert!(matches!(again, Err(StoreError::Duplicate(_))));
        drop(s);
        let s = SqliteStore::open(dir.path()).unwrap();
        for id in &ids {
            assert_eq!(s.get(id).unwrap().unwrap().files.len(), 2, "{id}");
        }
    }

    #[test]
    fn the_quota_counts_live_bytes_only() {
        conformance::the_quota_counts_live_bytes_only(&SqliteStore::in_memory().unwrap());
    }

    #[test]
    fn small_and_large_sends_read_back_byte_identical() {
        conformance::small_and_large_sends_read_back_byte_identical(
            &SqliteStore::in_memory().unwrap(),
        );
    }

    #[test]
    fn a_data_folder_of_the_first_layout_is_migrated_with_its_sends() {
        let dir = tempfile::tempdir().unwrap();
        {
            let c = Connection::open(dir.path().join("hub.sqlite3")).unwrap();
            c.execute_batch(
                "CREATE TABLE sends (seq INTEGER PRIMARY KEY AUTOINCREMENT, sender TEXT NOT NULL,
                    receiver TEXT NOT NULL, serial TEXT NOT NULL, sent_at INTEGER NOT NULL,
                    received_at INTEGER, withdrawn_at INTEGER, purged_at INTEGER);
                 CREATE TABLE files (send_seq INTEGER NOT NULL REFERENCES sends(seq),
                    pos INTEGER NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL, bytes BLOB, downloaded_at INTEGER,
                    PRIMARY KEY (send_seq, name));
                 INSERT INTO sends (sender, receiver, serial, sent_at)
                    VALUES ('1310101011', '1310102019', '20261124100000', 1795482000);
                 INSERT INTO files VALUES (1, 0, 'a.CSV', 3, 'x', X'616263', NULL);",
            )
            .unwrap();
        }
        let s = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(s.file_bytes("S00000001", "a.CSV").unwrap().unwrap(), b"abc");
        assert_eq!(
            s.live_bytes("1310101011", OffsetDateTime::UNIX_EPOCH)
                .unwrap(),
            3
        );
        s.insert_send(send("20261124100001")).unwrap();
    }

    fn unit(serial: &str, size: usize) -> NewSend {
        let body = |seed: u8| (0..size).map(|i| (i as u8).wrapping_mul(seed)).collect();
        NewSend {
            files: vec![
                NewFile::in_memory("a.CSV", body(3)),
                NewFile::in_memory("b.CSV", body(7)),
            ],
            ..send(serial)
        }
    }

    fn bytes_under(dir: &Path) -> u64 {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum()
    }

    #[test]
    fn the_bytes_are_in_segments_and_the_database_only_describes_them() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path()).unwrap();
        let mut ids = Vec::new();
        for i in 0..20 {
            ids.push(
                s.insert_send(unit(&format!("202611241000{i:02}"), 200_000))
                    .unwrap()
                    .id,
            );
        }
        s.settle().unwrap();
        for id in &ids {
            assert_eq!(
                s.file_bytes(id, "b.CSV").unwrap().unwrap(),
                unit("x", 200_000).files[1].body.read().unwrap().as_ref()
            );
        }
        let db = std::fs::metadata(dir.path().join("hub.sqlite3"))
            .unwrap()
            .len();
        assert!(db < 256 * 1024, "the database holds {db} bytes");
        assert!(bytes_under(&dir.path().join(SEGMENTS_DIR)) >= 8_000_000);
    }

    #[test]
    fn a_segment_is_removed_once_every_send_in_it_is_withdrawn_or_purged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.sqlite3");
        let segs = dir.path().join(SEGMENTS_DIR);
        let count = || std::fs::read_dir(&segs).unwrap().count();
        let every_send_in_segments = SqliteSettings {
            inline_send_bytes: 0,
            segment_bytes: 1,
        };
        // Each group starts a segment: three sends one after another, three segments.
        let s = SqliteStore::at(&path, true, None, every_send_in_segments).unwrap();
        let a = s.insert_send(unit("20261124100000", 10)).unwrap();
        let b = s.insert_send(unit("20261124100001", 10)).unwrap();
        let c = s.insert_send(unit("20261124100002", 10)).unwrap();
        assert_eq!(count(), 3);
        s.withdraw(&a.id, datetime!(2026-11-24 02:00 UTC)).unwrap();
        assert_eq!(count(), 2);
        assert_eq!(s.file_bytes(&b.id, "a.CSV").unwrap().unwrap().len(), 10);
        let now = datetime!(2026-12-30 00:00 UTC);
        assert_eq!(s.purge_before(now, now).unwrap(), 3);
        // The segment being written stays, empty of live files.
        assert_eq!(count(), 1);
        assert_eq!(s.file_bytes(&c.id, "a.CSV").unwrap(), None);
        drop(s);
        let s = SqliteStore::at(&path, true, None, every_send_in_segments).unwrap();
        let d = s.insert_send(unit("20261124100003", 10)).unwrap();
        assert_eq!(s.file_bytes(&d.id, "b.CSV").unwrap().unwrap().len(), 10);
    }

    /// For each file of send `id` (in upload order): `inline` when its bytes are a row of
    /// `blobs`, `segment` when the row points into a segment, read from the database itself.
    fn where_kept(db: &Path, id: &str) -> Vec<String> {
        let c = Connection::open(db).unwrap();
        let kept = c
            .prepare(
                "SELECT CASE WHEN f.segment IS NULL AND b.bytes IS NOT NULL THEN 'inline'
                         WHEN f.segment IS NOT NULL AND b.bytes IS NULL THEN 'segment'
                         ELSE 'both or neither' END
             FROM files f LEFT JOIN blobs b ON b.send_seq = f.send_seq AND b.pos = f.pos
             WHERE f.send_seq = ?1 ORDER BY f.pos",
            )
            .unwrap()
            .query_map([seq_of(id).unwrap()], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        kept
    }

    fn assert_reads_back(s: &SqliteStore, id: &str, sent: &NewSend) {
        for f in &sent.files {
            let got = s
                .file_bytes(id, &f.name)
                .unwrap()
                .expect("the file is there");
            assert!(got == f.body.read().unwrap().as_ref(), "{id} {}", f.name);
        }
    }

    #[test]
    fn a_small_send_is_kept_inline_and_a_large_one_in_a_segment_both_read_back_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hub.sqlite3");
        let segs = dir.path().join(SEGMENTS_DIR);
        // A typical send unit (~40 KB) and one of 300 KB, past INLINE_SEND_BYTES.
        let small = sized("20261124100000", &[20_000, 15_000, 5_000]);
        let large = sized("20261124100001", &[150_000, 150_000]);
        assert!(small.total_bytes() <= INLINE_SEND_BYTES);
        assert!(large.total_bytes() > INLINE_SEND_BYTES);
        let (a, b) = {
            let s = SqliteStore::open(dir.path()).unwrap();
            let a = s.insert_send(sized("20261124100000", &[20_000, 15_000, 5_000]));
            let a = a.unwrap().id;
            assert_eq!(bytes_under(&segs), 0, "a small send wrote no segment");
            let b = s.insert_send(sized("20261124100001", &[150_000, 150_000]));
            let b = b.unwrap().id;
            assert_eq!(bytes_under(&segs), 300_000);
            (a, b)
        };
        assert_eq!(where_kept(&db, &a), ["inline", "inline", "inline"]);
        assert_eq!(where_kept(&db, &b), ["segment", "segment"]);
        let s = SqliteStore::open(dir.path()).unwrap();
        assert_reads_back(&s, &a, &small);
        assert_reads_back(&s, &b, &large);
        // Withdrawing a small send deletes its bytes with it.
        s.withdraw(&a, datetime!(2026-11-24 02:00 UTC)).unwrap();
        let c = Connection::open(&db).unwrap();
        let left: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM blobs WHERE send_seq = ?1",
                [seq_of(&a).unwrap()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
        assert_eq!(s.file_bytes(&a, "f0.CSV").unwrap(), None);
        assert_reads_back(&s, &b, &large);
    }

    #[test]
    fn a_send_of_exactly_the_threshold_is_inline_and_one_byte_more_goes_to_a_segment() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hub.sqlite3");
        let settings = SqliteSettings {
            inline_send_bytes: 1000,
            ..SqliteSettings::default()
        };
        let at = sized("20261124100000", &[400, 600]);
        let over = sized("20261124100001", &[400, 601]);
        let none = sized("20261124100002", &[]);
        let ids: Vec<String> = {
            let s = SqliteStore::open_with(dir.path(), settings).unwrap();
            [&at, &over, &none]
                .iter()
                .map(|u| {
                    let sizes: Vec<usize> = u.files.iter().map(|f| f.size as usize).collect();
                    s.insert_send(sized(&u.serial, &sizes)).unwrap().id
                })
                .collect()
        };
        assert_eq!(where_kept(&db, &ids[0]), ["inline", "inline"]);
        assert_eq!(where_kept(&db, &ids[1]), ["segment", "segment"]);
        assert!(where_kept(&db, &ids[2]).is_empty());
        let s = SqliteStore::open_with(dir.path(), settings).unwrap();
        assert_reads_back(&s, &ids[0], &at);
        assert_reads_back(&s, &ids[1], &over);
        assert_eq!(s.get(&ids[2]).unwrap().unwrap().files.len(), 0);
        // 0 sends every send's bytes to the segments.
        let every = SqliteSettings {
            inline_send_bytes: 0,
            ..settings
        };
        drop(s);
        let s = SqliteStore::open_with(dir.path(), every).unwrap();
        let tiny = s.insert_send(sized("20261124100003", &[1])).unwrap().id;
        assert_eq!(where_kept(&db, &tiny), ["segment"]);
    }
}
