//! Running the adapter as a child process: its own process group, standard input closed, a
//! fresh working folder, a timeout, and bounded capture of what it prints (both pipes are
//! drained on their own threads, so a chatty adapter can never block on a full pipe).
//! On a timeout the whole process group is killed, so a vendor's program started by the
//! adapter does not outlive the case.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// How much of standard output is kept (a capabilities answer is small).
pub const STDOUT_LIMIT: usize = 1 << 20;
/// How much of standard error is kept as evidence.
pub const STDERR_LIMIT: usize = 4 * 1024;

/// What a finished (or killed) child left behind.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The exit status; `None` when it was killed at the timeout.
    pub status: Option<ExitStatus>,
    /// Standard output, at most [`STDOUT_LIMIT`] bytes.
    pub stdout: Vec<u8>,
    /// Whether standard output was longer than what was kept.
    pub stdout_cut: bool,
    /// Standard error, at most [`STDERR_LIMIT`] bytes, as text (lossy).
    pub stderr: String,
    /// How long it ran.
    pub elapsed: Duration,
}

impl Finished {
    /// Whether it ran out of time.
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }

    /// The exit code, when it exited by itself with one.
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
}

/// The child could not be started at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot start `{program}`: {source}")]
pub struct SpawnError {
    /// The program named first in the adapter command.
    pub program: String,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Runs `argv` in `cwd` with a timeout; see the module doc.
pub fn run(argv: &[String], cwd: &Path, timeout: Duration) -> Result<Finished, SpawnError> {
    let (program, args) = argv.split_first().ok_or_else(|| SpawnError {
        program: String::new(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"),
    })?;
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|source| SpawnError {
            program: program.clone(),
            source,
        })?;
    let out = child.stdout.take().map(|p| drain(p, STDOUT_LIMIT));
    let err = child.stderr.take().map(|p| drain(p, STDERR_LIMIT));
    let status = match child.wait_timeout(timeout) {
        Ok(Some(s)) => Some(s),
        Ok(None) | Err(_) => None,
    };
    if status.is_none() {
        kill_group(&child);
        let _ = child.kill();
        let _ = child.wait();
    } else if !finished_within(&[&out, &err], PIPE_GRACE) {
        // Something the adapter started still holds its output: that goes too.
        kill_group(&child);
    }
    let (stdout, stdout_cut) = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let (stderr, stderr_cut) = err.and_then(|h| h.join().ok()).unwrap_or_default();
    let mut stderr = String::from_utf8_lossy(&stderr).into_owned();
    if stderr_cut {
        stderr.push_str("\n… (cut)");
    }
    Ok(Finished {
        status,
        stdout,
        stdout_cut,
        stderr,
        elapsed: started.elapsed(),
    })
}

/// How long a process the adapter left behind may keep its pipes open after it exited.
const PIPE_GRACE: Duration = Duration::from_secs(2);

fn finished_within<T>(readers: &[&Option<thread::JoinHandle<T>>], grace: Duration) -> bool {
    let until = Instant::now() + grace;
    loop {
        if readers
            .iter()
            .all(|r| !matches!(r, Some(h) if !h.is_finished()))
        {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

fn kill_group(child: &std::process::Child) {
    let pid = rustix::process::Pid::from_child(child);
    // ESRCH (nothing left in the group) is the normal case.
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
}

/// Reads a pipe to its end on a thread, keeping the first `limit` bytes.
fn drain(
    mut pipe: impl Read + Send + 'static,
    limit: usize,
) -> thread::JoinHandle<(Vec<u8>, bool)> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut cut = false;
        let mut buf = [0u8; 8192];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = limit.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                    cut |= n > room;
                }
            }
        }
        (kept, cut)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout_ms: u64) -> Finished {
        let dir = tempfile::tempdir().unwrap();
        run(
            &["sh".into(), "-c".into(), script.into()],
            dir.path(),
            Duration::from_millis(timeout_ms),
        )
        .unwrap()
    }

    #[test]
    fn keeps_output_and_exit_code() {
        let f = sh("echo out; echo err >&2; exit 3", 5000);
        assert_eq!(f.code(), Some(3));
        assert_eq!(f.stdout, b"out\n");
        assert_eq!(f.stderr, "err\n");
    }

    #[test]
    fn a_hang_is_killed_with_its_children() {
        let f = sh("sleep 30 & sleep 30", 300);
        assert!(f.timed_out());
        assert!(f.elapsed < Duration::from_secs(10), "{:?}", f.elapsed);
    }

    #[test]
    fn a_leftover_child_holding_the_pipes_is_killed_after_the_grace() {
        let f = sh("sleep 30 & echo bye", 5000);
        assert_eq!(f.code(), Some(0));
        assert_eq!(f.stdout, b"bye\n");
        assert!(f.elapsed < Duration::from_secs(10), "{:?}", f.elapsed);
    }

    #[test]
    fn a_flood_is_cut_not_buffered() {
        let f = sh(
            "head -c 3000000 /dev/zero; head -c 100000 /dev/zero >&2",
            10_000,
        );
        assert_eq!(f.code(), Some(0));
        assert!(f.stdout_cut);
        assert_eq!(f.stdout.len(), STDOUT_LIMIT);
        assert!(f.stderr.ends_with("(cut)"));
    }

    #[test]
    fn stdin_is_closed() {
        let f = sh("cat; echo done", 5000);
        assert_eq!(f.stdout, b"done\n");
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let dir = tempfile::tempdir().unwrap();
        let e = run(
            &["/nonexistent/adapter".into()],
            dir.path(),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/adapter"));
    }
}
