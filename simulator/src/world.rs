//! The world file (世界ファイル, TOML): the offices a hub knows — number, name, service type,
//! login ID and password, licence, certificate — and the hub's settings, including every value
//! simulator/HUB-RULES.md marks as **(assumed)**, so a user changes an assumption without touching code.
//!
//! `renkei hub serve`, `renkei pki init`, the scenarios and the load generator all start
//! from a world.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

use crate::clock::{self, JST};

/// A world: the hub's settings and the offices it knows.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// The hub's settings (`[hub]`).
    #[serde(default)]
    pub hub: HubSettings,
    /// How `renkei pki init` makes the PKI (`[pki]`).
    #[serde(default)]
    pub pki: PkiSettings,
    /// Every office the hub knows (`[[office]]`).
    #[serde(default, rename = "office")]
    pub offices: Vec<Office>,
    /// The offices by number and by login ID, built at the first lookup (a national world
    /// has ≈ 287,000 offices, looked up several times a request).
    #[serde(skip)]
    pub lookup: OfficeLookup,
}

/// The index behind [`World::office`] and [`World::office_by_user`]. It is built from
/// `offices` at the first lookup; a world whose list of offices grows or shrinks afterwards
/// is looked up by a scan instead (never wrongly), and every hit is checked against the list.
#[derive(Debug, Clone, Default)]
pub struct OfficeLookup(std::sync::OnceLock<OfficeIndex>);

#[derive(Debug, Clone)]
struct OfficeIndex {
    /// How many offices there were when it was built.
    len: usize,
    by_number: std::collections::HashMap<String, usize>,
    by_user: std::collections::HashMap<String, usize>,
}

impl OfficeLookup {
    fn index(&self, offices: &[Office]) -> Option<&OfficeIndex> {
        let index = self.0.get_or_init(|| OfficeIndex {
            len: offices.len(),
            by_number: offices
                .iter()
                .enumerate()
                .rev()
                .map(|(i, o)| (o.number.clone(), i))
                .collect(),
            by_user: offices
                .iter()
                .enumerate()
                .rev()
                .map(|(i, o)| (o.user_id.clone(), i))
                .collect(),
        });
        (index.len == offices.len()).then_some(index)
    }
}

/// The hub's settings. Every field marked (assumed) is a value simulator/HUB-RULES.md chose where nothing
/// public fixes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HubSettings {
    /// (assumed) Days a file is kept after upload before it is purged (期限切れ).
    pub retention_days: i64,
    /// (assumed) Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// (assumed) Most files in one send.
    pub max_files_per_send: usize,
    /// (assumed) Also run the spec validator on every file and refuse invalid ones
    /// (`FILE_INVALID`). Off by default: the real hub checks names and combinations only.
    pub strict: bool,
    /// Check the 事業所番号 check digit of the world's offices (a warning when off).
    pub check_digit: bool,
    /// (assumed) Wrong passwords in a row that lock a login ID.
    pub lock_after_failures: u32,
    /// (assumed) Minutes a locked login ID stays locked.
    pub lock_minutes: i64,
    /// (assumed) Minutes a login token is valid.
    pub token_minutes: i64,
    /// (assumed) Login attempts one client certificate may make in a minute
    /// (`LOGIN_RATE_LIMITED` past it): far above a client's one login per session, far below
    /// what guessing passwords needs.
    pub login_attempts_per_minute: u32,
    /// (assumed) Open sessions one client certificate may hold; a login past it closes the
    /// certificate's oldest session.
    pub sessions_per_certificate: usize,
    /// (assumed) Bytes an office may keep stored at the hub: its sends neither
    /// withdrawn nor purged (`QUOTA_EXCEEDED` past it). 128 MiB holds a large office's month
    /// (500 clients × ~40 KB) several times over, and refuses a send of 190 MiB of images.
    pub office_quota_bytes: u64,
    /// Days before a certificate's expiry from which login warns.
    pub cert_warning_days: i64,
    /// The day from which 介護DX証明書 is accepted.
    pub care_dx_accepted_from: Day,
    /// A pinned "now" for the hub (RFC 3339); the machine's clock when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<Instant>,
}

