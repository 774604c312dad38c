//! Issues (bugs): `…/projects/{PR}/issues` (`{issues}`), `/portal/{P}/issues`, get,
//! create, update (PATCH), delete.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::common::{Extra, Flag, IdRef, Ref, StatusValue, UserRef, ZpuidRef, ser_flag_capitalised};
use super::de;
use super::page::ListItem;
use crate::ids::{ClassificationId, IssueId, ModuleId, ProjectId, SeverityId, TagId, UserId};

/// A V3 issue. The field list is thin in public material; what is not modelled is in
/// `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Issue id.
    pub id: IssueId,
    /// Title.
    #[serde(default)]
    pub name: Option<String>,
    /// Issue key, e.g. `"SC1-I2"`.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Description (HTML).
    #[serde(default)]
    pub description: Option<String>,
    /// `Internal` or `External` (written back capitalised, as received).
    #[serde(default, serialize_with = "ser_flag_capitalised")]
    pub flag: Option<Flag>,
    /// Status (an object or a name).
    #[serde(default)]
    pub status: Option<StatusValue>,
    /// Severity: `{id, name}`.
    #[serde(default)]
    pub severity: Option<Ref<SeverityId>>,
    /// Classification: `{id, name}`.
    #[serde(default)]
    pub classification: Option<Ref<ClassificationId>>,
    /// Module: `{id, name}`.
    #[serde(default)]
    pub module: Option<Ref<ModuleId>>,
    /// Assignee.
    #[serde(default)]
    pub assignee: Option<UserRef>,
    /// Reporter.
    #[serde(default)]
    pub reporter: Option<UserRef>,
    /// Project: `{id, name}`.
    #[serde(default)]
    pub project: Option<Ref<ProjectId>>,
    /// Due date.
    #[serde(default, deserialize_with = "de::opt_date")]
    pub due_date: Option<NaiveDate>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub created_time: Option<DateTime<Utc>>,
    /// Last modification time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub modified_time: Option<DateTime<Utc>>,
    /// Creator.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<Ref<TagId>>>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Issue {
    const LIST_KEYS: &'static [&'static str] = &["issues", "bugs"];
    const SINGLE_KEYS: &'static [&'static str] = &["issue", "bug"];
}

/// Body of `POST …/issues`. `flag` is sent capitalised (`Internal`), `due_date` as
/// `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NewIssue {
    /// Title (required).
    pub name: String,
    /// Description (HTML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Internal` or `External`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_flag_capitalised")]
    pub flag: Option<Flag>,
    /// Due date (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// Assignee: `{zpuid}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<ZpuidRef>,
    /// Severity: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<IdRef<SeverityId>>,
    /// Classification: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<IdRef<ClassificationId>>,
    /// Module: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<IdRef<ModuleId>>,
    /// Tags: `[{id}]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<IdRef<TagId>>>,
    /// Custom fields and other top-level keys.
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl NewIssue {
    /// An issue with just a title.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }

    /// Sets `assignee: {zpuid}`.
    #[must_use]
    pub fn assignee(mut self, zpuid: impl Into<UserId>) -> Self {
        self.assignee = Some(ZpuidRef { zpuid: zpuid.into() });
        self
    }

    /// Sets `tags: [{id}, …]`.
    #[must_use]
    pub fn tags<T: Into<TagId>>(mut self, ids: impl IntoIterator<Item = T>) -> Self {
        self.tags = Some(ids.into_iter().map(|id| IdRef { id: id.into() }).collect());
        self
    }
}

setters!(NewIssue { description: String, flag: Flag, due_date: NaiveDate });
ref_setters!(NewIssue { severity: SeverityId, classification: ClassificationId, module: ModuleId });

/// Body of `PATCH …/issues/{I}`; only the fields set are sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct IssueUpdate {
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description (HTML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Internal` or `External`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_flag_capitalised")]
    pub flag: Option<Flag>,
    /// Due date (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    /// Assignee: `{zpuid}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<ZpuidRef>,
    /// Severity: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<IdRef<SeverityId>>,
    /// Classification: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<IdRef<ClassificationId>>,
    /// Module: `{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<IdRef<ModuleId>>,
    /// Custom fields and other top-level keys.
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl IssueUpdate {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `assignee: {zpuid}`.
    #[must_use]
    pub fn assignee(mut self, zpuid: impl Into<UserId>) -> Self {
        self.assignee = Some(ZpuidRef { zpuid: zpuid.into() });
        self
    }
}

setters!(IssueUpdate { name: String, description: String, flag: Flag, due_date: NaiveDate });
ref_setters!(IssueUpdate { severity: SeverityId, classification: ClassificationId, module: ModuleId });
custom_field_setter!(NewIssue, IssueUpdate);
