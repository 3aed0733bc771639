//! The PKI (証明書基盤) the hub trusts, generated with rcgen: a root, one issuing CA per
//! certificate type (the accepted ones and the refused ones), the hub's server certificate
//! (localhost, 127.0.0.1, ::1), office certificates, and a CRL per CA (root and issuers) with the CRL
//! number and authority key identifier rustls-webpki requires. A second root, which the hub
//! does not trust, issues the unknown-issuer certificates.
//!
//! Where an office certificate says who it is (documented in HUB-API.md):
//! subject `CN` and `serialNumber` (2.5.4.5) = the 事業所番号, `OU` = the certificate type's id
//! (`care-insurance`, `careplan-delegated`, `care-dx`, `proxy`, `disability`), `O` = the
//! office's name, `C` = JP; extended key usage clientAuth.
//!
//! Layout written by [`Pki::write`]:
//! ```text
//! ca.pem                         the root: trust anchor for the hub's server certificate
//! root-key.pem
//! issuers/<type>.pem, <type>-key.pem
//! crl/root.pem, crl/<type>.pem  the root's CRL and one per issuing CA
//! hub/server.pem, server-key.pem the hub's chain and key
//! offices/<number>.pem           the office's chain (leaf + issuing CA), for curl --cert
//! offices/<number>-key.pem
//! foreign/ca.pem, ca-key.pem     the untrusted root
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rand::RngCore;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use time::{Duration, OffsetDateTime};

use crate::world::{CertType, CertificateSpec, IssuerKind, Office, World};

/// A PKI that cannot be made, read or written.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// rcgen could not make a key, a certificate or a CRL.
    #[error("証明書を作れません: {0}")]
    Generate(#[from] rcgen::Error),
    /// A PKI file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file is not the PEM expected.
    #[error("{path}: PEM として読めません: {message}")]
    Pem {
        /// The file.
        path: String,
        /// What is wrong with it.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.display().to_string(),
        source,
    }
}

type Ca = CertifiedIssuer<'static, KeyPair>;

/// An issued certificate with its key, as PEM.
#[derive(Debug, Clone)]
pub struct IssuedCert {
    /// The leaf followed by its issuing CA (what a client presents).
    pub chain_pem: String,
    /// Its private key (PKCS#8 PEM).
    pub key_pem: String,
    /// Its serial number.
    pub serial: Vec<u8>,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
}

/// An office's certificate.
#[derive(Debug, Clone)]
pub struct OfficeCert {
    /// The 事業所番号 in the subject.
    pub office: String,
    /// Its type (介護保険証明書, …), written in the subject's OU.
    pub cert_type: CertType,
    /// Which CA issued it (the right one, or a foreign CA).
    pub issuer: IssuerKind,
    /// Whether its issuer's CRL lists it.
    pub revoked: bool,
    /// The certificate and key.
    pub cert: IssuedCert,
}

/// The whole generated PKI, held in memory until written.
pub struct Pki {
    root: Ca,
    issuers: BTreeMap<CertType, Ca>,
    foreign: Ca,
    /// The hub's server certificate.
    pub server: IssuedCert,
    /// Every office's certificate, in the world's order.
    pub offices: Vec<OfficeCert>,
    revoked: BTreeMap<CertType, Vec<RevokedCertParams>>,
    crl_number: u64,
    crl_window: (OffsetDateTime, OffsetDateTime),
}

fn serial() -> SerialNumber {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b[0] &= 0x7f;
    b[0] |= 0x01;
    SerialNumber::from_slice(&b)
}

fn ca_params(cn: &str, now: OffsetDateTime) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "JP");
    dn.push(DnType::OrganizationName, "renkei mock 連携基盤 PKI");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    // Wide validity: scenarios pin dates years away from the machine's clock, and clients
    // check the hub's chain against the machine's clock.
    p.not_before = now - Duration::days(365 * 30);
    p.not_after = now + Duration::days(365 * 30);
    p.serial_number = Some(serial());
    p.use_authority_key_identifier_extension = true;
    p
}

