//! The adapter contract `renkei-adapter/1` (docs/ADAPTER.md, word for word): how renkei calls
//! a vendor's adapter, and how it reads what the adapter answered. The adapter reports only
//! what its software did; deciding whether that was right is [`crate::judge`]'s job.

use std::path::{Path, PathBuf};
use std::time::Duration;

use renkei_spec::model::SendUnit;
use serde::{Deserialize, Serialize};

use crate::process::{self, Finished};

/// The contract's name, as `capabilities` must declare it.
pub const CONTRACT: &str = "renkei-adapter/1";
/// The exit code that means "not supported": the case is UNSUPPORTED, never FAIL.
pub const EXIT_UNSUPPORTED: i32 = 89;
/// The default time one call may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest import answer read (a month of 予定 for many users is a few MB of JSON).
pub const MAX_ANSWER_BYTES: u64 = 64 << 20;

/// What `ADAPTER capabilities` declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Always [`CONTRACT`].
    pub contract: String,
    /// Who makes the software.
    pub vendor: String,
    /// The software's name.
    pub product: String,
    /// The software's version.
    pub version: String,
    /// The roles it plays: `kyotaku` (居宅介護支援事業所), `provider` (サービス事業所),
    /// `yobo` (地域包括支援センター等, 介護予防支援).
    pub roles: Vec<String>,
    /// The revisions of the standard it reads and writes (`4.1`, `3.2`).
    pub revisions: Vec<String>,
    /// The file kinds it exports (`UPPLAN`, …).
    pub export: Vec<String>,
    /// The file kinds it imports.
    pub import: Vec<String>,
}

/// The three roles of the standard's `from`/`to` columns.
pub const ROLES: [&str; 3] = ["kyotaku", "provider", "yobo"];

impl Capabilities {
    /// Checks what the contract requires of the declaration itself.
    pub fn check(&self) -> Result<(), String> {
        if self.contract != CONTRACT {
            return Err(format!(
                "\"contract\" is {:?}, expected {CONTRACT:?}",
                self.contract
            ));
        }
        if let Some(r) = self.roles.iter().find(|r| !ROLES.contains(&r.as_str())) {
            return Err(format!(
                "unknown role {r:?} (roles are {})",
                ROLES.join(", ")
            ));
        }
        let std = renkei_spec::Standard::get();
        if let Some(r) = self.revisions.iter().find(|r| std.revision(r).is_none()) {
            return Err(format!("unknown revision {r:?}"));
        }
        let known = |k: &String| std.revisions.iter().any(|r| r.file(k).is_some());
        if let Some(k) = self.export.iter().chain(&self.import).find(|k| !known(k)) {
            return Err(format!("unknown file kind {k:?}"));
        }
        Ok(())
    }
}

/// How a call went wrong, in the contract's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// Exit 89.
    #[error("the adapter does not support this (exit 89)")]
    Unsupported,
    /// The adapter ran out of time.
    #[error("no answer within {0:?} (killed)")]
    Timeout(Duration),
    /// Another non-zero exit, or killed by a signal.
    #[error("exit {}", .0.map_or("by a signal".to_string(), |c| c.to_string()))]
    Exit(Option<i32>),
    /// It could not be started.
    #[error("{0}")]
    Spawn(String),
    /// It exited 0 but its answer is not what the contract says.
    #[error("{0}")]
    Contract(String),
}

/// A call's failure with the adapter's standard error (evidence).
#[derive(Debug, Clone)]
pub struct Failed {
    /// What went wrong.
    pub error: CallError,
    /// Its standard error, cut to a few KB.
    pub stderr: String,
}

/// What an import answered.
#[derive(Debug, Clone)]
pub enum Imported {
    /// The software holds this (the canonical JSON it wrote).
    Unit(Box<SendUnit>),
    /// The software refused the unit, with its reason.
    Rejected(String),
}

/// A vendor's adapter: the command, split as a shell splits words.
#[derive(Debug, Clone)]
pub struct Adapter {
    argv: Vec<String>,
    command: String,
    timeout: Duration,
}

impl Adapter {
    /// Splits `command` as a shell would (`python3 my_adapter.py --profile test`).
    pub fn new(command: &str, timeout: Duration) -> Result<Adapter, String> {
        let argv = shlex::split(command)
            .ok_or_else(|| format!("--adapter {command:?}: unbalanced quotes"))?;
        if argv.is_empty() {
            return Err("--adapter is empty".into());
        }
        let argv = argv
            .into_iter()
            .enumerate()
            .map(|(i, w)| anchor(i, w))
            .collect();
        Ok(Adapter {
            argv,
            command: command.to_string(),
            timeout,
        })
    }

