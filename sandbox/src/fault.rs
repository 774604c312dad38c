//! Fault injection.

use std::time::Duration;

/// Which requests a [`Fault`] (or a counter) applies to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /oauth/v2/token` (every grant type).
    Token,
    /// `POST /oauth/v2/token/revoke`.
    Revoke,
    /// `/oauth/v2/auth` and its consent form.
    Auth,
    /// `POST /oauth/v3/device/code`.
    DeviceCode,
    /// `POST /oauth/v3/device/token`.
    DeviceToken,
    /// The device verification page `/oauth/v3/device`.
    DeviceVerify,
    /// `GET /oauth/serverinfo`.
    ServerInfo,
    /// Any Projects API call (`/api/v3/...` or `/restapi/...` on the Projects host).
    Api,
    /// Any call to a service on the `api_domain` host (`www.zohoapis.<tld>`; the sandbox's
    /// WorkDrive subset, `/workdrive/...`).
    ApiDomain,
    /// A path pattern such as `/api/v3/portal/*/projects/*/tasks`. Segments written `*` or
    /// `{name}` match any single segment; a final `**` matches the rest. The query string is
    /// ignored, and so is a trailing slash.
    Path(String),
    /// Any request at all.
    Any,
}

impl Route {
    /// Whether a request to `path` (classified as `kind`) falls under this route.
    pub fn matches(&self, kind: &Route, path: &str) -> bool {
        match self {
            Route::Any => true,
            Route::Path(p) => path_matches(p, path),
            other => other == kind,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Route::Token => "token",
            Route::Revoke => "revoke",
            Route::Auth => "auth",
            Route::DeviceCode => "device_code",
            Route::DeviceToken => "device_token",
            Route::DeviceVerify => "device_verify",
            Route::ServerInfo => "serverinfo",
            Route::Api => "api",
            Route::ApiDomain => "api_domain",
            Route::Path(_) => "path",
            Route::Any => "other",
        }
    }
}

pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut i = 0;
    for (n, p) in pat.iter().enumerate() {
        if *p == "**" && n == pat.len() - 1 {
            return true;
        }
        let Some(s) = segs.get(i) else { return false };
        let wild = *p == "*" || (p.starts_with('{') && p.ends_with('}'));
        if !wild && p != s {
            return false;
        }
        i += 1;
    }
    i == segs.len()
}

/// What an injected fault does to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this HTTP status and a Zoho-looking error body (HTML for Accounts pages and the
    /// token endpoint, the V3 error JSON for API calls).
    Status(u16),
    /// Answer with exactly this status, content type and body.
    Respond {
        /// HTTP status.
        status: u16,
        /// `Content-Type` header.
        content_type: String,
        /// The body, verbatim.
        body: String,
    },
    /// Wait this long (real time, on tokio's clock) and then handle the request normally.
    Delay(Duration),
    /// HTTP 200, `Content-Type: application/json`, and a truncated, unparsable JSON body.
    MalformedBody,
    /// Close the connection without sending any response.
    DropConnection,
    /// HTTP 200 with an error in the body: `{"error": "<value>"}` for Accounts (plus Zoho's
    /// throttling description when the value is `Access Denied`), or a V3 error object for API
    /// calls.
    OkWithError(String),
}

/// A fault to inject into the next matching requests: see [`crate::Sandbox::inject`].
///
/// ```
/// use zoho_sandbox::{Fault, Route};
/// let f = Fault::status(500).on(Route::Token).times(2);
/// # let _ = f;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// Which requests it applies to (default [`Route::Any`]).
    pub route: Route,
    /// How many matching requests it applies to; `None` means every one until cleared. Default 1.
    pub times: Option<u32>,
    /// Extra headers on the fault's answer, e.g. `Retry-After` (Zoho documents none; this lets a
    /// test check how a client treats one).
    pub headers: Vec<(String, String)>,
}

impl Fault {
    fn new(kind: FaultKind) -> Self {
        Fault { kind, route: Route::Any, times: Some(1), headers: Vec::new() }
    }

    /// Answer with this HTTP status and a Zoho-looking error body.
    pub fn status(status: u16) -> Self {
        Fault::new(FaultKind::Status(status))
    }

    /// Answer with exactly this status, content type and body.
    pub fn respond(status: u16, content_type: &str, body: &str) -> Self {
        Fault::new(FaultKind::Respond { status, content_type: content_type.to_owned(), body: body.to_owned() })
    }

    /// Delay the answer by `by` (real time), then answer normally.
    pub fn delay(by: Duration) -> Self {
        Fault::new(FaultKind::Delay(by))
    }

    /// HTTP 200 with a body that is not valid JSON.
    pub fn malformed_body() -> Self {
        Fault::new(FaultKind::MalformedBody)
    }

    /// Close the connection without an answer.
    pub fn drop_connection() -> Self {
        Fault::new(FaultKind::DropConnection)
    }

    /// HTTP 200 carrying an error, e.g. `Fault::ok_with_error("Access Denied")`.
    pub fn ok_with_error(error: &str) -> Self {
        Fault::new(FaultKind::OkWithError(error.to_owned()))
    }

    /// Zoho's token throttling answer: HTTP 200, `{"error":"Access Denied","error_description":…}`.
    pub fn throttled() -> Self {
        Fault::ok_with_error("Access Denied")
    }

    /// Adds a header to the fault's answer, e.g. `Fault::status(429).header("Retry-After", "2")`
    /// (not for [`Fault::delay`] and [`Fault::drop_connection`], whose answers are the normal one
    /// and none).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Restrict the fault to `route`.
    pub fn on(mut self, route: Route) -> Self {
        self.route = route;
        self
    }

    /// Apply to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Apply to every matching request until [`crate::Sandbox::clear_faults`].
    pub fn always(mut self) -> Self {
        self.times = None;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn patterns() {
        assert!(path_matches("/api/v3/portal/*/projects", "/api/v3/portal/1/projects"));
        assert!(path_matches("/api/v3/portal/{p}/projects/", "/api/v3/portal/1/projects"));
        assert!(!path_matches("/api/v3/portal/*/projects", "/api/v3/portal/1/projects/2"));
        assert!(path_matches("/api/v3/**", "/api/v3/portal/1/projects/2"));
        assert!(!path_matches("/api/v3/portal", "/api/v3"));
    }
}
