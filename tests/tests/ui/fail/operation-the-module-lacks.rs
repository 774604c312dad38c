use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/search", scope = "ZohoProjects.search.CREATE", response = ())]
struct Call { #[zoho(path)] portal: u64 }

fn main() {}