    /// The command as given.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Runs `ADAPTER args…` in a fresh working folder.
    fn call(&self, args: &[&str]) -> Result<Finished, Failed> {
        let work = tempfile::Builder::new()
            .prefix("renkei-adapter-")
            .tempdir()
            .map_err(|e| Failed {
                error: CallError::Spawn(format!("no working folder: {e}")),
                stderr: String::new(),
            })?;
        let mut argv = self.argv.clone();
        argv.extend(args.iter().map(|a| a.to_string()));
        let f = process::run(&argv, work.path(), self.timeout).map_err(|e| Failed {
            error: CallError::Spawn(e.to_string()),
            stderr: String::new(),
        })?;
        let fail = |error| {
            Err(Failed {
                error,
                stderr: f.stderr.clone(),
            })
        };
        if f.timed_out() {
            return fail(CallError::Timeout(self.timeout));
        }
        match f.code() {
            Some(0) => Ok(f),
            Some(EXIT_UNSUPPORTED) => fail(CallError::Unsupported),
            other => fail(CallError::Exit(other)),
        }
    }

    /// `ADAPTER capabilities`.
    pub fn capabilities(&self) -> Result<(Capabilities, serde_json::Value), Failed> {
        let f = self.call(&["capabilities"])?;
        let contract = |m: String| Failed {
            error: CallError::Contract(m),
            stderr: f.stderr.clone(),
        };
        if f.stdout_cut {
            return Err(contract("the answer is over 1 MiB".into()));
        }
        let text = std::str::from_utf8(&f.stdout)
            .map_err(|_| contract("standard output is not UTF-8".into()))?;
        let raw: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| contract(format!("not one JSON object: {e}")))?;
        let caps: Capabilities =
            serde_json::from_value(raw.clone()).map_err(|e| contract(e.to_string()))?;
        caps.check().map_err(|e| contract(e.to_string()))?;
        Ok((caps, raw))
    }

    /// `ADAPTER export --unit FILE --out DIR` for `unit`: its canonical JSON in a scratch
    /// folder, DIR empty; returns the files the adapter wrote (name, bytes).
    pub fn export(&self, unit: &SendUnit) -> Result<Vec<(String, Vec<u8>)>, Failed> {
        let local = |e: String| Failed {
            error: CallError::Spawn(format!("scratch folder: {e}")),
            stderr: String::new(),
        };
        let work = scratch().map_err(local)?;
        let (file, out) = (work.path().join("unit.json"), work.path().join("out"));
        let json = unit.to_json_string().map_err(|e| local(e.to_string()))?;
        std::fs::write(&file, json)
            .and_then(|_| std::fs::create_dir(&out))
            .map_err(|e| local(e.to_string()))?;
        let f = self.call(&[
            "export",
            "--unit",
            &file.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
        ])?;
        read_dir_files(&out).map_err(|e| Failed {
            error: CallError::Contract(e),
            stderr: f.stderr,
        })
    }

    /// `ADAPTER import --unit DIR --out FILE` for `files`, written into a scratch DIR.
    pub fn import(&self, files: &[(String, Vec<u8>)]) -> Result<ImportAnswer, Failed> {
        let local = |e: String| Failed {
            error: CallError::Spawn(format!("scratch folder: {e}")),
            stderr: String::new(),
        };
        let work = scratch().map_err(local)?;
        let (dir, out) = (work.path().join("unit"), work.path().join("import.json"));
        std::fs::create_dir(&dir).map_err(|e| local(e.to_string()))?;
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).map_err(|e| local(format!("{name}: {e}")))?;
        }
        let f = self.call(&[
            "import",
            "--unit",
            &dir.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
        ])?;
        let contract = |m: String| Failed {
            error: CallError::Contract(m),
            stderr: f.stderr.clone(),
        };
        let text = read_answer(&out).map_err(&contract)?;
        let imported = parse_import(&text).map_err(contract)?;
        Ok(ImportAnswer {
            imported,
            text,
            stderr: f.stderr,
        })
    }
}

/// What `import` answered, with what the adapter wrote and printed (for evidence).
#[derive(Debug, Clone)]
pub struct ImportAnswer {
    /// The answer.
    pub imported: Imported,
    /// The answer file as the adapter wrote it.
    pub text: String,
    /// Its standard error.
    pub stderr: String,
}

/// A scratch folder for one call.
fn scratch() -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("renkei-case-")
        .tempdir()
        .map_err(|e| e.to_string())
}

