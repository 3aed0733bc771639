//! Typed records of a send unit and their canonical JSON.
//!
//! A [`SendUnit`] is what one ファイル連番 carries: sender, receiver, revision and the records
//! of each file, every value as decoded text (never bytes: MS932 has two byte forms for some
//! characters). Its canonical JSON (documented in `spec/CANONICAL-JSON.md`) is what vendor
//! adapters print after an import and receive for an export:
//!
//! ```json
//! {"format": "renkei-send-unit/1", "revision": "4.1", "sequence": "20250425103000",
//!  "sender": {"office": "1310000012", "service_type": "43"},
//!  "receiver": {"office": "1310000020", "service_type": "11"},
//!  "files": [{"kind": "UPPLAN", "month": "202505",
//!             "records": [{"CSVバージョン": "202407", "保険者番号": "131016", …}]}]}
//! ```
//! Record keys are the items' keys (the Japanese item names, unique per file), in item order;
//! every item is present, empty values as `""`.

use serde_json::{Map, Value};

use crate::filename::{FileName, Party};
use crate::standard::{FileFormat, FileSpec, Revision, Standard};

/// The format tag of the canonical JSON.
pub const FORMAT: &str = "renkei-send-unit/1";

/// One record: one value per item, in item order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The values, as text, one per item of the file.
    pub values: Vec<String>,
}

/// The records of one interface file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// The file kind (its name prefix).
    pub kind: String,
    /// The month part of the name (YYYYMM, or 000000 for 利用者補足情報 with 第1・2表).
    pub month: Option<String>,
    /// The records, in file order.
    pub records: Vec<Record>,
}

/// The files of one send (送信単位).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendUnit {
    /// The revision ("4.1", "3.2").
    pub revision: String,
    /// The ファイル連番 (YYYYMMDDHHMMSS) shared by every file.
    pub sequence: String,
    /// The sending office.
    pub sender: Party,
    /// The receiving office.
    pub receiver: Party,
    /// The files, in the order they are written.
    pub files: Vec<DataFile>,
}

/// Canonical JSON that does not describe a send unit.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    /// Not JSON (the parser's message).
    #[error("canonical JSON: {0}")]
    Json(String),
    /// The `format` tag is not [`FORMAT`].
    #[error("canonical JSON: \"format\" is {0:?}, expected \"{FORMAT}\"")]
    Format(String),
    /// A revision the standard does not have.
    #[error("canonical JSON: unknown revision {0:?}")]
    Revision(String),
    /// A file kind the revision does not have.
    #[error("canonical JSON: files[{index}]: unknown kind {kind:?} in revision {revision}")]
    Kind {
        /// The file's index in `files`.
        index: usize,
        /// The kind given.
        kind: String,
        /// The unit's revision.
        revision: String,
    },
    /// A file of an image kind, which has no records to write.
    #[error("canonical JSON: files[{index}] ({kind}) is not a CSV file and has no records")]
    NotCsv {
        /// The file's index in `files`.
        index: usize,
        /// The kind (an image kind).
        kind: String,
    },
    /// A record names an item its file does not have.
    #[error("canonical JSON: files[{index}] ({kind}) records[{record}]: unknown item {key:?}")]
    UnknownItem {
        /// The file's index in `files`.
        index: usize,
        /// The file's kind.
        kind: String,
        /// The record's index.
        record: usize,
        /// The unknown key.
        key: String,
    },
    /// A record's value is not a string.
    #[error("canonical JSON: files[{index}] ({kind}) records[{record}].{key}: expected a string")]
    NotAString {
        /// The file's index in `files`.
        index: usize,
        /// The file's kind.
        kind: String,
        /// The record's index.
        record: usize,
        /// The item's key.
        key: String,
    },
    /// A required field is missing.
    #[error("canonical JSON: missing field {0:?}")]
    Missing(&'static str),
}

