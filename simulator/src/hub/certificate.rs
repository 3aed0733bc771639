//! The client certificate as the hub sees it after the TLS handshake accepted it: which
//! office and which type it names (subject `serialNumber`/`CN` and `OU`, see [`crate::pki`]),
//! whether that type is accepted, and the warning before expiry.
//!
//! Expired, not-yet-valid, revoked and unknown-issuer certificates never get here: the
//! handshake refuses them (see [`super::tls`]).

use time::{Duration, OffsetDateTime};
use x509_parser::oid_registry::{
    OID_X509_COMMON_NAME, OID_X509_ORGANIZATIONAL_UNIT, OID_X509_SERIALNUMBER,
};

use super::error::{HubError, CERT_EXPIRING};
use crate::clock::rfc3339;
use crate::world::{CertType, HubSettings};

/// The verified client certificate of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    /// 事業所番号 from the subject (`serialNumber`, else `CN`).
    pub office: Option<String>,
    /// The type id written in the subject's `OU`, as written.
    pub type_id: Option<String>,
    /// Certificate serial, hex; tokens are bound to it.
    pub serial: String,
    /// Start of the certificate's validity.
    pub not_before: OffsetDateTime,
    /// End of the certificate's validity.
    pub not_after: OffsetDateTime,
}

impl PeerIdentity {
    /// Reads the end-entity certificate (DER).
    pub fn from_der(der: &[u8]) -> Result<PeerIdentity, String> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| e.to_string())?;
        let subject = cert.subject();
        let first = |oid: &x509_parser::der_parser::oid::Oid<'static>| {
            subject
                .iter_by_oid(oid)
                .next()
                .and_then(|a| a.as_str().ok())
                .map(str::to_string)
        };
        Ok(PeerIdentity {
            office: first(&OID_X509_SERIALNUMBER).or_else(|| first(&OID_X509_COMMON_NAME)),
            type_id: first(&OID_X509_ORGANIZATIONAL_UNIT),
            serial: hex::encode(cert.raw_serial()),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
        })
    }

    /// The certificate's type, if it is one the hub accepts at `now`; else `CERT_TYPE_REFUSED`.
    pub fn accepted_type(
        &self,
        now: OffsetDateTime,
        settings: &HubSettings,
    ) -> Result<CertType, HubError> {
        let shown = self.type_id.clone().unwrap_or_else(|| "種類不明".into());
        let Some(t) = self.type_id.as_deref().and_then(CertType::from_id) else {
            return Err(HubError::CertTypeRefused(shown));
        };
        let accepted = match t {
            CertType::CareInsurance | CertType::CareplanDelegated => true,
            CertType::CareDx => {
                now.to_offset(crate::clock::JST).date() >= settings.care_dx_accepted_from.0
            }
            CertType::Proxy | CertType::Disability => false,
        };
        if accepted {
            Ok(t)
        } else {
            Err(HubError::CertTypeRefused(t.japanese().to_string()))
        }
    }

    /// A kept-alive connection outlives the handshake's check: each request checks again
    /// that the certificate is within its validity at `now`.
    pub fn check_validity(&self, now: OffsetDateTime) -> Result<(), HubError> {
        if now < self.not_before || now > self.not_after {
            return Err(HubError::CertExpired(rfc3339(self.not_after)));
        }
        Ok(())
    }

    /// The login warning within `cert_warning_days` of expiry.
    pub fn expiry_warning(&self, now: OffsetDateTime, settings: &HubSettings) -> Option<Warning> {
        let left = self.not_after - now;
        (left <= Duration::days(settings.cert_warning_days)).then(|| Warning {
            code: CERT_EXPIRING,
            message: format!(
                "クライアント証明書の有効期限は {} です（残り {} 日）。更新してください",
                rfc3339(self.not_after),
                left.whole_days()
            ),
        })
    }
}

/// A warning given with a successful login.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// The warning's stable code (`CERT_EXPIRING`, `LICENCE_EXPIRED`).
    pub code: &'static str,
    /// What to do about it, in Japanese.
    pub message: String,
}
