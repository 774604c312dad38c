//! Endpoints of the legacy restapi (`/restapi/...`, feature `restapi`): portals, projects,
//! task lists, tasks (list, get), project users, and subtask creation, which V3 lacks.
//!
//! Lists page with `index` (1-based row) and `range` (≤ 200, default 100) and answer HTTP 204
//! when a page is empty, so they decode to `Option<Page<T>>` (`None` = no rows); they implement
//! [`Paged`](crate::paginate::Paged). Single objects come as one-element lists
//! (`{"tasks":[{…}]}`) and are read with [`Single`]. Paths end with `/`, as Zoho documents them.
//! The restapi accepts its own portal id or the portal's name in `{portal}`: the id that
//! [`ListPortals`] gives, which differs from the V3 portal id of the same portal (Zoho refuses
//! the V3 id here like a permission error, restapi code 6403).
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use zoho_projects::paginate::Paginate;
//! use zoho_projects::prelude::*;
//! use zoho_projects::Error;
//! use zoho_projects::restapi::endpoints::{CreateSubtask, ListTasks, NewSubtask};
//!
//! scope_set! { struct Legacy = ["ZohoProjects.tasks.ALL"]; }
//!
//! # async fn run(client: Client<Legacy>) -> Result<(), Error> {
//! let tasks: Vec<_> = client.paginate(ListTasks::new("zylker", "2447529000000057032").range(200)).try_collect().await?;
//! let sub = client
//!     .send(CreateSubtask::new("zylker", "2447529000000057032", tasks[0].id.clone(), NewSubtask::new("Proofread")))
//!     .await?
//!     .into_inner();
//! # let _ = sub; Ok(()) }
//! ```

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use super::model::{Portal, Project, ProjectUser, Task, Tasklist};
use crate::Endpoint;
use crate::ids::{PortalId, ProjectId, TaskId, TasklistId, UserId};
use crate::model::{Page, Priority, Single};
use crate::paginate::DEFAULT_PAGE_SIZE;

/// `GET /restapi/portals/`: the user's portals (`{login_id, portals}`; `login_id` stays in
/// the page's `extra`).
#[derive(Debug, Clone, Copy, Default, Endpoint)]
#[zoho(method = "GET", path = "/restapi/portals/", scope = "ZohoProjects.portals.READ", response = Page<Portal>)]
pub struct ListPortals;

/// `GET /restapi/portal/{portal}/`: one portal (`{portals:[{…}]}`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/restapi/portal/{portal}/", scope = "ZohoProjects.portals.READ",
       response = Single<Portal>)]
pub struct GetPortal {
    /// The portal (id or name).
    #[zoho(path)]
    pub portal: PortalId,
}

impl GetPortal {
    /// One portal.
    pub fn new(portal: impl Into<PortalId>) -> Self {
        Self { portal: portal.into() }
    }
}

/// `GET /restapi/portal/{portal}/projects/[?status&index&range]`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/restapi/portal/{portal}/projects/", scope = "ZohoProjects.projects.READ",
       response = Option<Page<Project>>, paginate(item = Project, style = "index"))]
pub struct ListProjects {
    /// The portal (id or name).
    #[zoho(path)]
    pub portal: PortalId,
    /// `active`, `archived` or `template`.
    #[zoho(query)]
    pub status: Option<String>,
    /// First row (1-based); 1 unless set: Zoho wants `index` and `range` on every list call.
    #[zoho(query)]
    pub index: Option<u32>,
    /// Rows per page (1–200); [`DEFAULT_PAGE_SIZE`] unless set.
    #[zoho(query)]
    pub range: Option<u32>,
}

impl ListProjects {
    /// The projects of `portal`.
    pub fn new(portal: impl Into<PortalId>) -> Self {
        Self { portal: portal.into(), status: None, index: Some(1), range: Some(DEFAULT_PAGE_SIZE) }
    }

    /// Only projects of this status (`active`, `archived`, `template`).
    #[must_use]
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }
}

/// `GET /restapi/portal/{portal}/projects/{project}/` (`{projects:[{…}]}`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/restapi/portal/{portal}/projects/{project}/", scope = "ZohoProjects.projects.READ",
       response = Single<Project>)]
pub struct GetProject {
    /// The portal (id or name).
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
}

impl GetProject {
    /// One project.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>) -> Self {
        Self { portal: portal.into(), project: project.into() }
    }
}

/// `GET /restapi/portal/{portal}/projects/{project}/tasklists/[?flag&index&range]`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/restapi/portal/{portal}/projects/{project}/tasklists/",
       scope = "ZohoProjects.tasklists.READ", response = Option<Page<Tasklist>>, paginate(item = Tasklist, style = "index"))]
