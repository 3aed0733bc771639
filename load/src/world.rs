//! The load world (負荷試験の世界): 居宅介護支援事業所, サービス事業所 and who works with whom,
//! generated deterministically from a seed and a few numbers ([`WorldParams`]), at any scale
//! up to national ([`WorldParams::national`]).
//!
//! Offices are numbered by their index: 居宅 `0..kyotaku`, then providers. Each 居宅 works
//! with a number of providers drawn from `providers_per_kyotaku`; each such pair
//! (居宅, provider) is one [`Pair`]: one 予定 send unit a month one way and one 実績 send
//! unit the other. Only offices on the system (adoption) are in the hub's world, and a pair
//! is played only when both ends are on it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use renkei_simulator::world::{
    CertificateSpec, Day, HubSettings, Licence, Office, PasswordState, PkiSettings, World,
};

/// Why world parameters are refused.
#[derive(Debug, thiserror::Error)]
pub enum WorldParamsError {
    /// A parameter is out of its range.
    #[error("世界のパラメータ {name} = {value} は {range} にしてください")]
    Range {
        /// The parameter's name (as on the command line and in load-world.toml).
        name: &'static str,
        /// Its value.
        value: String,
        /// The range it must be in.
        range: &'static str,
    },
    /// A service type share is malformed or names a type the standard lacks.
    #[error("サービス種類の割合「{0}」を読めません（例: 11=0.3,15=0.2）")]
    Shares(String),
}

/// The numbers a load world is generated from (`load-world.toml` of `renkei load init`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorldParams {
    /// Seed of every random choice: the same parameters give the same world.
    pub seed: u64,
    /// 居宅介護支援事業所 (billing offices).
    pub kyotaku: u32,
    /// サービス事業所 in the pool the 居宅 choose from.
    pub providers: u32,
    /// Fewest providers one 居宅 works with.
    pub providers_per_kyotaku_min: u32,
    /// Most providers one 居宅 works with (uniform between the two).
    pub providers_per_kyotaku_max: u32,
    /// 利用者 of one 居宅; a send unit carries the users of its provider.
    pub users_per_kyotaku: u32,
    /// Providers' サービス種類コード and their shares (normalised).
    pub service_shares: Vec<(String, f64)>,
    /// Share of offices on the system (0–1); a pair plays when both ends are on it.
    pub adoption: f64,
    /// Share of pairs whose plan changes mid-month (a second 予定 under a new ファイル連番).
    pub change_rate: f64,
    /// Share of pairs whose 実績 is corrected (sent again under a new ファイル連番).
    pub correction_rate: f64,
    /// Share of pairs that get a deletion (削除, DLTPLAN) mid-month.
    pub deletion_rate: f64,
}

/// Service office counts by type (介護事業経営実態調査 2022 母集団) for the services a 居宅's
/// plan sends 予定 to: 訪問介護, 通所介護, 訪問看護, 短期入所生活介護, 通所リハ, 福祉用具貸与,
/// 訪問リハ.
const NATIONAL_SHARES: [(&str, f64); 7] = [
    ("11", 28_949.0),
    ("15", 21_179.0),
    ("13", 10_310.0),
    ("21", 9_826.0),
    ("16", 7_032.0),
    ("17", 6_262.0),
    ("14", 4_157.0),
];

impl Default for WorldParams {
    /// Small enough to play in about a minute: 30 居宅, 90 providers, 3–8 providers each.
    fn default() -> Self {
        WorldParams {
            seed: 1,
            kyotaku: 30,
            providers: 90,
            providers_per_kyotaku_min: 3,
            providers_per_kyotaku_max: 8,
            users_per_kyotaku: 40,
            service_shares: NATIONAL_SHARES
                .iter()
                .map(|(t, n)| (t.to_string(), *n))
                .collect(),
            adoption: 1.0,
            change_rate: 0.10,
            correction_rate: 0.05,
            deletion_rate: 0.02,
        }
    }
}

impl WorldParams {
    /// The national figures: ≈ 41,600 居宅 that bill, ≈ 287,000 offices in all (so ≈ 245,400
    /// providers), 30–60 providers per 居宅 (≈ 45), ≈ 100 users per 居宅, adoption 100 %
    /// (a stress month; 0.1–0.2 is the realistic adoption of 2025–2026).
    pub fn national() -> WorldParams {
        WorldParams {
            kyotaku: 41_600,
            providers: 287_000 - 41_600,
            providers_per_kyotaku_min: 30,
            providers_per_kyotaku_max: 60,
            users_per_kyotaku: 100,
            ..WorldParams::default()
        }
    }

