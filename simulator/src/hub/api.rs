//! The hub's HTTP API (hub.md; documented with curl examples in `simulator/HUB-API.md`).
//! Handlers only translate HTTP to the rules in [`super::Hub`] and back.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::HubError;
use super::send::Upload;
use super::{Hub, PeerIdentity, Session};
use crate::clock::rfc3339;
use crate::store::SendRecord;

/// The outcome code of a request, for the request log.
#[derive(Debug, Clone, Copy)]
pub struct Outcome(pub &'static str);

impl IntoResponse for HubError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code(), "message": self.to_string()});
        if let HubError::FileInvalid(problems) = &self {
            body["details"] = json!(problems);
        }
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let mut r = (status, Json(body)).into_response();
        r.extensions_mut().insert(Outcome(self.code()));
        r
    }
}

/// The router. Each request must carry the connection's [`PeerIdentity`] as an extension
/// (the server inserts it after the handshake).
pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/v1/login", post(login))
        .route("/v1/sends", post(create_send).get(list_sent))
        .route("/v1/sends/{send_id}", delete(withdraw))
        .route("/v1/inbox", get(inbox))
        .route("/v1/inbox/{send_id}/files/{name}", get(download))
        .route("/v1/offices/{number}", get(office))
        .fallback(|| async { HubError::NotFound("このエンドポイント".into()) })
        .layer(middleware::from_fn_with_state(hub.clone(), gate))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(hub)
}

/// Every request: the certificate's type must be accepted (`CERT_TYPE_REFUSED` otherwise,
/// so nothing is served to a refused type), then one log line with the outcome.
async fn gate(State(hub): State<Arc<Hub>>, req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<Arc<PeerIdentity>>().cloned();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
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
        HubError::BadRequest(format!(
            "本文は {{\"user_id\": \"…\", \"password\": \"…\"}} の JSON にしてください: {e}"
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

async fn create_send(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, HubError> {
    let s = session(&hub, &headers, &peer)?;
    // The licence is the first check of a send (HUB-API.md), before the body is read.
    super::send::check_sender(&hub.world, &s.office, hub.clock.now())?;
    let mut multipart = multipart
        .map_err(|e| HubError::BadRequest(format!("multipart/form-data で送ってください: {e}")))?;
    let limit = hub.world.hub.max_file_bytes;
    let max_files = hub.world.hub.max_files_per_send;
    let mut uploads = Vec::new();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| HubError::BadRequest(format!("multipart を読めません: {e}")))?
    {
        if field.name() != Some("file") {
            return Err(HubError::BadRequest(format!(
                "パート名「{}」は使えません（file のみ）",
                field.name().unwrap_or("")
            )));
        }
        let name = field.file_name().unwrap_or("").to_string();
        if uploads.len() == max_files {
            return Err(HubError::TooManyFiles(max_files));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| HubError::BadRequest(format!("multipart を読めません: {e}")))?
        {
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(HubError::FileTooLarge { name, limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        uploads.push(Upload { name, bytes });
    }
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

async fn list_sent(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
) -> Result<Response, HubError> {
    let s = session(&hub, &headers, &peer)?;
    let sends = blocking(&hub, move |h| h.sent(&s)).await?;
    let list: Vec<_> = sends.iter().map(sent_view).collect();
    Ok(Json(json!({ "sends": list })).into_response())
}

async fn withdraw(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    Path(send_id): Path<String>,
) -> Result<Response, HubError> {
    let s = session(&hub, &headers, &peer)?;
    let r = blocking(&hub, move |h| h.withdraw(&s, &send_id)).await?;
    Ok(Json(sent_view(&r)).into_response())
}

async fn inbox(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
) -> Result<Response, HubError> {
    let s = session(&hub, &headers, &peer)?;
    let sends = blocking(&hub, move |h| h.inbox(&s)).await?;
    let list: Vec<_> = sends
        .iter()
        .map(|r| {
            json!({
                "send_id": r.id,
                "sender": r.sender,
                "files": files(r),
                "status": r.status().japanese(),
                "sent_at": rfc3339(r.sent_at),
            })
        })
        .collect();
    Ok(Json(json!({ "sends": list })).into_response())
}

async fn download(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    Path((send_id, name)): Path<(String, String)>,
) -> Result<Response, HubError> {
    let s = session(&hub, &headers, &peer)?;
    let n = name.clone();
    let bytes = blocking(&hub, move |h| h.download(&s, &send_id, &n)).await?;
    let mut r = Response::new(Body::from(bytes));
    let ctype = if name.to_ascii_uppercase().ends_with(".CSV") {
        "text/csv; charset=Shift_JIS"
    } else {
        "application/octet-stream"
    };
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

async fn office(
    State(hub): State<Arc<Hub>>,
    Extension(peer): Extension<Arc<PeerIdentity>>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Result<Response, HubError> {
    session(&hub, &headers, &peer)?;
    Ok(Json(hub.office_info(&number)).into_response())
}
