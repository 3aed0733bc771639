//! The shared store: PostgreSQL, so several hub processes (each on its own port) keep one
//! set of sends.
//!
//! The layout mirrors [`super::sqlite`]: `sends` (one row a send; the 送信ID is `S` and the
//! 8-digit `seq` of a `bigserial`), `files` (name, size, SHA-256, first download) and `blobs`
//! (the bytes as `BYTEA`, deleted on withdrawal and purge); times are `BIGINT` unix seconds.
//! What SQLite gets from its single writer, the database itself carries here, so that it
//! holds across processes:
//!
//! - a partial unique index on `(sender, receiver, serial) WHERE withdrawn_at IS NULL AND
//!   purged_at IS NULL`: of two hubs storing the same ファイル連番 at once, one stores it and
//!   the other answers [`StoreError::Duplicate`] with the first one's 送信ID;
//! - a download locks its send's row (`SELECT … FOR UPDATE`) and a withdrawal is a conditional
//!   `UPDATE` (`received_at IS NULL AND purged_at IS NULL`), so of a withdrawal and the last
//!   download racing in two hubs exactly one wins;
//! - the schema is created at [`PgStore::connect`] (`CREATE … IF NOT EXISTS`) under a
//!   transaction-level advisory lock, so hubs starting together do not trip over each other.
//!
//! A send of at most [`INLINE_SEND_BYTES`] (a typical send unit) is stored by one statement
//! (its row, its files' rows and their bytes from arrays: BEGIN, the statement, COMMIT — three
//! round trips, whatever its number of files), and its record is built from what was sent
//! instead of read back; a larger send is stored a statement a file, one file's bytes in
//! memory at a time.
//!
//! Every [`Store`] method is one transaction (or one statement) on a connection of a small
//! pool ([`POOL_SIZE`] connections a store, opened when needed; a broken one is dropped and
//! replaced). Deadlocks and serialisation failures are retried a few times.
//!
//! The client is the synchronous `postgres` crate without TLS: point it at a server on the
//! loopback interface or on a network you trust. `scripts/postgres.sh` starts one for tests.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Row, Statement, Transaction};
use time::OffsetDateTime;

use super::{
    from_ts, id_of, seq_of, ts, FileRecord, NewSend, Page, PageRequest, SendRecord, Store,
    StoreError, INLINE_SEND_BYTES,
};

/// Most connections one store opens (each hub process has its own pool).
pub const POOL_SIZE: usize = 8;
/// How long a call waits for a free connection before it fails.
const POOL_WAIT: Duration = Duration::from_secs(30);
/// How often a transaction that lost a deadlock or a serialisation race is run again.
const RETRIES: usize = 5;
/// The advisory lock key held while the schema is created ("renkei" in ASCII).
const SCHEMA_LOCK: i64 = 0x7265_6e6b_6569;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sends (
    seq          BIGSERIAL PRIMARY KEY,
    sender       TEXT NOT NULL,
    receiver     TEXT NOT NULL,
    serial       TEXT NOT NULL,
    sent_at      BIGINT NOT NULL,
    received_at  BIGINT,
    withdrawn_at BIGINT,
    purged_at    BIGINT,
    bytes        BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS sends_live
    ON sends(sender, receiver, serial) WHERE withdrawn_at IS NULL AND purged_at IS NULL;
CREATE INDEX IF NOT EXISTS sends_receiver ON sends(receiver, seq);
CREATE INDEX IF NOT EXISTS sends_sender ON sends(sender, seq);
CREATE INDEX IF NOT EXISTS sends_unpurged ON sends(sent_at) WHERE purged_at IS NULL;
CREATE INDEX IF NOT EXISTS sends_stored ON sends(sender, sent_at) INCLUDE (bytes)
    WHERE withdrawn_at IS NULL AND purged_at IS NULL;
CREATE TABLE IF NOT EXISTS files (
    send_seq      BIGINT NOT NULL REFERENCES sends(seq),
    pos           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    downloaded_at BIGINT,
    PRIMARY KEY (send_seq, name)
);
CREATE TABLE IF NOT EXISTS blobs (
    send_seq BIGINT NOT NULL REFERENCES sends(seq),
    pos      INTEGER NOT NULL,
    bytes    BYTEA NOT NULL,
    PRIMARY KEY (send_seq, pos)
);
";

/// The columns [`records`] reads, in its order: a send joined with its files.
const RECORD_COLUMNS: &str = "s.seq, s.sender, s.receiver, s.serial, s.sent_at, s.received_at,
    s.withdrawn_at, s.purged_at, f.name, f.size, f.sha256, f.downloaded_at";

const LOAD: &str = "SELECT s.seq, s.sender, s.receiver, s.serial, s.sent_at, s.received_at,
    s.withdrawn_at, s.purged_at, f.name, f.size, f.sha256, f.downloaded_at
    FROM sends s LEFT JOIN files f ON f.send_seq = s.seq WHERE s.seq = $1 ORDER BY f.pos";

const LIVE_SEQ: &str = "SELECT seq FROM sends WHERE sender = $1 AND receiver = $2 AND serial = $3
    AND withdrawn_at IS NULL AND purged_at IS NULL";

const INSERT_SEND: &str = "INSERT INTO sends (sender, receiver, serial, sent_at, bytes)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (sender, receiver, serial) WHERE withdrawn_at IS NULL AND purged_at IS NULL
    DO NOTHING RETURNING seq";

const INSERT_FILE: &str =
    "INSERT INTO files (send_seq, pos, name, size, sha256) VALUES ($1, $2, $3, $4, $5)";

const INSERT_BLOB: &str = "INSERT INTO blobs (send_seq, pos, bytes) VALUES ($1, $2, $3)";

/// A small send whole, in one statement (one round trip): its row, then its files' rows and
/// bytes from arrays (`$6` positions, `$7` names, `$8` sizes, `$9` SHA-256, `$10` bytes).
/// Returns no row when a live send has the same ファイル連番 (then nothing is inserted).
const INSERT_SMALL_SEND: &str = "WITH s AS (
        INSERT INTO sends (sender, receiver, serial, sent_at, bytes) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (sender, receiver, serial) WHERE withdrawn_at IS NULL AND purged_at IS NULL
        DO NOTHING RETURNING seq),
    f AS (INSERT INTO files (send_seq, pos, name, size, sha256)
        SELECT s.seq, u.pos, u.name, u.size, u.sha256
        FROM s, unnest($6::INTEGER[], $7::TEXT[], $8::BIGINT[], $9::TEXT[]) AS u(pos, name, size, sha256)),
    b AS (INSERT INTO blobs (send_seq, pos, bytes)
        SELECT s.seq, u.pos, u.bytes FROM s, unnest($6::INTEGER[], $10::BYTEA[]) AS u(pos, bytes))
    SELECT seq FROM s";