impl Default for HubSettings {
    fn default() -> Self {
        HubSettings {
            retention_days: 30,
            max_file_bytes: 10 * 1024 * 1024,
            max_files_per_send: 20,
            strict: false,
            check_digit: true,
            lock_after_failures: 3,
            lock_minutes: 30,
            token_minutes: 60,
            login_attempts_per_minute: 120,
            sessions_per_certificate: 64,
            office_quota_bytes: 128 * 1024 * 1024,
            cert_warning_days: 90,
            care_dx_accepted_from: Day(time::macros::date!(2025 - 10 - 01)),
            now: None,
        }
    }
}

/// Settings for `renkei pki init`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PkiSettings {
    /// Days from issue to a CRL's nextUpdate.
    pub crl_days: i64,
    /// Years an office certificate is valid when its dates are not given (1 or 3 in practice).
    pub cert_years: i64,
}

impl Default for PkiSettings {
    fn default() -> Self {
        PkiSettings {
            crl_days: 365,
            cert_years: 3,
        }
    }
}

/// One office (事業所) registered with the hub.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// 事業所番号 (10 characters).
    pub number: String,
    /// 事業所名.
    pub name: String,
    /// サービス種類コード (2 digits): 43 for 居宅介護支援, 11 for 訪問介護, …
    pub service_type: String,
    /// ログインID: the e-claim system's user ID (`KJ` + 12 digits; `HD…` is a proxy ID).
    pub user_id: String,
    /// パスワード.
    pub password: String,
    /// The password's state in the e-claim system (有効, 仮, 期限切れ).
    #[serde(default)]
    pub password_state: PasswordState,
    /// Whether the office is registered with the hub (利用登録). An unregistered office is
    /// still known to the PKI but cannot receive.
    #[serde(default = "yes")]
    pub registered: bool,
    /// The office's licence (ライセンス); none means never licensed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<Licence>,
    /// The office's client certificate (クライアント証明書).
    #[serde(default)]
    pub certificate: CertificateSpec,
}

fn yes() -> bool {
    true
}

/// The state of a password in the e-claim system.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordState {
    /// A usable password.
    #[default]
    Active,
    /// 仮パスワード: must be changed in the e-claim system before use.
    Temporary,
    /// 有効期限切れ.
    Expired,
}

/// A licence (ライセンス): one per office number, one year.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// The first day of the licence.
    pub start: Day,
    /// The last day of the licence.
    pub end: Day,
    /// 自動更新: offices first applying on or after 2025-06-01 renew automatically.
    #[serde(default)]
    pub auto_renew: bool,
    /// The yearly fee in yen (reporting data only; ¥21,000, waived under the free-pass campaign).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_yen: Option<u32>,
}

impl Licence {
    /// The end of the licence period that contains `today`, if the licence is current then.
    /// An auto-renewing licence runs on, one year at a time, after its recorded end.
    pub fn current_until(&self, today: Date) -> Option<Date> {
        if today < self.start.0 {
            return None;
        }
        let mut end = self.end.0;
        if today <= end {
            return Some(end);
        }
        if !self.auto_renew {
            return None;
        }
        while end < today {
            end = end
                .replace_year(end.year() + 1)
                .unwrap_or(end + Duration::days(365));
        }
        Some(end)
    }
}

/// The kinds of client certificate (証明書の種類).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertType {
    /// 介護保険証明書 (accepted).
    #[serde(alias = "介護保険証明書")]
    CareInsurance,
    /// 請求委任事業所用ケアプラン証明書 (accepted).
    #[serde(alias = "請求委任事業所用ケアプラン証明書")]
    CareplanDelegated,
    /// 介護DX証明書 (accepted since 2025-10).
    #[serde(alias = "介護DX証明書")]
    CareDx,
    /// 代理人証明書 (refused).
    #[serde(alias = "代理人証明書")]
    Proxy,
    /// 障害総合支援証明書 (refused).
    #[serde(alias = "障害総合支援証明書")]
    Disability,
}

