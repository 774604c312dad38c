use zoho_projects::prelude::*;

scope_module! { pub mod crm = "ZohoCRM.modules.READ" { READ } }
scope_module! { pub mod crm2 = "ZohoCRM." { READ } }
scope_module! { pub mod crm3 = "ZohoCRM.mod-ules" { read, READ, READ } }

fn main() {}
