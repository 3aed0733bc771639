//! Sample send units on disk, and the fixture corpus (valid edge cases and malformed files,
//! each a case with a stable ID, an expected verdict and the expected diagnostic codes).

use std::fs;
use std::io;
use std::path::Path;

use crate::model::SendUnit;
use crate::sample::{self, World};
use crate::writer;

/// Writes one unit's files into `dir`; returns how many.
pub fn write_unit_files(dir: &Path, unit: &SendUnit) -> io::Result<usize> {
    fs::create_dir_all(dir)?;
    let files = writer::write_unit(unit)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    for f in &files {
        fs::write(dir.join(&f.name), &f.bytes)?;
    }
    Ok(files.len())
}

/// Every kind of send unit of both revisions, for one synthetic world.
pub fn sample_units(seed: u64, users: usize) -> Vec<(String, SendUnit)> {
    sample_units_of(&World::generate(seed, users))
}

/// The sample send units of a given world (e.g. one whose office numbers are a hub's).
pub fn sample_units_of(w: &World) -> Vec<(String, SendUnit)> {
    sample_recipes(w)
        .into_iter()
        .map(|(dir, make)| (dir, make(w)))
        .collect()
}

/// The dates of one revision's sample units: a service month in which that revision is in
/// force (4.1 from 202504, 3.2 before it), and when each file
/// was made and sent around it (予定 in the days before the month, 実績 just after it).
struct SampleDates {
    revision: &'static str,
    /// The service month (YYYYMM) of the 予定, 実績 and deletions.
    month: &'static str,
    /// Day (YYYYMMDD) the 予定 is sent; the ファイル連番 adds the time.
    usage_sent: &'static str,
    /// Day (YYYYMMDD) the 実績 is sent.
    actual_sent: &'static str,
    /// 作成（変更）日 of the 居宅サービス計画書, and the ファイル連番 of its send.
    plan_made: &'static str,
    plan_sent: &'static str,
    /// ファイル連番 of the deletions.
    plan_deleted: &'static str,
    usage_deleted: &'static str,
    actual_deleted: &'static str,
}

const SAMPLE_DATES_41: SampleDates = SampleDates {
    revision: "4.1",
    month: "202505",
    usage_sent: "20250425",
    actual_sent: "20250602",
    plan_made: "20250401",
    plan_sent: "20250402090000",
    plan_deleted: "20250410090000",
    usage_deleted: "20250428090000",
    actual_deleted: "20250603090000",
};

const SAMPLE_DATES_32: SampleDates = SampleDates {
    revision: "3.2",
    month: "202503",
    usage_sent: "20250225",
    actual_sent: "20250402",
    plan_made: "20250301",
    plan_sent: "20250302090000",
    plan_deleted: "20250310090000",
    usage_deleted: "20250228090000",
    actual_deleted: "20250403090000",
};

/// How to build one sample send unit from a world.
type Recipe = Box<dyn Fn(&World) -> SendUnit>;

/// Every sample send unit as (folder, recipe), so that a writer builds one unit at a time and
/// drops it before the next (memory holds one unit, not all of them).
fn sample_recipes(w: &World) -> Vec<(String, Recipe)> {
    let mut v: Vec<(String, Recipe)> = Vec::new();
    for dates in [&SAMPLE_DATES_41, &SAMPLE_DATES_32] {
        let rev = dates.revision;
        let month = dates.month;
        for p in 0..w.providers.len() {
            let ty = &w.providers[p].service_type;
            v.push((
                format!("{rev}/usage-{ty}"),
                Box::new(move |w| {
                    sample::usage_unit(w, rev, p, month, &format!("{}10{p:02}00", dates.usage_sent))
                }),
            ));
            v.push((
                format!("{rev}/actual-{ty}"),
                Box::new(move |w| {
                    sample::actual_unit(
                        w,
                        rev,
                        p,
                        month,
                        &format!("{}09{p:02}00", dates.actual_sent),
                    )
                }),
            ));
        }
        v.push((
            format!("{rev}/plan"),
            Box::new(move |w| sample::plan_unit(w, rev, 0, dates.plan_made, dates.plan_sent)),
        ));
        v.push((
            format!("{rev}/delete-plan"),
            Box::new(move |w| {
                sample::delete_unit(w, rev, "DLT1KYO", 0, dates.plan_made, dates.plan_deleted)
            }),
        ));
        v.push((
            format!("{rev}/delete-usage"),
            Box::new(move |w| {
                sample::delete_unit(w, rev, "DLTPLAN", 0, month, dates.usage_deleted)
            }),
        ));
        v.push((
            format!("{rev}/delete-actual"),
            Box::new(move |w| {
                sample::delete_unit(w, rev, "DLTJSK", 0, month, dates.actual_deleted)
            }),
        ));
    }
    v.push((
        "4.1/yobo-kihon".into(),
        Box::new(|w| sample::yobo_unit(w, 0, "20250315", false, "20250316090000")),
    ));
    v.push((
        "4.1/yobo-plan".into(),
        Box::new(|w| sample::yobo_unit(w, 0, "20250315", true, "20250317090000")),
    ));
    v.push((
        "4.1/delete-kihon".into(),
        Box::new(|w| sample::yobo_delete_unit(w, "DLTKIHON", 0, "20250315", "20250318090000")),
    ));
    v.push((
        "4.1/delete-yobo".into(),
        Box::new(|w| sample::yobo_delete_unit(w, "DLTYOBO", 0, "20250315", "20250319090000")),
    ));
    v
}

/// `renkei sample`: writes [`sample_units`] under `out`; returns the number of files.
pub fn write_samples(out: &Path, seed: u64, users: usize) -> io::Result<usize> {
    write_samples_of(out, &World::generate(seed, users))
}

/// Writes the sample send units of a given world.
pub fn write_samples_of(out: &Path, w: &World) -> io::Result<usize> {
    let mut n = 0;
    for (dir, make) in sample_recipes(w) {
        n += write_unit_files(&out.join(dir), &make(w))?;
    }
    Ok(n)
}

/// One case of the corpus, as listed in `fixtures/manifest.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Case {
    /// Stable, namespaced ID; never renumbered, never reused for another meaning.
    pub id: String,
    /// What the case breaks (or shows), in one line.
    pub description: String,
    /// The folder of the case, relative to the corpus root.
    pub dir: String,
    /// Whether every file of the case is valid.
    pub valid: bool,
    /// Exactly the diagnostic codes the case produces (errors and warnings), sorted.
    pub expect: Vec<String>,
    /// The file the break is in, and the physical line of the break (where it has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The physical line of the break, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// The manifest of the corpus.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// Every case, in ID order.
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
}

/// The files of a case: (file name, bytes).
pub type Files = Vec<(String, Vec<u8>)>;
/// (id, description, kind, record (0 = last), item, raw bytes, expected codes).
type ItemCase = (
    &'static str,
    &'static str,
    &'static str,
    usize,
    usize,
    &'static [u8],
    &'static [&'static str],
);
/// (id, description, renaming, expected codes).
type NameCase = (
    &'static str,
    &'static str,
    fn(&str) -> String,
    &'static [&'static str],
);

fn files_of(unit: &SendUnit) -> Files {
    writer::write_unit(unit)
        .expect("sample units are writable")
        .into_iter()
        .map(|f| (f.name, f.bytes))
        .collect()
}

fn find(files: &Files, kind: &str) -> usize {
    files
        .iter()
        .position(|(n, _)| n.starts_with(&format!("{kind}_")))
        .unwrap_or_else(|| {
            panic!(
                "no {kind} file in {:?}",
                files.iter().map(|f| &f.0).collect::<Vec<_>>()
            )
        })
}

