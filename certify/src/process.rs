//! Running the adapter as a child process: its own process group, standard input closed, a
//! fresh working folder, a timeout, and bounded capture of what it prints (both pipes are
//! drained on their own threads, so a chatty adapter can never block on a full pipe).
//! On a timeout the whole process group is killed, so a vendor's program started by the
//! adapter does not outlive the case.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
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
    let out = Captured::start(child.stdout.take(), STDOUT_LIMIT);
    let err = Captured::start(child.stderr.take(), STDERR_LIMIT);
    let status = match child.wait_timeout(timeout) {
        Ok(Some(s)) => Some(s),
        Ok(None) | Err(_) => None,
    };
    if status.is_none() {
        kill_group(&child);
        let _ = child.kill();
        let _ = child.wait();
    }
    if !both_done(&out, &err, PIPE_GRACE) {
        // Something the adapter started still holds its output: that goes too. A process
        // that left the group (setsid) cannot be reached; its pipes are abandoned after a
        // second grace, and the call returns what was read.
        kill_group(&child);
        both_done(&out, &err, PIPE_GRACE);
    }
    let (stdout, stdout_cut) = out.take();
    let (stderr, stderr_cut) = err.take();
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

fn both_done(a: &Captured, b: &Captured, grace: Duration) -> bool {
    let until = Instant::now() + grace;
    loop {
        if a.is_done() && b.is_done() {
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

/// A pipe read to its end on its own thread, keeping the first `limit` bytes. What was read
/// so far can be taken at any time, so an abandoned pipe never blocks the caller.
struct Captured {
    state: Arc<Mutex<(Vec<u8>, bool, bool)>>,
}

impl Captured {
    fn start(pipe: Option<impl Read + Send + 'static>, limit: usize) -> Captured {
        let state = Arc::new(Mutex::new((Vec::new(), false, pipe.is_none())));
        if let Some(mut pipe) = pipe {
            let shared = state.clone();
            thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    let n = match pipe.read(&mut buf) {
                        Ok(0) | Err(_) => 0,
                        Ok(n) => n,
                    };
                    let Ok(mut s) = shared.lock() else { return };
                    if n == 0 {
                        s.2 = true;
                        return;
                    }
                    let room = limit.saturating_sub(s.0.len());
                    s.0.extend_from_slice(&buf[..n.min(room)]);
                    s.1 |= n > room;
                }
            });
        }
        Captured { state }
    }

    fn is_done(&self) -> bool {
        self.state.lock().map_or(true, |s| s.2)
    }

    /// What was read (and whether more was cut off).
    fn take(&self) -> (Vec<u8>, bool) {
        self.state
            .lock()
            .map(|mut s| (std::mem::take(&mut s.0), s.1))
            .unwrap_or_default()
    }
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
    fn a_process_that_left_the_group_does_not_hang_the_call() {
        if std::process::Command::new("setsid")
            .arg("--version")
            .output()
            .is_err()
        {
            return;
        }
        let f = sh("setsid sleep 30 & echo bye", 5000);
        assert_eq!(f.code(), Some(0));
        assert_eq!(f.stdout, b"bye\n");
        assert!(f.elapsed < Duration::from_secs(10), "{:?}", f.elapsed);
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
