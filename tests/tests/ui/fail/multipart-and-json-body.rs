use zoho_projects::multipart::Multipart;
use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/attachments", scope = "ZohoProjects.tasks.CREATE",
       response = serde_json::Value)]
struct Upload {
    #[zoho(path)] portal: u64,
    #[zoho(body)] meta: serde_json::Value,
    #[zoho(multipart)] form: Multipart,
}

fn main() {}
