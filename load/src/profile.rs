//! The month as a profile (data, not code): when each kind of send happens over the simulated
//! month, read from TOML (`load/profiles/month-end.toml` is the default, built in), and the
//! schedule it gives a world: one instant per send, deterministic per pair.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::units::SendKind;
use crate::world::LoadWorld;

/// The built-in `month-end` profile.
pub const MONTH_END: &str = include_str!("../profiles/month-end.toml");

/// Why a profile is refused.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("{path}: 読めません: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not TOML of the profile's shape (the message has the line and column).
    #[error("{path}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// toml's message, with line and column.
        message: String,
    },
    /// A value breaks a rule of the profile.
    #[error("{path}: {key}: {rule}")]
    Rule {
        /// The file.
        path: String,
        /// The key, e.g. `yotei.days[3]`.
        key: String,
        /// The rule broken.
        rule: String,
    },
}

/// Which month a class of sends falls in, relative to the target month M.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relative {
    /// M-1.
    Previous,
    /// M.
    Target,
    /// M+1.
    Next,
}

/// When one kind of send happens: a month and day weights.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Class {
    /// The month, relative to M.
    pub month: Relative,
    /// `[day, weight]`; a negative day counts back from the month's end (-1 = last day).
    pub days: Vec<(i32, f64)>,
}

/// A profile file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Its name (`month-end`).
    pub name: String,
    /// One line on what it models.
    #[serde(default)]
    pub description: String,
    /// The target month M (YYYY-MM): the month the 予定 are for.
    pub month: String,
    /// Simulated minutes between a receiver's inbox polls once something was sent to it.
    pub poll_minutes: u32,
    /// Weights of Monday … Sunday.
    pub weekday_weights: [f64; 7],
    /// Weights of the hours 00 … 23 (JST).
    pub hour_weights: [f64; 24],
    /// 予定 (one per pair).
    pub yotei: Class,
    /// Plan changes.
    pub change: Class,
    /// Deletions.
    pub deletion: Class,
    /// 実績 (one per pair).
    pub jisseki: Class,
    /// Corrections of 実績 (after the pair's 実績).
    pub correction: Class,
}

/// Japan Standard Time.
pub const JST: time::UtcOffset = renkei_simulator::clock::JST;

impl Profile {
    /// Reads a profile file; `month-end` names the built-in one.
    pub fn load(spec: &str) -> Result<Profile, ProfileError> {
        if spec == "month-end" {
            return Profile::parse(MONTH_END, "month-end (built in)");
        }
        let text = std::fs::read_to_string(Path::new(spec)).map_err(|source| ProfileError::Io {
            path: spec.to_string(),
            source,
        })?;
        Profile::parse(&text, spec)
    }

