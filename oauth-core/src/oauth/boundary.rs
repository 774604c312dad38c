//! The one place where Zoho Accounts' answers are read (Zoho Accounts answers errors with HTTP 200
//! as often as with 400, so the body decides).
//!
//! Every token, device and revoke request goes through [`post_form`]: parameters travel only in
//! an `application/x-www-form-urlencoded` body (never in the URL), the body is checked for
//! `{"error": …}` whatever the HTTP status (Zoho answers most errors with HTTP 200), "Access
//! Denied" becomes a typed throttling error, and `expires_in` is read leniently. An answer is read
//! up to [`MAX_ACCOUNTS_RESPONSE_BYTES`](crate::response::MAX_ACCOUNTS_RESPONSE_BYTES) only. Nothing here logs
//! or returns a secret: error snippets name JSON keys, never values.

use crate::error::{OAuthError, redact_snippet};
use secrecy::SecretString;
use serde_json::{Map, Value};
use std::time::Duration;
use url::Url;

/// Which request an answer belongs to: the same `error` string means different things for
/// different grants (`invalid_code` on a refresh is a dead refresh token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// `grant_type=authorization_code` (web flow and self-client codes).
    AuthorizationCode,
    /// `grant_type=refresh_token`.
    RefreshToken,
    /// `grant_type=client_credentials`.
    ClientCredentials,
    /// `POST /oauth/v3/device/code`.
    DeviceCode,
    /// `POST /oauth/v3/device/token`.
    DeviceToken,
    /// `POST /oauth/v2/token/revoke` of a refresh token.
    RevokeRefresh,
    /// `POST /oauth/v2/token/revoke` of an access token.
    RevokeAccess,
}

impl Grant {
    fn name(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::RefreshToken => "refresh_token",
            Grant::ClientCredentials => "client_credentials",
            Grant::DeviceCode => "device_request",
            Grant::DeviceToken => "device_token",
            Grant::RevokeRefresh => "revoke_refresh_token",
            Grant::RevokeAccess => "revoke_access_token",
        }
    }
}

/// A JSON object answer of Zoho Accounts, before it is judged a success or an error. Its body
/// may hold tokens: `Debug` shows the status and the keys only.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Map<String, Value>,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply").field("status", &self.status).field("body", &self.keys()).finish()
    }
}

