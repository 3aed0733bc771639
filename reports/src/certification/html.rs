//! The certification's `index.html`: who was tested and how, the summary by pattern (D1–D7)
//! and outcome, then one section per case with its evidence (inline text, links to the
//! bundle's files). A filter by outcome works with plain JavaScript inside the file; without
//! JavaScript every case is shown. Self-contained: nothing is loaded from the network.

use std::fmt::Write;

use super::{CaseResult, Certification, Outcome, PATTERNS};
use crate::escape;

const CSS: &str = r#"
:root{--ok:#1a7f37;--ng:#cf222e;--err:#9a6700;--skip:#8c959f;--x:#8250df;--line:#d0d7de;--fg:#1f2328}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans JP","Yu Gothic",sans-serif;color:var(--fg);line-height:1.5}
header,main{max-width:1080px;margin:0 auto;padding:12px 16px}
h1{font-size:1.35rem;margin:.3rem 0}
h2{font-size:1.1rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:1.4rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;font-size:.88rem;margin:.4rem 0}
dl.meta dt{color:#57606a}dl.meta dd{margin:0;word-break:break-all}
.pill{display:inline-block;border-radius:999px;padding:.05rem .6rem;color:#fff;font-weight:600;font-size:.82rem;white-space:nowrap}
.PASS{background:var(--ok)}.FAIL{background:var(--ng)}.ERROR{background:var(--err)}.XFAIL,.XPASS{background:var(--x)}.UNSUPPORTED,.SKIP{background:var(--skip)}
.verdict{font-size:1rem;padding:.2rem .9rem}
.scroll{overflow-x:auto;margin:.3rem 0}
table{border-collapse:collapse;font-size:.85rem;width:100%}
td.p{min-width:11em}
td,th{border:1px solid var(--line);padding:.2rem .4rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.zero{color:#afb8c1}
.filters{display:flex;flex-wrap:wrap;gap:.4rem;margin:.5rem 0}
.filters button{border:1px solid var(--line);background:#fff;border-radius:6px;padding:.15rem .6rem;cursor:pointer;font:inherit;font-size:.85rem}
.filters button[aria-pressed=true]{background:#ddf4ff;border-color:#54aeff}
details{border:1px solid var(--line);border-radius:8px;margin:.35rem 0}
details[data-outcome=FAIL],details[data-outcome=ERROR]{border-color:#ff8182}
summary{cursor:pointer;padding:.4rem .6rem;display:flex;gap:.5rem;align-items:baseline;flex-wrap:wrap}
summary code{font-size:.8rem;word-break:break-all}
.case{padding:.1rem .8rem .6rem;overflow-wrap:anywhere}
.case p{margin:.25rem 0;font-size:.88rem}
.k{color:#57606a}
pre{background:#f6f8fa;border:1px solid var(--line);padding:.4rem;white-space:pre-wrap;word-break:break-all;font-size:.78rem;max-height:24rem;overflow:auto}
ul.ev{padding-left:1.1rem;font-size:.85rem;margin:.2rem 0}
ul.ev a{word-break:break-all}
"#;

const SCRIPT: &str = r#"
(function(){
 var bs=document.querySelectorAll('.filters button');
 function show(o){
  document.querySelectorAll('details[data-outcome]').forEach(function(d){
   d.hidden=!(o==='all'||d.dataset.outcome===o);});
  bs.forEach(function(b){b.setAttribute('aria-pressed',b.dataset.filter===o);});
 }
 bs.forEach(function(b){b.addEventListener('click',function(){show(b.dataset.filter);});});
 document.querySelector('.filters').hidden=false;
})();
"#;

/// Renders `index.html`.
pub fn render(c: &Certification) -> String {
    let mut o = String::with_capacity(64 * 1024 + c.cases.len() * 2048);
    head(&mut o, c);
    o.push_str("<main>");
    summary(&mut o, c);
    cases(&mut o, c);
    let _ = writeln!(o, "</main><script>{SCRIPT}</script></body></html>");
    o
}

fn head(o: &mut String, c: &Certification) {
    let failing = c.has_failures();
    let nothing = c.nothing_tested();
    let _ = write!(
        o,
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>renkei certify — {}</title><style>{CSS}</style></head><body><header>\
         <h1>ケアプランデータ連携 適合確認: {}</h1>\
         <p><span class=\"pill verdict {}\">{}</span></p><dl class=\"meta\">",
        escape(&c.product()),
        escape(&c.product()),
        if failing {
            "FAIL"
        } else if nothing {
            "SKIP"
        } else {
            "PASS"
        },
        if c.error.is_some() {
            "検査できません (capabilities が契約どおりでない)"
        } else if failing {
            "不適合あり (FAIL または ERROR)"
        } else if nothing {
            "何も検査されていません (すべて SKIP または UNSUPPORTED)"
        } else {
            "FAIL・ERROR なし"
        }
    );
    let list = |k: &str| {
        c.adapter
            .get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let rows = [
        ("renkei", c.suite.renkei.clone()),
        ("標準仕様", c.suite.revisions.join(", ")),
        ("役割 roles", list("roles")),
        ("版 revisions", list("revisions")),
        ("出力 export", list("export")),
        ("取込 import", list("import")),
        ("コマンド", c.suite.command.clone()),
        ("開始", c.suite.started.clone()),
        ("終了", c.suite.finished.clone()),
        (
            "期待される失敗",
            c.suite
                .expected_failures
                .clone()
                .unwrap_or_else(|| "なし".into()),
        ),
    ];
    for (k, v) in rows {
        let _ = write!(o, "<dt>{}</dt><dd>{}</dd>", escape(k), escape(&v));
    }
    o.push_str("</dl>");
    if let Some(e) = &c.error {
        let _ = write!(o, "<pre>{}</pre>", escape(e));
    }
    o.push_str("</header>");
}

fn summary(o: &mut String, c: &Certification) {
    o.push_str(
        "<h2>パターン別の結果</h2><div class=\"scroll\"><table><thead><tr><th>パターン</th>",
    );
    for out in Outcome::ALL {
        let _ = write!(o, "<th>{}</th>", out.as_str());
    }
    o.push_str("<th>計</th></tr></thead><tbody>");
    let by = c.by_pattern();
    for (p, name) in PATTERNS {
        let row = by.get(p).cloned().unwrap_or_default();
        let _ = write!(o, "<tr><td class=\"p\">{p} {}</td>", escape(name));
        for out in Outcome::ALL {
            let n = row.get(&out).copied().unwrap_or(0);
            let class = if n == 0 { "n zero" } else { "n" };
            let _ = write!(o, "<td class=\"{class}\">{n}</td>");
        }
        let _ = write!(
            o,
            "<td class=\"n\">{}</td></tr>",
            row.values().sum::<usize>()
        );
    }
    o.push_str("<tr><th>計</th>");
    for out in Outcome::ALL {
        let _ = write!(
            o,
            "<td class=\"n\">{}</td>",
            c.summary.get(out.as_str()).copied().unwrap_or(0)
        );
    }
    let _ = write!(
        o,
        "<td class=\"n\">{}</td></tr></tbody></table></div>",
        c.cases.len()
    );
}

fn cases(o: &mut String, c: &Certification) {
    o.push_str("<h2>ケース</h2><div class=\"filters\" hidden><button data-filter=\"all\" aria-pressed=\"true\">すべて</button>");
    for out in Outcome::ALL {
        let n = c.summary.get(out.as_str()).copied().unwrap_or(0);
        if n > 0 {
            let _ = write!(
                o,
                "<button data-filter=\"{0}\" aria-pressed=\"false\">{0} {n}</button>",
                out.as_str()
            );
        }
    }
    o.push_str("</div>");
    for k in &c.cases {
        case(o, k);
    }
}

fn case(o: &mut String, k: &CaseResult) {
    let open = if k.outcome.is_failure() { " open" } else { "" };
    let _ = write!(
        o,
        "<details id=\"{}\" data-outcome=\"{}\"{open}><summary><span class=\"pill {}\">{}</span>\
         <code>{}</code><span>{}</span></summary><div class=\"case\">",
        escape(&k.id),
        k.outcome.as_str(),
        k.outcome.as_str(),
        k.outcome.as_str(),
        escape(&k.id),
        escape(&k.title)
    );
    let _ = write!(
        o,
        "<p><span class=\"k\">{} ・ {}</span></p><p>{}</p>\
         <p><span class=\"k\">規則:</span> {}</p><p><span class=\"k\">根拠:</span> {}</p>",
        escape(&k.pattern),
        escape(&k.group),
        escape(&k.message),
        escape(&k.rule),
        escape(&k.basis)
    );
    if !k.evidence.is_empty() {
        o.push_str("<ul class=\"ev\">");
        for e in &k.evidence {
            let _ = write!(o, "<li>{}", escape(&e.label));
            if let Some(p) = &e.path {
                let _ = write!(o, " — <a href=\"{}\">{}</a>", escape(p), escape(p));
            }
            if let Some(t) = &e.text {
                let _ = write!(o, "<pre>{}</pre>", escape(t));
            }
            o.push_str("</li>");
        }
        o.push_str("</ul>");
    }
    o.push_str("</div></details>");
}
