use zoho_projects::prelude::*;

// Redeclaring a catalogued module would make a second `tasks::Module`, unrelated to the catalogue's.
scope_module! { pub mod tasks = "ZohoProjects.tasks" { READ, DELETE } }

fn main() {}
