//! A redirect listener on `127.0.0.1` for desktop and CLI programs.
//!
//! Any local process can connect to the listener, so it is served as a hostile place: every
//! connection is served on its own task (a silent or slow one delays nobody), each must send its
//! request head within a read timeout, and only a redirect carrying the sign-in's `state` ends the
//! wait; anything else gets an error page and is ignored.

use super::OAuthClient;
use super::web::{AuthorizeOptions, Callback};
use crate::error::OAuthError;
use crate::scope::{Dynamic, DynamicScopes, ScopeSet};
use crate::token::{ScopeRequirement, Token};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use secrecy::{ExposeSecret, SecretString};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use url::Url;

/// How long a connection may take to send its request head, by default.
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the browser's connection is given to receive the final page.
const FINAL_PAGE_WAIT: Duration = Duration::from_secs(5);

/// A listener on `127.0.0.1` that waits for the authorization redirect of one sign-in.
///
/// Bind it first, register [`redirect_uri`](Self::redirect_uri) for the client (Zoho matches
/// redirect URIs exactly, so a fixed port with [`bind_port`](Self::bind_port) is the usual
/// choice), then call [`OAuthClient::authorize_with_loopback`].
///
/// Other local processes can reach the port too. Connections are served concurrently, each
/// must send its request head within [`read_timeout`](Self::read_timeout), requests for other
/// paths get a 404 page, and redirects whose `state` is not the sign-in's get an error page and
/// are ignored: the listener keeps waiting for the real redirect until the sign-in's deadline.
#[derive(Debug)]
pub struct LoopbackServer {
    listener: TcpListener,
    redirect_uri: Url,
    read_timeout: Duration,
}

/// The page a request gets.
struct Page {
    status: StatusCode,
    title: &'static str,
    message: String,
}

impl Page {
    fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        Page { status, title, message: message.into() }
    }

    fn signed_in() -> Self {
        Page::new(StatusCode::OK, "Signed in", "You can close this tab and return to the application.")
    }

    fn into_response(self) -> Response<Full<Bytes>> {
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body><h1>{title}</h1><p>{message}</p></body></html>",
            title = self.title,
            message = html_escape(&self.message)
        );
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers
            .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/html; charset=utf-8"));
        headers.insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static("no-store"));
        headers.insert(hyper::header::CONNECTION, hyper::header::HeaderValue::from_static("close"));
        response
    }
}

/// The redirect that carried the right `state`: its query, where to send the page, and the
/// task of its connection (awaited, bounded, so the page reaches the browser).
struct Arrived {
    query: String,
    page: oneshot::Sender<Page>,
    connection: u64,
}

/// What every connection's task shares.
struct Shared {
    path: String,
    state: SecretString,
    found: mpsc::Sender<Arrived>,
}

impl LoopbackServer {
    /// Listens on `127.0.0.1` on an ephemeral port; the redirect URI is
    /// `http://127.0.0.1:{port}/callback`.
    pub async fn bind() -> Result<Self, OAuthError> {
        Self::bind_port(0, "/callback").await
    }

    /// Listens on `127.0.0.1:{port}` (0 = any free port) for redirects to `path`.
    pub async fn bind_port(port: u16, path: &str) -> Result<Self, OAuthError> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| OAuthError::Loopback(Arc::new(e)))?;
        let port = listener.local_addr().map_err(|e| OAuthError::Loopback(Arc::new(e)))?.port();
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        let redirect_uri = Url::parse(&format!("http://127.0.0.1:{port}{path}"))
            .map_err(|e| OAuthError::Config(format!("bad loopback path {path:?}: {e}")))?;
        Ok(LoopbackServer { listener, redirect_uri, read_timeout: DEFAULT_READ_TIMEOUT })
    }

    /// How long each connection may take to send its request head before it is closed
    /// (default 10 s). Browsers send theirs at once; this bounds what a silent local process
    /// can hold.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The redirect URI to register and send.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Waits (at most `timeout`) for the redirect to the redirect URI that carries `state` (the
    /// [`PendingAuthorization::state`](super::PendingAuthorization::state) of the sign-in),
    /// answers it with a short "you can close this tab" page and returns the callback's query.
    /// Redirects with another `state` get an error page and are ignored; requests for other
    /// paths (e.g. `/favicon.ico`) get a 404 page.
    pub async fn receive(self, state: &str, timeout: Duration) -> Result<String, OAuthError> {
        let mut waiting = self.wait(state, timeout).await?;
        let query = std::mem::take(&mut waiting.arrived.query);
        waiting.finish(Page::signed_in()).await;
        Ok(query)
    }

    /// Serves connections until the redirect with `state` arrives or `timeout` passes.
    async fn wait(self, state: &str, timeout: Duration) -> Result<Waiting, OAuthError> {
        let deadline = Instant::now() + timeout;
        let (found, mut arrivals) = mpsc::channel(1);
        let shared = Arc::new(Shared { path: self.redirect_uri.path().to_owned(), state: state.into(), found });
        let mut connections: Vec<(u64, JoinHandle<()>)> = Vec::new();
        let mut next_id = 0u64;
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    // A failed accept (e.g. the peer reset at once) concerns only that connection.
                    let Ok((stream, _peer)) = accepted else { continue };
                    connections.retain(|(_, task)| !task.is_finished());
                    next_id += 1;
                    let task = tokio::spawn(serve_connection(stream, Arc::clone(&shared), next_id, self.read_timeout));
                    connections.push((next_id, task));
                }
                Some(arrived) = arrivals.recv() => {
                    return Ok(Waiting { arrived, connections });
                }
                () = tokio::time::sleep_until(deadline) => {
                    for (_, task) in &connections {
                        task.abort();
                    }
                    return Err(OAuthError::LoopbackTimeout { waited: timeout });
                }
            }
        }
    }
}

