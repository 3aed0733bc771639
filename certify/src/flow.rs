//! Flow cases: the adapter in one role of flows ①–⑥ (予定) or ⑦–⑫ (実績), renkei's
//! simulated office in the other, through a real embedded hub (mutual TLS on 127.0.0.1,
//! the demo world, the clock pinned). What the adapter exports is sent through the hub by
//! renkei's hub client from the adapter's office; what the hub delivers to the adapter's
//! office is downloaded and given to the adapter to import. Each numbered step is evidence,
//! so a vendor sees its own software in the flow.

use renkei_reports::certification::{EvidenceKind, Outcome};
use renkei_simulator::client::HubClient;
use renkei_simulator::clock::Clock;
use renkei_simulator::embedded::EmbeddedHub;
use renkei_simulator::offices::{KyotakuOffice, ProviderOffice};
use renkei_spec::model::SendUnit;
use time::OffsetDateTime;

use crate::adapter::Imported;
use crate::evidence::Evidence;
use crate::judge::{call_failed, Context, Judged};
use crate::library::{Case, Direction, Files, Group};
use renkei_spec::compare::{listing, Compare};

/// The pinned clock of every flow: 予定 for December go out in late November, 実績 come back
/// early in January (before the 10th).
const YOTEI_AT: &str = "2026-11-25T10:00:00+09:00";
const JISSEKI_AT: &str = "2027-01-05T09:00:00+09:00";
const MONTH: &str = "202612";

/// The flows a vendor's software can take part in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    /// ①–⑥ with the adapter as the 居宅介護支援事業所 (it exports, renkei's provider imports).
    YoteiFromKyotaku,
    /// ①–⑥ with the adapter as the サービス事業所 (renkei's 居宅 sends, it imports).
    YoteiToProvider,
    /// ⑦–⑫ with the adapter as the サービス事業所 (it exports 実績, renkei's 居宅 imports).
    JissekiFromProvider,
    /// ⑦–⑫ with the adapter as the 居宅 (renkei's provider sends 実績, it imports).
    JissekiToKyotaku,
}

impl FlowKind {
    /// Every flow, in library order.
    pub const ALL: [FlowKind; 4] = [
        FlowKind::YoteiFromKyotaku,
        FlowKind::YoteiToProvider,
        FlowKind::JissekiFromProvider,
        FlowKind::JissekiToKyotaku,
    ];

    /// The flow's case in the library.
    pub fn case(self) -> Case {
        let (id, title, pattern, direction, role, kinds): (&str, &str, &str, Direction, &str, &[&str]) = match self {
            FlowKind::YoteiFromKyotaku => ("flow.yotei.kyotaku", "①〜⑥ 予定: the software, as 居宅, exports the month's 予定; renkei sends it through the hub and the サービス事業所 imports it", "D2", Direction::Export, "kyotaku", &["UPPLAN", "UPSIKYU", "UPHOSOKU"]),
            FlowKind::YoteiToProvider => ("flow.yotei.provider", "①〜⑥ 予定: renkei's 居宅 sends the month's 予定 through the hub; the software, as サービス事業所, imports what the hub delivers", "D2", Direction::Import, "provider", &["UPPLAN", "UPSIKYU", "UPHOSOKU"]),
            FlowKind::JissekiFromProvider => ("flow.jisseki.provider", "⑦〜⑫ 実績: the software, as サービス事業所, exports the month's 実績; renkei sends it through the hub and the 居宅 imports and reconciles it", "D3", Direction::Export, "provider", &["UPJSK"]),
            FlowKind::JissekiToKyotaku => ("flow.jisseki.kyotaku", "⑦〜⑫ 実績: renkei's サービス事業所 sends the month's 実績 through the hub; the software, as 居宅, imports what the hub delivers", "D3", Direction::Import, "kyotaku", &["UPJSK"]),
        };
        Case {
            id: id.into(),
            title: title.into(),
            group: Group::Flow,
            pattern: pattern.into(),
            direction,
            role: role.into(),
            revision: "4.1".into(),
            kinds: kinds.iter().map(|k| k.to_string()).collect(),
            rule: "the send unit crosses the hub intact: it is accepted (file names, sender and receiver as the hub checks them), delivered to the receiver alone, and the receiver holds exactly what the sender meant".into(),
            basis: "標準仕様 第4.1版 (files) and the hub's rules (simulator/HUB-API.md)".into(),
            source: format!("flow:{}", id.trim_start_matches("flow.")),
        }
    }
}

