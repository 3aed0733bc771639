//! The hub under hostile but fair clients (HUB-API.md, "Limits and timeouts"): each test sends
//! the bad thing, checks the documented refusal, then checks that a normal request still
//! works.

mod common;

use std::time::{Duration as StdDuration, Instant};

use common::raw::{self, file_part, multipart, read_head, request, write_head};
use common::{yotei_files, TestHub, NOW};
use renkei_simulator::client::{ClientIdentity, ClientOptions, HubClient};
use renkei_simulator::hub::Limits;
use renkei_simulator::pki::OfficeCert;
use renkei_simulator::world::World;
use time::Duration;
use tokio::io::AsyncWriteExt;

fn code<T: std::fmt::Debug>(r: Result<T, renkei_simulator::client::ClientError>) -> String {
    match r {
        Err(e) => e.code(),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

async fn hub_with(adjust_world: impl FnOnce(&mut World), limits: Limits) -> TestHub {
    let (mut w, ids) = common::demo_world();
    adjust_world(&mut w);
    TestHub::start_limited(w, ids, |_| {}, limits).await
}

fn client_for(h: &TestHub, cert: &OfficeCert) -> HubClient {
    let identity =
        ClientIdentity::from_pem(&h.pki.root_pem(), &cert.cert.chain_pem, &cert.cert.key_pem)
            .unwrap();
    HubClient::new(
        &h.server.url(),
        Some(identity),
        ClientOptions {
            attempts: 1,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

/// A normal send and its download still work (the end of every test).
async fn a_normal_exchange_works(h: &TestHub, serial: &str) {
    let k = h.login("ok", 0).await;
    let files = yotei_files(&h.id("ok", 0).office, &h.id("ok", 1).office, serial);
    let r = k
        .send(&files)
        .await
        .expect("a normal send after the bad one");
    let p = h.login("ok", 1).await;
    assert_eq!(
        p.download(&r.send_id, &files[0].0).await.unwrap(),
        files[0].1
    );
}

#[tokio::test]
async fn a_login_for_another_offices_id_is_refused_before_its_password_and_locks_nothing() {
    let h = TestHub::start().await;
    let mine = h.id("ok", 0).clone();
    let theirs = h.id("ok", 1).clone();
    let c = h.client(&mine.office);
    for password in ["wrong", "wrong", "wrong", "wrong", &theirs.password] {
        let e = c.login(&theirs.user_id, password).await.unwrap_err();
        assert_eq!(e.code(), "CERT_OFFICE_MISMATCH", "{e}");
        let text = e.to_string();
        assert!(
            !text.contains(&theirs.office),
            "the answer must not name the ID's office: {text}"
        );
    }
    // The right password gets the same answer as a wrong one: nothing is confirmed. And the
    // other office's ID is not locked.
    let them = h.client(&theirs.office);
    them.login(&theirs.user_id, &theirs.password)
        .await
        .expect("not locked out by another office");
    // An unknown ID gets the same answer too.
    assert_eq!(
        code(c.login("KJ999999999999", "x").await),
        "CERT_OFFICE_MISMATCH"
    );
}

#[tokio::test]
async fn lockout_counts_are_per_login_id_and_presenting_certificate() {
    let mut first: Option<OfficeCert> = None;
    let (w, ids) = common::demo_world();
    let office = ids
        .iter()
        .find(|i| i.expect == "ok")
        .unwrap()
        .office
        .clone();
    let h = TestHub::start_with(w.clone(), ids, |pki| {
        let o = w.office(&office).unwrap();
        first = Some(pki.issue_office(o, &o.certificate, NOW, 1).unwrap());
        pki.issue_office(o, &o.certificate, NOW, 1).unwrap();
    })
    .await;
    let id = h.id("ok", 0).clone();
    let second = h.pki.office(&office).unwrap().clone();
    let first = first.unwrap();
    assert_ne!(first.cert.chain_pem, second.cert.chain_pem);
    let a = client_for(&h, &first);
    assert_eq!(
        code(a.login(&id.user_id, "wrong").await),
        "AUTH_BAD_PASSWORD"
    );
    assert_eq!(
        code(a.login(&id.user_id, "wrong").await),
        "AUTH_BAD_PASSWORD"
    );
    assert_eq!(code(a.login(&id.user_id, "wrong").await), "AUTH_LOCKED");
    assert_eq!(
        code(a.login(&id.user_id, &id.password).await),
        "AUTH_LOCKED"
    );
    // The same ID with the office's other certificate is not locked.
    let b = client_for(&h, &second);
    b.login(&id.user_id, &id.password)
        .await
        .expect("another certificate is not locked");
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_certificate() {
    let h = hub_with(|w| w.hub.login_attempts_per_minute = 5, Limits::default()).await;
    let id = h.id("ok", 0).clone();
    let c = h.client(&id.office);
    for _ in 0..5 {
        c.login(&id.user_id, &id.password)
            .await
            .expect("within the rate");
    }
    let e = c.login(&id.user_id, &id.password).await.unwrap_err();
    assert_eq!(e.code(), "LOGIN_RATE_LIMITED", "{e}");
    assert_eq!(e.status(), Some(429));
    // Another certificate is not affected; the next minute the first one may log in again.
    h.login("ok", 1).await;
    h.clock.advance(Duration::minutes(1));
    c.login(&id.user_id, &id.password)
        .await
        .expect("next minute");
}

#[tokio::test]
async fn sessions_are_capped_per_certificate_and_pruned_when_expired() {
    let h = hub_with(|w| w.hub.sessions_per_certificate = 3, Limits::default()).await;
    let id = h.id("ok", 0).clone();
    let mut clients = Vec::new();
    for _ in 0..5 {
        let c = h.client(&id.office);
        c.login(&id.user_id, &id.password).await.unwrap();
        clients.push(c);
    }
    assert_eq!(h.hub.auth.counts().sessions, 3);
    assert_eq!(code(clients[0].inbox().await), "AUTH_TOKEN_INVALID");
    clients[4].inbox().await.expect("the newest session works");
    h.clock.advance(Duration::minutes(61));
    h.blocking(|hub| hub.maintain()).await.unwrap();
    let counts = h.hub.auth.counts();
    assert_eq!(
        (counts.sessions, counts.attempt_windows),
        (0, 0),
        "{counts:?}"
    );
}

/// A hub allowing 20 MiB files, and a send whose 第7表 is 12 MiB (lines repeated), so its
/// download cannot fit in the sockets' buffers; returns the hub, the sender's client, the
/// files and the receipt.
async fn big_send() -> (
    TestHub,
    HubClient,
    Vec<(String, Vec<u8>)>,
    renkei_simulator::client::SendReceipt,
) {
    let h = hub_with(
        |w| w.hub.max_file_bytes = 20 * 1024 * 1024,
        Limits::default(),
    )
    .await;
    let k = h.login("ok", 0).await;
    let (kyotaku, houmon) = (h.id("ok", 0).office.clone(), h.id("ok", 1).office.clone());
    let mut files = yotei_files(&kyotaku, &houmon, "20261124100000");
    let header_end = files[1].1.iter().position(|&b| b == b'\n').unwrap() + 1;
    let line = files[1].1[header_end..].to_vec();
    while files[1].1.len() < 12 * 1024 * 1024 {
        files[1].1.extend_from_slice(&line);
    }
    let r = k.send(&files).await.expect("send");
    (h, k, files, r)
}

/// A connection as `office` with a 16 KiB receive buffer, the GET of `path` written.
async fn slow_reader_get(
    h: &TestHub,
    office: &str,
    auth: &str,
    path: &str,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(16 * 1024).unwrap();
    let tcp = sock.connect(h.server.addr).await.unwrap();
    let cert = h.pki.office(office).unwrap().clone();
    let mut s = tokio_rustls::TlsConnector::from(raw::tls_config(h, Some(&cert)))
        .connect(rustls::pki_types::ServerName::from(h.server.addr.ip()), tcp)
        .await
        .unwrap();
    write_head(&mut s, "GET", path, &[("Authorization", auth)], None).await;
    s
}

#[tokio::test]
async fn head_records_nothing_and_a_download_broken_off_leaves_the_send_unreceived() {
    let (h, _k, files, r) = big_send().await;
    let houmon = h.id("ok", 1).office.clone();
    let (_, token) = raw::token(&h, "ok", 1).await;
    let auth = format!("Bearer {token}");
    // HEAD: the headers, and nothing recorded.
    for (name, bytes) in &files {
        let mut s = raw::connect(&h, &houmon).await;
        write_head(
            &mut s,
            "HEAD",
            &format!("/v1/inbox/{}/files/{name}", r.send_id),
            &[("Authorization", &auth)],
            None,
        )
        .await;
        let (status, headers, _) = read_head(&mut s).await;
        assert_eq!(status, 200);
        let len = headers.iter().find(|(n, _)| n == "content-length");
        assert_eq!(len.map(|(_, v)| v.clone()), Some(bytes.len().to_string()));
    }
    // GET the big file, read the head only, and go away.
    {
        let path = format!("/v1/inbox/{}/files/{}", r.send_id, files[1].0);
        let mut s = slow_reader_get(&h, &houmon, &auth, &path).await;
        let (status, _, _) = read_head(&mut s).await;
        assert_eq!(status, 200);
    }
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    // The other files downloaded in full: still 未受信, the big one was not handed over.
    let p = h.login("ok", 1).await;
    for (name, _) in [&files[0], &files[2]] {
        p.download(&r.send_id, name).await.unwrap();
    }
    assert_eq!(p.inbox().await.unwrap()[0].status, "未受信");
    assert_eq!(
        {
            let id = r.send_id.clone();
            h.blocking(move |hub| hub.store.get(&id))
                .await
                .unwrap()
                .unwrap()
                .files[1]
                .downloaded_at
        },
        None
    );
    // Downloading it in full makes the send 受信済み, seen by the next request.
    assert_eq!(
        p.download(&r.send_id, &files[1].0).await.unwrap(),
        files[1].1
    );
    assert_eq!(p.inbox().await.unwrap()[0].status, "受信済み");
}

#[tokio::test]
async fn a_login_body_over_its_limit_is_refused_with_json() {
    let h = TestHub::start().await;
    let id = h.id("ok", 0).clone();
    let mut s = raw::connect(&h, &id.office).await;
    let big = format!(
        r#"{{"user_id":"{}","password":"{}"}}"#,
        id.user_id,
        "x".repeat(64 * 1024)
    );
    let a = request(
        &mut s,
        "POST",
        "/v1/login",
        &[("Content-Type", "application/json")],
        big.as_bytes(),
    )
    .await;
    assert_eq!(
        (a.status, a.code().as_str()),
        (413, "BODY_TOO_LARGE"),
        "{}",
        a.text()
    );
    a_normal_exchange_works(&h, "20261124100001").await;
}

#[tokio::test]
async fn an_oversize_file_is_refused_with_json_while_the_client_is_still_sending() {
    let h = TestHub::start().await;
    let (office, token) = raw::token(&h, "ok", 0).await;
    let houmon = h.id("ok", 1).office.clone();
    let files = yotei_files(&office, &houmon, "20261124100000");
    let mut big = files[0].1.clone();
    big.resize(30 * 1024 * 1024, b'1');
    let (ctype, body) = multipart(&[(file_part(&files[0].0), big)]);
    let mut s = raw::connect(&h, &office).await;
    let auth = format!("Bearer {token}");
    write_head(
        &mut s,
        "POST",
        "/v1/sends",
        &[("Authorization", &auth), ("Content-Type", &ctype)],
        Some(body.len()),
    )
    .await;
    // Write the whole body as a careless client does, without reading first.
    let (mut rd, mut wr) = tokio::io::split(s);
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&body).await;
        let _ = wr.flush().await;
        wr
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        StdDuration::from_secs(20),
        tokio::io::AsyncReadExt::read_to_end(&mut rd, &mut answer),
    )
    .await;
    let _ = writer.await;
    assert!(
        read.is_ok(),
        "the hub answered and closed within the drain time"
    );
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("FILE_TOO_LARGE"), "{text}");
    a_normal_exchange_works(&h, "20261124100001").await;
}

#[tokio::test]
async fn a_send_over_the_office_quota_is_refused() {
    let h = hub_with(|w| w.hub.office_quota_bytes = 100_000, Limits::default()).await;
    let k = h.login("ok", 0).await;
    let (kyotaku, houmon) = (h.id("ok", 0).office.clone(), h.id("ok", 1).office.clone());
    let files = yotei_files(&kyotaku, &houmon, "20261124100000");
    let size: usize = files.iter().map(|f| f.1.len()).sum();
    let mut sent = 0;
    let mut n = 0;
    let refusal = loop {
        let serial = format!("2026112410{:02}{:02}", n / 60, n % 60);
        n += 1;
        match k.send(&yotei_files(&kyotaku, &houmon, &serial)).await {
            Ok(_) => sent += size,
            Err(e) => break e,
        }
        assert!(n < 100, "the quota never refused");
    };
    assert_eq!(refusal.code(), "QUOTA_EXCEEDED", "{refusal}");
    assert!(sent <= 100_000 && sent + size > 100_000, "{sent} + {size}");
    // Another office is not affected; downloads go on, and once received, the sender's
    // stored bytes … are still its own: a withdrawal makes room.
    let first = k.sent().await.unwrap()[0].send_id.clone();
    k.withdraw(&first).await.unwrap();
    k.send(&yotei_files(&kyotaku, &houmon, "20261124200000"))
        .await
        .expect("room after a withdrawal");
}

/// `POST /v1/sends` of one one-byte file under `name`, on a connection of its own.
async fn send_one_file_named(h: &TestHub, office: &str, auth: &str, name: &str) -> raw::Answer {
    let (ctype, body) = multipart(&[(file_part(name), b"x".to_vec())]);
    let mut s = raw::connect(h, office).await;
    request(
        &mut s,
        "POST",
        "/v1/sends",
        &[("Authorization", auth), ("Content-Type", &ctype)],
        &body,
    )
    .await
}

/// A send unit well past the 64 KiB header gauge goes through over TLS, raw and through the
/// client. (Whether a part's header shares a large frame with its content depends on the
/// connection's timing; `hub::upload`'s unit tests pin that case with one-frame bodies.)
#[tokio::test]
async fn a_send_unit_of_hundreds_of_kilobytes_written_at_once_is_accepted() {
    let h = TestHub::start().await;
    let (office, token) = raw::token(&h, "ok", 0).await;
    let auth = format!("Bearer {token}");
    let mut files = yotei_files(&office, &h.id("ok", 1).office, "20261124150000");
    for (_, bytes) in files.iter_mut() {
        let record = bytes.clone();
        while bytes.len() < 400_000 {
            bytes.extend_from_slice(&record);
        }
    }
    let parts: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(n, b)| (file_part(n), b.clone()))
        .collect();
    let (ctype, body) = multipart(&parts);
    let mut s = raw::connect(&h, &office).await;
    let a = request(
        &mut s,
        "POST",
        "/v1/sends",
        &[("Authorization", &auth), ("Content-Type", &ctype)],
        &body,
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text());
    // And through the client, as vendors' software sends.
    files
        .iter_mut()
        .for_each(|(n, _)| *n = n.replace("20261124150000", "20261124150001"));
    let k = h.login("ok", 0).await;
    let r = k
        .send(&files)
        .await
        .expect("a 1.2 MB unit through the client");
    let p = h.login("ok", 1).await;
    assert_eq!(
        p.download(&r.send_id, &files[1].0).await.unwrap(),
        files[1].1
    );
}

#[tokio::test]
async fn echoed_input_is_cut() {
    let h = TestHub::start().await;
    let (office, token) = raw::token(&h, "ok", 0).await;
    let auth = format!("Bearer {token}");
    // A 50,000-character name: the answer repeats 120 characters and says how long it was.
    let long = format!("UPPLAN_{}.CSV", "A".repeat(50_000));
    let a = send_one_file_named(&h, &office, &auth, &long).await;
    assert_eq!(a.status, 400, "{}", a.text());
    assert!(a.body.len() < 4096, "a {} byte answer", a.body.len());
    assert!(a.text().contains("50011 文字"), "{}", a.text());
    // A 1 MB name is a header block past its limit: refused without buffering it.
    let huge = format!("UPPLAN_{}.CSV", "A".repeat(1_000_000));
    let a = send_one_file_named(&h, &office, &auth, &huge).await;
    assert_eq!(a.status, 400, "{}", a.text());
    assert!(a.body.len() < 4096, "a {} byte answer", a.body.len());
    assert!(a.text().contains("見出し"), "{}", a.text());
    // A long login ID is cut too.
    let c = h.client(&office);
    let e = c.login(&"K".repeat(3000), "x").await.unwrap_err();
    assert_eq!(e.code(), "AUTH_ID_FORMAT");
    assert!(e.to_string().len() < 1000, "{}", e.to_string().len());
}

#[tokio::test]
async fn wrong_methods_and_undecodable_paths_get_the_documented_json_error() {
    let h = TestHub::start().await;
    let (office, token) = raw::token(&h, "ok", 0).await;
    let auth = format!("Bearer {token}");
    let mut s = raw::connect(&h, &office).await;
    let a = request(&mut s, "PUT", "/v1/inbox", &[("Authorization", &auth)], b"").await;
    assert_eq!((a.status, a.code().as_str()), (405, "METHOD_NOT_ALLOWED"));
    let a = request(
        &mut s,
        "GET",
        "/v1/inbox/%FF%FE/files/x",
        &[("Authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(
        (a.status, a.code().as_str()),
        (400, "BAD_REQUEST"),
        "{}",
        a.text()
    );
    let a = request(
        &mut s,
        "GET",
        "/v1/sends?after=../../x",
        &[("Authorization", &auth)],
        b"",
    )
    .await;
    assert_eq!(
        (a.status, a.code().as_str()),
        (400, "BAD_REQUEST"),
        "{}",
        a.text()
    );
    let a = request(&mut s, "GET", "/nowhere", &[], b"").await;
    assert_eq!((a.status, a.code().as_str()), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn file_names_the_rule_cannot_judge_get_a_message_that_says_why() {
    let h = TestHub::start().await;
    let (office, token) = raw::token(&h, "ok", 0).await;
    let auth = format!("Bearer {token}");
    let cases: [(&[u8], &str); 4] = [
        (
            b"form-data; name=\"file\"; filename*=UTF-8''UPPLAN_%E3%81%82.CSV",
            "filename*=",
        ),
        (
            b"form-data; name=\"file\"; filename=\"UPPLAN_\xff\xfe.CSV\"",
            "UTF-8",
        ),
        (
            b"form-data; name=\"file\"; filename=\"UPPLAN%0D%0Ax.CSV\"",
            "制御文字",
        ),
        (
            b"form-data; name=\"file\"; filename=\"UPPLAN\tx.CSV\"",
            "制御文字",
        ),
    ];
    for (disposition, says) in cases {
        let boundary = "b0undary";
        let mut body = format!("--{boundary}\r\nContent-Disposition: ").into_bytes();
        body.extend_from_slice(disposition);
        body.extend_from_slice(format!("\r\n\r\nabc\r\n--{boundary}--\r\n").as_bytes());
        let mut s = raw::connect(&h, &office).await;
        let ctype = format!("multipart/form-data; boundary={boundary}");
        let a = request(
            &mut s,
            "POST",
            "/v1/sends",
            &[("Authorization", &auth), ("Content-Type", &ctype)],
            &body,
        )
        .await;
        assert_eq!(a.status, 400, "{}", a.text());
        assert!(a.text().contains(says), "{says}: {}", a.text());
    }
    a_normal_exchange_works(&h, "20261124100001").await;
}

#[tokio::test]
async fn a_body_slower_than_the_minimum_rate_is_refused() {
    let limits = Limits {
        body_grace: StdDuration::from_millis(800),
        body_min_bytes_per_second: 16 * 1024,
        ..Limits::default()
    };
    let h = hub_with(|_| {}, limits).await;
    let (office, token) = raw::token(&h, "ok", 0).await;
    let houmon = h.id("ok", 1).office.clone();
    let files = yotei_files(&office, &houmon, "20261124100000");
    let (ctype, body) = multipart(&[(file_part(&files[0].0), files[0].1.clone())]);
    let mut s = raw::connect(&h, &office).await;
    let auth = format!("Bearer {token}");
    write_head(
        &mut s,
        "POST",
        "/v1/sends",
        &[("Authorization", &auth), ("Content-Type", &ctype)],
        Some(body.len()),
    )
    .await;
    let started = Instant::now();
    let (mut rd, mut wr) = tokio::io::split(s);
    let trickle = tokio::spawn(async move {
        for b in body.chunks(64) {
            if wr.write_all(b).await.is_err() || wr.flush().await.is_err() {
                return;
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        StdDuration::from_secs(15),
        tokio::io::AsyncReadExt::read_to_end(&mut rd, &mut answer),
    )
    .await;
    trickle.abort();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("BODY_TOO_SLOW"), "{text}");
    assert!(started.elapsed() < StdDuration::from_secs(10));
    a_normal_exchange_works(&h, "20261124100001").await;
}

#[tokio::test]
async fn connections_per_certificate_are_capped_with_a_clear_refusal() {
    let limits = Limits {
        max_connections_per_certificate: 2,
        ..Limits::default()
    };
    let h = hub_with(|_| {}, limits).await;
    let office = h.id("ok", 0).office.clone();
    let mut a = raw::connect(&h, &office).await;
    let mut b = raw::connect(&h, &office).await;
    let mut c = raw::connect(&h, &office).await;
    let r = request(&mut c, "GET", "/v1/inbox", &[], b"").await;
    assert_eq!((r.status, r.code().as_str()), (503, "TOO_MANY_CONNECTIONS"));
    for s in [&mut a, &mut b] {
        let r = request(s, "GET", "/v1/inbox", &[], b"").await;
        assert_eq!(r.code(), "AUTH_TOKEN_INVALID", "the first two are served");
    }
    drop((a, b, c));
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    a_normal_exchange_works(&h, "20261124100001").await;
}

#[tokio::test]
async fn refused_handshakes_are_logged_within_a_budget() {
    let h = TestHub::start().await;
    for _ in 0..40 {
        let tcp = tokio::net::TcpStream::connect(h.server.addr).await.unwrap();
        let tls = tokio_rustls::TlsConnector::from(raw::tls_config(&h, None))
            .connect(rustls::pki_types::ServerName::from(h.server.addr.ip()), tcp)
            .await;
        if let Ok(mut s) = tls {
            let _ = s.write_all(b"GET / HTTP/1.1\r\n\r\n").await;
            let mut buf = [0u8; 64];
            let _ = tokio::io::AsyncReadExt::read(&mut s, &mut buf).await;
        }
    }
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    let refused = |log: &[String]| log.iter().filter(|l| l.contains("handshake")).count();
    let log = h.log_lines();
    assert_eq!(refused(&log), 10, "{log:#?}");
    // The next minute begins with a summary of what was left out.
    h.clock.advance(Duration::minutes(1));
    let tcp = tokio::net::TcpStream::connect(h.server.addr).await.unwrap();
    let _ = tokio_rustls::TlsConnector::from(raw::tls_config(&h, None))
        .connect(rustls::pki_types::ServerName::from(h.server.addr.ip()), tcp)
        .await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let log = h.log_lines();
    assert!(log.iter().any(|l| l.contains("30 件省略")), "{log:#?}");
}

#[tokio::test]
async fn a_thousand_half_open_connections_do_not_slow_a_normal_login() {
    let h = TestHub::start().await;
    // From another loopback address, so the per-address cap applies to them, not to us.
    let mut idle = Vec::new();
    for _ in 0..1000 {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        match sock.connect(h.server.addr).await {
            Ok(s) => idle.push(s),
            Err(e) => panic!("connect: {e}"),
        }
    }
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let id = h.id("ok", 0).clone();
    let started = Instant::now();
    let c = h.client(&id.office);
    c.login(&id.user_id, &id.password).await.expect("login");
    let took = started.elapsed();
    eprintln!("login with 1000 half-open connections open: {took:?}");
    assert!(took < StdDuration::from_millis(1000), "{took:?}");
    let log = h.log_lines();
    assert!(
        log.iter().any(|l| l.contains("connection refused")),
        "the connections past the per-address cap were refused: {log:#?}"
    );
    drop(idle);
    a_normal_exchange_works(&h, "20261124100001").await;
}

#[tokio::test]
async fn lists_come_in_pages_over_http() {
    let h = TestHub::start().await;
    let k = h.login("ok", 0).await;
    let (kyotaku, houmon) = (h.id("ok", 0).office.clone(), h.id("ok", 1).office.clone());
    for i in 0..5 {
        k.send(&yotei_files(
            &kyotaku,
            &houmon,
            &format!("2026112410000{i}"),
        ))
        .await
        .unwrap();
    }
    let p = h.login("ok", 1).await;
    let (first, next): (Vec<serde_json::Value>, _) = p.page("/v1/inbox", None, 2).await.unwrap();
    assert_eq!(first.len(), 2);
    let next = next.expect("more pages");
    let (second, _): (Vec<serde_json::Value>, _) =
        p.page("/v1/inbox", Some(&next), 2).await.unwrap();
    assert_eq!(second[0]["send_id"], "S00000003");
    assert_eq!(
        p.inbox().await.unwrap().len(),
        5,
        "the client walks every page"
    );
}

#[tokio::test]
async fn concurrent_sends_of_one_office_cannot_pass_the_quota_together() {
    let h = hub_with(|w| w.hub.office_quota_bytes = 100_000, Limits::default()).await;
    let (kyotaku, houmon) = (h.id("ok", 0).office.clone(), h.id("ok", 1).office.clone());
    let size: usize = yotei_files(&kyotaku, &houmon, "20261124100000")
        .iter()
        .map(|f| f.1.len())
        .sum();
    let mut tasks = Vec::new();
    for n in 0..8u32 {
        let k = h.login("ok", 0).await;
        let files = yotei_files(&kyotaku, &houmon, &format!("20261124110{n:03}"));
        tasks.push(tokio::spawn(async move { k.send(&files).await }));
    }
    let mut stored = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => stored += 1,
            Err(e) => assert_eq!(e.code(), "QUOTA_EXCEEDED", "{e}"),
        }
    }
    assert!(
        stored >= 1 && stored * size <= 100_000,
        "{stored} sends of {size} bytes stored"
    );
}

#[tokio::test]
async fn a_download_whose_send_is_withdrawn_meanwhile_does_not_end_as_a_whole_file() {
    let (h, k, files, r) = big_send().await;
    let houmon = h.id("ok", 1).office.clone();
    let (_, token) = raw::token(&h, "ok", 1).await;
    let auth = format!("Bearer {token}");
    let path = format!("/v1/inbox/{}/files/{}", r.send_id, files[1].0);
    let mut s = slow_reader_get(&h, &houmon, &auth, &path).await;
    let (status, _, mut body) = read_head(&mut s).await;
    assert_eq!(status, 200);
    // The sender withdraws while the body is still on its way.
    assert_eq!(k.withdraw(&r.send_id).await.unwrap().status, "取消");
    let _ = tokio::time::timeout(
        StdDuration::from_secs(20),
        tokio::io::AsyncReadExt::read_to_end(&mut s, &mut body),
    )
    .await;
    assert!(
        body.len() > 1024 * 1024,
        "the bytes kept coming: {}",
        body.len()
    );
    assert!(
        !body.ends_with(b"0\r\n\r\n"),
        "the body must not end with its closing chunk"
    );
    let sent = k.sent().await.unwrap();
    assert_eq!(sent[0].status, "取消", "withdrawn, and not received");
}
