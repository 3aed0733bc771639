//! The file pass: one streaming read of a file that checks its encoding, its CSV structure,
//! every item and record, and the agreement of the content with the file name, and keeps the
//! few facts the send-unit checks need (link keys, users), never the records themselves.
//!
//! [`validate_reader`] is a pipeline. Before the first record, the file name gives the
//! `Context` (the layout, the parts of the name the content is compared with) and the first
//! bytes are sniffed for another encoding or a JPEG (`sniff`). Then each record goes through
//! the stages in turn, each in its own module, and stops at the first that rejects it:
//!
//! 1. `structure`: the record as bytes (blank lines, quoting, line endings);
//! 2. `decode`: its fields' text under the MS932 policy;
//! 3. `layout`: a header row, the file's kind, the field count;
//! 4. `items`: CSVバージョン, free-text quoting, every value against its item;
//! 5. record rules (`super::record`: items against each other and the file name), the
//!    第7表 sums (`super::sums`) and the numbering of 支援計画 (`numbering`);
//! 6. `facts`: what the send-unit checks need, and each user's tie to the receiver.
//!
//! At the end of the file, each stage reports what only the whole file tells, in that order.
//! Diagnostics go to one sink (`Out`), which holds back those on non-ASCII bytes until the
//! file is known not to be UTF-8.

mod decode;
mod facts;
mod items;
mod layout;
mod memo;
mod numbering;
mod sniff;
mod structure;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};

use crate::calendar;
use crate::diagnostic::{Code, Diagnostic};
use crate::filename::{self, FileName};
use crate::reader::{CsvReader, FieldSpan, RawRecord};
use crate::standard::{FileSpec, ItemType, Revision, Standard};

use super::record::{self, RecordProblem, Roles, ALL9_OFFICE};
use super::sums::TotalSums;
use super::Options;

/// A user, by 保険者番号 and 被保険者番号.
pub type UserKey = Key;

/// A user and the value linking a record to the other files of its unit.
pub type LinkKey = Key;

/// Values that key a fact (a user: 保険者番号 and 被保険者番号; a link: those and the link
/// value), as one string of exact size: the parts joined by U+001F, a control character no
/// sound value holds, so that keys order as their parts do. One allocation per fact instead
/// of one per part keeps the facts of a unit of 100,000 users small.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(Box<str>);

impl Key {
    const SEPARATOR: char = '\u{1f}';

    /// The key of these parts, in order.
    pub fn new(parts: &[&str]) -> Key {
        let mut s = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                s.push(Key::SEPARATOR);
            }
            s.push_str(p);
        }
        Key(s.into_boxed_str())
    }

    /// Part `i` (empty when the key has fewer parts).
    pub fn part(&self, i: usize) -> &str {
        self.0.split(Key::SEPARATOR).nth(i).unwrap_or("")
    }

    /// Whether the key is the one of these parts (without making it).
    pub fn is(&self, parts: &[&str]) -> bool {
        let mut rest = self.0.as_bytes();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                match rest.split_first() {
                    Some((&b, r)) if b == Key::SEPARATOR as u8 => rest = r,
                    _ => return false,
                }
            }
            match rest.strip_prefix(p.as_bytes()) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }

    /// The user of a link key: its first two parts.
    pub fn user(&self) -> Key {
        Key::new(&[self.part(0), self.part(1)])
    }
}

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

/// Validates one file from a byte source. `file_name` is the last path component.
pub fn validate_reader<R: Read>(
    path: &str,
    file_name: &str,
    mut src: R,
    opts: &Options,
) -> io::Result<FileReport> {
    let (ctx, mut out) = Context::of_name(path, file_name, opts);
    let head = sniff::head(&mut src)?;
    if sniff::whole_file(&head, &ctx, &mut out) {
        return Ok(out.finish());
    }
    let mut reader = CsvReader::new(io::Cursor::new(head).chain(src));
    let mut rec = RawRecord::default();
    let mut pass = Pass::new(&ctx);
    while reader.read(&mut rec)? {
        pass.record(&rec, &ctx, &mut out);
    }
    pass.end(&reader, &ctx, &mut out);
    Ok(out.finish())
}