impl Pki {
    /// Makes the PKI for every office of `world`, dated around `now`.
    pub fn generate(world: &World, now: OffsetDateTime) -> Result<Pki, PkiError> {
        let root = CertifiedIssuer::self_signed(
            ca_params("renkei 連携基盤 ルート認証局", now),
            KeyPair::generate()?,
        )?;
        let mut issuers = BTreeMap::new();
        for t in CertType::ALL {
            let ca = CertifiedIssuer::signed_by(
                ca_params(&format!("renkei {} 発行局", t.japanese()), now),
                KeyPair::generate()?,
                &root,
            )?;
            issuers.insert(t, ca);
        }
        let foreign = CertifiedIssuer::self_signed(
            ca_params("unknown root (not trusted by the hub)", now),
            KeyPair::generate()?,
        )?;
        let server = {
            let mut p = CertificateParams::new(vec![
                "localhost".to_string(),
                "127.0.0.1".to_string(),
                "::1".to_string(),
            ])?;
            p.distinguished_name = DistinguishedName::new();
            p.distinguished_name
                .push(DnType::CommonName, "renkei mock hub");
            p.not_before = now - Duration::days(365 * 30);
            p.not_after = now + Duration::days(365 * 30);
            p.serial_number = Some(serial());
            p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            p.use_authority_key_identifier_extension = true;
            issue(p, &root)?
        };
        let mut pki = Pki {
            root,
            issuers,
            foreign,
            server,
            offices: Vec::new(),
            revoked: BTreeMap::new(),
            crl_number: 1,
            crl_window: (
                now - Duration::days(1),
                now + Duration::days(world.pki.crl_days.max(1)),
            ),
        };
        // The world's numbers are unique (World::check), so each certificate is pushed
        // without the replace-by-number scan of issue_office (linear per office; quadratic
        // over a national world of ≈ 287,000 offices).
        pki.offices.reserve(world.offices.len());
        for o in &world.offices {
            let oc = pki.make_office_cert(o, &o.certificate, now, world.pki.cert_years)?;
            pki.offices.push(oc);
        }
        Ok(pki)
    }

    /// Issues (and records) a certificate for `office` as `spec` says: this is how tests make
    /// expired, not-yet-valid, revoked, wrong-type and unknown-issuer certificates.
    pub fn issue_office(
        &mut self,
        office: &Office,
        spec: &CertificateSpec,
        now: OffsetDateTime,
        years: i64,
    ) -> Result<OfficeCert, PkiError> {
        let oc = self.make_office_cert(office, spec, now, years)?;
        self.offices.retain(|c| c.office != office.number);
        self.offices.push(oc.clone());
        Ok(oc)
    }

