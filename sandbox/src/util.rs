//! Request/response helpers shared by all handlers.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use rand::Rng;
use serde_json::Value;

use crate::config::Dc;

pub(crate) type Resp = Response<Body>;

/// A duration in whole milliseconds, saturating.
pub(crate) fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A fully read request.
pub(crate) struct Req {
    pub(crate) dc: Dc,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Req {
    /// Query parameter (first occurrence).
    pub(crate) fn q(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn content_type(&self) -> String {
        self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase()
    }

    /// Form body pairs (when the body is form-encoded or untyped).
    pub(crate) fn form_body(&self) -> Vec<(String, String)> {
        let ct = self.content_type();
        if ct.is_empty() || ct.starts_with("application/x-www-form-urlencoded") {
            url::form_urlencoded::parse(&self.body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
        } else {
            Vec::new()
        }
    }

    /// Parameters from the form body, then the query string (Zoho tolerates both).
    pub(crate) fn params(&self) -> Params {
        let mut all = self.form_body();
        all.extend(self.query.iter().cloned());
        Params(all)
    }
}

/// Merged parameters; the first occurrence wins.
pub(crate) struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

pub(crate) fn json(status: u16, v: &Value) -> Resp {
    let body = serde_json::to_vec(v).unwrap_or_default();
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .header(header::CONTENT_TYPE, "application/json;charset=UTF-8")
        .body(Body::from(body))
        .unwrap_or_default()
}

pub(crate) fn raw(status: u16, content_type: &str, body: String) -> Resp {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

pub(crate) fn empty(status: u16) -> Resp {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
    r
}

pub(crate) fn redirect(location: &str) -> Resp {
    let mut r = empty(302);
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A complete HTML page.
pub(crate) fn page(status: u16, title: &str, body_html: &str) -> Resp {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t} - Zoho Accounts (sandbox)</title></head>\n<body>\n<h1>{t}</h1>\n{body_html}\n</body></html>\n",
        t = esc(title)
    );
    raw(status, "text/html;charset=UTF-8", html)
}

pub(crate) fn hex(n_bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..n_bytes).map(|_| format!("{:02x}", rng.random::<u8>())).collect()
}

/// A token shaped like Zoho's: `<prefix>.<32 hex>.<32 hex>`.
pub(crate) fn zoho_token(prefix: &str) -> String {
    format!("{prefix}.{}.{}", hex(16), hex(16))
}

pub(crate) fn random_upper(n: usize) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..n).map(|_| ALPHA[rng.random_range(0..ALPHA.len())] as char).collect()
}

const SECRET_KEYS: &[&str] = &[
    "token",
    "code",
    "refresh_token",
    "access_token",
    "client_secret",
    "code_verifier",
    "device_code",
    "user_code",
    "authtoken",
];

/// Redacts secret values in a query string or form body for logging.
pub(crate) fn redact_query(q: &str) -> String {
    q.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str()) => {
                format!("{k}=***")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Redacts a token for logging: keeps the `1000.` prefix and the first 4 hex digits.
pub(crate) fn redact_token(t: &str) -> String {
    let keep: String = t.chars().take(9).collect();
    format!("{keep}***")
}

/// The non-empty segments of a request path, percent-decoded.
pub(crate) fn path_segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        assert_eq!(
            redact_query("a=1&client_secret=xyz&code=1000.ab&state=s"),
            "a=1&client_secret=***&code=***&state=s"
        );
        assert_eq!(redact_token("1000.abcdef.123"), "1000.abcd***");
        let t = zoho_token("1000");
        assert_eq!(t.len(), 4 + 1 + 32 + 1 + 32);
    }
}
