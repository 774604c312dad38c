//! A small web-style service with many users: each customer user signs in to Zoho once (the web
//! flow), and the service calls Zoho Projects as whichever user a request comes from, through a
//! `Tenants` registry: users are loaded from the token file at their first request, share one
//! HTTP connection pool, each have their own rate limiter, and are forgotten when idle.
//!
//! ```sh
//! cargo run --example tenants
//! ```
//!
//! Everything runs against an embedded sandbox (a local Zoho) on a virtual clock. The service
//! is a plain HTTP/1 server on 127.0.0.1: `GET /portals` with a `Cookie: session=<user>` header
//! (a stand-in for the application's own authenticated session) answers with that user's
//! portals. Never take the user key from anything a visitor can type.

use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use zoho_projects::ClientSecret;
use zoho_projects::oauth::{AuthorizeOptions, OAuthClient};
use zoho_projects::prelude::*;
use zoho_projects::store::FileStore;
use zoho_projects::tenants::{TenantError, Tenants};
use zoho_projects::v3::portals::ListPortals;
use zoho_sandbox::{Dc, Sandbox};

scope_set! {
    /// What the service may do for each user.
    pub struct Service = ["ZohoProjects.portals.READ"];
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let sb = Sandbox::builder().auto_approve(true).start().await?;
    let app = sb.demo_client();
    let clock = sb.clock();
    let now = move || clock.now_system();
    let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
        .redirect_uri(app.redirect_uri.parse()?)
        .clock(now.clone())
        .build()?;
    let dir = tempfile::tempdir()?;
    let tenants = Tenants::builder::<Service>(oauth, FileStore::new(dir.path().join("tokens.json")))
        .client(Client::builder().api_base(sb.api_url(Dc::Us)))
        .clock(now)
        .idle_timeout(Duration::from_secs(15 * 60))
        .build()?;

    // Three customers sign in through the web flow. The pending sign-in is what a web app keeps
    // in its session between the redirect to Zoho and the callback (it serialises).
    let customers = ["ana@example.com", "bo@example.com", "cy@example.com"];
    for email in customers {
        sb.add_user(email, Dc::Us);
        sb.sign_in(email)?;
        let (url, pending) = tenants.authorize_url(email, AuthorizeOptions::new().offline()).await?;
        let session = serde_json::to_string(&pending)?;
        let callback = browser(&url).await?; // the user consents at Zoho and comes back
        tenants.complete_sign_in(email, serde_json::from_str(&session)?, &callback).await?;
        println!("{email} signed in");
    }

    // The service.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let service = tenants.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let tenants = service.clone();
            tokio::spawn(async move {
                if let Err(e) = serve(conn, &tenants).await {
                    eprintln!("connection: {e}");
                }
            });
        }
    });

    // Requests from the customers' browsers, all at once.
    let requests: Vec<_> =
        customers.into_iter().flat_map(|c| [c, c]).map(|c| tokio::spawn(async move { get(addr, c).await })).collect();
    for (i, request) in requests.into_iter().enumerate() {
        println!("request {i}: {}", request.await??);
    }
    let stats = tenants.stats();
    println!("loaded {} users with {} store reads", stats.loaded, stats.store_reads);

    // Twenty idle minutes later the users are forgotten; the file keeps their tokens.
    sb.clock().advance(Duration::from_secs(20 * 60));
    println!("evicted {} idle users", tenants.evict_idle());
    println!("after eviction: {}", get(addr, "bo@example.com").await?);
    let stats = tenants.stats();
    println!("loaded {} user(s), {} loads in all", stats.loaded, stats.loads);

    // A customer leaves: their refresh token is revoked and their record deleted, in one call.
    tenants.remove("cy@example.com").await?;
    println!("after removal: {}", get(addr, "cy@example.com").await?);
    println!("done.");
    sb.shutdown().await;
    Ok(())
}

/// Answers one request: `GET /portals` as the session's user.
async fn serve(conn: TcpStream, tenants: &Tenants<Service>) -> Result<(), BoxError> {
    let mut reader = BufReader::new(conn);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).await?;
    let mut user = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("cookie")
            && let Some(session) = value.trim().strip_prefix("session=")
        {
            user = Some(session.to_owned());
        }
    }
    let (status, body) = match (request_line.starts_with("GET /portals "), user) {
        (false, _) => ("404 Not Found", "{\"error\":\"not found\"}".to_owned()),
        (true, None) => ("401 Unauthorized", "{\"error\":\"no session\"}".to_owned()),
        (true, Some(user)) => match tenants.client(&user).await {
            Ok(client) => match client.send(ListPortals).await {
                Ok(portals) => ("200 OK", serde_json::json!({ "user": user, "portals": portals.len() }).to_string()),
                Err(e) => ("502 Bad Gateway", serde_json::json!({ "error": e.to_string() }).to_string()),
            },
            Err(TenantError::NotSignedIn { .. }) => {
                ("403 Forbidden", "{\"error\":\"connect your Zoho account first\"}".to_owned())
            }
            Err(e) => ("503 Service Unavailable", serde_json::json!({ "error": e.to_string() }).to_string()),
        },
    };
    let conn = reader.get_mut();
    let head = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
    conn.write_all(head.as_bytes()).await?;
    conn.write_all(body.as_bytes()).await?;
    conn.shutdown().await?;
    Ok(())
}

/// A customer's browser: `GET /portals` with their session; the status line and body.
async fn get(addr: std::net::SocketAddr, user: &str) -> Result<String, BoxError> {
    let resp = reqwest::Client::new()
        .get(format!("http://{addr}/portals"))
        .header("Cookie", format!("session={user}"))
        .send()
        .await?;
    let status = resp.status().as_u16();
    Ok(format!("{status} {}", resp.text().await?))
}

/// Plays the user's browser at Zoho: the sandbox approves at once and redirects back to the app.
async fn browser(url: &url::Url) -> Result<String, BoxError> {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let resp = http.get(url.clone()).send().await?;
    Ok(resp.headers().get("location").ok_or("no redirect")?.to_str()?.to_owned())
}
