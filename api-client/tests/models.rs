//! Model tests: every captured sample decodes (and loses nothing), request bodies serialize
//! to the V3 shapes documented in docs/zoho.md, pagination info in both forms, ids without
//! precision loss.

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeZone, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use zoho_projects::ids::{IssueId, ProjectId, TaskId, UserId, Zuid};
use zoho_projects::model::{
    BillStatus, Comment, Flag, LogModule, Milestone, MilestonePage, NewComment, NewIssue, NewMilestone, NewProject,
    NewTask, NewTasklist, NewTimeLog, OwnerWork, OwnersAndWork, PageInfo, PortalDetails, Priority, Project,
    ProjectPage, ProjectType, ProjectUpdate, Single, StatusValue, Task, TaskPage, TaskUpdate, TimeLogPage,
    TimeLogUpdate,
};
use zoho_projects::restapi::model::{self as r, UsDate, epoch_ms};

const TWO_POW_53: u64 = 1 << 53;

// ----------------------------------------------------------------------------------------
// Helpers

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples")
}

fn sample(name: &str) -> String {
    std::fs::read_to_string(samples_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Canonical text of an integer-valued scalar (exact, never through f64).
fn integer_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::String(s) if !s.is_empty() && s.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.trim_start_matches('+').to_owned())
        }
        _ => None,
    }
}

/// Whether two scalars carry the same value, allowing the representation changes the models
/// make on purpose (`"59"` → `59.0`, `"false"` → `false`, a numeric string id → a number for
/// `Zuid` and back). Integers are compared exactly.
fn same_scalar(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    if let (Some(x), Some(y)) = (integer_text(a), integer_text(b)) {
        return x == y;
    }
    let as_f64 = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    if let (Some(x), Some(y)) = (as_f64(a), as_f64(b)) {
        // Only for non-integers or integer vs float renderings such as "0" vs 0.0.
        return x == y && integer_text(a).is_none_or(|_| y.fract() == 0.0);
    }
    // The same instant written with another offset (`+05:30` → `Z`).
    if let (Value::String(x), Value::String(y)) = (a, b)
        && let (Ok(x), Ok(y)) = (chrono::DateTime::parse_from_rfc3339(x), chrono::DateTime::parse_from_rfc3339(y))
    {
        return x == y;
    }
    let as_bool = |v: &Value| match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse::<bool>().ok(),
        _ => None,
    };
    matches!((as_bool(a), as_bool(b)), (Some(x), Some(y)) if x == y)
}

/// Asserts that everything in `original` survives in `reserialized`: every non-null key,
/// every array element, every scalar value (up to [`same_scalar`]).
fn assert_nothing_lost(original: &Value, reserialized: &Value, path: &str) {
    match (original, reserialized) {
        (Value::Object(o), Value::Object(s)) => {
            for (k, v) in o {
                if v.is_null() {
                    continue;
                }
                let Some(sv) = s.get(k) else {
                    panic!("{path}.{k}: dropped (was {v})");
                };
                assert_nothing_lost(v, sv, &format!("{path}.{k}"));
            }
        }
        (Value::Array(o), Value::Array(s)) => {
            assert_eq!(o.len(), s.len(), "{path}: array length changed");
            for (i, (a, b)) in o.iter().zip(s).enumerate() {
                assert_nothing_lost(a, b, &format!("{path}[{i}]"));
            }
        }
        (Value::String(a), Value::String(b)) if a.is_empty() || b.is_empty() => {
            assert_eq!(a, b, "{path}: changed");
        }
        (a, b) if !a.is_object() && !a.is_array() => {
            assert!(same_scalar(a, b), "{path}: {a} became {b}");
        }
        (a, b) => panic!("{path}: shape changed from {a} to {b}"),
    }
}

