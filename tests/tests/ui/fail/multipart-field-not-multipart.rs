use zoho_projects::prelude::*;

// A `multipart` field must be a `Multipart`.
#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/attachments", scope = "ZohoProjects.tasks.CREATE",
       response = serde_json::Value)]
struct Upload { #[zoho(path)] portal: u64, #[zoho(multipart)] form: Vec<u8> }

fn main() {}
