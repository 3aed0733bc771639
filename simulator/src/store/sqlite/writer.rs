//! The SQLite store's writes: two threads in a pipeline.
//!
//! The **bytes stage** takes the writes that queued while it was busy (a group), appends
//! their segment bytes (a large send's files) to the current segment and flushes the segment
//! once for the group — not at all when nothing was appended (a group of small sends, whose
//! bytes go in with their rows, and of other writes). The **rows stage** then runs the
//! group's rows in one transaction, each write in a savepoint of its own (a failing write
//! leaves the others alone), commits, and answers each caller. While the rows stage commits
//! one group, the bytes stage already flushes the next: a large send waits for two flushes,
//! a small one for the commit's only. Bytes always reach the disk before the rows that point
//! at them.

use std::sync::mpsc;
use std::sync::Mutex;

use rusqlite::Connection;

use super::super::segments::SegmentLog;
use super::super::StoreError;

/// Most writes one group holds.
const MAX_GROUP: usize = 256;

const STOPPED: &str = "保管領域の書き込みスレッドが止まっています";
const ABORTED: &str = "保管領域のトランザクションが中断されました";

/// What a write's rows are written with.
pub struct Tx<'a> {
    /// The rows stage's connection, inside the group's transaction.
    pub conn: &'a Connection,
    /// No segment below this one holds bytes that are not committed yet: only those may be
    /// removed by this transaction.
    pub floor: i64,
}

/// A write as the bytes stage runs it: appends its bytes, and hands the rows stage the rest.
type Job = Box<dyn FnOnce(&mut SegmentLog) -> Staged + Send>;
/// A write as the rows stage runs it, inside the transaction (or told why there is none);
/// what it returns is called with the outcome of the commit.
type Staged = Box<dyn for<'a> FnOnce(Result<&Tx<'a>, StoreError>) -> Done + Send>;
type Done = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// A group whose bytes are on the disk, on its way to the rows stage.
struct Batch {
    staged: Vec<Staged>,
    floor: i64,
}

/// The store's side of the pipeline: where writes are queued.
pub struct Writer {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl Writer {
    /// Starts both stages: the bytes stage owns the segment log, the rows stage the
    /// connection. They end when the writer is dropped.
    pub fn start(conn: Connection, log: SegmentLog) -> Result<Writer, StoreError> {
        let (jobs, queued) = mpsc::channel::<Job>();
        let (batches, flushed) = mpsc::channel::<Batch>();
        let spawn = |name: &str, f: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name.into())
                .spawn(f)
                .map(|_| ())
                .map_err(|e| StoreError::Backend(e.to_string()))
        };
        spawn(
            "renkei-store-rows",
            Box::new(move || rows_loop(conn, flushed)),
        )?;
        spawn(
            "renkei-store-bytes",
            Box::new(move || bytes_loop(log, queued, batches)),
        )?;
        Ok(Writer {
            jobs: Mutex::new(jobs),
        })
    }

    /// Runs one write through both stages and waits for its commit: `bytes` with the
    /// segment log (appending files), then `rows` with what it returned, in a savepoint.
    pub fn write<P, T>(
        &self,
        bytes: impl FnOnce(&mut SegmentLog) -> Result<P, StoreError> + Send + 'static,
        rows: impl FnOnce(&Tx<'_>, P) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError>
    where
        P: Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = mpsc::sync_channel::<Result<T, StoreError>>(1);
        let job: Job = Box::new(move |log| {
            let appended = bytes(log);
            Box::new(move |tx: Result<&Tx<'_>, StoreError>| {
                let outcome =
                    tx.and_then(|tx| appended.and_then(|p| in_savepoint(tx.conn, || rows(tx, p))));
                Box::new(move |commit: Result<(), StoreError>| {
                    let _ = answer.send(commit.and(outcome));
                }) as Done
            }) as Staged
        });
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job)
            .map_err(|_| StoreError::Backend(STOPPED.into()))?;
        answered
            .recv()
            .map_err(|_| StoreError::Backend(STOPPED.into()))?
    }
}

fn in_savepoint<T>(
    conn: &Connection,
    f: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let backend = |e: rusqlite::Error| StoreError::Backend(e.to_string());
    conn.execute_batch("SAVEPOINT one").map_err(backend)?;
    let out = f();
    let end = if out.is_ok() {
        "RELEASE one"
    } else {
        "ROLLBACK TO one; RELEASE one"
    };
    conn.execute_batch(end).map_err(backend)?;
    out
}

/// The first item and every item queued behind it, up to [`MAX_GROUP`].
fn take_group<T>(first: T, queue: &mpsc::Receiver<T>) -> Vec<T> {
    let mut group = vec![first];
    while group.len() < MAX_GROUP {
        match queue.try_recv() {
            Ok(j) => group.push(j),
            Err(_) => break,
        }
    }
    group
}

/// Answers every write of a group with the same failure, without running its rows.
fn fail(staged: Vec<Staged>, why: &str) {
    for s in staged {
        s(Err(StoreError::Backend(why.to_string())))(Ok(()));
    }
}

/// The bytes stage: appends a group's files, flushes the segment, passes the group on.
fn bytes_loop(mut log: SegmentLog, jobs: mpsc::Receiver<Job>, rows: mpsc::Sender<Batch>) {
    while let Ok(first) = jobs.recv() {
        let staged: Vec<Staged> = take_group(first, &jobs)
            .into_iter()
            .map(|job| job(&mut log))
            .collect();
        if let Err(e) = log.sync() {
            fail(staged, &format!("{}: {e}", log.dir().display()));
            continue;
        }
        let batch = Batch {
            staged,
            floor: log.current_id(),
        };
        if let Err(mpsc::SendError(batch)) = rows.send(batch) {
            fail(batch.staged, STOPPED);
        }
    }
}

/// The rows stage: runs the groups that are flushed (all that queued, together) in one
/// transaction and answers each write after the commit.
fn rows_loop(conn: Connection, batches: mpsc::Receiver<Batch>) {
    while let Ok(first) = batches.recv() {
        // The earliest group's floor holds for all: later groups only append above it.
        let floor = first.floor;
        let mut staged = first.staged;
        while staged.len() < MAX_GROUP {
            match batches.try_recv() {
                Ok(b) => staged.extend(b.staged),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            fail(staged, &e.to_string());
            continue;
        }
        let done = run_group(&Tx { conn: &conn, floor }, staged);
        let outcome = commit(&conn);
        for d in done {
            d(outcome.clone().map_err(StoreError::Backend));
        }
    }
}

/// Runs each write's rows in the transaction. After an error that made SQLite roll the
/// whole transaction back (I/O, memory), the rest are not run in transactions of their own:
/// they are answered with the failure.
fn run_group(tx: &Tx<'_>, group: Vec<Staged>) -> Vec<Done> {
    let mut done: Vec<Done> = Vec::with_capacity(group.len());
    let mut jobs = group.into_iter();
    for job in jobs.by_ref() {
        done.push(job(Ok(tx)));
        if tx.conn.is_autocommit() {
            break;
        }
    }
    for job in jobs {
        done.push(job(Err(StoreError::Backend(ABORTED.into()))));
    }
    done
}

/// Commits the group's transaction (rolled back on failure).
fn commit(conn: &Connection) -> Result<(), String> {
    if conn.is_autocommit() {
        return Err(ABORTED.into());
    }
    let outcome = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
    if outcome.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    outcome
}
