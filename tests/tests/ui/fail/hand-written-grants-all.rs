use zoho_projects::__private::GrantsAll;
use zoho_projects::prelude::*;

scope_set! { struct Reader = ["ZohoProjects.tasks.READ"]; }

// Narrowing is checked through `GrantsAll`, which cannot be implemented by hand either.
impl GrantsAll<(scopes::tasks::Delete, ())> for Reader {}

fn main() {}
