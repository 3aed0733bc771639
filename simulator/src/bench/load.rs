//! The load loops. Closed loop: N clients, each logged in once on its own connection,
//! each sending its next request when the last one is answered. Open loop: requests
//! started on a fixed schedule (a tokio interval) over a pool of logged-in connections,
//! each request's latency counted from its scheduled time, so a server that falls behind
//! shows it in the latency instead of slowing the load down. Every loop stops at its
//! deadline or after its request budget, whichever comes first.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, Mutex};
use tokio::task::JoinSet;

use super::driver::{Conn, DriverError, Serials, Target, UnitTemplate};
use super::report::Measure;

/// How long a phase runs, and how many requests it may make at most.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// The phase's duration.
    pub duration: Duration,
    /// The most requests the phase makes (against one server).
    pub max_requests: u64,
}

/// A login ID and its password.
#[derive(Debug, Clone)]
pub struct Login {
    /// The login ID (`KJ` + 12 digits).
    pub user_id: String,
    /// The password.
    pub password: String,
}

/// What each request of a phase is.
#[derive(Debug, Clone)]
pub enum Work {
    /// A send of the template under the next ファイル連番; on a new connection (a full TLS
    /// handshake) each time when `handshake_each`.
    Send {
        /// The send unit.
        unit: Arc<UnitTemplate>,
        /// Where the ファイル連番 come from (shared by every phase of a run).
        serials: Arc<Serials>,
        /// Open a new connection for every send.
        handshake_each: bool,
    },
    /// `GET` of these paths in turn.
    Get {
        /// The paths (`/v1/inbox`, download paths).
        paths: Arc<Vec<String>>,
    },
}

/// A connection logged in as `login`.
pub async fn logged_in(target: &Target, login: &Login) -> Result<Conn, DriverError> {
    let mut c = target.connect().await?;
    c.login(&login.user_id, &login.password).await?;
    Ok(c)
}

/// One request of `work` on `conn` (the `i`-th of its worker).
async fn one(target: &Target, conn: &mut Conn, work: &Work, i: usize) -> Result<(), DriverError> {
    match work {
        Work::Send {
            unit,
            serials,
            handshake_each,
        } => {
            let serial = serials.next();
            if *handshake_each {
                let mut fresh = target.connect().await?;
                fresh.token = conn.token.clone();
                fresh.send(unit, &serial).await?;
            } else {
                conn.send(unit, &serial).await?;
            }
        }
        Work::Get { paths } => {
            if let Some(p) = paths.get(i % paths.len().max(1)) {
                conn.get(p).await?;
            }
        }
    }
    Ok(())
}

/// A request on `conn`; after a failure the connection is replaced (same token), so one
/// broken connection does not turn every later request into an error.
async fn one_and_recover(
    target: &Target,
    conn: &mut Conn,
    work: &Work,
    i: usize,
    m: &mut Measure,
    started: Instant,
) {
    match one(target, conn, work, i).await {
        Ok(()) => m.success(started.elapsed()),
        Err(e) => {
            m.failure(e.to_string());
            if let Ok(mut fresh) = target.connect().await {
                fresh.token = conn.token.take();
                *conn = fresh;
            }
        }
    }
}

/// `clients` clients in a closed loop, each logged in once beforehand.
pub async fn closed_loop(
    target: &Target,
    login: &Login,
    clients: usize,
    work: &Work,
    bounds: Bounds,
) -> Result<Measure, DriverError> {
    let mut conns = Vec::with_capacity(clients);
    for _ in 0..clients {
        conns.push(logged_in(target, login).await?);
    }
    let budget = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + bounds.duration;
    let mut tasks = JoinSet::new();
    for mut conn in conns {
        let target = target.clone();
        let work = work.clone();
        let budget = budget.clone();
        tasks.spawn(async move {
            let mut m = Measure::new();
            let mut i = 0usize;
            while Instant::now() < deadline
                && budget.fetch_add(1, Ordering::Relaxed) < bounds.max_requests
            {
                let t0 = Instant::now();
                one_and_recover(&target, &mut conn, &work, i, &mut m, t0).await;
                i += 1;
            }
            m
        });
    }
    let mut total = Measure::new();
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(m) => total.merge(m),
            Err(e) => total.failure(format!("worker panicked: {e}")),
        }
    }
    total.elapsed = start.elapsed();
    Ok(total)
}

/// Requests of `work` offered at `rate` per second over `pool` connections logged in
/// beforehand; a request waits for a free connection when all are busy (that wait is part
/// of its latency). After the deadline no request starts, and those started are awaited.
pub async fn open_loop(
    target: &Target,
    login: &Login,
    pool: usize,
    rate: u32,
    work: &Work,
    bounds: Bounds,
) -> Result<Measure, DriverError> {
    let (give, take) = mpsc::channel::<Conn>(pool.max(1));
    for _ in 0..pool.max(1) {
        let c = logged_in(target, login).await?;
        // The channel holds `pool` connections, so this never waits.
        let _ = give.send(c).await;
    }
    let take = Arc::new(Mutex::new(take));
    let period = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let start = Instant::now();
    let deadline = start + bounds.duration;
    let mut tasks = JoinSet::new();
    let mut offered = 0u64;
    loop {
        let scheduled = ticks.tick().await.into_std();
        if scheduled >= deadline || offered >= bounds.max_requests {
            break;
        }
        let i = usize::try_from(offered).unwrap_or(0);
        offered += 1;
        let (target, work, give, take) = (target.clone(), work.clone(), give.clone(), take.clone());
        tasks.spawn(async move {
            let mut m = Measure::new();
            let conn = take.lock().await.recv().await;
            let Some(mut conn) = conn else {
                m.failure("connection pool closed".into());
                return m;
            };
            one_and_recover(&target, &mut conn, &work, i, &mut m, scheduled).await;
            let _ = give.send(conn).await;
            m
        });
    }
    let mut total = Measure::new();
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(m) => total.merge(m),
            Err(e) => total.failure(format!("request task panicked: {e}")),
        }
    }
    total.elapsed = start.elapsed();
    Ok(total)
}
