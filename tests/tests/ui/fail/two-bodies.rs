use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects", scope = "ZohoProjects.projects.CREATE", response = ())]
struct CreateProject { #[zoho(path)] portal: u64, #[zoho(body)] a: String, #[zoho(body)] b: String }

fn main() {}
