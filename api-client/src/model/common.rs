//! Types shared by several V3 resources: people, statuses, references, enums.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::de;
use crate::ids::{StatusId, UserId, Zuid};

/// Unknown or custom fields of a Zoho object, kept as received.
pub type Extra = Map<String, Value>;

/// A person as V3 embeds it in other objects (`owner`, `created_by`, custom user fields):
/// `{zuid, zpuid, name, email, first_name, last_name, full_name}`.
///
/// Write people back with their [`zpuid`](Self::zpuid), never the `zuid`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserRef {
    /// Zoho account id (a JSON number).
    #[serde(default)]
    pub zuid: Option<Zuid>,
    /// Portal user id, the id V3 expects in request bodies.
    #[serde(default)]
    pub zpuid: Option<UserId>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Full name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl UserRef {
    /// The best display name available: `full_name`, then `name`, then `email`.
    pub fn display_name(&self) -> Option<&str> {
        self.full_name.as_deref().or(self.name.as_deref()).or(self.email.as_deref())
    }
}

/// A status as V3 embeds it: `{id, name, color, color_hexcode, is_closed_type}`.
///
/// V3 has no endpoint listing task statuses; harvest them from existing objects. Status ids
/// are per portal and layout.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StatusRef {
    /// Status id.
    #[serde(default)]
    pub id: Option<StatusId>,
    /// Status name, e.g. `"Active"`, `"Open"`.
    #[serde(default)]
    pub name: Option<String>,
    /// Colour (often the same hex code as `color_hexcode`).
    #[serde(default)]
    pub color: Option<String>,
    /// Colour as `#rrggbb`.
    #[serde(default)]
    pub color_hexcode: Option<String>,
    /// Whether this status is a closed (terminal) one.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_closed_type: Option<bool>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A status field whose shape is not pinned down: an object ([`StatusRef`]) or a bare name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatusValue {
    /// `{id, name, …}`.
    Ref(StatusRef),
    /// A plain name such as `"active"` or `"notcompleted"`.
    Name(String),
}

impl StatusValue {
    /// The status name, whichever shape it came in.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Ref(r) => r.name.as_deref(),
            Self::Name(n) => Some(n),
        }
    }

    /// The status id, when the status came as an object carrying one.
    pub fn id(&self) -> Option<&StatusId> {
        match self {
            Self::Ref(r) => r.id.as_ref(),
            Self::Name(_) => None,
        }
    }
}

/// A reference to another object as found in responses: `{id, name, …}` (`tasklist`,
/// `project`, `milestone`, `project_group`, `layout`, …). Every field is optional so that a
/// partial reference never fails a whole list; other keys (`type`, `is_default`, …) land in
/// `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "I: Deserialize<'de>"))]
pub struct Ref<I> {
    /// Id of the referenced object.
    #[serde(default = "Option::default")]
    pub id: Option<I>,
    /// Name of the referenced object.
    #[serde(default)]
    pub name: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<I> Ref<I> {
    /// A reference with just an id.
    pub fn new(id: I) -> Self {
        Self { id: Some(id), name: None, extra: Extra::new() }
    }

    /// The `type` key found in some references (`"public"`, …), if any.
    pub fn kind(&self) -> Option<&str> {
        self.extra.get("type").and_then(Value::as_str)
    }
}

/// A reference written in a request body: `{"id": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRef<I> {
    /// Id of the referenced object.
    pub id: I,
}

impl<I> IdRef<I> {
    /// Wraps an id.
    pub fn new(id: impl Into<I>) -> Self {
        Self { id: id.into() }
    }
}

impl<I> From<I> for IdRef<I> {
    fn from(id: I) -> Self {
        Self { id }
    }
}

/// A person written in a request body: `{"zpuid": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZpuidRef {
    /// The portal user id.
    pub zpuid: UserId,
}

impl From<UserId> for ZpuidRef {
    fn from(zpuid: UserId) -> Self {
        Self { zpuid }
    }
}

/// Open/closed counters as V3 embeds them in a project (`tasks`, `issues`, `milestones`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OpenClosedCount {
    /// Open items.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub open_count: Option<u64>,
    /// Closed items.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub closed_count: Option<u64>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Task priority. V3 writes it lowercase (`none`, `low`, `medium`, `high`); reading accepts
/// any case (the restapi says `"High"`) and an object with a `name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// No priority.
    None,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

impl Priority {
    /// Parses a priority name in any case.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "none" | "" => Some(Self::None),
            "low" => Some(Self::Low),
            "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            _ => None,
        }
    }

    /// The V3 wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl<'de> Deserialize<'de> for Priority {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Name(String),
            Obj { name: String },
        }
        let name = match Raw::deserialize(d)? {
            Raw::Name(n) | Raw::Obj { name: n } => n,
        };
        Self::from_name(&name)
            .ok_or_else(|| serde::de::Error::unknown_variant(&name, &["none", "low", "medium", "high"]))
    }
}

