//! The hub's rules over real mutual TLS on loopback: for each rule of simulator/HUB-RULES.md, the accepted
//! case and the refusal with its code.

mod common;

use common::{yotei_files, TestHub, NOW};
use renkei_simulator::client::ClientError;
use renkei_simulator::world::{CertType, CertificateSpec, Instant, PasswordState};
use sha2::{Digest, Sha256};
use time::Duration;

fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> String {
    match r {
        Err(e) => e.code(),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

fn kyotaku(h: &TestHub) -> String {
    h.id("ok", 0).office.clone()
}
fn houmon(h: &TestHub) -> String {
    h.id("ok", 1).office.clone()
}

#[tokio::test]
async fn a_send_travels_from_kyotaku_to_provider_and_its_delivery_is_visible() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    assert_eq!(files.len(), 3);
    let receipt = k.send(&files).await.expect("send");
    assert_eq!(receipt.receiver, houmon(&h));
    assert_eq!(receipt.status, "未受信");
    for (f, (name, bytes)) in receipt.files.iter().zip(&files) {
        assert_eq!(&f.name, name);
        assert_eq!(f.size, bytes.len() as u64);
        assert_eq!(f.sha256, hex::encode(Sha256::digest(bytes)));
    }

    let p = h.login("ok", 1).await;
    let inbox = p.inbox().await.expect("inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].sender, kyotaku(&h));
    assert_eq!(inbox[0].status, "未受信");
    assert_eq!(inbox[0].sent_at, "2026-11-24T10:00:00+09:00");
    h.clock.advance(Duration::minutes(30));
    for (name, bytes) in &files {
        let got = p.download(&receipt.send_id, name).await.expect("download");
        assert_eq!(&got, bytes, "the bytes come back unchanged");
    }
    assert_eq!(p.inbox().await.unwrap()[0].status, "受信済み");
    let sent = k.sent().await.expect("sent");
    assert_eq!(sent[0].status, "受信済み");
    assert_eq!(
        sent[0].received_at.as_deref(),
        Some("2026-11-24T10:30:00+09:00")
    );
    // Re-download is allowed.
    p.download(&receipt.send_id, &files[0].0)
        .await
        .expect("again");
    // One log line per request, naming office, endpoint and outcome.
    let log = h.log_lines();
    assert!(
        log.iter()
            .any(|l| l.contains(&kyotaku(&h)) && l.contains("POST /v1/sends 201 OK")),
        "{log:?}"
    );
}

#[tokio::test]
async fn the_handshake_refuses_expired_not_yet_valid_revoked_and_unknown_issuer_certificates() {
    let h = TestHub::start().await;
    for (expect, alert) in [
        ("expired", "TLS:certificate_expired"),
        ("not-yet-valid", "TLS:certificate_expired"),
        ("revoked", "TLS:certificate_revoked"),
        ("unknown-ca", "TLS:unknown_ca"),
    ] {
        let id = h.id(expect, 0);
        let c = h.client(&id.office);
        assert_eq!(
            code(c.login(&id.user_id, &id.password).await),
            alert,
            "{expect}"
        );
    }
    assert!(h
        .log_lines()
        .iter()
        .any(|l| l.contains("handshake refused")));
}

#[tokio::test]
async fn a_certificate_becomes_valid_and_expires_with_the_clock() {
    let h = TestHub::start().await;
    let id = h.id("not-yet-valid", 0).clone();
    h.clock.advance(Duration::days(31));
    let c = h.client(&id.office);
    c.login(&id.user_id, &id.password).await.expect("valid now");
    let ok = h.id("ok", 0).clone();
    h.clock.set(NOW + Duration::days(400));
    let c = h.client(&ok.office);
    assert_eq!(
        code(c.login(&ok.user_id, &ok.password).await),
        "TLS:unknown_ca",
        "the CRLs (nextUpdate after 365 days) expired before the certificate"
    );
    h.clock.set(NOW + Duration::days(365 * 3 + 1));
    let c = h.client(&ok.office);
    assert_eq!(
        code(c.login(&ok.user_id, &ok.password).await),
        "TLS:certificate_expired"
    );
}

#[tokio::test]
async fn an_expired_crl_is_unknown_revocation_status_and_refused() {
    let (w, ids) = common::demo_world();
    let h = TestHub::start_with(w, ids, |pki| {
        pki.set_crl_window(NOW - Duration::days(10), NOW - Duration::days(1));
    })
    .await;
    let ok = h.id("ok", 0);
    let c = h.client(&ok.office);
    assert_eq!(
        code(c.login(&ok.user_id, &ok.password).await),
        "TLS:unknown_ca"
    );
}

#[tokio::test]
async fn refused_certificate_types_get_nothing_served() {
    let h = TestHub::start().await;
    let id = h.id("wrong-type", 0);
    let c = h.client(&id.office);
    assert_eq!(
        code(c.login(&id.user_id, &id.password).await),
        "CERT_TYPE_REFUSED"
    );
    c.set_token(Some("x".into()));
    assert_eq!(code(c.inbox().await), "CERT_TYPE_REFUSED", "every endpoint");
    assert_eq!(code(c.sent().await), "CERT_TYPE_REFUSED");
}

#[tokio::test]
async fn care_dx_certificates_are_accepted_from_their_start_day() {
    let (mut w, ids) = common::demo_world();
    w.hub.care_dx_accepted_from = renkei_simulator::world::Day(time::macros::date!(2026 - 12 - 01));
    let h = TestHub::start_with(w, ids, |_| {}).await;
    let dx = h.id("ok", 2).clone();
    assert_eq!(
        code(h.client(&dx.office).login(&dx.user_id, &dx.password).await),
        "CERT_TYPE_REFUSED"
    );
    h.clock.set(time::macros::datetime!(2026-11-30 15:00 UTC)); // 2026-12-01 00:00 JST
    h.client(&dx.office)
        .login(&dx.user_id, &dx.password)
        .await
        .expect("accepted from 2026-12-01 JST");
}

#[tokio::test]
async fn a_disability_certificate_is_refused() {
    let (mut w, ids) = common::demo_world();
    let target = ids
        .iter()
        .find(|i| i.expect == "ok")
        .unwrap()
        .office
        .clone();
    let o = w.offices.iter_mut().find(|o| o.number == target).unwrap();
    o.certificate.cert_type = CertType::Disability;
    let h = TestHub::start_with(w, ids, |_| {}).await;
    let id = h.id("ok", 0);
    assert_eq!(
        code(h.client(&id.office).login(&id.user_id, &id.password).await),
        "CERT_TYPE_REFUSED"
    );
}

#[tokio::test]
async fn login_ids_proxy_ids_and_passwords() {
    let h = TestHub::start().await;
    let proxy = h.id("proxy-id", 0);
    let c = h.client(&proxy.office);
    assert_eq!(
        code(c.login(&proxy.user_id, &proxy.password).await),
        "AUTH_PROXY_ID"
    );
    let ok = h.id("ok", 0).clone();
    let c = h.client(&ok.office);
    assert_eq!(
        code(c.login("KJ12345", &ok.password).await),
        "AUTH_ID_FORMAT"
    );
    let tmp = h.id("temporary-password", 0);
    assert_eq!(
        code(
            h.client(&tmp.office)
                .login(&tmp.user_id, &tmp.password)
                .await
        ),
        "AUTH_TEMPORARY_PASSWORD"
    );
    // Three wrong passwords lock the ID for 30 minutes, even against the right password.
    assert_eq!(
        code(c.login(&ok.user_id, "Wrong12345").await),
        "AUTH_BAD_PASSWORD"
    );
    assert_eq!(
        code(c.login(&ok.user_id, "Wrong12345").await),
        "AUTH_BAD_PASSWORD"
    );
    assert_eq!(
        code(c.login(&ok.user_id, "Wrong12345").await),
        "AUTH_LOCKED"
    );
    assert_eq!(
        code(c.login(&ok.user_id, &ok.password).await),
        "AUTH_LOCKED"
    );
    h.clock.advance(Duration::minutes(31));
    c.login(&ok.user_id, &ok.password)
        .await
        .expect("unlocked after 30 minutes");
    // A right password resets the count.
    assert_eq!(
        code(c.login(&ok.user_id, "Wrong12345").await),
        "AUTH_BAD_PASSWORD"
    );
    c.login(&ok.user_id, &ok.password).await.expect("login");
    assert_eq!(
        code(c.login(&ok.user_id, "Wrong12345").await),
        "AUTH_BAD_PASSWORD"
    );
    assert_eq!(
        code(c.login(&ok.user_id, "Wrong12345").await),
        "AUTH_BAD_PASSWORD"
    );
}

#[tokio::test]
async fn an_expired_password_and_an_unregistered_office_cannot_log_in() {
    let (mut w, ids) = common::demo_world();
    let a = ids[0].office.clone();
    let b = ids[1].office.clone();
    w.offices
        .iter_mut()
        .find(|o| o.number == a)
        .unwrap()
        .password_state = PasswordState::Expired;
    w.offices
        .iter_mut()
        .find(|o| o.number == b)
        .unwrap()
        .registered = false;
    let h = TestHub::start_with(w, ids, |_| {}).await;
    let (ia, ib) = (h.id("ok", 0), h.id("ok", 1));
    assert_eq!(
        code(h.client(&ia.office).login(&ia.user_id, &ia.password).await),
        "AUTH_PASSWORD_EXPIRED"
    );
    assert_eq!(
        code(h.client(&ib.office).login(&ib.user_id, &ib.password).await),
        "OFFICE_NOT_REGISTERED"
    );
}

#[tokio::test]
async fn the_certificate_must_be_the_login_ids_office() {
    let h = TestHub::start().await;
    let (k, p) = (h.id("ok", 0), h.id("ok", 1));
    let c = h.client(&k.office);
    assert_eq!(
        code(c.login(&p.user_id, &p.password).await),
        "CERT_OFFICE_MISMATCH"
    );
}

#[tokio::test]
async fn login_warns_within_ninety_days_of_certificate_expiry() {
    let (w, ids) = common::demo_world();
    let target = ids[0].office.clone();
    let h = TestHub::start_with(w.clone(), ids, |pki| {
        let o = w.office(&target).unwrap();
        let spec = CertificateSpec {
            not_before: Some(Instant(NOW - Duration::days(300))),
            not_after: Some(Instant(NOW + Duration::days(60))),
            ..o.certificate.clone()
        };
        pki.issue_office(o, &spec, NOW, 1).unwrap();
    })
    .await;
    let id = h.id("ok", 0);
    let r = h
        .client(&id.office)
        .login(&id.user_id, &id.password)
        .await
        .unwrap();
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert_eq!(r.warnings[0].code, "CERT_EXPIRING");
    assert!(
        r.warnings[0].message.contains("2027-01-23"),
        "{}",
        r.warnings[0].message
    );
    let other = h.id("ok", 1);
    let r = h
        .client(&other.office)
        .login(&other.user_id, &other.password)
        .await
        .unwrap();
    assert!(r.warnings.is_empty());
    assert_eq!(r.office, other.office);
    assert_eq!(r.expires_at, "2026-11-24T11:00:00+09:00");
}

#[tokio::test]
async fn a_lapsed_licence_can_receive_but_not_send_and_nobody_can_send_to_it() {
    let h = TestHub::start().await;
    let lapsed = h.id("licence-expired", 0).clone();
    let c = h.client(&lapsed.office);
    let r = c
        .login(&lapsed.user_id, &lapsed.password)
        .await
        .expect("login is allowed");
    assert!(r.warnings.iter().any(|w| w.code == "LICENCE_EXPIRED"));
    let files = yotei_files(&lapsed.office, &houmon(&h), "20261124100000");
    assert_eq!(code(c.send(&files).await), "LICENCE_EXPIRED");
    let k = h.login("ok", 0).await;
    let to_lapsed = yotei_files(&kyotaku(&h), &lapsed.office, "20261124100001");
    assert_eq!(code(k.send(&to_lapsed).await), "RECEIVER_UNLICENSED");
}

#[tokio::test]
async fn a_licence_that_lapses_keeps_what_was_received() {
    let (mut w, ids) = common::demo_world();
    let p = ids[1].office.clone();
    let lic = w
        .offices
        .iter_mut()
        .find(|o| o.number == p)
        .unwrap()
        .licence
        .as_mut()
        .unwrap();
    lic.auto_renew = false;
    lic.end = renkei_simulator::world::Day(time::macros::date!(2026 - 11 - 30));
    let h = TestHub::start_with(w, ids, |_| {}).await;
    let k = h.login("ok", 0).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    let receipt = k.send(&files).await.unwrap();
    h.clock.advance(Duration::days(10));
    let pc = h.login("ok", 1).await;
    pc.download(&receipt.send_id, &files[0].0)
        .await
        .expect("download after the licence lapsed");
    let k = h.login("ok", 0).await;
    assert_eq!(
        code(
            k.send(&yotei_files(&kyotaku(&h), &houmon(&h), "20261204100000"))
                .await
        ),
        "RECEIVER_UNLICENSED"
    );
}

#[tokio::test]
async fn receivers_must_be_registered_licensed_and_someone_else() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    let unknown = renkei_spec::sample::office_number(27, '7', 5, 9999);
    assert_eq!(
        code(
            k.send(&yotei_files(&kyotaku(&h), &unknown, "20261124100000"))
                .await
        ),
        "RECEIVER_UNKNOWN"
    );
    assert_eq!(
        code(
            k.send(&yotei_files(&kyotaku(&h), &kyotaku(&h), "20261124100000"))
                .await
        ),
        "SAME_OFFICE"
    );
}

#[tokio::test]
async fn the_sender_in_every_file_name_must_be_the_logged_in_office() {
    let h = TestHub::start().await;
    let p = h.login("ok", 1).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    assert_eq!(code(p.send(&files).await), "SENDER_MISMATCH");
}

#[tokio::test]
async fn file_names_and_combinations_are_checked() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    let mut bad = files.clone();
    bad[0].0 = bad[0].0.replace("UPPLAN", "UPPLAM");
    assert_eq!(code(k.send(&bad).await), "FILE_NAME_INVALID");
    let mut bad = files.clone();
    bad[0].0 = bad[0].0.replace(".CSV", ".TXT");
    assert_eq!(code(k.send(&bad).await), "FILE_NAME_INVALID");
    assert_eq!(
        code(k.send(&files[..1]).await),
        "COMBINATION_INVALID",
        "第6表 alone"
    );
    let mut mixed = files.clone();
    mixed[1].0 = mixed[1].0.replace("20261124100000", "20261124100001");
    let e = k.send(&mixed).await.unwrap_err();
    assert_eq!(e.code(), "COMBINATION_INVALID");
    assert!(e.to_string().contains("ファイル連番"), "{e}");
    assert_eq!(
        code(k.send(&[]).await),
        "BAD_REQUEST",
        "an empty multipart body"
    );
    k.send(&files).await.expect("the whole unit is accepted");
}

