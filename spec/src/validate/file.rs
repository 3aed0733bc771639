//! The file pass: one streaming read of a file that checks its encoding, its CSV structure,
//! every item and record, and the agreement of the content with the file name, and keeps the
//! few facts the send-unit checks need (link keys, users), never the records themselves.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Read};

use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::filename::{self, FileName};
use crate::ms932::{self, DecodeProblemKind};
use crate::reader::{CsvReader, FieldSpan, LineEnding, QuoteProblem, RawRecord};
use crate::standard::{FileFormat, FileSpec, ItemType, Revision, Standard};

use super::item::{self, ItemProblem};
use super::record::{self, RecordProblem, Roles, ALL9_OFFICE, TOTAL_CODE};
use super::sums::TotalSums;
use super::Options;

/// A user, by 保険者番号 and 被保険者番号.
pub type UserKey = (String, String);
/// A user and the value linking a record to the other files of its unit.
pub type LinkKey = (String, String, String);

/// Where a fact was first seen: (line, byte offset).
pub type Place = (u64, u64);

/// What the send-unit checks need to know about a file.
#[derive(Debug, Default, Clone)]
pub struct FileFacts {
    /// Each user and link value seen, where first seen.
    pub links: BTreeMap<LinkKey, Place>,
    /// Some records could not give their keys (unreadable file, broken key items): a key
    /// missing from this file proves nothing, so the unit checks do not report it.
    pub partial: bool,
    /// Users with a 第7表 grand-total row.
    pub totals: BTreeSet<UserKey>,
}

/// The result of validating one file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// The file's path, as given.
    pub path: String,
    /// The file kind, when the name says it.
    pub kind: Option<String>,
    /// Whether no diagnostic is an error.
    pub valid: bool,
    /// Every diagnostic kept, in file order (up to `max_diagnostics`).
    pub diagnostics: Vec<Diagnostic>,
    /// The revision the file was checked against.
    #[serde(skip)]
    pub revision: Option<String>,
    /// The parsed file name.
    #[serde(skip)]
    pub name: Option<FileName>,
    /// How many records were read.
    #[serde(skip)]
    pub records: u64,
    /// What the send-unit checks need.
    #[serde(skip)]
    pub facts: FileFacts,
    /// Folder the file was found in (send units never span folders).
    #[serde(skip)]
    pub folder: String,
    /// Whether the file takes part in send-unit checks.
    #[serde(skip)]
    pub unit_checks: bool,
    #[serde(skip)]
    suppressed: u64,
    #[serde(skip)]
    errors_suppressed: bool,
}

impl FileReport {
    pub(crate) fn push(&mut self, d: Diagnostic, max: usize) {
        if self.diagnostics.len() >= max {
            self.suppressed += 1;
            self.errors_suppressed |= d.is_error();
            return;
        }
        self.diagnostics.push(d);
    }

    /// Sorts diagnostics by position and sets `valid`.
    pub fn finish(&mut self) {
        if self.suppressed > 0 {
            let n = self.suppressed;
            self.suppressed = 0;
            self.diagnostics.push(Diagnostic::new(
                Code::StructureTooManyDiagnostics,
                format!("ほかに {n} 件の診断があります（1ファイルあたりの上限を超えたため省略）"),
            ));
        }
        self.diagnostics.sort_by_key(|d| {
            (
                d.line.unwrap_or(0),
                d.column.unwrap_or(0),
                d.byte_offset.unwrap_or(0),
            )
        });
        self.valid = !self.errors_suppressed && !self.diagnostics.iter().any(Diagnostic::is_error);
    }
}

/// Lazily computed field spans of the current record, for positions.
struct Where<'a> {
    rec: &'a RawRecord,
    spans: Option<Vec<FieldSpan>>,
}

impl<'a> Where<'a> {
    fn new(rec: &'a RawRecord) -> Self {
        Where { rec, spans: None }
    }

    fn spans(&mut self) -> &[FieldSpan] {
        if self.spans.is_none() {
            self.spans = Some(self.rec.spans().0);
        }
        self.spans.as_deref().unwrap_or(&[])
    }

    /// (line, column, byte offset) of byte `pos` of field `field` (0-based).
    fn at(&mut self, field: usize, pos: usize) -> (u64, Option<u32>, u64) {
        let rec = self.rec;
        let span = self.spans().get(field).copied();
        let raw_at = match span {
            Some(s) => rec.raw_offset_in_field(s, pos),
            None => rec.content().len(),
        };
        (
            rec.line_at(raw_at),
            Some(field as u32 + 1),
            rec.offset + raw_at as u64,
        )
    }

    fn diag(&mut self, d: Diagnostic, field: usize, pos: usize) -> Diagnostic {
        let (l, c, o) = self.at(field, pos);
        d.at(l, c, o)
    }
}

/// The last bytes of each field that passed a check. The checks remembered this way are pure
/// functions of the field's bytes (and of the file's item and revision, which do not change
/// within a file), so bytes equal to the remembered ones pass again: the check is skipped.
/// Only passes are remembered, and only the last one per field, which is what repeats in files
/// grouped by user.
struct Seen {
    last: Vec<Option<Vec<u8>>>,
}

impl Seen {
    fn new(fields: usize) -> Seen {
        // With no slots nothing is remembered (the tests compare that with the memo).
        let fields = if memo_off() { 0 } else { fields };
        Seen {
            last: vec![None; fields],
        }
    }

