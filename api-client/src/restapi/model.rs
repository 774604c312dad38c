//! Models of the legacy restapi (`/restapi/portal/{portal}/…`).
//!
//! They decode every captured restapi answer in `tests/samples/`. The restapi differs from
//! V3 in ways these types absorb:
//!
//! - ids are JSON numbers above 2^53 (`2447529000000057232`) or numeric strings, next to an
//!   `id_string`; the typed ids in [`crate::ids`] read both without precision loss;
//! - dates come in threes: `created_time: "03-05-2025"` (month first), `created_time_format:
//!   "03-05-2025 11:49:08 AM"` and `created_time_long: 1741175348281` (epoch ms). The text
//!   forms are kept as [`UsDate`] (parse on demand; they are in the portal's time zone, and
//!   `*_format` follows the portal's date format setting), the `*_long` as `i64`
//!   ([`epoch_ms`] converts);
//! - booleans and counters sometimes arrive as strings (`"false"`, `"0"`);
//! - `link` objects map a name to `{url}`;
//! - fields come and go between items; everything not modelled is kept in `extra`.
//!
//! Lists are read with [`Page<T>`](crate::model::Page), which accepts both the wrapped
//! answer (`{"projects": […]}`, `{"login_id": …, "portals": […]}`) and a bare array.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::{
    ClassificationId, CommentId, IssueId, LayoutId, MilestoneId, ModuleId, PortalId, ProfileId, ProjectGroupId,
    ProjectId, ReproducibilityId, RoleId, SeverityId, StatusId, TaskId, TasklistId, UserId, Zuid,
};
use crate::model::de;
use crate::model::{Extra, ListItem, Page, Ref};

/// A restapi date as sent, month first: `MM-dd-yyyy`, optionally followed by a time
/// (`MM-dd-yyyy hh:mm a` or `MM-dd-yyyy hh:mm:ss a`). Kept as text; parse with
/// [`date`](Self::date) / [`datetime`](Self::datetime). Times are in the portal's time zone.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UsDate(String);

impl UsDate {
    /// Wraps a date text.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The calendar date (`MM-dd-yyyy`, any time part ignored); `None` if the text is in
    /// another format.
    pub fn date(&self) -> Option<NaiveDate> {
        let head = self.0.split_whitespace().next()?;
        NaiveDate::parse_from_str(head, "%m-%d-%Y").ok()
    }

    /// The local date and time (`MM-dd-yyyy hh:mm[:ss] AM`; a date alone gives midnight);
    /// `None` if the text is in another format.
    pub fn datetime(&self) -> Option<NaiveDateTime> {
        let s = self.0.trim();
        ["%m-%d-%Y %I:%M:%S %p", "%m-%d-%Y %I:%M %p"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
            .or_else(|| NaiveDate::parse_from_str(s, "%m-%d-%Y").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
    }
}

impl fmt::Debug for UsDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UsDate({:?})", self.0)
    }
}

