//! Diagnostics: what the reader, the file-name parser and the validator report.
//!
//! Every diagnostic has a stable code (`encoding.gaiji`, `item.date`, …) that never changes
//! meaning once published, a category, a severity and, where it has one, a position: the
//! physical line (1-based, counting every line of the file, including lines inside quoted
//! text), the field (1-based) and the byte offset (0-based) in the file.

use serde::Serialize;

/// What part of the standard a diagnostic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// The file name (ファイル名規則).
    Filename,
    /// The bytes: MS932, 外字, line endings.
    Encoding,
    /// The CSV structure: quoting, field counts, blank lines.
    Structure,
    /// One item's value: required, length, form, code list.
    Item,
    /// Between items, records, the file name and the files of a send unit.
    Consistency,
}

/// How bad a diagnostic is: an error makes the file invalid, a warning does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look; the file stays valid (e.g. a check resting on an assumption).
    Warning,
    /// The file breaks the standard.
    Error,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $cat:ident, $sev:ident; )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $(#[$doc])* $variant, )* }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable string form, e.g. `encoding.gaiji`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The part of the standard the code is about.
            pub fn category(self) -> Category {
                match self { $( Code::$variant => Category::$cat, )* }
            }

            /// The severity unless an item's data says the check rests on an assumption.
            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// The code with this stable string form, e.g. `item.format`.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $( $code => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    /// The prefix names no interface file of the standard.
    FilenameUnknownKind = "filename.unknown-kind", Filename, Error;
    /// The name does not have the parts its rule requires (separators, count).
    FilenameParts = "filename.parts", Filename, Error;
    /// The month part is not a month (YYYYMM, or 000000 where allowed).
    FilenameMonth = "filename.month", Filename, Error;
    /// An office-number part is not 10 half-width digits or letters.
    FilenameOffice = "filename.office", Filename, Error;
    /// A service-type part is not a known 2-character サービス種類コード.
    FilenameServiceType = "filename.service-type", Filename, Error;
    /// The ファイル連番 is not a 14-digit date and time (YYYYMMDDHHMMSS).
    FilenameSequence = "filename.sequence", Filename, Error;
    /// The extension is not `.CSV` (`.jpg` for images); lower case is a warning.
    FilenameExtension = "filename.extension", Filename, Error;
    /// The 枝番 of an image name is not 4 digits.
    FilenameBranch = "filename.branch", Filename, Error;
    /// Sender and receiver are the same office.
    FilenameSameOffice = "filename.same-office", Filename, Error;

    /// The file starts with a UTF-8 byte-order mark: it is UTF-8, not MS932.
    EncodingUtf8Bom = "encoding.utf8-bom", Encoding, Error;
    /// The file is UTF-8 (every non-ASCII byte forms valid UTF-8), not MS932.
    EncodingUtf8 = "encoding.utf8", Encoding, Error;
    /// The file is UTF-16 (byte-order mark or NUL-interleaved ASCII).
    EncodingUtf16 = "encoding.utf16", Encoding, Error;
    /// A lead byte is followed by a byte that cannot be a trail byte.
    EncodingInvalidSequence = "encoding.invalid-sequence", Encoding, Error;
    /// A lead byte ends the field, the line or the file: the character is cut short.
    EncodingTruncated = "encoding.truncated", Encoding, Error;
    /// A byte that is never valid in MS932 data: 0x80, 0xA0, 0xFD, 0xFE, 0xFF.
    EncodingInvalidByte = "encoding.invalid-byte", Encoding, Error;
    /// A well-formed double-byte sequence that maps to no MS932 character.
    EncodingUnmapped = "encoding.unmapped", Encoding, Error;
    /// A user-defined character (外字, lead byte 0xF0–0xF9): forbidden by the standard.
    EncodingGaiji = "encoding.gaiji", Encoding, Error;
    /// A control character (NUL, or C0 other than TAB and line breaks in quoted text).
    EncodingControl = "encoding.control-char", Encoding, Error;
    /// Text that reads as UTF-8 bytes taken for MS932 (文字化け, e.g. 「譌･蜷」): a heuristic.
    EncodingMojibake = "encoding.mojibake", Encoding, Warning;
    /// A half-width `?` between non-ASCII characters, where an encoder gave up on a character.
    EncodingQuestionMark = "encoding.question-mark", Encoding, Warning;

    /// The file holds no record.
    StructureEmptyFile = "structure.empty-file", Structure, Error;
    /// A record has more or fewer fields than its layout has items.
    StructureFieldCount = "structure.field-count", Structure, Error;
    /// A quoted field is never closed.
    StructureQuoteUnterminated = "structure.quote-unterminated", Structure, Error;
    /// A `"` inside a field that does not start with a quote.
    StructureQuoteInUnquoted = "structure.quote-in-unquoted", Structure, Error;
    /// Characters after the closing quote of a field, before the comma.
    StructureQuoteTrailing = "structure.quote-trailing", Structure, Error;
    /// An empty line between records.
    StructureEmptyLine = "structure.empty-line", Structure, Error;
    /// Empty lines after the last record.
    StructureTrailingEmptyLine = "structure.trailing-empty-line", Structure, Warning;
    /// Records end in LF alone (CRLF is assumed).
    StructureLineEndingLf = "structure.line-ending-lf", Structure, Warning;
    /// Records end in CR alone (CRLF is assumed).
    StructureLineEndingCr = "structure.line-ending-cr", Structure, Warning;
    /// The file mixes line endings between records.
    StructureLineEndingMixed = "structure.line-ending-mixed", Structure, Error;
    /// The last record has no line ending.
    StructureNoFinalNewline = "structure.no-final-newline", Structure, Warning;
    /// A free-text item (フリーテキスト) with a value that is not enclosed in `"`.
    StructureFreeTextUnquoted = "structure.free-text-unquoted", Structure, Error;
    /// The records have the item count and CSVバージョン of another revision than the name's.
    StructureOtherRevision = "structure.other-revision", Structure, Error;
    /// The records are separated by tabs, not commas.
    StructureTabSeparated = "structure.tab-separated", Structure, Error;
    /// The first line is a header row; the standard's files have none.
    StructureHeaderRow = "structure.header-row", Structure, Error;
    /// An image file is not a JPEG.
    StructureNotJpeg = "structure.not-jpeg", Structure, Error;
    /// More diagnostics than are kept for one file; the rest are counted, not listed.
    StructureTooManyDiagnostics = "structure.too-many-diagnostics", Structure, Warning;

    /// A required (必須) item is empty.
    ItemRequired = "item.required", Item, Error;
    /// A value is longer than the item's 項目長.
    ItemLength = "item.length", Item, Error;
    /// A value does not have the item's form (digits, half-width, XXX-XXXX, 99.99, …).
    ItemFormat = "item.format", Item, Error;
    /// A date that does not exist.
    ItemDate = "item.date", Item, Error;
    /// A month outside 01–12.
    ItemMonth = "item.month", Item, Error;
    /// A time that is neither HHMM (00:00–24:00) nor 9999.
    ItemTime = "item.time", Item, Error;
    /// A value outside the item's code list.
    ItemCode = "item.code", Item, Error;
    /// An item the standard marks 「使用しない」 holds a value.
    ItemUnused = "item.unused", Item, Warning;
    /// 日割対象日 marks a day past the end of the service month.
    ItemDayFlags = "item.day-flags", Item, Error;
    /// サービス利用日 is not in the record's 対象年月.
    ItemServiceDate = "item.service-date", Item, Error;
    /// One of サービス開始時刻/終了時刻 is 9999 and the other is not.
    ItemTimePlaceholder = "item.time-placeholder", Item, Error;
    /// A サービスコード whose サービス種類 the exchange does not carry (連携対象外).
    ItemServiceNotLinked = "item.service-not-linked", Item, Warning;
    /// A 第7表 subtotal/total row breaks its rules (ALL9 pairs, 単位数 0, empty 割引).
    ItemTotalRow = "item.total-row", Item, Error;
    /// A 第7表 subtotal/total row's sum differs from the sum of the rows it totals.
    ItemTotalSum = "item.total-sum", Item, Error;
    /// A サービスコード whose サービス種類 (first two characters) is in no code list of the standard.
    ItemServiceTypeUnknown = "item.service-type-unknown", Item, Error;
    /// 福祉用具貸与 (17, 67): neither TAISコード nor 福祉用具届出コード is filled.
    ItemWelfareEquipmentCode = "item.welfare-equipment-code", Item, Error;
    /// 利用者補足情報: a 限度額 slot is filled after an empty one.
    ItemLimitSlotOrder = "item.limit-slot-order", Item, Error;
    /// A period whose start is after its end.
    ItemPeriod = "item.period", Item, Error;
    /// 明細判別コード on a row that is not 福祉用具貸与 (17, 67).
    ItemDetailCode = "item.detail-code", Item, Error;
    /// 利用者補足情報: a 限度額 slot names 短期入所療養介護 as 23 or 2A, where the standard says 22.
    ItemLimitSlotType = "item.limit-slot-type", Item, Error;
    /// 介護予防サービス・支援計画書: the 支援計画ＮＯ of one 課題ＮＯ (or the 利用サービスＮＯ of
    /// one 支援計画ＮＯ) do not run 1, 2, ….
    ItemSupportPlanNumbering = "item.support-plan-numbering", Item, Error;
    /// 利用者補足情報: neither or both of 作成（変更）日 and 対象年月 are placeholders.
    ItemHosokuLink = "item.hosoku-link", Item, Error;

    /// A record's CSVバージョン is not that of the file's revision (from its name).
    ConsistencyCsvVersion = "consistency.csv-version", Consistency, Error;
    /// A record's CSVバージョン differs from the first record's: one version per file.
    ConsistencyCsvVersionMixed = "consistency.csv-version-mixed", Consistency, Error;
    /// The file's revision is not the one in force for the service month of its name (a 3.2
    /// file for a month from 202504, when 4.1 applies; a warning: receivers differ).
    ConsistencyRevisionMonth = "consistency.revision-month", Consistency, Warning;
    /// A record's month differs from the month in the file name.
    ConsistencyMonth = "consistency.month", Consistency, Error;
    /// 更新業者コード is not the sender named in the file name (a warning: receivers ignore it).
    ConsistencyUpdater = "consistency.updater", Consistency, Warning;
    /// An office number in the records is not the sender named in the file name.
    ConsistencySender = "consistency.sender", Consistency, Error;
    /// A user has no service of the receiving office (users unrelated to the receiver must not be sent).
    ConsistencyReceiver = "consistency.receiver", Consistency, Error;
    /// A サービスコード's type differs from the sender's サービス種類コード in the name.
    ConsistencyServiceType = "consistency.service-type", Consistency, Error;
    /// Files of one send unit name different senders, receivers or revisions.
    ConsistencyUnitParties = "consistency.unit-parties", Consistency, Error;
    /// The files of one ファイル連番 are not one of the allowed combinations.
    ConsistencyUnitCombination = "consistency.unit-combination", Consistency, Error;
    /// Two files of the same kind in one send unit.
    ConsistencyUnitDuplicate = "consistency.unit-duplicate", Consistency, Error;
    /// The files of one send unit name different months.
    ConsistencyUnitMonth = "consistency.unit-month", Consistency, Error;
    /// A user of 第6表 or 第1表 has no matching 利用者補足情報 record.
    ConsistencyMissingHosoku = "consistency.missing-hosoku", Consistency, Error;
    /// A user of 第6表 has no 第7表 total row (サービスコード 999999).
    ConsistencyMissingTotal = "consistency.missing-total", Consistency, Error;
    /// 第7表: an office's サービス種類 with several service rows has no 種類別小計 (AAAA) row.
    ConsistencyMissingSubtotal = "consistency.missing-subtotal", Consistency, Error;
    /// A user of 第7表 or 利用者補足情報 has no 第6表 record in the unit.
    ConsistencyMissingUsage = "consistency.missing-usage", Consistency, Error;
    /// A 第2表/第3表/利用者補足情報 record has no 第1表 record with its keys.
    ConsistencyMissingPlan = "consistency.missing-plan", Consistency, Error;
    /// An 別表 record has no parent record (利用者基本情報 / 支援計画書) with its keys.
    ConsistencyMissingParent = "consistency.missing-parent", Consistency, Error;
}

