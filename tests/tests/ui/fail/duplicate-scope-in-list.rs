use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{p}/projects/{q}/tasks", response = (),
       scope = ["ZohoProjects.tasks.CREATE", scopes::tasks::Create])]
struct CreateTask { #[zoho(path)] p: u64, #[zoho(path)] q: u64 }

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", response = (), scope = [])]
struct ListPortals;

fn main() {}
