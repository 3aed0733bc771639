//! The one clock (時計). Every check of time in the simulator — certificate and CRL validity in
//! the TLS handshake, licence periods, password lockouts, token expiry, retention — asks a
//! [`Clock`], so a scenario can pin "now" and move it.

use std::fmt;
use std::sync::{Arc, Mutex};

use rustls::pki_types::UnixTime;
use rustls::time_provider::TimeProvider;
use time::{Duration, OffsetDateTime, UtcOffset};

/// Japan Standard Time, the offset every timestamp the hub shows is written in.
pub const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("+09:00 is a valid offset"),
};

/// A source of "now".
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still at a pinned instant until it is set or advanced.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    /// A clock standing still at `at`.
    pub fn new(at: OffsetDateTime) -> ManualClock {
        ManualClock {
            now: Mutex::new(at),
        }
    }

    /// Moves the clock to `at` (backwards too).
    pub fn set(&self, at: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A clock that starts at a pinned instant and then runs at the machine's pace (what
/// `renkei hub serve --now` uses: dates pinned, durations real).
#[derive(Debug)]
pub struct OffsetClock {
    offset: Duration,
}

impl OffsetClock {
    /// A clock that reads `at` now and then runs with the system clock.
    pub fn starting_at(at: OffsetDateTime) -> OffsetClock {
        OffsetClock {
            offset: at - OffsetDateTime::now_utc(),
        }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset
    }
}

/// A shared handle on a clock; cheap to clone.
#[derive(Debug, Clone)]
pub struct SharedClock(Arc<dyn Clock>);

impl SharedClock {
    /// Shares `clock`.
    pub fn new(clock: impl Clock + 'static) -> SharedClock {
        SharedClock(Arc::new(clock))
    }

    /// Shares a clock that is already shared (a test keeps the `Arc` to move it).
    pub fn from_arc(clock: Arc<dyn Clock>) -> SharedClock {
        SharedClock(clock)
    }

    /// The system clock.
    pub fn system() -> SharedClock {
        SharedClock::new(SystemClock)
    }

    /// The current time of the shared clock.
    pub fn now(&self) -> OffsetDateTime {
        self.0.now()
    }

    /// Now, in JST.
    pub fn now_jst(&self) -> OffsetDateTime {
        self.0.now().to_offset(JST)
    }

    /// This clock as rustls's time source, for certificate and CRL checks in the handshake.
    pub fn time_provider(&self) -> Arc<dyn TimeProvider> {
        Arc::new(RustlsTime(self.clone()))
    }
}

#[derive(Debug)]
struct RustlsTime(SharedClock);

impl TimeProvider for RustlsTime {
    fn current_time(&self) -> Option<UnixTime> {
        let secs = self.0.now().unix_timestamp();
        u64::try_from(secs)
            .ok()
            .map(|s| UnixTime::since_unix_epoch(std::time::Duration::from_secs(s)))
    }
}

/// The ファイル連番 of a file made at `t`: its JST date and time, `YYYYMMDDHHMMSS`.
pub fn file_serial(t: OffsetDateTime) -> String {
    let t = t.to_offset(JST);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Writes an instant as RFC 3339 in JST (`2026-11-24T10:00:00+09:00`).
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(JST).replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Reads an RFC 3339 instant.
pub fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(datetime!(2026-11-24 01:00 UTC));
        assert_eq!(c.now(), datetime!(2026-11-24 01:00 UTC));
        c.advance(Duration::days(31));
        assert_eq!(c.now(), datetime!(2026-12-25 01:00 UTC));
        let shared = SharedClock::new(c);
        let t = shared.time_provider().current_time().expect("after 1970");
        assert_eq!(
            t.as_secs(),
            datetime!(2026-12-25 01:00 UTC).unix_timestamp() as u64
        );
    }

    #[test]
    fn an_offset_clock_starts_where_pinned_and_runs() {
        let c = OffsetClock::starting_at(datetime!(2026-04-01 00:00 UTC));
        let a = c.now();
        assert!(a >= datetime!(2026-04-01 00:00 UTC));
        assert!(a < datetime!(2026-04-01 00:01 UTC));
        assert!(c.now() >= a);
    }

    #[test]
    fn timestamps_are_written_in_jst() {
        assert_eq!(
            rfc3339(datetime!(2026-11-24 01:00:00.5 UTC)),
            "2026-11-24T10:00:00+09:00"
        );
        assert_eq!(
            parse_rfc3339("2026-11-24T10:00:00+09:00").unwrap(),
            datetime!(2026-11-24 01:00 UTC)
        );
    }
}