#[tokio::test]
async fn limits_on_file_size_and_count() {
    let (mut w, ids) = common::demo_world();
    w.hub.max_file_bytes = 50_000;
    w.hub.max_files_per_send = 2;
    let h = TestHub::start_with(w, ids, |_| {}).await;
    let k = h.login("ok", 0).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    assert_eq!(code(k.send(&files).await), "TOO_MANY_FILES");
    let big = vec![(files[0].0.clone(), vec![b'1'; 50_001])];
    let e = k.send(&big).await.unwrap_err();
    assert_eq!(e.code(), "FILE_TOO_LARGE");
    assert!(matches!(e, ClientError::Hub { status: 413, .. }));
}

#[tokio::test]
async fn a_mailbox_is_read_only_by_its_receiver() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    let r = k.send(&files).await.unwrap();
    let other = h.login("ok", 2).await;
    assert!(other.inbox().await.unwrap().is_empty());
    assert_eq!(
        code(other.download(&r.send_id, &files[0].0).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(k.download(&r.send_id, &files[0].0).await),
        "NOT_FOUND",
        "not even the sender"
    );
    let p = h.login("ok", 1).await;
    assert_eq!(
        code(p.download(&r.send_id, "UPPLAN_none.CSV").await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(p.download("S99999999", &files[0].0).await),
        "NOT_FOUND"
    );
    p.download(&r.send_id, &files[0].0)
        .await
        .expect("the receiver can");
}

#[tokio::test]
async fn the_inbox_lists_sends_in_arrival_order() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    // The later ファイル連番 arrives first.
    let late = k
        .send(&yotei_files(&kyotaku(&h), &houmon(&h), "20261124110000"))
        .await
        .unwrap();
    let early = k
        .send(&yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000"))
        .await
        .unwrap();
    let p = h.login("ok", 1).await;
    let ids: Vec<String> = p
        .inbox()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.send_id)
        .collect();
    assert_eq!(ids, vec![late.send_id, early.send_id]);
}

