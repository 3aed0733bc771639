//! Stage 2, the fields' text: every field decoded under the MS932 policy into one string of
//! the record's values. A field of printable ASCII is copied as it is, in runs of such
//! fields; only a field with another byte is looked at (control characters, MS932 sequences,
//! garbled text). Diagnostics on non-ASCII bytes are held back: they are withdrawn if the
//! whole file turns out to be UTF-8, which is then reported once.

use crate::diagnostic::{Code, Diagnostic};
use crate::ms932::{self, DecodeProblem, DecodeProblemKind};
use crate::reader::RawRecord;

use super::memo::Seen;
use super::{Context, ItemOpt, Out, Where};

/// The current record's text, and what the stage remembers across records.
pub(super) struct Decoded {
    /// The record's values, one after the other.
    text: String,
    /// Where each value ends in `text`.
    ends: Vec<usize>,
    problems: Vec<DecodeProblem>,
    /// Per field, the last free-text bytes found clean MS932 (see [`Seen`]).
    clean_text: Seen,
    /// Whether every record with non-ASCII bytes so far is valid UTF-8.
    utf8_valid: bool,
    /// The first non-ASCII byte of the file: (line, column, byte offset).
    first_non_ascii: Option<(u64, Option<u32>, u64)>,
}

impl Decoded {
    pub(super) fn new(ctx: &Context) -> Decoded {
        Decoded {
            text: String::with_capacity(4096),
            ends: Vec::with_capacity(64),
            problems: Vec::new(),
            clean_text: Seen::new(ctx.items()),
            utf8_valid: true,
            first_non_ascii: None,
        }
    }

    /// Decodes every field of `rec`; `ok[i]` tells whether field `i` decoded cleanly.
    pub(super) fn record(
        &mut self,
        rec: &RawRecord,
        ok: &mut Vec<bool>,
        ctx: &Context,
        w: &mut Where<'_>,
        out: &mut Out,
    ) {
        self.text.clear();
        self.ends.clear();
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
                self.ends
                    .push(self.text.len() + field_ends[next] - run_start);
                ok.push(true);
                next += 1;
            }
            let i = next;
            let range = rec.field_range(i);
            let bytes = &data[range.clone()];
            let good = if bytes.is_ascii() {
                let good = ascii_field(bytes, i, ctx, w, out);
                self.ends.push(self.text.len() + range.end - run_start);
                good
            } else {
                record_non_ascii = true;
                let run = &data[run_start..range.start];
                self.text
                    .push_str(std::str::from_utf8(run).unwrap_or_default());
                run_start = range.end;
                let good = self.non_ascii_field(bytes, i, ctx, w, out);
                self.ends.push(self.text.len());
                good
            };
            ok.push(good);
            next += 1;
            from = range.end;
        }
        for &end in &field_ends[next..] {
            self.ends.push(self.text.len() + end - run_start);
            ok.push(true);
        }
        self.text
            .push_str(std::str::from_utf8(&data[run_start..]).unwrap_or_default());
        if record_non_ascii && self.utf8_valid {
            self.utf8_valid = std::str::from_utf8(&rec.raw).is_ok();
        }
    }

    /// A field with a byte outside ASCII: decoded into `text` (unless its text is not needed
    /// and its bytes are clean), its problems held back; whether it is well formed.
    fn non_ascii_field(
        &mut self,
        bytes: &[u8],
        i: usize,
        ctx: &Context,
        w: &mut Where<'_>,
        out: &mut Out,
    ) -> bool {
        let mut good = true;
        // Free text repeats from record to record: bytes already found clean need no
        // second look.
        let decode = ctx.needs_text(i)
            || !(self.clean_text.hit(i, bytes)
                || ms932::is_clean(bytes) && self.clean_text.remember(i, bytes));
        self.problems.clear();
        if decode && !ms932::decode_field(bytes, &mut self.text, &mut self.problems) {
            good = false;
            for p in &self.problems {
                let d = Diagnostic::new(
                    problem_code(p.kind),
                    format!("バイト {}: {}", p.hex(), problem_text(p.kind)),
                );
                out.hold(w.diag(d, i, p.offset).item_opt(ctx.spec, i));
            }
        }
        if let Some(p) = control(bytes) {
            let d = Diagnostic::new(
                Code::EncodingControl,
                format!("制御文字 U+{:04X} があります", bytes[p]),
            );
            out.hold(w.diag(d, i, 0).item_opt(ctx.spec, i));
            good = false;
        }
        if good {
            if let Some((code, pos, msg)) = garbled(bytes) {
                let d = Diagnostic::new(code, msg);
                out.hold(w.diag(d, i, pos).item_opt(ctx.spec, i));
            }
        }
        if self.first_non_ascii.is_none() {
            let pos = bytes.iter().position(|b| !b.is_ascii()).unwrap_or(0);
            self.first_non_ascii = Some(w.at(i, pos));
        }
        good
    }

    /// The record's values, as slices of its text, in a vector with `spare`'s allocation.
    pub(super) fn values<'a>(&'a self, spare: Vec<&'static str>) -> Vec<&'a str> {
        // Split the text at each end in turn: one boundary check per value.
        let (mut rest, mut start) = (self.text.as_str(), 0);
        let mut v: Vec<&str> = super::recycle(spare);
        v.extend(self.ends.iter().map(|&end| {
            let (s, r) = rest.split_at(end - start);
            (rest, start) = (r, end);
            s
        }));
        v
    }

    /// The text of field `i`, before the layout is known (the header row, CSVバージョン).
    pub(super) fn value(&self, i: usize) -> &str {
        let s = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[s..self.ends[i]]
    }

    /// At the end of the file: a UTF-8 file is told once, else the held diagnostics count.
    pub(super) fn end(self, out: &mut Out) {
        match self.first_non_ascii {
            Some((l, c, o)) if self.utf8_valid => {
                out.held.clear();
                out.push(
                    Diagnostic::new(
                        Code::EncodingUtf8,
                        "ファイルが UTF-8 で書かれています: 標準仕様の文字コードは Shift-JIS (MS932) です",
                    )
                    .at(l, c, o),
                );
            }
            _ => out.release_held(),
        }
    }
}

