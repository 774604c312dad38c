//! The HTTP layer of both clients as the other side sees it: the `User-Agent` Zoho (the
//! sandbox) receives, a timeout configured with an HTTP client of the application's own applied
//! to each request, a connect timeout that cannot be applied refused, and a client of one's own
//! that follows redirects refused for token requests, and answers longer than the caps refused
//! without being read to the end (a raw local server counting what it could write). Real HTTP
//! against the sandbox.

#[path = "common/console.rs"]
mod console;
use console::console_token;

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use zoho_projects::bytes::Bytes;
use zoho_projects::oauth::OAuthClient;
use zoho_projects::prelude::*;
use zoho_projects::response::{DEFAULT_MAX_RESPONSE_BYTES, MAX_ACCOUNTS_RESPONSE_BYTES};
use zoho_projects::{ClientSecret, DEFAULT_USER_AGENT, Error, OAuthError, RetryPolicy};
use zoho_sandbox::{Dc, Fault, Route, Sandbox, SeenRequest};

scope_set! {
    struct Portals = ["ZohoProjects.portals.READ"];
}

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = Vec<serde_json::Value>)]
struct ListPortals;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/logo", scope = "ZohoProjects.portals.READ", response = Bytes)]
struct Logo {
    #[zoho(path)]
    portal: u64,
}

fn user_agent(seen: &SeenRequest) -> Option<&str> {
    seen.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("user-agent")).map(|(_, v)| v.as_str())
}

/// The `User-Agent` of the last request the sandbox saw whose path starts with `prefix`.
fn last_user_agent(sb: &Sandbox, prefix: &str) -> Option<String> {
    let seen = sb.requests_seen();
    let last = seen.iter().rev().find(|r| r.path_and_query.starts_with(prefix)).expect("a request was seen");
    user_agent(last).map(str::to_owned)
}

fn portals_client(sb: &Sandbox, access: &str, builder: zoho_projects::ClientBuilder) -> Client<Portals> {
    let token =
        Token::<Portals>::from_console(access, "ZohoProjects.portals.READ", Duration::from_secs(3600)).expect("token");
    builder.api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never()).build(token).expect("client")
}

fn oauth_builder(sb: &Sandbox) -> zoho_projects::oauth::OAuthClientBuilder {
    let app = sb.demo_client();
    OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
}

/// A self-client code exchanged by `oauth`: one token request the sandbox sees. A minute passes
/// first (on the sandbox's clock): Zoho allows 4 codes per minute per client and user.
async fn exchange(sb: &Sandbox, oauth: &OAuthClient) {
    sb.clock().advance(Duration::from_secs(61));
    let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
    oauth.exchange_self_client_code::<Portals>(&code).await.expect("token");
}

#[tokio::test]
async fn both_clients_send_the_user_agent_unless_told_otherwise() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let ours = format!("zoho-projects-rs/{}", env!("CARGO_PKG_VERSION"));
    let access = console_token(&sb, &["ZohoProjects.portals.READ"]).await;
    assert_eq!(DEFAULT_USER_AGENT, ours);

    // Clients built by the crate.
    exchange(&sb, &oauth_builder(&sb).build().expect("oauth")).await;
    assert_eq!(last_user_agent(&sb, "/oauth/v2/token").as_deref(), Some(ours.as_str()));
    portals_client(&sb, &access, Client::builder()).send(ListPortals).await.expect("portals");
    assert_eq!(last_user_agent(&sb, "/api/v3/portals").as_deref(), Some(ours.as_str()));

    // An HTTP client of the application's own (reqwest sends no User-Agent by itself).
    let plain = || {
        zoho_projects::reqwest::Client::builder()
            .redirect(zoho_projects::reqwest::redirect::Policy::none())
            .build()
            .expect("http")
    };
    exchange(&sb, &oauth_builder(&sb).http_client(plain()).build().expect("oauth")).await;
    assert_eq!(last_user_agent(&sb, "/oauth/v2/token").as_deref(), Some(ours.as_str()));
    portals_client(&sb, &access, Client::builder().http_client(plain())).send(ListPortals).await.expect("portals");
    assert_eq!(last_user_agent(&sb, "/api/v3/portals").as_deref(), Some(ours.as_str()));

    // Told otherwise: a value of the application's, or the own client's.
    exchange(&sb, &oauth_builder(&sb).user_agent("acme-sync/2").build().expect("oauth")).await;
    assert_eq!(last_user_agent(&sb, "/oauth/v2/token").as_deref(), Some("acme-sync/2"));
    let acme = zoho_projects::reqwest::Client::builder().user_agent("acme/1").build().expect("http");
    portals_client(&sb, &access, Client::builder().http_client(acme).no_user_agent())
        .send(ListPortals)
        .await
        .expect("portals");
    assert_eq!(last_user_agent(&sb, "/api/v3/portals").as_deref(), Some("acme/1"));
    sb.shutdown().await;
}