    /// Parses and checks profile TOML; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let p: Profile = toml::from_str(text).map_err(|e| ProfileError::Syntax {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        p.check(origin)?;
        Ok(p)
    }

    fn check(&self, origin: &str) -> Result<(), ProfileError> {
        let rule = |key: String, rule: &str| ProfileError::Rule {
            path: origin.to_string(),
            key,
            rule: rule.to_string(),
        };
        self.target().map_err(|r| rule("month".into(), &r))?;
        if !(1..=24 * 60).contains(&self.poll_minutes) {
            return Err(rule("poll_minutes".into(), "1〜1440 分にしてください"));
        }
        let weights_ok =
            |w: &[f64]| w.iter().all(|x| x.is_finite() && *x >= 0.0) && w.iter().sum::<f64>() > 0.0;
        if !weights_ok(&self.weekday_weights) {
            return Err(rule("weekday_weights".into(), "0 以上で、合計が正の数"));
        }
        if !weights_ok(&self.hour_weights) {
            return Err(rule("hour_weights".into(), "0 以上で、合計が正の数"));
        }
        for kind in SendKind::ALL {
            let c = self.class(kind);
            let name = kind.name();
            if c.days.is_empty() || !weights_ok(&c.days.iter().map(|d| d.1).collect::<Vec<_>>()) {
                return Err(rule(
                    format!("{name}.days"),
                    "[日, 重み] を1つ以上、重みは 0 以上で合計が正の数",
                ));
            }
            for (i, (day, _)) in c.days.iter().enumerate() {
                if *day == 0 || !(-28..=28).contains(day) {
                    return Err(rule(
                        format!("{name}.days[{i}]"),
                        "日は 1〜28 か、月末から数えて -1〜-28 です",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The class of `kind`.
    pub fn class(&self, kind: SendKind) -> &Class {
        match kind {
            SendKind::Yotei => &self.yotei,
            SendKind::Change => &self.change,
            SendKind::Deletion => &self.deletion,
            SendKind::Jisseki => &self.jisseki,
            SendKind::Correction => &self.correction,
        }
    }

    /// The target month's year and month.
    pub fn target(&self) -> Result<(i32, Month), String> {
        let bad = || format!("「{}」は YYYY-MM ではありません", self.month);
        let (y, m) = self.month.split_once('-').ok_or_else(bad)?;
        let y: i32 = y.parse().map_err(|_| bad())?;
        let m: u8 = m.parse().map_err(|_| bad())?;
        let m = Month::try_from(m).map_err(|_| bad())?;
        if !(2000..=2100).contains(&y) {
            return Err(bad());
        }
        Ok((y, m))
    }

    /// The target month as YYYYMM (対象年月 of the files).
    pub fn target_yyyymm(&self) -> String {
        let (y, m) = self.target().unwrap_or((2027, Month::January));
        format!("{y:04}{:02}", m as u8)
    }

    /// The dates (with their weights, the weekday's included) a class draws from.
    fn dates(&self, c: &Class) -> Vec<(Date, f64)> {
        let (y, m) = self.target().unwrap_or((2027, Month::January));
        let (y, m) = match c.month {
            Relative::Previous if m == Month::January => (y - 1, Month::December),
            Relative::Previous => (y, m.previous()),
            Relative::Target => (y, m),
            Relative::Next if m == Month::December => (y + 1, Month::January),
            Relative::Next => (y, m.next()),
        };
        let last = m.length(y);
        c.days
            .iter()
            .filter_map(|&(d, w)| {
                let day = if d < 0 { last as i32 + 1 + d } else { d };
                let date = Date::from_calendar_date(y, m, u8::try_from(day).ok()?).ok()?;
                let wd = self.weekday_weights[date.weekday().number_days_from_monday() as usize];
                Some((date, w * wd))
            })
            .collect()
    }

    /// The first and last day any send can fall on.
    pub fn span(&self) -> (Date, Date) {
        let all: Vec<Date> = SendKind::ALL
            .iter()
            .flat_map(|k| self.dates(self.class(*k)).into_iter().map(|(d, _)| d))
            .collect();
        let first = all.iter().min().copied().unwrap_or(Date::MIN);
        let last = all.iter().max().copied().unwrap_or(Date::MIN);
        (first, last)
    }
}

/// One scheduled send: which pair, what, and when (seconds after the schedule's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Simulated seconds after [`Schedule::start`].
    pub at: u32,
    /// Index of the pair in [`LoadWorld::pairs`].
    pub pair: u32,
    /// What is sent.
    pub kind: SendKind,
}

/// Every send of the month, in time order.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// 00:00 JST of the first day.
    pub start: OffsetDateTime,
    /// Simulated seconds from the start to the end of the last day.
    pub length: u32,
    /// The sends, by time.
    pub events: Vec<Event>,
}

/// Draws an index by weight.
fn draw(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Which pairs a shard plays: `index` of `count` (pairs by 居宅, 居宅 number mod count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 0-based.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl Shard {
    /// The whole world.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `i/N` (0 ≤ i < N).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard「{s}」は i/N（0 ≤ i < N）です");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard plays the pairs of 居宅 `kyotaku`.
    pub fn has(&self, kyotaku: u32) -> bool {
        kyotaku % self.count == self.index
    }
}

impl Schedule {
    /// The schedule of `world`'s pairs in `shard` under `profile`.
    pub fn build(profile: &Profile, world: &LoadWorld, shard: Shard) -> Schedule {
        let (first, last) = profile.span();
        let start = PrimitiveDateTime::new(first, Time::MIDNIGHT).assume_offset(JST);
        let length = ((last - first).whole_days() as u32 + 1) * 86_400;
        let classes: Vec<(SendKind, Vec<(Date, f64)>)> = SendKind::ALL
            .iter()
            .map(|k| (*k, profile.dates(profile.class(*k))))
            .collect();
        let dates = |k: SendKind| &classes[k as usize].1;
        let mut events = Vec::new();
        for (i, pair) in world.pairs.iter().enumerate() {
            if !shard.has(pair.kyotaku) {
                continue;
            }
            let mut rng = ChaCha8Rng::seed_from_u64(world.params.seed ^ ((i as u64) << 16) ^ 7);
            let at = |k: SendKind, rng: &mut ChaCha8Rng| -> u32 {
                let ds = dates(k);
                let (date, _) = ds[draw(rng, &ds.iter().map(|d| d.1).collect::<Vec<_>>())];
                let hour = draw(rng, &profile.hour_weights) as u32;
                let secs = hour * 3600 + rng.gen_range(0..3600);
                ((date - first).whole_days() as u32) * 86_400 + secs
            };
            let yotei = at(SendKind::Yotei, &mut rng);
            events.push(Event {
                at: yotei,
                pair: i as u32,
                kind: SendKind::Yotei,
            });
            let mut mid = Vec::new();
            if pair.change {
                mid.push((at(SendKind::Change, &mut rng), SendKind::Change));
            }
            if pair.deletion {
                mid.push((at(SendKind::Deletion, &mut rng), SendKind::Deletion));
            }
            let mut before = yotei;
            mid.sort();
            for (t, kind) in mid {
                // Later than the 予定 and distinct seconds: a distinct ファイル連番 each.
                let t = t.max(before + 1);
                events.push(Event {
                    at: t,
                    pair: i as u32,
                    kind,
                });
                before = t;
            }
            let jisseki = at(SendKind::Jisseki, &mut rng).max(before + 1);
            events.push(Event {
                at: jisseki,
                pair: i as u32,
                kind: SendKind::Jisseki,
            });
            if pair.correction {
                let mut t = at(SendKind::Correction, &mut rng);
                if t <= jisseki {
                    t = jisseki + 3600 + rng.gen_range(0..3600);
                }
                events.push(Event {
                    at: t,
                    pair: i as u32,
                    kind: SendKind::Correction,
                });
            }
        }
        events.sort_by_key(|e| (e.at, e.pair, e.kind));
        Schedule {
            start,
            length,
            events,
        }
    }

    /// The simulated instant of `at`, in JST.
    pub fn instant(&self, at: u32) -> OffsetDateTime {
        self.start + time::Duration::seconds(i64::from(at))
    }

    /// The ファイル連番 of a send made at `at`: the simulated instant, YYYYMMDDHHMMSS.
    pub fn serial(&self, at: u32) -> String {
        let t = self.instant(at);
        renkei_simulator::clock::file_serial(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldParams;

    #[test]
    fn the_built_in_profile_puts_yotei_before_the_month_and_jisseki_in_the_first_ten_days() {
        let p = Profile::load("month-end").expect("profile");
        let w = LoadWorld::generate(&WorldParams::default()).expect("world");
        let s = Schedule::build(&p, &w, Shard::ALL);
        assert_eq!(s.events.len() as u64, w.summary().sends_per_month);
        for e in &s.events {
            let t = s.instant(e.at);
            match e.kind {
                SendKind::Yotei => assert_eq!((t.month(), t.day() >= 22), (Month::December, true)),
                SendKind::Jisseki => {
                    assert_eq!(t.month(), Month::February);
                    assert!(t.day() <= 10);
                }
                SendKind::Change | SendKind::Deletion => assert_eq!(t.month(), Month::January),
                SendKind::Correction => assert_eq!(t.month(), Month::February),
            }
        }
        // Within a pair, sends are in the month's order and a direction's ファイル連番 differ.
        for (i, _) in w.pairs.iter().enumerate() {
            let mine: Vec<&Event> = s.events.iter().filter(|e| e.pair == i as u32).collect();
            assert_eq!(mine[0].kind, SendKind::Yotei);
            let mut serials: Vec<String> = mine.iter().map(|e| s.serial(e.at)).collect();
            serials.dedup();
            assert_eq!(serials.len(), mine.len());
        }
    }

    #[test]
    fn shards_split_the_schedule_without_overlap() {
        let p = Profile::load("month-end").expect("profile");
        let w = LoadWorld::generate(&WorldParams::default()).expect("world");
        let all = Schedule::build(&p, &w, Shard::ALL).events.len();
        let a = Schedule::build(&p, &w, Shard::parse("0/2").expect("shard"));
        let b = Schedule::build(&p, &w, Shard::parse("1/2").expect("shard"));
        assert_eq!(a.events.len() + b.events.len(), all);
        assert!(a.events.iter().all(|e| !b.events.contains(e)));
        assert!(Shard::parse("2/2").is_err() && Shard::parse("x").is_err());
    }

    #[test]
    fn a_bad_profile_names_the_key_and_the_rule() {
        let bad = MONTH_END.replace("poll_minutes = 30", "poll_minutes = 0");
        let e = Profile::parse(&bad, "p.toml").expect_err("refused");
        assert!(e.to_string().starts_with("p.toml: poll_minutes"), "{e}");
        let bad = MONTH_END.replace("[[-10, 1]", "[[0, 1]");
        let e = Profile::parse(&bad, "p.toml").expect_err("refused");
        assert!(e.to_string().contains("yotei.days[0]"), "{e}");
        let e = Profile::parse("name = 3", "p.toml").expect_err("refused");
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
