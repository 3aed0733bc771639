//! The standard as data: revisions, interface files, items and code lists.
//!
//! Everything here is read from `spec/revisions/<revision>/` (embedded at compile time by
//! `build.rs`): `revision.toml` (the files, their file-name rules and the send units),
//! `items.tsv` (every item of every file) and `codes.toml` (the code lists). The validator,
//! the writer and `renkei spec` all read these values; no item rule is written in code.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/revisions.rs"));

/// An error in the embedded spec data (a broken revision folder).
#[derive(Debug, thiserror::Error)]
pub enum SpecDataError {
    /// `revision.toml` does not parse.
    #[error("revisions/{revision}/revision.toml: {source}")]
    Toml {
        /// The revision folder.
        revision: String,
        /// The TOML error.
        source: toml::de::Error,
    },
    /// `codes.toml` does not parse.
    #[error("revisions/{revision}/codes.toml: {source}")]
    Codes {
        /// The revision folder.
        revision: String,
        /// The TOML error.
        source: toml::de::Error,
    },
    /// A line of `items.tsv` is wrong.
    #[error("revisions/{revision}/items.tsv line {line}: {message}")]
    Items {
        /// The revision folder.
        revision: String,
        /// The line (1-based).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The revision's files, units and items do not fit together.
    #[error("revisions/{revision}: {message}")]
    Inconsistent {
        /// The revision folder.
        revision: String,
        /// What does not fit.
        message: String,
    },
}

/// The whole standard: every embedded revision.
#[derive(Debug, Serialize)]
pub struct Standard {
    /// Every embedded revision.
    pub revisions: Vec<Revision>,
}

/// One revision (版) of the standard, identified by its CSVバージョン.
#[derive(Debug, Serialize)]
pub struct Revision {
    /// "4.1", "3.2".
    pub revision: String,
    /// The value of item 1 (CSVバージョン) of every record: "202407", "202208".
    pub csv_version: String,
    /// The label shown to people, e.g. "第4.1版 (令和6年10月)".
    pub label: String,
    /// First service month (YYYYMM) the revision applies to.
    pub applies_from: String,
    /// Whether it is used when nothing says which.
    pub default: bool,
    /// Whether file names carry the sender's and receiver's サービス種類コード (4.x).
    pub filename_service_types: bool,
    /// Decisions taken where the standard is silent, by topic.
    pub assumptions: BTreeMap<String, String>,
    /// Its interface files.
    pub files: Vec<FileSpec>,
    /// Its send units (送信単位).
    pub units: Vec<UnitSpec>,
    /// Its code lists: list name → code → label.
    pub codes: BTreeMap<String, BTreeMap<String, String>>,
}

/// Where the month part of a file name comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthPart {
    /// No month in the name.
    None,
    /// 対象年月 (YYYYMM).
    Target,
    /// 提供年月, or `000000` when the file goes with 第1・2・3表 (利用者補足情報).
    ProvisionOrZero,
}

/// The kind of office that writes or reads a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficeRole {
    /// 居宅介護支援事業所.
    Kyotaku,
    /// サービス事業所.
    Provider,
    /// 地域包括支援センター等 (介護予防支援).
    Yobo,
}

/// How a file's content is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// CSV in MS932.
    #[default]
    Csv,
    /// A JPEG image (家族構成画像).
    Jpeg,
}

/// One interface file (インタフェースファイル).
#[derive(Debug, Serialize)]
pub struct FileSpec {
    /// The file-name prefix, which names the kind: `UPPLAN`, `UPJSK`, …
    pub kind: String,
    /// 日本語名称.
    pub name: String,
    /// Where the month part of its name comes from.
    pub month: MonthPart,
    /// Who writes it.
    pub from: OfficeRole,
    /// Who reads it.
    pub to: OfficeRole,
    /// CSV or JPEG.
    pub format: FileFormat,
    /// Kinds whose data a deletion file withdraws (the cascade).
    pub deletes: Vec<String>,
    /// Its items, in record order.
    pub items: Vec<ItemSpec>,
}

