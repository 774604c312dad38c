use zoho_projects::prelude::*;

// One typo in the list: one error, at the typo. The set is still declared with the other
// entries, so the code that uses it reports nothing more.
scope_set! { struct Reader = ["ZohoProjects.tasks.READ", "ZohoProjects.portal.READ"]; }

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{p}/projects/{q}/tasks", scope = "ZohoProjects.tasks.READ", response = ())]
struct ListTasks { #[zoho(path)] p: u64, #[zoho(path)] q: u64 }

async fn run(client: Client<Reader>) {
    let _ = client.send(ListTasks { p: 1, q: 2 }).await;
}

fn main() {
    let _ = run;
}
