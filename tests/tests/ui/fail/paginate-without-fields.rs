use zoho_projects::prelude::*;

// `paginate` with the default page-number style needs `page` and `per_page` fields.
#[derive(Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/widgets", scope = "ZohoProjects.projects.READ",
       response = serde_json::Value, paginate(item = String))]
struct ListWidgets { #[zoho(path)] portal: u64, #[zoho(query)] page: Option<u32> }

fn main() {}
