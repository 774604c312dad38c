use zoho_projects::prelude::*;

#[derive(Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/widgets", scope = "ZohoProjects.projects.READ",
       response = serde_json::Value, paginate(style = "index"))]
struct ListWidgets {
    #[zoho(path)] portal: u64,
    #[zoho(query)] index: Option<u32>,
    #[zoho(query)] range: Option<u32>,
}

fn main() {}
