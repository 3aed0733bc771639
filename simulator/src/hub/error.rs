//! The hub's refusals, each with a stable code (simulator/HUB-RULES.md, API) and the HTTP status that fits.

use serde::Serialize;

/// One diagnostic of a file refused in strict mode.
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    /// The file's name.
    pub file: String,
    /// The validator's diagnostic code (e.g. `item.format`).
    pub code: String,
    /// The physical line, when the problem has one.
    pub line: Option<u64>,
    /// The validator's message, in Japanese.
    pub message: String,
}

/// Why the hub refused a request. `code()` is stable and published in HUB-API.md.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HubError {
    /// Wrong password, or an unknown login ID.
    #[error("ログインIDまたはパスワードが正しくありません")]
    BadPassword,
    /// Too many wrong passwords in a row: locked until the given time.
    #[error("パスワードを続けて誤ったため、ログインIDは {until} までロックされています")]
    Locked {
        /// When the lock ends (RFC 3339).
        until: String,
    },
    /// A temporary (initial) password: change it in the 電子請求受付システム first.
    #[error(
        "仮パスワードではログインできません。電子請求受付システムでパスワードを変更してください"
    )]
    TemporaryPassword,
    /// An expired password: change it in the 電子請求受付システム first.
    #[error(
        "パスワードの有効期限が切れています。電子請求受付システムでパスワードを変更してください"
    )]
    PasswordExpired,
    /// An `HD…` login ID for 代理請求, not usable here.
    #[error("代理請求用のログインID（HD…）はケアプランデータ連携では使えません")]
    ProxyId,
    /// A login ID that is not `KJ` and 12 digits.
    #[error("ログインID「{0}」は KJ と12桁の数字からなる14文字ではありません")]
    IdFormat(String),
    /// The office has no registration for the exchange.
    #[error("事業所 {0} はケアプランデータ連携の利用登録がありません")]
    OfficeNotRegistered(String),
    /// No token, an unknown or expired one, or one from another certificate.
    #[error("認証トークンがないか、無効か、期限切れです。ログインし直してください")]
    TokenInvalid,
    /// The login ID is not one of the certificate's office. Checked before the password and
    /// the lockout, and the message names neither the ID's office nor the password's truth,
    /// so one office can neither lock out nor probe another.
    #[error("ログインIDがクライアント証明書の事業所 {cert} のものではありません")]
    CertOfficeMismatch {
        /// The certificate's 事業所番号.
        cert: String,
    },
    /// Too many login attempts with one certificate in a minute.
    #[error(
        "このクライアント証明書からのログイン試行が多すぎます。{retry_at} 以降にやり直してください"
    )]
    LoginRateLimited {
        /// When attempts are accepted again (RFC 3339).
        retry_at: String,
    },
    /// The certificate's validity ended while the connection was open.
    #[error("クライアント証明書の有効期間外です（有効期限 {0}）。接続し直してください")]
    CertExpired(String),
    /// A certificate type the exchange does not accept (代理人証明書, …).
    #[error("この種類のクライアント証明書（{0}）では利用できません")]
    CertTypeRefused(String),
    /// The sender's licence has lapsed: it can still receive, not send.
    #[error("事業所 {0} のライセンスが有効ではないため送信できません（受信はできます）")]
    LicenceExpired(String),
    /// The receiver is not a registered office.
    #[error("送信先の事業所 {0} は登録されていません")]
    ReceiverUnknown(String),
    /// The receiver's licence has lapsed.
    #[error("送信先の事業所 {0} のライセンスが有効ではありません")]
    ReceiverUnlicensed(String),
    /// Sender and receiver are the same office.
    #[error("送信元と送信先が同じ事業所 {0} です")]
    SameOffice(String),
    /// A file name breaks the standard's naming rule.
    #[error("ファイル名「{name}」が標準仕様のファイル名規則に合いません: {reason}")]
    FileNameInvalid {
        /// The file name.
        name: String,
        /// Which part breaks the rule, with the diagnostic code.
        reason: String,
    },
    /// The sender in the file names is not the logged-in office.
    #[error("ファイル名の送信元 {named} がログイン中の事業所 {login} と異なります")]
    SenderMismatch {
        /// The sender the file names name.
        named: String,
        /// The logged-in office.
        login: String,
    },
    /// The files are not one send unit (送信単位) of the standard.
    #[error("送信単位の組合せが正しくありません: {0}")]
    CombinationInvalid(String),
    /// A file over `max_file_bytes`.
    #[error("ファイル「{name}」が上限 {limit} バイトを超えています")]
    FileTooLarge {
        /// The file name.
        name: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// More than `max_files_per_send` files in one send.
    #[error("1回の送信のファイル数が上限 {0} を超えています")]
    TooManyFiles(usize),
    /// A request body over the endpoint's limit (a login body, a send's total).
    #[error("リクエストの本文が上限 {limit} バイトを超えています")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The send would take the office over its storage quota.
    #[error("事業所 {office} の保管容量の上限 {quota} バイトを超えます（保管中 {stored} バイト）。取り消すか期限切れになるまでお待ちください")]
    QuotaExceeded {
        /// The sending office.
        office: String,
        /// The quota in bytes.
        quota: u64,
        /// What the office keeps stored now.
        stored: u64,
    },
    /// A body that arrives slower than the hub's minimum rate.
    #[error("リクエストの本文の到着が遅すぎます（毎秒 {min_bytes_per_second} バイト以上で送ってください）")]
    BodyTooSlow {
        /// The minimum rate.
        min_bytes_per_second: u64,
    },
    /// Strict mode: the files fail the validator (each problem listed).
    #[error("ファイルが標準仕様に合いません（厳格モード）: {} 件の問題", .0.len())]
    FileInvalid(Vec<FileProblem>),
    /// Other files under a ファイル連番 that is already live.
    #[error("同じファイル連番 {serial} で内容の異なる送信 {existing} がすでにあります")]
    DuplicateSend {
        /// The ファイル連番.
        serial: String,
        /// The 送信ID of the live send under it.
        existing: String,
    },
    /// Withdrawing a send the receiver already downloaded.
    #[error("送信 {0} はすでに受信済みのため取り消せません")]
    AlreadyReceived(String),
    /// A send past its retention period, purged.
    #[error("送信 {0} は保存期間を過ぎて削除されました（期限切れ）")]
    SendExpired(String),
    /// No such send, file or endpoint, or a mailbox that is not the caller's.
    #[error("{0} は見つかりません")]
    NotFound(String),
    /// A method the endpoint does not have.
    #[error("{path} は {method} を受け付けません")]
    MethodNotAllowed {
        /// The method asked for.
        method: String,
        /// The path (cut to [`clip`]'s length).
        path: String,
    },
    /// The hub, or this client's share of it, has no room for another connection.
    #[error("接続数が上限に達しています（{0}）。しばらくしてから接続し直してください")]
    TooManyConnections(String),
    /// A body that is not the expected JSON or multipart.
    #[error("リクエストが正しくありません: {0}")]
    BadRequest(String),
    /// A fault of the hub itself; clients retry it.
    #[error("ハブの内部エラー: {0}")]
    Internal(String),
}

