//! `cucumber.json`: the Cucumber JSON format (an array of features with their elements and
//! steps), which existing report tools read. Each step's evidence is written as its `output`
//! lines (shown by most tools) and, structured, in an extra `renkei_evidence` field. The
//! run's provenance is an extra `renkei_provenance` object on every feature (the format has
//! no place for the run itself).

use serde_json::{json, Value};

use crate::model::{Run, Status};

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The run as `cucumber.json`: one element per scenario, each step with its result and its evidence as output lines.
pub fn render(run: &Run) -> String {
    let provenance: serde_json::Map<String, Value> = run
        .provenance_rows()
        .into_iter()
        .map(|(k, _, v)| (k.to_string(), json!(v)))
        .collect();
    let features: Vec<Value> = run
        .features
        .iter()
        .map(|f| {
            let fid = slug(&f.name);
            let elements: Vec<Value> = f
                .scenarios
                .iter()
                .map(|s| {
                    let steps: Vec<Value> = s
                        .steps
                        .iter()
                        .map(|st| {
                            let mut result = json!({
                                "status": st.status.as_str(),
                                "duration": st.duration_ms * 1_000_000,
                            });
                            if st.status == Status::Failed {
                                result["error_message"] = json!(st.error.clone().unwrap_or_default());
                            }
                            let mut step = json!({
                                "keyword": format!("{} ", st.keyword.trim()),
                                "name": st.text,
                                "line": st.line,
                                "result": result,
                                "output": st.evidence.iter().map(|e| format!("{}: {}", e.kind, e.text)).collect::<Vec<_>>(),
                                "renkei_evidence": st.evidence,
                            });
                            // The format's own places for a step's argument.
                            if !st.table.is_empty() {
                                step["rows"] = json!(st.table.iter().map(|r| json!({"cells": r})).collect::<Vec<_>>());
                            }
                            if let Some(d) = &st.docstring {
                                step["doc_string"] = json!({"value": d, "line": st.line + 1});
                            }
                            step
                        })
                        .collect();
                    json!({
                        "id": format!("{fid};{}", s.id.clone().unwrap_or_else(|| slug(&s.name))),
                        "keyword": s.keyword,
                        "name": s.name,
                        "description": "",
                        "line": s.line,
                        "type": "scenario",
                        "tags": s.tags.iter().map(|t| json!({"name": format!("@{t}"), "line": s.line.saturating_sub(1)})).collect::<Vec<_>>(),
                        "steps": steps,
                    })
                })
                .collect();
            json!({
                "uri": f.path,
                "id": fid,
                "keyword": f.keyword,
                "name": f.name,
                "description": f.description,
                "line": f.line,
                "tags": f.tags.iter().map(|t| json!({"name": format!("@{t}"), "line": f.line.saturating_sub(1)})).collect::<Vec<_>>(),
                "elements": elements,
                "renkei_provenance": provenance,
            })
        })
        .collect();
    serde_json::to_string_pretty(&Value::Array(features)).unwrap_or_else(|_| "[]".into())
}