/// Byte range (quotes included) of item `item` (1-based) of record `record` (1-based).
fn field_range(bytes: &[u8], record: usize, item: usize) -> (usize, usize) {
    let mut r = crate::reader::CsvReader::new(bytes);
    let mut rec = crate::reader::RawRecord::default();
    let mut n = 0;
    while r.read(&mut rec).unwrap_or(false) {
        n += 1;
        if n == record {
            let (spans, _) = rec.spans();
            let s = spans[item - 1];
            return (rec.offset as usize + s.start, rec.offset as usize + s.end);
        }
    }
    panic!("no record {record}")
}

/// Byte offset of the start of record `record` (1-based) and its end (after the line ending).
fn record_range(bytes: &[u8], record: usize) -> (usize, usize) {
    let mut r = crate::reader::CsvReader::new(bytes);
    let mut rec = crate::reader::RawRecord::default();
    let mut n = 0;
    while r.read(&mut rec).unwrap_or(false) {
        n += 1;
        if n == record {
            return (rec.offset as usize, rec.offset as usize + rec.raw.len());
        }
    }
    panic!("no record {record}")
}

fn line_of(bytes: &[u8], offset: usize) -> u64 {
    1 + crate::reader::count_line_breaks(&bytes[..offset])
}

fn values_of(bytes: &[u8]) -> Vec<Vec<String>> {
    crate::reader::decode_records(bytes)
}

/// The byte-level encoding traps of the corpus (ms932.md): each replaces 利用者補足情報's
/// 利用者氏名 (record 2, item 6) with raw bytes. (id, description, raw, expected codes)
pub const FIELD_TRAPS: &[(&str, &str, &[u8], &[&str])] = &[
    (
        "csv.encoding.gaiji",
        "外字 F040 (user-defined area) in 利用者氏名",
        b"\"\x88\x9F\xF0\x40\"",
        &["encoding.gaiji"],
    ),
    (
        "csv.encoding.gaiji-f9",
        "外字 F9FC, the last user-defined character",
        b"\"\xF9\xFC\"",
        &["encoding.gaiji"],
    ),
    (
        "csv.encoding.invalid-byte-a0",
        "the byte 0xA0",
        b"\"\x82\xA0\xA0\"",
        &["encoding.invalid-byte"],
    ),
    (
        "csv.encoding.invalid-byte-fd",
        "the byte 0xFD",
        b"\"\xFD\x82\xA0\"",
        &["encoding.invalid-byte"],
    ),
    (
        "csv.encoding.invalid-byte-fe",
        "the byte 0xFE",
        b"\"\xFE\"",
        &["encoding.invalid-byte"],
    ),
    (
        "csv.encoding.invalid-byte-ff",
        "the byte 0xFF",
        b"\"a\xFF\"",
        &["encoding.invalid-byte"],
    ),
    (
        "csv.encoding.invalid-byte-80",
        "the byte 0x80",
        b"\"\x80\"",
        &["encoding.invalid-byte"],
    ),
    (
        "csv.encoding.truncated-field",
        "a lead byte 0x88 right before the closing quote",
        b"\"\x82\xA0\x88\"",
        &["encoding.truncated"],
    ),
    (
        "csv.encoding.truncated-before-comma",
        "a lead byte 0x88 right before the comma of an unquoted field",
        b"\x82\xA0\x88",
        &["encoding.truncated", "structure.free-text-unquoted"],
    ),
    (
        "csv.encoding.invalid-sequence",
        "lead byte 0x88 followed by a space",
        b"\"\x88 \x82\xA0\"",
        &["encoding.invalid-sequence"],
    ),
    (
        "csv.encoding.unmapped",
        "the well-formed pair 8540, empty in MS932",
        b"\"\x85\x40\"",
        &["encoding.unmapped"],
    ),
    (
        "csv.encoding.nul",
        "a NUL byte in free text",
        b"\"a\x00b\"",
        &["encoding.control-char"],
    ),
];

/// The whole-file encoding traps of the corpus: 利用者補足情報 re-encoded. (id, description,
/// expected code)
pub const FILE_TRAPS: &[(&str, &str, &str)] = &[
    (
        "csv.encoding.utf8",
        "the whole file in UTF-8 without BOM",
        "encoding.utf8",
    ),
    (
        "csv.encoding.utf8-bom",
        "the whole file in UTF-8 with a BOM",
        "encoding.utf8-bom",
    ),
    (
        "csv.encoding.utf16le-bom",
        "the whole file in UTF-16LE with a BOM",
        "encoding.utf16",
    ),
    (
        "csv.encoding.utf16be",
        "the whole file in UTF-16BE without a BOM",
        "encoding.utf16",
    ),
];

/// Re-encodes MS932 bytes as a whole-file trap; returns the offset of the first changed byte.
fn reencode(id: &str, v: &mut Vec<u8>) -> Option<usize> {
    let (s, _, _) = encoding_rs::SHIFT_JIS.decode(v);
    let s = s.into_owned();
    let (bytes, at) = match id {
        "csv.encoding.utf8" => {
            let b = s.into_bytes();
            let first = b.iter().position(|c| !c.is_ascii());
            (b, first)
        }
        "csv.encoding.utf8-bom" => {
            let mut u = vec![0xEF, 0xBB, 0xBF];
            u.extend_from_slice(s.as_bytes());
            (u, Some(0))
        }
        "csv.encoding.utf16le-bom" => {
            let mut u = vec![0xFF, 0xFE];
            for c in s.encode_utf16() {
                u.extend_from_slice(&c.to_le_bytes());
            }
            (u, Some(0))
        }
        "csv.encoding.utf16be" => {
            let mut u = Vec::new();
            for c in s.encode_utf16() {
                u.extend_from_slice(&c.to_be_bytes());
            }
            (u, Some(0))
        }
        _ => return None,
    };
    *v = bytes;
    at
}

/// Applies the encoding trap `id` (one of [`FIELD_TRAPS`] or [`FILE_TRAPS`]) to the files of a
/// 予定 send unit (which must hold 利用者補足情報 with at least two records). Returns the files,
/// the name of the broken file and the physical line of the break.
pub fn apply_encoding_trap(id: &str, unit: &SendUnit) -> Option<(Files, String, u64)> {
    let mut b = Build::new(unit);
    if let Some((_, _, raw, _)) = FIELD_TRAPS.iter().find(|t| t.0 == id) {
        b.set("UPHOSOKU", 2, 6, raw);
    } else if FILE_TRAPS.iter().any(|t| t.0 == id) {
        b.map("UPHOSOKU", |v| reencode(id, v));
    } else {
        return None;
    }
    Some((b.files, b.file?, b.line?))
}

/// A case under construction: the files of one unit and where the break went.
struct Build {
    files: Files,
    file: Option<String>,
    line: Option<u64>,
}

impl Build {
    fn new(unit: &SendUnit) -> Build {
        Build {
            files: files_of(unit),
            file: None,
            line: None,
        }
    }

    fn mark(&mut self, i: usize, offset: usize) {
        self.line = Some(line_of(&self.files[i].1, offset));
        self.file = Some(self.files[i].0.clone());
    }

    /// Marks the first record of the user `insured` in the `kind` file as where the break shows.
    fn mark_user(&mut self, kind: &str, insured: &str) {
        let i = find(&self.files, kind);
        let n = values_of(&self.files[i].1)
            .iter()
            .position(|r| r[2] == insured)
            .expect("user has rows");
        let (a, _) = record_range(&self.files[i].1, n + 1);
        self.mark(i, a);
    }

    /// Replaces item `item` of record `record` of the `kind` file with raw bytes.
    fn set(&mut self, kind: &str, record: usize, item: usize, raw: &[u8]) -> &mut Self {
        let i = find(&self.files, kind);
        let (a, b) = field_range(&self.files[i].1, record, item);
        self.files[i].1.splice(a..b, raw.iter().copied());
        self.mark(i, a);
        self
    }

    /// Replaces the whole bytes of the `kind` file.
    fn map(&mut self, kind: &str, f: impl FnOnce(&mut Vec<u8>) -> Option<usize>) -> &mut Self {
        let i = find(&self.files, kind);
        let at = f(&mut self.files[i].1);
        self.file = Some(self.files[i].0.clone());
        self.line = at.map(|o| line_of(&self.files[i].1, o));
        self
    }

