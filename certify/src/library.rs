//! The case library: every certification case, with a stable, namespaced ID that never
//! changes meaning (a case that changes gets a new ID). Cases are built from data renkei
//! already has — the fixture corpus (`fixtures/`, every valid edge case and every malformed
//! class), the sample send units of both revisions, and the writer's conversion table — plus
//! the flows through the hub. The catalogue `certify/library.toml` is this list written out;
//! a test keeps it equal to what is built here, so a change of IDs shows in review.
//!
//! ID namespaces:
//! - `import.valid.*`: a valid unit; the software must hold exactly its records.
//! - `import.reject.*`: a unit the standard forbids; the software must refuse it.
//! - `export.*`: a unit given as canonical JSON; what the software writes must be valid and
//!   read back to the same records.
//! - `flow.*`: flows ①–⑥ and ⑦–⑫ through the embedded hub, the adapter in one role.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use renkei_spec::corpus;
use renkei_spec::model::SendUnit;
use renkei_spec::standard::Standard;
use serde::{Deserialize, Serialize};

use crate::flow::FlowKind;

/// Files of a send unit: (file name, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// Which side of the software a case checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Group {
    /// 取込: a valid unit must be held exactly.
    #[serde(rename = "import.valid")]
    ImportValid,
    /// 取込: a forbidden unit must be refused.
    #[serde(rename = "import.reject")]
    ImportReject,
    /// 出力: what the software writes must be valid and hold the given records.
    #[serde(rename = "export")]
    Export,
    /// ①–⑫ through the hub.
    #[serde(rename = "flow")]
    Flow,
}

impl Group {
    /// The group's name as in IDs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::ImportValid => "import.valid",
            Group::ImportReject => "import.reject",
            Group::Export => "export",
            Group::Flow => "flow",
        }
    }
}

/// What the adapter is asked to do in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// `ADAPTER import`.
    Import,
    /// `ADAPTER export`.
    Export,
}

/// One case of the library, as the catalogue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Stable, namespaced ID.
    pub id: String,
    /// What the case is, in a line.
    pub title: String,
    /// Its group.
    pub group: Group,
    /// The operator's pattern, D1–D7.
    pub pattern: String,
    /// What the adapter does.
    pub direction: Direction,
    /// The role the adapter plays (kyotaku, provider, yobo).
    pub role: String,
    /// The revision of the standard.
    pub revision: String,
    /// The file kinds the adapter must declare (under `import` or `export`).
    pub kinds: Vec<String>,
    /// The rule the case checks.
    pub rule: String,
    /// The standard's section, or the assumption, the rule rests on.
    pub basis: String,
    /// Where the case's data comes from (`fixture:ID`, `sample:NAME`, `conversion:NAME`,
    /// `flow:NAME`).
    pub source: String,
}

/// The data a case gives the adapter, and what it expects back.
#[derive(Debug, Clone)]
pub enum Input {
    /// Files to import; `expect` is the unit they hold (None: they must be refused).
    Import {
        /// The unit's files as a receiver gets them.
        files: Files,
        /// What the software must hold afterwards.
        expect: Option<Box<SendUnit>>,
    },
    /// A unit to export; `expect` is what its files must read back as.
    Export {
        /// The canonical JSON given to the adapter.
        given: Box<SendUnit>,
        /// What the written files must hold (the given unit, after the standard's conversions).
        expect: Box<SendUnit>,
    },
    /// A flow through the hub.
    Flow(FlowKind),
}

/// The library: cases in a fixed order, each with its input.
pub struct Library {
    /// Every case with its input.
    pub cases: Vec<(Case, Input)>,
}

/// The library, built once.
pub fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(build)
}

fn build() -> Library {
    let mut cases = Vec::new();
    let fixtures = corpus::cases();
    import_cases(&fixtures, &mut cases);
    trap_cases(&mut cases);
    export_cases(&fixtures, &mut cases);
    yobo_export_cases(&mut cases);
    conversion_cases(&mut cases);
    for kind in FlowKind::ALL {
        cases.push((kind.case(), Input::Flow(kind)));
    }
    Library { cases }
}

