//! The hub's server: a TCP listener, the TLS handshake (tokio-rustls), the verified client
//! certificate read from the connection and handed to every request, HTTP/1.1 by hyper.
//!
//! It holds up against hostile clients within [`super::Limits`]: connections are capped in
//! all, per client address and per certificate; a handshake, a request's headers and an idle
//! connection each have a timeout; when the process runs out of file descriptors the accept
//! loop backs off instead of spinning; accepted sockets set `TCP_NODELAY`; a connection that
//! ends with a body still coming is closed lingering, so the client reads the answer; and
//! refused handshakes are logged within a per-minute budget.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::{api, tls, Hub, HubError, Limits, PeerIdentity};
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
    /// Starts serving `hub` with the TLS material; returns once listening. The hub's
    /// maintenance ([`Hub::maintain`]) runs every [`Limits::maintenance_every`] meanwhile.
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
        let (stop, stopped) = watch::channel(false);
        let acceptor = TlsAcceptor::from(config);
        let admission = Arc::new(Admission::new(&hub.limits));
        tokio::spawn(maintenance(hub.clone(), stopped.clone()));
        let task = tokio::spawn(accept_loop(listener, acceptor, hub, admission, stopped));
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

/// The hub's periodic maintenance ([`Hub::maintain`]) until the server stops.
async fn maintenance(hub: Arc<Hub>, mut stopped: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(hub.limits.maintenance_every);
    every.tick().await;
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = every.tick() => {}
        }
        let h = hub.clone();
        let failed = match tokio::task::spawn_blocking(move || h.maintain()).await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(e) = failed {
            hub.log.write(format!(
                "{} - 保守処理に失敗しました: {e}",
                rfc3339(hub.clock.now())
            ));
        }
    }
}

/// Raises the soft limit on open files to the hard one; returns the limit in force.
fn open_files_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut l = getrlimit(Resource::Nofile);
    if l.current < l.maximum || (l.current.is_some() && l.maximum.is_none()) {
        l.current = l.maximum;
        let _ = setrlimit(Resource::Nofile, l);
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// Who holds a connection: counts in all, per address and per certificate, each released
/// when its [`Ticket`] is dropped.
struct Admission {
    max_total: usize,
    per_address: usize,
    per_certificate: usize,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
    by_certificate: HashMap<String, usize>,
}

/// A held place; dropping it gives the place back.
struct Ticket {
    admission: Arc<Admission>,
    address: IpAddr,
    certificate: Option<String>,
}

impl Admission {
    fn new(limits: &Limits) -> Admission {
        // Keep descriptors for the store, the log and temporary files.
        let fds = open_files_limit().saturating_sub(128).max(16);
        Admission {
            max_total: limits
                .max_connections
                .min(usize::try_from(fds).unwrap_or(usize::MAX))
                .max(1),
            per_address: limits.max_connections_per_address.max(1),
            per_certificate: limits.max_connections_per_certificate.max(1),
            counts: Mutex::new(Counts::default()),
        }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection from `address`, or why there is none.
    fn enter(self: &Arc<Self>, address: IpAddr) -> Result<Ticket, String> {
        let mut c = self.counts();
        if c.total >= self.max_total {
            return Err(format!("全体で {} 接続", self.max_total));
        }
        let n = c.by_address.entry(address).or_default();
        if *n >= self.per_address {
            return Err(format!("{address} から {} 接続", self.per_address));
        }
        *n += 1;
        c.total += 1;
        Ok(Ticket {
            admission: self.clone(),
            address,
            certificate: None,
        })
    }

    /// Counts the connection under its certificate too; refuses past the cap.
    fn certify(&self, ticket: &mut Ticket, serial: &str) -> Result<(), String> {
        let mut c = self.counts();
        let n = c.by_certificate.entry(serial.to_string()).or_default();
        if *n >= self.per_certificate {
            return Err(format!("1枚の証明書で {} 接続", self.per_certificate));
        }
        *n += 1;
        ticket.certificate = Some(serial.to_string());
        Ok(())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut c = self.admission.counts();
        c.total = c.total.saturating_sub(1);
        if let Some(n) = c.by_address.get_mut(&self.address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                c.by_address.remove(&self.address);
            }
        }
        if let Some(serial) = &self.certificate {
            if let Some(n) = c.by_certificate.get_mut(serial) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    c.by_certificate.remove(serial);
                }
            }
        }
    }
}

