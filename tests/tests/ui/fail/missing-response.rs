use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}", scope = "ZohoProjects.portals.READ")]
struct Call { #[zoho(path)] portal: u64 }

fn main() {}