/// The catalogue (`certify/library.toml`) as text.
pub fn catalogue(lib: &Library) -> Result<String, toml::ser::Error> {
    #[derive(Serialize)]
    struct Catalogue<'a> {
        case: Vec<&'a Case>,
    }
    let body = toml::to_string(&Catalogue {
        case: lib.cases.iter().map(|(c, _)| c).collect(),
    })?;
    Ok(format!(
        "# The certification case library: every case with its stable ID.\n\
         # Generated from the code (certify/src/library.rs) by\n\
         #   cargo run -- certify --catalogue certify/library.toml\n\
         # and checked by a test; IDs are never renumbered or reused for another meaning.\n\n{body}"
    ))
}

/// What the files' names show: the revision, the kinds (known prefixes only) and the
/// サービス種類 of sender and receiver.
struct Names {
    revision: String,
    kinds: Vec<String>,
    sender_type: Option<String>,
    receiver_type: Option<String>,
}

impl Names {
    fn of(files: &Files) -> Names {
        let std = Standard::get();
        let mut first = None;
        let mut kinds = BTreeSet::new();
        for (name, _) in files {
            if let Some(n) = renkei_spec::filename::parse(name).name {
                kinds.insert(n.kind.clone());
                first.get_or_insert(n);
                continue;
            }
            let known = std
                .revisions
                .iter()
                .flat_map(|r| r.files.iter().map(|f| f.kind.as_str()))
                .filter(|k| name.starts_with(&format!("{k}_")))
                .max_by_key(|k| k.len());
            if let Some(k) = known {
                kinds.insert(k.to_string());
            }
        }
        Names {
            revision: first
                .as_ref()
                .map(|n| n.revision.clone())
                .unwrap_or_else(|| std.default_revision().revision.clone()),
            kinds: kinds.into_iter().collect(),
            sender_type: first.as_ref().and_then(|n| n.sender.service_type.clone()),
            receiver_type: first.and_then(|n| n.receiver.service_type),
        }
    }

    fn yobo(&self) -> bool {
        is_yobo_type(self.sender_type.as_deref()) || is_yobo_type(self.receiver_type.as_deref())
    }
}

/// The operator's pattern (D1–D7) of a unit of `kinds` exchanged with a 介護予防 office or not.
pub fn pattern_of(kinds: &[String], yobo: bool) -> &'static str {
    let has = |p: &[&str]| kinds.iter().any(|k| p.iter().any(|x| k.starts_with(x)));
    if has(&["UP1KYO", "UP2KYO", "UP3KYO", "DLT1KYO"]) {
        "D1"
    } else if has(&["UPYOBO", "DLTYOBO"]) {
        "D5"
    } else if has(&["UPKIHON", "DLTKIHON"]) {
        "D4"
    } else if has(&["UPJSK", "DLTJSK"]) {
        if yobo {
            "D7"
        } else {
            "D3"
        }
    } else if yobo {
        "D6"
    } else {
        "D2"
    }
}

/// Whether a サービス種類 is 介護予防支援 (46) or 介護予防ケアマネジメント (AF).
fn is_yobo_type(t: Option<&str>) -> bool {
    matches!(t, Some("46") | Some("AF"))
}

/// Whether a unit is exchanged with a 介護予防支援 office (46 or AF on either side).
fn is_yobo_unit(unit: &SendUnit) -> bool {
    is_yobo_type(unit.sender.service_type.as_deref())
        || is_yobo_type(unit.receiver.service_type.as_deref())
}

/// The role the adapter plays: a 地域包括支援センター (46, AF) on its side of the unit is
/// `yobo`, whatever the kind; otherwise the standard's `from` (export) or `to` (import) of
/// the first known kind.
pub(crate) fn role_of(
    revision: &str,
    kinds: &[String],
    direction: Direction,
    own_type: Option<&str>,
) -> String {
    if is_yobo_type(own_type) {
        return "yobo".into();
    }
    let rev = Standard::get().revision(revision);
    kinds
        .iter()
        .find_map(|k| rev.and_then(|r| r.file(k)))
        .map(|f| match direction {
            Direction::Export => role_word(f.from),
            Direction::Import => role_word(f.to),
        })
        .unwrap_or("provider")
        .to_string()
}

