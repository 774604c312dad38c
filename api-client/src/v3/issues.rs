//! Issues, formerly bugs (scope `ZohoProjects.bugs.*`): V3 paths say `/issues`, the scope
//! still says `bugs`. List per project and portal-wide (`{issues}`, no `page_info`: the list
//! ends on a short page), get, create (201), update (PATCH), delete (204) and comments.
//!
//! The shape of single-issue answers is not pinned down (object, `{issue}` or a one-element
//! `{issues:[…]}`), so they are read with [`Single`].

use crate::Endpoint;
use crate::Paging;
use crate::ids::{CommentId, IssueId, PortalId, ProjectId};
use crate::model::{Comment, Issue, IssueUpdate, NewComment, NewIssue, Page, Single};

/// `GET /api/v3/portal/{portal}/projects/{project}/issues`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/issues", scope = "ZohoProjects.bugs.READ",
       response = Page<Issue>, paginate(item = Issue, cursor = paging))]
pub struct ListIssues {
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

impl ListIssues {
    /// The issues of `project`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>) -> Self {
        Self { portal: portal.into(), project: project.into(), paging: Paging::default() }
    }
}

/// `GET /api/v3/portal/{portal}/issues`: the issues of every project.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/issues", scope = "ZohoProjects.bugs.READ",
       response = Page<Issue>, paginate(item = Issue, cursor = paging))]
pub struct ListAllIssues {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListAllIssues {
    /// Every issue of `portal`.
    pub fn new(portal: impl Into<PortalId>) -> Self {
        Self { portal: portal.into(), paging: Paging::default() }
    }
}

/// `GET /api/v3/portal/{portal}/projects/{project}/issues/{issue}`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/issues/{issue}",
       scope = "ZohoProjects.bugs.READ", response = Single<Issue>)]
pub struct GetIssue {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The issue.
    #[zoho(path)]
    pub issue: IssueId,
}

impl GetIssue {
    /// One issue.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, issue: impl Into<IssueId>) -> Self {
        Self { portal: portal.into(), project: project.into(), issue: issue.into() }
    }
}

/// `POST /api/v3/portal/{portal}/projects/{project}/issues` (201). `flag` is capitalised
/// (`Internal`/`External`), `due_date` a date.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/issues",
       scope = "ZohoProjects.bugs.CREATE", response = Single<Issue>)]
pub struct CreateIssue {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The new issue (`name` required).
    #[zoho(body)]
    pub body: NewIssue,
}

impl CreateIssue {
    /// Creates `body` in `project`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, body: NewIssue) -> Self {
        Self { portal: portal.into(), project: project.into(), body }
    }
}

/// `PATCH /api/v3/portal/{portal}/projects/{project}/issues/{issue}`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/issues/{issue}",
       scope = "ZohoProjects.bugs.UPDATE", response = Single<Issue>)]
pub struct UpdateIssue {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The issue.
    #[zoho(path)]
    pub issue: IssueId,
    /// The changes.
    #[zoho(body)]
    pub body: IssueUpdate,
}

impl UpdateIssue {
    /// Applies `body` to `issue`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        issue: impl Into<IssueId>,
        body: IssueUpdate,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), issue: issue.into(), body }
    }
}

/// `DELETE /api/v3/portal/{portal}/projects/{project}/issues/{issue}` (204).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{portal}/projects/{project}/issues/{issue}",
       scope = "ZohoProjects.bugs.DELETE", response = ())]
pub struct DeleteIssue {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The issue.
    #[zoho(path)]
    pub issue: IssueId,
}

impl DeleteIssue {
    /// Deletes `issue`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, issue: impl Into<IssueId>) -> Self {
        Self { portal: portal.into(), project: project.into(), issue: issue.into() }
    }
}

/// `GET …/issues/{issue}/comments` (`{comments, page_info}`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/comments",
       scope = "ZohoProjects.bugs.READ", response = Page<Comment>, paginate(item = Comment, cursor = paging))]
pub struct ListIssueComments {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The issue.
    #[zoho(path)]
    pub issue: IssueId,
    /// Order, e.g. `ASC(created_time)` or `DESC(created_time)`.
    #[zoho(query)]
    pub sort_by: Option<String>,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListIssueComments {
    /// The comments on `issue`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, issue: impl Into<IssueId>) -> Self {
        Self {
            portal: portal.into(),
            project: project.into(),
            issue: issue.into(),
            sort_by: None,
            paging: Paging::default(),
        }
    }

    /// Sets `sort_by`, e.g. `DESC(created_time)`.
    #[must_use]
    pub fn sort_by(mut self, sort_by: impl Into<String>) -> Self {
        self.sort_by = Some(sort_by.into());
        self
    }
}

/// `POST …/issues/{issue}/comments` (`{comment}`; V3 answers a one-element array, read by
/// [`Single`]).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/comments",
       scope = "ZohoProjects.bugs.CREATE", response = Single<Comment>)]
pub struct AddIssueComment {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The issue.
    #[zoho(path)]
    pub issue: IssueId,
    /// The comment.
    #[zoho(body)]
    pub body: NewComment,
}

impl AddIssueComment {
    /// Comments `body` on `issue`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        issue: impl Into<IssueId>,
        body: NewComment,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), issue: issue.into(), body }
    }
}

/// `GET …/issues/{issue}/comments/{comment}`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/comments/{comment}",
       scope = "ZohoProjects.bugs.READ", response = Comment)]
pub struct GetIssueComment {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The issue.
    #[zoho(path)]
    pub issue: IssueId,
    /// The comment.
    #[zoho(path)]
    pub comment: CommentId,
}

impl GetIssueComment {
    /// One comment on `issue`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        issue: impl Into<IssueId>,
        comment: impl Into<CommentId>,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), issue: issue.into(), comment: comment.into() }
    }
}

/// `PATCH …/issues/{issue}/comments/{comment}` (`{comment}`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/comments/{comment}",
       scope = "ZohoProjects.bugs.UPDATE", response = Comment)]
pub struct UpdateIssueComment {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The issue.
    #[zoho(path)]
    pub issue: IssueId,
    /// The comment.
    #[zoho(path)]
    pub comment: CommentId,
    /// The new text.
    #[zoho(body)]
    pub body: NewComment,
}

impl UpdateIssueComment {
    /// Replaces the text of `comment`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        issue: impl Into<IssueId>,
        comment: impl Into<CommentId>,
        body: NewComment,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), issue: issue.into(), comment: comment.into(), body }
    }
}

/// `DELETE …/issues/{issue}/comments/{comment}` (204).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/comments/{comment}",
       scope = "ZohoProjects.bugs.DELETE", response = ())]
pub struct DeleteIssueComment {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The issue.
    #[zoho(path)]
    pub issue: IssueId,
    /// The comment.
    #[zoho(path)]
    pub comment: CommentId,
}

impl DeleteIssueComment {
    /// Deletes `comment`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        issue: impl Into<IssueId>,
        comment: impl Into<CommentId>,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), issue: issue.into(), comment: comment.into() }
    }
}