    /// Whether field `i`'s last remembered pass had these bytes.
    #[inline]
    fn hit(&self, i: usize, bytes: &[u8]) -> bool {
        matches!(self.last.get(i), Some(Some(b)) if same_bytes(b, bytes))
    }

    /// Remembers that field `i` passed with these bytes; `true`, for use in conditions.
    fn remember(&mut self, i: usize, bytes: &[u8]) -> bool {
        if let Some(slot) = self.last.get_mut(i) {
            let b = slot.get_or_insert_with(Vec::new);
            b.clear();
            b.extend_from_slice(bytes);
        }
        true
    }
}

#[cfg(test)]
thread_local! {
    /// Turns [`Seen`] off on this thread, for the tests.
    static MEMO_OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn memo_off() -> bool {
    MEMO_OFF.with(std::cell::Cell::get)
}

#[cfg(not(test))]
fn memo_off() -> bool {
    false
}

/// `a == b`, eight bytes at a time and without a call: the values compared are short.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word = |c: &[u8]| u64::from_le_bytes(<[u8; 8]>::try_from(c).unwrap_or_default());
    // The whole words, then the last eight bytes (overlapping the last whole word).
    a.chunks_exact(8)
        .zip(b.chunks_exact(8))
        .all(|(x, y)| word(x) == word(y))
        && word(&a[n - 8..]) == word(&b[n - 8..])
}

/// Per-user state for the "users unrelated to the receiver" rule.
struct UserSeen {
    place: Place,
    has_receiver: bool,
}

