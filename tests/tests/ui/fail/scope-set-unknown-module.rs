use zoho_projects::prelude::*;

scope_set! { struct Worker = ["ZohoProjects.portals.READ", "ZohoProjects.taks.ALL"]; }

fn main() {}
