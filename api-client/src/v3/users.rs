//! Users (scope `ZohoProjects.users.READ`): portal users, project users (`{users}`, no
//! `page_info`), one user (by zpuid or e-mail), and a user's projects (`{projects}`, scope
//! `ZohoProjects.projects.READ`).

use super::shape::list_endpoint;
use crate::Endpoint;
use crate::Paging;
use crate::ids::{PortalId, ProjectId, UserId};
use crate::model::{Page, Project, User};
use crate::v3::projects::ProjectStatus;

/// `GET /api/v3/portal/{portal}/users`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/users", scope = "ZohoProjects.users.READ",
       response = Page<User>, paginate(item = User, cursor = paging))]
pub struct ListUsers {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The `type` filter (user kind), as Zoho names it.
    #[zoho(query = "type")]
    pub user_type: Option<String>,
    /// The `view_type` filter, as Zoho names it.
    #[zoho(query)]
    pub view_type: Option<String>,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListUsers {
    /// The users of `portal`.
    pub fn new(portal: impl Into<PortalId>) -> Self {
        Self { portal: portal.into(), user_type: None, view_type: None, paging: Paging::default() }
    }

    /// Sets the `type` filter.
    #[must_use]
    pub fn user_type(mut self, user_type: impl Into<String>) -> Self {
        self.user_type = Some(user_type.into());
        self
    }

    /// Sets the `view_type` filter.
    #[must_use]
    pub fn view_type(mut self, view_type: impl Into<String>) -> Self {
        self.view_type = Some(view_type.into());
        self
    }
}

/// `GET /api/v3/portal/{portal}/users/{user}`: `user` is a zpuid or an e-mail address.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/users/{user}", scope = "ZohoProjects.users.READ",
       response = User)]
pub struct GetUser {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The user: zpuid or e-mail.
    #[zoho(path)]
    pub user: UserId,
}

impl GetUser {
    /// One portal user.
    pub fn new(portal: impl Into<PortalId>, user: impl Into<UserId>) -> Self {
        Self { portal: portal.into(), user: user.into() }
    }
}

list_endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}/users`.
    ListProjectUsers(portal: PortalId, project: ProjectId) rows User;
        at "/api/v3/portal/{portal}/projects/{project}/users",
        scope "ZohoProjects.users.READ", response Page<User>;
        new "The members of `project`."
}

/// `GET /api/v3/portal/{portal}/projects/{project}/users/{user}`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/users/{user}",
       scope = "ZohoProjects.users.READ", response = User)]
pub struct GetProjectUser {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The user: zpuid or e-mail.
    #[zoho(path)]
    pub user: UserId,
}

impl GetProjectUser {
    /// One member of `project`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, user: impl Into<UserId>) -> Self {
        Self { portal: portal.into(), project: project.into(), user: user.into() }
    }
}

/// `GET /api/v3/portal/{portal}/users/{user}/projects` (`{projects}`; scope
/// `ZohoProjects.projects.READ`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/users/{user}/projects", scope = "ZohoProjects.projects.READ",
       response = Page<Project>, paginate(item = Project, cursor = paging))]
pub struct ListUserProjects {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The user: zpuid or e-mail.
    #[zoho(path)]
    pub user: UserId,
    /// Only projects of this status.
    #[zoho(query)]
    pub status: Option<ProjectStatus>,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListUserProjects {
    /// The projects `user` belongs to.
    pub fn new(portal: impl Into<PortalId>, user: impl Into<UserId>) -> Self {
        Self { portal: portal.into(), user: user.into(), status: None, paging: Paging::default() }
    }

    /// Only projects of this status.
    #[must_use]
    pub fn status(mut self, status: ProjectStatus) -> Self {
        self.status = Some(status);
        self
    }
}
