//! The store's rules as tests any [`Store`] must pass: each function takes a fresh, empty
//! store and panics where it breaks a rule. `sqlite.rs` and `postgres.rs` run them all.
#![allow(clippy::unwrap_used)]

use time::macros::datetime;

use super::{NewFile, NewSend, PageRequest, SendStatus, Store, StoreError};

/// A two-file send from 1310101011 to 1310102019 under `serial`.
pub fn send(serial: &str) -> NewSend {
    NewSend {
        sender: "1310101011".into(),
        receiver: "1310102019".into(),
        serial: serial.into(),
        sent_at: datetime!(2026-11-24 01:00 UTC),
        files: vec![
            NewFile::in_memory("a.CSV", b"1,2\r\n".to_vec()),
            NewFile::in_memory("b.CSV", b"3\r\n".to_vec()),
        ],
    }
}

pub fn a_send_goes_from_unreceived_to_received_when_every_file_is_downloaded(s: &dyn Store) {
    let r = s.insert_send(send("20261124100000")).unwrap();
    assert_eq!(r.status(), SendStatus::Unreceived);
    assert_eq!(r.id, "S00000001");
    assert_eq!(r.files.len(), 2);
    assert_eq!(r.files[0].size, 5);
    assert_eq!(
        s.sent_to("1310102019", &PageRequest::first())
            .unwrap()
            .sends
            .len(),
        1
    );
    assert_eq!(s.file_bytes(&r.id, "b.CSV").unwrap().unwrap(), b"3\r\n");
    let t = datetime!(2026-11-24 02:00 UTC);
    assert_eq!(s.file_bytes(&r.id, "a.CSV").unwrap().unwrap(), b"1,2\r\n");
    assert_eq!(
        s.get(&r.id).unwrap().unwrap().status(),
        SendStatus::Unreceived,
        "reading a file records nothing"
    );
    let r1 = s.mark_downloaded(&r.id, "a.CSV", t).unwrap().unwrap();
    assert_eq!(r1.status(), SendStatus::Unreceived);
    let r2 = s.mark_downloaded(&r.id, "b.CSV", t).unwrap().unwrap();
    assert_eq!(r2.status(), SendStatus::Received);
    assert_eq!(r2.received_at, Some(t));
    // A second download changes nothing.
    let r3 = s
        .mark_downloaded(&r.id, "a.CSV", t + time::Duration::hours(1))
        .unwrap()
        .unwrap();
    assert_eq!(r3, r2);
    assert!(s.mark_downloaded(&r.id, "none.CSV", t).unwrap().is_none());
    // A received send cannot be withdrawn: the record says so.
    let w = s.withdraw(&r.id, t).unwrap();
    assert_eq!(w.status(), SendStatus::Received);
}

pub fn a_second_live_send_with_the_same_serial_is_refused_until_withdrawn(s: &dyn Store) {
    let r = s.insert_send(send("20261124100000")).unwrap();
    assert!(matches!(
        s.insert_send(send("20261124100000")),
        Err(StoreError::Duplicate(id)) if id == r.id
    ));
    assert_eq!(
        s.find_live("1310101011", "1310102019", "20261124100000")
            .unwrap()
            .map(|r| r.id),
        Some(r.id.clone())
    );
    let w = s.withdraw(&r.id, datetime!(2026-11-24 03:00 UTC)).unwrap();
    assert_eq!(w.status(), SendStatus::Withdrawn);
    assert!(s
        .sent_to("1310102019", &PageRequest::first())
        .unwrap()
        .sends
        .is_empty());
    assert_eq!(
        s.sent_by("1310101011", &PageRequest::first())
            .unwrap()
            .sends
            .len(),
        1
    );
    assert_eq!(s.file_bytes(&r.id, "a.CSV").unwrap(), None);
    assert!(s
        .mark_downloaded(&r.id, "a.CSV", w.sent_at)
        .unwrap()
        .is_none());
    let again = s.insert_send(send("20261124100000")).unwrap();
    assert_ne!(again.id, r.id);
}

pub fn retention_purges_bytes_and_keeps_the_record(s: &dyn Store) {
    let r = s.insert_send(send("20261124100000")).unwrap();
    let now = datetime!(2026-12-30 00:00 UTC);
    let month = time::Duration::days(30);
    assert_eq!(s.purge_before(now - month, now).unwrap(), 1);
    let r = s.get(&r.id).unwrap().unwrap();
    assert_eq!(r.status(), SendStatus::Expired);
    assert_eq!(r.purged_at, Some(now));
    assert_eq!(s.file_bytes(&r.id, "a.CSV").unwrap(), None);
    assert_eq!(s.purge_before(now - month, now).unwrap(), 0);
    // An expired send no longer holds its ファイル連番, and cannot be withdrawn.
    assert_eq!(
        s.withdraw(&r.id, now).unwrap().status(),
        SendStatus::Expired
    );
    assert_eq!(
        s.find_live("1310101011", "1310102019", "20261124100000")
            .unwrap(),
        None
    );
    s.insert_send(send("20261124100000")).unwrap();
}

