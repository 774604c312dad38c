//! Every V3 endpoint (and the restapi subset) end to end against the sandbox: real HTTP, a token
//! minted as in Zoho's API console, the typed answers decoded from the sandbox's real output, and
//! each endpoint's documented errors arriving as typed Zoho errors.

#[path = "../../tests/tests/common/console.rs"]
mod console;
use console::console_token;

use std::fmt::Debug;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use futures::TryStreamExt;
use zoho_projects::Error;
use zoho_projects::model::{
    BillStatus, Flag, IssueUpdate, LogModule, LogModuleType, MilestoneUpdate, NewComment, NewIssue, NewMilestone,
    NewProject, NewTask, NewTasklist, NewTimeLog, OwnerWork, OwnersAndWork, Priority, ProjectType, ProjectUpdate,
    TaskUpdate, TasklistUpdate, TimeLogUpdate,
};
use zoho_projects::paginate::Paginate;
use zoho_projects::prelude::*;
use zoho_projects::v3::{issues, milestones, portals, projects, search, tags, tasklists, tasks, timelogs, users};
use zoho_projects::{ApiError, ZohoError};
use zoho_sandbox::{Dc, DemoPortal, Sandbox};

const SCOPES: [&str; 10] = [
    "ZohoProjects.portals.READ",
    "ZohoProjects.projects.ALL",
    "ZohoProjects.tasklists.ALL",
    "ZohoProjects.tasks.ALL",
    "ZohoProjects.milestones.ALL",
    "ZohoProjects.bugs.ALL",
    "ZohoProjects.users.READ",
    "ZohoProjects.timesheets.ALL",
    "ZohoProjects.search.READ",
    "ZohoProjects.tags.ALL",
];

scope_set! {
    struct Everything = [
        "ZohoProjects.portals.READ", "ZohoProjects.projects.ALL", "ZohoProjects.tasklists.ALL",
        "ZohoProjects.tasks.ALL", "ZohoProjects.milestones.ALL", "ZohoProjects.bugs.ALL",
        "ZohoProjects.users.READ", "ZohoProjects.timesheets.ALL", "ZohoProjects.search.READ",
        "ZohoProjects.tags.ALL",
    ];
    struct SearchOnly = ["ZohoProjects.search.READ"];
}

/// A fresh sandbox (its own data, Zoho's limits: the strict default), a client for it and the
/// demo portal's ids.
async fn setup() -> (Sandbox, Client<Everything>, DemoPortal) {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &SCOPES).await;
    let token =
        Token::<Everything>::from_console(&access, &SCOPES.join(","), Duration::from_secs(3600)).expect("token");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).expect("client");
    let demo = sb.demo_portal(Dc::Us);
    (sb, client, demo)
}

/// The Zoho error of a failed call.
fn api_err<T: Debug>(r: Result<T, Error>) -> ApiError {
    match r {
        Err(Error::Api(e)) => e,
        other => panic!("expected a Zoho error, got {other:?}"),
    }
}

/// Asserts a V3 error: HTTP status, `title`, and the field named in `details`.
fn assert_v3<T: Debug>(r: Result<T, Error>, status: u16, title: &str, field: Option<&str>) -> ApiError {
    let e = api_err(r);
    assert_eq!(e.status, status, "{e}");
    match &e.zoho {
        ZohoError::V3 { title: t, details, .. } => {
            assert_eq!(t, title, "{e}");
            if let Some(field) = field {
                assert!(details.iter().any(|d| d.field_name.as_deref() == Some(field)), "{e}: no field {field}");
            }
        }
        other => panic!("expected a V3 error, got {other:?}"),
    }
    assert!(!e.meaning().is_empty());
    e
}

/// The last request the sandbox saw whose path contains `needle`.
fn last_seen(sb: &Sandbox, needle: &str) -> String {
    sb.requests_seen().iter().rev().find(|r| r.path_and_query.contains(needle)).expect("seen").path_and_query.clone()
}

