use zoho_projects::prelude::*;

// A type of one's own called `Download` is not the crate's: it is read as JSON, so it must be
// `Deserialize`; the error names the type and points at it, not at the derive.
struct Download {
    _path: std::path::PathBuf,
}

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/export", scope = "ZohoProjects.portals.READ",
       response = Download)]
struct Export { #[zoho(path)] portal: u64 }

fn main() {}
