//! `index.html`: the living documentation of a run — the flow ①–⑫ coloured by result, every
//! feature and scenario in Japanese with its steps, their status and evidence, and what the
//! run covered (flow steps, diagnostics, hub rules). One self-contained file: no scripts or
//! fonts from the network; readable on a phone and on a desktop.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::escape;
use crate::model::{Feature, Run, Scenario, Status, Step, FLOW_STEPS};

const CSS: &str = r#"
:root{--ok:#1a7f37;--ng:#cf222e;--skip:#8c959f;--bg:#f6f8fa;--fg:#1f2328;--line:#d0d7de}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans JP","Yu Gothic",sans-serif;color:var(--fg);background:#fff;line-height:1.55}
header,main{max-width:1080px;margin:0 auto;padding:12px 16px}
h1{font-size:1.4rem;margin:.4rem 0}
h2{font-size:1.15rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:1.6rem}
h3{font-size:1.02rem;margin:.8rem 0 .3rem}
.summary{display:flex;gap:.6rem;flex-wrap:wrap}
.pill{border-radius:999px;padding:.1rem .7rem;color:#fff;font-weight:600;font-size:.9rem}
.passed{background:var(--ok)}.failed{background:var(--ng)}.skipped{background:var(--skip)}.undefined{background:#bf8700}
.flow{display:grid;grid-template-columns:repeat(6,1fr);gap:6px;margin:.6rem 0}
.lane{grid-column:1/-1;font-size:.85rem;color:#57606a;margin-top:.3rem}
.box{border-radius:8px;padding:.45rem .3rem;color:#fff;text-align:center;font-size:.82rem;min-height:4.2rem;display:flex;flex-direction:column;justify-content:center;position:relative}
.box b{font-size:1.35rem;line-height:1}
.box.none{background:#eaeef2;color:#57606a}
@media (max-width:640px){.flow{grid-template-columns:repeat(3,1fr)}}
details{border:1px solid var(--line);border-radius:8px;margin:.4rem 0;background:#fff}
summary{cursor:pointer;padding:.45rem .6rem;display:flex;gap:.5rem;align-items:baseline;flex-wrap:wrap}
summary code{font-size:.8rem;color:#57606a}
ol.steps{margin:0;padding:.2rem .8rem .6rem 2.2rem}
ol.steps li{margin:.25rem 0}
.kw{color:#8250df;font-weight:600;margin-right:.35em}
.st{font-size:.75rem;border-radius:4px;padding:0 .35rem;color:#fff;margin-left:.3rem}
.bg{color:#57606a}
ul.ev{margin:.15rem 0 .2rem 0;padding-left:1.1rem;font-size:.82rem;color:#3b434b}
ul.ev code{font-size:.76rem;word-break:break-all}
pre.err{background:#ffebe9;border:1px solid #ffcecb;padding:.4rem;white-space:pre-wrap;font-size:.8rem}
table{border-collapse:collapse;font-size:.85rem;margin:.3rem 0;width:100%}
td,th{border:1px solid var(--line);padding:.2rem .4rem;text-align:left;vertical-align:top}
.codes{display:flex;flex-wrap:wrap;gap:4px;font-size:.76rem}
.codes span{border-radius:4px;padding:0 .3rem;border:1px solid var(--line)}
.codes .hit{background:#dafbe1;border-color:#aceebb}
.desc{white-space:pre-wrap;color:#3b434b;font-size:.9rem}
"#;

fn status_class(s: Status) -> &'static str {
    s.as_str()
}

/// Renders the whole page: the header, the flow, each feature, the coverage.
pub fn render(run: &Run) -> String {
    let mut o = String::new();
    header(&mut o, run);
    flow(&mut o, run);
    o.push_str("<h2>機能とシナリオ</h2>");
    for f in &run.features {
        feature(&mut o, f);
    }
    coverage(&mut o, run);
    o.push_str("</main></body></html>\n");
    o
}

/// The document head, the title and the summary pills (the run's verdict and its counts).
fn header(o: &mut String, run: &Run) {
    let (passed, failed, skipped) = run.counts();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body>",
        escape(&run.title)
    );
    let overall = if run.passed() {
        Status::Passed
    } else {
        Status::Failed
    };
    let _ = write!(
        o,
        "<header><h1>{}</h1><p>実行開始 {} ・ 所要 {:.1} 秒</p><div class=\"summary\">\
         <span class=\"pill {}\">{}</span><span class=\"pill passed\">成功 {passed}</span>\
         <span class=\"pill failed\">失敗 {failed}</span><span class=\"pill skipped\">未実行 {skipped}</span></div></header><main>",
        escape(&run.title),
        escape(&run.started_at),
        run.duration_ms as f64 / 1000.0,
        status_class(overall),
        if run.passed() { "全シナリオ成功" } else { "失敗あり" }
    );
}

/// The flow diagram ①–⑫ in its two lanes (予定, 実績), each box coloured by its status.
fn flow(o: &mut String, run: &Run) {
    o.push_str("<h2 id=\"flow-title\">連携の流れ ①〜⑫</h2><figure id=\"flow\" aria-labelledby=\"flow-title\" style=\"margin:0\"><div class=\"flow\">");
    for (i, (n, name)) in FLOW_STEPS.iter().enumerate() {
        if i == 0 {
            o.push_str(
                "<div class=\"lane\">予定: 居宅介護支援事業所 → 連携基盤 → サービス事業所</div>",
            );
        }
        if i == 6 {
            o.push_str(
                "<div class=\"lane\">実績: サービス事業所 → 連携基盤 → 居宅介護支援事業所</div>",
            );
        }
        let st = run.coverage.flow_steps.get(*n).copied();
        let (class, label) = match st {
            Some(s) => (status_class(s), s.japanese()),
            None => ("none", "対象外"),
        };
        let _ = write!(
            o,
            "<div class=\"box {class}\" data-step=\"{n}\" data-status=\"{}\"><b>{n}</b><span>{}</span><small>{label}</small></div>",
            st.map_or("none", |s| s.as_str()),
            escape(name)
        );
    }
    o.push_str("</div></figure>");
}

/// One feature: its title and description, a parse error if any, then its scenarios.
fn feature(o: &mut String, f: &Feature) {
    let _ = write!(
        o,
        "<section><h3>{}{} <code>{}</code></h3>",
        escape(&f.keyword),
        if f.keyword.is_empty() {
            String::new()
        } else {
            ": ".into()
        } + &escape(&f.name),
        escape(&f.path)
    );
    if !f.description.trim().is_empty() {
        let _ = write!(o, "<p class=\"desc\">{}</p>", escape(f.description.trim()));
    }
    if let Some(e) = &f.parse_error {
        let _ = write!(o, "<pre class=\"err\">{}</pre>", escape(e));
    }
    for s in &f.scenarios {
        scenario(o, s);
    }
    o.push_str("</section>");
}

/// One scenario as a `<details>` (open when it failed), named by its ID, with its steps.
fn scenario(o: &mut String, s: &Scenario) {
    let st = s.status();
    let _ = write!(
        o,
        "<details{} data-id=\"{}\"><summary><span class=\"pill {}\">{}</span><strong>{}</strong><code>{}</code></summary><ol class=\"steps\">",
        if st == Status::Failed { " open" } else { "" },
        escape(&s.id_or_name()),
        status_class(st),
        st.japanese(),
        escape(&s.name),
        escape(&s.id_or_name())
    );
    for x in &s.steps {
        step(o, x);
    }
    o.push_str("</ol></details>");
}

/// One step: keyword, text, status and time, its error, then its evidence.
fn step(o: &mut String, step: &Step) {
    let _ = write!(
        o,
        "<li{}><span class=\"kw\">{}</span>{}<span class=\"st {}\">{}</span> <small>{} ms</small>",
        if step.background { " class=\"bg\"" } else { "" },
        escape(step.keyword.trim()),
        escape(&step.text),
        status_class(step.status),
        step.status.japanese(),
        step.duration_ms
    );
    if let Some(e) = &step.error {
        let _ = write!(o, "<pre class=\"err\">{}</pre>", escape(e));
    }
    if !step.evidence.is_empty() {
        o.push_str("<ul class=\"ev\">");
        for e in &step.evidence {
            let data = if e.data.is_null() {
                String::new()
            } else {
                format!(" <code>{}</code>", escape(&e.data.to_string()))
            };
            let _ = write!(
                o,
                "<li>[{}] {}{data}</li>",
                escape(e.kind.as_str()),
                escape(&e.text)
            );
        }
        o.push_str("</ul>");
    }
    o.push_str("</li>");
}

/// What the run covered: the flow steps by result, then the diagnostic codes and the hub's
/// rules, each code marked when some evidence showed it.
fn coverage(o: &mut String, run: &Run) {
    o.push_str("<h2>網羅状況</h2><table><tr><th>手順</th><th>結果</th></tr>");
    for (n, name) in FLOW_STEPS {
        let st = run
            .coverage
            .flow_steps
            .get(n)
            .map_or("対象外", |s| s.japanese());
        let _ = write!(o, "<tr><td>{n} {}</td><td>{st}</td></tr>", escape(name));
    }
    o.push_str("</table>");
    codes(
        o,
        "診断コード",
        &run.coverage.all_diagnostics,
        &run.coverage.diagnostics,
    );
    codes(
        o,
        "連携基盤の規則（エラーコード・TLSアラート）",
        &run.coverage.all_hub_rules,
        &run.coverage.hub_rules,
    );
}

/// One family of codes: every code there is (hit or not), then codes seen that the family does
/// not list, so nothing seen is hidden.
fn codes(o: &mut String, title: &str, all: &[String], seen: &BTreeMap<String, usize>) {
    let hit = all.iter().filter(|c| seen.contains_key(*c)).count();
    let _ = write!(
        o,
        "<h3>{title}: {hit} / {}</h3><div class=\"codes\">",
        all.len()
    );
    for c in all {
        match seen.get(c) {
            Some(n) => {
                let _ = write!(
                    o,
                    "<span class=\"hit\" title=\"{n} 回\">{}</span>",
                    escape(c)
                );
            }
            None => {
                let _ = write!(o, "<span>{}</span>", escape(c));
            }
        }
    }
    for (c, n) in seen.iter().filter(|(c, _)| !all.contains(c)) {
        let _ = write!(
            o,
            "<span class=\"hit\" title=\"{n} 回\">{}</span>",
            escape(c)
        );
    }
    o.push_str("</div>");
}