/// Validates one file from a byte source. `file_name` is the last path component.
pub fn validate_reader<R: Read>(
    path: &str,
    file_name: &str,
    mut src: R,
    opts: &Options,
) -> io::Result<FileReport> {
    let std = Standard::get();
    let parsed = filename::parse(file_name);
    let name = parsed.name.clone();
    // The parts of the name the content is compared with: only the well-formed ones, so that
    // one wrong part of a name is reported once, as a file-name problem.
    let trusted = name.as_ref().map(|n| {
        let mut t = n.clone();
        let bad = |c: Code| {
            parsed
                .diagnostics
                .iter()
                .any(|d| d.code == c && d.is_error())
        };
        if bad(Code::FilenameMonth) {
            t.month = None;
        }
        for p in [&mut t.sender, &mut t.receiver] {
            if p.office.len() != 10
                || !p
                    .office
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
            {
                p.office.clear();
            }
        }
        if bad(Code::FilenameServiceType) {
            t.sender.service_type = None;
            t.receiver.service_type = None;
        }
        t
    });
    let mut rep = FileReport {
        path: path.to_string(),
        kind: name.as_ref().map(|n| n.kind.clone()),
        valid: false,
        diagnostics: Vec::new(),
        revision: name.as_ref().map(|n| n.revision.clone()),
        name: name.clone(),
        records: 0,
        facts: FileFacts::default(),
        folder: String::new(),
        unit_checks: false,
        suppressed: 0,
        errors_suppressed: false,
    };
    let max = opts.max_diagnostics;
    for d in parsed.diagnostics {
        rep.push(d, max);
    }
    let rev: Option<&Revision> = name.as_ref().and_then(|n| std.revision(&n.revision));
    let spec: Option<&FileSpec> = match (&name, rev) {
        (Some(n), Some(r)) => r.file(&n.kind),
        _ => None,
    };

    // Sniff the first bytes for a byte-order mark or UTF-16.
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match src.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let head = &head[..n];
    if spec.is_some_and(|s| s.format == FileFormat::Jpeg) {
        if !head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            rep.push(
                Diagnostic::new(
                    Code::StructureNotJpeg,
                    "画像ファイルが JPEG（FF D8 FF で始まる）ではありません",
                )
                .at(1, None, 0),
                max,
            );
        }
        rep.finish();
        return Ok(rep);
    }
    // A file in another encoding is refused whole: its records cannot be read as MS932.
    let foreign = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some((
            Code::EncodingUtf8Bom,
            "ファイルが UTF-8 の BOM (EF BB BF) で始まります: 標準仕様の文字コードは Shift-JIS (MS932) です",
        ))
    } else if head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF])
        || (head.len() >= 2 && (head[0] == 0 || head[1] == 0))
    {
        Some((
            Code::EncodingUtf16,
            "ファイルが UTF-16 です: 標準仕様の文字コードは Shift-JIS (MS932) です",
        ))
    } else {
        None
    };
    if let Some((code, message)) = foreign {
        rep.push(Diagnostic::new(code, message).at(1, Some(1), 0), max);
        rep.facts.partial = true;
        rep.finish();
        return Ok(rep);
    }

    let mut reader = CsvReader::new(io::Cursor::new(head.to_vec()).chain(src));
    let mut rec = RawRecord::default();
    let mut text = String::with_capacity(4096);
    let mut ends: Vec<usize> = Vec::with_capacity(64);
    // Per field: whether it is well-formed so far (decoded, then checked as an item).
    let mut ok: Vec<bool> = Vec::with_capacity(64);
    // The allocation of the current record's values, kept across records (see [`recycle`]).
    let mut spare_values: Vec<&'static str> = Vec::with_capacity(64);
    let mut problems = Vec::new();
    let mut item_problems: Vec<ItemProblem> = Vec::new();
    let mut record_problems: Vec<RecordProblem> = Vec::new();
    // Diagnostics from fields with non-ASCII bytes: withdrawn if the file turns out to be UTF-8.
    let mut non_ascii_diags: Vec<Diagnostic> = Vec::new();
    let mut utf8_valid = true;
    let mut first_non_ascii: Option<(u64, Option<u32>, u64)> = None;
    let mut first_ending: Option<LineEnding> = None;
    let mut first_version: Option<String> = None;
    let mut last_line = 0;
    let mut last_unterminated = false;
    let mut last_ending = None;
    let mut last_key = (String::new(), String::new(), String::new());
    let mut last_receiver_seen = false;
    let roles = spec.map(Roles::of);
    let mut users: HashMap<(String, String), UserSeen> = HashMap::new();
    let check_receiver = spec.is_some_and(|s| s.kind == "UPPLAN" || s.kind == "UPSIKYU");
    // Which fields' text the checks read. A free-text item without a role is only checked
    // for emptiness and length, which its bytes tell when they are clean MS932: such a field
    // is not decoded (its value is left empty). The record rules and the unit facts find
    // their items by role, and item 1 is read before the file's kind is known.
    let needs_text: Vec<bool> = spec
        .map(|s| {
            s.items
                .iter()
                .enumerate()
                .map(|(i, it)| i == 0 || it.ty != ItemType::Text || it.role.is_some())
                .collect()
        })
        .unwrap_or_default();
    let nitems = spec.map_or(0, |s| s.items.len());
    // Per field, the last free-text bytes found clean MS932, and the last value that passed
    // its item check with no problem (see [`Seen`]).
    let mut clean_text = Seen::new(nitems);
    let mut passed = Seen::new(nitems);
    // Which fields are free text (フリーテキスト), whose values are enclosed in quotes.
    let free_text: Vec<bool> = spec
        .map(|s| s.items.iter().map(|it| it.is_free_text()).collect())
        .unwrap_or_default();
    let mut quoted: Vec<bool> = Vec::with_capacity(64);
    // Fields of the current record whose quoting was already reported.
    let mut quote_problem_fields: Vec<usize> = Vec::new();
    // A whole-file explanation of wrong field counts, told once (another revision, tabs).
    let mut told_layout: Option<Code> = None;
    let mut sums = spec
        .filter(|s| s.kind == "UPSIKYU")
        .map(|_| TotalSums::default());
    // The receiver's サービス種類 from the name: a user must have a service of that office and type.
    let receiver_type = trusted
        .as_ref()
        .and_then(|n| n.receiver.service_type.clone());

    while reader.read(&mut rec)? {
        rep.records += 1;
        let mut w = Where::new(&rec);
        for &(line, off) in &rec.blank_lines_before {
            rep.push(
                Diagnostic::new(
                    Code::StructureEmptyLine,
                    "空行があります（レコードの間に空行は置けません）",
                )
                .at(line, None, off),
                max,
            );
        }
        // Quoting.
        let mut unterminated = false;
        // A tab-separated record is one field full of quotes: it is told as such below.
        let tab_separated = rec.len() == 1 && memchr::memchr(b'\t', &rec.raw).is_some();
        quote_problem_fields.clear();
        if memchr::memchr(b'"', &rec.raw).is_some() && !rec.plain_quoting() && !tab_separated {
            let (_, qp) = rec.spans();
            for p in qp {
                let (code, field, at, msg) = match p {
                    QuoteProblem::Unterminated { field, at } => {
                        unterminated = true;
                        (Code::StructureQuoteUnterminated, field, at, "ダブルクォートで始まる項目が閉じていません")
                    }
                    QuoteProblem::InUnquoted { field, at } => (
                        Code::StructureQuoteInUnquoted,
                        field,
                        at,
                        "ダブルクォートで囲まれていない項目の中にダブルクォートがあります（フリーテキストは \"…\" で囲み、中の \" は \"\" と書きます）",
                    ),
                    QuoteProblem::Trailing { field, at } => (
                        Code::StructureQuoteTrailing,
                        field,
                        at,
                        "閉じたダブルクォートの後に文字があります",
                    ),
                };
                quote_problem_fields.push(field);
                rep.push(
                    Diagnostic::new(code, msg).at(
                        rec.line_at(at),
                        Some(field as u32 + 1),
                        rec.offset + at as u64,
                    ),
                    max,
                );
            }
        }
        // Line endings.
        if let Some(e) = rec.ending.filter(|_| !unterminated) {
            // (line, byte offset) of the line ending, for a diagnostic.
            let end_at = || {
                let at = rec.content().len();
                (rec.line_at(at), rec.offset + at as u64)
            };
            match (first_ending, e) {
                (_, LineEnding::None) => {}
                (None, e) => {
                    first_ending = Some(e);
                    let code = match e {
                        LineEnding::Lf => Some(Code::StructureLineEndingLf),
                        LineEnding::Cr => Some(Code::StructureLineEndingCr),
                        _ => None,
                    };
                    if let Some(code) = code {
                        let (end_line, end_off) = end_at();
                        rep.push(
                            Diagnostic::new(
                                code,
                                format!("改行が {} です（CRLF を想定）", ending_name(e)),
                            )
                            .at(end_line, None, end_off)
                            .assumed(
                                rev.and_then(|r| r.assumptions.get("line_ending"))
                                    .map(String::as_str),
                            ),
                            max,
                        );
                    }
                }
                (Some(f), e) if f != e => {
                    let (end_line, end_off) = end_at();
                    rep.push(
                        Diagnostic::new(
                            Code::StructureLineEndingMixed,
                            format!(
                                "この行の改行は {} ですが、ファイルの最初の行は {} です（改行コードの混在）",
                                ending_name(e),
                                ending_name(f)
                            ),
                        )
                        .at(end_line, None, end_off),
                        max,
                    );
                }
                _ => {}
            }
        }
        last_unterminated = unterminated;
        last_ending = rec.ending;
        if rec.ending == Some(LineEnding::None) {
            // Only the last record can end without a line ending; its line is reported below.
            last_line = rec.line_at(rec.raw.len().saturating_sub(1));
        }
        // Decode every field under the MS932 policy. Only a field with a byte outside
        // printable ASCII needs a look; the others are copied to `text` in runs, whole.
        text.clear();
        ends.clear();
        ok.clear();
        let mut record_non_ascii = false;
        let data = rec.data();
        let field_ends = rec.field_ends();
        // Start in `data` of the run of ASCII fields not yet copied to `text`.
        let mut run_start = 0;
        // The next field to look at, and where its bytes start.
        let mut next = 0;
        let mut from = 0;
        while let Some(at) = next_unprintable(data, from) {
            // The fields before the one holding `at` are printable ASCII.
            while field_ends[next] <= at {
                ends.push(text.len() + field_ends[next] - run_start);
                ok.push(true);
                next += 1;
            }
            let i = next;
            let range = rec.field_range(i);
            let bytes = &data[range.clone()];
            // The first control character; in MS932 a byte below 0x20 or 0x7F is never part
            // of a double-byte character, so the raw bytes tell it for any field.
            let control = bytes
                .iter()
                .position(|&b| (b < 0x20 && b != b'\t' && b != b'\r' && b != b'\n') || b == 0x7F);
            let mut is_bad = false;
            if bytes.is_ascii() {
                if let Some(p) = control {
                    is_bad = true;
                    let d = Diagnostic::new(
                        Code::EncodingControl,
                        format!("制御文字 0x{:02X} があります", bytes[p]),
                    );
                    let d = w.diag(d, i, p);
                    rep.push(d.item_opt(spec, i), max);
                }
                ends.push(text.len() + range.end - run_start);
            } else {
                record_non_ascii = true;
                text.push_str(
                    std::str::from_utf8(&data[run_start..range.start]).unwrap_or_default(),
                );
                run_start = range.end;
                // Free text repeats from record to record: bytes already found clean need
                // no second look.
                let decode = needs_text.get(i).copied().unwrap_or(true)
                    || !(clean_text.hit(i, bytes)
                        || ms932::is_clean(bytes) && clean_text.remember(i, bytes));
                problems.clear();
                if decode && !ms932::decode_field(bytes, &mut text, &mut problems) {
                    is_bad = true;
                    for p in &problems {
                        let (code, what) = match p.kind {
                            DecodeProblemKind::InvalidSequence => (Code::EncodingInvalidSequence, "第1バイトの後に第2バイトになれないバイトが続いています"),
                            DecodeProblemKind::Truncated => (Code::EncodingTruncated, "2バイト文字の第1バイトで項目が終わっています（文字が途中で切れています）"),
                            DecodeProblemKind::InvalidByte => (Code::EncodingInvalidByte, "MS932 で使えないバイトです"),
                            DecodeProblemKind::Unmapped => (Code::EncodingUnmapped, "MS932 の文字に対応しないバイト列です"),
                            DecodeProblemKind::Gaiji => (Code::EncodingGaiji, "外字（ユーザー定義文字）です: 標準仕様は外字を禁止しています"),
                        };
                        let d = Diagnostic::new(code, format!("バイト {}: {what}", p.hex()));
                        let d = w.diag(d, i, p.offset).item_opt(spec, i);
                        non_ascii_diags.push(d);
                    }
                }
                if let Some(p) = control {
                    let d = Diagnostic::new(
                        Code::EncodingControl,
                        format!("制御文字 U+{:04X} があります", bytes[p]),
                    );
                    let d = w.diag(d, i, 0).item_opt(spec, i);
                    non_ascii_diags.push(d);
                    is_bad = true;
                }
                if !is_bad {
                    if let Some((code, pos, msg)) = garbled(bytes) {
                        let d = Diagnostic::new(code, msg);
                        non_ascii_diags.push(w.diag(d, i, pos).item_opt(spec, i));
                    }
                }
                if first_non_ascii.is_none() {
                    let pos = bytes.iter().position(|b| !b.is_ascii()).unwrap_or(0);
                    first_non_ascii = Some(w.at(i, pos));
                }
                ends.push(text.len());
            }
            ok.push(!is_bad);
            next += 1;
            from = range.end;
        }
        for &end in &field_ends[next..] {
            ends.push(text.len() + end - run_start);
            ok.push(true);
        }
        text.push_str(std::str::from_utf8(&data[run_start..]).unwrap_or_default());
        if record_non_ascii && utf8_valid {
            utf8_valid = std::str::from_utf8(&rec.raw).is_ok();
        }
        let value = |i: usize| -> &str {
            let s = if i == 0 { 0 } else { ends[i - 1] };
            &text[s..ends[i]]
        };
        // A header row?
        if rep.records == 1
            && rec.len() > 1
            && !value(0).is_empty()
            && !value(0).bytes().any(|b| b.is_ascii_digit())
        {
            rep.push(
                w.diag(
                    Diagnostic::new(
                        Code::StructureHeaderRow,
                        format!("1行目は見出し行です（先頭項目「{}」）: 標準仕様のファイルには見出し行がなく、1行目から CSVバージョン で始まるレコードです", value(0)),
                    ),
                    0,
                    0,
                )
                .assumed(rev.and_then(|r| r.assumptions.get("header_row")).map(String::as_str)),
                max,
            );
            rep.facts.partial = true;
            continue;
        }
        let Some(spec) = spec else {
            // Unknown kind: still one CSV version per file.
            check_version(&mut rep, &mut w, value(0), None, &mut first_version, max);
            continue;
        };
        let (rev, roles) = match (rev, &roles) {
            (Some(r), Some(ro)) => (r, ro),
            _ => continue,
        };
        if rec.len() != spec.items.len() {
            let why = layout_mismatch(&rec, value(0), spec, rev);
            if let Some((code, msg)) = why {
                if told_layout != Some(code) {
                    told_layout = Some(code);
                    rep.push(w.diag(Diagnostic::new(code, msg), 0, 0), max);
                }
            } else if !unterminated {
                let field = rec.len().min(spec.items.len());
                let (l, c, o) = if rec.len() > spec.items.len() {
                    w.at(field, 0)
                } else {
                    w.at(rec.len() - 1, rec.field(rec.len() - 1).len())
                };
                rep.push(
                    Diagnostic::new(
                        Code::StructureFieldCount,
                        format!(
                            "項目数が {} です: 第{}版の {}（{}）は {} 項目です（期待 {}、実際 {}）",
                            rec.len(),
                            rev.revision,
                            spec.name,
                            spec.kind,
                            spec.items.len(),
                            spec.items.len(),
                            rec.len()
                        ),
                    )
                    .at(l, c, o),
                    max,
                );
            }
            rep.facts.partial = true;
            continue;
        }
        // Split the text at each end in turn: one boundary check per value.
        let (mut rest, mut start) = (text.as_str(), 0);
        let mut v: Vec<&str> = recycle(std::mem::take(&mut spare_values));
        v.extend(ends.iter().map(|&end| {
            let (s, r) = rest.split_at(end - start);
            (rest, start) = (r, end);
            s
        }));
        // CSVバージョン against the file's revision.
        if ok[0] {
            check_version(&mut rep, &mut w, v[0], Some(rev), &mut first_version, max);
        }
        // Free text is enclosed in quotes.
        if free_text.iter().any(|&f| f) {
            rec.quoted_fields(&mut quoted);
            for (i, (&f, &q)) in free_text.iter().zip(&quoted).enumerate() {
                if f && !q && !rec.field(i).is_empty() && !quote_problem_fields.contains(&i) {
                    let d = Diagnostic::new(
                        Code::StructureFreeTextUnquoted,
                        format!(
                            "フリーテキスト項目「{}」の値がダブルクォートで囲まれていません（期待 \"…\"、実際 囲みなし）: フリーテキストは\"\"（半角）で囲みます",
                            spec.items[i].name
                        ),
                    )
                    .item(&spec.items[i].name)
                    .assumed(rev.assumptions.get("free_text_empty").map(String::as_str));
                    rep.push(w.diag(d, i, 0), max);
                }
            }
        }
        // Items.
        let mut field_start = 0;
        for (i, (it, &field_end)) in spec.items.iter().zip(field_ends).enumerate() {
            let bytes = &data[field_start..field_end];
            field_start = field_end;
            if !ok[i] {
                continue;
            }
            // Records come grouped by user, and most values repeat the last record's: a value
            // whose bytes passed this item's check without a word passes it again.
            if passed.hit(i, bytes) {
                continue;
            }
            if needs_text[i] {
                item::check_field(it, v[i], bytes, rev, &mut item_problems);
            } else {
                item::check_clean_text(it, bytes, &mut item_problems);
            }
            if item_problems.is_empty() {
                passed.remember(i, bytes);
                continue;
            }
            ok[i] = item_problems.iter().all(|p| p.severity != Severity::Error);
            for p in item_problems.drain(..) {
                let d = Diagnostic::new(p.code, p.message)
                    .severity(p.severity)
                    .item(&it.name)
                    .assumed(it.assumed.as_deref());
                let d = w.diag(d, i, 0);
                if bytes.is_ascii() {
                    rep.push(d, max);
                } else {
                    non_ascii_diags.push(d);
                }
            }
        }
        // Records.
        record_problems.clear();
        record::check(
            spec,
            roles,
            rev,
            trusted.as_ref(),
            &v,
            &ok,
            &mut record_problems,
        );
        let key_fields = [
            roles.insurer,
            roles.insured,
            roles.plan_date,
            roles.target_month,
            roles.consult_date,
            roles.yobo_plan_date,
        ];
        let key_ok = key_fields.iter().flatten().all(|&i| ok[i])
            && !record_problems
                .iter()
                .any(|p| key_fields.contains(&Some(p.field)));
        for p in record_problems.drain(..) {
            let it = &spec.items[p.field];
            let d = Diagnostic::new(p.code, p.message)
                .item(&it.name)
                .assumed(it.assumed.as_deref());
            let d = w.diag(d, p.field, 0);
            rep.push(d, max);
        }
        if let Some(sums) = sums.as_mut() {
            sums.row(roles, &v, &ok, |i| w.at(i, 0));
        }
        // Facts for the unit checks.
        if !key_ok {
            rep.facts.partial = true;
        } else if let (Some(a), Some(b)) = (roles.insurer, roles.insured) {
            // Records come grouped by user: skip the maps while the key repeats.
            let link = roles.link(&spec.kind, &v);
            let same = last_key.0 == v[a] && last_key.1 == v[b] && last_key.2 == link;
            let is_total = roles.service_code.is_some_and(|i| v[i] == TOTAL_CODE);
            let of_receiver_type = |v: &[&str]| match (&receiver_type, roles.service_code) {
                (Some(t), Some(c)) => v[c].get(..2) == Some(t.as_str()),
                _ => true,
            };
            let to_receiver = roles.provider_office.is_some_and(|p| {
                trusted.as_ref().is_some_and(|n| v[p] == n.receiver.office)
                    && v[p] != ALL9_OFFICE
                    && of_receiver_type(&v)
            });
            if same && !is_total && (!check_receiver || !to_receiver || last_receiver_seen) {
                spare_values = recycle(v);
                continue;
            }
            last_key = (v[a].to_string(), v[b].to_string(), link.to_string());
            last_receiver_seen = false;
            let place = {
                let (l, _, o) = w.at(b, 0);
                (l, o)
            };
            rep.facts
                .links
                .entry((v[a].to_string(), v[b].to_string(), link.to_string()))
                .or_insert(place);
            if is_total && spec.kind == "UPSIKYU" {
                rep.facts
                    .totals
                    .insert((v[a].to_string(), v[b].to_string()));
            }
            if check_receiver {
                if let (Some(n), Some(p)) = (
                    trusted.as_ref().filter(|t| !t.receiver.office.is_empty()),
                    roles.provider_office,
                ) {
                    let u = users
                        .entry((v[a].to_string(), v[b].to_string()))
                        .or_insert(UserSeen {
                            place,
                            has_receiver: false,
                        });
                    u.has_receiver |=
                        v[p] == n.receiver.office && v[p] != ALL9_OFFICE && of_receiver_type(&v);
                    last_receiver_seen = u.has_receiver;
                }
            }
        }
        spare_values = recycle(v);
    }

    // The end of the file.
    if rep.records == 0 {
        rep.facts.partial = true;
        rep.push(
            Diagnostic::new(Code::StructureEmptyFile, "レコードが1件もありません").at(1, None, 0),
            max,
        );
    }
    if last_ending == Some(LineEnding::None) && !last_unterminated {
        rep.push(
            Diagnostic::new(
                Code::StructureNoFinalNewline,
                "最終レコードの後に改行がありません",
            )
            .at(last_line, None, reader.total_bytes)
            .assumed(
                rev.and_then(|r| r.assumptions.get("final_newline"))
                    .map(String::as_str),
            ),
            max,
        );
    }
    for &(line, off) in reader.trailing_blank_lines() {
        rep.push(
            Diagnostic::new(
                Code::StructureTrailingEmptyLine,
                "最終レコードの後に空行があります",
            )
            .at(line, None, off),
            max,
        );
    }
    if utf8_valid && first_non_ascii.is_some() {
        let (l, c, o) = first_non_ascii.unwrap_or((1, None, 0));
        rep.push(
            Diagnostic::new(
                Code::EncodingUtf8,
                "ファイルが UTF-8 で書かれています: 標準仕様の文字コードは Shift-JIS (MS932) です",
            )
            .at(l, c, o),
            max,
        );
    } else {
        for d in non_ascii_diags {
            rep.push(d, max);
        }
    }
    if let Some(sums) = sums {
        for p in sums.finish() {
            let d = Diagnostic::new(p.code, p.message)
                .item(p.item)
                .at(p.at.0, p.at.1, p.at.2);
            rep.push(d, max);
        }
    }
    if let (Some(spec), Some(n)) = (spec, &trusted) {
        for ((_, insured), u) in users.iter().filter(|(_, u)| !u.has_receiver) {
            rep.push(
                Diagnostic::new(
                    Code::ConsistencyReceiver,
                    format!(
                        "被保険者番号 {insured} の利用者には送信先事業所 {}{} のサービスがありません（送信先に関係のない利用者は送信しません）",
                        n.receiver.office,
                        receiver_type.as_deref().map(|t| format!("（サービス種類 {t}）")).unwrap_or_default()
                    ),
                )
                .at(u.place.0, Some(spec.index_of(crate::standard::ItemRole::Insured).unwrap_or(2) as u32 + 1), u.place.1)
                .item("被保険者番号"),
                max,
            );
        }
    }
    rep.finish();
    Ok(rep)
}

