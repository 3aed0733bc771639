//! The bytes of the SQLite store's large sends: append-only segment files beside the
//! database.
//!
//! The database holds what a send is (its rows, and the bytes of a small send, see
//! `sqlite/mod.rs`); a large send's files' bytes are appended to the current segment
//! (`hub-files/00000001.seg`, …) by the writer's bytes stage, which flushes the segment to
//! disk once per group, before the commit that records where the bytes are. So those bytes
//! are written once, sequentially, with one fsync for the whole group, and the database (and
//! its WAL and checkpoints) never carries a large send's bytes.
//!
//! Crash rules: a segment may hold bytes past the last commit (a group that never
//! committed); on open they are cut off ([`SegmentLog::open`]). A segment file with no row in
//! the `segments` table was never committed to or was emptied; it is removed on open. A
//! segment is removed once every file in it belongs to a withdrawn or purged send (and it is
//! not the one being written); until then a withdrawn send's bytes stay in it, unreachable.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::FileBody;

/// (assumed) A segment is closed for writing once it holds this many bytes; the next group
/// starts a new one.
pub const SEGMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Where one file's bytes are: which segment, from which byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The segment's number.
    pub segment: i64,
    /// The offset of the file's first byte in it.
    pub offset: u64,
}

/// The segment being written.
struct Current {
    id: i64,
    file: File,
    len: u64,
    /// Appended to since the last [`SegmentLog::sync`].
    dirty: bool,
    /// Created since the last sync: its folder entry must reach the disk too.
    created: bool,
}

/// The writer thread's side of the segments: appends and flushes.
pub struct SegmentLog {
    dir: PathBuf,
    durable: bool,
    /// The size at which a segment is closed ([`SEGMENT_BYTES`] but in tests).
    roll_at: u64,
    current: Current,
}

/// The path of segment `id` in `dir`.
pub fn segment_path(dir: &Path, id: i64) -> PathBuf {
    dir.join(format!("{id:08}.seg"))
}

fn segment_id(name: &str) -> Option<i64> {
    name.strip_suffix(".seg")
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
}

impl SegmentLog {
    /// Opens the segments in `dir` (created if missing). `committed` lists each segment the
    /// database knows with the end of its last committed byte; the highest is written on.
    /// Bytes past a segment's committed end are cut off, and segment files the database does
    /// not know are removed.
    pub fn open(
        dir: &Path,
        durable: bool,
        committed: &[(i64, u64)],
        roll_at: u64,
    ) -> io::Result<SegmentLog> {
        std::fs::create_dir_all(dir)?;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(segment_id) else {
                continue;
            };
            if !committed.iter().any(|(c, _)| *c == id) {
                std::fs::remove_file(entry.path())?;
            }
        }
        let (id, end) = committed.iter().copied().max().unwrap_or((1, 0));
        let path = segment_path(dir, id);
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(&path)?;
        let len = file.metadata()?.len();
        if len > end {
            file.set_len(end)?;
        }
        if len < end {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{}: {len} bytes, but the database has files up to byte {end}",
                    path.display()
                ),
            ));
        }
        let mut log = SegmentLog {
            dir: dir.to_path_buf(),
            durable,
            roll_at,
            current: Current {
                id,
                file,
                len: end,
                dirty: len > end,
                created: len == 0,
            },
        };
        log.sync()?;
        Ok(log)
    }

    /// The segment being written (never removed).
    pub fn current_id(&self) -> i64 {
        self.current.id
    }

    /// The folder of the segments.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts a new segment when the current one is full, at a group's first append only, so
    /// the files of one group share a segment.
    fn roll_if_full(&mut self) -> io::Result<()> {
        if self.current.dirty || self.current.len < self.roll_at {
            return Ok(());
        }
        self.sync()?;
        let id = self.current.id + 1;
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(true)
            .open(segment_path(&self.dir, id))?;
        self.current = Current {
            id,
            file,
            len: 0,
            dirty: false,
            created: true,
        };
        Ok(())
    }

    /// Appends one file's bytes (streamed from where the upload left them) and says where
    /// they are. `size` is the size the upload counted; a body of another length is an error.
    pub fn append(&mut self, body: &FileBody, size: u64) -> io::Result<Location> {
        self.roll_if_full()?;
        let at = Location {
            segment: self.current.id,
            offset: self.current.len,
        };
        self.current.file.seek(SeekFrom::Start(at.offset))?;
        self.current.dirty = true;
        let written = body.copy_to(&mut self.current.file)?;
        if written != size {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the file has {written} bytes, {size} were counted"),
            ));
        }
        self.current.len += written;
        Ok(at)
    }

    /// Flushes what was appended (and a new segment's folder entry) to the disk; the
    /// writer calls it before the commit that records the bytes' locations.
    pub fn sync(&mut self) -> io::Result<()> {
        if !self.durable {
            self.current.dirty = false;
            self.current.created = false;
            return Ok(());
        }
        if self.current.dirty {
            self.current.file.flush()?;
            self.current.file.sync_data()?;
            self.current.dirty = false;
        }
        if self.current.created {
            File::open(&self.dir)?.sync_all()?;
            self.current.created = false;
        }
        Ok(())
    }
}

