//! `zoho-sandbox` binary: serves the sandbox until Ctrl-C.

use std::net::SocketAddr;

use zoho_sandbox::{Dc, Sandbox};

fn usage() -> ! {
    eprintln!("usage: zoho-sandbox [--addr 127.0.0.1:PORT] [--single-port] [--auto-approve]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let mut addr: Option<SocketAddr> = None;
    let mut auto = false;
    let mut single = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = args.next().and_then(|v| v.parse().ok()).or_else(|| usage()),
            "--auto-approve" => auto = true,
            "--single-port" => single = true,
            "-h" | "--help" => usage(),
            _ => usage(),
        }
    }
    let mut b = Sandbox::builder().auto_approve(auto).single_port(single);
    if let Some(a) = addr {
        b = b.addr(a);
    }
    let sb = match b.start().await {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("zoho-sandbox: {e}");
            std::process::exit(1);
        }
    };
    let c = sb.demo_client();
    let u = sb.demo_user();
    let portal = sb.demo_portal(Dc::Us);
    println!("zoho-sandbox running");
    for dc in Dc::ALL {
        println!("  {:<2} accounts:    {}", dc.location(), sb.accounts_url(dc));
        println!("     projects:    {}", sb.api_url(dc));
        println!("     api_domain:  {}", sb.api_domain_url(dc));
    }
    println!("  client_id:     {}", c.client_id);
    println!("  client_secret: {}", c.client_secret);
    println!("  redirect_uri:  {}", c.redirect_uri);
    println!("  signed-in user: {} (zuid {})", u.email, u.zuid);
    println!("  demo portal (us): {}", portal.id);
    for p in &portal.projects {
        println!("    project {} {}", p.id, p.name);
    }
    println!("  auto-approve: {auto}");
    let _ = tokio::signal::ctrl_c().await;
    sb.shutdown().await;
}