/// An empty vector with `v`'s allocation, for values of another lifetime: the values of a
/// record borrow its text, and this keeps one allocation for all the records. (Collecting a
/// vector's own iterator into a vector of a same-sized type reuses its allocation.)
fn recycle<'b>(mut v: Vec<&str>) -> Vec<&'b str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
}

/// The first byte of `data` at or after `from` that is not printable ASCII (0x20–0x7E): a
/// control byte, DEL or a byte of a non-ASCII character. Looks at eight bytes at a time.
fn next_unprintable(data: &[u8], from: usize) -> Option<usize> {
    use crate::reader::{first_flagged, ONES};
    first_flagged(
        data,
        from,
        // A byte's high bit ends up set when the byte is below 0x20 (it borrows) or at
        // least 0x7F (adding 1 reaches 0x80, or it is set already). A borrow or carry can
        // only flag bytes above a flagged one, so the lowest flag is exact.
        |w| {
            let below = w.wrapping_sub(ONES * 0x20) & !w;
            let above = w.wrapping_add(ONES) | w;
            below | above
        },
        |b| !(0x20..0x7F).contains(&b),
    )
}

/// Why a record's field count is not its layout's, when the whole file tells it: the records
/// are tab-separated, or they have the item count and CSVバージョン of another revision.
fn layout_mismatch(
    rec: &RawRecord,
    first: &str,
    spec: &FileSpec,
    rev: &Revision,
) -> Option<(Code, String)> {
    if rec.len() == 1 && memchr::memchr(b'\t', rec.field(0)).is_some() {
        let tabs = rec.field(0).iter().filter(|&&b| b == b'\t').count();
        return Some((
            Code::StructureTabSeparated,
            format!(
                "レコードがタブ区切りです（{} 個のタブ、カンマなし）: 標準仕様のファイル形式は CSV（,）です（期待 カンマ区切り {} 項目）",
                tabs,
                spec.items.len()
            ),
        ));
    }
    let std = Standard::get();
    let other = std.by_csv_version(first.get(..6).unwrap_or(first))?;
    let theirs = other.file(&spec.kind)?;
    (other.revision != rev.revision && theirs.items.len() == rec.len()).then(|| {
        (
            Code::StructureOtherRevision,
            format!(
                "レコードは {} 項目で CSVバージョン {first} です: これは第{}版のファイルですが、ファイル名は第{}版の形式です（第{}版の {} は {} 項目、CSVバージョン {}）。以降のレコードの項目数は報告しません",
                rec.len(),
                other.revision,
                rev.revision,
                rev.revision,
                spec.kind,
                spec.items.len(),
                rev.csv_version
            ),
        )
    })
}

