//! Deterministic synthetic send units: valid files of every kind, full of the MS932 traps
//! (NEC special characters, both forms of IBM extension kanji, half-width katakana, the 5C
//! characters ソ表能, quoted commas, quotes and line breaks in free text).
//!
//! The same seed always gives the same records. Records are built by item name and projected
//! onto the revision's layout, so one generator serves 4.1 and 3.2.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::calendar;
use crate::filename::Party;
use crate::model::{DataFile, Record, SendUnit};
use crate::standard::{FileSpec, Revision, Standard};

/// A service of the catalogue: code, name, units, and whether it carries times.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// The サービスコード (6 characters).
    pub code: &'static str,
    /// The service's name.
    pub name: &'static str,
    /// Its units (単位数) per time.
    pub units: i64,
    /// (start, end) as HHMM, or None for untimed services (9999).
    pub time: Option<(&'static str, &'static str)>,
    /// ISO weekdays (1 = Monday) on which it is planned; empty = once a month.
    pub weekdays: &'static [u32],
}

/// A service office of the synthetic world.
#[derive(Debug, Clone)]
pub struct Provider {
    /// The office's 事業所番号.
    pub office: String,
    /// Its サービス種類コード.
    pub service_type: String,
    /// Its name.
    pub name: String,
    /// The services it offers.
    pub services: Vec<Service>,
}

/// A user (利用者) of the 居宅介護支援事業所.
#[derive(Debug, Clone)]
pub struct User {
    /// 保険者番号.
    pub insurer: String,
    /// 被保険者番号.
    pub insured: String,
    /// フリガナ in katakana (half-width for some users, to exercise the codec).
    pub kana: String,
    /// Name (氏名).
    pub name: String,
    /// Sex code (性別: 1 male, 2 female).
    pub sex: &'static str,
    /// Date of birth (YYYYMMDD).
    pub birth: String,
    /// Postal code.
    pub postal: String,
    /// Address, first line.
    pub address1: String,
    /// Address, second line.
    pub address2: String,
    /// Phone number.
    pub phone: String,
    /// 要介護状態区分 code.
    pub care_level: &'static str,
    /// 区分支給限度基準額 in units per month.
    pub limit: i64,
    /// Indexes into the world's providers.
    pub providers: Vec<usize>,
    /// The user's own routine (利用者ごとの曜日・時間帯): 0 keeps the catalogue's days and
    /// times; `n` moves every planned weekday `n` days on (mod 7) and every time `n` × 30
    /// minutes later (mod 4), so that files of many users do not repeat one schedule.
    pub routine: u32,
}

/// The care manager's office, its providers and users.
#[derive(Debug, Clone)]
pub struct World {
    /// The 居宅介護支援事業所 (sender of 予定).
    pub kyotaku: Party,
    /// Its name.
    pub kyotaku_name: String,
    /// The care manager (ケアマネジャー) who writes the plans.
    pub care_manager: String,
    /// 地域包括支援センター for the 介護予防 files.
    pub houkatsu: Party,
    /// The サービス事業所.
    pub providers: Vec<Provider>,
    /// The users (利用者).
    pub users: Vec<User>,
    /// Plan changes within a month (月途中の計画変更), applied by the plan generator.
    pub plan_changes: Vec<PlanChange>,
}

/// A change of plan from a day of the month on: provider `provider`'s service `service`
/// is planned on `weekdays` from `from_day` instead of its usual days.
#[derive(Debug, Clone)]
pub struct PlanChange {
    /// Index of the provider.
    pub provider: usize,
    /// Index of the service in the provider's catalogue.
    pub service: usize,
    /// The first day (1-based) the new days apply.
    pub from_day: u32,
    /// The ISO weekdays planned from then on.
    pub weekdays: &'static [u32],
}

const FAMILY: &[&str] = &[
    "髙橋", "山﨑", "渡邊", "佐藤", "鈴木", "田中", "伊藤", "中村", "小林", "加藤", "表", "能登",
    "宗像", "德永", "吉田", "斎藤", "栁田", "石川",
];
const FAMILY_KANA: &[&str] = &[
    "タカハシ",
    "ヤマザキ",
    "ワタナベ",
    "サトウ",
    "スズキ",
    "タナカ",
    "イトウ",
    "ナカムラ",
    "コバヤシ",
    "カトウ",
    "オモテ",
    "ノト",
    "ムナカタ",
    "トクナガ",
    "ヨシダ",
    "サイトウ",
    "ヤナギタ",
    "イシカワ",
];
const GIVEN: &[(&str, &str, &str)] = &[
    ("花子", "ハナコ", "2"),
    ("ソノ", "ソノ", "2"),
    ("太郎", "タロウ", "1"),
    ("美代子", "ミヨコ", "2"),
    ("一郎", "イチロウ", "1"),
    ("能子", "ヨシコ", "2"),
    ("正雄", "マサオ", "1"),
    ("芳江", "ヨシエ", "2"),
    ("昭", "アキラ", "1"),
    ("ハル", "ハル", "2"),
];
const TOWNS: &[&str] = &[
    "東京都千代田区神田表町①丁目２番３号",
    "神奈川県横浜市港北区日吉本町４－５－６",
    "埼玉県さいたま市浦和区高砂１丁目",
    "千葉県船橋市本町７丁目８番",
    "東京都世田谷区太子堂２－３",
];
const BUILDINGS: &[&str] = &[
    "コーポ能登１０１",
    "㈱ソフト表ビル３Ｆ",
    "",
    "ﾒｿﾞﾝ髙田 202",
    "サンハイツ﨑山Ⅱ－５",
];