/// A send unit (送信単位): the files that may share one ファイル連番.
#[derive(Debug, Serialize, Deserialize)]
pub struct UnitSpec {
    /// A short stable ID (`usage`, `plan`, …).
    pub id: String,
    /// Its Japanese name.
    pub name: String,
    /// The kinds it must hold.
    pub required: Vec<String>,
    /// The kinds it may hold besides.
    #[serde(default)]
    pub optional: Vec<String>,
    /// The assumption the combination rests on, if any.
    #[serde(default)]
    pub assumed: Option<String>,
}

/// Why a set of file kinds is not a send unit: the nearest allowed combination, and the kinds
/// missing from it or not allowed in it.
#[derive(Debug)]
pub struct UnitMismatch<'a> {
    /// The allowed combination closest to the kinds given.
    pub nearest: &'a UnitSpec,
    /// Kinds it requires that are absent.
    pub missing: Vec<&'a str>,
    /// Kinds present that it does not allow.
    pub extra: Vec<&'a str>,
}

impl UnitMismatch<'_> {
    /// 「近い組合せ「…」に対して 不足: … 余分: …」: what the message of a wrong combination ends
    /// with, wherever it is reported (the validator, the hub).
    pub fn describe(&self) -> String {
        let mut msg = format!("近い組合せ「{}」に対して", self.nearest.name);
        if !self.missing.is_empty() {
            msg.push_str(&format!(" 不足: {}", self.missing.join(", ")));
        }
        if !self.extra.is_empty() {
            msg.push_str(&format!(" 余分: {}", self.extra.join(", ")));
        }
        msg
    }
}

/// The value type of an item; each has one check in `validate::item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    /// CSVバージョン: YYYYMM, equal to the revision's value.
    CsvVersion,
    /// 保険者番号: 6 digits.
    InsurerNo,
    /// 被保険者番号: 10 digits, or `H` + 9 digits (生活保護単独).
    InsuredNo,
    /// 事業所番号: 10 half-width digits or upper-case letters.
    OfficeNo,
    /// YYYYMMDD, a date that exists.
    Date,
    /// A date, or `00000000` (利用者補足情報 linked to 第6・7表).
    DateOrZeros,
    /// YYYYMM, month 01–12.
    Month,
    /// A month, or `000000` (利用者補足情報 linked to 第1・2表).
    MonthOrZeros,
    /// HHMM, or `9999` for services without a time.
    Time,
    /// 整数: optional minus sign and digits.
    Integer,
    /// Half-width digits only.
    Digits,
    /// Half-width letters and digits only.
    Alnum,
    /// 99.99 形式.
    Decimal,
    /// One of the codes of the item's code list.
    Code,
    /// Free text (フリーテキスト): any MS932 character.
    Text,
    /// 郵便番号 XXX-XXXX.
    Postal,
    /// サービス種類コード: 2 half-width digits or letters.
    ServiceType,
    /// サービスコード: 種類 (2) + 項目 (4), half-width digits or letters.
    ServiceCode,
    /// 日割対象日: 31 characters of `0`/`1`.
    DayFlags,
    /// TAISコード: 5 digits, a hyphen, 6 digits.
    Tais,
    /// 識別子 「使用しない」: should be empty.
    Unused,
}