/// Text that looks garbled (a heuristic, warnings only): the field's bytes, read as MS932, are
/// well formed, yet they are also valid UTF-8 spelling Japanese (kana, kanji, full-width forms)
/// — UTF-8 text that went through an MS932 decoder and back (「譌･蜷」 for 「日名」); or a
/// half-width `?` just before a non-ASCII character, at the start of the field or after a
/// space or another non-ASCII character — a character an encoder could not convert (「?橋」).
/// Genuine MS932 Japanese almost never forms valid UTF-8: kana lead bytes (0x82, 0x83) and most
/// kanji lead bytes are UTF-8 continuation bytes. `?` (0x3F) is never an MS932 trail byte, so
/// it is always a real question mark.
fn garbled(bytes: &[u8]) -> Option<(Code, usize, String)> {
    let japanese =
        |c: char| matches!(c as u32, 0x3000..=0x30FF | 0x4E00..=0x9FFF | 0xFF00..=0xFFEF);
    // Each run of bytes ≥ 0x80: its longest UTF-8 prefix, two Japanese characters or more and
    // nothing else, with at most one cut character (3 bytes) after it — the last UTF-8
    // character often loses a byte on the way (「譌･蜷・」).
    let mut at = 0;
    while let Some(start) = bytes[at..].iter().position(|&b| b >= 0x80).map(|p| p + at) {
        let len = bytes[start..].iter().take_while(|&&b| b >= 0x80).count();
        let run = &bytes[start..start + len];
        at = start + len;
        let valid = match std::str::from_utf8(run) {
            Ok(_) => run.len(),
            Err(e) => e.valid_up_to(),
        };
        let Ok(prefix) = std::str::from_utf8(&run[..valid]) else {
            continue;
        };
        if prefix.chars().count() >= 2 && prefix.chars().all(japanese) && run.len() - valid <= 3 {
            return Some((
                Code::EncodingMojibake,
                start,
                format!(
                    "文字化けの疑い: このバイト列は UTF-8 の「{}」と読めます（UTF-8 の文字を MS932 として読み直した文字列らしい。期待 MS932 の文字、実際 UTF-8 のバイト列）",
                    prefix.chars().take(20).collect::<String>()
                ),
            ));
        }
    }
    let q = bytes.iter().enumerate().position(|(p, &b)| {
        b == b'?'
            && bytes.get(p + 1).is_some_and(|&n| n >= 0x80)
            && (p == 0 || bytes[p - 1] == b' ' || bytes[p - 1] >= 0x80)
    })?;
    Some((
        Code::EncodingQuestionMark,
        q,
        "全角文字の前の半角 ? : 変換できなかった文字が ? に置き換えられた疑いがあります（期待 元の文字か MS932 の代替文字）".to_string(),
    ))
}