const HOUMON: &[Service] = &[
    Service {
        code: "111211",
        name: "身体介護２",
        units: 387,
        time: Some(("1000", "1100")),
        weekdays: &[1, 3, 5],
    },
    Service {
        code: "112311",
        name: "生活援助３",
        units: 220,
        time: Some(("1400", "1500")),
        weekdays: &[2],
    },
];
const TSUSHO: &[Service] = &[
    Service {
        code: "151321",
        name: "通所介護Ⅰ２３",
        units: 753,
        time: Some(("0930", "1645")),
        weekdays: &[2, 4],
    },
    Service {
        code: "155051",
        name: "通所介護入浴介助加算Ⅰ",
        units: 40,
        time: Some(("0930", "1645")),
        weekdays: &[2, 4],
    },
];
const FUKUSHI: &[Service] = &[
    Service {
        code: "171001",
        name: "車いす貸与",
        units: 500,
        time: None,
        weekdays: &[],
    },
    Service {
        code: "171007",
        name: "手すり貸与",
        units: 300,
        time: None,
        weekdays: &[],
    },
];
const KANGO: &[Service] = &[Service {
    code: "131111",
    name: "訪看Ⅰ１",
    units: 314,
    time: Some(("1300", "1330")),
    weekdays: &[4],
}];

/// The care-manager office's own service type (居宅介護支援).
pub const KYOTAKU_TYPE: &str = "43";
/// The 地域包括支援センター's type in 介護予防 file names (介護予防支援).
pub const YOBO_TYPE: &str = "46";

/// The check digit of a 事業所番号 (simulator/HUB-RULES.md: modulus 10, weights 2,1,2,1… from the right,
/// letters A=10 … Z=32 skipping I, O, Q, digits of each product summed).
pub fn office_check_digit(first9: &str) -> Option<u32> {
    let mut sum = 0;
    for (k, c) in first9.chars().rev().enumerate() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' if !matches!(c, 'I' | 'O' | 'Q') => {
                let skip = ['I', 'O', 'Q'].iter().filter(|&&s| s < c).count() as u32;
                10 + (c as u32 - 'A' as u32) - skip
            }
            _ => return None,
        };
        let p = v * if k % 2 == 0 { 2 } else { 1 };
        sum += p
            .to_string()
            .chars()
            .map(|d| d as u32 - '0' as u32)
            .sum::<u32>();
    }
    Some((10 - sum % 10) % 10)
}

/// A 事業所番号 from prefecture, class and serial, with its check digit.
pub fn office_number(pref: u32, class: char, district: u32, serial: u32) -> String {
    let first9 = format!("{pref:02}{class}{district:02}{serial:04}");
    let cd = office_check_digit(&first9).unwrap_or(0);
    format!("{first9}{cd}")
}

impl World {
    /// A world of `users` users and four providers (訪問介護, 通所介護, 福祉用具貸与, 訪問看護).
    pub fn generate(seed: u64, users: usize) -> World {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let kyotaku = Party {
            office: office_number(13, '7', 10, 100 + (seed % 900) as u32),
            service_type: Some(KYOTAKU_TYPE.into()),
        };
        let providers = vec![
            Provider {
                office: office_number(13, '7', 10, 2001),
                service_type: "11".into(),
                name: "ヘルパーステーション表参道".into(),
                services: HOUMON.to_vec(),
            },
            Provider {
                office: office_number(13, '7', 10, 3002),
                service_type: "15".into(),
                name: "デイサービス能登の郷".into(),
                services: TSUSHO.to_vec(),
            },
            Provider {
                office: office_number(13, '7', 10, 4003),
                service_type: "17".into(),
                name: "㈱ケア用品ソリューション".into(),
                services: FUKUSHI.to_vec(),
            },
            Provider {
                office: office_number(13, '7', 10, 5004),
                service_type: "13".into(),
                name: "訪問看護ステーション髙島".into(),
                services: KANGO.to_vec(),
            },
        ];
        let levels: &[(&str, i64)] = &[
            ("21", 16765),
            ("22", 19705),
            ("23", 27048),
            ("24", 30938),
            ("25", 36217),
        ];
        let mut list = Vec::new();
        for n in 0..users {
            let f = rng.gen_range(0..FAMILY.len());
            let (g, gk, sex) = GIVEN[rng.gen_range(0..GIVEN.len())];
            let half = rng.gen_bool(0.3);
            let kana_full = format!("{}　{}", FAMILY_KANA[f], gk);
            let kana = if half {
                to_half_width_kana(&kana_full)
            } else {
                kana_full
            };
            let (level, limit) = levels[rng.gen_range(0..levels.len())];
            let insured = if n % 7 == 1 {
                format!("H{:09}", rng.gen_range(0..1_000_000_000u64))
            } else {
                format!("{:010}", 1_000_000_000u64 + n as u64 * 7919 + seed % 1000)
            };
            let mut providers: Vec<usize> = (0..4).filter(|_| rng.gen_bool(0.6)).collect();
            if !providers.contains(&0) {
                providers.insert(0, 0);
            }
            list.push(User {
                insurer: format!("13{:04}", 1000 + rng.gen_range(1..200)),
                insured,
                kana,
                name: format!("{}　{}", FAMILY[f], g),
                sex,
                birth: format!(
                    "19{:02}{:02}{:02}",
                    rng.gen_range(25..50),
                    rng.gen_range(1..13),
                    rng.gen_range(1..29)
                ),
                postal: format!(
                    "{:03}-{:04}",
                    rng.gen_range(100..999),
                    rng.gen_range(0..10000)
                ),
                address1: TOWNS[rng.gen_range(0..TOWNS.len())].to_string(),
                address2: BUILDINGS[rng.gen_range(0..BUILDINGS.len())].to_string(),
                phone: format!(
                    "03-{:04}-{:04}",
                    rng.gen_range(1000..10000),
                    rng.gen_range(0..10000)
                ),
                care_level: level,
                limit,
                providers,
                routine: 0,
            });
        }
        // Every provider serves somebody.
        for p in 0..providers.len() {
            if !list.is_empty() && !list.iter().any(|u| u.providers.contains(&p)) {
                let n = p % list.len();
                list[n].providers.push(p);
            }
        }
        World {
            kyotaku,
            kyotaku_name: "居宅介護支援センターソレイユ表".into(),
            care_manager: "能登　昭子".into(),
            houkatsu: Party {
                office: office_number(13, '7', 10, 9009),
                service_type: Some(YOBO_TYPE.into()),
            },
            providers,
            users: list,
            plan_changes: Vec::new(),
        }
    }