#[tokio::test]
async fn a_sender_may_withdraw_until_the_send_is_received() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    let p = h.login("ok", 1).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    let r = k.send(&files).await.unwrap();
    let w = k.withdraw(&r.send_id).await.expect("withdraw");
    assert_eq!(w.status, "取消");
    assert!(
        p.inbox().await.unwrap().is_empty(),
        "gone from the receiver's list"
    );
    assert_eq!(code(p.download(&r.send_id, &files[0].0).await), "NOT_FOUND");
    assert_eq!(
        code(p.withdraw(&r.send_id).await),
        "NOT_FOUND",
        "only the sender withdraws"
    );
    // A corrected re-send may reuse the ファイル連番 once the first is withdrawn.
    let r2 = k.send(&files).await.unwrap();
    assert_ne!(r2.send_id, r.send_id);
    for (name, _) in &files {
        p.download(&r2.send_id, name).await.unwrap();
    }
    assert_eq!(code(k.withdraw(&r2.send_id).await), "ALREADY_RECEIVED");
}

#[tokio::test]
async fn files_expire_after_the_retention_period() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    let r = k.send(&files).await.unwrap();
    h.clock.advance(Duration::days(29));
    let p = h.login("ok", 1).await;
    assert_eq!(p.inbox().await.unwrap()[0].status, "未受信");
    h.clock.advance(Duration::days(2));
    let p = h.login("ok", 1).await;
    assert_eq!(p.inbox().await.unwrap()[0].status, "期限切れ");
    assert_eq!(
        code(p.download(&r.send_id, &files[0].0).await),
        "SEND_EXPIRED"
    );
    let k = h.login("ok", 0).await;
    assert_eq!(k.sent().await.unwrap()[0].status, "期限切れ");
}

