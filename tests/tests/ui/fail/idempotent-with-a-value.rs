use zoho_projects::prelude::*;

// `idempotent` is a flag: a value (even `true`) is refused, so that `idempotent = false` cannot
// be read as switching it off.
#[derive(Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/tags/{tag}", scope = "ZohoProjects.tags.UPDATE",
       response = (), idempotent = true)]
struct UpdateTag { #[zoho(path)] portal: u64, #[zoho(path)] tag: u64 }

#[derive(Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/tags/{tag}", scope = "ZohoProjects.tags.UPDATE",
       response = (), idempotent, idempotent)]
struct Twice { #[zoho(path)] portal: u64, #[zoho(path)] tag: u64 }

fn main() {}
