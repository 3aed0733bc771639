//! The MS932 (Windows-31J) policy: what bytes are valid data, and how text becomes bytes.
//!
//! Decoding walks the bytes once to classify them (the policy: see this module's items and `renkei spec --conversions`)
//! and leaves the mapping of valid sequences to encoding_rs:
//!
//! | bytes                                   | verdict                                  |
//! |-----------------------------------------|------------------------------------------|
//! | 0x00–0x7F                               | ASCII                                    |
//! | 0xA1–0xDF                               | half-width katakana                      |
//! | lead 0x81–0x9F, 0xE0–0xEF, 0xFA–0xFC + trail 0x40–0x7E, 0x80–0xFC | a character, or `encoding.unmapped` when MS932 has none |
//! | lead 0xF0–0xF9 + trail                  | 外字 (user-defined): `encoding.gaiji`      |
//! | lead + a byte that is not a trail       | `encoding.invalid-sequence`              |
//! | lead at the end of the field            | `encoding.truncated`                     |
//! | 0x80, 0xA0, 0xFD, 0xFE, 0xFF            | `encoding.invalid-byte`                  |
//!
//! Both byte forms of the NEC-selected IBM extensions (0xED/0xEE and 0xFA–0xFC) are accepted.
//!
//! Encoding applies [`CONVERSIONS`] first (characters outside MS932 that have an MS932
//! equivalent: 〜→～, −→－, ¥→￥, …), reports each replacement, writes the IBM form of the
//! extension characters (as Windows does) and refuses anything else: never a lossy `?`.

use encoding_rs::SHIFT_JIS;
use serde::Serialize;

/// A problem found while decoding one field; `offset` is relative to the field's first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeProblem {
    /// What is wrong.
    pub kind: DecodeProblemKind,
    /// Offset of the offending bytes from the field's first byte.
    pub offset: usize,
    /// The offending bytes (1 or 2).
    pub bytes: [u8; 2],
    /// How many of `bytes` are used.
    pub len: u8,
}

/// What made a field's bytes undecodable as MS932.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeProblemKind {
    /// A lead byte followed by a byte that cannot trail it.
    InvalidSequence,
    /// A lead byte at the end of the field (a character cut in two).
    Truncated,
    /// A byte that is never valid in MS932 (e.g. 0x80, 0xA0, 0xFD–0xFF).
    InvalidByte,
    /// A well-formed pair with no character (e.g. 0x8540).
    Unmapped,
    /// 外字: a user-defined character (0xF040–0xF9FC), forbidden by the standard.
    Gaiji,
}

impl DecodeProblem {
    /// The offending bytes as hex, e.g. `85 40`.
    pub fn hex(&self) -> String {
        self.bytes[..usize::from(self.len)]
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[inline]
fn is_lead(b: u8) -> bool {
    matches!(b, 0x81..=0x9F | 0xE0..=0xFC)
}

#[inline]
fn is_trail(b: u8) -> bool {
    matches!(b, 0x40..=0x7E | 0x80..=0xFC)
}

/// Where a double-byte character is looked up in [`PairTable`]: lead bytes are 0x81–0xFC, so
/// `lead - 0x80` picks one of 128 rows of 256 trail bytes.
#[inline]
fn pair_index(lead: u8, trail: u8) -> usize {
    usize::from(lead & 0x7F) << 8 | usize::from(trail)
}

/// What every double-byte sequence decodes to: the BMP code point MS932 maps it to, or 0 when
/// it maps to nothing (not a lead + trail pair, a 外字 lead, or a pair MS932 leaves empty).
/// Every MS932 character is in the BMP and none is U+0000, so `u16` with 0 as "none" is exact.
struct PairTable(Box<[u16]>);

impl PairTable {
    /// Asks encoding_rs once for every lead + trail pair outside the 外字 area: encoding_rs
    /// stays the only source of the mapping, the table only remembers its answers.
    fn build() -> PairTable {
        let mut t = vec![0u16; 128 * 256].into_boxed_slice();
        for lead in (0x80..=0xFFu8).filter(|&b| is_lead(b) && !is_gaiji_lead(b)) {
            for trail in (0..=0xFFu8).filter(|&b| is_trail(b)) {
                let pair = [lead, trail];
                let text = SHIFT_JIS.decode_without_bom_handling_and_without_replacement(&pair);
                let mut chars = text.as_deref().unwrap_or_default().chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    // Always a BMP character; anything else stays "unmapped" (and the
                    // exhaustive test against encoding_rs would catch it).
                    t[pair_index(lead, trail)] = u16::try_from(u32::from(c)).unwrap_or(0);
                }
            }
        }
        PairTable(t)
    }

    fn get() -> &'static PairTable {
        static TABLE: std::sync::OnceLock<PairTable> = std::sync::OnceLock::new();
        TABLE.get_or_init(PairTable::build)
    }