#[tokio::test]
async fn a_repeated_send_is_stored_once() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    let a = k.send(&files).await.unwrap();
    let b = k
        .send(&files)
        .await
        .expect("a replay is answered with the original");
    assert_eq!(a.send_id, b.send_id);
    let mut other = files.clone();
    let last = other[2].1.len() - 3;
    other[2].1[last] = if other[2].1[last] == b'1' { b'2' } else { b'1' };
    assert_eq!(code(k.send(&other).await), "DUPLICATE_SEND");
    let p = h.login("ok", 1).await;
    assert_eq!(p.inbox().await.unwrap().len(), 1);
}

#[tokio::test]
async fn tokens_are_required_expire_and_belong_to_their_certificate() {
    let h = TestHub::start().await;
    let ok = h.id("ok", 0).clone();
    let c = h.client(&ok.office);
    assert_eq!(code(c.inbox().await), "NOT_LOGGED_IN");
    c.set_token(Some("not-a-token".into()));
    assert_eq!(code(c.inbox().await), "AUTH_TOKEN_INVALID");
    let r = c.login(&ok.user_id, &ok.password).await.unwrap();
    c.inbox().await.expect("with a token");
    let thief = h.client(&h.id("ok", 1).office);
    thief.set_token(Some(r.token.clone()));
    assert_eq!(
        code(thief.inbox().await),
        "AUTH_TOKEN_INVALID",
        "another certificate"
    );
    h.clock.advance(Duration::minutes(61));
    assert_eq!(code(c.inbox().await), "AUTH_TOKEN_INVALID", "expired");
}

