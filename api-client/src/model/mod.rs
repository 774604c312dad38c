//! V3 models: responses, list envelopes and request bodies of `/api/v3/`.
//!
//! Shapes follow Zoho Projects V3 as its answers are documented and observed. Reading is tolerant:
//! fields are `Option` unless an object is meaningless without them (its `id`), numbers and
//! booleans are also accepted as strings, dates in every format Zoho is known to use, and
//! every unknown key — including custom fields such as `projects_cf_0001` — is kept in the
//! model's `extra` map and written back on serialization.
//!
//! Lists come in different envelopes per resource; [`Page<T>`] reads all of them (bare
//! array, `{tasks, page_info}`, `page_info` as a one-element array). Single objects that may
//! come wrapped are read with [`Single<T>`].
//!
//! Request bodies (`New*`, `*Update`) serialize to the exact V3 JSON: nested references
//! (`tasklist: {id}`, `owner: {zpuid}`), the `owners_and_work` object, lowercase priority,
//! ISO datetimes with milliseconds; fields left `None` are omitted. Build them with `new`
//! (required fields) and chained setters; `custom_field` adds a top-level key.

/// Chained setters for `Option` fields of a request body: `fn field(self, impl Into<T>)`.
macro_rules! setters {
    ($ty:ident { $($field:ident : $t:ty),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("Sets `", stringify!($field), "`.")]
                #[must_use]
                pub fn $field(mut self, value: impl Into<$t>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )*
        }
    };
}

/// Chained setters for `{id}` reference fields: `fn field(self, impl Into<Id>)`.
macro_rules! ref_setters {
    ($ty:ident { $($field:ident : $id:ty),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("Sets `", stringify!($field), ": {id}`.")]
                #[must_use]
                pub fn $field(mut self, id: impl Into<$id>) -> Self {
                    self.$field = Some($crate::model::IdRef { id: id.into() });
                    self
                }
            )*
        }
    };
}

/// `custom_field(key, value)` for a request body with a flattened `custom_fields` map.
macro_rules! custom_field_setter {
    ($($ty:ident),* $(,)?) => {
        $(
            impl $ty {
                /// Adds a top-level key, e.g. a custom field by its API name
                /// (picklist → string, user field → `{"zpuid": …}`), or any field this type
                /// does not model.
                #[must_use]
                pub fn custom_field(
                    mut self,
                    key: impl Into<String>,
                    value: impl Into<serde_json::Value>,
                ) -> Self {
                    self.custom_fields.insert(key.into(), value.into());
                    self
                }
            }
        )*
    };
}

mod attachment;
mod comment;
mod common;
pub(crate) mod de;
mod issue;
mod milestone;
mod page;
mod portal;
mod project;
mod search;
mod tag;
mod task;
mod tasklist;
mod timelog;
mod user;

pub use attachment::Attachment;
pub use comment::{Comment, NewComment};
pub use common::{
    BillingType, Extra, Flag, IdRef, LogHours, OpenClosedCount, OwnerWork, OwnersAndWork, Priority, Ref, StatusRef,
    StatusValue, TaskDuration, UserRef, WorkValues, ZpuidRef,
};
pub use issue::{Issue, IssueUpdate, NewIssue};
pub use milestone::{Milestone, MilestoneUpdate, NewMilestone};
pub use page::{ListItem, Page, PageInfo, Single};
pub use portal::{Portal, PortalDetails, PortalDetailsResponse};
pub use project::{BudgetInfo, NewProject, Project, ProjectType, ProjectUpdate};
pub use search::SearchResults;
pub use tag::Tag;
pub use task::{NewTask, Task, TaskMove, TaskUpdate};
pub use tasklist::{NewTasklist, Tasklist, TasklistUpdate};
pub use timelog::{BillStatus, LogModule, LogModuleType, NewTimeLog, TimeLog, TimeLogGroup, TimeLogUpdate};
pub use user::User;

/// `GET …/projects` (bare array) and `GET …/users/{U}/projects` (`{projects}`).
pub type ProjectPage = Page<Project>;
/// `GET /portals` (bare array).
pub type PortalPage = Page<Portal>;
/// `GET …/tasklists`, `GET …/all-tasklists`: `{tasklists, page_info}`.
pub type TasklistPage = Page<Tasklist>;
/// `GET …/tasks`, `GET …/mytasks`: `{tasks, page_info}`.
pub type TaskPage = Page<Task>;
/// `GET …/comments`: `{comments, page_info}`.
pub type CommentPage = Page<Comment>;
/// `GET …/phases`: `{milestones, page_info:[{…}]}`.
pub type MilestonePage = Page<Milestone>;
/// `GET …/issues`: `{issues}`.
pub type IssuePage = Page<Issue>;
/// `GET …/users`: `{users}`.
pub type UserPage = Page<User>;
/// `GET …/timelogs`: `{time_logs:[{…, log_details}]}`.
pub type TimeLogPage = Page<TimeLogGroup>;
/// `GET /tags`: `{tags}`.
pub type TagPage = Page<Tag>;