pub struct ListTasklists {
    /// The portal (id or name).
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// `internal`, `external` or `allflag` (Zoho effectively requires it; default `allflag`).
    #[zoho(query)]
    pub flag: String,
    /// First row (1-based); 1 unless set: Zoho wants `index` and `range` on every list call.
    #[zoho(query)]
    pub index: Option<u32>,
    /// Rows per page (1–200); [`DEFAULT_PAGE_SIZE`] unless set.
    #[zoho(query)]
    pub range: Option<u32>,
}

impl ListTasklists {
    /// Every task list of `project` (`flag=allflag`).
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>) -> Self {
        Self {
            portal: portal.into(),
            project: project.into(),
            flag: "allflag".into(),
            index: Some(1),
            range: Some(DEFAULT_PAGE_SIZE),
        }
    }

    /// Only task lists with this flag (`internal`, `external`, `allflag`).
    #[must_use]
    pub fn flag(mut self, flag: impl Into<String>) -> Self {
        self.flag = flag.into();
        self
    }
}

/// `GET /restapi/portal/{portal}/projects/{project}/tasks/`: main tasks only (no subtasks).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/restapi/portal/{portal}/projects/{project}/tasks/", scope = "ZohoProjects.tasks.READ",
       response = Option<Page<Task>>, paginate(item = Task, style = "index"))]
pub struct ListTasks {
    /// The portal (id or name).
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// `all`, `completed` or `notcompleted`.
    #[zoho(query)]
    pub status: Option<String>,
    /// `all`, `none`, `low`, `medium` or `high`.
    #[zoho(query)]
    pub priority: Option<String>,
    /// `all` or a user id.
    #[zoho(query)]
    pub owner: Option<String>,
    /// Only tasks of this task list.
    #[zoho(query)]
    pub tasklist_id: Option<TasklistId>,
    /// First row (1-based); 1 unless set: Zoho wants `index` and `range` on every list call.
    #[zoho(query)]
    pub index: Option<u32>,
    /// Rows per page (1–200); [`DEFAULT_PAGE_SIZE`] unless set.
    #[zoho(query)]
    pub range: Option<u32>,
}

impl ListTasks {
    /// The main tasks of `project`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>) -> Self {
        Self {
            portal: portal.into(),
            project: project.into(),
            status: None,
            priority: None,
            owner: None,
            tasklist_id: None,
            index: Some(1),
            range: Some(DEFAULT_PAGE_SIZE),
        }
    }

    /// Sets `status` (`all`, `completed`, `notcompleted`).
    #[must_use]
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Sets `priority` (`all`, `none`, `low`, `medium`, `high`).
    #[must_use]
    pub fn priority(mut self, priority: impl Into<String>) -> Self {
        self.priority = Some(priority.into());
        self
    }

    /// Sets `owner` (`all` or a user id).
    #[must_use]
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// Only tasks of `tasklist`.
    #[must_use]
    pub fn tasklist(mut self, tasklist: impl Into<TasklistId>) -> Self {
        self.tasklist_id = Some(tasklist.into());
        self
    }
}

/// `GET /restapi/portal/{portal}/projects/{project}/tasklists/{tasklist}/tasks/`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/restapi/portal/{portal}/projects/{project}/tasklists/{tasklist}/tasks/",
       scope = "ZohoProjects.tasks.READ", response = Option<Page<Task>>, paginate(item = Task, style = "index"))]
pub struct ListTasklistTasks {
    /// The portal (id or name).
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task list.
    #[zoho(path)]
    pub tasklist: TasklistId,
    /// First row (1-based); 1 unless set: Zoho wants `index` and `range` on every list call.
    #[zoho(query)]
    pub index: Option<u32>,
    /// Rows per page (1–200); [`DEFAULT_PAGE_SIZE`] unless set.
    #[zoho(query)]
    pub range: Option<u32>,
}

impl ListTasklistTasks {
    /// The main tasks of `tasklist`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, tasklist: impl Into<TasklistId>) -> Self {
        Self {
            portal: portal.into(),
            project: project.into(),
            tasklist: tasklist.into(),
            index: Some(1),
            range: Some(DEFAULT_PAGE_SIZE),
        }
    }
}

/// `GET /restapi/portal/{portal}/projects/{project}/tasks/{task}/` (`{tasks:[{…}]}`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/restapi/portal/{portal}/projects/{project}/tasks/{task}/",
       scope = "ZohoProjects.tasks.READ", response = Single<Task>)]
pub struct GetTask {
    /// The portal (id or name).
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
}

