//! Real send units (送信単位) for the pairs of a load world, built by the spec crate's sample
//! generator when each send is made (never held for the whole month): valid files of the
//! standard carrying the world's office numbers.
//!
//! The sample generator knows four provider catalogues (訪問介護, 通所介護, 福祉用具貸与,
//! 訪問看護). A provider's files use the nearest one: 通所リハ and 短期入所 use the 通所
//! catalogue, 訪問リハ the 訪問看護 one; the file names carry that catalogue's サービス種類コード.

use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::world::{LoadWorld, Pair};

/// What a send is, in the monthly rhythm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SendKind {
    /// 予定 for month M (第6表, 第7表, 利用者補足情報), 居宅 → provider.
    Yotei,
    /// A plan change mid-month: 予定 again under a new ファイル連番.
    Change,
    /// A deletion (DLTPLAN) mid-month, 居宅 → provider.
    Deletion,
    /// 実績 for month M, provider → 居宅.
    Jisseki,
    /// A corrected 実績 under a new ファイル連番.
    Correction,
}

impl SendKind {
    /// Every kind, in the month's order.
    pub const ALL: [SendKind; 5] = [
        SendKind::Yotei,
        SendKind::Change,
        SendKind::Deletion,
        SendKind::Jisseki,
        SendKind::Correction,
    ];

    /// Whether the provider sends it (実績 and corrections) rather than the 居宅.
    pub fn from_provider(self) -> bool {
        matches!(self, SendKind::Jisseki | SendKind::Correction)
    }

    /// The kebab-case name used in load.json and profiles.
    pub fn name(self) -> &'static str {
        match self {
            SendKind::Yotei => "yotei",
            SendKind::Change => "change",
            SendKind::Deletion => "deletion",
            SendKind::Jisseki => "jisseki",
            SendKind::Correction => "correction",
        }
    }
}

/// One file of a send: its name, bytes and SHA-256 (hex).
#[derive(Debug, Clone)]
pub struct UnitFile {
    /// The file name, per the standard.
    pub name: String,
    /// The bytes (MS932 CSV).
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

/// The sample catalogue (provider index of the sample world) for a サービス種類コード.
fn catalogue(service_type: &str) -> usize {
    match service_type {
        "15" | "16" | "21" => 1,
        "17" => 2,
        "13" | "14" => 3,
        _ => 0,
    }
}

/// Builds the send unit of `kind` for `pair` (the `index`-th pair), target month `month`
/// (YYYYMM), under ファイル連番 `serial`.
pub fn build(
    world: &LoadWorld,
    pair: &Pair,
    index: usize,
    kind: SendKind,
    month: &str,
    serial: &str,
) -> Result<Vec<UnitFile>, String> {
    use renkei_spec::sample;
    let seed = world.params.seed ^ ((index as u64) << 8) ^ 0x10ad;
    let mut w = sample::World::generate(seed, usize::from(pair.users));
    let provider = &world.offices[pair.provider as usize];
    let slot = catalogue(&provider.service_type);
    w.kyotaku.office = world.offices[pair.kyotaku as usize].number.clone();
    w.providers[slot].office = provider.number.clone();
    let rev = renkei_spec::Standard::get()
        .default_revision()
        .revision
        .clone();
    let unit = match kind {
        SendKind::Yotei => sample::usage_unit(&w, &rev, slot, month, serial),
        SendKind::Change => {
            w.plan_changes.push(sample::PlanChange {
                provider: slot,
                service: 0,
                from_day: 15,
                weekdays: &[2, 4],
            });
            sample::usage_unit(&w, &rev, slot, month, serial)
        }
        SendKind::Deletion => sample::delete_unit(&w, &rev, "DLTPLAN", slot, month, serial),
        SendKind::Jisseki => sample::actual_unit(&w, &rev, slot, month, serial),
        SendKind::Correction => {
            // A correction: the month's 実績 again, from another draw of the same users.
            let mut again = sample::World::generate(seed ^ 0xc0, usize::from(pair.users));
            again.kyotaku = w.kyotaku.clone();
            again.providers[slot].office = provider.number.clone();
            sample::actual_unit(&again, &rev, slot, month, serial)
        }
    };
    let written = renkei_spec::writer::write_unit(&unit).map_err(|e| e.to_string())?;
    Ok(written
        .into_iter()
        .map(|f| UnitFile {
            sha256: hex::encode(sha2::Sha256::digest(&f.bytes)),
            name: f.name,
            bytes: f.bytes,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldParams;

    #[test]
    fn every_kind_builds_a_unit_the_validator_accepts_with_the_worlds_numbers() {
        let w = LoadWorld::generate(&WorldParams::default()).expect("world");
        let pair = w.pairs[0];
        let k = &w.offices[pair.kyotaku as usize].number;
        let p = &w.offices[pair.provider as usize].number;
        for kind in SendKind::ALL {
            let files = build(&w, &pair, 0, kind, "202701", "20261228103000").expect("unit");
            assert!(!files.is_empty());
            for f in &files {
                assert!(
                    f.name.contains(k.as_str()) && f.name.contains(p.as_str()),
                    "{}",
                    f.name
                );
            }
            let inputs: Vec<(&str, &[u8])> = files
                .iter()
                .map(|f| (f.name.as_str(), f.bytes.as_slice()))
                .collect();
            let report = renkei_spec::validate::validate_unit_bytes(
                &inputs,
                &renkei_spec::validate::Options::default(),
            )
            .expect("validates");
            let errors: Vec<String> = report
                .files
                .iter()
                .flat_map(|f| f.diagnostics.iter())
                .filter(|d| d.is_error())
                .map(|d| format!("{} {}", d.code.as_str(), d.message))
                .collect();
            assert!(errors.is_empty(), "{kind:?}: {errors:?}");
        }
    }
}
