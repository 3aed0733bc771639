//! The step catalogue (手順の一覧) behind `renkei steps`: every step pattern the scenarios
//! understand, each with an example line a user can paste into a feature of their own.
//!
//! Nothing here is a copy that can drift. The patterns are cucumber's own registry of the
//! `#[given]`, `#[when]` and `#[then]` definitions (what the runner matches against), so a
//! step added anywhere under `src/steps/` is listed as soon as it is compiled in. The
//! examples are lines of the shipped features (`features/`, embedded at build time) that use
//! the pattern: the first one in file order, with its data table or doc string. A pattern no
//! feature uses takes its example from its definition's doc comment, a line
//! `/// 例: 前提 …` (the keyword, then the text; table rows follow as `/// | … |` lines).
//! A test holds every pattern to an example and every example to its pattern.

use std::collections::BTreeMap;

use cucumber::codegen::{StepConstructor as _, WorldInventory};
use cucumber::feature::Ext as _;
use cucumber::gherkin::{self, GherkinEnv, StepType};
use cucumber::World as _;
use regex::Regex;
use serde::Serialize;

use crate::world::RenkeiWorld;

include!(concat!(env!("OUT_DIR"), "/embedded_steps.rs"));

/// The Gherkin keyword a step is written under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Keyword {
    /// 前提 (Given): how things stand before.
    Given,
    /// もし (When): what someone does.
    When,
    /// ならば (Then): what must then hold.
    Then,
}

impl Keyword {
    /// The Japanese keyword (`# language: ja`): 前提, もし, ならば.
    pub fn japanese(self) -> &'static str {
        match self {
            Keyword::Given => "前提",
            Keyword::When => "もし",
            Keyword::Then => "ならば",
        }
    }

    fn of(ty: StepType) -> Keyword {
        match ty {
            StepType::Given => Keyword::Given,
            StepType::When => Keyword::When,
            StepType::Then => Keyword::Then,
        }
    }

    /// The keyword written at the start of a line (前提, もし, ならば, or the English ones).
    fn parse(word: &str) -> Option<Keyword> {
        match word {
            "前提" | "Given" => Some(Keyword::Given),
            "もし" | "When" => Some(Keyword::When),
            "ならば" | "Then" => Some(Keyword::Then),
            _ => None,
        }
    }
}

/// Where an example comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Origin {
    /// A line of a shipped feature: `file:line`.
    Feature {
        /// `01-flow-yotei.feature:11`.
        at: String,
    },
    /// The `例:` line of the definition's doc comment.
    DocComment,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Feature { at } => f.write_str(at),
            Origin::DocComment => f.write_str("doc comment"),
        }
    }
}

/// One example of a step, as it is written in a feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// The keyword it is written under.
    pub keyword: Keyword,
    /// The step's text after the keyword.
    pub text: String,
    /// Its data table (rows of cells), empty when it has none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub table: Vec<Vec<String>>,
    /// Its doc string, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docstring: Option<String>,
    /// Where it comes from.
    pub origin: Origin,
    /// The example as feature lines to paste: keyword and text, then its table or doc string
    /// ([`Example::gherkin`] without indentation).
    pub lines: String,
}

impl Example {
    fn new(
        keyword: Keyword,
        text: String,
        table: Vec<Vec<String>>,
        docstring: Option<String>,
        origin: Origin,
    ) -> Example {
        let mut e = Example {
            keyword,
            text,
            table,
            docstring,
            origin,
            lines: String::new(),
        };
        e.lines = e.gherkin("");
        e
    }

    /// The example as feature lines, each indented by `indent`: the keyword and text, then
    /// the table rows or the doc string two spaces further in.
    pub fn gherkin(&self, indent: &str) -> String {
        let mut out = format!("{indent}{} {}\n", self.keyword.japanese(), self.text);
        for row in &self.table {
            out.push_str(&format!("{indent}  | {} |\n", row.join(" | ")));
        }
        if let Some(d) = &self.docstring {
            out.push_str(&format!("{indent}  \"\"\"\n"));
            for l in d.lines() {
                out.push_str(&format!("{indent}  {l}\n"));
            }
            out.push_str(&format!("{indent}  \"\"\"\n"));
        }
        out
    }