    /// Removes every record of `kind` for which `pred(values)` holds.
    fn drop_records(&mut self, kind: &str, pred: impl Fn(&[String]) -> bool) -> &mut Self {
        let i = find(&self.files, kind);
        let vals = values_of(&self.files[i].1);
        let mut cut = Vec::new();
        for (n, v) in vals.iter().enumerate() {
            if pred(v) {
                cut.push(record_range(&self.files[i].1, n + 1));
            }
        }
        for (a, b) in cut.into_iter().rev() {
            self.files[i].1.drain(a..b);
        }
        self
    }

    fn rename(&mut self, kind: &str, f: impl FnOnce(&str) -> String) -> &mut Self {
        let i = find(&self.files, kind);
        self.files[i].0 = f(&self.files[i].0);
        self.file = Some(self.files[i].0.clone());
        self.line = None;
        self
    }

    fn remove(&mut self, kind: &str) -> &mut Self {
        let i = find(&self.files, kind);
        self.files.remove(i);
        self
    }
}

/// Rewrites every field of a file (raw bytes, quotes included; `quoted` says whether it is),
/// keeping the records and writing CRLF after each.
fn rewrite_fields(v: &mut Vec<u8>, f: impl Fn(&[u8], bool) -> Vec<u8>) {
    let mut r = crate::reader::CsvReader::new(&v[..]);
    let mut rec = crate::reader::RawRecord::default();
    let mut out = Vec::new();
    while r.read(&mut rec).unwrap_or(false) {
        let (spans, _) = rec.spans();
        for (k, s) in spans.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            out.extend(f(&rec.content()[s.start..s.end], s.quoted));
        }
        out.extend_from_slice(b"\r\n");
    }
    *v = out;
}

fn replace_all(v: &mut Vec<u8>, from: &[u8], to: &[u8]) -> usize {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    let mut n = 0;
    while i < v.len() {
        if v[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
            n += 1;
        } else {
            out.push(v[i]);
            i += 1;
        }
    }
    *v = out;
    n
}

/// A tiny but real JPEG (SOI, APP0/JFIF, EOI) for the 家族構成 image.
pub const TINY_JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9,
];