    /// The weekdays service `svc` of provider `p` is planned on, on day `day`.
    fn planned_weekdays(&self, p: usize, svc: usize, day: u32) -> &'static [u32] {
        self.plan_changes
            .iter()
            .rev()
            .find(|c| c.provider == p && c.service == svc && day >= c.from_day)
            .map(|c| c.weekdays)
            .unwrap_or(self.providers[p].services[svc].weekdays)
    }

    /// Provider `p` as a party of a file name (with its サービス種類コード).
    pub fn provider_party(&self, p: usize) -> Party {
        Party {
            office: self.providers[p].office.clone(),
            service_type: Some(self.providers[p].service_type.clone()),
        }
    }

    /// The users who use provider `p`.
    pub fn users_of(&self, p: usize) -> impl Iterator<Item = &User> {
        self.users.iter().filter(move |u| u.providers.contains(&p))
    }
}

/// Full-width katakana (and the ideographic space) to half-width.
pub fn to_half_width_kana(s: &str) -> String {
    const FULL: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォャュョッー";
    const HALF: &str = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｬｭｮｯｰ";
    const DAKU: &str = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ";
    const DAKU_BASE: &str = "ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎ";
    const HANDAKU: &str = "パピプペポ";
    let full: Vec<char> = FULL.chars().collect();
    let half: Vec<char> = HALF.chars().collect();
    let mut out = String::new();
    for c in s.chars() {
        if c == '　' {
            out.push(' ');
        } else if let Some(i) = full.iter().position(|&f| f == c) {
            out.push(half[i]);
        } else if let Some(i) = DAKU.chars().position(|f| f == c) {
            out.push(DAKU_BASE.chars().nth(i).unwrap_or(c));
            out.push('ﾞ');
        } else if let Some(i) = HANDAKU.chars().position(|f| f == c) {
            out.push("ﾊﾋﾌﾍﾎ".chars().nth(i).unwrap_or(c));
            out.push('ﾟ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Builds a record of `spec` from (item name, value) pairs; other items stay empty.
/// Unknown names are ignored, so one builder serves every revision.
fn project(rev: &Revision, spec: &FileSpec, pairs: &[(&str, String)]) -> Record {
    let map: HashMap<&str, &String> = pairs.iter().map(|(k, v)| (*k, v)).collect();
    let values = spec
        .items
        .iter()
        .map(|it| {
            if it.no == 1 {
                return rev.csv_version.clone();
            }
            map.get(it.key.as_str())
                .map(|v| (*v).clone())
                .unwrap_or_default()
        })
        .collect();
    Record { values }
}

struct Builder<'a> {
    rev: &'a Revision,
    unit: SendUnit,
}

impl<'a> Builder<'a> {
    fn new(rev: &'a Revision, sequence: &str, sender: Party, receiver: Party) -> Builder<'a> {
        let strip = |p: Party| Party {
            office: p.office,
            service_type: p.service_type.filter(|_| rev.filename_service_types),
        };
        Builder {
            rev,
            unit: SendUnit {
                revision: rev.revision.clone(),
                sequence: sequence.into(),
                sender: strip(sender),
                receiver: strip(receiver),
                files: Vec::new(),
            },
        }
    }

    fn file(&mut self, kind: &str, month: Option<&str>, rows: Vec<Vec<(&str, String)>>) {
        let Some(spec) = self.rev.file(kind) else {
            return;
        };
        let records = rows.iter().map(|r| project(self.rev, spec, r)).collect();
        self.unit.files.push(DataFile {
            kind: kind.into(),
            month: month.map(str::to_string),
            records,
        });
    }
}

fn revision(rev: &str) -> &'static Revision {
    let std = Standard::get();
    std.revision(rev).unwrap_or_else(|| std.default_revision())
}

fn s(v: impl ToString) -> String {
    v.to_string()
}

/// The date (YYYYMMDD) `days` days before the first of `month`, roughly (for 作成年月日).
fn made_on(month: &str) -> String {
    let (y, m) = calendar::parse_month(month).unwrap_or((2025, 5));
    let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    format!("{py:04}{pm:02}25")
}

fn weekday(y: u32, m: u32, d: u32) -> u32 {
    // Zeller-like: 1 = Monday … 7 = Sunday.
    let (yy, mm) = if m < 3 { (y - 1, m + 12) } else { (y, m) };
    let k = yy % 100;
    let j = yy / 100;
    let h = (d + 13 * (mm + 1) / 5 + k + k / 4 + j / 4 + 5 * j) % 7; // 0 = Saturday
    ((h + 5) % 7) + 1
}

/// One planned or delivered service line: (user, provider, service, date, start, end).
type Line<'w> = (&'w User, usize, Service, String, String, String);

fn plan_lines<'w>(world: &'w World, month: &str) -> Vec<Line<'w>> {
    let mut lines = Vec::new();
    for u in &world.users {
        user_lines(world, u, month, &mut lines);
    }
    lines
}

