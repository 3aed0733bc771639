//! The hub's HTTP API (simulator/HUB-RULES.md; documented with curl examples in `simulator/HUB-API.md`).
//! Handlers only translate HTTP to the rules in [`super::Hub`] and back; the body of a send
//! is streamed ([`upload`]), never collected whole in memory.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::{clip, HubError};
use super::upload;
use super::{Hub, PeerIdentity, Session};
use crate::clock::rfc3339;
use crate::store::{Page, PageRequest, SendRecord};

/// The outcome code of a request, for the request log.
#[derive(Debug, Clone, Copy)]
pub struct Outcome(pub &'static str);

/// The longest message an error answer carries (client input inside it is cut by [`clip`]).
const MESSAGE_CHARS: usize = 2000;

impl IntoResponse for HubError {
    fn into_response(self) -> Response {
        let message: String = self.to_string().chars().take(MESSAGE_CHARS).collect();
        let mut body = json!({"code": self.code(), "message": message});
        if let HubError::FileInvalid(problems) = &self {
            let cut: Vec<_> = problems
                .iter()
                .take(50)
                .map(|p| super::error::FileProblem {
                    file: clip(&p.file),
                    message: clip(&p.message),
                    ..p.clone()
                })
                .collect();
            body["details"] = json!(cut);
        }
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let mut r = (status, Json(body)).into_response();
        r.extensions_mut().insert(Outcome(self.code()));
        r
    }
}

/// The router. Each request must carry the connection's [`PeerIdentity`] as an extension
/// (the server inserts it after the handshake). Bodies are bounded per endpoint: a login's
/// to [`super::Limits::login_body_bytes`], a send's to every file at its limit.
pub fn router(hub: Arc<Hub>) -> Router {
    let send_limit =
        usize::try_from(hub.limits.send_body_bytes(&hub.world.hub)).unwrap_or(usize::MAX);
    Router::new()
        .route(
            "/v1/login",
            post(login)
                .layer(DefaultBodyLimit::max(hub.limits.login_body_bytes))
                .layer(middleware::from_fn_with_state(hub.clone(), login_in_time)),
        )
        .route("/v1/sends", post(create_send).get(list_sent))
        .route("/v1/sends/{send_id}", delete(withdraw))
        .route("/v1/inbox", get(inbox))
        .route(
            "/v1/inbox/{send_id}/files/{name}",
            get(download).head(download_head),
        )
        .route("/v1/offices/{number}", get(office))
        .fallback(|| async { HubError::NotFound("このエンドポイント".into()) })
        .method_not_allowed_fallback(|method: Method, uri: Uri| async move {
            HubError::MethodNotAllowed {
                method: clip(method.as_str()),
                path: clip(uri.path()),
            }
        })
        .layer(middleware::from_fn_with_state(hub.clone(), gate))
        .layer(DefaultBodyLimit::max(send_limit))
        .with_state(hub)
}

/// Every request: the certificate's type must be accepted (`CERT_TYPE_REFUSED` otherwise,
/// so nothing is served to a refused type), then one log line with the outcome.
async fn gate(State(hub): State<Arc<Hub>>, req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<Arc<PeerIdentity>>().cloned();
    let method = clip(req.method().as_str());
    let path = clip(req.uri().path());
    let office = peer
        .as_ref()
        .and_then(|p| p.office.clone())
        .unwrap_or_else(|| "-".into());
    let response = match &peer {
        None => HubError::Internal("クライアント証明書がありません".into()).into_response(),
        Some(p) => match p
            .check_validity(hub.clock.now())
            .and_then(|_| p.accepted_type(hub.clock.now(), &hub.world.hub))
        {
            Err(e) => e.into_response(),
            Ok(_) => next.run(req).await,
        },
    };
    let code = response
        .extensions()
        .get::<Outcome>()
        .map(|o| o.0)
        .unwrap_or("OK");
    hub.log.write(format!(
        "{} {office} {method} {path} {} {code}",
        rfc3339(hub.clock.now()),
        response.status().as_u16()
    ));
    response
}

/// A login (a few KB) must arrive within [`super::Limits::body_grace`]: `BODY_TOO_SLOW`
/// otherwise, as for a send.
async fn login_in_time(State(hub): State<Arc<Hub>>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(hub.limits.body_grace, next.run(req)).await {
        Ok(r) => r,
        Err(_) => HubError::BodyTooSlow {
            min_bytes_per_second: hub.limits.body_min_bytes_per_second,
        }
        .into_response(),
    }
}

/// Runs a rule on the blocking pool (the store does file I/O).
async fn blocking<T: Send + 'static>(
    hub: &Arc<Hub>,
    f: impl FnOnce(&Hub) -> Result<T, HubError> + Send + 'static,
) -> Result<T, HubError> {
    let hub = hub.clone();
    tokio::task::spawn_blocking(move || f(&hub))
        .await
        .map_err(|e| HubError::Internal(e.to_string()))?
}

