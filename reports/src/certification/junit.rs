//! The certification's `junit.xml`: one `<testsuite>` per pattern (D1–D7), one `<testcase>`
//! per case named by its stable ID and title. FAIL and ERROR are failures (`<failure>` and
//! `<error>`), UNSUPPORTED and SKIP are skipped with their reason; XFAIL passes with a note.

use std::fmt::Write;

use super::{CaseResult, Certification, Outcome, PATTERNS};
use crate::escape;

/// Renders `junit.xml`.
pub fn render(c: &Certification) -> String {
    let count = |cases: &[&CaseResult], f: fn(Outcome) -> bool| {
        cases.iter().filter(|k| f(k.outcome)).count()
    };
    let all: Vec<&CaseResult> = c.cases.iter().collect();
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"renkei certify {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        escape(&c.suite.renkei),
        all.len() + usize::from(c.error.is_some()),
        count(&all, |x| x == Outcome::Fail),
        count(&all, |x| x == Outcome::Error) + usize::from(c.error.is_some()),
        count(&all, |x| matches!(x, Outcome::Skip | Outcome::Unsupported)),
    );
    if let Some(e) = &c.error {
        let _ = writeln!(
            o,
            "  <testsuite name=\"contract\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    \
             <testcase name=\"contract.capabilities\" classname=\"certify.contract\"><error message=\"{}\" type=\"ERROR\"/></testcase>\n  </testsuite>",
            escape(e)
        );
    }
    for (pattern, name) in PATTERNS.iter().map(|(p, n)| (*p, *n)).chain([("", "")]) {
        let cases: Vec<&CaseResult> = c
            .cases
            .iter()
            .filter(|k| {
                k.pattern == pattern
                    || (pattern.is_empty() && !PATTERNS.iter().any(|(p, _)| *p == k.pattern))
            })
            .collect();
        if cases.is_empty() {
            continue;
        }
        let time: u64 = cases.iter().map(|k| k.duration_ms).sum();
        let _ = writeln!(
            o,
            "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
            escape(pattern),
            escape(name),
            cases.len(),
            count(&cases, |x| x == Outcome::Fail),
            count(&cases, |x| x == Outcome::Error),
            count(&cases, |x| matches!(x, Outcome::Skip | Outcome::Unsupported)),
            time as f64 / 1000.0
        );
        for k in cases {
            case(&mut o, k);
        }
        o.push_str("  </testsuite>\n");
    }
    o.push_str("</testsuites>\n");
    o
}

fn case(o: &mut String, k: &CaseResult) {
    let _ = write!(
        o,
        "    <testcase name=\"{} {}\" classname=\"certify.{}\" time=\"{:.3}\">",
        escape(&k.id),
        escape(&k.title),
        escape(&k.group),
        k.duration_ms as f64 / 1000.0
    );
    let detail = || {
        k.evidence
            .iter()
            .filter_map(|e| e.text.as_ref().map(|t| format!("{}:\n{t}", e.label)))
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    match k.outcome {
        Outcome::Fail => {
            let _ = write!(
                o,
                "<failure message=\"{}\" type=\"FAIL\">{}</failure>",
                escape(&k.message),
                escape(&detail())
            );
        }
        Outcome::Error => {
            let _ = write!(
                o,
                "<error message=\"{}\" type=\"ERROR\">{}</error>",
                escape(&k.message),
                escape(&detail())
            );
        }
        Outcome::Skip | Outcome::Unsupported => {
            let _ = write!(
                o,
                "<skipped message=\"{}: {}\"/>",
                k.outcome.as_str(),
                escape(&k.message)
            );
        }
        Outcome::Xfail | Outcome::Xpass => {
            let _ = write!(
                o,
                "<system-out>{}: {}</system-out>",
                k.outcome.as_str(),
                escape(&k.message)
            );
        }
        Outcome::Pass => {}
    }
    o.push_str("</testcase>\n");
}
