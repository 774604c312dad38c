//! Task lists (scope `ZohoProjects.tasklists.*`): list per project and portal-wide
//! (`{tasklists, page_info}`), get, create, update (PATCH), delete (204).

use super::shape::{endpoint, list_endpoint};
use crate::Endpoint;
use crate::Paging;
use crate::ids::{PortalId, ProjectId, TasklistId};
use crate::model::{NewTasklist, Page, Tasklist, TasklistUpdate};

/// `GET /api/v3/portal/{portal}/projects/{project}/tasklists`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasklists",
       scope = "ZohoProjects.tasklists.READ", response = Page<Tasklist>, paginate(item = Tasklist, cursor = paging))]
pub struct ListTasklists {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// `internal`, `external` or `allflag` (default: all).
    #[zoho(query)]
    pub flag: Option<String>,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListTasklists {
    /// The task lists of `project`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>) -> Self {
        Self { portal: portal.into(), project: project.into(), flag: None, paging: Paging::default() }
    }

    /// Only task lists with this flag (`internal`, `external`, `allflag`).
    #[must_use]
    pub fn flag(mut self, flag: impl Into<String>) -> Self {
        self.flag = Some(flag.into());
        self
    }
}

list_endpoint! {
    /// `GET /api/v3/portal/{portal}/all-tasklists`: the task lists of every project.
    ListAllTasklists(portal: PortalId) rows Tasklist;
        at "/api/v3/portal/{portal}/all-tasklists",
        scope "ZohoProjects.tasklists.READ", response Page<Tasklist>;
        new "Every task list of `portal`."
}

/// `GET /api/v3/portal/{portal}/projects/{project}/tasklists/{tasklist}`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasklists/{tasklist}",
       scope = "ZohoProjects.tasklists.READ", response = Tasklist)]
pub struct GetTasklist {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task list.
    #[zoho(path)]
    pub tasklist: TasklistId,
}

impl GetTasklist {
    /// One task list.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, tasklist: impl Into<TasklistId>) -> Self {
        Self { portal: portal.into(), project: project.into(), tasklist: tasklist.into() }
    }
}

endpoint! {
    /// `POST /api/v3/portal/{portal}/projects/{project}/tasklists` (201 with the task list).
    "POST" CreateTasklist(portal: PortalId, project: ProjectId;
        body: NewTasklist = "The new task list (`name` required; the phase as `milestone: {id}`).")
        at "/api/v3/portal/{portal}/projects/{project}/tasklists",
        scope "ZohoProjects.tasklists.CREATE", response Tasklist;
        new "Creates `body` in `project`."
}

/// `PATCH /api/v3/portal/{portal}/projects/{project}/tasklists/{tasklist}`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/tasklists/{tasklist}",
       scope = "ZohoProjects.tasklists.UPDATE", response = Tasklist)]
pub struct UpdateTasklist {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task list.
    #[zoho(path)]
    pub tasklist: TasklistId,
    /// The changes.
    #[zoho(body)]
    pub body: TasklistUpdate,
}

impl UpdateTasklist {
    /// Applies `body` to `tasklist`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        tasklist: impl Into<TasklistId>,
        body: TasklistUpdate,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), tasklist: tasklist.into(), body }
    }
}

/// `DELETE /api/v3/portal/{portal}/projects/{project}/tasklists/{tasklist}` (204; its tasks go
/// with it).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{portal}/projects/{project}/tasklists/{tasklist}",
       scope = "ZohoProjects.tasklists.DELETE", response = ())]
pub struct DeleteTasklist {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task list.
    #[zoho(path)]
    pub tasklist: TasklistId,
}

impl DeleteTasklist {
    /// Deletes `tasklist`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, tasklist: impl Into<TasklistId>) -> Self {
        Self { portal: portal.into(), project: project.into(), tasklist: tasklist.into() }
    }
}
