//! The streaming CSV reader: CSV structure is parsed on the raw bytes with csv-core (an MS932
//! trail byte is never `,` `"` CR or LF, see `ms932.md`), one record at a time, keeping each
//! record's raw bytes, its byte offset and its physical line so that every later diagnostic
//! can say exactly where it is. Memory is bounded by the longest record, not the file.

use std::io::{self, Read};

use csv_core::{ReadRecordResult, ReaderBuilder};

/// How a record's line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// CR LF, what the standard asks for.
    CrLf,
    /// A bare LF.
    Lf,
    /// A bare CR.
    Cr,
    /// The last record of a file with no line ending after it.
    None,
}

/// Where one field stands in the record's raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpan {
    /// Offset of the field's first byte (its opening quote, if quoted) in `raw`.
    pub start: usize,
    /// Offset just past the field's last byte (its closing quote, if quoted).
    pub end: usize,
    /// Whether the field is in quotes.
    pub quoted: bool,
}

/// A quoting problem found in a record's raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteProblem {
    /// A quoted field never closes; `at` is the opening quote.
    Unterminated {
        /// The field (0-based).
        field: usize,
        /// The offending byte, as an offset in `raw`.
        at: usize,
    },
    /// A `"` inside an unquoted field.
    InUnquoted {
        /// The field (0-based).
        field: usize,
        /// The offending byte, as an offset in `raw`.
        at: usize,
    },
    /// Characters after a closing quote.
    Trailing {
        /// The field (0-based).
        field: usize,
        /// The offending byte, as an offset in `raw`.
        at: usize,
    },
}

/// How a record's fields are quoted ([`RawRecord::quoting`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quoting {
    /// No quote in the record.
    #[default]
    None,
    /// Every quote pair wraps a whole field, with no quote inside.
    Plain,
    /// Anything else: `""` inside a field, a stray or unclosed quote.
    Other,
}

/// One record: its raw bytes and its fields (unquoted, still MS932).
#[derive(Debug, Default)]
pub struct RawRecord {
    /// The record's bytes as in the file, line ending included.
    pub raw: Vec<u8>,
    /// Byte offset of `raw[0]` in the file.
    pub offset: u64,
    /// Physical line (1-based) of `raw[0]`.
    pub line: u64,
    data: Vec<u8>,
    ends: Vec<usize>,
    nfields: usize,
    /// How the record's line ended.
    pub ending: Option<LineEnding>,
    /// Blank lines skipped before this record: (line, byte offset).
    pub blank_lines_before: Vec<(u64, u64)>,
}