impl fmt::Display for UsDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for UsDate {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// Converts a restapi `*_long` value (epoch milliseconds) to a UTC instant.
pub fn epoch_ms(ms: i64) -> Option<DateTime<Utc>> {
    de::from_epoch_ms(ms)
}

/// One entry of a `link` object: `{url}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Link {
    /// The URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `link` object: `{"self": {url}, "task": {url}, …}`.
pub type Links = BTreeMap<String, Link>;

/// `{open, closed}` counters (`task_count`, `bug_count`, `milestone_count`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OpenClosed {
    /// Open items.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub open: Option<u64>,
    /// Closed items.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub closed: Option<u64>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

// ---------------------------------------------------------------------------------------
// Portals

/// A portal of `GET /restapi/portals/` (`{login_id, portals:[…]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portal {
    /// Portal id (a number; this is the id restapi paths take).
    pub id: PortalId,
    /// The id as a string.
    #[serde(default)]
    pub id_string: Option<String>,
    /// Portal name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether this is the user's default portal.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub default: Option<bool>,
    /// The user's role, e.g. `"admin"`, `"Employee"`.
    #[serde(default)]
    pub role: Option<String>,
    /// Plan, e.g. `"Enterprise"`.
    #[serde(default)]
    pub plan: Option<String>,
    /// Whether the portal is on a trial.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub trial_enabled: Option<bool>,
    /// Time zone label, e.g. `"(GMT 5:30) India Standard Time"`.
    #[serde(default)]
    pub gmt_time_zone: Option<String>,
    /// Time zone offset in milliseconds.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub gmt_time_zone_offset: Option<i64>,
    /// Project counters: `{active, archived, template}`.
    #[serde(default)]
    pub project_count: Option<ProjectCount>,
    /// Available user seats (`-1`: unlimited).
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub avail_user_count: Option<i64>,
    /// Maximum user seats.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub max_user_count: Option<i64>,
    /// Project key prefix.
    #[serde(default)]
    pub project_prefix: Option<String>,
    /// Plural label for bugs (e.g. `"Bugs"`, `"Issues"`).
    #[serde(default)]
    pub bug_plural: Option<String>,
    /// Singular label for bugs.
    #[serde(default)]
    pub bug_singular: Option<String>,
    /// The user's profile id.
    #[serde(default)]
    pub profile_id: Option<ProfileId>,
    /// The user's portal user id in this portal.
    #[serde(default)]
    pub login_zpuid: Option<UserId>,
    /// Locale: `{country, code, language}`.
    #[serde(default)]
    pub locale: Option<Locale>,
    /// Portal settings.
    #[serde(default)]
    pub settings: Option<PortalSettings>,
    /// Links (`project`).
    #[serde(default)]
    pub link: Option<Links>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Portal {
    const LIST_KEYS: &'static [&'static str] = &["portals"];
}

