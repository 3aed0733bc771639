//! The bodies of sends and downloads as streams: a send's parts are checked by name before
//! their bytes are read, each file is hashed as it arrives and kept in memory only while it
//! is small (then in an unnamed temporary file), every limit — file size, file count, the
//! office's quota, the minimum rate — stops the reading at once, and a refused body is
//! drained (bounded) so the client reads the answer. A download's body tells the hub when
//! its last byte was taken ([`ReceiptBody`]).

use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::multipart::{Field, Multipart, MultipartError};
use axum::http::{header, StatusCode};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::error::{clip, HubError};
use super::{Hub, Limits};
use crate::store::{FileBody, NewFile};

/// A file stays in memory up to this size, then moves to a temporary file.
const IN_MEMORY_BYTES: usize = 64 * 1024;
/// A download's body is handed to the connection in chunks of this size.
const CHUNK: usize = 64 * 1024;

/// The pace of a body: each chunk within [`Limits::body_grace`], and on average at least
/// [`Limits::body_min_bytes_per_second`] once the grace is over.
struct Pace {
    started: Instant,
    received: u64,
    min_rate: u64,
    grace: Duration,
}

impl Pace {
    fn new(limits: &Limits) -> Pace {
        Pace {
            started: Instant::now(),
            received: 0,
            min_rate: limits.body_min_bytes_per_second,
            grace: limits.body_grace,
        }
    }

    fn too_slow(&self) -> HubError {
        HubError::BodyTooSlow {
            min_bytes_per_second: self.min_rate,
        }
    }

    /// Waits for the next piece of the body, within the pace.
    async fn next<T>(
        &mut self,
        piece: impl std::future::Future<Output = Result<T, MultipartError>>,
        limit: u64,
    ) -> Result<T, HubError> {
        let r = tokio::time::timeout(self.grace, piece)
            .await
            .map_err(|_| self.too_slow())?;
        r.map_err(|e| multipart_error(e, limit))
    }

    /// Counts `n` bytes received; refuses a body behind the minimum rate.
    fn count(&mut self, n: usize) -> Result<(), HubError> {
        self.received += n as u64;
        let late = self.started.elapsed().saturating_sub(self.grace);
        let due = (late.as_secs_f64() * self.min_rate as f64) as u64;
        if self.received < due {
            return Err(self.too_slow());
        }
        Ok(())
    }
}

fn multipart_error(e: MultipartError, limit: u64) -> HubError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        HubError::BodyTooLarge { limit }
    } else {
        // The deepest cause says most (e.g. a header block past its limit).
        let mut cause: &dyn std::error::Error = &e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        HubError::BadRequest(format!(
            "multipart を読めません: {}",
            clip(&cause.to_string())
        ))
    }
}

/// The one temporary file a send's large files are spooled into, one after another.
#[derive(Default)]
struct SpillFile {
    file: Option<std::sync::Arc<std::fs::File>>,
    len: u64,
}

impl SpillFile {
    /// Appends bytes (creating the file on the first), and says where they start.
    fn append(&mut self, bytes: &[u8]) -> Result<u64, HubError> {
        let io = |e: std::io::Error| HubError::Internal(format!("一時ファイルに書けません: {e}"));
        let file = match &self.file {
            Some(f) => f.clone(),
            None => {
                let f = std::sync::Arc::new(tempfile::tempfile().map_err(io)?);
                self.file = Some(f.clone());
                f
            }
        };
        (&*file).write_all(bytes).map_err(io)?;
        let at = self.len;
        self.len += bytes.len() as u64;
        Ok(at)
    }
}

/// A file being received: hashed as it comes, in memory while small, then in the send's
/// [`SpillFile`].
struct Spool {
    name: String,
    size: u64,
    hash: Sha256,
    memory: Vec<u8>,
    /// Where the file starts in the spill file, once it went there.
    spilled_at: Option<u64>,
}

impl Spool {
    fn new(name: String) -> Spool {
        Spool {
            name,
            size: 0,
            hash: Sha256::new(),
            memory: Vec::new(),
            spilled_at: None,
        }
    }

    fn write(&mut self, chunk: &[u8], spill: &mut SpillFile) -> Result<(), HubError> {
        self.size += chunk.len() as u64;
        self.hash.update(chunk);
        if self.spilled_at.is_none() && self.memory.len() + chunk.len() > IN_MEMORY_BYTES {
            self.spilled_at = Some(spill.append(&std::mem::take(&mut self.memory))?);
        }
        match self.spilled_at {
            Some(_) => spill.append(chunk).map(|_| ()),
            None => {
                self.memory.extend_from_slice(chunk);
                Ok(())
            }
        }
    }

