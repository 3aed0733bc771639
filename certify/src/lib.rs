//! renkei-certify: a vendor's own software under test, through one small adapter command.
//!
//! The suite never links the software: it runs the vendor's adapter (contract
//! `renkei-adapter/1`, `docs/ADAPTER.md`) and checks what the software did with renkei's own
//! validator and reader.
//! - [`adapter`]: the contract — capabilities, export, import, exit 89 — and [`process`],
//!   the child process with its timeout and bounded output;
//! - [`library`]: the cases, as data with stable IDs (`certify/library.toml`);
//! - [`judge`]: one case to its outcome (units compared with `renkei_spec::compare`),
//!   [`flow`] through the hub;
//! - [`expected`]: the vendor's expected failures (XFAIL, XPASS);
//! - [`in_flows`]: the adapter in one role of every scenario of `renkei run`;
//! - [`runner`]: the whole certification and its bundle; [`interop`]: the N×N matrix;
//! - [`mod@reference`]: the reference adapter on renkei's codec (`renkei adapter`);
//! - [`evidence`]: what each case keeps, secrets redacted.
//!
//! Outcomes and their renderings (results.json, junit.xml, index.html) are
//! `renkei_reports::certification`: this crate decides, reports only render.

pub mod adapter;
pub mod evidence;
pub mod expected;
pub mod flow;
pub mod in_flows;
pub mod interop;
pub mod judge;
pub mod library;
pub mod process;
pub mod reference;
pub mod runner;