/// The one table of the hub's refusals: each variant of [`HubError`] with its stable code and
/// the HTTP status that carries it, in the order of HUB-API.md's "Error codes" table. It
/// generates [`HubError::code`], [`HubError::status`] and [`HubError::CODES`]; the matches are
/// exhaustive, so a new variant does not compile until it has its row here.
macro_rules! hub_codes {
    ($($variant:ident = $code:literal, $status:literal;)*) => {
        impl HubError {
            /// The stable error code.
            pub fn code(&self) -> &'static str {
                match self {
                    $(HubError::$variant { .. } => $code,)*
                }
            }

            /// The HTTP status that carries it.
            pub fn status(&self) -> u16 {
                match self {
                    $(HubError::$variant { .. } => $status,)*
                }
            }

            /// Every code the hub can answer with, for HUB-API.md and coverage reports.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// Every code with its HTTP status, in the order of [`HubError::CODES`].
            pub const TABLE: &'static [(&'static str, u16)] = &[$(($code, $status)),*];
        }
    };
}

hub_codes! {
    BadPassword = "AUTH_BAD_PASSWORD", 401;
    Locked = "AUTH_LOCKED", 423;
    TemporaryPassword = "AUTH_TEMPORARY_PASSWORD", 403;
    PasswordExpired = "AUTH_PASSWORD_EXPIRED", 403;
    ProxyId = "AUTH_PROXY_ID", 403;
    IdFormat = "AUTH_ID_FORMAT", 400;
    OfficeNotRegistered = "OFFICE_NOT_REGISTERED", 403;
    TokenInvalid = "AUTH_TOKEN_INVALID", 401;
    CertOfficeMismatch = "CERT_OFFICE_MISMATCH", 403;
    LoginRateLimited = "LOGIN_RATE_LIMITED", 429;
    CertTypeRefused = "CERT_TYPE_REFUSED", 403;
    CertExpired = "CERT_EXPIRED", 403;
    LicenceExpired = "LICENCE_EXPIRED", 403;
    ReceiverUnknown = "RECEIVER_UNKNOWN", 404;
    ReceiverUnlicensed = "RECEIVER_UNLICENSED", 403;
    SameOffice = "SAME_OFFICE", 400;
    FileNameInvalid = "FILE_NAME_INVALID", 400;
    SenderMismatch = "SENDER_MISMATCH", 403;
    CombinationInvalid = "COMBINATION_INVALID", 400;
    FileTooLarge = "FILE_TOO_LARGE", 413;
    TooManyFiles = "TOO_MANY_FILES", 413;
    BodyTooLarge = "BODY_TOO_LARGE", 413;
    QuotaExceeded = "QUOTA_EXCEEDED", 413;
    BodyTooSlow = "BODY_TOO_SLOW", 408;
    FileInvalid = "FILE_INVALID", 400;
    DuplicateSend = "DUPLICATE_SEND", 409;
    AlreadyReceived = "ALREADY_RECEIVED", 409;
    SendExpired = "SEND_EXPIRED", 404;
    NotFound = "NOT_FOUND", 404;
    MethodNotAllowed = "METHOD_NOT_ALLOWED", 405;
    TooManyConnections = "TOO_MANY_CONNECTIONS", 503;
    BadRequest = "BAD_REQUEST", 400;
    Internal = "INTERNAL", 500;
}