    fn finish(self, spill: &SpillFile) -> NewFile {
        let body = match (self.spilled_at, &spill.file) {
            (Some(offset), Some(file)) => FileBody::Spooled {
                file: file.clone(),
                offset,
                len: self.size,
            },
            _ => FileBody::Memory(self.memory),
        };
        NewFile {
            name: self.name,
            size: self.size,
            sha256: hex::encode(self.hash.finalize()),
            body,
        }
    }
}

/// The file name of a part, read from its raw `Content-Disposition` so that what the
/// standard's rule cannot judge gets a message of its own: bytes that are not UTF-8, the
/// RFC 5987 form `filename*=`, control characters (CR, LF, …), percent-encoded or not.
fn part_file_name(field: &Field<'_>) -> Result<String, HubError> {
    let raw = field
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let text = std::str::from_utf8(raw).map_err(|_| {
        HubError::BadRequest(
            "ファイル名が UTF-8 ではありません（標準仕様のファイル名は半角英数字と記号だけです）"
                .into(),
        )
    })?;
    if text.to_ascii_lowercase().contains("filename*=") {
        return Err(HubError::BadRequest(
            "RFC 5987 形式のファイル名（filename*=）は使えません。filename=\"…\" で標準仕様のファイル名（半角英数字）を送ってください".into(),
        ));
    }
    let name = field.file_name().unwrap_or("").to_string();
    let encoded_control = ["%0d", "%0a", "%00"]
        .iter()
        .any(|p| name.to_ascii_lowercase().contains(p));
    if name.chars().any(char::is_control) || encoded_control {
        return Err(HubError::BadRequest(format!(
            "ファイル名「{}」に改行などの制御文字があります",
            clip(&name)
        )));
    }
    Ok(name)
}

/// Reads a send's parts: each part named `file`, at most `max_files_per_send`, each within
/// `max_file_bytes`, all together within the office's quota, at the pace. (The quota against
/// what the office already stores is checked once the send is whole, after the replay
/// check: a client repeating a send whose answer it lost gets it back.)
pub async fn read_send(
    hub: &Hub,
    office: &str,
    multipart: &mut Multipart,
    gauge: &HeaderGauge,
) -> Result<Vec<NewFile>, HubError> {
    let settings = &hub.world.hub;
    let body_limit = hub.limits.send_body_bytes(settings);
    let mut pace = Pace::new(&hub.limits);
    let mut uploads: Vec<NewFile> = Vec::new();
    let mut spill = SpillFile::default();
    let mut total = 0u64;
    while let Some(mut field) = pace.next(multipart.next_field(), body_limit).await? {
        if field.name() != Some("file") {
            return Err(HubError::BadRequest(format!(
                "パート名「{}」は使えません（file のみ）",
                clip(field.name().unwrap_or(""))
            )));
        }
        if uploads.len() == settings.max_files_per_send {
            return Err(HubError::TooManyFiles(settings.max_files_per_send));
        }
        let mut spool = Spool::new(part_file_name(&field)?);
        gauge.enter_field();
        while let Some(chunk) = pace.next(field.chunk(), body_limit).await? {
            pace.count(chunk.len())?;
            if spool.size + chunk.len() as u64 > settings.max_file_bytes {
                return Err(HubError::FileTooLarge {
                    name: clip(&spool.name),
                    limit: settings.max_file_bytes,
                });
            }
            total += chunk.len() as u64;
            if total > settings.office_quota_bytes {
                return Err(HubError::QuotaExceeded {
                    office: office.to_string(),
                    quota: settings.office_quota_bytes,
                    stored: 0,
                });
            }
            spool.write(&chunk, &mut spill)?;
        }
        gauge.leave_field();
        uploads.push(spool.finish(&spill));
    }
    Ok(uploads)
}

/// Most bytes of a send's body read between two parts' contents: the boundary and a part's
/// header block (multer buffers a header block whole until its blank line).
pub const PART_HEADER_BYTES: u64 = 64 * 1024;

/// Counts the body's bytes read outside a part's content, so a header block without its
/// end cannot make the parser buffer the whole body ([`GaugedBody`]).
#[derive(Debug, Default)]
pub struct HeaderGauge {
    in_field: std::sync::atomic::AtomicBool,
    outside: std::sync::atomic::AtomicU64,
}

