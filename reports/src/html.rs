//! `index.html`: the living documentation of a run — the flow ①–⑫ coloured by result, every
//! feature and scenario in Japanese with its steps, their status and evidence, and what the
//! run covered (flow steps, diagnostics, hub rules). One self-contained file: no scripts or
//! fonts from the network; readable on a phone and on a desktop.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::escape;
use crate::model::{
    Coverage, Evidence, EvidenceKind, Feature, FilePreview, RuleStatus, Run, Scenario, Status,
    Step, FLOW_STEPS,
};

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
.zero{background:#eaeef2;color:#57606a}
a.box{text-decoration:none}a.box:hover,a.box:focus{outline:3px solid #0969da;outline-offset:1px}
.box.failed small,.box.passed small{opacity:.95}
code,td,th,summary,h3,li{overflow-wrap:anywhere}
.prov{margin:.6rem 0}.prov table{margin:0 .6rem .6rem;width:calc(100% - 1.2rem)}.prov th{width:11rem;white-space:nowrap;background:var(--bg)}
#toc ol{margin:.2rem 0;padding-left:1.4rem}#toc li{margin:.15rem 0}#toc .st{margin-left:.4rem}
.tools{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.6rem 0;position:sticky;top:0;background:#fff;padding:.4rem 0;z-index:1;border-bottom:1px solid var(--line)}
.tools input[type=search]{flex:1 1 14rem;min-width:0;padding:.3rem .5rem;border:1px solid var(--line);border-radius:6px;font:inherit}
.tools button{font:inherit;padding:.2rem .6rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);cursor:pointer}
#shown{color:#57606a;font-size:.85rem}
figcaption{color:#57606a}
.cov .links a{margin-right:.5rem;font-size:.8rem;white-space:nowrap}
.glossary dt{font-weight:700;margin-top:.5rem}.glossary dd{margin:.1rem 0 .3rem 1rem;font-size:.9rem}
.scroll{overflow-x:auto;max-width:100%}
.ek{display:inline-block;font-size:.7rem;border:1px solid var(--line);border-radius:4px;padding:0 .3rem;margin-right:.2rem;color:#57606a;background:var(--bg)}
code.sha{font-size:.7rem;color:#6e7781}
table.diff{width:auto;min-width:60%;font-size:.82rem;margin:.2rem 0 .4rem 1.1rem}table.diff th{background:var(--bg)}
table.dt{width:auto;font-size:.8rem;margin:.2rem 0 .3rem}table.dt td{font-family:ui-monospace,monospace}
pre.doc{background:var(--bg);border:1px solid var(--line);padding:.3rem .5rem;margin:.2rem 0;font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere}
.pv{margin:.15rem 0 .5rem;border:1px solid var(--line);border-radius:6px;max-width:100%}
.pv table{width:auto;margin:0;font-size:.76rem}.pv th,.pv td{white-space:nowrap;overflow-wrap:normal}.pv th{background:var(--bg);font-weight:600}
.pvh{margin:0;padding:.15rem .4rem;font-size:.76rem;color:#57606a;border-bottom:1px solid var(--line)}
.rules .counts{display:flex;flex-wrap:wrap;gap:.4rem;margin:.3rem 0;padding:0;list-style:none}
.rules .counts a{display:inline-block;border:1px solid var(--line);border-radius:6px;padding:.15rem .5rem;text-decoration:none;color:var(--fg);background:var(--bg)}
.rules .counts b{font-size:1.05rem;margin-right:.2rem}
.rules details{margin:.35rem 0}.rules table{margin:0;font-size:.8rem}
.rules td:first-child{white-space:nowrap}.rules .seen{color:var(--ok);font-weight:600}
.rs-checked{border-left:4px solid var(--ok)}.rs-assumed{border-left:4px solid #bf8700}.rs-open{border-left:4px solid var(--ng)}.rs-not_checkable{border-left:4px solid var(--skip)}
.codes a{color:inherit;text-decoration:none}
@media (max-width:640px){.prov th{width:auto;white-space:normal}
.rules table,.rules tbody,.rules tr,.rules td{display:block;width:auto}.rules tr:first-child{display:none}
.rules tr{border-bottom:1px solid var(--line);padding:.3rem .4rem}.rules td{border:0;padding:.05rem 0}.rules td:first-child{font-weight:700}}
"#;

/// The small script of the tools: search, "failures only", expand and collapse all, and
/// opening the scenario a link points to. Plain JavaScript; the page is complete without it.
const SCRIPT: &str = r#"
(function(){
  var tools=document.getElementById('tools');if(!tools)return;tools.hidden=false;
  var q=document.getElementById('q'),only=document.getElementById('only-failed'),shown=document.getElementById('shown');
  var items=[].slice.call(document.querySelectorAll('details.sc'));
  var sections=[].slice.call(document.querySelectorAll('section.feature'));
  function apply(){
    var t=q.value.trim().toLowerCase(),n=0;
    items.forEach(function(d){
      var ok=(!only.checked||d.getAttribute('data-status')!=='passed')&&(!t||d.textContent.toLowerCase().indexOf(t)>=0);
      d.hidden=!ok;if(ok)n++;if(ok&&t)d.open=true;
    });
    sections.forEach(function(s){
      var any=s.querySelector('details.sc:not([hidden])')||s.querySelector('pre.err');
      s.hidden=!any;
    });
    shown.textContent=n+' / '+items.length+' シナリオ';
  }
  q.addEventListener('input',apply);only.addEventListener('change',apply);
  document.getElementById('open-all').addEventListener('click',function(){items.forEach(function(d){d.open=true;});});
  document.getElementById('close-all').addEventListener('click',function(){items.forEach(function(d){d.open=false;});});
  function reveal(){
    var id=decodeURIComponent(location.hash.slice(1));var el=id&&document.getElementById(id);
    if(!el)return;
    var d=el.tagName==='DETAILS'?el:el.closest('details');if(!d)return;
    for(;d;d=d.parentElement&&d.parentElement.closest('details')){d.hidden=false;d.open=true;}
    var s=el.closest('section.feature');if(s)s.hidden=false;el.scrollIntoView();
  }
  window.addEventListener('hashchange',reveal);reveal();apply();
})();
"#;

/// The glossary (用語集): (term, meaning), from `glossary.tsv`.
fn glossary_terms() -> impl Iterator<Item = (&'static str, &'static str)> {
    include_str!("../glossary.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
}

/// The glossary: the words of the standard a reader meets in the scenarios.
fn glossary(o: &mut String) {
    o.push_str("<h2 id=\"glossary\">用語集</h2><dl class=\"glossary\">");
    for (term, meaning) in glossary_terms() {
        let _ = write!(o, "<dt>{}</dt><dd>{}</dd>", escape(term), escape(meaning));
    }
    o.push_str("</dl>");
}

fn status_class(s: Status) -> &'static str {
    s.as_str()
}

/// Renders the whole page: the header with the provenance, the table of contents, the flow,
/// each feature, the glossary, the coverage, and the small script of the tools.
pub fn render(run: &Run) -> String {
    let mut o = String::new();
    header(&mut o, run);
    provenance(&mut o, run);
    toc(&mut o, run);
    flow(&mut o, run);
    o.push_str("<h2 id=\"features\">機能とシナリオ</h2>");
    tools(&mut o);
    for f in &run.features {
        feature(&mut o, f);
    }
    glossary(&mut o);
    coverage(&mut o, run);
    let _ = writeln!(o, "</main><script>{SCRIPT}</script></body></html>");
    o
}

/// The document head, the title and the summary pills (the run's verdict and its counts); a
/// count of zero failures is shown in grey, never red.
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
    let count_class = |n: usize, class: &'static str| if n == 0 { "zero" } else { class };
    let _ = write!(
        o,
        "<header><h1>{}</h1><p>実行開始 {} ・ 所要 {:.1} 秒</p><div class=\"summary\">\
         <span class=\"pill {}\" id=\"verdict\">{}</span><span class=\"pill {}\">成功 {passed}</span>\
         <span class=\"pill {}\" id=\"failed-count\">失敗 {failed}</span><span class=\"pill {}\">未実行 {skipped}</span></div></header><main>",
        escape(&run.title),
        escape(&run.started_at),
        run.duration_ms as f64 / 1000.0,
        status_class(overall),
        if run.passed() { "全シナリオ成功" } else { "失敗あり" },
        count_class(passed, "passed"),
        count_class(failed, "failed"),
        count_class(skipped, "skipped"),
    );
}

/// The run's provenance (由来): what produced this evidence, on what, when.
fn provenance(o: &mut String, run: &Run) {
    o.push_str("<details class=\"prov\" id=\"provenance\"><summary><strong>この記録の由来</strong><small>バージョン・コミット・標準仕様の版・コマンドライン・時計</small></summary><table>");
    for (key, label, value) in run.provenance_rows() {
        let shown = match (key, value.is_empty()) {
            ("run.tags", true) => "（なし：全シナリオ）".to_string(),
            (_, true) => "—".to_string(),
            _ => value,
        };
        let _ = write!(
            o,
            "<tr><th>{}</th><td><code data-key=\"{key}\">{}</code></td></tr>",
            escape(label),
            escape(&shown)
        );
    }
    o.push_str("</table></details>");
}

/// The table of contents: each feature with its scenarios' outcome, linked to its section.
fn toc(o: &mut String, run: &Run) {
    o.push_str("<nav id=\"toc\" aria-label=\"目次\"><h2>目次</h2><ol>");
    for f in &run.features {
        let bad = f
            .scenarios
            .iter()
            .filter(|s| s.status() != Status::Passed)
            .count()
            + usize::from(f.parse_error.is_some());
        let mark = if bad == 0 {
            "<span class=\"st passed\">成功</span>".to_string()
        } else {
            format!("<span class=\"st failed\">失敗・未実行 {bad}</span>")
        };
        let _ = write!(
            o,
            "<li><a href=\"#{}\">{}</a> <small>{} シナリオ</small>{mark}</li>",
            feature_anchor(f),
            escape(&f.name),
            f.scenarios.len()
        );
    }
    o.push_str("</ol></nav>");
}

/// The buttons and the search box. Hidden until the script shows them, so the page reads
/// the same without JavaScript (every scenario listed, failures open).
fn tools(o: &mut String) {
    o.push_str(
        "<div id=\"tools\" class=\"tools\" hidden>\
         <input type=\"search\" id=\"q\" placeholder=\"検索（シナリオ名・ID・手順・証跡）\" aria-label=\"検索\">\
         <label><input type=\"checkbox\" id=\"only-failed\"> 失敗・未実行だけ</label>\
         <button type=\"button\" id=\"open-all\">すべて開く</button>\
         <button type=\"button\" id=\"close-all\">すべて閉じる</button>\
         <span id=\"shown\" aria-live=\"polite\"></span></div>",
    );
}

/// The anchor of a feature's section (its file name without the extension).
fn feature_anchor(f: &Feature) -> String {
    let stem = f.path.rsplit('/').next().unwrap_or(&f.path);
    let stem = stem.strip_suffix(".feature").unwrap_or(stem);
    format!("f-{}", anchor_safe(stem))
}

/// The anchor of a scenario's `<details>`.
fn scenario_anchor(id: &str) -> String {
    format!("sc-{}", anchor_safe(id))
}

/// Keeps letters, digits, `.`, `-` and `_`; anything else becomes `_`.
fn anchor_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The flow diagram ①–⑫ in its two lanes (予定, 実績), each box coloured by its status and
/// linked to the list of the scenarios that exercise it.
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
            Some(Status::Skipped) => ("none", "未実行"),
            Some(s) => (status_class(s), s.japanese()),
            None => ("none", "対象外"),
        };
        let count = run.coverage.flow_scenarios.get(*n).map_or(0, Vec::len);
        let _ = write!(
            o,
            "<a class=\"box {class}\" href=\"#flow-{}\" data-step=\"{n}\" data-status=\"{}\"><b>{n}</b><span>{}</span><small>{label}・{count} シナリオ</small></a>",
            i + 1,
            st.map_or("none", |s| s.as_str()),
            escape(name)
        );
    }
    o.push_str("</div><figcaption><small>赤: どこかのシナリオがこの手順か、その直後の確認で失敗 ・ 緑: どこかで成功し失敗はなし ・ 灰: 実行されていない。②③・⑧⑨: 運用ではクライアントへの取込と連携基盤への送信の二段階ですが、連携基盤の API では一つの要求です（③⑨では送信一覧で送信を確かめます）。箱を押すと、その手順を通るシナリオの一覧へ。</small></figcaption></figure>");
}

/// One feature: its title and description, a parse error if any, then its scenarios.
fn feature(o: &mut String, f: &Feature) {
    let _ = write!(
        o,
        "<section id=\"{}\" class=\"feature\"><h3>{}{} <code>{}</code></h3>",
        feature_anchor(f),
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
        "<details class=\"sc\" id=\"{}\"{} data-id=\"{}\" data-status=\"{}\"><summary><span class=\"pill {}\">{}</span><strong>{}</strong><code>{}</code></summary><ol class=\"steps\">",
        scenario_anchor(&s.id_or_name()),
        if matches!(st, Status::Failed | Status::Undefined) { " open" } else { "" },
        escape(&s.id_or_name()),
        st.as_str(),
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
    step_argument(o, step);
    if let Some(e) = &step.error {
        let _ = write!(o, "<pre class=\"err\">{}</pre>", escape(e));
    }
    evidence(o, &step.evidence);
    o.push_str("</li>");
}

/// A step's Gherkin argument as the feature wrote it: its data table as a table, its doc
/// string as preformatted text.
fn step_argument(o: &mut String, step: &Step) {
    if !step.table.is_empty() {
        o.push_str("<div class=\"scroll\"><table class=\"dt\">");
        for row in &step.table {
            o.push_str("<tr>");
            for cell in row {
                let _ = write!(o, "<td>{}</td>", escape(cell));
            }
            o.push_str("</tr>");
        }
        o.push_str("</table></div>");
    }
    if let Some(d) = &step.docstring {
        let _ = write!(o, "<pre class=\"doc\">{}</pre>", escape(d));
    }
}

/// The first records of a file as a table under its evidence line: the items' Japanese names
/// as the header, scrolling inside its own box when it is wider than the page.
fn file_preview(o: &mut String, p: &FilePreview) {
    let _ = write!(
        o,
        "<div class=\"pv\" data-kind=\"{}\"><p class=\"pvh\">{} {} — 先頭 {} 件 / 全 {} 件</p><div class=\"scroll\"><table><thead><tr>",
        escape(&p.kind),
        escape(&p.kind),
        escape(&p.title),
        p.rows.len(),
        p.records
    );
    for c in &p.columns {
        let _ = write!(o, "<th scope=\"col\">{}</th>", escape(c));
    }
    o.push_str("</tr></thead><tbody>");
    for row in &p.rows {
        o.push_str("<tr>");
        for i in 0..p.columns.len().max(row.len()) {
            let _ = write!(
                o,
                "<td>{}</td>",
                escape(row.get(i).map_or("", String::as_str))
            );
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table></div></div>");
}

/// A step's evidence: differences between 予定 and 実績 as one table (利用者名, サービス名,
/// 日付, 時間), each hub exchange once (the hub's log line that says the same is folded into
/// it), everything else one line each. Structured data stays in cucumber.json.
fn evidence(o: &mut String, list: &[Evidence]) {
    if list.is_empty() {
        return;
    }
    let differences: Vec<&Evidence> = list
        .iter()
        .filter(|e| e.data.get("difference").is_some())
        .collect();
    let exchanges: Vec<String> = list
        .iter()
        .filter(|e| e.kind == EvidenceKind::Hub)
        .filter_map(exchange_key)
        .collect();
    o.push_str("<ul class=\"ev\">");
    for e in list {
        if e.data.get("difference").is_some() {
            continue;
        }
        if e.kind == EvidenceKind::HubLog && log_key(e).is_some_and(|k| exchanges.contains(&k)) {
            continue; // the same exchange as a hub line of this step
        }
        let extra = match e.kind {
            EvidenceKind::File => e.data["sha256"]
                .as_str()
                .map(|h| format!(" <code class=\"sha\">sha256 {}</code>", escape(h)))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let _ = write!(
            o,
            "<li><span class=\"ek\">{}</span> {}{extra}",
            kind_label(e.kind),
            escape(&e.text)
        );
        if let Some(p) = e.preview() {
            file_preview(o, &p);
        }
        o.push_str("</li>");
    }
    o.push_str("</ul>");
    if !differences.is_empty() {
        o.push_str("<div class=\"scroll\"><table class=\"diff\"><tr><th>差</th><th>利用者名</th><th>サービス名</th><th>日付</th><th>時間</th></tr>");
        for d in differences {
            let cell = |k: &str| escape(d.data[k].as_str().unwrap_or(""));
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                cell("difference"),
                cell("user_name"),
                cell("service_name"),
                cell("date"),
                cell("time")
            );
        }
        o.push_str("</table></div>");
    }
}

/// The Japanese word for an evidence kind, as the report shows it.
fn kind_label(k: EvidenceKind) -> &'static str {
    match k {
        EvidenceKind::File => "ファイル",
        EvidenceKind::Hub => "連携基盤",
        EvidenceKind::HubLog => "連携基盤の記録",
        EvidenceKind::Diagnostic => "検証",
        EvidenceKind::Clock => "時計",
        EvidenceKind::Note => "メモ",
    }
}

/// `office METHOD path-without-query status` of a hub exchange the client saw.
fn exchange_key(e: &Evidence) -> Option<String> {
    let d = &e.data;
    let path = d["path"].as_str()?;
    Some(format!(
        "{} {} {} {}",
        d["office"].as_str()?,
        d["method"].as_str()?,
        path.split('?').next().unwrap_or(path),
        d["status"].as_u64()?
    ))
}

/// The same key from a hub log line (`time office METHOD path status OUTCOME`).
fn log_key(e: &Evidence) -> Option<String> {
    let mut w = e.text.split_whitespace();
    let (_time, office, method, path, status) =
        (w.next()?, w.next()?, w.next()?, w.next()?, w.next()?);
    status.parse::<u64>().ok()?;
    Some(format!(
        "{office} {method} {} {status}",
        path.split('?').next().unwrap_or(path)
    ))
}

/// What the run covered: the flow steps by result, then the diagnostic codes and the hub's
/// rules, each code marked when some evidence showed it.
fn coverage(o: &mut String, run: &Run) {
    o.push_str("<h2 id=\"coverage\">網羅状況</h2><table class=\"cov\"><tr><th>手順</th><th>結果</th><th>通るシナリオ</th></tr>");
    for (i, (n, name)) in FLOW_STEPS.iter().enumerate() {
        let st = match run.coverage.flow_steps.get(*n) {
            Some(Status::Skipped) => "未実行",
            Some(s) => s.japanese(),
            None => "対象外",
        };
        let links: Vec<String> = run
            .coverage
            .flow_scenarios
            .get(*n)
            .into_iter()
            .flatten()
            .map(|id| format!("<a href=\"#{}\">{}</a>", scenario_anchor(id), escape(id)))
            .collect();
        let _ = write!(
            o,
            "<tr id=\"flow-{}\"><td>{n} {}</td><td>{st}</td><td class=\"links\">{}</td></tr>",
            i + 1,
            escape(name),
            links.join(" ")
        );
    }
    o.push_str("</table>");
    rules(o, &run.coverage);
    let rule_of = |code: &str| {
        run.coverage
            .rules
            .iter()
            .find(|r| r.codes.iter().any(|c| c == code))
            .map(|r| r.id.clone())
    };
    codes(
        o,
        "診断コード",
        &run.coverage.all_diagnostics,
        &run.coverage.diagnostics,
        &rule_of,
    );
    codes(
        o,
        "連携基盤の規則（エラーコード・TLSアラート）",
        &run.coverage.all_hub_rules,
        &run.coverage.hub_rules,
        &|_| None,
    );
}

/// The anchor of a rule's row.
fn rule_anchor(id: &str) -> String {
    format!("rule-{}", anchor_safe(id))
}

/// The standard's rules (規定) from the rule inventory: how many are stated, checked,
/// checked on an assumption, not checked yet and not checkable from files, each group a
/// section one can link to (`#rules-checked`, …) listing its rules with their codes, the
/// codes this run showed marked.
fn rules(o: &mut String, c: &Coverage) {
    if c.rules.is_empty() {
        return;
    }
    let counts = c.rule_counts();
    let _ = write!(
        o,
        "<section class=\"rules\" id=\"rules\"><h3>標準仕様の規定（第{}版）: {} 件</h3><ul class=\"counts\">",
        escape(&c.rules_revision),
        c.rules.len()
    );
    for (status, n) in &counts {
        let _ = write!(
            o,
            "<li><a class=\"rs-{0}\" href=\"#rules-{0}\" data-status=\"{0}\"><b>{n}</b>{1}</a></li>",
            status.as_str(),
            status.japanese()
        );
    }
    let seen = c.rules.iter().filter(|r| c.rule_exercised(r)).count();
    let _ = write!(
        o,
        "</ul><p><small>検査する規定のうち {seen} 件は、この実行のシナリオでも診断が出たことを確かめました（<span class=\"seen\">●</span>）。規定の一覧は <code>renkei spec --rules</code> でも見られます。</small></p>"
    );
    for (status, n) in counts {
        if n == 0 {
            continue;
        }
        let _ = write!(
            o,
            "<details id=\"rules-{0}\" class=\"rs-{0}\"><summary><strong>{1}</strong> <small>{n} 件</small></summary><div class=\"scroll\"><table><tr><th>ID</th><th>場所</th><th>規定（本文）</th><th>{2}</th></tr>",
            status.as_str(),
            status.japanese(),
            match status {
                RuleStatus::Checked | RuleStatus::Assumed => "診断コード",
                RuleStatus::Open | RuleStatus::NotCheckable => "理由",
            }
        );
        for r in c.rules.iter().filter(|r| r.status == status) {
            let mut last = String::new();
            for code in &r.codes {
                let mark = if c.diagnostics.contains_key(code) {
                    "<span class=\"seen\" title=\"この実行で出た\">●</span>"
                } else {
                    ""
                };
                let _ = write!(last, "<code>{}</code>{mark} ", escape(code));
            }
            if let Some(a) = &r.assumption {
                let _ = write!(last, "<br><small>前提: {}</small>", escape(a));
            }
            if let Some(n) = r.note.as_ref().filter(|_| r.codes.is_empty()) {
                let _ = write!(last, "{}", escape(n));
            }
            let _ = write!(
                o,
                "<tr id=\"{}\"><td><code>{}</code></td><td>{}</td><td>「{}」</td><td>{last}</td></tr>",
                rule_anchor(&r.id),
                escape(&r.id),
                escape(&r.place),
                escape(&r.quote)
            );
        }
        o.push_str("</table></div></details>");
    }
    o.push_str("</section>");
}

/// One family of codes: every code there is (hit or not), then codes seen that the family does
/// not list, so nothing seen is hidden.
fn codes(
    o: &mut String,
    title: &str,
    all: &[String],
    seen: &BTreeMap<String, usize>,
    rule_of: &dyn Fn(&str) -> Option<String>,
) {
    let hit = all.iter().filter(|c| seen.contains_key(*c)).count();
    let _ = write!(
        o,
        "<h3>{title}: {hit} / {}</h3><div class=\"codes\">",
        all.len()
    );
    for c in all {
        // A code links to the rule that states it, when the inventory has one.
        let text = match rule_of(c) {
            Some(id) => format!("<a href=\"#{}\">{}</a>", rule_anchor(&id), escape(c)),
            None => escape(c),
        };
        match seen.get(c) {
            Some(n) => {
                let _ = write!(o, "<span class=\"hit\" title=\"{n} 回\">{text}</span>");
            }
            None => {
                let _ = write!(o, "<span>{text}</span>");
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
