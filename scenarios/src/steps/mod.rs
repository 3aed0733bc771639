//! Step definitions. Every step takes the Gherkin step (`step`) so that what it records lands
//! on its own line of the report. Office names are written in 「…」; numbers may be full-width.

pub mod changeover;
pub mod failures;
pub mod flow;
pub mod jisseki;
pub mod providers;
pub mod setup;
pub mod yobo;

/// The source line of a step: the key its evidence is recorded under.
pub fn line(step: &cucumber::gherkin::Step) -> u32 {
    step.position.line as u32
}

/// 「…」-quoted names in a text, in order.
pub fn quoted(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(a) = rest.find('「') {
        let after = &rest[a + '「'.len_utf8()..];
        let Some(b) = after.find('」') else { break };
        out.push(after[..b].to_string());
        rest = &after[b + '」'.len_utf8()..];
    }
    out
}

/// A number written with half- or full-width digits.
pub fn number(s: &str) -> Result<i64, String> {
    let half: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect();
    half.trim()
        .parse()
        .map_err(|_| format!("「{s}」は数ではありません"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_names_and_full_width_numbers() {
        assert_eq!(quoted("「あ」と「い」に"), ["あ", "い"]);
        assert_eq!(number("３１").unwrap(), 31);
        assert_eq!(number("31").unwrap(), 31);
        assert!(number("三").is_err());
    }
}
