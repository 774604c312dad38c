use zoho_projects::prelude::*;

scope_set! { struct TasksOnly = ["ZohoProjects.tasks.ALL"]; }

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{p}/projects", scope = "ZohoProjects.projects.READ", response = ())]
struct ListProjects { #[zoho(path)] p: u64 }

async fn run(client: Client<TasksOnly>) {
    let _ = client.send(ListProjects { p: 1 }).await;
}

fn main() {
    let _ = run;
}
