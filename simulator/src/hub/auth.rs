//! Login (ログイン): the login ID's form, proxy IDs, passwords and their states, the lockout
//! after repeated failures, the certificate's office, the rate of attempts per certificate,
//! and the tokens that carry a session.
//!
//! Everything here is bounded: sessions expire and are pruned ([`Auth::prune`]), a
//! certificate holds at most `sessions_per_certificate` sessions (the oldest goes first), and
//! failure records and attempt windows are dropped once they no longer matter.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use rand::RngCore;
use time::{Duration, OffsetDateTime};

use super::certificate::{PeerIdentity, Warning};
use super::error::{clip, HubError};
use crate::clock::rfc3339;
use crate::world::{HubSettings, PasswordState, World};

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

/// Wrong passwords in a row for one login ID presented with one certificate.
#[derive(Debug)]
struct Failures {
    count: u32,
    last: OffsetDateTime,
    locked_until: Option<OffsetDateTime>,
}

/// The login attempts of one certificate in the current minute.
#[derive(Debug)]
struct Attempts {
    window_start: OffsetDateTime,
    count: u32,
}

/// Sessions, lockouts and attempt counts. All live in memory: a hub restart logs everyone
/// out and clears lockouts (documented in HUB-API.md).
#[derive(Debug, Default)]
pub struct Auth {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    sessions: HashMap<String, Session>,
    /// Each certificate's tokens, oldest first.
    by_certificate: HashMap<String, VecDeque<String>>,
    /// Keyed by (login ID, certificate serial).
    failures: HashMap<(String, String), Failures>,
    attempts: HashMap<String, Attempts>,
}

/// How many records [`Auth`] holds, for tests and the hub's maintenance log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthCounts {
    /// Open sessions.
    pub sessions: usize,
    /// Failure records (login ID × certificate).
    pub failures: usize,
    /// Certificates with an attempt window.
    pub attempt_windows: usize,
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
        Err(HubError::IdFormat(clip(user_id)))
    }
}

impl State {
    /// Counts an attempt of `cert`; refuses past `login_attempts_per_minute`.
    fn count_attempt(
        &mut self,
        cert: &str,
        settings: &HubSettings,
        now: OffsetDateTime,
    ) -> Result<(), HubError> {
        let a = self.attempts.entry(cert.to_string()).or_insert(Attempts {
            window_start: now,
            count: 0,
        });
        if now >= a.window_start + Duration::minutes(1) || now < a.window_start {
            *a = Attempts {
                window_start: now,
                count: 0,
            };
        }
        a.count += 1;
        if a.count > settings.login_attempts_per_minute.max(1) {
            return Err(HubError::LoginRateLimited {
                retry_at: rfc3339(a.window_start + Duration::minutes(1)),
            });
        }
        Ok(())
    }

    /// Checks the password against the lockout of (`user_id`, `cert`).
    fn check_password(
        &mut self,
        key: (String, String),
        right: bool,
        settings: &HubSettings,
        now: OffsetDateTime,
    ) -> Result<(), HubError> {
        if let Some(until) = self.failures.get(&key).and_then(|f| f.locked_until) {
            if now < until {
                return Err(HubError::Locked {
                    until: rfc3339(until),
                });
            }
            self.failures.remove(&key);
        }
        if right {
            self.failures.remove(&key);
            return Ok(());
        }
        let f = self.failures.entry(key).or_insert(Failures {
            count: 0,
            last: now,
            locked_until: None,
        });
        f.count += 1;
        f.last = now;
        if f.count >= settings.lock_after_failures.max(1) {
            let until = now + Duration::minutes(settings.lock_minutes);
            f.locked_until = Some(until);
            return Err(HubError::Locked {
                until: rfc3339(until),
            });
        }
        Err(HubError::BadPassword)
    }

    /// Opens a session; a certificate over its session cap loses its oldest one.
    fn open(&mut self, token: String, session: Session, cap: usize) {
        let tokens = self
            .by_certificate
            .entry(session.cert_serial.clone())
            .or_default();
        tokens.push_back(token.clone());
        while tokens.len() > cap.max(1) {
            if let Some(old) = tokens.pop_front() {
                self.sessions.remove(&old);
            }
        }
        self.sessions.insert(token, session);
    }

    fn close(&mut self, token: &str) {
        if let Some(s) = self.sessions.remove(token) {
            if let Some(tokens) = self.by_certificate.get_mut(&s.cert_serial) {
                tokens.retain(|t| t != token);
                if tokens.is_empty() {
                    self.by_certificate.remove(&s.cert_serial);
                }
            }
        }
    }
}

impl Auth {
    /// Checks a login in HUB-API.md's order: the ID's form, the certificate's rate of
    /// attempts, that the ID is one of the certificate's office, the lockout of this ID with
    /// this certificate, the password, the password's state, the registration.
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
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.count_attempt(&peer.serial, settings, now)?;
        let cert_office = peer.office.clone().unwrap_or_default();
        // An ID of another office, or of none: refused before the password is looked at and
        // before any lockout count moves, in words that confirm nothing about the ID.
        let office = world
            .office_by_user(user_id)
            .filter(|o| o.number == cert_office)
            .ok_or_else(|| HubError::CertOfficeMismatch {
                cert: cert_office.clone(),
            })?;
        state.check_password(
            (user_id.to_string(), peer.serial.clone()),
            office.password == password,
            settings,
            now,
        )?;
        match office.password_state {
            PasswordState::Active => {}
            PasswordState::Temporary => return Err(HubError::TemporaryPassword),
            PasswordState::Expired => return Err(HubError::PasswordExpired),
        }
        if !office.registered {
            return Err(HubError::OfficeNotRegistered(office.number.clone()));
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
        state.open(
            token.clone(),
            session.clone(),
            settings.sessions_per_certificate,
        );
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
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(s) = state.sessions.get(token) else {
            return Err(HubError::TokenInvalid);
        };
        if now >= s.expires_at {
            state.close(token);
            return Err(HubError::TokenInvalid);
        }
        if s.cert_serial != peer.serial {
            return Err(HubError::TokenInvalid);
        }
        Ok(s.clone())
    }

    /// Drops expired sessions, failure records whose lock (or last failure) is over, and
    /// attempt windows that ended. The hub's maintenance calls it periodically.
    pub fn prune(&self, settings: &HubSettings, now: OffsetDateTime) -> AuthCounts {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let expired: Vec<String> = state
            .sessions
            .iter()
            .filter(|(_, s)| now >= s.expires_at)
            .map(|(t, _)| t.clone())
            .collect();
        for t in expired {
            state.close(&t);
        }
        let keep_failures = Duration::minutes(settings.lock_minutes.max(1));
        state.failures.retain(|_, f| match f.locked_until {
            Some(until) => now < until,
            None => now < f.last + keep_failures,
        });
        state
            .attempts
            .retain(|_, a| now < a.window_start + Duration::minutes(1));
        counts(&state)
    }

    /// How many records are held now.
    pub fn counts(&self) -> AuthCounts {
        counts(&self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn counts(state: &State) -> AuthCounts {
    AuthCounts {
        sessions: state.sessions.len(),
        failures: state.failures.len(),
        attempt_windows: state.attempts.len(),
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