/// Builds every case of the corpus: (case, files).
pub fn cases() -> Vec<(Case, Files)> {
    let w = World::generate(42, 3);
    let usage = || sample::usage_unit(&w, "4.1", 0, "202505", "20250425103000");
    let usage_june = || sample::usage_unit(&w, "4.1", 0, "202506", "20250525103000");
    let actual = || sample::actual_unit(&w, "4.1", 0, "202505", "20250602090000");
    let plan = || sample::plan_unit(&w, "4.1", 0, "20250401", "20250402090000");
    let kihon = || sample::yobo_unit(&w, 0, "20250315", false, "20250316090000");
    let mut out: Vec<(Case, Files)> = Vec::new();
    let mut add = |id: &str, description: &str, valid: bool, expect: &[&str], b: &Build| {
        let mut expect: Vec<String> = expect.iter().map(|s| s.to_string()).collect();
        expect.sort();
        expect.dedup();
        out.push((
            Case {
                id: id.into(),
                description: description.into(),
                dir: format!("cases/{id}"),
                valid,
                expect,
                file: b.file.clone(),
                line: b.line,
            },
            b.files.clone(),
        ));
    };

    // --- Valid: every kind of send unit of both revisions (the samples). ---
    for (dir, unit) in sample_units(7, 3) {
        let id = format!("valid.unit.v{}", dir.replace('.', "").replace('/', "."));
        add(
            &id,
            &format!("a whole synthetic send unit ({dir}) of every file it needs"),
            true,
            &[],
            &Build::new(&unit),
        );
    }
    // --- Valid edge cases: the traps of ms932.md and the standard. ---
    let mut b = Build::new(&usage());
    let i = find(&b.files, "UPHOSOKU");
    let mut enc = Vec::new();
    crate::ms932::encode("\"①㈱№℡Ⅰ　髙橋　ソ表能\"", &mut enc, &mut Vec::new()).expect("encodable");
    let (a, e) = field_range(&b.files[i].1, 1, 6);
    b.files[i].1.splice(a..e, enc);
    b.mark(i, a);
    add("valid.ms932.nec-special-ibm-5c", "NEC special characters ①㈱№℡Ⅰ, IBM extension 髙 (IBM form FBFC) and the 5C characters ソ表能 in 利用者氏名", true, &[], &b);

    let mut b = Build::new(&usage());
    let mut raw = b"\"\xEE\xE0".to_vec(); // 髙 in the NEC-selected form
    crate::ms932::encode("橋　花子（﨑）", &mut raw, &mut Vec::new()).expect("encodable");
    raw.push(b'"');
    b.set("UPHOSOKU", 1, 6, &raw);
    add("valid.ms932.ibm-ext-nec-form", "髙 written in the NEC-selected IBM extension form (EEE0) instead of the IBM form (FBFC), and 﨑: both forms are MS932", true, &[], &b);

    // The characters MS932 and a strict JIS X 0208 table decode differently (0x8160 is ～
    // U+FF5E in MS932 but 〜 U+301C in JIS, and so on): valid MS932, and the usual import bug.
    let mut b = Build::new(&usage());
    let mut raw = b"\"".to_vec();
    crate::ms932::encode(
        "コーポ表参道１～３号　－∥￠￡￢―",
        &mut raw,
        &mut Vec::new(),
    )
    .expect("encodable");
    raw.push(b'"');
    b.set("UPHOSOKU", 1, 11, &raw);
    add("valid.ms932.wave-dash-family", "～ (8160), － (817C), ∥ (8161), ￠￡￢ (8191 8192 81CA) and ― (815C) in 利用者住所２: MS932 reads them as U+FF5E U+FF0D U+2225 U+FFE0 U+FFE1 U+FFE2 U+2015; a strict JIS X 0208 table reads the first six as 〜 − ‖ ¢ £ ¬, and some tables read ― as — U+2014", true, &[], &b);

    let mut b = Build::new(&usage());
    let mut enc = b"\"".to_vec();
    crate::ms932::encode("ﾀｶﾊｼ ﾊﾅｺ", &mut enc, &mut Vec::new()).expect("encodable");
    enc.push(b'"');
    b.set("UPHOSOKU", 1, 5, &enc);
    add(
        "valid.ms932.half-width-kana",
        "half-width katakana (0xA1–0xDF) in 利用者氏名フリガナ",
        true,
        &[],
        &b,
    );

    let mut b = Build::new(&usage());
    let mut raw = b"\"".to_vec();
    crate::ms932::encode("9:00～10:00　血圧－測定、", &mut raw, &mut Vec::new())
        .expect("encodable");
    raw.extend_from_slice(b"\"\"");
    crate::ms932::encode("見守り", &mut raw, &mut Vec::new()).expect("encodable");
    raw.extend_from_slice(b"\"\",\r\n");
    crate::ms932::encode("は「必要」", &mut raw, &mut Vec::new()).expect("encodable");
    raw.push(b'"');
    b.set("UPHOSOKU", 2, 10, &raw);
    add("valid.csv.quoted-comma-quote-newline", "free text with ～ (8160), － (817C), a comma, doubled quotes and a line break inside quotes", true, &[], &b);

    // Free text written without quotes (the standard: 「※フリーテキストは""（半角）で囲い」).
    // This case was `valid.csv.unquoted-text` while quoting was read as optional; that ID is
    // retired, not reused.
    let mut b = Build::new(&usage());
    let i = find(&b.files, "UPHOSOKU");
    let (a, e) = field_range(&b.files[i].1, 2, 6);
    let inner = b.files[i].1[a + 1..e - 1].to_vec();
    b.set("UPHOSOKU", 2, 6, &inner);
    add(
        "csv.structure.free-text-unquoted",
        "利用者氏名 (free text) written without quotes: the layouts say free text is enclosed in \"\"",
        false,
        &["structure.free-text-unquoted"],
        &b,
    );

    let mut b = Build::new(&usage());
    b.map("UPPLAN", |v| {
        rewrite_fields(v, |f, quoted| {
            if quoted {
                f.to_vec()
            } else {
                [&b"\""[..], f, b"\""].concat()
            }
        });
        None
    });
    add(
        "valid.csv.all-quoted",
        "every field quoted, codes and dates too",
        true,
        &[],
        &b,
    );

    let mut b = Build::new(&usage());
    b.set("UPPLAN", 1, 8, b"999999")
        .set("UPPLAN", 1, 9, b"99999")
        .set("UPHOSOKU", 1, 12, b"090-1234-567890");
    add("valid.item.max-lengths", "values at their maximum length: 単位数 999999 (6), 前月までの短期入所利用日数 99999 (5), 利用者電話番号 of 15 bytes", true, &[], &b);

    // Spaces are data: free text that starts or ends with a space (half- or full-width) or
    // holds several in a row must arrive as written, never trimmed or folded.
    let mut b = Build::new(&usage());
    let mut raw = b"\"".to_vec();
    crate::ms932::encode("　コーポ表参道  １０１号室 ", &mut raw, &mut Vec::new())
        .expect("encodable");
    raw.push(b'"');
    b.set("UPHOSOKU", 1, 11, &raw);
    add("valid.csv.text-edge-spaces", "利用者住所２ begins with a full-width space, holds two half-width spaces in a row and ends with a half-width space: free text is kept as written", true, &[], &b);

    // Free text has no length limit: a long 総合的な援助の方針 (1,200 characters over
    // several lines) must not be cut at a column size.
    let mut b = Build::new(&plan());
    let line = "ご本人の「自宅で暮らし続けたい」という意向を尊重し、転倒を防ぎながら入浴と外出の機会を確保します。";
    let long: String = (0..24)
        .map(|i| format!("{}{line}", i + 1))
        .collect::<Vec<_>>()
        .join("\r\n");
    let mut raw = b"\"".to_vec();
    crate::ms932::encode(&long, &mut raw, &mut Vec::new()).expect("encodable");
    raw.push(b'"');
    b.set("UP1KYO", 1, 24, &raw);
    add("valid.item.long-free-text", "総合的な援助の方針 of about 1,200 characters (2,400 bytes) in 24 lines: free text has no length limit and must not be cut", true, &[], &b);

    let mut b = Build::new(&usage());
    let i = find(&b.files, "UPHOSOKU");
    let rows = values_of(&b.files[i].1).len();
    let spec = crate::Standard::get()
        .default_revision()
        .file("UPHOSOKU")
        .expect("UPHOSOKU");
    for r in 1..=rows {
        for it in spec.items.iter().filter(|it| !it.required) {
            let (a, e) = field_range(&b.files[i].1, r, usize::from(it.no));
            b.files[i].1.splice(a..e, []);
        }
    }
    add(
        "valid.item.optional-empty",
        "利用者補足情報 with every optional item empty",
        true,
        &[],
        &b,
    );

    let mut b = Build::new(&usage());
    b.set("UPPLAN", 2, 12, b"2300")
        .set("UPPLAN", 2, 13, b"2400");
    add(
        "valid.item.time-2400",
        "an end time of 2400 (end of the day)",
        true,
        &[],
        &b,
    );

    let mut b = Build::new(&usage());
    b.set("UPPLAN", 1, 11, b"1111100000000000000000000000000");
    add(
        "valid.item.day-flags",
        "日割対象日 for days 1–5",
        true,
        &[],
        &b,
    );

    let mut b = Build::new(&actual());
    b.map("UPJSK", |v| {
        replace_all(v, b"\r\n", b"\n");
        Some(0)
    });
    b.line = Some(1);
    add(
        "valid.structure.lf-endings",
        "LF line endings throughout (CRLF is assumed): a warning",
        true,
        &["structure.line-ending-lf"],
        &b,
    );

    let mut b = Build::new(&actual());
    b.map("UPJSK", |v| {
        v.truncate(v.len() - 2);
        None
    });
    add(
        "valid.structure.no-final-newline",
        "no line ending after the last record: a warning",
        true,
        &["structure.no-final-newline"],
        &b,
    );

    let mut b = Build::new(&actual());
    b.map("UPJSK", |v| {
        let at = v.len();
        v.extend_from_slice(b"\r\n");
        Some(at)
    });
    add(
        "valid.structure.trailing-empty-line",
        "an empty line after the last record: a warning",
        true,
        &["structure.trailing-empty-line"],
        &b,
    );

    let mut b = Build::new(&actual());
    b.rename("UPJSK", |n| n.replace(".CSV", ".csv"));
    add(
        "valid.filename.lower-case-extension",
        "the extension written .csv: a warning",
        true,
        &["filename.extension"],
        &b,
    );

    let mut b = Build::new(&usage());
    b.set("UPPLAN", 1, 25, b"1");
    add(
        "valid.item.unused-identifier",
        "識別子 (使用しない) holds a value: a warning",
        true,
        &["item.unused"],
        &b,
    );

    let mut b = Build::new(&usage());
    b.set("UPPLAN", 1, 7, b"");
    add(
        "valid.item.required-assumed",
        "プラン担当者名 empty: its ○ rests on an assumed reading of the layout, so a warning",
        true,
        &["item.required"],
        &b,
    );

    let mut b = Build::new(&usage());
    b.set("UPPLAN", 1, 15, b"331111");
    add(
        "valid.item.service-not-linked",
        "a サービスコード of 特定施設入居者生活介護 (33, 連携対象外): a warning",
        true,
        &["item.service-not-linked"],
        &b,
    );

    let mut k = Build::new(&kihon());
    let name = k.files[0]
        .0
        .replace("UPKIHON_", "UPKIHON_IMAGE_")
        .replace(".CSV", "_0001.jpg");
    k.files.push((name, TINY_JPEG.to_vec()));
    add(
        "valid.unit.kihon-with-image",
        "利用者基本情報 + 別表1 + 別表2 + a 家族構成 JPEG image",
        true,
        &[],
        &k,
    );

    // --- Encoding. ---
    let enc_cases = FIELD_TRAPS;
    for (id, desc, raw, expect) in enc_cases {
        let mut b = Build::new(&usage());
        b.set("UPHOSOKU", 2, 6, raw);
        add(id, desc, false, expect, &b);
    }
    for (id, desc, expect) in FILE_TRAPS {
        let mut b = Build::new(&usage());
        b.map("UPHOSOKU", |v| reencode(id, v));
        add(id, desc, false, &[expect], &b);
    }
    let mut b = Build::new(&actual());
    b.map("UPJSK", |v| {
        // Cut the file inside the last double-byte character.
        let lead = (0..v.len() - 1)
            .rev()
            .find(|&i| matches!(v[i], 0x81..=0x9F | 0xE0..=0xFC) && v[i + 1] >= 0x40)?;
        v.truncate(lead + 1);
        Some(lead)
    });
    add(
        "csv.encoding.truncated-eof",
        "the file ends inside a double-byte character of a quoted name (cut mid-record)",
        false,
        &["encoding.truncated", "structure.quote-unterminated"],
        &b,
    );

    // --- Structure. ---
    let mut b = Build::new(&usage());
    b.map("UPPLAN", |v| {
        let (_, e) = field_range(v, 2, 24);
        let (_, end) = field_range(v, 2, 25);
        v.drain(e..end);
        Some(e)
    });
    add(
        "csv.structure.missing-field",
        "record 2 of 第6表 has 24 fields instead of 25",
        false,
        &["structure.field-count"],
        &b,
    );
    let mut b = Build::new(&usage());
    b.map("UPPLAN", |v| {
        let (_, e) = field_range(v, 3, 25);
        v.splice(e..e, b",X".iter().copied());
        Some(e + 1)
    });
    add(
        "csv.structure.extra-field",
        "record 3 of 第6表 has 26 fields",
        false,
        &["structure.field-count"],
        &b,
    );
    let mut b = Build::new(&actual());
    let last = values_of(&b.files[0].1).len();
    b.set("UPJSK", last, 21, b"\"open quote, never closed");
    add(
        "csv.structure.quote-unterminated",
        "a quoted 事業所名 that never closes (the rest of the file is swallowed)",
        false,
        &["structure.quote-unterminated"],
        &b,
    );
    let mut b = Build::new(&actual());
    b.set("UPJSK", 2, 21, b"ab\"cd");
    add(
        "csv.structure.quote-in-unquoted",
        "a quote inside an unquoted field",
        false,
        &["structure.quote-in-unquoted"],
        &b,
    );
    let mut b = Build::new(&actual());
    b.set("UPJSK", 2, 21, b"\"ab\"cd");
    add(
        "csv.structure.quote-trailing",
        "text after the closing quote",
        false,
        &["structure.quote-trailing"],
        &b,
    );
    let mut b = Build::new(&actual());
    b.map("UPJSK", |v| {
        let (a, _) = record_range(v, 3);
        v.splice(a..a, b"\r\n".iter().copied());
        Some(a)
    });
    add(
        "csv.structure.empty-line",
        "an empty line between records 2 and 3",
        false,
        &["structure.empty-line"],
        &b,
    );
    let mut b = Build::new(&actual());
    b.map("UPJSK", |v| {
        let (_, e) = record_range(v, 3);
        v.remove(e - 2);
        Some(e - 2)
    });
    add(
        "csv.structure.mixed-line-endings",
        "record 3 ends in LF in a CRLF file",
        false,
        &["structure.line-ending-mixed"],
        &b,
    );
    let mut b = Build::new(&actual());
    b.map("UPJSK", |v| {
        replace_all(v, b"\r\n", b"\r");
        Some(0)
    });
    b.line = Some(1);
    add(
        "valid.structure.cr-endings",
        "CR line endings throughout: a warning",
        true,
        &["structure.line-ending-cr"],
        &b,
    );
    let mut b = Build::new(&actual());
    b.map("UPJSK", |v| {
        let spec = crate::Standard::get()
            .default_revision()
            .file("UPJSK")
            .expect("UPJSK");
        let names: Vec<&str> = spec.items.iter().map(|i| i.name.as_str()).collect();
        let mut h = Vec::new();
        crate::ms932::encode(&names.join(","), &mut h, &mut Vec::new()).expect("encodable");
        h.extend_from_slice(b"\r\n");
        v.splice(0..0, h);
        Some(0)
    });
    add(
        "csv.structure.header-row",
        "a header row of item names before the records",
        false,
        &["structure.header-row"],
        &b,
    );
    let mut b = Build::new(&actual());
    b.map("UPJSK", |v| {
        v.clear();
        Some(0)
    });
    add(
        "csv.structure.empty-file",
        "a file with no record",
        false,
        &["structure.empty-file"],
        &b,
    );
    let mut k = Build::new(&kihon());
    let name = k.files[0]
        .0
        .replace("UPKIHON_", "UPKIHON_IMAGE_")
        .replace(".CSV", "_0001.jpg");
    k.files.push((name.clone(), b"GIF89a".to_vec()));
    k.file = Some(name);
    k.line = Some(1);
    add(
        "csv.structure.not-jpeg",
        "the 家族構成 image is a GIF",
        false,
        &["structure.not-jpeg"],
        &k,
    );

    // --- Items. ---
    let item_cases: &[ItemCase] = &[
        (
            "csv.item.required",
            "サービスコード empty",
            "UPPLAN",
            2,
            15,
            b"",
            &["item.required"],
        ),
        (
            "csv.item.required-key",
            "被保険者番号 empty",
            "UPSIKYU",
            1,
            3,
            b"",
            &["item.required"],
        ),
        (
            "csv.item.date",
            "サービス利用日 20250230 (no such day)",
            "UPPLAN",
            3,
            10,
            b"20250230",
            &["item.date"],
        ),
        (
            "csv.item.date-form",
            "作成年月日 written 2025/04/25",
            "UPPLAN",
            2,
            4,
            b"2025/04/25",
            &["item.format"],
        ),
        (
            "csv.item.month",
            "対象年月 202513",
            "UPSIKYU",
            2,
            5,
            b"202513",
            &["item.month"],
        ),
        (
            "csv.item.time",
            "サービス開始時刻 2460",
            "UPPLAN",
            2,
            12,
            b"2460",
            &["item.time"],
        ),
        (
            "csv.item.time-placeholder",
            "開始時刻 9999 with an end time of 1100",
            "UPPLAN",
            2,
            12,
            b"9999",
            &["item.time-placeholder"],
        ),
        (
            "csv.item.insured-format",
            "被保険者番号 of 5 digits",
            "UPPLAN",
            2,
            3,
            b"12345",
            &["item.format"],
        ),
        (
            "csv.item.full-width-digits",
            "保険者番号 in full-width digits １３１００６",
            "UPHOSOKU",
            1,
            2,
            b"\x82\x50\x82\x52\x82\x50\x82\x4F\x82\x4F\x82\x55",
            &["item.format"],
        ),
        (
            "csv.item.postal",
            "郵便番号 without its hyphen",
            "UPHOSOKU",
            1,
            9,
            b"1234567",
            &["item.format"],
        ),
        (
            "csv.item.decimal",
            "単位数単価 11.4 instead of 11.40",
            "UPSIKYU",
            0,
            23,
            b"11.4",
            &["item.format"],
        ),
        (
            "csv.item.length",
            "単位数 of 7 digits (項目長 6)",
            "UPPLAN",
            2,
            8,
            b"1234567",
            &["item.length"],
        ),
        (
            "csv.item.code",
            "３０日超区分 2",
            "UPPLAN",
            2,
            23,
            b"2",
            &["item.code"],
        ),
        (
            "csv.item.code-care-level",
            "要介護状態区分 99",
            "UPHOSOKU",
            1,
            18,
            b"99",
            &["item.code"],
        ),
        (
            "csv.item.service-code-form",
            "サービスコード of 5 characters",
            "UPPLAN",
            2,
            15,
            b"11121",
            &["item.format"],
        ),
        (
            "csv.item.tais",
            "TAISコード 123",
            "UPPLAN",
            1,
            16,
            b"123",
            &["item.format"],
        ),
        (
            "csv.item.day-flags-form",
            "日割対象日 of 30 characters",
            "UPPLAN",
            1,
            11,
            b"111110000000000000000000000000",
            &["item.format"],
        ),
        (
            "csv.item.service-date",
            "サービス利用日 in June in a May file",
            "UPPLAN",
            2,
            10,
            b"20250601",
            &["item.service-date"],
        ),
        (
            "csv.item.limit-slot-order",
            "限度額 slot 2 filled while slot 1 is empty",
            "UPHOSOKU",
            1,
            24,
            b"17",
            &["item.limit-slot-order"],
        ),
        (
            "csv.item.hosoku-link",
            "利用者補足情報 with both 作成（変更）日 and 対象年月 set",
            "UPHOSOKU",
            1,
            4,
            b"20250401",
            &["item.hosoku-link"],
        ),
        (
            "csv.item.total-row-units",
            "第7表 grand-total row with 単位数 5",
            "UPSIKYU",
            0,
            13,
            b"5",
            &["item.total-row"],
        ),
        (
            "csv.item.total-row-office",
            "第7表 grand-total row whose 事業所コード is not 9999999999",
            "UPSIKYU",
            0,
            7,
            b"1371020015",
            &["item.total-row"],
        ),
        (
            "csv.consistency.csv-version",
            "record 2 carries CSVバージョン 202208 (revision 3.2) in a 4.1 file",
            "UPPLAN",
            2,
            1,
            b"202208",
            &["consistency.csv-version"],
        ),
        (
            "csv.consistency.month",
            "第7表 対象年月 202504 in a file named 202505",
            "UPSIKYU",
            2,
            5,
            b"202504",
            &["consistency.month"],
        ),
        (
            "csv.consistency.sender",
            "プラン担当業者コード of another 居宅 office",
            "UPPLAN",
            2,
            6,
            b"1371001999",
            &["consistency.sender"],
        ),
    ];
    for (id, desc, kind, record, item, raw, expect) in item_cases {
        let mut b = Build::new(&usage());
        // record 0 = the last record (the grand-total row of 第7表).
        let record = if *record == 0 {
            values_of(&b.files[find(&b.files, kind)].1).len()
        } else {
            *record
        };
        b.set(kind, record, *item, raw);
        add(id, desc, false, expect, &b);
    }
    let mut b = Build::new(&usage_june());
    b.set("UPPLAN", 1, 11, b"0000000000000000000000000000001");
    add(
        "csv.item.day-flags",
        "日割対象日 marks the 31st of June",
        false,
        &["item.day-flags"],
        &b,
    );
    let mut b = Build::new(&plan());
    b.set("UP1KYO", 1, 19, b"20270401");
    add(
        "csv.item.period",
        "認定有効期間開始日 after its 終了日",
        false,
        &["item.period"],
        &b,
    );
    let mut b = Build::new(&plan());
    b.set("UP1KYO", 1, 16, b"10");
    add(
        "csv.item.code-plan-category",
        "計画書区分 10",
        false,
        &["item.code"],
        &b,
    );
    let mut b = Build::new(&actual());
    b.set("UPJSK", 2, 15, b"151321");
    add(
        "csv.consistency.service-type",
        "a 通所介護 code in the 実績 of a 訪問介護 office (the name says 11)",
        false,
        &["consistency.service-type"],
        &b,
    );
    let mut b = Build::new(&actual());
    b.set("UPJSK", 2, 20, b"1371020999");
    add(
        "csv.consistency.provider",
        "a サービス事業者コード in the 実績 that is not the sender's",
        false,
        &["consistency.sender"],
        &b,
    );
    let mut b = Build::new(&usage());
    let recv = b.files[0]
        .0
        .split('_')
        .nth(4)
        .unwrap_or_default()
        .to_string();
    let first_user = values_of(&b.files[find(&b.files, "UPPLAN")].1)[0][2].clone();
    b.map("UPPLAN", |v| {
        let mut vals = values_of(v);
        let mut first = None;
        for (n, r) in vals.iter_mut().enumerate() {
            if r[2] == first_user && r[19] == recv {
                let (a, e) = field_range(v, n + 1, 20);
                v.splice(a..e, b"1371099990".iter().copied());
                first.get_or_insert(n + 1);
            }
        }
        let n = vals
            .iter()
            .position(|r| r[2] == first_user)
            .map(|n| n + 1)?;
        Some(record_range(v, n).0)
    });
    add(
        "csv.consistency.receiver",
        "a user of 第6表 with no service of the receiving office",
        false,
        &["consistency.receiver"],
        &b,
    );

    // --- File names. ---
    let name_cases: &[NameCase] = &[
        (
            "csv.filename.unknown-kind",
            "prefix UPJISSEKI",
            |n| n.replace("UPJSK_", "UPJISSEKI_"),
            &["filename.unknown-kind"],
        ),
        (
            "csv.filename.parts",
            "the receiver's service type left out",
            |n| {
                let p: Vec<&str> = n.split('_').collect();
                format!("{}_{}_{}_{}_{}_{}", p[0], p[1], p[2], p[3], p[4], p[6])
            },
            &["filename.parts"],
        ),
        (
            "csv.filename.month",
            "month 202513",
            |n| n.replace("_202505_", "_202513_"),
            &["filename.month"],
        ),
        (
            "csv.filename.office",
            "a 9-digit sender office number (as in the standard's own example)",
            |n| {
                let p: Vec<&str> = n.split('_').collect();
                n.replace(p[2], &p[2][1..])
            },
            &["filename.office"],
        ),
        (
            "csv.filename.service-type",
            "service type 99",
            |n| {
                let p: Vec<&str> = n.split('_').collect();
                n.replacen(&format!("_{}_", p[3]), "_99_", 1)
            },
            &["filename.service-type"],
        ),
        (
            "csv.filename.sequence",
            "a 15-digit ファイル連番 (as in the standard's §2.5 example)",
            |n| n.replace("_20250602090000", "_202506020900001"),
            &["filename.sequence"],
        ),
        (
            "csv.filename.extension",
            "extension .TXT",
            |n| n.replace(".CSV", ".TXT"),
            &["filename.extension"],
        ),
        (
            "csv.filename.same-office",
            "sender and receiver the same office",
            |n| {
                let p: Vec<&str> = n.split('_').collect();
                n.replace(p[4], p[2])
            },
            &["filename.same-office", "consistency.sender"],
        ),
    ];
    for (id, desc, f, expect) in name_cases {
        let mut b = Build::new(&actual());
        b.rename("UPJSK", f);
        add(id, desc, false, expect, &b);
    }
    let mut k = Build::new(&kihon());
    let name = k.files[0]
        .0
        .replace("UPKIHON_", "UPKIHON_IMAGE_")
        .replace(".CSV", "_01.jpg");
    k.files.push((name.clone(), TINY_JPEG.to_vec()));
    k.file = Some(name);
    add(
        "csv.filename.branch",
        "an image 枝番 of 2 digits",
        false,
        &["filename.branch"],
        &k,
    );

    // --- Send units. ---
    let mut b = Build::new(&usage());
    b.remove("UPSIKYU");
    b.file = None;
    add(
        "unit.combination.missing-file",
        "予定 sent without its 第7表",
        false,
        &["consistency.unit-combination"],
        &b,
    );
    let mut b = Build::new(&plan());
    b.remove("UP3KYO");
    add(
        "unit.combination.v41-plan-without-table3",
        "a 4.1 計画書 unit without 第3表",
        false,
        &["consistency.unit-combination"],
        &b,
    );
    let mut b = Build::new(&usage());
    let extra = files_of(&actual())[0].clone();
    let seq = b.files[0]
        .0
        .rsplit('_')
        .next()
        .unwrap_or_default()
        .to_string();
    let parts: Vec<&str> = extra.0.split('_').collect();
    let renamed = format!(
        "{}_{}_{}_{}_{}_{}_{seq}",
        parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]
    );
    b.files.push((renamed.clone(), extra.1));
    b.file = Some(renamed);
    add(
        "unit.combination.extra-file",
        "a 実績 file carrying the 連番 of a 予定 unit",
        false,
        &["consistency.unit-combination", "consistency.unit-parties"],
        &b,
    );
    let mut b = Build::new(&usage());
    b.rename("UPSIKYU", |n| n.replacen("_43_", "_46_", 1));
    add(
        "unit.parties",
        "第7表 names a different sender service type than the rest of its unit",
        false,
        &["consistency.unit-parties"],
        &b,
    );
    let mut b = Build::new(&usage());
    b.rename("UPHOSOKU", |n| n.replace("_202505_", "_202506_"));
    add(
        "unit.month",
        "利用者補足情報 named for 202506 in a 202505 unit",
        false,
        &["consistency.unit-month", "consistency.month"],
        &b,
    );
    let mut b = Build::new(&usage());
    let second = values_of(&b.files[find(&b.files, "UPHOSOKU")].1)[1][2].clone();
    b.drop_records("UPHOSOKU", |r| r[2] == second);
    b.mark_user("UPPLAN", &second);
    add(
        "unit.missing-hosoku",
        "a user of 第6表 without a 利用者補足情報 record",
        false,
        &["consistency.missing-hosoku"],
        &b,
    );
    let mut b = Build::new(&usage());
    let second = values_of(&b.files[find(&b.files, "UPSIKYU")].1)
        .iter()
        .filter(|r| r[8] == "999999")
        .nth(1)
        .map(|r| r[2].clone())
        .expect("two users");
    b.drop_records("UPSIKYU", |r| r[2] == second && r[8] == "999999");
    b.mark_user("UPPLAN", &second);
    add(
        "unit.missing-total",
        "a user of 第6表 without a 第7表 grand-total row",
        false,
        &["consistency.missing-total"],
        &b,
    );
    let mut b = Build::new(&usage());
    let last = values_of(&b.files[find(&b.files, "UPPLAN")].1)
        .last()
        .map(|r| r[2].clone())
        .expect("rows");
    b.drop_records("UPPLAN", |r| r[2] == last);
    b.mark_user("UPSIKYU", &last);
    add(
        "unit.missing-usage",
        "第7表 and 利用者補足情報 name a user who has no 第6表 record",
        false,
        &["consistency.missing-usage"],
        &b,
    );
    let mut b = Build::new(&plan());
    b.set("UP2KYO", 2, 5, b"20250402");
    add(
        "unit.missing-plan",
        "a 第2表 row whose 居宅サービス計画作成（変更）日 matches no 第1表",
        false,
        &["consistency.missing-plan"],
        &b,
    );
    new_check_cases(&w, &mut add);
    inventory_cases(&w, &mut add);
    let mut b = Build::new(&kihon());
    b.set("UPKIHON_SUB1", 1, 4, b"20250316");
    add(
        "unit.missing-parent",
        "a 別表1 row whose 相談日 matches no 利用者基本情報",
        false,
        &["consistency.missing-parent"],
        &b,
    );
    out
}

