//! The interop matrix (`renkei interop`): for each ordered pair of adapters, A exports the
//! library's export units and B imports them. `interop.json` is [`Matrix`]; `interop.html`
//! is the N×N table with, for each broken pair, the first differing item.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::escape;

/// One adapter of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The `--adapter` command line.
    pub command: String,
    /// vendor product version, from its capabilities.
    pub label: String,
}

/// The result of A → B over every export unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Index of the exporter in [`Matrix::adapters`].
    pub exporter: usize,
    /// Index of the importer.
    pub importer: usize,
    /// Units both could handle (declared kinds and revisions).
    pub units: usize,
    /// Units that arrived intact: B holds exactly what A was given.
    pub clean: usize,
    /// Units skipped because one side did not declare what they need.
    pub skipped: usize,
    /// The first unit that did not arrive intact, and why (the first differing item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<String>,
    /// The IDs of the units that did not arrive intact.
    pub failed: Vec<String>,
}

impl Cell {
    /// Every unit both sides handle arrived intact (and there was at least one).
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty() && self.units > 0
    }
}

/// `interop.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    /// renkei's version.
    pub renkei: String,
    /// The adapters, in `--adapter` order.
    pub adapters: Vec<Party>,
    /// Every ordered pair, exporter-major.
    pub cells: Vec<Cell>,
}

impl Matrix {
    /// The cell exporter → importer.
    pub fn cell(&self, exporter: usize, importer: usize) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.exporter == exporter && c.importer == importer)
    }
}

/// Renders `interop.html`.
pub fn render(m: &Matrix) -> String {
    let mut o = String::from(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>renkei interop</title><style>\
         body{font-family:system-ui,\"Hiragino Sans\",\"Noto Sans JP\",sans-serif;margin:0 auto;max-width:1080px;padding:12px 16px;color:#1f2328}\
         table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #d0d7de;padding:.35rem .5rem;vertical-align:top;text-align:left}\
         td.ok{background:#dafbe1}td.ng{background:#ffebe9}td.none{background:#eaeef2;color:#57606a}\
         small{display:block;color:#57606a;max-width:26rem;word-break:break-all}code{font-size:.8rem}\
         </style></head><body><h1>相互接続表 (interop)</h1>\
         <p>行の事業者ソフトが出力した送信単位を、列の事業者ソフトが取り込んだ結果。\
         ✔ = すべての項目が一致、✘ = 一致しない項目あり（最初の相違を表示）。</p>",
    );
    let _ = write!(
        o,
        "<p>renkei {}</p><table><thead><tr><th>出力 ↓ ／ 取込 →</th>",
        escape(&m.renkei)
    );
    for (i, a) in m.adapters.iter().enumerate() {
        let _ = write!(o, "<th>B{}: {}</th>", i + 1, escape(&a.label));
    }
    o.push_str("</tr></thead><tbody>");
    for (i, a) in m.adapters.iter().enumerate() {
        let _ = write!(
            o,
            "<tr><th>A{}: {}<small><code>{}</code></small></th>",
            i + 1,
            escape(&a.label),
            escape(&a.command)
        );
        for j in 0..m.adapters.len() {
            match m.cell(i, j) {
                None => o.push_str("<td class=\"none\">―</td>"),
                Some(c) if c.units == 0 => {
                    let _ = write!(
                        o,
                        "<td class=\"none\">対象なし ({} skipped)</td>",
                        c.skipped
                    );
                }
                Some(c) if c.is_clean() => {
                    let _ = write!(o, "<td class=\"ok\">✔ {}/{}</td>", c.clean, c.units);
                }
                Some(c) => {
                    let _ = write!(
                        o,
                        "<td class=\"ng\">✘ {}/{}<small>{}</small></td>",
                        c.clean,
                        c.units,
                        escape(c.first_failure.as_deref().unwrap_or(""))
                    );
                }
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table></body></html>\n");
    o
}