fn session(hub: &Hub, headers: &HeaderMap, peer: &PeerIdentity) -> Result<Session, HubError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(HubError::TokenInvalid)?;
    hub.session(token.trim(), peer)
}

fn path<T>(p: Result<Path<T>, PathRejection>) -> Result<T, HubError> {
    p.map(|Path(v)| v).map_err(|e| {
        HubError::BadRequest(format!(
            "パスを読めません（送信IDとファイル名は UTF-8 の文字で、% による符号化が正しいこと）: {}",
            clip(&e.body_text())
        ))
    })
}

#[derive(Deserialize)]
struct LoginBody {
    user_id: String,
    password: String,
}

async fn login(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    body: Result<Json<LoginBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, HubError> {
    let Json(b) = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return HubError::BodyTooLarge {
                limit: hub.limits.login_body_bytes as u64,
            };
        }
        HubError::BadRequest(format!(
            "本文は {{\"user_id\": \"…\", \"password\": \"…\"}} の JSON にしてください: {}",
            clip(&e.body_text())
        ))
    })?;
    let ok = hub.login(&peer, &b.user_id, &b.password)?;
    Ok(Json(json!({
        "token": ok.token,
        "office": ok.session.office,
        "expires_at": rfc3339(ok.session.expires_at),
        "warnings": ok.warnings,
    }))
    .into_response())
}

#[derive(Serialize)]
struct FileView<'a> {
    name: &'a str,
    size: u64,
    sha256: &'a str,
}

fn files(r: &SendRecord) -> Vec<FileView<'_>> {
    r.files
        .iter()
        .map(|f| FileView {
            name: &f.name,
            size: f.size,
            sha256: &f.sha256,
        })
        .collect()
}

fn sent_view(r: &SendRecord) -> serde_json::Value {
    json!({
        "send_id": r.id,
        "receiver": r.receiver,
        "files": files(r),
        "status": r.status().japanese(),
        "sent_at": rfc3339(r.sent_at),
        "received_at": r.received_at.map(rfc3339),
    })
}

fn inbox_view(r: &SendRecord) -> serde_json::Value {
    json!({
        "send_id": r.id,
        "sender": r.sender,
        "files": files(r),
        "status": r.status().japanese(),
        "sent_at": rfc3339(r.sent_at),
    })
}

fn page_view(page: &Page, view: fn(&SendRecord) -> serde_json::Value) -> Response {
    let list: Vec<_> = page.sends.iter().map(view).collect();
    Json(json!({ "sends": list, "next_after": page.next_after })).into_response()
}

async fn create_send(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, HubError> {
    use axum::extract::FromRequest;
    let s = session(&hub, &headers, &peer)?;
    // The licence is the first check of a send (HUB-API.md), before the body is read.
    super::send::check_sender(&hub.world, &s.office, hub.clock.now())?;
    let gauge = Arc::new(upload::HeaderGauge::default());
    let (parts, body) = req.into_parts();
    let body = Body::new(upload::GaugedBody::new(body, gauge.clone()));
    let mut multipart = Multipart::from_request(Request::from_parts(parts, body), &())
        .await
        .map_err(|e| HubError::BadRequest(format!("multipart/form-data で送ってください: {e}")))?;
    let uploads = match upload::read_send(&hub, &s.office, &mut multipart, &gauge).await {
        Ok(u) => u,
        Err(e) => {
            upload::drain(&mut multipart, &hub.limits).await;
            return Err(e);
        }
    };
    let (record, replayed) = blocking(&hub, move |h| h.send(&s, uploads)).await?;
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({
            "send_id": record.id,
            "receiver": record.receiver,
            "files": files(&record),
            "status": record.status().japanese(),
        })),
    )
        .into_response())
}

