//! `junit.xml`: one `<testsuite>` per feature, one `<testcase>` per scenario whose name is the
//! scenario's stable ID, so CI systems track cases across runs.

use std::fmt::Write;

use crate::escape;
use crate::model::{Run, Status};

/// The run as `junit.xml`: one test suite per feature, one test case per scenario, named by its `@id:`.
pub fn render(run: &Run) -> String {
    let (passed, failed, skipped) = run.counts();
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
            .filter(|s| s.status() == Status::Failed)
            .count()
            + usize::from(f.parse_error.is_some());
        let skips = f
            .scenarios
            .iter()
            .filter(|s| matches!(s.status(), Status::Skipped | Status::Undefined))
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
                escape(&s.id_or_name()),
                escape(&f.path),
                escape(&f.path),
                s.line,
                s.duration_ms() as f64 / 1000.0
            );
            match s.status() {
                Status::Passed => {}
                Status::Failed => {
                    let step = s.steps.iter().find(|st| st.status == Status::Failed);
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
                Status::Undefined => {
                    let _ = write!(o, "<skipped message=\"a step has no definition\"/>");
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
