//! Tasks (scope `ZohoProjects.tasks.*`): lists (`{tasks, page_info}`) per project, per task
//! list, portal-wide and "my tasks"; get, create (201), update (PATCH; the only verb V3
//! accepts), delete (204), move to another task list, and comments.
//!
//! V3 cannot create subtasks; use the restapi's `CreateSubtask` (feature `restapi`).

use crate::Endpoint;
use crate::Paging;
use crate::ids::{CommentId, PortalId, ProjectId, TaskId, TasklistId};
use crate::model::{Comment, NewComment, NewTask, Page, Single, Task, TaskMove, TaskUpdate};

/// `GET /api/v3/portal/{portal}/projects/{project}/tasks`: the tasks of a project (subtasks
/// included; they carry `parent_task`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks", scope = "ZohoProjects.tasks.READ",
       response = Page<Task>, paginate(item = Task, cursor = paging))]
pub struct ListTasks {
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

impl ListTasks {
    /// The tasks of `project`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>) -> Self {
        Self { portal: portal.into(), project: project.into(), paging: Paging::default() }
    }
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

/// `GET /api/v3/portal/{portal}/tasks`: the tasks of every project.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/tasks", scope = "ZohoProjects.tasks.READ",
       response = Page<Task>, paginate(item = Task, cursor = paging))]
pub struct ListPortalTasks {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListPortalTasks {
    /// Every task of `portal`.
    pub fn new(portal: impl Into<PortalId>) -> Self {
        Self { portal: portal.into(), paging: Paging::default() }
    }
}

/// `GET /api/v3/portal/{portal}/mytasks`: the tasks the token's user owns.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/mytasks", scope = "ZohoProjects.tasks.READ",
       response = Page<Task>, paginate(item = Task, cursor = paging))]
pub struct ListMyTasks {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListMyTasks {
    /// My tasks in `portal`.
    pub fn new(portal: impl Into<PortalId>) -> Self {
        Self { portal: portal.into(), paging: Paging::default() }
    }
}

/// `GET /api/v3/portal/{portal}/projects/{project}/tasks/{task}`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.READ", response = Task)]
pub struct GetTask {
    /// The portal.
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

/// `POST /api/v3/portal/{portal}/projects/{project}/tasks` (201 with the task). Without a
/// `tasklist: {id}` the task lands in the project's "General" list.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks",
       scope = "ZohoProjects.tasks.CREATE", response = Task)]
pub struct CreateTask {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The new task.
    #[zoho(body)]
    pub body: NewTask,
}

impl CreateTask {
    /// Creates `body` in `project`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, body: NewTask) -> Self {
        Self { portal: portal.into(), project: project.into(), body }
    }
}

/// `PATCH /api/v3/portal/{portal}/projects/{project}/tasks/{task}`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.UPDATE", response = Task)]
pub struct UpdateTask {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
    /// The changes.
    #[zoho(body)]
    pub body: TaskUpdate,
}

impl UpdateTask {
    /// Applies `body` to `task`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        task: impl Into<TaskId>,
        body: TaskUpdate,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), task: task.into(), body }
    }
}

/// `DELETE /api/v3/portal/{portal}/projects/{project}/tasks/{task}` (204; subtasks go with it).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.DELETE", response = ())]
pub struct DeleteTask {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
}

impl DeleteTask {
    /// Deletes `task`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, task: impl Into<TaskId>) -> Self {
        Self { portal: portal.into(), project: project.into(), task: task.into() }
    }
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

/// `POST …/tasks/{task}/comments` (`{comment}`; V3 answers a one-element array, read by
/// [`Single`]).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/comments",
       scope = "ZohoProjects.tasks.CREATE", response = Single<Comment>)]
pub struct AddTaskComment {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
    /// The comment.
    #[zoho(body)]
    pub body: NewComment,
}

impl AddTaskComment {
    /// Comments `body` on `task`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        task: impl Into<TaskId>,
        body: NewComment,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), task: task.into(), body }
    }
}

/// `GET …/tasks/{task}/comments/{comment}`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/comments/{comment}",
       scope = "ZohoProjects.tasks.READ", response = Comment)]
pub struct GetTaskComment {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
    /// The comment.
    #[zoho(path)]
    pub comment: CommentId,
}

impl GetTaskComment {
    /// One comment on `task`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        task: impl Into<TaskId>,
        comment: impl Into<CommentId>,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), task: task.into(), comment: comment.into() }
    }
}

/// `PATCH …/tasks/{task}/comments/{comment}` (`{comment}`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/comments/{comment}",
       scope = "ZohoProjects.tasks.UPDATE", response = Comment)]
pub struct UpdateTaskComment {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
    /// The comment.
    #[zoho(path)]
    pub comment: CommentId,
    /// The new text.
    #[zoho(body)]
    pub body: NewComment,
}

impl UpdateTaskComment {
    /// Replaces the text of `comment`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        task: impl Into<TaskId>,
        comment: impl Into<CommentId>,
        body: NewComment,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), task: task.into(), comment: comment.into(), body }
    }
}

/// `DELETE …/tasks/{task}/comments/{comment}` (204).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/comments/{comment}",
       scope = "ZohoProjects.tasks.DELETE", response = ())]
pub struct DeleteTaskComment {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The task.
    #[zoho(path)]
    pub task: TaskId,
    /// The comment.
    #[zoho(path)]
    pub comment: CommentId,
}

impl DeleteTaskComment {
    /// Deletes `comment`.
    pub fn new(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        task: impl Into<TaskId>,
        comment: impl Into<CommentId>,
    ) -> Self {
        Self { portal: portal.into(), project: project.into(), task: task.into(), comment: comment.into() }
    }
}