// Paused time: the sandbox's delay and the client's timeout are both tokio timers, and the
// runtime jumps to the next one when it has nothing else to do, so no test waits for real.
#[tokio::test(start_paused = true)]
async fn a_timeout_set_beside_an_own_http_client_applies_to_each_request() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &["ZohoProjects.portals.READ"]).await;
    // Zoho takes a minute to answer; the application's clients have no timeout of their own.
    sb.inject(Fault::delay(Duration::from_secs(60)).on(Route::Api).always());
    sb.inject(Fault::delay(Duration::from_secs(60)).on(Route::Token).always());
    let own = zoho_projects::reqwest::Client::new();

    let client =
        portals_client(&sb, &access, Client::builder().http_client(own.clone()).timeout(Duration::from_secs(5)));
    let started = tokio::time::Instant::now();
    match client.send(ListPortals).await {
        Err(Error::Transport(e)) => assert!(e.is_timeout(), "{e:?}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());

    let oauth = oauth_builder(&sb).http_client(own).timeout(Duration::from_secs(5)).build().expect("oauth");
    let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
    let started = tokio::time::Instant::now();
    match oauth.exchange_self_client_code::<Portals>(&code).await {
        Err(OAuthError::Transport(e)) => assert!(e.is_timeout(), "{e:?}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_connect_timeout_that_cannot_apply_is_refused() {
    let own = zoho_projects::reqwest::Client::new();
    let token =
        Token::<Portals>::from_console("1000.0123.4567", "ZohoProjects.portals.READ", Duration::from_secs(3600))
            .expect("token");
    let refused = Client::builder().http_client(own.clone()).connect_timeout(Duration::from_secs(2)).build(token);
    match refused {
        Err(Error::Config { message, .. }) => assert!(message.contains("connect timeout"), "{message}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    let refused = OAuthClient::builder("1000.CLIENT", ClientSecret::new("s"))
        .http_client(own)
        .connect_timeout(Duration::from_secs(2))
        .build();
    match refused {
        Err(OAuthError::Config(message)) => assert!(message.contains("connect timeout"), "{message}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// Whether `seen` carries a `Content-Length` above zero, i.e. a body.
fn has_body(seen: &SeenRequest) -> bool {
    seen.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("content-length") && v != "0")
}

#[tokio::test]
async fn token_requests_never_take_a_redirect() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let elsewhere = sb.accounts_url(Dc::Eu).join("oauth/v2/token").expect("url");
    let redirect = |status: u16| {
        Fault::respond(status, "text/plain", "moved").header("location", elsewhere.as_str()).on(Route::Token)
    };
    let to_eu = |sb: &Sandbox| sb.requests_seen().into_iter().filter(|r| r.dc == Dc::Eu).collect::<Vec<_>>();

    // The crate's own client does not follow it: Zoho's redirect is an unexpected answer.
    sb.inject(redirect(307));
    let oauth = oauth_builder(&sb).build().expect("oauth");
    let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
    let err = oauth.exchange_self_client_code::<Portals>(&code).await.expect_err("redirected");
    assert!(matches!(err, OAuthError::UnexpectedResponse { status: 307, .. }), "{err:?}");
    assert_eq!(to_eu(&sb).len(), 0, "nothing went to the redirect");
    // The form went to the accounts server it was meant for, with its length.
    let sent = sb.requests_seen().into_iter().rev().find(|r| r.path_and_query.starts_with("/oauth/v2/token"));
    assert!(sent.as_ref().is_some_and(has_body), "{sent:?}");

    // A client of one's own that follows redirects (reqwest's default). A 307 or 308 would have
    // it POST the form again (client secret and code) to `Location`: it is not followed.
    for status in [307, 308] {
        sb.clock().advance(Duration::from_secs(61));
        sb.inject(redirect(status));
        let oauth = oauth_builder(&sb).http_client(zoho_projects::reqwest::Client::new()).build().expect("oauth");
        let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
        let err = oauth.exchange_self_client_code::<Portals>(&code).await.expect_err("redirected");
        assert!(matches!(err, OAuthError::UnexpectedResponse { status: s, .. } if s == status), "{err:?}");
        assert_eq!(to_eu(&sb).len(), 0, "the form was not sent again to the redirect ({status})");
    }

    // A 302 or 303 it follows as a GET without the form: nothing secret leaves, and the answer
    // from elsewhere is refused.
    for status in [302, 303] {
        sb.clock().advance(Duration::from_secs(61));
        sb.inject(redirect(status));
        let oauth = oauth_builder(&sb).http_client(zoho_projects::reqwest::Client::new()).build().expect("oauth");
        let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
        let before = to_eu(&sb).len();
        let err = oauth.exchange_self_client_code::<Portals>(&code).await.expect_err("redirected");
        match err {
            OAuthError::Config(message) => assert!(message.contains("followed a redirect"), "{message}"),
            other => panic!("expected the redirect refused, got {other:?}"),
        }
        let followed = to_eu(&sb);
        assert_eq!(followed.len(), before + 1, "{status}");
        let last = followed.last().expect("the followed request");
        assert_eq!(last.method, "GET", "{status}");
        assert!(!has_body(last), "{status}: {last:?}");
        assert!(!last.path_and_query.contains(code.as_str()), "{status}: {last:?}");
    }
    sb.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Answers longer than the caps

/// What a raw server wrote on one connection: the body bytes the kernel took, and whether the
/// client closed the connection before the whole body was written.
#[derive(Debug)]
struct Written {
    body: u64,
    cut: bool,
}

/// How a raw server frames its body.
#[derive(Clone, Copy, Debug)]
enum Framing {
    Chunked,
    ContentLength,
}

/// A server on 127.0.0.1 that answers every request with `status` and `total` bytes of spaces
/// (valid JSON whitespace), framed as `framing`, written 64 KiB at a time for as long as the
/// client reads; each connection reports what it wrote.
async fn raw_server(
    status: &'static str,
    framing: Framing,
    total: u64,
) -> (url::Url, mpsc::UnboundedReceiver<Written>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().expect("addr"))).expect("url");
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let framing_header = match framing {
                    Framing::Chunked => "Transfer-Encoding: chunked".to_owned(),
                    Framing::ContentLength => format!("Content-Length: {total}"),
                };
                let response_head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{framing_header}\r\nConnection: close\r\n\r\n"
                );
                if sock.write_all(response_head.as_bytes()).await.is_err() {
                    return;
                }
                let spaces = vec![b' '; 64 * 1024];
                let mut written = 0u64;
                while written < total {
                    let n = (total - written).min(spaces.len() as u64) as usize;
                    let sent = match framing {
                        Framing::Chunked => {
                            let mut frame = format!("{n:x}\r\n").into_bytes();
                            frame.extend_from_slice(&spaces[..n]);
                            frame.extend_from_slice(b"\r\n");
                            sock.write_all(&frame).await
                        }
                        Framing::ContentLength => sock.write_all(&spaces[..n]).await,
                    };
                    if sent.is_err() {
                        let _ = tx.send(Written { body: written, cut: true });
                        return;
                    }
                    written += n as u64;
                }
                if let Framing::Chunked = framing {
                    let _ = sock.write_all(b"0\r\n\r\n").await;
                }
                let _ = sock.flush().await;
                let _ = tx.send(Written { body: written, cut: false });
            });
        }
    });
    (url, rx)
}