    /// The example as the runner sees a step (for matching it against the patterns).
    fn step(&self) -> gherkin::Step {
        gherkin::Step {
            keyword: format!("{} ", self.keyword.japanese()),
            ty: match self.keyword {
                Keyword::Given => StepType::Given,
                Keyword::When => StepType::When,
                Keyword::Then => StepType::Then,
            },
            value: self.text.clone(),
            docstring: self.docstring.clone(),
            table: (!self.table.is_empty()).then(|| gherkin::Table {
                rows: self.table.clone(),
                span: Default::default(),
                position: Default::default(),
            }),
            span: Default::default(),
            position: Default::default(),
        }
    }
}

/// One step pattern and what a user needs to write it.
#[derive(Debug, Clone, Serialize)]
pub struct StepPattern {
    /// The module of `src/steps/` that defines it (`setup`, `flow`, `failures`, …).
    pub module: String,
    /// The keywords it may be written under.
    pub keywords: Vec<Keyword>,
    /// The regular expression cucumber matches the step's text against.
    pub pattern: String,
    /// The pattern for people: `日時を「…」に固定する` (N a number, YYYYMM a month, …).
    pub template: String,
    /// What its doc comment says, without the example lines.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub doc: String,
    /// The definition: `scenarios/src/steps/setup.rs:14`.
    pub source: String,
    /// The example to paste: from a shipped feature, else from the doc comment.
    pub example: Option<Example>,
    /// The examples the doc comment gives (checked like the others).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub doc_examples: Vec<Example>,
    /// How many step lines of the shipped features use it.
    pub uses: usize,
}

impl StepPattern {
    /// Whether `step`'s text matches this pattern under this keyword.
    pub fn matches(&self, keyword: Keyword, text: &str) -> bool {
        self.keywords.contains(&keyword)
            && Regex::new(&self.pattern).is_ok_and(|r| r.is_match(text))
    }
}

/// A module of step definitions, its doc line and its patterns in definition order.
#[derive(Debug, Clone, Serialize)]
pub struct Module {
    /// `setup`, `flow`, `failures`, …
    pub name: String,
    /// The first line of its module doc comment.
    pub doc: String,
    /// Its patterns, in the order they are defined.
    pub steps: Vec<StepPattern>,
}

/// The modules in reading order: the background first, then the flow, then the refusals,
/// then any other module by name.
fn module_rank(name: &str) -> (usize, String) {
    let known = ["setup", "flow", "failures"];
    (
        known.iter().position(|k| *k == name).unwrap_or(known.len()),
        name.to_string(),
    )
}

/// The file name of a definition's path (`scenarios/src/steps/flow.rs` → `flow.rs`).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The embedded source of a step module, by its file name.
fn source_of(path: &str) -> Option<&'static str> {
    let name = file_name(path);
    STEP_SOURCES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// The doc comment above the definition whose attribute stands at `line` (1-based): the
/// `///` lines above it, over the other attributes of the same function.
fn doc_comment(source: &str, line: u32) -> Vec<String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut i = (line as usize).saturating_sub(1).min(lines.len());
    let mut doc = Vec::new();
    while i > 0 {
        i -= 1;
        let l = lines[i].trim();
        if let Some(d) = l.strip_prefix("///") {
            doc.push(d.strip_prefix(' ').unwrap_or(d).to_string());
        } else if l.starts_with("#[")
            || l.starts_with(")]")
            || l.starts_with("regex")
            || l.starts_with("expr")
            || l.starts_with("r\"")
        {
            continue;
        } else {
            break;
        }
    }
    doc.reverse();
    doc
}

/// A doc comment split into its prose and its `例:` examples.
fn split_doc(doc: &[String]) -> Result<(String, Vec<Example>), String> {
    let mut prose = Vec::new();
    let mut examples: Vec<Example> = Vec::new();
    for l in doc {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix("例:").or_else(|| t.strip_prefix("例：")) {
            let rest = rest.trim();
            let (kw, text) = rest
                .split_once([' ', '\u{3000}'])
                .ok_or_else(|| format!("「例: {rest}」: 前提/もし/ならば and the step's text"))?;
            let keyword = Keyword::parse(kw)
                .ok_or_else(|| format!("「例: {rest}」: {kw} is not 前提, もし or ならば"))?;
            examples.push(Example::new(
                keyword,
                text.trim().to_string(),
                Vec::new(),
                None,
                Origin::DocComment,
            ));
        } else if let (Some(row), Some(last)) = (t.strip_prefix('|'), examples.last_mut()) {
            let row = row.strip_suffix('|').unwrap_or(row);
            last.table
                .push(row.split('|').map(|c| c.trim().to_string()).collect());
            last.lines = last.gherkin("");
        } else if !t.is_empty() {
            prose.push(t.to_string());
        }
    }
    Ok((prose.join(" "), examples))
}

