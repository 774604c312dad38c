use zoho_projects::prelude::*;

// The answer must split into rows of the item type: `PageParts<u64>: From<serde_json::Value>`
// does not hold, so the derive points at the item.
#[derive(Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/widgets", scope = "ZohoProjects.projects.READ",
       response = serde_json::Value, paginate(item = u64))]
struct ListWidgets {
    #[zoho(path)] portal: u64,
    #[zoho(query)] page: Option<u32>,
    #[zoho(query)] per_page: Option<u32>,
}

fn main() {}
