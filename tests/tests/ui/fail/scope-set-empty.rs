use zoho_projects::prelude::*;

scope_set! { struct Nothing = []; }

fn main() {}