/// Visibility flag of task lists, phases and issues.
///
/// Task lists and phases write it lowercase (`internal`); issues capitalised
/// (`Internal`) — the issue request types take care of that. Reading accepts any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flag {
    /// Visible to portal users only.
    Internal,
    /// Visible to clients too.
    External,
}

impl Flag {
    /// Parses a flag in any case.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "internal" => Some(Self::Internal),
            "external" => Some(Self::External),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::from_name(&name).ok_or_else(|| serde::de::Error::unknown_variant(&name, &["internal", "external"]))
    }
}

/// Serializes an optional [`Flag`] capitalised (`"Internal"`), as issue bodies want it.
pub(crate) fn ser_flag_capitalised<S: Serializer>(v: &Option<Flag>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(Flag::Internal) => s.serialize_str("Internal"),
        Some(Flag::External) => s.serialize_str("External"),
        None => s.serialize_none(),
    }
}

/// Task billing type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingType {
    /// Not set.
    None,
    /// Billable.
    Billable,
    /// Not billable.
    NonBillable,
}

/// A task duration: `{"value": "5", "type": "days"}` or `{"value": "3:00", "type": "hours"}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TaskDuration {
    /// The amount, as text (`"5"`, `"3:00"`).
    #[serde(default, deserialize_with = "de::opt_string", skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The unit: `"days"` or `"hours"`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl TaskDuration {
    /// A duration in days.
    pub fn days(days: u32) -> Self {
        Self { value: Some(days.to_string()), unit: Some("days".into()), extra: Extra::new() }
    }

    /// A duration in hours and minutes (`"3:00"`).
    pub fn hours(hours: u32, minutes: u32) -> Self {
        Self { value: Some(format!("{hours}:{minutes:02}")), unit: Some("hours".into()), extra: Extra::new() }
    }
}

/// Logged hours summary: `{billable_hours, non_billable_hours, total_hours}` (text, e.g.
/// `"0.0"` or `"3:30"`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LogHours {
    /// Billable hours.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub billable_hours: Option<String>,
    /// Non-billable hours.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub non_billable_hours: Option<String>,
    /// Total hours (V3).
    #[serde(default, deserialize_with = "de::opt_string", skip_serializing_if = "Option::is_none")]
    pub total_hours: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Work values of one owner: a total (`"96:00"`) or, for flexible work, per-date entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WorkValues {
    /// A total such as `"96:00"`.
    Total(String),
    /// Per-date entries (flexible work), kept as received.
    PerDate(Vec<Value>),
}

/// One owner inside [`OwnersAndWork`]: `{zpuid, work_values, …}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OwnerWork {
    /// The owner's portal user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zpuid: Option<UserId>,
    /// Name (responses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail (responses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Work assigned to this owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_values: Option<WorkValues>,
    /// Other fields (`zuid`, `full_name`, …), kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl OwnerWork {
    /// An owner by portal user id, without work values.
    pub fn new(zpuid: impl Into<UserId>) -> Self {
        Self { zpuid: Some(zpuid.into()), ..Self::default() }
    }

    /// An owner with a total amount of work (`"96:00"`).
    pub fn with_work(zpuid: impl Into<UserId>, work: impl Into<String>) -> Self {
        Self { work_values: Some(WorkValues::Total(work.into())), ..Self::new(zpuid) }
    }
}

/// Task assignment, an **object** (as an array V3 answers `JSON_PARSE_ERROR`):
/// `{work_type:"standard", unit:"hours", total_work:"96:00", copy_task_duration, owners:[{zpuid, work_values}]}`.
///
/// Top-level `owners`/`owner` keys on a task are silently ignored by V3; this is the only
/// way to assign a task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OwnersAndWork {
    /// Work type, e.g. `"standard"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_type: Option<String>,
    /// Unit of work, e.g. `"hours"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Total work, e.g. `"96:00"`.
    #[serde(default, deserialize_with = "de::opt_string", skip_serializing_if = "Option::is_none")]
    pub total_work: Option<String>,
    /// Whether to copy the task duration into the work.
    #[serde(default, deserialize_with = "de::opt_bool", skip_serializing_if = "Option::is_none")]
    pub copy_task_duration: Option<bool>,
    /// The owners.
    #[serde(default)]
    pub owners: Vec<OwnerWork>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl OwnersAndWork {
    /// Assigns the given users with no explicit work (V3 fills in the defaults).
    pub fn owners<U: Into<UserId>>(zpuids: impl IntoIterator<Item = U>) -> Self {
        Self { owners: zpuids.into_iter().map(OwnerWork::new).collect(), ..Self::default() }
    }

    /// Standard work in hours: `{work_type:"standard", unit:"hours", total_work, owners}`.
    pub fn standard_hours(total_work: impl Into<String>, owners: Vec<OwnerWork>) -> Self {
        Self {
            work_type: Some("standard".into()),
            unit: Some("hours".into()),
            total_work: Some(total_work.into()),
            owners,
            ..Self::default()
        }
    }
}
