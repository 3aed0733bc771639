//! The embedded store: SQLite (bundled) in WAL mode with `synchronous = FULL`.
//!
//! Readers never wait behind the writer: each read takes a connection from a small pool
//! (WAL lets them read while a write commits). Every write goes to one writer thread, which
//! runs the writes that queued while it was committing in one transaction, each in its own
//! savepoint (group commit): one fsync for many sends, and each caller is answered only after
//! the commit that holds its write.

use std::path::Path;
use std::sync::mpsc;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use time::OffsetDateTime;

use super::{FileRecord, NewSend, Page, PageRequest, SendRecord, Store, StoreError};

/// Most writes one transaction commits together.
const MAX_GROUP: usize = 256;
/// Read connections kept open.
const READERS: usize = 4;
/// How often the checkpointer copies the WAL into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// (assumed) The WAL file is truncated back to this size after a checkpoint.
pub const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// A write the writer thread runs inside the group's transaction; what it returns is called
/// with the outcome of the commit.
/// It is handed the connection, or why the transaction could not begin.
type Job = Box<dyn FnOnce(Result<&Connection, StoreError>) -> Done + Send>;
type Done = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// The SQLite store: a writer thread, a pool of readers.
pub struct SqliteStore {
    writer: Mutex<mpsc::Sender<Job>>,
    readers: Mutex<Vec<Connection>>,
    open_reader: Box<dyn Fn() -> Result<Connection, StoreError> + Send + Sync>,
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
    PRIMARY KEY (send_seq, name)
);
CREATE TABLE IF NOT EXISTS blobs (
    send_seq INTEGER NOT NULL,
    pos      INTEGER NOT NULL,
    bytes    BLOB NOT NULL,
    PRIMARY KEY (send_seq, pos)
);
";

/// The layout version this code writes (`PRAGMA user_version`).
const LAYOUT: i64 = 2;

/// Brings a data folder of the first layout (bytes in `files`, no byte count per send) to
/// the current one, keeping every send.
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
        conn.execute_batch("COMMIT").map_err(backend)?;
    }
    conn.pragma_update(None, "user_version", LAYOUT)
        .map_err(backend)
}

fn id_of(seq: i64) -> String {
    format!("S{seq:08}")
}

fn seq_of(id: &str) -> Option<i64> {
    id.strip_prefix('S')
        .filter(|d| d.len() >= 8 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
}

fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn from_ts(v: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(v).unwrap_or(OffsetDateTime::UNIX_EPOCH)
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
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("{}: {e}", dir.display())))?;
        SqliteStore::at(&dir.join("hub.sqlite3"), true, None)
    }

    /// A store in a temporary folder of its own, without fsync (tests that need no
    /// durability); the folder is removed with the store.
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::Backend(e.to_string()))?;
        let path = dir.path().join("hub.sqlite3");
        SqliteStore::at(&path, false, Some(dir))
    }

    fn at(
        path: &Path,
        durable: bool,
        scratch: Option<tempfile::TempDir>,
    ) -> Result<SqliteStore, StoreError> {
        let conn = open_connection(path, durable, false)?;
        migrate(&conn)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("renkei-store-writer".into())
            .spawn(move || write_loop(conn, rx))
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let (stop, stopped) = mpsc::channel::<()>();
        let checkpointer = open_connection(path, durable, false)?;
        std::thread::Builder::new()
            .name("renkei-store-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpointer, stopped))
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let path = path.to_path_buf();
        Ok(SqliteStore {
            writer: Mutex::new(tx),
            readers: Mutex::new(Vec::new()),
            open_reader: Box::new(move || open_connection(&path, durable, true)),
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

    /// Runs `f` in the writer's next group transaction (in a savepoint of its own, so a
    /// failing write leaves the others of its group alone) and waits for the commit.
    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = mpsc::sync_channel::<Result<T, StoreError>>(1);
        let job: Job = Box::new(move |conn| {
            let outcome = conn.and_then(|c| in_savepoint(c, f));
            Box::new(move |commit| {
                let _ = answer.send(commit.and(outcome));
            })
        });
        self.writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job)
            .map_err(|_| {
                StoreError::Backend("保管領域の書き込みスレッドが止まっています".into())
            })?;
        answered
            .recv()
            .map_err(|_| StoreError::Backend("保管領域の書き込みスレッドが止まっています".into()))?
    }
}

fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.execute_batch("SAVEPOINT one").map_err(backend)?;
    let out = f(conn);
    let end = if out.is_ok() {
        "RELEASE one"
    } else {
        "ROLLBACK TO one; RELEASE one"
    };
    conn.execute_batch(end).map_err(backend)?;
    out
}

