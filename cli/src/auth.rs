//! `zoho login`, `status`, `token`, `logout`.

use crate::error::CliError;
use crate::output;
use crate::session::{DEFAULT_SCOPES, Session, Shown};
use clap::Args;
use std::io::IsTerminal;
use std::time::{Duration, SystemTime};
use url::Url;
use zoho_projects::manager::LoginOutcome;
use zoho_projects::{Dynamic, DynamicScopes, Prompt, SignIn, SignInMethod};
use zoho_sandbox::ClientKind;

/// The loopback redirect URI used when none is configured: register it for the client.
const DEFAULT_REDIRECT: &str = "http://127.0.0.1:8765/callback";

#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// Use the device flow: show a code to enter at Zoho from any browser (for machines
    /// without one). Needs a client of type "Non-browser Applications".
    #[arg(long)]
    device: bool,
    /// Scopes to request, comma-separated, e.g.
    /// ZohoProjects.portals.READ,ZohoProjects.tasks.ALL
    /// [default: ZohoProjects.portals.READ,ZohoProjects.projects.READ,ZohoProjects.tasks.READ].
    #[arg(long, value_delimiter = ',', value_name = "SCOPES")]
    scopes: Vec<String>,
    /// The loopback redirect URI registered for the client (browser flow), on 127.0.0.1 with an
    /// explicit port [default: http://127.0.0.1:8765/callback].
    #[arg(long, env = "ZOHO_REDIRECT_URI", value_name = "URL")]
    redirect_uri: Option<Url>,
    /// Do not open a browser: only print the sign-in URL.
    #[arg(long, env = "ZOHO_NO_BROWSER")]
    no_browser: bool,
    /// How long to wait for the browser's redirect, in seconds.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    timeout: u64,
    /// Device flow against a local sandbox only: milliseconds between polls instead of Zoho's
    /// interval (the sandbox's clock stands still, so its interval passes when it is moved).
    #[arg(long, env = "ZOHO_DEVICE_POLL_MS", hide = true, value_name = "MS")]
    device_poll_ms: Option<u64>,
}

pub(crate) async fn login(session: &mut Session, args: &LoginArgs) -> Result<(), CliError> {
    let scopes = if args.scopes.is_empty() {
        DynamicScopes::parse(DEFAULT_SCOPES)
    } else {
        DynamicScopes::parse(args.scopes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()))
    }
    .map_err(|e| CliError::usage(e.to_string()))?;
    if scopes.iter().next().is_none() {
        return Err(CliError::usage("--scopes is empty: Zoho needs at least one scope"));
    }
    let (sign_in, redirect) = if args.device {
        (device_sign_in(session, args)?, None)
    } else {
        let (sign_in, redirect) = loopback_sign_in(session, args)?;
        (sign_in, Some(redirect))
    };
    let (shown, prompt) = prompt(session.sandbox.is_some(), args.no_browser);
    let spinner = Spinner::new(args.device);
    let outcome = session.sign_in(sign_in.scopes(scopes).prompt(prompt), shown).await;
    spinner.done();
    let outcome = outcome?;
    let record = session.signed_in().await?;
    let saved = session.save_config(redirect.as_ref())?;
    eprintln!("Signed in{}.", record.location.as_ref().map(|l| format!(" (data centre {l})")).unwrap_or_default());
    eprintln!("Granted: {}", record.access_token.scopes());
    if let Some(path) = &session.store_path {
        eprintln!("Token stored in {}", path.display());
    }
    if let Some(path) = saved {
        eprintln!("Settings saved in {}", path.display());
    }
    match outcome {
        LoginOutcome::ReplacedAndRevoked => eprintln!("The previous sign-in's refresh token was revoked."),
        LoginOutcome::ReplacedRevokeFailed(e) => {
            eprintln!("warning: the previous sign-in's refresh token could not be revoked: {e}")
        }
        _ => {}
    }
    Ok(())
}