/// The pattern for people: the regex without its anchors, each group as what to write there.
pub fn template(pattern: &str) -> String {
    let p = pattern.strip_prefix('^').unwrap_or(pattern);
    let p = p.strip_suffix('$').unwrap_or(p);
    let mut out = String::new();
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            '(' => {
                let mut depth = 1;
                let mut group = String::new();
                for n in chars.by_ref() {
                    match n {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                    group.push(n);
                }
                out.push_str(&group_label(&group));
            }
            c => out.push(c),
        }
    }
    out
}

/// What one capture group asks for, in words.
fn group_label(group: &str) -> String {
    let g = group.strip_prefix("?:").unwrap_or(group);
    match g {
        "[^」]+" | "[^「」]+" | ".+" | ".*" => "…".into(),
        "[0-9０-９]+" | "[0-9]+" | "\\d+" => "N".into(),
        "[0-9]{6}" => "YYYYMM".into(),
        "[0-9]{8}" => "YYYYMMDD".into(),
        "[A-Z_]+" => "CODE".into(),
        "[a-z_]+" => "code".into(),
        _ if g.starts_with('[') && g.ends_with(']') && !g.contains(['-', '^', '\\']) => {
            let inner: Vec<String> = g[1..g.len() - 1].chars().map(String::from).collect();
            format!("({})", inner.join("|"))
        }
        // An alternation of words (予定|実績), or a group this list does not know: as written.
        _ => format!("({g})"),
    }
}

/// Every step definition cucumber knows, as (keyword, regex, path, line).
fn registered() -> Vec<(Keyword, String, &'static str, u32)> {
    type G = <RenkeiWorld as WorldInventory>::Given;
    type W = <RenkeiWorld as WorldInventory>::When;
    type T = <RenkeiWorld as WorldInventory>::Then;
    let mut out = Vec::new();
    for s in cucumber::codegen::inventory::iter::<G> {
        let (loc, re, _) = s.inner();
        out.push((
            Keyword::Given,
            re().as_str().to_string(),
            loc.path,
            loc.line,
        ));
    }
    for s in cucumber::codegen::inventory::iter::<W> {
        let (loc, re, _) = s.inner();
        out.push((Keyword::When, re().as_str().to_string(), loc.path, loc.line));
    }
    for s in cucumber::codegen::inventory::iter::<T> {
        let (loc, re, _) = s.inner();
        out.push((Keyword::Then, re().as_str().to_string(), loc.path, loc.line));
    }
    out
}

/// Every step of the shipped features (outlines expanded), in file order, with `file:line`.
fn feature_steps() -> Result<Vec<(String, gherkin::Step)>, String> {
    let mut out = Vec::new();
    for (name, text) in crate::EMBEDDED {
        let f = gherkin::Feature::parse(text, GherkinEnv::default())
            .map_err(|e| format!("{name}: {e}"))?
            .expand_examples()
            .map_err(|e| format!("{name}: {e}"))?;
        fn scenario_steps<'a>(
            bg: Option<&'a gherkin::Background>,
            sc: &'a [gherkin::Scenario],
        ) -> Vec<&'a gherkin::Step> {
            let mut v: Vec<&gherkin::Step> =
                bg.map(|b| b.steps.iter().collect()).unwrap_or_default();
            for s in sc {
                v.extend(&s.steps);
            }
            v
        }
        let mut steps: Vec<&gherkin::Step> = Vec::new();
        steps.extend(scenario_steps(f.background.as_ref(), &f.scenarios));
        for r in &f.rules {
            steps.extend(scenario_steps(r.background.as_ref(), &r.scenarios));
        }
        let mut seen = std::collections::HashSet::new();
        for s in steps {
            // An outline's step comes once per example row; the first one stands for it.
            let at = format!("{name}:{}", s.position.line);
            if seen.insert((at.clone(), s.value.clone())) {
                out.push((at, s.clone()));
            }
        }
    }
    out.sort_by_key(|a| natural(&a.0));
    Ok(out)
}

/// `file:line` as (file, line) for ordering.
fn natural(at: &str) -> (String, u64) {
    let (f, l) = at.rsplit_once(':').unwrap_or((at, "0"));
    (f.to_string(), l.parse().unwrap_or(0))
}

