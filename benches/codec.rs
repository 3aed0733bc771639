//! Codec throughput on one whole 予定 send unit (第6表 + 第7表 + 利用者補足情報) of at least
//! 50 MB, generated with the variety of a real office (`sample::varied_usage_unit`: many
//! users, differing names and addresses, each user's own weekdays and times, free text):
//!
//! - (a) csv-core parse alone of every file (the floor),
//! - (b) encoding_rs decode alone,
//! - (c) full read + validate of the unit, send-unit checks included.
//!
//! Criterion prints MB/s for each. Then a summary measured in the same run (the three stages
//! interleaved, medians) prints the ratio (c) / (a) against the target (≥ 0.5), the time per
//! user at a quarter of the users and at all of them (the send-unit checks must stay linear),
//! and the validator's peak memory per user (heap above the input, by a counting allocator).
//!
//! `RENKEI_BENCH_MB` sets the unit's size (default 50).

use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput};
use peak_alloc::PeakAlloc;
use renkei_spec::sample;
use renkei_spec::validate::{validate_unit_bytes, Options};
use renkei_spec::writer;

/// The system allocator, counting the bytes live and their peak (for memory per user).
#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// One send unit as `(file name, bytes)`, with its number of users.
struct Unit {
    files: Vec<(String, Vec<u8>)>,
    users: usize,
}

impl Unit {
    fn bytes(&self) -> usize {
        self.files.iter().map(|(_, b)| b.len()).sum()
    }

    fn generate(users: usize) -> Unit {
        let unit = sample::varied_usage_unit(1, users, "202505");
        let files = unit
            .files
            .iter()
            .map(|f| {
                let w = writer::write_file(&unit, f).expect("writable");
                (w.name, w.bytes)
            })
            .collect();
        Unit { files, users }
    }

    /// The smallest unit of at least `mb` MB: the size per user measured on a small unit.
    fn of_at_least(mb: usize) -> Unit {
        let target = mb * 1_000_000;
        let probe = Unit::generate(500);
        let per_user = probe.bytes() / probe.users;
        let mut users = target / per_user + 1;
        loop {
            let u = Unit::generate(users);
            if u.bytes() >= target {
                return u;
            }
            users += users / 20 + 1;
        }
    }
}

/// (a) csv-core over every file: the records counted, nothing else.
fn parse_floor(unit: &Unit) -> u64 {
    let mut records = 0u64;
    let mut out = vec![0u8; 64 * 1024];
    let mut ends = vec![0usize; 256];
    for (_, bytes) in &unit.files {
        let mut rdr = csv_core::Reader::new();
        let mut input = &bytes[..];
        loop {
            let (res, nin, _, _) = rdr.read_record(input, &mut out, &mut ends);
            input = &input[nin..];
            match res {
                csv_core::ReadRecordResult::Record => records += 1,
                csv_core::ReadRecordResult::End => break,
                csv_core::ReadRecordResult::InputEmpty => {}
                _ => unreachable!("buffers are large enough"),
            }
        }
    }
    records
}

/// (b) encoding_rs: every file decoded from Shift_JIS.
fn decode(unit: &Unit) -> usize {
    unit.files
        .iter()
        .map(|(_, b)| {
            encoding_rs::SHIFT_JIS
                .decode_without_bom_handling(b)
                .0
                .len()
        })
        .sum()
}

/// (c) the validator on the whole unit, send-unit checks included; it must find it valid.
fn validate(unit: &Unit) -> u64 {
    let files: Vec<(&str, &[u8])> = unit
        .files
        .iter()
        .map(|(n, b)| (n.as_str(), &b[..]))
        .collect();
    let rep = validate_unit_bytes(&files, &Options::default()).expect("in memory");
    let bad = rep
        .files
        .iter()
        .flat_map(|f| f.diagnostics.iter().map(move |d| (&f.path, d)))
        .next();
    assert!(bad.is_none(), "the generated unit is valid: {bad:?}");
    rep.files.iter().map(|f| f.records).sum()
}

fn bench(c: &mut Criterion, unit: &Unit) {
    let mut g = c.benchmark_group("codec");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(unit.bytes() as u64));
    let id = |s: &str| BenchmarkId::new(s, unit.bytes());
    g.bench_with_input(id("a-csv-core-parse"), unit, |b, u| {
        b.iter(|| parse_floor(u))
    });
    g.bench_with_input(id("b-encoding-rs-decode"), unit, |b, u| {
        b.iter(|| decode(u))
    });
    g.bench_with_input(id("c-read-validate-unit"), unit, |b, u| {
        b.iter(|| validate(u))
    });
    g.finish();
}

/// The median of some timings, in seconds.
fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The figures the issue asks for, measured in this run: ratio, linearity, memory per user.
fn summary(unit: &Unit) {
    const RUNS: usize = 5;
    let mb = unit.bytes() as f64 / 1e6;
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        // Interleaved, so that a noisy moment of the machine falls on every stage alike.
        let t = Instant::now();
        std::hint::black_box(parse_floor(unit));
        a.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        std::hint::black_box(decode(unit));
        b.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        std::hint::black_box(validate(unit));
        c.push(t.elapsed().as_secs_f64());
    }
    let (a, b, c) = (median(&mut a), median(&mut b), median(&mut c));
    let ratio = a / c;
    println!();
    println!(
        "send unit: {} files, {:.1} MB, {} users",
        unit.files.len(),
        mb,
        unit.users
    );
    println!("(a) csv-core parse    {:>8.1} MB/s", mb / a);
    println!("(b) encoding_rs decode{:>8.1} MB/s", mb / b);
    println!("(c) read + validate   {:>8.1} MB/s", mb / c);
    println!(
        "ratio (c)/(a) = {ratio:.2} (target ≥ 0.50: {})",
        if ratio >= 0.5 { "met" } else { "NOT met" }
    );

    // Linearity: time per user on a quarter of the users against all of them.
    let quarter = Unit::generate(unit.users / 4);
    let mut q = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(validate(&quarter));
        q.push(t.elapsed().as_secs_f64());
    }
    let q = median(&mut q);
    let per_q = q / quarter.users as f64 * 1e6;
    let per_full = c / unit.users as f64 * 1e6;
    println!(
        "per user: {per_q:.2} µs at {} users, {per_full:.2} µs at {} users (ratio {:.2}; 1.00 = linear)",
        quarter.users,
        unit.users,
        per_full / per_q
    );

    // Memory: the validator's peak heap above what was live before it (the input).
    let before = ALLOC.current_usage();
    ALLOC.reset_peak_usage();
    std::hint::black_box(validate(unit));
    let peak = ALLOC.peak_usage() - before;
    println!(
        "memory: peak {:.1} MB above the input, {:.0} bytes per user",
        peak as f64 / 1e6,
        peak as f64 / unit.users as f64
    );
}

fn main() {
    let mb = std::env::var("RENKEI_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let unit = Unit::of_at_least(mb);
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &unit);
    c.final_summary();
    summary(&unit);
}