impl SendUnit {
    /// The unit's revision of the standard.
    pub fn revision(&self) -> Result<&'static Revision, ModelError> {
        Standard::get()
            .revision(&self.revision)
            .ok_or_else(|| ModelError::Revision(self.revision.clone()))
    }

    /// The standard's file name of one of the unit's files.
    pub fn file_name(&self, file: &DataFile) -> Result<String, ModelError> {
        let rev = self.revision()?;
        let name = FileName {
            kind: file.kind.clone(),
            revision: self.revision.clone(),
            month: file.month.clone(),
            sender: self.sender.clone(),
            receiver: self.receiver.clone(),
            sequence: self.sequence.clone(),
            branch: None,
            extension: "CSV".into(),
        };
        Ok(name.format(rev))
    }

    /// The canonical JSON value.
    pub fn to_json(&self) -> Result<Value, ModelError> {
        let rev = self.revision()?;
        let mut root = Map::new();
        root.insert("format".into(), FORMAT.into());
        root.insert("revision".into(), self.revision.clone().into());
        root.insert("sequence".into(), self.sequence.clone().into());
        root.insert("sender".into(), party_json(&self.sender));
        root.insert("receiver".into(), party_json(&self.receiver));
        let mut files = Vec::new();
        for (index, f) in self.files.iter().enumerate() {
            let spec = spec_of(rev, index, &f.kind)?;
            let mut fm = Map::new();
            fm.insert("kind".into(), f.kind.clone().into());
            if let Some(m) = &f.month {
                fm.insert("month".into(), m.clone().into());
            }
            let records: Vec<Value> = f
                .records
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    for (i, it) in spec.items.iter().enumerate() {
                        m.insert(
                            it.key.clone(),
                            r.values.get(i).cloned().unwrap_or_default().into(),
                        );
                    }
                    Value::Object(m)
                })
                .collect();
            fm.insert("records".into(), Value::Array(records));
            files.push(Value::Object(fm));
        }
        root.insert("files".into(), Value::Array(files));
        Ok(Value::Object(root))
    }

    /// Pretty canonical JSON text (2-space indent, items in order, trailing newline).
    pub fn to_json_string(&self) -> Result<String, ModelError> {
        let v = self.to_json()?;
        let mut s =
            serde_json::to_string_pretty(&v).map_err(|e| ModelError::Json(e.to_string()))?;
        s.push('\n');
        Ok(s)
    }

    /// Reads the canonical JSON. Unknown items are errors; missing items are empty.
    pub fn from_json(text: &str) -> Result<SendUnit, ModelError> {
        let v: Value = serde_json::from_str(text).map_err(|e| ModelError::Json(e.to_string()))?;
        let s = |v: &Value, k: &'static str| -> Result<String, ModelError> {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or(ModelError::Missing(k))
        };
        let format = s(&v, "format")?;
        if format != FORMAT {
            return Err(ModelError::Format(format));
        }
        let revision = s(&v, "revision")?;
        let rev = Standard::get()
            .revision(&revision)
            .ok_or_else(|| ModelError::Revision(revision.clone()))?;
        let party = |k: &'static str| -> Result<Party, ModelError> {
            let p = v.get(k).ok_or(ModelError::Missing(k))?;
            Ok(Party {
                office: s(p, "office")?,
                service_type: p
                    .get("service_type")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        };
        let mut files = Vec::new();
        let arr = v
            .get("files")
            .and_then(Value::as_array)
            .ok_or(ModelError::Missing("files"))?;
        for (index, f) in arr.iter().enumerate() {
            let kind = s(f, "kind")?;
            let spec = spec_of(rev, index, &kind)?;
            let month = f.get("month").and_then(Value::as_str).map(str::to_string);
            let mut records = Vec::new();
            let recs = f
                .get("records")
                .and_then(Value::as_array)
                .ok_or(ModelError::Missing("records"))?;
            for (ri, r) in recs.iter().enumerate() {
                let obj = r.as_object().ok_or(ModelError::Missing("record object"))?;
                for k in obj.keys() {
                    if !spec.items.iter().any(|it| &it.key == k) {
                        return Err(ModelError::UnknownItem {
                            index,
                            kind: kind.clone(),
                            record: ri,
                            key: k.clone(),
                        });
                    }
                }
                let mut values = Vec::with_capacity(spec.items.len());
                for it in &spec.items {
                    match obj.get(&it.key) {
                        None => values.push(String::new()),
                        Some(Value::String(x)) => values.push(x.clone()),
                        Some(_) => {
                            return Err(ModelError::NotAString {
                                index,
                                kind: kind.clone(),
                                record: ri,
                                key: it.key.clone(),
                            })
                        }
                    }
                }
                records.push(Record { values });
            }
            files.push(DataFile {
                kind,
                month,
                records,
            });
        }
        Ok(SendUnit {
            revision,
            sequence: s(&v, "sequence")?,
            sender: party("sender")?,
            receiver: party("receiver")?,
            files,
        })
    }
}