/// Appends the planned lines of user `u` for `month`, provider by provider.
fn user_lines<'w>(world: &'w World, u: &'w User, month: &str, lines: &mut Vec<Line<'w>>) {
    let (y, m) = calendar::parse_month(month).unwrap_or((2025, 5));
    for &p in &u.providers {
        for (si, svc) in world.providers[p].services.iter().enumerate() {
            let (st, en) = svc
                .time
                .map(|(a, b)| (later(a, u.routine), later(b, u.routine)))
                .unwrap_or(("9999".into(), "9999".into()));
            if svc.weekdays.is_empty() {
                lines.push((
                    u,
                    p,
                    *svc,
                    format!("{y:04}{m:02}01"),
                    st.clone(),
                    en.clone(),
                ));
                continue;
            }
            for d in 1..=calendar::days_in_month(y, m) {
                // The user's routine moves the catalogue's weekdays `routine` days on.
                let base = (weekday(y, m, d) + 6 * 7 - u.routine % 7 - 1) % 7 + 1;
                if world.planned_weekdays(p, si, d).contains(&base) {
                    lines.push((
                        u,
                        p,
                        *svc,
                        format!("{y:04}{m:02}{d:02}"),
                        st.clone(),
                        en.clone(),
                    ));
                }
            }
        }
    }
}

/// `hhmm` moved `routine % 4` half hours later, within the day.
fn later(hhmm: &str, routine: u32) -> String {
    let shift = (routine % 4) * 30;
    match (
        hhmm.get(..2).map(str::parse::<u32>),
        hhmm.get(2..).map(str::parse::<u32>),
    ) {
        (Some(Ok(h)), Some(Ok(m))) if shift > 0 => {
            let t = (h * 60 + m + shift).min(23 * 60 + 59);
            format!("{:02}{:02}", t / 60, t % 60)
        }
        _ => hhmm.to_string(),
    }
}

fn usage_row<'x>(
    world: &World,
    line: &Line<'_>,
    month: &str,
    made: &str,
    meisai: usize,
) -> Vec<(&'x str, String)> {
    let (u, p, svc, date, st, en) = line;
    let prov = &world.providers[*p];
    let fukushi = svc.code.starts_with("17");
    vec![
        ("保険者番号", u.insurer.clone()),
        ("被保険者番号", u.insured.clone()),
        ("作成年月日", made.to_string()),
        ("対象年月", month.to_string()),
        ("プラン担当業者コード", world.kyotaku.office.clone()),
        ("プラン担当者名", world.care_manager.clone()),
        ("単位数", s(svc.units)),
        ("サービス利用日", date.clone()),
        ("サービス開始時刻", st.clone()),
        ("サービス終了時刻", en.clone()),
        ("サービス回数", s(1)),
        ("サービスコード", svc.code.to_string()),
        (
            "TAISコード",
            if fukushi {
                format!("00170-{:06}", 100 + meisai)
            } else {
                String::new()
            },
        ),
        (
            "用具名称（機種名）",
            if fukushi {
                format!("{}（型式ソ表-{meisai}）", svc.name)
            } else {
                String::new()
            },
        ),
        (
            "明細判別コード",
            if fukushi { s(meisai) } else { String::new() },
        ),
        ("サービス事業者コード", prov.office.clone()),
        ("サービス事業所名", prov.name.clone()),
        ("３０日超区分", s(0)),
        ("更新業者コード", world.kyotaku.office.clone()),
    ]
}

fn hosoku_row<'x>(world: &World, u: &User, plan_date: &str, month: &str) -> Vec<(&'x str, String)> {
    vec![
        ("保険者番号", u.insurer.clone()),
        ("被保険者番号", u.insured.clone()),
        ("居宅サービス計画作成（変更）日", plan_date.to_string()),
        ("利用者氏名フリガナ", u.kana.clone()),
        ("利用者氏名", u.name.clone()),
        ("利用者性別", u.sex.to_string()),
        ("利用者生年月日", u.birth.clone()),
        ("利用者郵便番号", u.postal.clone()),
        ("利用者住所１", u.address1.clone()),
        ("利用者住所２", u.address2.clone()),
        ("利用者電話番号", u.phone.clone()),
        ("認定日", "20250210".into()),
        ("限度額適用開始年月日", "20250301".into()),
        ("限度額適用終了年月日", "20270331".into()),
        ("認定状況区分", s(2)),
        ("要介護状態区分", u.care_level.to_string()),
        ("区分支給限度基準額", s(u.limit)),
        ("同意書受付業者", world.kyotaku.office.clone()),
        ("更新業者コード", world.kyotaku.office.clone()),
        ("対象年月", month.to_string()),
    ]
}

