//! `--chaos "kill-hub every 30s"`: for a hub this run started (`renkei hub serve` as a child
//! process on a loopback port, on a durable store in a temporary folder), kill it with
//! SIGKILL every interval and start it again on the same data. The offices keep retrying
//! (a repeated send is a replay), and the reconciliation must still hold for every
//! acknowledged send. Before the reconciliation the chaos stops and the hub is up.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::process::{Child, Command};

/// Why the chaos could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ChaosError {
    /// The chaos spec is not one this tool knows.
    #[error("--chaos「{0}」: 使えるのは \"kill-hub every <時間>\"（例: kill-hub every 30s）です")]
    Spec(String),
    /// The hub could not be started or did not listen in time.
    #[error("renkei hub serve を起動できません: {0}")]
    Start(String),
}

/// What the chaos does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chaos {
    /// Time between kills.
    pub every: Duration,
}

impl std::fmt::Display for Chaos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "kill-hub every {}s", self.every.as_secs_f64())
    }
}

impl Chaos {
    /// Parses `kill-hub every 30s`.
    pub fn parse(s: &str) -> Result<Chaos, ChaosError> {
        let words: Vec<&str> = s.split_whitespace().collect();
        match words.as_slice() {
            ["kill-hub", "every", t] => {
                let every =
                    crate::play::parse_duration(t).map_err(|_| ChaosError::Spec(s.to_string()))?;
                if every < Duration::from_secs(1) {
                    return Err(ChaosError::Spec(s.to_string()));
                }
                Ok(Chaos { every })
            }
            _ => Err(ChaosError::Spec(s.to_string())),
        }
    }
}

/// What the chaos did (load.json's `chaos`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ChaosFacts {
    /// The chaos asked for.
    pub spec: String,
    /// Kills (SIGKILL) of the hub.
    pub kills: u64,
    /// Wall time the hub was down in all (kill to listening again), s.
    pub down_s: f64,
}

/// A `renkei hub serve` child on a loopback port.
pub struct Served {
    program: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Served {
    /// Starts `program hub serve` on the folder of `renkei load init`.
    pub async fn start(program: &Path, dir: &Path) -> Result<Served, ChaosError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| ChaosError::Start(e.to_string()))?
            .port();
        let mut s = Served {
            program: program.to_path_buf(),
            dir: dir.to_path_buf(),
            port,
            child: None,
        };
        s.spawn().await?;
        Ok(s)
    }

    /// The hub's URL.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    async fn spawn(&mut self) -> Result<(), ChaosError> {
        let child = Command::new(&self.program)
            .arg("hub")
            .arg("serve")
            .arg("--world")
            .arg(self.dir.join("world.toml"))
            .arg("--pki")
            .arg(&self.dir)
            .arg("--data")
            .arg(self.dir.join("data"))
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| ChaosError::Start(format!("{}: {e}", self.program.display())))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    return Err(ChaosError::Start(format!("終了しました ({status})")));
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(ChaosError::Start(
            "30 秒以内に待ち受けを始めませんでした".into(),
        ))
    }

    async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.start_kill();
            let _ = c.wait().await;
        }
    }
}

struct State {
    served: tokio::sync::Mutex<Served>,
    facts: Mutex<ChaosFacts>,
    stop: tokio::sync::watch::Sender<bool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// The chaos loop around a served hub.
#[derive(Clone)]
pub struct Runner {
    state: Arc<State>,
}

impl Runner {
    /// Starts killing and restarting `served` as `chaos` says.
    pub fn start(served: Served, chaos: Chaos) -> Runner {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let state = Arc::new(State {
            served: tokio::sync::Mutex::new(served),
            facts: Mutex::new(ChaosFacts {
                spec: chaos.to_string(),
                ..ChaosFacts::default()
            }),
            stop,
            task: Mutex::new(None),
        });
        let s2 = state.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(chaos.every) => {}
                    _ = stopped.changed() => return,
                }
                let mut served = s2.served.lock().await;
                let down = Instant::now();
                served.kill().await;
                let restarted = served.spawn().await;
                let mut f = s2.facts.lock().unwrap_or_else(|e| e.into_inner());
                f.kills += 1;
                f.down_s += down.elapsed().as_secs_f64();
                if restarted.is_err() {
                    return;
                }
            }
        });
        *state.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        Runner { state }
    }

    /// Stops the chaos and makes sure the hub is up (for the reconciliation).
    pub async fn stop(&self) {
        let _ = self.state.stop.send(true);
        let task = self
            .state
            .task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(t) = task {
            let _ = t.await;
        }
        let mut served = self.state.served.lock().await;
        let alive = match served.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        };
        if !alive {
            let _ = served.spawn().await;
        }
    }

    /// What the chaos did.
    pub fn facts(&self) -> ChaosFacts {
        self.state
            .facts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops the chaos and the hub.
    pub async fn shutdown(&self) {
        self.stop().await;
        self.state.served.lock().await.kill().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kill_hub_every_a_duration_is_known() {
        assert_eq!(
            Chaos::parse("kill-hub every 30s").expect("parses").every,
            Duration::from_secs(30)
        );
        for bad in [
            "kill-hub",
            "kill-db every 3s",
            "kill-hub every soon",
            "kill-hub every 10ms",
        ] {
            assert!(Chaos::parse(bad).is_err(), "{bad}");
        }
    }
}
