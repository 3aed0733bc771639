//! File names (ファイル名規則) of both revisions: parse, check and format.
//!
//! ```text
//! 4.1  PREFIX[_YYYYMM]_{送信元10}_{送信元種類2}_{送信先10}_{送信先種類2}_{YYYYMMDDHHMMSS}.CSV
//! 3.2  PREFIX[_YYYYMM]_{送信元10}_{送信先10}_{YYYYMMDDHHMMSS}.CSV
//! 4.1  UPKIHON_IMAGE_{送信元10}_{種類2}_{送信先10}_{種類2}_{YYYYMMDDHHMMSS}_{枝番4}.jpg
//! ```
//! The 14-digit timestamp is the ファイル連番: every file of one send unit carries the same one.
//! The revision of a name is told by its shape (4.1 names carry service-type codes).

use serde::{Deserialize, Serialize};

use crate::calendar;
use crate::diagnostic::{Code, Diagnostic};
use crate::standard::{FileFormat, FileSpec, MonthPart, Revision, Standard};

/// One office as named in a file name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Party {
    /// 事業所番号 (10 characters).
    pub office: String,
    /// サービス種類コード (2 characters); absent in 3.2 names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
}

/// A parsed file name. Parts are kept as written, even when a part is wrong, so that the
/// content can still be checked against what the name says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileName {
    /// The prefix, e.g. `UPPLAN`.
    pub kind: String,
    /// "4.1" or "3.2", from the shape of the name.
    pub revision: String,
    /// The month part (YYYYMM or 000000), for kinds whose name has one.
    pub month: Option<String>,
    /// The sending office (事業所番号, サービス種類コード).
    pub sender: Party,
    /// The receiving office (事業所番号, サービス種類コード).
    pub receiver: Party,
    /// The ファイル連番 (YYYYMMDDHHMMSS).
    pub sequence: String,
    /// The 枝番 of an image name.
    pub branch: Option<String>,
    /// The extension, as written (`CSV`, `jpg`).
    pub extension: String,
}