/// A client of the raw server at `base`, with a console token (the server checks none), no
/// retries and no rate limit.
fn raw_client(base: url::Url, builder: zoho_projects::ClientBuilder) -> Client<Portals> {
    let token =
        Token::<Portals>::from_console("1000.0123.4567", "ZohoProjects.portals.READ", Duration::from_secs(3600))
            .expect("token");
    builder.api_base(base).retry(RetryPolicy::never()).no_rate_limit().build(token).expect("client")
}

/// What a server tries to send: 256 MiB. Loopback socket buffers hold a few MiB at most, so a
/// client that stops reading is seen by the server as a write that fails long before the end.
const HUGE: u64 = 256 * 1024 * 1024;

/// The only connection's report, which must show the body cut well before its end.
async fn cut_early(rx: &mut mpsc::UnboundedReceiver<Written>) -> Written {
    let written = rx.recv().await.expect("the server reports");
    assert!(written.cut, "the client read the whole body: {written:?}");
    assert!(written.body < HUGE / 4, "{written:?}");
    assert!(rx.try_recv().is_err(), "one connection only");
    written
}

#[tokio::test]
async fn an_api_answer_past_the_cap_is_a_typed_error_and_is_not_read_to_the_end() {
    const CAP: u64 = 1024 * 1024;
    for framing in [Framing::Chunked, Framing::ContentLength] {
        // JSON and whole bytes alike.
        let (base, mut rx) = raw_server("200 OK", framing, HUGE).await;
        let client = raw_client(base, Client::builder().max_response_bytes(CAP));
        let err = client.send(ListPortals).await.expect_err("too large");
        let declared = match framing {
            Framing::Chunked => None,
            Framing::ContentLength => Some(HUGE),
        };
        match &err {
            Error::ResponseTooLarge { endpoint, limit, declared: d } => {
                assert_eq!((*endpoint, *limit, *d), ("/api/v3/portals", CAP, declared), "{framing:?}");
            }
            other => panic!("{framing:?}: expected ResponseTooLarge, got {other:?}"),
        }
        assert!(err.to_string().contains("1048576 bytes"), "{err}");
        assert!(!err.is_transient());
        cut_early(&mut rx).await;
        let err = client.send(Logo { portal: 1 }).await.expect_err("too large");
        assert!(matches!(err, Error::ResponseTooLarge { limit: CAP, .. }), "{framing:?}: {err:?}");
        cut_early(&mut rx).await;
    }

    // Exactly at the cap: read whole.
    let (base, mut rx) = raw_server("200 OK", Framing::Chunked, CAP).await;
    let client = raw_client(base, Client::builder().max_response_bytes(CAP));
    let logo = client.send(Logo { portal: 1 }).await.expect("at the cap");
    assert_eq!(logo.len() as u64, CAP);
    assert!(logo.iter().all(|b| *b == b' '));
    let written = rx.recv().await.expect("report");
    assert!(!written.cut && written.body == CAP, "{written:?}");
}

