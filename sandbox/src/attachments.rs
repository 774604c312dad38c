//! V3 task and issue attachments (V3.md lines 77, 194, 267, 368): upload (`multipart/form-data`),
//! list (`{"attachment": [...]}`, the singular key V3.md records; 204 when there is none),
//! download (the stored bytes with `Content-Type`, `Content-Length` and `Content-Disposition`)
//! and delete (204). Besides the Projects scope every call needs `ZohoPC.files.ALL`, and a
//! download also `WorkDrive.files.READ` (V3.md §15, line 368).
//!
//! Where V3.md is silent the sandbox chooses (listed in the README's choices): the file field is
//! `upload_file`, 1–10 file parts per upload; the download path is `…/attachments/{A}/download`;
//! an upload answers 201 `{"attachment": [...]}` with the stored files; the Projects operation is
//! `CREATE` to upload, `READ` to list or download, `DELETE` to delete; the size limit is the
//! request body limit ([`crate::SandboxBuilder::max_body_bytes`], 413 beyond it).

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Value, json};

use crate::api::{ApiErr, ApiResult, Ctx};
use crate::util::{Req, empty, json};

/// What an attachment hangs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Task(u64),
    Issue(u64),
}

/// One stored file.
#[derive(Clone, Debug)]
pub(crate) struct Attachment {
    pub(crate) id: u64,
    pub(crate) owner: Owner,
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) data: Bytes,
    pub(crate) created_by: u64,
    pub(crate) created_time: i64,
}

/// The multipart field every file of an upload is sent under.
pub(crate) const UPLOAD_FIELD: &str = "upload_file";
/// The most files one upload may carry (V3 bodies take at most 10 `attachment_ids`).
pub(crate) const MAX_FILES: usize = 10;
/// The longest file name kept, in bytes (what common file systems allow).
pub(crate) const MAX_NAME: usize = 255;

/// One part of a `multipart/form-data` body.
pub(crate) struct FormPart {
    pub(crate) name: String,
    pub(crate) file_name: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) data: Bytes,
}

/// Whether the request says it carries `multipart/form-data`.
pub(crate) fn is_multipart(req: &Req) -> bool {
    req.content_type().starts_with("multipart/form-data")
}

/// Parses the request's `multipart/form-data` body with `multer`. A missing or malformed
/// boundary, or a malformed body, is [`ApiErr::Parse`].
pub(crate) fn parse_form(req: &Req) -> Result<Vec<FormPart>, ApiErr> {
    // The boundary is case-sensitive: read it from the header as sent, not lower-cased.
    let ct = req.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let boundary = multer::parse_boundary(ct).map_err(|_| ApiErr::Parse)?;
    let body = req.body.clone();
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    // The body is already in memory (bounded by the body limit): nothing here waits on I/O.
    futures::executor::block_on(async {
        let mut parts = Vec::new();
        while let Some(field) = form.next_field().await.map_err(|_| ApiErr::Parse)? {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(ToString::to_string);
            let data = field.bytes().await.map_err(|_| ApiErr::Parse)?;
            parts.push(FormPart { name, file_name, content_type, data });
        }
        Ok(parts)
    })
}

/// Requires `ZohoPC.files.ALL` (V3.md: attachments need it besides the Projects scope).
fn need_files(ctx: &Ctx<'_>) -> Result<(), ApiErr> {
    if crate::scopes::allows_in(&ctx.caller.scopes, "ZohoPC", "files", "ALL") { Ok(()) } else { Err(ApiErr::Scope) }
}

fn render(ctx: &Ctx<'_>, a: &Attachment) -> Value {
    json!({
        "id": a.id.to_string(),
        "name": a.name,
        "type": a.content_type,
        "size": a.data.len().to_string(),
        "third_party_file_id": format!("wd{}", a.id),
        "created_time": crate::render::iso(a.created_time),
        "created_by": ctx.store.user_ref(a.created_by),
    })
}

/// `GET …/attachments`.
pub(crate) fn list(ctx: &Ctx<'_>, owner: Owner) -> ApiResult {
    need_files(ctx)?;
    let items: Vec<Value> =
        ctx.store.attachments.values().filter(|a| a.owner == owner).map(|a| render(ctx, a)).collect();
    if items.is_empty() {
        return Ok(empty(204));
    }
    Ok(json(200, &json!({ "attachment": items })))
}