impl RawRecord {
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.nfields
    }

    /// Whether the record has no field.
    pub fn is_empty(&self) -> bool {
        self.nfields == 0
    }

    /// The unquoted bytes of field `i` (0-based).
    pub fn field(&self, i: usize) -> &[u8] {
        &self.data[self.field_range(i)]
    }

    /// Where field `i`'s unquoted bytes stand in [`RawRecord::data`].
    pub fn field_range(&self, i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        start..self.ends[i]
    }

    /// Where each field's unquoted bytes end in [`RawRecord::data`], one offset per field.
    pub fn field_ends(&self) -> &[usize] {
        &self.ends[..self.nfields]
    }

    /// The unquoted bytes of all the fields, one after the other.
    pub fn data(&self) -> &[u8] {
        let end = if self.nfields == 0 {
            0
        } else {
            self.ends[self.nfields - 1]
        };
        &self.data[..end]
    }

    /// The record's raw bytes without its line ending.
    pub fn content(&self) -> &[u8] {
        let cut = match self.ending {
            Some(LineEnding::CrLf) => 2,
            Some(LineEnding::Lf | LineEnding::Cr) => 1,
            _ => 0,
        };
        &self.raw[..self.raw.len() - cut]
    }

    /// Whether the record's quoting is plain: the quotes go in pairs, each opening a field
    /// (at the start of the record or after a comma) and closing it (before a comma or at the
    /// end). Then [`RawRecord::spans`] finds no quoting problem; `false` only means that it
    /// has to look. Finds the quotes eight bytes at a time instead of walking every field.
    pub fn plain_quoting(&self) -> bool {
        // With the quotes paired in order, a comma before an opening quote or after a closing
        // one is outside every quoted field: it separates fields, so each pair wraps a whole
        // field. A `""` inside a field, a quote inside an unquoted field, characters after a
        // closing quote and an unclosed quote each break one of the rules.
        let raw = self.content();
        let mut from = 0;
        while let Some(open) = find_quote(raw, from) {
            let Some(close) = find_quote(raw, open + 1) else {
                return false;
            };
            if open > 0 && raw[open - 1] != b',' {
                return false;
            }
            if raw.get(close + 1).is_some_and(|&b| b != b',') {
                return false;
            }
            from = close + 1;
        }
        true
    }

    /// How the record's fields are quoted: no quote at all, plain quoting (see
    /// [`RawRecord::plain_quoting`]), or anything else (which needs [`RawRecord::spans`]).
    pub fn quoting(&self) -> Quoting {
        if memchr::memchr(b'"', self.content()).is_none() {
            Quoting::None
        } else if self.plain_quoting() {
            Quoting::Plain
        } else {
            Quoting::Other
        }
    }

    /// Whether each field is in quotes, into `out` (one flag per field).
    pub fn quoted_fields(&self, out: &mut Vec<bool>) {
        self.quoted_fields_as(self.quoting(), out)
    }

    /// [`RawRecord::quoted_fields`] for a record whose [`RawRecord::quoting`] is known. A
    /// record with no quote has none; a record with plain quoting is walked field by field
    /// without allocating, since each quoted field there is `"` + its bytes + `"`; any other
    /// record goes through [`RawRecord::spans`].
    pub fn quoted_fields_as(&self, quoting: Quoting, out: &mut Vec<bool>) {
        out.clear();
        match quoting {
            Quoting::None => out.resize(self.nfields, false),
            Quoting::Plain => {
                let raw = self.content();
                let mut at = 0;
                for i in 0..self.nfields {
                    let q = raw.get(at) == Some(&b'"');
                    out.push(q);
                    at += self.field_range(i).len() + if q { 2 } else { 0 } + 1;
                }
            }
            Quoting::Other => {
                out.extend(self.spans().0.iter().map(|s| s.quoted));
                out.resize(self.nfields, false);
            }
        }
    }

    /// Splits the raw record into field spans and finds quoting problems. The spans follow
    /// csv-core's reading (RFC 4180 with lenient recovery), so field `i` here is field `i` there.
    pub fn spans(&self) -> (Vec<FieldSpan>, Vec<QuoteProblem>) {
        let raw = self.content();
        let mut spans = Vec::with_capacity(self.nfields);
        let mut problems = Vec::new();
        let mut i = 0;
        loop {
            let field = spans.len();
            let start = i;
            if raw.get(i) == Some(&b'"') {
                i += 1;
                let mut closed = false;
                while i < raw.len() {
                    if raw[i] == b'"' {
                        if raw.get(i + 1) == Some(&b'"') {
                            i += 2;
                            continue;
                        }
                        closed = true;
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                if !closed {
                    problems.push(QuoteProblem::Unterminated { field, at: start });
                    spans.push(FieldSpan {
                        start,
                        end: raw.len(),
                        quoted: true,
                    });
                    break;
                }
                if i < raw.len() && raw[i] != b',' {
                    problems.push(QuoteProblem::Trailing { field, at: i });
                    // csv-core reads the rest as an unquoted field, up to the next comma.
                    while i < raw.len() && raw[i] != b',' {
                        i += 1;
                    }
                }
                spans.push(FieldSpan {
                    start,
                    end: i,
                    quoted: true,
                });
            } else {
                while i < raw.len() && raw[i] != b',' {
                    if raw[i] == b'"' && !problems.iter().any(|p| matches!(p, QuoteProblem::InUnquoted { field: f, .. } if *f == field)) {
                        problems.push(QuoteProblem::InUnquoted { field, at: i });
                    }
                    i += 1;
                }
                spans.push(FieldSpan {
                    start,
                    end: i,
                    quoted: false,
                });
            }
            if i < raw.len() && raw[i] == b',' {
                i += 1;
                continue;
            }
            break;
        }
        (spans, problems)
    }

    /// Offset in `raw` of byte `pos` of field `span`'s unquoted content.
    pub fn raw_offset_in_field(&self, span: FieldSpan, pos: usize) -> usize {
        if !span.quoted {
            return span.start + pos;
        }
        let raw = self.content();
        let mut r = span.start + 1;
        let mut d = 0;
        while d < pos && r < span.end {
            if raw[r] == b'"' && raw.get(r + 1) == Some(&b'"') {
                r += 2;
            } else {
                r += 1;
            }
            d += 1;
        }
        r
    }

    /// Physical line of `raw[at]`.
    pub fn line_at(&self, at: usize) -> u64 {
        self.line + count_line_breaks(&self.raw[..at.min(self.raw.len())])
    }
}

/// `0x0101…01`: one in every byte of a word.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// `0x8080…80`: the high bit of every byte of a word.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// The first byte of `b` at or after `from` that `hit` accepts, eight bytes at a time:
/// `word_flags` must set the high bit of the lowest accepted byte of a little-endian word
/// and of no byte below it (bytes above may be flagged too); `hit` decides the last
/// bytes, one at a time.
#[inline]
pub(crate) fn first_flagged(
    b: &[u8],
    from: usize,
    word_flags: impl Fn(u64) -> u64,
    hit: impl Fn(u8) -> bool,
) -> Option<usize> {
    let rest = b.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut base = from;
    for chunk in &mut chunks {
        let flags = word_flags(u64::from_le_bytes(
            <[u8; 8]>::try_from(chunk).unwrap_or_default(),
        )) & HIGH;
        if flags != 0 {
            return Some(base + (flags.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| hit(c))
        .map(|p| base + p)
}

/// The first `"` in `b` at or after `from`, eight bytes at a time: records are short and have
/// few quotes, where a word-at-a-time loop beats setting up a vector search per quote.
fn find_quote(b: &[u8], from: usize) -> Option<usize> {
    first_flagged(
        b,
        from,
        // A byte equal to `"` becomes 0 after the XOR, and only a zero byte borrows: the
        // lowest flagged byte is exact.
        |w| {
            let x = w ^ (ONES * 0x22);
            x.wrapping_sub(ONES) & !x
        },
        |c| c == b'"',
    )
}

/// Counts line breaks: CRLF, LF and a CR not followed by LF each count once.
pub fn count_line_breaks(b: &[u8]) -> u64 {
    // Most slices hold at most a final line ending: skip straight to the first break.
    let Some(first) = memchr::memchr2(b'\r', b'\n', b) else {
        return 0;
    };
    let b = &b[first..];
    let lf = memchr::memchr_iter(b'\n', b).count() as u64;
    let mut lone_cr = 0;
    for i in memchr::memchr_iter(b'\r', b) {
        if b.get(i + 1) != Some(&b'\n') {
            lone_cr += 1;
        }
    }
    lf + lone_cr
}

/// Reads records from any byte source.
pub struct CsvReader<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    core: csv_core::Reader,
    /// Absolute offset of `buf[pos]`.
    offset: u64,
    /// Physical line of `buf[pos]`.
    line: u64,
    /// Blank lines after the last record, once the end is reached.
    trailing: Vec<(u64, u64)>,
    done: bool,
    /// Bytes read so far (for UTF-8 / encoding sniffing by the caller).
    pub total_bytes: u64,
}

const BUF: usize = 256 * 1024;

impl<R: Read> CsvReader<R> {
    /// A reader over `src`, from its first byte.
    pub fn new(src: R) -> CsvReader<R> {
        let core = ReaderBuilder::new()
            .delimiter(b',')
            .quote(b'"')
            .double_quote(true)
            .escape(None)
            .build();
        CsvReader {
            src,
            buf: vec![0; BUF],
            pos: 0,
            len: 0,
            eof: false,
            core,
            offset: 0,
            line: 1,
            trailing: Vec::new(),
            done: false,
            total_bytes: 0,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.pos < self.len || self.eof {
            return Ok(());
        }
        self.pos = 0;
        self.len = 0;
        loop {
            match self.src.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.len = n;
                    self.total_bytes += n as u64;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Peeks at the next unread byte.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        self.fill()?;
        Ok((self.pos < self.len).then(|| self.buf[self.pos]))
    }

    fn consume_into(&mut self, n: usize, rec: &mut RawRecord) {
        rec.raw.extend_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        self.offset += n as u64;
    }

    /// Blank lines after the last record: (line, byte offset) of each. Valid after the end.
    pub fn trailing_blank_lines(&self) -> &[(u64, u64)] {
        &self.trailing
    }

    /// Reads the next record into `rec`. Returns `false` at the end of the input.
    pub fn read(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        rec.raw.clear();
        rec.nfields = 0;
        rec.blank_lines_before.clear();
        rec.ending = None;
        if self.done {
            return Ok(false);
        }
        if rec.data.is_empty() {
            rec.data.resize(1024, 0);
        }
        if rec.ends.is_empty() {
            rec.ends.resize(64, 0);
        }
        // Skip blank lines ourselves, so that the record's raw bytes start at its first byte.
        loop {
            match self.peek()? {
                Some(b'\n') => {
                    rec.blank_lines_before.push((self.line, self.offset));
                    self.pos += 1;
                    self.offset += 1;
                    self.line += 1;
                }
                Some(b'\r') => {
                    rec.blank_lines_before.push((self.line, self.offset));
                    self.pos += 1;
                    self.offset += 1;
                    if self.peek()? == Some(b'\n') {
                        self.pos += 1;
                        self.offset += 1;
                    }
                    self.line += 1;
                }
                _ => break,
            }
        }
        rec.offset = self.offset;
        rec.line = self.line;
        let (mut nout, mut nend) = (0, 0);
        loop {
            self.fill()?;
            let input = &self.buf[self.pos..self.len];
            let (res, nin, o, e) =
                self.core
                    .read_record(input, &mut rec.data[nout..], &mut rec.ends[nend..]);
            nout += o;
            nend += e;
            self.consume_into(nin, rec);
            match res {
                ReadRecordResult::InputEmpty => {
                    if self.eof && self.pos >= self.len {
                        // csv-core asks for more after EOF only when called with input left;
                        // an empty slice below signals the end.
                        let (res, _, o, e) = self.core.read_record(
                            &[],
                            &mut rec.data[nout..],
                            &mut rec.ends[nend..],
                        );
                        nout += o;
                        nend += e;
                        match res {
                            ReadRecordResult::Record => break,
                            ReadRecordResult::End => {
                                return self.finish(rec);
                            }
                            ReadRecordResult::OutputFull => {
                                rec.data.resize(rec.data.len() * 2, 0);
                            }
                            ReadRecordResult::OutputEndsFull => {
                                rec.ends.resize(rec.ends.len() * 2, 0);
                            }
                            ReadRecordResult::InputEmpty => {}
                        }
                    }
                }
                ReadRecordResult::OutputFull => rec.data.resize(rec.data.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => rec.ends.resize(rec.ends.len() * 2, 0),
                ReadRecordResult::Record => break,
                ReadRecordResult::End => return self.finish(rec),
            }
        }
        rec.nfields = nend;
        // csv-core ends a record at CR or LF; take the LF of a CRLF into this record.
        rec.ending = Some(match rec.raw.last() {
            Some(b'\n') => LineEnding::Lf,
            Some(b'\r') => {
                if self.peek()? == Some(b'\n') {
                    self.consume_into(1, rec);
                    LineEnding::CrLf
                } else {
                    LineEnding::Cr
                }
            }
            _ => LineEnding::None,
        });
        self.line += count_line_breaks(&rec.raw);
        if rec.ending == Some(LineEnding::None) {
            self.done = true;
        }
        Ok(true)
    }

    fn finish(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        self.done = true;
        self.trailing = std::mem::take(&mut rec.blank_lines_before);
        Ok(false)
    }
}

/// Decodes every record of a file into text values (U+FFFD where a byte is not valid MS932).
/// Meant for files that validated; the validator says what is wrong with the others.
pub fn decode_records(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut r = CsvReader::new(bytes);
    let mut rec = RawRecord::default();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    while let Ok(true) = r.read(&mut rec) {
        let mut values = Vec::with_capacity(rec.len());
        for i in 0..rec.len() {
            let mut s = String::new();
            crate::ms932::decode_field(rec.field(i), &mut s, &mut problems);
            values.push(s);
        }
        out.push(values);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte at a time, to cross every buffer boundary.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    /// (line, offset, fields, ending, blank lines before) of one record.
    type Seen = (u64, u64, Vec<Vec<u8>>, Option<LineEnding>, usize);

    fn all(input: &[u8]) -> Vec<Seen> {
        let mut out = Vec::new();
        for trickle in [false, true] {
            let mut v = Vec::new();
            let src: Box<dyn Read> = if trickle {
                Box::new(Trickle(input))
            } else {
                Box::new(input)
            };
            let mut r = CsvReader::new(src);
            let mut rec = RawRecord::default();
            while r.read(&mut rec).unwrap() {
                let fields = (0..rec.len()).map(|i| rec.field(i).to_vec()).collect();
                v.push((
                    rec.line,
                    rec.offset,
                    fields,
                    rec.ending,
                    rec.blank_lines_before.len(),
                ));
            }
            if trickle {
                assert_eq!(v, out, "trickled reading differs");
            } else {
                out = v;
            }
        }
        out
    }

    #[test]
    fn lines_offsets_and_endings() {
        let r = all(b"a,b\r\n\"x\r\ny\",c\r\n\r\nd,e\nf");
        assert_eq!(r.len(), 4);
        assert_eq!((r[0].0, r[0].1, r[0].3), (1, 0, Some(LineEnding::CrLf)));
        assert_eq!(r[1].2, vec![b"x\r\ny".to_vec(), b"c".to_vec()]);
        assert_eq!((r[1].0, r[1].1), (2, 5));
        // The quoted line break counts as a physical line; then one blank line.
        assert_eq!((r[2].0, r[2].4, r[2].3), (5, 1, Some(LineEnding::Lf)));
        assert_eq!((r[3].0, r[3].3), (6, Some(LineEnding::None)));
    }

    #[test]
    fn long_records_and_many_fields_grow_the_buffers() {
        let mut line = Vec::new();
        for i in 0..500 {
            line.extend_from_slice(format!("\"{}\",", "あ".repeat(i % 7)).as_bytes());
        }
        line.extend_from_slice(b"end\r\n");
        let r = all(&line.repeat(3));
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].2.len(), 501);
        assert_eq!(r[2].0, 3);
    }

    #[test]
    fn spans_and_quote_problems() {
        let mut r = CsvReader::new(&b"\"a\"\"b\",c\"d,\"e\"f,g\r\n\"open,x\r\n"[..]);
        let mut rec = RawRecord::default();
        r.read(&mut rec).unwrap();
        let (spans, problems) = rec.spans();
        assert_eq!(spans.len(), rec.len());
        assert_eq!(
            problems,
            vec![
                QuoteProblem::InUnquoted { field: 1, at: 8 },
                QuoteProblem::Trailing { field: 2, at: 14 }
            ]
        );
        assert_eq!(rec.raw_offset_in_field(spans[0], 2), 4);
        assert!(r.read(&mut rec).unwrap());
        let (_, problems) = rec.spans();
        assert_eq!(
            problems,
            vec![QuoteProblem::Unterminated { field: 0, at: 0 }]
        );
    }

    proptest::proptest! {
        /// A record whose quoting is plain has no quoting problem.
        #[test]
        fn plain_quoting_means_no_quote_problem(
            line in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b',', b'"', b'"', b'\r', b'\n']),
                0..16,
            )
        ) {
            let mut r = CsvReader::new(&line[..]);
            let mut rec = RawRecord::default();
            while r.read(&mut rec).unwrap() {
                if rec.plain_quoting() {
                    let (spans, problems) = rec.spans();
                    proptest::prop_assert!(problems.is_empty(), "{:?}", rec.raw);
                    proptest::prop_assert_eq!(spans.len(), rec.len());
                }
            }
        }
    }

    #[test]
    fn find_quote_finds_the_first_quote() {
        let line = b"ab\"cdefghij\"klmnopqrstu\"\"v";
        for from in 0..=line.len() + 1 {
            let naive = line.iter().enumerate().skip(from).find(|(_, &b)| b == b'"');
            assert_eq!(find_quote(line, from), naive.map(|(i, _)| i), "from {from}");
        }
        assert_eq!(find_quote(&[0xA2; 9], 0), None);
    }

    #[test]
    fn trailing_blank_lines_are_kept() {
        let mut r = CsvReader::new(&b"a\r\n\r\n\r\n"[..]);
        let mut rec = RawRecord::default();
        assert!(r.read(&mut rec).unwrap());
        assert!(!r.read(&mut rec).unwrap());
        assert_eq!(r.trailing_blank_lines(), &[(2, 3), (3, 5)]);
    }
}
