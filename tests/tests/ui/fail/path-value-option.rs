use zoho_projects::prelude::*;

// A path segment cannot be left out: a path field that is an `Option`, under any name, does not
// compile (there is no segment to send for `None`).
type MaybeId = Option<u64>;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}", scope = "ZohoProjects.portals.READ", response = ())]
struct GetPortal { #[zoho(path)] portal: MaybeId }

fn main() {}