/// The wait is over: the redirect's connection waits for its page; the others are closed.
struct Waiting {
    arrived: Arrived,
    connections: Vec<(u64, JoinHandle<()>)>,
}

impl Waiting {
    /// Sends `page` to the browser and waits (briefly) until it is written; closes every other
    /// connection.
    async fn finish(self, page: Page) {
        let Waiting { arrived, connections } = self;
        let _ = arrived.page.send(page);
        for (id, task) in connections {
            if id == arrived.connection {
                if tokio::time::timeout(FINAL_PAGE_WAIT, task).await.is_err() {
                    tracing::debug!("the browser did not take the sign-in page in time");
                }
            } else {
                task.abort();
            }
        }
    }
}

/// Serves one connection: HTTP/1 without keep-alive, its request head within `read_timeout`.
async fn serve_connection(stream: tokio::net::TcpStream, shared: Arc<Shared>, id: u64, read_timeout: Duration) {
    let requested = Arc::new(AtomicBool::new(false));
    let service = {
        let requested = Arc::clone(&requested);
        hyper::service::service_fn(move |request: Request<Incoming>| {
            requested.store(true, Ordering::Relaxed);
            let shared = Arc::clone(&shared);
            async move { Ok::<_, Infallible>(answer(&request, &shared, id).await.into_response()) }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = &mut connection => return,
        () = tokio::time::sleep(read_timeout) => {}
    }
    // No request within the read timeout: close (hyper's own head timeout does the same for a
    // head that started); a request being answered may take as long as the token exchange.
    if requested.load(Ordering::Relaxed) {
        let _ = connection.await;
    }
}

/// The page for one request; the redirect with the right `state` waits for the sign-in's outcome.
async fn answer(request: &Request<Incoming>, shared: &Shared, connection: u64) -> Page {
    if request.method() != hyper::Method::GET || request.uri().path() != shared.path {
        return Page::new(StatusCode::NOT_FOUND, "Not found", "This address only receives the sign-in redirect.");
    }
    let query = request.uri().query().unwrap_or("");
    let callback = Callback::parse(query);
    let matches = callback
        .state
        .as_deref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(shared.state.expose_secret().as_bytes())));
    if !matches {
        tracing::debug!("loopback: a redirect with the wrong state was ignored");
        return Page::new(
            StatusCode::BAD_REQUEST,
            "Not this sign-in",
            "This link does not belong to the sign-in in progress, and was ignored. Start the sign-in from \
             the application.",
        );
    }
    let (page, outcome) = oneshot::channel();
    let arrived = Arrived { query: query.to_owned(), page, connection };
    if shared.found.send(arrived).await.is_err() {
        return finished_page();
    }
    outcome.await.unwrap_or_else(|_| finished_page())
}

fn finished_page() -> Page {
    Page::new(StatusCode::BAD_REQUEST, "Sign-in finished", "This sign-in is already over. You can close this tab.")
}

impl OAuthClient {
    /// The whole sign-in for a desktop or CLI program: builds the authorization URL with the
    /// loopback's redirect URI and PKCE (always, whatever `options` says: any local process can
    /// see the redirect), hands it to `open` (open the user's browser with it), waits at most
    /// `timeout` for the redirect carrying this sign-in's `state`, completes the flow, and tells
    /// the browser the outcome ("you can close this tab").
    pub async fn authorize_with_loopback<S, F>(
        &self,
        server: LoopbackServer,
        options: AuthorizeOptions,
        open: F,
        timeout: Duration,
    ) -> Result<Token<S>, OAuthError>
    where
        S: ScopeSet,
        F: FnOnce(&Url),
    {
        self.loopback_flow(server, &S::OAUTH.join(","), &super::requested_scopes::<S>(), options, open, timeout).await
    }

    /// [`authorize_with_loopback`](Self::authorize_with_loopback) for scopes known only at run
    /// time (a command-line tool's `--scopes`). The token is a [`Token<Dynamic>`](crate::Token):
    /// it claims no scope set, and its granted scopes (Zoho's answer, else `scopes`) are checked
    /// per call ([`Client::send_checked`](crate::Client::send_checked)) or when narrowed
    /// ([`Token::require`](crate::Token::require)).
    pub async fn authorize_with_loopback_dynamic<F>(
        &self,
        server: LoopbackServer,
        scopes: &DynamicScopes,
        options: AuthorizeOptions,
        open: F,
        timeout: Duration,
    ) -> Result<Token<Dynamic>, OAuthError>
    where
        F: FnOnce(&Url),
    {
        self.loopback_flow(server, &scopes.to_string(), scopes, options, open, timeout).await
    }

    async fn loopback_flow<S, F>(
        &self,
        server: LoopbackServer,
        scope: &str,
        requested: &DynamicScopes,
        options: AuthorizeOptions,
        open: F,
        timeout: Duration,
    ) -> Result<Token<S>, OAuthError>
    where
        S: ScopeRequirement,
        F: FnOnce(&Url),
    {
        let options = options.redirect_uri(server.redirect_uri.clone()).pkce();
        let (url, pending) = self.authorize_url_for::<S>(scope, &options).await?;
        open(&url);
        let mut waiting = server.wait(pending.state(), timeout).await?;
        let query = std::mem::take(&mut waiting.arrived.query);
        let result = self.complete_requested(pending, &query, requested).await;
        let page = match &result {
            Ok(_) => Page::signed_in(),
            Err(e) => Page::new(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                format!("Sign-in failed: {e}. You can close this tab."),
            ),
        };
        waiting.finish(page).await;
        result
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
