use zoho_projects::multipart::Multipart;
use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/attachments", scope = "ZohoProjects.tasks.READ",
       response = serde_json::Value)]
struct Upload { #[zoho(path)] portal: u64, #[zoho(multipart)] form: Multipart }

fn main() {}