/// 予定: 第6表 + 第7表 + 利用者補足情報 from the 居宅 to provider `p` for `month`.
pub fn usage_unit(world: &World, rev: &str, p: usize, month: &str, sequence: &str) -> SendUnit {
    let rev = revision(rev);
    let mut b = Builder::new(
        rev,
        sequence,
        world.kyotaku.clone(),
        world.provider_party(p),
    );
    let made = made_on(month);
    let users: Vec<&User> = world.users_of(p).collect();
    // Each user's lines, in user order (第6表 carries all of a user's services).
    let per_user: Vec<Vec<Line>> = users
        .iter()
        .map(|u| {
            let mut l = Vec::new();
            user_lines(world, u, month, &mut l);
            l
        })
        .collect();
    let mut rows = Vec::new();
    let mut meisai: HashMap<(&str, &str), usize> = HashMap::new();
    for l in per_user.iter().flatten() {
        let n = if l.2.code.starts_with("17") {
            let e = meisai.entry((l.0.insured.as_str(), l.2.code)).or_insert(0);
            *e += 1;
            *e
        } else {
            0
        };
        rows.push(usage_row(world, l, month, &made, n));
    }
    b.file("UPPLAN", Some(month), rows);
    // 第7表: per user, one row per provider and code, subtotals where a type has several codes,
    // and the grand total. Every row carries the user, the month and the fixed items.
    let sikyu = |u: &User, rest: Vec<(&'static str, String)>| {
        let mut r = vec![
            ("保険者番号", u.insurer.clone()),
            ("被保険者番号", u.insured.clone()),
            ("作成年月日", made.clone()),
            ("対象年月", month.to_string()),
            ("３０日超区分", s(0)),
            ("事業所コード", "9999999999".to_string()),
            ("更新業者コード", world.kyotaku.office.clone()),
        ];
        r.extend(rest);
        r
    };
    let mut rows = Vec::new();
    for (u, lines) in users.iter().zip(&per_user) {
        let mut total_units = 0i64;
        for &pp in &u.providers {
            let prov = &world.providers[pp];
            let mut type_units = 0;
            for svc in &prov.services {
                let count = lines
                    .iter()
                    .filter(|l| l.1 == pp && l.2.code == svc.code)
                    .count() as i64;
                if count == 0 {
                    continue;
                }
                let units = svc.units * count;
                type_units += units;
                rows.push(sikyu(
                    u,
                    vec![
                        ("サービス事業所名", prov.name.clone()),
                        ("サービス事業所コード", prov.office.clone()),
                        ("サービスコード", svc.code.to_string()),
                        // 福祉用具貸与 rows carry a TAISコード (the 第6表 row's, 明細 1).
                        (
                            "TAISコード",
                            if svc.code.starts_with("17") {
                                format!("00170-{:06}", 101)
                            } else {
                                String::new()
                            },
                        ),
                        ("単位数", s(svc.units)),
                        ("回数／日数", s(count)),
                        ("サービス単位金額", s(units)),
                        ("給付管理単位数", s(units)),
                        ("区分支給限度基準内単位数", s(units)),
                    ],
                ));
            }
            if prov.services.len() > 1 && type_units > 0 {
                rows.push(sikyu(
                    u,
                    vec![
                        ("サービス事業所名", prov.name.clone()),
                        ("サービス事業所コード", prov.office.clone()),
                        ("サービスコード", format!("{}AAAA", prov.service_type)),
                        ("単位数", s(0)),
                        ("回数／日数", s(0)),
                        ("サービス単位金額", s(type_units)),
                        ("給付管理単位数", s(type_units)),
                    ],
                ));
            }
            total_units += type_units;
        }
        let cost = total_units * 1140 / 100;
        let claim = cost * 90 / 100;
        rows.push(sikyu(
            u,
            vec![
                ("サービス事業所コード", "9999999999".into()),
                ("サービスコード", "999999".into()),
                ("単位数", s(0)),
                ("回数／日数", s(0)),
                ("給付管理単位数", s(total_units)),
                ("区分支給限度基準内単位数", s(total_units.min(u.limit))),
                (
                    "区分支給限度基準超単位数",
                    s((total_units - u.limit).max(0)),
                ),
                ("単位数単価", "11.40".into()),
                ("費用総額保険／事業対象分", s(cost)),
                ("給付率", s(90)),
                ("保険／事業費請求額", s(claim)),
                ("利用者負担保険／事業対象分", s(cost - claim)),
            ],
        ));
    }
    b.file("UPSIKYU", Some(month), rows);
    let rows = users
        .iter()
        .map(|u| hosoku_row(world, u, "00000000", month))
        .collect();
    b.file("UPHOSOKU", Some(month), rows);
    b.unit
}

/// 実績: what provider `p` delivered in `month`, with realistic differences from the plan
/// (a cancelled visit, a changed time, an added day), sent back to the 居宅.
pub fn actual_unit(world: &World, rev: &str, p: usize, month: &str, sequence: &str) -> SendUnit {
    let revn = revision(rev);
    let mut b = Builder::new(
        revn,
        sequence,
        world.provider_party(p),
        world.kyotaku.clone(),
    );
    let made = {
        let (y, m) = calendar::parse_month(month).unwrap_or((2025, 5));
        format!("{y:04}{m:02}{:02}", calendar::days_in_month(y, m))
    };
    let mut lines: Vec<Line> = plan_lines(world, month)
        .into_iter()
        .filter(|l| l.1 == p)
        .collect();
    if lines.len() > 3 {
        lines.remove(1); // a cancelled visit
        if lines[2].4 != "9999" {
            lines[2].4 = "1030".into(); // a changed time
            lines[2].5 = "1130".into();
        }
        let mut extra = lines[0].clone(); // an added day
        extra.3 = format!("{}28", &month);
        lines.push(extra);
    }
    let mut meisai: HashMap<(&str, &str), usize> = HashMap::new();
    let rows = lines
        .iter()
        .map(|l| {
            let n = if l.2.code.starts_with("17") {
                let e = meisai.entry((l.0.insured.as_str(), l.2.code)).or_insert(0);
                *e += 1;
                *e
            } else {
                0
            };
            let mut r = usage_row(world, l, month, &made, n);
            for (k, v) in r.iter_mut() {
                if *k == "更新業者コード" {
                    *v = world.providers[p].office.clone();
                }
            }
            r
        })
        .collect();
    b.file("UPJSK", Some(month), rows);
    b.unit
}