    /// The character of a lead + trail pair, if MS932 has one.
    #[inline]
    fn char_of(&self, lead: u8, trail: u8) -> Option<char> {
        match self.0[pair_index(lead, trail)] {
            0 => None,
            cp => char::from_u32(u32::from(cp)),
        }
    }
}

#[inline]
fn is_gaiji_lead(b: u8) -> bool {
    (0xF0..=0xF9).contains(&b)
}

/// Decodes one field's bytes, appending the text to `out` (U+FFFD where a byte is bad) and
/// each problem to `problems` (in byte order). Returns whether the field was clean.
///
/// One pass over the bytes: ASCII is copied, half-width katakana is computed, and each
/// double-byte character is looked up in a table built once from encoding_rs (so the mapping
/// is encoding_rs's, without a decoder call per field).
pub fn decode_field(bytes: &[u8], out: &mut String, problems: &mut Vec<DecodeProblem>) -> bool {
    if bytes.is_ascii() {
        // ASCII is the same in MS932 and UTF-8.
        out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
        return true;
    }
    let table = PairTable::get();
    // At most 3 UTF-8 bytes per MS932 byte (half-width katakana).
    out.reserve(bytes.len() * 3);
    let before = problems.len();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            out.push(char::from(b));
            i += 1;
            continue;
        }
        if (0xA1..=0xDF).contains(&b) {
            // Half-width katakana: 0xA1–0xDF are U+FF61–U+FF9F.
            out.push(char::from_u32(0xFF61 + u32::from(b - 0xA1)).unwrap_or('\u{FFFD}'));
            i += 1;
            continue;
        }
        let (kind, len) = if is_lead(b) {
            match bytes.get(i + 1) {
                None => (DecodeProblemKind::Truncated, 1),
                Some(&t) if !is_trail(t) => (DecodeProblemKind::InvalidSequence, 1),
                Some(_) if is_gaiji_lead(b) => (DecodeProblemKind::Gaiji, 2),
                Some(&t) => match table.char_of(b, t) {
                    Some(c) => {
                        out.push(c);
                        i += 2;
                        continue;
                    }
                    None => (DecodeProblemKind::Unmapped, 2),
                },
            }
        } else {
            (DecodeProblemKind::InvalidByte, 1)
        };
        let second = if len == 2 { bytes[i + 1] } else { 0 };
        problems.push(DecodeProblem {
            kind,
            offset: i,
            bytes: [b, second],
            len,
        });
        out.push('\u{FFFD}');
        i += usize::from(len);
    }
    problems.len() == before
}

/// Whether `bytes` are clean MS932, exactly when [`decode_field`] would report no problem:
/// every byte is ASCII or half-width katakana, or starts a double-byte character MS932 maps.
/// Checks with the pair table only, without producing the text.
pub fn is_clean(bytes: &[u8]) -> bool {
    let table = PairTable::get();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 || (0xA1..=0xDF).contains(&b) {
            i += 1;
            continue;
        }
        // The table has a character only for a lead (not 外字) + trail pair MS932 maps: any
        // other byte, a missing or wrong trail, 外字 and unmapped pairs all end here.
        match bytes.get(i + 1) {
            Some(&t) if table.char_of(b, t).is_some() => i += 2,
            _ => return false,
        }
    }
    true
}

