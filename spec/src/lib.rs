//! renkei-spec: the ケアプランデータ連携標準仕様 as data, the MS932 CSV codec and the validator.
//!
//! This crate owns everything about the files and nothing about networks:
//! - [`standard`]: the revisions, interface files, items and code lists, read from
//!   `spec/revisions/` (the data drives validation, the writer and `renkei spec`);
//! - [`filename`]: the file-name rules of both revisions;
//! - [`ms932`]: the MS932 policy (what bytes are valid data, the conversion table);
//! - [`reader`]: the streaming CSV reader (csv-core on raw bytes, positions kept);
//! - [`validate`]: item, record, file and send-unit checks with stable diagnostics;
//! - [`model`] and [`writer`]: typed records, their canonical JSON, and MS932 output;
//! - [`compare`]: two send units item by item, as decoded text (certification, vendor checks);
//! - [`sample`]: deterministic synthetic send units (fixtures, benchmarks, tests).

pub mod calendar;
pub mod compare;
pub mod corpus;
pub mod diagnostic;
pub mod filename;
pub mod model;
pub mod ms932;
pub mod reader;
pub mod rules;
pub mod sample;
pub mod standard;
pub mod validate;
pub mod writer;

pub use diagnostic::{Category, Code, Diagnostic, Severity};
pub use standard::Standard;
