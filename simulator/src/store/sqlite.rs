//! The embedded store: SQLite (bundled) in WAL mode with `synchronous = FULL`.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use time::OffsetDateTime;

use super::{FileRecord, NewSend, SendRecord, Store, StoreError};

/// The SQLite store. One connection behind a mutex: the hub's writes are small and
/// serialising them keeps "check for a duplicate, then insert" atomic.
pub struct SqliteStore {
    conn: Mutex<Connection>,
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
    purged_at    INTEGER
);
DROP INDEX IF EXISTS sends_live;
CREATE UNIQUE INDEX IF NOT EXISTS sends_live_v2
    ON sends(sender, receiver, serial) WHERE withdrawn_at IS NULL AND purged_at IS NULL;
CREATE INDEX IF NOT EXISTS sends_receiver ON sends(receiver, seq);
CREATE INDEX IF NOT EXISTS sends_sender ON sends(sender, seq);
CREATE TABLE IF NOT EXISTS files (
    send_seq      INTEGER NOT NULL REFERENCES sends(seq),
    pos           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    bytes         BLOB,
    downloaded_at INTEGER,
    PRIMARY KEY (send_seq, name)
);
";

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

impl SqliteStore {
    /// Opens (or creates) `dir/hub.sqlite3`.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("{}: {e}", dir.display())))?;
        let conn = Connection::open(dir.join("hub.sqlite3")).map_err(backend)?;
        SqliteStore::with_connection(conn)
    }

    /// A store that lives in memory (tests that need no durability).
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::with_connection(Connection::open_in_memory().map_err(backend)?)
    }

    fn with_connection(conn: Connection) -> Result<SqliteStore, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The journal mode in force (`wal` once opened on a file).
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        self.conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(backend)
    }
}

fn load(conn: &Connection, seq: i64) -> Result<Option<SendRecord>, StoreError> {
    let row = conn
        .query_row(
            "SELECT sender, receiver, serial, sent_at, received_at, withdrawn_at, purged_at
             FROM sends WHERE seq = ?1",
            [seq],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                ))
            },
        )
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

fn load_many(conn: &Connection, sql: &str, office: &str) -> Result<Vec<SendRecord>, StoreError> {
    let seqs: Vec<i64> = {
        let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
        let rows = stmt
            .query_map([office], |r| r.get(0))
            .map_err(backend)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(backend)?;
        rows
    };
    let mut out = Vec::with_capacity(seqs.len());
    for s in seqs {
        if let Some(r) = load(conn, s)? {
            out.push(r);
        }
    }
    Ok(out)
}

