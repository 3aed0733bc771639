//! The load client: hyper's low-level HTTP/1.1 client ([`hyper::client::conn::http1`]) over
//! tokio-rustls with an office's client certificate, and the requests it makes. A send
//! unit is a [`UnitTemplate`]: its files' bytes are built once, and each send only writes
//! new file names (a new ファイル連番) into small multipart headers, so the client spends
//! little CPU per request.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Frame, SizeHint};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use time::OffsetDateTime;

use crate::client::ClientIdentity;
use crate::store::{NewFile, NewSend};

/// A request that did not get the answer expected.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// TCP connect or the TLS handshake failed.
    #[error("接続できません: {0}")]
    Connect(std::io::Error),
    /// HTTP on the connection failed (closed, malformed answer).
    #[error("HTTP のエラー: {0}")]
    Http(#[from] hyper::Error),
    /// The request could not be built.
    #[error("要求を組み立てられません: {0}")]
    Request(#[from] hyper::http::Error),
    /// The server answered another status than the one expected.
    #[error("{method} {path}: 期待 {expected}、応答 {got}: {body}")]
    Status {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
        /// The status expected.
        expected: StatusCode,
        /// The status received.
        got: StatusCode,
        /// The start of the answer's body.
        body: String,
    },
    /// The login answer carried no token.
    #[error("ログインの応答にトークンがありません: {0}")]
    NoToken(String),
    /// No answer in time (the bench never waits forever on a stalled server).
    #[error("{0} 秒以内に応答がありません")]
    Timeout(u64),
    /// The client's TLS configuration cannot be built.
    #[error("クライアントの TLS 設定ができません: {0}")]
    Tls(String),
}

/// Time allowed for connecting (TCP and the TLS handshake).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for one request, the whole answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A request body made of chunks sent one after another (shared file bytes, small headers).
#[derive(Debug, Default)]
pub struct Chunks {
    parts: VecDeque<Bytes>,
    len: u64,
}

impl Chunks {
    /// A body of these chunks, in order.
    pub fn new(parts: Vec<Bytes>) -> Chunks {
        let len = parts.iter().map(|p| p.len() as u64).sum();
        Chunks {
            parts: parts.into(),
            len,
        }
    }

    /// The body's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.parts.pop_front().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.parts.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.parts.iter().map(|p| p.len() as u64).sum())
    }
}

