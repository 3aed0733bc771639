//! The hub client (連携クライアントの役割): login, send, list, receive, download, withdraw, look up
//! an office — each with typed errors that carry the hub's code, and a record of every
//! exchange (method, path, status, code) for evidence.
//!
//! Retries: a request that meets a timeout, a broken connection or a 5xx answer is tried
//! again (up to [`ClientOptions::attempts`]). That includes `POST /v1/sends`: the hub answers a
//! repeat of the same files under the same ファイル連番 with the original send, so a retry never
//! delivers twice. A TLS refusal and every 4xx are final.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};
use serde::{Deserialize, Serialize};

use crate::pki::{certs_from_pem, key_from_pem};

/// A request that did not get what it asked for.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The hub answered with an error body (`{"code", "message"}`).
    #[error("ハブが拒否しました ({status} {code}): {message}")]
    Hub {
        /// HTTP status of the answer.
        status: u16,
        /// The hub's stable error code (HUB-API.md).
        code: String,
        /// The hub's message, in Japanese.
        message: String,
        /// Extra detail, e.g. the diagnostics of `FILE_INVALID`.
        details: Option<serde_json::Value>,
    },
    /// The TLS handshake was refused; the alert's name when one was received
    /// (`certificate_expired`, `certificate_revoked`, `unknown_ca`, …).
    #[error("TLS ハンドシェイクが拒否されました: {alert}")]
    TlsRefused {
        /// The alert's name, as rustls names it (snake case).
        alert: String,
        /// rustls's full description of the refusal.
        detail: String,
    },
    /// No answer within the timeout (what was being done).
    #[error("タイムアウトしました: {0}")]
    Timeout(String),
    /// The hub could not be reached.
    #[error("接続できません: {0}")]
    Connection(String),
    /// The hub answered something that is not its API (status, body).
    #[error("ハブの応答を解釈できません: {0}")]
    Protocol(String),
    /// A request that needs a token was made before logging in.
    #[error("ログインしていません")]
    NotLoggedIn,
    /// The client could not be built (certificates, key, TLS configuration).
    #[error("クライアントを準備できません: {0}")]
    Setup(String),
}

impl ClientError {
    /// The hub's error code, or the TLS alert, or a name for the transport failure.
    pub fn code(&self) -> String {
        match self {
            ClientError::Hub { code, .. } => code.clone(),
            ClientError::TlsRefused { alert, .. } => format!("TLS:{alert}"),
            ClientError::Timeout(_) => "TIMEOUT".into(),
            ClientError::Connection(_) => "CONNECTION".into(),
            ClientError::Protocol(_) => "PROTOCOL".into(),
            ClientError::NotLoggedIn => "NOT_LOGGED_IN".into(),
            ClientError::Setup(_) => "SETUP".into(),
        }
    }

    /// The HTTP status, when the hub answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Hub { status, .. } => Some(*status),
            _ => None,
        }
    }

    fn retryable(&self) -> bool {
        match self {
            ClientError::Hub { status, .. } => *status >= 500,
            ClientError::Timeout(_) | ClientError::Connection(_) => true,
            _ => false,
        }
    }
}

/// The client's identity: the hub's trust anchor and the office's certificate chain and key.
#[derive(Debug)]
pub struct ClientIdentity {
    /// The root the hub's server certificate must chain to.
    pub ca: Vec<CertificateDer<'static>>,
    /// The office's certificate, then its issuing CA.
    pub chain: Vec<CertificateDer<'static>>,
    /// The office certificate's private key.
    pub key: PrivateKeyDer<'static>,
}

impl ClientIdentity {
    /// Reads the identity from PEM text: the root, the chain and the key.
    pub fn from_pem(ca: &str, chain: &str, key: &str) -> Result<ClientIdentity, ClientError> {
        let setup = |e: crate::pki::PkiError| ClientError::Setup(e.to_string());
        Ok(ClientIdentity {
            ca: certs_from_pem(ca, "ca").map_err(setup)?,
            chain: certs_from_pem(chain, "cert").map_err(setup)?,
            key: key_from_pem(key, "key").map_err(setup)?,
        })
    }

