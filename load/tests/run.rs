//! A small month against the embedded hub: every send acknowledged, every 実績 answers an
//! imported 予定, and the reconciliation holds.

use std::sync::Arc;
use std::time::Duration;

use renkei_load::profile::{Profile, Schedule, Shard};
use renkei_load::run::{run, Hooks, Played, RunOptions, SendOutcome};
use renkei_load::target;
use renkei_load::units::SendKind;
use renkei_load::world::{LoadWorld, WorldParams};

fn small() -> WorldParams {
    WorldParams {
        kyotaku: 4,
        providers: 10,
        providers_per_kyotaku_min: 2,
        providers_per_kyotaku_max: 4,
        users_per_kyotaku: 6,
        change_rate: 0.5,
        correction_rate: 0.5,
        deletion_rate: 0.3,
        ..WorldParams::default()
    }
}

/// A month of `params` played against a new embedded hub (still running).
struct Month {
    world: Arc<LoadWorld>,
    schedule: Arc<Schedule>,
    hub: target::Embedded,
    played: Played,
}

async fn play_month(params: &WorldParams, opts: RunOptions) -> Month {
    let world = Arc::new(LoadWorld::generate(params).expect("world"));
    let profile = Profile::load("month-end").expect("profile");
    let schedule = Arc::new(Schedule::build(&profile, &world, Shard::ALL));
    let hub_world = world.hub_world(Default::default(), time::OffsetDateTime::now_utc().date());
    let pki = target::generate_pki(&hub_world).expect("pki");
    let hub = target::start_embedded(hub_world, &pki.pki)
        .await
        .expect("hub");
    let t = target::embedded_target(&hub, &world, &pki.pki);
    let played = run(
        world.clone(),
        &profile,
        schedule.clone(),
        Shard::ALL,
        t,
        opts,
        Hooks::none(),
    )
    .await
    .expect("run");
    Month {
        world,
        schedule,
        hub,
        played,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_month_reconciles_against_the_embedded_hub() {
    let Month {
        world,
        schedule,
        hub,
        played,
    } = play_month(
        &small(),
        RunOptions {
            duration: Duration::from_secs(4),
            grace: Duration::from_secs(20),
            ..RunOptions::default()
        },
    )
    .await;
    let r = played.reconciliation;
    assert_eq!(
        played.facts.started,
        schedule.events.len() as u64,
        "{:?}",
        played.facts
    );
    assert!(r.passed(), "{r:?}");
    let acked = played
        .ledger
        .iter()
        .filter(|s| matches!(s.outcome, SendOutcome::Acknowledged(_)))
        .count() as u64;
    assert_eq!(r.acknowledged, acked);
    assert_eq!(r.delivered, acked);
    assert_eq!(
        acked,
        played.ledger.len() as u64,
        "{:?}",
        played.metrics.errors_by_code
    );
    assert_eq!(played.metrics.office.jisseki_without_yotei, 0);
    let jisseki = played
        .ledger
        .iter()
        .filter(|s| s.kind == SendKind::Jisseki)
        .count();
    assert_eq!(jisseki, world.pairs.len());
    assert!(played.metrics.office.polls > 0 && played.metrics.office.imports > 0);
    assert_eq!(played.metrics.office.imports_corrupted, 0);
    // Each office logged in once: its session was reused for every send and poll.
    assert_eq!(played.metrics.office.logins, world.summary().hub_offices);
    // The store holds exactly the acknowledged sends.
    hub.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_that_falls_behind_stops_at_the_end_and_counts_what_it_never_started() {
    // About 2,000 sends due in one second with one request in flight: no hub keeps up
    // (each new office needs its own TLS handshake and login), so the runner falls behind.
    let params = WorldParams {
        kyotaku: 40,
        providers: 300,
        providers_per_kyotaku_min: 20,
        providers_per_kyotaku_max: 30,
        users_per_kyotaku: 2,
        ..WorldParams::default()
    };
    let Month {
        schedule,
        hub,
        played,
        ..
    } = play_month(
        &params,
        RunOptions {
            duration: Duration::from_secs(1),
            grace: Duration::from_secs(10),
            max_in_flight: 1,
            ..RunOptions::default()
        },
    )
    .await;
    assert!(schedule.events.len() > 1_500, "{}", schedule.events.len());
    let f = &played.facts;
    assert_eq!(f.due, schedule.events.len() as u64, "{f:?}");
    // Started only what it could before the end; the rest is counted, not played late.
    assert!(f.started > 0 && f.started < f.due, "{f:?}");
    assert!(played.ledger.len() as u64 <= f.started, "{f:?}");
    // How far it got: the last send started, not the month's end.
    assert!(f.reached < schedule.length, "{f:?}");
    assert!(
        played.reconciliation.passed(),
        "{:?}",
        played.reconciliation
    );
    hub.server.shutdown().await;
}