/// What an item means to the record, file and unit rules (`validate::record`, `validate::unit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemRole {
    /// CSVバージョン.
    CsvVersion,
    /// 保険者番号.
    Insurer,
    /// 被保険者番号.
    Insured,
    /// 居宅サービス計画作成（変更）日: the link to 第1表.
    PlanDate,
    /// 対象年月 / 削除対象年月 / 提供年月.
    TargetMonth,
    /// 相談日: the key of 利用者基本情報.
    ConsultDate,
    /// 計画作成(変更)日 of 介護予防サービス・支援計画書.
    YoboPlanDate,
    /// The 居宅介護支援事業所 number in the record.
    CareManagerOffice,
    /// The service provider's 事業所番号 in the record.
    ProviderOffice,
    /// サービスコード (6 characters, the first two its サービス種類).
    ServiceCode,
    /// サービス種類コード on its own.
    ServiceType,
    /// サービス利用日.
    ServiceDate,
    /// 日割対象日.
    DayFlags,
    /// サービス開始時刻.
    StartTime,
    /// サービス終了時刻.
    EndTime,
    /// 活動開始時刻 of 第3表.
    ActivityStartTime,
    /// 活動終了時刻 of 第3表.
    ActivityEndTime,
    /// サテライト枝番.
    Satellite,
    /// 区分支給限度 slot items of 利用者補足情報 (9 slots of 4 items).
    LimitSlot,
    /// 第7表 単位数.
    Units,
    /// 第7表 割引後率.
    DiscountRate,
    /// 第7表 割引後単位数.
    DiscountedUnits,
    /// 認定有効期間開始日.
    CertStart,
    /// 認定有効期間終了日.
    CertEnd,
    /// 限度額適用開始年月日.
    LimitStart,
    /// 限度額適用終了年月日.
    LimitEnd,
    /// TAISコード (福祉用具).
    TaisCode,
    /// 福祉用具届出コード.
    WelfareCode,
    /// 第7表 サービス単位金額 (summed by the subtotal and total rows).
    UnitAmount,
    /// 第7表 給付管理単位数 (summed by the subtotal and total rows).
    BenefitUnits,
    /// 明細判別コード (福祉用具貸与 rows only).
    DetailCode,
    /// 更新業者コード: the office that wrote the record (the file's sender).
    Updater,
    /// 課題ＮＯ of 介護予防サービス・支援計画書 (UPYOBO_SUB).
    IssueNo,
    /// 支援計画ＮＯ of UPYOBO_SUB: numbered 1, 2, … within one 課題ＮＯ.
    SupportPlanNo,
    /// 利用サービスＮＯ of UPYOBO_SUB: numbered 1, 2, … within one 支援計画ＮＯ.
    ServiceUseNo,
}

/// How a length is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    /// Bytes in MS932 (the assumed reading of 項目長).
    Bytes,
    /// Characters (where the standard's own example needs it, e.g. TAISコード).
    Chars,
}

/// How firmly an item's attributes were read from the standard (layout-4.1.tsv).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Read on the item's own line of the layout.
    Read,
    /// Re-paired from the column-shifted dump by counting.
    Paired,
    /// The dump leaves a choice; the choice made is in `assumed`.
    Uncertain,
    /// Not read at all: derived (e.g. the 3.2 numbering).
    Inferred,
}

/// A check whose failure is only a warning, because its parameter rests on an assumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// 必須: a required item left empty.
    Required,
    /// 項目長: a value over the length.
    Length,
    /// 書式: a value of the wrong form.
    Format,
    /// コード: a value not in the code list.
    Code,
}

/// One item (項目) of an interface file.
#[derive(Debug, Clone, Serialize)]
pub struct ItemSpec {
    /// No. (1-based position in the record).
    pub no: u16,
    /// The key of the item in the canonical JSON: the Japanese name, made unique per file.
    pub key: String,
    /// 日本語名称, as printed.
    pub name: String,
    /// The item's type (its form).
    #[serde(rename = "type")]
    pub ty: ItemType,
    /// 項目長: the maximum length; `None` = ― (free length).
    pub length: Option<u16>,
    /// Whether `length` counts bytes or characters.
    pub length_unit: Option<LengthUnit>,
    /// 必須.
    pub required: bool,
    /// 必要 (介護予防 files and 第3表 only).
    pub needed: Option<bool>,
    /// The code list (codes.toml) for `code` items.
    pub codes: Option<String>,
    /// What the item means to the record, file and unit rules, if anything.
    pub role: Option<ItemRole>,
    /// Checks that report warnings instead of errors for this item.
    pub warn_only: Vec<Check>,
    /// 書式・選択肢, as printed.
    pub format: String,
    /// How firmly the attributes were read from the standard.
    pub confidence: Confidence,
    /// The assumption this item's checks rest on, if any.
    pub assumed: Option<String>,
    /// Where the attributes were read, and any doubt.
    pub note: String,
}