/// The number of characters in clean MS932 bytes (see [`is_clean`]): a lead byte starts a
/// double-byte character, any other byte is one character.
pub fn clean_char_count(bytes: &[u8]) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < bytes.len() {
        i += if is_lead(bytes[i]) { 2 } else { 1 };
        n += 1;
    }
    n
}

/// One entry of the conversion table for characters outside MS932.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Conversion {
    /// A stable name (`wave-dash`), used in certification case IDs.
    pub name: &'static str,
    /// The character outside MS932.
    pub from: char,
    /// The MS932 character written instead.
    pub to: char,
    /// Why, with the MS932 code.
    pub why: &'static str,
}

/// Characters that are not in MS932 (or that encoding_rs would write as bytes that decode to
/// something else) and the MS932 character the standard's 「変換して出力」 rule gives them.
pub const CONVERSIONS: &[Conversion] = &[
    Conversion { name: "wave-dash", from: '\u{301C}', to: '\u{FF5E}', why: "WAVE DASH 〜 (JIS/macOS) → FULLWIDTH TILDE ～ (MS932 0x8160)" },
    Conversion { name: "minus-sign", from: '\u{2212}', to: '\u{FF0D}', why: "MINUS SIGN − → FULLWIDTH HYPHEN-MINUS － (MS932 0x817C)" },
    Conversion { name: "em-dash", from: '\u{2014}', to: '\u{2015}', why: "EM DASH — → HORIZONTAL BAR ― (MS932 0x815C)" },
    Conversion { name: "double-vertical-line", from: '\u{2016}', to: '\u{2225}', why: "DOUBLE VERTICAL LINE ‖ → PARALLEL TO ∥ (MS932 0x8161)" },
    Conversion { name: "cent-sign", from: '\u{00A2}', to: '\u{FFE0}', why: "CENT SIGN ¢ → FULLWIDTH CENT SIGN ￠ (MS932 0x8191)" },
    Conversion { name: "pound-sign", from: '\u{00A3}', to: '\u{FFE1}', why: "POUND SIGN £ → FULLWIDTH POUND SIGN ￡ (MS932 0x8192)" },
    Conversion { name: "not-sign", from: '\u{00AC}', to: '\u{FFE2}', why: "NOT SIGN ¬ → FULLWIDTH NOT SIGN ￢ (MS932 0x81CA)" },
    Conversion { name: "yen-sign", from: '\u{00A5}', to: '\u{FFE5}', why: "YEN SIGN ¥ → FULLWIDTH YEN SIGN ￥ (encoding_rs would write 0x5C, which reads back as \\)" },
    Conversion { name: "overline", from: '\u{203E}', to: '\u{FFE3}', why: "OVERLINE ‾ → FULLWIDTH MACRON ￣ (encoding_rs would write 0x7E, which reads back as ~)" },
    Conversion { name: "broken-bar", from: '\u{00A6}', to: '\u{FFE4}', why: "BROKEN BAR ¦ → FULLWIDTH BROKEN BAR ￤ (MS932 0xFA55)" },
];

/// A character the writer replaced, with its position in the text (in characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replacement {
    /// The character in the text.
    pub from: char,
    /// The character written.
    pub to: char,
    /// Its position in the text, in characters (0-based).
    pub char_index: usize,
}

/// Text that cannot be written in MS932.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A character MS932 does not have.
    #[error("「{ch}」(U+{:04X}) は MS932 にない文字です（{char_index}文字目）", *.ch as u32)]
    Unencodable {
        /// The character.
        ch: char,
        /// Its position in the text, in characters (0-based).
        char_index: usize,
    },
    /// A character of the private use area (外字), which the standard forbids.
    #[error("「{ch}」(U+{:04X}) は外字（私用領域）です: 標準仕様は外字を禁止しています（{char_index}文字目）", *.ch as u32)]
    Gaiji {
        /// The character.
        ch: char,
        /// Its position in the text, in characters (0-based).
        char_index: usize,
    },
}

fn conversion_of(c: char) -> Option<char> {
    CONVERSIONS.iter().find(|x| x.from == c).map(|x| x.to)
}

