//! Listeners, request intake, fault injection, logging, dispatch.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use url::Url;

use crate::clock::Clock;
use crate::config::Dc;
use crate::fault::{FaultKind, Route};
use crate::hosts::Service;
use crate::state::{SeenRequest, State};
use crate::util::{Req, Resp, json, page, raw, redact_query};

/// How many requests `requests_seen` and the route counters remember.
const MAX_SEEN: usize = 200_000;

/// The number of the next request recorded in `requests_seen`, unique across sandboxes.
static SEEN_SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// State shared by every listener.
pub(crate) struct Shared {
    pub(crate) clock: Clock,
    pub(crate) limits: crate::control::LimitsCell,
    /// Whether the control API answers under `/__sandbox`.
    pub(crate) control: bool,
    /// Where the control API is advertised (the root of the US accounts listener, or of the
    /// single port).
    pub(crate) control_url: Url,
    pub(crate) auto_approve: AtomicBool,
    pub(crate) max_body: usize,
    /// Advertised base URL per DC and host family (`urls[dc.index()][service.index()]`).
    pub(crate) urls: Vec<Vec<Url>>,
    pub(crate) st: Mutex<State>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn url(&self, dc: Dc, service: Service) -> &Url {
        &self.urls[dc.index()][service.index()]
    }

    /// The accounts server as Zoho writes it in `accounts-server`: no trailing slash.
    pub(crate) fn accounts_server(&self, dc: Dc) -> String {
        self.url(dc, Service::Accounts).as_str().trim_end_matches('/').to_owned()
    }

    /// The `api_domain` of a token answer (`https://www.zohoapis.<tld>` at Zoho): no trailing slash.
    pub(crate) fn api_domain(&self, dc: Dc) -> String {
        self.url(dc, Service::ApiDomain).as_str().trim_end_matches('/').to_owned()
    }

    /// The Projects API base, no trailing slash (for links in answers).
    pub(crate) fn projects_base(&self, dc: Dc) -> String {
        self.url(dc, Service::Projects).as_str().trim_end_matches('/').to_owned()
    }

    pub(crate) fn auto_approve(&self) -> bool {
        self.auto_approve.load(Ordering::SeqCst)
    }
}

/// What a listener serves.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Binding {
    /// One host family of one DC.
    Fixed(Dc, Service),
    /// Every host, told apart by `Host` or path prefix (single-port mode).
    Routed,
}

/// Classifies a path on one host family for faults and counters.
pub(crate) fn classify(service: Service, path: &str) -> Route {
    match service {
        Service::Accounts => classify_accounts(path),
        Service::Projects => {
            let p = path.trim_end_matches('/');
            if p.starts_with("/api/") || p == "/api" || p.starts_with("/restapi") { Route::Api } else { Route::Any }
        }
        Service::ApiDomain => {
            if path.starts_with("/workdrive/") {
                Route::ApiDomain
            } else {
                Route::Any
            }
        }
    }
}

fn classify_accounts(path: &str) -> Route {
    let p = path.trim_end_matches('/');
    match p {
        "/oauth/v2/token" => Route::Token,
        "/oauth/v2/token/revoke" | "/oauth/v2/revoke/token" => Route::Revoke,
        "/oauth/v2/auth" | "/oauth/v2/auth/consent" => Route::Auth,
        "/oauth/v3/device/code" => Route::DeviceCode,
        "/oauth/v3/device/token" => Route::DeviceToken,
        "/oauth/v3/device" | "/oauth/v3/device/verify" => Route::DeviceVerify,
        "/oauth/serverinfo" => Route::ServerInfo,
        _ => Route::Any,
    }
}

/// Runs one listener's accept loop until `shutdown` flips.
pub(crate) async fn serve(
    listener: TcpListener,
    binding: Binding,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _peer)) = accepted else {
            // e.g. too many open files: back off instead of spinning
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            continue;
        };
        let shared = shared.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let k2 = kill.clone();
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let shared = shared.clone();
                let kill = k2.clone();
                async move { Ok::<_, Infallible>(handle(shared, binding, req, kill).await) }
            });
            // HTTP/1.1, and HTTP/2 with prior knowledge (h2c), so that a test can multiplex
            // thousands of concurrent calls over one connection.
            let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
                _ = conn_shutdown.changed() => {}
            }
        });
    }
}