    /// Reads `ca.pem` and an office's `offices/<number>.pem` / `-key.pem` from a PKI folder.
    pub fn from_files(ca: &Path, cert: &Path, key: &Path) -> Result<ClientIdentity, ClientError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p)
                .map_err(|e| ClientError::Setup(format!("{}: {e}", p.display())))
        };
        ClientIdentity::from_pem(&read(ca)?, &read(cert)?, &read(key)?)
    }
}

/// Timeouts and retries.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time allowed for a whole request, answer included.
    pub timeout: Duration,
    /// Time allowed to connect and finish the TLS handshake.
    pub connect_timeout: Duration,
    /// Tries per request, the first included.
    pub attempts: u32,
    /// Wait before the first retry; doubles each time.
    pub backoff: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            attempts: 3,
            backoff: Duration::from_millis(200),
        }
    }
}

/// One request and what came of it.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// HTTP method (`GET`, `POST`, `DELETE`).
    pub method: String,
    /// The path, e.g. `/v1/sends`.
    pub path: String,
    /// Which try this was, 1 for the first.
    pub attempt: u32,
    /// HTTP status, when an answer arrived.
    pub status: Option<u16>,
    /// `OK`, the hub's error code, or the transport failure's code.
    pub outcome: String,
    /// How long it took, in milliseconds.
    pub millis: u64,
}

/// A warning given with a successful login (e.g. `CERT_EXPIRING`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Warning {
    /// The warning's stable code.
    pub code: String,
    /// What to do about it, in Japanese.
    pub message: String,
}

/// The answer to `POST /v1/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    /// The bearer token for the other endpoints.
    pub token: String,
    /// The office (事業所番号) the token is for.
    pub office: String,
    /// When the token expires (RFC 3339).
    pub expires_at: String,
    /// Warnings, such as a certificate near its end.
    pub warnings: Vec<Warning>,
}

/// One file of a send as the hub lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileInfo {
    /// The file name, as sent.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

/// The answer to `POST /v1/sends`: the send as accepted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendReceipt {
    /// The 送信ID the hub gave it.
    pub send_id: String,
    /// The receiving office (事業所番号).
    pub receiver: String,
    /// The files, as the hub stored them.
    pub files: Vec<FileInfo>,
    /// Its state (未受信, 受信済み, …).
    pub status: String,
}

/// One row of `GET /v1/sends` (送信一覧).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SentItem {
    /// The 送信ID.
    pub send_id: String,
    /// The receiving office (事業所番号).
    pub receiver: String,
    /// The files of the send.
    pub files: Vec<FileInfo>,
    /// Its state (未受信, 受信済み, 取消, 期限切れ).
    pub status: String,
    /// When it was sent (RFC 3339, JST).
    pub sent_at: String,
    /// When the receiver first downloaded it, if it has.
    pub received_at: Option<String>,
}

/// One row of `GET /v1/inbox` (受信一覧).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InboxItem {
    /// The 送信ID.
    pub send_id: String,
    /// The sending office (事業所番号).
    pub sender: String,
    /// The files of the send.
    pub files: Vec<FileInfo>,
    /// Its state (未受信 until the first download).
    pub status: String,
    /// When it was sent (RFC 3339, JST).
    pub sent_at: String,
}

/// The answer to `GET /v1/offices/{number}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OfficeInfo {
    /// The 事業所番号 asked about.
    pub office: String,
    /// The office's name, when it is registered.
    pub name: Option<String>,
    /// Whether it is registered for the exchange.
    pub registered: bool,
    /// The end of its current licence period, if it has one.
    pub licensed_until: Option<String>,
}

#[derive(Deserialize)]
struct Sends<T> {
    sends: Vec<T>,
    #[serde(default)]
    next_after: Option<String>,
}