impl HeaderGauge {
    fn enter_field(&self) {
        self.in_field
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn leave_field(&self) {
        self.outside.store(0, std::sync::atomic::Ordering::Relaxed);
        self.in_field
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts a chunk of `n` bytes read outside a part; false once more than
    /// [`PART_HEADER_BYTES`] had come outside it *before* this chunk. A chunk read while the
    /// parser looks for a part's header often carries that part's content too (a client that
    /// writes the whole body at once sends frames of hundreds of KiB): it may pass the limit
    /// as long as the bytes before it did not. So what the parser buffers unparsed stays
    /// within the limit plus one frame of the connection's read buffer.
    fn count(&self, n: usize) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        if self.in_field.load(Relaxed) {
            return true;
        }
        self.outside.fetch_add(n as u64, Relaxed) <= PART_HEADER_BYTES
    }
}

/// A send's request body that fails once a header block passes [`PART_HEADER_BYTES`] (the
/// parser then answers `BAD_REQUEST`).
pub struct GaugedBody {
    inner: axum::body::Body,
    gauge: std::sync::Arc<HeaderGauge>,
}

impl GaugedBody {
    /// Wraps `inner`, counting with `gauge`.
    pub fn new(inner: axum::body::Body, gauge: std::sync::Arc<HeaderGauge>) -> GaugedBody {
        GaugedBody { inner, gauge }
    }
}

impl http_body::Body for GaugedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let n = frame.data_ref().map(|d| d.len()).unwrap_or(0);
                if self.gauge.count(n) {
                    Poll::Ready(Some(Ok(frame)))
                } else {
                    Poll::Ready(Some(Err(std::io::Error::other(format!(
                        "パートの見出し（Content-Disposition など）が {PART_HEADER_BYTES} バイトを超えています"
                    )))))
                }
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(std::io::Error::other(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Reads and discards what is left of a refused body, within [`Limits::drain_bytes`] and
/// [`Limits::drain_time`], so the client can read the answer.
pub async fn drain(multipart: &mut Multipart, limits: &Limits) {
    let budget = limits.drain_bytes;
    let work = async {
        let mut drained = 0u64;
        while let Ok(Some(mut field)) = multipart.next_field().await {
            while let Ok(Some(chunk)) = field.chunk().await {
                drained += chunk.len() as u64;
                if drained > budget {
                    return;
                }
            }
        }
    };
    let _ = tokio::time::timeout(limits.drain_time, work).await;
}

/// What a download's body runs once its last byte was taken: whether the receipt was
/// recorded.
pub type OnEnd = Pin<Box<dyn std::future::Future<Output = bool> + Send>>;

/// A download's body: the bytes in chunks, then `on_end` (recording the receipt), awaited
/// before the body ends. The body is sent chunked (its size is not told to hyper: with a
/// `Content-Length` hyper would stop asking once the last byte was buffered), so the
/// receipt is recorded after the last data chunk was written and before the closing chunk:
/// a client that breaks off leaves the send 未受信, a client's next request on the
/// connection (read only after the body ended) already sees 受信済み, and when the receipt
/// cannot be recorded (the send was withdrawn meanwhile) the body ends in an error instead
/// of its closing chunk.
pub struct ReceiptBody {
    bytes: Bytes,
    on_end: Option<OnEnd>,
    ended: bool,
}

impl ReceiptBody {
    /// A body of `bytes` that runs `on_end` when all were taken.
    pub fn new(bytes: Vec<u8>, on_end: OnEnd) -> ReceiptBody {
        ReceiptBody {
            bytes: Bytes::from(bytes),
            on_end: Some(on_end),
            ended: false,
        }
    }
}

impl http_body::Body for ReceiptBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if !this.bytes.is_empty() {
            let n = this.bytes.len().min(CHUNK);
            return Poll::Ready(Some(Ok(http_body::Frame::data(this.bytes.split_to(n)))));
        }
        if let Some(end) = &mut this.on_end {
            let Poll::Ready(recorded) = end.as_mut().poll(cx) else {
                return Poll::Pending;
            };
            this.on_end = None;
            if !recorded {
                // No receipt (withdrawn meanwhile, or the store failed): the body is cut
                // before its closing chunk, so the client does not take it as whole.
                this.ended = true;
                return Poll::Ready(Some(Err(std::io::Error::other(
                    "受信を記録できませんでした",
                ))));
            }
        }
        this.ended = true;
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request body delivered in the given frames, whatever their size.
    struct Frames(std::collections::VecDeque<Bytes>);

    impl http_body::Body for Frames {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(|b| Ok(http_body::Frame::data(b))))
        }
    }

