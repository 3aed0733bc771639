//! Profiling driver: validate a generated UPPLAN corpus of about N MB (default 5) once.
use renkei_spec::sample;
use renkei_spec::validate::{file::validate_reader, Options};
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
    let unit = sample::big_usage_file(1, 400, "202505");
    let f = writer::write_file(&unit, &unit.files[0]).expect("writable");
    let mut bytes = Vec::new();
    while bytes.len() < mb * 1024 * 1024 {
        bytes.extend_from_slice(&f.bytes);
    }
    if let Ok(dir) = std::env::var("PROF_OUT") {
        std::fs::write(std::path::Path::new(&dir).join(&f.name), &bytes).unwrap();
        return;
    }
    let t = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..reps {
        let rep = validate_reader(&f.name, &f.name, &bytes[..], &Options::default()).unwrap();
        assert!(rep.valid, "{:?}", rep.diagnostics.first());
        n += rep.records;
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "{} bytes, {} records, {:.1} MiB/s",
        bytes.len(),
        n,
        (bytes.len() * reps) as f64 / s / 1048576.0
    );
}
