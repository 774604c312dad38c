use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "get", path = "/api/v3/portal/{portal}", scope = "ZohoProjects.portals.READ", response = ())]
struct Call { #[zoho(path)] portal: u64 }

fn main() {}
