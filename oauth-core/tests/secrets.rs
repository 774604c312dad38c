//! The client secret, access tokens and refresh tokens never appear in `Debug`/`Display` of a
//! public type, in an error message, in a URL the sandbox saw, or in tracing output at TRACE.
#![allow(missing_docs, unreachable_pub)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing_subscriber::EnvFilter;
use zoho_oauth_core::oauth::{AuthorizeOptions, DevicePoll, OAuthClient};
use zoho_oauth_core::{ClientSecret, OAuthError, scope_set};
use zoho_sandbox::{ClientSpec, Dc, Fault, Route, Sandbox};

scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// Portals.
    pub struct Portals = ["ZohoProjects.portals.READ"];
}

/// A `tracing` writer appending to a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

fn oauth(sb: &Sandbox, id: &str, secret: &str, redirect: &str) -> OAuthClient {
    let clock = sb.clock();
    let mut b = OAuthClient::builder(id, ClientSecret::new(secret))
        .accounts_url(sb.accounts_url(Dc::Us))
        .location_accounts_url("eu", sb.accounts_url(Dc::Eu))
        .clock(move || clock.now_system());
    if !redirect.is_empty() {
        b = b.redirect_uri(redirect.parse().expect("url"));
    }
    b.build().expect("client")
}

async fn callback_for(url: &url::Url) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let r = http.get(url.clone()).send().await.expect("auth");
    r.headers()["location"].to_str().expect("location").to_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn secrets_never_leak() {
    let logs = Buffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new("trace,zoho_sandbox=off"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let web = sb.demo_client();
    let selfc = sb.register_client(ClientSpec::self_client());
    let device = sb.register_client(ClientSpec::device());
    let mut secrets: Vec<String> =
        vec![web.client_secret.clone(), selfc.client_secret.clone(), device.client_secret.clone()];
    let mut shown: Vec<String> = Vec::new();

    // Web flow with PKCE, refresh, and the errors along the way.
    let client = oauth(&sb, &web.client_id, &web.client_secret, &web.redirect_uri);
    shown.push(format!("{client:?}"));
    shown.push(format!("{:?}", OAuthClient::builder("id", ClientSecret::new(web.client_secret.as_str()))));
    shown.push(format!("{:?}", ClientSecret::new(web.client_secret.as_str())));
    let (url, pending) =
        client.authorize_url::<Portals>(&AuthorizeOptions::new().offline().prompt_consent().pkce()).await.expect("url");
    shown.push(format!("{pending:?}"));
    // `state` travels in the authorization URL by design; it must not show in `Debug`.
    let state = pending.state().to_owned();
    let cb = callback_for(&url).await;
    let token = client.complete(pending, &cb).await.expect("token");
    let rt = token.refresh_token().expect("offline").clone();
    secrets.push(token.access_token().expose_secret().to_owned());
    secrets.push(rt.expose_secret().to_owned());
    shown.push(format!("{token:?}"));
    shown.push(format!("{:?}", token.parts()));
    shown.push(format!("{:?}", token.access_token()));
    shown.push(format!("{rt:?}"));
    let fresh = client.refresh_token(&token).await.expect("refresh");
    secrets.push(fresh.access_token().expose_secret().to_owned());
    shown.push(format!("{fresh:?}"));

    // Errors of every kind, with secrets in play.
    let mut errors: Vec<OAuthError> = Vec::new();
    let (url, pending) = client.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let cb = callback_for(&url).await;
    let wrong = cb.replace(pending.state(), "forged");
    errors.push(client.complete(pending, &wrong).await.expect_err("state"));
    let wrong_secret = oauth(&sb, &web.client_id, "wrong-secret", &web.redirect_uri);
    errors.push(wrong_secret.refresh(token.parts()).await.expect_err("secret"));
    sb.inject(Fault::throttled().on(Route::Token));
    errors.push(client.refresh(token.parts()).await.expect_err("throttled"));
    // A body echoing the tokens back, unparsable: the snippet must not show them.
    let echo = format!("<html>{} {}</html>", token.access_token().expose_secret(), rt.expose_secret());
    sb.inject(Fault::respond(500, "text/html", &echo).on(Route::Token));
    errors.push(client.refresh(token.parts()).await.expect_err("500"));
    let json_echo = format!(r#"{{"refresh_token":"{}","oops":1}}"#, rt.expose_secret());
    sb.inject(Fault::respond(200, "application/json", &json_echo).on(Route::Token));
    errors.push(client.refresh(token.parts()).await.expect_err("no access token"));
    sb.inject(Fault::drop_connection().on(Route::Token));
    errors.push(client.refresh(token.parts()).await.expect_err("transport"));

    // Self client and client credentials.
    let self_client = oauth(&sb, &selfc.client_id, &selfc.client_secret, "");
    let code = sb.self_client_code(&selfc.client_id, &["ZohoProjects.portals.READ"]).expect("code");
    let st = self_client.exchange_self_client_code::<Portals>(&code).await.expect("self client");
    secrets.push(st.access_token().expose_secret().to_owned());
    secrets.extend(st.refresh_token().map(|r| r.expose_secret().to_owned()));
    errors.push(self_client.exchange_self_client_code::<Portals>(&code).await.expect_err("reused"));
    let cc = self_client.client_credentials::<Portals>(None).await.expect("client credentials");
    secrets.push(cc.access_token().expose_secret().to_owned());
    shown.push(format!("{cc:?}"));

    // Device flow.
    let device_client = oauth(&sb, &device.client_id, &device.client_secret, "");
    let mut d = device_client.device_start::<Portals>(&AuthorizeOptions::new().offline()).await.expect("device");
    shown.push(format!("{d:?}"));
    sb.approve_device(d.user_code(), &sb.demo_user().email).expect("approve");
    sb.clock().advance(Duration::from_secs(30));
    let polled = device_client.device_poll(&mut d).await.expect("poll");
    shown.push(format!("{polled:?}"));
    if let DevicePoll::Done(t) = &polled {
        secrets.push(t.access_token().expose_secret().to_owned());
        secrets.extend(t.refresh_token().map(|r| r.expose_secret().to_owned()));
    } else {
        panic!("expected a token, got {polled:?}");
    }

    // Revoke.
    client.revoke(&rt, None).await.expect("revoke");
    errors.push(client.revoke(&rt, None).await.expect_err("again"));
    errors.push(client.refresh(token.parts()).await.expect_err("revoked"));

    for e in &errors {
        shown.push(e.to_string());
        shown.push(format!("{e:?}"));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            shown.push(s.to_string());
            source = s.source();
        }
    }

    assert!(shown.iter().all(|s| !s.contains(state.as_str())), "the state shows in a Debug");
    let urls: Vec<String> = sb.requests_seen().into_iter().map(|r| r.path_and_query).collect();
    let log = logs.text();
    assert!(log.contains("zoho accounts answered"), "the tracing capture works: {log}");
    assert!(secrets.len() >= 10);
    for secret in &secrets {
        assert!(secret.len() >= 8, "a real secret: {secret:?}");
        for s in &shown {
            assert!(!s.contains(secret.as_str()), "a secret shows in {s}");
        }
        for u in &urls {
            assert!(!u.contains(secret.as_str()), "a secret is in the URL {u}");
        }
        assert!(!log.contains(secret.as_str()), "a secret is in the tracing output");
    }
}
