//! Projects: `…/projects` (list: bare array), `…/projects/{PR}`, create, update (PATCH),
//! trash.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{Extra, IdRef, OpenClosedCount, Ref, StatusRef, UserRef, ZpuidRef};
use super::de;
use super::page::ListItem;
use crate::ids::{LayoutId, ProjectGroupId, ProjectId, StatusId, TagId, UserId};

/// A V3 project (list item, `GET …/projects/{PR}` and the create/update reply).
///
/// Custom fields arrive as top-level keys such as `projects_cf_0001` and are kept in
/// `extra`; see [`custom_fields`](Self::custom_fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// Project id.
    pub id: ProjectId,
    /// Project key, e.g. `"VO-390"`.
    #[serde(default)]
    pub key: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// `"active"`, `"template"` or `"archived"`.
    #[serde(default)]
    pub project_type: Option<String>,
    /// Description (HTML).
    #[serde(default)]
    pub description: Option<String>,
    /// Owner.
    #[serde(default)]
    pub owner: Option<UserRef>,
    /// Whether the project is public within the portal.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_public_project: Option<bool>,
    /// Start date.
    #[serde(default, deserialize_with = "de::opt_date")]
    pub start_date: Option<NaiveDate>,
    /// End date.
    #[serde(default, deserialize_with = "de::opt_date")]
    pub end_date: Option<NaiveDate>,
    /// Whether the project is strict.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_strict_project: Option<bool>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub created_time: Option<DateTime<Utc>>,
    /// Creator.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// Last modification time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub modified_time: Option<DateTime<Utc>>,
    /// Last modifier.
    #[serde(default)]
    pub updated_by: Option<UserRef>,
    /// Status, e.g. `Active`.
    #[serde(default)]
    pub status: Option<StatusRef>,
    /// Layout: `{id, name, is_default, type}` (`is_default` and `type` in `extra`).
    #[serde(default)]
    pub layout: Option<Ref<LayoutId>>,
    /// Business hours id.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub business_hours_id: Option<String>,
    /// Whether this is a rollup project.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_rollup_project: Option<bool>,
    /// Budget settings.
    #[serde(default)]
    pub budget_info: Option<BudgetInfo>,
    /// Project group: `{id, name, type}`.
    #[serde(default)]
    pub project_group: Option<Ref<ProjectGroupId>>,
    /// Completion, 0–100.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub percent_complete: Option<f64>,
    /// Task counters.
    #[serde(default)]
    pub tasks: Option<OpenClosedCount>,
    /// Issue counters.
    #[serde(default)]
    pub issues: Option<OpenClosedCount>,
    /// Phase counters.
    #[serde(default)]
    pub milestones: Option<OpenClosedCount>,
    /// Whether the project is completed.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_completed: Option<bool>,
    /// Other fields and custom fields (`projects_cf_0001`, …), kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Project {
    /// Custom fields: the `extra` keys that look like custom field API names
    /// (`projects_cf_0001`, `cf_*`).
    pub fn custom_fields(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.extra.iter().filter(|(k, _)| k.contains("_cf_") || k.starts_with("cf_")).map(|(k, v)| (k.as_str(), v))
    }

    /// A custom (or any unmodelled) field by key.
    pub fn custom_field(&self, key: &str) -> Option<&Value> {
        self.extra.get(key)
    }

    /// A user-type custom field (an array of user objects, or one) decoded as people.
    pub fn custom_field_users(&self, key: &str) -> Option<Vec<UserRef>> {
        match self.extra.get(key)? {
            Value::Array(a) => a.iter().map(|v| serde_json::from_value(v.clone()).ok()).collect(),
            v @ Value::Object(_) => serde_json::from_value(v.clone()).ok().map(|u| vec![u]),
            _ => None,
        }
    }
}

impl ListItem for Project {
    const LIST_KEYS: &'static [&'static str] = &["projects"];
    const SINGLE_KEYS: &'static [&'static str] = &["project"];
}

/// Project budget settings: `{currency, tracking_method, …}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BudgetInfo {
    /// Currency code, e.g. `"USD"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Tracking method, e.g. `"project_hours"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_method: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Project type in request bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectType {
    /// An active project.
    Active,
    /// A template.
    Template,
    /// Archived (update only).
    Archived,
}

/// Body of `POST …/projects`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NewProject {
    /// Name (required, ≤ 200 characters).
    pub name: String,
    /// Description (HTML, ≤ 80000 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Start date (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    /// End date (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    /// `active` or `template`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_type: Option<ProjectType>,
    /// Owner: `{zpuid}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<ZpuidRef>,
    /// Whether the project is public within the portal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public_project: Option<bool>,
    /// Status: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<IdRef<StatusId>>,
    /// Layout: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<IdRef<LayoutId>>,
    /// `web` or `api`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_via: Option<String>,
    /// Whether this is a rollup project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_rollup_project: Option<bool>,
    /// Budget settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_info: Option<BudgetInfo>,
    /// Project group: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_group: Option<IdRef<ProjectGroupId>>,
    /// Tags: `[{id}]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<IdRef<TagId>>>,
    /// Template or project to copy from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_from: Option<ProjectId>,
    /// Custom fields and other top-level keys.
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl NewProject {
    /// A project with just a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }

    /// Sets `owner: {zpuid}`.
    #[must_use]
    pub fn owner(mut self, zpuid: impl Into<UserId>) -> Self {
        self.owner = Some(ZpuidRef { zpuid: zpuid.into() });
        self
    }

    /// Sets `tags: [{id}, …]`.
    #[must_use]
    pub fn tags<T: Into<TagId>>(mut self, ids: impl IntoIterator<Item = T>) -> Self {
        self.tags = Some(ids.into_iter().map(|id| IdRef { id: id.into() }).collect());
        self
    }
}

setters!(NewProject {
    description: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    project_type: ProjectType,
    is_public_project: bool,
    added_via: String,
    is_rollup_project: bool,
    budget_info: BudgetInfo,
    copy_from: ProjectId,
});
ref_setters!(NewProject { status: StatusId, layout: LayoutId, project_group: ProjectGroupId });

/// Body of `PATCH …/projects/{PR}`; only the fields set are sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ProjectUpdate {
    /// Name (≤ 200 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description (HTML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Start date (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    /// End date (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    /// `active`, `template` or `archived`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_type: Option<ProjectType>,
    /// Owner: `{zpuid}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<ZpuidRef>,
    /// Whether the project is public within the portal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public_project: Option<bool>,
    /// Status: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<IdRef<StatusId>>,
    /// Layout: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<IdRef<LayoutId>>,
    /// Whether this is a rollup project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_rollup_project: Option<bool>,
    /// Budget settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_info: Option<BudgetInfo>,
    /// Project group: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_group: Option<IdRef<ProjectGroupId>>,
    /// Completion time (ISO 8601 with milliseconds).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "de::ser_opt_datetime_ms")]
    pub completed_time: Option<DateTime<Utc>>,
    /// Custom fields and other top-level keys.
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl ProjectUpdate {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `owner: {zpuid}`.
    #[must_use]
    pub fn owner(mut self, zpuid: impl Into<UserId>) -> Self {
        self.owner = Some(ZpuidRef { zpuid: zpuid.into() });
        self
    }
}

setters!(ProjectUpdate {
    name: String,
    description: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    project_type: ProjectType,
    is_public_project: bool,
    is_rollup_project: bool,
    budget_info: BudgetInfo,
    completed_time: DateTime<Utc>,
});
ref_setters!(ProjectUpdate { status: StatusId, layout: LayoutId, project_group: ProjectGroupId });
custom_field_setter!(NewProject, ProjectUpdate);
