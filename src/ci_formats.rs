//! Validation reports for CI and editors: JUnit XML (one testcase per file, one failure per
//! error) and SARIF 2.1.0 (GitHub code scanning and editors show the diagnostics on the lines).

use std::fmt::Write as _;

use renkei_spec::diagnostic::{Diagnostic, Severity};
use renkei_spec::validate::Report;
use renkei_spec::Code;

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";
/// The schema the SARIF output names.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry are written as their code point.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                let _ = write!(out, "U+{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn where_of(path: &str, d: &Diagnostic) -> String {
    let mut at = d.location(path);
    if let Some(o) = d.byte_offset {
        let _ = write!(at, " (byte {o})");
    }
    at
}

/// JUnit XML: a testsuite `renkei validate`, one testcase per file, a `<failure>` per error
/// (type = the code), warnings in `<system-out>`.
pub fn junit(report: &Report) -> String {
    let errors = |f: &renkei_spec::validate::FileReport| {
        f.diagnostics.iter().filter(|d| d.is_error()).count()
    };
    let failures = report.files.iter().filter(|f| errors(f) > 0).count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"renkei validate\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
        report.files.len()
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"renkei validate\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
        report.files.len()
    );
    for f in &report.files {
        let kind = f.kind.as_deref().unwrap_or("unknown");
        let _ = writeln!(
            x,
            "    <testcase classname=\"{}\" name=\"{}\">",
            xml_escape(kind),
            xml_escape(&f.path)
        );
        for d in f.diagnostics.iter().filter(|d| d.is_error()) {
            let mut body = where_of(&f.path, d);
            if let Some(i) = &d.item {
                let _ = write!(body, "\n項目: {i}");
            }
            if let Some(a) = &d.assumed {
                let _ = write!(body, "\n前提: {a}");
            }
            let _ = writeln!(
                x,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                d.code.as_str(),
                xml_escape(&d.message),
                xml_escape(&body)
            );
        }
        let warnings: Vec<String> = f
            .diagnostics
            .iter()
            .filter(|d| !d.is_error())
            .map(|d| {
                format!(
                    "warning[{}]: {} {}",
                    d.code.as_str(),
                    d.message,
                    where_of(&f.path, d)
                )
            })
            .collect();
        if !warnings.is_empty() {
            let _ = writeln!(
                x,
                "      <system-out>{}</system-out>",
                xml_escape(&warnings.join("\n"))
            );
        }
        x.push_str("    </testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// SARIF 2.1.0: one run of the tool `renkei`, its rules the diagnostic codes, one result per
/// diagnostic with the file, the line and the byte offset (the field number and the item go in
/// the result's properties: a field is not a character column).
pub fn sarif(report: &Report) -> serde_json::Value {
    let used: std::collections::BTreeSet<Code> = report
        .files
        .iter()
        .flat_map(|f| f.diagnostics.iter().map(|d| d.code))
        .collect();
    let rules: Vec<Code> = used.into_iter().collect();
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let rule_json: Vec<serde_json::Value> = rules
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.as_str(),
                "name": c.as_str(),
                "shortDescription": {"text": c.description()},
                "defaultConfiguration": {"level": level(c.default_severity())},
            })
        })
        .collect();
    let mut results = Vec::new();
    for f in &report.files {
        for d in &f.diagnostics {
            let mut region = serde_json::Map::new();
            if let Some(l) = d.line {
                region.insert("startLine".into(), l.into());
            }
            if let Some(o) = d.byte_offset {
                region.insert("byteOffset".into(), o.into());
            }
            let mut physical = serde_json::json!({
                "artifactLocation": {"uri": uri_of(&f.path)},
            });
            if !region.is_empty() {
                physical["region"] = region.into();
            }
            let mut message = d.message.clone();
            if let Some(a) = &d.assumed {
                message.push_str(&format!("（前提: {a}）"));
            }
            results.push(serde_json::json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": rules.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": level(d.severity),
                "message": {"text": message},
                "locations": [{"physicalLocation": physical}],
                "properties": {"field": d.column, "item": d.item},
            }));
        }
    }
    serde_json::json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "renkei",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_json,
            }},
            "results": results,
        }],
    })
}

/// A relative path as a URI reference: `/` separators, spaces and non-ASCII percent-encoded.
fn uri_of(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