    /// Checks every parameter's range.
    pub fn check(&self) -> Result<(), WorldParamsError> {
        let range = |name, ok: bool, value: String, range| {
            if ok {
                Ok(())
            } else {
                Err(WorldParamsError::Range { name, value, range })
            }
        };
        range(
            "kyotaku",
            (1..=1_000_000).contains(&self.kyotaku),
            self.kyotaku.to_string(),
            "1〜1,000,000",
        )?;
        range(
            "providers",
            (1..=10_000_000).contains(&self.providers),
            self.providers.to_string(),
            "1〜10,000,000",
        )?;
        range(
            "providers_per_kyotaku",
            self.providers_per_kyotaku_min >= 1
                && self.providers_per_kyotaku_min <= self.providers_per_kyotaku_max
                && self.providers_per_kyotaku_max <= self.providers,
            format!(
                "{}..{}",
                self.providers_per_kyotaku_min, self.providers_per_kyotaku_max
            ),
            "1 以上で min ≤ max ≤ providers",
        )?;
        range(
            "users_per_kyotaku",
            (1..=10_000).contains(&self.users_per_kyotaku),
            self.users_per_kyotaku.to_string(),
            "1〜10,000",
        )?;
        // 47 prefectures × 100 districts × 10,000 serials of office numbers.
        range(
            "kyotaku + providers",
            u64::from(self.kyotaku) + u64::from(self.providers) <= 47_000_000,
            (u64::from(self.kyotaku) + u64::from(self.providers)).to_string(),
            "47,000,000 以下",
        )?;
        for (name, v) in [
            ("adoption", self.adoption),
            ("change_rate", self.change_rate),
            ("correction_rate", self.correction_rate),
            ("deletion_rate", self.deletion_rate),
        ] {
            range(name, (0.0..=1.0).contains(&v), v.to_string(), "0〜1")?;
        }
        let rev = renkei_spec::Standard::get().default_revision();
        if self.service_shares.is_empty()
            || self
                .service_shares
                .iter()
                .any(|(t, w)| !rev.service_type_known(t) || *w < 0.0 || !w.is_finite())
            || self.service_shares.iter().map(|(_, w)| w).sum::<f64>() <= 0.0
        {
            return Err(WorldParamsError::Shares(
                self.service_shares
                    .iter()
                    .map(|(t, w)| format!("{t}={w}"))
                    .collect::<Vec<_>>()
                    .join(","),
            ));
        }
        Ok(())
    }
}

/// Parses `11=0.3,15=0.2,…` into service type shares.
pub fn parse_shares(s: &str) -> Result<Vec<(String, f64)>, WorldParamsError> {
    s.split(',')
        .map(|kv| {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| WorldParamsError::Shares(s.to_string()))?;
            let w: f64 = v
                .trim()
                .parse()
                .map_err(|_| WorldParamsError::Shares(s.to_string()))?;
            Ok((k.trim().to_string(), w))
        })
        .collect()
}

/// One office of the load world.
#[derive(Debug, Clone)]
pub struct LoadOffice {
    /// 事業所番号, with its check digit.
    pub number: String,
    /// サービス種類コード (43 for a 居宅).
    pub service_type: String,
    /// On the system (in the hub's world).
    pub adopted: bool,
}

/// A 居宅 and one of its providers: one 予定 send unit a month, one 実績 back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// Index of the 居宅 in [`LoadWorld::offices`].
    pub kyotaku: u32,
    /// Index of the provider in [`LoadWorld::offices`].
    pub provider: u32,
    /// The users of this provider among the 居宅's (how big the send units are).
    pub users: u16,
    /// The plan changes mid-month.
    pub change: bool,
    /// The 実績 is corrected.
    pub correction: bool,
    /// A deletion is sent mid-month.
    pub deletion: bool,
}

/// A generated world.
#[derive(Debug, Clone)]
pub struct LoadWorld {
    /// What it was generated from.
    pub params: WorldParams,
    /// Every office, 居宅 first.
    pub offices: Vec<LoadOffice>,
    /// Every played pair (both ends adopted), by 居宅.
    pub pairs: Vec<Pair>,
}

/// The 事業所番号 of the `i`-th office: prefecture 1 + i mod 47, class 7, then the rest of i
/// as district and serial, with the check digit (unique for i < 47,000,000).
pub fn office_number(i: u32) -> String {
    let rest = i / 47;
    renkei_spec::sample::office_number(1 + i % 47, '7', (rest / 10_000) % 100, rest % 10_000)
}

