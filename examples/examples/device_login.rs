//! The device flow, for programs without a browser (a CLI on a server, a kiosk, a TV): show a
//! code, let the user approve it on another device, poll until they do.
//!
//! ```sh
//! cargo run --example device_login
//! ```
//!
//! Against the embedded sandbox the "user" approves through the sandbox's verification page,
//! and waiting between polls (Zoho allows one every 30 s) moves the sandbox's virtual clock
//! instead of sleeping. A real program passes `tokio::time::sleep`.

use std::time::Duration;
use zoho_projects::ClientSecret;
use zoho_projects::oauth::{AuthorizeOptions, OAuthClient};
use zoho_projects::prelude::*;
use zoho_projects::v3::portals::ListPortals;
use zoho_projects::v3::projects::ListProjects;
use zoho_sandbox::{ClientKind, ClientSpec, Dc, Sandbox};

scope_set! {
    /// A read-only dashboard.
    pub struct Dashboard = ["ZohoProjects.portals.READ", "ZohoProjects.projects.READ"];
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let sb = Sandbox::builder().start().await?;
    let app = sb.register_client(ClientSpec {
        name: "Office dashboard".into(),
        kind: ClientKind::Device,
        redirect_uris: Vec::new(),
        owner: None,
    });
    let clock = sb.clock();
    let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
        .clock(move || clock.now_system())
        .build()?;

    let device = oauth.device_start::<Dashboard>(&AuthorizeOptions::new().offline()).await?;
    println!("To sign in, open {} and enter the code {}", device.verification_url(), device.user_code());
    println!("(polling every {:?}; the code expires in 5 minutes)", device.interval());

    // Somewhere else, the user types the code and presses Accept.
    sb.approve_device(device.user_code(), &sb.demo_user().email)?;

    // Wait between polls by moving the sandbox's clock; a real program: `tokio::time::sleep`.
    let waiting_clock = sb.clock();
    let token = oauth
        .device_wait(device, |d: Duration| {
            waiting_clock.advance(d);
            std::future::ready(())
        })
        .await?;
    println!("approved: the token carries {}", Dashboard::OAUTH.join(", "));

    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token)?;
    let portals = client.send(ListPortals).await?;
    let portal = portals.items.first().ok_or("no portal")?;
    let projects = client.send(ListProjects::new(portal.id.clone())).await?;
    println!("portal {} has {} projects:", portal.id, projects.items.len());
    for p in &projects.items {
        println!("  - {}", p.name);
    }
    sb.shutdown().await;
    Ok(())
}
