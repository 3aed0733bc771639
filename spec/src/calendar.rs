//! Calendar arithmetic for YYYYMMDD / YYYYMM / HHMM values (no time zone, no clock).

/// Days in `month` (1–12) of `year` (proleptic Gregorian).
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u32, |a, b| a * 10 + u32::from(b - b'0')))
}

/// `YYYYMM` → (year, month) when it has 6 digits and the month is 01–12.
pub fn parse_month(s: &str) -> Option<(u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 6 {
        return None;
    }
    let (y, m) = (digits(&b[..4])?, digits(&b[4..])?);
    (1..=12).contains(&m).then_some((y, m))
}

/// `YYYYMMDD` → (year, month, day) when the date exists (year 1000 or later).
pub fn parse_date(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let (y, m, d) = (digits(&b[..4])?, digits(&b[4..6])?, digits(&b[6..])?);
    (y >= 1000 && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then_some((y, m, d))
}

/// `HHMM` → minutes since midnight; 0000–2359 and 2400.
pub fn parse_time(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() != 4 {
        return None;
    }
    let (h, m) = (digits(&b[..2])?, digits(&b[2..])?);
    ((h < 24 && m < 60) || (h == 24 && m == 0)).then_some(h * 60 + m)
}

/// `YYYYMMDDHHMMSS` (the ファイル連番) when it is a real date and time.
pub fn parse_timestamp(s: &str) -> Option<(u32, u32, u32, u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 14 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (y, mo, d) = parse_date(&s[..8])?;
    let (h, mi, se) = (digits(&b[8..10])?, digits(&b[10..12])?, digits(&b[12..])?);
    (h < 24 && mi < 60 && se < 60).then_some((y, mo, d, h, mi, se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_that_exist() {
        assert_eq!(parse_date("20240229"), Some((2024, 2, 29)));
        assert_eq!(parse_date("20250229"), None);
        assert_eq!(parse_date("21000229"), None);
        assert_eq!(parse_date("20000229"), Some((2000, 2, 29)));
        assert_eq!(parse_date("20250431"), None);
        assert_eq!(parse_date("2025043"), None);
        assert_eq!(parse_date("2025-4-1"), None);
        assert_eq!(parse_date("00000000"), None);
    }

    #[test]
    fn months_times_and_timestamps() {
        assert_eq!(parse_month("202513"), None);
        assert_eq!(parse_month("202500"), None);
        assert_eq!(parse_month("202512"), Some((2025, 12)));
        assert_eq!(parse_time("2400"), Some(1440));
        assert_eq!(parse_time("2401"), None);
        assert_eq!(parse_time("0960"), None);
        assert_eq!(parse_time("9999"), None);
        assert!(parse_timestamp("20191025200201").is_some());
        assert!(parse_timestamp("201911110102233").is_none());
        assert!(parse_timestamp("20191025246001").is_none());
    }
}
