//! The hub's refusals, each with a stable code (hub.md, API) and the HTTP status that fits.

use serde::Serialize;

/// One diagnostic of a file refused in strict mode.
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    pub file: String,
    pub code: String,
    pub line: Option<u64>,
    pub message: String,
}

/// Why the hub refused a request. `code()` is stable and published in HUB-API.md.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HubError {
    #[error("ログインIDまたはパスワードが正しくありません")]
    BadPassword,
    #[error("パスワードを続けて誤ったため、ログインIDは {until} までロックされています")]
    Locked { until: String },
    #[error(
        "仮パスワードではログインできません。電子請求受付システムでパスワードを変更してください"
    )]
    TemporaryPassword,
    #[error(
        "パスワードの有効期限が切れています。電子請求受付システムでパスワードを変更してください"
    )]
    PasswordExpired,
    #[error("代理請求用のログインID（HD…）はケアプランデータ連携では使えません")]
    ProxyId,
    #[error("ログインID「{0}」は KJ と12桁の数字からなる14文字ではありません")]
    IdFormat(String),
    #[error("事業所 {0} はケアプランデータ連携の利用登録がありません")]
    OfficeNotRegistered(String),
    #[error("認証トークンがないか、無効か、期限切れです。ログインし直してください")]
    TokenInvalid,
    #[error("クライアント証明書の事業所番号 {cert} がログインIDの事業所 {login} と異なります")]
    CertOfficeMismatch { cert: String, login: String },
    #[error("クライアント証明書の有効期間外です（有効期限 {0}）。接続し直してください")]
    CertExpired(String),
    #[error("この種類のクライアント証明書（{0}）では利用できません")]
    CertTypeRefused(String),
    #[error("事業所 {0} のライセンスが有効ではないため送信できません（受信はできます）")]
    LicenceExpired(String),
    #[error("送信先の事業所 {0} は登録されていません")]
    ReceiverUnknown(String),
    #[error("送信先の事業所 {0} のライセンスが有効ではありません")]
    ReceiverUnlicensed(String),
    #[error("送信元と送信先が同じ事業所 {0} です")]
    SameOffice(String),
    #[error("ファイル名「{name}」が標準仕様のファイル名規則に合いません: {reason}")]
    FileNameInvalid { name: String, reason: String },
    #[error("ファイル名の送信元 {named} がログイン中の事業所 {login} と異なります")]
    SenderMismatch { named: String, login: String },
    #[error("送信単位の組合せが正しくありません: {0}")]
    CombinationInvalid(String),
    #[error("ファイル「{name}」が上限 {limit} バイトを超えています")]
    FileTooLarge { name: String, limit: u64 },
    #[error("1回の送信のファイル数が上限 {0} を超えています")]
    TooManyFiles(usize),
    #[error("ファイルが標準仕様に合いません（厳格モード）: {} 件の問題", .0.len())]
    FileInvalid(Vec<FileProblem>),
    #[error("同じファイル連番 {serial} で内容の異なる送信 {existing} がすでにあります")]
    DuplicateSend { serial: String, existing: String },
    #[error("送信 {0} はすでに受信済みのため取り消せません")]
    AlreadyReceived(String),
    #[error("送信 {0} は保存期間を過ぎて削除されました（期限切れ）")]
    SendExpired(String),
    #[error("{0} は見つかりません")]
    NotFound(String),
    #[error("リクエストが正しくありません: {0}")]
    BadRequest(String),
    #[error("ハブの内部エラー: {0}")]
    Internal(String),
}

