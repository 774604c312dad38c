use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/tasks", scope = "ZohoProjects.task.READ", response = ())]
struct Call { #[zoho(path)] portal: u64 }

fn main() {}