impl Reply {
    /// Zoho's `error` value, if the body carries one (whatever the HTTP status).
    pub(crate) fn error_code(&self) -> Option<String> {
        match self.body.get("error")? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// A string field.
    pub(crate) fn str_field(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
    }

    /// Zoho's `error_description` (redacted and cut), if any.
    pub(crate) fn description(&self) -> Option<String> {
        self.str_field("error_description").map(|d| redact_snippet(d, 300))
    }

    /// The body if it is a success; the typed error otherwise.
    pub(crate) fn into_success(self, grant: Grant) -> Result<Reply, OAuthError> {
        if let Some(code) = self.error_code() {
            return Err(map_error(grant, &code, self.description()));
        }
        if !(200..300).contains(&self.status) {
            return Err(OAuthError::UnexpectedResponse { status: self.status, snippet: self.keys() });
        }
        Ok(self)
    }

    /// A description of the body naming only its keys: safe to put in an error. The keys are
    /// redacted and the whole is cut too: a key is as much the server's text as a value (fuzzing
    /// found a token-shaped key shown verbatim, and keys of any length made unbounded messages).
    pub(crate) fn keys(&self) -> String {
        let keys: Vec<&str> = self.body.keys().map(String::as_str).take(20).collect();
        redact_snippet(&format!("a JSON object with keys [{}]", keys.join(", ")), 200)
    }
}

/// POSTs `form` to `url` as a form body and reads the answer as a JSON object.
///
/// Transport failures and bodies that are not a JSON object (an HTML error page, a truncated
/// body) are errors here; `{"error": …}` bodies are returned for the caller to judge with
/// [`Reply::into_success`].
pub(crate) async fn post_form(
    http: &crate::http::Http,
    url: Url,
    form: &[(&str, &str)],
    grant: Grant,
) -> Result<Reply, OAuthError> {
    // `Url`'s Display would show a query, but none is ever set on these URLs.
    let endpoint = format!("{}{}", url.origin().ascii_serialization(), url.path());
    let body =
        serde_urlencoded::to_string(form).map_err(|e| OAuthError::Config(format!("cannot encode the form: {e}")))?;
    let started = std::time::Instant::now();
    let resp = http
        .request(reqwest::Method::POST, url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(reqwest::header::ACCEPT, "application/json")
        // A body reqwest cannot replay: a client handed in that follows redirects would resend
        // a replayable one (the client secret, a code or a refresh token) on a 307 or 308 to
        // wherever `Location` points; with this one it returns the redirect unfollowed.
        .body(reqwest::Body::wrap(body))
        .send()
        .await
        .map_err(|e| OAuthError::Transport(std::sync::Arc::new(e.without_url())))?;
    if resp.url() != &url {
        // Only a client handed in can follow redirects (ours never does), and only those that
        // drop the body (301, 302, 303: a GET without the form): whatever answered is not the
        // server the request was meant for.
        return Err(OAuthError::Config(format!(
            "the HTTP client followed a redirect from {endpoint}; build it with reqwest::redirect::Policy::none()"
        )));
    }
    let status = resp.status().as_u16();
    // Zoho's answers here are a few hundred bytes: a body past the cap is not Zoho's, and is
    // not read further.
    let limit = crate::response::MAX_ACCOUNTS_RESPONSE_BYTES;
    let bytes = crate::response::read_capped(resp, limit).await.map_err(|e| match e {
        crate::response::ReadError::TooLarge { declared } => OAuthError::ResponseTooLarge { limit, declared },
        crate::response::ReadError::Transport(e) => OAuthError::Transport(std::sync::Arc::new(e.without_url())),
    })?;
    tracing::debug!(
        grant = grant.name(),
        endpoint = %endpoint,
        status,
        latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "zoho accounts answered"
    );
    read_reply(status, &bytes)
}

/// Reads an answer's body as a JSON object (whatever the status); an HTML page, a truncated or
/// non-object body is [`OAuthError::UnexpectedResponse`] with a redacted snippet.
pub(crate) fn read_reply(status: u16, bytes: &[u8]) -> Result<Reply, OAuthError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(body)) => Ok(Reply { status, body }),
        Ok(_) | Err(_) => Err(OAuthError::UnexpectedResponse {
            status,
            snippet: redact_snippet(&String::from_utf8_lossy(bytes), 200),
        }),
    }
}

/// Maps Zoho's `error` value to a typed error, by the grant it answers.
pub(crate) fn map_error(grant: Grant, error: &str, description: Option<String>) -> OAuthError {
    let lower = error.trim().to_ascii_lowercase();
    match lower.as_str() {
        // "Access Denied" (with a space) is Zoho's throttling answer; `access_denied` is the
        // CRM page's "too many grant tokens" answer at the token endpoint, and the user's
        // refusal in the device flow.
        "access denied" => throttled(description),
        "access_denied" if grant == Grant::DeviceToken => OAuthError::ConsentDenied { description },
        "access_denied" => throttled(description),
        "invalid_code" => match grant {
            Grant::RefreshToken => OAuthError::InvalidRefreshToken,
            Grant::DeviceToken => OAuthError::DeviceCodeExpired,
            _ => OAuthError::InvalidCode,
        },
        "expired" if matches!(grant, Grant::DeviceToken | Grant::DeviceCode) => OAuthError::DeviceCodeExpired,
        "invalid_client" => OAuthError::InvalidClient,
        "invalid_client_secret" => OAuthError::InvalidClientSecret,
        "invalid_redirect_uri" | "redirect_uri_mismatch" => OAuthError::RedirectUriMismatch,
        "invalid_token" if grant == Grant::RevokeAccess => OAuthError::InvalidAccessToken,
        "invalid_token" => OAuthError::InvalidRefreshToken,
        "invalid_oauthtoken" => OAuthError::InvalidAccessToken,
        _ => OAuthError::Zoho { error: error.chars().take(100).collect(), description },
    }
}

