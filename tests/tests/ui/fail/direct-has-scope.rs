use zoho_projects::prelude::*;

scope_set! { struct Reader = ["ZohoProjects.tasks.READ"]; }

// `HasScope` holds only through the set's list; it cannot be implemented by hand.
impl HasScope<scopes::tasks::Delete> for Reader {}

fn main() {}