/// `?after=S…&limit=N` of a list.
#[derive(Deserialize)]
struct PageQuery {
    after: Option<String>,
    limit: Option<usize>,
}

fn page_request(q: Result<Query<PageQuery>, QueryRejection>) -> Result<PageRequest, HubError> {
    let Query(q) = q.map_err(|e| {
        HubError::BadRequest(format!(
            "after=送信ID と limit=件数 で指定してください: {}",
            clip(&e.body_text())
        ))
    })?;
    if let Some(a) = &q.after {
        let ok = a.len() == 9 && a.starts_with('S') && a[1..].bytes().all(|b| b.is_ascii_digit());
        if !ok {
            return Err(HubError::BadRequest(format!(
                "after=「{}」は送信ID（S と8桁の数字）ではありません",
                clip(a)
            )));
        }
    }
    Ok(PageRequest {
        after: q.after,
        limit: q.limit.unwrap_or(0),
    })
}

async fn list_sent(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, HubError> {
    let s = session(&hub, &headers, &peer)?;
    let page = page_request(q)?;
    let sends = blocking(&hub, move |h| h.sent(&s, &page)).await?;
    Ok(page_view(&sends, sent_view))
}

async fn withdraw(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    send_id: Result<Path<String>, PathRejection>,
) -> Result<Response, HubError> {
    let s = session(&hub, &headers, &peer)?;
    let send_id = path(send_id)?;
    let r = blocking(&hub, move |h| h.withdraw(&s, &send_id)).await?;
    Ok(Json(sent_view(&r)).into_response())
}

async fn inbox(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, HubError> {
    let s = session(&hub, &headers, &peer)?;
    let page = page_request(q)?;
    let sends = blocking(&hub, move |h| h.inbox(&s, &page)).await?;
    Ok(page_view(&sends, inbox_view))
}

fn file_headers(r: &mut Response, name: &str, size: Option<u64>) {
    let ctype = if name.to_ascii_uppercase().ends_with(".CSV") {
        "text/csv; charset=Shift_JIS"
    } else {
        "application/octet-stream"
    };
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Some(size) = size {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
}

/// `GET`: the file's bytes; the download is recorded only once the whole body was handed
/// to the client ([`upload::ReceiptBody`]), so a client that breaks off leaves it 未受信.
async fn download(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, HubError> {
    let s = session(&hub, &headers, &peer)?;
    let (send_id, name) = path(ids)?;
    let (id, n, s2) = (send_id.clone(), name.clone(), s.clone());
    let bytes = blocking(&hub, move |h| h.download(&s2, &id, &n)).await?;
    let on_end: upload::OnEnd = {
        let hub = hub.clone();
        let name = name.clone();
        Box::pin(async move {
            let h = hub.clone();
            let recorded = blocking(&h, move |h| h.record_download(&s, &send_id, &name)).await;
            match recorded {
                Ok(Some(_)) => true,
                Ok(None) => false,
                Err(e) => {
                    hub.log.write(format!(
                        "{} - 受信の記録に失敗しました: {e}",
                        rfc3339(hub.clock.now()),
                    ));
                    false
                }
            }
        })
    };
    let mut r = Response::new(Body::new(upload::ReceiptBody::new(bytes, on_end)));
    file_headers(&mut r, &name, None);
    Ok(r)
}

/// `HEAD`: the same headers as `GET`, and nothing is recorded.
async fn download_head(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, HubError> {
    let s = session(&hub, &headers, &peer)?;
    let (send_id, name) = path(ids)?;
    let n = name.clone();
    let size = blocking(&hub, move |h| h.file_size(&s, &send_id, &n)).await?;
    let mut r = Response::new(Body::empty());
    file_headers(&mut r, &name, Some(size));
    Ok(r)
}

async fn office(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    number: Result<Path<String>, PathRejection>,
) -> Result<Response, HubError> {
    session(&hub, &headers, &peer)?;
    let number = path(number)?;
    Ok(Json(hub.office_info(&clip(&number))).into_response())
}