/// Which host a request on a single-port listener is for: the path prefix first (no Zoho path
/// starts with `/us/accounts/`, and the sandbox's own pages link with it), then `Host` (Zoho's
/// names). Returns the host and the path that host sees.
fn route_single_port(parts: &axum::http::request::Parts) -> Option<(Dc, Service, String)> {
    if let Some((dc, s, rest)) = crate::hosts::from_path(parts.uri.path()) {
        return Some((dc, s, rest.to_owned()));
    }
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()));
    host.and_then(crate::hosts::from_host).map(|(dc, s)| (dc, s, parts.uri.path().to_owned()))
}

async fn handle(shared: Arc<Shared>, binding: Binding, req: Request<Incoming>, kill: Arc<Notify>) -> Resp {
    let (parts, body) = req.into_parts();
    let method = parts.method.clone();
    let path_and_query =
        parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| parts.uri.path().to_owned());
    if shared.control
        && let Some(rest) = parts.uri.path().strip_prefix(crate::control::PREFIX)
        && (rest.is_empty() || rest.starts_with('/'))
    {
        return control(&shared, parts, body).await;
    }
    let (dc, service, path) = match binding {
        Binding::Fixed(dc, s) => (dc, s, parts.uri.path().to_owned()),
        Binding::Routed => match route_single_port(&parts) {
            Some(r) => r,
            None => {
                let query_log = parts.uri.query().map(redact_query).unwrap_or_default();
                tracing::info!(method = %method, path = %parts.uri.path(), query = %query_log, status = 404, "request for no known host");
                return unknown_host(&shared, parts.uri.path());
            }
        },
    };
    let route = classify(service, &path);
    let now = shared.clock.now_ms();
    let seq = SEEN_SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let fault = {
        let mut st = shared.lock();
        st.seen.push(SeenRequest {
            dc,
            service,
            method: method.to_string(),
            path_and_query: path_and_query.clone(),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            route: route.clone(),
            at_ms: now,
            body: Vec::new(),
            seq,
        });
        st.counters.hits.push((route.clone(), path.clone()));
        // keep memory bounded in a long-running binary
        if st.seen.len() > MAX_SEEN {
            st.seen.drain(..MAX_SEEN / 10);
        }
        if st.counters.hits.len() > MAX_SEEN {
            st.counters.hits.drain(..MAX_SEEN / 10);
        }
        st.take_fault(&route, &path)
    };
    let query_log = parts.uri.query().map(redact_query).unwrap_or_default();
    if let Some(f) = &fault {
        tracing::info!(dc = %dc, method = %method, path = %path, query = %query_log, fault = ?f.kind, "fault injected");
        match &f.kind {
            FaultKind::Delay(d) => tokio::time::sleep(*d).await,
            FaultKind::DropConnection => {
                kill.notify_one();
                std::future::pending::<()>().await;
            }
            other => return with_headers(fault_response(other, &route, &path), &f.headers),
        }
    }

    let body = match axum::body::to_bytes(Body::new(body), shared.max_body).await {
        Ok(b) => b,
        Err(_) => {
            let resp = too_large(&route, &path);
            log(dc, &method, &path, &query_log, resp.status().as_u16());
            return resp;
        }
    };
    if !body.is_empty() {
        let mut st = shared.lock();
        if let Some(seen) = st.seen.iter_mut().rev().find(|r| r.seq == seq) {
            seen.body = body[..body.len().min(crate::state::SEEN_BODY_BYTES)].to_vec();
        }
    }
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default();
    let req = Req { dc, method: method.clone(), path: path.clone(), query, headers: parts.headers, body };
    let resp = match route {
        Route::Api => crate::api::handle(&shared, &req),
        Route::ApiDomain => crate::apis::handle(&shared, &req),
        Route::Any if service == Service::ApiDomain => crate::apis::no_such_url(),
        Route::Any => not_found(&req),
        _ => crate::accounts::handle(&shared, &route, &req),
    };
    tracing::info!(dc = %dc, service = %service, route = route.name(), method = %method, path = %path, query = %query_log, status = resp.status().as_u16(), "request");
    resp
}

