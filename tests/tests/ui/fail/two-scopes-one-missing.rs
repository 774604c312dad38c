// An endpoint that needs two scopes, sent with a client whose set grants only the first: the
// error names the missing one.
use zoho_projects::prelude::*;

scope_module! { pub mod zohopc_files = "ZohoPC.files" { ALL } }

scope_set! { struct TasksOnly = ["ZohoProjects.tasks.CREATE"]; }

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{p}/projects/{q}/tasks/{t}/attachments",
       scope = ["ZohoProjects.tasks.CREATE", zohopc_files::All], response = ())]
struct Attach { #[zoho(path)] p: u64, #[zoho(path)] q: u64, #[zoho(path)] t: u64 }

async fn attach(client: Client<TasksOnly>) {
    let _ = client.send(Attach { p: 1, q: 2, t: 3 }).await;
}

fn main() {
    let _ = attach;
}
