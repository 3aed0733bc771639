//! The hub client against faults the real hub rarely shows: 5xx answers, slow answers,
//! connections that drop. wiremock plays the hub over plain HTTP on loopback.

use std::time::Duration;

use renkei_simulator::client::{ClientError, ClientOptions, HubClient};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn options(attempts: u32) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_millis(500),
        connect_timeout: Duration::from_millis(500),
        attempts,
        backoff: Duration::from_millis(10),
    }
}

fn client(base: &str, attempts: u32) -> HubClient {
    let c = HubClient::new(base, None, options(attempts)).expect("client");
    c.set_token(Some("t".into()));
    c
}

fn inbox_body() -> serde_json::Value {
    serde_json::json!({"sends": [{"send_id": "S00000001", "sender": "1370101011",
        "files": [], "status": "未受信", "sent_at": "2026-11-24T10:00:00+09:00"}]})
}

#[tokio::test]
async fn a_5xx_is_retried_until_the_hub_answers() {
    let hub = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/inbox"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&hub)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/inbox"))
        .respond_with(ResponseTemplate::new(200).set_body_json(inbox_body()))
        .with_priority(2)
        .mount(&hub)
        .await;
    let c = client(&hub.uri(), 3);
    let inbox = c.inbox().await.expect("third try");
    assert_eq!(inbox[0].send_id, "S00000001");
    let ex = c.exchanges();
    let outcomes: Vec<&str> = ex.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["HTTP_503", "HTTP_503", "OK"]);
    assert_eq!(ex[2].attempt, 3);
}

#[tokio::test]
async fn retries_give_up_with_the_last_error() {
    let hub = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(serde_json::json!({"code": "INTERNAL", "message": "壊れました"})),
        )
        .mount(&hub)
        .await;
    let c = client(&hub.uri(), 2);
    match c.inbox().await {
        Err(ClientError::Hub {
            status: 500, code, ..
        }) => assert_eq!(code, "INTERNAL"),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.exchanges().len(), 2);
}

#[tokio::test]
async fn a_refusal_is_final_and_carries_the_hubs_code() {
    let hub = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/sends"))
        .respond_with(ResponseTemplate::new(403).set_body_json(
            serde_json::json!({"code": "LICENCE_EXPIRED", "message": "ライセンスが有効ではありません"}),
        ))
        .expect(1)
        .mount(&hub)
        .await;
    let c = client(&hub.uri(), 3);
    let e = c
        .send(&[("UPPLAN_x.CSV".into(), b"1\r\n".to_vec())])
        .await
        .unwrap_err();
    assert_eq!(e.code(), "LICENCE_EXPIRED");
    assert!(matches!(e, ClientError::Hub { status: 403, .. }));
    let got = &hub.received_requests().await.expect("recorded")[0];
    let ctype = got.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(ctype.starts_with("multipart/form-data"), "{ctype}");
    assert!(String::from_utf8_lossy(&got.body).contains("filename=\"UPPLAN_x.CSV\""));
}

#[tokio::test]
async fn a_slow_hub_times_out_and_is_retried() {
    let hub = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(inbox_body())
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&hub)
        .await;
    let c = client(&hub.uri(), 2);
    let e = c.inbox().await.unwrap_err();
    assert!(matches!(e, ClientError::Timeout(_)), "{e:?}");
    assert_eq!(
        c.exchanges()
            .iter()
            .map(|x| x.outcome.as_str())
            .collect::<Vec<_>>(),
        ["TIMEOUT", "TIMEOUT"]
    );
}

#[tokio::test]
async fn a_dropped_connection_is_a_connection_error_and_is_retried() {
    // A listener that accepts and closes at once: the client sees the connection reset or
    // closed before any answer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let n = accepts.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(s);
        }
    });
    let c = client(&format!("http://{addr}"), 3);
    let e = c.inbox().await.unwrap_err();
    assert!(matches!(e, ClientError::Connection(_)), "{e:?}");
    assert_eq!(c.exchanges().len(), 3);
    assert!(accepts.load(std::sync::atomic::Ordering::SeqCst) >= 3);
}

#[tokio::test]
async fn nothing_listening_is_a_connection_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = client(&format!("http://127.0.0.1:{port}"), 1);
    assert!(matches!(c.inbox().await, Err(ClientError::Connection(_))));
}

#[tokio::test]
async fn an_answer_that_is_not_the_api_is_a_protocol_error() {
    let hub = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&hub)
        .await;
    let c = client(&hub.uri(), 3);
    let e = c.inbox().await.unwrap_err();
    assert!(matches!(e, ClientError::Protocol(_)), "{e:?}");
    assert_eq!(c.exchanges().len(), 1, "not retried");
}
