use zoho_projects::prelude::*;

// A hand-made set: its `OAUTH` could ask for one thing and its grants (or an empty `Scopes`
// list, which any client could be narrowed to) claim another.
struct Forged;

impl ScopeSet for Forged {
    const OAUTH: &'static [&'static str] = &["ZohoProjects.tasks.READ"];
    type Scopes = ();
}

fn main() {}
