use zoho_projects::prelude::*;
use zoho_projects::Error;

// A string and a path for the same catalogued module merge into one grant, and each scope is
// requested once.
scope_set! {
    struct Mixed = [
        "ZohoProjects.tasks.READ",
        scopes::tasks::Create,
        zoho_projects::scopes::tasks::Read,
        "ZohoProjects.tasks.READ",
    ];
}

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{p}/projects/{q}/tasks", scope = "ZohoProjects.tasks.CREATE", response = ())]
struct CreateTask { #[zoho(path)] p: u64, #[zoho(path)] q: u64 }

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{p}/projects/{q}/tasks", scope = scopes::tasks::Read, response = ())]
struct ListTasks { #[zoho(path)] p: u64, #[zoho(path)] q: u64 }

async fn run(client: Client<Mixed>) -> Result<(), Error> {
    client.send(CreateTask { p: 1, q: 2 }).await?;
    client.send(ListTasks { p: 1, q: 2 }).await
}

fn main() {
    let _ = run;
    assert_eq!(Mixed::OAUTH, ["ZohoProjects.tasks.READ", "ZohoProjects.tasks.CREATE"]);
}
