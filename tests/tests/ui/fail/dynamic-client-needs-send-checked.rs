use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = ())]
struct ListPortals;

async fn run(client: Client<Dynamic>) {
    let _ = client.send(ListPortals).await;
}

fn main() {
    let _ = run;
}