#[tokio::test]
async fn strict_mode_refuses_invalid_files_with_their_diagnostics() {
    let (mut w, ids) = common::demo_world();
    w.hub.strict = true;
    let h = TestHub::start_with(w, ids, |_| {}).await;
    let k = h.login("ok", 0).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    let mut broken = files.clone();
    // A lone 0x81 lead byte at the start of the second line: a truncated MS932 sequence.
    let at = broken[0].1.iter().position(|&b| b == b'\n').unwrap() + 1;
    broken[0].1.insert(at, 0x81);
    let e = k.send(&broken).await.unwrap_err();
    let ClientError::Hub { code, details, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(code, "FILE_INVALID");
    let details = details.as_ref().expect("details");
    assert_eq!(details[0]["line"], 2, "{details}");
    k.send(&files).await.expect("valid files pass strict mode");
}

#[tokio::test]
async fn offices_can_be_looked_up() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    let p = k.office(&houmon(&h)).await.unwrap();
    assert!(p.registered);
    assert_eq!(p.name.as_deref(), Some("ひまわり訪問介護ステーション"));
    assert_eq!(p.licensed_until.as_deref(), Some("2027-05-07"));
    let lapsed = k.office(&h.id("licence-expired", 0).office).await.unwrap();
    assert!(lapsed.registered && lapsed.licensed_until.is_none());
    let none = k.office("2770599990").await.unwrap();
    assert!(!none.registered && none.name.is_none());
}

