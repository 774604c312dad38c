//! Time logs (scope `ZohoProjects.timesheets.*`): `GET …/timelogs` (grouped per date:
//! `{time_logs:[{date, log_details:[…]}]}`, HTTP 204 when nothing matches), `POST …/log`
//! (singular), `GET/PATCH/DELETE …/logs/{L}`.

use crate::Paging;
use std::fmt;

use chrono::NaiveDate;

use super::shape::endpoint;
use crate::Endpoint;
use crate::ids::{PortalId, ProjectId, TimelogId};
use crate::model::{LogModule, LogModuleType, NewTimeLog, Page, TimeLog, TimeLogGroup, TimeLogUpdate};
use crate::paginate::PageParts;

/// The `view_type` of the time log list (required by Zoho).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewType {
    /// The day of `date` (default today).
    Day,
    /// The week (Sunday to Saturday) holding `date`.
    Week,
    /// The month holding `date`.
    Month,
    /// From `start_date` to `end_date` (both required).
    CustomDate,
}

impl fmt::Display for ViewType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::CustomDate => "customdate",
        })
    }
}

/// The `module` filter of the time log list: a [`LogModule`] sent as JSON in the query string,
/// e.g. `{"type":"task","id":"…"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleFilter(pub LogModule);

impl fmt::Display for ModuleFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A LogModule always serializes; should it ever not, the filter is sent empty (and
        // Zoho refuses it) rather than panicking inside `to_string`.
        f.write_str(&serde_json::to_string(&self.0).unwrap_or_default())
    }
}

fn module_type_name(t: LogModuleType) -> &'static str {
    match t {
        LogModuleType::General => "general",
        LogModuleType::Task => "task",
        LogModuleType::Issue => "issue",
    }
}

/// `GET /api/v3/portal/{portal}/projects/{project}/timelogs`. Answers `None` (HTTP 204) when
/// no log matches. Paged over logs; with [`paginate`](crate::paginate::paginate) the stream
/// yields each [`TimeLog`] (the date groups are flattened).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/timelogs",
       scope = "ZohoProjects.timesheets.READ", response = Option<Page<TimeLogGroup>>,
       paginate(item = TimeLog, cursor = paging, split = time_log_rows))]
pub struct ListTimeLogs {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// Which period.
    #[zoho(query)]
    pub view_type: ViewType,
    /// The day the period holds (`day`, `week`, `month`; default today).
    #[zoho(query)]
    pub date: Option<NaiveDate>,
    /// First day (`customdate`).
    #[zoho(query)]
    pub start_date: Option<NaiveDate>,
    /// Last day (`customdate`).
    #[zoho(query)]
    pub end_date: Option<NaiveDate>,
    /// Only logs against this module.
    #[zoho(query)]
    pub module: Option<ModuleFilter>,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListTimeLogs {
    /// The logs of `project` in the `view_type` period around today (or [`date`](Self::date)).
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, view_type: ViewType) -> Self {
        Self {
            portal: portal.into(),
            project: project.into(),
            view_type,
            date: None,
            start_date: None,
            end_date: None,
            module: None,
            paging: Paging::default(),
        }
    }

    /// The logs of `project` from `start` to `end` (`view_type=customdate`).
    pub fn between(
        portal: impl Into<PortalId>,
        project: impl Into<ProjectId>,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Self {
        let mut call = Self::new(portal, project, ViewType::CustomDate);
        call.start_date = Some(start);
        call.end_date = Some(end);
        call
    }

    /// The day the period holds.
    #[must_use]
    pub fn date(mut self, date: NaiveDate) -> Self {
        self.date = Some(date);
        self
    }

    /// Only logs against `module` (`LogModule::general()`, `LogModule::task(id)`, …).
    #[must_use]
    pub fn module(mut self, module: LogModule) -> Self {
        self.module = Some(ModuleFilter(module));
        self
    }
}

/// The rows of a time-log answer: the logs of every day group, in order (HTTP 204: none).
fn time_log_rows(answer: Option<Page<TimeLogGroup>>) -> PageParts<TimeLog> {
    match answer {
        Some(page) => PageParts {
            has_next: page.page_info.as_ref().and_then(|info| info.has_next()),
            items: page.items.into_iter().flat_map(|group| group.log_details).collect(),
        },
        None => PageParts { items: Vec::new(), has_next: Some(false) },
    }
}

endpoint! {
    /// `POST /api/v3/portal/{portal}/projects/{project}/log` (201 with the log). Zoho refuses more
    /// than 24 hours per user and day (`INVALID_OPERATION`).
    "POST" AddTimeLog(portal: PortalId, project: ProjectId;
        body: NewTimeLog = "The log (`module`, `date`, `hours` and `bill_status` are required).")
        at "/api/v3/portal/{portal}/projects/{project}/log",
        scope "ZohoProjects.timesheets.CREATE", response TimeLog;
        new "Logs `body` in `project`."
}

/// `GET /api/v3/portal/{portal}/projects/{project}/logs/{log}[?type=task|issue|general]`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/logs/{log}",
       scope = "ZohoProjects.timesheets.READ", response = TimeLog)]
pub struct GetTimeLog {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// The log.
    #[zoho(path)]
    pub log: TimelogId,
    /// What the log is recorded against: `general`, `task` or `issue`.
    #[zoho(query = "type")]
    pub log_type: Option<&'static str>,
}

impl GetTimeLog {
    /// One log.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, log: impl Into<TimelogId>) -> Self {
        Self { portal: portal.into(), project: project.into(), log: log.into(), log_type: None }
    }

    /// Sets `type`.
    #[must_use]
    pub fn log_type(mut self, kind: LogModuleType) -> Self {
        self.log_type = Some(module_type_name(kind));
        self
    }
}

endpoint! {
    /// `PATCH /api/v3/portal/{portal}/projects/{project}/logs/{log}`. Approved logs cannot be
    /// changed (`INVALID_OPERATION`).
    "PATCH" UpdateTimeLog(portal: PortalId, project: ProjectId, log: TimelogId;
        body: TimeLogUpdate = "The changes (V3 wants `module` too).")
        at "/api/v3/portal/{portal}/projects/{project}/logs/{log}",
        scope "ZohoProjects.timesheets.UPDATE", response TimeLog;
        new "Applies `body` to `log`."
}

endpoint! {
    /// `DELETE /api/v3/portal/{portal}/projects/{project}/logs/{log}` (204).
    "DELETE" DeleteTimeLog(portal: PortalId, project: ProjectId, log: TimelogId)
        at "/api/v3/portal/{portal}/projects/{project}/logs/{log}",
        scope "ZohoProjects.timesheets.DELETE", response ();
        new "Deletes `log`."
}