/// The login ID of the `i`-th office (`KJ` + 12 digits).
pub fn user_id(i: u32) -> String {
    format!("KJ{:012}", u64::from(i) + 100_000_000)
}

/// The password of the `i`-th office (letters and digits, 12 characters).
pub fn password(seed: u64, i: u32) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (u64::from(i) << 20) ^ 0x5eed);
    format!("Ld{:010}", rng.gen_range(0..10_000_000_000u64))
}

impl LoadWorld {
    /// Generates the world of `params` (checked first).
    pub fn generate(params: &WorldParams) -> Result<LoadWorld, WorldParamsError> {
        params.check()?;
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        let total: f64 = params.service_shares.iter().map(|(_, w)| w).sum();
        let pick_type = |x: f64| {
            let mut acc = 0.0;
            for (t, w) in &params.service_shares {
                acc += w / total;
                if x < acc {
                    return t.clone();
                }
            }
            params.service_shares[params.service_shares.len() - 1]
                .0
                .clone()
        };
        let n = params.kyotaku + params.providers;
        let mut offices = Vec::with_capacity(n as usize);
        for i in 0..n {
            let service_type = if i < params.kyotaku {
                renkei_spec::sample::KYOTAKU_TYPE.to_string()
            } else {
                pick_type(rng.gen::<f64>())
            };
            offices.push(LoadOffice {
                number: office_number(i),
                service_type,
                adopted: rng.gen::<f64>() < params.adoption,
            });
        }
        let mut pairs = Vec::new();
        let mut chosen = Vec::new();
        for k in 0..params.kyotaku {
            let count =
                rng.gen_range(params.providers_per_kyotaku_min..=params.providers_per_kyotaku_max);
            chosen.clear();
            while chosen.len() < count as usize {
                let p = params.kyotaku + rng.gen_range(0..params.providers);
                if !chosen.contains(&p) {
                    chosen.push(p);
                }
            }
            // Each user uses about three providers; at least one user per pair.
            let per_pair = (params.users_per_kyotaku * 3 / count).clamp(1, 200);
            for &p in &chosen {
                let users = rng.gen_range(per_pair.div_ceil(2)..=per_pair + per_pair / 2);
                let pair = Pair {
                    kyotaku: k,
                    provider: p,
                    users: users.clamp(1, 300) as u16,
                    change: rng.gen::<f64>() < params.change_rate,
                    correction: rng.gen::<f64>() < params.correction_rate,
                    deletion: rng.gen::<f64>() < params.deletion_rate,
                };
                if offices[k as usize].adopted && offices[p as usize].adopted {
                    pairs.push(pair);
                }
            }
        }
        Ok(LoadWorld {
            params: params.clone(),
            offices,
            pairs,
        })
    }

    /// Indices of the offices in the hub's world (adopted and in at least one pair, or all
    /// adopted ones with `all`), in index order.
    pub fn hub_offices(&self) -> Vec<u32> {
        let mut used = vec![false; self.offices.len()];
        for p in &self.pairs {
            used[p.kyotaku as usize] = true;
            used[p.provider as usize] = true;
        }
        (0..self.offices.len() as u32)
            .filter(|&i| used[i as usize])
            .collect()
    }

    /// The hub's world: every office in a played pair, registered, licensed for a year
    /// around `today`, with its login ID and password; the hub's settings as given.
    pub fn hub_world(&self, hub: HubSettings, today: time::Date) -> World {
        let offices = self
            .hub_offices()
            .into_iter()
            .map(|i| {
                let o = &self.offices[i as usize];
                Office {
                    number: o.number.clone(),
                    name: format!("負荷試験事業所{i}"),
                    service_type: o.service_type.clone(),
                    user_id: user_id(i),
                    password: password(self.params.seed, i),
                    password_state: PasswordState::Active,
                    registered: true,
                    licence: Some(Licence {
                        start: Day(today - time::Duration::days(180)),
                        end: Day(today + time::Duration::days(184)),
                        auto_renew: true,
                        fee_yen: None,
                    }),
                    certificate: CertificateSpec::default(),
                }
            })
            .collect();
        World {
            hub,
            pki: PkiSettings::default(),
            offices,
            lookup: Default::default(),
        }
    }

