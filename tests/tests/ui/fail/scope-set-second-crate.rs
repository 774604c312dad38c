use zoho_projects::prelude::*;

scope_set! {
    #[zoho(crate = ::zoho_projects, crate = ::zoho_oauth_core)]
    struct Reader = ["ZohoProjects.tasks.READ"];
}

fn main() {}