/// The sign-in prompt of `zoho login`: the URL or the code on stderr (and the URL opened in the
/// desktop's browser unless `no_browser`), each also handed over the channel returned, on
/// which the embedded sandbox answers it.
fn prompt(sandbox: bool, no_browser: bool) -> (Shown, impl Fn(Prompt<'_>) + Send + Sync + 'static) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let prompt = move |prompt: Prompt<'_>| match prompt {
        Prompt::OpenUrl(url) => {
            eprintln!("Open this URL in your browser to sign in:\n  {url}");
            if !sandbox && !no_browser {
                open_browser(url);
            }
            let _ = tx.send(crate::session::Asked::OpenUrl(url.clone()));
        }
        Prompt::EnterCode { verification_url, user_code } => {
            eprintln!("To sign in, open {verification_url} and enter the code: {user_code}");
            if !std::io::stderr().is_terminal() {
                eprintln!("waiting for approval…");
            }
            let _ = tx.send(crate::session::Asked::EnterCode(user_code.to_owned()));
        }
        other => eprintln!("{other}"),
    };
    (rx, prompt)
}

fn device_sign_in(session: &mut Session, args: &LoginArgs) -> Result<SignIn<Dynamic>, CliError> {
    session.sandbox_client(ClientKind::Device, None);
    let poll_every = match args.device_poll_ms {
        Some(ms) if is_loopback(&session.accounts_url) => Some(Duration::from_millis(ms)),
        Some(_) => {
            return Err(CliError::usage(
                "ZOHO_DEVICE_POLL_MS / --device-poll-ms is only for a local sandbox: Zoho answers faster polls with slow_down",
            ));
        }
        None => None,
    };
    let sign_in = session.sign_in_builder(None)?.method(SignInMethod::Device);
    if session.sandbox.is_some() {
        return Ok(sign_in); // the sandbox's clock moves instead of waiting
    }
    let spinner = Spinner::new(true);
    Ok(sign_in.sleeper(move |wait: Duration| spinner.wait(poll_every.unwrap_or(wait))))
}

fn loopback_sign_in(session: &mut Session, args: &LoginArgs) -> Result<(SignIn<Dynamic>, Url), CliError> {
    let uri = if session.sandbox.is_some() {
        // A free port for the embedded sandbox's client, registered with it below.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| CliError::other(format!("no free loopback port: {e}")))?
            .port();
        Url::parse(&format!("http://127.0.0.1:{port}/callback")).map_err(|e| CliError::other(e.to_string()))?
    } else {
        match (&args.redirect_uri, &session.redirect_uri) {
            (Some(u), _) => u.clone(),
            (None, Some(s)) => Url::parse(s).map_err(|e| CliError::usage(format!("redirect URI {s:?}: {e}")))?,
            (None, None) => Url::parse(DEFAULT_REDIRECT).map_err(|e| CliError::other(e.to_string()))?,
        }
    };
    if !(uri.scheme() == "http" && uri.host_str() == Some("127.0.0.1") && uri.port().is_some()) {
        return Err(CliError::usage(format!("the redirect URI {uri} is not http://127.0.0.1:<port>/…"))
            .hint("register a loopback redirect URI such as http://127.0.0.1:8765/callback for the client"));
    }
    session.sandbox_client(ClientKind::Web, Some(&uri));
    let sign_in =
        session.sign_in_builder(Some(&uri))?.method(SignInMethod::Loopback).timeout(Duration::from_secs(args.timeout));
    Ok((sign_in, uri))
}

