//! A vendor's software in the flows: `renkei run --adapter CMD --as kyotaku|provider` puts the
//! software in one role of every scenario, so a vendor sees its own product in the living
//! documentation. renkei's simulated office still plays the scenario (its state drives the
//! later steps); at each step of that role the software does the same work and is checked:
//! - ① / ⑦ 出力: the software exports the unit renkei's office would have written, and its
//!   files — not renkei's — go to the hub (the next steps check them as any export);
//! - ⑥ / ⑫ 取込: the software imports what the hub delivered, and must hold the same records
//!   renkei read, or refuse exactly what renkei refuses.
//!
//! The adapter is set once per process ([`set`]) before the run; scenarios read it with
//! [`get`]. The contract itself (`renkei-adapter/1`) is renkei-certify's, which implements
//! [`VendorOffice`] for it.

use std::sync::{Arc, OnceLock};

use renkei_spec::model::SendUnit;

/// Files of a send unit: (file name, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// The role the software plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorRole {
    /// 居宅介護支援事業所: exports 予定 (①), imports 実績 (⑫).
    Kyotaku,
    /// サービス事業所: imports 予定 (⑥), exports 実績 (⑦).
    Provider,
}

/// What the software holds after an import.
#[derive(Debug, Clone)]
pub enum VendorImport {
    /// It holds this unit.
    Holds(Box<SendUnit>),
    /// It refused the unit, with its reason.
    Rejected(String),
}

/// A vendor's software driven through its adapter.
pub trait VendorOffice: Send + Sync {
    /// "vendor product version", for evidence.
    fn label(&self) -> String;
    /// The role it plays.
    fn role(&self) -> VendorRole;
    /// Exports `unit`; the files it wrote.
    fn export(&self, unit: &SendUnit) -> Result<Files, String>;
    /// Imports `files`.
    fn import(&self, files: &Files) -> Result<VendorImport, String>;
}

static VENDOR: OnceLock<Arc<dyn VendorOffice>> = OnceLock::new();

/// Puts a vendor's software into every scenario of this process (once; a second call is
/// refused).
pub fn set(v: Arc<dyn VendorOffice>) -> Result<(), String> {
    VENDOR
        .set(v)
        .map_err(|_| "a vendor's software is already set for this run".to_string())
}

/// The vendor's software, if one plays a role in this run.
pub fn get() -> Option<Arc<dyn VendorOffice>> {
    VENDOR.get().cloned()
}

/// The first difference between what renkei read and what the software holds (item by
/// item as decoded text, records in any order: `renkei_spec::compare`), or None.
pub fn first_difference(read: &SendUnit, held: &SendUnit) -> Option<String> {
    renkei_spec::compare::Compare::default()
        .units(read, held)
        .first()
        .map(|d| d.to_string())
}
