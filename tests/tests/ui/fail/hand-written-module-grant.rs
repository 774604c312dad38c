use zoho_projects::__private::{AllActions, ModuleGrant};
use zoho_projects::prelude::*;

// A macro-made set that asks only for portals.READ...
scope_set! { struct Reader = ["ZohoProjects.portals.READ"]; }

// ...cannot be widened by hand to everything on tasks: grants come only from `scope_set!`.
impl ModuleGrant<scopes::tasks::Module> for Reader {
    type Grant = AllActions;
}

fn main() {}
