use zoho_projects::prelude::*;

#[derive(Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/tags/{tag}", scope = "ZohoProjects.tags.UPDATE",
       response = (), idempotent)]
struct RenameTag { #[zoho(path)] portal: u64, #[zoho(path)] tag: u64 }

#[derive(Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/tags/{tag}", scope = "ZohoProjects.tags.UPDATE",
       response = ())]
struct AddTag { #[zoho(path)] portal: u64, #[zoho(path)] tag: u64 }

const _: () = assert!(RenameTag::IDEMPOTENT && !AddTag::IDEMPOTENT);

fn main() {}
