//! A raw HTTP/1.1-over-mutual-TLS client, for requests no well-behaved client library sends:
//! trickled bodies, hand-written multipart headers, downloads broken off after the headers.
#![allow(dead_code)]

use std::sync::Arc;

use renkei_simulator::embedded::EmbeddedHub;
use renkei_simulator::pki::{certs_from_pem, key_from_pem, OfficeCert};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// The TLS client configuration for `cert` (or no client certificate at all).
pub fn tls_config(h: &EmbeddedHub, cert: Option<&OfficeCert>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in certs_from_pem(&h.pki.root_pem(), "root").unwrap() {
        roots.add(c).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match cert {
        Some(c) => builder
            .with_client_auth_cert(
                certs_from_pem(&c.cert.chain_pem, "chain").unwrap(),
                key_from_pem(&c.cert.key_pem, "key").unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}

/// A TLS connection to the hub presenting `office`'s certificate.
pub async fn connect(h: &EmbeddedHub, office: &str) -> TlsStream<TcpStream> {
    let cert = h.pki.office(office).expect("office certificate").clone();
    connect_with(h, &cert).await
}

/// A TLS connection presenting `cert`.
pub async fn connect_with(h: &EmbeddedHub, cert: &OfficeCert) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(h.server.addr).await.expect("connect");
    TlsConnector::from(tls_config(h, Some(cert)))
        .connect(ServerName::from(h.server.addr.ip()), tcp)
        .await
        .expect("handshake")
}

/// Logs `office` in over its own connection; returns the token.
pub async fn token(h: &EmbeddedHub, expect: &str, n: usize) -> (String, String) {
    let id = h.identity(expect, n).expect("identity").clone();
    let mut s = connect(h, &id.office).await;
    let body = format!(
        r#"{{"user_id":"{}","password":"{}"}}"#,
        id.user_id, id.password
    );
    let r = request(
        &mut s,
        "POST",
        "/v1/login",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    (id.office, v["token"].as_str().unwrap().to_string())
}

/// An answer: status, headers (lower-case names), body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("").to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Writes a request's head (with `Content-Length` of `body_len` when given).
pub async fn write_head(
    s: &mut TlsStream<TcpStream>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body_len: Option<usize>,
) {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(n) = body_len {
        head.push_str(&format!("Content-Length: {n}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
}

/// One request with a whole body; reads the whole answer.
pub async fn request(
    s: &mut TlsStream<TcpStream>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    write_head(s, method, path, headers, Some(body.len())).await;
    s.write_all(body).await.unwrap();
    s.flush().await.unwrap();
    read_answer(s).await
}

/// Reads an answer's head.
pub async fn read_head(s: &mut TlsStream<TcpStream>) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let rest = buf[end + 4..].to_vec();
            let mut lines = head.split("\r\n");
            let status = lines
                .next()
                .and_then(|l| l.split(' ').nth(1))
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            return (status, headers, rest);
        }
        let n = s.read(&mut byte).await.unwrap_or(0);
        if n == 0 {
            return (0, Vec::new(), buf);
        }
        buf.extend_from_slice(&byte[..n]);
    }
}

/// Reads a whole answer (Content-Length or chunked).
pub async fn read_answer(s: &mut TlsStream<TcpStream>) -> Answer {
    let (status, headers, mut rest) = read_head(s).await;
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let mut byte = [0u8; 16384];
    let body = if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while rest.len() < len {
            let n = s.read(&mut byte).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            rest.extend_from_slice(&byte[..n]);
        }
        rest.truncate(len);
        rest
    } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        while !rest.ends_with(b"0\r\n\r\n") {
            let n = s.read(&mut byte).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            rest.extend_from_slice(&byte[..n]);
        }
        dechunk(&rest)
    } else {
        rest
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap_or("0"), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
}

/// A multipart body of `parts` given as (raw Content-Disposition value, bytes).
pub fn multipart(parts: &[(String, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "renkei-boundary-7d1f";
    let mut body = Vec::new();
    for (disposition, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: ").as_bytes());
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\nContent-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The `file` part disposition for a plain file name.
pub fn file_part(name: &str) -> String {
    format!("form-data; name=\"file\"; filename=\"{name}\"")
}
