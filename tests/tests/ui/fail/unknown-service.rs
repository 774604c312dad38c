use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/crm/v8/Leads", scope = "ZohoProjects.tasks.READ", service = "api-domain",
       response = ())]
struct ListLeads;

scope_module! {
    #[zoho(service = "crm")]
    pub mod crm_modules = "ZohoCRM.modules" { READ }
}

fn main() {}