/// The catalogue: every module with its patterns, each with its example.
pub fn catalogue() -> Result<Vec<Module>, String> {
    // One entry per (file, regex): a definition under both 前提 and もし is one pattern.
    let mut by_pattern: BTreeMap<(String, String), StepPattern> = BTreeMap::new();
    let mut first_line: BTreeMap<(String, String), u32> = BTreeMap::new();
    for (kw, re, path, line) in registered() {
        let key = (path.to_string(), re.clone());
        let l = first_line.entry(key.clone()).or_insert(line);
        *l = (*l).min(line);
        let e = by_pattern.entry(key).or_insert_with(|| StepPattern {
            module: file_name(path).trim_end_matches(".rs").to_string(),
            keywords: Vec::new(),
            template: template(&re),
            pattern: re.clone(),
            doc: String::new(),
            source: String::new(),
            example: None,
            doc_examples: Vec::new(),
            uses: 0,
        });
        if !e.keywords.contains(&kw) {
            e.keywords.push(kw);
            e.keywords.sort();
        }
    }
    for (key, p) in by_pattern.iter_mut() {
        let line = first_line[key];
        p.source = format!("{}:{line}", key.0);
        if let Some(src) = source_of(&key.0) {
            let (prose, examples) =
                split_doc(&doc_comment(src, line)).map_err(|e| format!("{}: {e}", p.source))?;
            p.doc = prose;
            p.doc_examples = examples;
        }
    }
    let compiled: Vec<(Regex, (String, String))> = by_pattern
        .keys()
        .map(|k| Regex::new(&k.1).map(|r| (r, k.clone())))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    for (at, step) in feature_steps()? {
        let kw = Keyword::of(step.ty);
        for (re, key) in &compiled {
            let p = by_pattern.get_mut(key).expect("compiled from the keys");
            if p.keywords.contains(&kw) && re.is_match(&step.value) {
                p.uses += 1;
                if p.example.is_none() {
                    p.example = Some(Example::new(
                        kw,
                        step.value.clone(),
                        step.table
                            .as_ref()
                            .map(|t| t.rows.clone())
                            .unwrap_or_default(),
                        step.docstring.clone(),
                        Origin::Feature { at: at.clone() },
                    ));
                }
            }
        }
    }
    let mut modules: BTreeMap<(usize, String), Module> = BTreeMap::new();
    let mut ordered: Vec<((String, String), StepPattern)> = by_pattern.into_iter().collect();
    ordered.sort_by_key(|(k, _)| (k.0.clone(), first_line[k]));
    for (key, mut p) in ordered {
        if p.example.is_none() {
            p.example = p.doc_examples.first().cloned();
        }
        let m = modules
            .entry(module_rank(&p.module))
            .or_insert_with(|| Module {
                name: p.module.clone(),
                doc: source_of(&key.0)
                    .and_then(|s| s.lines().find_map(|l| l.trim().strip_prefix("//!")))
                    .map(|d| d.trim().to_string())
                    .unwrap_or_default(),
                steps: Vec::new(),
            });
        m.steps.push(p);
    }
    Ok(modules.into_values().collect())
}

/// Every pattern of the catalogue that `keyword text` matches (exactly one for a good step).
pub fn matching<'a>(modules: &'a [Module], keyword: Keyword, text: &str) -> Vec<&'a StepPattern> {
    modules
        .iter()
        .flat_map(|m| &m.steps)
        .filter(|p| p.matches(keyword, text))
        .collect()
}