#[tokio::test]
async fn the_default_api_cap_is_16_mib() {
    assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 16 * 1024 * 1024);
    let (base, mut rx) = raw_server("200 OK", Framing::ContentLength, DEFAULT_MAX_RESPONSE_BYTES + 1).await;
    let err = raw_client(base, Client::builder()).send(ListPortals).await.expect_err("too large");
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: DEFAULT_MAX_RESPONSE_BYTES, declared: Some(n), .. } if n == DEFAULT_MAX_RESPONSE_BYTES + 1),
        "{err:?}"
    );
    let written = rx.recv().await.expect("report");
    assert!(written.cut, "{written:?}");
}

#[tokio::test]
async fn a_huge_error_answer_is_cut_and_not_read_to_the_end() {
    let (base, mut rx) = raw_server("500 Internal Server Error", Framing::Chunked, HUGE).await;
    let err = raw_client(base, Client::builder()).send(ListPortals).await.expect_err("500");
    match &err {
        Error::Api(api) => assert_eq!(api.status, 500),
        other => panic!("expected the 500, got {other:?}"),
    }
    cut_early(&mut rx).await;
}

#[tokio::test]
async fn an_accounts_answer_past_64_kib_is_a_typed_error_and_is_not_read_to_the_end() {
    assert_eq!(MAX_ACCOUNTS_RESPONSE_BYTES, 64 * 1024);
    for framing in [Framing::Chunked, Framing::ContentLength] {
        let (accounts, mut rx) = raw_server("200 OK", framing, HUGE).await;
        let oauth =
            OAuthClient::builder("1000.CLIENT", ClientSecret::new("s")).accounts_url(accounts).build().expect("oauth");
        let err = oauth.exchange_self_client_code::<Portals>("1000.code").await.expect_err("too large");
        let declared = match framing {
            Framing::Chunked => None,
            Framing::ContentLength => Some(HUGE),
        };
        assert!(
            matches!(err, OAuthError::ResponseTooLarge { limit: MAX_ACCOUNTS_RESPONSE_BYTES, declared: d } if d == declared),
            "{framing:?}: {err:?}"
        );
        assert!(!err.is_transient());
        cut_early(&mut rx).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Redirects

/// A second server on 127.0.0.1: it reports every connection it accepts (`"connected"`) and
/// every request head it reads, and answers each with `200 []`.
async fn second_listener() -> (url::Url, mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().expect("addr"))).expect("url");
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let _ = tx.send("connected".to_owned());
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tx.send(String::from_utf8_lossy(&head).into_owned());
                let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]";
                let _ = sock.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, rx)
}

