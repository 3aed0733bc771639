//! The world of one scenario: a hub on loopback with the clock pinned by the background, the
//! simulated offices, a client per office, what the last actions returned, and the evidence.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use renkei_reports::{Evidence, EvidenceKind, FilePreview};
use renkei_simulator::client::{ClientError, HubClient, InboxItem, SendReceipt, SentItem};
use renkei_simulator::embedded::EmbeddedHub;
use renkei_simulator::offices::{
    Difference, Export, Files, ImportError, ImportOutcome, JissekiOutcome, KyotakuOffice, Problem,
    ProviderOffice,
};
use renkei_simulator::world::DemoIdentity;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The word the steps record exported files under ([`RenkeiWorld::record_files`]).
const EXPORTED: &str = "出力";

/// The first records of an interface file ([`FilePreview::RECORDS`]), with the items'
/// Japanese names of its layout from the standard as the columns; `None` for a name that is
/// not an interface file's, or a file that holds no records (an image).
pub fn preview(name: &str, bytes: &[u8]) -> Option<FilePreview> {
    let parsed = renkei_spec::filename::parse(name).name?;
    let layout = renkei_spec::Standard::get()
        .revision(&parsed.revision)?
        .file(&parsed.kind)?;
    if layout.format != renkei_spec::standard::FileFormat::Csv {
        return None;
    }
    let records = renkei_spec::reader::decode_records(bytes);
    Some(FilePreview {
        kind: layout.kind.clone(),
        title: layout.name.clone(),
        columns: layout.items.iter().map(|i| i.name.clone()).collect(),
        rows: records.iter().take(FilePreview::RECORDS).cloned().collect(),
        records: records.len(),
    })
}

/// A failed expectation, in Japanese, with what was seen.
pub type StepResult = Result<(), String>;

/// One scenario's world.
#[derive(cucumber::World)]
#[world(init = Self::new)]
pub struct RenkeiWorld {
    /// The pinned "now" before the hub starts (the hub's clock after).
    pub now: OffsetDateTime,
    /// The scenario's own hub (連携基盤), started by the background.
    pub hub: Option<EmbeddedHub>,
    /// The simulated 居宅介護支援事業所, once a scenario plans services.
    pub kyotaku: Option<KyotakuOffice>,
    /// The simulated サービス事業所, by 事業所番号.
    pub providers: BTreeMap<String, ProviderOffice>,
    /// One hub client per office, by 事業所番号, logged in on first use.
    pub clients: BTreeMap<String, HubClient>,
    /// When each office last logged in (hub clock), to log in again when the token lapses.
    pub logged_in_at: BTreeMap<String, OffsetDateTime>,
    /// Exports by office (the latest), and every export by send unit's ファイル連番.
    pub exports: BTreeMap<String, Export>,
    /// Every export of the scenario, in order (a re-export keeps the earlier ones).
    pub all_exports: Vec<Export>,
    /// The last send receipt (送信ID) of each office, by 事業所番号.
    pub last_receipt: BTreeMap<String, SendReceipt>,
    /// What the last 送信一覧 listed.
    pub last_sent: Vec<SentItem>,
    /// What the last 受信一覧 listed.
    pub last_inbox: Vec<InboxItem>,
    /// Sends downloaded by each office: (send, files), in download order.
    pub downloads: BTreeMap<String, Vec<(InboxItem, Files)>>,
    /// The (送信ID, file name) pairs downloaded so far.
    pub downloaded_ids: BTreeSet<(String, String)>,
    /// The last send downloaded (by any office) and its files.
    pub last_download: Option<(InboxItem, Files)>,
    /// The outcome of each 予定 import by a サービス事業所, in order.
    pub imports: Vec<Result<ImportOutcome, ImportError>>,
    /// The outcome of each 実績 import by the 居宅, in order.
    pub jisseki_imports: Vec<Result<JissekiOutcome, ImportError>>,
    /// The warnings of the sends the last ⑥ import took in (an import goes through them).
    pub import_warnings: Vec<Problem>,
    /// The names of the files the last ⑥ import took in.
    pub imported_files: Vec<String>,
    /// The differences the last 実績 exported carries (what the provider recorded).
    pub delivered: Vec<Difference>,
    /// The same, per サービス事業所 (its last 実績 exported), by 事業所番号.
    pub delivered_by: BTreeMap<String, Vec<Difference>>,
    /// The last login attempt and what the hub answered.
    pub last_login: Option<Result<renkei_simulator::client::LoginResponse, ClientError>>,
    /// The last refusal a client met (hub code or TLS alert), for the "拒否する" steps.
    pub last_error: Option<ClientError>,
    /// Evidence, by the source line of the step that left it.
    pub evidence: Vec<(u32, Evidence)>,
    exchanges_recorded: BTreeMap<String, usize>,
    hub_log_recorded: usize,
}