impl Page<Portal> {
    /// The `login_id` sent next to the portal list, if any (the user's id; it is not a
    /// portal id).
    pub fn login_id(&self) -> Option<String> {
        match self.extra.get("login_id")? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// Project counters of a portal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProjectCount {
    /// Active projects.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub active: Option<u64>,
    /// Archived projects.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub archived: Option<u64>,
    /// Templates.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub template: Option<u64>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Locale of a portal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Locale {
    /// Country, e.g. `"United States"`.
    #[serde(default)]
    pub country: Option<String>,
    /// Locale code, e.g. `"en_US"`.
    #[serde(default)]
    pub code: Option<String>,
    /// Language, e.g. `"English"`.
    #[serde(default)]
    pub language: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Portal settings (a subset; the rest is in `extra`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PortalSettings {
    /// Company name.
    #[serde(default)]
    pub company_name: Option<String>,
    /// Web site.
    #[serde(default)]
    pub website_url: Option<String>,
    /// Time zone id, e.g. `"Asia/Calcutta"`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Date format of the portal (Java pattern, e.g. `"MM-dd-yyyy hh:mm aaa"`).
    #[serde(default)]
    pub date_format: Option<String>,
    /// Working days, e.g. `["Monday", …]`.
    #[serde(default)]
    pub working_days: Option<Vec<String>>,
    /// Holidays.
    #[serde(default)]
    pub holidays: Option<Vec<Holiday>>,
    /// Other fields (`business_hours`, `timelog_period`, …), kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A portal holiday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holiday {
    /// Holiday id.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Date (`MM-dd-yyyy`).
    #[serde(default)]
    pub date: Option<UsDate>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

// ---------------------------------------------------------------------------------------
// Projects

/// A project of `GET /restapi/portal/{portal}/projects/` (`{projects:[…]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// Project id.
    pub id: ProjectId,
    /// The id as a string.
    #[serde(default)]
    pub id_string: Option<String>,
    /// Project key, e.g. `"SN-34"`.
    #[serde(default)]
    pub key: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Description (HTML).
    #[serde(default)]
    pub description: Option<String>,
    /// `"active"`, `"archived"`, `"template"`.
    #[serde(default)]
    pub status: Option<String>,
    /// Owner's name.
    #[serde(default)]
    pub owner_name: Option<String>,
    /// Owner's account id.
    #[serde(default)]
    pub owner_id: Option<Zuid>,
    /// Owner's portal user id.
    #[serde(default)]
    pub owner_zpuid: Option<UserId>,
    /// The user's role in the project.
    #[serde(default)]
    pub role: Option<String>,
    /// Completion percentage (sent as a string).
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub project_percent: Option<f64>,
    /// Custom status id.
    #[serde(default)]
    pub custom_status_id: Option<StatusId>,
    /// Custom status name, e.g. `"Active"`.
    #[serde(default)]
    pub custom_status_name: Option<String>,
    /// Custom status colour.
    #[serde(default)]
    pub custom_status_color: Option<String>,
    /// Task counters.
    #[serde(default)]
    pub task_count: Option<OpenClosed>,
    /// Bug counters.
    #[serde(default)]
    pub bug_count: Option<OpenClosed>,
    /// Milestone counters.
    #[serde(default)]
    pub milestone_count: Option<OpenClosed>,
    /// Whether bugs are enabled (`IS_BUG_ENABLED`).
    #[serde(rename = "IS_BUG_ENABLED", default, deserialize_with = "de::opt_bool")]
    pub is_bug_enabled: Option<bool>,
    /// Custom fields as `[{"<label>": "<value>"}, …]`.
    #[serde(default)]
    pub custom_fields: Option<Vec<Extra>>,
    /// Project group id.
    #[serde(default)]
    pub group_id: Option<ProjectGroupId>,
    /// Project group name.
    #[serde(default)]
    pub group_name: Option<String>,
    /// Layouts per module: `{project|task|bug: {id, name}}`.
    #[serde(default)]
    pub layout_details: Option<BTreeMap<String, Ref<LayoutId>>>,
    /// The user's profile id in the project.
    #[serde(default)]
    pub profile_id: Option<ProfileId>,
    /// Creation date.
    #[serde(default)]
    pub created_date: Option<UsDate>,
    /// Creation date and time.
    #[serde(default)]
    pub created_date_format: Option<UsDate>,
    /// Creation, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub created_date_long: Option<i64>,
    /// Last update date.
    #[serde(default)]
    pub updated_date: Option<UsDate>,
    /// Last update date and time.
    #[serde(default)]
    pub updated_date_format: Option<UsDate>,
    /// Last update, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub updated_date_long: Option<i64>,
    /// Start date.
    #[serde(default)]
    pub start_date: Option<UsDate>,
    /// Start date and time.
    #[serde(default)]
    pub start_date_format: Option<UsDate>,
    /// Start, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub start_date_long: Option<i64>,
    /// End date.
    #[serde(default)]
    pub end_date: Option<UsDate>,
    /// End date and time.
    #[serde(default)]
    pub end_date_format: Option<UsDate>,
    /// End, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub end_date_long: Option<i64>,
    /// Completion date.
    #[serde(default)]
    pub completed_on: Option<UsDate>,
    /// Completion, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub completed_on_long: Option<i64>,
    /// Links (`self`, `task`, `tasklist`, `bug`, …).
    #[serde(default)]
    pub link: Option<Links>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Project {
    /// A custom field value by its label (custom fields are `[{"<label>": value}, …]`).
    pub fn custom_field(&self, label: &str) -> Option<&Value> {
        self.custom_fields.as_ref()?.iter().find_map(|m| m.get(label))
    }
}

impl ListItem for Project {
    const LIST_KEYS: &'static [&'static str] = &["projects"];
}

// ---------------------------------------------------------------------------------------
// Task lists

/// A task list of `GET …/projects/{project}/tasklists/` (`{tasklists:[…]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tasklist {
    /// Task list id.
    pub id: TasklistId,
    /// The id as a string.
    #[serde(default)]
    pub id_string: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// `internal` or `external`.
    #[serde(default)]
    pub flag: Option<String>,
    /// Whether the list is completed.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub completed: Option<bool>,
    /// Whether the list was rolled over.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub rolled: Option<bool>,
    /// Position.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub sequence: Option<i64>,
    /// Milestone: `{id, name}`.
    #[serde(default)]
    pub milestone: Option<Ref<MilestoneId>>,
    /// Task counters.
    #[serde(default)]
    pub task_count: Option<OpenClosed>,
    /// Creation date.
    #[serde(default)]
    pub created_time: Option<UsDate>,
    /// Creation date and time.
    #[serde(default)]
    pub created_time_format: Option<UsDate>,
    /// Creation, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub created_time_long: Option<i64>,
    /// Last update date.
    #[serde(default)]
    pub last_updated_time: Option<UsDate>,
    /// Last update date and time.
    #[serde(default)]
    pub last_updated_time_format: Option<UsDate>,
    /// Last update, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub last_updated_time_long: Option<i64>,
    /// Links (`self`, `task`).
    #[serde(default)]
    pub link: Option<Links>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Tasklist {
    const LIST_KEYS: &'static [&'static str] = &["tasklists"];
}

// ---------------------------------------------------------------------------------------
// Tasks

/// A task of `GET …/projects/{project}/tasks/` (`{tasks:[…]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Task id.
    pub id: TaskId,
    /// The id as a string.
    #[serde(default)]
    pub id_string: Option<String>,
    /// Task key, e.g. `"SC1-T1"`.
    #[serde(default)]
    pub key: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Description (HTML).
    #[serde(default)]
    pub description: Option<String>,
    /// Whether the task is completed.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub completed: Option<bool>,
    /// Priority, capitalised (`"None"`, `"High"`, …).
    #[serde(default)]
    pub priority: Option<String>,
    /// Completion percentage (a string or a number).
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub percent_complete: Option<f64>,
    /// Duration amount, e.g. `"4"`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub duration: Option<String>,
    /// Duration unit, e.g. `"days"`.
    #[serde(default)]
    pub duration_type: Option<String>,
    /// Status: `{id, name, type, color_code}`.
    #[serde(default)]
    pub status: Option<TaskStatus>,
    /// Task list: `{id, id_string, name}`.
    #[serde(default)]
    pub tasklist: Option<Ref<TasklistId>>,
    /// Milestone id.
    #[serde(default)]
    pub milestone_id: Option<MilestoneId>,
    /// Owners: `{owners:[…]}`.
    #[serde(default)]
    pub details: Option<TaskDetails>,
    /// Creator's account id.
    #[serde(default)]
    pub created_by: Option<Zuid>,
    /// Creator's portal user id.
    #[serde(default)]
    pub created_by_zpuid: Option<UserId>,
    /// Creator's name.
    #[serde(default)]
    pub created_person: Option<String>,
    /// Whether the task has subtasks.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub subtasks: Option<bool>,
    /// Whether the task is a parent.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub isparent: Option<bool>,
    /// Logged hours: `{billable_hours, non_billable_hours}`.
    #[serde(default)]
    pub log_hours: Option<crate::model::LogHours>,
    /// Creation date.
    #[serde(default)]
    pub created_time: Option<UsDate>,
    /// Creation date and time.
    #[serde(default)]
    pub created_time_format: Option<UsDate>,
    /// Creation, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub created_time_long: Option<i64>,
    /// Last update date.
    #[serde(default)]
    pub last_updated_time: Option<UsDate>,
    /// Last update date and time.
    #[serde(default)]
    pub last_updated_time_format: Option<UsDate>,
    /// Last update, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub last_updated_time_long: Option<i64>,
    /// Start date.
    #[serde(default)]
    pub start_date: Option<UsDate>,
    /// Start date and time.
    #[serde(default)]
    pub start_date_format: Option<UsDate>,
    /// Start, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub start_date_long: Option<i64>,
    /// Due date.
    #[serde(default)]
    pub end_date: Option<UsDate>,
    /// Due date and time.
    #[serde(default)]
    pub end_date_format: Option<UsDate>,
    /// Due, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub end_date_long: Option<i64>,
    /// Links (`self`, `web`, `timesheet`).
    #[serde(default)]
    pub link: Option<Links>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Task {
    const LIST_KEYS: &'static [&'static str] = &["tasks"];
}

/// A restapi task status: `{id, name, type, color_code}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TaskStatus {
    /// Status id.
    #[serde(default)]
    pub id: Option<StatusId>,
    /// Name, e.g. `"Open"`.
    #[serde(default)]
    pub name: Option<String>,
    /// Type: `"open"` or `"closed"`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Colour.
    #[serde(default)]
    pub color_code: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `details` of a restapi task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TaskDetails {
    /// Owners.
    #[serde(default)]
    pub owners: Vec<TaskOwner>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An owner of a restapi task (for unassigned tasks the entry may lack `id`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TaskOwner {
    /// Account id.
    #[serde(default)]
    pub id: Option<Zuid>,
    /// Portal user id.
    #[serde(default)]
    pub zpuid: Option<UserId>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Full name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Work assigned, e.g. `"00:00"`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub work: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

// ---------------------------------------------------------------------------------------
// Bugs

/// A bug (issue) of `GET …/projects/{project}/bugs/` (`{bugs:[…]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bug {
    /// Bug id.
    pub id: IssueId,
    /// The id as a string.
    #[serde(default)]
    pub id_string: Option<String>,
    /// Bug key, e.g. `"SC1-I2"`.
    #[serde(default)]
    pub key: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Description (HTML).
    #[serde(default)]
    pub description: Option<String>,
    /// `"Internal"` or `"External"`.
    #[serde(default)]
    pub flag: Option<String>,
    /// Bug number within the project.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub bug_number: Option<u64>,
    /// Key prefix.
    #[serde(default)]
    pub bug_prefix: Option<String>,
    /// Whether the bug is closed.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub closed: Option<bool>,
    /// Status: `{id, type, colorcode}`.
    #[serde(default)]
    pub status: Option<BugStatus>,
    /// Severity: `{id, type}`.
    #[serde(default)]
    pub severity: Option<BugField<SeverityId>>,
    /// Reproducibility: `{id, type}`.
    #[serde(default)]
    pub reproducible: Option<BugField<ReproducibilityId>>,
    /// Classification: `{id, type}`.
    #[serde(default)]
    pub classification: Option<BugField<ClassificationId>>,
    /// Module: `{id, name}`.
    #[serde(default)]
    pub module: Option<Ref<ModuleId>>,
    /// Assignee's portal user id.
    #[serde(default)]
    pub assignee_zpuid: Option<UserId>,
    /// Assignee's name.
    #[serde(default)]
    pub assignee_name: Option<String>,
    /// Reporter's account id.
    #[serde(default)]
    pub reporter_id: Option<Zuid>,
    /// Reporter's name.
    #[serde(default)]
    pub reported_person: Option<String>,
    /// Reporter's e-mail.
    #[serde(default)]
    pub reporter_email: Option<String>,
    /// Number of comments.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub comment_count: Option<u64>,
    /// Number of attachments.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub attachment_count: Option<u64>,
    /// Whether hours were logged.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub has_log_hours: Option<bool>,
    /// Tags.
    #[serde(default)]
    pub tags: Option<Vec<Value>>,
    /// Creation date.
    #[serde(default)]
    pub created_time: Option<UsDate>,
    /// Creation date and time.
    #[serde(default)]
    pub created_time_format: Option<UsDate>,
    /// Creation, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub created_time_long: Option<i64>,
    /// Last update date.
    #[serde(default)]
    pub updated_time: Option<UsDate>,
    /// Last update date and time.
    #[serde(default)]
    pub updated_time_format: Option<UsDate>,
    /// Last update, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub updated_time_long: Option<i64>,
    /// Links (`self`, `web`, `timesheet`).
    #[serde(default)]
    pub link: Option<Links>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Bug {
    const LIST_KEYS: &'static [&'static str] = &["bugs"];
}

/// A bug status: `{id, type, colorcode}` (`type` is the name, e.g. `"Open"`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BugStatus {
    /// Status id.
    #[serde(default)]
    pub id: Option<StatusId>,
    /// Status name, e.g. `"Open"`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Colour.
    #[serde(default)]
    pub colorcode: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A bug attribute: `{id, type}` (severity, reproducibility, classification; `type` is the
/// value's name, e.g. `"None"`, `"Major"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "I: Deserialize<'de>"))]
pub struct BugField<I> {
    /// Id of the value.
    #[serde(default = "Option::default")]
    pub id: Option<I>,
    /// Name of the value.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

// ---------------------------------------------------------------------------------------
// Users

/// A user of `GET …/projects/{project}/users/` (`{users:[…]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectUser {
    /// Account id (`zuid`).
    #[serde(default)]
    pub id: Option<Zuid>,
    /// Portal user id.
    #[serde(default)]
    pub zpuid: Option<UserId>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Role in the project, e.g. `"admin"`, `"Manager"`.
    #[serde(default)]
    pub role: Option<String>,
    /// Whether the user is active.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub active: Option<bool>,
    /// Profile id.
    #[serde(default)]
    pub profile_id: Option<ProfileId>,
    /// Project profile id.
    #[serde(default)]
    pub project_profile_id: Option<ProfileId>,
    /// Portal role id.
    #[serde(default)]
    pub portal_role_id: Option<RoleId>,
    /// Portal role name.
    #[serde(default)]
    pub portal_role_name: Option<String>,
    /// Portal profile name.
    #[serde(default)]
    pub portal_profile_name: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for ProjectUser {
    const LIST_KEYS: &'static [&'static str] = &["users"];
}

// ---------------------------------------------------------------------------------------
// Comments

/// A task or bug comment (`{comments:[…]}`). Bug comments hold their HTML in `content`,
/// task comments in `comment`; [`text`](Self::text) reads either. Task comments may come
/// without an `id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// Comment id.
    #[serde(default)]
    pub id: Option<CommentId>,
    /// The id as a string.
    #[serde(default)]
    pub id_string: Option<String>,
    /// HTML (task comments).
    #[serde(default)]
    pub comment: Option<String>,
    /// HTML (bug comments).
    #[serde(default)]
    pub content: Option<String>,
    /// Author's account id.
    #[serde(default)]
    pub added_by: Option<Zuid>,
    /// Author's name.
    #[serde(default)]
    pub added_person: Option<String>,
    /// `"web"`, `"api"`, ….
    #[serde(default)]
    pub added_via: Option<String>,
    /// Project: `{id, name}`.
    #[serde(default)]
    pub project: Option<Ref<ProjectId>>,
    /// Creation date.
    #[serde(default)]
    pub created_time: Option<UsDate>,
    /// Creation date and time.
    #[serde(default)]
    pub created_time_format: Option<UsDate>,
    /// Creation, epoch ms.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub created_time_long: Option<i64>,
    /// Other fields (`updated_*`, `last_modified_*`, `attachments`, …), kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Comment {
    /// The comment's HTML, from `comment` or `content`.
    pub fn text(&self) -> Option<&str> {
        self.comment.as_deref().or(self.content.as_deref())
    }
}

impl ListItem for Comment {
    const LIST_KEYS: &'static [&'static str] = &["comments"];
}

/// `{portals}` or a bare array of portals, plus `login_id`.
pub type PortalList = Page<Portal>;
/// `{projects}`.
pub type ProjectList = Page<Project>;
/// `{tasklists}` or a bare array.
pub type TasklistList = Page<Tasklist>;
/// `{tasks}`.
pub type TaskList = Page<Task>;
/// `{bugs}`.
pub type BugList = Page<Bug>;
/// `{users}`.
pub type ProjectUserList = Page<ProjectUser>;
/// `{comments}`.
pub type CommentList = Page<Comment>;