/// The most characters of a client's input an error message repeats.
pub const ECHO_CHARS: usize = 120;

/// A client's input cut for an error message: at most [`ECHO_CHARS`] characters, control
/// characters shown as `\u{…}`, and the full length said when cut, so a 1 MB file name makes
/// a short answer that still says what was sent.
pub fn clip(input: &str) -> String {
    let total = input.chars().count();
    let mut out: String = input
        .chars()
        .take(ECHO_CHARS)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if total > ECHO_CHARS {
        out.push_str(&format!("…（全 {total} 文字）"));
    }
    out
}

/// What a refused TLS handshake looks like to a client ([`crate::client::ClientError::code`]:
/// `TLS:` and the alert), one per alert HUB-API.md's TLS table names. There is no HTTP status:
/// the request never reached the hub.
pub const TLS_OUTCOMES: &[&str] = &[
    "TLS:certificate_expired",
    "TLS:certificate_revoked",
    "TLS:unknown_ca",
];

/// The warning a successful login carries when the client certificate expires within
/// `cert_warning_days` (証明書の更新のお知らせ).
pub const CERT_EXPIRING: &str = "CERT_EXPIRING";

/// Every warning code a successful login can carry (not refusals: the login succeeds).
pub const WARNING_CODES: &[&str] = &[CERT_EXPIRING];

impl From<crate::store::StoreError> for HubError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::NotFound(what) => HubError::NotFound(what),
            other => HubError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of HUB-API.md's "Error codes" table: (code, HTTP status).
    fn documented() -> Vec<(String, u16)> {
        let md = include_str!("../../HUB-API.md");
        let table = md
            .split("\n## Error codes\n")
            .nth(1)
            .expect("HUB-API.md has an \"Error codes\" section");
        let table = table.split("\n## ").next().unwrap_or(table);
        table
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .map(|l| {
                let mut cells = l.split('|');
                let code = cells.next().unwrap_or("").trim().trim_end_matches('`');
                let status = cells.next().unwrap_or("").trim();
                let status = status
                    .parse()
                    .unwrap_or_else(|_| panic!("{code}: HTTP status {status:?} is not a number"));
                (code.to_string(), status)
            })
            .collect()
    }

    #[test]
    fn hub_api_md_documents_exactly_this_table() {
        let doc = documented();
        for (code, status) in HubError::TABLE {
            let row = doc.iter().find(|(c, _)| c == code);
            assert_eq!(
                row.map(|(_, s)| *s),
                Some(*status),
                "HUB-API.md documents {code} with HTTP {status}"
            );
        }
        for (code, _) in &doc {
            assert!(
                HubError::CODES.contains(&code.as_str()),
                "HUB-API.md documents {code}, which the hub does not have"
            );
        }
        assert_eq!(
            doc.len(),
            HubError::CODES.len(),
            "each code documented once"
        );
    }

    #[test]
    fn codes_are_distinct_and_the_table_matches_the_variants() {
        let mut seen = std::collections::HashSet::new();
        for c in HubError::CODES
            .iter()
            .chain(TLS_OUTCOMES)
            .chain(WARNING_CODES)
        {
            assert!(seen.insert(c), "{c} twice");
        }
        let e = HubError::CertExpired("2026-11-24T10:00:00+09:00".into());
        assert_eq!((e.code(), e.status()), ("CERT_EXPIRED", 403));
        let e = HubError::Locked {
            until: "10:30".into(),
        };
        assert_eq!((e.code(), e.status()), ("AUTH_LOCKED", 423));
    }

    #[test]
    fn tls_outcomes_and_warnings_are_documented() {
        let md = include_str!("../../HUB-API.md");
        for t in TLS_OUTCOMES {
            let alert = t.strip_prefix("TLS:").expect("TLS: prefix");
            assert!(
                md.contains(&format!("`{alert}`")),
                "HUB-API.md lacks {alert}"
            );
        }
        for w in WARNING_CODES {
            assert!(md.contains(&format!("`{w}`")), "HUB-API.md lacks {w}");
        }
    }
}
