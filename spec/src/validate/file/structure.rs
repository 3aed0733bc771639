//! Stage 1, the record as bytes: blank lines, quoting and line endings; at the end of the
//! file, its last line (a missing final newline, blank lines after the last record, no record).

use std::io::Read;

use crate::diagnostic::{Code, Diagnostic};
use crate::reader::{CsvReader, LineEnding, QuoteProblem, Quoting, RawRecord};

use super::{Context, Out};

/// What the structure stage remembers from record to record.
#[derive(Default)]
pub(super) struct Structure {
    /// The first record's line ending: the others must have the same.
    first_ending: Option<LineEnding>,
    /// The last record's line ending, and whether its last field was left open.
    last_ending: Option<LineEnding>,
    last_unterminated: bool,
    /// The line of the last record, when it ends without a line ending.
    last_line: u64,
    /// Fields of the current record whose quoting was already reported.
    pub(super) quote_problem_fields: Vec<usize>,
    /// How the current record is quoted (found once, used again by the item stage).
    pub(super) quoting: Quoting,
}

/// What the structure stage found in one record, for the stages after it.
#[derive(Clone, Copy)]
pub(super) struct Shape {
    /// A quoted field runs to the end of the record: its field count says nothing.
    pub(super) unterminated: bool,
}

impl Structure {
    /// Checks one record's blank lines, quoting and line ending.
    pub(super) fn record(&mut self, rec: &RawRecord, ctx: &Context, out: &mut Out) -> Shape {
        for &(line, off) in &rec.blank_lines_before {
            out.push(
                Diagnostic::new(
                    Code::StructureEmptyLine,
                    "空行があります（レコードの間に空行は置けません）",
                )
                .at(line, None, off),
            );
        }
        let unterminated = self.quoting(rec, out);
        if !unterminated {
            self.line_ending(rec, ctx, out);
        }
        self.last_unterminated = unterminated;
        self.last_ending = rec.ending;
        if rec.ending == Some(LineEnding::None) {
            // Only the last record can end without a line ending; its line is reported below.
            self.last_line = rec.line_at(rec.raw.len().saturating_sub(1));
        }
        Shape { unterminated }
    }

    /// Reports each quoting problem of the record; whether a quoted field was left open.
    fn quoting(&mut self, rec: &RawRecord, out: &mut Out) -> bool {
        self.quote_problem_fields.clear();
        // A tab-separated record is one field full of quotes: the layout stage tells it as such.
        let tab_separated = rec.len() == 1 && memchr::memchr(b'\t', &rec.raw).is_some();
        self.quoting = rec.quoting();
        if self.quoting != Quoting::Other || tab_separated {
            return false;
        }
        let mut unterminated = false;
        let (_, problems) = rec.spans();
        for p in problems {
            let (code, field, at, msg) = match p {
                QuoteProblem::Unterminated { field, at } => {
                    unterminated = true;
                    (
                        Code::StructureQuoteUnterminated,
                        field,
                        at,
                        "ダブルクォートで始まる項目が閉じていません",
                    )
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
            self.quote_problem_fields.push(field);
            out.push(Diagnostic::new(code, msg).at(
                rec.line_at(at),
                Some(field as u32 + 1),
                rec.offset + at as u64,
            ));
        }
        unterminated
    }

    /// The record's line ending against the assumed CRLF and against the first record's.
    fn line_ending(&mut self, rec: &RawRecord, ctx: &Context, out: &mut Out) {
        let Some(e) = rec.ending else { return };
        // (line, byte offset) of the line ending, for a diagnostic.
        let end_at = || {
            let at = rec.content().len();
            (rec.line_at(at), rec.offset + at as u64)
        };
        match (self.first_ending, e) {
            (_, LineEnding::None) => {}
            (None, e) => {
                self.first_ending = Some(e);
                let code = match e {
                    LineEnding::Lf => Some(Code::StructureLineEndingLf),
                    LineEnding::Cr => Some(Code::StructureLineEndingCr),
                    _ => None,
                };
                if let Some(code) = code {
                    let (line, off) = end_at();
                    out.push(
                        Diagnostic::new(
                            code,
                            format!("改行が {} です（CRLF を想定）", ending_name(e)),
                        )
                        .at(line, None, off)
                        .assumed(ctx.assumption("line_ending")),
                    );
                }
            }
            (Some(f), e) if f != e => {
                let (line, off) = end_at();
                out.push(
                    Diagnostic::new(
                        Code::StructureLineEndingMixed,
                        format!(
                            "この行の改行は {} ですが、ファイルの最初の行は {} です（改行コードの混在）",
                            ending_name(e),
                            ending_name(f)
                        ),
                    )
                    .at(line, None, off),
                );
            }
            _ => {}
        }
    }

    /// What only the end of the file tells: no record, no final newline, trailing blank lines.
    pub(super) fn end<R: Read>(&self, reader: &CsvReader<R>, ctx: &Context, out: &mut Out) {
        if out.rep.records == 0 {
            out.rep.facts.partial = true;
            out.push(
                Diagnostic::new(Code::StructureEmptyFile, "レコードが1件もありません")
                    .at(1, None, 0),
            );
        }
        if self.last_ending == Some(LineEnding::None) && !self.last_unterminated {
            out.push(
                Diagnostic::new(
                    Code::StructureNoFinalNewline,
                    "最終レコードの後に改行がありません",
                )
                .at(self.last_line, None, reader.total_bytes)
                .assumed(ctx.assumption("final_newline")),
            );
        }
        for &(line, off) in reader.trailing_blank_lines() {
            out.push(
                Diagnostic::new(
                    Code::StructureTrailingEmptyLine,
                    "最終レコードの後に空行があります",
                )
                .at(line, None, off),
            );
        }
    }
}

fn ending_name(e: LineEnding) -> &'static str {
    match e {
        LineEnding::CrLf => "CRLF",
        LineEnding::Lf => "LF",
        LineEnding::Cr => "CR",
        LineEnding::None => "なし",
    }
}
