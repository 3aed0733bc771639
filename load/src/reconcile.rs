//! The pass condition, checked at the end by reading every receiver's inbox back through the
//! hub API: every send the hub acknowledged is there exactly once, byte-identical (SHA-256),
//! in arrival order.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::Digest;
use tokio::time::Instant;

use crate::run::{ReconcileView, SendOutcome, SendRecord};

/// What the inboxes held against what the hub acknowledged (load.json's `reconciliation`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Reconciliation {
    /// Sends the hub answered 2xx.
    pub acknowledged: u64,
    /// Acknowledged sends found in their receiver's inbox.
    pub delivered: u64,
    /// Acknowledged sends not in the inbox (whatever the cause).
    pub lost: u64,
    /// Extra copies: a sender's ファイル連番 listed more than once in an inbox.
    pub duplicated: u64,
    /// Sends with a try that got no answer (retried as a replay, or never answered).
    pub unanswered: u64,
    /// Acknowledged sends whose files came back different or incomplete.
    pub corrupted: u64,
    /// Acknowledged sends listed before one acknowledged before they were even started.
    pub out_of_order: u64,
    /// Sends never acknowledged (no answer, or a 5xx) that the inbox holds all the same.
    pub delivered_unacknowledged: u64,
    /// Inbox entries from this run's senders that match no send it made.
    pub unexpected: u64,
    /// Acknowledged sends whose inbox could not be read back (counted as not proven).
    pub unverified: u64,
}

impl Reconciliation {
    /// Nothing lost, duplicated, corrupted, out of order or unproven.
    pub fn passed(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.corrupted == 0
            && self.out_of_order == 0
            && self.unverified == 0
    }

    /// Adds another shard's reconciliation.
    pub fn add(&mut self, o: &Reconciliation) {
        self.acknowledged += o.acknowledged;
        self.delivered += o.delivered;
        self.lost += o.lost;
        self.duplicated += o.duplicated;
        self.unanswered += o.unanswered;
        self.corrupted += o.corrupted;
        self.out_of_order += o.out_of_order;
        self.delivered_unacknowledged += o.delivered_unacknowledged;
        self.unexpected += o.unexpected;
        self.unverified += o.unverified;
    }
}

/// Acknowledged sends listed after one that was acknowledged before they started: scanning
/// from the end, the earliest acknowledgement seen later in the list must not precede a
/// send's start.
pub fn out_of_order(listed: &[(Instant, Instant)]) -> u64 {
    let mut min_answer_after: Option<Instant> = None;
    let mut n = 0;
    for (started, answered) in listed.iter().rev() {
        if min_answer_after.is_some_and(|m| m < *started) {
            n += 1;
        }
        min_answer_after = Some(min_answer_after.map_or(*answered, |m| m.min(*answered)));
    }
    n
}

/// Reconciles one receiver's inbox against the sends made to it.
async fn receiver(view: ReconcileView, office: u32, sends: Vec<SendRecord>) -> Reconciliation {
    let mut r = Reconciliation::default();
    let acked: HashMap<&str, &SendRecord> = sends
        .iter()
        .filter_map(|s| match &s.outcome {
            SendOutcome::Acknowledged(id) => Some((id.as_str(), s)),
            _ => None,
        })
        .collect();
    r.acknowledged = acked.len() as u64;
    let items = match view.inbox(office).await {
        Ok(items) => items,
        Err(_) => {
            r.unverified = r.acknowledged;
            return r;
        }
    };
    let world = view.world();
    let imported = view.imported(office);
    let mut keys: HashMap<(u32, String), u64> = HashMap::new();
    let mut listed = Vec::new();
    let mut found = 0u64;
    for item in &items {
        let Some(sender) = world.index_of(&item.sender) else {
            continue;
        };
        if view.pair_of(sender, office).is_none() {
            continue;
        }
        let serial = item
            .files
            .first()
            .and_then(|f| renkei_spec::filename::parse(&f.name).name)
            .map(|n| n.sequence)
            .unwrap_or_default();
        let seen = keys.entry((sender, serial.clone())).or_default();
        *seen += 1;
        if *seen > 1 {
            r.duplicated += 1;
            continue;
        }
        let Some(sent) = acked.get(item.send_id.as_str()) else {
            let made = sends
                .iter()
                .any(|s| s.sender == sender && s.serial == serial);
            if made {
                r.delivered_unacknowledged += 1;
            } else {
                r.unexpected += 1;
            }
            continue;
        };
        found += 1;
        if let (Some(a), s) = (sent.answered, sent.started) {
            listed.push((s, a));
        }
        let mut want: Vec<(String, String)> = sent.files.clone();
        let mut got: Vec<(String, String)> = item
            .files
            .iter()
            .map(|f| (f.name.clone(), f.sha256.clone()))
            .collect();
        want.sort();
        got.sort();
        let mut intact = want == got;
        if intact && !imported.contains(&item.send_id) {
            for (name, sha) in &want {
                match view.download(office, &item.send_id, name).await {
                    Ok(bytes) if hex::encode(sha2::Sha256::digest(&bytes)) == *sha => {}
                    _ => intact = false,
                }
            }
        }
        if !intact {
            r.corrupted += 1;
        }
    }
    r.delivered = found;
    r.lost = r.acknowledged - found.min(r.acknowledged);
    r.out_of_order = out_of_order(&listed);
    r
}

/// Reads every receiver's inbox back (32 at a time) and reconciles it.
pub(crate) async fn reconcile(view: &ReconcileView) -> Reconciliation {
    let mut by_receiver: HashMap<u32, Vec<SendRecord>> = HashMap::new();
    let mut total = Reconciliation::default();
    for s in view.ledger() {
        if s.unanswered_try || s.outcome == SendOutcome::Unanswered {
            total.unanswered += 1;
        }
        by_receiver.entry(s.receiver).or_default().push(s);
    }
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = tokio::task::JoinSet::new();
    for (office, sends) in by_receiver {
        let (view, gate) = (view.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            receiver(view, office, sends).await
        });
    }
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(r) => {
                let unanswered = total.unanswered;
                total.add(&r);
                total.unanswered = unanswered;
            }
            Err(_) => total.unverified += 1,
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_send_listed_after_one_acknowledged_before_it_started_is_out_of_order() {
        let t = Instant::now();
        let at = |ms| t + Duration::from_millis(ms);
        // Overlapping sends may be listed either way.
        assert_eq!(out_of_order(&[(at(0), at(10)), (at(5), at(8))]), 0);
        // B was acknowledged (at 3) before A started (at 5), yet A is listed first.
        assert_eq!(out_of_order(&[(at(5), at(9)), (at(1), at(3))]), 1);
        assert_eq!(out_of_order(&[]), 0);
    }

    #[test]
    fn only_lost_duplicated_corrupted_out_of_order_or_unproven_sends_fail() {
        let ok = Reconciliation {
            acknowledged: 3,
            delivered: 3,
            unanswered: 2,
            delivered_unacknowledged: 1,
            ..Reconciliation::default()
        };
        assert!(ok.passed());
        for bad in [
            Reconciliation { lost: 1, ..ok },
            Reconciliation {
                duplicated: 1,
                ..ok
            },
            Reconciliation { corrupted: 1, ..ok },
            Reconciliation {
                out_of_order: 1,
                ..ok
            },
            Reconciliation {
                unverified: 1,
                ..ok
            },
        ] {
            assert!(!bad.passed(), "{bad:?}");
        }
    }
}
