//! Stage 6, the facts: what the send-unit checks need from this file (each user and link
//! value, the users with a 第7表 grand total), and, for 予定 and 第7表, whether each user has
//! a service of the receiving office (a user unrelated to the receiver is not sent).

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::standard::{FileSpec, ItemRole};

use super::super::record::{Roles, TOTAL_CODE};
use super::{Context, Key, Out, Place, Where};

/// Per-user state for the "users unrelated to the receiver" rule.
struct UserSeen {
    place: Place,
    has_receiver: bool,
}

/// What the facts stage keeps across records.
#[derive(Default)]
pub(super) struct Facts {
    /// The last record's (保険者番号, 被保険者番号, link value): records come grouped by user,
    /// and while the key repeats the maps are not touched.
    last_key: (String, String, String),
    /// Whether the last key's user already has a service of the receiver.
    last_receiver_seen: bool,
    /// Each user of a 予定 or 第7表, and whether a service of the receiver was seen.
    users: HashMap<Key, UserSeen>,
}

impl Facts {
    /// Takes the facts of one record whose key items are sound.
    pub(super) fn record(
        &mut self,
        v: &[&str],
        (spec, roles): (&FileSpec, &Roles),
        ctx: &Context,
        w: &mut Where<'_>,
        out: &mut Out,
    ) {
        let (Some(a), Some(b)) = (roles.insurer, roles.insured) else {
            return;
        };
        let link = roles.link(&spec.kind, v);
        let same = self.last_key.0 == v[a] && self.last_key.1 == v[b] && self.last_key.2 == link;
        let is_total = roles.service_code.is_some_and(|i| v[i] == TOTAL_CODE);
        let to_receiver = ctx.is_receiver_service(v, roles);
        if same && !is_total && (!ctx.check_receiver || !to_receiver || self.last_receiver_seen) {
            return;
        }
        self.last_key = (v[a].to_string(), v[b].to_string(), link.to_string());
        self.last_receiver_seen = false;
        let place = {
            let (l, _, o) = w.at(b, 0);
            (l, o)
        };
        let facts = &mut out.rep.facts;
        facts
            .links
            .entry(Key::new(&[v[a], v[b], link]))
            .or_insert(place);
        if is_total && spec.kind == "UPSIKYU" {
            facts.totals.insert(Key::new(&[v[a], v[b]]));
        }
        let receiver_known = ctx
            .trusted
            .as_ref()
            .is_some_and(|t| !t.receiver.office.is_empty());
        if ctx.check_receiver && receiver_known && roles.provider_office.is_some() {
            let u = self
                .users
                .entry(Key::new(&[v[a], v[b]]))
                .or_insert(UserSeen {
                    place,
                    has_receiver: false,
                });
            u.has_receiver |= to_receiver;
            self.last_receiver_seen = u.has_receiver;
        }
    }

    /// At the end of the file: each user with no service of the receiving office.
    pub(super) fn end(self, ctx: &Context, out: &mut Out) {
        let (Some(spec), Some(n)) = (ctx.spec, &ctx.trusted) else {
            return;
        };
        let column = spec.index_of(ItemRole::Insured).unwrap_or(2) as u32 + 1;
        let of_type = ctx
            .receiver_type
            .as_deref()
            .map(|t| format!("（サービス種類 {t}）"))
            .unwrap_or_default();
        for (user, u) in self.users.iter().filter(|(_, u)| !u.has_receiver) {
            let insured = user.part(1);
            out.push(
                Diagnostic::new(
                    Code::ConsistencyReceiver,
                    format!(
                        "被保険者番号 {insured} の利用者には送信先事業所 {}{of_type} のサービスがありません（送信先に関係のない利用者は送信しません）",
                        n.receiver.office,
                    ),
                )
                .at(u.place.0, Some(column), u.place.1)
                .item("被保険者番号"),
            );
        }
    }
}