/// Encodes `text` as MS932, appending to `out`. Characters of [`CONVERSIONS`] are replaced
/// (each reported in `replacements`); any other character outside MS932 is an error and
/// nothing is appended.
pub fn encode(
    text: &str,
    out: &mut Vec<u8>,
    replacements: &mut Vec<Replacement>,
) -> Result<(), EncodeError> {
    if text.is_ascii() {
        out.extend_from_slice(text.as_bytes());
        return Ok(());
    }
    let mut converted: Option<String> = None;
    let mut found = Vec::new();
    for (idx, c) in text.chars().enumerate() {
        if c == '\u{80}' {
            // encoding_rs writes U+0080 as the byte 0x80, which MS932 data never holds.
            return Err(EncodeError::Unencodable {
                ch: c,
                char_index: idx,
            });
        }
        if ('\u{E000}'..='\u{F8FF}').contains(&c) {
            return Err(EncodeError::Gaiji {
                ch: c,
                char_index: idx,
            });
        }
        if let Some(to) = conversion_of(c) {
            found.push(Replacement {
                from: c,
                to,
                char_index: idx,
            });
            converted.get_or_insert_with(String::new);
        }
    }
    let text: std::borrow::Cow<str> = match converted {
        Some(_) => text
            .chars()
            .map(|c| conversion_of(c).unwrap_or(c))
            .collect::<String>()
            .into(),
        None => text.into(),
    };
    let mut enc = SHIFT_JIS.new_encoder();
    let start = out.len();
    let need = enc
        .max_buffer_length_from_utf8_without_replacement(text.len())
        .unwrap_or(text.len() * 2);
    out.resize(start + need, 0);
    let (res, _read, written) =
        enc.encode_from_utf8_without_replacement(&text, &mut out[start..], true);
    match res {
        encoding_rs::EncoderResult::InputEmpty => {
            out.truncate(start + written);
            replacements.extend(found);
            Ok(())
        }
        encoding_rs::EncoderResult::Unmappable(ch) => {
            out.truncate(start);
            let char_index = text.chars().position(|c| c == ch).unwrap_or(0);
            Err(EncodeError::Unencodable { ch, char_index })
        }
        encoding_rs::EncoderResult::OutputFull => {
            out.truncate(start);
            // Cannot happen: the buffer was sized by encoding_rs itself.
            Err(EncodeError::Unencodable {
                ch: '\u{FFFD}',
                char_index: 0,
            })
        }
    }
}

/// Byte length of `text` in MS932 (after conversions), or `None` if it cannot be encoded.
pub fn encoded_len(text: &str) -> Option<usize> {
    if text.is_ascii() {
        return Some(text.len());
    }
    let mut v = Vec::with_capacity(text.len());
    encode(text, &mut v, &mut Vec::new()).ok()?;
    Some(v.len())
}

