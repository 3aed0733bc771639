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

pub use model::{
    Coverage, Evidence, EvidenceKind, Feature, FilePreview, Provenance, RuleRow, RuleStatus, Run,
    Scenario, Status, Step,
};

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
            table: Vec::new(),
            docstring: None,
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
            provenance: Provenance {
                renkei_version: "0.1.0".into(),
                git_commit: "abc123".into(),
                standard_revision: "4.1".into(),
                command_line: "renkei run --tags @flow".into(),
                tags: Some("@flow".into()),
                pinned_clock: vec!["2026-11-24T10:00:00+09:00".into()],
            },
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
        assert!(
            x.contains("<testcase name=\"flow.yotei.01-06 一巡\" classname=\"flow-yotei.feature\"")
        );
        assert!(x.contains("<testcase name=\"flow.yotei.ok 別\""));
        assert!(x.contains("failures=\"1\""));
        assert!(x.contains("&lt;LICENCE_EXPIRED&gt;"));
        assert!(!x.contains("<LICENCE_EXPIRED>"));
    }

    /// A scenario that passes ①, then fails the check that follows it, and stops.
    fn fails_after_first(r: &mut Run) {
        let s = &mut r.features[0].scenarios[0];
        s.steps[0].text = "① 出力".into();
        s.steps[0].status = Status::Passed;
        s.steps[1].text = "出力したファイルは4つ".into();
        s.steps[1].status = Status::Failed;
        s.steps[2].text = "② アップロード".into();
        s.steps[2].status = Status::Skipped;
        r.compute_flow_coverage();
    }

    #[test]
    fn a_failed_check_after_a_flow_step_makes_that_step_red() {
        let mut r = run();
        fails_after_first(&mut r);
        assert_eq!(
            r.coverage.flow_steps["①"],
            Status::Failed,
            "the check of ① failed"
        );
        assert_eq!(
            r.coverage.flow_steps["②"],
            Status::Skipped,
            "② only skipped: nothing ran it"
        );
        let h = super::html::render(&r);
        assert!(
            h.contains("data-step=\"①\" data-status=\"failed\""),
            "red box"
        );
        assert!(h.contains("data-step=\"②\" data-status=\"skipped\""));
        assert!(
            h.contains("class=\"box none\" href=\"#flow-2\""),
            "grey box"
        );
        assert!(
            h.contains("<a href=\"#sc-flow.yotei.01-06\">"),
            "the flow links to the scenario"
        );
    }

    #[test]
    fn a_pass_elsewhere_turns_a_skipped_step_green_but_never_hides_a_failure() {
        let mut r = run();
        fails_after_first(&mut r);
        // The second scenario passes ① and ②.
        let s = &mut r.features[0].scenarios[1];
        let mut two = s.steps[0].clone();
        two.text = "② アップロード".into();
        s.steps.push(two);
        r.compute_flow_coverage();
        assert_eq!(
            r.coverage.flow_steps["①"],
            Status::Failed,
            "failed once: red"
        );
        assert_eq!(
            r.coverage.flow_steps["②"],
            Status::Passed,
            "skipped once, passed once"
        );
        assert_eq!(
            r.coverage.flow_scenarios["①"],
            ["flow.yotei.01-06", "flow.yotei.ok"]
        );
    }

    #[test]
    fn a_failure_before_any_flow_step_counts_against_the_first() {
        let mut r = run();
        let s = &mut r.features[0].scenarios[0];
        s.steps[0].text = "前提の確認".into();
        s.steps[0].status = Status::Failed;
        s.steps[1].text = "③ 送信".into();
        s.steps[1].status = Status::Skipped;
        s.steps[2].text = "④ 受信".into();
        s.steps[2].status = Status::Skipped;
        r.compute_flow_coverage();
        assert_eq!(r.coverage.flow_steps["③"], Status::Failed);
        assert_eq!(r.coverage.flow_steps["④"], Status::Skipped);
    }

    #[test]
    fn a_run_without_failures_has_no_red_badge() {
        let mut r = run();
        r.features[0].scenarios.remove(0);
        r.compute_flow_coverage();
        assert!(r.passed());
        let h = super::html::render(&r);
        assert!(h.contains("<span class=\"pill zero\" id=\"failed-count\">失敗 0</span>"));
        assert!(!h.contains("class=\"pill failed\""), "nothing red");
        let mut r = run();
        r.compute_flow_coverage();
        let h = super::html::render(&r);
        assert!(h.contains("<span class=\"pill failed\" id=\"failed-count\">失敗 1</span>"));
    }

    #[test]
    fn every_report_carries_the_provenance() {
        let r = run();
        let h = super::html::render(&r);
        let x = super::junit::render(&r);
        let v: serde_json::Value = serde_json::from_str(&super::cucumber_json::render(&r)).unwrap();
        for (key, _, value) in r.provenance_rows() {
            assert!(!value.is_empty(), "{key}");
            assert!(
                h.contains(&format!(
                    "data-key=\"{key}\">{}</code>",
                    super::escape(&value)
                )),
                "html {key}"
            );
            assert!(
                x.contains(&format!(
                    "<property name=\"{key}\" value=\"{}\"/>",
                    super::escape(&value)
                )),
                "junit {key}"
            );
            assert_eq!(v[0]["renkei_provenance"][key], value, "json {key}");
        }
        assert!(x.contains("renkei run --tags @flow"));
        assert!(h.contains("abc123") && h.contains("2026-11-24T10:00:00+09:00"));
    }

    #[test]
    fn an_undefined_step_is_a_junit_failure() {
        let mut r = run();
        r.features[0].scenarios[1].steps[0].status = Status::Undefined;
        let x = super::junit::render(&r);
        assert!(x.contains("failures=\"2\" skipped=\"0\""), "{x}");
        assert!(!x.contains("<skipped"), "{x}");
    }

    #[test]
    fn evidence_reads_as_a_care_manager_would_read_it() {
        let mut r = run();
        let step = &mut r.features[0].scenarios[1].steps[0];
        step.evidence = vec![
            Evidence {
                kind: EvidenceKind::Hub,
                text: "1370101014 POST /v1/login → 200 OK".into(),
                data: serde_json::json!({"office": "1370101014", "method": "POST",
                    "path": "/v1/login", "status": 200, "outcome": "OK"}),
            },
            Evidence {
                kind: EvidenceKind::HubLog,
                text: "2026-11-24T10:01:00+09:00 1370101014 POST /v1/login 200 OK".into(),
                data: serde_json::Value::Null,
            },
            Evidence {
                kind: EvidenceKind::Note,
                text: "突合 時間変更: 吉田　太郎さん 身体介護２ 12月9日".into(),
                data: serde_json::json!({"difference": "時間変更", "user_name": "吉田　太郎",
                    "insured": "1000000124", "service_name": "身体介護２", "service": "111211",
                    "date": "12月9日", "time": "10:00〜11:00 → 10:30〜11:30"}),
            },
        ];
        let h = super::html::render(&r);
        assert!(h.contains("<td>時間変更</td><td>吉田　太郎</td><td>身体介護２</td><td>12月9日</td><td>10:00〜11:00 → 10:30〜11:30</td>"));
        assert!(
            !h.contains("TimeChanged") && !h.contains("1000000124"),
            "no enum names or raw data"
        );
        assert_eq!(
            h.matches("POST /v1/login").count(),
            1,
            "each hub exchange once"
        );
        assert!(
            h.contains("<dt>ファイル連番</dt>") && h.contains("<dt>第7表</dt>"),
            "glossary"
        );
        assert!(
            h.contains("<nav id=\"toc\"") && h.contains("href=\"#f-flow-yotei\""),
            "table of contents"
        );
        assert!(
            h.contains("id=\"only-failed\"")
                && h.contains("id=\"q\"")
                && h.contains("id=\"open-all\"")
        );
        assert!(
            h.contains("<div id=\"tools\" class=\"tools\" hidden>"),
            "tools hidden without JS"
        );
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
    fn an_exported_files_first_records_are_a_table_with_the_items_japanese_names() {
        let mut r = run();
        let preview = FilePreview {
            kind: "UPPLAN".into(),
            title: "サービス提供票（予定）".into(),
            columns: vec![
                "保険者番号".into(),
                "被保険者番号".into(),
                "サービス内容".into(),
            ],
            rows: vec![
                vec!["131016".into(), "1000000124".into(), "身体<介護>".into()],
                vec!["131016".into(), "1000000132".into()],
            ],
            records: 12,
        };
        r.features[0].scenarios[1].steps[0].evidence = vec![Evidence {
            kind: EvidenceKind::File,
            text: "出力 UPPLAN_202612_… (2048 バイト)".into(),
            data: serde_json::json!({"name": "UPPLAN_202612_x.csv", "sha256": "ab",
                "preview": serde_json::to_value(&preview).unwrap()}),
        }];
        assert_eq!(
            r.features[0].scenarios[1].steps[0].evidence[0].preview(),
            Some(preview)
        );
        let h = super::html::render(&r);
        assert!(h.contains(
            "<div class=\"pv\" data-kind=\"UPPLAN\"><p class=\"pvh\">UPPLAN サービス提供票（予定） — 先頭 2 件 / 全 12 件</p>\
             <div class=\"scroll\"><table><thead><tr><th scope=\"col\">保険者番号</th><th scope=\"col\">被保険者番号</th><th scope=\"col\">サービス内容</th></tr></thead>"
        ), "{h}");
        assert!(h.contains("<tr><td>131016</td><td>1000000124</td><td>身体&lt;介護&gt;</td></tr>"));
        assert!(
            h.contains("<tr><td>131016</td><td>1000000132</td><td></td></tr>"),
            "a short record keeps the columns in line"
        );
        // The preview sits inside the evidence line, in a box that scrolls sideways by
        // itself (the page never does).
        let at = h.find("<div class=\"pv\"").unwrap();
        assert!(h[..at].ends_with("sha256 ab</code>"), "{}", &h[..at]);
        assert!(h[at..].contains("</tbody></table></div></div></li>"));
        assert!(h.contains(".scroll{overflow-x:auto;max-width:100%}"));
        assert!(h.contains(".pv th,.pv td{white-space:nowrap"));
        // Evidence without a preview has no table.
        assert_eq!(h.matches("<div class=\"pv\"").count(), 1);
    }

    #[test]
    fn a_steps_data_table_and_doc_string_are_shown_as_written() {
        let mut r = run();
        let st = &mut r.features[0].scenarios[1].steps[0];
        st.table = vec![
            vec!["罠".into(), "csv.encoding.gaiji".into()],
            vec!["診断".into(), "encoding.<gaiji>".into()],
        ];
        st.docstring = Some("一行目\n二行目 & <三>".into());
        let h = super::html::render(&r);
        assert!(h.contains(
            "<div class=\"scroll\"><table class=\"dt\"><tr><td>罠</td><td>csv.encoding.gaiji</td></tr>\
             <tr><td>診断</td><td>encoding.&lt;gaiji&gt;</td></tr></table></div>"
        ), "{h}");
        assert!(h.contains("<pre class=\"doc\">一行目\n二行目 &amp; &lt;三&gt;</pre>"));
        let v: serde_json::Value = serde_json::from_str(&super::cucumber_json::render(&r)).unwrap();
        let step = &v[0]["elements"][1]["steps"][0];
        assert_eq!(
            step["rows"][0]["cells"],
            serde_json::json!(["罠", "csv.encoding.gaiji"])
        );
        assert_eq!(step["doc_string"]["value"], "一行目\n二行目 & <三>");
        assert!(v[0]["elements"][0]["steps"][0].get("rows").is_none());
    }

    fn rule(id: &str, status: RuleStatus, codes: &[&str]) -> RuleRow {
        RuleRow {
            id: id.into(),
            place: "§4.3".into(),
            quote: "外字の利用は不可とし".into(),
            status,
            severity: "error".into(),
            codes: codes.iter().map(|c| c.to_string()).collect(),
            assumption: (status == RuleStatus::Assumed).then(|| "ヒューリスティック".into()),
            note: (codes.is_empty()).then(|| "受信側の手順".into()),
        }
    }

    #[test]
    fn the_coverage_counts_the_rule_inventory_and_lists_each_group() {
        let mut r = run();
        r.coverage.rules_revision = "4.1".into();
        r.coverage.rules = vec![
            rule("R-ENC-GAIJI", RuleStatus::Checked, &["encoding.gaiji"]),
            rule(
                "R-CSV-COMMA",
                RuleStatus::Checked,
                &["structure.field-count"],
            ),
            rule("R-ENC-CONVERT", RuleStatus::Assumed, &["encoding.mojibake"]),
            rule("R-RECV-ORDER", RuleStatus::NotCheckable, &[]),
        ];
        r.coverage.all_diagnostics = vec!["encoding.gaiji".into(), "item.date".into()];
        r.coverage.diagnostics.insert("encoding.gaiji".into(), 3);
        assert_eq!(
            r.coverage.rule_counts(),
            [
                (RuleStatus::Checked, 2),
                (RuleStatus::Assumed, 1),
                (RuleStatus::Open, 0),
                (RuleStatus::NotCheckable, 1)
            ]
        );
        let h = super::html::render(&r);
        assert!(
            h.contains(
                "<section class=\"rules\" id=\"rules\"><h3>標準仕様の規定（第4.1版）: 4 件</h3>"
            ),
            "{h}"
        );
        for (status, n, word) in [
            ("checked", 2, "検査する"),
            ("assumed", 1, "前提を置いて検査する"),
            ("open", 0, "まだ検査しない"),
            ("not_checkable", 1, "ファイルからは検査できない"),
        ] {
            assert!(
                h.contains(&format!(
                    "href=\"#rules-{status}\" data-status=\"{status}\"><b>{n}</b>{word}</a>"
                )),
                "{status}"
            );
            assert_eq!(
                h.contains(&format!("<details id=\"rules-{status}\"")),
                n > 0,
                "a group with rules has its own section: {status}"
            );
        }
        assert!(h.contains(
            "<tr id=\"rule-R-ENC-GAIJI\"><td><code>R-ENC-GAIJI</code></td><td>§4.3</td><td>「外字の利用は不可とし」</td>\
             <td><code>encoding.gaiji</code><span class=\"seen\" title=\"この実行で出た\">●</span> </td></tr>"
        ), "a code this run showed is marked");
        assert!(
            h.contains("<td><code>structure.field-count</code> </td>"),
            "not seen: no mark"
        );
        assert!(h.contains("<small>前提: ヒューリスティック</small>"));
        assert!(
            h.contains("<td>受信側の手順</td>"),
            "why it is not checkable"
        );
        assert!(h.contains("のうち 1 件は"), "one rule exercised by the run");
        assert!(
            h.contains("<span class=\"hit\" title=\"3 回\"><a href=\"#rule-R-ENC-GAIJI\">encoding.gaiji</a></span>"),
            "a diagnostic code links to its rule"
        );
        assert!(
            h.contains("<span>item.date</span>"),
            "a code no rule names: no link"
        );
        // Without an inventory there is no section.
        r.coverage.rules.clear();
        assert!(!super::html::render(&r).contains("id=\"rules\""));
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