/// Decodes `text` as `T`, checks that re-serializing loses nothing and that the result
/// decodes back to an equal value.
fn decode<T>(name: &str, text: &str) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let model: T = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{name} does not decode as {}: {e}", std::any::type_name::<T>()));
    let original: Value = serde_json::from_str(text).unwrap();
    let out = serde_json::to_value(&model).unwrap();
    // Bare-array lists re-serialize wrapped under their list key.
    let out_view = match (&original, &out) {
        (Value::Array(_), Value::Object(m)) if m.len() == 1 => m.values().next().unwrap(),
        _ => &out,
    };
    assert_nothing_lost(&original, out_view, name);
    let again: T = serde_json::from_value(out.clone())
        .unwrap_or_else(|e| panic!("{name}: re-serialized form does not decode: {e}\n{out}"));
    assert_eq!(model, again, "{name}: round trip changed the model");
    model
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn datetime(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> chrono::NaiveDateTime {
    date(y, mo, d).and_hms_opt(h, mi, s).unwrap()
}

// ----------------------------------------------------------------------------------------
// Every sample file

/// Decodes one sample with the model its name says it holds; `false` for names no model
/// claims (the caller fails on those, so a new sample must be given a model here).
fn decode_any_sample(name: &str, text: &str) -> bool {
    match name {
        n if n.starts_with("restapi-portals-list") => {
            let page: r::PortalList = decode(n, text);
            assert!(!page.is_empty(), "{n}: no portals");
        }
        n if n.starts_with("restapi-projects-list") => {
            let page: r::ProjectList = decode(n, text);
            assert!(!page.is_empty(), "{n}: no projects");
        }
        n if n.starts_with("restapi-tasklists-list") => {
            let page: r::TasklistList = decode(n, text);
            assert!(!page.is_empty(), "{n}: no task lists");
        }
        n if n.starts_with("restapi-tasks-list") => {
            let page: r::TaskList = decode(n, text);
            assert!(!page.is_empty(), "{n}: no tasks");
        }
        n if n.starts_with("restapi-bugs-list") => {
            let page: r::BugList = decode(n, text);
            assert!(!page.is_empty(), "{n}: no bugs");
        }
        n if n.starts_with("restapi-project-users-list") => {
            let page: r::ProjectUserList = decode(n, text);
            assert!(!page.is_empty(), "{n}: no users");
        }
        n if n.starts_with("restapi-") && n.contains("comments-list") => {
            let page: r::CommentList = decode(n, text);
            assert!(page.iter().all(|c| c.text().is_some()), "{n}: comment without text");
        }
        n if n.starts_with("v3-projects-list-item") => {
            let _: Project = decode(n, text);
            // The same item as a one-element bare-array list.
            let page: ProjectPage = decode(n, &format!("[{text}]"));
            assert_eq!(page.len(), 1);
        }
        n if n.starts_with("v3-projects-list") => {
            let _: ProjectPage = decode(n, text);
        }
        n if n.starts_with("v3-tasks-list") => {
            let _: TaskPage = decode(n, text);
        }
        n if n.starts_with("accounts-error-") => {
            // Zoho Accounts token errors are decoded by zoho-oauth-core; here only their
            // shape is pinned: `{"error": "<snake_case code>"}` and nothing else.
            let v: Value = serde_json::from_str(text).unwrap();
            let obj = v.as_object().expect("an object");
            assert_eq!(obj.len(), 1, "{n}: {v}");
            let code = obj["error"].as_str().expect("error is a string");
            assert!(code.starts_with("invalid_"), "{n}: {code}");
        }
        _ => return false,
    }
    true
}

#[test]
fn every_sample_decodes_without_losing_anything() {
    let mut names: Vec<String> = std::fs::read_dir(samples_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 13, "samples missing: {names:?}");
    let unclaimed: Vec<&String> = names.iter().filter(|n| !decode_any_sample(n, &sample(n))).collect();
    assert!(unclaimed.is_empty(), "no model for samples {unclaimed:?}; add them to decode_any_sample");
}

// ----------------------------------------------------------------------------------------
// V3 sample, concrete values

#[test]
fn v3_project_item_values() {
    let p: Project = serde_json::from_str(&sample("v3-projects-list-item0.json")).unwrap();
    assert_eq!(p.id, "1817452000006072671");
    assert_eq!(p.id.as_u64(), Some(1_817_452_000_006_072_671));
    assert!(p.id.as_u64().unwrap() > TWO_POW_53);
    assert_eq!(p.key.as_deref(), Some("VO-390"));
    assert_eq!(p.name, "CEO Project");
    assert_eq!(p.project_type.as_deref(), Some("active"));
    assert_eq!(p.start_date, Some(date(2026, 3, 30)));
    assert_eq!(p.end_date, None);
    let created = Utc.with_ymd_and_hms(2026, 3, 30, 7, 58, 19).unwrap() + chrono::Duration::milliseconds(896);
    assert_eq!(p.created_time, Some(created));
    assert_eq!(p.modified_time, Some(created));

    let owner = p.owner.as_ref().unwrap();
    assert_eq!(owner.zuid, Some(Zuid::from(854_660_304)));
    assert_eq!(owner.zpuid.as_ref().unwrap(), "1817452000001766029");
    assert_eq!(owner.display_name(), Some("Person 48"));
    // zuid goes back out as a JSON number, zpuid as a string.
    let owner_json = serde_json::to_value(owner).unwrap();
    assert_eq!(owner_json["zuid"], json!(854_660_304));
    assert_eq!(owner_json["zpuid"], json!("1817452000001766029"));

    let status = p.status.as_ref().unwrap();
    assert_eq!(status.name.as_deref(), Some("Active"));
    assert_eq!(status.is_closed_type, Some(false));
    assert_eq!(status.id.as_ref().unwrap(), "1817452000000020089");
    let layout = p.layout.as_ref().unwrap();
    assert_eq!(layout.name.as_deref(), Some("Standard Layout"));
    assert_eq!(layout.kind(), Some("public"));
    assert_eq!(layout.extra.get("is_default"), Some(&json!(true)));
    assert_eq!(p.project_group.as_ref().unwrap().id.as_ref().unwrap(), "1817452000005048337");
    assert_eq!(p.budget_info.as_ref().unwrap().currency.as_deref(), Some("USD"));
    assert_eq!(p.percent_complete, Some(56.0));
    assert_eq!(p.tasks.as_ref().unwrap().open_count, Some(18));
    assert_eq!(p.tasks.as_ref().unwrap().closed_count, Some(23));
    assert_eq!(p.milestones.as_ref().unwrap().open_count, Some(3));
    assert_eq!(p.is_completed, Some(false));

    // The custom field is kept, found, and readable as people.
    let custom: Vec<&str> = p.custom_fields().map(|(k, _)| k).collect();
    assert_eq!(custom, ["projects_cf_0001"]);
    let people = p.custom_field_users("projects_cf_0001").unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(people[0].zpuid.as_ref().unwrap(), "1817452000000037003");
    assert_eq!(people[1].zuid, Some(Zuid::from(753_957_658)));
    let out = serde_json::to_value(&p).unwrap();
    assert_eq!(out["projects_cf_0001"][1]["email"], json!("user12@example.com"));
}

#[test]
fn bare_array_project_list_paginates_on_short_page() {
    let item = sample("v3-projects-list-item0.json");
    let page: ProjectPage = serde_json::from_str(&format!("[{item},{item}]")).unwrap();
    assert_eq!(page.len(), 2);
    assert!(page.page_info.is_none());
    assert!(page.has_next_page(2), "a full page asks for more");
    assert!(!page.has_next_page(50), "a short page ends the list");
    // The wrapped form of `GET /users/{U}/projects` reads the same.
    let wrapped: ProjectPage = serde_json::from_str(&format!(r#"{{"projects":[{item}]}}"#)).unwrap();
    assert_eq!(wrapped.items[0], page.items[0]);
}

// ----------------------------------------------------------------------------------------
// restapi samples, concrete values

#[test]
fn restapi_bugs_keep_ids_above_2_pow_53() {
    let page: r::BugList = serde_json::from_str(&sample("restapi-bugs-list.json")).unwrap();
    assert_eq!(page.len(), 2);
    let bug = &page.items[0];
    // The JSON number 2447529000000057232 is not representable as f64: going through a
    // float would have changed it.
    let n = bug.id.as_u64().unwrap();
    assert_eq!(n, 2_447_529_000_000_057_232);
    assert!(n > TWO_POW_53);
    assert_ne!(n as f64 as u64, n, "the sample id would not survive f64");
    assert_eq!(bug.id.as_str(), bug.id_string.as_deref().unwrap());
    assert_eq!(serde_json::to_value(&bug.id).unwrap(), json!("2447529000000057232"));
    assert_eq!(bug.assignee_zpuid.as_ref().unwrap(), "2447529000000056484");
    assert_eq!(bug.reporter_id, Some(Zuid::from(869_457_870)));
    assert_eq!(bug.title, "Issue 2");
    assert_eq!(bug.key.as_deref(), Some("SC1-I2"));
    assert_eq!(bug.bug_number, Some(2));
    assert_eq!(bug.has_log_hours, Some(false));
    assert_eq!(bug.closed, Some(false));
    assert_eq!(bug.comment_count, Some(0));
    assert_eq!(page.items[1].comment_count, Some(1));
    assert_eq!(bug.status.as_ref().unwrap().kind.as_deref(), Some("Open"));
    assert_eq!(bug.status.as_ref().unwrap().colorcode.as_deref(), Some("#2cc8ba"));
    assert_eq!(bug.severity.as_ref().unwrap().id.as_ref().unwrap(), "2447529000000054197");
    assert_eq!(bug.module.as_ref().unwrap().name.as_deref(), Some("None"));
    assert_eq!(bug.created_time.as_ref().unwrap().date(), Some(date(2025, 3, 5)));
    assert_eq!(bug.created_time_format.as_ref().unwrap().datetime(), Some(datetime(2025, 3, 5, 11, 49, 8)));
    assert_eq!(bug.created_time_long, Some(1_741_175_348_281));
    // This portal's time zone is UTC: the epoch value and the text agree to the second.
    let at = epoch_ms(bug.created_time_long.unwrap()).unwrap();
    assert_eq!(at.naive_utc().with_nanosecond_zero(), datetime(2025, 3, 5, 11, 49, 8));
    let link = bug.link.as_ref().unwrap();
    assert!(link["self"].url.as_deref().unwrap().ends_with("/bugs/2447529000000057232/"));
    assert!(bug.extra.contains_key("GROUP_NAME"), "unknown keys are kept");
}

trait NanoZero {
    fn with_nanosecond_zero(self) -> Self;
}

impl NanoZero for chrono::NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap()
    }
}

#[test]
fn restapi_portals_both_shapes() {
    let page: r::PortalList = serde_json::from_str(&sample("restapi-portals-list-docsample-2018.json")).unwrap();
    assert_eq!(page.login_id().as_deref(), Some("2060758"));
    let portal = &page.items[0];
    assert_eq!(portal.id, "2063927");
    assert_eq!(portal.default, Some(true));
    let count = portal.project_count.as_ref().unwrap();
    assert_eq!((count.active, count.archived, count.template), (Some(30), Some(1), Some(3)));
    let settings = portal.settings.as_ref().unwrap();
    assert_eq!(settings.date_format.as_deref(), Some("MM-dd-yyyy hh:mm aaa"));
    assert_eq!(portal.locale.as_ref().unwrap().code.as_deref(), Some("en_US"));
    assert_eq!(
        portal.link.as_ref().unwrap()["project"].url.as_deref(),
        Some("https://projectsapi.zoho.com/restapi/portal/2063927/projects")
    );

    let page: r::PortalList = serde_json::from_str(&sample("restapi-portals-list-array-real.json")).unwrap();
    assert_eq!(page.login_id(), None);
    let portal = &page.items[0];
    assert_eq!(portal.id.as_u64(), Some(36_249_008));
    assert_eq!(portal.id_string.as_deref(), Some("36249008"));
    assert_eq!(portal.login_zpuid.as_ref().unwrap(), "685798000014575503");
    assert_eq!(portal.profile_id.as_ref().unwrap(), "685798000005970143");
    assert_eq!(portal.gmt_time_zone_offset, Some(36_000_000));
    assert_eq!(portal.avail_user_count, Some(-1));
    let settings = portal.settings.as_ref().unwrap();
    assert_eq!(settings.working_days.as_ref().unwrap().len(), 5);
    let holidays = settings.holidays.as_ref().unwrap();
    assert_eq!(holidays[0].name.as_deref(), Some("Good Friday"));
    assert_eq!(holidays[0].date.as_ref().unwrap().date(), Some(date(2014, 4, 18)));
}

#[test]
fn restapi_projects_values() {
    let page: r::ProjectList = serde_json::from_str(&sample("restapi-projects-list-real.json")).unwrap();
    assert_eq!(page.len(), 24);
    for p in &page {
        assert_eq!(Some(p.id.as_str()), p.id_string.as_deref(), "{}", p.name);
        assert!(p.id.as_u64().unwrap() > TWO_POW_53);
        assert!(p.link.as_ref().unwrap().contains_key("self"));
    }
    let first = &page.items[0];
    assert_eq!(first.id.as_u64(), Some(669_359_000_005_283_721));
    assert_eq!(first.key.as_deref(), Some("SN-34"));
    assert_eq!(first.project_percent, Some(59.0));
    assert_eq!(first.is_bug_enabled, Some(true));
    assert_eq!(first.owner_id, Some(Zuid::from(686_367_038)));
    assert_eq!(first.custom_field("Software Version"), Some(&json!("")));
    assert_eq!(first.task_count.as_ref().unwrap().closed, Some(49));
    assert_eq!(first.custom_status_name.as_deref(), Some("Active"));
    assert_eq!(first.updated_date_format.as_ref().unwrap().datetime(), Some(datetime(2021, 10, 6, 17, 46, 13)));
    let layouts = first.layout_details.as_ref().unwrap();
    assert_eq!(layouts["task"].id.as_ref().unwrap(), "669359000000205011");
    let completed: Vec<_> = page.iter().filter_map(|p| p.completed_on.as_ref()?.date()).collect();
    assert_eq!(completed, [date(2020, 1, 10)]);
    let grouped: Vec<_> = page.iter().filter_map(|p| p.group_name.as_deref()).collect();
    assert_eq!(grouped.len(), 2);

    let page: r::ProjectList = serde_json::from_str(&sample("restapi-projects-list.json")).unwrap();
    let p = &page.items[0];
    assert_eq!(p.id.as_str(), "170876000003152069");
    assert_eq!(p.status.as_deref(), Some("active"));
    assert_eq!(p.start_date.as_ref().unwrap().date(), Some(date(1969, 12, 31)));
    assert_eq!(p.start_date_long, Some(-32_401_001));
    assert_eq!(p.created_date_long, Some(1_455_621_643_662));
    assert_eq!(p.custom_field("Promos per second"), Some(&json!("2")));
    assert_eq!(p.custom_fields.as_ref().unwrap().len(), 5);
    assert_eq!(p.owner_id, Some(Zuid::from(2_060_758)));
}

#[test]
fn restapi_tasklists_tasks_users_comments() {
    let lists: r::TasklistList = serde_json::from_str(&sample("restapi-tasklists-list-array.json")).unwrap();
    assert_eq!(lists.len(), 5);
    let tl = &lists.items[0];
    assert_eq!(tl.id.as_str(), "685798000011471075");
    assert_eq!(tl.name, "4th Milestone");
    assert_eq!(tl.sequence, Some(5));
    assert_eq!(tl.milestone.as_ref().unwrap().id.as_ref().unwrap(), "685798000000000073");
    assert_eq!(tl.task_count.as_ref().unwrap().open, Some(26));
    assert_eq!(tl.task_count.as_ref().unwrap().closed, None);
    assert_eq!(tl.created_time_format.as_ref().unwrap().datetime(), Some(datetime(2020, 9, 3, 19, 49, 34)));

    let tasks: r::TaskList = serde_json::from_str(&sample("restapi-tasks-list.json")).unwrap();
    let t = &tasks.items[0];
    assert_eq!(t.id, TaskId::from(2_447_529_000_000_057_190));
    assert_eq!(t.name, "Build ADaaS");
    assert_eq!(t.key.as_deref(), Some("SC1-T1"));
    assert_eq!(t.tasklist.as_ref().unwrap().id.as_ref().unwrap(), "2447529000000057188");
    assert_eq!(t.milestone_id.as_ref().unwrap(), "2447529000000000073");
    assert_eq!(t.percent_complete, Some(0.0));
    assert_eq!(t.duration.as_deref(), Some("4"));
    assert_eq!(t.priority.as_deref(), Some("None"));
    assert_eq!(t.status.as_ref().unwrap().kind.as_deref(), Some("open"));
    let owner = &t.details.as_ref().unwrap().owners[0];
    assert_eq!(owner.zpuid.as_ref().unwrap(), "2447529000000054003");
    assert_eq!(owner.id, Some(Zuid::from(869_457_870)));
    assert_eq!(owner.work.as_deref(), Some("00:00"));
    assert_eq!(t.start_date.as_ref().unwrap().date(), Some(date(2025, 3, 5)));
    assert_eq!(t.end_date_format.as_ref().unwrap().datetime(), Some(datetime(2025, 3, 8, 0, 0, 0)));
    assert_eq!(t.log_hours.as_ref().unwrap().billable_hours.as_deref(), Some("0.0"));

    let users: r::ProjectUserList = serde_json::from_str(&sample("restapi-project-users-list.json")).unwrap();
    let roles: Vec<_> = users.iter().map(|u| u.role.as_deref().unwrap()).collect();
    assert_eq!(roles, ["admin", "Manager", "Employee"]);
    assert_eq!(users.items[1].zpuid.as_ref().unwrap(), "2447529000000057248");
    assert_eq!(users.items[1].id, Some(Zuid::from(869_454_928)));
    assert!(users.iter().all(|u| u.active == Some(true)));

    let bug_comments: r::CommentList = serde_json::from_str(&sample("restapi-bug-comments-list.json")).unwrap();
    let c = &bug_comments.items[0];
    assert_eq!(c.text(), Some("<div>hiii</div>"));
    assert_eq!(c.id.as_ref().unwrap(), "XXXXXXXXXXXXXXX", "masked ids are kept as text");
    assert_eq!(c.project.as_ref().unwrap().name.as_deref(), Some("scooby"));
    assert_eq!(c.created_time_long, Some(1_741_246_145_780));

    let task_comments: r::CommentList = serde_json::from_str(&sample("restapi-task-comments-list.json")).unwrap();
    let c = &task_comments.items[0];
    assert_eq!(c.id, None);
    assert_eq!(c.text(), Some("<div>heylo</div>"));
    assert_eq!(c.extra.get("commentdvt_id"), Some(&json!("XXXXXXXXXXXXXXX")));
    assert_eq!(c.created_time_format.as_ref().unwrap().datetime(), Some(datetime(2025, 3, 6, 7, 30, 18)));
}

#[test]
fn us_date_formats() {
    assert_eq!(UsDate::from("01-14-2011 12:00 AM").datetime(), Some(datetime(2011, 1, 14, 0, 0, 0)));
    assert_eq!(UsDate::from("01-14-2011 01:05 PM").datetime(), Some(datetime(2011, 1, 14, 13, 5, 0)));
    assert_eq!(UsDate::from("03-06-2025 07:29:05 PM").datetime(), Some(datetime(2025, 3, 6, 19, 29, 5)));
    assert_eq!(UsDate::from("02-16-2016").datetime(), Some(datetime(2016, 2, 16, 0, 0, 0)));
    assert_eq!(UsDate::from("02-16-2016").date(), Some(date(2016, 2, 16)));
    // Month first: 13 is not a month.
    assert_eq!(UsDate::from("13-01-2016").date(), None);
    assert_eq!(UsDate::from("2016-02-16").date(), None);
    assert_eq!(UsDate::from("02-16-2016").to_string(), "02-16-2016");
}

// ----------------------------------------------------------------------------------------
// Request bodies

fn body(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn new_task_minimal_shape() {
    let text = serde_json::to_string(&NewTask::new("Fix login").tasklist("1817452000000012345")).unwrap();
    assert_eq!(text, r#"{"name":"Fix login","tasklist":{"id":"1817452000000012345"}}"#);
    assert_eq!(serde_json::to_string(&NewTask::new("x")).unwrap(), r#"{"name":"x"}"#);
}

#[test]
fn new_task_full_shape() {
    let start = Utc.with_ymd_and_hms(2026, 7, 22, 0, 0, 0).unwrap();
    let task = NewTask::new("Deploy")
        .tasklist(zoho_projects::ids::TasklistId::from("1817452000000012345"))
        .description("<div>ship it</div>")
        .start_date(start)
        .end_date(start + chrono::Duration::days(3) + chrono::Duration::milliseconds(250))
        .priority(Priority::High)
        .status("1817452000000016068")
        .owners_and_work(OwnersAndWork::standard_hours(
            "96:00",
            vec![OwnerWork::with_work("1817452000001766029", "96:00")],
        ))
        .completion_percentage(10)
        .billing_type(zoho_projects::model::BillingType::NonBillable)
        .milestone("1817452000000099999")
        .tags(["1817452000000077777"])
        .custom_field("area_tecnica", "BACKEND")
        .custom_field("revisor", json!({"zpuid": "1817452000000037003"}));
    assert_eq!(
        body(&task),
        json!({
            "name": "Deploy",
            "tasklist": {"id": "1817452000000012345"},
            "description": "<div>ship it</div>",
            "start_date": "2026-07-22T00:00:00.000Z",
            "end_date": "2026-07-25T00:00:00.250Z",
            "priority": "high",
            "status": {"id": "1817452000000016068"},
            "owners_and_work": {
                "work_type": "standard",
                "unit": "hours",
                "total_work": "96:00",
                "owners": [{"zpuid": "1817452000001766029", "work_values": "96:00"}]
            },
            "completion_percentage": 10,
            "billing_type": "non_billable",
            "milestone": {"id": "1817452000000099999"},
            "tags": [{"id": "1817452000000077777"}],
            "area_tecnica": "BACKEND",
            "revisor": {"zpuid": "1817452000000037003"}
        })
    );
}

#[test]
fn owners_and_work_is_an_object() {
    let v = body(&OwnersAndWork::owners(["1", "2"]));
    assert_eq!(v, json!({"owners": [{"zpuid": "1"}, {"zpuid": "2"}]}));
}

#[test]
fn priority_lowercase_and_tolerant_reading() {
    let all = [Priority::None, Priority::Low, Priority::Medium, Priority::High];
    assert_eq!(body(&all), json!(["none", "low", "medium", "high"]));
    let read: Vec<Priority> =
        serde_json::from_value(json!(["None", "HIGH", "medium", {"name": "Low", "id": "1"}])).unwrap();
    assert_eq!(read, [Priority::None, Priority::High, Priority::Medium, Priority::Low]);
    assert!(serde_json::from_value::<Priority>(json!("urgent")).is_err());
}

#[test]
fn task_update_sends_only_what_is_set() {
    assert_eq!(body(&TaskUpdate::new()), json!({}));
    assert_eq!(
        body(&TaskUpdate::new().priority(Priority::Low).is_completed(true).tasklist("9")),
        json!({"priority": "low", "tasklist": {"id": "9"}, "is_completed": true})
    );
}

#[test]
fn project_bodies() {
    let p = NewProject::new("Website")
        .start_date(date(2026, 3, 30))
        .end_date(date(2026, 6, 30))
        .project_type(ProjectType::Active)
        .owner("1817452000001766029")
        .layout("1817452000000020008")
        .is_public_project(false)
        .custom_field("projects_cf_0002", "blue");
    assert_eq!(
        body(&p),
        json!({
            "name": "Website",
            "start_date": "2026-03-30",
            "end_date": "2026-06-30",
            "project_type": "active",
            "owner": {"zpuid": "1817452000001766029"},
            "is_public_project": false,
            "layout": {"id": "1817452000000020008"},
            "projects_cf_0002": "blue"
        })
    );
    let u = ProjectUpdate::new().project_type(ProjectType::Archived).status("1817452000000020089");
    assert_eq!(body(&u), json!({"project_type": "archived", "status": {"id": "1817452000000020089"}}));
}

#[test]
fn tasklist_comment_milestone_bodies() {
    let tl = NewTasklist::new("Sprint 4").flag(Flag::External).milestone("1817452000000099999");
    assert_eq!(body(&tl), json!({"name": "Sprint 4", "flag": "external", "milestone": {"id": "1817452000000099999"}}));
    assert_eq!(body(&NewComment::new("<p>done</p>")), json!({"comment": "<p>done</p>"}));
    assert_eq!(
        body(&NewComment::new("x").attachment_ids(["11", "12"])),
        json!({"comment": "x", "attachment_ids": ["11", "12"]})
    );
    let m = NewMilestone::new("Phase 1")
        .start_date(date(2026, 7, 1))
        .end_date(date(2026, 7, 31))
        .flag(Flag::Internal)
        .owner_zpuid("1817452000001766029")
        .tag_ids(vec!["1".into(), "2".into()]);
    assert_eq!(
        body(&m),
        json!({
            "name": "Phase 1",
            "start_date": "07-01-2026",
            "end_date": "07-31-2026",
            "owner_zpuid": "1817452000001766029",
            "flag": "internal",
            "tagIds": "1,2"
        })
    );
}

#[test]
fn issue_bodies_capitalise_flag() {
    let i = NewIssue::new("Crash on save")
        .flag(Flag::External)
        .due_date(date(2026, 8, 1))
        .assignee("1817452000001766029")
        .severity("1817452000000054197")
        .classification("1817452000000054018");
    assert_eq!(
        body(&i),
        json!({
            "name": "Crash on save",
            "flag": "External",
            "due_date": "2026-08-01",
            "assignee": {"zpuid": "1817452000001766029"},
            "severity": {"id": "1817452000000054197"},
            "classification": {"id": "1817452000000054018"}
        })
    );
    assert_eq!(body(&zoho_projects::model::IssueUpdate::new().flag(Flag::Internal)), json!({"flag": "Internal"}));
}

#[test]
fn timelog_bodies() {
    let log = NewTimeLog::new(LogModule::task(TaskId::from("1817452000000011111")), date(2026, 7, 22), "02:30")
        .bill_status(BillStatus::NonBillable)
        .log_name("Review")
        .notes("PR 42");
    assert_eq!(
        body(&log),
        json!({
            "module": {"type": "task", "id": "1817452000000011111"},
            "date": "2026-07-22",
            "hours": "02:30",
            "bill_status": "Non Billable",
            "log_name": "Review",
            "notes": "PR 42"
        })
    );
    let general = NewTimeLog::new(LogModule::general(), date(2026, 7, 22), NewTimeLog::hours_minutes(1, 5));
    assert_eq!(body(&general), json!({"module": {"type": "general"}, "date": "2026-07-22", "hours": "01:05"}));
    let issue = LogModule::issue(IssueId::from(2_447_529_000_000_057_232));
    assert_eq!(body(&issue), json!({"type": "issue", "id": "2447529000000057232"}));
    let update = TimeLogUpdate::new(LogModule::general()).bill_status(BillStatus::Billable);
    assert_eq!(body(&update), json!({"module": {"type": "general"}, "bill_status": "Billable"}));
}

// ----------------------------------------------------------------------------------------
// Envelopes and pagination

#[test]
fn page_info_object_with_string_numbers() {
    let page: TaskPage = serde_json::from_value(json!({
        "tasks": [],
        "page_info": {"page": "2", "per_page": "50", "has_next_page": true}
    }))
    .unwrap();
    assert!(page.is_empty());
    let info = page.page_info.as_ref().unwrap();
    assert_eq!((info.page, info.per_page, info.has_next_page), (Some(2), Some(50), Some(true)));
    assert!(page.has_next_page(50), "has_next_page wins over the row count");

    let page: TaskPage = serde_json::from_value(json!({
        "tasks": [{"id": "1", "name": "a"}],
        "page_info": {"page": 3, "per_page": 1, "has_next_page": false}
    }))
    .unwrap();
    assert!(!page.has_next_page(1), "has_next_page=false ends even a full page");

    // `has_more_page` (one third-party schema) is honoured when `has_next_page` is absent.
    let page: TaskPage = serde_json::from_value(json!({
        "tasks": [], "page_info": {"page": 1, "per_page": 10, "has_more_page": true}
    }))
    .unwrap();
    assert!(page.has_next_page(10));
}

#[test]
fn page_info_as_one_element_array() {
    let page: MilestonePage = serde_json::from_value(json!({
        "milestones": [
            {"id": "1817452000000099999", "name": "Phase 1", "start_date": "07-01-2026",
             "end_date": "2026-07-31", "flag": "internal",
             "status": {"id": "5", "name": "Active", "is_closed_type": false},
             "owner": {"zpuid": "1817452000001766029", "name": "Person"}},
            {"id": "2", "name": "Phase 2", "start_date": "07/01/2026",
             "end_date": "2026-07-31T00:00:00.000Z", "status": "notcompleted", "flag": "External"}
        ],
        "page_info": [{"page": 1, "per_page": 10, "has_next_page": false}]
    }))
    .unwrap();
    assert_eq!(
        page.page_info,
        Some(PageInfo { page: Some(1), per_page: Some(10), has_next_page: Some(false), extra: Default::default() })
    );
    let m: &Milestone = &page.items[0];
    assert_eq!(m.start_date, Some(date(2026, 7, 1)));
    assert_eq!(m.end_date, Some(date(2026, 7, 31)));
    assert_eq!(m.status.as_ref().and_then(StatusValue::name), Some("Active"));
    assert_eq!(page.items[1].start_date, Some(date(2026, 7, 1)));
    assert_eq!(page.items[1].end_date, Some(date(2026, 7, 31)));
    assert_eq!(page.items[1].status, Some(StatusValue::Name("notcompleted".into())));
    assert_eq!(page.items[1].flag, Some(Flag::External));
    // Serialized back as an object, and read again to the same value.
    let out = serde_json::to_value(&page).unwrap();
    assert!(out["page_info"].is_object());
    assert_eq!(serde_json::from_value::<MilestonePage>(out).unwrap(), page);
}

#[test]
fn page_requires_its_list_key_and_keeps_other_keys() {
    let err = serde_json::from_value::<TaskPage>(json!({"issues": []})).unwrap_err();
    assert!(err.to_string().contains("tasks"), "{err}");
    let page: TaskPage = serde_json::from_value(json!({"tasks": null, "total": 7})).unwrap();
    assert!(page.is_empty());
    assert_eq!(page.extra.get("total"), Some(&json!(7)));
}

#[test]
fn v3_task_decodes_documented_fields() {
    let v = json!({
        "id": "1817452000000011111",
        "name": "Deploy",
        "prefix": "VO-T12",
        "project": {"id": "1817452000006072671", "name": "CEO Project"},
        "tasklist": {"id": "1817452000000012345", "name": "General"},
        "status": {"id": "1817452000000016068", "name": "Open", "color_hexcode": "#74cb80", "is_closed_type": false},
        "priority": "high",
        "start_date": "2026-07-22T00:00:00.000Z",
        "end_date": "2026-07-25T10:30:00+05:30",
        "created_time": "2026-03-30T07:58:19.896Z",
        "duration": {"value": "5", "type": "days"},
        "log_hours": {"billable_hours": "1:30", "non_billable_hours": "0:00", "total_hours": "1:30"},
        "owners_and_work": {
            "work_type": "flexible", "unit": "hours",
            "owners": [
                {"zpuid": "1817452000001766029", "name": "Person", "work_values": "96:00", "zuid": 854660304},
                {"zpuid": "1817452000000037003", "work_values": [{"date": "2026-07-22", "value": "8:00"}]}
            ]
        },
        "milestone": {"id": "1817452000000099999", "name": "Phase 1"},
        "parent_task": {"id": "1817452000000010000", "name": "Epic"},
        "depth": 1,
        "is_parent": false,
        "completion_percentage": "40",
        "tags": [{"id": "1817452000000077777", "name": "urgent", "color_class": "bg-tag17"}],
        "area_tecnica": "BACKEND"
    });
    let task: Task = decode("v3 task", &v.to_string());
    assert_eq!(task.prefix.as_deref(), Some("VO-T12"));
    assert_eq!(task.priority, Some(Priority::High));
    assert_eq!(task.end_date, Some(Utc.with_ymd_and_hms(2026, 7, 25, 5, 0, 0).unwrap()));
    assert_eq!(task.duration.as_ref().unwrap().unit.as_deref(), Some("days"));
    let owners = &task.owners_and_work.as_ref().unwrap().owners;
    assert_eq!(owners.len(), 2);
    assert!(matches!(&owners[0].work_values, Some(zoho_projects::model::WorkValues::Total(t)) if t == "96:00"));
    assert!(matches!(&owners[1].work_values, Some(zoho_projects::model::WorkValues::PerDate(d)) if d.len() == 1));
    assert_eq!(task.parent_task.as_ref().unwrap().id.as_ref().unwrap(), "1817452000000010000");
    assert_eq!(task.depth, Some(1));
    assert_eq!(task.completion_percentage, Some(40.0));
    assert_eq!(task.tags.as_ref().unwrap()[0].name.as_deref(), Some("urgent"));
    assert_eq!(task.extra.get("area_tecnica"), Some(&json!("BACKEND")));

    // Times as epoch milliseconds (number or text) read too.
    let t: Task = serde_json::from_value(json!({"id": "1", "name": "x",
        "created_time": "1741175348281", "modified_time": 1741175348281_i64}))
    .unwrap();
    let at = Utc.with_ymd_and_hms(2025, 3, 5, 11, 49, 8).unwrap() + chrono::Duration::milliseconds(281);
    assert_eq!((t.created_time, t.modified_time), (Some(at), Some(at)));
    assert!(serde_json::from_value::<Task>(json!({"id": "1", "created_time": "yesterday"})).is_err());
}

#[test]
fn single_object_envelopes() {
    let details = json!({"id": "123456789", "name": "acme", "org_name": "Acme Inc.",
                         "owner": {"full_name": "Person"}, "timezone": "Europe/Berlin"});
    let wrapped: Single<PortalDetails> = serde_json::from_value(json!({"portal_details": details})).unwrap();
    let bare: Single<PortalDetails> = serde_json::from_value(details.clone()).unwrap();
    assert_eq!(wrapped, bare);
    assert_eq!(wrapped.0.id, "123456789");
    assert_eq!(wrapped.0.org_name.as_deref(), Some("Acme Inc."));
    let envelope: zoho_projects::model::PortalDetailsResponse =
        serde_json::from_value(json!({"portal_details": details})).unwrap();
    assert_eq!(envelope.portal_details, wrapped.into_inner());

    // A comment POST answers with a bare array.
    let c: Single<Comment> = serde_json::from_value(json!([{"id": "42", "comment": "<p>hi</p>",
        "created_time": "2026-03-30T07:58:19.896Z"}]))
    .unwrap();
    assert_eq!(c.0.id, "42");
    assert_eq!(c.0.text(), Some("<p>hi</p>"));
    // An object with a single unrelated key is the object itself, not a wrapper, and so is
    // a one-key object whose key holds a scalar.
    assert!(serde_json::from_value::<Single<Comment>>(json!({"id": "7"})).is_ok());
    let err = serde_json::from_value::<Single<Comment>>(json!({"comment": "<p>x</p>"})).unwrap_err();
    assert!(err.to_string().contains("id"), "read as a comment missing its id: {err}");
    // A restapi "get" answers with a one-element list.
    let task: Single<r::Task> = serde_json::from_str(&sample("restapi-tasks-list.json")).unwrap();
    assert_eq!(task.0.name, "Build ADaaS");
    assert!(serde_json::from_value::<Single<Comment>>(json!([])).is_err());
}

#[test]
fn timelog_groups() {
    let page: TimeLogPage = serde_json::from_value(json!({
        "time_logs": [{
            "date": "2026-07-22",
            "total_hours": "03:30",
            "log_details": [
                {"id": "1817452000000055555", "log_name": "Review", "hours": "02:30",
                 "date": "2026-07-22", "bill_status": "Billable",
                 "module": {"type": "task", "id": "1817452000000011111", "name": "Deploy"}},
                {"id": "1817452000000055556", "hours": "01:00", "log_notes": "call",
                 "module": {"type": "general"}}
            ]
        }],
        "page_info": {"page": 1, "per_page": 200, "has_next_page": false}
    }))
    .unwrap();
    let group = &page.items[0];
    assert_eq!(group.date, Some(date(2026, 7, 22)));
    assert_eq!(group.extra.get("total_hours"), Some(&json!("03:30")));
    let log = &group.log_details[0];
    assert_eq!(log.id, "1817452000000055555");
    assert_eq!(log.hours.as_deref(), Some("02:30"));
    assert_eq!(log.module.as_ref().unwrap().id.as_deref(), Some("1817452000000011111"));
    assert_eq!(group.log_details[1].module, Some(LogModule::general()));
    assert_eq!(group.log_details[1].extra.get("log_notes"), Some(&json!("call")));
    let ids: Vec<&str> = page.logs().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["1817452000000055555", "1817452000000055556"]);
}

#[test]
fn search_results_by_module() {
    let v = json!({
        "tasks": [{"id": "1", "name": "Deploy docs", "priority": "low"}],
        "issues": [{"id": "2", "name": "Docs typo", "flag": "Internal",
                    "status": {"id": "3", "name": "Open", "is_closed_type": false}}],
        "milestones": []
    });
    let found: zoho_projects::model::SearchResults = decode("search", &v.to_string());
    assert_eq!(found.len(), 2);
    assert_eq!(found.tasks.as_ref().unwrap()[0].priority, Some(Priority::Low));
    assert_eq!(found.issues.as_ref().unwrap()[0].flag, Some(Flag::Internal));
    assert_eq!(found.projects, None);
    assert_eq!(found.milestones.as_deref(), Some(&[][..]));
}

// ----------------------------------------------------------------------------------------
// Ids

#[test]
fn ids_from_numbers_and_strings_are_exact_and_equal() {
    let from_number: TaskId = serde_json::from_str("2447529000000057232").unwrap();
    let from_string: TaskId = serde_json::from_str(r#""2447529000000057232""#).unwrap();
    assert_eq!(from_number, from_string);
    assert_eq!(from_number.as_str(), "2447529000000057232");
    assert_eq!(from_number, TaskId::from(2_447_529_000_000_057_232_u64));
    assert_eq!(serde_json::to_string(&from_number).unwrap(), r#""2447529000000057232""#);
    // u64::MAX and negative integers too.
    let max: ProjectId = serde_json::from_str("18446744073709551615").unwrap();
    assert_eq!(max.as_u64(), Some(u64::MAX));
    let neg: ProjectId = serde_json::from_str("-1").unwrap();
    assert_eq!(neg.as_str(), "-1");
    // Floats (already rounded) and integers beyond u64 (parsed as floats) are refused.
    assert!(serde_json::from_str::<TaskId>("2.447529e18").is_err());
    assert!(serde_json::from_str::<TaskId>("99999999999999999999999").is_err());
    assert!(serde_json::from_str::<TaskId>("true").is_err());
    assert!(serde_json::from_str::<TaskId>(r#""""#).is_err());
}

#[test]
fn ids_parse_display_debug() {
    let id: UserId = "1817452000001766029".parse().unwrap();
    assert_eq!(id.to_string(), "1817452000001766029");
    assert_eq!(format!("{id:?}"), "UserId(1817452000001766029)");
    assert_eq!(String::from(id.clone()), "1817452000001766029");
    for bad in ["", "12/34", "12 34", "1?x", "1#", "%2F", "a\\b", "1\n"] {
        let err = bad.parse::<UserId>().unwrap_err();
        assert_eq!(err.kind(), "UserId", "{bad:?}");
    }
    // Masked and named ids are opaque text.
    assert_eq!("XXXXXXXXX".parse::<UserId>().unwrap().as_u64(), None);
    assert!(serde_json::from_str::<UserId>(r#""a/b""#).is_err(), "deserialization validates too");
}

#[test]
fn zuid_serializes_as_number_when_numeric() {
    let z: Zuid = serde_json::from_str(r#""854660304""#).unwrap();
    assert_eq!(serde_json::to_value(&z).unwrap(), json!(854_660_304));
    let masked = Zuid::from("XXXXXXXXX");
    assert_eq!(serde_json::to_value(&masked).unwrap(), json!("XXXXXXXXX"));
    let from_number: Zuid = serde_json::from_value(json!(854_660_304)).unwrap();
    assert_eq!(from_number, z);
}

#[test]
fn an_empty_answer_is_an_empty_page() {
    // The client decodes an empty body (HTTP 204) from JSON `null`.
    let page: zoho_projects::model::Page<zoho_projects::model::Task> = serde_json::from_str("null").expect("null");
    assert!(page.items.is_empty());
    assert!(!page.has_next_page(100));
}