/// The word of a role, as in capabilities and `renkei spec --format json`.
pub fn role_word(r: renkei_spec::standard::OfficeRole) -> &'static str {
    use renkei_spec::standard::OfficeRole;
    match r {
        OfficeRole::Kyotaku => "kyotaku",
        OfficeRole::Provider => "provider",
        OfficeRole::Yobo => "yobo",
    }
}

/// A rule's basis: the standard, or the assumptions its diagnostics rest on.
fn basis_of(revision: &str, files: &Files) -> String {
    let mut assumed = BTreeSet::new();
    let mut read = false;
    for (_, d) in crate::judge::diagnostics(files)
        .into_iter()
        .filter(|(_, d)| d.is_error())
    {
        match d.assumed {
            Some(a) => {
                assumed.insert(a);
            }
            None => read = true,
        }
    }
    let label = Standard::get()
        .revision(revision)
        .map(|r| r.label.clone())
        .unwrap_or_default();
    match (read, assumed.is_empty()) {
        (_, true) | (true, _) => format!("標準仕様 {label} (read in the standard's text)"),
        (false, false) => format!(
            "前提 (assumed; the standard does not say): {}",
            assumed.into_iter().collect::<Vec<_>>().join(" / ")
        ),
    }
}

fn rule_of_codes(codes: &[String]) -> String {
    codes
        .iter()
        .filter_map(|c| renkei_spec::Code::parse(c).map(|k| format!("{c}: {}", k.description())))
        .collect::<Vec<_>>()
        .join("; ")
}

fn import_cases(fixtures: &[(corpus::Case, Files)], out: &mut Vec<(Case, Input)>) {
    for (fx, files) in fixtures {
        let (id, expect) = if fx.valid {
            let Ok(unit) = SendUnit::from_files(files) else {
                continue;
            };
            let rest = fx.id.strip_prefix("valid.").unwrap_or(&fx.id);
            (format!("import.valid.{rest}"), Some(unit))
        } else {
            let rest = fx.id.strip_prefix("csv.").unwrap_or(&fx.id);
            (format!("import.reject.{rest}"), None)
        };
        let source = format!("fixture:{}", fx.id);
        push_import(out, id, fx.description.clone(), files, expect, source);
    }
}

fn export_case(
    id: String,
    title: String,
    source: String,
    given: SendUnit,
    expect: SendUnit,
    rule: &str,
) -> (Case, Input) {
    let kinds: Vec<String> = given.files.iter().map(|f| f.kind.clone()).collect();
    let label = Standard::get()
        .revision(&given.revision)
        .map(|r| r.label.clone())
        .unwrap_or_default();
    (
        Case {
            id,
            title,
            group: Group::Export,
            pattern: pattern_of(&kinds, is_yobo_unit(&given)).into(),
            direction: Direction::Export,
            role: role_of(&given.revision, &kinds, Direction::Export, given.sender.service_type.as_deref()),
            revision: given.revision.clone(),
            kinds,
            rule: rule.into(),
            basis: format!("標準仕様 {label}: file names, MS932, CSV quoting, every item rule, send-unit rules"),
            source,
        },
        Input::Export {
            given: Box::new(given),
            expect: Box::new(expect),
        },
    )
}

const EXPORT_RULE: &str = "the exported files are valid (names, MS932, quoting, items, send unit) and read back to exactly the given records";

