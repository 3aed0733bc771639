//! Memory under oversize sends: four clients at once each send 190 MiB of 画像 files (20
//! parts of 9.5 MiB, every part within `max_file_bytes`). The office quota (128 MiB) refuses
//! each with `QUOTA_EXCEEDED` while the body is still coming, and the hub's memory stays
//! bounded because parts are streamed to temporary files, not collected. Its own test
//! binary, so the process's peak RSS is this test's.

mod common;

use std::time::Duration;

use common::raw::{self, write_head};
use common::TestHub;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PART: usize = 9 * 1024 * 1024 + 512 * 1024;
const PARTS: usize = 20;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn oversize_send(h: &TestHub, office: &str, token: &str, houmon: &str) -> String {
    let boundary = "img-boundary";
    let part_head = |i: usize| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"UPKIHON_IMAGE_{office}_43_{houmon}_11_20261124100000_{:04}.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n",
            i + 1
        )
    };
    let tail = format!("--{boundary}--\r\n");
    let len: usize = (0..PARTS)
        .map(|i| part_head(i).len() + PART + 2)
        .sum::<usize>()
        + tail.len();
    let mut s = raw::connect(h, office).await;
    let auth = format!("Bearer {token}");
    let ctype = format!("multipart/form-data; boundary={boundary}");
    write_head(
        &mut s,
        "POST",
        "/v1/sends",
        &[("Authorization", &auth), ("Content-Type", &ctype)],
        Some(len),
    )
    .await;
    let (mut rd, mut wr) = tokio::io::split(s);
    let heads: Vec<String> = (0..PARTS).map(part_head).collect();
    let writer = tokio::spawn(async move {
        let chunk = vec![0xA5u8; 1024 * 1024];
        for head in heads {
            if wr.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut left = PART;
            while left > 0 {
                let n = left.min(chunk.len());
                if wr.write_all(&chunk[..n]).await.is_err() {
                    return;
                }
                left -= n;
            }
            if wr.write_all(b"\r\n").await.is_err() {
                return;
            }
        }
        let _ = wr.write_all(tail.as_bytes()).await;
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(60), rd.read_to_end(&mut answer)).await;
    writer.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_concurrent_190_mib_sends_are_refused_by_the_quota_in_bounded_memory() {
    let h = TestHub::start().await;
    let houmon = h.id("ok", 1).office.clone();
    let (office, token) = raw::token(&h, "ok", 0).await;
    let before = peak_rss_kib();
    let (a, b, c, d) = tokio::join!(
        oversize_send(&h, &office, &token, &houmon),
        oversize_send(&h, &office, &token, &houmon),
        oversize_send(&h, &office, &token, &houmon),
        oversize_send(&h, &office, &token, &houmon),
    );
    let answers = [a, b, c, d];
    let after = peak_rss_kib();
    for a in &answers {
        assert!(a.starts_with("HTTP/1.1 413"), "{}", &a[..a.len().min(300)]);
        assert!(a.contains("QUOTA_EXCEEDED"), "{a}");
    }
    eprintln!(
        "peak RSS: {} MiB before, {} MiB after four concurrent 190 MiB sends (growth {} MiB)",
        before / 1024,
        after / 1024,
        after.saturating_sub(before) / 1024
    );
    assert!(
        after.saturating_sub(before) < 100 * 1024,
        "peak RSS grew by {} MiB",
        after.saturating_sub(before) / 1024
    );
    // Nothing of the refused sends is stored.
    let stored = h
        .blocking(move |hub| {
            hub.store
                .live_bytes(&office, common::NOW - time::Duration::days(30))
        })
        .await
        .unwrap();
    assert_eq!(stored, 0);
}
