//! `junit.xml`: one `<testsuite>` per feature, one `<testcase>` per scenario whose name is the
//! scenario's stable ID and its Japanese title, so CI systems track cases across runs. The
//! `classname` is the feature file's path relative to the features folder. An undefined step
//! is a failure (CI counts it red), and every suite carries the run's provenance as
//! `<properties>`.

use std::fmt::Write;

use crate::escape;
use crate::model::{Run, Status};

/// The run as `junit.xml`: one test suite per feature, one test case per scenario, named by its `@id:`.
pub fn render(run: &Run) -> String {
    let count = |st: Status| run.scenarios().filter(|s| s.status() == st).count();
    let (passed, skipped) = (count(Status::Passed), count(Status::Skipped));
    let failed = count(Status::Failed) + count(Status::Undefined);
    let parse_errors = run
        .features
        .iter()
        .filter(|f| f.parse_error.is_some())
        .count();
    let failed = failed + parse_errors;
    let total = passed + failed + skipped;
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"{}\" tests=\"{total}\" failures=\"{failed}\" skipped=\"{skipped}\" time=\"{:.3}\">",
        escape(&run.title),
        run.duration_ms as f64 / 1000.0
    );
    for f in &run.features {
        let fails = f
            .scenarios
            .iter()
            .filter(|s| matches!(s.status(), Status::Failed | Status::Undefined))
            .count()
            + usize::from(f.parse_error.is_some());
        let skips = f
            .scenarios
            .iter()
            .filter(|s| s.status() == Status::Skipped)
            .count();
        let time: u64 = f.scenarios.iter().map(|s| s.duration_ms()).sum();
        let _ = writeln!(
            o,
            "  <testsuite name=\"{}\" file=\"{}\" tests=\"{}\" failures=\"{fails}\" skipped=\"{skips}\" time=\"{:.3}\">",
            escape(&f.name),
            escape(&f.path),
            f.scenarios.len() + usize::from(f.parse_error.is_some()),
            time as f64 / 1000.0
        );
        properties(&mut o, run);
        if let Some(e) = &f.parse_error {
            let _ = writeln!(
                o,
                "    <testcase name=\"parse:{}\" classname=\"{}\"><failure message=\"{}\"/></testcase>",
                escape(&f.path),
                escape(&f.path),
                escape(e)
            );
        }
        for s in &f.scenarios {
            let _ = write!(
                o,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.3}\">",
                escape(&case_name(s)),
                escape(&f.path),
                escape(&f.path),
                s.line,
                s.duration_ms() as f64 / 1000.0
            );
            match s.status() {
                Status::Passed => {}
                Status::Failed | Status::Undefined => {
                    let step = s
                        .steps
                        .iter()
                        .find(|st| matches!(st.status, Status::Failed | Status::Undefined));
                    let msg = step
                        .map(|st| format!("{} {} (line {})", st.keyword.trim(), st.text, st.line))
                        .unwrap_or_default();
                    let detail = step.and_then(|st| st.error.clone()).unwrap_or_default();
                    let _ = write!(
                        o,
                        "<failure message=\"{}\">{}</failure>",
                        escape(&msg),
                        escape(&detail)
                    );
                }
                Status::Skipped => {
                    let _ = write!(o, "<skipped message=\"a step did not run\"/>");
                }
            }
            let _ = write!(
                o,
                "<system-out>{}</system-out>",
                escape(&format!("{}\n{}", s.name, steps_text(s)))
            );
            let _ = writeln!(o, "</testcase>");
        }
        let _ = writeln!(o, "  </testsuite>");
    }
    o.push_str("</testsuites>\n");
    o
}

/// A test case's name: the stable ID, then the Japanese title.
fn case_name(s: &crate::model::Scenario) -> String {
    match &s.id {
        Some(id) => format!("{id} {}", s.name),
        None => s.id_or_name(),
    }
}

/// The run's provenance as a suite's `<properties>`.
fn properties(o: &mut String, run: &Run) {
    o.push_str("    <properties>\n");
    for (key, _, value) in run.provenance_rows() {
        let _ = writeln!(
            o,
            "      <property name=\"{key}\" value=\"{}\"/>",
            escape(&value)
        );
    }
    o.push_str("    </properties>\n");
}

fn steps_text(s: &crate::model::Scenario) -> String {
    let mut t = String::new();
    for st in &s.steps {
        let _ = writeln!(
            t,
            "[{}] {} {}",
            st.status.as_str(),
            st.keyword.trim(),
            st.text
        );
        for e in &st.evidence {
            let _ = writeln!(t, "    {}: {}", e.kind, e.text);
        }
    }
    t
}
