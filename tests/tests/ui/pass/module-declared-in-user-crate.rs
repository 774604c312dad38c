// A crate outside the workspace, depending on `zoho-projects` only, declares a module the
// catalogue lacks (another Zoho service here) and an endpoint for it; the check works there.
use zoho_projects::prelude::*;

scope_module! {
    /// Zoho CRM records.
    pub mod crm_modules = "ZohoCRM.modules" { READ, CREATE, UPDATE, DELETE, ALL }
}

scope_set! { struct Sync = ["ZohoProjects.tasks.READ", crm_modules::Read, crm_modules::Create]; }

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/crm/v8/{module}", scope = crm_modules::Create, response = serde_json::Value)]
struct InsertRecords {
    #[zoho(path)]
    module: String,
    #[zoho(body)]
    data: serde_json::Value,
}

async fn run(client: Client<Sync>) -> Result<serde_json::Value, Error> {
    client.send(InsertRecords { module: "Leads".into(), data: serde_json::json!({"data": []}) }).await
}

fn main() {
    let _ = run;
    assert_eq!(Sync::OAUTH, ["ZohoProjects.tasks.READ", "ZohoCRM.modules.READ", "ZohoCRM.modules.CREATE"]);
    assert_eq!(<crm_modules::Create as Scope>::OAUTH, "ZohoCRM.modules.CREATE");
    let call = InsertRecords { module: "Leads/../Deals".into(), data: serde_json::Value::Null };
    assert_eq!(call.path(), "/crm/v8/Leads%2F..%2FDeals");
}