fn ending_name(e: LineEnding) -> &'static str {
    match e {
        LineEnding::CrLf => "CRLF",
        LineEnding::Lf => "LF",
        LineEnding::Cr => "CR",
        LineEnding::None => "なし",
    }
}

fn check_version(
    rep: &mut FileReport,
    w: &mut Where<'_>,
    v: &str,
    rev: Option<&Revision>,
    first: &mut Option<String>,
    max: usize,
) {
    if crate::calendar::parse_month(v).is_none() {
        return; // the item check reports the form
    }
    let std = Standard::get();
    let which = |v: &str| {
        std.by_csv_version(v)
            .map(|r| format!("第{}版", r.revision))
            .unwrap_or_else(|| "未知の版".to_string())
    };
    if let Some(rev) = rev {
        if v != rev.csv_version {
            let d = Diagnostic::new(
                Code::ConsistencyCsvVersion,
                format!(
                    "CSVバージョン {v}（{}）がファイル名の形式が示す第{}版の {} と異なります",
                    which(v),
                    rev.revision,
                    rev.csv_version
                ),
            )
            .item("CSVバージョン");
            let d = w.diag(d, 0, 0);
            rep.push(d, max);
        }
        return;
    }
    match first {
        None => *first = Some(v.to_string()),
        Some(f) if f != v => {
            let d = Diagnostic::new(
                Code::ConsistencyCsvVersionMixed,
                format!("CSVバージョン {v} が1件目のレコードの {f} と異なります（1ファイルに1つのCSVバージョン）"),
            )
            .item("CSVバージョン");
            let d = w.diag(d, 0, 0);
            rep.push(d, max);
        }
        _ => {}
    }
}

