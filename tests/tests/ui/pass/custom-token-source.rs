// A token source of one's own (tokens kept in a vault or a database), done the documented way:
// each token is kept with the scopes it was granted and handed out through `ScopedToken::check`.
// The client it builds is a `Client<Admin>`, so DELETE compiles; a token without `tasks.ALL`
// would be refused at run time, before any request (tests/tests/scope_boundary.rs).
use std::time::SystemTime;
use zoho_projects::prelude::*;
use zoho_projects::Error;
use zoho_projects::{AccessToken, DynamicScopes, ScopedToken, async_trait};

scope_set! { pub struct Admin = ["ZohoProjects.tasks.ALL"]; }

#[derive(Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{p}/projects/{q}/tasks/{t}", scope = "ZohoProjects.tasks.DELETE", response = ())]
struct DeleteTask {
    #[zoho(path)]
    p: u64,
    #[zoho(path)]
    q: u64,
    #[zoho(path)]
    t: u64,
}

/// Tokens kept in a vault, with the scopes they were granted.
struct Vault {
    secret: String,
    granted: String,
    expires_at: SystemTime,
}

#[async_trait]
impl TokenSource for Vault {
    type Scopes = Admin;

    async fn access_token(&self) -> Result<ScopedToken<Admin>, Error> {
        let scopes = DynamicScopes::parse_list(&self.granted).map_err(|e| Error::config_caused_by("the vault's scopes", e))?;
        let token = AccessToken::new(self.secret.as_str(), self.expires_at, scopes);
        Ok(ScopedToken::check(token)?)
    }
}

async fn run(vault: Vault) -> Result<(), Error> {
    let client: Client<Admin> = Client::builder().build(vault)?;
    client.send(DeleteTask { p: 1, q: 2, t: 3 }).await
}

fn main() {
    let _ = run;
    let _ = Vault { secret: String::new(), granted: String::new(), expires_at: SystemTime::UNIX_EPOCH };
}
