use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v1/tickets", scope = "ZohoProjects.tasks.READ", header("orgId"),
       response = ())]
struct ListTickets;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v1/tickets", scope = "ZohoProjects.tasks.READ", response = ())]
struct ListTicketsOf {
    #[zoho(header)]
    org: u64,
}

fn main() {}
