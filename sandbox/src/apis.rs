//! The `api_domain` host family (`www.zohoapis.<tld>`): a small WorkDrive subset, so that a
//! client can show a call reaching another Zoho service's host in the user's data centre.
//!
//! Routes (each needs an access token of this DC and the scope named):
//! - `GET /workdrive/api/v1/users/me` — `WorkDrive.users.READ`: the caller.
//! - `GET /workdrive/api/v1/files/{id}` — `WorkDrive.files.READ`: the DC's one seeded file
//!   ([`crate::Sandbox::demo_file`]).
//!
//! The JSON:API answer shapes follow WorkDrive's documentation; the error `id`s are the
//! sandbox's guesses (branch on the HTTP status).

use axum::http::{Method, header};
use serde_json::json;

use crate::config::Dc;
use crate::server::Shared;
use crate::util::{Req, Resp, raw};

/// The seeded WorkDrive file of a DC: (resource id, name).
pub(crate) fn demo_file(dc: Dc) -> (&'static str, &'static str) {
    match dc {
        Dc::Us => ("sbxus4f2a9c0d7e1b3f5a8c6d0e2f4a6b8c0d1", "Welcome (US).txt"),
        Dc::Eu => ("sbxeu4f2a9c0d7e1b3f5a8c6d0e2f4a6b8c0d2", "Welcome (EU).txt"),
        Dc::In => ("sbxin4f2a9c0d7e1b3f5a8c6d0e2f4a6b8c0d3", "Welcome (IN).txt"),
    }
}

/// WorkDrive's error body, `{"errors":[{"id":…,"title":…}]}`.
pub(crate) fn error(status: u16, id: &str, title: &str) -> Resp {
    let body = json!({"errors": [{"id": id, "title": title}]});
    raw(status, "application/vnd.api+json", body.to_string())
}

/// A path on `www.zohoapis.<tld>` that no service serves (CRM's answer for a wrong URL).
pub(crate) fn no_such_url() -> Resp {
    let body = json!({
        "code": "INVALID_URL_PATTERN",
        "details": {},
        "message": "Please check if the URL trying to access is a correct one",
        "status": "error",
    });
    raw(404, "application/json;charset=UTF-8", body.to_string())
}

/// Whether `granted` holds `WorkDrive.<module>.<op>` (`ALL` implies every op).
fn allows(granted: &[String], module: &str, op: &str) -> bool {
    granted.iter().any(|g| {
        let parts: Vec<&str> = g.split('.').collect();
        matches!(parts.as_slice(), [s, m, o]
            if s.eq_ignore_ascii_case("WorkDrive")
                && m.eq_ignore_ascii_case(module)
                && (o.eq_ignore_ascii_case(op) || o.eq_ignore_ascii_case("ALL")))
    })
}

/// Serves `/workdrive/...` on `req.dc`'s `api_domain` host.
pub(crate) fn handle(sh: &Shared, req: &Req) -> Resp {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let (module, found) = match segs.as_slice() {
        ["workdrive", "api", "v1", "users", "me"] => ("users", None),
        ["workdrive", "api", "v1", "files", id] => ("files", Some(*id)),
        _ => return no_such_url(),
    };
    if req.method != Method::GET {
        return error(405, "F405", "The HTTP method is not supported for this URL.");
    }
    let auth = req.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or("");
    let token = match auth.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("Zoho-oauthtoken") && !t.trim().is_empty() => t.trim(),
        _ => return error(401, "F7001", "Authorization header missing or not 'Zoho-oauthtoken <token>'."),
    };
    let st = sh.lock();
    let now = sh.clock.now_ms();
    let Some(access) = st.access.get(token).filter(|a| a.dc == req.dc && a.expires_ms > now) else {
        return error(401, "F7003", "Invalid OAuth token.");
    };
    if !allows(&access.scopes, module, "READ") {
        return error(403, "F7004", "Invalid OAuth scope.");
    }
    let body = match found {
        None => {
            let Some(u) = st.user_by_zuid(access.zuid) else {
                return error(401, "F7003", "Invalid OAuth token.");
            };
            json!({"data": {"id": u.zuid.to_string(), "type": "users", "attributes": {
                "display_name": u.name,
                "email_id": u.email,
                "zuid": u.zuid.to_string(),
            }}})
        }
        Some(id) => {
            let (file_id, name) = demo_file(req.dc);
            if id != file_id {
                return error(404, "R003", "The resource does not exist.");
            }
            json!({"data": {"id": file_id, "type": "files", "attributes": {
                "name": name,
                "extn": "txt",
                "type": "writer",
                "is_folder": false,
                "storage_info": {"size_in_bytes": 0},
            }}})
        }
    };
    raw(200, "application/vnd.api+json", body.to_string())
}
