use zoho_projects::prelude::*;

scope_module! { pub mod widgets = "ZohoWidgets.widgets" { READ, WRITE } }

fn main() {}