pub fn lists_come_in_pages_in_arrival_order(s: &dyn Store) {
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(s.insert_send(send(&format!("202611241{i:05}"))).unwrap().id);
    }
    let mut seen = Vec::new();
    let mut page = PageRequest {
        after: None,
        limit: 10,
    };
    let mut pages = 0;
    loop {
        let p = s.sent_to("1310102019", &page).unwrap();
        assert!(p.sends.len() <= 10);
        assert!(p.sends.iter().all(|r| r.files.len() == 2));
        seen.extend(p.sends.iter().map(|r| r.id.clone()));
        pages += 1;
        match p.next_after {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    assert_eq!((pages, seen), (3, ids.clone()));
    let p = s.sent_by("1310101011", &PageRequest::first()).unwrap();
    assert_eq!((p.sends.len(), p.next_after), (25, None));
    assert!(s
        .sent_by("1310102019", &PageRequest::first())
        .unwrap()
        .sends
        .is_empty());
}

pub fn the_quota_counts_live_bytes_only(s: &dyn Store) {
    let t = datetime!(2026-11-24 01:00 UTC);
    let r = s.insert_send(send("20261124100000")).unwrap();
    s.insert_send(send("20261124100001")).unwrap();
    assert_eq!(s.live_bytes("1310101011", t).unwrap(), 16);
    s.withdraw(&r.id, t).unwrap();
    assert_eq!(s.live_bytes("1310101011", t).unwrap(), 8);
    assert_eq!(
        s.live_bytes("1310101011", t + time::Duration::hours(1))
            .unwrap(),
        0,
        "sends before the cutoff do not count"
    );
    assert_eq!(s.live_bytes("1310102019", t).unwrap(), 0);
}

/// 16 threads each store 20 sends at once; returns every 送信ID answered, after checking
/// that there are 320 and all differ.
pub fn concurrent_sends_each_get_their_own_id<S: Store + 'static>(
    s: &std::sync::Arc<S>,
) -> Vec<String> {
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                (0..20)
                    .map(|i| {
                        let mut n = send(&format!("2026112{t:02}{i:05}0"));
                        n.receiver = format!("13101{t:05}");
                        s.insert_send(n).unwrap().id
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let ids: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!((ids.len(), distinct.len()), (320, 320));
    ids
}

/// A send with files of these sizes (distinct bytes in each), from 1310101011 to 1310102019.
pub fn sized(serial: &str, sizes: &[usize]) -> NewSend {
    let files = sizes
        .iter()
        .enumerate()
        .map(|(n, size)| {
            let seed = 3 + 2 * n as u8;
            let body = (0..*size)
                .map(|i| (i as u8).wrapping_mul(seed) ^ (i >> 8) as u8)
                .collect();
            NewFile::in_memory(format!("f{n}.CSV"), body)
        })
        .collect();
    NewSend {
        files,
        ..send(serial)
    }
}

/// Sends on both sides of [`super::INLINE_SEND_BYTES`] (a small send is stored whole with its
/// rows, a large one file by file) are answered with the same record and read back
/// byte-identical; a duplicate of each is refused; withdrawing either takes its bytes.
pub fn small_and_large_sends_read_back_byte_identical(s: &dyn Store) {
    let limit = super::INLINE_SEND_BYTES as usize;
    let shapes: [&[usize]; 4] = [
        &[20_000, 15_000, 5_000],
        &[limit - 1000, 1000],
        &[limit - 1000, 1001],
        &[150_000, 150_000, 7],
    ];
    let mut ids = Vec::new();
    for (n, sizes) in shapes.iter().enumerate() {
        let serial = format!("2026112410000{n}");
        let r = s.insert_send(sized(&serial, sizes)).unwrap();
        assert_eq!(Some(&r), s.get(&r.id).unwrap().as_ref(), "{serial}");
        assert_eq!(r.files.len(), sizes.len());
        let sent = sized(&serial, sizes);
        for (f, got) in sent.files.iter().zip(&r.files) {
            assert_eq!(
                (&f.name, f.size, &f.sha256),
                (&got.name, got.size, &got.sha256)
            );
            let bytes = s.file_bytes(&r.id, &f.name).unwrap().unwrap();
            assert!(
                bytes == f.body.read().unwrap().as_ref(),
                "{serial} {}",
                f.name
            );
        }
        match s.insert_send(sized(&serial, sizes)) {
            Err(StoreError::Duplicate(id)) => assert_eq!(id, r.id),
            other => panic!("{serial}: a duplicate was not refused: {other:?}"),
        }
        ids.push(r.id);
    }
    let t = datetime!(2026-11-24 02:00 UTC);
    for id in [&ids[0], &ids[3]] {
        assert_eq!(s.withdraw(id, t).unwrap().status(), SendStatus::Withdrawn);
        assert_eq!(s.file_bytes(id, "f0.CSV").unwrap(), None);
    }
    assert_eq!(
        s.file_bytes(&ids[2], "f1.CSV").unwrap().unwrap().len(),
        1001
    );
}