impl Store for SqliteStore {
    fn insert_send(&self, send: &NewSend) -> Result<SendRecord, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT seq FROM sends WHERE sender = ?1 AND receiver = ?2 AND serial = ?3
                 AND withdrawn_at IS NULL AND purged_at IS NULL",
                params![send.sender, send.receiver, send.serial],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        if let Some(seq) = existing {
            return Err(StoreError::Duplicate(id_of(seq)));
        }
        tx.execute(
            "INSERT INTO sends (sender, receiver, serial, sent_at) VALUES (?1, ?2, ?3, ?4)",
            params![send.sender, send.receiver, send.serial, ts(send.sent_at)],
        )
        .map_err(backend)?;
        let seq = tx.last_insert_rowid();
        for (pos, f) in send.files.iter().enumerate() {
            tx.execute(
                "INSERT INTO files (send_seq, pos, name, size, sha256, bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    seq,
                    pos as i64,
                    f.name,
                    f.bytes.len() as i64,
                    f.sha256,
                    f.bytes
                ],
            )
            .map_err(backend)?;
        }
        tx.commit().map_err(backend)?;
        load(&conn, seq)?.ok_or_else(|| StoreError::NotFound(id_of(seq)))
    }

    fn find_live(
        &self,
        sender: &str,
        receiver: &str,
        serial: &str,
    ) -> Result<Option<SendRecord>, StoreError> {
        let conn = self.conn();
        let seq: Option<i64> = conn
            .query_row(
                "SELECT seq FROM sends WHERE sender = ?1 AND receiver = ?2 AND serial = ?3
                 AND withdrawn_at IS NULL AND purged_at IS NULL",
                params![sender, receiver, serial],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        match seq {
            Some(s) => load(&conn, s),
            None => Ok(None),
        }
    }

    fn get(&self, id: &str) -> Result<Option<SendRecord>, StoreError> {
        match seq_of(id) {
            Some(s) => load(&self.conn(), s),
            None => Ok(None),
        }
    }

    fn sent_by(&self, office: &str) -> Result<Vec<SendRecord>, StoreError> {
        load_many(
            &self.conn(),
            "SELECT seq FROM sends WHERE sender = ?1 ORDER BY seq",
            office,
        )
    }

    fn sent_to(&self, office: &str) -> Result<Vec<SendRecord>, StoreError> {
        load_many(
            &self.conn(),
            "SELECT seq FROM sends WHERE receiver = ?1 AND withdrawn_at IS NULL ORDER BY seq",
            office,
        )
    }

    fn file_bytes(&self, id: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(seq) = seq_of(id) else {
            return Ok(None);
        };
        self.conn()
            .query_row(
                "SELECT f.bytes FROM files f JOIN sends s ON s.seq = f.send_seq
                 WHERE f.send_seq = ?1 AND f.name = ?2
                 AND s.withdrawn_at IS NULL AND s.purged_at IS NULL",
                params![seq, name],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(backend)
    }

    fn download(
        &self,
        id: &str,
        name: &str,
        at: OffsetDateTime,
    ) -> Result<Option<(Vec<u8>, SendRecord)>, StoreError> {
        let Some(seq) = seq_of(id) else {
            return Ok(None);
        };
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let bytes: Option<Vec<u8>> = tx
            .query_row(
                "SELECT f.bytes FROM files f JOIN sends s ON s.seq = f.send_seq
                 WHERE f.send_seq = ?1 AND f.name = ?2
                 AND s.withdrawn_at IS NULL AND s.purged_at IS NULL",
                params![seq, name],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()
            .map_err(backend)?
            .flatten();
        let Some(bytes) = bytes else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE files SET downloaded_at = COALESCE(downloaded_at, ?3)
             WHERE send_seq = ?1 AND name = ?2",
            params![seq, name, ts(at)],
        )
        .map_err(backend)?;
        tx.execute(
            "UPDATE sends SET received_at = ?2
             WHERE seq = ?1 AND received_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM files WHERE send_seq = ?1 AND downloaded_at IS NULL)",
            params![seq, ts(at)],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        let record = load(&conn, seq)?.ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        Ok(Some((bytes, record)))
    }

    fn withdraw(&self, id: &str, at: OffsetDateTime) -> Result<SendRecord, StoreError> {
        let seq = seq_of(id).ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let n = tx
            .execute(
                "UPDATE sends SET withdrawn_at = ?2 WHERE seq = ?1 AND withdrawn_at IS NULL
                 AND received_at IS NULL AND purged_at IS NULL",
                params![seq, ts(at)],
            )
            .map_err(backend)?;
        if n > 0 {
            tx.execute(
                "UPDATE files SET bytes = NULL WHERE send_seq = ?1",
                params![seq],
            )
            .map_err(backend)?;
        }
        tx.commit().map_err(backend)?;
        load(&conn, seq)?.ok_or_else(|| StoreError::NotFound(id.to_string()))
    }

    fn purge_before(
        &self,
        cutoff: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        tx.execute(
            "UPDATE files SET bytes = NULL WHERE send_seq IN
             (SELECT seq FROM sends WHERE sent_at < ?1 AND purged_at IS NULL)",
            params![ts(cutoff)],
        )
        .map_err(backend)?;
        let n = tx
            .execute(
                "UPDATE sends SET purged_at = ?2 WHERE sent_at < ?1 AND purged_at IS NULL",
                params![ts(cutoff), ts(at)],
            )
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{NewFile, SendStatus};
    use time::macros::datetime;
    use time::Duration;

    fn send(serial: &str) -> NewSend {
        NewSend {
            sender: "1310101011".into(),
            receiver: "1310102019".into(),
            serial: serial.into(),
            sent_at: datetime!(2026-11-24 01:00 UTC),
            files: vec![
                NewFile {
                    name: "a.CSV".into(),
                    bytes: b"1,2\r\n".to_vec(),
                    sha256: "x".into(),
                },
                NewFile {
                    name: "b.CSV".into(),
                    bytes: b"3\r\n".to_vec(),
                    sha256: "y".into(),
                },
            ],
        }
    }

    #[test]
    fn a_send_goes_from_unreceived_to_received_when_every_file_is_downloaded() {
        let s = SqliteStore::in_memory().unwrap();
        let r = s.insert_send(&send("20261124100000")).unwrap();
        assert_eq!(r.status(), SendStatus::Unreceived);
        assert_eq!(s.sent_to("1310102019").unwrap().len(), 1);
        assert_eq!(s.file_bytes(&r.id, "b.CSV").unwrap().unwrap(), b"3\r\n");
        let t = datetime!(2026-11-24 02:00 UTC);
        let (bytes, r1) = s.download(&r.id, "a.CSV", t).unwrap().unwrap();
        assert_eq!(bytes, b"1,2\r\n");
        assert_eq!(r1.status(), SendStatus::Unreceived);
        let (_, r2) = s.download(&r.id, "b.CSV", t).unwrap().unwrap();
        assert_eq!(r2.status(), SendStatus::Received);
        assert_eq!(r2.received_at, Some(t));
        // A second download changes nothing.
        let (_, r3) = s
            .download(&r.id, "a.CSV", t + Duration::hours(1))
            .unwrap()
            .unwrap();
        assert_eq!(r3, r2);
        assert!(s.download(&r.id, "none.CSV", t).unwrap().is_none());
        // A received send cannot be withdrawn: the record says so.
        let w = s.withdraw(&r.id, t).unwrap();
        assert_eq!(w.status(), SendStatus::Received);
    }

    #[test]
    fn a_second_live_send_with_the_same_serial_is_refused_until_withdrawn() {
        let s = SqliteStore::in_memory().unwrap();
        let r = s.insert_send(&send("20261124100000")).unwrap();
        assert!(matches!(
            s.insert_send(&send("20261124100000")),
            Err(StoreError::Duplicate(id)) if id == r.id
        ));
        let w = s.withdraw(&r.id, datetime!(2026-11-24 03:00 UTC)).unwrap();
        assert_eq!(w.status(), SendStatus::Withdrawn);
        assert!(s.sent_to("1310102019").unwrap().is_empty());
        assert_eq!(s.sent_by("1310101011").unwrap().len(), 1);
        assert_eq!(s.file_bytes(&r.id, "a.CSV").unwrap(), None);
        assert!(s.download(&r.id, "a.CSV", w.sent_at).unwrap().is_none());
        s.insert_send(&send("20261124100000")).unwrap();
    }

    #[test]
    fn retention_purges_bytes_and_keeps_the_record() {
        let s = SqliteStore::in_memory().unwrap();
        let r = s.insert_send(&send("20261124100000")).unwrap();
        let now = datetime!(2026-12-30 00:00 UTC);
        assert_eq!(s.purge_before(now - Duration::days(30), now).unwrap(), 1);
        let r = s.get(&r.id).unwrap().unwrap();
        assert_eq!(r.status(), SendStatus::Expired);
        assert_eq!(s.file_bytes(&r.id, "a.CSV").unwrap(), None);
        assert_eq!(s.purge_before(now - Duration::days(30), now).unwrap(), 0);
        // An expired send no longer holds its ファイル連番, and cannot be withdrawn.
        assert_eq!(
            s.withdraw(&r.id, now).unwrap().status(),
            SendStatus::Expired
        );
        assert_eq!(
            s.find_live("1310101011", "1310102019", "20261124100000")
                .unwrap(),
            None
        );
        s.insert_send(&send("20261124100000")).unwrap();
    }

    #[test]
    fn a_file_store_uses_wal_and_survives_reopening() {
        let dir = std::env::temp_dir().join(format!("renkei-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let id = {
            let s = SqliteStore::open(&dir).unwrap();
            assert_eq!(s.journal_mode().unwrap(), "wal");
            s.insert_send(&send("20261124100000")).unwrap().id
        };
        let s = SqliteStore::open(&dir).unwrap();
        assert_eq!(s.get(&id).unwrap().unwrap().files.len(), 2);
        assert_eq!(s.get("S99999999").unwrap(), None);
        assert_eq!(s.get("../etc").unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