const READ_FILE: &str = "SELECT b.bytes FROM files f
    JOIN sends s ON s.seq = f.send_seq
    JOIN blobs b ON b.send_seq = f.send_seq AND b.pos = f.pos
    WHERE f.send_seq = $1 AND f.name = $2 AND s.withdrawn_at IS NULL AND s.purged_at IS NULL";

const LOCK_LIVE: &str = "SELECT 1 FROM sends WHERE seq = $1
    AND withdrawn_at IS NULL AND purged_at IS NULL FOR UPDATE";

const MARK_FILE: &str = "UPDATE files SET downloaded_at = COALESCE(downloaded_at, $3)
    WHERE send_seq = $1 AND name = $2";

const MARK_RECEIVED: &str = "UPDATE sends SET received_at = $2
    WHERE seq = $1 AND received_at IS NULL AND withdrawn_at IS NULL AND purged_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM files WHERE send_seq = $1 AND downloaded_at IS NULL)";

const WITHDRAW: &str = "UPDATE sends SET withdrawn_at = $2 WHERE seq = $1
    AND withdrawn_at IS NULL AND received_at IS NULL AND purged_at IS NULL";

const DELETE_BLOBS: &str = "DELETE FROM blobs WHERE send_seq = $1";

const LIVE_BYTES: &str = "SELECT COALESCE(SUM(bytes), 0)::BIGINT FROM sends
    WHERE sender = $1 AND sent_at >= $2 AND withdrawn_at IS NULL AND purged_at IS NULL";

/// The server's message (with its SQLSTATE) when there is one, else the client's.
fn backend(e: postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => {
            StoreError::Backend(format!("PostgreSQL {}: {}", db.code().code(), db.message()))
        }
        None => StoreError::Backend(format!("PostgreSQL: {e}")),
    }
}

/// Whether running the transaction again may succeed: a deadlock or a serialisation race.
fn retryable(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    )
}

/// A failure inside a transaction: the database's (maybe worth another try) or the store's.
enum TxError {
    Db(postgres::Error),
    Store(StoreError),
}

impl From<postgres::Error> for TxError {
    fn from(e: postgres::Error) -> TxError {
        TxError::Db(e)
    }
}

impl From<StoreError> for TxError {
    fn from(e: StoreError) -> TxError {
        TxError::Store(e)
    }
}

/// A pooled connection and the statements it has prepared.
struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

/// A transaction on a pooled connection, preparing each statement once per connection.
struct Tx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut HashMap<&'static str, Statement>,
}

impl Tx<'_> {
    fn statement(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error> {
        let s = self.statement(sql)?;
        self.tx.query(&s, params)
    }

    fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, postgres::Error> {
        let s = self.statement(sql)?;
        self.tx.query_opt(&s, params)
    }

    fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, postgres::Error> {
        let s = self.statement(sql)?;
        self.tx.execute(&s, params)
    }
}

/// The pool's state: idle connections and how many are open (idle or in use).
struct Pool {
    idle: Vec<Conn>,
    open: usize,
}

/// The PostgreSQL store: a pool of up to [`POOL_SIZE`] connections to one database.
pub struct PgStore {
    config: Config,
    pool: Mutex<Pool>,
    freed: Condvar,
}

impl Drop for PgStore {
    /// Each `postgres::Client` owns a small runtime, which may not be dropped on an async
    /// task's thread (a hub dropped at the end of an async test or command): the idle
    /// connections are closed on a thread of their own.
    fn drop(&mut self) {
        let idle = std::mem::take(&mut self.lock().idle);
        if !idle.is_empty() {
            let _ = std::thread::Builder::new()
                .name("renkei-pg-close".into())
                .spawn(move || drop(idle));
        }
    }
}