#[tokio::test]
async fn portals_and_projects() {
    let (sb, client, demo) = setup().await;
    let p = demo.id.as_str();

    let list = client.send(portals::ListPortals).await.expect("portals");
    assert!(list.iter().any(|x| x.id == p), "{list:?}");
    let details = client.send(portals::GetPortal::new(p)).await.expect("portal").into_inner();
    assert_eq!(details.id, p);
    assert!(details.name.is_some() && details.owner.is_some(), "{details:?}");
    assert_v3(
        client.send(portals::GetPortal::new("999999999")).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("portal_id"),
    );

    // List (a bare array), with and without the status filter; the query is what Zoho expects.
    let all = client.send(projects::ListProjects::new(p)).await.expect("projects");
    assert_eq!(all.len(), demo.projects.len());
    assert!(all.page_info.is_none(), "projects come as a bare array");
    let active = client
        .send(projects::ListProjects::new(p).status(projects::ProjectStatus::Active).per_page(50))
        .await
        .expect("active");
    assert_eq!(active.len(), all.len());
    assert!(last_seen(&sb, "/projects?").ends_with("/projects?status=active&per_page=50"));
    let none = client.send(projects::ListProjects::new(p).status(projects::ProjectStatus::Template)).await.expect("t");
    assert!(none.is_empty());

    let first = &demo.projects[0];
    let got = client.send(projects::GetProject::new(p, first.id.as_str())).await.expect("project");
    assert_eq!((got.id.as_str(), got.name.as_str()), (first.id.as_str(), first.name.as_str()));
    assert!(got.owner.is_some() && got.status.is_some() && got.created_time.is_some(), "{got:?}");
    assert_v3(
        client.send(projects::GetProject::new(p, "1000000000000000001")).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("project_id"),
    );
    // A hostile id cannot escape its path segment: it is percent-encoded and lands on no route.
    assert_v3(client.send(projects::GetProject::new(p, "1/trash")).await, 400, "INVALID_PARAMETER_VALUE", None);

    // Create (201), duplicate, unknown key, bad value; update; trash (POST …/trash, 204).
    let body = NewProject::new("Endpoint test").description("<p>made by a test</p>").project_type(ProjectType::Active);
    let created = client.send(projects::CreateProject::new(p, body.clone())).await.expect("create");
    assert_eq!(created.name, "Endpoint test");
    assert_eq!(created.description.as_deref(), Some("<p>made by a test</p>"));
    assert_v3(client.send(projects::CreateProject::new(p, body)).await, 400, "INVALID_OPERATION", None);
    assert_v3(
        client.send(projects::CreateProject::new(p, NewProject::new("Extra").custom_field("bogus", 1))).await,
        400,
        "EXTRA_KEY_FOUND_IN_JSON",
        Some("bogus"),
    );
    let bad_dates = NewProject::new("Backwards")
        .start_date(NaiveDate::from_ymd_opt(2026, 5, 2).expect("date"))
        .end_date(NaiveDate::from_ymd_opt(2026, 5, 1).expect("date"));
    assert_v3(
        client.send(projects::CreateProject::new(p, bad_dates)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("end_date"),
    );

    let renamed = client
        .send(projects::UpdateProject::new(p, created.id.clone(), ProjectUpdate::new().name("Renamed")))
        .await
        .expect("update");
    assert_eq!((renamed.id.as_str(), renamed.name.as_str()), (created.id.as_str(), "Renamed"));
    client.send(projects::TrashProject::new(p, created.id.clone())).await.expect("trash");
    assert_v3(
        client.send(projects::GetProject::new(p, created.id.clone())).await,
        400,
        "INVALID_PARAMETER_VALUE",
        None,
    );
    assert_v3(client.send(projects::TrashProject::new(p, created.id)).await, 400, "INVALID_PARAMETER_VALUE", None);
    sb.shutdown().await;
}

#[tokio::test]
async fn tasklists() {
    let (sb, client, demo) = setup().await;
    let (p, pr) = (demo.id.as_str(), &demo.projects[0]);

    let list = client.send(tasklists::ListTasklists::new(p, pr.id.as_str())).await.expect("tasklists");
    assert_eq!(list.len(), pr.tasklists.len());
    assert_eq!(list.page_info.as_ref().and_then(|i| i.has_next()), Some(false));
    let all = client.send(tasklists::ListAllTasklists::new(p).per_page(200)).await.expect("all");
    let seeded: usize = demo.projects.iter().map(|x| x.tasklists.len()).sum();
    assert_eq!(all.len(), seeded);
    let internal = client.send(tasklists::ListTasklists::new(p, pr.id.as_str()).flag("internal")).await.expect("flag");
    assert!(internal.iter().all(|t| t.flag == Some(Flag::Internal)));

    let one =
        client.send(tasklists::GetTasklist::new(p, pr.id.as_str(), pr.tasklists[0].as_str())).await.expect("tasklist");
    assert_eq!(one.id, pr.tasklists[0].as_str());
    assert_v3(
        client.send(tasklists::GetTasklist::new(p, pr.id.as_str(), "42")).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("tasklist_id"),
    );

    let body = NewTasklist::new("Sprint 9").flag(Flag::External).milestone(pr.milestones[0].as_str());
    let created = client.send(tasklists::CreateTasklist::new(p, pr.id.as_str(), body)).await.expect("create");
    assert_eq!(created.name, "Sprint 9");
    assert_eq!(created.flag, Some(Flag::External));
    assert_eq!(
        created.milestone.as_ref().and_then(|m| m.id.as_ref()).map(|i| i.as_str()),
        Some(pr.milestones[0].as_str())
    );
    assert_v3(
        client.send(tasklists::CreateTasklist::new(p, pr.id.as_str(), NewTasklist::new("  "))).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("name"),
    );
    assert_v3(
        client.send(tasklists::CreateTasklist::new(p, pr.id.as_str(), NewTasklist::new("x").milestone("7"))).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("milestone"),
    );

    let updated = client
        .send(tasklists::UpdateTasklist::new(
            p,
            pr.id.as_str(),
            created.id.clone(),
            TasklistUpdate::new().name("Sprint 10").flag(Flag::Internal),
        ))
        .await
        .expect("update");
    assert_eq!((updated.name.as_str(), updated.flag), ("Sprint 10", Some(Flag::Internal)));
    client.send(tasklists::DeleteTasklist::new(p, pr.id.as_str(), created.id.clone())).await.expect("delete");
    assert_v3(
        client.send(tasklists::DeleteTasklist::new(p, pr.id.as_str(), created.id)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("tasklist_id"),
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn tasks_and_task_comments() {
    let (sb, client, demo) = setup().await;
    let (p, pr) = (demo.id.as_str(), &demo.projects[0]);
    let pid = pr.id.as_str();

    let list = client.send(tasks::ListTasks::new(p, pid).page(1).per_page(100)).await.expect("tasks");
    assert_eq!(list.len(), pr.tasks.len());
    assert!(list.iter().any(|t| t.parent_task.is_some()), "the seeded subtask shows with its parent");
    assert!(last_seen(&sb, "/tasks?").ends_with("/tasks?page=1&per_page=100"));
    let in_list = client.send(tasks::ListTasklistTasks::new(p, pid, pr.tasklists[0].as_str())).await.expect("tl tasks");
    assert!(
        in_list
            .iter()
            .all(|t| t.tasklist.as_ref().and_then(|r| r.id.as_ref()) == Some(&pr.tasklists[0].as_str().into()))
    );
    let portal_wide = client.send(tasks::ListPortalTasks::new(p)).await.expect("portal tasks");
    assert_eq!(portal_wide.len(), demo.projects.iter().map(|x| x.tasks.len()).sum::<usize>());
    let mine: Vec<_> = client.paginate(tasks::ListMyTasks::new(p)).try_collect().await.expect("my tasks");
    // The demo user (the first of the four seeded people) owns the 1st and 5th task of each of the
    // two demo projects (owners go round the four people); the subtasks are someone else's.
    assert_eq!(mine.len(), 4, "{mine:?}");
    let portal_ids: std::collections::HashSet<_> = portal_wide.iter().map(|t| t.id.clone()).collect();
    assert!(mine.iter().all(|t| portal_ids.contains(&t.id)));

    let users = client.send(users::ListProjectUsers::new(p, pid)).await.expect("users");
    let owner = users.items[1].zpuid.clone().expect("zpuid");
    let start = Utc.with_ymd_and_hms(2026, 7, 22, 0, 0, 0).single().expect("time");
    let body = NewTask::new("Write the endpoint layer")
        .tasklist(pr.tasklists[1].as_str())
        .priority(Priority::High)
        .description("<div>typed</div>")
        .start_date(start)
        .end_date(start + chrono::Duration::days(3))
        .owners_and_work(OwnersAndWork::standard_hours("16:00", vec![OwnerWork::with_work(owner.clone(), "16:00")]))
        .custom_field("cf_area", "BACKEND");
    let task = client.send(tasks::CreateTask::new(p, pid, body)).await.expect("create");
    assert_eq!(task.name, "Write the endpoint layer");
    assert_eq!(task.priority, Some(Priority::High));
    assert_eq!(task.start_date, Some(start));
    assert_eq!(task.tasklist.as_ref().and_then(|r| r.id.as_ref()).map(|i| i.as_str()), Some(pr.tasklists[1].as_str()));
    let owners = task.owners_and_work.as_ref().map(|o| o.owners.clone()).unwrap_or_default();
    assert!(owners.iter().any(|o| o.zpuid.as_ref() == Some(&owner)), "{owners:?}");
    assert!(task.prefix.is_some());

    // Documented refusals.
    assert_v3(
        client.send(tasks::CreateTask::new(p, pid, NewTask::new("x").custom_field("assignees", "me"))).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("assignees"),
    );
    assert_v3(
        client
            .send(tasks::CreateTask::new(
                p,
                pid,
                NewTask::new("x").custom_field("owners_and_work", serde_json::json!([])),
            ))
            .await,
        400,
        "JSON_PARSE_ERROR",
        None,
    );
    assert_v3(
        client.send(tasks::CreateTask::new(p, pid, NewTask::new("x").tasklist("12345"))).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("tasklist"),
    );
    assert_v3(
        client.send(tasks::CreateTask::new(p, pid, NewTask::new("x").status("1"))).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("status"),
    );

    let got = client.send(tasks::GetTask::new(p, pid, task.id.clone())).await.expect("get");
    assert_eq!(got.id, task.id);
    assert_v3(client.send(tasks::GetTask::new(p, pid, "1")).await, 400, "INVALID_PARAMETER_VALUE", Some("task_id"));
    // A task of another project is unknown here.
    let other = demo.projects[1].tasks[0].as_str();
    assert_v3(client.send(tasks::GetTask::new(p, pid, other)).await, 400, "INVALID_PARAMETER_VALUE", Some("task_id"));

    let updated = client
        .send(tasks::UpdateTask::new(
            p,
            pid,
            task.id.clone(),
            TaskUpdate::new().name("Renamed").completion_percentage(40u8),
        ))
        .await
        .expect("update");
    assert_eq!((updated.name.as_str(), updated.completion_percentage), ("Renamed", Some(40.0)));
    assert_v3(
        client
            .send(tasks::UpdateTask::new(p, pid, task.id.clone(), TaskUpdate::new().completion_percentage(101u8)))
            .await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("completion_percentage"),
    );

    let moved =
        client.send(tasks::MoveTask::new(p, pid, task.id.clone(), pr.tasklists[2].as_str())).await.expect("move");
    assert_eq!(moved.tasklist.as_ref().and_then(|r| r.id.as_ref()).map(|i| i.as_str()), Some(pr.tasklists[2].as_str()));
    let foreign_list = demo.projects[1].tasklists[0].as_str();
    assert_v3(
        client.send(tasks::MoveTask::new(p, pid, task.id.clone(), foreign_list)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("target_tasklist_id"),
    );

    // Comments: POST answers a one-element array, read through Single.
    let c = client
        .send(tasks::AddTaskComment::new(p, pid, task.id.clone(), NewComment::new("<p>first</p>")))
        .await
        .expect("comment")
        .into_inner();
    assert_eq!(c.text(), Some("<p>first</p>"));
    client.send(tasks::AddTaskComment::new(p, pid, task.id.clone(), NewComment::new("second"))).await.expect("second");
    let comments = client.send(tasks::ListTaskComments::new(p, pid, task.id.clone())).await.expect("comments");
    assert_eq!(comments.len(), 2);
    let desc = client
        .send(tasks::ListTaskComments::new(p, pid, task.id.clone()).sort_by("DESC(created_time)"))
        .await
        .expect("desc");
    assert_eq!(desc.items[0].text(), Some("second"));
    let one =
        client.send(tasks::GetTaskComment::new(p, pid, task.id.clone(), c.id.clone())).await.expect("get comment");
    assert_eq!(one.id, c.id);
    let edited = client
        .send(tasks::UpdateTaskComment::new(p, pid, task.id.clone(), c.id.clone(), NewComment::new("edited")))
        .await
        .expect("edit");
    assert_eq!(edited.text(), Some("edited"));
    assert_v3(
        client
            .send(tasks::AddTaskComment::new(
                p,
                pid,
                task.id.clone(),
                NewComment::new("x").custom_field("content", "y"),
            ))
            .await,
        400,
        "EXTRA_KEY_FOUND_IN_JSON",
        Some("content"),
    );
    client.send(tasks::DeleteTaskComment::new(p, pid, task.id.clone(), c.id.clone())).await.expect("delete comment");
    assert_v3(
        client.send(tasks::GetTaskComment::new(p, pid, task.id.clone(), c.id)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("comment_id"),
    );

    client.send(tasks::DeleteTask::new(p, pid, task.id.clone())).await.expect("delete");
    assert_v3(
        client.send(tasks::DeleteTask::new(p, pid, task.id)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("task_id"),
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn milestones() {
    let (sb, client, demo) = setup().await;
    let (p, pr) = (demo.id.as_str(), &demo.projects[0]);
    let pid = pr.id.as_str();

    // `page_info` comes as a one-element array here.
    let list = client.send(milestones::ListMilestones::new(p, pid)).await.expect("phases");
    assert_eq!(list.len(), pr.milestones.len());
    assert_eq!(list.page_info.as_ref().and_then(|i| i.has_next()), Some(false));
    assert!(last_seen(&sb, "/phases").contains(&format!("/projects/{pid}/phases")));
    let all = client.send(milestones::ListAllMilestones::new(p)).await.expect("all phases");
    assert_eq!(all.len(), demo.projects.iter().map(|x| x.milestones.len()).sum::<usize>());

    let one = client.send(milestones::GetMilestone::new(p, pid, pr.milestones[0].as_str())).await.expect("phase");
    assert_eq!(one.id, pr.milestones[0].as_str());
    assert_v3(
        client.send(milestones::GetMilestone::new(p, pid, "5")).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("milestone_id"),
    );

    let (start, end) =
        (NaiveDate::from_ymd_opt(2026, 8, 1).expect("d"), NaiveDate::from_ymd_opt(2026, 8, 31).expect("d"));
    let body = NewMilestone::new("Beta").start_date(start).end_date(end).flag(Flag::External);
    let created = client.send(milestones::CreateMilestone::new(p, pid, body)).await.expect("create");
    assert_eq!((created.name.as_str(), created.start_date, created.end_date), ("Beta", Some(start), Some(end)));
    assert_eq!(created.flag, Some(Flag::External));
    let backwards = NewMilestone::new("Backwards").start_date(end).end_date(start);
    assert_v3(
        client.send(milestones::CreateMilestone::new(p, pid, backwards)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("end_date"),
    );
    let nobody = NewMilestone::new("Nobody").owner_zpuid("1");
    assert_v3(
        client.send(milestones::CreateMilestone::new(p, pid, nobody)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("owner_zpuid"),
    );

    let updated = client
        .send(milestones::UpdateMilestone::new(p, pid, created.id.clone(), MilestoneUpdate::new().name("Beta 2")))
        .await
        .expect("update");
    assert_eq!(updated.name, "Beta 2");
    client.send(milestones::DeleteMilestone::new(p, pid, created.id.clone())).await.expect("delete");
    assert_v3(
        client.send(milestones::DeleteMilestone::new(p, pid, created.id)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("milestone_id"),
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn issues_and_issue_comments() {
    let (sb, client, demo) = setup().await;
    let (p, pr) = (demo.id.as_str(), &demo.projects[0]);
    let pid = pr.id.as_str();

    let list = client.send(issues::ListIssues::new(p, pid)).await.expect("issues");
    assert_eq!(list.len(), pr.issues.len());
    let all = client.send(issues::ListAllIssues::new(p)).await.expect("all issues");
    assert_eq!(all.len(), demo.projects.iter().map(|x| x.issues.len()).sum::<usize>());
    let one = client.send(issues::GetIssue::new(p, pid, pr.issues[0].as_str())).await.expect("issue").into_inner();
    assert_eq!(one.id, pr.issues[0].as_str());
    assert_v3(client.send(issues::GetIssue::new(p, pid, "3")).await, 400, "INVALID_PARAMETER_VALUE", Some("issue_id"));

    let me = client.send(users::ListUsers::new(p)).await.expect("users").items[0].zpuid.clone().expect("zpuid");
    let due = NaiveDate::from_ymd_opt(2026, 9, 30).expect("date");
    let body = NewIssue::new("Crash on save").flag(Flag::External).due_date(due).assignee(me.clone());
    let created = client.send(issues::CreateIssue::new(p, pid, body)).await.expect("create").into_inner();
    assert_eq!(created.name.as_deref(), Some("Crash on save"));
    assert_eq!((created.flag, created.due_date), (Some(Flag::External), Some(due)));
    assert_eq!(created.assignee.as_ref().and_then(|a| a.zpuid.as_ref()), Some(&me));
    assert_v3(
        client.send(issues::CreateIssue::new(p, pid, NewIssue::new("x").severity("1"))).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("severity"),
    );

    let updated = client
        .send(issues::UpdateIssue::new(p, pid, created.id.clone(), IssueUpdate::new().name("Crash on load")))
        .await
        .expect("update")
        .into_inner();
    assert_eq!(updated.name.as_deref(), Some("Crash on load"));

    let c = client
        .send(issues::AddIssueComment::new(p, pid, created.id.clone(), NewComment::new("repro attached")))
        .await
        .expect("comment")
        .into_inner();
    let comments = client.send(issues::ListIssueComments::new(p, pid, created.id.clone())).await.expect("comments");
    assert_eq!(comments.len(), 1);
    let got = client.send(issues::GetIssueComment::new(p, pid, created.id.clone(), c.id.clone())).await.expect("get c");
    assert_eq!(got.text(), Some("repro attached"));
    let edited = client
        .send(issues::UpdateIssueComment::new(p, pid, created.id.clone(), c.id.clone(), NewComment::new("fixed?")))
        .await
        .expect("edit");
    assert_eq!(edited.text(), Some("fixed?"));
    client.send(issues::DeleteIssueComment::new(p, pid, created.id.clone(), c.id.clone())).await.expect("delete c");
    assert_v3(
        client.send(issues::DeleteIssueComment::new(p, pid, created.id.clone(), c.id)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("comment_id"),
    );

    client.send(issues::DeleteIssue::new(p, pid, created.id.clone())).await.expect("delete");
    assert_v3(
        client.send(issues::GetIssue::new(p, pid, created.id)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("issue_id"),
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn users() {
    let (sb, client, demo) = setup().await;
    let (p, pid) = (demo.id.as_str(), demo.projects[0].id.as_str());

    let all = client.send(users::ListUsers::new(p)).await.expect("users");
    assert_eq!(all.len(), 4, "the four seeded people: {all:?}");
    let first = &all.items[0];
    let zpuid = first.zpuid.clone().expect("zpuid");
    let by_id = client.send(users::GetUser::new(p, zpuid.clone())).await.expect("by zpuid");
    assert_eq!(by_id.zpuid.as_ref(), Some(&zpuid));
    // Zoho also takes an e-mail here; the path encoder sends `@` as `%40`.
    let email = first.email.clone().expect("email");
    let by_email = client.send(users::GetUser::new(p, email.as_str())).await.expect("by e-mail");
    assert_eq!(by_email.zpuid.as_ref(), Some(&zpuid));
    assert!(last_seen(&sb, "/users/").ends_with(&email.replace('@', "%40")));
    assert!(by_id.display_name().is_some());
    assert_v3(
        client.send(users::GetUser::new(p, "nobody@example.com")).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("user_id"),
    );

    let members = client.send(users::ListProjectUsers::new(p, pid)).await.expect("members");
    assert!(!members.is_empty());
    let member = client.send(users::GetProjectUser::new(p, pid, zpuid.clone())).await.expect("member");
    assert_eq!(member.zpuid.as_ref(), Some(&zpuid));
    assert_v3(
        client.send(users::GetProjectUser::new(p, pid, "1")).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("user_id"),
    );

    let theirs = client.send(users::ListUserProjects::new(p, zpuid.clone())).await.expect("their projects");
    assert_eq!(theirs.len(), demo.projects.len());
    let active = client
        .send(users::ListUserProjects::new(p, zpuid).status(projects::ProjectStatus::Active))
        .await
        .expect("active");
    // Every demo project is active, and the filter reached the server.
    assert_eq!(active.len(), theirs.len());
    assert!(last_seen(&sb, "/projects").contains("status=active"), "{}", last_seen(&sb, "/projects"));
    sb.shutdown().await;
}

#[tokio::test]
async fn timelogs() {
    let (sb, client, demo) = setup().await;
    let (p, pr) = (demo.id.as_str(), &demo.projects[0]);
    let pid = pr.id.as_str();
    let day = NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");

    // Nothing logged in this period: HTTP 204, decoded as None.
    let empty = client.send(timelogs::ListTimeLogs::between(p, pid, day, day)).await.expect("empty list");
    assert!(empty.is_none());

    let general =
        NewTimeLog::new(LogModule::general(), day, "02:30").bill_status(BillStatus::Billable).log_name("Planning");
    let log = client.send(timelogs::AddTimeLog::new(p, pid, general)).await.expect("add");
    assert_eq!((log.date, log.hours.as_deref()), (Some(day), Some("02:30")));
    let task_id = pr.tasks[0].as_str();
    let on_task = NewTimeLog::new(LogModule::task(task_id), day, "01:00").bill_status(BillStatus::NonBillable);
    let task_log = client.send(timelogs::AddTimeLog::new(p, pid, on_task)).await.expect("add on task");
    assert_eq!(task_log.module.as_ref().map(|m| m.kind), Some(LogModuleType::Task));

    // The daily cap (24 h per user), and a module that is not in the project.
    let too_much = NewTimeLog::new(LogModule::general(), day, "23:00").bill_status(BillStatus::Billable);
    let e = assert_v3(client.send(timelogs::AddTimeLog::new(p, pid, too_much)).await, 400, "INVALID_OPERATION", None);
    assert!(e.to_string().contains("You are left with"), "{e}");
    assert_v3(
        client
            .send(timelogs::AddTimeLog::new(
                p,
                pid,
                NewTimeLog::new(LogModule::task("77"), day, "01:00").bill_status(BillStatus::Billable),
            ))
            .await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("module"),
    );

    // Listing: per period, per module filter (JSON in the query string).
    let month = client
        .send(timelogs::ListTimeLogs::new(p, pid, timelogs::ViewType::Month).date(day))
        .await
        .expect("month")
        .expect("logs");
    assert_eq!(month.logs().count(), 2);
    assert_eq!(month.items[0].date, Some(day));
    let only_task = client
        .send(timelogs::ListTimeLogs::new(p, pid, timelogs::ViewType::Day).date(day).module(LogModule::task(task_id)))
        .await
        .expect("filtered")
        .expect("logs");
    assert_eq!(only_task.logs().map(|l| l.id.clone()).collect::<Vec<_>>(), vec![task_log.id.clone()]);
    assert!(last_seen(&sb, "/timelogs?").contains("module=%7B%22type%22%3A%22task%22"));
    let streamed: Vec<_> = client
        .paginate(timelogs::ListTimeLogs::new(p, pid, timelogs::ViewType::Week).date(day).per_page(1))
        .try_collect()
        .await
        .expect("paged logs");
    assert_eq!(streamed.len(), 2, "one log per page, two pages, then 204");

    let got = client
        .send(timelogs::GetTimeLog::new(p, pid, log.id.clone()).log_type(LogModuleType::General))
        .await
        .expect("get");
    assert_eq!(got.id, log.id);
    assert!(last_seen(&sb, "/logs/").ends_with("?type=general"));
    let updated = client
        .send(timelogs::UpdateTimeLog::new(
            p,
            pid,
            log.id.clone(),
            TimeLogUpdate::new(LogModule::general()).hours("03:00").notes("longer"),
        ))
        .await
        .expect("update");
    assert_eq!((updated.hours.as_deref(), updated.notes.as_deref()), (Some("03:00"), Some("longer")));
    client.send(timelogs::DeleteTimeLog::new(p, pid, log.id.clone())).await.expect("delete");
    assert_v3(
        client.send(timelogs::GetTimeLog::new(p, pid, log.id)).await,
        400,
        "INVALID_PARAMETER_VALUE",
        Some("log_id"),
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn search_and_tags() {
    let (sb, client, demo) = setup().await;
    let (p, pr) = (demo.id.as_str(), &demo.projects[0]);

    let hits = client.send(search::Search::new(p, "website")).await.expect("search");
    assert!(hits.projects.as_ref().is_some_and(|v| v.iter().any(|x| x.id == pr.id.as_str())), "{hits:?}");
    let only_tasks = client.send(search::Search::new(p, "a").module(search::SearchModule::Tasks)).await.expect("tasks");
    assert!(only_tasks.projects.is_none() && only_tasks.tasks.is_some());
    let in_project = client
        .send(search::SearchProject::new(p, pr.id.as_str(), "a").module(search::SearchModule::All))
        .await
        .expect("project search");
    let tasks_found = in_project.tasks.unwrap_or_default();
    assert!(
        tasks_found
            .iter()
            .all(|t| t.project.as_ref().and_then(|r| r.id.as_ref()).map(|i| i.as_str()) == Some(pr.id.as_str()))
    );
    assert_v3(client.send(search::Search::new(p, " ")).await, 400, "LESS_THAN_MIN_OCCURANCE", Some("search_term"));

    let before = client.send(tags::ListTags::new(p)).await.expect("tags");
    assert!(!before.is_empty());
    let created = client
        .send(tags::CreateTags::new(
            p,
            [tags::NewTag::new("urgent-ish").color_class("bg-tag17"), tags::NewTag::new("later")],
        ))
        .await
        .expect("create tags");
    assert_eq!(created.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["urgent-ish", "later"]);
    assert_eq!(created.items[0].color_class.as_deref(), Some("bg-tag17"));
    assert_v3(
        client.send(tags::CreateTags::new(p, [tags::NewTag::new("LATER")])).await,
        400,
        "INVALID_OPERATION",
        None,
    );
    let found = client.send(tags::ListTags::new(p).name("urgent")).await.expect("by name");
    assert!(found.iter().any(|t| t.id == created.items[0].id), "{found:?}");
    assert!(found.iter().all(|t| t.name.to_lowercase().contains("urgent")), "{found:?}");

    let id = created.items[1].id.clone();
    let renamed = client
        .send(tags::UpdateTag::new(p, id.clone(), tags::TagUpdate::new().name("someday")))
        .await
        .expect("update tag")
        .into_inner();
    assert_eq!((renamed.id.clone(), renamed.name.as_str()), (id.clone(), "someday"));
    client.send(tags::DeleteTag::new(p, id.clone())).await.expect("delete tag");
    assert_v3(client.send(tags::DeleteTag::new(p, id)).await, 400, "INVALID_PARAMETER_VALUE", Some("tag_id"));
    assert_eq!(client.send(tags::ListTags::new(p)).await.expect("tags").len(), before.len() + 1);

    // A token whose grant lacks a scope its set claims is refused by Zoho, typed as such.
    let access = console_token(&sb, &["ZohoProjects.portals.READ"]).await;
    // (A console token is taken at its word: the scopes claimed here are not what was granted.)
    let token = Token::<SearchOnly>::from_console(&access, "ZohoProjects.search.READ", Duration::from_secs(3600))
        .expect("a console token with the set's scopes");
    let narrow = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).expect("client");
    let e = assert_v3(narrow.send(search::Search::new(p, "x")).await, 403, "INVALID_OAUTHSCOPE", None);
    assert!(e.is_missing_scope());
    sb.shutdown().await;
}

#[cfg(feature = "restapi")]
#[tokio::test]
async fn restapi_endpoints() {
    use zoho_projects::restapi::endpoints as rest;

    let (sb, client, demo) = setup().await;
    // The restapi has its own portal id, not the V3 one (docs/zoho.md §8): the one its own
    // portal list gives.
    // The V3 calls below take the V3 id: mixing them up was this test's own failure.
    let (p, v3p, pr) = (demo.v2_id.as_str(), demo.id.as_str(), &demo.projects[0]);
    let pid = pr.id.as_str();
    assert_ne!(p, v3p);
    // Each generation refuses the other's id like a permission error (V3.md §1 "Portal id").
    let e = api_err(client.send(rest::ListProjects::new(v3p)).await);
    assert_eq!((e.status, e.code().as_str()), (400, "6403"), "{e}");
    let e = api_err(client.send(projects::ListProjects::new(p)).await);
    assert_eq!((e.status, e.code().as_str()), (403, "NO_PERMISSION"), "{e}");

    let portals = client.send(rest::ListPortals).await.expect("portals");
    assert!(portals.iter().any(|x| x.id == p));
    assert!(portals.extra.contains_key("login_id"));
    let portal = client.send(rest::GetPortal::new("zylker")).await.expect("by name").into_inner();
    assert_eq!(portal.id, p);

    // `index` and `range` "must be passed for all GET API" [V P-GLOSS]: sent even when not set.
    let projects = client.send(rest::ListProjects::new(p)).await.expect("projects").expect("rows");
    assert_eq!(projects.len(), demo.projects.len());
    assert!(
        last_seen(&sb, "/projects/?").ends_with("/projects/?index=1&range=100"),
        "{}",
        last_seen(&sb, "/projects/?")
    );
    let project = client.send(rest::GetProject::new(p, pid)).await.expect("project").into_inner();
    assert_eq!(project.id, pid);
    let e = api_err(client.send(rest::GetProject::new(p, "1")).await);
    assert_eq!((e.status, e.code()), (404, "6504".to_owned()), "{e}");
    // A page past the end is HTTP 204: no rows.
    assert!(client.send(rest::ListProjects::new(p).index(500)).await.expect("204").is_none());
    let e = api_err(client.send(rest::ListProjects::new(p).range(201)).await);
    assert_eq!((e.status, e.code()), (400, "6832".to_owned()), "{e}");

    let lists = client.send(rest::ListTasklists::new(p, pid)).await.expect("tasklists").expect("rows");
    assert_eq!(lists.len(), pr.tasklists.len());
    assert!(last_seen(&sb, "/tasklists/").ends_with("/tasklists/?flag=allflag&index=1&range=100"));
    let main_tasks = client.send(rest::ListTasks::new(p, pid)).await.expect("tasks").expect("rows");
    assert_eq!(main_tasks.len(), pr.tasks.len() - 1, "main tasks only");
    let in_list = client.send(rest::ListTasklistTasks::new(p, pid, pr.tasklists[0].as_str())).await.expect("tl");
    assert!(in_list.is_some_and(|l| !l.is_empty()));
    let task = client.send(rest::GetTask::new(p, pid, pr.tasks[0].as_str())).await.expect("task").into_inner();
    assert_eq!(task.id, pr.tasks[0].as_str());
    let members = client.send(rest::ListProjectUsers::new(p, pid)).await.expect("users").expect("rows");
    assert!(!members.is_empty());

    // Subtasks, which V3 cannot create: form body, dates month first; V3 then shows the parent.
    let owner = client.send(users::ListUsers::new(v3p)).await.expect("users").items[0].zpuid.clone().expect("zpuid");
    let due = NaiveDate::from_ymd_opt(2026, 12, 24).expect("date");
    let form = rest::NewSubtask::new("Proofread").owners([owner]).end_date(due).priority(Priority::Medium);
    let sub = client.send(rest::CreateSubtask::new(p, pid, task.id.clone(), form)).await.expect("subtask").into_inner();
    assert_eq!(sub.name, "Proofread");
    let seen = sb.requests_seen();
    let post = seen.iter().rev().find(|r| r.method == "POST").expect("post");
    assert!(post.path_and_query.ends_with(&format!("/tasks/{}/subtasks/", task.id)), "{}", post.path_and_query);
    let v3 = client.send(tasks::GetTask::new(v3p, pid, sub.id.clone())).await.expect("v3 view");
    assert_eq!(v3.parent_task.as_ref().and_then(|r| r.id.clone()), Some(task.id.clone()));
    assert_eq!(v3.end_date.map(|d| d.date_naive()), Some(due));
    let subs = client.send(rest::ListSubtasks::new(p, pid, task.id.clone())).await.expect("subtasks").expect("rows");
    assert!(subs.iter().any(|s| s.id == sub.id));
    let e = api_err(client.send(rest::CreateSubtask::new(p, pid, task.id.clone(), rest::NewSubtask::new(" "))).await);
    assert_eq!((e.status, e.code()), (400, "6831".to_owned()), "{e}");
    let e = api_err(client.send(rest::CreateSubtask::new(p, pid, "9", rest::NewSubtask::new("x"))).await);
    assert_eq!((e.status, e.code()), (404, "6504".to_owned()), "{e}");
    sb.shutdown().await;
}

/// Zoho answers an empty list with HTTP 204 and no body [T-PAN, V3.md §1.1] (the sandbox does so
/// for every V3 list): each list endpoint reads it as an empty page, and `paginate` stops after
/// that one request.
#[tokio::test]
async fn empty_lists_arrive_as_204_and_read_as_empty_pages() {
    let (sb, client, demo) = setup().await;
    let p = demo.id.as_str();
    let hollow = client.send(projects::CreateProject::new(p, NewProject::new("Hollow"))).await.expect("create");
    let pr = hollow.id.clone();
    assert!(client.send(tasks::ListTasks::new(p, pr.clone())).await.expect("tasks").is_empty());
    assert!(client.send(issues::ListIssues::new(p, pr.clone())).await.expect("issues").is_empty());
    assert!(client.send(milestones::ListMilestones::new(p, pr.clone())).await.expect("phases").is_empty());
    assert!(client.send(tags::ListTags::new(p).name("no such tag")).await.expect("tags").is_empty());
    let past_end = client.send(projects::ListProjects::new(p).page(9)).await.expect("projects");
    assert!(past_end.is_empty());
    assert!(client.send(users::ListUsers::new(p).page(9)).await.expect("users").is_empty());
    assert!(client.send(tasklists::ListAllTasklists::new(p).page(99)).await.expect("lists").is_empty());

    let before = sb.counters().api_requests;
    let rows: Vec<_> = client.paginate(issues::ListIssues::new(p, pr)).try_collect().await.expect("paginate");
    assert!(rows.is_empty());
    assert_eq!(sb.counters().api_requests - before, 1);
    sb.shutdown().await;
}