    /// Issues a certificate for `office` as `spec` says and records a revocation, without
    /// storing the certificate in [`Pki::offices`].
    fn make_office_cert(
        &mut self,
        office: &Office,
        spec: &CertificateSpec,
        now: OffsetDateTime,
        years: i64,
    ) -> Result<OfficeCert, PkiError> {
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "JP");
        dn.push(DnType::OrganizationName, office.name.as_str());
        dn.push(DnType::OrganizationalUnitName, spec.cert_type.id());
        dn.push(
            DnType::CustomDnType(vec![2, 5, 4, 5]),
            office.number.as_str(),
        );
        dn.push(DnType::CommonName, office.number.as_str());
        p.distinguished_name = dn;
        p.not_before = spec
            .not_before
            .map(|i| i.0)
            .unwrap_or(now - Duration::days(1));
        p.not_after = spec
            .not_after
            .map(|i| i.0)
            .unwrap_or(p.not_before + Duration::days(365 * years.max(1)));
        p.serial_number = Some(serial());
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        p.use_authority_key_identifier_extension = true;
        let issuer = match spec.issuer {
            IssuerKind::Hub => &self.issuers[&spec.cert_type],
            IssuerKind::Unknown => &self.foreign,
        };
        let cert = issue(p, issuer)?;
        if spec.revoked {
            self.revoked
                .entry(spec.cert_type)
                .or_default()
                .push(RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&cert.serial),
                    revocation_time: now - Duration::hours(1),
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                });
        }
        Ok(OfficeCert {
            office: office.number.clone(),
            cert_type: spec.cert_type,
            issuer: spec.issuer,
            revoked: spec.revoked,
            cert,
        })
    }

    /// Sets the CRLs' thisUpdate and nextUpdate (both in the past makes an expired CRL) and
    /// bumps the CRL number.
    pub fn set_crl_window(&mut self, this_update: OffsetDateTime, next_update: OffsetDateTime) {
        self.crl_window = (this_update, next_update);
        self.crl_number += 1;
    }

    /// The root certificate, PEM (what clients trust the hub by).
    pub fn root_pem(&self) -> String {
        self.root.pem()
    }

    /// The certificate of office `number`.
    pub fn office(&self, number: &str) -> Option<&OfficeCert> {
        self.offices.iter().find(|c| c.office == number)
    }

    /// The CRLs, as PEM, by file stem: the root's (covering the issuing CAs: rustls checks
    /// revocation along the whole chain) and each issuing CA's.
    pub fn crls(&self) -> Result<BTreeMap<String, String>, PkiError> {
        let params = |revoked: Vec<RevokedCertParams>| CertificateRevocationListParams {
            this_update: self.crl_window.0,
            next_update: self.crl_window.1,
            crl_number: SerialNumber::from(self.crl_number),
            issuing_distribution_point: None,
            revoked_certs: revoked,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let mut out = BTreeMap::new();
        out.insert(
            "root".to_string(),
            params(Vec::new()).signed_by(&self.root)?.pem()?,
        );
        for (t, ca) in &self.issuers {
            let revoked = self.revoked.get(t).cloned().unwrap_or_default();
            out.insert(t.id().to_string(), params(revoked).signed_by(ca)?.pem()?);
        }
        Ok(out)
    }

    /// What the hub needs: trust anchors, CRLs, its own chain and key.
    pub fn hub_material(&self) -> Result<HubTlsMaterial, PkiError> {
        let crls: Vec<String> = self.crls()?.into_values().collect();
        HubTlsMaterial::from_pem(
            &self.root.pem(),
            &crls.join(""),
            &self.server.chain_pem,
            &self.server.key_pem,
            "memory",
        )
    }

    /// Writes the PKI under `dir` (layout in the module doc).
    pub fn write(&self, dir: &Path) -> Result<(), PkiError> {
        let put = |rel: &str, text: &str| -> Result<(), PkiError> {
            let p = dir.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(&p, text).map_err(io(&p))?;
            #[cfg(unix)]
            if rel.ends_with("-key.pem") {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                    .map_err(io(&p))?;
            }
            Ok(())
        };
        put("ca.pem", &self.root.pem())?;
        put("root-key.pem", &self.root.key().serialize_pem())?;
        for (t, ca) in &self.issuers {
            put(&format!("issuers/{}.pem", t.id()), &ca.pem())?;
            put(
                &format!("issuers/{}-key.pem", t.id()),
                &ca.key().serialize_pem(),
            )?;
        }
        for (stem, crl) in self.crls()? {
            put(&format!("crl/{stem}.pem"), &crl)?;
        }
        put("hub/server.pem", &self.server.chain_pem)?;
        put("hub/server-key.pem", &self.server.key_pem)?;
        for c in &self.offices {
            put(&format!("offices/{}.pem", c.office), &c.cert.chain_pem)?;
            put(&format!("offices/{}-key.pem", c.office), &c.cert.key_pem)?;
        }
        put("foreign/ca.pem", &self.foreign.pem())?;
        put("foreign/ca-key.pem", &self.foreign.key().serialize_pem())?;
        Ok(())
    }

    /// The path of an office's chain and key under a PKI folder.
    pub fn office_paths(dir: &Path, office: &str) -> (PathBuf, PathBuf) {
        (
            dir.join("offices").join(format!("{office}.pem")),
            dir.join("offices").join(format!("{office}-key.pem")),
        )
    }
}

fn issue(p: CertificateParams, issuer: &Ca) -> Result<IssuedCert, PkiError> {
    let key = KeyPair::generate()?;
    let cert = p.signed_by(&key, issuer)?;
    let serial = p
        .serial_number
        .as_ref()
        .map(|s| s.to_bytes())
        .unwrap_or_default();
    Ok(IssuedCert {
        chain_pem: format!("{}{}", cert.pem(), issuer.pem()),
        key_pem: key.serialize_pem(),
        serial,
        not_before: p.not_before,
        not_after: p.not_after,
    })
}

/// What the hub's TLS layer is built from.
#[derive(Debug)]
pub struct HubTlsMaterial {
    /// The roots office certificates must chain to.
    pub roots: Vec<CertificateDer<'static>>,
    /// The CRLs of the issuing CAs.
    pub crls: Vec<CertificateRevocationListDer<'static>>,
    /// The hub's server certificate and its issuer.
    pub server_chain: Vec<CertificateDer<'static>>,
    /// The server certificate's key.
    pub server_key: PrivateKeyDer<'static>,
}

impl Clone for HubTlsMaterial {
    fn clone(&self) -> Self {
        HubTlsMaterial {
            roots: self.roots.clone(),
            crls: self.crls.clone(),
            server_chain: self.server_chain.clone(),
            server_key: self.server_key.clone_key(),
        }
    }
}

fn pem_error(path: &str, message: impl ToString) -> PkiError {
    PkiError::Pem {
        path: path.to_string(),
        message: message.to_string(),
    }
}

/// Reads every certificate in a PEM text.
pub fn certs_from_pem(pem: &str, origin: &str) -> Result<Vec<CertificateDer<'static>>, PkiError> {
    let certs = rustls_pemfile::certs(&mut pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(origin, e))?;
    if certs.is_empty() {
        return Err(pem_error(origin, "証明書がありません"));
    }
    Ok(certs)
}

