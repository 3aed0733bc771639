//! Helpers for the validator's tests, shared by `file`, `record` and `unit`: generated send
//! units written as files, their records as bytes or as decoded values, a field or a user's
//! records edited in place, and a unit validated in memory.

use crate::diagnostic::Code;
use crate::filename::{self, FileName};
use crate::model::SendUnit;
use crate::reader;
use crate::sample::{self, World};
use crate::writer;

use super::{validate_unit_bytes, Options};

/// The world every helper draws from: 5 users, fixed seed.
pub(crate) fn world() -> World {
    World::generate(7, 5)
}

/// A 予定 send unit (UPPLAN + UPSIKYU + UPHOSOKU) for June 2025, a 30-day month.
pub(crate) fn usage_unit() -> SendUnit {
    sample::usage_unit(&world(), "4.1", 0, "202506", "20250525103000")
}

/// A 実績 send unit (UPJSK), sent by a サービス事業所 whose name carries its サービス種類.
pub(crate) fn actual_unit() -> SendUnit {
    sample::actual_unit(&world(), "4.1", 0, "202505", "20250603090000")
}

/// A 居宅サービス計画書 send unit (第1表 + 第2表 + 第3表 + 利用者補足情報).
pub(crate) fn plan_unit() -> SendUnit {
    sample::plan_unit(&world(), "4.1", 0, "20250401", "20250402090000")
}

/// A 介護予防 send unit with its 利用者基本情報 and their 別表.
pub(crate) fn yobo_unit() -> SendUnit {
    sample::yobo_unit(&world(), 0, "20250315", true, "20250317090000")
}

/// The unit's files as written: (name, bytes).
pub(crate) fn files(unit: &SendUnit) -> Vec<(String, Vec<u8>)> {
    writer::write_unit(unit)
        .expect("a generated unit is writable")
        .into_iter()
        .map(|f| (f.name, f.bytes))
        .collect()
}

/// The index of the `kind` file among `files`.
pub(crate) fn index_of(files: &[(String, Vec<u8>)], kind: &str) -> usize {
    files
        .iter()
        .position(|(n, _)| n.starts_with(&format!("{kind}_")))
        .unwrap_or_else(|| panic!("no {kind} file"))
}

/// A file's records as in the file, without their line endings (read as CSV: a line break
/// inside quoted free text stays within its record).
pub(crate) fn records(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut r = reader::CsvReader::new(bytes);
    let mut rec = reader::RawRecord::default();
    let mut out = Vec::new();
    while r.read(&mut rec).expect("in memory") {
        out.push(rec.content().to_vec());
    }
    out
}

/// Records back into a file, each ended by CR LF.
pub(crate) fn join(records: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for r in records {
        bytes.extend_from_slice(r);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes
}

/// A small generated 予定 file: (name, records without their line endings).
pub(crate) fn usage_records() -> (String, Vec<Vec<u8>>) {
    let unit = sample::big_usage_file(7, 3, "202505");
    let f = writer::write_file(&unit, &unit.files[0]).expect("writable");
    (f.name, records(&f.bytes))
}

/// Sets field `i` of a record (no field of the generated files holds a comma or a quote
/// besides the quoted free text, which is replaced whole).
pub(crate) fn set_field(record: &[u8], i: usize, value: &[u8]) -> Vec<u8> {
    let mut fields: Vec<&[u8]> = record.split(|&b| b == b',').collect();
    fields[i] = value;
    fields.join(&b',')
}

/// The 保険者番号 and 被保険者番号 (fields 2 and 3) that start a record: who it is about.
fn user_of(record: &[u8]) -> Vec<&[u8]> {
    record.split(|&b| b == b',').skip(1).take(2).collect()
}

/// The file without the records of the user of record `of`, and without the records `also`
/// refuses too (`|_| true`: every record of that user).
pub(crate) fn drop_user_records(bytes: &[u8], of: usize, also: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let all = records(bytes);
    let user: Vec<Vec<u8>> = user_of(&all[of]).into_iter().map(<[u8]>::to_vec).collect();
    let kept: Vec<Vec<u8>> = all
        .iter()
        .filter(|r| !(user_of(r) == user && also(r)))
        .cloned()
        .collect();
    assert!(kept.len() < all.len(), "some record dropped");
    join(&kept)
}

/// The decoded values of every record of the unit's `kind` file, and the file's parsed name.
pub(crate) fn values_of(unit: &SendUnit, kind: &str) -> (FileName, Vec<Vec<String>>) {
    let files = files(unit);
    let (name, bytes) = &files[index_of(&files, kind)];
    let parsed = filename::parse(name).name.expect("a generated name parses");
    (parsed, reader::decode_records(bytes))
}

/// Validates the files as one send unit, in memory: the codes of every file's diagnostics.
pub(crate) fn unit_codes(files: &[(String, Vec<u8>)]) -> Vec<Code> {
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let report = validate_unit_bytes(&files, &Options::default()).expect("in memory");
    report
        .files
        .iter()
        .flat_map(|f| f.diagnostics.iter().map(|d| d.code))
        .collect()
}