fn spec_of<'a>(rev: &'a Revision, index: usize, kind: &str) -> Result<&'a FileSpec, ModelError> {
    let spec = rev.file(kind).ok_or_else(|| ModelError::Kind {
        index,
        kind: kind.to_string(),
        revision: rev.revision.clone(),
    })?;
    if spec.format != FileFormat::Csv {
        return Err(ModelError::NotCsv {
            index,
            kind: kind.to_string(),
        });
    }
    Ok(spec)
}

fn party_json(p: &Party) -> Value {
    let mut m = Map::new();
    m.insert("office".into(), p.office.clone().into());
    if let Some(t) = &p.service_type {
        m.insert("service_type".into(), t.clone().into());
    }
    Value::Object(m)
}

/// Why files could not be read into a [`SendUnit`].
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No file was given.
    #[error("no file to read")]
    Empty,
    /// A name that is not a file name of the standard.
    #[error("{file}: the name is not a file name of the standard")]
    Name {
        /// The file.
        file: String,
    },
    /// Files of different send units.
    #[error("{file}: the files name different send units ({what})")]
    Mixed {
        /// The first file that differs.
        file: String,
        /// What differs (ファイル連番, parties, revision).
        what: String,
    },
    /// A file fails the validator.
    #[error("{file}: {} error(s), first: {}", .diagnostics.len(), .diagnostics.first().map(|d| format!("line {}: {} {}", d.line.unwrap_or(0), d.code.as_str(), d.message)).unwrap_or_default())]
    Invalid {
        /// The file.
        file: String,
        /// Its error diagnostics.
        diagnostics: Vec<crate::Diagnostic>,
    },
}

impl SendUnit {
    /// Reads the files of one send unit (name, bytes). Every file must validate without
    /// errors (warnings are allowed); the records come back as decoded text. An image file
    /// (UPKIHON_IMAGE) is validated but holds no records, so it is not among the files.
    pub fn from_files(files: &[(String, Vec<u8>)]) -> Result<SendUnit, ReadError> {
        let opts = crate::validate::Options::default();
        let mut unit: Option<SendUnit> = None;
        for (file, bytes) in files {
            let rep = crate::validate::file::validate_reader(file, file, &bytes[..], &opts)
                .map_err(|_| ReadError::Name { file: file.clone() })?;
            let errors: Vec<_> = rep
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            if !errors.is_empty() {
                return Err(ReadError::Invalid {
                    file: file.clone(),
                    diagnostics: errors,
                });
            }
            let name = rep
                .name
                .ok_or_else(|| ReadError::Name { file: file.clone() })?;
            let is_image = Standard::get()
                .revision(&name.revision)
                .and_then(|r| r.file(&name.kind))
                .is_some_and(|f| f.format != FileFormat::Csv);
            if is_image {
                // An image travels beside the records, not in them.
                continue;
            }
            let records = crate::reader::decode_records(bytes)
                .into_iter()
                .map(|values| Record { values })
                .collect();
            let u = unit.get_or_insert_with(|| SendUnit {
                revision: name.revision.clone(),
                sequence: name.sequence.clone(),
                sender: name.sender.clone(),
                receiver: name.receiver.clone(),
                files: Vec::new(),
            });
            if (&u.revision, &u.sequence, &u.sender, &u.receiver)
                != (&name.revision, &name.sequence, &name.sender, &name.receiver)
            {
                return Err(ReadError::Mixed {
                    file: file.clone(),
                    what: "revision, ファイル連番, sender or receiver".into(),
                });
            }
            u.files.push(DataFile {
                kind: name.kind,
                month: name.month,
                records,
            });
        }
        unit.ok_or(ReadError::Empty)
    }
}