impl Code {
    /// The one-line description of the code (its doc comment), for `renkei spec --diagnostics`.
    pub fn description(self) -> &'static str {
        DESCRIPTIONS
            .iter()
            .find(|(c, _)| *c == self)
            .map(|(_, d)| *d)
            .unwrap_or("")
    }
}

/// Descriptions shown to people; kept beside the codes so a new code gets one.
const DESCRIPTIONS: &[(Code, &str)] = &[
    (
        Code::FilenameUnknownKind,
        "接頭辞が標準仕様のファイル種別ではない",
    ),
    (
        Code::FilenameParts,
        "ファイル名の構成要素（区切り・個数）が規則と合わない",
    ),
    (
        Code::FilenameMonth,
        "年月部分が YYYYMM（または許される 000000）ではない",
    ),
    (
        Code::FilenameOffice,
        "事業所番号部分が半角英数字10桁ではない",
    ),
    (
        Code::FilenameServiceType,
        "サービス種類コード部分が既知の2桁コードではない",
    ),
    (
        Code::FilenameSequence,
        "ファイル連番が YYYYMMDDHHMMSS の14桁日時ではない",
    ),
    (
        Code::FilenameExtension,
        "拡張子が .CSV（画像は .jpg）ではない",
    ),
    (Code::FilenameBranch, "画像ファイルの枝番が4桁ではない"),
    (Code::FilenameSameOffice, "送信元と送信先が同じ事業所番号"),
    (
        Code::EncodingUtf8Bom,
        "UTF-8 の BOM で始まる（MS932 ではない）",
    ),
    (Code::EncodingUtf8, "UTF-8 で書かれている（MS932 ではない）"),
    (
        Code::EncodingUtf16,
        "UTF-16 で書かれている（MS932 ではない）",
    ),
    (
        Code::EncodingInvalidSequence,
        "第1バイトの後に第2バイトになれないバイトが続く",
    ),
    (
        Code::EncodingTruncated,
        "2バイト文字の第1バイトで項目・行・ファイルが終わる",
    ),
    (
        Code::EncodingInvalidByte,
        "MS932 で使えないバイト（0x80, 0xA0, 0xFD–0xFF）",
    ),
    (Code::EncodingUnmapped, "MS932 の文字に対応しない2バイト列"),
    (Code::EncodingGaiji, "外字（第1バイト 0xF0–0xF9）は使用禁止"),
    (Code::EncodingControl, "制御文字（NUL など）を含む"),
    (
        Code::EncodingMojibake,
        "UTF-8 のバイトを MS932 として読んだ文字化けらしい文字列（推定）",
    ),
    (
        Code::EncodingQuestionMark,
        "全角文字の間の半角 ? （変換できなかった文字の置き換えらしい、推定）",
    ),
    (Code::StructureEmptyFile, "レコードが1件もない"),
    (
        Code::StructureFreeTextUnquoted,
        "フリーテキスト項目の値がダブルクォートで囲まれていない",
    ),
    (
        Code::StructureOtherRevision,
        "レコードがファイル名と別の版（項目数・CSVバージョン）のもの",
    ),
    (
        Code::StructureTabSeparated,
        "区切り文字がタブ（CSV はカンマ区切り）",
    ),
    (Code::StructureFieldCount, "項目数がレイアウトと合わない"),
    (
        Code::StructureQuoteUnterminated,
        "ダブルクォートが閉じていない",
    ),
    (
        Code::StructureQuoteInUnquoted,
        "囲まれていない項目の中にダブルクォートがある",
    ),
    (
        Code::StructureQuoteTrailing,
        "閉じたダブルクォートの後に文字がある",
    ),
    (Code::StructureEmptyLine, "レコードの間に空行がある"),
    (
        Code::StructureTrailingEmptyLine,
        "最終レコードの後に空行がある",
    ),
    (Code::StructureLineEndingLf, "改行が LF のみ（CRLF を想定）"),
    (Code::StructureLineEndingCr, "改行が CR のみ（CRLF を想定）"),
    (
        Code::StructureLineEndingMixed,
        "1ファイル内で改行コードが混在している",
    ),
    (Code::StructureNoFinalNewline, "最終レコードに改行がない"),
    (
        Code::StructureHeaderRow,
        "見出し行がある（標準仕様のファイルには見出し行がない）",
    ),
    (Code::StructureNotJpeg, "画像ファイルが JPEG ではない"),
    (
        Code::StructureTooManyDiagnostics,
        "診断が多すぎるため以降は件数のみ",
    ),
    (Code::ItemRequired, "必須項目が空"),
    (Code::ItemLength, "項目長を超えている"),
    (
        Code::ItemFormat,
        "書式（半角数字・英数字・XXX-XXXX・99.99 など）に合わない",
    ),
    (Code::ItemDate, "存在しない日付"),
    (Code::ItemMonth, "月が 01–12 ではない"),
    (Code::ItemTime, "時刻が HHMM（0000–2400）でも 9999 でもない"),
    (Code::ItemCode, "コード表にない値"),
    (Code::ItemUnused, "「使用しない」項目に値がある"),
    (
        Code::ItemDayFlags,
        "日割対象日が対象月の末日より後の日を指している",
    ),
    (Code::ItemServiceDate, "サービス利用日が対象年月の中にない"),
    (Code::ItemTimePlaceholder, "開始・終了時刻の片方だけが 9999"),
    (
        Code::ItemServiceNotLinked,
        "連携対象外のサービス種類のサービスコード",
    ),
    (Code::ItemTotalRow, "第7表の小計・合計行の規則に反する"),
    (
        Code::ItemTotalSum,
        "第7表の小計・合計行の値が集計対象の行の合計と合わない",
    ),
    (
        Code::ItemServiceTypeUnknown,
        "サービスコードのサービス種類が標準仕様のどのコード表にもない",
    ),
    (
        Code::ItemWelfareEquipmentCode,
        "福祉用具貸与でTAISコードと福祉用具届出コードがどちらも空",
    ),
    (
        Code::ItemLimitSlotOrder,
        "限度額管理の枠が1枠から順に設定されていない",
    ),
    (Code::ItemPeriod, "期間の開始日が終了日より後"),
    (
        Code::ItemDetailCode,
        "福祉用具貸与でない行に明細判別コードがある",
    ),
    (
        Code::ItemLimitSlotType,
        "限度額管理の短期入所療養介護が 22 でない",
    ),
    (
        Code::ItemSupportPlanNumbering,
        "同じ課題ＮＯの支援計画ＮＯ（同じ支援計画ＮＯの利用サービスＮＯ）が連番でない",
    ),
    (
        Code::ItemHosokuLink,
        "利用者補足情報の作成（変更）日と対象年月の紐づけが不正",
    ),
    (
        Code::ConsistencyCsvVersion,
        "CSVバージョンがファイル名の版と合わない",
    ),
    (
        Code::ConsistencyCsvVersionMixed,
        "1ファイルに複数のCSVバージョンが混在",
    ),
    (
        Code::ConsistencyRevisionMonth,
        "ファイルの版がサービス提供年月に適用される版ではない",
    ),
    (
        Code::ConsistencyMonth,
        "レコードの年月がファイル名の年月と合わない",
    ),
    (
        Code::ConsistencyUpdater,
        "更新業者コードがファイル名の送信元と合わない",
    ),
    (
        Code::ConsistencySender,
        "レコードの事業所番号がファイル名の送信元と合わない",
    ),
    (
        Code::ConsistencyReceiver,
        "送信先事業所のサービスがない利用者が含まれる",
    ),
    (
        Code::ConsistencyServiceType,
        "サービスコードの種類がファイル名の送信元サービス種類と合わない",
    ),
    (
        Code::ConsistencyUnitParties,
        "同じ送信単位のファイルで送信元・送信先・版が異なる",
    ),
    (
        Code::ConsistencyUnitCombination,
        "同じファイル連番のファイルが許される組合せではない",
    ),
    (
        Code::ConsistencyUnitDuplicate,
        "同じ送信単位に同じ種別のファイルが2つある",
    ),
    (
        Code::ConsistencyUnitMonth,
        "同じ送信単位のファイルで年月が異なる",
    ),
    (
        Code::ConsistencyMissingHosoku,
        "対応する利用者補足情報のレコードがない",
    ),
    (
        Code::ConsistencyMissingTotal,
        "第7表に合計行（999999）がない",
    ),
    (
        Code::ConsistencyMissingSubtotal,
        "サービスコードが複数行の種類に種類別小計（AAAA）の行がない",
    ),
    (
        Code::ConsistencyMissingUsage,
        "第6表に対応するレコードがない",
    ),
    (
        Code::ConsistencyMissingPlan,
        "対応する第1表のレコードがない",
    ),
    (
        Code::ConsistencyMissingParent,
        "別表に対応する親レコードがない",
    ),
];

