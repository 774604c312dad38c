use zoho_projects::prelude::*;

struct Opaque;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}", scope = "ZohoProjects.portals.READ", response = ())]
struct GetPortal { #[zoho(path)] portal: Opaque }

fn main() {}