/// Whether cucumber itself finds exactly one definition for the example (the runner's own
/// matching, so the check cannot disagree with a run).
pub fn runner_finds(example: &Example) -> Result<(), String> {
    let collection = RenkeiWorld::collection();
    match collection.find(&example.step()) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("no step definition matches it".into()),
        Err(e) => Err(format!("more than one definition matches it: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Module> {
        catalogue().expect("the catalogue reads")
    }

    #[test]
    fn every_pattern_has_an_example_that_matches_it_and_no_other() {
        let modules = all();
        let mut problems = Vec::new();
        for p in modules.iter().flat_map(|m| &m.steps) {
            let Some(ex) = &p.example else {
                problems.push(format!(
                    "{} ({}): no feature uses it; add `/// 例: {} …` above it",
                    p.template,
                    p.source,
                    p.keywords[0].japanese()
                ));
                continue;
            };
            for ex in std::iter::once(ex).chain(&p.doc_examples) {
                let hits = matching(&modules, ex.keyword, &ex.text);
                if hits.len() != 1 || hits[0].pattern != p.pattern {
                    problems.push(format!(
                        "{} ({}): example 「{} {}」 ({}) matches {:?}",
                        p.template,
                        p.source,
                        ex.keyword.japanese(),
                        ex.text,
                        ex.origin,
                        hits.iter().map(|h| &h.source).collect::<Vec<_>>()
                    ));
                }
                if let Err(e) = runner_finds(ex) {
                    problems.push(format!("{}: example 「{}」: {e}", p.source, ex.text));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_catalogue_is_what_cucumber_registered() {
        let modules = all();
        let listed: usize = modules.iter().map(|m| m.steps.len()).sum();
        let distinct: std::collections::BTreeSet<(String, &str)> = registered()
            .into_iter()
            .map(|(_, re, path, _)| (re, path))
            .collect();
        assert_eq!(listed, distinct.len());
        // Every module of src/steps/ that defines steps is embedded (so its doc comments are read).
        for p in modules.iter().flat_map(|m| &m.steps) {
            let path = p
                .source
                .rsplit_once(':')
                .map_or(p.source.as_str(), |(f, _)| f);
            assert!(source_of(path).is_some(), "{} is not embedded", p.source);
        }
        let names: Vec<&str> = modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(&names[..3], ["setup", "flow", "failures"], "{names:?}");
    }

    #[test]
    fn doc_comments_and_examples_are_read_from_the_definitions() {
        let modules = all();
        let plans = modules
            .iter()
            .flat_map(|m| &m.steps)
            .find(|p| p.pattern.contains("のサービスを計画している"))
            .expect("the planning step");
        assert_eq!(plans.module, "setup");
        assert!(plans.doc.contains("利用者N人"), "{}", plans.doc);
        assert_eq!(plans.keywords, [Keyword::Given, Keyword::When]);
        let ex = plans.example.as_ref().expect("an example");
        assert_eq!(
            ex.origin,
            Origin::Feature {
                at: "01-flow-yotei.feature:14".into()
            }
        );
        assert_eq!(
            ex.gherkin("    "),
            "    前提 「さくら居宅介護支援事業所」は「ひまわり訪問介護ステーション」に利用者5人のサービスを計画している\n"
        );
        // A step whose example needs its table carries it.
        let trap = modules
            .iter()
            .flat_map(|m| &m.steps)
            .find(|p| {
                p.pattern
                    .contains("([^「」]+)「([0-9]{6})」の予定を送っている")
            })
            .expect("the described trap");
        let ex = trap.example.as_ref().expect("an example");
        assert_eq!(ex.table[0][0], "罠", "{ex:?}");
        assert!(!ex.text.contains('<'), "outlines are expanded: {}", ex.text);
    }

    #[test]
    fn a_doc_comment_example_is_split_from_the_prose() {
        let doc: Vec<String> = [
            "What it does.",
            "例: 前提 日時を「2026-12-01T09:00:00+09:00」に進める",
            "| 罠 | csv.encoding.gaiji |",
        ]
        .map(String::from)
        .to_vec();
        let (prose, ex) = split_doc(&doc).unwrap();
        assert_eq!(prose, "What it does.");
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].keyword, Keyword::Given);
        assert_eq!(ex[0].table, [["罠", "csv.encoding.gaiji"]]);
        assert!(split_doc(&["例: かつ 何か".to_string()]).is_err());
        let src = "/// Doc.\n/// 例: もし x\n#[given(\n    regex = r\"^x$\"\n)]\n#[when(regex = r\"^x$\")]\nasync fn x() {}\n";
        assert_eq!(doc_comment(src, 3), ["Doc.", "例: もし x"]);
        assert_eq!(doc_comment(src, 6), ["Doc.", "例: もし x"]);
    }

    #[test]
    fn templates_say_what_to_write() {
        assert_eq!(
            template(r"^日時を「([^」]+)」に固定する$"),
            "日時を「…」に固定する"
        );
        assert_eq!(
            template(
                r"^([①⑦]) 「([^」]+)」が「([^」]+)」あての「([0-9]{6})」の(予定|実績)を出力する$"
            ),
            "(①|⑦) 「…」が「…」あての「YYYYMM」の(予定|実績)を出力する"
        );
        assert_eq!(
            template(r"^日時を([0-9０-９]+)(日|時間|分)進める$"),
            "日時をN(日|時間|分)進める"
        );
    }
}
