//! What a developer does in Zoho's API console: generate a code for some scopes ("Generate
//! Code", self client), then exchange it at the token endpoint. Real HTTP against the sandbox.

use zoho_sandbox::{Dc, Sandbox};

/// An access token for `scopes`, obtained as from the API console.
#[allow(dead_code)] // not every test file that includes this module uses it
pub(crate) async fn console_token(sb: &Sandbox, scopes: &[&str]) -> String {
    let client = sb.demo_client();
    let code = sb.self_client_code(&client.client_id, scopes).expect("code");
    let url = sb.accounts_url(Dc::Us).join("oauth/v2/token").expect("url");
    let resp: serde_json::Value = reqwest::Client::new()
        .post(url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("code", &code),
        ])
        .send()
        .await
        .expect("token call")
        .json()
        .await
        .expect("json");
    resp["access_token"].as_str().expect("access token").to_owned()
}

/// The sandbox's virtual clock as a `Clock` (for `OAuthClient` and `TokenManager` builders), and
/// an `OAuthClient` for the demo app at the US accounts server that reads it.
#[allow(dead_code)] // not every test file that includes this module uses it
pub(crate) fn sandbox_oauth(
    sb: &Sandbox,
) -> (zoho_projects::oauth::OAuthClient, impl Fn() -> std::time::SystemTime + Clone + Send + Sync + 'static) {
    let app = sb.demo_client();
    let clock = sb.clock();
    let now = move || clock.now_system();
    let oauth = zoho_projects::oauth::OAuthClient::builder(
        &app.client_id,
        zoho_projects::ClientSecret::new(app.client_secret.as_str()),
    )
    .accounts_url(sb.accounts_url(Dc::Us))
    .clock(now.clone())
    .build()
    .expect("oauth client");
    (oauth, now)
}
