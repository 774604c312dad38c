//! Phases (milestones): `…/projects/{PR}/phases` (`{milestones, page_info:[{…}]}`),
//! `/portal/{P}/phases`, get, create, update, delete.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize, Serializer};

use super::common::{Extra, Flag, Ref, StatusValue, UserRef};
use super::de;
use super::page::ListItem;
use crate::ids::{MilestoneId, ProjectId, StatusId, TagId, UserId};

/// A V3 phase (milestone). Dates are read in any known format (`YYYY-MM-DD`, `MM-dd-yyyy`,
/// `MM/dd/yyyy`, ISO datetime).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    /// Phase id.
    pub id: MilestoneId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Status (an object or a name).
    #[serde(default)]
    pub status: Option<StatusValue>,
    /// Owner.
    #[serde(default)]
    pub owner: Option<UserRef>,
    /// Project: `{id, name}` (portal-wide lists).
    #[serde(default)]
    pub project: Option<Ref<ProjectId>>,
    /// Start date.
    #[serde(default, deserialize_with = "de::opt_date")]
    pub start_date: Option<NaiveDate>,
    /// End date.
    #[serde(default, deserialize_with = "de::opt_date")]
    pub end_date: Option<NaiveDate>,
    /// Completion, 0–100.
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub completion_percent: Option<f64>,
    /// `internal` or `external`.
    #[serde(default)]
    pub flag: Option<Flag>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub created_time: Option<DateTime<Utc>>,
    /// Last modification time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub modified_time: Option<DateTime<Utc>>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Milestone {
    const LIST_KEYS: &'static [&'static str] = &["milestones", "phases"];
    const SINGLE_KEYS: &'static [&'static str] = &["milestone", "phase"];
}

/// Serializes tag ids as V3's `tagIds` comma-separated string.
fn ser_tag_ids<S: Serializer>(v: &Option<Vec<TagId>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(ids) => s.collect_str(&ids.iter().map(TagId::as_str).collect::<Vec<_>>().join(",")),
        None => s.serialize_none(),
    }
}

/// Body of `POST …/phases`. Dates are sent month-first (`MM-dd-yyyy`), the format two
/// independent live sources report (others say `MM/DD/YYYY` or `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NewMilestone {
    /// Name (required, ≤ 100 characters).
    pub name: String,
    /// Start date.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "de::ser_opt_date_us")]
    pub start_date: Option<NaiveDate>,
    /// End date.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "de::ser_opt_date_us")]
    pub end_date: Option<NaiveDate>,
    /// Owner (flat `owner_zpuid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_zpuid: Option<UserId>,
    /// `internal` or `external`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<Flag>,
    /// Status (flat `status_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<StatusId>,
    /// Tags, sent as `tagIds` (comma-separated).
    #[serde(rename = "tagIds", skip_serializing_if = "Option::is_none", serialize_with = "ser_tag_ids")]
    pub tag_ids: Option<Vec<TagId>>,
    /// Other top-level keys (`budget`, `threshold`, `next`, `previous`, …).
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl NewMilestone {
    /// A phase with just a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }
}

setters!(NewMilestone {
    start_date: NaiveDate,
    end_date: NaiveDate,
    owner_zpuid: UserId,
    flag: Flag,
    status_id: StatusId,
    tag_ids: Vec<TagId>,
});

/// Body of a phase update; only the fields set are sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct MilestoneUpdate {
    /// Name (≤ 100 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Start date (`MM-dd-yyyy`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "de::ser_opt_date_us")]
    pub start_date: Option<NaiveDate>,
    /// End date (`MM-dd-yyyy`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "de::ser_opt_date_us")]
    pub end_date: Option<NaiveDate>,
    /// Owner (flat `owner_zpuid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_zpuid: Option<UserId>,
    /// `internal` or `external`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<Flag>,
    /// Status (flat `status_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<StatusId>,
    /// Tags, sent as `tagIds` (comma-separated).
    #[serde(rename = "tagIds", skip_serializing_if = "Option::is_none", serialize_with = "ser_tag_ids")]
    pub tag_ids: Option<Vec<TagId>>,
    /// Other top-level keys.
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl MilestoneUpdate {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }
}

setters!(MilestoneUpdate {
    name: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    owner_zpuid: UserId,
    flag: Flag,
    status_id: StatusId,
    tag_ids: Vec<TagId>,
});
custom_field_setter!(NewMilestone, MilestoneUpdate);
