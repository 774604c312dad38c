//! A crate author wraps calls that `zoho-projects` does not ship, with the same derive the
//! crate's own endpoints use, and keeps the compile-time scope check.
//!
//! ```sh
//! cargo run --example custom_endpoint
//! ```
//!
//! Two kinds of scope appear: a documented `ZohoProjects` module, named by Zoho's own string
//! and checked against the built-in catalogue while compiling, and a scope the catalogue does
//! not know (here Zoho WorkDrive and Zoho's file store, which task attachments need), declared
//! with `scope_module!` and named by path.
//!
//! The second half runs as an EU user: another service's call (WorkDrive, on the token's
//! `api_domain` hosts) with headers, an upload that needs two scopes and a streamed download
//! that needs three. Each reaches the host of its service in the token's data centre: the
//! sandbox says which of its listeners (one per data centre and host) saw it.

use serde::Deserialize;
use std::time::{Duration, SystemTime};
use zoho_projects::ids::{PortalId, ProjectId, TaskId, TasklistId};
use zoho_projects::model::{Page, Task};
use zoho_projects::multipart::{Multipart, Part};
use zoho_projects::prelude::*;
use zoho_projects::{AccessToken, Download, DynamicScopes, Error, TokenParts};
use zoho_sandbox::{Dc, Sandbox};

// Modules from other Zoho services, declared in this crate. They belong to the `api_domain`
// hosts (`www.zohoapis.<tld>`) unless `#[zoho(service = …)]` names another service.
scope_module! {
    /// Zoho WorkDrive files.
    pub mod workdrive_files = "WorkDrive.files" { READ, CREATE, DELETE, ALL }
}
scope_module! {
    /// Zoho's file store: task attachments need it besides the Projects scope.
    pub mod zohopc_files = "ZohoPC.files" { ALL }
}

scope_set! {
    /// What this integration asks for.
    pub struct Integration = [
        "ZohoProjects.tasks.READ", "ZohoProjects.tasks.CREATE", "ZohoProjects.forums.READ",
        workdrive_files::Read, zohopc_files::All,
    ];
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

/// A WorkDrive file's metadata (`www.zohoapis.<tld>/workdrive/api/v1/files/{id}`), with the
/// declared scope: sent to the `api_domain` host of the token's data centre, with WorkDrive's
/// JSON:API `Accept` header on every call and a correlation id of the caller's.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/workdrive/api/v1/files/{file}", scope = workdrive_files::Read,
       header("Accept" = "application/vnd.api+json"), response = WorkDriveFile)]
pub struct GetWorkDriveFile {
    /// The WorkDrive resource id.
    #[zoho(path)]
    pub file: String,
    /// Sent as the `X-Correlation-Id` header.
    #[zoho(header = "X-Correlation-Id")]
    pub correlation: String,
}

/// Attaches files to a task (`upload_file` parts): two scopes, both required.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments",
       scope = ["ZohoProjects.tasks.CREATE", zohopc_files::All], response = serde_json::Value)]
pub struct AttachFiles {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
    /// The files.
    #[zoho(multipart)]
    pub form: Multipart,
}

/// Downloads one attachment as a stream (content type, length and file name from the answer's
/// headers): three scopes.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET",
       path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}/download",
       scope = ["ZohoProjects.tasks.READ", zohopc_files::All, workdrive_files::Read], response = Download)]
pub struct DownloadAttachment {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
    /// The attachment.
    #[zoho(path)]
    pub attachment: String,
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
    let call = GetWorkDriveFile { file: "a b/c".into(), correlation: "demo".into() };
    println!(
        "a WorkDrive call renders as {} {} (needs {})",
        GetWorkDriveFile::METHOD,
        call.path(),
        <<GetWorkDriveFile as Endpoint>::Scope as Scope>::OAUTH
    );

    let sb = Sandbox::builder().start().await?;
    let scopes = Integration::OAUTH;
    // The sandbox's API-console shortcut: a token for exactly these scopes.
    let access = sb.mint_access_token(&sb.demo_user().email, scopes)?;
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

    eu_user(&sb).await?;
    sb.shutdown().await;
    Ok(())
}

/// An EU user's token, as a store hands it back (it names its data centre, `eu`): the client is
/// not told where to go, and every call reaches its service's host in the EU.
async fn eu_user(sb: &Sandbox) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let lena = sb.add_user("lena@example.eu", Dc::Eu);
    let demo = sb.demo_portal(Dc::Eu);
    let project = &demo.projects[0];
    sb.add_project_member(Dc::Eu, &project.id, &lena.email)?;
    let secret = sb.mint_access_token(&lena.email, Integration::OAUTH)?;
    let granted = DynamicScopes::parse(Integration::OAUTH)?;
    let mut parts = TokenParts::new(AccessToken::new(secret, SystemTime::now() + Duration::from_secs(3600), granted));
    parts.location = Some("eu".into());
    let token = Token::<Integration>::from_parts(parts)?;

    // Zoho's hosts in each data centre are, here, the sandbox's listeners of that data centre.
    let mut builder = Client::builder();
    for (region, dc) in [(Region::Us, Dc::Us), (Region::Eu, Dc::Eu), (Region::In, Dc::In)] {
        builder = builder.region_base(region, Service::PROJECTS, sb.api_url(dc)).region_base(
            region,
            Service::API_DOMAIN,
            sb.api_domain_url(dc),
        );
    }
    let client = builder.build(token)?;
    let last_host = || {
        let seen = sb.requests_seen().pop().expect("a request");
        let path = seen.path_and_query.split('?').next().unwrap_or("").to_owned();
        format!("{} {path} (the {} {} listener)", seen.method, seen.dc, seen.service)
    };

    // Another service: WorkDrive on the EU `api_domain` host, with its headers.
    let file = client.send(GetWorkDriveFile { file: sb.demo_file(Dc::Eu), correlation: "lena-1".into() }).await?;
    println!("WorkDrive file {} -> {}", file.data["attributes"]["name"], last_host());
    let seen = sb.requests_seen().pop().expect("the WorkDrive call");
    for name in ["Accept", "X-Correlation-Id"] {
        let value = seen.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
        println!("  header {name}: {}", value.unwrap_or("(missing)"));
    }

    // An upload (two scopes) and a streamed download (three) on the EU Projects host.
    let task: TaskId = project.tasks[0].as_str().into();
    let report = b"zoho-projects-rs: bytes in, the same bytes out\n".repeat(100);
    let form = Multipart::new()
        .part("upload_file", Part::bytes(report.clone()).file_name("report.txt").content_type("text/plain"));
    let attach =
        AttachFiles { portal: demo.id.as_str().into(), project: project.id.as_str().into(), task: task.clone(), form };
    let stored = client.send(attach).await?;
    let attachment = stored["attachment"][0]["id"].as_str().ok_or("no attachment id")?.to_owned();
    println!("uploaded {} bytes as attachment {attachment} -> {}", report.len(), last_host());

    let get =
        DownloadAttachment { portal: demo.id.as_str().into(), project: project.id.as_str().into(), task, attachment };
    let mut download = client.send(get).await?;
    let (name, kind) = (download.file_name().map(str::to_owned), download.content_type().map(str::to_owned));
    let mut back = Vec::new();
    while let Some(chunk) = download.chunk().await? {
        back.extend_from_slice(&chunk);
    }
    println!(
        "downloaded {:?} ({:?}, {} bytes) -> {}",
        name.unwrap_or_default(),
        kind.unwrap_or_default(),
        back.len(),
        last_host()
    );
    println!("round trip: {}", if back == report { "identical" } else { "DIFFERENT" });
    Ok(())
}
