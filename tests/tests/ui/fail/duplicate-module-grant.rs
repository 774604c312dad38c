use zoho_projects::__private::{Grant, ModuleGrant, Yes};
use zoho_projects::prelude::*;

scope_set! { struct Reader = ["ZohoProjects.tasks.READ"]; }

// A second grant for a module the set already covers is rejected: one set, one grant per module.
impl ModuleGrant<scopes::tasks::Module> for Reader {
    type Grant = Grant<Yes, Yes, Yes, Yes>;
}

fn main() {}