/// Runs `f` (which opens PostgreSQL connections) where blocking is allowed: on this thread
/// outside an async runtime, else on a thread of its own. `postgres::Client` runs a runtime
/// of its own, which may not start inside another one.
fn off_async<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// A connection taken from the pool; given back (or, when broken, forgotten) on drop.
struct Lease<'a> {
    store: &'a PgStore,
    conn: Option<Conn>,
    /// It came from the pool rather than being opened for this call (so it may be stale).
    reused: bool,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut pool = self.store.lock();
        match self.conn.take() {
            Some(c) if !c.client.is_closed() => pool.idle.push(c),
            _ => pool.open = pool.open.saturating_sub(1),
        }
        drop(pool);
        self.store.freed.notify_one();
    }
}

/// Whether `name` can be a schema of [`PgStore::connect_in_schema`]: a lower-case ASCII
/// letter or `_`, then letters, digits and `_`, at most 63 bytes (no quoting needed).
fn plain_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'_'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
        && name.len() <= 63
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user[:password]@host:port/db`, or a
    /// `key=value` connection string) and creates the schema if it is not there.
    ///
    /// The tables go where the connection's `search_path` puts them (`public` by default);
    /// a URL can choose another with `?options=-csearch_path%3Dname`, or see
    /// [`PgStore::connect_in_schema`].
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        off_async(|| PgStore::connect_here(url))
    }

    fn connect_here(url: &str) -> Result<PgStore, StoreError> {
        let config: Config = url
            .parse()
            .map_err(|e: postgres::Error| StoreError::Backend(format!("PostgreSQL URL: {e}")))?;
        PgStore::with_config(config, None)
    }

    /// Connects like [`PgStore::connect`], with the tables in schema `schema` of their own
    /// (created if missing; every connection's `search_path` is set to it). Tests give each
    /// store a fresh schema this way; hubs that are to share sends must use the same one.
    /// `schema` is a plain lower-case identifier (`[a-z_][a-z0-9_]*`, at most 63 bytes).
    pub fn connect_in_schema(url: &str, schema: &str) -> Result<PgStore, StoreError> {
        off_async(|| PgStore::connect_in_schema_here(url, schema))
    }

    fn connect_in_schema_here(url: &str, schema: &str) -> Result<PgStore, StoreError> {
        if !plain_identifier(schema) {
            return Err(StoreError::Backend(format!(
                "PostgreSQL: '{schema}' is not a plain schema name ([a-z_][a-z0-9_]*)"
            )));
        }
        let mut config: Config = url
            .parse()
            .map_err(|e: postgres::Error| StoreError::Backend(format!("PostgreSQL URL: {e}")))?;
        let options = match config.get_options() {
            Some(o) if !o.is_empty() => format!("{o} -csearch_path={schema}"),
            _ => format!("-csearch_path={schema}"),
        };
        config.options(&options);
        PgStore::with_config(config, Some(schema))
    }

    fn with_config(mut config: Config, schema: Option<&str>) -> Result<PgStore, StoreError> {
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("renkei-hub");
        }
        let store = PgStore {
            config,
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        };
        store.create_schema(schema)?;
        Ok(store)
    }

    /// Creates the schema (and the tables in it) unless they exist, under an advisory lock so
    /// that stores connecting at the same moment create it once.
    fn create_schema(&self, schema: Option<&str>) -> Result<(), StoreError> {
        let mut lease = self.lease()?;
        let conn = lease.conn_mut()?;
        let mut tx = conn.client.transaction().map_err(backend)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .map_err(backend)?;
        if let Some(s) = schema {
            // `s` is a plain identifier (checked by connect_in_schema): no quoting needed.
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {s}"))
                .map_err(backend)?;
        }
        tx.batch_execute(SCHEMA).map_err(backend)?;
        tx.commit().map_err(backend)
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn open_connection(&self) -> Result<Conn, StoreError> {
        let client = self.config.connect(NoTls).map_err(backend)?;
        Ok(Conn {
            client,
            statements: HashMap::new(),
        })
    }

    /// An idle connection, or a new one while fewer than [`POOL_SIZE`] are open, or the
    /// first to be given back within [`POOL_WAIT`].
    fn lease(&self) -> Result<Lease<'_>, StoreError> {
        let mut pool = self.lock();
        loop {
            if let Some(conn) = pool.idle.pop() {
                if conn.client.is_closed() {
                    pool.open = pool.open.saturating_sub(1);
                    continue;
                }
                return Ok(Lease {
                    store: self,
                    conn: Some(conn),
                    reused: true,
                });
            }
            if pool.open < POOL_SIZE {
                pool.open += 1;
                drop(pool);
                return match self.open_connection() {
                    Ok(conn) => Ok(Lease {
                        store: self,
                        conn: Some(conn),
                        reused: false,
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let (guard, timeout) = self
                .freed
                .wait_timeout(pool, POOL_WAIT)
                .unwrap_or_else(|e| e.into_inner());
            pool = guard;
            if timeout.timed_out() && pool.idle.is_empty() && pool.open >= POOL_SIZE {
                return Err(StoreError::Backend(format!(
                    "PostgreSQL: no free connection within {}s ({POOL_SIZE} in use)",
                    POOL_WAIT.as_secs()
                )));
            }
        }
    }

    /// Runs `f` in one transaction and commits it. A connection found broken when the
    /// transaction begins is replaced; a deadlock or serialisation failure runs `f` again.
    fn transaction<T>(
        &self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, TxError>,
    ) -> Result<T, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut lease = self.lease()?;
            let reused = lease.reused;
            let outcome = run_once(lease.conn_mut()?, &mut f);
            match outcome {
                Ok(v) => return Ok(v),
                // A pooled connection that cannot even begin was closed by the server
                // meanwhile (a restart, an idle timeout, pg_terminate_backend): forget it and
                // begin again on another (a new one, once the idle ones are used up).
                Err(Attempt::Begin(_)) if reused && attempt <= POOL_SIZE + 1 => {
                    lease.forget();
                }
                Err(Attempt::Begin(e)) => return Err(backend(e)),
                Err(Attempt::Failed(TxError::Store(e))) => return Err(e),
                Err(Attempt::Failed(TxError::Db(e))) if retryable(&e) && attempt <= RETRIES => {
                    drop(lease);
                    std::thread::sleep(Duration::from_millis(5 * attempt as u64));
                }
                Err(Attempt::Failed(TxError::Db(e))) => return Err(backend(e)),
            }
        }
    }
}

/// How one try at a transaction failed: at its BEGIN, or inside it (or at its COMMIT).
enum Attempt {
    Begin(postgres::Error),
    Failed(TxError),
}

/// Begins a transaction on `conn`, runs `f` in it and commits; rolled back when `f` fails.
fn run_once<T>(
    conn: &mut Conn,
    f: &mut impl FnMut(&mut Tx<'_>) -> Result<T, TxError>,
) -> Result<T, Attempt> {
    let tx = conn.client.transaction().map_err(Attempt::Begin)?;
    let mut tx = Tx {
        tx,
        statements: &mut conn.statements,
    };
    let v = f(&mut tx).map_err(Attempt::Failed)?;
    tx.tx
        .commit()
        .map_err(|e| Attempt::Failed(TxError::Db(e)))?;
    Ok(v)
}

impl Lease<'_> {
    fn conn_mut(&mut self) -> Result<&mut Conn, StoreError> {
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::Backend("PostgreSQL: the connection is gone".into()))
    }

    /// Drops the connection instead of giving it back to the pool.
    fn forget(&mut self) {
        self.conn = None;
    }
}

/// Sends from rows of [`RECORD_COLUMNS`] ordered by `seq` then file position (a send
/// without files has one row of NULL file columns).
fn records(rows: &[Row]) -> Result<Vec<SendRecord>, postgres::Error> {
    let mut out: Vec<SendRecord> = Vec::new();
    for row in rows {
        let seq: i64 = row.try_get(0)?;
        let id = id_of(seq);
        if out.last().map(|r| r.id != id).unwrap_or(true) {
            out.push(SendRecord {
                id,
                sender: row.try_get(1)?,
                receiver: row.try_get(2)?,
                serial: row.try_get(3)?,
                sent_at: from_ts(row.try_get(4)?),
                received_at: row.try_get::<_, Option<i64>>(5)?.map(from_ts),
                withdrawn_at: row.try_get::<_, Option<i64>>(6)?.map(from_ts),
                purged_at: row.try_get::<_, Option<i64>>(7)?.map(from_ts),
                files: Vec::new(),
            });
        }
        if let Some(name) = row.try_get::<_, Option<String>>(8)? {
            let size: i64 = row.try_get(9)?;
            let file = FileRecord {
                name,
                size: size.max(0) as u64,
                sha256: row.try_get(10)?,
                downloaded_at: row.try_get::<_, Option<i64>>(11)?.map(from_ts),
            };
            if let Some(r) = out.last_mut() {
                r.files.push(file);
            }
        }
    }
    Ok(out)
}

fn load(tx: &mut Tx<'_>, seq: i64) -> Result<Option<SendRecord>, postgres::Error> {
    let rows = tx.query(LOAD, &[&seq])?;
    Ok(records(&rows)?.pop())
}

/// The page query for a list: `filter` selects the office's sends (`$1` the office), after
/// `$2`, at most `$3`.
fn page_sql(filter: &str) -> String {
    format!(
        "WITH page AS (SELECT seq FROM sends WHERE {filter} AND seq > $2 ORDER BY seq LIMIT $3)
         SELECT {RECORD_COLUMNS} FROM page JOIN sends s ON s.seq = page.seq
         LEFT JOIN files f ON f.send_seq = s.seq ORDER BY s.seq, f.pos"
    )
}

/// The statements of the two lists, built once.
fn sent_by_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| page_sql("sender = $1"))
}

fn sent_to_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| page_sql("receiver = $1 AND withdrawn_at IS NULL"))
}

impl PgStore {
    fn page(
        &self,
        sql: &'static str,
        office: &str,
        page: &PageRequest,
    ) -> Result<Page, StoreError> {
        let after = match &page.after {
            None => 0,
            Some(id) => seq_of(id).ok_or_else(|| StoreError::NotFound(id.clone()))?,
        };
        let size = page.size();
        let limit = size as i64 + 1;
        self.transaction(|tx| {
            let rows = tx.query(sql, &[&office, &after, &limit])?;
            let mut sends = records(&rows)?;
            let more = sends.len() > size;
            sends.truncate(size);
            Ok(Page {
                next_after: if more {
                    sends.last().map(|r| r.id.clone())
                } else {
                    None
                },
                sends,
            })
        })
    }
}

/// The record of a send just inserted as `seq`: what [`LOAD`] would read back, without
/// the round trip.
fn inserted(seq: i64, send: &NewSend, sent_at: i64) -> SendRecord {
    SendRecord {
        id: id_of(seq),
        sender: send.sender.clone(),
        receiver: send.receiver.clone(),
        serial: send.serial.clone(),
        sent_at: from_ts(sent_at),
        received_at: None,
        withdrawn_at: None,
        purged_at: None,
        files: send
            .files
            .iter()
            .map(|f| FileRecord {
                name: f.name.clone(),
                size: f.size,
                sha256: f.sha256.clone(),
                downloaded_at: None,
            })
            .collect(),
    }
}

impl PgStore {
    /// A send of at most [`INLINE_SEND_BYTES`]: one statement inserts it whole (its files'
    /// bytes in memory together), in one transaction of three round trips with its BEGIN
    /// and COMMIT.
    fn insert_small(&self, send: &NewSend) -> Result<SendRecord, StoreError> {
        let bytes = send.total_bytes() as i64;
        let sent_at = ts(send.sent_at);
        let bodies = send
            .files
            .iter()
            .map(|f| {
                f.body
                    .read()
                    .map_err(|e| StoreError::Backend(format!("{}: {e}", f.name)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bodies: Vec<&[u8]> = bodies.iter().map(|b| b.as_ref()).collect();
        let positions: Vec<i32> = (0..send.files.len() as i32).collect();
        let names: Vec<&str> = send.files.iter().map(|f| f.name.as_str()).collect();
        let sizes: Vec<i64> = send.files.iter().map(|f| f.size as i64).collect();
        let hashes: Vec<&str> = send.files.iter().map(|f| f.sha256.as_str()).collect();
        self.transaction(|tx| {
            // Had the live send with this ファイル連番 been withdrawn or purged between the
            // two statements, the insert is tried again.
            for _ in 0..RETRIES {
                let params: [&(dyn ToSql + Sync); 10] = [
                    &send.sender,
                    &send.receiver,
                    &send.serial,
                    &sent_at,
                    &bytes,
                    &positions,
                    &names,
                    &sizes,
                    &hashes,
                    &bodies,
                ];
                if let Some(row) = tx.query_opt(INSERT_SMALL_SEND, &params)? {
                    return Ok(inserted(row.try_get(0)?, send, sent_at));
                }
                let live = [
                    &send.sender as &(dyn ToSql + Sync),
                    &send.receiver,
                    &send.serial,
                ];
                if let Some(row) = tx.query_opt(LIVE_SEQ, &live)? {
                    return Err(StoreError::Duplicate(id_of(row.try_get(0)?)).into());
                }
            }
            Err(
                StoreError::Backend("PostgreSQL: the send could not be stored; send again".into())
                    .into(),
            )
        })
    }
}

impl Store for PgStore {
    fn insert_send(&self, send: NewSend) -> Result<SendRecord, StoreError> {
        if send.total_bytes() <= INLINE_SEND_BYTES {
            return self.insert_small(&send);
        }
        // A large send: a statement a file, one file's bytes in memory at a time.
        let bytes = send.total_bytes() as i64;
        let sent_at = ts(send.sent_at);
        self.transaction(|tx| {
            let mut seq = None;
            // The unique index refuses a second live send with this ファイル連番: then the
            // live one's 送信ID is the answer. Had that one been withdrawn or purged between
            // the two statements, the insert is tried again.
            for _ in 0..RETRIES {
                let params: [&(dyn ToSql + Sync); 5] =
                    [&send.sender, &send.receiver, &send.serial, &sent_at, &bytes];
                if let Some(row) = tx.query_opt(INSERT_SEND, &params)? {
                    seq = Some(row.try_get::<_, i64>(0)?);
                    break;
                }
                let live = [
                    &send.sender as &(dyn ToSql + Sync),
                    &send.receiver,
                    &send.serial,
                ];
                if let Some(row) = tx.query_opt(LIVE_SEQ, &live)? {
                    return Err(StoreError::Duplicate(id_of(row.try_get(0)?)).into());
                }
            }
            let seq = seq.ok_or_else(|| {
                StoreError::Backend("PostgreSQL: the send could not be stored; send again".into())
            })?;
            for (pos, f) in send.files.iter().enumerate() {
                let pos = pos as i32;
                let size = f.size as i64;
                tx.execute(INSERT_FILE, &[&seq, &pos, &f.name, &size, &f.sha256])?;
                let body = f
                    .body
                    .read()
                    .map_err(|e| StoreError::Backend(format!("{}: {e}", f.name)))?;
                let body: &[u8] = body.as_ref();
                tx.execute(INSERT_BLOB, &[&seq, &pos, &body])?;
            }
            Ok(inserted(seq, &send, sent_at))
        })
    }

    fn find_live(
        &self,
        sender: &str,
        receiver: &str,
        serial: &str,
    ) -> Result<Option<SendRecord>, StoreError> {
        self.transaction(
            |tx| match tx.query_opt(LIVE_SEQ, &[&sender, &receiver, &serial])? {
                Some(row) => Ok(load(tx, row.try_get(0)?)?),
                None => Ok(None),
            },
        )
    }

    fn get(&self, id: &str) -> Result<Option<SendRecord>, StoreError> {
        match seq_of(id) {
            Some(seq) => self.transaction(|tx| Ok(load(tx, seq)?)),
            None => Ok(None),
        }
    }

    fn sent_by(&self, office: &str, page: &PageRequest) -> Result<Page, StoreError> {
        self.page(sent_by_sql(), office, page)
    }

    fn sent_to(&self, office: &str, page: &PageRequest) -> Result<Page, StoreError> {
        self.page(sent_to_sql(), office, page)
    }

    fn file_bytes(&self, id: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(seq) = seq_of(id) else {
            return Ok(None);
        };
        self.transaction(|tx| match tx.query_opt(READ_FILE, &[&seq, &name])? {
            Some(row) => Ok(Some(row.try_get::<_, Vec<u8>>(0)?)),
            None => Ok(None),
        })
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
        let at = ts(at);
        self.transaction(|tx| {
            // The send's row is locked first, as a withdrawal locks it: of the two, the one
            // that comes second sees what the first did.
            if tx.query_opt(LOCK_LIVE, &[&seq])?.is_none() {
                return Ok(None);
            }
            if tx.execute(MARK_FILE, &[&seq, &name, &at])? == 0 {
                return Ok(None);
            }
            tx.execute(MARK_RECEIVED, &[&seq, &at])?;
            Ok(load(tx, seq)?)
        })
    }

    fn live_bytes(&self, sender: &str, cutoff: OffsetDateTime) -> Result<u64, StoreError> {
        let cutoff = ts(cutoff);
        self.transaction(|tx| {
            let n: i64 = match tx.query_opt(LIVE_BYTES, &[&sender, &cutoff])? {
                Some(row) => row.try_get(0)?,
                None => 0,
            };
            Ok(n.max(0) as u64)
        })
    }

    fn withdraw(&self, id: &str, at: OffsetDateTime) -> Result<SendRecord, StoreError> {
        let seq = seq_of(id).ok_or_else(|| StoreError::NotFound(id.to_string()))?;
        let at = ts(at);
        self.transaction(|tx| {
            if tx.execute(WITHDRAW, &[&seq, &at])? > 0 {
                tx.execute(DELETE_BLOBS, &[&seq])?;
            }
            Ok(load(tx, seq)?.ok_or_else(|| StoreError::NotFound(id.to_string()))?)
        })
    }

    fn purge_before(
        &self,
        cutoff: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let (cutoff, at) = (ts(cutoff), ts(at));
        self.transaction(|tx| {
            // Rows locked in `seq` order, so two hubs purging at once cannot deadlock; a
            // send purged by the other meanwhile drops out of the WHERE.
            let rows = tx.query(
                "SELECT seq FROM sends WHERE sent_at < $1 AND purged_at IS NULL
                 ORDER BY seq FOR UPDATE",
                &[&cutoff],
            )?;
            let seqs = rows
                .iter()
                .map(|r| r.try_get::<_, i64>(0))
                .collect::<Result<Vec<_>, _>>()?;
            if seqs.is_empty() {
                return Ok(0);
            }
            tx.execute("DELETE FROM blobs WHERE send_seq = ANY($1)", &[&seqs])?;
            let n = tx.execute(
                "UPDATE sends SET purged_at = $2 WHERE seq = ANY($1)",
                &[&seqs, &at],
            )?;
            Ok(n as usize)
        })
    }
}

/// These run against the server named by `RENKEI_TEST_POSTGRES` (a URL, as
/// `scripts/postgres.sh` prints it), each store in a fresh schema `t_…` of its own that the
/// test drops at its end; without the variable each test prints that it was skipped.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance::{self, send};
    use crate::store::SendStatus;
    use std::sync::{Arc, Barrier};
    use time::macros::datetime;

    /// The test server's URL, or `None` (and, once per test binary, a line saying that the
    /// PostgreSQL tests were skipped; written past the harness's capture so it shows).
    fn test_url() -> Option<String> {
        match std::env::var("RENKEI_TEST_POSTGRES") {
            Ok(u) if !u.trim().is_empty() => Some(u),
            _ => {
                static SAID: std::sync::Once = std::sync::Once::new();
                SAID.call_once(|| {
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr(),
                        "store::postgres tests skipped: RENKEI_TEST_POSTGRES not set \
                         (RENKEI_TEST_POSTGRES=$(scripts/postgres.sh) cargo test runs them)"
                    );
                });
                None
            }
        }
    }

    /// A schema of a test's own, dropped when the test ends (whether it passed or not).
    struct Scratch {
        url: String,
        schema: String,
    }

    impl Scratch {
        fn new() -> Option<Scratch> {
            let url = test_url()?;
            Some(Scratch {
                url,
                schema: format!("t_{:016x}", rand::random::<u64>()),
            })
        }

        fn store(&self) -> PgStore {
            PgStore::connect_in_schema(&self.url, &self.schema)
                .expect("connect to RENKEI_TEST_POSTGRES")
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            if let Ok(mut c) = self.url.parse::<Config>().and_then(|c| c.connect(NoTls)) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
            }
        }
    }

    #[test]
    fn a_send_goes_from_unreceived_to_received_when_every_file_is_downloaded() {
        let Some(db) = Scratch::new() else { return };
        conformance::a_send_goes_from_unreceived_to_received_when_every_file_is_downloaded(
            &db.store(),
        );
    }

    #[test]
    fn a_second_live_send_with_the_same_serial_is_refused_until_withdrawn() {
        let Some(db) = Scratch::new() else { return };
        conformance::a_second_live_send_with_the_same_serial_is_refused_until_withdrawn(
            &db.store(),
        );
    }

    #[test]
    fn retention_purges_bytes_and_keeps_the_record() {
        let Some(db) = Scratch::new() else { return };
        conformance::retention_purges_bytes_and_keeps_the_record(&db.store());
    }

    #[test]
    fn sends_survive_reconnecting_and_odd_ids_find_nothing() {
        let Some(db) = Scratch::new() else { return };
        let id = db.store().insert_send(send("20261124100000")).unwrap().id;
        let s = db.store();
        assert_eq!(s.get(&id).unwrap().unwrap().files.len(), 2);
        assert_eq!(s.get("S99999999").unwrap(), None);
        assert_eq!(s.get("../etc").unwrap(), None);
        assert_eq!(s.get("S99999999999999999999").unwrap(), None);
        assert_eq!(s.file_bytes("x", "a.CSV").unwrap(), None);
        assert!(matches!(
            s.withdraw("x", OffsetDateTime::UNIX_EPOCH),
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.withdraw("S99999999", OffsetDateTime::UNIX_EPOCH),
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.sent_to(
                "1310102019",
                &PageRequest {
                    after: Some("nope".into()),
                    limit: 1
                }
            ),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn lists_come_in_pages_in_arrival_order() {
        let Some(db) = Scratch::new() else { return };
        conformance::lists_come_in_pages_in_arrival_order(&db.store());
    }

    #[test]
    fn concurrent_sends_are_each_stored_and_answered() {
        let Some(db) = Scratch::new() else { return };
        let s = Arc::new(db.store());
        let ids = conformance::concurrent_sends_each_get_their_own_id(&s);
        assert!(s.lock().open <= POOL_SIZE);
        drop(s);
        let s = db.store();
        for id in &ids {
            assert_eq!(s.get(id).unwrap().unwrap().files.len(), 2, "{id}");
        }
    }

    #[test]
    fn the_quota_counts_live_bytes_only() {
        let Some(db) = Scratch::new() else { return };
        conformance::the_quota_counts_live_bytes_only(&db.store());
    }

    #[test]
    fn small_and_large_sends_read_back_byte_identical() {
        let Some(db) = Scratch::new() else { return };
        conformance::small_and_large_sends_read_back_byte_identical(&db.store());
    }

    #[test]
    fn a_broken_connection_is_replaced() {
        let Some(db) = Scratch::new() else { return };
        // A name of its own, so that only this store's connections are ended below.
        let join = if db.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{join}application_name={}", db.url, db.schema);
        let s = PgStore::connect_in_schema(&url, &db.schema).unwrap();
        let id = s.insert_send(send("20261124100000")).unwrap().id;
        // The server ends every connection of this store (as a restart would).
        let mut admin: Client = db.url.parse::<Config>().unwrap().connect(NoTls).unwrap();
        let ended = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                &[&db.schema],
            )
            .unwrap();
        assert!(!ended.is_empty());
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(s.get(&id).unwrap().unwrap().id, id);
        assert_eq!(
            s.withdraw(&id, OffsetDateTime::UNIX_EPOCH)
                .unwrap()
                .status(),
            SendStatus::Withdrawn
        );
    }

    /// Two stores on one database, as two hub processes have: 8 threads of each store the
    /// same send at once; exactly one is stored, every other answer names it as the duplicate.
    #[test]
    fn two_hubs_racing_the_same_send_store_it_once() {
        let Some(db) = Scratch::new() else { return };
        let hubs = [Arc::new(db.store()), Arc::new(db.store())];
        for round in 0..5 {
            let serial = format!("2026112410000{round}");
            let start = Arc::new(Barrier::new(16));
            let threads: Vec<_> = (0..16)
                .map(|t| {
                    let hub = hubs[t % 2].clone();
                    let start = start.clone();
                    let serial = serial.clone();
                    std::thread::spawn(move || {
                        start.wait();
                        hub.insert_send(send(&serial))
                    })
                })
                .collect();
            let answers: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            let stored: Vec<&SendRecord> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
            assert_eq!(stored.len(), 1, "round {round}: {answers:?}");
            let id = &stored[0].id;
            for a in &answers {
                match a {
                    Ok(r) => assert_eq!(&r.id, id),
                    Err(StoreError::Duplicate(d)) => assert_eq!(d, id),
                    Err(e) => panic!("round {round}: {e}"),
                }
            }
            let listed = hubs[1]
                .sent_by("1310101011", &PageRequest::first())
                .unwrap();
            assert_eq!(listed.sends.len(), round + 1);
        }
    }

    /// A withdrawal in one hub and the last download in the other, at once: exactly one of
    /// them takes effect (the send ends either 取消 or 受信済み, never both).
    #[test]
    fn two_hubs_racing_withdraw_and_download_let_exactly_one_win() {
        let Some(db) = Scratch::new() else { return };
        let hubs = [Arc::new(db.store()), Arc::new(db.store())];
        let t = datetime!(2026-11-24 02:00 UTC);
        let (mut withdrawn, mut received) = (0, 0);
        for round in 0..20 {
            let r = hubs[0]
                .insert_send(send(&format!("202611241{round:05}")))
                .unwrap();
            hubs[1].mark_downloaded(&r.id, "a.CSV", t).unwrap().unwrap();
            let start = Arc::new(Barrier::new(16));
            let threads: Vec<_> = (0..16)
                .map(|i| {
                    let hub = hubs[i % 2].clone();
                    let start = start.clone();
                    let id = r.id.clone();
                    std::thread::spawn(move || {
                        start.wait();
                        let at = t + time::Duration::seconds(i as i64);
                        if i % 2 == 0 {
                            (true, Some(hub.withdraw(&id, at).unwrap()))
                        } else {
                            (false, hub.mark_downloaded(&id, "b.CSV", at).unwrap())
                        }
                    })
                })
                .collect();
            let answers: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            let last = hubs[0].get(&r.id).unwrap().unwrap();
            assert!(
                last.withdrawn_at.is_some() != last.received_at.is_some(),
                "round {round}: {last:?}"
            );
            let downloads = answers.iter().filter(|(w, a)| !w && a.is_some()).count();
            match last.status() {
                SendStatus::Withdrawn => {
                    withdrawn += 1;
                    assert_eq!(downloads, 0, "round {round}");
                    assert_eq!(hubs[1].file_bytes(&r.id, "b.CSV").unwrap(), None);
                    // Every withdrawal answers with the one withdrawal time.
                    for (_, a) in answers.iter().filter(|(w, _)| *w) {
                        assert_eq!(a.as_ref().map(|a| a.withdrawn_at), Some(last.withdrawn_at));
                    }
                }
                SendStatus::Received => {
                    received += 1;
                    assert!(downloads >= 1, "round {round}");
                    for (_, a) in answers.iter().filter(|(w, _)| *w) {
                        assert_eq!(a.as_ref().map(|a| a.status()), Some(SendStatus::Received));
                    }
                }
                other => panic!("round {round}: {other:?}"),
            }
        }
        eprintln!("withdraw vs download: {withdrawn} withdrawn, {received} received");
    }

    #[test]
    fn two_stores_connecting_at_once_create_the_schema_once() {
        let Some(db) = Scratch::new() else { return };
        let db = Arc::new(db);
        let start = Arc::new(Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let db = db.clone();
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    PgStore::connect_in_schema(&db.url, &db.schema).map(|_| ())
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
    }

    #[test]
    fn open_store_picks_the_engine_from_the_spec() {
        use crate::store::open_store;
        let dir = tempfile::tempdir().unwrap();
        let sqlite = open_store("sqlite", dir.path()).unwrap();
        assert!(sqlite.get("S00000001").unwrap().is_none());
        match open_store("mysql://user:secret@127.0.0.1/x", dir.path()) {
            Err(StoreError::Backend(m)) => {
                assert!(m.contains("mysql") && !m.contains("secret"), "{m}")
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
        let Some(url) = test_url() else { return };
        let pg = open_store(&url, dir.path()).unwrap();
        assert!(pg.get("S99999998").unwrap().is_none());
    }

    /// Inserts a second, one thread and 8 threads, PostgreSQL beside the durable SQLite
    /// store: `RENKEI_TEST_POSTGRES=… cargo test --release -p renkei-simulator --lib
    /// measure_inserts -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn measure_inserts() {
        let Some(db) = Scratch::new() else { return };
        let dir = tempfile::tempdir().unwrap();
        let stores: [(&str, Arc<dyn Store>); 2] = [
            ("postgres", Arc::new(db.store())),
            (
                "sqlite",
                Arc::new(crate::store::SqliteStore::open(dir.path()).unwrap()),
            ),
        ];
        for (name, store) in stores {
            for threads in [1usize, 8] {
                let per = 2000 / threads;
                let started = std::time::Instant::now();
                let handles: Vec<_> = (0..threads)
                    .map(|t| {
                        let store = store.clone();
                        std::thread::spawn(move || {
                            for i in 0..per {
                                let mut n = send(&format!("2026{threads}{t:02}{i:08}"));
                                n.receiver = format!("13{t:08}");
                                store.insert_send(n).unwrap();
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.join().unwrap();
                }
                let secs = started.elapsed().as_secs_f64();
                let n = per * threads;
                eprintln!(
                    "{name}: {threads} thread(s), {n} inserts in {secs:.2}s = {:.0}/s",
                    n as f64 / secs
                );
            }
        }
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(plain_identifier("t_0123abcd"));
        assert!(plain_identifier("renkei"));
        for bad in ["", "1abc", "a-b", "A", "a;drop", "a b", &"x".repeat(64)] {
            assert!(!plain_identifier(bad), "{bad}");
        }
        assert!(matches!(
            PgStore::connect_in_schema("postgres://127.0.0.1:1/x", "a;b"),
            Err(StoreError::Backend(_))
        ));
        assert!(matches!(
            PgStore::connect("not a url"),
            Err(StoreError::Backend(_))
        ));
    }
}