    /// The index of the office numbered `number` (offices are numbered by index).
    pub fn index_of(&self, number: &str) -> Option<u32> {
        // The number encodes the index: prefecture, district and serial.
        let pref: u32 = number.get(..2)?.parse().ok()?;
        let district: u32 = number.get(3..5)?.parse().ok()?;
        let serial: u32 = number.get(5..9)?.parse().ok()?;
        let i = (district * 10_000 + serial) * 47 + (pref - 1);
        (self.offices.get(i as usize)?.number == number).then_some(i)
    }

    /// Offices on the system, and how many sends a month the pairs make (予定, changes,
    /// deletions, 実績, corrections).
    pub fn summary(&self) -> WorldSummary {
        let pairs = self.pairs.len() as u64;
        let count = |f: fn(&Pair) -> bool| self.pairs.iter().filter(|p| f(p)).count() as u64;
        WorldSummary {
            offices: self.offices.len() as u64,
            adopted: self.offices.iter().filter(|o| o.adopted).count() as u64,
            hub_offices: self.hub_offices().len() as u64,
            pairs,
            sends_per_month: 2 * pairs
                + count(|p| p.change)
                + count(|p| p.correction)
                + count(|p| p.deletion),
        }
    }
}

/// The size of a world, as load.json reports it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct WorldSummary {
    /// Offices generated.
    pub offices: u64,
    /// Offices on the system.
    pub adopted: u64,
    /// Offices in the hub's world (in a played pair).
    pub hub_offices: u64,
    /// Pairs played.
    pub pairs: u64,
    /// Sends a whole month makes.
    pub sends_per_month: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_world_and_another_seed_another() {
        let p = WorldParams::default();
        let a = LoadWorld::generate(&p).expect("world");
        let b = LoadWorld::generate(&p).expect("world");
        assert_eq!(a.pairs, b.pairs);
        let c = LoadWorld::generate(&WorldParams { seed: 2, ..p }).expect("world");
        assert_ne!(a.pairs, c.pairs);
    }

    #[test]
    fn office_numbers_are_unique_valid_and_map_back_to_their_index() {
        let w = LoadWorld::generate(&WorldParams::default()).expect("world");
        let mut seen = std::collections::BTreeSet::new();
        for (i, o) in w.offices.iter().enumerate() {
            renkei_simulator::world::office_number_shape(&o.number).expect("shape");
            assert!(seen.insert(o.number.clone()));
            assert_eq!(w.index_of(&o.number), Some(i as u32));
        }
        assert_eq!(office_number(46_999_999).len(), 10);
    }

    #[test]
    fn the_hub_world_passes_the_simulators_checks() {
        let w = LoadWorld::generate(&WorldParams::default()).expect("world");
        let hub = w.hub_world(HubSettings::default(), time::macros::date!(2026 - 12 - 01));
        hub.check("load").expect("a valid world");
        assert_eq!(hub.offices.len() as u64, w.summary().hub_offices);
    }

    #[test]
    fn adoption_keeps_only_pairs_with_both_ends_on_the_system() {
        let p = WorldParams {
            adoption: 0.3,
            kyotaku: 200,
            providers: 600,
            ..WorldParams::default()
        };
        let w = LoadWorld::generate(&p).expect("world");
        let all = LoadWorld::generate(&WorldParams { adoption: 1.0, ..p }).expect("world");
        assert!(w.pairs.len() < all.pairs.len() / 5, "{}", w.pairs.len());
        assert!(w.pairs.iter().all(
            |x| w.offices[x.kyotaku as usize].adopted && w.offices[x.provider as usize].adopted
        ));
    }

    #[test]
    fn out_of_range_parameters_are_refused_by_name() {
        let bad = WorldParams {
            adoption: 1.5,
            ..WorldParams::default()
        };
        let e = LoadWorld::generate(&bad).expect_err("refused");
        assert!(e.to_string().contains("adoption"), "{e}");
        assert!(parse_shares("11=0.5,xx").is_err());
        let unknown = WorldParams {
            service_shares: vec![("99".into(), 1.0)],
            ..WorldParams::default()
        };
        assert!(matches!(unknown.check(), Err(WorldParamsError::Shares(_))));
    }

    #[test]
    fn national_figures_give_about_four_million_sends_a_month() {
        // Generating the national world is a second or two; the sizes are the design's.
        let w = LoadWorld::generate(&WorldParams::national()).expect("world");
        let s = w.summary();
        assert_eq!(s.offices, 287_000);
        assert!((1_700_000..2_100_000).contains(&s.pairs), "{s:?}");
        assert!((3_500_000..4_500_000).contains(&s.sends_per_month), "{s:?}");
    }
}
