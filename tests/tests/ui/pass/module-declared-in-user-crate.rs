// A crate outside the workspace, depending on `zoho-projects` only, declares a module the
// catalogue lacks (another Zoho service here) and an endpoint for it; the check works there,
// and a helper generic over the scope set states the scopes it needs as bounds, as the docs teach.
use zoho_projects::prelude::*;
use zoho_projects::Error;

scope_module! {
    /// Zoho CRM records.
    pub mod crm_modules = "ZohoCRM.modules" { READ, CREATE, UPDATE, DELETE, ALL }
}

scope_set! { struct Sync = ["ZohoProjects.tasks.READ", crm_modules::Read, crm_modules::Create, crm_modules::Read]; }

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/crm/v8/{module}", scope = crm_modules::Create, response = serde_json::Value)]
struct InsertRecords {
    #[zoho(path)]
    module: String,
    #[zoho(body)]
    data: serde_json::Value,
}

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{p}/projects/{q}/tasks", scope = "ZohoProjects.tasks.READ", response = serde_json::Value)]
struct ListTasks {
    #[zoho(path)]
    p: u64,
    #[zoho(path)]
    q: u64,
}

/// Works with any client whose set grants both scopes.
async fn copy_tasks<S>(client: &Client<S>) -> Result<serde_json::Value, Error>
where
    S: HasScope<scopes::tasks::Read> + HasScope<crm_modules::Create>,
{
    let tasks = client.send(ListTasks { p: 1, q: 2 }).await?;
    client.send(InsertRecords { module: "Leads".into(), data: tasks }).await
}

async fn run(client: Client<Sync>) -> Result<serde_json::Value, Error> {
    copy_tasks(&client).await?;
    client.send(InsertRecords { module: "Leads".into(), data: serde_json::json!({"data": []}) }).await
}

fn main() {
    let _ = run;
    assert_eq!(Sync::OAUTH, ["ZohoProjects.tasks.READ", "ZohoCRM.modules.READ", "ZohoCRM.modules.CREATE"]);
    assert_eq!(<crm_modules::Create as Scope>::OAUTH, "ZohoCRM.modules.CREATE");
    let call = InsertRecords { module: "Leads/../Deals".into(), data: serde_json::Value::Null };
    assert_eq!(call.path(), "/crm/v8/Leads%2F..%2FDeals");
}