fn log(dc: Dc, method: &axum::http::Method, path: &str, query: &str, status: u16) {
    tracing::info!(dc = %dc, method = %method, path = %path, query = %query, status, "request");
}

fn too_large(route: &Route, path: &str) -> Resp {
    match route {
        Route::Api => crate::api::v3_error(413, path, "REQUEST_BODY_TOO_LARGE", "The request body is too large."),
        Route::ApiDomain => crate::apis::error(413, "F413", "The request body is too large."),
        _ => json(413, &json!({"error": "invalid_request", "error_description": "request body too large"})),
    }
}

/// The control API: not Zoho traffic, so neither recorded, counted nor subject to faults.
async fn control(shared: &Shared, parts: axum::http::request::Parts, body: Incoming) -> Resp {
    let rest = parts.uri.path().strip_prefix(crate::control::PREFIX).unwrap_or("").to_owned();
    let Ok(bytes) = axum::body::to_bytes(Body::new(body), shared.max_body).await else {
        return json(413, &json!({"error": "too_large", "message": "request body too large"}));
    };
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default();
    let req = Req {
        dc: Dc::Us,
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query,
        headers: parts.headers,
        body: bytes,
    };
    let resp = crate::control::handle(shared, &req, &rest);
    tracing::info!(method = %req.method, path = %req.path, status = resp.status().as_u16(), "control");
    resp
}

/// A single-port request that names no host: say how to name one.
fn unknown_host(shared: &Shared, path: &str) -> Resp {
    let mut list = String::new();
    for dc in Dc::ALL {
        for s in Service::ALL {
            list.push_str(&format!(
                "<li><code>{}</code> (Host <code>{}</code>)</li>",
                crate::util::esc(shared.url(dc, s).as_str()),
                s.zoho_host(dc)
            ));
        }
    }
    page(
        404,
        "Page not found",
        &format!(
            "<p>The page <code>{}</code> names no Zoho host. This sandbox serves every host on one port: \
             start the path with a host's prefix or send its name as <code>Host</code>.</p><ul>{list}</ul>",
            crate::util::esc(path)
        ),
    )
}

fn not_found(req: &Req) -> Resp {
    page(
        404,
        "Page not found",
        &format!("<p>The page <code>{}</code> does not exist on this sandbox.</p>", crate::util::esc(&req.path)),
    )
}

/// Adds a fault's extra headers (names or values that are not valid HTTP are skipped).
fn with_headers(mut resp: Resp, headers: &[(String, String)]) -> Resp {
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) =
            (axum::http::HeaderName::from_bytes(name.as_bytes()), axum::http::HeaderValue::from_str(value))
        {
            resp.headers_mut().append(n, v);
        }
    }
    resp
}

fn fault_response(kind: &FaultKind, route: &Route, path: &str) -> Resp {
    match kind {
        FaultKind::Status(s) => match route {
            Route::Api => crate::api::v3_error(*s, path, "INTERNAL_SERVER_ERROR", "Injected fault."),
            Route::ApiDomain => crate::apis::error(*s, "F500", "Injected fault."),
            _ => page(*s, "Error", "<p>An internal error occurred. Please try again later.</p>"),
        },
        FaultKind::Respond { status, content_type, body } => raw(*status, content_type, body.clone()),
        FaultKind::MalformedBody => raw(200, "application/json;charset=UTF-8", "{\"access_token\":\"1000.".to_owned()),
        FaultKind::OkWithError(e) => match route {
            Route::Api => {
                let mut r = crate::api::v3_error(200, path, e, e);
                *r.status_mut() = axum::http::StatusCode::OK;
                r
            }
            _ if e == "Access Denied" => json(200, &crate::accounts::access_denied_body()),
            _ => json(200, &json!({ "error": e })),
        },
        // handled by the caller
        FaultKind::Delay(_) | FaultKind::DropConnection => raw(500, "text/plain", String::new()),
    }
}
