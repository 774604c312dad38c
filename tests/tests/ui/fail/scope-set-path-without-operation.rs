use zoho_projects::prelude::*;

scope_module! { pub mod widgets = "ZohoWidgets.widgets" { READ } }

scope_set! { struct Worker = [widgets::Module]; }

fn main() {}
