use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{p}/projects/{q}/tasks", scope = "ZohoProjects.tasks.READ", response = ())]
struct ListTasks { #[zoho(path)] p: u64, #[zoho(path)] q: u64 }

// A helper generic over the scope set must say which scopes it needs.
async fn list<S>(client: &Client<S>) {
    let _ = client.send(ListTasks { p: 1, q: 2 }).await;
}

fn main() {
    let _ = list::<Dynamic>;
}