/// Reads the private key in a PEM text.
pub fn key_from_pem(pem: &str, origin: &str) -> Result<PrivateKeyDer<'static>, PkiError> {
    rustls_pemfile::private_key(&mut pem.as_bytes())
        .map_err(|e| pem_error(origin, e))?
        .ok_or_else(|| pem_error(origin, "秘密鍵がありません"))
}

impl HubTlsMaterial {
    /// Reads the material from PEM text: roots, CRLs, the server chain and key.
    pub fn from_pem(
        roots: &str,
        crls: &str,
        chain: &str,
        key: &str,
        origin: &str,
    ) -> Result<HubTlsMaterial, PkiError> {
        Ok(HubTlsMaterial {
            roots: certs_from_pem(roots, origin)?,
            crls: rustls_pemfile::crls(&mut crls.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| pem_error(origin, e))?,
            server_chain: certs_from_pem(chain, origin)?,
            server_key: key_from_pem(key, origin)?,
        })
    }

    /// Reads a PKI folder written by [`Pki::write`] (`ca.pem`, `crl/*.pem`, `hub/…`).
    pub fn load(dir: &Path) -> Result<HubTlsMaterial, PkiError> {
        let read = |rel: &str| {
            let p = dir.join(rel);
            std::fs::read_to_string(&p).map_err(io(&p))
        };
        let mut crls = String::new();
        let crl_dir = dir.join("crl");
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&crl_dir)
            .map_err(io(&crl_dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pem"))
            .collect();
        entries.sort();
        for p in entries {
            crls.push_str(&std::fs::read_to_string(&p).map_err(io(&p))?);
        }
        HubTlsMaterial::from_pem(
            &read("ca.pem")?,
            &crls,
            &read("hub/server.pem")?,
            &read("hub/server-key.pem")?,
            &dir.display().to_string(),
        )
    }
}

/// What `renkei pki init` writes a PKI for.
pub enum InitSource<'a> {
    /// The demo world of simulator/HUB-RULES.md: also writes `world.toml` and `demo.json`.
    Demo,
    /// A world read from a file.
    World(&'a World),
}

/// `demo.json`: every demo identity, its files (relative to the folder) and expected outcome.
#[derive(Debug, serde::Serialize)]
pub struct DemoManifest {
    /// The root a client trusts the hub by (file name).
    pub hub_ca: String,
    /// The world file the PKI was made for.
    pub world: String,
    /// Every demo identity.
    pub identities: Vec<DemoEntry>,
}

/// One demo identity of `demo.json`: who logs in with what, and what should happen.
#[derive(Debug, serde::Serialize)]
pub struct DemoEntry {
    /// The office's name.
    pub name: String,
    /// The 事業所番号.
    pub office: String,
    /// The login ID.
    pub user_id: String,
    /// The password.
    pub password: String,
    /// The certificate chain file (relative to the folder).
    pub cert: String,
    /// The key file (relative to the folder).
    pub key: String,
    /// The outcome it is meant to get (`OK`, a hub code or a TLS alert).
    pub expect: String,
}

/// Writes a ready PKI into `dir` (and for the demo, `world.toml` and `demo.json`), dated
/// around `now`. Returns the world it was made for.
pub fn init_dir(
    dir: &Path,
    source: InitSource<'_>,
    now: OffsetDateTime,
) -> Result<World, PkiError> {
    let (world, demo) = match source {
        InitSource::Demo => {
            let (w, ids) = crate::world::demo(now);
            (w, Some(ids))
        }
        InitSource::World(w) => (w.clone(), None),
    };
    let pki = Pki::generate(&world, now)?;
    pki.write(dir)?;
    if let Some(ids) = demo {
        let world_path = dir.join("world.toml");
        let text = format!(
            "# The demo world of simulator/HUB-RULES.md, written by `renkei pki init --demo` on {}.\n\
             # Serve it with: renkei hub serve --world {} --pki {} --data DATA\n\n{}",
            crate::clock::rfc3339(now),
            world_path.display(),
            dir.display(),
            world.to_toml()
        );
        std::fs::write(&world_path, text).map_err(io(&world_path))?;
        let manifest = DemoManifest {
            hub_ca: "ca.pem".into(),
            world: "world.toml".into(),
            identities: ids
                .into_iter()
                .map(|i| DemoEntry {
                    cert: format!("offices/{}.pem", i.office),
                    key: format!("offices/{}-key.pem", i.office),
                    name: i.name,
                    office: i.office,
                    user_id: i.user_id,
                    password: i.password,
                    expect: i.expect,
                })
                .collect(),
        };
        let p = dir.join("demo.json");
        let json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        std::fs::write(&p, json + "\n").map_err(io(&p))?;
    }
    Ok(world)
}
