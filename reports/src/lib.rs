//! renkei-reports: turns the results of a run into files.
//!
//! The renderers judge nothing: whether a scenario, a flow step or the run passed is decided
//! once, by the aggregation rule in [`model`] (worst step wins; [`Run::passed`]), and the
//! runner, the CLI and every format read that same answer.
//!
//! - [`model`]: the run as data (features, scenarios with their stable IDs, steps, evidence,
//!   coverage), filled by the scenario runner;
//! - [`junit`]: `junit.xml`, one test case per scenario, named by its ID;
//! - [`cucumber_json`]: `cucumber.json`, the Cucumber JSON format existing tools read;
//! - [`html`]: `index.html`, the living documentation (self-contained, phone and desktop).

pub mod certification;
pub mod cucumber_json;
pub mod html;
pub mod junit;
pub mod model;

pub use model::{Coverage, Evidence, EvidenceKind, Feature, Run, Scenario, Status, Step};

/// Writes the three report files into `dir`; returns their paths.
pub fn write_all(run: &Run, dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let files = [
        ("junit.xml", junit::render(run)),
        ("cucumber.json", cucumber_json::render(run)),
        ("index.html", html::render(run)),
    ];
    let mut out = Vec::new();
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::write(&p, text)?;
        out.push(p);
    }
    Ok(out)
}

/// Escapes text for XML and HTML.
pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {
                o.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::model::*;

    fn run() -> Run {
        let step = |text: &str, status| Step {
            keyword: "もし ".into(),
            text: text.into(),
            line: 10,
            status,
            background: false,
            duration_ms: 3,
            error: (status == Status::Failed)
                .then(|| "expected 201, got 403 <LICENCE_EXPIRED>".into()),
            evidence: vec![Evidence {
                kind: EvidenceKind::Hub,
                text: "POST /v1/sends 403 LICENCE_EXPIRED".into(),
                data: serde_json::Value::Null,
            }],
        };
        let mut r = Run {
            title: "renkei".into(),
            started_at: "2026-11-24T10:00:00+09:00".into(),
            duration_ms: 1500,
            features: vec![Feature {
                name: "予定の連携".into(),
                keyword: "機能".into(),
                description: "説明 & <注意>".into(),
                path: "flow-yotei.feature".into(),
                tags: vec!["flow".into()],
                line: 2,
                parse_error: None,
                scenarios: vec![
                    Scenario {
                        id: Some("flow.yotei.01-06".into()),
                        name: "一巡".into(),
                        keyword: "シナリオ".into(),
                        tags: vec!["id:flow.yotei.01-06".into()],
                        line: 8,
                        steps: vec![
                            step("① 出力", Status::Passed),
                            step("② アップロード", Status::Failed),
                            step("③ 送信", Status::Skipped),
                        ],
                    },
                    Scenario {
                        id: Some("flow.yotei.ok".into()),
                        name: "別".into(),
                        keyword: "シナリオ".into(),
                        tags: vec![],
                        line: 20,
                        steps: vec![step("① 出力", Status::Passed)],
                    },
                ],
            }],
            coverage: Coverage::default(),
        };
        r.compute_flow_coverage();
        r
    }

    #[test]
    fn flow_coverage_takes_the_worst_status_per_step() {
        let r = run();
        assert_eq!(r.coverage.flow_steps["①"], Status::Passed);
        assert_eq!(r.coverage.flow_steps["②"], Status::Failed);
        assert_eq!(r.coverage.flow_steps["③"], Status::Skipped);
        assert!(!r.coverage.flow_steps.contains_key("④"));
        assert_eq!(r.counts(), (1, 1, 0));
        assert!(!r.passed());
    }

    #[test]
    fn a_failure_outranks_a_later_skip_in_the_flow() {
        let mut r = run();
        let s = &mut r.features[0].scenarios[1];
        s.steps.push(s.steps[0].clone());
        s.steps[0].text = "② 別".into();
        s.steps[0].status = Status::Skipped;
        r.compute_flow_coverage();
        assert_eq!(
            r.coverage.flow_steps["②"],
            Status::Failed,
            "failed (scenario 1) beats skipped (2)"
        );
        assert_eq!(Status::Undefined.worst(Status::Skipped), Status::Undefined);
        assert_eq!(Status::Passed.worst(Status::Failed), Status::Failed);
    }

    #[test]
    fn junit_names_each_case_by_its_id_and_escapes() {
        let x = super::junit::render(&run());
        assert!(x.contains("<testcase name=\"flow.yotei.01-06\""));
        assert!(x.contains("<testcase name=\"flow.yotei.ok\""));
        assert!(x.contains("failures=\"1\""));
        assert!(x.contains("&lt;LICENCE_EXPIRED&gt;"));
        assert!(!x.contains("<LICENCE_EXPIRED>"));
    }

    #[test]
    fn cucumber_json_has_the_standard_shape() {
        let v: serde_json::Value =
            serde_json::from_str(&super::cucumber_json::render(&run())).unwrap();
        let s = &v[0]["elements"][0];
        assert_eq!(v[0]["uri"], "flow-yotei.feature");
        assert_eq!(s["type"], "scenario");
        assert_eq!(s["steps"][1]["result"]["status"], "failed");
        assert_eq!(s["steps"][0]["result"]["duration"], 3_000_000);
        assert_eq!(
            s["steps"][1]["output"][0],
            "hub: POST /v1/sends 403 LICENCE_EXPIRED"
        );
    }

    #[test]
    fn html_is_self_contained_and_colours_the_flow() {
        let h = super::html::render(&run());
        assert!(h.contains("data-step=\"②\" data-status=\"failed\""));
        assert!(h.contains("data-step=\"④\" data-status=\"none\""));
        assert!(h.contains("name=\"viewport\""));
        assert!(
            !h.contains("http://") && !h.contains("https://"),
            "no network resources"
        );
        assert!(h.contains("説明 &amp; &lt;注意&gt;"));
    }
}
