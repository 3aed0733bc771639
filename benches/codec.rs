//! Codec throughput on one generated corpus of realistic 予定 files (≥ 50 MB in all):
//! (a) csv-core parse alone (the floor), (b) encoding_rs decode alone, (c) full read + validate.
//! Target: (c) at least half of (a)'s throughput. Criterion prints MB/s for each.

use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use renkei_spec::sample;
use renkei_spec::validate::{file::validate_reader, Options};
use renkei_spec::writer;

fn corpus() -> (String, Vec<u8>) {
    // One world's 予定 file, its records repeated until the file passes 50 MB.
    let unit = sample::big_usage_file(1, 400, "202505");
    let f = writer::write_file(&unit, &unit.files[0]).expect("writable");
    let mut bytes = Vec::with_capacity(52 * 1024 * 1024);
    while bytes.len() < 50 * 1024 * 1024 {
        bytes.extend_from_slice(&f.bytes);
    }
    (f.name, bytes)
}

fn bench(c: &mut Criterion) {
    let (name, bytes) = corpus();
    let mut g = c.benchmark_group("codec");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_with_input(
        BenchmarkId::new("a-csv-core-parse", bytes.len()),
        &bytes,
        |b, bytes| {
            b.iter(|| {
                let mut rdr = csv_core::Reader::new();
                let mut out = vec![0u8; 64 * 1024];
                let mut ends = vec![0usize; 256];
                let mut input = &bytes[..];
                let mut records = 0u64;
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
                records
            })
        },
    );
    g.bench_with_input(
        BenchmarkId::new("b-encoding-rs-decode", bytes.len()),
        &bytes,
        |b, bytes| {
            b.iter(|| {
                encoding_rs::SHIFT_JIS
                    .decode_without_bom_handling(bytes)
                    .0
                    .len()
            })
        },
    );
    g.bench_with_input(
        BenchmarkId::new("c-read-validate", bytes.len()),
        &bytes,
        |b, bytes| {
            b.iter(|| {
                let rep = validate_reader(&name, &name, &bytes[..], &Options::default())
                    .expect("in memory");
                assert!(rep.valid, "{:?}", rep.diagnostics.first());
                rep.records
            })
        },
    );
    g.finish();
}

/// The benchmark group. `criterion_group!` defines an undocumented `pub fn benches`, so the
/// lint is lifted here only.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
