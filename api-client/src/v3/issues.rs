//! Issues, formerly bugs (scope `ZohoProjects.bugs.*`): V3 paths say `/issues`, the scope
//! still says `bugs`. List per project and portal-wide (`{issues}`, no `page_info`: the list
//! ends on a short page), get, create (201), update (PATCH), delete (204) and comments.
//!
//! The shape of single-issue answers is not pinned down (object, `{issue}` or a one-element
//! `{issues:[…]}`), so they are read with [`Single`].

use super::shape::{endpoint, list_endpoint};
use crate::Endpoint;
use crate::Paging;
use crate::ids::{CommentId, IssueId, PortalId, ProjectId};
use crate::model::{Comment, Issue, IssueUpdate, NewComment, NewIssue, Page, Single};

list_endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}/issues`.
    ListIssues(portal: PortalId, project: ProjectId) rows Issue;
        at "/api/v3/portal/{portal}/projects/{project}/issues",
        scope "ZohoProjects.bugs.READ", response Page<Issue>;
        new "The issues of `project`."
}

list_endpoint! {
    /// `GET /api/v3/portal/{portal}/issues`: the issues of every project.
    ListAllIssues(portal: PortalId) rows Issue;
        at "/api/v3/portal/{portal}/issues",
        scope "ZohoProjects.bugs.READ", response Page<Issue>;
        new "Every issue of `portal`."
}

endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}/issues/{issue}`.
    "GET" GetIssue(portal: PortalId, project: ProjectId, issue: IssueId)
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}",
        scope "ZohoProjects.bugs.READ", response Single<Issue>;
        new "One issue."
}

endpoint! {
    /// `POST /api/v3/portal/{portal}/projects/{project}/issues` (201). `flag` is capitalised
    /// (`Internal`/`External`), `due_date` a date.
    "POST" CreateIssue(portal: PortalId, project: ProjectId;
        body: NewIssue = "The new issue (`name` required).")
        at "/api/v3/portal/{portal}/projects/{project}/issues",
        scope "ZohoProjects.bugs.CREATE", response Single<Issue>;
        new "Creates `body` in `project`."
}

endpoint! {
    /// `PATCH /api/v3/portal/{portal}/projects/{project}/issues/{issue}`.
    "PATCH" UpdateIssue(portal: PortalId, project: ProjectId, issue: IssueId;
        body: IssueUpdate = "The changes.")
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}",
        scope "ZohoProjects.bugs.UPDATE", response Single<Issue>;
        new "Applies `body` to `issue`."
}

endpoint! {
    /// `DELETE /api/v3/portal/{portal}/projects/{project}/issues/{issue}` (204).
    "DELETE" DeleteIssue(portal: PortalId, project: ProjectId, issue: IssueId)
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}",
        scope "ZohoProjects.bugs.DELETE", response ();
        new "Deletes `issue`."
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

endpoint! {
    /// `POST …/issues/{issue}/comments` (`{comment}`; V3 answers a one-element array, read by
    /// [`Single`]).
    "POST" AddIssueComment(portal: PortalId, project: ProjectId, issue: IssueId;
        body: NewComment = "The comment.")
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/comments",
        scope "ZohoProjects.bugs.CREATE", response Single<Comment>;
        new "Comments `body` on `issue`."
}

endpoint! {
    /// `GET …/issues/{issue}/comments/{comment}`.
    "GET" GetIssueComment(portal: PortalId, project: ProjectId, issue: IssueId, comment: CommentId)
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/comments/{comment}",
        scope "ZohoProjects.bugs.READ", response Comment;
        new "One comment on `issue`."
}

endpoint! {
    /// `PATCH …/issues/{issue}/comments/{comment}` (`{comment}`).
    "PATCH" UpdateIssueComment(portal: PortalId, project: ProjectId, issue: IssueId, comment: CommentId;
        body: NewComment = "The new text.")
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/comments/{comment}",
        scope "ZohoProjects.bugs.UPDATE", response Comment;
        new "Replaces the text of `comment`."
}

endpoint! {
    /// `DELETE …/issues/{issue}/comments/{comment}` (204).
    "DELETE" DeleteIssueComment(portal: PortalId, project: ProjectId, issue: IssueId, comment: CommentId)
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/comments/{comment}",
        scope "ZohoProjects.bugs.DELETE", response ();
        new "Deletes `comment`."
}
