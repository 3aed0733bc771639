//! Login (ログイン): the login ID's form, proxy IDs, passwords and their states, the lockout
//! after repeated failures, the certificate's office, and the tokens that carry a session.

use std::collections::HashMap;
use std::sync::Mutex;

use rand::RngCore;
use time::{Duration, OffsetDateTime};

use super::certificate::{PeerIdentity, Warning};
use super::error::HubError;
use crate::clock::rfc3339;
use crate::world::{PasswordState, World};

/// A logged-in session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The 事業所番号 logged in.
    pub office: String,
    /// The login ID used (KJ…).
    pub user_id: String,
    /// The serial of the certificate the session was opened with: a token only works over a
    /// connection that presents the same certificate.
    pub cert_serial: String,
    /// When the token stops working.
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Default)]
struct Failures {
    count: u32,
    locked_until: Option<OffsetDateTime>,
}

/// Sessions and lockouts. Both live in memory: a hub restart logs everyone out and clears
/// lockouts (documented in HUB-API.md).
#[derive(Debug, Default)]
pub struct Auth {
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<String, Failures>>,
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOk {
    /// The bearer token.
    pub token: String,
    /// The session it opens.
    pub session: Session,
    /// Warnings to show with the login (certificate near its end, lapsed licence).
    pub warnings: Vec<Warning>,
}

/// The form rule of a login ID: `KJ` + 12 digits; `HD…` is a proxy-billing ID.
pub fn check_user_id(user_id: &str) -> Result<(), HubError> {
    if user_id.starts_with("HD") {
        return Err(HubError::ProxyId);
    }
    let ok = user_id.len() == 14
        && user_id.starts_with("KJ")
        && user_id[2..].bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(HubError::IdFormat(user_id.to_string()))
    }
}

impl Auth {
    /// Checks a login in hub.md's order: the ID's form, the lockout, the password, the
    /// password's state, the registration, the certificate's office.
    pub fn login(
        &self,
        world: &World,
        peer: &PeerIdentity,
        user_id: &str,
        password: &str,
        now: OffsetDateTime,
    ) -> Result<LoginOk, HubError> {
        check_user_id(user_id)?;
        let settings = &world.hub;
        {
            let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
            let f = failures.entry(user_id.to_string()).or_default();
            if let Some(until) = f.locked_until {
                if now < until {
                    return Err(HubError::Locked {
                        until: rfc3339(until),
                    });
                }
                *f = Failures::default();
            }
            let office = world.office_by_user(user_id);
            let right = office.is_some_and(|o| o.password == password);
            if !right {
                f.count += 1;
                if f.count >= settings.lock_after_failures.max(1) {
                    let until = now + Duration::minutes(settings.lock_minutes);
                    f.locked_until = Some(until);
                    return Err(HubError::Locked {
                        until: rfc3339(until),
                    });
                }
                return Err(HubError::BadPassword);
            }
            *f = Failures::default();
        }
        let office = world.office_by_user(user_id).ok_or(HubError::BadPassword)?;
        match office.password_state {
            PasswordState::Active => {}
            PasswordState::Temporary => return Err(HubError::TemporaryPassword),
            PasswordState::Expired => return Err(HubError::PasswordExpired),
        }
        if !office.registered {
            return Err(HubError::OfficeNotRegistered(office.number.clone()));
        }
        let cert_office = peer.office.clone().unwrap_or_default();
        if cert_office != office.number {
            return Err(HubError::CertOfficeMismatch {
                cert: cert_office,
                login: office.number.clone(),
            });
        }
        let mut warnings = Vec::new();
        warnings.extend(peer.expiry_warning(now, settings));
        let today = now.to_offset(crate::clock::JST).date();
        if office
            .licence
            .as_ref()
            .and_then(|l| l.current_until(today))
            .is_none()
        {
            warnings.push(Warning {
                code: "LICENCE_EXPIRED",
                message: "ライセンスが有効ではありません。受信済みファイルのダウンロードはできますが、送信はできません".into(),
            });
        }
        let mut raw = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut raw);
        let token = hex::encode(raw);
        let session = Session {
            office: office.number.clone(),
            user_id: user_id.to_string(),
            cert_serial: peer.serial.clone(),
            expires_at: now + Duration::minutes(settings.token_minutes),
        };
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.clone(), session.clone());
        Ok(LoginOk {
            token,
            session,
            warnings,
        })
    }

    /// The session of a bearer token presented over a connection with `peer`'s certificate.
    pub fn session(
        &self,
        token: &str,
        peer: &PeerIdentity,
        now: OffsetDateTime,
    ) -> Result<Session, HubError> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let Some(s) = sessions.get(token) else {
            return Err(HubError::TokenInvalid);
        };
        if now >= s.expires_at {
            sessions.remove(token);
            return Err(HubError::TokenInvalid);
        }
        if s.cert_serial != peer.serial {
            return Err(HubError::TokenInvalid);
        }
        Ok(s.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_ids_are_kj_and_twelve_digits() {
        assert!(check_user_id("KJ000000000001").is_ok());
        assert!(matches!(
            check_user_id("HD000000000001"),
            Err(HubError::ProxyId)
        ));
        assert!(matches!(
            check_user_id("KJ00000000001"),
            Err(HubError::IdFormat(_))
        ));
        assert!(matches!(
            check_user_id("kj000000000001"),
            Err(HubError::IdFormat(_))
        ));
        assert!(matches!(
            check_user_id("KJ00000000000A"),
            Err(HubError::IdFormat(_))
        ));
    }
}