/// What the pass knows before the first record, from the file name and the standard.
struct Context {
    /// The revision and layout the name gives, when the standard knows them.
    rev: Option<&'static Revision>,
    spec: Option<&'static FileSpec>,
    roles: Option<Roles>,
    /// The parts of the name the content is compared with: only the well-formed ones, so
    /// that one wrong part of a name is reported once, as a file-name problem.
    trusted: Option<FileName>,
    /// The receiver's サービス種類 from the name: a user must have a service of that type.
    receiver_type: Option<String>,
    /// Whether each user must have a service of the receiver (予定 and 第7表).
    check_receiver: bool,
    /// Per item, whether the checks read its text. A free-text item without a role is only
    /// checked for emptiness and length, which its bytes tell when they are clean MS932:
    /// such a field is not decoded (its value is left empty). The record rules and the unit
    /// facts find their items by role, and item 1 is read before the file's kind is known.
    needs_text: Vec<bool>,
    /// Per item, whether it is free text (フリーテキスト), enclosed in quotes.
    free_text: Vec<bool>,
    has_free_text: bool,
    /// The revision in force for the service month of the name, when it is not the file's
    /// own (R-CSVVER-APPLY), with that month.
    revision_due: Option<(&'static Revision, String)>,
}

impl Context {
    /// The context a file name gives, and the report with the name's own diagnostics.
    fn of_name(path: &str, file_name: &str, opts: &Options) -> (Context, Out) {
        let std = Standard::get();
        let parsed = filename::parse(file_name);
        let name = parsed.name;
        let trusted = name.as_ref().map(|n| {
            let bad = |c: Code| {
                parsed
                    .diagnostics
                    .iter()
                    .any(|d| d.code == c && d.is_error())
            };
            trusted_parts(n, bad(Code::FilenameMonth), bad(Code::FilenameServiceType))
        });
        let rev = name.as_ref().and_then(|n| std.revision(&n.revision));
        let spec = match (&name, rev) {
            (Some(n), Some(r)) => r.file(&n.kind),
            _ => None,
        };
        let revision_due = rev
            .zip(trusted.as_ref().and_then(|n| n.month.clone()))
            .and_then(|(r, m)| {
                calendar::parse_month(&m)?;
                let due = std.in_force(&m)?;
                (due.revision != r.revision).then_some((due, m))
            });
        let needs_text: Vec<bool> = spec
            .map(|s| {
                s.items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| i == 0 || it.ty != ItemType::Text || it.role.is_some())
                    .collect()
            })
            .unwrap_or_default();
        let free_text: Vec<bool> = spec
            .map(|s| s.items.iter().map(|it| it.is_free_text()).collect())
            .unwrap_or_default();
        let mut out = Out {
            rep: FileReport {
                path: path.to_string(),
                kind: name.as_ref().map(|n| n.kind.clone()),
                valid: false,
                diagnostics: Vec::new(),
                revision: name.as_ref().map(|n| n.revision.clone()),
                name,
                records: 0,
                facts: FileFacts::default(),
                folder: String::new(),
                unit_checks: false,
                suppressed: 0,
                errors_suppressed: false,
            },
            held: Vec::new(),
            max: opts.max_diagnostics,
        };
        for d in parsed.diagnostics {
            out.push(d);
        }
        let ctx = Context {
            rev,
            spec,
            roles: spec.map(Roles::of),
            receiver_type: trusted
                .as_ref()
                .and_then(|n| n.receiver.service_type.clone()),
            trusted,
            check_receiver: spec.is_some_and(|s| s.kind == "UPPLAN" || s.kind == "UPSIKYU"),
            has_free_text: free_text.iter().any(|&f| f),
            revision_due,
            needs_text,
            free_text,
        };
        (ctx, out)
    }

    /// The number of items of the layout (0 when unknown).
    fn items(&self) -> usize {
        self.spec.map_or(0, |s| s.items.len())
    }

    /// Whether the checks read field `i`'s text (see `needs_text`).
    #[inline]
    fn needs_text(&self, i: usize) -> bool {
        self.needs_text.get(i).copied().unwrap_or(true)
    }

    /// The revision's text of an assumption, for a diagnostic that rests on it.
    fn assumption(&self, key: &str) -> Option<&'static str> {
        self.rev
            .and_then(|r| r.assumptions.get(key))
            .map(String::as_str)
    }

    /// Whether a record is a service of the receiving office (and of its サービス種類).
    fn is_receiver_service(&self, v: &[&str], roles: &Roles) -> bool {
        let of_type = match (&self.receiver_type, roles.service_code) {
            (Some(t), Some(c)) => v[c].get(..2) == Some(t.as_str()),
            _ => true,
        };
        roles.provider_office.is_some_and(|p| {
            self.trusted
                .as_ref()
                .is_some_and(|n| v[p] == n.receiver.office)
                && v[p] != ALL9_OFFICE
                && of_type
        })
    }
}

