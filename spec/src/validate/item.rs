//! Item checks (項目): required, type (form, dates, times, codes) and length, each driven by
//! the item's data in `items.tsv`.

use crate::calendar;
use crate::diagnostic::{Code, Severity};
use crate::ms932;
use crate::standard::{Check, ItemSpec, ItemType, LengthUnit, Revision};

/// One problem with one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemProblem {
    /// The stable code.
    pub code: Code,
    /// Error, or warning when the check rests on an assumption.
    pub severity: Severity,
    /// What is wrong, in Japanese.
    pub message: String,
}

fn problem(item: &ItemSpec, check: Check, code: Code, message: String) -> ItemProblem {
    let severity = if item.soft(check) {
        Severity::Warning
    } else {
        code.default_severity()
    };
    ItemProblem {
        code,
        severity,
        message,
    }
}

/// Reports a problem. Values are usually right: the formatting is kept out of the checks'
/// way (`#[cold]`), and the message is only built here.
#[cold]
#[inline(never)]
fn report(
    out: &mut Vec<ItemProblem>,
    item: &ItemSpec,
    check: Check,
    code: Code,
    message: std::fmt::Arguments<'_>,
) {
    out.push(problem(item, check, code, std::fmt::format(message)));
}

/// Reports a value that is not in the item's form (`what`).
#[cold]
#[inline(never)]
fn form(out: &mut Vec<ItemProblem>, item: &ItemSpec, value: &str, what: &str) {
    let name = &item.name;
    report(
        out,
        item,
        Check::Format,
        Code::ItemFormat,
        format_args!("「{name}」の値「{value}」は{what}ではありません"),
    );
}

#[cold]
#[inline(never)]
fn required(out: &mut Vec<ItemProblem>, item: &ItemSpec) {
    let name = &item.name;
    report(
        out,
        item,
        Check::Required,
        Code::ItemRequired,
        format_args!("必須項目「{name}」が空です"),
    );
}

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(f)
}

/// Whether `s` is not empty and all ASCII digits, the most common check; eight bytes at a time.
fn all_digits(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let mut chunks = b.chunks_exact(8);
    if !chunks.all(|c| eight_digits(<[u8; 8]>::try_from(c).unwrap_or_default())) {
        return false;
    }
    // The rest, padded with digits.
    let mut last = [b'0'; 8];
    for (to, &from) in last.iter_mut().zip(chunks.remainder()) {
        *to = from;
    }
    eight_digits(last)
}

