//! Phases, formerly milestones (scope `ZohoProjects.milestones.*`): V3 paths say `/phases`,
//! while the list key (`milestones`), the scope, the ids and the models keep "milestone".
//! List per project and portal-wide (`{milestones, page_info:[{…}]}`), get, create (201),
//! update (PATCH), delete (204).

use super::shape::{endpoint, list_endpoint};
use crate::ids::{MilestoneId, PortalId, ProjectId};
use crate::model::{Milestone, MilestoneUpdate, NewMilestone, Page};

list_endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}/phases`.
    #[doc(alias = "ListPhases")]
    ListMilestones(portal: PortalId, project: ProjectId) rows Milestone;
        at "/api/v3/portal/{portal}/projects/{project}/phases",
        scope "ZohoProjects.milestones.READ", response Page<Milestone>;
        new "The phases of `project`."
}

list_endpoint! {
    /// `GET /api/v3/portal/{portal}/phases`: the phases of every project.
    #[doc(alias = "ListAllPhases")]
    ListAllMilestones(portal: PortalId) rows Milestone;
        at "/api/v3/portal/{portal}/phases",
        scope "ZohoProjects.milestones.READ", response Page<Milestone>;
        new "Every phase of `portal`."
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
