//! The loopback sign-in against hostile local processes: any process on the machine can
//! connect to `127.0.0.1`, stay silent, or send a forged redirect before the browser's. Real
//! sockets, the real `zoho-sandbox` as Zoho.
#![allow(missing_docs, unreachable_pub)]

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;
use zoho_oauth_core::oauth::{AuthorizeOptions, LoopbackServer, OAuthClient};
use zoho_oauth_core::{ClientSecret, OAuthError, scope_set};
use zoho_sandbox::{ClientSpec, Dc, Route, Sandbox};

scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// The portal list only.
    pub struct Portals = ["ZohoProjects.portals.READ"];
}

async fn setup() -> (Sandbox, LoopbackServer, OAuthClient) {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let server = LoopbackServer::bind().await.expect("bind");
    let creds = sb.register_client(ClientSpec::web(server.redirect_uri().as_str()));
    let clock = sb.clock();
    let oauth = OAuthClient::builder(&creds.client_id, ClientSecret::new(creds.client_secret.as_str()))
        .redirect_uri(creds.redirect_uri.parse().expect("url"))
        .accounts_url(sb.accounts_url(Dc::Us))
        .clock(move || clock.now_system())
        .build()
        .expect("client");
    (sb, server, oauth)
}

fn param(url: &Url, key: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// What the "browser" and the hostile neighbours saw.
#[derive(Debug)]
struct Seen {
    forged: (u16, String),
    forged_error: (u16, String),
    favicon: u16,
    real: String,
}

#[tokio::test]
async fn a_silent_connection_and_a_forged_callback_arrive_first_and_the_real_sign_in_still_succeeds() {
    let (sb, server, oauth) = setup().await;
    let redirect = server.redirect_uri().clone();
    let (url_tx, url_rx) = tokio::sync::oneshot::channel();
    let (seen_tx, seen_rx) = tokio::sync::oneshot::channel();
    let token = oauth
        .authorize_with_loopback::<Portals, _>(
            server,
            AuthorizeOptions::new().offline(),
            |url| {
                let url = url.clone();
                let _ = url_tx.send(url.clone());
                tokio::spawn(async move {
                    let addr = format!("127.0.0.1:{}", redirect.port().expect("port"));
                    // A local process connects and says nothing; another sends half a head.
                    let silent = TcpStream::connect(&addr).await.expect("connect");
                    let mut slow = TcpStream::connect(&addr).await.expect("connect");
                    slow.write_all(b"GET /callback?code=1000.slow&state=").await.expect("write");
                    // A forged redirect to the callback path, with a code of the attacker's.
                    let http = reqwest::Client::new();
                    let mut forged_url = redirect.clone();
                    forged_url.set_query(Some("code=1000.forged.code&state=forged-state-0123456789"));
                    let r = http.get(forged_url).send().await.expect("forged");
                    let forged = (r.status().as_u16(), r.text().await.expect("page"));
                    let mut forged_url = redirect.clone();
                    forged_url.set_query(Some("error=access_denied"));
                    let r = http.get(forged_url).send().await.expect("forged error");
                    let forged_error = (r.status().as_u16(), r.text().await.expect("page"));
                    let favicon = http.get(redirect.join("/favicon.ico").expect("url")).send().await.expect("icon");
                    // Then the browser follows Zoho's redirect back to the listener.
                    let real = http.get(url).send().await.expect("browser").text().await.expect("page");
                    drop((silent, slow));
                    let _ = seen_tx.send(Seen { forged, forged_error, favicon: favicon.status().as_u16(), real });
                });
            },
            Duration::from_secs(20),
        )
        .await
        .expect("the real sign-in succeeds");
    assert!(token.refresh_token().is_some());
    let seen = seen_rx.await.expect("browser finished");
    assert_eq!(seen.forged.0, 400, "{seen:?}");
    assert!(seen.forged.1.contains("does not belong to the sign-in in progress"), "{seen:?}");
    assert_eq!(seen.forged_error.0, 400, "{seen:?}");
    assert_eq!(seen.favicon, 404);
    assert!(seen.real.contains("close this tab"), "{seen:?}");
    // Only the real code was exchanged: one token request, with PKCE.
    let token_requests = sb.requests_seen().into_iter().filter(|r| r.route == Route::Token).count();
    assert_eq!(token_requests, 1);
    let url = url_rx.await.expect("url");
    assert_eq!(param(&url, "code_challenge_method").as_deref(), Some("S256"));
}

#[tokio::test]
async fn the_loopback_sign_in_always_uses_pkce() {
    let (_sb, server, oauth) = setup().await;
    let (url_tx, url_rx) = tokio::sync::oneshot::channel();
    // No `.pkce()` asked for.
    oauth
        .authorize_with_loopback::<Portals, _>(
            server,
            AuthorizeOptions::new(),
            |url| {
                let url = url.clone();
                let _ = url_tx.send(url.clone());
                tokio::spawn(async move { reqwest::get(url).await.expect("browser").text().await.expect("page") });
            },
            Duration::from_secs(20),
        )
        .await
        .expect("signed in");
    let url = url_rx.await.expect("url");
    assert_eq!(param(&url, "code_challenge_method").as_deref(), Some("S256"), "{url}");
    let challenge = param(&url, "code_challenge").expect("a challenge");
    assert_eq!(challenge.len(), 43, "S256 of a 32-byte verifier, base64url");
}

#[tokio::test]
async fn silent_and_slow_connections_are_closed_after_the_read_timeout_and_the_wrong_state_is_ignored() {
    let server = LoopbackServer::bind().await.expect("bind").read_timeout(Duration::from_millis(300));
    let redirect = server.redirect_uri().clone();
    let addr = format!("127.0.0.1:{}", redirect.port().expect("port"));
    let state = "s".repeat(43);
    let waiting = {
        let state = state.clone();
        tokio::spawn(async move { server.receive(&state, Duration::from_secs(120)).await })
    };
    let mut silent = TcpStream::connect(&addr).await.expect("connect");
    let mut slow = TcpStream::connect(&addr).await.expect("connect");
    slow.write_all(b"GET /callback?state=").await.expect("write");
    // Both are closed by the listener well before the sign-in's deadline (120 s); the guard
    // only keeps a listener that never closes them from hanging the test.
    for (name, conn) in [("silent", &mut silent), ("slow", &mut slow)] {
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(20), conn.read(&mut buf)).await;
        assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{name}: the connection stays open: {read:?}");
    }
    // A redirect with the wrong state gets an error page, and the listener keeps waiting.
    let http = reqwest::Client::new();
    let mut forged = redirect.clone();
    forged.set_query(Some(&format!("code=1000.forged&state={}", "t".repeat(43))));
    let r = http.get(forged).send().await.expect("forged");
    assert_eq!(r.status().as_u16(), 400);
    assert!(!waiting.is_finished());
    let mut real = redirect.clone();
    real.set_query(Some(&format!("code=1000.real&state={state}")));
    let r = http.get(real).send().await.expect("real");
    assert_eq!(r.status().as_u16(), 200);
    let query = waiting.await.expect("task").expect("the real redirect");
    assert_eq!(query, format!("code=1000.real&state={state}"));
}

#[tokio::test(start_paused = true)]
async fn a_sign_in_with_only_forged_redirects_ends_at_its_deadline() {
    let server = LoopbackServer::bind().await.expect("bind");
    let state = "s".repeat(43);
    let err = server.receive(&state, Duration::from_secs(90)).await.expect_err("nobody came");
    assert!(matches!(err, OAuthError::LoopbackTimeout { waited } if waited == Duration::from_secs(90)), "{err:?}");
}