/// "Access Denied": throttled, unless Zoho says the refresh-token limit is the reason.
fn throttled(description: Option<String>) -> OAuthError {
    let d = description.unwrap_or_else(|| "too many requests".to_owned());
    let l = d.to_ascii_lowercase();
    if l.contains("refresh token") && (l.contains("limit") || l.contains("maximum") || l.contains("exceed")) {
        OAuthError::RefreshTokenLimit
    } else {
        OAuthError::AccessDenied { description: d }
    }
}

/// What a successful token answer carries, secrets still raw (they are wrapped at once by the
/// caller).
pub(crate) struct RawToken {
    pub(crate) access_token: SecretString,
    pub(crate) refresh_token: Option<SecretString>,
    pub(crate) api_domain: Option<String>,
    pub(crate) lifetime: Duration,
    pub(crate) scope: Option<String>,
}

/// Zoho's documented access-token lifetime, used when an answer has no readable `expires_in`.
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

impl RawToken {
    /// Reads a success answer: `access_token` is required, the rest is optional.
    pub(crate) fn from_reply(reply: &Reply) -> Result<RawToken, OAuthError> {
        let Some(access_token) = reply.str_field("access_token") else {
            return Err(OAuthError::UnexpectedResponse { status: reply.status, snippet: reply.keys() });
        };
        Ok(RawToken {
            access_token: SecretString::from(access_token),
            refresh_token: reply.str_field("refresh_token").map(SecretString::from),
            api_domain: reply.str_field("api_domain").map(str::to_owned),
            lifetime: lifetime(&reply.body).unwrap_or(DEFAULT_LIFETIME),
            scope: reply.str_field("scope").map(str::to_owned),
        })
    }
}

/// A number, or a number in a string.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

fn secs(s: f64) -> Option<Duration> {
    // At most ten years: anything longer is nonsense and would overflow `SystemTime`.
    if s.is_finite() && (0.0..=10.0 * 365.0 * 86_400.0).contains(&s) {
        Duration::try_from_secs_f64(s).ok()
    } else {
        None
    }
}

/// `expires_in` in seconds; but when the legacy `expires_in_sec` is present, `expires_in` is in
/// milliseconds (as Zoho's own CRM SDK reads it).
pub(crate) fn lifetime(body: &Map<String, Value>) -> Option<Duration> {
    if let Some(v) = body.get("expires_in_sec") {
        if let Some(d) = number(v).and_then(secs) {
            return Some(d);
        }
        return body.get("expires_in").and_then(number).and_then(|ms| secs(ms / 1000.0));
    }
    body.get("expires_in").and_then(number).and_then(secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn expires_in_is_lenient() {
        assert_eq!(lifetime(&map(json!({"expires_in": 3600}))), Some(Duration::from_secs(3600)));
        assert_eq!(lifetime(&map(json!({"expires_in": "3600"}))), Some(Duration::from_secs(3600)));
        assert_eq!(
            lifetime(&map(json!({"expires_in": 3_600_000, "expires_in_sec": 3600}))),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            lifetime(&map(json!({"expires_in": 3_600_000, "expires_in_sec": "x"}))),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(lifetime(&map(json!({"expires_in": -5}))), None);
        assert_eq!(lifetime(&map(json!({"expires_in": 1e300}))), None);
        assert_eq!(lifetime(&map(json!({}))), None);
    }

    #[test]
    fn errors_map_by_grant() {
        assert!(matches!(map_error(Grant::AuthorizationCode, "invalid_code", None), OAuthError::InvalidCode));
        assert!(matches!(map_error(Grant::RefreshToken, "invalid_code", None), OAuthError::InvalidRefreshToken));
        assert!(matches!(map_error(Grant::DeviceToken, "access_denied", None), OAuthError::ConsentDenied { .. }));
        assert!(matches!(
            map_error(Grant::RefreshToken, "Access Denied", Some("slow down".into())),
            OAuthError::AccessDenied { description } if description == "slow down"
        ));
        assert!(matches!(
            map_error(
                Grant::AuthorizationCode,
                "Access Denied",
                Some("You have reached the maximum refresh token limit".into())
            ),
            OAuthError::RefreshTokenLimit
        ));
        assert!(matches!(
            map_error(Grant::ClientCredentials, "missing_org_info", None),
            OAuthError::Zoho { error, .. } if error == "missing_org_info"
        ));
    }
}
