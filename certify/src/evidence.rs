//! Evidence of one case, kept in the bundle under `cases/<id>/`: the inputs given to the
//! adapter, what it wrote, its standard error, the differences and diagnostics. Text from
//! the adapter passes through [`redact`] first, so the bundle can be published: no private
//! key, password or token renkei knows of, nor one the adapter printed, ends up in it.

use std::path::{Path, PathBuf};

use renkei_reports::certification::{CaseEvidence, EvidenceKind};

/// The evidence of one case being collected.
pub struct Evidence {
    root: Option<PathBuf>,
    dir: String,
    /// The pieces, in the order they were recorded.
    pub items: Vec<CaseEvidence>,
}

impl Evidence {
    /// Evidence of case `id`, with files under `root/cases/<id>/` (no files when `root` is
    /// None: text only).
    pub fn new(root: Option<&Path>, id: &str) -> Evidence {
        Evidence {
            root: root.map(Path::to_path_buf),
            dir: format!("cases/{}", safe_name(id)),
            items: Vec::new(),
        }
    }

    /// Keeps a file (`sub/name` below the case's folder) and lists it.
    pub fn file(
        &mut self,
        kind: EvidenceKind,
        label: impl Into<String>,
        sub: &str,
        name: &str,
        bytes: &[u8],
    ) {
        let rel = format!("{}/{sub}/{}", self.dir, safe_name(name));
        let mut path = None;
        if let Some(root) = &self.root {
            let p = root.join(&rel);
            let written = p
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|_| std::fs::write(&p, bytes));
            if written.is_ok() {
                path = Some(rel);
            }
        }
        self.items.push(CaseEvidence {
            kind,
            label: label.into(),
            path,
            text: None,
        });
    }

    /// Keeps every file of a unit.
    pub fn files(&mut self, kind: EvidenceKind, sub: &str, files: &[(String, Vec<u8>)]) {
        for (name, bytes) in files {
            let label = format!("{name} ({} bytes)", bytes.len());
            self.file(kind, label, sub, name, bytes);
        }
    }

    /// A piece of text shown inline (redacted, cut to 16 KB).
    pub fn text(&mut self, kind: EvidenceKind, label: impl Into<String>, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let mut t = redact(text);
        if t.len() > 16 * 1024 {
            let mut cut = 16 * 1024;
            while !t.is_char_boundary(cut) {
                cut -= 1;
            }
            t.truncate(cut);
            t.push_str("\n… (cut)");
        }
        self.items.push(CaseEvidence {
            kind,
            label: label.into(),
            path: None,
            text: Some(t),
        });
    }

    /// One line.
    pub fn note(&mut self, kind: EvidenceKind, label: impl Into<String>) {
        self.items.push(CaseEvidence {
            kind,
            label: label.into(),
            path: None,
            text: None,
        });
    }
}

/// A file or folder name that stays inside the bundle.
fn safe_name(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match s.trim_start_matches('.') {
        "" => "_".into(),
        t => t.to_string(),
    }
}

/// Removes secrets from text: PEM private keys; the value after a word like password,
/// token, secret or key (`password=…`, `"token": "…"`, `DB_PASSWORD=…`, `Bearer …`); the
/// password of a URL (`postgres://user:…@host`); and tokens of well-known shapes (GitHub,
/// AWS access keys, Slack, JSON Web Tokens).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_key = false;
    for line in text.split_inclusive('\n') {
        if line.contains("-----BEGIN") && line.contains("PRIVATE KEY-----") {
            in_key = true;
            out.push_str("[private key redacted]\n");
            continue;
        }
        if in_key {
            if line.contains("-----END") {
                in_key = false;
            }
            continue;
        }
        out.push_str(&redact_line(line));
    }
    out
}

struct Patterns {
    keyword: regex::Regex,
    url_password: regex::Regex,
    token: regex::Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static P: std::sync::OnceLock<Option<Patterns>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        Some(Patterns {
            keyword: regex::Regex::new(
                r#"(?i)((?:password|passwd|pwd|passphrase|token|secret|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)["']?\s*[=:]\s*["']?|bearer\s+|authorization:\s*(?:basic|bearer)?\s*)[^\s"',;&]+"#,
            )
            .ok()?,
            url_password: regex::Regex::new(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@").ok()?,
            token: regex::Regex::new(
                r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
            )
            .ok()?,
        })
    })
    .as_ref()
}

fn redact_line(line: &str) -> String {
    let Some(p) = patterns() else {
        return line.to_string();
    };
    let s = p.keyword.replace_all(line, "${1}[redacted]");
    let s = p.url_password.replace_all(&s, "${1}[redacted]@");
    p.token.replace_all(&s, "[redacted]").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_passwords_are_redacted() {
        let t = "start\n-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\nlogin password=Renkei0101x ok\n\"token\": \"abc.def\"\nAuthorization: Bearer xyz\nplain line\n";
        let r = redact(t);
        assert!(
            !r.contains("MIIB")
                && !r.contains("Renkei0101x")
                && !r.contains("abc.def")
                && !r.contains("xyz"),
            "{r}"
        );
        assert!(r.contains("plain line") && r.contains("start"));
        assert!(r.contains("password=[redacted] ok"), "{r}");
    }

    #[test]
    fn urls_tokens_and_environment_secrets_are_redacted() {
        let t = "env DB_PASSWORD=hunter2hunter2 python3 a.py --api-key=abc123 \
                 postgres://care:S3cretPw9@127.0.0.1/db ghp_abcdefghijklmnopqrstuvwxyz0123 AKIAABCDEFGHIJKLMNOP";
        let r = redact(t);
        for secret in ["hunter2", "abc123", "S3cretPw9", "ghp_abc", "AKIAABCD"] {
            assert!(!r.contains(secret), "{secret} in {r}");
        }
        assert!(
            r.contains("python3 a.py") && r.contains("postgres://care:[redacted]@127.0.0.1/db"),
            "{r}"
        );
        // Care data is not a secret: names, numbers and file names pass unchanged.
        let plain = "UPPLAN_202505_1371001429_43_1371020015_11_20250425103000.CSV:2:6 髙橋　花子 1000000001";
        assert_eq!(redact(plain), plain);
    }

    #[test]
    fn names_stay_inside_the_bundle() {
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name("import.valid.x"), "import.valid.x");
        assert_eq!(safe_name(".."), "_");
    }
}