/// One finding, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The stable code.
    #[serde(serialize_with = "ser_code")]
    pub code: Code,
    /// The code's category.
    pub category: Category,
    /// Error or warning (a check resting on an assumption only warns).
    pub severity: Severity,
    /// Physical line, 1-based.
    pub line: Option<u64>,
    /// Field, 1-based.
    pub column: Option<u32>,
    /// Byte offset in the file, 0-based.
    pub byte_offset: Option<u64>,
    /// The item's Japanese name.
    pub item: Option<String>,
    /// What is wrong, in Japanese, with the value and what was expected.
    pub message: String,
    /// The assumption the check rests on, when it is not read in the standard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed: Option<String>,
}

fn ser_code<S: serde::Serializer>(c: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.as_str())
}

impl Diagnostic {
    /// Where it is, as `path:line:column` (as much of that as is known).
    pub fn location(&self, path: &str) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
            (Some(l), None) => format!("{path}:{l}"),
            _ => path.to_string(),
        }
    }

    /// A diagnostic of `code`, with the code's category and default severity, not yet placed.
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            category: code.category(),
            severity: code.default_severity(),
            line: None,
            column: None,
            byte_offset: None,
            item: None,
            message: message.into(),
            assumed: None,
        }
    }

    /// Places it: physical line, field (1-based) and byte offset.
    pub fn at(mut self, line: u64, column: Option<u32>, byte_offset: u64) -> Diagnostic {
        self.line = Some(line);
        self.column = column;
        self.byte_offset = Some(byte_offset);
        self
    }

    /// Names the item (its Japanese name).
    pub fn item(mut self, name: &str) -> Diagnostic {
        self.item = Some(name.to_string());
        self
    }

    /// Sets the severity.
    pub fn severity(mut self, s: Severity) -> Diagnostic {
        self.severity = s;
        self
    }

    /// Makes it a warning.
    pub fn warning(self) -> Diagnostic {
        self.severity(Severity::Warning)
    }

    /// Notes the assumption the check rests on (nothing when `None`).
    pub fn assumed(mut self, a: Option<&str>) -> Diagnostic {
        self.assumed = a.map(str::to_string);
        self
    }

    /// Whether it is an error (the file is then invalid).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_described_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            assert!(
                !c.description().is_empty(),
                "{} has no description",
                c.as_str()
            );
            assert_eq!(Code::parse(c.as_str()), Some(*c));
            let cat = format!("{:?}", c.category()).to_lowercase();
            assert!(
                c.as_str().starts_with(&cat),
                "{} is not in {cat}",
                c.as_str()
            );
        }
    }
}