#[derive(Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}", scope = "ZohoProjects.projects.UPDATE",
       response = serde_json::Value)]
struct RenameProject {
    #[zoho(path)]
    portal: u64,
    #[zoho(path)]
    project: u64,
    #[zoho(body)]
    body: serde_json::Value,
}

scope_set! {
    struct Projects = ["ZohoProjects.projects.UPDATE", "ZohoProjects.portals.READ"];
}

#[tokio::test]
async fn api_calls_never_follow_a_redirect() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &["ZohoProjects.projects.UPDATE", "ZohoProjects.portals.READ"]).await;
    let (second, mut seen) = second_listener().await;
    let token = || {
        Token::<Projects>::from_console(
            &access,
            "ZohoProjects.projects.UPDATE,ZohoProjects.portals.READ",
            Duration::from_secs(3600),
        )
        .expect("token")
    };
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token()).expect("client");
    let moved = |status: u16, to: &url::Url| {
        Fault::respond(status, "text/plain", "moved").header("location", to.as_str()).on(Route::Api)
    };
    let elsewhere = second.join("api/v3/portals").expect("url");
    let second_origin = second.origin().ascii_serialization();

    // To another host, for every redirect status reqwest knows, a GET and a PATCH with a body.
    for status in [301, 302, 303, 307, 308] {
        sb.inject(moved(status, &elsewhere));
        let err = client.send(ListPortals).await.expect_err("redirected");
        match &err {
            Error::Redirected { status: s, target } => {
                assert_eq!((*s, target.as_deref()), (status, Some(second_origin.as_str())));
            }
            other => panic!("{status}: expected Redirected, got {other:?}"),
        }
        assert!(err.to_string().contains(&second_origin), "{err}");
        assert!(!err.to_string().contains(&access), "{err}");
        assert!(!err.is_transient());
        sb.inject(moved(status, &elsewhere));
        let err = client
            .send(RenameProject { portal: 1, project: 2, body: serde_json::json!({"name": "x"}) })
            .await
            .expect_err("redirected");
        assert!(matches!(err, Error::Redirected { status: s, .. } if s == status), "{err:?}");
    }
    assert!(seen.try_recv().is_err(), "the second listener saw nothing");
    // Each redirect reached the sandbox once: not retried either.
    assert_eq!(sb.requests_seen().iter().filter(|r| r.route == Route::Api).count(), 10);

    // To the same host (where the token would go along): not followed either.
    let same_host = sb.api_url(Dc::Us).join("api/v3/elsewhere").expect("url");
    sb.inject(moved(307, &same_host));
    let err = client.send(ListPortals).await.expect_err("redirected");
    let sandbox_origin = sb.api_url(Dc::Us).origin().ascii_serialization();
    assert!(matches!(&err, Error::Redirected { status: 307, target: Some(t) } if *t == sandbox_origin), "{err:?}");
    assert!(!sb.requests_seen().iter().any(|r| r.path_and_query.starts_with("/api/v3/elsewhere")));

    // An HTTP client of the application's own keeps its own policy: reqwest's default follows
    // (documented on `ClientBuilder::http_client`), dropping the token on the way to another
    // origin.
    let own = Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .http_client(zoho_projects::reqwest::Client::new())
        .build(token())
        .expect("client");
    sb.inject(moved(302, &elsewhere));
    own.send(ListPortals).await.expect("followed to the second listener");
    assert_eq!(seen.try_recv().as_deref(), Ok("connected"));
    let head = seen.try_recv().expect("a request head").to_ascii_lowercase();
    assert!(head.starts_with("get /api/v3/portals "), "{head}");
    assert!(!head.contains("authorization"), "{head}");
    sb.shutdown().await;
}