/// Export cases: every sample unit (every kind of both revisions), then every valid fixture
/// whose records differ from those (the text traps, seen from the writing side).
fn export_cases(fixtures: &[(corpus::Case, Files)], out: &mut Vec<(Case, Input)>) {
    let mut seen: Vec<SendUnit> = Vec::new();
    for (fx, files) in fixtures.iter().filter(|(fx, _)| fx.valid) {
        let Ok(unit) = SendUnit::from_files(files) else {
            continue;
        };
        if seen.iter().any(|u| same_records(u, &unit)) {
            continue;
        }
        seen.push(unit.clone());
        let rest = fx.id.strip_prefix("valid.").unwrap_or(&fx.id);
        out.push(export_case(
            format!("export.{rest}"),
            fx.description.clone(),
            format!("fixture:{}", fx.id),
            unit.clone(),
            unit,
            EXPORT_RULE,
        ));
    }
}

fn same_records(a: &SendUnit, b: &SendUnit) -> bool {
    a.revision == b.revision
        && a.files.len() == b.files.len()
        && a.files
            .iter()
            .zip(&b.files)
            .all(|(x, y)| x.kind == y.kind && x.month == y.month && x.records == y.records)
}

/// The 介護予防 予定 and 実績 (D6, D7) of [`yobo_world`].
fn yobo_units() -> [(&'static str, &'static str, SendUnit); 2] {
    let w = yobo_world();
    [
        ("yotei", "介護予防 予定: 第6表, 第7表 and 利用者補足情報 from a 地域包括支援センター (46) to a 介護予防訪問看護 (63) for 要支援 users", renkei_spec::sample::usage_unit(&w, "4.1", 0, "202505", "20250425103000")),
        ("jisseki", "介護予防 実績: 第6表 実績 from a 介護予防訪問看護 (63) back to the 地域包括支援センター (46)", renkei_spec::sample::actual_unit(&w, "4.1", 0, "202505", "20250602090000")),
    ]
}

fn written(unit: &SendUnit) -> Option<Files> {
    renkei_spec::writer::write_unit(unit)
        .ok()
        .map(|v| v.into_iter().map(|f| (f.name, f.bytes)).collect())
}

/// Import cases beyond the fixtures: the 介護予防 units (valid), and every encoding trap in
/// the 介護予防 予定 (D6), in 実績 (D3) and in 介護予防 実績 (D7).
fn trap_cases(out: &mut Vec<(Case, Input)>) {
    let [(_, yotei_title, yotei), (_, jisseki_title, jisseki)] = yobo_units();
    for (slug, title, unit) in [
        ("yobo-yotei", yotei_title, &yotei),
        ("yobo-jisseki", jisseki_title, &jisseki),
    ] {
        let Some(files) = written(unit) else { continue };
        push_import(
            out,
            format!("import.valid.{slug}"),
            title.to_string(),
            &files,
            Some(unit.clone()),
            format!("sample:{slug}"),
        );
    }
    for (id, description, _, _) in corpus::FIELD_TRAPS {
        let rest = id.strip_prefix("csv.").unwrap_or(id);
        if let Some((files, _, _)) = corpus::apply_encoding_trap(id, &yotei) {
            push_import(
                out,
                format!("import.reject.yobo-yotei.{rest}"),
                format!("{description}, in the 介護予防 予定"),
                &files,
                None,
                format!("trap:{id}+yobo-yotei"),
            );
        }
    }
    for (id, description, _) in corpus::FILE_TRAPS {
        let rest = id.strip_prefix("csv.").unwrap_or(id);
        if let Some((files, _, _)) = corpus::apply_encoding_trap(id, &yotei) {
            push_import(
                out,
                format!("import.reject.yobo-yotei.{rest}"),
                format!("{description} (利用者補足情報), in the 介護予防 予定"),
                &files,
                None,
                format!("trap:{id}+yobo-yotei"),
            );
        }
    }
    let w = renkei_spec::sample::World::generate(7, 3);
    let actual = renkei_spec::sample::actual_unit(&w, "4.1", 0, "202505", "20250602090000");
    let kihon = renkei_spec::sample::yobo_unit(&w, 0, "20250315", false, "20250316090000");
    let yobo_plan = renkei_spec::sample::yobo_unit(&w, 0, "20250315", true, "20250317090000");
    let plan = renkei_spec::sample::plan_unit(&w, "4.1", 0, "20250401", "20250402090000");
    let targets = [
        ("plan", &plan, "UP1KYO", "居宅サービス計画書（１） (UP1KYO)"),
        ("jisseki", &actual, "UPJSK", "実績 (UPJSK)"),
        ("yobo-jisseki", &jisseki, "UPJSK", "介護予防 実績 (UPJSK)"),
        ("kihon", &kihon, "UPKIHON", "利用者基本情報 (UPKIHON)"),
        (
            "yobo-plan",
            &yobo_plan,
            "UPYOBO",
            "介護予防サービス・支援計画書 (UPYOBO)",
        ),
    ];
    for (slug, unit, kind, name) in targets {
        for (id, description, raw, _) in corpus::FIELD_TRAPS {
            let rest = id.strip_prefix("csv.").unwrap_or(id);
            if let Some(files) = field_trap(unit, kind, raw) {
                push_import(
                    out,
                    format!("import.reject.{slug}.{rest}"),
                    format!("{description}, in the first free text of {name}"),
                    &files,
                    None,
                    format!("trap:{id}+{slug}"),
                );
            }
        }
    }
}