/// 居宅サービス計画書: 第1表 + 第2表 (+ 第3表 in 4.x) + 利用者補足情報 (month 000000).
pub fn plan_unit(world: &World, rev: &str, p: usize, plan_date: &str, sequence: &str) -> SendUnit {
    let revn = revision(rev);
    let mut b = Builder::new(
        revn,
        sequence,
        world.kyotaku.clone(),
        world.provider_party(p),
    );
    let users: Vec<&User> = world.users_of(p).collect();
    let first = "20240401".to_string();
    let rows = users
        .iter()
        .map(|u| {
            vec![
                ("保険者番号", u.insurer.clone()),
                ("被保険者番号", u.insured.clone()),
                ("作成年月日", plan_date.to_string()),
                ("利用者郵便番号", u.postal.clone()),
                ("利用者住所１", u.address1.clone()),
                ("利用者住所２", u.address2.clone()),
                ("居宅サービス計画作成者氏名", world.care_manager.clone()),
                ("介護支援事業者名", world.kyotaku_name.clone()),
                ("介護支援事業者郵便番号", "101-0021".into()),
                ("介護支援事業者住所１", "東京都千代田区外神田１－２－３".into()),
                ("介護支援事業者コード", world.kyotaku.office.clone()),
                ("居宅サービス計画作成（変更）日", plan_date.to_string()),
                ("初回居宅サービス計画作成日", first.clone()),
                ("計画書区分", "21".into()),
                ("認定状況区分", s(2)),
                ("認定日", "20250210".into()),
                ("認定有効期間開始日", "20250301".into()),
                ("認定有効期間終了日", "20270331".into()),
                ("要介護状態区分", u.care_level.to_string()),
                ("利用者及び家族の生活に対する意向を踏まえた課題分析の結果", "本人：「住み慣れた家で、できるだけ自分のことは自分でしたい」\r\n家族：「日中は仕事で不在のため、見守りをお願いしたい」".into()),
                ("介護認定審査会の意見及びサービスの種類の指定", "特になし".into()),
                ("総合的な援助の方針", "転倒予防を第一に、①入浴 ②食事 ③服薬 の順で支援します。緊急連絡先：長男（℡ 090-1234-5678）".into()),
                ("更新業者コード", world.kyotaku.office.clone()),
            ]
        })
        .collect();
    b.file("UP1KYO", None, rows);
    let mut rows = Vec::new();
    for u in &users {
        for (k, (issue, goal)) in [
            (
                "歩行が不安定で、一人での入浴に\"転倒\"の不安がある",
                "安全に入浴できる",
            ),
            (
                "調理・掃除が難しい、買い物にも行けない",
                "清潔で安全な環境で暮らせる",
            ),
        ]
        .iter()
        .enumerate()
        {
            for (c, content) in ["入浴介助（見守り・洗身）", "浴室の手すり貸与"]
                .iter()
                .enumerate()
            {
                rows.push(vec![
                    ("保険者番号", u.insurer.clone()),
                    ("被保険者番号", u.insured.clone()),
                    ("居宅計画書作成年月日", plan_date.to_string()),
                    ("居宅サービス計画作成（変更）日", plan_date.to_string()),
                    ("課題ＮＯ", s(k + 1)),
                    (
                        "課題",
                        if c == 0 {
                            issue.to_string()
                        } else {
                            String::new()
                        },
                    ),
                    ("援助目標ＮＯ", s(1)),
                    (
                        "長期目標",
                        if c == 0 {
                            goal.to_string()
                        } else {
                            String::new()
                        },
                    ),
                    ("短期目標", "週３回、介助を受けて入浴する".into()),
                    ("長期期間", "R7.4.1～R8.3.31".into()),
                    ("短期期間", "R7.4.1～R7.9.30".into()),
                    ("援助内容ＮＯ", s(c + 1)),
                    ("サービス内容", content.to_string()),
                    ("保険対象区分", "Y".into()),
                    ("サービス種別", "訪問介護".into()),
                    ("サービス事業者コード", world.providers[p].office.clone()),
                    ("サービス事業所名", world.providers[p].name.clone()),
                    ("頻度", "週３回".into()),
                    ("実施期間", "R7.4.1～R7.9.30".into()),
                    ("更新業者コード", world.kyotaku.office.clone()),
                ]);
            }
        }
    }
    b.file("UP2KYO", None, rows);
    let mut rows = Vec::new();
    for u in &users {
        for (day, svc) in [
            (1, "訪問介護（身体介護）"),
            (3, "訪問介護（身体介護）"),
            (5, "訪問介護（身体介護）"),
        ] {
            rows.push(vec![
                ("保険者番号", u.insurer.clone()),
                ("被保険者番号", u.insured.clone()),
                ("週間サービス計画表作成年月日", plan_date.to_string()),
                ("居宅サービス計画作成（変更）日", plan_date.to_string()),
                ("介護サービス内容", svc.to_string()),
                ("曜日", s(day)),
                ("開始時間", "1000".into()),
                ("終了時間", "1100".into()),
            ]);
        }
        rows.push(vec![
            ("保険者番号", u.insurer.clone()),
            ("被保険者番号", u.insured.clone()),
            ("週間サービス計画表作成年月日", plan_date.to_string()),
            ("居宅サービス計画作成（変更）日", plan_date.to_string()),
            ("主な日常生活上の活動", "起床・朝食".into()),
            ("活動開始時間", "0700".into()),
            ("活動終了時間", "0800".into()),
        ]);
        rows.push(vec![
            ("保険者番号", u.insurer.clone()),
            ("被保険者番号", u.insured.clone()),
            ("週間サービス計画表作成年月日", plan_date.to_string()),
            ("居宅サービス計画作成（変更）日", plan_date.to_string()),
            (
                "週単位以外のサービス",
                "福祉用具貸与（車いす）、月１回の受診".into(),
            ),
        ]);
    }
    b.file("UP3KYO", None, rows);
    let rows = users
        .iter()
        .map(|u| hosoku_row(world, u, plan_date, "000000"))
        .collect();
    b.file("UPHOSOKU", Some("000000"), rows);
    b.unit
}