/// Each call runs in a fresh folder, so a word of the command that names an existing file
/// relative to where renkei runs (`target/release/renkei`, `my_adapter.py`) is made absolute
/// (without resolving links, so a script still sees its own name). Options (`-…`) and
/// folders are left as they are; the program itself is looked up on PATH unless it contains
/// a `/`, as a shell does.
fn anchor(index: usize, word: String) -> String {
    let p = Path::new(&word);
    if p.is_absolute()
        || word.starts_with('-')
        || (index == 0 && !word.contains('/'))
        || !p.is_file()
    {
        return word;
    }
    std::path::absolute(p)
        .map(|abs| abs.to_string_lossy().into_owned())
        .unwrap_or(word)
}

fn read_answer(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path)
        .map_err(|_| format!("exit 0 but no answer was written to {}", path.display()))?;
    if meta.len() > MAX_ANSWER_BYTES {
        return Err(format!(
            "the answer is {} bytes (at most {MAX_ANSWER_BYTES})",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| "the answer is not UTF-8".into())
}

/// Reads an import answer: `{"rejected": "…"}` or a canonical JSON send unit.
pub fn parse_import(text: &str) -> Result<Imported, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the answer is not JSON: {e}"))?;
    if let Some(obj) = v.as_object() {
        if let Some(r) = obj.get("rejected") {
            let reason = r
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .ok_or("\"rejected\" must be a non-empty string (the software's reason)")?;
            if obj.len() > 1 {
                return Err("a rejection holds \"rejected\" and nothing else".into());
            }
            return Ok(Imported::Rejected(reason.to_string()));
        }
    }
    let unit = SendUnit::from_json(text).map_err(|e| e.to_string())?;
    Ok(Imported::Unit(Box::new(unit)))
}

/// The most a send unit's files may hold together (a month of 予定 is a few MB; the hub's own
/// limit is lower).
pub const MAX_UNIT_BYTES: u64 = 64 << 20;

/// The regular files of a folder (name, bytes), sorted by name; sub-folders are an error, and
/// so are more than [`MAX_UNIT_BYTES`] in all.
pub fn read_dir_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files = Vec::new();
    let mut total = 0u64;
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for e in entries {
        let e = e.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path: PathBuf = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let ty = e.file_type().map_err(|e| format!("{name}: {e}"))?;
        if !ty.is_file() {
            return Err(format!("{name} is not a regular file"));
        }
        total += e.metadata().map(|m| m.len()).unwrap_or(0);
        if total > MAX_UNIT_BYTES {
            return Err(format!("the files hold more than {MAX_UNIT_BYTES} bytes"));
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{name}: {e}"))?;
        files.push((name, bytes));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_splits_like_a_shell() {
        let a = Adapter::new("python3 'my adapter.py' --profile test", DEFAULT_TIMEOUT).unwrap();
        assert_eq!(a.argv, ["python3", "my adapter.py", "--profile", "test"]);
        // A relative path that exists is anchored where renkei runs (calls run elsewhere).
        let a = Adapter::new("sh src/lib.rs", DEFAULT_TIMEOUT).unwrap();
        assert!(
            a.argv[1].ends_with("/certify/src/lib.rs") && a.argv[1].starts_with('/'),
            "{:?}",
            a.argv
        );
        assert!(Adapter::new("a 'b", DEFAULT_TIMEOUT).is_err());
        assert!(Adapter::new("  ", DEFAULT_TIMEOUT).is_err());
    }

    #[test]
    fn a_rejection_is_read_and_must_be_alone() {
        assert!(matches!(
            parse_import(r#"{"rejected":"外字"}"#),
            Ok(Imported::Rejected(r)) if r == "外字"
        ));
        assert!(parse_import(r#"{"rejected":1}"#).is_err());
        assert!(parse_import(r#"{"rejected":"x","format":"renkei-send-unit/1"}"#).is_err());
        assert!(parse_import("not json").is_err());
    }

    #[test]
    fn capabilities_are_checked() {
        let mut c = Capabilities {
            contract: CONTRACT.into(),
            vendor: "v".into(),
            product: "p".into(),
            version: "1".into(),
            roles: vec!["provider".into()],
            revisions: vec!["4.1".into()],
            export: vec!["UPJSK".into()],
            import: vec!["UPPLAN".into()],
        };
        assert_eq!(c.check(), Ok(()));
        c.roles.push("hub".into());
        assert!(c.check().unwrap_err().contains("hub"));
        c.roles.pop();
        c.import.push("UPXYZ".into());
        assert!(c.check().unwrap_err().contains("UPXYZ"));
    }
}
