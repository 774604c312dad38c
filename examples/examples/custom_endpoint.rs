//! A crate author wraps calls that `zoho-projects` does not ship, with the same derive the
//! crate's own endpoints use, and keeps the compile-time scope check.
//!
//! ```sh
//! cargo run --example custom_endpoint
//! ```
//!
//! Two kinds of scope appear: a documented `ZohoProjects` module, named by Zoho's own string
//! and checked against the built-in catalogue while compiling, and a scope the catalogue does
//! not know (here Zoho WorkDrive, which task attachments need), declared with `scope_module!`
//! and named by path.

use serde::Deserialize;
use std::time::Duration;
use zoho_projects::Error;
use zoho_projects::ids::{PortalId, ProjectId, TasklistId};
use zoho_projects::model::{Page, Task};
use zoho_projects::prelude::*;
use zoho_sandbox::{Dc, Sandbox};

// A module from another Zoho service, declared in this crate.
scope_module! {
    /// Zoho WorkDrive files.
    pub mod workdrive_files = "WorkDrive.files" { READ, CREATE, DELETE, ALL }
}

scope_set! {
    /// What this integration asks for.
    pub struct Integration = ["ZohoProjects.tasks.READ", "ZohoProjects.forums.READ", workdrive_files::Read];
}

/// The tasks of one task list: `GET …/projects/{project}/tasklists/{tasklist}/tasks`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasklists/{tasklist}/tasks",
       scope = "ZohoProjects.tasks.READ", response = Page<Task>)]
pub struct TasklistTasks {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task list.
    #[zoho(path)]
    pub tasklist: TasklistId,
    /// Page size.
    #[zoho(query)]
    pub per_page: Option<u32>,
}

/// A project's forums (the sandbox does not emulate forums: it answers as Zoho does for a path
/// it does not know).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/forums",
       scope = "ZohoProjects.forums.READ", response = serde_json::Value)]
pub struct ListForums {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
}

/// A WorkDrive file's metadata, with the declared scope.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v1/files/{file}", scope = workdrive_files::Read, response = WorkDriveFile)]
pub struct GetWorkDriveFile {
    /// The WorkDrive resource id.
    #[zoho(path)]
    pub file: String,
}

/// The part of a WorkDrive answer this integration reads.
#[derive(Debug, Deserialize)]
pub struct WorkDriveFile {
    /// The file.
    pub data: serde_json::Value,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    println!("Integration requests: {}", Integration::OAUTH.join(", "));
    let call = GetWorkDriveFile { file: "a b/c".into() };
    println!(
        "a WorkDrive call renders as {} {} (needs {})",
        GetWorkDriveFile::METHOD,
        call.path(),
        <<GetWorkDriveFile as Endpoint>::Scope as Scope>::OAUTH
    );

    let sb = Sandbox::builder().start().await?;
    let scopes = ["ZohoProjects.tasks.READ", "ZohoProjects.forums.READ", "WorkDrive.files.READ"];
    // The sandbox's API-console shortcut: a token for exactly these scopes.
    let access = sb.mint_access_token(&sb.demo_user().email, &scopes)?;
    let token = Token::<Integration>::from_console(&access, &scopes.join(","), Duration::from_secs(3600))?;
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token)?;

    let demo = sb.demo_portal(Dc::Us);
    let project = &demo.projects[0];
    let tasklist = project.tasklists.first().ok_or("no task list")?;
    let tasks = client
        .send(TasklistTasks {
            portal: demo.id.as_str().into(),
            project: project.id.as_str().into(),
            tasklist: tasklist.as_str().into(),
            per_page: Some(100),
        })
        .await?;
    println!("task list {tasklist} of {:?} holds {} tasks", project.name, tasks.items.len());

    match client.send(ListForums { portal: demo.id.as_str().into(), project: project.id.as_str().into() }).await {
        Ok(forums) => println!("forums: {forums}"),
        Err(Error::Api(e)) => {
            println!("forums: not emulated by the sandbox; Zoho's error is typed: {} ({})", e.code(), e.meaning())
        }
        Err(e) => return Err(e.into()),
    }
    sb.shutdown().await;
    Ok(())
}
