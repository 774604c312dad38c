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
use crate::config::{Dc, Limits};
use crate::fault::{FaultKind, Route};
use crate::state::{SeenRequest, State};
use crate::util::{Req, Resp, json, page, raw, redact_query};

/// How many requests `requests_seen` and the route counters remember.
const MAX_SEEN: usize = 200_000;

/// State shared by every listener.
pub(crate) struct Shared {
    pub(crate) clock: Clock,
    pub(crate) limits: Limits,
    pub(crate) auto_approve: AtomicBool,
    pub(crate) max_body: usize,
    /// Base URL per DC (index = `Dc::index`).
    pub(crate) urls: Vec<Url>,
    pub(crate) st: Mutex<State>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn url(&self, dc: Dc) -> &Url {
        &self.urls[dc.index()]
    }

    /// The accounts server as Zoho writes it in `accounts-server`: no trailing slash.
    pub(crate) fn accounts_server(&self, dc: Dc) -> String {
        self.url(dc).as_str().trim_end_matches('/').to_owned()
    }

    pub(crate) fn auto_approve(&self) -> bool {
        self.auto_approve.load(Ordering::SeqCst)
    }
}

/// Classifies a path for faults and counters.
pub(crate) fn classify(path: &str) -> Route {
    let p = path.trim_end_matches('/');
    match p {
        "/oauth/v2/token" => Route::Token,
        "/oauth/v2/token/revoke" | "/oauth/v2/revoke/token" => Route::Revoke,
        "/oauth/v2/auth" | "/oauth/v2/auth/consent" => Route::Auth,
        "/oauth/v3/device/code" => Route::DeviceCode,
        "/oauth/v3/device/token" => Route::DeviceToken,
        "/oauth/v3/device" | "/oauth/v3/device/verify" => Route::DeviceVerify,
        "/oauth/serverinfo" => Route::ServerInfo,
        _ if p.starts_with("/api/") || p == "/api" || p.starts_with("/restapi") => Route::Api,
        _ => Route::Any,
    }
}

/// Runs one DC's accept loop until `shutdown` flips.
pub(crate) async fn serve(listener: TcpListener, dc: Dc, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
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
                async move { Ok::<_, Infallible>(handle(shared, dc, req, kill).await) }
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

async fn handle(shared: Arc<Shared>, dc: Dc, req: Request<Incoming>, kill: Arc<Notify>) -> Resp {
    let (parts, body) = req.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| path.clone());
    let route = classify(&path);
    let now = shared.clock.now_ms();
    let fault = {
        let mut st = shared.lock();
        st.seen.push(SeenRequest {
            dc,
            method: method.to_string(),
            path_and_query: path_and_query.clone(),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            route: route.clone(),
            at_ms: now,
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
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default();
    let req = Req { dc, method: method.clone(), path: path.clone(), query, headers: parts.headers, body };
    let resp = match route {
        Route::Api => crate::api::handle(&shared, &req),
        Route::Any => not_found(&req),
        _ => crate::accounts::handle(&shared, &route, &req),
    };
    tracing::info!(dc = %dc, route = route.name(), method = %method, path = %path, query = %query_log, status = resp.status().as_u16(), "request");
    resp
}

fn log(dc: Dc, method: &axum::http::Method, path: &str, query: &str, status: u16) {
    tracing::info!(dc = %dc, method = %method, path = %path, query = %query, status, "request");
}

fn too_large(route: &Route, path: &str) -> Resp {
    match route {
        Route::Api => crate::api::v3_error(413, path, "REQUEST_BODY_TOO_LARGE", "The request body is too large."),
        _ => json(413, &json!({"error": "invalid_request", "error_description": "request body too large"})),
    }
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