/// The outcome of parsing a name: what could be read, and what is wrong with it.
#[derive(Debug, Clone)]
pub struct ParsedName {
    /// `None` when the kind or the shape could not be recognised.
    pub name: Option<FileName>,
    /// What is wrong with the name, if anything.
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedName {
    /// Whether the name was recognised and has no error.
    pub fn is_valid(&self) -> bool {
        self.name.is_some() && !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

fn is_office(s: &str) -> bool {
    s.len() == 10
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

fn is_type_syntax(s: &str) -> bool {
    s.len() == 2
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

/// The file kinds of every revision, longest prefix first (so `UPKIHON_SUB1` wins over `UPKIHON`).
fn kinds(std: &Standard) -> Vec<&str> {
    let mut k: Vec<&str> = std
        .revisions
        .iter()
        .flat_map(|r| r.files.iter().map(|f| f.kind.as_str()))
        .collect();
    k.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    k.dedup();
    k
}

/// Parses a file name (the last path component) against every revision of the standard.
pub fn parse(file_name: &str) -> ParsedName {
    let std = Standard::get();
    let mut diags = Vec::new();
    let fail = |code, msg: String| ParsedName {
        name: None,
        diagnostics: vec![Diagnostic::new(code, msg)],
    };
    let Some(kind) = kinds(std)
        .into_iter()
        .find(|k| file_name.starts_with(k) && file_name[k.len()..].starts_with('_'))
    else {
        let prefix = file_name.split('_').next().unwrap_or(file_name);
        return fail(
            Code::FilenameUnknownKind,
            format!("ファイル名の接頭辞「{prefix}」は標準仕様のファイル種別ではありません (UPPLAN, UPJSK, UPHOSOKU, …)"),
        );
    };
    let rest = &file_name[kind.len() + 1..];
    let (stem, extension) = match rest.rfind('.') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let parts: Vec<&str> = stem.split('_').collect();
    // Any revision that defines the kind decides the month part and the format.
    let Some(spec) = std.revisions.iter().find_map(|r| r.file(kind)) else {
        return fail(Code::FilenameUnknownKind, format!("unknown kind {kind}"));
    };
    let has_month = spec.month != MonthPart::None;
    let is_image = spec.format == FileFormat::Jpeg;
    let base = usize::from(has_month) + usize::from(is_image);
    let revision = if parts.len() == base + 5 {
        "4.1"
    } else if parts.len() == base + 3 && !is_image {
        "3.2"
    } else {
        let expected = describe_rule(spec, true);
        return fail(
            Code::FilenameParts,
            format!(
                "ファイル名「{file_name}」の構成が規則と合いません: 「_」で区切られた部分が{}個あります。規則は {expected}",
                parts.len() + 1
            ),
        );
    };
    let Some(rev) = std.revision(revision) else {
        return fail(
            Code::FilenameParts,
            format!("revision {revision} is not embedded"),
        );
    };
    if rev.file(kind).is_none() {
        return fail(
            Code::FilenameParts,
            format!(
                "{kind} は第{revision}版にないファイルです（サービス種類コードのない第3.2版形式の名前）。第4.1版の規則は {}",
                describe_rule(spec, true)
            ),
        );
    }
    let mut i = 0;
    let month = if has_month {
        i += 1;
        Some(parts[0].to_string())
    } else {
        None
    };
    let with_types = rev.filename_service_types;
    let take_party = |i: &mut usize| {
        let office = parts[*i].to_string();
        *i += 1;
        let service_type = if with_types {
            *i += 1;
            Some(parts[*i - 1].to_string())
        } else {
            None
        };
        Party {
            office,
            service_type,
        }
    };
    let sender = take_party(&mut i);
    let receiver = take_party(&mut i);
    let sequence = parts[i].to_string();
    let branch = is_image.then(|| parts[i + 1].to_string());

    if let Some(m) = &month {
        let zero_ok = spec.month == MonthPart::ProvisionOrZero;
        if !(calendar::parse_month(m).is_some() || (zero_ok && m == "000000")) {
            let allowed = if zero_ok {
                "YYYYMM（第1・2表に紐づく場合は 000000）"
            } else {
                "YYYYMM"
            };
            diags.push(Diagnostic::new(
                Code::FilenameMonth,
                format!("ファイル名の年月「{m}」は {allowed} ではありません"),
            ));
        }
    }
    for (who, p) in [("送信元", &sender), ("送信先", &receiver)] {
        if !is_office(&p.office) {
            diags.push(Diagnostic::new(
                Code::FilenameOffice,
                format!(
                    "ファイル名の{who}事業所番号「{}」は半角英数字10桁ではありません",
                    p.office
                ),
            ));
        }
        if let Some(t) = &p.service_type {
            if !is_type_syntax(t) || !rev.service_type_known(t) {
                diags.push(Diagnostic::new(
                    Code::FilenameServiceType,
                    format!("ファイル名の{who}サービス種類コード「{t}」は既知の2桁のサービス種類コードではありません"),
                ));
            }
        }
    }
    if sender.office == receiver.office && is_office(&sender.office) {
        diags.push(Diagnostic::new(
            Code::FilenameSameOffice,
            format!("送信元と送信先が同じ事業所番号「{}」です", sender.office),
        ));
    }
    if calendar::parse_timestamp(&sequence).is_none() {
        diags.push(Diagnostic::new(
            Code::FilenameSequence,
            format!("ファイル連番「{sequence}」は14桁の日時 YYYYMMDDHHMMSS ではありません"),
        ));
    }
    if let Some(b) = &branch {
        if b.len() != 4 || !b.bytes().all(|c| c.is_ascii_digit()) {
            diags.push(Diagnostic::new(
                Code::FilenameBranch,
                format!("画像ファイルの枝番「{b}」は4桁の数字ではありません"),
            ));
        }
    }
    let (want, lower) = if is_image {
        ("JPG", "jpg")
    } else {
        ("CSV", "csv")
    };
    if extension != want && extension != lower {
        diags.push(Diagnostic::new(
            Code::FilenameExtension,
            format!("拡張子「.{extension}」は「.{want}」ではありません"),
        ));
    } else if extension == lower && !is_image {
        diags.push(
            Diagnostic::new(
                Code::FilenameExtension,
                format!("拡張子が小文字「.{extension}」です（標準仕様の例は「.{want}」）"),
            )
            .warning(),
        );
    }
    ParsedName {
        name: Some(FileName {
            kind: kind.to_string(),
            revision: revision.to_string(),
            month,
            sender,
            receiver,
            sequence,
            branch,
            extension: extension.to_string(),
        }),
        diagnostics: diags,
    }
}

/// The rule of a kind's name, in the standard's notation.
pub fn describe_rule(spec: &FileSpec, with_types: bool) -> String {
    let mut s = spec.kind.clone();
    match spec.month {
        MonthPart::None => {}
        MonthPart::Target => s.push_str("_{対象年月YYYYMM}"),
        MonthPart::ProvisionOrZero => s.push_str("_{提供年月YYYYMM|000000}"),
    }
    if with_types {
        s.push_str("_{送信元事業所番号10}_{送信元サービス種類コード2}_{送信先事業所番号10}_{送信先サービス種類コード2}_{YYYYMMDDHHMMSS}");
    } else {
        s.push_str("_{送信元事業所番号10}_{送信先事業所番号10}_{YYYYMMDDHHMMSS}");
    }
    if spec.format == FileFormat::Jpeg {
        s.push_str("_{枝番4}.jpg");
    } else {
        s.push_str(".CSV");
    }
    s
}

impl FileName {
    /// The name in the canonical form of `rev` (upper-case extension `.CSV`, `.jpg` for images).
    pub fn format(&self, rev: &Revision) -> String {
        let mut s = self.kind.clone();
        if let Some(m) = &self.month {
            s.push('_');
            s.push_str(m);
        }
        for p in [&self.sender, &self.receiver] {
            s.push('_');
            s.push_str(&p.office);
            if rev.filename_service_types {
                s.push('_');
                s.push_str(p.service_type.as_deref().unwrap_or("00"));
            }
        }
        s.push('_');
        s.push_str(&self.sequence);
        let image = rev
            .file(&self.kind)
            .is_some_and(|f| f.format == FileFormat::Jpeg);
        if let Some(b) = &self.branch {
            s.push('_');
            s.push_str(b);
        }
        s.push_str(if image { ".jpg" } else { ".CSV" });
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(p: &ParsedName) -> Vec<&'static str> {
        p.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    #[test]
    fn parses_the_examples_of_the_standard() {
        let p = parse("UPPLAN_201912_0300000100_43_0300000005_11_20191025200201.CSV");
        assert!(p.is_valid(), "{:?}", p.diagnostics);
        let n = p.name.unwrap();
        assert_eq!(n.revision, "4.1");
        assert_eq!(n.month.as_deref(), Some("201912"));
        assert_eq!(n.sender.office, "0300000100");
        assert_eq!(n.sender.service_type.as_deref(), Some("43"));
        assert_eq!(n.receiver.service_type.as_deref(), Some("11"));
        assert_eq!(n.sequence, "20191025200201");

        let p = parse("UPPLAN_201912_0300000100_0300000005_20191025200201.CSV");
        assert!(p.is_valid());
        assert_eq!(p.name.unwrap().revision, "3.2");

        let p = parse("UPHOSOKU_000000_0300000100_43_0300000005_11_20191025200201.CSV");
        assert!(p.is_valid());
        let p = parse("UPKIHON_IMAGE_0300000100_43_0300000005_11_20191025200201_0001.JPG");
        assert!(p.is_valid(), "{:?}", p.diagnostics);
        let p = parse("UPKIHON_SUB1_0300000100_46_0300000005_11_20191025200201.CSV");
        assert_eq!(p.name.unwrap().kind, "UPKIHON_SUB1");
    }

    #[test]
    fn names_the_wrong_part() {
        assert_eq!(
            codes(&parse(
                "UPPLAN_201913_0300000100_43_0300000005_11_20191025200201.CSV"
            )),
            ["filename.month"]
        );
        assert_eq!(
            codes(&parse(
                "UPPLAN_000000_0300000100_43_0300000005_11_20191025200201.CSV"
            )),
            ["filename.month"]
        );
        assert_eq!(
            codes(&parse(
                "UP1KYO_123456789_43_2468135790_11_20191110102233.CSV"
            )),
            ["filename.office"]
        );
        assert_eq!(
            codes(&parse(
                "UPPLAN_201912_0300000100_43_0300000005_99_20191025200201.CSV"
            )),
            ["filename.service-type"]
        );
        assert_eq!(
            codes(&parse(
                "UPPLAN_201912_0300000100_43_0300000005_11_201911110102233.CSV"
            )),
            ["filename.sequence"]
        );
        assert_eq!(
            codes(&parse(
                "UPPLAN_201912_0300000100_43_0300000005_11_20191025200201.TXT"
            )),
            ["filename.extension"]
        );
        let p = parse("UPPLAN_201912_0300000100_43_0300000005_11_20191025200201.csv");
        assert!(p.is_valid());
        assert_eq!(codes(&p), ["filename.extension"]);
        assert_eq!(
            codes(&parse(
                "UPPLAN_201912_0300000100_43_0300000100_11_20191025200201.CSV"
            )),
            ["filename.same-office"]
        );
        assert_eq!(codes(&parse("PLAN_201912.CSV")), ["filename.unknown-kind"]);
        assert_eq!(
            codes(&parse(
                "UPPLAN_201912_0300000100_43_0300000005_20191025200201.CSV"
            )),
            ["filename.parts"]
        );
        // 第3表 exists only from revision 4: a 3.2-shaped name is wrong.
        assert_eq!(
            codes(&parse("UP3KYO_0300000100_0300000005_20191025200201.CSV")),
            ["filename.parts"]
        );
    }

    #[test]
    fn format_round_trips() {
        let std = Standard::get();
        for name in [
            "UPPLAN_201912_0300000100_43_0300000005_11_20191025200201.CSV",
            "UP1KYO_0300000100_43_0300000005_11_20191025200201.CSV",
            "UPKIHON_IMAGE_0300000100_46_0300000005_11_20191025200201_0001.jpg",
            "DLTJSK_201912_0300000005_0300000100_20191025200201.CSV",
        ] {
            let n = parse(name).name.unwrap();
            let rev = std.revision(&n.revision).unwrap();
            assert_eq!(n.format(rev), name);
        }
    }
}
