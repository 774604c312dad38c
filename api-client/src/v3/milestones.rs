//! Phases, formerly milestones (scope `ZohoProjects.milestones.*`): V3 paths say `/phases`,
//! while the list key (`milestones`), the scope, the ids and the models keep "milestone".
//! List per project and portal-wide (`{milestones, page_info:[{…}]}`), get, create (201),
//! update (PATCH), delete (204).

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

/// `GET /api/v3/portal/{portal}/projects/{project}/phases/{milestone}`.
#[doc(alias = "GetPhase")]
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/phases/{milestone}",
       scope = "ZohoProjects.milestones.READ", response = Milestone)]
pub struct GetMilestone {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The phase.
    #[zoho(path)]
    pub milestone: MilestoneId,
}

impl GetMilestone {
    /// One phase.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, milestone: impl Into<MilestoneId>) -> Self {
        Self { portal: portal.into(), project: project.into(), milestone: milestone.into() }
    }
}

/// `POST /api/v3/portal/{portal}/projects/{project}/phases` (201 with the phase).
#[doc(alias = "CreatePhase")]
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/phases",
       scope = "ZohoProjects.milestones.CREATE", response = Milestone)]
pub struct CreateMilestone {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The new phase (`name` required).
    #[zoho(body)]
    pub body: NewMilestone,
}

impl CreateMilestone {
    /// Creates `body` in `project`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, body: NewMilestone) -> Self {
        Self { portal: portal.into(), project: project.into(), body }
    }
}

/// `PATCH /api/v3/portal/{portal}/projects/{project}/phases/{milestone}`.
#[doc(alias = "UpdatePhase")]
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/phases/{milestone}",
       scope = "ZohoProjects.milestones.UPDATE", response = Milestone)]
pub struct UpdateMilestone {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The phase.
    #[zoho(path)]
    pub milestone: MilestoneId,
    /// The changes.
    #[zoho(body)]
    pub body: MilestoneUpdate,
}

impl UpdateMilestone {
    /// Applies `body` to `milestone`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        milestone: impl Into<MilestoneId>,
        body: MilestoneUpdate,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), milestone: milestone.into(), body }
    }
}

/// `DELETE /api/v3/portal/{portal}/projects/{project}/phases/{milestone}` (204).
#[doc(alias = "DeletePhase")]
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{portal}/projects/{project}/phases/{milestone}",
       scope = "ZohoProjects.milestones.DELETE", response = ())]
pub struct DeleteMilestone {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The phase.
    #[zoho(path)]
    pub milestone: MilestoneId,
}

impl DeleteMilestone {
    /// Deletes `milestone`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, milestone: impl Into<MilestoneId>) -> Self {
        Self { portal: portal.into(), project: project.into(), milestone: milestone.into() }
    }
}