    /// Reads every part of a body delivered in `frames` the way [`read_send`] does (the
    /// gauge entered and left around each part's content); the size of each part.
    async fn read_parts(frames: Vec<Vec<u8>>) -> Result<Vec<usize>, String> {
        use axum::extract::FromRequest;
        let gauge = std::sync::Arc::new(HeaderGauge::default());
        let frames = Frames(frames.into_iter().map(Bytes::from).collect());
        let body = axum::body::Body::new(GaugedBody::new(
            axum::body::Body::new(frames),
            gauge.clone(),
        ));
        let req = axum::http::Request::builder()
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(body)
            .unwrap();
        let mut multipart = Multipart::from_request(req, &()).await.unwrap();
        let mut sizes = Vec::new();
        while let Some(mut field) = multipart
            .next_field()
            .await
            .map_err(|e| multipart_error(e, u64::MAX).to_string())?
        {
            gauge.enter_field();
            let mut n = 0;
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| multipart_error(e, u64::MAX).to_string())?
            {
                n += chunk.len();
            }
            gauge.leave_field();
            sizes.push(n);
        }
        Ok(sizes)
    }

    fn body_of(parts: &[(&str, usize)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (header, size) in parts {
            body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; ");
            body.extend_from_slice(header.as_bytes());
            body.extend_from_slice(b"\r\n\r\n");
            body.extend(std::iter::repeat_n(b'7', *size));
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--XyZ--\r\n");
        body
    }

    #[tokio::test]
    async fn parts_whose_content_arrives_in_the_same_large_frame_as_their_header_are_read() {
        let body = body_of(&[
            ("filename=\"a.CSV\"", 300_000),
            ("filename=\"b.CSV\"", 10),
            ("filename=\"c.CSV\"", 200_000),
        ]);
        assert_eq!(read_parts(vec![body]).await, Ok(vec![300_000, 10, 200_000]));
    }

    #[tokio::test]
    async fn a_header_block_without_its_end_is_refused_at_the_frame_after_the_limit() {
        let name = "A".repeat(1_000_000);
        let body = body_of(&[(&format!("filename=\"{name}\""), 10)]);
        let frames: Vec<Vec<u8>> = body.chunks(100_000).map(<[u8]>::to_vec).collect();
        let e = read_parts(frames).await.unwrap_err();
        assert!(e.contains("見出し"), "{e}");
        // In 16 KiB frames (TLS records) too.
        let frames: Vec<Vec<u8>> = body.chunks(16_384).map(<[u8]>::to_vec).collect();
        let e = read_parts(frames).await.unwrap_err();
        assert!(e.contains("見出し"), "{e}");
    }

    fn received(name: &str, bytes: &[u8], spill: &mut SpillFile) -> NewFile {
        let mut spool = Spool::new(name.into());
        for chunk in bytes.chunks(10_000) {
            spool.write(chunk, spill).unwrap();
        }
        spool.finish(spill)
    }

    #[test]
    fn the_large_files_of_a_send_share_one_temporary_file_and_each_reads_back_its_own_bytes() {
        let big = |seed: u8| -> Vec<u8> {
            (0..200_000u32)
                .map(|i| (i as u8).wrapping_mul(seed))
                .collect()
        };
        let mut spill = SpillFile::default();
        let a = received("a.CSV", &big(3), &mut spill);
        let small = received("s.CSV", b"1,2\r\n", &mut spill);
        let b = received("b.CSV", &big(7), &mut spill);
        let (FileBody::Spooled { file: fa, .. }, FileBody::Spooled { file: fb, .. }) =
            (&a.body, &b.body)
        else {
            panic!("large files are spooled: {a:?} {b:?}");
        };
        assert!(std::sync::Arc::ptr_eq(fa, fb));
        assert!(matches!(small.body, FileBody::Memory(_)));
        assert_eq!(a.body.read().unwrap().as_ref(), big(3).as_slice());
        assert_eq!(b.body.read().unwrap().as_ref(), big(7).as_slice());
        let mut out = tempfile::tempfile().unwrap();
        assert_eq!(b.body.copy_to(&mut out).unwrap(), 200_000);
        use std::io::{Read, Seek};
        out.rewind().unwrap();
        let mut copied = Vec::new();
        out.read_to_end(&mut copied).unwrap();
        assert_eq!(copied, big(7));
        assert_eq!(a.sha256, hex::encode(Sha256::digest(big(3))));
    }
}
