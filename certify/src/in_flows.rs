//! The adapter in the scenarios (`renkei run --adapter CMD --as ROLE`): it implements
//! renkei-scenarios' [`VendorOffice`] over the contract, so every flow ①–⑫ and failure case
//! of the features runs with the vendor's software in that role, and the living
//! documentation shows what it did.

use renkei_scenarios::vendor::{Files, VendorImport, VendorOffice, VendorRole};
use renkei_spec::model::SendUnit;

use crate::adapter::{Adapter, Capabilities, Imported};

/// An adapter playing one role in the scenarios.
pub struct AdapterOffice {
    adapter: Adapter,
    caps: Capabilities,
    role: VendorRole,
}

impl AdapterOffice {
    /// Asks the adapter for its capabilities; the role must be among them.
    pub fn new(adapter: Adapter, role: VendorRole) -> Result<AdapterOffice, String> {
        let (caps, _) = adapter.capabilities().map_err(|f| {
            crate::evidence::redact(&format!(
                "the adapter did not answer `capabilities` as renkei-adapter/1 says: {} {}",
                f.error, f.stderr
            ))
        })?;
        let word = match role {
            VendorRole::Kyotaku => "kyotaku",
            VendorRole::Provider => "provider",
        };
        if !caps.roles.iter().any(|r| r == word) {
            return Err(format!(
                "the adapter does not declare the role {word} (it declares {})",
                caps.roles.join(", ")
            ));
        }
        Ok(AdapterOffice {
            adapter,
            caps,
            role,
        })
    }
}

impl VendorOffice for AdapterOffice {
    fn label(&self) -> String {
        format!(
            "{} {} {}",
            self.caps.vendor, self.caps.product, self.caps.version
        )
    }

    fn role(&self) -> VendorRole {
        self.role
    }

    fn export(&self, unit: &SendUnit) -> Result<Files, String> {
        self.adapter
            .export(unit)
            .map_err(|f| crate::evidence::redact(&format!("{} {}", f.error, f.stderr.trim())))
    }

    fn import(&self, files: &Files) -> Result<VendorImport, String> {
        match self.adapter.import(files) {
            Ok(a) => Ok(match a.imported {
                Imported::Unit(u) => VendorImport::Holds(u),
                Imported::Rejected(r) => VendorImport::Rejected(crate::evidence::redact(&r)),
            }),
            Err(f) => Err(crate::evidence::redact(&format!(
                "{} {}",
                f.error,
                f.stderr.trim()
            ))),
        }
    }
}
