//! Tasks (scope `ZohoProjects.tasks.*`): lists (`{tasks, page_info}`) per project, per task
//! list, portal-wide and "my tasks"; get, create (201), update (PATCH; the only verb V3
//! accepts), delete (204), move to another task list, and comments.
//!
//! V3 cannot create subtasks; use the restapi's `CreateSubtask` (feature `restapi`).

use super::shape::{endpoint, list_endpoint};
use crate::Endpoint;
use crate::Paging;
use crate::ids::{CommentId, PortalId, ProjectId, TaskId, TasklistId};
use crate::model::{Comment, NewComment, NewTask, Page, Single, Task, TaskMove, TaskUpdate};

list_endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}/tasks`: the tasks of a project (subtasks
    /// included; they carry `parent_task`).
    ListTasks(portal: PortalId, project: ProjectId) rows Task;
        at "/api/v3/portal/{portal}/projects/{project}/tasks",
        scope "ZohoProjects.tasks.READ", response Page<Task>;
        new "The tasks of `project`."
}

/// `GET /api/v3/portal/{portal}/projects/{project}/tasklists/{tasklist}/tasks`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasklists/{tasklist}/tasks",
       scope = "ZohoProjects.tasks.READ", response = Page<Task>, paginate(item = Task, cursor = paging))]
pub struct ListTasklistTasks {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task list.
    #[zoho(path)]
    pub tasklist: TasklistId,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListTasklistTasks {
    /// The tasks of `tasklist`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, tasklist: impl Into<TasklistId>) -> Self {
        Self { portal: portal.into(), project: project.into(), tasklist: tasklist.into(), paging: Paging::default() }
    }
}

list_endpoint! {
    /// `GET /api/v3/portal/{portal}/tasks`: the tasks of every project.
    ListPortalTasks(portal: PortalId) rows Task;
        at "/api/v3/portal/{portal}/tasks",
        scope "ZohoProjects.tasks.READ", response Page<Task>;
        new "Every task of `portal`."
}

list_endpoint! {
    /// `GET /api/v3/portal/{portal}/mytasks`: the tasks the token's user owns.
    ListMyTasks(portal: PortalId) rows Task;
        at "/api/v3/portal/{portal}/mytasks",
        scope "ZohoProjects.tasks.READ", response Page<Task>;
        new "My tasks in `portal`."
}

endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}/tasks/{task}`.
    "GET" GetTask(portal: PortalId, project: ProjectId, task: TaskId)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
        scope "ZohoProjects.tasks.READ", response Task;
        new "One task."
}

endpoint! {
    /// `POST /api/v3/portal/{portal}/projects/{project}/tasks` (201 with the task). Without a
    /// `tasklist: {id}` the task lands in the project's "General" list.
    "POST" CreateTask(portal: PortalId, project: ProjectId; body: NewTask = "The new task.")
        at "/api/v3/portal/{portal}/projects/{project}/tasks",
        scope "ZohoProjects.tasks.CREATE", response Task;
        new "Creates `body` in `project`."
}

endpoint! {
    /// `PATCH /api/v3/portal/{portal}/projects/{project}/tasks/{task}`.
    "PATCH" UpdateTask(portal: PortalId, project: ProjectId, task: TaskId; body: TaskUpdate = "The changes.")
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
        scope "ZohoProjects.tasks.UPDATE", response Task;
        new "Applies `body` to `task`."
}

endpoint! {
    /// `DELETE /api/v3/portal/{portal}/projects/{project}/tasks/{task}` (204; subtasks go with it).
    "DELETE" DeleteTask(portal: PortalId, project: ProjectId, task: TaskId)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
        scope "ZohoProjects.tasks.DELETE", response ();
        new "Deletes `task`."
}

/// `POST /api/v3/portal/{portal}/projects/{project}/tasks/{task}/move`
/// (`{target_tasklist_id}`; the task list must belong to the same project). Answers the task.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/move",
       scope = "ZohoProjects.tasks.UPDATE", response = Task)]
pub struct MoveTask {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
    /// Where to.
    #[zoho(body)]
    pub body: TaskMove,
}

impl MoveTask {
    /// Moves `task` to the task list `to`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        task: impl Into<TaskId>,
        to: impl Into<TasklistId>,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), task: task.into(), body: TaskMove::new(to) }
    }
}

/// `GET …/tasks/{task}/comments` (`{comments, page_info}`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/comments",
       scope = "ZohoProjects.tasks.READ", response = Page<Comment>, paginate(item = Comment, cursor = paging))]
pub struct ListTaskComments {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
    /// Order, e.g. `ASC(created_time)` or `DESC(created_time)`.
    #[zoho(query)]
    pub sort_by: Option<String>,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListTaskComments {
    /// The comments on `task`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, task: impl Into<TaskId>) -> Self {
        Self {
            portal: portal.into(),
            project: project.into(),
            task: task.into(),
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
    /// `POST …/tasks/{task}/comments` (`{comment}`; V3 answers a one-element array, read by
    /// [`Single`]).
    "POST" AddTaskComment(portal: PortalId, project: ProjectId, task: TaskId;
        body: NewComment = "The comment.")
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/comments",
        scope "ZohoProjects.tasks.CREATE", response Single<Comment>;
        new "Comments `body` on `task`."
}

endpoint! {
    /// `GET …/tasks/{task}/comments/{comment}`.
    "GET" GetTaskComment(portal: PortalId, project: ProjectId, task: TaskId, comment: CommentId)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/comments/{comment}",
        scope "ZohoProjects.tasks.READ", response Comment;
        new "One comment on `task`."
}

endpoint! {
    /// `PATCH …/tasks/{task}/comments/{comment}` (`{comment}`).
    "PATCH" UpdateTaskComment(portal: PortalId, project: ProjectId, task: TaskId, comment: CommentId;
        body: NewComment = "The new text.")
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/comments/{comment}",
        scope "ZohoProjects.tasks.UPDATE", response Comment;
        new "Replaces the text of `comment`."
}

endpoint! {
    /// `DELETE …/tasks/{task}/comments/{comment}` (204).
    "DELETE" DeleteTaskComment(portal: PortalId, project: ProjectId, task: TaskId, comment: CommentId)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/comments/{comment}",
        scope "ZohoProjects.tasks.DELETE", response ();
        new "Deletes `comment`."
}
