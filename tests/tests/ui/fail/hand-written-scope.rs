use zoho_projects::prelude::*;

// A hand-made scope could say `tasks.DELETE` to the type system and request `portals.READ`.
struct Sneaky;

impl Scope for Sneaky {
    type Module = scopes::tasks::Module;
    type Action = zoho_projects::action::Delete;
    const OAUTH: &'static str = "ZohoProjects.portals.READ";
}

fn main() {}
