//! `zoho-sandbox` binary: serves the sandbox until Ctrl-C (or SIGTERM).

use std::net::SocketAddr;

use clap::{Parser, ValueEnum};
use url::Url;
use zoho_sandbox::{Dc, Limits, Sandbox, Service};

/// A local Zoho (Accounts, the Projects API and an `api_domain` service) for tests in any
/// language. Every flag can also be set through the environment variable named with it.
#[derive(Debug, Parser)]
#[command(name = "zoho-sandbox", version, about, long_about = None)]
struct Args {
    /// Where to listen. With separate listeners the port (if not 0) goes to the US accounts
    /// host and every other host takes a free port on the same IP; with --single-port it is the
    /// one port.
    #[arg(long, env = "ZOHO_SANDBOX_ADDR", default_value = "127.0.0.1:0")]
    addr: SocketAddr,

    /// Serve every host on the one --addr port, told apart by a path prefix
    /// (/us/accounts/, /eu/projectsapi/, /in/zohoapis/) or by a Host header naming Zoho's host
    /// (projectsapi.zoho.eu).
    #[arg(long, env = "ZOHO_SANDBOX_SINGLE_PORT")]
    single_port: bool,

    /// What to advertise instead of the bound address (redirects, accounts-server, api_domain,
    /// the banner): a base URL such as http://sandbox:4000 (its host for every listener; with
    /// --single-port the whole root), or DC.HOST=URL for one host exactly, e.g.
    /// eu.projectsapi=http://eu-projects:8080 (DC us, eu, in; HOST accounts, projectsapi,
    /// zohoapis). Repeatable; in the environment, comma-separated.
    #[arg(long, env = "ZOHO_SANDBOX_PUBLIC_URL", value_delimiter = ',', value_name = "URL|DC.HOST=URL")]
    public_url: Vec<String>,

    /// Skip the consent page: /oauth/v2/auth redirects at once, device codes are approved as
    /// soon as entered.
    #[arg(long, env = "ZOHO_SANDBOX_AUTO_APPROVE")]
    auto_approve: bool,

    /// virtual: the clock stands still until moved (control API: POST /__sandbox/clock/advance);
    /// real: it follows wall time as well, so tokens expire after an hour as at Zoho.
    #[arg(long, env = "ZOHO_SANDBOX_CLOCK", value_enum, default_value_t = ClockMode::Virtual)]
    clock: ClockMode,

    /// default: Zoho's documented limits; relaxed: no count limits (expiries stay); strict: the
    /// Zoho CRM numbers.
    #[arg(long, env = "ZOHO_SANDBOX_LIMITS", value_enum, default_value_t = LimitsArg::Default)]
    limits: LimitsArg,

    /// Print one JSON line at start-up (every URL, the demo client, user, portals and files)
    /// instead of the text banner, for scripts.
    #[arg(long, env = "ZOHO_SANDBOX_JSON")]
    json: bool,

    /// Turn off the control API (/__sandbox/...), e.g. when others can reach the sandbox.
    #[arg(long, env = "ZOHO_SANDBOX_NO_CONTROL")]
    no_control: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ClockMode {
    Virtual,
    Real,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LimitsArg {
    Default,
    Relaxed,
    Strict,
}

/// One `--public-url` value: a base for every host, or one host exactly.
fn parse_public(v: &str) -> Result<(Option<(Dc, Service)>, Url), String> {
    let (key, url) = match v.split_once('=') {
        Some((k, u)) if !k.contains("://") => (Some(k), u),
        _ => (None, v),
    };
    let url = Url::parse(url).map_err(|e| format!("--public-url {v:?}: {e}"))?;
    let Some(key) = key else { return Ok((None, url)) };
    let host = key
        .split_once('.')
        .and_then(|(d, s)| Some((Dc::from_location(d)?, Service::from_name(s)?)))
        .ok_or_else(|| format!("--public-url {v:?}: the key must be DC.HOST, e.g. eu.projectsapi"))?;
    Ok((Some(host), url))
}

fn banner(sb: &Sandbox, args: &Args) {
    let c = sb.demo_client();
    let u = sb.demo_user();
    let portal = sb.demo_portal(Dc::Us);
    println!("zoho-sandbox running");
    for dc in Dc::ALL {
        println!("  {:<2} accounts:    {}", dc.location(), sb.accounts_url(dc));
        println!("     projects:    {}", sb.api_url(dc));
        println!("     api_domain:  {}", sb.api_domain_url(dc));
    }
    match sb.control_url() {
        Some(url) => println!("  control API:   {url}"),
        None => println!("  control API:   off"),
    }
    println!("  client_id:     {}", c.client_id);
    println!("  client_secret: {}", c.client_secret);
    println!("  redirect_uri:  {}", c.redirect_uri);
    println!("  signed-in user: {} (zuid {})", u.email, u.zuid);
    println!("  demo portal (us): {}", portal.id);
    for p in &portal.projects {
        println!("    project {} {}", p.id, p.name);
    }
    println!("  clock: {:?}, limits: {:?}", args.clock, args.limits);
    println!("  auto-approve: {}", args.auto_approve);
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let limits = match args.limits {
        LimitsArg::Default => Limits::default(),
        LimitsArg::Relaxed => Limits::relaxed(),
        LimitsArg::Strict => Limits::strict(),
    };
    let mut b = Sandbox::builder()
        .addr(args.addr)
        .auto_approve(args.auto_approve)
        .single_port(args.single_port)
        .limits(limits)
        .real_clock(matches!(args.clock, ClockMode::Real))
        .control_api(!args.no_control);
    for v in &args.public_url {
        match parse_public(v) {
            Ok((None, url)) => b = b.public_base(url),
            Ok((Some((dc, s)), url)) => b = b.public_url(dc, s, url),
            Err(e) => {
                eprintln!("zoho-sandbox: {e}");
                std::process::exit(2);
            }
        }
    }
    let sb = match b.start().await {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("zoho-sandbox: {e}");
            std::process::exit(1);
        }
    };
    if args.json {
        println!("{}", sb.info());
    } else {
        banner(&sb, &args);
    }
    shutdown_signal().await;
    sb.shutdown().await;
}

/// Ctrl-C, or SIGTERM (how containers and test harnesses stop a process).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
