//! A fleet: several worker processes call Zoho with ONE token, shared through Redis, so that the
//! whole fleet mints one access token per expiry instead of one per worker.
//!
//! ```sh
//! redis-server --port 6379 --save '' &        # any Redis will do
//! REDIS_URL=redis://127.0.0.1:6379 cargo run --example fleet
//! ```
//!
//! The parent starts an embedded sandbox, signs in once, stores the token in a `RedisStore`,
//! and starts four worker processes (this same program, re-executed). Each round the workers
//! call the API; between rounds the sandbox's clock moves two hours on, so every token expires.
//! The first worker to see the expiry takes the Redis lease and refreshes; the others pick the
//! new token up from Redis.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;
use zoho_projects::ClientSecret;
use zoho_projects::oauth::OAuthClient;
use zoho_projects::prelude::*;
use zoho_projects::store::{RedisStore, StoreKey};
use zoho_projects::v3::portals::ListPortals;
use zoho_projects::{TokenManager, TokenSource};
use zoho_sandbox::{Dc, Sandbox};

scope_set! {
    /// What every worker may do.
    pub struct Worker = ["ZohoProjects.portals.READ"];
}

const WORKERS: usize = 4;
const ROUNDS: usize = 3;
const CALLS_PER_ROUND: usize = 5;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let Ok(redis_url) = std::env::var("REDIS_URL") else {
        eprintln!(
            "fleet: no REDIS_URL given. This example shares one token between worker processes through Redis.\n\
             Start one (e.g. `redis-server --port 6379 --save ''`) and run\n  \
             REDIS_URL=redis://127.0.0.1:6379 cargo run --example fleet"
        );
        std::process::exit(2);
    };
    if std::env::var("FLEET_ROLE").as_deref() == Ok("worker") {
        worker(&redis_url).await
    } else {
        parent(&redis_url).await
    }
}

fn env(name: &str) -> Result<String, BoxError> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

/// Where the parent and the workers meet: the same store key and Redis prefix.
fn manager(oauth: OAuthClient, store: RedisStore, accounts: &str, client_id: &str) -> TokenManager<Worker> {
    TokenManager::builder::<Worker>(oauth, StoreKey::new(accounts, client_id, "fleet-user")).store(store).build()
}

async fn parent(redis_url: &str) -> Result<(), BoxError> {
    let sb = Sandbox::builder().start().await?;
    let app = sb.demo_client();
    let accounts = sb.accounts_url(Dc::Us);
    let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(accounts.clone())
        .build()?;
    let prefix = format!("zoho-fleet-example-{}", std::process::id());
    let store = RedisStore::builder(redis_url).prefix(&prefix).connect().await?;

    // Sign in once (here with a self-client code) and put the token where the fleet finds it.
    let code = sb.self_client_code(&app.client_id, Worker::OAUTH)?;
    let token = oauth.exchange_self_client_code::<Worker>(&code).await?;
    manager(oauth, store, accounts.as_str(), &app.client_id).login(token).await?;
    println!("signed in once; token stored in Redis under prefix {prefix}");

    let exe = std::env::current_exe()?;
    let mut workers: Vec<(Child, ChildStdin, BufReader<ChildStdout>)> = Vec::new();
    for i in 0..WORKERS {
        let mut child = Command::new(&exe)
            .env("FLEET_ROLE", "worker")
            .env("FLEET_ID", i.to_string())
            .env("FLEET_PREFIX", &prefix)
            .env("FLEET_ACCOUNTS", accounts.as_str())
            .env("FLEET_API", sb.api_url(Dc::Us).as_str())
            .env("FLEET_CLIENT_ID", &app.client_id)
            .env("FLEET_CLIENT_SECRET", &app.client_secret)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().ok_or("worker stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("worker stdout")?);
        workers.push((child, stdin, stdout));
    }

    let mut refreshes_per_expiry = Vec::new();
    for round in 1..=ROUNDS {
        let before = sb.counters().refresh_grants;
        for (_, stdin, _) in &mut workers {
            writeln!(stdin, "round {round}")?;
            stdin.flush()?;
        }
        let mut ok = 0;
        for (_, _, stdout) in &mut workers {
            let mut line = String::new();
            // Blocking reads are fine here: the sandbox runs on the runtime's other threads.
            tokio::task::block_in_place(|| stdout.read_line(&mut line))?;
            if line.starts_with("ok") {
                ok += 1;
            } else {
                return Err(format!("a worker failed in round {round}: {line}").into());
            }
        }
        let refreshes = sb.counters().refresh_grants - before;
        println!(
            "round {round}: {ok} workers × {CALLS_PER_ROUND} calls succeeded; token refreshes this round: {refreshes}"
        );
        if round > 1 {
            refreshes_per_expiry.push(refreshes);
        }
        // Every access token expires before the next round.
        sb.clock().advance(Duration::from_secs(2 * 3600));
    }
    for (mut child, stdin, _) in workers {
        drop(stdin); // end of input: the worker exits
        child.wait()?;
    }
    println!(
        "{WORKERS} workers, {} expiries, refreshes per expiry: {refreshes_per_expiry:?} (one per expiry for the whole fleet)",
        ROUNDS - 1
    );
    sb.shutdown().await;
    Ok(())
}

async fn worker(redis_url: &str) -> Result<(), BoxError> {
    let client_id = env("FLEET_CLIENT_ID")?;
    let accounts = env("FLEET_ACCOUNTS")?;
    let oauth = OAuthClient::builder(&client_id, ClientSecret::new(env("FLEET_CLIENT_SECRET")?))
        .accounts_url(accounts.parse()?)
        .build()?;
    let store = RedisStore::builder(redis_url).prefix(env("FLEET_PREFIX")?).connect().await?;
    let tokens = manager(oauth, store, &accounts, &client_id);
    let client = Client::builder().api_base(env("FLEET_API")?.parse()?).build(tokens.clone())?;
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let line = line?;
        let mut result = Ok(());
        for _ in 0..CALLS_PER_ROUND {
            if let Err(e) = client.send(ListPortals).await {
                result = Err(e);
                break;
            }
        }
        match result {
            Ok(()) => println!("ok {line}"),
            Err(e) => println!("error {line}: {e}"),
        }
    }
    // The source is only needed through the client; keep the type honest about it.
    let _: &dyn TokenSource<Scopes = Worker> = &tokens;
    Ok(())
}
