//! Profiling driver: validate a generated, varied 予定 send unit of about N MB (default 5)
//! `reps` times, send-unit checks included (the shape of `benches/codec.rs`), under perf or
//! callgrind. `PROF_OUT=DIR` writes the unit's files into DIR instead.
use renkei_spec::sample;
use renkei_spec::validate::{validate_unit_bytes, Options};
use renkei_spec::writer;

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let reps: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    // About 8.7 KB per user in this generator.
    let unit = sample::varied_usage_unit(1, (mb * 1_000_000 / 8_700).max(1), "202505");
    let files: Vec<(String, Vec<u8>)> = unit
        .files
        .iter()
        .map(|f| {
            let w = writer::write_file(&unit, f).expect("writable");
            (w.name, w.bytes)
        })
        .collect();
    if let Ok(dir) = std::env::var("PROF_OUT") {
        for (name, bytes) in &files {
            std::fs::write(std::path::Path::new(&dir).join(name), bytes).expect("writable");
        }
        return;
    }
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let t = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..reps {
        let rep = validate_unit_bytes(&refs, &Options::default()).expect("in memory");
        assert_eq!(
            rep.summary.invalid,
            0,
            "{:?}",
            rep.files[0].diagnostics.first()
        );
        n += rep.files.iter().map(|f| f.records).sum::<u64>();
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "{} bytes, {} records, {:.1} MB/s",
        bytes,
        n,
        (bytes * reps) as f64 / s / 1e6
    );
}