/// Accepts connections until stopped. Running out of descriptors (EMFILE, ENFILE) or memory
/// makes it wait, doubling from 10 ms to 1 s, instead of spinning on the error.
async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    hub: Arc<Hub>,
    admission: Arc<Admission>,
    mut stopped: watch::Receiver<bool>,
) {
    let router = api::router(hub.clone());
    let mut backoff = Duration::from_millis(10);
    loop {
        let accepted = tokio::select! {
            _ = stopped.changed() => break,
            r = listener.accept() => r,
        };
        let (tcp, peer_addr) = match accepted {
            Ok(x) => x,
            Err(e) => {
                if is_resource_exhaustion(&e) {
                    hub.log_refusal(format!(
                        "{} - accept: {e}（{} ms 待ちます）",
                        rfc3339(hub.clock.now()),
                        backoff.as_millis()
                    ));
                    tokio::select! {
                        _ = stopped.changed() => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
                continue;
            }
        };
        backoff = Duration::from_millis(10);
        let ticket = match admission.enter(peer_addr.ip()) {
            Ok(t) => t,
            Err(why) => {
                hub.log_refusal(format!(
                    "{} - TCP {peer_addr} connection refused: {why}",
                    rfc3339(hub.clock.now())
                ));
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let conn = Connection {
            peer_addr,
            ticket,
            acceptor: acceptor.clone(),
            router: router.clone(),
            hub: hub.clone(),
        };
        tokio::spawn(conn.serve(tcp, stopped.clone()));
    }
}

fn is_resource_exhaustion(e: &std::io::Error) -> bool {
    use rustix::io::Errno;
    let code = e.raw_os_error();
    [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM]
        .iter()
        .any(|x| Some(x.raw_os_error()) == code)
}

/// One accepted connection and what serving it needs.
struct Connection {
    peer_addr: SocketAddr,
    ticket: Ticket,
    acceptor: TlsAcceptor,
    router: axum::Router,
    hub: Arc<Hub>,
}

impl Connection {
    /// The handshake, the certificate's share, HTTP until the client, the idle timeout or
    /// the server's stop ends it, then a lingering close.
    async fn serve(mut self, tcp: TcpStream, mut stopped: watch::Receiver<bool>) {
        let limits = self.hub.limits.clone();
        let Some(stream) = self.handshake(tcp).await else {
            return;
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
        let admission = self.ticket.admission.clone();
        let over = admission.certify(&mut self.ticket, &peer.serial).err();
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Watched {
            inner: stream,
            activity: activity.clone(),
        });
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout);
        let served = match over {
            None => {
                let router = self.router.clone();
                let service = hyper::service::service_fn(move |mut req| {
                    req.extensions_mut().insert(peer.clone());
                    router.clone().oneshot(req)
                });
                let conn = http.serve_connection(io, service).without_shutdown();
                run_until(conn, &activity, &limits, &mut stopped).await
            }
            Some(why) => {
                self.hub.log_refusal(format!(
                    "{} - TLS {} connection refused: {why}",
                    rfc3339(self.hub.clock.now()),
                    self.peer_addr
                ));
                let service = hyper::service::service_fn(move |_req| {
                    let refusal = HubError::TooManyConnections(why.clone());
                    async move {
                        use axum::response::IntoResponse;
                        Ok::<_, std::convert::Infallible>(refusal.into_response())
                    }
                });
                http.keep_alive(false);
                let conn = http.serve_connection(io, service).without_shutdown();
                run_until(conn, &activity, &limits, &mut stopped).await
            }
        };
        if let Some(io) = served {
            linger(io.into_inner().inner, &limits).await;
        }
    }

    async fn handshake(
        &self,
        tcp: TcpStream,
    ) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
        let hub = &self.hub;
        match tokio::time::timeout(hub.limits.handshake_timeout, self.acceptor.accept(tcp)).await {
            Ok(Ok(s)) => Some(s),
            Ok(Err(e)) => {
                hub.log_refusal(format!(
                    "{} - TLS {} handshake refused: {e}",
                    rfc3339(hub.clock.now()),
                    self.peer_addr
                ));
                None
            }
            Err(_) => {
                hub.log_refusal(format!(
                    "{} - TLS {} handshake timed out",
                    rfc3339(hub.clock.now()),
                    self.peer_addr
                ));
                None
            }
        }
    }
}

/// Serves until the connection ends (its I/O handed back for a lingering close), the server
/// stops, or no byte moved for the idle timeout (both: dropped at once).
async fn run_until<T, S, E>(
    conn: impl std::future::Future<Output = Result<hyper::server::conn::http1::Parts<T, S>, E>>,
    activity: &Activity,
    limits: &Limits,
    stopped: &mut watch::Receiver<bool>,
) -> Option<T> {
    tokio::select! {
        r = conn => r.ok().map(|p| p.io),
        _ = stopped.changed() => None,
        _ = activity.idle_for(limits.idle_timeout) => None,
    }
}

/// Closes a connection the way a client can read: sends close_notify and FIN, then reads
/// and discards what the client still sends (a body the hub refused), within the drain
/// limits, so the kernel does not answer it with a reset that would swallow the answer.
async fn linger<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, limits: &Limits) {
    let work = async {
        let _ = stream.shutdown().await;
        let mut buf = vec![0u8; 16 * 1024];
        let mut drained = 0u64;
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
            drained += n as u64;
            if drained > limits.drain_bytes {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(limits.drain_time, work).await;
}

/// When a connection last moved a byte.
struct Activity {
    origin: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            origin: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let last = self.origin + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let deadline = last + idle;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// A stream that records its activity in an [`Activity`].
struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
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
    /// The store: `sqlite` (in `data`) or a `postgres://` URL ([`crate::store::open_store`]).
    pub store: String,
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
    let store = crate::store::open_store(&files.store, &files.data)?;
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
