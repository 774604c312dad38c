use zoho_projects::prelude::*;
use zoho_projects::Error;

scope_set! { struct TaskAdmin = ["ZohoProjects.tasks.ALL"]; }

#[derive(Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{p}/projects/{q}/tasks/{t}",
       scope = "ZohoProjects.tasks.DELETE", response = ())]
struct DeleteTask {
    #[zoho(path)]
    p: u64,
    #[zoho(path)]
    q: u64,
    #[zoho(path)]
    t: u64,
}

async fn run(client: Client<TaskAdmin>) -> Result<(), Error> {
    client.send(DeleteTask { p: 1, q: 2, t: 3 }).await
}

fn main() {
    let _ = run;
    assert_eq!(TaskAdmin::OAUTH, ["ZohoProjects.tasks.ALL"]);
}
