//! Offices' sessions over a month: a token that expires on the hub's clock is followed by a
//! login again (counted as a re-login, not an error) and the send goes through and
//! reconciles; live clients are bounded, and an office whose client was dropped comes back
//! with its token instead of logging in again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use renkei_load::profile::{Profile, Schedule, Shard};
use renkei_load::run::{run, Hooks, Played, RunOptions, SendOutcome};
use renkei_load::target;
use renkei_load::units::SendKind;
use renkei_load::world::{LoadWorld, WorldParams};
use renkei_simulator::clock::{Clock, SharedClock};
use renkei_simulator::world::HubSettings;

/// The machine's clock moved forward by a shift the test sets.
#[derive(Debug, Default)]
struct Shifted(Mutex<time::Duration>);

impl Clock for Shifted {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc() + *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn world() -> WorldParams {
    WorldParams {
        kyotaku: 3,
        providers: 8,
        providers_per_kyotaku_min: 2,
        providers_per_kyotaku_max: 3,
        users_per_kyotaku: 5,
        change_rate: 0.0,
        correction_rate: 0.0,
        deletion_rate: 0.0,
        ..WorldParams::default()
    }
}

/// 予定 all on the last day of M-1, 実績 all on the 10th of M+1: a gap of weeks (most of
/// the wall time) between the two.
const GAP: &str = r#"
name = "gap"
month = "2027-01"
poll_minutes = 30
weekday_weights = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
hour_weights = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
                1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
[yotei]
month = "previous"
days = [[-1, 1]]
[change]
month = "target"
days = [[15, 1]]
[deletion]
month = "target"
days = [[15, 1]]
[jisseki]
month = "next"
days = [[10, 1]]
[correction]
month = "next"
days = [[10, 1]]
"#;

struct Month {
    world: Arc<LoadWorld>,
    schedule: Arc<Schedule>,
    played: Played,
}

/// Plays the gap month in 6 s against an embedded hub on `clock`; `progress` sees the run.
async fn play(
    clock: SharedClock,
    max_sessions: usize,
    progress: Box<dyn Fn(&renkei_load::run::Snapshot) + Send + Sync>,
) -> Month {
    let world = Arc::new(LoadWorld::generate(&world()).expect("world"));
    let profile = Profile::parse(GAP, "gap").expect("profile");
    let schedule = Arc::new(Schedule::build(&profile, &world, Shard::ALL));
    let hub_world = world.hub_world(
        HubSettings::default(),
        time::OffsetDateTime::now_utc().date(),
    );
    let pki = target::generate_pki(&hub_world).expect("pki");
    let hub = target::start_embedded_with_clock(hub_world, &pki.pki, clock)
        .await
        .expect("hub");
    let t = target::embedded_target(&hub, &world, &pki.pki);
    let opts = RunOptions {
        duration: Duration::from_secs(6),
        grace: Duration::from_secs(20),
        max_sessions,
        ..RunOptions::default()
    };
    let played = run(
        world.clone(),
        &profile,
        schedule.clone(),
        Shard::ALL,
        t,
        opts,
        Hooks {
            progress,
            before_reconcile: None,
        },
    )
    .await
    .expect("run");
    hub.server.shutdown().await;
    Month {
        world,
        schedule,
        played,
    }
}

fn acknowledged(p: &Played) -> usize {
    p.ledger
        .iter()
        .filter(|s| matches!(s.outcome, SendOutcome::Acknowledged(_)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_followed_by_a_login_again_and_the_send_goes_through() {
    let shift = Arc::new(Shifted::default());
    let token_minutes = HubSettings::default().token_minutes;
    let moved = Arc::new(AtomicBool::new(false));
    let started_at_move = Arc::new(AtomicU64::new(0));
    let hook = {
        let (shift, moved, started_at_move) =
            (shift.clone(), moved.clone(), started_at_move.clone());
        Box::new(move |s: &renkei_load::run::Snapshot| {
            // A third into the wall time: every 予定 is out and imported, no 実績 yet.
            if s.elapsed >= Duration::from_secs(2) && !moved.swap(true, Ordering::SeqCst) {
                started_at_move.store(s.started, Ordering::SeqCst);
                *shift.0.lock().unwrap_or_else(|e| e.into_inner()) +=
                    time::Duration::minutes(token_minutes + 1);
            }
        })
    };
    let clock: Arc<dyn Clock> = shift.clone();
    let m = play(SharedClock::from_arc(clock), 1024, hook).await;
    let p = &m.played;
    assert!(moved.load(Ordering::SeqCst), "the clock was moved");
    let yotei = m
        .schedule
        .events
        .iter()
        .filter(|e| e.kind == SendKind::Yotei)
        .count() as u64;
    assert_eq!(
        started_at_move.load(Ordering::SeqCst),
        yotei,
        "the clock moved between the 予定 and the 実績"
    );
    // Every send, the 実績 made with expired tokens included, was acknowledged and
    // reconciles.
    assert_eq!(
        acknowledged(p),
        m.schedule.events.len(),
        "{:?}",
        p.metrics.errors_by_code
    );
    let jisseki = p
        .ledger
        .iter()
        .filter(|s| s.kind == SendKind::Jisseki)
        .count();
    assert_eq!(jisseki, m.world.pairs.len());
    assert!(p.reconciliation.passed(), "{:?}", p.reconciliation);
    assert_eq!(p.reconciliation.delivered, acknowledged(p) as u64);
    // Counted as re-logins, not as errors.
    let o = p.metrics.office;
    let offices = m.world.summary().hub_offices;
    assert!(o.relogins > 0, "{o:?}");
    assert!(
        o.relogins <= offices,
        "at most one re-login per office: {o:?}"
    );
    assert_eq!(o.logins, offices + o.relogins, "{o:?}");
    assert_eq!(p.metrics.errors(), 0, "{:?}", p.metrics.errors_by_code);
    assert!(p.metrics.errors_by_code.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_clients_are_bounded_and_a_dropped_one_comes_back_without_a_login() {
    let m = play(SharedClock::system(), 2, Box::new(|_| {})).await;
    let p = &m.played;
    assert_eq!(
        acknowledged(p),
        m.schedule.events.len(),
        "{:?}",
        p.metrics.errors_by_code
    );
    assert!(p.reconciliation.passed(), "{:?}", p.reconciliation);
    let o = p.metrics.office;
    let offices = m.world.summary().hub_offices;
    // With two live clients for every office, clients were dropped and made again …
    assert!(o.clients_evicted > 0 && o.clients > offices, "{o:?}");
    // … yet each office logged in once: the token outlived its client.
    assert_eq!(o.logins, offices, "{o:?}");
    assert_eq!(o.relogins, 0);
}
