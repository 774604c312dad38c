use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects", scope = "ZohoProjects.projects.READ", response = ())]
struct ListProjects { #[zoho(path, query)] portal: u64 }

fn main() {}
