//! 背景: the pinned clock, the hub, the offices and their plans, logins.

use cucumber::gherkin::Step;
use cucumber::{given, when};
use renkei_reports::EvidenceKind;
use renkei_simulator::embedded::EmbeddedHub;
use renkei_simulator::offices::{KyotakuOffice, ProviderOffice};
use serde_json::json;
use time::Duration;

use super::{line, number, quoted};
use crate::world::{RenkeiWorld, StepResult};

#[given(regex = r"^日時を「([^」]+)」に固定する$")]
#[when(regex = r"^日時を「([^」]+)」に固定する$")]
async fn pin_clock(w: &mut RenkeiWorld, step: &Step, at: String) -> StepResult {
    let t = renkei_simulator::clock::parse_rfc3339(&at)
        .map_err(|e| format!("「{at}」は RFC 3339 の日時ではありません: {e}"))?;
    w.now = t;
    if let Some(h) = &w.hub {
        h.clock.set(t);
    }
    w.record(
        line(step),
        EvidenceKind::Clock,
        format!("時計を {at} に固定"),
        json!({"now": at, "pinned": true}),
    );
    Ok(())
}

#[given(regex = r"^日時を「([^」]+)」に進める$")]
#[when(regex = r"^日時を「([^」]+)」に進める$")]
async fn move_clock(w: &mut RenkeiWorld, step: &Step, at: String) -> StepResult {
    let t = renkei_simulator::clock::parse_rfc3339(&at).map_err(|e| format!("「{at}」: {e}"))?;
    if t < w.clock_now() {
        return Err(format!(
            "時計は戻せません（今 {}）",
            renkei_simulator::clock::rfc3339(w.clock_now())
        ));
    }
    w.hub()?.clock.set(t);
    w.record(
        line(step),
        EvidenceKind::Clock,
        format!("時計を {at} に進めた"),
        json!({"now": at}),
    );
    Ok(())
}

#[given(regex = r"^日時を([0-9０-９]+)(日|時間|分)進める$")]
#[when(regex = r"^日時を([0-9０-９]+)(日|時間|分)進める$")]
async fn advance_clock(w: &mut RenkeiWorld, step: &Step, n: String, unit: String) -> StepResult {
    let n = number(&n)?;
    let d = match unit.as_str() {
        "日" => Duration::days(n),
        "時間" => Duration::hours(n),
        _ => Duration::minutes(n),
    };
    w.hub()?.clock.advance(d);
    let now = renkei_simulator::clock::rfc3339(w.clock_now());
    w.record(
        line(step),
        EvidenceKind::Clock,
        format!("時計を{n}{unit}進めた: {now}"),
        json!({"now": now}),
    );
    Ok(())
}

#[given(regex = r"^連携基盤がデモの世界で動いている$")]
#[when(regex = r"^連携基盤がデモの世界で動いている$")]
async fn demo_hub(w: &mut RenkeiWorld, step: &Step) -> StepResult {
    let hub = EmbeddedHub::demo(w.now)
        .await
        .map_err(|e| format!("連携基盤を起動できません: {e}"))?;
    let url = hub.server.url();
    let n = hub.world.offices.len();
    w.hub = Some(hub);
    w.record(
        line(step),
        EvidenceKind::Hub,
        format!("連携基盤を {url} で起動（事業所 {n}、時計は固定）"),
        json!({"url": url}),
    );
    Ok(())
}

/// 「居宅」は「事業所」(と「事業所」…) に利用者N人のサービスを計画している.
#[given(regex = r"^「([^」]+)」は(.+)に利用者([0-9０-９]+)人のサービスを計画している$")]
#[when(regex = r"^「([^」]+)」は(.+)に利用者([0-9０-９]+)人のサービスを計画している$")]
async fn plans(
    w: &mut RenkeiWorld,
    step: &Step,
    kyotaku: String,
    list: String,
    users: String,
) -> StepResult {
    let k = w.office_of(&kyotaku)?;
    let mut providers = Vec::new();
    for name in quoted(&list) {
        let office = w.office_of(&name)?;
        let service_type = w
            .hub()?
            .world
            .office(&office)
            .map(|o| o.service_type.clone())
            .unwrap_or_else(|| "11".into());
        w.providers
            .insert(office.clone(), ProviderOffice::new(&office, &service_type));
        providers.push(office);
    }
    if providers.is_empty() {
        return Err(format!("提供事業所が書かれていません: {list}"));
    }
    let n = number(&users)? as usize;
    let office = KyotakuOffice::new(&k, &providers, 20261124, n);
    let names: Vec<String> = office.world.users.iter().map(|u| u.name.clone()).collect();
    w.kyotaku = Some(office);
    w.record(
        line(step),
        EvidenceKind::Note,
        format!("利用者 {n} 人: {}", names.join("、")),
        json!({"kyotaku": k, "providers": providers}),
    );
    Ok(())
}

/// An office logs in with its own ID and password (the hub must accept it).
/// 例: 前提 「さくら居宅介護支援事業所」がログインしている
#[given(regex = r"^「([^」]+)」がログインしている$")]
#[when(regex = r"^「([^」]+)」がログインしている$")]
async fn logged_in(w: &mut RenkeiWorld, step: &Step, name: String) -> StepResult {
    let line = line(step);
    let office = w.office_of(&name)?;
    let r = w.client(&name).await.map(|_| ());
    w.record_exchanges(line, &office);
    r
}
