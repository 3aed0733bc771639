//! The writer: typed records → MS932 CSV bytes in the canonical byte form, with the
//! standard's file name.
//!
//! The canonical byte form: one record per line, CRLF after every record (the last one too),
//! free-text items always in `"…"` with `"` doubled, other items unquoted (quoted only if a
//! value holds `,` `"` or a line break), MS932 with the IBM form of the extension characters.
//! Characters outside MS932 go through [`ms932::CONVERSIONS`] and every replacement is
//! reported; anything else is refused, never written as `?`.

use serde::Serialize;

use crate::model::{DataFile, ModelError, SendUnit};
use crate::ms932::{self, EncodeError};
use crate::standard::ItemType;

/// A replacement made while writing, located by record and item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrittenReplacement {
    /// The file name.
    pub file: String,
    /// 1-based record number (= line number when no value holds a line break).
    pub record: usize,
    /// The item's Japanese name.
    pub item: String,
    /// The character in the data.
    pub from: char,
    /// The MS932 character written.
    pub to: char,
    /// Its position in the value, in characters (0-based).
    pub char_index: usize,
}

/// One file as written.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    /// The file name, per the standard's rule.
    pub name: String,
    /// The bytes: MS932, CR LF, quoted where needed.
    pub bytes: Vec<u8>,
    /// Characters converted on the way (〜 → ～, …).
    pub replacements: Vec<WrittenReplacement>,
}

/// Data that cannot be written as the standard's files.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WriteError {
    /// The data does not describe a send unit.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A record with the wrong number of values.
    #[error("{file}: record {record}: {got} values, but {kind} has {expected} items")]
    FieldCount {
        /// The file name.
        file: String,
        /// The file kind.
        kind: String,
        /// The record (1-based).
        record: usize,
        /// Values given.
        got: usize,
        /// Items the kind has.
        expected: usize,
    },
    /// A value that cannot be written in MS932.
    #[error("{file}: record {record}, item 「{item}」: {source}")]
    Encode {
        /// The file name.
        file: String,
        /// The record (1-based).
        record: usize,
        /// The item's Japanese name.
        item: String,
        /// What cannot be encoded.
        source: EncodeError,
    },
}

/// Writes one file of a unit.
pub fn write_file(unit: &SendUnit, file: &DataFile) -> Result<WrittenFile, WriteError> {
    let rev = unit.revision()?;
    let name = unit.file_name(file)?;
    let spec = rev.file(&file.kind).ok_or_else(|| ModelError::Kind {
        index: 0,
        kind: file.kind.clone(),
        revision: rev.revision.clone(),
    })?;
    let mut bytes = Vec::with_capacity(file.records.len() * 256);
    let mut replacements = Vec::new();
    let mut reps = Vec::new();
    for (ri, r) in file.records.iter().enumerate() {
        if r.values.len() != spec.items.len() {
            return Err(WriteError::FieldCount {
                file: name,
                kind: file.kind.clone(),
                record: ri + 1,
                got: r.values.len(),
                expected: spec.items.len(),
            });
        }
        for (i, (it, v)) in spec.items.iter().zip(&r.values).enumerate() {
            if i > 0 {
                bytes.push(b',');
            }
            let quote = it.ty == ItemType::Text
                || v.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
            if quote {
                bytes.push(b'"');
            }
            let start = bytes.len();
            reps.clear();
            ms932::encode(v, &mut bytes, &mut reps).map_err(|source| WriteError::Encode {
                file: name.clone(),
                record: ri + 1,
                item: it.name.clone(),
                source,
            })?;
            if quote {
                // Double every quote of the value (a trail byte is never 0x22).
                if bytes[start..].contains(&b'"') {
                    let enc: Vec<u8> = bytes.split_off(start);
                    for b in enc {
                        if b == b'"' {
                            bytes.push(b'"');
                        }
                        bytes.push(b);
                    }
                }
                bytes.push(b'"');
            }
            for rp in reps.drain(..) {
                replacements.push(WrittenReplacement {
                    file: name.clone(),
                    record: ri + 1,
                    item: it.name.clone(),
                    from: rp.from,
                    to: rp.to,
                    char_index: rp.char_index,
                });
            }
        }
        bytes.extend_from_slice(b"\r\n");
    }
    Ok(WrittenFile {
        name,
        bytes,
        replacements,
    })
}

/// Writes every file of a unit.
pub fn write_unit(unit: &SendUnit) -> Result<Vec<WrittenFile>, WriteError> {
    unit.files.iter().map(|f| write_file(unit, f)).collect()
}
