//! Phases, formerly milestones (scope `ZohoProjects.milestones.*`): V3 paths say `/phases`,
//! while the list key (`milestones`), the scope, the ids and the models keep "milestone".
//! List per project and portal-wide (`{milestones, page_info:[{…}]}`), get, create (201),
//! update (PATCH), delete (204).

use super::shape::endpoint;
use crate::Endpoint;
use crate::Paging;
use crate::ids::{MilestoneId, PortalId, ProjectId};
use crate::model::{Milestone, MilestoneUpdate, NewMilestone, Page};

/// `GET /api/v3/portal/{portal}/projects/{project}/phases`.
#[doc(alias = "ListPhases")]
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/phases",
       scope = "ZohoProjects.milestones.READ", response = Page<Milestone>, paginate(item = Milestone, cursor = paging))]
pub struct ListMilestones {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListMilestones {
    /// The phases of `project`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>) -> Self {
        Self { portal: portal.into(), project: project.into(), paging: Paging::default() }
    }
}

/// `GET /api/v3/portal/{portal}/phases`: the phases of every project.
#[doc(alias = "ListAllPhases")]
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/phases", scope = "ZohoProjects.milestones.READ",
       response = Page<Milestone>, paginate(item = Milestone, cursor = paging))]
pub struct ListAllMilestones {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListAllMilestones {
    /// Every phase of `portal`.
    pub fn new(portal: impl Into<PortalId>) -> Self {
        Self { portal: portal.into(), paging: Paging::default() }
    }
}

endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}/phases/{milestone}`.
    #[doc(alias = "GetPhase")]
    "GET" GetMilestone(portal: PortalId, project: ProjectId, milestone: MilestoneId)
        at "/api/v3/portal/{portal}/projects/{project}/phases/{milestone}",
        scope "ZohoProjects.milestones.READ", response Milestone;
        new "One phase."
}

endpoint! {
    /// `POST /api/v3/portal/{portal}/projects/{project}/phases` (201 with the phase).
    #[doc(alias = "CreatePhase")]
    "POST" CreateMilestone(portal: PortalId, project: ProjectId;
        body: NewMilestone = "The new phase (`name` required).")
        at "/api/v3/portal/{portal}/projects/{project}/phases",
        scope "ZohoProjects.milestones.CREATE", response Milestone;
        new "Creates `body` in `project`."
}

endpoint! {
    /// `PATCH /api/v3/portal/{portal}/projects/{project}/phases/{milestone}`.
    #[doc(alias = "UpdatePhase")]
    "PATCH" UpdateMilestone(portal: PortalId, project: ProjectId, milestone: MilestoneId;
        body: MilestoneUpdate = "The changes.")
        at "/api/v3/portal/{portal}/projects/{project}/phases/{milestone}",
        scope "ZohoProjects.milestones.UPDATE", response Milestone;
        new "Applies `body` to `milestone`."
}

endpoint! {
    /// `DELETE /api/v3/portal/{portal}/projects/{project}/phases/{milestone}` (204).
    #[doc(alias = "DeletePhase")]
    "DELETE" DeleteMilestone(portal: PortalId, project: ProjectId, milestone: MilestoneId)
        at "/api/v3/portal/{portal}/projects/{project}/phases/{milestone}",
        scope "ZohoProjects.milestones.DELETE", response ();
        new "Deletes `milestone`."
}
