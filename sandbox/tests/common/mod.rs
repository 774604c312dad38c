//! Helpers shared by the sandbox's integration tests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use reqwest::redirect::Policy;
use serde_json::Value;
use zoho_sandbox::{ClientCredentials, Dc, Limits, Sandbox};

pub const ALL_SCOPES: &str = "ZohoProjects.portals.READ,ZohoProjects.projects.ALL,ZohoProjects.tasklists.ALL,ZohoProjects.tasks.ALL,ZohoProjects.milestones.ALL,ZohoProjects.bugs.ALL,ZohoProjects.users.ALL,ZohoProjects.timesheets.ALL,ZohoProjects.search.READ,ZohoProjects.tags.ALL";

pub async fn start() -> Sandbox {
    Sandbox::builder().auto_approve(true).start().await.expect("sandbox starts")
}

pub async fn start_with(limits: Limits) -> Sandbox {
    Sandbox::builder().auto_approve(true).limits(limits).start().await.expect("sandbox starts")
}

/// An HTTP client that does not follow redirects.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().expect("client")
}

pub fn query_of(location: &str) -> Vec<(String, String)> {
    let u = url::Url::parse(location).expect("absolute Location");
    u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub fn get<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
}

/// GET /oauth/v2/auth at `dc` with auto-approve on; returns the redirect's query pairs.
pub async fn authorize(
    sb: &Sandbox,
    dc: Dc,
    c: &ClientCredentials,
    scope: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut url = sb.accounts_url(dc).join("oauth/v2/auth").unwrap();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", &c.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &c.redirect_uri)
            .append_pair("scope", scope);
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    let r = http().get(url).send().await.unwrap();
    assert_eq!(r.status(), 302, "authorize should redirect");
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(loc.starts_with(&c.redirect_uri), "{loc}");
    query_of(&loc)
}

/// POST form to the token endpoint of `dc`.
pub async fn token(sb: &Sandbox, dc: Dc, form: &[(&str, &str)]) -> Value {
    let r = http().post(sb.accounts_url(dc).join("oauth/v2/token").unwrap()).form(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

pub async fn exchange(sb: &Sandbox, dc: Dc, c: &ClientCredentials, code: &str) -> Value {
    token(
        sb,
        dc,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
            ("redirect_uri", &c.redirect_uri),
            ("code", code),
        ],
    )
    .await
}

pub async fn refresh(sb: &Sandbox, dc: Dc, c: &ClientCredentials, rt: &str) -> Value {
    token(
        sb,
        dc,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
            ("refresh_token", rt),
        ],
    )
    .await
}

/// Full web flow with the demo client (offline): (access_token, refresh_token).
pub async fn login(sb: &Sandbox, scope: &str) -> (String, String) {
    let c = sb.demo_client();
    let q = authorize(sb, Dc::Us, &c, scope, &[("access_type", "offline"), ("prompt", "consent")]).await;
    let t = exchange(sb, Dc::Us, &c, get(&q, "code").unwrap()).await;
    (
        t["access_token"].as_str().expect("access_token").to_owned(),
        t["refresh_token"].as_str().expect("refresh_token").to_owned(),
    )
}

/// An access token with every Projects scope.
pub async fn access(sb: &Sandbox) -> String {
    login(sb, ALL_SCOPES).await.0
}

pub async fn api(sb: &Sandbox, token: &str, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    api_at(sb, Dc::Us, token, method, path)
}

fn api_at(sb: &Sandbox, dc: Dc, token: &str, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    http()
        .request(method, sb.api_url(dc).join(path.trim_start_matches('/')).unwrap())
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
}

/// Sends `rb`; returns (status, body as JSON or Null).
pub async fn status_and_json(rb: reqwest::RequestBuilder) -> (u16, Value) {
    let r = rb.send().await.unwrap();
    let s = r.status().as_u16();
    let b = r.bytes().await.unwrap();
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// GET an API path at the us DC; returns (status, body as JSON or Null).
pub async fn api_get(sb: &Sandbox, token: &str, path: &str) -> (u16, Value) {
    api_get_at(sb, Dc::Us, token, path).await
}

/// GET an API path at `dc`; returns (status, body as JSON or Null).
pub async fn api_get_at(sb: &Sandbox, dc: Dc, token: &str, path: &str) -> (u16, Value) {
    status_and_json(api_at(sb, dc, token, reqwest::Method::GET, path)).await
}

pub async fn api_send(
    sb: &Sandbox,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut rb = api(sb, token, method, path).await;
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    status_and_json(rb).await
}

/// POSTs to `url` over a raw connection, announcing a body of `declared` bytes and sending only
/// `sent` of them (more than the sandbox's limit, so every byte sent is read before it refuses:
/// its answer cannot be lost to a reset), and returns the answer's status and body. Through
/// `reqwest` the 413 could come as a closed connection instead, and the check would vanish.
pub async fn oversized_post(
    url: &reqwest::Url,
    headers: &[(&str, &str)],
    declared: usize,
    sent: usize,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.socket_addrs(|| None).unwrap()[0];
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!("POST {} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {declared}\r\n", url.path());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b'a'; sent]).await.unwrap();
    let mut answer = Vec::new();
    // A bound on a hang, not a wait: the answer comes as soon as the limit is passed.
    tokio::time::timeout(std::time::Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the sandbox answers and closes")
        .expect("the answer is read in full");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status: {text}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}
