//! Item checks (項目): required, type (form, dates, times, codes) and length, each driven by
//! the item's data in `items.tsv`.

use crate::calendar;
use crate::diagnostic::{Code, Severity};
use crate::ms932;
use crate::standard::{Check, ItemSpec, ItemType, LengthUnit, Revision};

/// One problem with one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemProblem {
    pub code: Code,
    pub severity: Severity,
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

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(f)
}

fn digit(b: u8) -> bool {
    b.is_ascii_digit()
}

fn alnum_upper(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase()
}

/// Checks one value against its item. `value` is the decoded text.
pub fn check(item: &ItemSpec, value: &str, rev: &Revision, out: &mut Vec<ItemProblem>) {
    let name = &item.name;
    if value.is_empty() {
        if item.required {
            out.push(problem(
                item,
                Check::Required,
                Code::ItemRequired,
                format!("必須項目「{name}」が空です"),
            ));
        }
        return;
    }
    let form = |what: &str| {
        problem(
            item,
            Check::Format,
            Code::ItemFormat,
            format!("「{name}」の値「{value}」は{what}ではありません"),
        )
    };
    let before = out.len();
    match item.ty {
        ItemType::CsvVersion | ItemType::Month | ItemType::MonthOrZeros => {
            if !(item.ty == ItemType::MonthOrZeros && value == "000000") {
                if !all(value, digit) || value.len() != 6 {
                    out.push(form(if item.ty == ItemType::MonthOrZeros {
                        "YYYYMM（または 000000）"
                    } else {
                        "YYYYMM（半角数字6桁）"
                    }));
                } else if calendar::parse_month(value).is_none() {
                    out.push(problem(
                        item,
                        Check::Format,
                        Code::ItemMonth,
                        format!("「{name}」の値「{value}」の月が 01〜12 ではありません"),
                    ));
                }
            }
        }
        ItemType::Date | ItemType::DateOrZeros => {
            if !(item.ty == ItemType::DateOrZeros && value == "00000000") {
                if !all(value, digit) || value.len() != 8 {
                    out.push(form("YYYYMMDD（半角数字8桁）"));
                } else if calendar::parse_date(value).is_none() {
                    out.push(problem(
                        item,
                        Check::Format,
                        Code::ItemDate,
                        format!("「{name}」の値「{value}」は存在しない日付です"),
                    ));
                }
            }
        }
        ItemType::Time => {
            if value != "9999" {
                if !all(value, digit) || value.len() != 4 {
                    out.push(form("HHMM（半角数字4桁）または 9999"));
                } else if calendar::parse_time(value).is_none() {
                    out.push(problem(
                        item,
                        Check::Format,
                        Code::ItemTime,
                        format!(
                            "「{name}」の値「{value}」は時刻（0000〜2400）でも 9999 でもありません"
                        ),
                    ));
                }
            }
        }
        ItemType::InsurerNo => {
            if !(all(value, digit) && value.len() == 6) {
                out.push(form("半角数字6桁の保険者番号"));
            }
        }
        ItemType::InsuredNo => {
            let ok = value.len() == 10
                && (all(value, digit) || (value.starts_with('H') && all(&value[1..], digit)));
            if !ok {
                out.push(form("半角数字10桁（生保単独は H＋数字9桁）の被保険者番号"));
            }
        }
        ItemType::OfficeNo => {
            if !(value.len() == 10 && all(value, alnum_upper)) {
                out.push(form("半角英数字10桁の事業所番号"));
            }
        }
        ItemType::Integer => {
            let digits = value.strip_prefix('-').unwrap_or(value);
            if !all(digits, digit) {
                out.push(form("整数（半角数字）"));
            }
        }
        ItemType::Digits => {
            if !all(value, digit) {
                out.push(form("半角数字"));
            }
        }
        ItemType::Alnum => {
            if !all(value, |b| b.is_ascii_alphanumeric()) {
                out.push(form("半角英数字"));
            }
        }
        ItemType::Decimal => {
            let ok = match value.split_once('.') {
                Some((a, b)) => all(a, digit) && a.len() <= 2 && b.len() == 2 && all(b, digit),
                None => false,
            };
            if !ok {
                out.push(form("99.99 形式"));
            }
        }
        ItemType::Postal => {
            let b = value.as_bytes();
            let ok = b.len() == 8
                && b[3] == b'-'
                && b[..3].iter().all(u8::is_ascii_digit)
                && b[4..].iter().all(u8::is_ascii_digit);
            if !ok {
                out.push(form("郵便番号 XXX-XXXX（半角）"));
            }
        }
        ItemType::ServiceType => {
            if !(value.len() == 2 && all(value, alnum_upper)) {
                out.push(form("半角英数字2桁のサービス種類コード"));
            } else if !rev.service_type_known(value) {
                out.push(problem(
                    item,
                    Check::Code,
                    Code::ItemCode,
                    format!("「{name}」の値「{value}」は既知のサービス種類コードではありません"),
                ));
            }
        }
        ItemType::ServiceCode => {
            if !(value.len() == 6 && all(value, alnum_upper)) {
                out.push(form("半角英数字6桁のサービスコード"));
            }
        }
        ItemType::DayFlags => {
            if !(value.len() == 31 && all(value, |b| b == b'0' || b == b'1')) {
                out.push(form("0/1 の31文字"));
            }
        }
        ItemType::Tais => {
            let ok = match value.split_once(['-', '－']) {
                Some((a, b)) => a.len() == 5 && all(a, digit) && b.len() == 6 && all(b, digit),
                None => false,
            };
            if !ok {
                out.push(form("TAISコード（数字5桁-数字6桁）"));
            }
        }
        ItemType::Code => {
            if let Some(list) = &item.codes {
                if rev.code_label(list, value).is_none() {
                    let allowed: Vec<String> = rev
                        .codes
                        .get(list)
                        .map(|m| m.iter().map(|(k, v)| format!("{k}:{v}")).collect())
                        .unwrap_or_default();
                    out.push(problem(
                        item,
                        Check::Code,
                        Code::ItemCode,
                        format!(
                            "「{name}」の値「{value}」はコード表にありません（{}）",
                            allowed.join(" ")
                        ),
                    ));
                }
            }
        }
        ItemType::Unused => {
            out.push(problem(
                item,
                Check::Format,
                Code::ItemUnused,
                format!("「{name}」は「使用しない」項目ですが値「{value}」があります"),
            ));
        }
        ItemType::Text => {}
    }
    if out.len() > before {
        return;
    }
    if let Some(max) = item.length {
        let len = match item.length_unit {
            Some(LengthUnit::Chars) => value.chars().count(),
            _ => ms932::decoded_len(value),
        };
        if len > usize::from(max) {
            let unit = match item.length_unit {
                Some(LengthUnit::Chars) => "文字",
                _ => "バイト",
            };
            out.push(problem(
                item,
                Check::Length,
                Code::ItemLength,
                format!("「{name}」は{max}{unit}までですが{len}{unit}あります"),
            ));
        }
    }
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
    fn assumed_checks_are_warnings() {
        let rev = Standard::get().default_revision();
        let item = &rev.file("UPPLAN").unwrap().items[6];
        let mut out = Vec::new();
        check(item, "", rev, &mut out);
        assert_eq!(out[0].severity, Severity::Warning);
    }
}