impl ItemSpec {
    /// Whether it is free text (書式「フリーテキスト」): its value is enclosed in `"` (the
    /// footnote of every layout: 「※フリーテキストは""（半角）で囲い」).
    pub fn is_free_text(&self) -> bool {
        self.ty == ItemType::Text && self.format.contains("フリーテキスト")
    }

    /// Whether a failure of `check` on this item is only a warning.
    pub fn soft(&self, check: Check) -> bool {
        self.warn_only.contains(&check)
    }
}

#[derive(Deserialize)]
struct RevisionToml {
    revision: String,
    csv_version: String,
    label: String,
    applies_from: String,
    default: bool,
    filename_service_types: bool,
    #[serde(default)]
    assumptions: BTreeMap<String, String>,
    files: Vec<FileToml>,
    units: Vec<UnitSpec>,
}

#[derive(Deserialize)]
struct FileToml {
    kind: String,
    name: String,
    month: MonthPart,
    from: OfficeRole,
    to: OfficeRole,
    #[serde(default)]
    format: FileFormat,
    #[serde(default)]
    deletes: Vec<String>,
}

impl Standard {
    /// The standard, parsed once from the embedded revision folders.
    pub fn get() -> &'static Standard {
        static STANDARD: OnceLock<Standard> = OnceLock::new();
        STANDARD.get_or_init(|| match Standard::load() {
            Ok(s) => s,
            // The data is compiled in and checked by the crate's tests: a failure here is a
            // build of a broken revision folder, not bad input.
            Err(e) => panic!("embedded spec data is broken: {e}"),
        })
    }

    /// Parses the embedded revision folders.
    pub fn load() -> Result<Standard, SpecDataError> {
        let mut revisions = Vec::new();
        for (folder, rev, items, codes) in EMBEDDED {
            revisions.push(Revision::parse(folder, rev, items, codes)?);
        }
        // Newest first, so that "the default" and iteration order are stable.
        revisions.sort_by(|a, b| b.csv_version.cmp(&a.csv_version));
        Ok(Standard { revisions })
    }

    /// The default revision (4.1).
    pub fn default_revision(&self) -> &Revision {
        self.revisions
            .iter()
            .find(|r| r.default)
            .unwrap_or(&self.revisions[0])
    }

    /// The revision "4.1", "3.2", ….
    pub fn revision(&self, id: &str) -> Option<&Revision> {
        self.revisions.iter().find(|r| r.revision == id)
    }

    /// The revision whose CSVバージョン is `v`.
    pub fn by_csv_version(&self, v: &str) -> Option<&Revision> {
        self.revisions.iter().find(|r| r.csv_version == v)
    }

    /// The revision in force for service month `month` (YYYYMM): the one with the latest
    /// `applies_from` not after it (「新しいバージョンの適用年月となるサービス提供年月から
    /// 適用する」). `None` before the earliest embedded revision applies.
    pub fn in_force(&self, month: &str) -> Option<&Revision> {
        self.revisions
            .iter()
            .filter(|r| r.applies_from.as_str() <= month)
            .max_by(|a, b| a.applies_from.cmp(&b.applies_from))
    }
}

