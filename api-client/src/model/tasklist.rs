//! Task lists: `…/projects/{PR}/tasklists` (`{tasklists, page_info}`), `…/all-tasklists`,
//! get, create, update (PATCH), delete.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{Extra, Flag, IdRef, Ref, StatusValue, UserRef};
use super::de;
use super::page::ListItem;
use crate::ids::{MilestoneId, ProjectId, TasklistId};

/// A V3 task list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tasklist {
    /// Task list id.
    pub id: TasklistId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// `internal` or `external`.
    #[serde(default)]
    pub flag: Option<Flag>,
    /// Status (an object or a name).
    #[serde(default)]
    pub status: Option<StatusValue>,
    /// Phase the list belongs to: `{id, name}`.
    #[serde(default)]
    pub milestone: Option<Ref<MilestoneId>>,
    /// Project: `{id, name}` (portal-wide lists).
    #[serde(default)]
    pub project: Option<Ref<ProjectId>>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub created_time: Option<DateTime<Utc>>,
    /// Creator.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// Last modification time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub modified_time: Option<DateTime<Utc>>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Tasklist {
    const LIST_KEYS: &'static [&'static str] = &["tasklists"];
    const SINGLE_KEYS: &'static [&'static str] = &["tasklist"];
}

/// Body of `POST …/tasklists`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NewTasklist {
    /// Name (required).
    pub name: String,
    /// `internal` or `external`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<Flag>,
    /// Phase: `{id}` (a flat `milestone_id` is silently ignored by V3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<IdRef<MilestoneId>>,
    /// Status (shape unverified; sent as given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
    /// Other top-level keys.
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl NewTasklist {
    /// A task list with just a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }
}

setters!(NewTasklist { flag: Flag, status: Value });
ref_setters!(NewTasklist { milestone: MilestoneId });

/// Body of `PATCH …/tasklists/{TL}`; only the fields set are sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TasklistUpdate {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `internal` or `external`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<Flag>,
    /// Phase: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<IdRef<MilestoneId>>,
    /// Status (shape unverified; sent as given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
    /// Other top-level keys.
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl TasklistUpdate {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }
}

setters!(TasklistUpdate { name: String, flag: Flag, status: Value });
ref_setters!(TasklistUpdate { milestone: MilestoneId });
custom_field_setter!(NewTasklist, TasklistUpdate);