impl CertType {
    /// Every certificate type, in the order of simulator/HUB-RULES.md's table.
    pub const ALL: [CertType; 5] = [
        CertType::CareInsurance,
        CertType::CareplanDelegated,
        CertType::CareDx,
        CertType::Proxy,
        CertType::Disability,
    ];

    /// The identifier written in the certificate's subject OU and in file names.
    pub fn id(self) -> &'static str {
        match self {
            CertType::CareInsurance => "care-insurance",
            CertType::CareplanDelegated => "careplan-delegated",
            CertType::CareDx => "care-dx",
            CertType::Proxy => "proxy",
            CertType::Disability => "disability",
        }
    }

    /// 日本語名称.
    pub fn japanese(self) -> &'static str {
        match self {
            CertType::CareInsurance => "介護保険証明書",
            CertType::CareplanDelegated => "請求委任事業所用ケアプラン証明書",
            CertType::CareDx => "介護DX証明書",
            CertType::Proxy => "代理人証明書",
            CertType::Disability => "障害総合支援証明書",
        }
    }

    /// The type with this identifier (`care-insurance`, …).
    pub fn from_id(id: &str) -> Option<CertType> {
        CertType::ALL.into_iter().find(|t| t.id() == id)
    }
}

impl fmt::Display for CertType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.japanese())
    }
}

/// Who issues an office certificate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssuerKind {
    /// The hub's PKI (the issuing CA for the certificate's type).
    #[default]
    Hub,
    /// A root the hub does not trust (unknown_ca).
    Unknown,
}

/// How `renkei pki init` makes an office's certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// The certificate's type (介護保険証明書, …).
    #[serde(rename = "type")]
    pub cert_type: CertType,
    /// Start of validity; defaults to a day before the PKI is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<Instant>,
    /// End of validity; defaults to `pki.cert_years` after the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<Instant>,
    /// Listed in its issuer's CRL.
    #[serde(default)]
    pub revoked: bool,
    /// Which CA issues it: the type's own, or a foreign one (for unknown_ca cases).
    #[serde(default)]
    pub issuer: IssuerKind,
}

impl Default for CertificateSpec {
    fn default() -> Self {
        CertificateSpec {
            cert_type: CertType::CareInsurance,
            not_before: None,
            not_after: None,
            revoked: false,
            issuer: IssuerKind::Hub,
        }
    }
}

/// A calendar day, written `2026-04-01` (a TOML date or a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub Date);

/// An instant, written in RFC 3339 (a TOML datetime or a string); a bare date means 00:00 JST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(pub OffsetDateTime);

const DATE_FMT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn parse_day(s: &str) -> Result<Date, String> {
    Date::parse(s, DATE_FMT).map_err(|e| format!("「{s}」は日付 (YYYY-MM-DD) ではありません: {e}"))
}

fn parse_instant(s: &str) -> Result<OffsetDateTime, String> {
    if let Ok(t) = clock::parse_rfc3339(s) {
        return Ok(t);
    }
    if let Ok(t) = clock::parse_rfc3339(&s.replacen(' ', "T", 1)) {
        return Ok(t);
    }
    parse_day(s)
        .map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(JST))
        .map_err(|_| format!("「{s}」は日時 (RFC 3339) ではありません"))
}

/// Either a TOML date/datetime or a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum DateText {
    Toml(toml::value::Datetime),
    Text(String),
}

impl DateText {
    fn text(self) -> String {
        match self {
            DateText::Toml(d) => d.to_string(),
            DateText::Text(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = DateText::deserialize(d)?.text();
        parse_day(&s).map(Day).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.to_string())
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(f, "{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = DateText::deserialize(d)?.text();
        parse_instant(&s)
            .map(Instant)
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&clock::rfc3339(self.0))
    }
}

impl std::str::FromStr for Instant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_instant(s).map(Instant)
    }
}

/// A world file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// The file could not be read.
    #[error("{path}: 読めません: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not TOML.
    #[error("{path}: TOML として読めません: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// The TOML parser's message.
        message: String,
    },
    /// A setting is out of range or inconsistent.
    #[error("{path}: {message}")]
    Setting {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// An office's entry is wrong.
    #[error("{path}: 事業所 {office}: {message}")]
    Office {
        /// The file.
        path: String,
        /// The office's 事業所番号.
        office: String,
        /// What is wrong.
        message: String,
    },
}