impl HubError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            HubError::BadPassword => "AUTH_BAD_PASSWORD",
            HubError::Locked { .. } => "AUTH_LOCKED",
            HubError::TemporaryPassword => "AUTH_TEMPORARY_PASSWORD",
            HubError::PasswordExpired => "AUTH_PASSWORD_EXPIRED",
            HubError::ProxyId => "AUTH_PROXY_ID",
            HubError::IdFormat(_) => "AUTH_ID_FORMAT",
            HubError::OfficeNotRegistered(_) => "OFFICE_NOT_REGISTERED",
            HubError::TokenInvalid => "AUTH_TOKEN_INVALID",
            HubError::CertOfficeMismatch { .. } => "CERT_OFFICE_MISMATCH",
            HubError::CertExpired(_) => "CERT_EXPIRED",
            HubError::CertTypeRefused(_) => "CERT_TYPE_REFUSED",
            HubError::LicenceExpired(_) => "LICENCE_EXPIRED",
            HubError::ReceiverUnknown(_) => "RECEIVER_UNKNOWN",
            HubError::ReceiverUnlicensed(_) => "RECEIVER_UNLICENSED",
            HubError::SameOffice(_) => "SAME_OFFICE",
            HubError::FileNameInvalid { .. } => "FILE_NAME_INVALID",
            HubError::SenderMismatch { .. } => "SENDER_MISMATCH",
            HubError::CombinationInvalid(_) => "COMBINATION_INVALID",
            HubError::FileTooLarge { .. } => "FILE_TOO_LARGE",
            HubError::TooManyFiles(_) => "TOO_MANY_FILES",
            HubError::FileInvalid(_) => "FILE_INVALID",
            HubError::DuplicateSend { .. } => "DUPLICATE_SEND",
            HubError::AlreadyReceived(_) => "ALREADY_RECEIVED",
            HubError::SendExpired(_) => "SEND_EXPIRED",
            HubError::NotFound(_) => "NOT_FOUND",
            HubError::BadRequest(_) => "BAD_REQUEST",
            HubError::Internal(_) => "INTERNAL",
        }
    }

    /// The HTTP status that carries it.
    pub fn status(&self) -> u16 {
        match self {
            HubError::BadPassword | HubError::TokenInvalid => 401,
            HubError::Locked { .. } => 423,
            HubError::TemporaryPassword
            | HubError::PasswordExpired
            | HubError::ProxyId
            | HubError::OfficeNotRegistered(_)
            | HubError::CertOfficeMismatch { .. }
            | HubError::CertTypeRefused(_)
            | HubError::CertExpired(_)
            | HubError::LicenceExpired(_)
            | HubError::ReceiverUnlicensed(_)
            | HubError::SenderMismatch { .. } => 403,
            HubError::IdFormat(_)
            | HubError::SameOffice(_)
            | HubError::FileNameInvalid { .. }
            | HubError::CombinationInvalid(_)
            | HubError::FileInvalid(_)
            | HubError::BadRequest(_) => 400,
            HubError::ReceiverUnknown(_) | HubError::NotFound(_) | HubError::SendExpired(_) => 404,
            HubError::DuplicateSend { .. } | HubError::AlreadyReceived(_) => 409,
            HubError::FileTooLarge { .. } | HubError::TooManyFiles(_) => 413,
            HubError::Internal(_) => 500,
        }
    }

    /// Every code the hub can answer with, for HUB-API.md and coverage reports.
    pub const CODES: &'static [&'static str] = &[
        "AUTH_BAD_PASSWORD",
        "AUTH_LOCKED",
        "AUTH_TEMPORARY_PASSWORD",
        "AUTH_PASSWORD_EXPIRED",
        "AUTH_PROXY_ID",
        "AUTH_ID_FORMAT",
        "OFFICE_NOT_REGISTERED",
        "AUTH_TOKEN_INVALID",
        "CERT_OFFICE_MISMATCH",
        "CERT_TYPE_REFUSED",
        "CERT_EXPIRED",
        "LICENCE_EXPIRED",
        "RECEIVER_UNKNOWN",
        "RECEIVER_UNLICENSED",
        "SAME_OFFICE",
        "FILE_NAME_INVALID",
        "SENDER_MISMATCH",
        "COMBINATION_INVALID",
        "FILE_TOO_LARGE",
        "TOO_MANY_FILES",
        "FILE_INVALID",
        "DUPLICATE_SEND",
        "ALREADY_RECEIVED",
        "SEND_EXPIRED",
        "NOT_FOUND",
        "BAD_REQUEST",
        "INTERNAL",
    ];
}

impl From<crate::store::StoreError> for HubError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::NotFound(what) => HubError::NotFound(what),
            other => HubError::Internal(other.to_string()),
        }
    }
}
