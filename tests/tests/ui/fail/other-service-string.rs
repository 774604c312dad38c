use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/crm/v8/{portal}/Leads", scope = "ZohoCRM.modules.READ", response = ())]
struct Call { #[zoho(path)] portal: u64 }

fn main() {}
