//! `zoho portals`, `projects`, `tasks`: typed V3 calls, each compiled against the scope set it
//! needs, and that set checked against the stored token before anything is sent.

use crate::error::CliError;
use crate::output;
use crate::session::{Session, check_set};
use clap::Args;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use zoho_projects::ids::PortalId;
use zoho_projects::model::{Portal, Project, Task};
use zoho_projects::paginate::{MAX_PAGE_SIZE, Paginate};
use zoho_projects::prelude::*;
use zoho_projects::v3::portals::ListPortals;
use zoho_projects::v3::projects::ListProjects;
use zoho_projects::v3::tasks::{ListPortalTasks, ListTasks};

scope_set! {
    /// `zoho portals`, and finding the portal when `--portal` is not given.
    pub(crate) struct PortalsRead = ["ZohoProjects.portals.READ"];
}
scope_set! {
    /// `zoho projects --portal …`.
    pub(crate) struct ProjectsRead = ["ZohoProjects.projects.READ"];
}
scope_set! {
    /// `zoho projects` (the first portal).
    pub(crate) struct PortalProjectsRead = ["ZohoProjects.portals.READ", "ZohoProjects.projects.READ"];
}
scope_set! {
    /// `zoho tasks --portal …`.
    pub(crate) struct TasksRead = ["ZohoProjects.tasks.READ"];
}
scope_set! {
    /// `zoho tasks` (the first portal).
    pub(crate) struct PortalTasksRead = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.READ"];
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Print a JSON array (pretty on a terminal, one line when piped) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ProjectsArgs {
    /// The portal id [default: the user's first portal].
    #[arg(long, value_name = "ID")]
    portal: Option<String>,
    /// At most this many rows (pages of up to 200 are fetched until then).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Print a JSON array (pretty on a terminal, one line when piped) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TasksArgs {
    /// The portal id [default: the user's first portal].
    #[arg(long, value_name = "ID")]
    portal: Option<String>,
    /// The project id [default: every project of the portal].
    #[arg(long, value_name = "ID")]
    project: Option<String>,
    /// At most this many rows (pages of up to 200 are fetched until then).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Print a JSON array (pretty on a terminal, one line when piped) instead of a table.
    #[arg(long)]
    json: bool,
}

/// A client of the set `S`, once the stored token is known to carry it (no request before).
/// It calls the token's data centre, or the configured API server.
async fn client<S: ScopeSet + Send + Sync>(session: &Session) -> Result<Client<S>, CliError> {
    let record = session.signed_in().await?;
    check_set::<S>(&record)?;
    let builder = match &session.api_url {
        Some(base) => Client::builder().api_base(base.clone()),
        None => Client::builder(),
    };
    Ok(builder.build(session.manager::<S>()?)?)
}

/// The user's first portal (said on stderr when there are several).
async fn first_portal<S: HasScope<scopes::portals::Read>>(client: &Client<S>) -> Result<PortalId, CliError> {
    let portals = client.send(ListPortals).await?;
    let first = portals.items.first().ok_or_else(|| CliError::other("the signed-in user has no portal"))?;
    if portals.items.len() > 1 {
        eprintln!("zoho: using portal {} (the first of {}); choose one with --portal", first.id, portals.items.len());
    }
    Ok(first.id.clone())
}

pub(crate) async fn portals(session: &Session, args: &ListArgs) -> Result<(), CliError> {
    let client = client::<PortalsRead>(session).await?;
    let portals = client.send(ListPortals).await?.items;
    if args.json {
        return print_json(&portals);
    }
    let rows = portals.iter().map(portal_row).collect::<Vec<_>>();
    output::print_table(&["ID", "NAME", "ORGANISATION"], &rows)
}

fn portal_row(p: &Portal) -> Vec<String> {
    vec![
        p.id.to_string(),
        p.portal_name.clone().or_else(|| p.name.clone()).unwrap_or_default(),
        p.org_name.clone().unwrap_or_default(),
    ]
}

pub(crate) async fn projects(session: &Session, args: &ProjectsArgs) -> Result<(), CliError> {
    let projects = match &args.portal {
        Some(portal) => {
            list_projects(&client::<ProjectsRead>(session).await?, portal.as_str().into(), args.limit).await?
        }
        None => {
            let client = client::<PortalProjectsRead>(session).await?;
            let portal = first_portal(&client).await?;
            list_projects(&client, portal, args.limit).await?
        }
    };
    if args.json {
        return print_json(&projects);
    }
    let rows = projects
        .iter()
        .map(|p: &Project| {
            vec![
                p.id.to_string(),
                p.key.clone().unwrap_or_default(),
                p.name.clone(),
                p.status.as_ref().and_then(|s| s.name.clone()).unwrap_or_default(),
                p.owner.as_ref().and_then(|o| o.name.clone()).unwrap_or_default(),
            ]
        })
        .collect::<Vec<_>>();
    output::print_table(&["ID", "KEY", "NAME", "STATUS", "OWNER"], &rows)
}

async fn list_projects<S: HasScope<scopes::projects::Read>>(
    client: &Client<S>,
    portal: PortalId,
    limit: Option<usize>,
) -> Result<Vec<Project>, CliError> {
    let stream = client.paginate(ListProjects::new(portal).per_page(MAX_PAGE_SIZE));
    Ok(stream.take(limit.unwrap_or(usize::MAX)).try_collect().await?)
}

pub(crate) async fn tasks(session: &Session, args: &TasksArgs) -> Result<(), CliError> {
    let tasks = match &args.portal {
        Some(portal) => {
            list_tasks(
                &client::<TasksRead>(session).await?,
                portal.as_str().into(),
                args.project.as_deref(),
                args.limit,
            )
            .await?
        }
        None => {
            let client = client::<PortalTasksRead>(session).await?;
            let portal = first_portal(&client).await?;
            list_tasks(&client, portal, args.project.as_deref(), args.limit).await?
        }
    };
    if args.json {
        return print_json(&tasks);
    }
    let rows = tasks
        .iter()
        .map(|t: &Task| {
            vec![
                t.id.to_string(),
                t.prefix.clone().unwrap_or_default(),
                t.name.clone(),
                t.status.as_ref().and_then(|s| s.name.clone()).unwrap_or_default(),
                t.priority.map(|p| p.as_str().to_owned()).unwrap_or_default(),
                t.end_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            ]
        })
        .collect::<Vec<_>>();
    output::print_table(&["ID", "KEY", "NAME", "STATUS", "PRIORITY", "DUE"], &rows)
}

async fn list_tasks<S: HasScope<scopes::tasks::Read>>(
    client: &Client<S>,
    portal: PortalId,
    project: Option<&str>,
    limit: Option<usize>,
) -> Result<Vec<Task>, CliError> {
    let stream = match project {
        Some(project) => client.paginate(ListTasks::new(portal, project).per_page(MAX_PAGE_SIZE)),
        None => client.paginate(ListPortalTasks::new(portal).per_page(MAX_PAGE_SIZE)),
    };
    Ok(stream.take(limit.unwrap_or(usize::MAX)).try_collect().await?)
}

fn print_json<T: Serialize>(rows: &[T]) -> Result<(), CliError> {
    output::print_json(&serde_json::to_value(rows).map_err(|e| CliError::other(e.to_string()))?)
}
