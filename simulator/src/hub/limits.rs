//! The hub's limits as a server: body sizes and rates, timeouts, connection caps, how long a
//! refused request is drained, how often refusals are logged and maintenance runs. Every
//! value is (assumed): nothing public fixes them; HUB-API.md's "Limits" lists them.

use std::time::Duration;

/// The limits a running hub enforces (`Hub::limits`); the defaults are what `renkei hub
/// serve` uses.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest login body (JSON with an ID and a password).
    pub login_body_bytes: usize,
    /// Bytes a send's body may hold above its files (multipart headers and boundaries).
    pub send_overhead_bytes: u64,
    /// Longest a TLS handshake may take.
    pub handshake_timeout: Duration,
    /// Longest a request's headers may take to arrive.
    pub header_read_timeout: Duration,
    /// A connection with no byte read or written for this long is closed (idle keep-alive).
    pub idle_timeout: Duration,
    /// The slowest a request body may arrive, on average, once [`Limits::body_grace`] is over.
    pub body_min_bytes_per_second: u64,
    /// The time a body may take before the rate counts; also the longest wait for any one
    /// chunk of a body.
    pub body_grace: Duration,
    /// Open connections in all (clamped below the process's file-descriptor limit).
    pub max_connections: usize,
    /// Open connections from one client address.
    pub max_connections_per_address: usize,
    /// Open connections presenting one client certificate.
    pub max_connections_per_certificate: usize,
    /// After a refusal, how much of the rest of a body is read and discarded so the client
    /// sees the answer rather than a reset connection.
    pub drain_bytes: u64,
    /// The longest such draining (and the lingering close after it) takes.
    pub drain_time: Duration,
    /// Lines about refused handshakes or connections written per minute; past it one
    /// summary line per minute says how many were left out.
    pub refusal_log_lines_per_minute: u32,
    /// How often the maintenance (retention, pruning of sessions) runs.
    pub maintenance_every: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            login_body_bytes: 4 * 1024,
            send_overhead_bytes: 64 * 1024,
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_min_bytes_per_second: 16 * 1024,
            body_grace: Duration::from_secs(10),
            max_connections: 4096,
            max_connections_per_address: 256,
            max_connections_per_certificate: 64,
            drain_bytes: 32 * 1024 * 1024,
            drain_time: Duration::from_secs(5),
            refusal_log_lines_per_minute: 10,
            maintenance_every: Duration::from_secs(60),
        }
    }
}

impl Limits {
    /// The largest send body: every file at its limit, and the multipart overhead.
    pub fn send_body_bytes(&self, settings: &crate::world::HubSettings) -> u64 {
        settings
            .max_file_bytes
            .saturating_mul(settings.max_files_per_send as u64)
            .saturating_add(self.send_overhead_bytes)
    }
}

/// Lines of one kind, at most `per_minute` a minute by the hub's clock; past it, the next
/// minute's first line says how many were left out.
#[derive(Debug, Default)]
pub struct RateLimitedLog {
    state: std::sync::Mutex<(Option<time::OffsetDateTime>, u32, u64)>,
}

impl RateLimitedLog {
    /// Lines to write now for `line` (none when over the budget; a summary before it when a
    /// new minute starts after lines were left out).
    pub fn admit(&self, line: String, per_minute: u32, now: time::OffsetDateTime) -> Vec<String> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (start, written, left_out) = &mut *s;
        let mut out = Vec::new();
        let new_window = match start {
            Some(t) => now >= *t + time::Duration::minutes(1) || now < *t,
            None => true,
        };
        if new_window {
            if *left_out > 0 {
                out.push(format!(
                    "{} - 直前の1分間に同様の行を {left_out} 件省略しました",
                    crate::clock::rfc3339(now)
                ));
            }
            *start = Some(now);
            *written = 0;
            *left_out = 0;
        }
        if *written < per_minute {
            *written += 1;
            out.push(line);
        } else {
            *left_out += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn refusal_lines_are_limited_per_minute_with_a_summary() {
        let log = RateLimitedLog::default();
        let t = datetime!(2026-11-24 01:00 UTC);
        let written: usize = (0..100)
            .map(|i| log.admit(format!("refused {i}"), 10, t).len())
            .sum();
        assert_eq!(written, 10);
        let next = log.admit("refused again".into(), 10, t + time::Duration::minutes(1));
        assert_eq!(next.len(), 2);
        assert!(next[0].contains("90 件省略"), "{next:?}");
    }

    #[test]
    fn the_send_body_limit_is_every_file_at_its_limit_and_the_overhead() {
        let l = Limits::default();
        let s = crate::world::HubSettings::default();
        assert_eq!(l.send_body_bytes(&s), 20 * 10 * 1024 * 1024 + 64 * 1024);
    }
}
