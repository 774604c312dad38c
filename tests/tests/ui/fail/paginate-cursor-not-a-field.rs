use zoho_projects::prelude::*;

// `cursor = field` must name a field of the struct (one whose type implements `PageCursor`).
#[derive(Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/widgets", scope = "ZohoProjects.projects.READ",
       response = serde_json::Value, paginate(item = String, cursor = pagin))]
struct ListWidgets {
    #[zoho(path)] portal: u64,
    #[zoho(flatten)] paging: zoho_projects::Paging,
}

fn main() {}