/// Something accepted but worth saying (e.g. a check digit that fails while the check is off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldWarning {
    /// The office it is about.
    pub office: String,
    /// What to say, in Japanese.
    pub message: String,
}

impl World {
    /// Reads and checks a world file.
    pub fn load(path: &Path) -> Result<(World, Vec<WorldWarning>), WorldError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| WorldError::Io {
            path: shown.clone(),
            source,
        })?;
        World::parse(&text, &shown)
    }

    /// Parses and checks world TOML; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<(World, Vec<WorldWarning>), WorldError> {
        let world: World = toml::from_str(text).map_err(|e| WorldError::Syntax {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        let warnings = world.check(origin)?;
        Ok((world, warnings))
    }

    /// The world as TOML, the format it is read from.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks every office: number shape and check digit, unique numbers and login IDs,
    /// password rules, a known service type.
    pub fn check(&self, origin: &str) -> Result<Vec<WorldWarning>, WorldError> {
        let mut warnings = Vec::new();
        let h = &self.hub;
        let ranges: [(&str, i64, i64, i64); 12] = [
            ("hub.retention_days", h.retention_days, 1, 3650),
            (
                "hub.max_files_per_send",
                h.max_files_per_send as i64,
                1,
                10_000,
            ),
            (
                "hub.max_file_bytes",
                h.max_file_bytes.min(i64::MAX as u64) as i64,
                1,
                1 << 30,
            ),
            (
                "hub.lock_after_failures",
                i64::from(h.lock_after_failures),
                1,
                100,
            ),
            ("hub.lock_minutes", h.lock_minutes, 0, 60 * 24 * 365),
            ("hub.token_minutes", h.token_minutes, 1, 60 * 24 * 30),
            (
                "hub.login_attempts_per_minute",
                i64::from(h.login_attempts_per_minute),
                1,
                1_000_000,
            ),
            (
                "hub.sessions_per_certificate",
                h.sessions_per_certificate.min(i64::MAX as usize) as i64,
                1,
                1_000_000,
            ),
            (
                "hub.office_quota_bytes",
                h.office_quota_bytes.min(i64::MAX as u64) as i64,
                1,
                1 << 40,
            ),
            ("hub.cert_warning_days", h.cert_warning_days, 0, 3650),
            ("pki.crl_days", self.pki.crl_days, 1, 3650),
            ("pki.cert_years", self.pki.cert_years, 1, 30),
        ];
        for (name, v, lo, hi) in ranges {
            if !(lo..=hi).contains(&v) {
                return Err(WorldError::Setting {
                    path: origin.to_string(),
                    message: format!("{name} = {v} は {lo}〜{hi} の範囲にしてください"),
                });
            }
        }
        let mut numbers = BTreeSet::new();
        let mut ids = BTreeSet::new();
        let rev = renkei_spec::Standard::get().default_revision();
        for o in &self.offices {
            let fail = |message: String| WorldError::Office {
                path: origin.to_string(),
                office: o.number.clone(),
                message,
            };
            if let Err(m) = office_number_shape(&o.number) {
                return Err(fail(m));
            }
            let cd = renkei_spec::sample::office_check_digit(&o.number[..9]);
            let written = o.number[9..].parse::<u32>().ok();
            if cd != written {
                let msg = format!(
                    "事業所番号のチェックディジットが合いません（計算値 {}）",
                    cd.map(|d| d.to_string()).unwrap_or_else(|| "?".into())
                );
                if self.hub.check_digit {
                    return Err(fail(format!(
                        "{msg}。標準仕様の例示番号を使うときは [hub] check_digit = false にしてください"
                    )));
                }
                warnings.push(WorldWarning {
                    office: o.number.clone(),
                    message: msg,
                });
            }
            if !numbers.insert(o.number.as_str()) {
                return Err(fail(
                    "事業所番号が重複しています（1事業所番号に1証明書・1ライセンス）".into(),
                ));
            }
            if o.user_id.chars().count() != 14 || !o.user_id.is_ascii() {
                return Err(fail(format!(
                    "ログインID「{}」は14文字の半角英数字ではありません",
                    o.user_id
                )));
            }
            if !ids.insert(o.user_id.as_str()) {
                return Err(fail(format!(
                    "ログインID「{}」が複数の事業所に割り当てられています",
                    o.user_id
                )));
            }
            if let Err(m) = password_rule(&o.password) {
                return Err(fail(m));
            }
            if !rev.service_type_known(&o.service_type) {
                return Err(fail(format!(
                    "サービス種類コード「{}」は標準仕様にありません",
                    o.service_type
                )));
            }
            if let Some(l) = &o.licence {
                if l.end < l.start {
                    return Err(fail("ライセンスの終了日が開始日より前です".into()));
                }
                if l.start.0 >= time::macros::date!(2025 - 06 - 01) && !l.auto_renew {
                    warnings.push(WorldWarning {
                        office: o.number.clone(),
                        message: "2025-06-01 以降に始まるライセンスは自動更新のはずです（auto_renew = true）".into(),
                    });
                }
            }
            if let (Some(a), Some(b)) = (o.certificate.not_before, o.certificate.not_after) {
                if b <= a {
                    return Err(fail("証明書の not_after が not_before 以前です".into()));
                }
            }
        }
        Ok(warnings)
    }

    /// The office with this 事業所番号.
    pub fn office(&self, number: &str) -> Option<&Office> {
        let found = match self.lookup.index(&self.offices) {
            Some(index) => index
                .by_number
                .get(number)
                .and_then(|i| self.offices.get(*i)),
            None => None,
        };
        match found {
            Some(o) if o.number == number => Some(o),
            _ => self.offices.iter().find(|o| o.number == number),
        }
    }

    /// The office whose login ID is `user_id`.
    pub fn office_by_user(&self, user_id: &str) -> Option<&Office> {
        let found = match self.lookup.index(&self.offices) {
            Some(index) => index
                .by_user
                .get(user_id)
                .and_then(|i| self.offices.get(*i)),
            None => None,
        };
        match found {
            Some(o) if o.user_id == user_id => Some(o),
            _ => self.offices.iter().find(|o| o.user_id == user_id),
        }
    }
}