/// The rustls client configuration of one office: the PKI's root for the hub's certificate,
/// the office's certificate and key, and no session resumption, so that every new
/// connection is a full mutual-TLS handshake (certificate and CRL checks included).
pub fn client_config(identity: ClientIdentity) -> Result<Arc<ClientConfig>, DriverError> {
    crate::install_crypto_provider();
    let mut roots = RootCertStore::empty();
    for c in identity.ca {
        roots.add(c).map_err(|e| DriverError::Tls(e.to_string()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| DriverError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_client_auth_cert(identity.chain, identity.key)
        .map_err(|e| DriverError::Tls(e.to_string()))?;
    cfg.resumption = rustls::client::Resumption::disabled();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// A server to load (the hub or the ceiling) as one office sees it.
#[derive(Clone)]
pub struct Target {
    /// Where the server listens (loopback).
    pub addr: SocketAddr,
    connector: tokio_rustls::TlsConnector,
    host: String,
}

impl Target {
    /// `addr`, reached with the office's TLS configuration.
    pub fn new(addr: SocketAddr, config: Arc<ClientConfig>) -> Target {
        Target {
            addr,
            connector: tokio_rustls::TlsConnector::from(config),
            host: addr.to_string(),
        }
    }

    /// A new connection: TCP, a full TLS handshake, HTTP/1.1 (keep-alive).
    pub async fn connect(&self) -> Result<Conn, DriverError> {
        tokio::time::timeout(CONNECT_TIMEOUT, self.connect_now())
            .await
            .map_err(|_| DriverError::Timeout(CONNECT_TIMEOUT.as_secs()))?
    }

    async fn connect_now(&self) -> Result<Conn, DriverError> {
        let tcp = tokio::net::TcpStream::connect(self.addr)
            .await
            .map_err(DriverError::Connect)?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::IpAddress(self.addr.ip().into());
        let tls = self
            .connector
            .connect(name, tcp)
            .await
            .map_err(DriverError::Connect)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            sender,
            host: self.host.clone(),
            token: None,
        })
    }
}

/// One open connection, with the bearer token once logged in.
pub struct Conn {
    sender: SendRequest<Chunks>,
    host: String,
    /// The bearer token (a token works on any connection presenting the same certificate).
    pub token: Option<String>,
}

/// A successful answer's body.
pub type Answer = Bytes;

impl Conn {
    /// Sends one request and reads the whole answer; anything but `expected` is an error.
    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Chunks,
        expected: StatusCode,
    ) -> Result<Answer, DriverError> {
        let mut b = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(hyper::header::HOST, &self.host)
            .header(hyper::header::CONTENT_LENGTH, body.len());
        if let Some(t) = &self.token {
            b = b.header(hyper::header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            b = b.header(hyper::header::CONTENT_TYPE, ct);
        }
        let req = b.body(body)?;
        let exchange = async {
            self.sender.ready().await?;
            let res = self.sender.send_request(req).await?;
            let status = res.status();
            let bytes = res.into_body().collect().await?.to_bytes();
            Ok::<_, DriverError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| DriverError::Timeout(REQUEST_TIMEOUT.as_secs()))??;
        if status != expected {
            let n = bytes.len().min(300);
            return Err(DriverError::Status {
                method,
                path: path.to_string(),
                expected,
                got: status,
                body: String::from_utf8_lossy(&bytes[..n]).into_owned(),
            });
        }
        Ok(bytes)
    }

    /// `POST /v1/login`; keeps the token. Returns the answer's body.
    pub async fn login(&mut self, user_id: &str, password: &str) -> Result<Answer, DriverError> {
        let body = serde_json::json!({ "user_id": user_id, "password": password }).to_string();
        let answer = self
            .request(
                Method::POST,
                "/v1/login",
                Some("application/json"),
                Chunks::new(vec![Bytes::from(body)]),
                StatusCode::OK,
            )
            .await?;
        let token = serde_json::from_slice::<serde_json::Value>(&answer)
            .ok()
            .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_string))
            .ok_or_else(|| DriverError::NoToken(String::from_utf8_lossy(&answer).into_owned()))?;
        self.token = Some(token);
        Ok(answer)
    }

    /// `POST /v1/sends` of the template under ファイル連番 `serial`; 201 expected (a 200
    /// replay would mean the send was not new, so it counts as an error).
    pub async fn send(&mut self, unit: &UnitTemplate, serial: &str) -> Result<Answer, DriverError> {
        let (ct, body) = unit.multipart(serial);
        self.request(
            Method::POST,
            "/v1/sends",
            Some(&ct),
            body,
            StatusCode::CREATED,
        )
        .await
    }

    /// `GET path`; 200 expected.
    pub async fn get(&mut self, path: &str) -> Result<Answer, DriverError> {
        self.request(Method::GET, path, None, Chunks::default(), StatusCode::OK)
            .await
    }
}

/// The multipart boundary of every send (it appears in no file: the files are MS932 CSV).
const BOUNDARY: &str = "renkei-bench-boundary-7f3a9c";

/// One send unit with its ファイル連番 left open: each file as (name before the serial,
/// name after it, bytes).
#[derive(Debug, Clone)]
pub struct UnitTemplate {
    files: Vec<(String, String, Bytes)>,
}