impl GetTask {
    /// One task.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, task: impl Into<TaskId>) -> Self {
        Self { portal: portal.into(), project: project.into(), task: task.into() }
    }
}

/// `GET /restapi/portal/{portal}/projects/{project}/tasks/{task}/subtasks/`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/restapi/portal/{portal}/projects/{project}/tasks/{task}/subtasks/",
       scope = "ZohoProjects.tasks.READ", response = Option<Page<Task>>, paginate(item = Task, style = "index"))]
pub struct ListSubtasks {
    /// The portal (id or name).
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The parent task.
    #[zoho(path)]
    pub task: TaskId,
    /// First row (1-based); 1 unless set: Zoho wants `index` and `range` on every list call.
    #[zoho(query)]
    pub index: Option<u32>,
    /// Rows per page (1–200); [`DEFAULT_PAGE_SIZE`] unless set.
    #[zoho(query)]
    pub range: Option<u32>,
}

impl ListSubtasks {
    /// The subtasks of `task`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, task: impl Into<TaskId>) -> Self {
        Self {
            portal: portal.into(),
            project: project.into(),
            task: task.into(),
            index: Some(1),
            range: Some(DEFAULT_PAGE_SIZE),
        }
    }
}

fn ser_us_date<S: Serializer>(date: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.collect_str(&d.format("%m-%d-%Y")),
        None => s.serialize_none(),
    }
}

fn ser_owners<S: Serializer>(owners: &[UserId], s: S) -> Result<S::Ok, S::Error> {
    let joined = owners.iter().map(UserId::as_str).collect::<Vec<_>>().join(",");
    s.serialize_str(&joined)
}

/// Form body of [`CreateSubtask`]: `name` (required), `person_responsible` (comma-separated
/// user ids), `start_date`/`end_date` (`MM-dd-yyyy`), `priority`, `description`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NewSubtask {
    /// Name (required).
    pub name: String,
    /// Owners (zpuids), sent comma-separated.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "ser_owners")]
    pub person_responsible: Vec<UserId>,
    /// Start date (sent month first).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_us_date")]
    pub start_date: Option<NaiveDate>,
    /// Due date (sent month first).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_us_date")]
    pub end_date: Option<NaiveDate>,
    /// Priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Description (HTML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl NewSubtask {
    /// A subtask with just a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }

    /// Sets the owners.
    #[must_use]
    pub fn owners<U: Into<UserId>>(mut self, zpuids: impl IntoIterator<Item = U>) -> Self {
        self.person_responsible = zpuids.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `start_date`.
    #[must_use]
    pub fn start_date(mut self, date: NaiveDate) -> Self {
        self.start_date = Some(date);
        self
    }

    /// Sets `end_date`.
    #[must_use]
    pub fn end_date(mut self, date: NaiveDate) -> Self {
        self.end_date = Some(date);
        self
    }

    /// Sets `priority`.
    #[must_use]
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Sets `description`.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// `POST /restapi/portal/{portal}/projects/{project}/tasks/{task}/subtasks/` (form body; 201
/// `{tasks:[{…}]}`). V3 shows the subtask afterwards, with `parent_task`; complete its fields
/// with V3's `UpdateTask`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/restapi/portal/{portal}/projects/{project}/tasks/{task}/subtasks/",
       scope = "ZohoProjects.tasks.CREATE", response = Single<Task>)]
pub struct CreateSubtask {
    /// The portal (id or name).
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The parent task.
    #[zoho(path)]
    pub task: TaskId,
    /// The subtask.
    #[zoho(form)]
    pub form: NewSubtask,
}

impl CreateSubtask {
    /// Creates `form` under `task`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        task: impl Into<TaskId>,
        form: NewSubtask,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), task: task.into(), form }
    }
}

/// `GET /restapi/portal/{portal}/projects/{project}/users/` (`{users}`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/restapi/portal/{portal}/projects/{project}/users/", scope = "ZohoProjects.users.READ",
       response = Option<Page<ProjectUser>>, paginate(item = ProjectUser, style = "index"))]
pub struct ListProjectUsers {
    /// The portal (id or name).
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// First row (1-based); 1 unless set: Zoho wants `index` and `range` on every list call.
    #[zoho(query)]
    pub index: Option<u32>,
    /// Rows per page (1–200); [`DEFAULT_PAGE_SIZE`] unless set.
    #[zoho(query)]
    pub range: Option<u32>,
}

impl ListProjectUsers {
    /// The members of `project`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>) -> Self {
        Self { portal: portal.into(), project: project.into(), index: Some(1), range: Some(DEFAULT_PAGE_SIZE) }
    }
}
