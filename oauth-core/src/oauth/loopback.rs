//! A one-shot redirect listener on `127.0.0.1` for desktop and CLI programs.

use super::OAuthClient;
use super::web::AuthorizeOptions;
use crate::error::OAuthError;
use crate::scope::ScopeSet;
use crate::token::Token;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use url::Url;

/// The largest request head accepted from the browser.
const MAX_HEAD: usize = 16 * 1024;

/// A listener on `127.0.0.1` that receives exactly one authorization redirect.
///
/// Bind it first, register [`redirect_uri`](Self::redirect_uri) for the client (Zoho matches
/// redirect URIs exactly, so a fixed port with [`bind_port`](Self::bind_port) is the usual
/// choice), then call [`OAuthClient::authorize_with_loopback`].
#[derive(Debug)]
pub struct LoopbackServer {
    listener: TcpListener,
    redirect_uri: Url,
}

impl LoopbackServer {
    /// Listens on `127.0.0.1` on an ephemeral port; the redirect URI is
    /// `http://127.0.0.1:{port}/callback`.
    pub async fn bind() -> Result<Self, OAuthError> {
        Self::bind_port(0, "/callback").await
    }

    /// Listens on `127.0.0.1:{port}` (0 = any free port) for redirects to `path`.
    pub async fn bind_port(port: u16, path: &str) -> Result<Self, OAuthError> {
        let listener =
            TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| OAuthError::Loopback(std::sync::Arc::new(e)))?;
        let port = listener.local_addr().map_err(|e| OAuthError::Loopback(std::sync::Arc::new(e)))?.port();
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        let redirect_uri = Url::parse(&format!("http://127.0.0.1:{port}{path}"))
            .map_err(|e| OAuthError::Config(format!("bad loopback path {path:?}: {e}")))?;
        Ok(LoopbackServer { listener, redirect_uri })
    }

    /// The redirect URI to register and send.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Waits (at most `timeout`) for the browser's redirect to the redirect URI, answers it
    /// with a short "you can close this tab" page and returns the callback's query. Requests
    /// for other paths (e.g. `/favicon.ico`) are answered 404 and ignored.
    pub async fn receive(self, timeout: Duration) -> Result<String, OAuthError> {
        let (query, stream) = self.accept_callback(timeout).await?;
        respond(stream, 200, "Signed in", "You can close this tab and return to the application.").await;
        Ok(query)
    }

    async fn accept_callback(&self, timeout: Duration) -> Result<(String, TcpStream), OAuthError> {
        let deadline = Instant::now() + timeout;
        loop {
            let accepted = tokio::time::timeout_at(deadline, self.listener.accept())
                .await
                .map_err(|_| OAuthError::LoopbackTimeout { waited: timeout })?;
            let Ok((mut stream, _peer)) = accepted else { continue };
            let head = match tokio::time::timeout_at(deadline, read_head(&mut stream)).await {
                Ok(Some(head)) => head,
                Ok(None) => continue,
                Err(_) => return Err(OAuthError::LoopbackTimeout { waited: timeout }),
            };
            let target = head
                .lines()
                .next()
                .and_then(|line| {
                    let mut parts = line.split(' ');
                    match (parts.next(), parts.next()) {
                        (Some("GET"), Some(target)) => Some(target.to_owned()),
                        _ => None,
                    }
                })
                .unwrap_or_default();
            let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
            if path != self.redirect_uri.path() {
                respond(stream, 404, "Not found", "This address only receives the sign-in redirect.").await;
                continue;
            }
            return Ok((query.to_owned(), stream));
        }
    }
}

/// Reads the request head (up to the blank line); `None` on a broken or oversized request.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_HEAD {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Writes a small HTML page and closes the connection; a browser that went away is ignored.
async fn respond(mut stream: TcpStream, status: u16, title: &str, message: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{message}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

impl OAuthClient {
    /// The whole sign-in for a desktop or CLI program: builds the authorization URL with the
    /// loopback's redirect URI, hands it to `open` (open the user's browser with it), waits at
    /// most `timeout` for the redirect, completes the flow, and tells the browser the outcome
    /// ("you can close this tab").
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
        let options = options.redirect_uri(server.redirect_uri.clone());
        let (url, pending) = self.authorize_url::<S>(&options)?;
        open(&url);
        let (query, stream) = server.accept_callback(timeout).await?;
        let result = self.complete(pending, &query).await;
        match &result {
            Ok(_) => respond(stream, 200, "Signed in", "You can close this tab and return to the application.").await,
            Err(e) => {
                let message = format!("Sign-in failed: {e}. You can close this tab.");
                respond(stream, 400, "Sign-in failed", &html_escape(&message)).await;
            }
        }
        result
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
