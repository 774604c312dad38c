use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}", scope = "ZohoProjects.projects.READ", response = ())]
struct GetProject { #[zoho(path)] portal: u64 }

fn main() {}
