use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GETT", path = "/api/v3/portal/{portl}", scope = "ZohoProjects.portal.READ", response = ())]
struct GetPortal { #[zoho(path)] portal: u64 }

fn main() {}