/// Whether all eight bytes are ASCII digits (0x30–0x39): each has the high nibble 3, and
/// adding 6 leaves it at 3 (0x3A–0x3F would reach 4; no byte can carry into the next).
fn eight_digits(b: [u8; 8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let w = u64::from_le_bytes(b);
    w & (ONES * 0xF0) == ONES * 0x30 && w.wrapping_add(ONES * 6) & (ONES * 0xF0) == ONES * 0x30
}

fn alnum_upper(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase()
}

/// Checks one value against its item. `value` is the decoded text.
pub fn check(item: &ItemSpec, value: &str, rev: &Revision, out: &mut Vec<ItemProblem>) {
    check_value(item, value, None, rev, out);
}

/// [`check`] for a value decoded from the clean MS932 `bytes` (see [`ms932::is_clean`]):
/// their length is the value's MS932 length, which needs no counting.
#[inline]
pub fn check_field(
    item: &ItemSpec,
    value: &str,
    bytes: &[u8],
    rev: &Revision,
    out: &mut Vec<ItemProblem>,
) {
    // The common cases that need no check, without a call: an empty optional value, and
    // free text of any length.
    if value.is_empty() && !item.required
        || item.ty == ItemType::Text && item.length.is_none() && !value.is_empty()
    {
        return;
    }
    check_value(item, value, Some(bytes.len()), rev, out);
}

/// Checks a free-text ([`ItemType::Text`]) item from its clean MS932 `bytes` (see
/// [`ms932::is_clean`]) without decoding them: all [`check`] looks at in free text is whether
/// it is empty and its length, and the bytes tell both.
#[inline]
pub fn check_clean_text(item: &ItemSpec, bytes: &[u8], out: &mut Vec<ItemProblem>) {
    debug_assert_eq!(item.ty, ItemType::Text);
    if bytes.is_empty() {
        if item.required {
            required(out, item);
        }
        return;
    }
    check_length(item, bytes.len(), || ms932::clean_char_count(bytes), out);
}

/// The length check: `ms932_len` is the value's length in MS932 bytes, `chars` counts its
/// characters (only asked for items measured in characters).
fn check_length(
    item: &ItemSpec,
    ms932_len: usize,
    chars: impl FnOnce() -> usize,
    out: &mut Vec<ItemProblem>,
) {
    let Some(max) = item.length else { return };
    let (len, unit) = match item.length_unit {
        Some(LengthUnit::Chars) => (chars(), "文字"),
        _ => (ms932_len, "バイト"),
    };
    if len > usize::from(max) {
        too_long(out, item, max, len, unit);
    }
}

#[cold]
#[inline(never)]
fn too_long(out: &mut Vec<ItemProblem>, item: &ItemSpec, max: u16, len: usize, unit: &str) {
    let name = &item.name;
    report(
        out,
        item,
        Check::Length,
        Code::ItemLength,
        format_args!("「{name}」は{max}{unit}までですが{len}{unit}あります"),
    );
}

/// [`check`], with the value's MS932 length when the caller knows it.
fn check_value(
    item: &ItemSpec,
    value: &str,
    ms932_len: Option<usize>,
    rev: &Revision,
    out: &mut Vec<ItemProblem>,
) {
    let name = &item.name;
    if value.is_empty() {
        if item.required {
            required(out, item);
        }
        return;
    }
    let before = out.len();
    match item.ty {
        ItemType::CsvVersion | ItemType::Month | ItemType::MonthOrZeros => {
            if !(item.ty == ItemType::MonthOrZeros && value == "000000") {
                if value.len() != 6 || !all_digits(value) {
                    form(
                        out,
                        item,
                        value,
                        if item.ty == ItemType::MonthOrZeros {
                            "YYYYMM（または 000000）"
                        } else {
                            "YYYYMM（半角数字6桁）"
                        },
                    );
                } else if calendar::parse_month(value).is_none() {
                    report(
                        out,
                        item,
                        Check::Format,
                        Code::ItemMonth,
                        format_args!("「{name}」の値「{value}」の月が 01〜12 ではありません"),
                    );
                }
            }
        }
        ItemType::Date | ItemType::DateOrZeros => {
            if !(item.ty == ItemType::DateOrZeros && value == "00000000") {
                if value.len() != 8 || !all_digits(value) {
                    form(out, item, value, "YYYYMMDD（半角数字8桁）");
                } else if calendar::parse_date(value).is_none() {
                    report(
                        out,
                        item,
                        Check::Format,
                        Code::ItemDate,
                        format_args!("「{name}」の値「{value}」は存在しない日付です"),
                    );
                }
            }
        }
        ItemType::Time => {
            if value != "9999" {
                if value.len() != 4 || !all_digits(value) {
                    form(out, item, value, "HHMM（半角数字4桁）または 9999");
                } else if calendar::parse_time(value).is_none() {
                    report(
                        out,
                        item,
                        Check::Format,
                        Code::ItemTime,
                        format_args!(
                            "「{name}」の値「{value}」は時刻（0000〜2400）でも 9999 でもありません"
                        ),
                    );
                }
            }
        }
        ItemType::InsurerNo => {
            if !(value.len() == 6 && all_digits(value)) {
                form(out, item, value, "半角数字6桁の保険者番号");
            }
        }
        ItemType::InsuredNo => {
            let ok = value.len() == 10
                && (all_digits(value) || (value.starts_with('H') && all_digits(&value[1..])));
            if !ok {
                form(
                    out,
                    item,
                    value,
                    "半角数字10桁（生保単独は H＋数字9桁）の被保険者番号",
                );
            }
        }
        ItemType::OfficeNo => {
            if !(value.len() == 10 && (all_digits(value) || all(value, alnum_upper))) {
                form(out, item, value, "半角英数字10桁の事業所番号");
            }
        }
        ItemType::Integer => {
            let digits = value.strip_prefix('-').unwrap_or(value);
            if !all_digits(digits) {
                form(out, item, value, "整数（半角数字）");
            }
        }
        ItemType::Digits => {
            if !all_digits(value) {
                form(out, item, value, "半角数字");
            }
        }
        ItemType::Alnum => {
            if !all(value, |b| b.is_ascii_alphanumeric()) {
                form(out, item, value, "半角英数字");
            }
        }
        ItemType::Decimal => {
            let ok = match value.split_once('.') {
                Some((a, b)) => all_digits(a) && a.len() <= 2 && b.len() == 2 && all_digits(b),
                None => false,
            };
            if !ok {
                form(out, item, value, "99.99 形式");
            }
        }
        ItemType::Postal => {
            let b = value.as_bytes();
            let ok = b.len() == 8
                && b[3] == b'-'
                && b[..3].iter().all(u8::is_ascii_digit)
                && b[4..].iter().all(u8::is_ascii_digit);
            if !ok {
                form(out, item, value, "郵便番号 XXX-XXXX（半角）");
            }
        }
        ItemType::ServiceType => {
            if !(value.len() == 2 && (all_digits(value) || all(value, alnum_upper))) {
                form(out, item, value, "半角英数字2桁のサービス種類コード");
            } else if !rev.service_type_known(value) {
                report(
                    out,
                    item,
                    Check::Code,
                    Code::ItemCode,
                    format_args!(
                        "「{name}」の値「{value}」は既知のサービス種類コードではありません"
                    ),
                );
            }
        }
        ItemType::ServiceCode => {
            if !(value.len() == 6 && (all_digits(value) || all(value, alnum_upper))) {
                form(out, item, value, "半角英数字6桁のサービスコード");
            }
        }
        ItemType::DayFlags => {
            if !(value.len() == 31 && all(value, |b| b == b'0' || b == b'1')) {
                form(out, item, value, "0/1 の31文字");
            }
        }
        ItemType::Tais => {
            let ok = match value.split_once(['-', '－']) {
                Some((a, b)) => a.len() == 5 && all_digits(a) && b.len() == 6 && all_digits(b),
                None => false,
            };
            if !ok {
                form(out, item, value, "TAISコード（数字5桁-数字6桁）");
            }
        }
        ItemType::Code => {
            if let Some(list) = &item.codes {
                if rev.code_label(list, value).is_none() {
                    not_in_code_list(out, item, value, list, rev);
                }
            }
        }
        ItemType::Unused => {
            report(
                out,
                item,
                Check::Format,
                Code::ItemUnused,
                format_args!("「{name}」は「使用しない」項目ですが値「{value}」があります"),
            );
        }
        ItemType::Text => {}
    }
    if out.len() > before {
        return;
    }
    let ms932_len = ms932_len.unwrap_or_else(|| ms932::decoded_len(value));
    check_length(item, ms932_len, || value.chars().count(), out);
}

#[cold]
#[inline(never)]
fn not_in_code_list(
    out: &mut Vec<ItemProblem>,
    item: &ItemSpec,
    value: &str,
    list: &str,
    rev: &Revision,
) {
    let name = &item.name;
    let allowed: Vec<String> = rev
        .codes
        .get(list)
        .map(|m| m.iter().map(|(k, v)| format!("{k}:{v}")).collect())
        .unwrap_or_default();
    report(
        out,
        item,
        Check::Code,
        Code::ItemCode,
        format_args!(
            "「{name}」の値「{value}」はコード表にありません（{}）",
            allowed.join(" ")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Standard;

    fn run(kind: &str, no: usize, v: &str) -> Vec<&'static str> {
        let rev = Standard::get().default_revision();
        let item = &rev.file(kind).unwrap().items[no - 1];
        let mut out = Vec::new();
        check(item, v, rev, &mut out);
        out.iter().map(|p| p.code.as_str()).collect()
    }

    #[test]
    fn types_are_checked() {
        assert!(run("UPPLAN", 3, "H123456789").is_empty());
        assert_eq!(run("UPPLAN", 3, "12345"), ["item.format"]);
        assert_eq!(run("UPPLAN", 3, "１２３４５６７８９０"), ["item.format"]);
        assert_eq!(run("UPPLAN", 10, "20250230"), ["item.date"]);
        assert_eq!(run("UPPLAN", 12, "2460"), ["item.time"]);
        assert!(run("UPPLAN", 12, "9999").is_empty());
        assert_eq!(run("UPPLAN", 23, "2"), ["item.code"]);
        assert_eq!(run("UPPLAN", 15, ""), ["item.required"]);
        assert!(run("UPPLAN", 16, "00001－000010").is_empty());
        assert_eq!(run("UPSIKYU", 23, "10.0"), ["item.format"]);
        assert!(run("UPSIKYU", 23, "11.40").is_empty());
        assert!(run("UPSIKYU", 13, "-120").is_empty());
        assert_eq!(run("UPSIKYU", 13, "1234567"), ["item.length"]);
        assert_eq!(run("UPHOSOKU", 9, "1234567"), ["item.format"]);
        assert_eq!(run("UPHOSOKU", 63, "202513"), ["item.month"]);
        assert!(run("UPHOSOKU", 63, "000000").is_empty());
        assert!(run("UPHOSOKU", 4, "00000000").is_empty());
        assert_eq!(run("UPPLAN", 25, "1"), ["item.unused"]);
    }

    #[test]
    fn all_digits_is_the_byte_by_byte_check() {
        for s in [
            "",
            "0",
            "9",
            "1234567",
            "12345678",
            "123456789",
            "0000000000000000",
            "１２",
        ] {
            assert_eq!(all_digits(s), all(s, |b| b.is_ascii_digit()), "{s:?}");
        }
        for b in 0..=0xFFu8 {
            for at in [0, 5, 8, 11] {
                let mut v = b"012345678901".to_vec();
                v[at] = b;
                let s = String::from_utf8_lossy(&v);
                assert_eq!(all_digits(&s), all(&s, |b| b.is_ascii_digit()), "{v:?}");
            }
        }
    }

    #[test]
    fn assumed_checks_are_warnings() {
        let rev = Standard::get().default_revision();
        let item = &rev.file("UPPLAN").unwrap().items[6];
        let mut out = Vec::new();
        check(item, "", rev, &mut out);
        assert_eq!(out[0].severity, Severity::Warning);
    }
}