/// Reads `size` bytes of a file at `at`. A segment that is gone (removed since the caller
/// looked the file up: its send was just withdrawn or purged) reads as `None`.
pub fn read(dir: &Path, at: Location, size: u64) -> io::Result<Option<Vec<u8>>> {
    use std::os::unix::fs::FileExt;
    let file = match File::open(segment_path(dir, at.segment)) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = usize::try_from(size)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "file too large to read"))?;
    let mut out = vec![0; len];
    file.read_exact_at(&mut out, at.offset)?;
    Ok(Some(out))
}

/// Removes segments the database no longer has files in (after the commit that said so).
/// A segment that cannot be removed now is removed on the next open.
pub fn remove(dir: &Path, ids: &[i64]) {
    for id in ids {
        let _ = std::fs::remove_file(segment_path(dir, *id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_past_the_committed_end_are_cut_off_and_unknown_segments_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SegmentLog::open(dir.path(), true, &[], SEGMENT_BYTES).unwrap();
        let a = log.append(&FileBody::Memory(b"first".to_vec()), 5).unwrap();
        log.sync().unwrap();
        // A group that never committed.
        log.append(&FileBody::Memory(b"lost".to_vec()), 4).unwrap();
        drop(log);
        std::fs::write(segment_path(dir.path(), 7), b"never committed").unwrap();

        let log = SegmentLog::open(dir.path(), true, &[(1, 5)], SEGMENT_BYTES).unwrap();
        assert_eq!(log.current_id(), 1);
        assert_eq!(read(dir.path(), a, 5).unwrap().unwrap(), b"first");
        assert_eq!(
            std::fs::metadata(segment_path(dir.path(), 1))
                .unwrap()
                .len(),
            5
        );
        assert!(!segment_path(dir.path(), 7).exists());
    }

    #[test]
    fn a_segment_shorter_than_the_database_says_is_an_error_not_a_silent_loss() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(segment_path(dir.path(), 1), b"abc").unwrap();
        let e = SegmentLog::open(dir.path(), true, &[(1, 10)], SEGMENT_BYTES)
            .err()
            .expect("refused");
        assert!(e.to_string().contains("up to byte 10"), "{e}");
    }

    #[test]
    fn a_body_of_another_length_than_counted_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SegmentLog::open(dir.path(), false, &[], SEGMENT_BYTES).unwrap();
        assert!(log.append(&FileBody::Memory(b"abc".to_vec()), 4).is_err());
    }

    #[test]
    fn a_removed_segment_reads_as_gone() {
        let dir = tempfile::tempdir().unwrap();
        let at = Location {
            segment: 3,
            offset: 0,
        };
        assert_eq!(read(dir.path(), at, 1).unwrap(), None);
    }
}