/// The record (1-based) of the `kind` file whose item `item` (0-based) `pick` accepts.
fn record_where(b: &Build, kind: &str, item: usize, pick: impl Fn(&str) -> bool) -> usize {
    values_of(&b.files[find(&b.files, kind)].1)
        .iter()
        .position(|r| r.get(item).is_some_and(|v| pick(v)))
        .map(|n| n + 1)
        .unwrap_or_else(|| panic!("no {kind} record with item {} as asked", item + 1))
}

/// The cases of the checks of issue 11: 福祉用具 codes, 第7表 sums, サービス種類 of a
/// サービスコード, periods, garbled text, another revision's records, tab-separated records.
fn new_check_cases(w: &World, add: &mut impl FnMut(&str, &str, bool, &[&str], &Build)) {
    let usage = || sample::usage_unit(w, "4.1", 0, "202505", "20250425103000");
    let is_welfare = |c: &str| c.starts_with("17") && !c.ends_with("AAAA");

    let mut b = Build::new(&usage());
    let r = record_where(&b, "UPPLAN", 14, is_welfare);
    b.set("UPPLAN", r, 16, b"");
    add(
        "csv.item.welfare-equipment-code",
        "a 福祉用具貸与 (17) row of 第6表 with neither TAISコード nor 福祉用具届出コード",
        false,
        &["item.welfare-equipment-code"],
        &b,
    );
    let mut b = Build::new(&usage());
    let r = record_where(&b, "UPPLAN", 14, is_welfare);
    b.set("UPPLAN", r, 16, b"");
    b.set("UPPLAN", r, 17, b"\"A0001-000123\"");
    add(
        "valid.item.welfare-notified-code",
        "a 福祉用具貸与 row with a 福祉用具届出コード and no TAISコード (either one is enough)",
        true,
        &[],
        &b,
    );
    let mut b = Build::new(&usage());
    let r = record_where(&b, "UPSIKYU", 8, |c| c.ends_with("AAAA"));
    b.set("UPSIKYU", r, 18, b"1");
    add(
        "csv.item.total-sum-subtotal",
        "a 第7表 種類別小計 (AAAA) whose 給付管理単位数 is edited to 1",
        false,
        &["item.total-sum"],
        &b,
    );
    let mut b = Build::new(&usage());
    let i = find(&b.files, "UPSIKYU");
    let rows = values_of(&b.files[i].1);
    let sub = rows
        .iter()
        .find(|r| r[8].ends_with("AAAA"))
        .cloned()
        .expect("a subtotal row");
    let (insured, office, ty) = (sub[2].clone(), sub[6].clone(), sub[8][..2].to_string());
    b.drop_records("UPSIKYU", |r| {
        r[2] == insured && r[8] == sub[8] && r[6] == office
    });
    let first = values_of(&b.files[i].1)
        .iter()
        .position(|r| r[2] == insured && r[6] == office && r[8].starts_with(&ty))
        .expect("the group's rows");
    let (a, _) = record_range(&b.files[i].1, first + 1);
    b.mark(i, a);
    add(
        "csv.consistency.missing-subtotal",
        "第7表: a サービス種類 with two service rows and no 種類別小計 (AAAA) row",
        false,
        &["consistency.missing-subtotal"],
        &b,
    );
    let mut b = Build::new(&usage());
    let r = record_where(&b, "UPSIKYU", 8, |c| c == "999999");
    b.set("UPSIKYU", r, 18, b"123");
    add(
        "csv.item.total-sum-total",
        "a 第7表 全合計 (999999) whose 給付管理単位数 is not the sum of the service rows",
        false,
        &["item.total-sum"],
        &b,
    );
    let mut b = Build::new(&usage());
    let r = record_where(&b, "UPPLAN", 14, |c| !is_welfare(c));
    b.set("UPPLAN", r, 15, b"991111");
    add(
        "csv.item.service-type-unknown",
        "a サービスコード 991111 in 第6表: サービス種類 99 is in no code list of the standard",
        false,
        &["item.service-type-unknown"],
        &b,
    );
    let mut b = Build::new(&usage());
    for f in b.files.iter_mut() {
        let p: Vec<&str> = f.0.split('_').collect();
        f.0 = format!("{}_{}_{}_{}_{}_15_{}", p[0], p[1], p[2], p[3], p[4], p[6]);
    }
    b.file = None;
    b.line = None;
    add(
        "csv.consistency.receiver-type",
        "a 予定 addressed to the office as 通所介護 (15), where its users have only its 訪問介護 (11)",
        false,
        &["consistency.receiver"],
        &b,
    );
    let mut b = Build::new(&usage());
    b.set("UPHOSOKU", 1, 14, b"20991231");
    add(
        "csv.item.period-limit",
        "利用者補足情報: 限度額適用開始年月日 after 限度額適用終了年月日",
        false,
        &["item.period"],
        &b,
    );
    let mut b = Build::new(&usage());
    let mut raw = b"\"".to_vec();
    crate::ms932::encode("譌･譛ｬ 螟ｪ驛・", &mut raw, &mut Vec::new()).expect("encodable");
    raw.push(b'"');
    b.set("UPHOSOKU", 2, 6, &raw);
    add(
        "csv.encoding.mojibake",
        "利用者氏名 「譌･譛ｬ 螟ｪ驛・」: 「日本 太郎」 in UTF-8 read as MS932, its last byte lost (a warning)",
        true,
        &["encoding.mojibake"],
        &b,
    );
    let mut b = Build::new(&usage());
    let mut raw = b"\"?".to_vec();
    crate::ms932::encode("橋 花子", &mut raw, &mut Vec::new()).expect("encodable");
    raw.push(b'"');
    b.set("UPHOSOKU", 2, 6, &raw);
    add(
        "csv.encoding.question-mark",
        "利用者氏名 「?橋 花子」: a ? where an encoder gave up on 髙 (a warning)",
        true,
        &["encoding.question-mark"],
        &b,
    );
    // R-CSVVER-APPLY: each revision outside the months it is in force for (a warning).
    let mut b = Build::new(&sample::usage_unit(w, "3.2", 0, "202505", "20250425103000"));
    b.mark(find(&b.files, "UPPLAN"), 0);
    add(
        "csv.consistency.revision-month-32-after-41",
        "a whole 3.2 予定 (CSVバージョン 202208) for 202505, when 4.1 is in force (from 202504): told once per file",
        true,
        &["consistency.revision-month"],
        &b,
    );
    let mut b = Build::new(&sample::usage_unit(w, "4.1", 0, "202503", "20250225103000"));
    b.mark(find(&b.files, "UPPLAN"), 0);
    add(
        "csv.consistency.revision-month-41-before",
        "a whole 4.1 予定 for 202503, before 4.1 applies (202504): 3.2 is in force for that month",
        true,
        &["consistency.revision-month"],
        &b,
    );
    let mut b = Build::new(&usage());
    let old = files_of(&sample::usage_unit(w, "3.2", 0, "202505", "20250425103000"));
    let i = find(&b.files, "UPPLAN");
    b.files[i].1 = old[find(&old, "UPPLAN")].1.clone();
    b.mark(i, 0);
    add(
        "csv.structure.other-revision",
        "a 3.2 第6表 (22 items, CSVバージョン 202208) under a 4.1 name: told once, not per record",
        false,
        &["structure.other-revision"],
        &b,
    );
    let mut b = Build::new(&usage());
    let i = find(&b.files, "UPPLAN");
    let mut again = b.files[i].clone();
    again.0 = again.0.replacen("_43_", "_46_", 1);
    b.files.push(again);
    b.file = Some(b.files[b.files.len() - 1].0.clone());
    b.line = None;
    add(
        "unit.duplicate-kind",
        "a second 第6表 in the send unit, its name giving another 送信元サービス種類 (46)",
        false,
        &["consistency.unit-duplicate", "consistency.unit-parties"],
        &b,
    );
    let mut b = Build::new(&usage());
    b.set("UPPLAN", 3, 1, b"202208");
    b.rename("UPPLAN", |n| n.replacen("UPPLAN_", "UPPLANX_", 1));
    add(
        "csv.consistency.csv-version-mixed",
        "a file of a kind the standard does not name (UPPLANX) whose records mix CSVバージョン 202407 and 202208",
        false,
        &[
            "consistency.csv-version-mixed",
            "consistency.unit-combination",
            "filename.unknown-kind",
        ],
        &b,
    );
    let mut b = Build::new(&usage());
    b.map("UPPLAN", |v| {
        replace_all(v, b",", b"\t");
        Some(0)
    });
    add(
        "csv.structure.tab-separated",
        "第6表 written with tabs between the items: told once as tab-separated",
        false,
        &["structure.tab-separated"],
        &b,
    );
}

