//! `zoho`: sign in to Zoho once, inspect the token and call the Zoho Projects API from the shell.
//!
//! Built only on the public API of `zoho-projects`: the flows of `zoho_projects::oauth`, the
//! `FileStore`, the `TokenManager` and the typed V3 endpoints. See `zoho --help`.

mod api;
mod auth;
mod config;
mod error;
mod lists;
mod output;
mod session;

use clap::{Args, CommandFactory, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::error::CliError;

const AFTER_HELP: &str = "\
Configuration: each setting comes from its flag, else its environment variable, else the config
file (`zoho login` writes the client id, secret and servers it used there, mode 0600).

Exit codes:
  0  success
  1  an unexpected failure
  2  bad usage (unknown flag, malformed argument)
  3  not signed in, or the client id / secret is not configured
  4  sign-in failed, or the token was revoked or refused: sign in again
  5  the token lacks the call's scope (nothing was sent)
  6  Zoho answered the call with an error
  7  Zoho could not be reached, or asked to wait (try again later)

Examples:
  zoho login --device
  zoho status
  curl -H \"Authorization: Zoho-oauthtoken $(zoho token)\" https://projectsapi.zoho.com/api/v3/portals
  zoho api GET /api/v3/portals
  zoho tasks --json | jq '.[].name'
  zoho --sandbox tasks";

/// Sign in to Zoho, inspect tokens and call the Zoho Projects API.
// No `Debug`: `Global` holds the client secret.
#[derive(Parser)]
#[command(name = "zoho", version, about, long_about = None, after_help = AFTER_HELP, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Settings every command takes.
#[derive(Args, Clone)]
pub(crate) struct Global {
    /// OAuth client id from Zoho's API console (api-console.zoho.com).
    #[arg(long, env = "ZOHO_CLIENT_ID", global = true, value_name = "ID")]
    pub(crate) client_id: Option<String>,
    /// OAuth client secret (prefer the environment variable or the config file to a flag, which
    /// other local users can see in the process list).
    #[arg(long, env = "ZOHO_CLIENT_SECRET", hide_env_values = true, global = true, value_name = "SECRET")]
    pub(crate) client_secret: Option<String>,
    /// Zoho data centre to sign in at: us, eu, in, au, jp, ca, sa, cn, uk [default: us].
    #[arg(long, env = "ZOHO_REGION", global = true, value_name = "DC")]
    pub(crate) region: Option<String>,
    /// Accounts server to sign in at, instead of the region's (e.g. a running zoho-sandbox).
    #[arg(long, env = "ZOHO_ACCOUNTS_URL", global = true, value_name = "URL")]
    pub(crate) accounts_url: Option<url::Url>,
    /// Projects API server, instead of the one of the token's data centre (e.g. a running
    /// zoho-sandbox).
    #[arg(long, env = "ZOHO_API_URL", global = true, value_name = "URL")]
    pub(crate) api_url: Option<url::Url>,
    /// Config file [default: CONFIG_DIR/zoho/config.json, e.g. ~/.config/zoho/config.json].
    #[arg(long, env = "ZOHO_CONFIG", global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Token file [default: the library's, e.g. ~/.local/share/zoho-oauth-core/tokens.json].
    #[arg(long, env = "ZOHO_TOKEN_FILE", global = true, value_name = "FILE")]
    pub(crate) token_file: Option<PathBuf>,
    /// Name under which the token is stored, to keep several sign-ins apart.
    #[arg(long, env = "ZOHO_PROFILE", global = true, default_value = "default", value_name = "NAME")]
    pub(crate) profile: String,
    /// Run against an embedded zoho-sandbox (a local Zoho with demo data, consent approved
    /// automatically): nothing leaves the machine, nothing is written to disk.
    #[arg(long, global = true, conflicts_with_all = ["accounts_url", "api_url"])]
    pub(crate) sandbox: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Sign in and store the token (browser and loopback redirect, or --device).
    Login(auth::LoginArgs),
    /// Who is signed in: data centre, granted scopes, expiry, where the token is kept (never a secret).
    Status(auth::StatusArgs),
    /// Print a valid access token to stdout, refreshing it when needed (nothing else on stdout).
    Token,
    /// Forget the stored token; with --revoke, revoke its refresh token at Zoho first.
    Logout(auth::LogoutArgs),
    /// Send a raw request to the Projects API with the stored token, after checking its scope.
    Api(api::ApiArgs),
    /// List the portals of the signed-in user.
    Portals(lists::ListArgs),
    /// List the projects of a portal.
    Projects(lists::ProjectsArgs),
    /// List the tasks of a project (or of the whole portal).
    Tasks(lists::TasksArgs),
    /// Print a shell completion script, e.g. `zoho completions bash > /etc/bash_completion.d/zoho`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "zoho", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return CliError::other(format!("could not start the async runtime: {e}")).report(),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => e.report(),
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let mut session = session::Session::open(&cli.global).await?;
    if !matches!(cli.command, Command::Login(_))
        && let Err(e) = session.sandbox_sign_in().await
    {
        session.close().await;
        return Err(e);
    }
    let result = match cli.command {
        Command::Login(args) => auth::login(&mut session, &args).await,
        Command::Status(args) => auth::status(&session, &args).await,
        Command::Token => auth::token(&session).await,
        Command::Logout(args) => auth::logout(&session, &args).await,
        Command::Api(args) => api::run(&session, &args).await,
        Command::Portals(args) => lists::portals(&session, &args).await,
        Command::Projects(args) => lists::projects(&session, &args).await,
        Command::Tasks(args) => lists::tasks(&session, &args).await,
        Command::Completions { .. } => Ok(()),
    };
    session.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