/// 事業所番号: 10 characters; 1–2 prefecture 01–47; 3 class 0/7/8/9 or a letter other than
/// I, O, Q; 4–9 digits; 10 the check digit.
pub fn office_number_shape(n: &str) -> Result<(), String> {
    let b = n.as_bytes();
    let bad = |why: &str| Err(format!("事業所番号「{n}」: {why}"));
    if b.len() != 10 || !n.is_ascii() {
        return bad("10文字の半角英数字ではありません");
    }
    let pref: u32 = n[..2].parse().unwrap_or(0);
    if !(1..=47).contains(&pref) {
        return bad("1–2桁目（都道府県番号）が 01–47 ではありません");
    }
    let class = b[2];
    if !(matches!(class, b'0' | b'7' | b'8' | b'9')
        || (class.is_ascii_uppercase() && !matches!(class, b'I' | b'O' | b'Q')))
    {
        return bad(
            "3桁目（事業所区分）が 0, 7, 8, 9 または英大文字（I, O, Q を除く）ではありません",
        );
    }
    if !b[3..].iter().all(u8::is_ascii_digit) {
        return bad("4–10桁目が数字ではありません");
    }
    Ok(())
}

/// パスワード: 8–16 characters mixing letters and digits.
pub fn password_rule(p: &str) -> Result<(), String> {
    let n = p.chars().count();
    let letters = p.chars().any(|c| c.is_ascii_alphabetic());
    let digits = p.chars().any(|c| c.is_ascii_digit());
    if !(8..=16).contains(&n) || !letters || !digits || !p.is_ascii() {
        return Err("パスワードは英字と数字を含む8〜16文字の半角文字にしてください".into());
    }
    Ok(())
}