impl fmt::Debug for RenkeiWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenkeiWorld")
            .field("now", &self.now)
            .field("hub", &self.hub.as_ref().map(|h| h.server.url()))
            .field("clients", &self.clients.keys().collect::<Vec<_>>())
            .field("last_error", &self.last_error)
            .field("evidence", &self.evidence.len())
            .finish()
    }
}

impl RenkeiWorld {
    fn new() -> RenkeiWorld {
        RenkeiWorld {
            now: OffsetDateTime::now_utc(),
            hub: None,
            kyotaku: None,
            providers: BTreeMap::new(),
            clients: BTreeMap::new(),
            logged_in_at: BTreeMap::new(),
            exports: BTreeMap::new(),
            all_exports: Vec::new(),
            last_receipt: BTreeMap::new(),
            last_sent: Vec::new(),
            last_inbox: Vec::new(),
            downloads: BTreeMap::new(),
            downloaded_ids: BTreeSet::new(),
            last_download: None,
            imports: Vec::new(),
            jisseki_imports: Vec::new(),
            import_warnings: Vec::new(),
            imported_files: Vec::new(),
            delivered: Vec::new(),
            delivered_by: BTreeMap::new(),
            last_login: None,
            last_error: None,
            evidence: Vec::new(),
            exchanges_recorded: BTreeMap::new(),
            hub_log_recorded: 0,
        }
    }

    /// The scenario's hub, or the message that the background did not start one.
    pub fn hub(&self) -> Result<&EmbeddedHub, String> {
        self.hub
            .as_ref()
            .ok_or_else(|| "連携基盤が動いていません（背景で起動してください）".to_string())
    }

    /// Now, from the hub's clock once it runs.
    pub fn clock_now(&self) -> OffsetDateTime {
        use renkei_simulator::clock::Clock;
        self.hub.as_ref().map_or(self.now, |h| h.clock.now())
    }

    /// The demo identity called `name` (事業所名) or numbered `name` (事業所番号).
    pub fn identity(&self, name: &str) -> Result<DemoIdentity, String> {
        let hub = self.hub()?;
        hub.ids
            .iter()
            .find(|i| i.name == name || i.office == name)
            .cloned()
            .ok_or_else(|| format!("デモの世界に「{name}」という事業所はありません"))
    }

    /// The office number of `name`: a demo office, or a 10-character number as written.
    pub fn office_of(&self, name: &str) -> Result<String, String> {
        if name.len() == 10 && name.is_ascii() {
            return Ok(name.to_string());
        }
        Ok(self.identity(name)?.office)
    }

    /// A ファイル連番 from the clock (JST); each export moves the clock a minute on, so two
    /// exports never share one.
    pub fn next_serial(&mut self) -> String {
        let t = self.clock_now().to_offset(renkei_simulator::clock::JST);
        if let Some(h) = &self.hub {
            h.clock.advance(time::Duration::minutes(1));
        }
        renkei_simulator::clock::file_serial(t)
    }

    /// The client of `name`'s office, logged in (again, if its token may have lapsed).
    pub async fn client(&mut self, name: &str) -> Result<&HubClient, String> {
        let id = self.identity(name)?;
        let now = self.clock_now();
        let fresh = self
            .logged_in_at
            .get(&id.office)
            .is_some_and(|t| now - *t < time::Duration::minutes(50));
        if !self.clients.contains_key(&id.office) {
            let c = self
                .hub()?
                .client(&id.office, 1)
                .map_err(|e| e.to_string())?;
            self.clients.insert(id.office.clone(), c);
        }
        if !fresh {
            let c = &self.clients[&id.office];
            match c.login(&id.user_id, &id.password).await {
                Ok(_) => {
                    self.logged_in_at.insert(id.office.clone(), now);
                }
                Err(e) => {
                    self.last_error = Some(e.clone());
                    return Err(format!("「{name}」がログインできません: {e}"));
                }
            }
        }
        Ok(&self.clients[&id.office])
    }

    /// Records evidence for the step at `line`.
    pub fn record(
        &mut self,
        line: u32,
        kind: EvidenceKind,
        text: impl Into<String>,
        data: serde_json::Value,
    ) {
        self.evidence.push((
            line,
            Evidence {
                kind,
                text: text.into(),
                data,
            },
        ));
    }

