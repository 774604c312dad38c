//! The main job: sign in with Zoho's authorization-code flow, keep the token in a file, and use
//! the Zoho Projects V3 API, with every call's scope checked by the compiler.
//!
//! With no configuration it starts an embedded `zoho-sandbox` (consent auto-approved) and moves
//! the sandbox's clock past the token's hour to show a transparent refresh:
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET`, `ZOHO_REDIRECT_URI` (a loopback URI such as
//! `http://127.0.0.1:8765/callback`, registered in the API console) and `ZOHO_REGION` (`us`,
//! `eu`, `in`, …) set, the same program signs in at real Zoho: it prints the URL to open in a
//! browser and listens on the loopback address for the redirect.

use std::error::Error as StdError;
use std::time::Duration;
use zoho_projects::ids::{PortalId, ProjectId};
use zoho_projects::model::NewTask;
use zoho_projects::oauth::{AuthorizeOptions, LoopbackServer, OAuthClient};
use zoho_projects::prelude::*;
use zoho_projects::store::{FileStore, StoreKey};
use zoho_projects::v3::portals::ListPortals;
use zoho_projects::v3::projects::ListProjects;
use zoho_projects::v3::tasklists::ListTasklists;
use zoho_projects::v3::tasks::{CreateTask, ListTasks};
use zoho_projects::{ClientSecret, TokenManager};
use zoho_sandbox::{Dc, Sandbox};

scope_set! {
    /// What the quickstart may do, and all it asks the user to grant.
    pub struct Quickstart = [
        "ZohoProjects.portals.READ",
        "ZohoProjects.projects.READ",
        "ZohoProjects.tasklists.READ",
        "ZohoProjects.tasks.ALL",
    ];
}

type BoxError = Box<dyn StdError + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    match std::env::var("ZOHO_CLIENT_ID") {
        Ok(client_id) => against_zoho(&client_id).await,
        Err(_) => against_sandbox().await,
    }
}

async fn against_sandbox() -> Result<(), BoxError> {
    let sb = Sandbox::builder().auto_approve(true).start().await?;
    println!("zoho-sandbox running: accounts {} · projects {}", sb.accounts_url(Dc::Us), sb.api_url(Dc::Us));
    let app = sb.demo_client();
    let clock = sb.clock();
    let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .redirect_uri(app.redirect_uri.parse()?)
        .accounts_url(sb.accounts_url(Dc::Us))
        .clock(move || clock.now_system())
        .build()?;

    // 1. Authorization code flow with state and PKCE. The "browser" is an HTTP client that stops
    //    at Zoho's redirect, whose URL is what a web app's callback receives.
    let (url, pending) = oauth.authorize_url::<Quickstart>(&AuthorizeOptions::new().offline().pkce()).await?;
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let consent = browser.get(url).send().await?;
    let callback = consent.headers().get("location").ok_or("no redirect from the consent page")?.to_str()?.to_owned();
    let token = oauth.complete(pending, &callback).await?;
    println!("signed in: granted {}", Quickstart::OAUTH.join(", "));

    // 2. The token lives in a file (atomic writes, mode 0600); the manager refreshes it once.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("tokens.json");
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &app.client_id, &sb.demo_user().email);
    let clock = sb.clock();
    let tokens = TokenManager::builder::<Quickstart>(oauth, key)
        .store(FileStore::new(&path))
        .clock(move || clock.now_system())
        .build();
    tokens.login(token).await?;
    println!("token stored in {}", path.display());

    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(tokens.clone())?;
    let summary = tour(&client).await?;

    // 3. Two hours later the access token has expired; the next call refreshes it on its own.
    sb.clock().advance(Duration::from_secs(2 * 3600));
    let tasks = client.send(ListTasks::new(summary.portal.clone(), summary.project.clone()).per_page(200)).await?;
    println!(
        "two hours later: {} tasks listed after {} transparent refresh(es) ({} access tokens minted in all)",
        tasks.items.len(),
        sb.counters().refresh_grants,
        sb.counters().access_tokens_minted
    );
    sb.shutdown().await;
    println!("done.");
    Ok(())
}

async fn against_zoho(client_id: &str) -> Result<(), BoxError> {
    let secret = std::env::var("ZOHO_CLIENT_SECRET").map_err(|_| "ZOHO_CLIENT_SECRET is not set")?;
    let redirect: url::Url = std::env::var("ZOHO_REDIRECT_URI").map_err(|_| "ZOHO_REDIRECT_URI is not set")?.parse()?;
    let region_code = std::env::var("ZOHO_REGION").unwrap_or_else(|_| "us".into());
    let region = Region::from_location(&region_code).ok_or_else(|| format!("unknown ZOHO_REGION {region_code:?}"))?;
    let port = redirect.port().ok_or("ZOHO_REDIRECT_URI needs an explicit loopback port")?;
    let oauth = OAuthClient::builder(client_id, ClientSecret::new(secret))
        .redirect_uri(redirect.clone())
        .region(region)
        .build()?;
    let server = LoopbackServer::bind_port(port, redirect.path()).await?;
    let token = oauth
        .authorize_with_loopback::<Quickstart, _>(
            server,
            AuthorizeOptions::new().offline().pkce(),
            |url| println!("open this URL in your browser to sign in:\n  {url}"),
            Duration::from_secs(300),
        )
        .await?;
    let location = token.parts().location.clone().unwrap_or_else(|| region.location().to_owned());
    let api = Region::from_location(&location).unwrap_or(region).projects_api();
    let path = FileStore::default_path()?;
    let accounts = token.parts().accounts_server.clone().unwrap_or_else(|| region.accounts());
    let tokens = TokenManager::builder::<Quickstart>(oauth, StoreKey::new(accounts, client_id, "default"))
        .store(FileStore::new(&path))
        .build();
    tokens.login(token).await?;
    println!("token stored in {}", path.display());
    let client = Client::builder().api_base(api).build(tokens)?;
    tour(&client).await?;
    Ok(())
}

struct Summary {
    portal: PortalId,
    project: ProjectId,
}

/// Portals → projects → tasks → a new task: each call compiles only because `Quickstart`
/// grants its scope.
async fn tour(client: &Client<Quickstart>) -> Result<Summary, BoxError> {
    let portals = client.send(ListPortals).await?;
    let portal = portals.items.first().ok_or("the user has no portal")?;
    let portal_name = portal.portal_name.clone().or_else(|| portal.name.clone()).unwrap_or_default();
    println!("portals: {} (using {:?}, id {})", portals.items.len(), portal_name, portal.id);

    let projects = client.send(ListProjects::new(portal.id.clone())).await?;
    for p in &projects.items {
        println!("  project {:?} ({})", p.name, p.id);
    }
    let project = projects.items.first().ok_or("the portal has no project")?;

    let tasks = client.send(ListTasks::new(portal.id.clone(), project.id.clone()).per_page(200)).await?;
    println!("tasks in {:?}: {}", project.name, tasks.items.len());
    for t in tasks.items.iter().take(5) {
        println!("  - {} ({})", t.name, t.id);
    }

    let lists = client.send(ListTasklists::new(portal.id.clone(), project.id.clone())).await?;
    let mut new_task = NewTask::new("Try zoho-projects-rs");
    if let Some(list) = lists.items.first() {
        new_task = new_task.tasklist(list.id.clone());
    }
    let created = client.send(CreateTask::new(portal.id.clone(), project.id.clone(), new_task)).await?;
    println!("created task {:?} ({})", created.name, created.id);
    Ok(Summary { portal: portal.id.clone(), project: project.id.clone() })
}