impl UnitTemplate {
    /// A 予定 send unit (第6表, 第7表, 利用者補足情報; revision 4.1, 202612) from `kyotaku`
    /// to the 訪問介護 office `provider`, for `users` users, from the spec's sample generator.
    pub fn yotei(kyotaku: &str, provider: &str, users: usize) -> Result<UnitTemplate, String> {
        const SERIAL: &str = "20260101000000";
        let mut w = renkei_spec::sample::World::generate(7, users);
        w.kyotaku.office = kyotaku.to_string();
        let Some(p) = w.providers.first_mut() else {
            return Err("サンプルのサービス事業所がありません".into());
        };
        p.office = provider.to_string();
        let unit = renkei_spec::sample::usage_unit(&w, "4.1", 0, "202612", SERIAL);
        let written = renkei_spec::writer::write_unit(&unit).map_err(|e| e.to_string())?;
        let mut files = Vec::new();
        for f in written {
            let Some((before, after)) = f.name.split_once(SERIAL) else {
                return Err(format!("ファイル名 {} に連番がありません", f.name));
            };
            files.push((before.to_string(), after.to_string(), Bytes::from(f.bytes)));
        }
        Ok(UnitTemplate { files })
    }

    /// The files' names under `serial`.
    pub fn names(&self, serial: &str) -> Vec<String> {
        self.files
            .iter()
            .map(|(b, a, _)| format!("{b}{serial}{a}"))
            .collect()
    }

    /// How many files, and their bytes in all.
    pub fn size(&self) -> (usize, usize) {
        (
            self.files.len(),
            self.files.iter().map(|(_, _, b)| b.len()).sum(),
        )
    }

    /// The multipart body of a send under `serial`, and its content type.
    pub fn multipart(&self, serial: &str) -> (String, Chunks) {
        let mut parts = Vec::with_capacity(self.files.len() * 2 + 1);
        for (i, ((_, _, bytes), name)) in self.files.iter().zip(self.names(serial)).enumerate() {
            let lead = if i == 0 { "" } else { "\r\n" };
            parts.push(Bytes::from(format!(
                "{lead}--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )));
            parts.push(bytes.clone());
        }
        parts.push(Bytes::from(format!("\r\n--{BOUNDARY}--\r\n")));
        (
            format!("multipart/form-data; boundary={BOUNDARY}"),
            Chunks::new(parts),
        )
    }

    /// The send as the store takes it (preloading the store without HTTP).
    pub fn new_send(
        &self,
        sender: &str,
        receiver: &str,
        serial: &str,
        at: OffsetDateTime,
    ) -> NewSend {
        use sha2::Digest;
        NewSend {
            sender: sender.to_string(),
            receiver: receiver.to_string(),
            serial: serial.to_string(),
            sent_at: at,
            files: self
                .files
                .iter()
                .zip(self.names(serial))
                .map(|((_, _, bytes), name)| NewFile {
                    name,
                    size: bytes.len() as u64,
                    sha256: hex::encode(sha2::Sha256::digest(bytes)),
                    body: crate::store::FileBody::Memory(bytes.to_vec()),
                })
                .collect(),
        }
    }
}

/// Distinct ファイル連番 for one sender→receiver pair: a start time plus one second per
/// send, as YYYYMMDDHHMMSS.
#[derive(Debug)]
pub struct Serials {
    start: time::PrimitiveDateTime,
    next: AtomicU64,
}

impl Default for Serials {
    fn default() -> Self {
        Serials {
            start: time::macros::datetime!(2026-12-01 00:00:00),
            next: AtomicU64::new(0),
        }
    }
}

impl Serials {
    /// The next unused ファイル連番.
    pub fn next(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let at = self.start + time::Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX));
        let fmt = time::macros::format_description!("[year][month][day][hour][minute][second]");
        at.format(&fmt).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_distinct_fourteen_digit_timestamps() {
        let s = Serials::default();
        let a = s.next();
        let b = s.next();
        assert_eq!(a, "20261201000000");
        assert_eq!(b, "20261201000001");
    }

    #[test]
    fn the_template_renames_every_file_and_builds_one_multipart_body() {
        let t = UnitTemplate::yotei("1370101014", "1370101022", 3).expect("template");
        let names = t.names("20261201000042");
        assert_eq!(names.len(), 3);
        assert!(
            names.iter().all(|n| n.contains("_20261201000042.")),
            "{names:?}"
        );
        let (ct, body) = t.multipart("20261201000042");
        assert!(ct.contains(BOUNDARY));
        assert!(body.len() as usize > t.size().1);
    }
}