/// A file name the sandbox keeps: 1–255 bytes, no path separator, no control character
/// (CR, LF, NUL…), not `.` or `..`.
fn file_name_ok(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= MAX_NAME
        && n != "."
        && n != ".."
        && !n.chars().any(|c| c == '/' || c == '\\' || c.is_control())
}

/// `POST …/attachments`: 1–10 file parts, each named [`UPLOAD_FIELD`]; anything else is refused
/// and nothing is stored.
pub(crate) fn upload(ctx: &mut Ctx<'_>, owner: Owner) -> ApiResult {
    need_files(ctx)?;
    if !is_multipart(ctx.req) {
        return Err(ApiErr::Missing(UPLOAD_FIELD.to_owned()));
    }
    let parts = parse_form(ctx.req)?;
    if parts.is_empty() {
        return Err(ApiErr::Missing(UPLOAD_FIELD.to_owned()));
    }
    if parts.len() > MAX_FILES {
        return Err(ApiErr::Invalid(UPLOAD_FIELD.to_owned()));
    }
    let mut files = Vec::with_capacity(parts.len());
    for p in parts {
        if p.name != UPLOAD_FIELD {
            return Err(ApiErr::ExtraKey(p.name));
        }
        // A text part under the file field, or a name the sandbox would not keep.
        let name = p.file_name.filter(|n| file_name_ok(n)).ok_or_else(|| ApiErr::Invalid(UPLOAD_FIELD.to_owned()))?;
        let content_type = p.content_type.unwrap_or_else(|| "application/octet-stream".to_owned());
        files.push((name, content_type, p.data));
    }
    let mut out = Vec::with_capacity(files.len());
    for (name, content_type, data) in files {
        let id = ctx.store.next_id();
        let a = Attachment { id, owner, name, content_type, data, created_by: ctx.me(), created_time: ctx.now };
        out.push(render(ctx, &a));
        ctx.store.attachments.insert(id, a);
    }
    Ok(json(201, &json!({ "attachment": out })))
}

fn find(ctx: &Ctx<'_>, owner: Owner, a: &str) -> Result<Attachment, ApiErr> {
    let id = crate::data::path_id(a).ok_or(ApiErr::NotFound("attachment_id"))?;
    ctx.store.attachments.get(&id).filter(|x| x.owner == owner).cloned().ok_or(ApiErr::NotFound("attachment_id"))
}

/// `GET …/attachments/{A}/download`: the bytes, with their type, length and file name.
pub(crate) fn download(ctx: &Ctx<'_>, owner: Owner, a: &str) -> ApiResult {
    need_files(ctx)?;
    if !crate::scopes::allows_in(&ctx.caller.scopes, "WorkDrive", "files", "READ") {
        return Err(ApiErr::Scope);
    }
    let a = find(ctx, owner, a)?;
    let mut r = Response::new(Body::from(a.data.clone()));
    *r.status_mut() = StatusCode::OK;
    let h = r.headers_mut();
    let ct =
        HeaderValue::from_str(&a.content_type).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, ct);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(a.data.len()));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&a.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266).
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' { c } else { '_' })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// `DELETE …/attachments/{A}`.
pub(crate) fn delete(ctx: &mut Ctx<'_>, owner: Owner, a: &str) -> ApiResult {
    need_files(ctx)?;
    let a = find(ctx, owner, a)?;
    ctx.store.attachments.remove(&a.id);
    Ok(empty(204))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_kept_and_refused() {
        for ok in ["a.txt", "Zürich report.pdf", "a\"b.txt", "..a", &"x".repeat(MAX_NAME)] {
            assert!(file_name_ok(ok), "{ok}");
        }
        for bad in ["", ".", "..", "../x", "a/b", "a\\b", "a\r\nb", "a\0b", &"x".repeat(MAX_NAME + 1)] {
            assert!(!file_name_ok(bad), "{bad:?}");
        }
    }

    #[test]
    fn content_disposition_is_one_safe_header_line() {
        let v = content_disposition("a\"b ü.txt");
        assert_eq!(v, "attachment; filename=\"a_b _.txt\"; filename*=UTF-8''a%22b%20%C3%BC%2Etxt");
        assert!(HeaderValue::from_str(&v).is_ok());
    }
}
