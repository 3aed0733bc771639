//! Item-by-item comparison of two send units as decoded text: what the case expects and what
//! the software holds (or wrote). Each difference names the file, the record, the item, the
//! expected and the actual value; look-alike characters (～ U+FF5E against 〜 U+301C) are
//! spelled out as code points, since they are the usual cross-vendor bug.

use std::fmt;

use crate::model::{DataFile, Record, SendUnit};
use crate::standard::Standard;

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Where: `UPHOSOKU_202505`, or `unit` for the unit's own fields.
    pub file: String,
    /// The 1-based record, when the difference is in one.
    pub record: Option<usize>,
    /// The item's name (or the unit's field).
    pub item: String,
    /// What the case expects.
    pub expected: String,
    /// What the software has.
    pub got: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(r) = self.record {
            write!(f, " 第{r}レコード")?;
        }
        write!(
            f,
            " {}: expected 「{}」, got 「{}」",
            self.item,
            shown(&self.expected),
            shown(&self.got)
        )?;
        if self.record.is_some() {
            if let Some(cp) = first_code_point_difference(&self.expected, &self.got) {
                write!(f, " ({cp})")?;
            }
        }
        Ok(())
    }
}

/// Line breaks and tabs made visible.
fn shown(s: &str) -> String {
    let s: String = s.chars().take(120).collect();
    s.replace('\r', "\\r")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

/// "character 3: U+FF5E ～ expected, U+301C 〜 got" when the texts differ at a character.
fn first_code_point_difference(a: &str, b: &str) -> Option<String> {
    let mut ai = a.chars();
    let mut bi = b.chars();
    let mut n = 0;
    loop {
        n += 1;
        match (ai.next(), bi.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (None, None) => return None,
            (x, y) => {
                let d = |c: Option<char>| match c {
                    None => "nothing".to_string(),
                    Some(c) if c.is_control() => format!("U+{:04X}", c as u32),
                    Some(c) => format!("U+{:04X} {c}", c as u32),
                };
                return Some(format!("character {n}: {} expected, {} got", d(x), d(y)));
            }
        }
    }
}

/// What to leave out of a comparison.
#[derive(Debug, Clone, Copy, Default)]
pub struct Compare {
    /// The ファイル連番 is the exporting software's own choice.
    pub ignore_sequence: bool,
}

fn file_label(f: &DataFile) -> String {
    match &f.month {
        Some(m) => format!("{}_{m}", f.kind),
        None => f.kind.clone(),
    }
}

impl Compare {
    /// Every difference between `expected` and `got`, in file, record, item order.
    pub fn units(self, expected: &SendUnit, got: &SendUnit) -> Vec<Difference> {
        let mut out = Vec::new();
        if expected.revision != got.revision {
            // Items of different revisions do not line up: the revision is the difference.
            out.push(Difference {
                file: "unit".into(),
                record: None,
                item: "revision".into(),
                expected: expected.revision.clone(),
                got: got.revision.clone(),
            });
            return out;
        }
        let mut unit = |item: &str, e: String, g: String| {
            if e != g {
                out.push(Difference {
                    file: "unit".into(),
                    record: None,
                    item: item.into(),
                    expected: e,
                    got: g,
                });
            }
        };
        if !self.ignore_sequence {
            unit(
                "ファイル連番 (sequence)",
                expected.sequence.clone(),
                got.sequence.clone(),
            );
        }
        let party = |p: &crate::filename::Party| {
            format!("{} {}", p.office, p.service_type.as_deref().unwrap_or(""))
                .trim()
                .to_string()
        };
        unit(
            "送信元 (sender)",
            party(&expected.sender),
            party(&got.sender),
        );
        unit(
            "送信先 (receiver)",
            party(&expected.receiver),
            party(&got.receiver),
        );
        let files = |u: &SendUnit| {
            u.files
                .iter()
                .map(file_label)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (ef, gf) = (files(expected), files(got));
        let mut ordered_e: Vec<_> = expected.files.iter().map(file_label).collect();
        let mut ordered_g: Vec<_> = got.files.iter().map(file_label).collect();
        ordered_e.sort();
        ordered_g.sort();
        if ordered_e != ordered_g {
            out.push(Difference {
                file: "unit".into(),
                record: None,
                item: "files".into(),
                expected: ef,
                got: gf,
            });
        }
        for e in &expected.files {
            if let Some(g) = got
                .files
                .iter()
                .find(|g| g.kind == e.kind && g.month == e.month)
            {
                file(&expected.revision, e, g, &mut out);
            }
        }
        out
    }
}

/// The standard sets no order for records (beyond the 第7表 total rows, which the validator
/// checks), so records are compared as they stand and, when that differs, as sorted lists;
/// the comparison with fewer differences is reported.
fn file(revision: &str, e: &DataFile, g: &DataFile, out: &mut Vec<Difference>) {
    let label = file_label(e);
    if e.records.len() != g.records.len() {
        out.push(Difference {
            file: label.clone(),
            record: None,
            item: "records".into(),
            expected: format!("{} records", e.records.len()),
            got: format!("{} records", g.records.len()),
        });
    }
    let spec = Standard::get()
        .revision(revision)
        .and_then(|r| r.file(&e.kind));
    let item_name = |i: usize| {
        spec.and_then(|s| s.items.get(i))
            .map(|it| format!("{} (項目{})", it.key, i + 1))
            .unwrap_or_else(|| format!("項目{}", i + 1))
    };
    let pairs = |ex: &[&Record], gx: &[&Record]| {
        let mut d = Vec::new();
        for (n, (er, gr)) in ex.iter().zip(gx).enumerate() {
            for i in 0..er.values.len().max(gr.values.len()) {
                let ev = er.values.get(i).map(String::as_str).unwrap_or("");
                let gv = gr.values.get(i).map(String::as_str).unwrap_or("");
                if ev != gv {
                    d.push(Difference {
                        file: label.clone(),
                        record: Some(n + 1),
                        item: item_name(i),
                        expected: ev.to_string(),
                        got: gv.to_string(),
                    });
                }
            }
        }
        d
    };
    total_row_last(spec, &label, e, g, out);
    let ex: Vec<&Record> = e.records.iter().collect();
    let gx: Vec<&Record> = g.records.iter().collect();
    let as_given = pairs(&ex, &gx);
    if as_given.is_empty() {
        return;
    }
    let (mut es, mut gs) = (ex.clone(), gx.clone());
    es.sort_by(|a, b| a.values.cmp(&b.values));
    gs.sort_by(|a, b| a.values.cmp(&b.values));
    let mut sorted = pairs(&es, &gs);
    for d in &mut sorted {
        d.file.push_str(" (records in sorted order)");
    }
    out.extend(if sorted.len() < as_given.len() {
        sorted
    } else {
        as_given
    });
}

/// The one record order the standard sets: the 第7表 grand-total row (サービスコード 999999,
/// 全合計) comes last. When the expected file ends with it, so must the other.
fn total_row_last(
    spec: Option<&crate::standard::FileSpec>,
    label: &str,
    e: &DataFile,
    g: &DataFile,
    out: &mut Vec<Difference>,
) {
    let Some(code) = spec.and_then(|s| {
        (s.kind == "UPSIKYU")
            .then(|| s.items.iter().position(|i| i.key == "サービスコード"))
            .flatten()
    }) else {
        return;
    };
    let is_total = |r: &Record| r.values.get(code).is_some_and(|v| v == "999999");
    if e.records.last().is_some_and(is_total) && !g.records.last().is_some_and(is_total) {
        let at = g.records.iter().position(is_total);
        out.push(Difference {
            file: label.to_string(),
            record: None,
            item: "全合計 row (サービスコード 999999)".into(),
            expected: "the last record".into(),
            got: at.map_or("missing".into(), |n| format!("record {}", n + 1)),
        });
    }
}

/// The differences as text for evidence: at most `max` lines, then how many more.
pub fn listing(diffs: &[Difference], max: usize) -> String {
    let mut s: Vec<String> = diffs.iter().take(max).map(|d| d.to_string()).collect();
    if diffs.len() > max {
        s.push(format!("… and {} more differences", diffs.len() - max));
    }
    s.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> SendUnit {
        let w = crate::sample::World::generate(1, 2);
        crate::sample::usage_unit(&w, "4.1", 0, "202505", "20250425103000")
    }

    #[test]
    fn equal_units_have_no_difference() {
        let u = unit();
        assert!(Compare::default().units(&u, &u).is_empty());
    }

    #[test]
    fn a_changed_item_is_named_with_its_code_points() {
        let e = unit();
        let mut g = e.clone();
        let f = g.files.iter_mut().find(|f| f.kind == "UPHOSOKU").unwrap();
        f.records[0].values[10] = "1～3".into();
        let mut e2 = e.clone();
        e2.files
            .iter_mut()
            .find(|f| f.kind == "UPHOSOKU")
            .unwrap()
            .records[0]
            .values[10] = "1〜3".into();
        let d = Compare::default().units(&e2, &g);
        assert_eq!(d.len(), 1, "{d:?}");
        let s = d[0].to_string();
        assert!(
            s.contains("UPHOSOKU_202505 第1レコード 利用者住所２ (項目11)"),
            "{s}"
        );
        assert!(s.contains("U+301C 〜 expected, U+FF5E ～ got"), "{s}");
    }

    #[test]
    fn records_in_another_order_are_the_same_records() {
        let e = unit();
        let mut g = e.clone();
        let i = g.files.iter().position(|f| f.kind == "UPPLAN").unwrap();
        g.files[i].records.reverse();
        assert!(Compare::default().units(&e, &g).is_empty());
        g.files[i].records[0].values[20] = "X".into();
        let d = Compare::default().units(&e, &g);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].file.contains("sorted"), "{d:?}");
    }

    #[test]
    fn a_missing_record_and_a_sequence_are_differences() {
        let e = unit();
        let mut g = e.clone();
        g.sequence = "20250425103001".into();
        g.files[0].records.pop();
        let d = Compare::default().units(&e, &g);
        assert!(d.iter().any(|d| d.item.contains("sequence")));
        assert!(d.iter().any(|d| d.item == "records"));
        let d = Compare {
            ignore_sequence: true,
        }
        .units(&e, &g);
        assert!(!d.iter().any(|d| d.item.contains("sequence")));
    }
}