/// `renkei fixtures`: writes the corpus and its manifest under `out`; returns the number of cases.
pub fn write_corpus(out: &Path) -> io::Result<usize> {
    let cases = cases();
    let cases_dir = out.join("cases");
    if cases_dir.exists() {
        fs::remove_dir_all(&cases_dir)?;
    }
    let mut manifest = Manifest { cases: Vec::new() };
    for (case, files) in &cases {
        let dir = out.join(&case.dir);
        fs::create_dir_all(&dir)?;
        for (name, bytes) in files {
            fs::write(dir.join(name), bytes)?;
        }
        manifest.cases.push(case.clone());
    }
    let text = toml::to_string(&manifest)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let header = "# The fixture corpus: one case a folder under cases/, each with a stable ID.\n\
                  # Generated by `renkei fixtures` (spec/src/corpus.rs); do not edit by hand.\n\
                  # valid: every file of the case is valid; expect: exactly the diagnostic codes it\n\
                  # produces; file/line: where the break is.\n\n";
    fs::write(out.join("manifest.toml"), format!("{header}{text}"))?;
    Ok(cases.len())
}

/// The cases of rules the inventory (rules.toml) had open: 明細判別コード off 福祉用具,
/// 更新業者コード against the sender, 短期入所療養介護 in a 限度額 slot, 委託の有無 required.
fn inventory_cases(w: &World, add: &mut impl FnMut(&str, &str, bool, &[&str], &Build)) {
    let usage = || sample::usage_unit(w, "4.1", 0, "202505", "20250425103000");

    let mut b = Build::new(&usage());
    let r = record_where(&b, "UPPLAN", 14, |c| c.starts_with("11"));
    b.set("UPPLAN", r, 19, b"1");
    add(
        "csv.item.detail-code",
        "R-MEISAI: a 訪問介護 (11) row of 第6表 with 明細判別コード 1 (only 福祉用具貸与 rows carry one)",
        false,
        &["item.detail-code"],
        &b,
    );
    let mut b = Build::new(&usage());
    b.set("UPPLAN", 1, 24, b"1370000001");
    add(
        "csv.consistency.updater",
        "R-UPDATER: 更新業者コード of a 予定 row is not the sending 居宅 (a warning)",
        true,
        &["consistency.updater"],
        &b,
    );
    let mut b = Build::new(&usage());
    b.set("UPHOSOKU", 1, 20, b"2A");
    b.set("UPHOSOKU", 1, 21, b"10000");
    add(
        "csv.item.limit-slot-type",
        "R-HOSOKU-SLOT-22: 利用者補足情報 限度額 slot 1 names 短期入所療養介護 as 2A (介護医療院) instead of 22",
        false,
        &["item.limit-slot-type"],
        &b,
    );
    // The first user's row twice: a second 利用サービス of 支援計画 1, numbered 1 again.
    let b = yobo_plan_first_row_repeated(w, 1);
    add(
        "csv.item.service-use-numbering",
        "R-YOBO-NUMBERING: 介護予防サービス・支援計画書 with two 利用サービス of 支援計画ＮＯ 1, both numbered 1 (expected 1, 2)",
        false,
        &["item.support-plan-numbering"],
        &b,
    );
    let mut b = yobo_plan_first_row_repeated(w, 1);
    b.set("UPYOBO_SUB", 2, 10, b"3");
    add(
        "csv.item.support-plan-numbering",
        "R-YOBO-NUMBERING: 介護予防サービス・支援計画書 with 支援計画ＮＯ 1 then 3 in 課題ＮＯ 1 (expected 1 or 2)",
        false,
        &["item.support-plan-numbering"],
        &b,
    );
    // The layout's own example: 支援計画ＮＯ 1, 2, 2 with 利用サービスＮＯ 1, 1, 2 (valid).
    let mut b = yobo_plan_first_row_repeated(w, 2);
    b.line = None;
    b.set("UPYOBO_SUB", 2, 10, b"2");
    b.set("UPYOBO_SUB", 3, 10, b"2");
    b.set("UPYOBO_SUB", 3, 14, b"2");
    // 「NO以外の項目は最初の行のみに内容を記載して2回目以降は空欄とする」: the 課題's items on
    // its first row only, the second 支援計画's on its first row only.
    for (record, items) in [(2, &[6, 7, 8, 9][..]), (3, &[6, 7, 8, 9, 11, 12, 13][..])] {
        for &item in items {
            b.set("UPYOBO_SUB", record, item, b"");
        }
    }
    add(
        "valid.yobo.support-plan-numbering",
        "介護予防サービス・支援計画書 numbered as the layout's example: 支援計画ＮＯ 1, 2, 2 with 利用サービスＮＯ 1, 1, 2",
        true,
        &[],
        &b,
    );
    let mut b = Build::new(&sample::yobo_unit(
        w,
        0,
        "20250315",
        false,
        "20250316090000",
    ));
    b.set("UPKIHON", 1, 6, b"");
    add(
        "csv.item.required-outsourcing",
        "R-KIHON-OUTSOURCING: 利用者基本情報 with 委託の有無 empty (filled in by both kinds of office)",
        false,
        &["item.required"],
        &b,
    );
}

/// A 介護予防サービス・支援計画書 unit whose first UPYOBO_SUB row stands `copies` more times right
/// after itself (the first copy marked as where the break shows).
fn yobo_plan_first_row_repeated(w: &World, copies: usize) -> Build {
    let mut b = Build::new(&sample::yobo_unit(w, 0, "20250315", true, "20250317090000"));
    b.map("UPYOBO_SUB", |bytes| {
        let (a, z) = record_range(bytes, 1);
        let rows = bytes[a..z].repeat(copies);
        bytes.splice(z..z, rows);
        Some(z)
    });
    b
}