/// A field of ASCII bytes with a control character: reported at once (ASCII is the same in
/// UTF-8). Whether the field is well formed.
fn ascii_field(bytes: &[u8], i: usize, ctx: &Context, w: &mut Where<'_>, out: &mut Out) -> bool {
    let Some(p) = control(bytes) else { return true };
    let d = Diagnostic::new(
        Code::EncodingControl,
        format!("制御文字 0x{:02X} があります", bytes[p]),
    );
    out.push(w.diag(d, i, p).item_opt(ctx.spec, i));
    false
}

/// The first control character; in MS932 a byte below 0x20 or 0x7F is never part of a
/// double-byte character, so the raw bytes tell it for any field.
fn control(bytes: &[u8]) -> Option<usize> {
    bytes
        .iter()
        .position(|&b| (b < 0x20 && b != b'\t' && b != b'\r' && b != b'\n') || b == 0x7F)
}

fn problem_code(kind: DecodeProblemKind) -> Code {
    match kind {
        DecodeProblemKind::InvalidSequence => Code::EncodingInvalidSequence,
        DecodeProblemKind::Truncated => Code::EncodingTruncated,
        DecodeProblemKind::InvalidByte => Code::EncodingInvalidByte,
        DecodeProblemKind::Unmapped => Code::EncodingUnmapped,
        DecodeProblemKind::Gaiji => Code::EncodingGaiji,
    }
}

fn problem_text(kind: DecodeProblemKind) -> &'static str {
    match kind {
        DecodeProblemKind::InvalidSequence => {
            "第1バイトの後に第2バイトになれないバイトが続いています"
        }
        DecodeProblemKind::Truncated => {
            "2バイト文字の第1バイトで項目が終わっています（文字が途中で切れています）"
        }
        DecodeProblemKind::InvalidByte => "MS932 で使えないバイトです",
        DecodeProblemKind::Unmapped => "MS932 の文字に対応しないバイト列です",
        DecodeProblemKind::Gaiji => "外字（ユーザー定義文字）です: 標準仕様は外字を禁止しています",
    }
}

/// The first byte of `data` at or after `from` that is not printable ASCII (0x20–0x7E): a
/// control byte, DEL or a byte of a non-ASCII character. Looks at eight bytes at a time.
pub(super) fn next_unprintable(data: &[u8], from: usize) -> Option<usize> {
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