impl Revision {
    fn parse(folder: &str, rev: &str, items: &str, codes: &str) -> Result<Revision, SpecDataError> {
        let t: RevisionToml = toml::from_str(rev).map_err(|source| SpecDataError::Toml {
            revision: folder.to_string(),
            source,
        })?;
        let codes: BTreeMap<String, BTreeMap<String, String>> =
            toml::from_str(codes).map_err(|source| SpecDataError::Codes {
                revision: folder.to_string(),
                source,
            })?;
        let mut by_kind: BTreeMap<String, Vec<ItemSpec>> = BTreeMap::new();
        let mut lines = items.lines().enumerate();
        let header: Vec<&str> = match lines.next() {
            Some((_, h)) => h.split('\t').collect(),
            None => {
                return Err(SpecDataError::Items {
                    revision: folder.into(),
                    line: 1,
                    message: "empty file".into(),
                })
            }
        };
        let col = |name: &str| header.iter().position(|h| *h == name);
        let cols: Vec<usize> = [
            "file",
            "no",
            "key",
            "name",
            "type",
            "length",
            "length_unit",
            "required",
            "needed",
            "codes",
            "role",
            "warn_only",
            "format",
            "confidence",
            "assumed",
            "note",
        ]
        .iter()
        .map(|c| {
            col(c).ok_or_else(|| SpecDataError::Items {
                revision: folder.into(),
                line: 1,
                message: format!("missing column {c}"),
            })
        })
        .collect::<Result<_, _>>()?;
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let err = |message: String| SpecDataError::Items {
                revision: folder.into(),
                line: i + 1,
                message,
            };
            let f: Vec<&str> = line.split('\t').collect();
            let get = |k: usize| f.get(cols[k]).copied().unwrap_or("");
            let enum_of = |k: usize| -> Result<Option<String>, SpecDataError> {
                let v = get(k);
                Ok((!v.is_empty()).then(|| format!("\"{v}\"")))
            };
            let parse_enum =
                |k: usize, what: &str| -> Result<Option<serde_json::Value>, SpecDataError> {
                    match enum_of(k)? {
                        None => Ok(None),
                        Some(s) => serde_json::from_str(&s)
                            .map(Some)
                            .map_err(|_| err(format!("unknown {what} {s}"))),
                    }
                };
            let ty: ItemType = parse_enum(4, "type")?
                .and_then(|v| serde_json::from_value(v).ok())
                .ok_or_else(|| err(format!("bad type {:?}", get(4))))?;
            let role: Option<ItemRole> = match parse_enum(10, "role")? {
                None => None,
                Some(v) => Some(
                    serde_json::from_value(v)
                        .map_err(|_| err(format!("bad role {:?}", get(10))))?,
                ),
            };
            let length_unit: Option<LengthUnit> = match parse_enum(6, "length unit")? {
                None => None,
                Some(v) => Some(
                    serde_json::from_value(v)
                        .map_err(|_| err(format!("bad length unit {:?}", get(6))))?,
                ),
            };
            let confidence: Confidence = parse_enum(13, "confidence")?
                .and_then(|v| serde_json::from_value(v).ok())
                .ok_or_else(|| err(format!("bad confidence {:?}", get(13))))?;
            let mut warn_only = Vec::new();
            for w in get(11).split(',').filter(|s| !s.is_empty()) {
                warn_only.push(
                    serde_json::from_value(serde_json::Value::String(w.trim().into()))
                        .map_err(|_| err(format!("bad warn_only {w:?}")))?,
                );
            }
            let length = match get(5) {
                "" => None,
                s => Some(s.parse().map_err(|_| err(format!("bad length {s:?}")))?),
            };
            let no: u16 = get(1)
                .parse()
                .map_err(|_| err(format!("bad no {:?}", get(1))))?;
            let codes_name = Some(get(9).to_string()).filter(|s| !s.is_empty());
            if let Some(c) = &codes_name {
                if !codes.contains_key(c) {
                    return Err(err(format!("unknown code list {c}")));
                }
            }
            if ty == ItemType::Code && codes_name.is_none() {
                return Err(err("code item without a code list".into()));
            }
            let key = match get(2) {
                "" => get(3).to_string(),
                k => k.to_string(),
            };
            let item = ItemSpec {
                no,
                key,
                name: get(3).to_string(),
                ty,
                length,
                length_unit,
                required: get(7) == "1",
                needed: match get(8) {
                    "" => None,
                    s => Some(s == "1"),
                },
                codes: codes_name,
                role,
                warn_only,
                format: get(12).to_string(),
                confidence,
                assumed: Some(get(14).to_string()).filter(|s| !s.is_empty()),
                note: get(15).to_string(),
            };
            by_kind.entry(get(0).to_string()).or_default().push(item);
        }
        let mut files = Vec::new();
        for f in t.files {
            let items = by_kind.remove(&f.kind).unwrap_or_default();
            if f.format == FileFormat::Csv && items.is_empty() {
                return Err(SpecDataError::Inconsistent {
                    revision: folder.into(),
                    message: format!("file {} has no items", f.kind),
                });
            }
            for (i, it) in items.iter().enumerate() {
                if usize::from(it.no) != i + 1 {
                    return Err(SpecDataError::Inconsistent {
                        revision: folder.into(),
                        message: format!("{}: item {} is at position {}", f.kind, it.no, i + 1),
                    });
                }
                if items[..i].iter().any(|o| o.key == it.key) {
                    return Err(SpecDataError::Inconsistent {
                        revision: folder.into(),
                        message: format!("{}: duplicate item key {}", f.kind, it.key),
                    });
                }
            }
            files.push(FileSpec {
                kind: f.kind,
                name: f.name,
                month: f.month,
                from: f.from,
                to: f.to,
                format: f.format,
                deletes: f.deletes,
                items,
            });
        }
        if let Some(k) = by_kind.keys().next() {
            return Err(SpecDataError::Inconsistent {
                revision: folder.into(),
                message: format!("items.tsv has items of {k}, which revision.toml does not list"),
            });
        }
        for u in &t.units {
            for k in u.required.iter().chain(&u.optional) {
                if !files.iter().any(|f| &f.kind == k) {
                    return Err(SpecDataError::Inconsistent {
                        revision: folder.into(),
                        message: format!("unit {} names unknown file {k}", u.id),
                    });
                }
            }
        }
        if t.revision != *folder {
            return Err(SpecDataError::Inconsistent {
                revision: folder.into(),
                message: format!("folder name differs from revision {}", t.revision),
            });
        }
        Ok(Revision {
            revision: t.revision,
            csv_version: t.csv_version,
            label: t.label,
            applies_from: t.applies_from,
            default: t.default,
            filename_service_types: t.filename_service_types,
            assumptions: t.assumptions,
            files,
            units: t.units,
            codes,
        })
    }

    /// The file of this kind (`UPPLAN`, …).
    pub fn file(&self, kind: &str) -> Option<&FileSpec> {
        self.files.iter().find(|f| f.kind == kind)
    }

    /// The send unit (送信単位) whose combination the set of file kinds `kinds` is, or the
    /// nearest one with what is missing and what is extra. Used by the validator and the hub.
    pub fn match_unit<'a>(&'a self, kinds: &[&'a str]) -> Result<&'a UnitSpec, UnitMismatch<'a>> {
        let allowed = |u: &UnitSpec, k: &str| u.required.iter().chain(&u.optional).any(|x| x == k);
        let fits = |u: &UnitSpec| {
            u.required.iter().all(|k| kinds.contains(&k.as_str()))
                && kinds.iter().all(|k| allowed(u, k))
        };
        if let Some(u) = self.units.iter().find(|u| fits(u)) {
            return Ok(u);
        }
        let nearest = self
            .units
            .iter()
            .max_by_key(|u| {
                let hit = u
                    .required
                    .iter()
                    .filter(|k| kinds.contains(&k.as_str()))
                    .count() as i64;
                let extra = kinds.iter().filter(|k| !allowed(u, k)).count() as i64;
                (hit * 2 - extra, -(u.required.len() as i64))
            })
            .expect("a revision has units");
        Err(UnitMismatch {
            nearest,
            missing: nearest
                .required
                .iter()
                .map(String::as_str)
                .filter(|k| !kinds.contains(k))
                .collect(),
            extra: kinds
                .iter()
                .copied()
                .filter(|k| !allowed(nearest, k))
                .collect(),
        })
    }

    /// The label of `code` in list `list`, if the code is in it.
    pub fn code_label(&self, list: &str, code: &str) -> Option<&str> {
        self.codes.get(list)?.get(code).map(String::as_str)
    }

    /// Whether a サービス種類コード is one the exchange carries (連携対象).
    pub fn service_type_linked(&self, ty: &str) -> bool {
        self.code_label("service_type_linked", ty).is_some()
    }

    /// Whether a サービス種類コード is known at all (linked or not, or an office type).
    pub fn service_type_known(&self, ty: &str) -> bool {
        self.service_type_linked(ty) || self.code_label("service_type_other", ty).is_some()
    }
}

