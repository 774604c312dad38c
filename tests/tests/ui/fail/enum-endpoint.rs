use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = ())]
enum Portals { All, Mine }

fn main() {}
