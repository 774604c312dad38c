use zoho_projects::prelude::*;
use zoho_projects::Error;

// Listing ALL and READ of one module is harmless: the macro merges them into one grant.
scope_set! { struct Both = ["ZohoProjects.tasks.READ", "ZohoProjects.tasks.ALL", "ZohoProjects.tasks.READ"]; }

#[derive(Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{p}/projects/{q}/tasks/{t}",
       scope = "ZohoProjects.tasks.UPDATE", response = serde_json::Value)]
struct UpdateTask {
    #[zoho(path)]
    p: u64,
    #[zoho(path)]
    q: u64,
    #[zoho(path)]
    t: u64,
    #[zoho(body)]
    body: serde_json::Value,
}

async fn run(client: Client<Both>) -> Result<serde_json::Value, Error> {
    client.send(UpdateTask { p: 1, q: 2, t: 3, body: serde_json::json!({"name": "x"}) }).await
}

fn main() {
    let _ = run;
    // The strings to request are deduplicated, in the order written.
    assert_eq!(Both::OAUTH, ["ZohoProjects.tasks.READ", "ZohoProjects.tasks.ALL"]);
}