/// The unit's files with the first non-empty free-text value of the first `kind` record
/// replaced by the raw bytes of a trap (quotes included).
fn field_trap(unit: &SendUnit, kind: &str, raw: &[u8]) -> Option<Files> {
    let mut files = written(unit)?;
    let rev = unit.revision().ok()?;
    let spec = rev.file(kind)?;
    let data = unit.files.iter().find(|f| f.kind == kind)?;
    let record = data.records.first()?;
    let (_, value) = spec
        .items
        .iter()
        .zip(&record.values)
        .find(|(it, v)| it.ty == renkei_spec::standard::ItemType::Text && !v.is_empty())?;
    let mut quoted = b"\"".to_vec();
    renkei_spec::ms932::encode(&value.replace('"', "\"\""), &mut quoted, &mut Vec::new()).ok()?;
    quoted.push(b'"');
    let (_, bytes) = files
        .iter_mut()
        .find(|(n, _)| n.starts_with(&format!("{kind}_")))?;
    let at = bytes.windows(quoted.len()).position(|w| w == &quoted[..])?;
    bytes.splice(at..at + quoted.len(), raw.iter().copied());
    Some(files)
}

fn push_import(
    out: &mut Vec<(Case, Input)>,
    id: String,
    title: String,
    files: &Files,
    expect: Option<SendUnit>,
    source: String,
) {
    let names = Names::of(files);
    let (revision, kinds) = (names.revision.clone(), names.kinds.clone());
    let yobo = names.yobo();
    let (group, rule, basis) = match &expect {
        Some(_) => (
            Group::ImportValid,
            "a valid unit is imported, and the software holds exactly its records (every item, compared as decoded text)".to_string(),
            format!(
                "標準仕様 {}: the files are valid ({source})",
                Standard::get()
                    .revision(&revision)
                    .map(|r| r.label.as_str())
                    .unwrap_or("")
            ),
        ),
        None => {
            let codes: Vec<String> = crate::judge::diagnostics(files)
                .into_iter()
                .filter(|(_, d)| d.is_error())
                .map(|(_, d)| d.code.as_str().to_string())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            (
                Group::ImportReject,
                format!("the unit is refused, not imported: {}", rule_of_codes(&codes)),
                basis_of(&revision, files),
            )
        }
    };
    out.push((
        Case {
            id,
            title,
            group,
            pattern: pattern_of(&kinds, yobo).into(),
            direction: Direction::Import,
            role: role_of(
                &revision,
                &kinds,
                Direction::Import,
                names.receiver_type.as_deref(),
            ),
            revision,
            kinds,
            rule,
            basis,
            source,
        },
        Input::Import {
            files: files.clone(),
            expect: expect.map(Box::new),
        },
    ));
}

/// Export cases for the 介護予防 予定 and 実績 (D6, D7).
fn yobo_export_cases(out: &mut Vec<(Case, Input)>) {
    for (slug, title, unit) in yobo_units() {
        out.push(export_case(
            format!("export.yobo-{slug}"),
            title.to_string(),
            format!("sample:yobo-{slug}"),
            unit.clone(),
            unit,
            EXPORT_RULE,
        ));
    }
}