/// The checkpointer thread: a passive checkpoint every [`CHECKPOINT_EVERY`] on a connection
/// of its own, so the writer never stops for one (readers and the writer go on meanwhile).
/// Ends when the store is dropped.
fn checkpoint_loop(conn: Connection, stopped: mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

/// The writer thread: takes the first waiting write, then every write that queued meanwhile
/// (up to [`MAX_GROUP`]), runs them in one transaction and answers each after the commit.
fn write_loop(conn: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(j) => group.push(j),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            for job in group {
                job(Err(StoreError::Backend(e.to_string())))(Ok(()));
            }
            continue;
        }
        let mut done: Vec<Done> = Vec::with_capacity(group.len());
        let mut jobs = group.into_iter();
        for job in jobs.by_ref() {
            done.push(job(Ok(&conn)));
            // An error that made SQLite roll the whole transaction back (I/O, memory): the
            // rest of the group is not run in transactions of their own, and nothing commits.
            if conn.is_autocommit() {
                break;
            }
        }
        let rolled_back = conn.is_autocommit();
        for job in jobs {
            done.push(job(Err(StoreError::Backend(
                "保管領域のトランザクションが中断されました".into(),
            ))));
        }
        if rolled_back {
            for d in done {
                d(Err(StoreError::Backend(
                    "保管領域のトランザクションが中断されました".into(),
                )));
            }
            continue;
        }
        let commit = conn.execute_batch("COMMIT").map_err(backend);
        if commit.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for d in done {
            d(match &commit {
                Ok(()) => Ok(()),
                Err(e) => Err(StoreError::Backend(e.to_string())),
            });
        }
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

/// Stores one send inside the writer's transaction.
fn insert(conn: &Connection, send: &NewSend) -> Result<SendRecord, StoreError> {
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
    for (pos, f) in send.files.iter().enumerate() {
        conn.prepare_cached(
            "INSERT INTO files (send_seq, pos, name, size, sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(backend)?
        .execute(params![seq, pos as i64, f.name, f.size as i64, f.sha256])
        .map_err(backend)?;
        // One file in memory at a time, whatever the send's size.
        let bytes = f
            .body
            .read()
            .map_err(|e| StoreError::Backend(format!("{}: {e}", f.name)))?;
        conn.prepare_cached("INSERT INTO blobs (send_seq, pos, bytes) VALUES (?1, ?2, ?3)")
            .map_err(backend)?
            .execute(params![seq, pos as i64, bytes.as_ref()])
            .map_err(backend)?;
    }
    load(conn, seq)?.ok_or_else(|| StoreError::NotFound(id_of(seq)))
}

fn read_file(conn: &Connection, seq: i64, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
    conn.prepare_cached(
        "SELECT b.bytes FROM files f
         JOIN sends s ON s.seq = f.send_seq
         JOIN blobs b ON b.send_seq = f.send_seq AND b.pos = f.pos
         WHERE f.send_seq = ?1 AND f.name = ?2
         AND s.withdrawn_at IS NULL AND s.purged_at IS NULL",
    )
    .map_err(backend)?
    .query_row(params![seq, name], |r| r.get::<_, Vec<u8>>(0))
    .optional()
    .map_err(backend)
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

fn withdraw_one(conn: &Connection, seq: i64, id: &str, at: i64) -> Result<SendRecord, StoreError> {
    let n = conn
        .execute(
            "UPDATE sends SET withdrawn_at = ?2 WHERE seq = ?1 AND withdrawn_at IS NULL
             AND received_at IS NULL AND purged_at IS NULL",
            params![seq, at],
        )
        .map_err(backend)?;
    if n > 0 {
        conn.execute("DELETE FROM blobs WHERE send_seq = ?1", params![seq])
            .map_err(backend)?;
    }
    load(conn, seq)?.ok_or_else(|| StoreError::NotFound(id.to_string()))
}

fn purge(conn: &Connection, cutoff: i64, at: i64) -> Result<usize, StoreError> {
    conn.execute(
        "DELETE FROM blobs WHERE send_seq IN
         (SELECT seq FROM sends WHERE sent_at < ?1 AND purged_at IS NULL)",
        params![cutoff],
    )
    .map_err(backend)?;
    conn.execute(
        "UPDATE sends SET purged_at = ?2 WHERE sent_at < ?1 AND purged_at IS NULL",
        params![cutoff, at],
    )
    .map_err(backend)
}

impl Store for SqliteStore {
    fn insert_send(&self, send: NewSend) -> Result<SendRecord, StoreError> {
        self.write(move |c| insert(c, &send))
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
            Some(seq) => self.read(|c| read_file(c, seq, name)),
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
        self.write(move |c| mark(c, seq, &name, ts(at)))
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
        self.write(move |c| withdraw_one(c, seq, &id, ts(at)))
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
        self.write(move |c| purge(c, ts(cutoff), ts(at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance::{self, send};
    use std::sync::Arc;

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
}