/// The MS932 byte length of text that was decoded from MS932 (every character is 1 or 2 bytes).
pub fn decoded_len(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    text.chars()
        .map(|c| match c {
            '\0'..='\u{7F}' => 1,
            '\u{FF61}'..='\u{FF9F}' => 1,
            _ => 2,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(b: &[u8]) -> (String, Vec<(DecodeProblemKind, usize)>) {
        let mut s = String::new();
        let mut p = Vec::new();
        decode_field(b, &mut s, &mut p);
        (s, p.iter().map(|p| (p.kind, p.offset)).collect())
    }

    /// The decoder as it was before the pair table: a classifying scan plus encoding_rs for
    /// each well-formed run. Kept as the reference the table-driven decoder must match.
    fn reference_decode_field(
        bytes: &[u8],
        out: &mut String,
        problems: &mut Vec<DecodeProblem>,
    ) -> bool {
        if bytes.is_ascii() {
            out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
            return true;
        }
        let before = problems.len();
        let mut i = 0;
        let mut run_start = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 || (0xA1..=0xDF).contains(&b) {
                i += 1;
                continue;
            }
            let problem = if is_lead(b) {
                match bytes.get(i + 1) {
                    None => Some((DecodeProblemKind::Truncated, 1)),
                    Some(&t) if !is_trail(t) => Some((DecodeProblemKind::InvalidSequence, 1)),
                    Some(_) if (0xF0..=0xF9).contains(&b) => Some((DecodeProblemKind::Gaiji, 2)),
                    Some(_) => {
                        i += 2;
                        continue;
                    }
                }
            } else {
                Some((DecodeProblemKind::InvalidByte, 1))
            };
            if let Some((kind, len)) = problem {
                reference_decode_run(&bytes[run_start..i], run_start, out, problems);
                let second = if len == 2 { bytes[i + 1] } else { 0 };
                problems.push(DecodeProblem {
                    kind,
                    offset: i,
                    bytes: [b, second],
                    len,
                });
                out.push('\u{FFFD}');
                i += usize::from(len);
                run_start = i;
            }
        }
        reference_decode_run(&bytes[run_start..], run_start, out, problems);
        problems.len() == before
    }

    fn reference_decode_run(
        run: &[u8],
        base: usize,
        out: &mut String,
        problems: &mut Vec<DecodeProblem>,
    ) {
        if run.is_empty() {
            return;
        }
        let before = out.len();
        let mut dec = SHIFT_JIS.new_decoder_without_bom_handling();
        if let Some(max) = dec.max_utf8_buffer_length_without_replacement(run.len()) {
            out.reserve(max);
            let (res, _) = dec.decode_to_string_without_replacement(run, out, true);
            if res == encoding_rs::DecoderResult::InputEmpty {
                return;
            }
            out.truncate(before);
        }
        let mut i = 0;
        while i < run.len() {
            let len = if is_lead(run[i]) { 2 } else { 1 };
            let ch = &run[i..(i + len).min(run.len())];
            match SHIFT_JIS.decode_without_bom_handling_and_without_replacement(ch) {
                Some(s) => out.push_str(&s),
                None => {
                    problems.push(DecodeProblem {
                        kind: DecodeProblemKind::Unmapped,
                        offset: base + i,
                        bytes: [ch[0], *ch.get(1).unwrap_or(&0)],
                        len: ch.len() as u8,
                    });
                    out.push('\u{FFFD}');
                }
            }
            i += len;
        }
    }

    /// Decodes `bytes` with both decoders and asserts that they agree on everything.
    fn assert_same_as_reference(bytes: &[u8]) {
        let (mut s1, mut p1, mut s2, mut p2) =
            (String::new(), Vec::new(), String::new(), Vec::new());
        let ok1 = decode_field(bytes, &mut s1, &mut p1);
        let ok2 = reference_decode_field(bytes, &mut s2, &mut p2);
        assert_eq!((ok1, &s1, &p1), (ok2, &s2, &p2), "bytes {bytes:02X?}");
        assert_eq!(is_clean(bytes), ok2, "bytes {bytes:02X?}");
        if ok1 {
            // What the validator computes from the bytes of a clean field, without its text.
            assert_eq!(decoded_len(&s1), bytes.len(), "bytes {bytes:02X?}");
            assert_eq!(
                clean_char_count(bytes),
                s1.chars().count(),
                "bytes {bytes:02X?}"
            );
        }
    }

    /// Every single byte, every byte pair, and every pair inside a field (after ASCII, before
    /// a byte that is a trail and a lead at once) decodes exactly as the reference decoder.
    #[test]
    fn pair_table_agrees_with_encoding_rs_on_every_byte_pair() {
        for b in 0..=0xFFu8 {
            assert_same_as_reference(&[b]);
        }
        for lead in 0..=0xFFu8 {
            for trail in 0..=0xFFu8 {
                assert_same_as_reference(&[lead, trail]);
                assert_same_as_reference(&[b'a', lead, trail, 0x81]);
            }
        }
    }

    proptest::proptest! {
        /// Random fields, biased towards the bytes that matter, decode as the reference does.
        #[test]
        fn decodes_random_fields_as_the_reference_does(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    0x00..=0xFFu8,
                    0x80..=0xA0u8,
                    0xDF..=0xFFu8,
                    proptest::sample::select(vec![0x40u8, 0x7E, 0x7F, 0x80, 0xFC, 0x20, 0x0A]),
                ],
                0..24,
            )
        ) {
            assert_same_as_reference(&bytes);
        }
    }

    #[test]
    fn decodes_the_traps_of_ms932() {
        // NEC special characters, both forms of 髙, half-width katakana, 5C characters.
        assert_eq!(dec(b"\x87\x40\x87\x8A").0, "①㈱");
        assert_eq!(dec(b"\xFB\xFC").0, "髙");
        assert_eq!(dec(b"\xEE\xE0").0, "髙");
        assert_eq!(dec(b"\xB1\xB2").0, "ｱｲ");
        assert_eq!(dec(b"\x83\x5C\x95\x5C\x94\x5C").0, "ソ表能");
        assert_eq!(dec(b"\x81\x60").0, "～");
        assert_eq!(dec(b"\x81\x7C").0, "－");
    }

    #[test]
    fn classifies_every_bad_byte() {
        use DecodeProblemKind::*;
        assert_eq!(dec(b"a\xA0b").1, [(InvalidByte, 1)]);
        assert_eq!(
            dec(b"\xFD\xFE\xFF").1,
            [(InvalidByte, 0), (InvalidByte, 1), (InvalidByte, 2)]
        );
        assert_eq!(dec(b"\x80").1, [(InvalidByte, 0)]);
        assert_eq!(dec(b"ab\x88").1, [(Truncated, 2)]);
        assert_eq!(dec(b"\x88\x20x").1, [(InvalidSequence, 0)]);
        assert_eq!(dec(b"x\xF0\x40y").1, [(Gaiji, 1)]);
        assert_eq!(dec(b"\xF9\xFC").1, [(Gaiji, 0)]);
        // Row 9-15 of JIS X 0208 (lead 0x85-0x86) is empty in MS932.
        assert_eq!(dec(b"\x82\xA0\x85\x40").1, [(Unmapped, 2)]);
        let (s, _) = dec(b"\x82\xA0\xA0\x82\xA2");
        assert_eq!(s, "あ\u{FFFD}い");
    }

    #[test]
    fn encodes_with_the_conversion_table_and_reports_it() {
        let mut out = Vec::new();
        let mut r = Vec::new();
        encode("10〜20¥", &mut out, &mut r).unwrap();
        assert_eq!(out, b"10\x81\x6020\x81\x8F");
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].from, r[0].to, r[0].char_index), ('〜', '～', 2));
        // The canonical form of the IBM extensions is the IBM one.
        out.clear();
        encode("髙ⅰ", &mut out, &mut r).unwrap();
        assert_eq!(out, b"\xFB\xFC\xFA\x40");
        // Characters outside MS932 are refused, never written as '?'.
        out.clear();
        assert_eq!(
            encode("𠮷野家", &mut out, &mut r),
            Err(EncodeError::Unencodable {
                ch: '𠮷',
                char_index: 0
            })
        );
        assert!(out.is_empty());
        assert!(matches!(
            encode("\u{E000}", &mut out, &mut r),
            Err(EncodeError::Gaiji { .. })
        ));
    }

    /// Every BMP character the encoder accepts reads back as itself, except the documented
    /// conversions: the writer never changes text silently.
    #[test]
    fn every_encodable_character_round_trips() {
        for cp in 0x80u32..=0xFFFF {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let mut out = Vec::new();
            let mut r = Vec::new();
            if encode(&c.to_string(), &mut out, &mut r).is_err() {
                continue;
            }
            let (back, problems) = dec(&out);
            assert!(problems.is_empty(), "U+{cp:04X}");
            let expected = conversion_of(c).unwrap_or(c);
            assert_eq!(
                back,
                expected.to_string(),
                "U+{cp:04X} came back as {back:?}"
            );
            assert_eq!(r.is_empty(), conversion_of(c).is_none(), "U+{cp:04X}");
            assert_eq!(decoded_len(&back), out.len(), "U+{cp:04X}");
        }
    }
}