impl FileSpec {
    /// The first item with `role`.
    pub fn item_with(&self, role: ItemRole) -> Option<&ItemSpec> {
        self.items.iter().find(|i| i.role == Some(role))
    }

    /// 0-based index of the first item with `role`.
    pub fn index_of(&self, role: ItemRole) -> Option<usize> {
        self.items.iter().position(|i| i.role == Some(role))
    }

    /// Whether it is a deletion file (削除), which withdraws other kinds.
    pub fn is_deletion(&self) -> bool {
        !self.deletes.is_empty()
    }
}

impl fmt::Display for ItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = serde_json::to_value(self).map_err(|_| fmt::Error)?;
        f.write_str(v.as_str().unwrap_or("?"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_revision_loads_with_the_expected_files() {
        let s = Standard::load().expect("spec data loads");
        let r41 = s.revision("4.1").unwrap();
        assert!(r41.default);
        assert_eq!(r41.csv_version, "202407");
        let counts: Vec<(&str, usize)> = r41
            .files
            .iter()
            .map(|f| (f.kind.as_str(), f.items.len()))
            .collect();
        assert_eq!(
            counts,
            vec![
                ("UPHOSOKU", 63),
                ("UP1KYO", 28),
                ("DLT1KYO", 4),
                ("UP2KYO", 22),
                ("UP3KYO", 13),
                ("UPPLAN", 25),
                ("DLTPLAN", 4),
                ("UPJSK", 25),
                ("DLTJSK", 6),
                ("UPSIKYU", 37),
                ("UPKIHON", 71),
                ("DLTKIHON", 4),
                ("UPKIHON_SUB1", 7),
                ("UPKIHON_SUB2", 11),
                ("UPKIHON_IMAGE", 0),
                ("UPYOBO", 57),
                ("DLTYOBO", 4),
                ("UPYOBO_SUB", 17),
            ]
        );
        let r32 = s.revision("3.2").unwrap();
        assert_eq!(r32.csv_version, "202208");
        assert_eq!(r32.file("UPPLAN").unwrap().items.len(), 22);
        assert_eq!(r32.file("UPSIKYU").unwrap().items.len(), 34);
        assert!(r32.file("UP3KYO").is_none());
        assert_eq!(s.default_revision().revision, "4.1");
    }

    #[test]
    fn assumptions_are_visible_in_the_data() {
        let s = Standard::get();
        let plan = s.revision("4.1").unwrap().file("UPPLAN").unwrap();
        let meisai = &plan.items[18];
        assert_eq!(meisai.name, "明細判別コード");
        assert!(meisai.assumed.is_some());
        assert!(meisai.soft(Check::Length));
        let name = &plan.items[6];
        assert_eq!(name.confidence, Confidence::Uncertain);
        assert!(name.soft(Check::Required));
        // The 3.2 layouts were not read item by item: every derived item says so.
        let p32 = s.revision("3.2").unwrap().file("UPPLAN").unwrap();
        assert!(p32.items.iter().all(|i| i.assumed.is_some()));
    }

    #[test]
    fn roles_needed_by_the_rules_are_present() {
        let s = Standard::get();
        for r in &s.revisions {
            for f in r.files.iter().filter(|f| f.format == FileFormat::Csv) {
                assert_eq!(f.items[0].role, Some(ItemRole::CsvVersion), "{}", f.kind);
                assert_eq!(f.items[1].role, Some(ItemRole::Insurer), "{}", f.kind);
                assert_eq!(f.items[2].role, Some(ItemRole::Insured), "{}", f.kind);
                if f.month != MonthPart::None {
                    assert!(f.item_with(ItemRole::TargetMonth).is_some(), "{}", f.kind);
                }
            }
        }
    }
}
