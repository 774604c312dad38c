//! Sign in once, resume afterwards: the README's three lines in a program.
//!
//! ```sh
//! ZOHO_CLIENT_ID=… ZOHO_CLIENT_SECRET=… ZOHO_REDIRECT_URI=http://127.0.0.1:8765/callback \
//!     cargo run --example sign_in_or_resume
//! ```
//!
//! The first run prints a URL to open in a browser (or, without `ZOHO_REDIRECT_URI`, a code to
//! enter on Zoho's device page) and stores the token in the default token file
//! (`ZOHO_TOKEN_FILE` names another); later runs resume it without asking anything. Calls go to
//! the data centre of the user's token.
//!
//! Against a `zoho-sandbox` (the tests do this), `ZOHO_SANDBOX_ACCOUNTS_<DC>` and
//! `ZOHO_SANDBOX_API_<DC>` (`<DC>` = `US`, `EU`, `IN`, …) name the sandbox's listeners.

use std::error::Error as StdError;
use zoho_projects::oauth::OAuthClient;
use zoho_projects::prelude::*;
use zoho_projects::store::FileStore;
use zoho_projects::v3::portals::ListPortals;
use zoho_projects::{ClientSecret, Prompt, SignIn};

scope_set! {
    /// What this program may do.
    pub struct Reader = ["ZohoProjects.portals.READ"];
}

type BoxError = Box<dyn StdError + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let (Ok(id), Ok(secret)) = (std::env::var("ZOHO_CLIENT_ID"), std::env::var("ZOHO_CLIENT_SECRET")) else {
        eprintln!(
            "set ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET (a client from https://api-console.zoho.com), and \
             ZOHO_REDIRECT_URI=http://127.0.0.1:8765/callback for a browser sign-in (else the device flow)"
        );
        std::process::exit(2);
    };
    let mut oauth = OAuthClient::builder(id, ClientSecret::new(secret));
    if let Ok(uri) = std::env::var("ZOHO_REDIRECT_URI") {
        oauth = oauth.redirect_uri(uri.parse()?);
    }
    let mut client = Client::builder();
    for region in Region::ALL {
        let dc = region.location().to_ascii_uppercase();
        if let Ok(url) = std::env::var(format!("ZOHO_SANDBOX_ACCOUNTS_{dc}")) {
            oauth = match region {
                Region::Us => oauth.accounts_url(url.parse()?),
                _ => oauth.location_accounts_url(region.location(), url.parse()?),
            };
        }
        if let Ok(url) = std::env::var(format!("ZOHO_SANDBOX_API_{dc}")) {
            client = client.region_base(region, Service::PROJECTS, url.parse()?);
        }
    }
    // What to show the user: on standard output, one line for the URL, so a test can follow it.
    let mut sign_in = SignIn::<Reader>::new(oauth.build()?).client_builder(client).prompt(|p| match p {
        Prompt::OpenUrl(url) => println!("open this URL in your browser to sign in:\n{url}"),
        other => println!("{other}"),
    });
    if let Ok(path) = std::env::var("ZOHO_TOKEN_FILE") {
        sign_in = sign_in.store(FileStore::new(path));
    }

    let client = sign_in.client().await?;
    let portals = client.send(ListPortals).await?;
    println!("data centre: {}", client.data_centre().location());
    for portal in &portals.items {
        println!("portal {}", portal.id);
    }
    Ok(())
}