/// Opens `url` in the desktop's browser when there is one; the URL is printed either way.
fn open_browser(url: &Url) {
    let opener: Option<(&str, Vec<&str>)> = if cfg!(target_os = "macos") {
        Some(("open", vec![]))
    } else if cfg!(windows) {
        Some(("rundll32", vec!["url.dll,FileProtocolHandler"]))
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        Some(("xdg-open", vec![]))
    } else {
        None
    };
    if let Some((cmd, mut args)) = opener {
        args.push(url.as_str());
        let _ = std::process::Command::new(cmd)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// A spinner on stderr while the device flow polls (a plain line when stderr is not a terminal).
#[derive(Clone, Copy)]
struct Spinner {
    active: bool,
    terminal: bool,
}

impl Spinner {
    /// A spinner that shows only if `active` (the device flow).
    fn new(active: bool) -> Self {
        Spinner { active, terminal: std::io::stderr().is_terminal() }
    }

    async fn wait(self, d: Duration) {
        if !self.terminal {
            return tokio::time::sleep(d).await;
        }
        const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
        let end = tokio::time::Instant::now() + d;
        let mut i = 0;
        while tokio::time::Instant::now() < end {
            eprint!("\r{} waiting for approval", FRAMES[i % FRAMES.len()]);
            i += 1;
            tokio::time::sleep_until(end.min(tokio::time::Instant::now() + Duration::from_millis(120))).await;
        }
    }

    fn done(&self) {
        if self.active && self.terminal {
            eprint!("\r\x1b[2K");
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Print a JSON object instead of text (still without any secret).
    #[arg(long)]
    json: bool,
}

pub(crate) async fn status(session: &Session, args: &StatusArgs) -> Result<(), CliError> {
    let record = session.signed_in().await?;
    let now = SystemTime::now();
    let expires = record.expires_at();
    let scopes: Vec<String> = record.access_token.scopes().iter().map(ToString::to_string).collect();
    let store = session.store_path.as_ref().map(|p| p.display().to_string());
    if args.json {
        let doc = serde_json::json!({
            "signed_in": true,
            "profile": session.profile,
            "client_id": session.client_id,
            "data_centre": record.location,
            "accounts_server": record.accounts_server,
            "api_domain": record.api_domain,
            "api_server": session.api_base(&record).as_str(),
            "scopes": scopes,
            "expires_at": output::timestamp(expires),
            "expired": expires <= now,
            "refresh_token": record.refresh_token.is_some(),
            "token_store": store,
        });
        return output::print_json(&doc);
    }
    println!("Signed in as profile {:?} (client {})", session.profile, session.client_id.as_deref().unwrap_or("?"));
    println!("Data centre:   {}", record.location.as_deref().unwrap_or("unknown"));
    println!("Accounts:      {}", record.accounts_server);
    println!("Projects API:  {}", session.api_base(&record));
    println!("Scopes:        {}", scopes.join(", "));
    let when = match expires.duration_since(now) {
        Ok(left) => format!("expires {} (in {})", output::timestamp(expires), output::span(left)),
        Err(past) => format!(
            "expired {} ({} ago; refreshed on next use)",
            output::timestamp(expires),
            output::span(past.duration())
        ),
    };
    println!("Access token:  {when}");
    println!(
        "Refresh token: {}",
        if record.refresh_token.is_some() { "stored (offline access)" } else { "none (sign in again when it expires)" }
    );
    println!("Token store:   {}", store.as_deref().unwrap_or("memory (sandbox)"));
    Ok(())
}

pub(crate) async fn token(session: &Session) -> Result<(), CliError> {
    session.signed_in().await?;
    let token = session.manager::<Dynamic>()?.token().await?;
    println!("{}", token.expose_secret());
    Ok(())
}

#[derive(Debug, Args)]
pub(crate) struct LogoutArgs {
    /// Revoke the refresh token at Zoho before forgetting it (Zoho keeps at most 20 per user
    /// and client).
    #[arg(long)]
    revoke: bool,
}

pub(crate) async fn logout(session: &Session, args: &LogoutArgs) -> Result<(), CliError> {
    let Some(record) = session.record().await? else {
        eprintln!("Not signed in: nothing to forget.");
        return Ok(());
    };
    if args.revoke {
        session.manager::<Dynamic>()?.logout().await?;
        if record.refresh_token.is_some() {
            eprintln!("Refresh token revoked at Zoho; token forgotten.");
        } else {
            eprintln!("Token forgotten (it had no refresh token to revoke).");
        }
    } else {
        let store_key = session.key()?;
        session.store_remove(&store_key).await?;
        eprintln!("Token forgotten.");
        if record.refresh_token.is_some() {
            eprintln!("Its refresh token stays valid at Zoho until revoked: `zoho logout --revoke` revokes it.");
        }
    }
    Ok(())
}
