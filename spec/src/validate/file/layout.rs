//! Stage 3, the record against its layout: a header row, a file of unknown kind (only its
//! CSVバージョン is compared across records), and the field count, told once for the whole
//! file when the file is of another revision or tab-separated. A record that fails here goes
//! no further.

use crate::diagnostic::{Code, Diagnostic};
use crate::reader::RawRecord;
use crate::standard::{FileSpec, Revision, Standard};

use super::decode::Decoded;
use super::items::check_version;
use super::structure::Shape;
use super::{Context, Out, Where};

/// What the layout stage remembers from record to record.
#[derive(Default)]
pub(super) struct Layout {
    /// A whole-file explanation of wrong field counts, told once (another revision, tabs).
    told: Option<Code>,
    /// The first CSVバージョン of a file of unknown kind.
    first_version: Option<String>,
}

impl Layout {
    /// Whether the record has its layout's items and goes on to the item checks.
    pub(super) fn record(
        &mut self,
        rec: &RawRecord,
        text: &Decoded,
        shape: Shape,
        ctx: &Context,
        w: &mut Where<'_>,
        out: &mut Out,
    ) -> bool {
        if out.rep.records == 1 && header_row(rec, text, ctx, w, out) {
            out.rep.facts.partial = true;
            return false;
        }
        let Some(spec) = ctx.spec else {
            // Unknown kind: still one CSV version per file.
            check_version(out, w, text.value(0), None, &mut self.first_version);
            return false;
        };
        let Some(rev) = ctx.rev else { return false };
        if rec.len() == spec.items.len() {
            return true;
        }
        if let Some((code, msg)) = layout_mismatch(rec, text.value(0), spec, rev) {
            if self.told != Some(code) {
                self.told = Some(code);
                out.push(w.diag(Diagnostic::new(code, msg), 0, 0));
            }
        } else if !shape.unterminated {
            out.push(field_count(rec, spec, rev, w));
        }
        out.rep.facts.partial = true;
        false
    }
}

/// A first record that is a header row (a first value with no digit): told, with the assumption.
fn header_row(
    rec: &RawRecord,
    text: &Decoded,
    ctx: &Context,
    w: &mut Where<'_>,
    out: &mut Out,
) -> bool {
    let first = text.value(0);
    if rec.len() <= 1 || first.is_empty() || first.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let d = Diagnostic::new(
        Code::StructureHeaderRow,
        format!("1行目は見出し行です（先頭項目「{first}」）: 標準仕様のファイルには見出し行がなく、1行目から CSVバージョン で始まるレコードです"),
    );
    out.push(w.diag(d, 0, 0).assumed(ctx.assumption("header_row")));
    true
}

/// The field-count diagnostic, at the first extra field or the end of the last one.
fn field_count(rec: &RawRecord, spec: &FileSpec, rev: &Revision, w: &mut Where<'_>) -> Diagnostic {
    let field = rec.len().min(spec.items.len());
    let (l, c, o) = if rec.len() > spec.items.len() {
        w.at(field, 0)
    } else {
        w.at(rec.len() - 1, rec.field(rec.len() - 1).len())
    };
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
    .at(l, c, o)
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