/// Export cases from the writer's conversion table: the unit holds a character outside
/// MS932 that the standard says to convert (〜 → ～ …); the file must hold the converted one.
fn conversion_cases(out: &mut Vec<(Case, Input)>) {
    let w = renkei_spec::sample::World::generate(42, 3);
    let base = renkei_spec::sample::usage_unit(&w, "4.1", 0, "202505", "20250425103000");
    let Some(rev) = Standard::get().revision("4.1") else {
        return;
    };
    let Some(at) = rev
        .file("UPHOSOKU")
        .and_then(|f| f.items.iter().position(|i| i.key == "利用者住所２"))
    else {
        return;
    };
    for c in renkei_spec::ms932::CONVERSIONS {
        let slug = c.name;
        let text = |ch: char| format!("コーポ表参道{ch}１０１");
        let mut given = base.clone();
        let mut expect = base.clone();
        for (u, ch) in [(&mut given, c.from), (&mut expect, c.to)] {
            if let Some(f) = u.files.iter_mut().find(|f| f.kind == "UPHOSOKU") {
                if let Some(r) = f.records.first_mut() {
                    r.values[at] = text(ch);
                }
            }
        }
        out.push(export_case(
            format!("export.convert.{slug}"),
            format!(
                "利用者住所２ holds {} (U+{:04X}), outside MS932: the file must hold {} (U+{:04X}) — {}",
                c.from, c.from as u32, c.to, c.to as u32, c.why
            ),
            format!("conversion:{slug}"),
            given,
            expect,
            "a character outside MS932 that the standard converts is written converted (never as ? or dropped), and the rest of the unit reads back unchanged",
        ));
    }
}

/// Cases whose ID matches `pattern` (a glob: `import.*`, `*.gaiji*`); every case when None.
pub fn select<'l>(
    lib: &'l Library,
    pattern: Option<&str>,
) -> Result<Vec<&'l (Case, Input)>, String> {
    let Some(p) = pattern else {
        return Ok(lib.cases.iter().collect());
    };
    let set = glob_set(p.split(',').map(str::trim).filter(|s| !s.is_empty()))?;
    Ok(lib
        .cases
        .iter()
        .filter(|(c, _)| set.is_match(&c.id))
        .collect())
}

/// A set of ID globs (`*` matches dots too).
pub fn glob_set<'a>(
    patterns: impl IntoIterator<Item = &'a str>,
) -> Result<globset::GlobSet, String> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let g = globset::GlobBuilder::new(p)
            .literal_separator(false)
            .build()
            .map_err(|e| format!("{p:?}: {e}"))?;
        b.add(g);
    }
    b.build().map_err(|e| e.to_string())
}

/// A 介護予防 world: the 地域包括支援センター (介護予防支援, 46) plans 介護予防訪問看護 (63)
/// for 要支援 users; its 予定 and 実績 are the operator's patterns D6 and D7.
pub fn yobo_world() -> renkei_spec::sample::World {
    use renkei_spec::sample::{Service, World};
    const YOBO_KANGO: &[Service] = &[Service {
        code: "631111",
        name: "予訪看Ⅰ１",
        units: 303,
        time: Some(("1300", "1330")),
        weekdays: &[2],
    }];
    let mut w = World::generate(46, 3);
    w.kyotaku = w.houkatsu.clone();
    w.kyotaku_name = "地域包括支援センター能登の杜".into();
    w.providers.truncate(1);
    w.providers[0].service_type = "63".into();
    w.providers[0].name = "訪問看護ステーション髙島 予防".into();
    w.providers[0].services = YOBO_KANGO.to_vec();
    for (n, u) in w.users.iter_mut().enumerate() {
        let (level, limit) = if n % 2 == 0 {
            ("12", 5032)
        } else {
            ("13", 10531)
        };
        u.care_level = level;
        u.limit = limit;
        u.providers = vec![0];
    }
    w
}
