//! Tasks: `…/projects/{PR}/tasks` (`{tasks, page_info}`), `…/mytasks`, get, create, update
//! (PATCH only), delete, move.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{
    BillingType, Extra, IdRef, LogHours, OwnersAndWork, Priority, Ref, StatusRef, TaskDuration, UserRef,
};
use super::de;
use super::page::ListItem;
use crate::ids::{MilestoneId, ProjectId, StatusId, TagId, TaskId, TasklistId};

/// A V3 task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Task id.
    pub id: TaskId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Task key, e.g. `"VO-T12"`.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Description (HTML).
    #[serde(default)]
    pub description: Option<String>,
    /// Project: `{id, name}`.
    #[serde(default)]
    pub project: Option<Ref<ProjectId>>,
    /// Task list: `{id, name}`.
    #[serde(default)]
    pub tasklist: Option<Ref<TasklistId>>,
    /// Status.
    #[serde(default)]
    pub status: Option<StatusRef>,
    /// Priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Start.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub start_date: Option<DateTime<Utc>>,
    /// Due.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub end_date: Option<DateTime<Utc>>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub created_time: Option<DateTime<Utc>>,
    /// Last modification time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub modified_time: Option<DateTime<Utc>>,
    /// Duration: `{value, type}`.
    #[serde(default)]
    pub duration: Option<TaskDuration>,
    /// Logged hours.
    #[serde(default)]
    pub log_hours: Option<LogHours>,
    /// Owners and their work.
    #[serde(default)]
    pub owners_and_work: Option<OwnersAndWork>,
    /// Creator.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// Last modifier.
    #[serde(default)]
    pub updated_by: Option<UserRef>,
    /// Whether the task is completed.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_completed: Option<bool>,
    /// Completion, 0–100.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub completion_percentage: Option<f64>,
    /// Phase: `{id, name}`.
    #[serde(default)]
    pub milestone: Option<Ref<MilestoneId>>,
    /// Parent task (subtasks): `{id, name}`.
    #[serde(default)]
    pub parent_task: Option<Ref<TaskId>>,
    /// Nesting depth (0 for top-level tasks).
    #[serde(default, deserialize_with = "de::opt_u32")]
    pub depth: Option<u32>,
    /// Whether the task has subtasks.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_parent: Option<bool>,
    /// Billing type (`none`, `billable`, `non_billable`), as text.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub billing_type: Option<String>,
    /// Tags: `[{id, name, …}]`.
    #[serde(default)]
    pub tags: Option<Vec<Ref<TagId>>>,
    /// Other fields and custom fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Task {
    const LIST_KEYS: &'static [&'static str] = &["tasks"];
    const SINGLE_KEYS: &'static [&'static str] = &["task"];
}

/// Body of `POST …/tasks`.
///
/// ```
/// use zoho_projects::model::{NewTask, Priority};
/// let body = NewTask::new("Write docs").tasklist("1817452000000012345").priority(Priority::High);
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"name":"Write docs","tasklist":{"id":"1817452000000012345"},"priority":"high"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NewTask {
    /// Name (required).
    pub name: String,
    /// Task list: `{id}` (a flat `tasklist_id` is silently ignored by V3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasklist: Option<IdRef<TasklistId>>,
    /// Description (HTML; escape `<` in plain text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Start (sent as `2026-07-22T00:00:00.000Z`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "de::ser_opt_datetime_ms")]
    pub start_date: Option<DateTime<Utc>>,
    /// Due (sent as `2026-07-22T00:00:00.000Z`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "de::ser_opt_datetime_ms")]
    pub end_date: Option<DateTime<Utc>>,
    /// Priority, lowercase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Status: `{id}` (by name fails).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<IdRef<StatusId>>,
    /// Owners and work, an object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owners_and_work: Option<OwnersAndWork>,
    /// Completion, 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_percentage: Option<u8>,
    /// Billing type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_type: Option<BillingType>,
    /// Duration: `{value, type}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<TaskDuration>,
    /// Phase: `{id}` (V3 may inherit it from the task list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<IdRef<MilestoneId>>,
    /// Tags: `[{id}]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<IdRef<TagId>>>,
    /// Custom fields by API name and other top-level keys.
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl NewTask {
    /// A task with just a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }

    /// Sets `tags: [{id}, …]`.
    #[must_use]
    pub fn tags<T: Into<TagId>>(mut self, ids: impl IntoIterator<Item = T>) -> Self {
        self.tags = Some(ids.into_iter().map(|id| IdRef { id: id.into() }).collect());
        self
    }
}

setters!(NewTask {
    description: String,
    start_date: DateTime<Utc>,
    end_date: DateTime<Utc>,
    priority: Priority,
    owners_and_work: OwnersAndWork,
    completion_percentage: u8,
    billing_type: BillingType,
    duration: TaskDuration,
});
ref_setters!(NewTask { tasklist: TasklistId, status: StatusId, milestone: MilestoneId });

/// Body of `PATCH …/tasks/{T}`; only the fields set are sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TaskUpdate {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Task list: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasklist: Option<IdRef<TasklistId>>,
    /// Description (HTML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Start (sent with milliseconds).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "de::ser_opt_datetime_ms")]
    pub start_date: Option<DateTime<Utc>>,
    /// Due (sent with milliseconds).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "de::ser_opt_datetime_ms")]
    pub end_date: Option<DateTime<Utc>>,
    /// Priority, lowercase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Status: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<IdRef<StatusId>>,
    /// Owners and work, an object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owners_and_work: Option<OwnersAndWork>,
    /// Completion, 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_percentage: Option<u8>,
    /// Billing type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_type: Option<BillingType>,
    /// Duration: `{value, type}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<TaskDuration>,
    /// Phase: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<IdRef<MilestoneId>>,
    /// Completed flag (unverified in V3; prefer a closed status).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_completed: Option<bool>,
    /// Custom fields by API name and other top-level keys.
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl TaskUpdate {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }
}

setters!(TaskUpdate {
    name: String,
    description: String,
    start_date: DateTime<Utc>,
    end_date: DateTime<Utc>,
    priority: Priority,
    owners_and_work: OwnersAndWork,
    completion_percentage: u8,
    billing_type: BillingType,
    duration: TaskDuration,
    is_completed: bool,
});
ref_setters!(TaskUpdate { tasklist: TasklistId, status: StatusId, milestone: MilestoneId });
custom_field_setter!(NewTask, TaskUpdate);

/// Body of `POST …/tasks/{T}/move`: `{target_tasklist_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskMove {
    /// The task list to move the task to.
    pub target_tasklist_id: TasklistId,
}

impl TaskMove {
    /// Moves to the given task list.
    pub fn new(target_tasklist_id: impl Into<TasklistId>) -> Self {
        Self { target_tasklist_id: target_tasklist_id.into() }
    }
}