trait ItemOpt {
    fn item_opt(self, spec: Option<&FileSpec>, i: usize) -> Diagnostic;
}

impl ItemOpt for Diagnostic {
    fn item_opt(self, spec: Option<&FileSpec>, i: usize) -> Diagnostic {
        match spec.and_then(|s| s.items.get(i)) {
            Some(it) => self.item(&it.name),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::testutil::{join, set_field, usage_records};

    fn validate(name: &str, records: &[Vec<u8>], memo: bool) -> Vec<Diagnostic> {
        let bytes = join(records);
        MEMO_OFF.with(|m| m.set(!memo));
        let rep = validate_reader(name, name, &bytes[..], &Options::default());
        MEMO_OFF.with(|m| m.set(false));
        rep.expect("in memory").diagnostics
    }

    #[test]
    fn a_remembered_value_is_still_checked_where_it_is_wrong() {
        let (name, mut records) = usage_records();
        assert!(validate(&name, &records, true).is_empty());
        // 保険者番号 (field 2): valid in record 0, wrong twice in a row, then valid again;
        // the same wrong 被保険者番号 (field 3) in records 1 and 3 around a valid one.
        let insurer = records[0].split(|&b| b == b',').nth(1).unwrap().to_vec();
        for (r, v) in [(1, &b"12345"[..]), (2, b"12345"), (3, &insurer)] {
            records[r] = set_field(&records[r], 1, v);
        }
        for r in [1, 3] {
            records[r] = set_field(&records[r], 2, b"X000000001");
        }
        let with = validate(&name, &records, true);
        assert_eq!(with, validate(&name, &records, false));
        let at: Vec<(Option<u64>, Option<u32>, &str)> = with
            .iter()
            .filter(|d| d.code == Code::ItemFormat)
            .map(|d| (d.line, d.column, d.code.as_str()))
            .collect();
        assert_eq!(
            at,
            [
                (Some(2), Some(2), "item.format"),
                (Some(2), Some(3), "item.format"),
                (Some(3), Some(2), "item.format"),
                (Some(4), Some(3), "item.format"),
            ]
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Remembering passed values changes nothing: the same diagnostics, in the same order,
        /// as checking every value, whatever values repeat where.
        #[test]
        fn the_memo_changes_no_diagnostic(
            edits in proptest::collection::vec(
                (
                    0..126usize,
                    0..25usize,
                    proptest::sample::select(vec![
                        &b""[..], b"1", b"2", b"0", b"12345", b"131006", b"1000000001",
                        b"20250431", b"20250502", b"202505", b"202513", b"2400", b"2460", b"9999",
                        b"111211", b"11121X", b"1371020015", b"\"\x94\x5c\x93\x6f\"",
                        b"\"\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\x82\xa0\"",
                        b"\x82", b"\xf0\x40", b"\x01",
                    ]),
                    1..4usize,
                ),
                0..12,
            )
        ) {
            let (name, mut records) = usage_records();
            for (r, field, value, run) in edits {
                // The same value in `run` records in a row.
                for k in r..(r + run).min(records.len()) {
                    records[k] = set_field(&records[k], field, value);
                }
            }
            proptest::prop_assert_eq!(validate(&name, &records, true), validate(&name, &records, false));
        }
    }

    proptest::proptest! {
        /// The word-at-a-time search finds what a byte-at-a-time one does.
        #[test]
        fn next_unprintable_is_the_first_unprintable_byte(
            data in proptest::collection::vec(
                proptest::prop_oneof![
                    0x20..0x7Fu8,
                    0x20..0x7Fu8,
                    proptest::sample::select(vec![0x00u8, 0x09, 0x0A, 0x0D, 0x1F, 0x7E, 0x7F, 0x80, 0x81, 0xFF]),
                ],
                0..40,
            ),
            from in 0..45usize,
        ) {
            let naive = data
                .iter()
                .enumerate()
                .skip(from)
                .find(|(_, &b)| !(0x20..0x7F).contains(&b))
                .map(|(i, _)| i);
            proptest::prop_assert_eq!(next_unprintable(&data, from), naive);
        }
    }
}