/// A client of one hub, as one office.
pub struct HubClient {
    http: reqwest::Client,
    base: String,
    /// The TLS set-up, kept to probe a connection that failed without saying why.
    tls: Option<Arc<ClientConfig>>,
    token: Mutex<Option<String>>,
    opts: ClientOptions,
    log: Arc<Mutex<Vec<Exchange>>>,
}

enum Payload {
    None,
    Json(serde_json::Value),
    Files(Vec<(String, Vec<u8>)>),
}

impl HubClient {
    /// A client for `base` (`https://127.0.0.1:8443`); `identity` is required for https.
    pub fn new(
        base: &str,
        identity: Option<ClientIdentity>,
        opts: ClientOptions,
    ) -> Result<HubClient, ClientError> {
        crate::install_crypto_provider();
        let mut b = reqwest::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.connect_timeout)
            .no_proxy();
        let mut tls = None;
        if let Some(id) = identity {
            let mut roots = RootCertStore::empty();
            for c in id.ca {
                roots
                    .add(c)
                    .map_err(|e| ClientError::Setup(e.to_string()))?;
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let cfg = ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
                .map_err(|e| ClientError::Setup(e.to_string()))?
                .with_root_certificates(roots)
                .with_client_auth_cert(id.chain, id.key)
                .map_err(|e| ClientError::Setup(e.to_string()))?;
            tls = Some(Arc::new(cfg.clone()));
            b = b.tls_backend_preconfigured(cfg);
        } else if base.starts_with("https:") {
            return Err(ClientError::Setup(
                "https のハブにはクライアント証明書が必要です".into(),
            ));
        }
        Ok(HubClient {
            http: b.build().map_err(|e| ClientError::Setup(e.to_string()))?,
            base: base.trim_end_matches('/').to_string(),
            tls,
            token: Mutex::new(None),
            opts,
            log: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Every exchange so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every exchange so far, emptying the record (a long-running client, such as one
    /// office of `renkei load`, reads it as it goes instead of keeping it all).
    pub fn take_exchanges(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The current token, if logged in.
    pub fn token(&self) -> Option<String> {
        self.token.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Uses a token obtained elsewhere.
    pub fn set_token(&self, token: Option<String>) {
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = token;
    }

    /// `POST /v1/login`: logs in and keeps the token for the later requests.
    pub async fn login(&self, user_id: &str, password: &str) -> Result<LoginResponse, ClientError> {
        let body = serde_json::json!({"user_id": user_id, "password": password});
        let r: LoginResponse = self
            .json(
                reqwest::Method::POST,
                "/v1/login",
                Payload::Json(body),
                false,
            )
            .await?;
        self.set_token(Some(r.token.clone()));
        Ok(r)
    }

    /// `POST /v1/sends`: one send of `(file name, bytes)`.
    pub async fn send(&self, files: &[(String, Vec<u8>)]) -> Result<SendReceipt, ClientError> {
        self.json(
            reqwest::Method::POST,
            "/v1/sends",
            Payload::Files(files.to_vec()),
            true,
        )
        .await
    }

    /// `GET /v1/sends`: what this office sent (送信一覧), every page.
    pub async fn sent(&self) -> Result<Vec<SentItem>, ClientError> {
        self.all_pages("/v1/sends").await
    }

    /// One page of a list: sends after the cursor `after`, at most `limit` (0: the hub's
    /// default); returns them and the next page's cursor.
    pub async fn page<T: serde::de::DeserializeOwned>(
        &self,
        list: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<T>, Option<String>), ClientError> {
        let mut path = format!("{list}?limit={limit}");
        if let Some(a) = after {
            path.push_str(&format!("&after={}", seg(a)));
        }
        let s: Sends<T> = self
            .json(reqwest::Method::GET, &path, Payload::None, true)
            .await?;
        Ok((s.sends, s.next_after))
    }

    /// Every page of a list, in arrival order.
    async fn all_pages<T: serde::de::DeserializeOwned>(
        &self,
        list: &str,
    ) -> Result<Vec<T>, ClientError> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let (items, next) = self.page(list, after.as_deref(), 0).await?;
            out.extend(items);
            match next {
                Some(n) if Some(&n) != after.as_ref() => after = Some(n),
                _ => return Ok(out),
            }
        }
    }

    /// `DELETE /v1/sends/{send_id}`: withdraws (取消) a send that is still 未受信.
    pub async fn withdraw(&self, send_id: &str) -> Result<SentItem, ClientError> {
        self.json(
            reqwest::Method::DELETE,
            &format!("/v1/sends/{}", seg(send_id)),
            Payload::None,
            true,
        )
        .await
    }

    /// `GET /v1/inbox`: what was sent to this office (受信一覧), in arrival order, every
    /// page.
    pub async fn inbox(&self) -> Result<Vec<InboxItem>, ClientError> {
        self.all_pages("/v1/inbox").await
    }

    /// `GET /v1/inbox/{send_id}/files/{name}`: one file's bytes, unchanged.
    pub async fn download(&self, send_id: &str, name: &str) -> Result<Vec<u8>, ClientError> {
        let path = format!("/v1/inbox/{}/files/{}", seg(send_id), seg(name));
        let r = self
            .request(reqwest::Method::GET, &path, Payload::None, true)
            .await?;
        Ok(r.1)
    }

    /// `GET /v1/offices/{number}`: whether an office is registered and licensed.
    pub async fn office(&self, number: &str) -> Result<OfficeInfo, ClientError> {
        self.json(
            reqwest::Method::GET,
            &format!("/v1/offices/{}", seg(number)),
            Payload::None,
            true,
        )
        .await
    }

    async fn json<T: for<'de> Deserialize<'de>>(
        &self,
        method: reqwest::Method,
        path: &str,
        payload: Payload,
        auth: bool,
    ) -> Result<T, ClientError> {
        let (_, body) = self.request(method, path, payload, auth).await?;
        serde_json::from_slice(&body).map_err(|e| {
            ClientError::Protocol(format!(
                "{path}: {e}: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            ))
        })
    }

    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        payload: Payload,
        auth: bool,
    ) -> Result<(u16, Vec<u8>), ClientError> {
        let token = if auth {
            Some(self.token().ok_or(ClientError::NotLoggedIn)?)
        } else {
            None
        };
        let mut wait = self.opts.backoff;
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let mut result = self.once(&method, path, &payload, token.as_deref()).await;
            // With TLS 1.3 the server refuses a client certificate after the client has
            // finished its handshake; the HTTP layer may then see only a closed connection.
            // A bare handshake and read tells whether an alert is behind it.
            if let Err(ClientError::Connection(detail)) = &result {
                if let Some(alert) = self.probe_tls().await {
                    result = Err(ClientError::TlsRefused {
                        alert,
                        detail: detail.clone(),
                    });
                }
            }
            let (status, outcome) = match &result {
                Ok((s, _)) => (Some(*s), "OK".to_string()),
                Err(ClientError::Hub { status, code, .. }) => (Some(*status), code.clone()),
                Err(e) => (None, e.code()),
            };
            self.log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Exchange {
                    method: method.to_string(),
                    path: path.to_string(),
                    attempt,
                    status,
                    outcome,
                    millis: started.elapsed().as_millis() as u64,
                });
            match result {
                Err(e) if e.retryable() && attempt < self.opts.attempts.max(1) => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Connects, handshakes and reads once on a bare TLS connection to the hub; returns the
    /// name of the TLS alert the hub sent, if it sent one.
    async fn probe_tls(&self) -> Option<String> {
        let cfg = self.tls.clone()?;
        let url = reqwest::Url::parse(&self.base).ok()?;
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url.port_or_known_default()?;
        let name = rustls::pki_types::ServerName::try_from(host.clone()).ok()?;
        let wait = self.opts.connect_timeout;
        let tcp = tokio::time::timeout(wait, tokio::net::TcpStream::connect((host.as_str(), port)))
            .await
            .ok()?
            .ok()?;
        let connector = tokio_rustls::TlsConnector::from(cfg);
        let mut stream = match tokio::time::timeout(wait, connector.connect(name, tcp))
            .await
            .ok()?
        {
            Ok(s) => s,
            Err(e) => return alert_of(&e),
        };
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let request =
            format!("GET /v1/inbox HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        if let Err(e) = stream.write_all(request.as_bytes()).await {
            return alert_of(&e);
        }
        let mut buf = [0u8; 64];
        match tokio::time::timeout(wait, stream.read(&mut buf))
            .await
            .ok()?
        {
            Ok(_) => None,
            Err(e) => alert_of(&e),
        }
    }

    async fn once(
        &self,
        method: &reqwest::Method,
        path: &str,
        payload: &Payload,
        token: Option<&str>,
    ) -> Result<(u16, Vec<u8>), ClientError> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req = match payload {
            Payload::None => req,
            Payload::Json(v) => req.json(v),
            Payload::Files(files) => {
                let mut form = reqwest::multipart::Form::new();
                for (name, bytes) in files {
                    let part = reqwest::multipart::Part::bytes(bytes.clone())
                        .file_name(name.clone())
                        .mime_str("application/octet-stream")
                        .map_err(|e| ClientError::Setup(e.to_string()))?;
                    form = form.part("file", part);
                }
                req.multipart(form)
            }
        };
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(transport)?.to_vec();
        if (200..300).contains(&status) {
            return Ok((status, body));
        }
        #[derive(Deserialize)]
        struct ErrorBody {
            code: String,
            message: String,
            #[serde(default)]
            details: Option<serde_json::Value>,
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(e) => Err(ClientError::Hub {
                status,
                code: e.code,
                message: e.message,
                details: e.details,
            }),
            Err(_) => Err(ClientError::Hub {
                status,
                code: format!("HTTP_{status}"),
                message: String::from_utf8_lossy(&body[..body.len().min(500)]).into_owned(),
                details: None,
            }),
        }
    }
}

/// A path segment, percent-encoded.
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Sorts a transport failure: a TLS alert or other rustls error, a timeout, or a connection.
fn transport(e: reqwest::Error) -> ClientError {
    let detail = chain(&e);
    if let Some(t) = find_rustls(&e) {
        let alert = match &t {
            rustls::Error::AlertReceived(a) => alert_name(a),
            other => format!("{other}"),
        };
        return ClientError::TlsRefused { alert, detail };
    }
    if e.is_timeout() {
        ClientError::Timeout(detail)
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ClientError::Connection(detail)
    } else {
        ClientError::Protocol(detail)
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn find_rustls(e: &(dyn std::error::Error + 'static)) -> Option<rustls::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(t) = c.downcast_ref::<rustls::Error>() {
            return Some(t.clone());
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            if let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(t.clone());
            }
        }
        cur = c.source();
    }
    None
}

/// The alert's name in an I/O error from a TLS stream.
fn alert_of(e: &std::io::Error) -> Option<String> {
    match e.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::AlertReceived(a) => Some(alert_name(a)),
        _ => None,
    }
}

/// `CertificateExpired` → `certificate_expired`, the alert's name in RFC 8446.
fn alert_name(a: &rustls::AlertDescription) -> String {
    let debug = format!("{a:?}");
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in debug.chars() {
        if ch.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_names_follow_the_rfc() {
        assert_eq!(
            alert_name(&rustls::AlertDescription::CertificateExpired),
            "certificate_expired"
        );
        assert_eq!(
            alert_name(&rustls::AlertDescription::UnknownCA),
            "unknown_ca"
        );
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(seg("S00000001"), "S00000001");
        assert_eq!(seg("a b/c"), "a%20b%2Fc");
    }
}