#[test]
fn hub_api_md_documents_every_error_code() {
    let md = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/HUB-API.md")).unwrap();
    for code in renkei_simulator::hub::HubError::CODES {
        assert!(
            md.contains(&format!("| `{code}`")),
            "HUB-API.md lacks {code}"
        );
    }
}

#[tokio::test]
async fn a_replay_may_list_its_files_in_any_order_and_an_expired_serial_is_free_again() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    let files = yotei_files(&kyotaku(&h), &houmon(&h), "20261124100000");
    let a = k.send(&files).await.unwrap();
    let mut reversed = files.clone();
    reversed.reverse();
    assert_eq!(k.send(&reversed).await.unwrap().send_id, a.send_id);
    h.clock.advance(Duration::days(31));
    let k = h.login("ok", 0).await;
    let again = k
        .send(&files)
        .await
        .expect("a purged send no longer holds its ファイル連番");
    assert_ne!(again.send_id, a.send_id);
    assert_eq!(again.status, "未受信");
}

#[tokio::test]
async fn the_licence_is_checked_before_anything_else_in_a_send() {
    let (mut w, ids) = common::demo_world();
    w.hub.max_files_per_send = 1;
    let h = TestHub::start_with(w, ids, |_| {}).await;
    let lapsed = h.id("licence-expired", 0).clone();
    let c = h.client(&lapsed.office);
    c.login(&lapsed.user_id, &lapsed.password).await.unwrap();
    let files = yotei_files(&lapsed.office, &houmon(&h), "20261124100000");
    assert_eq!(
        code(c.send(&files).await),
        "LICENCE_EXPIRED",
        "not TOO_MANY_FILES"
    );
}

#[tokio::test]
async fn a_sender_naming_another_office_to_itself_is_a_sender_mismatch() {
    let h = TestHub::start().await;
    let p = h.login("ok", 1).await;
    let files = yotei_files(&kyotaku(&h), &kyotaku(&h), "20261124100000");
    assert_eq!(code(p.send(&files).await), "SENDER_MISMATCH");
}

#[tokio::test]
async fn a_kept_alive_connection_is_not_served_past_the_certificates_end() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    k.inbox().await.unwrap();
    h.clock.advance(Duration::days(365 * 3 + 2));
    let got = code(k.inbox().await);
    assert!(
        got == "CERT_EXPIRED" || got == "TLS:certificate_expired",
        "refused either on the open connection or at a new handshake: {got}"
    );
}
