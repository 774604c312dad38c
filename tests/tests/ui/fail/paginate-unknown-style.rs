use zoho_projects::prelude::*;

#[derive(Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/widgets", scope = "ZohoProjects.projects.READ",
       response = serde_json::Value, paginate(item = String, style = "offset"))]
struct ListWidgets {
    #[zoho(path)] portal: u64,
    #[zoho(query)] page: Option<u32>,
    #[zoho(query)] per_page: Option<u32>,
}

fn main() {}