/// A name with the parts that are not well formed left out (see `Context::trusted`).
fn trusted_parts(n: &FileName, bad_month: bool, bad_service_type: bool) -> FileName {
    let mut t = n.clone();
    if bad_month {
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
    if bad_service_type {
        t.sender.service_type = None;
        t.receiver.service_type = None;
    }
    t
}

/// Where the diagnostics go: the report, and those on non-ASCII bytes held back.
struct Out {
    rep: FileReport,
    /// Diagnostics from fields with non-ASCII bytes: withdrawn if the file turns out to be UTF-8.
    held: Vec<Diagnostic>,
    max: usize,
}

impl Out {
    fn push(&mut self, d: Diagnostic) {
        self.rep.push(d, self.max);
    }

    /// Holds a diagnostic on non-ASCII bytes until the end of the file.
    fn hold(&mut self, d: Diagnostic) {
        self.held.push(d);
    }

    fn release_held(&mut self) {
        for d in std::mem::take(&mut self.held) {
            self.rep.push(d, self.max);
        }
    }

    fn finish(mut self) -> FileReport {
        self.rep.finish();
        self.rep
    }
}

/// The stages' state across the records of one file.
struct Pass {
    structure: structure::Structure,
    text: decode::Decoded,
    /// Per field of the current record: well formed so far (decoded, then checked as an item).
    ok: Vec<bool>,
    layout: layout::Layout,
    items: items::Items,
    record_problems: Vec<RecordProblem>,
    sums: Option<TotalSums>,
    numbering: numbering::Numbering,
    facts: facts::Facts,
    /// The allocation of the current record's values, kept across records (see [`recycle`]).
    spare_values: Vec<&'static str>,
}

impl Pass {
    fn new(ctx: &Context) -> Pass {
        Pass {
            structure: structure::Structure::default(),
            text: decode::Decoded::new(ctx),
            ok: Vec::with_capacity(64),
            layout: layout::Layout::default(),
            items: items::Items::new(ctx),
            record_problems: Vec::new(),
            sums: ctx
                .spec
                .filter(|s| s.kind == "UPSIKYU")
                .map(|_| TotalSums::default()),
            numbering: numbering::Numbering::default(),
            facts: facts::Facts::default(),
            spare_values: Vec::with_capacity(64),
        }
    }

    /// One record through the stages.
    fn record(&mut self, rec: &RawRecord, ctx: &Context, out: &mut Out) {
        out.rep.records += 1;
        let mut w = Where::new(rec);
        let shape = self.structure.record(rec, ctx, out);
        self.text.record(rec, &mut self.ok, ctx, &mut w, out);
        if !self.layout.record(rec, &self.text, shape, ctx, &mut w, out) {
            return;
        }
        let (Some(spec), Some(rev), Some(roles)) = (ctx.spec, ctx.rev, ctx.roles.as_ref()) else {
            return;
        };
        let v = self.text.values(std::mem::take(&mut self.spare_values));
        let ok = &mut self.ok;
        self.items
            .record(rec, &v, ok, &self.structure, (spec, rev), ctx, &mut w, out);
        let key_ok = record_rules(
            &v,
            ok,
            &mut self.record_problems,
            (spec, rev, roles),
            ctx,
            &mut w,
            out,
        );
        if let Some(sums) = self.sums.as_mut() {
            sums.row(roles, &v, ok, |i| w.at(i, 0));
        }
        if key_ok {
            self.numbering.record(&v, ok, (spec, roles), &mut w, out);
            self.facts.record(&v, (spec, roles), ctx, &mut w, out);
        } else {
            out.rep.facts.partial = true;
        }
        self.spare_values = recycle(v);
    }

    /// What only the end of the file tells, stage by stage.
    fn end<R: Read>(self, reader: &CsvReader<R>, ctx: &Context, out: &mut Out) {
        self.structure.end(reader, ctx, out);
        self.text.end(out);
        if let Some(sums) = self.sums {
            for p in sums.finish() {
                let d = Diagnostic::new(p.code, p.message)
                    .item(p.item)
                    .at(p.at.0, p.at.1, p.at.2);
                out.push(d);
            }
        }
        self.facts.end(ctx, out);
    }
}

/// Stage 5, the record rules (items against each other and the file name); whether the
/// items that key the record to its user and unit are sound.
fn record_rules(
    v: &[&str],
    ok: &[bool],
    problems: &mut Vec<RecordProblem>,
    (spec, rev, roles): (&FileSpec, &Revision, &Roles),
    ctx: &Context,
    w: &mut Where<'_>,
    out: &mut Out,
) -> bool {
    problems.clear();
    record::check(spec, roles, rev, ctx.trusted.as_ref(), v, ok, problems);
    let key_fields = [
        roles.insurer,
        roles.insured,
        roles.plan_date,
        roles.target_month,
        roles.consult_date,
        roles.yobo_plan_date,
    ];
    let key_ok = key_fields.iter().flatten().all(|&i| ok[i])
        && !problems.iter().any(|p| key_fields.contains(&Some(p.field)));
    for p in problems.drain(..) {
        let it = &spec.items[p.field];
        let d = Diagnostic::new(p.code, p.message)
            .item(&it.name)
            .assumed(it.assumed.as_deref());
        out.push(w.diag(d, p.field, 0));
    }
    key_ok
}

/// An empty vector with `v`'s allocation, for values of another lifetime: the values of a
/// record borrow its text, and this keeps one allocation for all the records. (Collecting a
/// vector's own iterator into a vector of a same-sized type reuses its allocation.)
fn recycle<'b>(mut v: Vec<&str>) -> Vec<&'b str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
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
    use super::decode::next_unprintable;
    use super::memo::MEMO_OFF;
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