/// The JSON Schema (draft 2020-12) of the canonical JSON, generated from the standard as data:
/// for each revision, each CSV file kind and its item keys (every value a string). Published
/// as `docs/send-unit.schema.json`; a test keeps that file equal to this and validates every
/// sample unit against it.
pub fn json_schema() -> Value {
    use serde_json::json;
    let std = Standard::get();
    let party = json!({
        "type": "object",
        "required": ["office"],
        "additionalProperties": false,
        "properties": {
            "office": {"type": "string", "pattern": "^[0-9A-Z]{10}$", "description": "事業所番号"},
            "service_type": {"type": "string", "pattern": "^[0-9A-Z]{2}$", "description": "サービス種類コード (4.x file names only)"}
        }
    });
    let mut per_revision = Vec::new();
    for rev in &std.revisions {
        let kinds: Vec<Value> = rev
            .files
            .iter()
            .filter(|f| f.format == FileFormat::Csv)
            .map(|f| {
                let props: Map<String, Value> = f
                    .items
                    .iter()
                    .map(|it| {
                        let mut p = Map::new();
                        p.insert("type".into(), "string".into());
                        p.insert(
                            "description".into(),
                            format!("No.{} {}", it.no, it.name).into(),
                        );
                        (it.key.clone(), Value::Object(p))
                    })
                    .collect();
                json!({
                    "if": {"properties": {"kind": {"const": f.kind}}},
                    "then": {"properties": {"records": {"items": {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": props
                    }}}}
                })
            })
            .collect();
        let names: Vec<&str> = rev
            .files
            .iter()
            .filter(|f| f.format == FileFormat::Csv)
            .map(|f| f.kind.as_str())
            .collect();
        per_revision.push(json!({
            "if": {"properties": {"revision": {"const": rev.revision}}},
            "then": {"properties": {"files": {"items": {
                "properties": {"kind": {"enum": names}},
                "allOf": kinds
            }}}}
        }));
    }
    let revisions: Vec<&str> = std.revisions.iter().map(|r| r.revision.as_str()).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://renkei.invalid/schema/renkei-send-unit-1.json",
        "title": "renkei-send-unit/1: one send unit (送信単位) of the ケアプランデータ連携標準仕様 as decoded text",
        "type": "object",
        "required": ["format", "revision", "sequence", "sender", "receiver", "files"],
        "additionalProperties": false,
        "properties": {
            "format": {"const": FORMAT},
            "revision": {"enum": revisions},
            "sequence": {"type": "string", "pattern": "^[0-9]{14}$", "description": "ファイル連番 (YYYYMMDDHHMMSS)"},
            "sender": party.clone(),
            "receiver": party,
            "files": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["kind", "records"],
                    "additionalProperties": false,
                    "properties": {
                        "kind": {"type": "string", "description": "the file-name prefix (UPPLAN, …)"},
                        "month": {"type": "string", "pattern": "^[0-9]{6}$", "description": "the month part of the file name, absent for kinds without one"},
                        "records": {"type": "array", "items": {"type": "object"}}
                    }
                }
            }
        },
        "allOf": per_revision
    })
}
