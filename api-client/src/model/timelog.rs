//! Time logs: `GET …/timelogs` (`{time_logs:[{…, log_details:[…]}]}`), `POST …/log`,
//! `GET/PATCH/DELETE …/logs/{L}`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::common::{Extra, UserRef};
use super::de;
use super::page::ListItem;
use crate::ids::{IssueId, TaskId, TimelogId, UserId};

/// One group of the time log list (V3 groups logs, e.g. per date); the logs are in
/// `log_details`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeLogGroup {
    /// The group's date, when the grouping is by date.
    #[serde(default, deserialize_with = "de::opt_date", skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The logs of this group.
    #[serde(default)]
    pub log_details: Vec<TimeLog>,
    /// Other fields (totals, …), kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for TimeLogGroup {
    const LIST_KEYS: &'static [&'static str] = &["time_logs", "timelogs"];
}

impl super::page::Page<TimeLogGroup> {
    /// All logs of all groups, in order.
    pub fn logs(&self) -> impl Iterator<Item = &TimeLog> {
        self.items.iter().flat_map(|g| g.log_details.iter())
    }
}

/// One time log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeLog {
    /// Time log id.
    pub id: TimelogId,
    /// Name.
    #[serde(default)]
    pub log_name: Option<String>,
    /// Notes (also sent as `log_notes`, which stays in `extra`).
    #[serde(default)]
    pub notes: Option<String>,
    /// Date worked.
    #[serde(default, deserialize_with = "de::opt_date")]
    pub date: Option<NaiveDate>,
    /// Hours, `HH:MM`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub hours: Option<String>,
    /// `Billable` or `Non Billable`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub bill_status: Option<String>,
    /// `Approved`, `Unapproved`, `Rejected`, ….
    #[serde(default, deserialize_with = "de::opt_string")]
    pub approval_status: Option<String>,
    /// What the time was logged against.
    #[serde(default)]
    pub module: Option<LogModule>,
    /// Owner.
    #[serde(default)]
    pub owner: Option<UserRef>,
    /// Start time (`hh:mm AM`).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub start_time: Option<String>,
    /// End time (`hh:mm AM`).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub end_time: Option<String>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub created_time: Option<DateTime<Utc>>,
    /// Other fields and custom fields (`cf_*`), kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for TimeLog {
    const LIST_KEYS: &'static [&'static str] = &["log_details"];
    const SINGLE_KEYS: &'static [&'static str] = &["time_log", "log"];
}

/// What a log is recorded against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogModuleType {
    /// Not tied to a task or issue.
    General,
    /// A task.
    Task,
    /// An issue (the restapi says `bug`).
    Issue,
}

impl<'de> Deserialize<'de> for LogModuleType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        match name.trim().to_ascii_lowercase().as_str() {
            "general" => Ok(Self::General),
            "task" | "tasks" => Ok(Self::Task),
            "issue" | "issues" | "bug" | "bugs" => Ok(Self::Issue),
            _ => Err(serde::de::Error::unknown_variant(&name, &["general", "task", "issue"])),
        }
    }
}

/// `module: {type, id?}` of a time log (`id` required unless `general`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogModule {
    /// The kind of object.
    #[serde(rename = "type")]
    pub kind: LogModuleType,
    /// The task or issue id.
    #[serde(default, deserialize_with = "de::opt_string", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl LogModule {
    /// `{"type":"general"}`.
    pub fn general() -> Self {
        Self { kind: LogModuleType::General, id: None, extra: Extra::new() }
    }

    /// `{"type":"task","id":"…"}`.
    pub fn task(id: impl Into<TaskId>) -> Self {
        Self { kind: LogModuleType::Task, id: Some(id.into().into()), extra: Extra::new() }
    }

    /// `{"type":"issue","id":"…"}`.
    pub fn issue(id: impl Into<IssueId>) -> Self {
        Self { kind: LogModuleType::Issue, id: Some(id.into().into()), extra: Extra::new() }
    }
}

/// Billing status of a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BillStatus {
    /// `"Billable"`.
    Billable,
    /// `"Non Billable"`.
    #[serde(rename = "Non Billable")]
    NonBillable,
}

/// Body of `POST …/log`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewTimeLog {
    /// What the time is logged against.
    pub module: LogModule,
    /// Date worked (`YYYY-MM-DD`).
    pub date: NaiveDate,
    /// Hours, `HH:MM` (at most 24 h per day).
    pub hours: String,
    /// Billing status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_status: Option<BillStatus>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Start time (`hh:mm AM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// End time (`hh:mm AM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Owner (flat `owner_zpuid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_zpuid: Option<UserId>,
    /// `Approved`, `Unapproved` or `Rejected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Custom fields (`cf_*`) and other top-level keys (`approver`, `cost_rate_per_hour`, …).
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl NewTimeLog {
    /// A log of `hours` (`"HH:MM"`) on `date` against `module`.
    pub fn new(module: LogModule, date: NaiveDate, hours: impl Into<String>) -> Self {
        Self {
            module,
            date,
            hours: hours.into(),
            bill_status: None,
            log_name: None,
            notes: None,
            start_time: None,
            end_time: None,
            owner_zpuid: None,
            status: None,
            custom_fields: Extra::new(),
        }
    }

    /// Formats hours and minutes as V3's `HH:MM`.
    pub fn hours_minutes(hours: u32, minutes: u32) -> String {
        format!("{hours:02}:{minutes:02}")
    }
}

setters!(NewTimeLog {
    bill_status: BillStatus,
    log_name: String,
    notes: String,
    start_time: String,
    end_time: String,
    owner_zpuid: UserId,
    status: String,
});

/// Body of `PATCH …/logs/{L}`; only the fields set are sent (V3 wants `module` too).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TimeLogUpdate {
    /// What the time is logged against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<LogModule>,
    /// Date worked (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Hours, `HH:MM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// Billing status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bill_status: Option<BillStatus>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Start time (`hh:mm AM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// End time (`hh:mm AM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Owner (flat `owner_zpuid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_zpuid: Option<UserId>,
    /// Approval status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_status: Option<String>,
    /// Whether the log is a draft.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_draft: Option<bool>,
    /// Custom fields (`cf_*`) and other top-level keys.
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl TimeLogUpdate {
    /// An update of a log recorded against `module`.
    pub fn new(module: LogModule) -> Self {
        Self { module: Some(module), ..Self::default() }
    }
}

setters!(TimeLogUpdate {
    date: NaiveDate,
    hours: String,
    bill_status: BillStatus,
    log_name: String,
    notes: String,
    start_time: String,
    end_time: String,
    owner_zpuid: UserId,
    approval_status: String,
    is_draft: bool,
});
custom_field_setter!(NewTimeLog, TimeLogUpdate);
