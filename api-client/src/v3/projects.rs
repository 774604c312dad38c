//! Projects (scope `ZohoProjects.projects.*`): list (a bare array, no `page_info`), get,
//! create, update (PATCH) and trash (`POST …/trash`, which needs the DELETE scope: V3 has no
//! working `DELETE …/projects/{PR}`).

use crate::Paging;
use std::fmt;

use super::shape::endpoint;
use crate::Endpoint;
use crate::ids::{PortalId, ProjectId};
use crate::model::{NewProject, Page, Project, ProjectUpdate};

/// The `status` filter of the project list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectStatus {
    /// `active`
    Active,
    /// `archived`
    Archived,
    /// `template`
    Template,
}

impl fmt::Display for ProjectStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Active => "active",
            Self::Archived => "archived",
            Self::Template => "template",
        })
    }
}

/// `GET /api/v3/portal/{portal}/projects[?status&page&per_page]`. Without `status`, every
/// project that is not in the trash.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects", scope = "ZohoProjects.projects.READ",
       response = Page<Project>, paginate(item = Project, cursor = paging))]
pub struct ListProjects {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// Only projects of this status.
    #[zoho(query)]
    pub status: Option<ProjectStatus>,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListProjects {
    /// All projects of `portal`.
    pub fn new(portal: impl Into<PortalId>) -> Self {
        Self { portal: portal.into(), status: None, paging: Paging::default() }
    }

    /// Only projects of this status.
    #[must_use]
    pub fn status(mut self, status: ProjectStatus) -> Self {
        self.status = Some(status);
        self
    }
}

endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}`.
    "GET" GetProject(portal: PortalId, project: ProjectId)
        at "/api/v3/portal/{portal}/projects/{project}",
        scope "ZohoProjects.projects.READ", response Project;
        new "One project."
}

endpoint! {
    /// `POST /api/v3/portal/{portal}/projects` (201 with the project). `name` is required
    /// (`LESS_THAN_MIN_OCCURANCE` without it); a duplicate name is refused.
    "POST" CreateProject(portal: PortalId; body: NewProject = "The new project.")
        at "/api/v3/portal/{portal}/projects",
        scope "ZohoProjects.projects.CREATE", response Project;
        new "Creates `body` in `portal`."
}

endpoint! {
    /// `PATCH /api/v3/portal/{portal}/projects/{project}`: only the fields set are changed.
    "PATCH" UpdateProject(portal: PortalId, project: ProjectId; body: ProjectUpdate = "The changes.")
        at "/api/v3/portal/{portal}/projects/{project}",
        scope "ZohoProjects.projects.UPDATE", response Project;
        new "Applies `body` to `project`."
}

endpoint! {
    /// `POST /api/v3/portal/{portal}/projects/{project}/trash`: moves the project to the trash
    /// (restorable for 30 days); answers 204. Needs `ZohoProjects.projects.DELETE`.
    "POST" TrashProject(portal: PortalId, project: ProjectId)
        at "/api/v3/portal/{portal}/projects/{project}/trash",
        scope "ZohoProjects.projects.DELETE", response ();
        new "Trashes `project`."
}
