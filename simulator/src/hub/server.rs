//! The hub's server: a TCP listener, the TLS handshake (tokio-rustls), the verified client
//! certificate read from the connection and handed to every request, HTTP/1.1 by hyper.
//! A refused handshake is logged in one line, like a request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::{api, tls, Hub, PeerIdentity};
use crate::clock::rfc3339;
use crate::pki::HubTlsMaterial;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen; tests use `127.0.0.1:0`.
    pub listen: SocketAddr,
}

impl Default for ServeOptions {
    /// Loopback, a free port.
    fn default() -> Self {
        ServeOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// A running hub. Dropping it (or [`HubServer::shutdown`]) stops accepting.
pub struct HubServer {
    /// The address it listens on (the port chosen when asked for 0).
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Why the hub could not start serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The TLS material is unusable.
    #[error(transparent)]
    Tls(#[from] tls::TlsSetupError),
    /// The address could not be bound.
    #[error("{addr} で待ち受けできません: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl HubServer {
    /// Starts serving `hub` with the TLS material; returns once listening.
    pub async fn start(
        hub: Arc<Hub>,
        material: &HubTlsMaterial,
        opts: ServeOptions,
    ) -> Result<HubServer, ServeError> {
        let config = tls::server_config(material, &hub.clock)?;
        let listener =
            TcpListener::bind(opts.listen)
                .await
                .map_err(|source| ServeError::Listen {
                    addr: opts.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| ServeError::Listen {
            addr: opts.listen,
            source,
        })?;
        let (stop, mut stopped) = watch::channel(false);
        let acceptor = TlsAcceptor::from(config);
        let router = api::router(hub.clone());
        let task = tokio::spawn(async move {
            loop {
                let (tcp, peer_addr) = tokio::select! {
                    _ = stopped.changed() => break,
                    r = listener.accept() => match r {
                        Ok(x) => x,
                        Err(_) => continue,
                    },
                };
                let acceptor = acceptor.clone();
                let router = router.clone();
                let hub = hub.clone();
                let mut conn_stop = stopped.clone();
                tokio::spawn(async move {
                    let handshake =
                        tokio::time::timeout(Duration::from_secs(15), acceptor.accept(tcp)).await;
                    let stream = match handshake {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            hub.log.write(format!(
                                "{} - TLS {peer_addr} handshake refused: {e}",
                                rfc3339(hub.clock.now())
                            ));
                            return;
                        }
                        Err(_) => return,
                    };
                    let peer = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .and_then(|c| PeerIdentity::from_der(c.as_ref()).ok());
                    let Some(peer) = peer.map(Arc::new) else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |mut req| {
                        req.extensions_mut().insert(peer.clone());
                        router.clone().oneshot(req)
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
        Ok(HubServer {
            addr,
            stop,
            task: Some(task),
        })
    }

    /// Stops accepting and closes open connections.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    /// The base URL (`https://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

impl Drop for HubServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// What `renkei hub serve` needs.
#[derive(Debug, Clone)]
pub struct ServeFiles {
    /// The world file (TOML).
    pub world: std::path::PathBuf,
    /// The PKI folder (`renkei pki init`).
    pub pki: std::path::PathBuf,
    /// The data folder (the SQLite store).
    pub data: std::path::PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// A pinned start for the clock (it then runs); the world's `hub.now`, else the system's.
    pub now: Option<time::OffsetDateTime>,
    /// Turn strict mode on whatever the world says.
    pub strict: bool,
}

/// A hub that cannot start from its files.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The world file is unusable.
    #[error(transparent)]
    World(#[from] crate::world::WorldError),
    /// The PKI folder is unusable.
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
    /// The data folder's store cannot be opened.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The server could not start.
    #[error(transparent)]
    Serve(#[from] ServeError),
}

/// Starts a hub from a world file, a PKI folder and a data folder (`renkei hub serve`).
/// World warnings go to the hub's log.
pub async fn start_from_files(files: &ServeFiles) -> Result<HubServer, StartError> {
    let (mut world, warnings) = crate::world::World::load(&files.world)?;
    if files.strict {
        world.hub.strict = true;
    }
    let material = HubTlsMaterial::load(&files.pki)?;
    let store = Arc::new(crate::store::SqliteStore::open(&files.data)?);
    let clock = match files.now.or(world.hub.now.map(|i| i.0)) {
        Some(at) => crate::clock::SharedClock::new(crate::clock::OffsetClock::starting_at(at)),
        None => crate::clock::SharedClock::system(),
    };
    let log = super::HubLog::Stderr;
    for w in warnings {
        log.write(format!("world: {}: {}", w.office, w.message));
    }
    let hub = Arc::new(Hub::new(world, store, clock, log));
    Ok(HubServer::start(
        hub,
        &material,
        ServeOptions {
            listen: files.listen,
        },
    )
    .await?)
}
