//! Stage 4, the items: CSVバージョン against the file's revision, free text enclosed in quotes,
//! and every value against its item (`super::super::item`), remembering passed values.

use crate::calendar;
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::reader::RawRecord;
use crate::standard::{FileSpec, Revision, Standard};

use super::super::item::{self, ItemProblem};
use super::memo::Seen;
use super::structure::Structure;
use super::{Context, Out, Where};

/// What the item stage keeps across records.
pub(super) struct Items {
    /// Per field, the last value that passed its item check with no problem (see [`Seen`]).
    passed: Seen,
    problems: Vec<ItemProblem>,
    /// Per field of the current record, whether it was enclosed in quotes.
    quoted: Vec<bool>,
    /// Whether the file's revision was weighed against its month (once, at the first record).
    revision_weighed: bool,
}

impl Items {
    pub(super) fn new(ctx: &Context) -> Items {
        Items {
            passed: Seen::new(ctx.items()),
            problems: Vec::new(),
            quoted: Vec::with_capacity(64),
            revision_weighed: false,
        }
    }

    /// Checks the record's CSVバージョン, its free-text quoting and each of its items;
    /// `ok[i]` turns false where an item has an error.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn record(
        &mut self,
        rec: &RawRecord,
        v: &[&str],
        ok: &mut [bool],
        quoting: &Structure,
        (spec, rev): (&FileSpec, &Revision),
        ctx: &Context,
        w: &mut Where<'_>,
        out: &mut Out,
    ) {
        if ok[0] {
            check_version(out, w, v[0], Some(rev), &mut None);
            if !self.revision_weighed {
                self.revision_weighed = true;
                if v[0] == rev.csv_version {
                    revision_in_force(out, w, rev, ctx);
                }
            }
        }
        if ctx.has_free_text {
            self.free_text_quoting(rec, quoting, spec, rev, ctx, w, out);
        }
        self.values(rec, v, ok, spec, rev, ctx, w, out);
    }

    /// Free text (フリーテキスト) is enclosed in `""`; an empty value either way (assumed).
    #[allow(clippy::too_many_arguments)]
    fn free_text_quoting(
        &mut self,
        rec: &RawRecord,
        quoting: &Structure,
        spec: &FileSpec,
        rev: &Revision,
        ctx: &Context,
        w: &mut Where<'_>,
        out: &mut Out,
    ) {
        rec.quoted_fields_as(quoting.quoting, &mut self.quoted);
        let quote_problems = &quoting.quote_problem_fields;
        for (i, (&free, &q)) in ctx.free_text.iter().zip(&self.quoted).enumerate() {
            if !free || q || rec.field(i).is_empty() || quote_problems.contains(&i) {
                continue;
            }
            let it = &spec.items[i];
            let d = Diagnostic::new(
                Code::StructureFreeTextUnquoted,
                format!(
                    "フリーテキスト項目「{}」の値がダブルクォートで囲まれていません（期待 \"…\"、実際 囲みなし）: フリーテキストは\"\"（半角）で囲みます",
                    it.name
                ),
            )
            .item(&it.name)
            .assumed(rev.assumptions.get("free_text_empty").map(String::as_str));
            out.push(w.diag(d, i, 0));
        }
    }

    /// Every well-formed field against its item.
    #[allow(clippy::too_many_arguments)]
    fn values(
        &mut self,
        rec: &RawRecord,
        v: &[&str],
        ok: &mut [bool],
        spec: &FileSpec,
        rev: &Revision,
        ctx: &Context,
        w: &mut Where<'_>,
        out: &mut Out,
    ) {
        let data = rec.data();
        let mut field_start = 0;
        for (i, (it, &field_end)) in spec.items.iter().zip(rec.field_ends()).enumerate() {
            let bytes = &data[field_start..field_end];
            field_start = field_end;
            // Records come grouped by user, and most values repeat the last record's: a value
            // whose bytes passed this item's check without a word passes it again.
            if !ok[i] || self.passed.hit(i, bytes) {
                continue;
            }
            if ctx.needs_text(i) {
                item::check_field(it, v[i], bytes, rev, &mut self.problems);
            } else {
                item::check_clean_text(it, bytes, &mut self.problems);
            }
            if self.problems.is_empty() {
                self.passed.remember(i, bytes);
                continue;
            }
            ok[i] = self.problems.iter().all(|p| p.severity != Severity::Error);
            for p in self.problems.drain(..) {
                let d = Diagnostic::new(p.code, p.message)
                    .severity(p.severity)
                    .item(&it.name)
                    .assumed(it.assumed.as_deref());
                let d = w.diag(d, i, 0);
                if bytes.is_ascii() {
                    out.push(d);
                } else {
                    out.hold(d);
                }
            }
        }
    }
}

/// R-CSVVER-APPLY: a file of a revision that is not the one in force for the service month
/// of its name (told once, at the first record's CSVバージョン). A warning: receivers differ
/// around a changeover (revision.toml, assumption `revision_changeover`).
fn revision_in_force(out: &mut Out, w: &mut Where<'_>, rev: &Revision, ctx: &Context) {
    let Some((due, month)) = &ctx.revision_due else {
        return;
    };
    let when = if due.applies_from > rev.applies_from {
        format!("{} 提供分から適用", due.applies_from)
    } else {
        format!("第{}版は {} 提供分から適用", rev.revision, rev.applies_from)
    };
    let d = Diagnostic::new(
        Code::ConsistencyRevisionMonth,
        format!(
            "第{}版（CSVバージョン {}）のファイルですが、サービス提供年月 {month} に適用されるのは第{}版（CSVバージョン {}、{when}）です: 新しいCSVバージョンはその適用年月のサービス提供年月から適用します",
            rev.revision, rev.csv_version, due.revision, due.csv_version
        ),
    )
    .item("CSVバージョン")
    .assumed(ctx.assumption("revision_changeover"));
    out.push(w.diag(d, 0, 0));
}

/// CSVバージョン `v`: against the revision of the file name when it is known, else against
/// the first record's (`first`: one CSVバージョン per file).
pub(super) fn check_version(
    out: &mut Out,
    w: &mut Where<'_>,
    v: &str,
    rev: Option<&Revision>,
    first: &mut Option<String>,
) {
    if calendar::parse_month(v).is_none() {
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
            out.push(w.diag(d, 0, 0));
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
            out.push(w.diag(d, 0, 0));
        }
        _ => {}
    }
}