/// An identity of the demo world and the outcome it is meant to get (demo.json).
#[derive(Debug, Clone, Serialize)]
pub struct DemoIdentity {
    /// The office's name.
    pub name: String,
    /// The 事業所番号.
    pub office: String,
    /// The login ID.
    pub user_id: String,
    /// The password.
    pub password: String,
    /// The outcome it is meant to get (`OK`, a hub code or a TLS alert).
    pub expect: String,
}

/// The demo world of simulator/HUB-RULES.md, dated around `now`: four offices that work (居宅介護支援,
/// 訪問介護, 通所介護, 地域包括支援センター), and one office for
/// each refusal (expired, not yet valid, revoked, wrong type, unknown CA, proxy ID, lapsed
/// licence, temporary password).
pub fn demo(now: OffsetDateTime) -> (World, Vec<DemoIdentity>) {
    let today = now.to_offset(JST).date();
    let at = |d: i64| Some(Instant(now + Duration::days(d)));
    // One year: from a start to the day before the same date a year later.
    let year_from = |start: Date| {
        start
            .replace_year(start.year() + 1)
            .unwrap_or(start + Duration::days(365))
            - Duration::days(1)
    };
    let current = || {
        let start = today - Duration::days(200);
        Some(Licence {
            start: Day(start),
            end: Day(year_from(start)),
            auto_renew: true,
            fee_yen: Some(0),
        })
    };
    struct Row {
        expect: &'static str,
        name: &'static str,
        service_type: &'static str,
        cert: CertType,
    }
    let rows = [
        Row {
            expect: "ok",
            name: "さくら居宅介護支援事業所",
            service_type: "43",
            cert: CertType::CareInsurance,
        },
        Row {
            expect: "ok",
            name: "ひまわり訪問介護ステーション",
            service_type: "11",
            cert: CertType::CareplanDelegated,
        },
        Row {
            expect: "ok",
            name: "あおば通所介護センター",
            service_type: "15",
            cert: CertType::CareDx,
        },
        Row {
            expect: "expired",
            name: "けやき訪問看護ステーション",
            service_type: "13",
            cert: CertType::CareInsurance,
        },
        Row {
            expect: "not-yet-valid",
            name: "もみじ福祉用具センター",
            service_type: "17",
            cert: CertType::CareInsurance,
        },
        Row {
            expect: "revoked",
            name: "つばき短期入所生活介護",
            service_type: "21",
            cert: CertType::CareInsurance,
        },
        Row {
            expect: "wrong-type",
            name: "かえで訪問入浴介護",
            service_type: "12",
            cert: CertType::Proxy,
        },
        Row {
            expect: "unknown-ca",
            name: "すみれ通所リハビリテーション",
            service_type: "16",
            cert: CertType::CareInsurance,
        },
        Row {
            expect: "proxy-id",
            name: "なでしこ訪問リハビリテーション",
            service_type: "14",
            cert: CertType::CareInsurance,
        },
        Row {
            expect: "licence-expired",
            name: "あじさい訪問介護",
            service_type: "11",
            cert: CertType::CareInsurance,
        },
        Row {
            expect: "temporary-password",
            name: "ききょう居宅介護支援センター",
            service_type: "43",
            cert: CertType::CareInsurance,
        },
        Row {
            expect: "ok",
            name: "なのはな地域包括支援センター",
            service_type: "46",
            cert: CertType::CareInsurance,
        },
    ];
    let mut offices = Vec::new();
    let mut ids = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let serial = 101 + i as u32;
        let number = renkei_spec::sample::office_number(13, '7', 1, serial);
        let user_id = if r.expect == "proxy-id" {
            format!("HD{:012}", 500_000 + serial)
        } else {
            format!("KJ{:012}", 100_000 + serial)
        };
        let password = format!("Renkei{:04}x", serial);
        let mut cert = CertificateSpec {
            cert_type: r.cert,
            ..CertificateSpec::default()
        };
        match r.expect {
            "expired" => {
                cert.not_before = at(-400);
                cert.not_after = at(-35);
            }
            "not-yet-valid" => {
                cert.not_before = at(30);
                cert.not_after = at(30 + 365);
            }
            "revoked" => cert.revoked = true,
            "unknown-ca" => cert.issuer = IssuerKind::Unknown,
            _ => {}
        }
        let licence = if r.expect == "licence-expired" {
            // Applied before 2025-06-01, so renewed by hand; not renewed. Its last year ended
            // 35 days ago, or, when that year would have started after 2025-06-01 (a licence
            // that must renew automatically), it is the year from 2025-05-01.
            let mut end = today - Duration::days(35);
            let mut start = end
                .replace_year(end.year() - 1)
                .unwrap_or(end - Duration::days(365))
                + Duration::days(1);
            let cutoff = time::macros::date!(2025 - 06 - 01);
            if start >= cutoff {
                start = time::macros::date!(2025 - 05 - 01);
                end = year_from(start);
            }
            Some(Licence {
                start: Day(start),
                end: Day(end),
                auto_renew: false,
                fee_yen: Some(21_000),
            })
        } else {
            current()
        };
        offices.push(Office {
            number: number.clone(),
            name: r.name.to_string(),
            service_type: r.service_type.to_string(),
            user_id: user_id.clone(),
            password: password.clone(),
            password_state: if r.expect == "temporary-password" {
                PasswordState::Temporary
            } else {
                PasswordState::Active
            },
            registered: true,
            licence,
            certificate: cert,
        });
        ids.push(DemoIdentity {
            name: r.name.to_string(),
            office: number,
            user_id,
            password,
            expect: r.expect.to_string(),
        });
    }
    let world = World {
        hub: HubSettings::default(),
        pki: PkiSettings::default(),
        offices,
        lookup: OfficeLookup::default(),
    };
    (world, ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const WORLD: &str = r#"
[hub]
retention_days = 14
now = 2026-11-24T10:00:00+09:00

[[office]]
number = "1370101011"
name = "さくら居宅介護支援事業所"
service_type = "43"
user_id = "KJ000000000001"
password = "Sakura2026"
licence = { start = 2026-04-01, end = "2027-03-31", auto_renew = true }
certificate = { type = "介護保険証明書" }
"#;

    fn first_valid() -> String {
        let n = renkei_spec::sample::office_number(13, '7', 1, 101);
        WORLD.replace("1370101011", &n)
    }

    #[test]
    fn reads_toml_dates_strings_and_japanese_type_names() {
        let (w, warnings) = World::parse(&first_valid(), "world.toml").unwrap();
        assert!(warnings.is_empty());
        assert_eq!(w.hub.retention_days, 14);
        assert_eq!(w.hub.max_files_per_send, 20, "defaults fill the rest");
        assert_eq!(w.hub.now.unwrap().0, datetime!(2026-11-24 01:00 UTC));
        let o = &w.offices[0];
        assert_eq!(o.certificate.cert_type, CertType::CareInsurance);
        assert_eq!(o.licence.as_ref().unwrap().end.0, date!(2027 - 03 - 31));
        // Round trip through the writer.
        let again = World::parse(&w.to_toml(), "again").unwrap().0;
        assert_eq!(again.offices[0].number, o.number);
        assert_eq!(again.hub.now, w.hub.now);
    }

    #[test]
    fn refuses_a_wrong_check_digit_unless_the_check_is_off() {
        let err = World::parse(WORLD, "w.toml").unwrap_err().to_string();
        assert!(
            err.contains("w.toml") && err.contains("チェックディジット"),
            "{err}"
        );
        let off = WORLD.replace("[hub]", "[hub]\ncheck_digit = false");
        let (_, warnings) = World::parse(&off, "w.toml").unwrap();
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn refuses_bad_passwords_duplicate_ids_and_unknown_fields() {
        let w = first_valid().replace("Sakura2026", "sakura");
        assert!(World::parse(&w, "w")
            .unwrap_err()
            .to_string()
            .contains("パスワード"));
        let w = first_valid().replace("retention_days", "retention_dayz");
        assert!(matches!(
            World::parse(&w, "w"),
            Err(WorldError::Syntax { .. })
        ));
        let w = first_valid();
        let twice = format!("{w}\n{}", &w[w.find("[[office]]").unwrap()..]);
        assert!(World::parse(&twice, "w")
            .unwrap_err()
            .to_string()
            .contains("重複"));
    }

    #[test]
    fn settings_out_of_range_are_refused() {
        let w = first_valid().replace("retention_days = 14", "retention_days = -1");
        let e = World::parse(&w, "w.toml").unwrap_err().to_string();
        assert!(e.contains("hub.retention_days"), "{e}");
        let w = first_valid().replace(
            "retention_days = 14",
            "retention_days = 14\ntoken_minutes = 99999999999",
        );
        assert!(World::parse(&w, "w.toml").is_err());
    }

    #[test]
    fn licences_end_unless_they_renew() {
        let l = Licence {
            start: Day(date!(2025 - 07 - 01)),
            end: Day(date!(2026 - 06 - 30)),
            auto_renew: false,
            fee_yen: None,
        };
        assert_eq!(l.current_until(date!(2025 - 06 - 30)), None);
        assert_eq!(
            l.current_until(date!(2026 - 06 - 30)),
            Some(date!(2026 - 06 - 30))
        );
        assert_eq!(l.current_until(date!(2026 - 07 - 01)), None);
        let auto = Licence {
            auto_renew: true,
            ..l
        };
        assert_eq!(
            auto.current_until(date!(2026 - 11 - 24)),
            Some(date!(2027 - 06 - 30))
        );
    }

    #[test]
    fn office_numbers_follow_the_shape_rule() {
        assert!(office_number_shape("1370101011").is_ok());
        assert!(office_number_shape("4870101011").is_err());
        assert!(office_number_shape("13I0101011").is_err());
        assert!(office_number_shape("13A0101011").is_ok());
    }

    #[test]
    fn the_demo_world_is_a_valid_world() {
        let (w, ids) = demo(datetime!(2026-11-24 01:00 UTC));
        let (_, warnings) = World::parse(&w.to_toml(), "demo").unwrap();
        assert!(
            warnings.is_empty(),
            "the demo world starts without warnings: {warnings:?}"
        );
        for now in [
            datetime!(2025-03-01 01:00 UTC),
            datetime!(2028-01-10 01:00 UTC),
        ] {
            let (w, ids) = demo(now);
            let (_, warnings) = World::parse(&w.to_toml(), "demo").unwrap();
            assert!(warnings.is_empty(), "{now}: {warnings:?}");
            let lapsed = ids.iter().find(|i| i.expect == "licence-expired").unwrap();
            let office = w
                .offices
                .iter()
                .find(|o| o.number == lapsed.office)
                .unwrap();
            let today = now.to_offset(JST).date();
            assert_eq!(
                office.licence.as_ref().unwrap().current_until(today),
                None,
                "{now}"
            );
        }
        // さくら (居宅), ひまわり, あおば (providers) and なのはな (地域包括支援センター).
        assert_eq!(ids.iter().filter(|i| i.expect == "ok").count(), 4);
        for e in [
            "expired",
            "not-yet-valid",
            "revoked",
            "wrong-type",
            "unknown-ca",
            "proxy-id",
            "licence-expired",
            "temporary-password",
        ] {
            assert!(ids.iter().any(|i| i.expect == e), "{e}");
        }
    }
}

#[cfg(test)]
mod lookup_tests {
    use super::*;

    #[test]
    fn offices_are_found_by_number_and_login_id_and_a_changed_list_is_never_answered_wrongly() {
        let (mut w, _) = demo(time::macros::datetime!(2026-11-24 01:00 UTC));
        let first = w.offices[0].clone();
        let last = w.offices[w.offices.len() - 1].clone();
        assert_eq!(w.office(&last.number).unwrap().user_id, last.user_id);
        assert_eq!(
            w.office_by_user(&first.user_id).unwrap().number,
            first.number
        );
        assert!(w.office("9999999999").is_none());
        // The index was built; the list changes afterwards.
        w.offices.remove(0);
        assert!(w.office(&first.number).is_none());
        assert_eq!(w.office(&last.number).unwrap().number, last.number);
        let mut moved = last.clone();
        moved.number = "1310199990".into();
        w.offices.push(moved);
        assert_eq!(w.office("1310199990").unwrap().user_id, last.user_id);
    }
}