/// A deletion unit: `DLT1KYO` (plan), `DLTPLAN` (予定) or `DLTJSK` (実績).
pub fn delete_unit(
    world: &World,
    rev: &str,
    kind: &str,
    p: usize,
    key: &str,
    sequence: &str,
) -> SendUnit {
    let revn = revision(rev);
    let (from, to) = if kind == "DLTJSK" {
        (world.provider_party(p), world.kyotaku.clone())
    } else {
        (world.kyotaku.clone(), world.provider_party(p))
    };
    let mut b = Builder::new(revn, sequence, from, to);
    let prov = &world.providers[p];
    let rows = world
        .users_of(p)
        .map(|u| {
            vec![
                ("保険者番号", u.insurer.clone()),
                ("被保険者番号", u.insured.clone()),
                ("居宅サービス計画作成（変更）日", key.to_string()),
                ("削除対象年月", key.to_string()),
                ("サービス事業者コード", prov.office.clone()),
                ("サービス種類コード", prov.service_type.clone()),
            ]
        })
        .collect();
    let month = (kind != "DLT1KYO").then_some(key);
    b.file(kind, month, rows);
    b.unit
}

fn kihon_rows<'x>(u: &User, consult: &str, world: &World) -> Vec<(&'x str, String)> {
    vec![
        ("保険者番号", u.insurer.clone()),
        ("被保険者番号", u.insured.clone()),
        ("相談日", consult.to_string()),
        ("計画種類", s(1)),
        ("委託の有無", s(2)),
        ("作成担当者", world.care_manager.clone()),
        ("相談方法", "01".into()),
        ("相談回数", "02".into()),
        ("前回相談日", "20250110".into()),
        ("利用者の現況", "01".into()),
        ("利用者氏名ﾌﾘｶﾞﾅ", u.kana.clone()),
        ("利用者氏名", u.name.clone()),
        ("利用者性別", u.sex.to_string()),
        ("利用者生年月日", u.birth.clone()),
        ("利用者住所", format!("{}{}", u.address1, u.address2)),
        ("利用者電話番号", u.phone.clone()),
        ("障害高齢者の日常生活自立", "11".into()),
        ("認知症高齢者の日常生活自立度", "02".into()),
        ("要介護状態区分", "12".into()),
        ("認定有効期限開始日", "20250401".into()),
        ("認定有効期間終了日", "20260331".into()),
        ("障害等認定(身障)", s(0)),
        ("居住形態", "05".into()),
        ("自室の階数", s(2)),
        ("住宅改修の有無", s(2)),
        ("経済状況(国民年金)", s(1)),
        ("1 緊急連絡先(氏名)", "能登　太郎".into()),
        ("1 緊急連絡先(続柄)", "長男".into()),
        ("1 緊急連絡先(電話番号)", "090-1234-5678".into()),
        ("家族関係等の状況", "長男夫婦と同居、日中は独居".into()),
        (
            "今までの生活",
            "農業を営み、\"地域の世話役\"として、町内会長も務めた".into(),
        ),
        ("同意日", consult.to_string()),
        ("同意者氏名", u.name.clone()),
    ]
}

