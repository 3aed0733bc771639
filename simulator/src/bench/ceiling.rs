//! The ceiling: what the same machine can serve over the same mutual TLS with no hub
//! behind it. A bare hyper 1 server over tokio-rustls with the hub's own rustls
//! configuration ([`crate::hub::tls::server_config`]: the same client-certificate verifier,
//! CRLs and clock) answers the hub's routes by reading the whole body and returning a fixed
//! answer of the same shape (the hub's own answers, captured at warm-up), storing nothing.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// The fixed answers, one per route.
#[derive(Debug, Clone, Default)]
pub struct Canned {
    /// `POST /v1/login` (200).
    pub login: Bytes,
    /// `POST /v1/sends` (201).
    pub send: Bytes,
    /// `GET /v1/inbox` (200).
    pub inbox: Bytes,
    /// `GET /v1/inbox/{send_id}/files/{name}` (200, the file's bytes).
    pub download: Bytes,
}

/// A running ceiling server; dropping it stops it.
pub struct Ceiling {
    /// Where it listens (loopback, a free port).
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The answer to one request, after its whole body was read.
fn answer(method: &Method, path: &str, canned: &Canned) -> Response<Full<Bytes>> {
    let (status, ct, body) = match (method, path) {
        (&Method::POST, "/v1/login") => (StatusCode::OK, "application/json", &canned.login),
        (&Method::POST, "/v1/sends") => (StatusCode::CREATED, "application/json", &canned.send),
        (&Method::GET, "/v1/inbox") => (StatusCode::OK, "application/json", &canned.inbox),
        (&Method::GET, p) if p.starts_with("/v1/inbox/") => (
            StatusCode::OK,
            "text/csv; charset=Shift_JIS",
            &canned.download,
        ),
        _ => {
            let mut r = Response::new(Full::new(Bytes::from_static(
                br#"{"code":"NOT_FOUND","message":"not found"}"#,
            )));
            *r.status_mut() = StatusCode::NOT_FOUND;
            return r;
        }
    };
    let mut r = Response::new(Full::new(body.clone()));
    *r.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(ct) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

/// Starts the ceiling on a free loopback port with `config` (the hub's TLS configuration).
pub async fn start(config: Arc<ServerConfig>, canned: Canned) -> std::io::Result<Ceiling> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let acceptor = TlsAcceptor::from(config);
    let canned = Arc::new(canned);
    tokio::spawn(async move {
        loop {
            let tcp = tokio::select! {
                _ = stopped.changed() => break,
                r = listener.accept() => match r {
                    Ok((tcp, _)) => tcp,
                    Err(_) => continue,
                },
            };
            let acceptor = acceptor.clone();
            let canned = canned.clone();
            let mut conn_stop = stopped.clone();
            tokio::spawn(async move {
                // The hub's server leaves Nagle on; the ceiling is the best this machine does.
                let _ = tcp.set_nodelay(true);
                let Ok(stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let service =
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let canned = canned.clone();
                        async move {
                            let method = req.method().clone();
                            let path = req.uri().path().to_string();
                            // Read the whole body, as the hub does, and drop it.
                            let _ = req.into_body().collect().await?;
                            Ok::<_, hyper::Error>(answer(&method, &path, &canned))
                        }
                    });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                tokio::select! {
                    _ = conn => {}
                    _ = conn_stop.changed() => {}
                }
            });
        }
    });
    Ok(Ceiling { addr, stop })
}