    /// Records each file: name, size, SHA-256. A file the step exported (`what` is 出力)
    /// also carries a preview of its first records for the report ([`FilePreview`]); files
    /// received are the same bytes, and a file with a trap in it is not read as records.
    pub fn record_files(&mut self, line: u32, what: &str, files: &Files) {
        for (name, bytes) in files {
            let sha = hex::encode(Sha256::digest(bytes));
            let mut data = json!({"name": name, "size": bytes.len(), "sha256": sha});
            if what == EXPORTED {
                if let Some(p) = preview(name, bytes) {
                    data["preview"] = serde_json::to_value(p).unwrap_or_default();
                }
            }
            self.record(
                line,
                EvidenceKind::File,
                format!(
                    "{what} {name} ({} バイト, sha256 {}…)",
                    bytes.len(),
                    &sha[..12]
                ),
                data,
            );
        }
    }

    /// Records the hub exchanges `office`'s client made since the last call, and what the
    /// hub's own log said meanwhile (a refused handshake says why only there).
    pub fn record_exchanges(&mut self, line: u32, office: &str) {
        self.record_exchanges_only(line, office);
        let lines = self.hub.as_ref().map(|h| h.log_lines()).unwrap_or_default();
        for l in lines.iter().skip(self.hub_log_recorded) {
            self.record(
                line,
                EvidenceKind::HubLog,
                l.clone(),
                serde_json::Value::Null,
            );
        }
        self.hub_log_recorded = lines.len();
    }

    fn record_exchanges_only(&mut self, line: u32, office: &str) {
        let Some(c) = self.clients.get(office) else {
            return;
        };
        let all = c.exchanges();
        let from = self.exchanges_recorded.get(office).copied().unwrap_or(0);
        let new: Vec<_> = all[from.min(all.len())..].to_vec();
        self.exchanges_recorded
            .insert(office.to_string(), all.len());
        for e in new {
            self.record(
                line,
                EvidenceKind::Hub,
                format!(
                    "{} {} {} → {} {}",
                    office,
                    e.method,
                    e.path,
                    e.status.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                    e.outcome
                ),
                json!({"office": office, "method": e.method, "path": e.path, "status": e.status, "outcome": e.outcome, "millis": e.millis}),
            );
        }
    }

    /// Forgets how many exchanges of `office`'s client were recorded (a new client).
    pub fn reset_exchanges(&mut self, office: &str) {
        self.exchanges_recorded.remove(office);
    }

    /// Records a client failure that happened outside the exchange log (e.g. set-up).
    pub fn record_error(&mut self, line: u32, e: &ClientError) {
        self.record(
            line,
            EvidenceKind::Hub,
            format!("失敗: {e}"),
            json!({"outcome": e.code()}),
        );
    }

    /// Records the diagnostics of a refused import.
    pub fn record_problems(&mut self, line: u32, e: &ImportError) {
        self.record_diagnostics(line, e.problems());
        if e.problems().is_empty() {
            self.record(
                line,
                EvidenceKind::Note,
                e.to_string(),
                serde_json::Value::Null,
            );
        }
    }

    /// Records the validator's diagnostics of an import (errors of a refused one, warnings of
    /// one that went through), each with its file, line and column.
    pub fn record_diagnostics(&mut self, line: u32, problems: &[Problem]) {
        for p in problems {
            self.record(
                line,
                EvidenceKind::Diagnostic,
                format!("{} {}行{} [{}] {}", p.file, p.line.unwrap_or(0), p.column.map(|c| format!(" {c}列")).unwrap_or_default(), p.code, p.message),
                json!({"file": p.file, "line": p.line, "column": p.column, "code": p.code, "category": p.category}),
            );
        }
    }
}

#[cfg(test)]
mod preview_tests {
    use renkei_spec::sample::{usage_unit, World};

    #[test]
    fn a_preview_has_the_layouts_japanese_item_names_and_the_first_records() {
        let unit = usage_unit(&World::generate(7, 5), "4.1", 0, "202612", "20261124100000");
        let written = renkei_spec::writer::write_unit(&unit).expect("the sample writes");
        let layout_of = |kind: &str| {
            renkei_spec::Standard::get()
                .revision("4.1")
                .and_then(|r| r.file(kind))
                .expect("a 4.1 file kind")
        };
        let mut seen = 0;
        for (file, w) in unit.files.iter().zip(&written) {
            let p = super::preview(&w.name, &w.bytes).expect("an interface file");
            let layout = layout_of(&file.kind);
            assert_eq!(p.kind, file.kind);
            assert_eq!(p.title, layout.name);
            let names: Vec<&str> = layout.items.iter().map(|i| i.name.as_str()).collect();
            assert_eq!(p.columns, names, "{}", file.kind);
            assert_eq!(p.records, file.records.len());
            let first: Vec<Vec<String>> = file
                .records
                .iter()
                .take(super::FilePreview::RECORDS)
                .map(|r| r.values.clone())
                .collect();
            assert_eq!(p.rows, first, "{}: the records as written", file.kind);
            seen += 1;
        }
        assert!(seen >= 3, "{seen}");
        assert!(super::preview("notes.txt", b"x").is_none());
    }
}