/// 介護予防: 利用者基本情報 + 別表1 + 別表2 (+ 支援計画書 and its 別表 when `with_plan`),
/// from the 地域包括支援センター to provider `p`. Revision 4.x only.
pub fn yobo_unit(
    world: &World,
    p: usize,
    consult: &str,
    with_plan: bool,
    sequence: &str,
) -> SendUnit {
    let rev = revision("4.1");
    let to = Party {
        office: world.providers[p].office.clone(),
        service_type: Some("A2".into()),
    };
    let mut b = Builder::new(rev, sequence, world.houkatsu.clone(), to);
    let users: Vec<&User> = world.users_of(p).take(3).collect();
    let base = |u: &User| -> Vec<(&'static str, String)> {
        vec![
            ("保険者番号", u.insurer.clone()),
            ("被保険者番号", u.insured.clone()),
            ("相談日", consult.to_string()),
            ("計画作成(変更)日", consult.to_string()),
        ]
    };
    b.file(
        "UPKIHON",
        None,
        users
            .iter()
            .map(|u| kihon_rows(u, consult, world))
            .collect(),
    );
    b.file(
        "UPKIHON_SUB1",
        None,
        users
            .iter()
            .map(|u| {
                let mut r = base(u);
                r.extend([
                    ("時間", "7:00".into()),
                    ("本人の生活状況", "起床、着替え".into()),
                ]);
                r
            })
            .collect(),
    );
    b.file(
        "UPKIHON_SUB2",
        None,
        users
            .iter()
            .map(|u| {
                let mut r = base(u);
                r.extend([
                    ("年月日", "H12年10月".into()),
                    ("病名", "高血圧症".into()),
                    ("医療機関・医師名", "髙田内科クリニック　﨑山医師".into()),
                    ("主治医・意見作成者フラグ", s(1)),
                    ("医療機関・医師電話番号", "03-1111-2222".into()),
                    ("経過", "01".into()),
                    ("治療中の内容", "降圧剤の服薬".into()),
                ]);
                r
            })
            .collect(),
    );
    if with_plan {
        b.file(
            "UPYOBO",
            None,
            users
                .iter()
                .map(|u| {
                    let mut r = base(u);
                    r.extend([
                        ("計画種類", s(1)),
                        ("委託の有無", s(2)),
                        ("利用者名", u.name.clone()),
                        ("認定年月日", "20250310".into()),
                        ("認定有効期間開始日", "20250401".into()),
                        ("認定有効期間終了日", "20260331".into()),
                        ("計画書区分", "21".into()),
                        ("認定状況区分", s(2)),
                        ("要支援状態区分", s(1)),
                        ("目標とする生活(1日)", "散歩を日課にする".into()),
                        ("【運動・移動】領域における課題の有無", s(1)),
                        ("基本チェックリストの該当数(運動不足)", s(3)),
                        ("事業プログラムの要否(運動不足)", s(1)),
                        ("同意日", consult.to_string()),
                        ("同意者氏名", u.name.clone()),
                    ]);
                    r
                })
                .collect(),
        );
        b.file(
            "UPYOBO_SUB",
            None,
            users
                .iter()
                .map(|u| {
                    let mut r = base(u);
                    r.extend([
                        ("課題ＮＯ", s(1)),
                        ("総合的課題", "下肢筋力の低下、外出機会の減少".into()),
                        ("目標", "週２回、近所の公園まで歩ける".into()),
                        ("支援計画ＮＯ", s(1)),
                        ("利用サービスＮＯ", s(1)),
                        ("【利用サービス】サービス種別", "訪問型サービス".into()),
                    ]);
                    r
                })
                .collect(),
        );
    }
    b.unit
}

/// 介護予防 deletion: `DLTKIHON` or `DLTYOBO`.
pub fn yobo_delete_unit(
    world: &World,
    kind: &str,
    p: usize,
    key: &str,
    sequence: &str,
) -> SendUnit {
    let rev = revision("4.1");
    let to = Party {
        office: world.providers[p].office.clone(),
        service_type: Some("A2".into()),
    };
    let mut b = Builder::new(rev, sequence, world.houkatsu.clone(), to);
    let rows = world
        .users_of(p)
        .take(2)
        .map(|u| {
            vec![
                ("保険者番号", u.insurer.clone()),
                ("被保険者番号", u.insured.clone()),
                ("相談日", key.to_string()),
                ("計画作成(変更)日", key.to_string()),
            ]
        })
        .collect();
    b.file(kind, None, rows);
    b.unit
}

/// A large 予定 file for benchmarks: `users` users of provider 0's world, all their services.
pub fn big_usage_file(seed: u64, users: usize, month: &str) -> SendUnit {
    let mut w = World::generate(seed, users);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED);
    for u in &mut w.users {
        u.providers = (0..4).collect();
        u.providers.shuffle(&mut rng);
    }
    usage_unit(&w, "4.1", 0, month, "20250425103000")
}

/// A whole 予定 send unit (第6表 + 第7表 + 利用者補足情報) of `users` users for benchmarks, with
/// the variety of a real office: every user uses all four providers in their own routine
/// (weekdays and times differ from user to user), names, addresses and 被保険者番号 differ.
pub fn varied_usage_unit(seed: u64, users: usize, month: &str) -> SendUnit {
    let mut w = World::generate(seed, users);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xF00D);
    for u in &mut w.users {
        u.providers = (0..4).collect();
        u.providers.shuffle(&mut rng);
        u.routine = rng.gen_range(0..28);
    }
    usage_unit(&w, "4.1", 0, month, "20250425103000")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_numbers_pass_their_check_digit() {
        let n = office_number(13, '7', 10, 2001);
        assert_eq!(n.len(), 10);
        let cd = office_check_digit(&n[..9]).unwrap();
        assert_eq!(n[9..].parse::<u32>().unwrap(), cd);
        // Letters count A=10 … skipping I, O, Q.
        assert_eq!(
            office_check_digit("13A100001"),
            office_check_digit("13A100001")
        );
        assert!(office_check_digit("13I100001").is_none());
    }

    #[test]
    fn weekdays() {
        assert_eq!(weekday(2025, 5, 1), 4); // Thursday
        assert_eq!(weekday(2024, 2, 29), 4);
        assert_eq!(weekday(2025, 6, 1), 7);
    }

    #[test]
    fn half_width_kana() {
        assert_eq!(to_half_width_kana("タカハシ　ハナコ"), "ﾀｶﾊｼ ﾊﾅｺ");
        assert_eq!(to_half_width_kana("ヤマザキ"), "ﾔﾏｻﾞｷ");
    }

    #[test]
    fn the_same_seed_gives_the_same_unit() {
        let a = usage_unit(&World::generate(7, 5), "4.1", 0, "202505", "20250425103000");
        let b = usage_unit(&World::generate(7, 5), "4.1", 0, "202505", "20250425103000");
        assert_eq!(a, b);
        assert_eq!(a.files.len(), 3);
    }
}