/// Runs a flow case.
pub fn run(kind: FlowKind, ctx: &Context<'_>, ev: &mut Evidence) -> Judged {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return Judged::new(Outcome::Error, format!("no runtime: {e}")),
    };
    rt.block_on(async {
        match Flow::start().await {
            Ok(mut f) => f.play(kind, ctx, ev).await.unwrap_or_else(|j| j),
            Err(e) => Judged::new(
                Outcome::Error,
                format!("the embedded hub did not start: {e}"),
            ),
        }
    })
}

/// The hub, the two offices and their logged-in clients.
struct Flow {
    hub: EmbeddedHub,
    kyotaku: KyotakuOffice,
    provider: ProviderOffice,
    kc: HubClient,
    pc: HubClient,
    ids: [renkei_simulator::world::DemoIdentity; 2],
}

fn at(s: &str) -> OffsetDateTime {
    renkei_simulator::clock::parse_rfc3339(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A step that failed: the flow ends with this.
fn stop(step: &str, outcome: Outcome, why: impl std::fmt::Display) -> Judged {
    Judged::new(outcome, format!("{step}: {why}"))
}

impl Flow {
    async fn start() -> Result<Flow, String> {
        let now = at(YOTEI_AT);
        let hub = EmbeddedHub::demo(now).await.map_err(|e| e.to_string())?;
        let k = hub
            .identity("ok", 0)
            .cloned()
            .ok_or("no 居宅 in the demo world")?;
        let p = hub
            .identity("ok", 1)
            .cloned()
            .ok_or("no provider in the demo world")?;
        let kc = hub.client(&k.office, 2).map_err(|e| e.to_string())?;
        let pc = hub.client(&p.office, 2).map_err(|e| e.to_string())?;
        kc.login(&k.user_id, &k.password)
            .await
            .map_err(|e| format!("居宅 login: {e}"))?;
        pc.login(&p.user_id, &p.password)
            .await
            .map_err(|e| format!("provider login: {e}"))?;
        let service_type = hub
            .world
            .office(&p.office)
            .map(|o| o.service_type.clone())
            .unwrap_or_else(|| "11".into());
        Ok(Flow {
            kyotaku: KyotakuOffice::new(&k.office, std::slice::from_ref(&p.office), 20261124, 3),
            provider: ProviderOffice::new(&p.office, &service_type),
            hub,
            kc,
            pc,
            ids: [k, p],
        })
    }

    /// Moves the clock to `when` and logs both offices in again (tokens do not last a month).
    async fn later(&self, when: &str) -> Result<(), Judged> {
        self.hub.clock.set(at(when));
        let [k, p] = &self.ids;
        for (c, id) in [(&self.kc, k), (&self.pc, p)] {
            c.login(&id.user_id, &id.password)
                .await
                .map_err(|e| stop("⑦", Outcome::Error, format!("login after the month: {e}")))?;
        }
        Ok(())
    }

    fn serial(&self) -> String {
        let t = self.hub.clock.now().to_offset(renkei_simulator::clock::JST);
        self.hub.clock.advance(time::Duration::minutes(1));
        renkei_simulator::clock::file_serial(t)
    }

    async fn play(
        &mut self,
        kind: FlowKind,
        ctx: &Context<'_>,
        ev: &mut Evidence,
    ) -> Result<Judged, Judged> {
        let provider = self.provider.office.clone();
        let kyotaku = self.kyotaku.office.clone();
        match kind {
            FlowKind::YoteiFromKyotaku => {
                let serial = self.serial();
                let plan = self
                    .kyotaku
                    .export_yotei(&provider, MONTH, &serial)
                    .map_err(|e| stop("①", Outcome::Error, e))?;
                let files = adapter_export(ctx, "①", &plan.unit, ev)?;
                let delivered = self
                    .carry(&files, Side::Kyotaku, ["②③", "④", "⑤"], ev)
                    .await?;
                self.provider.import_yotei(&delivered).map_err(|e| {
                    stop(
                        "⑥",
                        Outcome::Fail,
                        format!("renkei's サービス事業所 refused the delivered unit: {e}"),
                    )
                })?;
                let held = self
                    .provider
                    .plans
                    .get(&(kyotaku, MONTH.to_string()))
                    .map(|(_, u)| u.clone());
                ev.note(
                    EvidenceKind::FlowStep,
                    "⑥ 予定の取込: renkei's サービス事業所 imported the unit",
                );
                same("⑥", &plan.unit, held.as_ref(), true, ev)
            }
            FlowKind::YoteiToProvider => {
                let serial = self.serial();
                let plan = self
                    .kyotaku
                    .export_yotei(&provider, MONTH, &serial)
                    .map_err(|e| stop("①", Outcome::Error, e))?;
                let made = format!(
                    "① 予定の出力: renkei's 居宅 wrote {} files",
                    plan.files.len()
                );
                self.to_adapter(ctx, &made, &plan, Side::Kyotaku, ["②③", "④", "⑤", "⑥"], ev)
                    .await
            }
            FlowKind::JissekiFromProvider | FlowKind::JissekiToKyotaku => {
                // The month's 予定 first (①–⑥ between renkei's own offices), then 実績.
                let serial = self.serial();
                let plan = self
                    .kyotaku
                    .export_yotei(&provider, MONTH, &serial)
                    .map_err(|e| stop("①", Outcome::Error, e))?;
                let delivered = self
                    .carry(
                        &plan.files,
                        Side::Kyotaku,
                        ["②③", "④", "⑤"],
                        &mut Evidence::new(None, ""),
                    )
                    .await?;
                self.provider
                    .import_yotei(&delivered)
                    .map_err(|e| stop("⑥", Outcome::Error, e))?;
                ev.note(
                    EvidenceKind::FlowStep,
                    "①〜⑥ the month's 予定 went from renkei's 居宅 to renkei's サービス事業所",
                );
                self.later(JISSEKI_AT).await?;
                let serial = self.serial();
                let (actual, planned_differences) = self
                    .provider
                    .export_jisseki(&kyotaku, MONTH, &serial)
                    .map_err(|e| stop("⑦", Outcome::Error, e))?;
                if kind == FlowKind::JissekiToKyotaku {
                    let made = format!(
                        "⑦ 実績の出力: renkei's サービス事業所 wrote {} file(s)",
                        actual.files.len()
                    );
                    let steps = ["⑧⑨", "⑩", "⑪", "⑫"];
                    return self
                        .to_adapter(ctx, &made, &actual, Side::Provider, steps, ev)
                        .await;
                }
                let files = adapter_export(ctx, "⑦", &actual.unit, ev)?;
                let delivered = self
                    .carry(&files, Side::Provider, ["⑧⑨", "⑩", "⑪"], ev)
                    .await?;
                let got = self.kyotaku.import_jisseki(&delivered).map_err(|e| {
                    stop(
                        "⑫",
                        Outcome::Fail,
                        format!("renkei's 居宅 refused the delivered 実績: {e}"),
                    )
                })?;
                ev.note(
                    EvidenceKind::FlowStep,
                    "⑫ 実績の取込: renkei's 居宅 imported the unit",
                );
                let verdict = same("⑫", &actual.unit, Some(&got.unit), true, ev)?;
                if let Ok(d) = self.kyotaku.reconcile(&provider, MONTH) {
                    let lines: Vec<String> = d.iter().map(|x| x.describe()).collect();
                    ev.text(
                        EvidenceKind::FlowStep,
                        format!(
                            "予定と実績の突合: {} differences (the month had {})",
                            d.len(),
                            planned_differences.len()
                        ),
                        &lines.join("\n"),
                    );
                }
                Ok(verdict)
            }
        }
    }

    /// renkei's office made `export` (`made` says how); it crosses the hub (`steps[..3]`)
    /// and the adapter imports it (`steps[3]`), holding exactly what was sent.
    async fn to_adapter(
        &self,
        ctx: &Context<'_>,
        made: &str,
        export: &renkei_simulator::offices::Export,
        from: Side,
        steps: [&str; 4],
        ev: &mut Evidence,
    ) -> Result<Judged, Judged> {
        ev.files(EvidenceKind::Input, "sent", &export.files);
        ev.note(EvidenceKind::FlowStep, made.to_string());
        let delivered = self
            .carry(&export.files, from, [steps[0], steps[1], steps[2]], ev)
            .await?;
        let got = adapter_import(ctx, steps[3], &delivered, ev)?;
        same(steps[3], &export.unit, Some(&got), false, ev)
    }

    /// ②③ send from one side, ④ the other side finds it in its inbox, ⑤ downloads it.
    async fn carry(
        &self,
        files: &Files,
        from: Side,
        steps: [&str; 3],
        ev: &mut Evidence,
    ) -> Result<Files, Judged> {
        let (sender, receiver) = match from {
            Side::Kyotaku => (&self.kc, &self.pc),
            Side::Provider => (&self.pc, &self.kc),
        };
        let receipt = sender.send(files).await.map_err(|e| {
            stop(
                steps[0],
                Outcome::Fail,
                format!("the hub refused the send: {e}"),
            )
        })?;
        ev.note(
            EvidenceKind::FlowStep,
            format!(
                "{} アップロード・送信: the hub accepted send {} ({} files) for {}",
                steps[0],
                receipt.send_id,
                receipt.files.len(),
                receipt.receiver
            ),
        );
        let inbox = receiver
            .inbox()
            .await
            .map_err(|e| stop(steps[1], Outcome::Error, e))?;
        let item = inbox
            .iter()
            .find(|i| i.send_id == receipt.send_id)
            .ok_or_else(|| {
                stop(
                    steps[1],
                    Outcome::Fail,
                    "the send is not in the receiver's inbox",
                )
            })?;
        ev.note(
            EvidenceKind::FlowStep,
            format!(
                "{} 受信: send {} is in the receiver's inbox ({})",
                steps[1], item.send_id, item.status
            ),
        );
        let mut delivered = Vec::new();
        for f in &item.files {
            let bytes = receiver
                .download(&item.send_id, &f.name)
                .await
                .map_err(|e| stop(steps[2], Outcome::Error, e))?;
            delivered.push((f.name.clone(), bytes));
        }
        let sorted = |f: &Files| {
            let mut v: Vec<(String, Vec<u8>)> = f.clone();
            v.sort();
            v
        };
        if sorted(&delivered) != sorted(files) {
            // renkei's own hub or client at fault, not the software.
            return Err(stop(
                steps[2],
                Outcome::Error,
                "the hub delivered other bytes than were sent",
            ));
        }
        ev.note(
            EvidenceKind::FlowStep,
            format!(
                "{} ダウンロード: {} files, byte for byte as sent",
                steps[2],
                delivered.len()
            ),
        );
        Ok(delivered)
    }
}

#[derive(Clone, Copy)]
enum Side {
    Kyotaku,
    Provider,
}

/// The adapter exports `unit`; its files must be valid before they go to the hub.
fn adapter_export(
    ctx: &Context<'_>,
    step: &str,
    unit: &SendUnit,
    ev: &mut Evidence,
) -> Result<Files, Judged> {
    crate::judge::keep_given(unit, ev).map_err(|e| stop(step, Outcome::Error, e))?;
    let files = ctx.adapter.export(unit).map_err(|f| {
        let j = call_failed(f, "export", ev);
        stop(step, j.outcome, j.message)
    })?;
    ev.files(EvidenceKind::AdapterOutput, "output", &files);
    crate::judge::conforms(unit, &files, ev).map_err(|j| stop(step, j.outcome, j.message))?;
    ev.note(
        EvidenceKind::FlowStep,
        format!(
            "{step} 出力: the software wrote {} valid files",
            files.len()
        ),
    );
    Ok(files)
}

/// The adapter imports what the hub delivered.
fn adapter_import(
    ctx: &Context<'_>,
    step: &str,
    files: &Files,
    ev: &mut Evidence,
) -> Result<SendUnit, Judged> {
    let answer = ctx.adapter.import(files).map_err(|f| {
        let j = call_failed(f, "import", ev);
        stop(step, j.outcome, j.message)
    })?;
    crate::judge::keep_answer(&answer, ev);
    match answer.imported {
        Imported::Rejected(r) => Err(stop(
            step,
            Outcome::Fail,
            format!("the software refused the unit the hub delivered: {r}"),
        )),
        Imported::Unit(u) => {
            ev.note(
                EvidenceKind::FlowStep,
                format!("{step} 取込: the software imported the unit"),
            );
            Ok(*u)
        }
    }
}

/// The receiver holds what the sender meant.
fn same(
    step: &str,
    sent: &SendUnit,
    held: Option<&SendUnit>,
    ignore_sequence: bool,
    ev: &mut Evidence,
) -> Result<Judged, Judged> {
    let held = held.ok_or_else(|| {
        stop(
            step,
            Outcome::Fail,
            "the receiver holds nothing for the month",
        )
    })?;
    let diffs = Compare { ignore_sequence }.units(sent, held);
    if diffs.is_empty() {
        return Ok(Judged::new(
            Outcome::Pass,
            format!("{step}: the receiver holds exactly what was sent"),
        ));
    }
    ev.text(
        EvidenceKind::Diff,
        format!("{} differences (sent → held by the receiver)", diffs.len()),
        &listing(&diffs, 40),
    );
    Err(stop(
        step,
        Outcome::Fail,
        format!("{} item(s) differ; first: {}", diffs.len(), diffs[0]),
    ))
}
