//! The V3 API (`/api/v3/...`): routing and resource handlers.

use axum::http::Method;
use serde_json::{Value, json};

use crate::api::{ApiErr, ApiResult, Ctx, body_obj};
use crate::attachments;
use crate::data::{
    Comment, ISSUE_STATUSES, Issue, Milestone, PROJECT_STATUS_ACTIVE, Project, TASK_STATUSES, Tag, Task, Tasklist,
    TimeLog, path_id,
};
use crate::input::{Body, id_of, parse_date};
use crate::render::{SEVERITIES, issue_status, task_status};
use crate::util::{empty, json};

/// What a list call asked for.
pub(crate) struct Paging {
    pub(crate) page: usize,
    pub(crate) per_page: usize,
}

impl Paging {
    pub(crate) fn from(ctx: &Ctx<'_>) -> Result<Paging, ApiErr> {
        let num = |k: &str, default: usize, max: usize| -> Result<usize, ApiErr> {
            match ctx.req.q(k) {
                None | Some("") => Ok(default),
                Some(s) => match s.trim().parse::<usize>() {
                    Ok(n) if n >= 1 && n <= max => Ok(n),
                    _ => Err(ApiErr::Invalid(k.to_owned())),
                },
            }
        };
        Ok(Paging { page: num("page", 1, 1_000_000)?, per_page: num("per_page", 100, 200)? })
    }

    /// The slice of `items` for this page, and whether another page follows.
    pub(crate) fn cut<T>(&self, items: Vec<T>) -> (Vec<T>, bool) {
        let start = (self.page - 1).saturating_mul(self.per_page);
        let has_next = items.len() > start.saturating_add(self.per_page);
        (items.into_iter().skip(start).take(self.per_page).collect(), has_next)
    }

    /// `page_info`: numbers and a boolean, or on every `Limits::page_info_as_strings_every`th
    /// answer the same values as strings (`"2"`, `"true"`), as Zoho may send them (seen by a third-party client).
    pub(crate) fn info(&self, ctx: &Ctx<'_>, has_next: bool) -> Value {
        let n = ctx.store.page_infos.get() + 1;
        ctx.store.page_infos.set(n);
        let every = u64::from(ctx.page_info_strings_every);
        if every > 0 && n.is_multiple_of(every) {
            json!({"page": self.page.to_string(), "per_page": self.per_page.to_string(), "has_next_page": has_next.to_string()})
        } else {
            json!({"page": self.page, "per_page": self.per_page, "has_next_page": has_next})
        }
    }
}

fn parse_body(ctx: &Ctx<'_>) -> Result<Body, ApiErr> {
    body_obj(ctx.req).map(Body)
}

fn pid(s: &str, field: &'static str) -> Result<u64, ApiErr> {
    path_id(s).ok_or(ApiErr::NotFound(field))
}

pub(crate) fn route(ctx: &mut Ctx<'_>) -> ApiResult {
    let path = ctx.req.path.clone();
    // Segments are matched decoded (`%40` is `@`), as a web server would route them.
    let decoded = crate::util::path_segments(&path);
    let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let m = ctx.req.method.clone();
    match segs.as_slice() {
        ["api", "v3", "portals"] => match m {
            Method::GET => {
                ctx.need("portals", "READ")?;
                // Only the caller's portals in this DC (none: 204, like every empty list).
                let mine = ctx.store.is_member(ctx.caller.zuid).then_some(&*ctx.store);
                let items: Vec<Value> =
                    mine.into_iter().chain(ctx.other_portals.iter()).map(|s| s.portal_item()).collect();
                if items.is_empty() {
                    return Ok(no_rows());
                }
                Ok(json(200, &Value::Array(items)))
            }
            _ => Err(ApiErr::Method),
        },
        ["api", "v3", "portal", p, rest @ ..] => portal_route(ctx, &m, p, rest),
        _ => Err(ApiErr::NoRoute),
    }
}

/// Whether `rest` is a path this API knows (used to tell a wrong verb from a wrong path).
fn portal_route(ctx: &mut Ctx<'_>, m: &Method, p: &str, rest: &[&str]) -> ApiResult {
    // Check the path shape first so that an unknown path is URL_RULE_NOT_CONFIGURED
    // whatever the ids are.
    let known = matches!(
        rest,
        [] | ["projects"]
            | ["projects", _]
            | ["projects", _, "trash"]
            | ["projects", _, "tasklists"]
            | ["projects", _, "tasklists", _]
            | ["projects", _, "tasklists", _, "tasks"]
            | ["projects", _, "tasks"]
            | ["projects", _, "tasks", _]
            | ["projects", _, "tasks", _, "move"]
            | ["projects", _, "tasks", _, "comments"]
            | ["projects", _, "tasks", _, "comments", _]
            | ["projects", _, "phases" | "milestones"]
            | ["projects", _, "phases" | "milestones", _]
            | ["projects", _, "issues"]
            | ["projects", _, "issues", _]
            | ["projects", _, "issues", _, "comments"]
            | ["projects", _, "issues", _, "comments", _]
            | ["projects", _, "tasks" | "issues", _, "attachments"]
            | ["projects", _, "tasks" | "issues", _, "attachments", _]
            | ["projects", _, "tasks" | "issues", _, "attachments", _, "download"]
            | ["projects", _, "users"]
            | ["projects", _, "users", _]
            | ["projects", _, "timelogs"]
            | ["projects", _, "log"]
            | ["projects", _, "logs", _]
            | ["projects", _, "search"]
            | ["all-tasklists"]
            | ["tasks"]
            | ["mytasks"]
            | ["phases" | "milestones"]
            | ["issues"]
            | ["users"]
            | ["users", _]
            | ["users", _, "projects"]
            | ["search"]
            | ["tags"]
            | ["tags", _]
    );
    if !known {
        return Err(ApiErr::NoRoute);
    }
    let portal = pid(p, "portal_id")?;
    if portal == ctx.store.v2_portal_id {
        // The restapi id of this same portal: refused like a permission error, as at Zoho.
        return Err(ApiErr::NoPortalAccess);
    }
    if portal != ctx.store.portal_id {
        return Err(ApiErr::NotFound("portal_id"));
    }
    ctx.member()?;
    match (rest, m) {
        ([], &Method::GET) => {
            ctx.need("portals", "READ")?;
            Ok(json(200, &json!({"portal_details": ctx.store.portal_details()})))
        }
        (["projects"], &Method::GET) => projects_list(ctx),
        (["projects"], &Method::POST) => project_create(ctx),
        (["projects", pr], &Method::GET) => {
            ctx.need("projects", "READ")?;
            let p = project(ctx, pr)?;
            Ok(json(200, &ctx.store.project_v3(&p)))
        }
        (["projects", pr], &Method::PATCH) => project_update(ctx, pr),
        (["projects", pr, "trash"], &Method::POST) => {
            ctx.need("projects", "DELETE")?;
            let p = project(ctx, pr)?;
            if let Some(x) = ctx.store.projects.get_mut(&p.id) {
                x.trashed = true;
            }
            Ok(empty(204))
        }
        (["projects", pr, "tasklists"], &Method::GET) => {
            ctx.need("tasklists", "READ")?;
            let p = project(ctx, pr)?;
            tasklists_list(ctx, Some(p.id))
        }
        (["all-tasklists"], &Method::GET) => {
            ctx.need("tasklists", "READ")?;
            tasklists_list(ctx, None)
        }
        (["projects", pr, "tasklists"], &Method::POST) => tasklist_create(ctx, pr),
        (["projects", pr, "tasklists", tl], &Method::GET) => {
            ctx.need("tasklists", "READ")?;
            let t = tasklist(ctx, pr, tl)?;
            Ok(json(200, &ctx.store.tasklist_v3(&t)))
        }
        (["projects", pr, "tasklists", tl], &Method::PATCH) => tasklist_update(ctx, pr, tl),
        (["projects", pr, "tasklists", tl], &Method::DELETE) => {
            ctx.need("tasklists", "DELETE")?;
            let t = tasklist(ctx, pr, tl)?;
            let s = &mut *ctx.store;
            s.tasklists.remove(&t.id);
            let gone: Vec<u64> = s.tasks.values().filter(|x| x.tasklist == t.id).map(|x| x.id).collect();
            for id in gone {
                s.tasks.remove(&id);
                s.comments.retain(|_, c| c.parent != id);
                s.attachments.retain(|_, a| a.owner != attachments::Owner::Task(id));
            }
            Ok(empty(204))
        }
        (["projects", pr, "tasklists", tl, "tasks"], &Method::GET) => {
            ctx.need("tasks", "READ")?;
            let t = tasklist(ctx, pr, tl)?;
            tasks_list(ctx, |x| x.tasklist == t.id)
        }
        (["projects", pr, "tasks"], &Method::GET) => {
            ctx.need("tasks", "READ")?;
            let p = project(ctx, pr)?;
            tasks_list(ctx, |x| x.project == p.id)
        }
        (["tasks"], &Method::GET) => {
            ctx.need("tasks", "READ")?;
            let live: Vec<u64> = ctx.store.projects.values().filter(|p| ctx.sees(p)).map(|p| p.id).collect();
            tasks_list(ctx, |x| live.contains(&x.project))
        }
        (["mytasks"], &Method::GET) => {
            ctx.need("tasks", "READ")?;
            let me = ctx.me();
            let live: Vec<u64> = ctx.store.projects.values().filter(|p| ctx.sees(p)).map(|p| p.id).collect();
            tasks_list(ctx, |x| live.contains(&x.project) && x.owners.contains(&me))
        }
        (["projects", pr, "tasks"], &Method::POST) => task_create(ctx, pr),
        (["projects", pr, "tasks", t], &Method::GET) => {
            ctx.need("tasks", "READ")?;
            let t = task(ctx, pr, t)?;
            Ok(json(200, &ctx.store.task_v3(&t)))
        }
        (["projects", pr, "tasks", t], &Method::PATCH) => task_update(ctx, pr, t),
        (["projects", pr, "tasks", t], &Method::DELETE) => {
            ctx.need("tasks", "DELETE")?;
            let t = task(ctx, pr, t)?;
            let s = &mut *ctx.store;
            let mut gone = vec![t.id];
            gone.extend(s.tasks.values().filter(|x| x.parent == Some(t.id)).map(|x| x.id));
            for id in gone {
                s.tasks.remove(&id);
                s.comments.retain(|_, c| c.parent != id);
                s.attachments.retain(|_, a| a.owner != attachments::Owner::Task(id));
            }
            Ok(empty(204))
        }
        (["projects", pr, "tasks", t, "move"], &Method::POST) => {
            ctx.need("tasks", "UPDATE")?;
            let t = task(ctx, pr, t)?;
            let b = parse_body(ctx)?;
            b.require(&["target_tasklist_id"])?;
            b.allow(&["target_tasklist_id"], &[], &[])?;
            let target = b.id_opt("target_tasklist_id")?.unwrap_or(0);
            match ctx.store.tasklists.get(&target) {
                Some(tl) if tl.project == t.project => {}
                _ => return Err(ApiErr::Invalid("target_tasklist_id".to_owned())),
            }
            let now = ctx.now;
            if let Some(x) = ctx.store.tasks.get_mut(&t.id) {
                x.tasklist = target;
                x.modified_ms = now;
            }
            let x = ctx.store.tasks.get(&t.id).cloned().ok_or(ApiErr::NotFound("task_id"))?;
            Ok(json(200, &ctx.store.task_v3(&x)))
        }
        (["projects", pr, "tasks", t, "comments"], &Method::GET) => {
            ctx.need("tasks", "READ")?;
            let t = task(ctx, pr, t)?;
            comments_list(ctx, t.id)
        }
        (["projects", pr, "tasks", t, "comments"], &Method::POST) => {
            ctx.need("tasks", "CREATE")?;
            let t = task(ctx, pr, t)?;
            comment_create(ctx, t.id)
        }
        (["projects", pr, "tasks", t, "comments", c], _) => {
            let op = match *m {
                Method::GET => "READ",
                Method::PATCH => "UPDATE",
                Method::DELETE => "DELETE",
                _ => return Err(ApiErr::Method),
            };
            ctx.need("tasks", op)?;
            let t = task(ctx, pr, t)?;
            comment_item(ctx, m, t.id, c)
        }
        (["projects", pr, "phases" | "milestones"], &Method::GET) => {
            ctx.need("milestones", "READ")?;
            let p = project(ctx, pr)?;
            milestones_list(ctx, Some(p.id))
        }
        (["phases" | "milestones"], &Method::GET) => {
            ctx.need("milestones", "READ")?;
            milestones_list(ctx, None)
        }
        (["projects", pr, "phases" | "milestones"], &Method::POST) => milestone_create(ctx, pr),
        (["projects", pr, "phases" | "milestones", ms], &Method::GET) => {
            ctx.need("milestones", "READ")?;
            let x = milestone(ctx, pr, ms)?;
            Ok(json(200, &ctx.store.milestone_v3(&x)))
        }
        (["projects", pr, "phases" | "milestones", ms], &Method::PATCH) => milestone_update(ctx, pr, ms),
        (["projects", pr, "phases" | "milestones", ms], &Method::DELETE) => {
            ctx.need("milestones", "DELETE")?;
            let x = milestone(ctx, pr, ms)?;
            ctx.store.milestones.remove(&x.id);
            for tl in ctx.store.tasklists.values_mut() {
                if tl.milestone == Some(x.id) {
                    tl.milestone = None;
                }
            }
            Ok(empty(204))
        }
        (["projects", pr, "issues"], &Method::GET) => {
            ctx.need("bugs", "READ")?;
            let p = project(ctx, pr)?;
            issues_list(ctx, Some(p.id))
        }
        (["issues"], &Method::GET) => {
            ctx.need("bugs", "READ")?;
            issues_list(ctx, None)
        }
        (["projects", pr, "issues"], &Method::POST) => issue_create(ctx, pr),
        (["projects", pr, "issues", i], &Method::GET) => {
            ctx.need("bugs", "READ")?;
            let x = issue(ctx, pr, i)?;
            Ok(json(200, &ctx.store.issue_v3(&x)))
        }
        (["projects", pr, "issues", i], &Method::PATCH) => issue_update(ctx, pr, i),
        (["projects", pr, "issues", i], &Method::DELETE) => {
            ctx.need("bugs", "DELETE")?;
            let x = issue(ctx, pr, i)?;
            ctx.store.issues.remove(&x.id);
            ctx.store.comments.retain(|_, c| c.parent != x.id);
            ctx.store.attachments.retain(|_, a| a.owner != attachments::Owner::Issue(x.id));
            Ok(empty(204))
        }
        (["projects", pr, "issues", i, "comments"], &Method::GET) => {
            ctx.need("bugs", "READ")?;
            let x = issue(ctx, pr, i)?;
            comments_list(ctx, x.id)
        }
        (["projects", pr, "issues", i, "comments"], &Method::POST) => {
            ctx.need("bugs", "CREATE")?;
            let x = issue(ctx, pr, i)?;
            comment_create(ctx, x.id)
        }
        (["projects", pr, "issues", i, "comments", c], _) => {
            let op = match *m {
                Method::GET => "READ",
                Method::PATCH => "UPDATE",
                Method::DELETE => "DELETE",
                _ => return Err(ApiErr::Method),
            };
            ctx.need("bugs", op)?;
            let x = issue(ctx, pr, i)?;
            comment_item(ctx, m, x.id, c)
        }
        (["projects", pr, kind @ ("tasks" | "issues"), id, "attachments", rest @ ..], m) => {
            let op = match (rest, m) {
                ([], &Method::GET) | ([_, "download"], &Method::GET) => "READ",
                ([], &Method::POST) => "CREATE",
                ([_], &Method::DELETE) => "DELETE",
                _ => return Err(ApiErr::Method),
            };
            let owner = if *kind == "tasks" {
                ctx.need("tasks", op)?;
                attachments::Owner::Task(task(ctx, pr, id)?.id)
            } else {
                ctx.need("bugs", op)?;
                attachments::Owner::Issue(issue(ctx, pr, id)?.id)
            };
            match rest {
                [] if *m == Method::GET => attachments::list(ctx, owner),
                [] => attachments::upload(ctx, owner),
                [a, "download"] => attachments::download(ctx, owner, a),
                [a] => attachments::delete(ctx, owner, a),
                _ => Err(ApiErr::Method),
            }
        }
        (["users"], &Method::GET) => {
            ctx.need("users", "READ")?;
            let users: Vec<Value> = ctx.store.people.iter().map(|p| ctx.store.user_full(p.zpuid)).collect();
            list_no_info(ctx, "users", users)
        }
        (["users", u], &Method::GET) => {
            ctx.need("users", "READ")?;
            let z = user(ctx, u)?;
            Ok(json(200, &ctx.store.user_full(z)))
        }
        (["users", u, "projects"], &Method::GET) => {
            ctx.need("projects", "READ")?;
            let z = user(ctx, u)?;
            let items: Vec<Value> = ctx
                .store
                .projects
                .values()
                .filter(|p| ctx.sees(p) && p.members.contains(&z))
                .map(|p| ctx.store.project_v3(p))
                .collect();
            list_no_info(ctx, "projects", items)
        }
        (["projects", pr, "users"], &Method::GET) => {
            ctx.need("users", "READ")?;
            let p = project(ctx, pr)?;
            let users: Vec<Value> = p.members.iter().map(|z| ctx.store.user_full(*z)).collect();
            list_no_info(ctx, "users", users)
        }
        (["projects", pr, "users", u], &Method::GET) => {
            ctx.need("users", "READ")?;
            let p = project(ctx, pr)?;
            let z = user(ctx, u)?;
            if !p.members.contains(&z) {
                return Err(ApiErr::NotFound("user_id"));
            }
            Ok(json(200, &ctx.store.user_full(z)))
        }
        (["projects", pr, "timelogs"], &Method::GET) => timelogs_list(ctx, pr),
        (["projects", pr, "log"], &Method::POST) => timelog_create(ctx, pr),
        (["projects", pr, "logs", l], _) => timelog_item(ctx, m, pr, l),
        (["search"], &Method::GET) => search(ctx, None),
        (["projects", pr, "search"], &Method::GET) => {
            let p = project(ctx, pr)?;
            search(ctx, Some(p.id))
        }
        (["tags"], &Method::GET) => {
            ctx.need("tags", "READ")?;
            let name = ctx.req.q("name").map(str::to_ascii_lowercase);
            let items: Vec<Value> = ctx
                .store
                .tags
                .values()
                .filter(|t| name.as_ref().is_none_or(|n| t.name.to_ascii_lowercase().contains(n)))
                .map(|t| ctx.store.tag_v3(t))
                .collect();
            list_no_info(ctx, "tags", items)
        }
        (["tags"], &Method::POST) => tags_create(ctx),
        (["tags", t], &Method::PATCH) => tag_update(ctx, t),
        (["tags", t], &Method::DELETE) => {
            ctx.need("tags", "DELETE")?;
            let id = tag(ctx, t)?;
            ctx.store.tags.remove(&id);
            for x in ctx.store.tasks.values_mut() {
                x.tags.retain(|g| *g != id);
            }
            Ok(empty(204))
        }
        _ => Err(ApiErr::Method),
    }
}

// ---- lookups -------------------------------------------------------------------------------

fn project(ctx: &Ctx<'_>, pr: &str) -> Result<Project, ApiErr> {
    let id = pid(pr, "project_id")?;
    let p = ctx.store.projects.get(&id).filter(|p| !p.trashed).ok_or(ApiErr::NotFound("project_id"))?;
    ctx.may_use(p)?;
    Ok(p.clone())
}

fn tasklist(ctx: &Ctx<'_>, pr: &str, tl: &str) -> Result<Tasklist, ApiErr> {
    let p = project(ctx, pr)?;
    let id = pid(tl, "tasklist_id")?;
    ctx.store.tasklists.get(&id).filter(|t| t.project == p.id).cloned().ok_or(ApiErr::NotFound("tasklist_id"))
}

pub(crate) fn task(ctx: &Ctx<'_>, pr: &str, t: &str) -> Result<Task, ApiErr> {
    let p = project(ctx, pr)?;
    let id = pid(t, "task_id")?;
    ctx.store.tasks.get(&id).filter(|t| t.project == p.id).cloned().ok_or(ApiErr::NotFound("task_id"))
}

fn milestone(ctx: &Ctx<'_>, pr: &str, m: &str) -> Result<Milestone, ApiErr> {
    let p = project(ctx, pr)?;
    let id = pid(m, "milestone_id")?;
    ctx.store.milestones.get(&id).filter(|t| t.project == p.id).cloned().ok_or(ApiErr::NotFound("milestone_id"))
}

fn issue(ctx: &Ctx<'_>, pr: &str, i: &str) -> Result<Issue, ApiErr> {
    let p = project(ctx, pr)?;
    let id = pid(i, "issue_id")?;
    ctx.store.issues.get(&id).filter(|t| t.project == p.id).cloned().ok_or(ApiErr::NotFound("issue_id"))
}

fn user(ctx: &Ctx<'_>, u: &str) -> Result<u64, ApiErr> {
    ctx.store
        .people
        .iter()
        .find(|p| p.zpuid.to_string() == u || p.email.eq_ignore_ascii_case(u) || p.zuid.to_string() == u)
        .map(|p| p.zpuid)
        .ok_or(ApiErr::NotFound("user_id"))
}

fn tag(ctx: &Ctx<'_>, t: &str) -> Result<u64, ApiErr> {
    let id = pid(t, "tag_id")?;
    if ctx.store.tags.contains_key(&id) { Ok(id) } else { Err(ApiErr::NotFound("tag_id")) }
}

fn person_ok(ctx: &Ctx<'_>, zpuid: u64, field: &str) -> Result<u64, ApiErr> {
    if ctx.store.person(zpuid).is_some() { Ok(zpuid) } else { Err(ApiErr::Invalid(field.to_owned())) }
}

// ---- lists ---------------------------------------------------------------------------------

/// `{ key: [...] }` without `page_info` (users, issues, tags): paged but uninformed.
fn list_no_info(ctx: &Ctx<'_>, key: &str, items: Vec<Value>) -> ApiResult {
    let pg = Paging::from(ctx)?;
    let (items, _) = pg.cut(items);
    if items.is_empty() {
        return Ok(no_rows());
    }
    Ok(json(200, &json!({ key: items })))
}

/// An empty list (no rows, or a page past the end): HTTP 204 with no body, as Zoho answers
/// (docs/zoho.md §8; Zoho's error-code page: 204 "No Content (response empty)").
fn no_rows() -> crate::util::Resp {
    empty(204)
}

fn projects_list(ctx: &mut Ctx<'_>) -> ApiResult {
    ctx.need("projects", "READ")?;
    let pg = Paging::from(ctx)?;
    let status = match ctx.req.q("status") {
        None | Some("") | Some("all") => None,
        Some(s @ ("active" | "archived" | "template")) => Some(s.to_owned()),
        Some(_) => return Err(ApiErr::Invalid("status".to_owned())),
    };
    let items: Vec<Value> = ctx
        .store
        .projects
        .values()
        .filter(|p| ctx.sees(p) && status.as_ref().is_none_or(|s| *s == p.project_type))
        .map(|p| ctx.store.project_v3(p))
        .collect();
    let (items, _) = pg.cut(items);
    if items.is_empty() {
        return Ok(no_rows());
    }
    Ok(json(200, &Value::Array(items)))
}

fn tasklists_list(ctx: &Ctx<'_>, project: Option<u64>) -> ApiResult {
    let pg = Paging::from(ctx)?;
    let live: Vec<u64> = ctx.store.projects.values().filter(|p| ctx.sees(p)).map(|p| p.id).collect();
    let items: Vec<Value> = ctx
        .store
        .tasklists
        .values()
        .filter(|t| project.map_or(live.contains(&t.project), |p| t.project == p))
        .filter(|t| ctx.req.q("flag").is_none_or(|f| f == "allflag" || f.eq_ignore_ascii_case(&t.flag)))
        .map(|t| ctx.store.tasklist_v3(t))
        .collect();
    let (items, next) = pg.cut(items);
    if items.is_empty() {
        return Ok(no_rows());
    }
    Ok(json(200, &json!({"tasklists": items, "page_info": pg.info(ctx, next)})))
}

fn tasks_list(ctx: &Ctx<'_>, keep: impl Fn(&Task) -> bool) -> ApiResult {
    let pg = Paging::from(ctx)?;
    let items: Vec<Value> = ctx.store.tasks.values().filter(|t| keep(t)).map(|t| ctx.store.task_v3(t)).collect();
    let (items, next) = pg.cut(items);
    if items.is_empty() {
        return Ok(no_rows());
    }
    Ok(json(200, &json!({"tasks": items, "page_info": pg.info(ctx, next)})))
}

fn milestones_list(ctx: &Ctx<'_>, project: Option<u64>) -> ApiResult {
    let pg = Paging::from(ctx)?;
    let live: Vec<u64> = ctx.store.projects.values().filter(|p| ctx.sees(p)).map(|p| p.id).collect();
    let items: Vec<Value> = ctx
        .store
        .milestones
        .values()
        .filter(|t| project.map_or(live.contains(&t.project), |p| t.project == p))
        .map(|t| ctx.store.milestone_v3(t))
        .collect();
    let (items, next) = pg.cut(items);
    if items.is_empty() {
        return Ok(no_rows());
    }
    // page_info comes as a one-element array here (docs/zoho.md §8).
    Ok(json(200, &json!({"milestones": items, "page_info": [pg.info(ctx, next)]})))
}

fn issues_list(ctx: &Ctx<'_>, project: Option<u64>) -> ApiResult {
    let live: Vec<u64> = ctx.store.projects.values().filter(|p| ctx.sees(p)).map(|p| p.id).collect();
    let items: Vec<Value> = ctx
        .store
        .issues
        .values()
        .filter(|t| project.map_or(live.contains(&t.project), |p| t.project == p))
        .map(|t| ctx.store.issue_v3(t))
        .collect();
    list_no_info(ctx, "issues", items)
}

fn comments_list(ctx: &Ctx<'_>, parent: u64) -> ApiResult {
    let pg = Paging::from(ctx)?;
    let mut items: Vec<&Comment> = ctx.store.comments.values().filter(|c| c.parent == parent).collect();
    if ctx.req.q("sort_by").is_some_and(|s| s.to_ascii_uppercase().starts_with("DESC")) {
        items.reverse();
    }
    let items: Vec<Value> = items.into_iter().map(|c| ctx.store.comment_v3(c)).collect();
    let (items, next) = pg.cut(items);
    if items.is_empty() {
        return Ok(no_rows());
    }
    Ok(json(200, &json!({"comments": items, "page_info": pg.info(ctx, next)})))
}

// ---- projects ------------------------------------------------------------------------------

const PROJECT_KEYS: &[&str] = &[
    "name",
    "description",
    "start_date",
    "end_date",
    "project_type",
    "owner",
    "is_public_project",
    "status",
    "layout",
    "added_via",
    "is_rollup_project",
    "budget_info",
    "project_group",
    "sub_module_settings",
    "tags",
    "copy_from",
    "completed_time",
    "is_strict_project",
];

fn apply_project(ctx: &Ctx<'_>, b: &Body, p: &mut Project, update: bool) -> Result<(), ApiErr> {
    if let Some(n) = b.name_opt("name", 200)? {
        p.name = n;
    }
    if let Some(d) = b.str_opt("description", 80_000)? {
        p.description = d;
    }
    let types: &[&str] = if update { &["active", "template", "archived"] } else { &["active", "template"] };
    if let Some(t) = b.enum_opt("project_type", types)? {
        p.project_type = t;
    }
    if let Some(o) = b.ref_id("owner", "zpuid")? {
        p.owner = person_ok(ctx, o, "owner")?;
    }
    if let Some(v) = b.bool_opt("is_public_project")? {
        p.is_public = v;
    }
    if b.has("start_date") {
        p.start_date = b.date_opt("start_date")?;
    }
    if b.has("end_date") {
        p.end_date = b.date_opt("end_date")?;
    }
    if let (Some(s), Some(e)) = (p.start_date, p.end_date)
        && e < s
    {
        return Err(ApiErr::Invalid("end_date".to_owned()));
    }
    project_field_types(b)?;
    Ok(())
}

/// Shapes of the project fields the sandbox stores nothing for: still refused when malformed,
/// as Zoho would.
fn project_field_types(b: &Body) -> Result<(), ApiErr> {
    if let Some(s) = b.ref_id("status", "id")?
        && s != PROJECT_STATUS_ACTIVE.id
    {
        return Err(ApiErr::Invalid("status".to_owned()));
    }
    b.ref_id("layout", "id")?;
    if let Some(g) = b.ref_id("project_group", "id")?
        && g.to_string() != crate::render::PROJECT_GROUP_ID
    {
        return Err(ApiErr::Invalid("project_group".to_owned()));
    }
    b.enum_opt("added_via", &["web", "api"])?;
    b.bool_opt("is_rollup_project")?;
    b.bool_opt("is_strict_project")?;
    b.obj_opt("budget_info")?;
    b.obj_opt("sub_module_settings")?;
    b.refs("tags", "id")?;
    b.id_opt("copy_from")?;
    b.datetime_opt("completed_time")?;
    Ok(())
}

fn project_create(ctx: &mut Ctx<'_>) -> ApiResult {
    ctx.need("projects", "CREATE")?;
    let b = parse_body(ctx)?;
    b.require(&["name"])?;
    b.allow(PROJECT_KEYS, &[], &[])?;
    let me = ctx.me();
    let id = ctx.store.next_id();
    let n = ctx.store.projects.len() + 1;
    let mut p = Project {
        id,
        key: format!("ZY{n}"),
        name: String::new(),
        description: String::new(),
        project_type: "active".to_owned(),
        owner: me,
        created_by: me,
        updated_by: me,
        created_ms: ctx.now,
        modified_ms: ctx.now,
        start_date: None,
        end_date: None,
        is_public: false,
        trashed: false,
        task_seq: 0,
        issue_seq: 0,
        members: ctx.store.people.iter().map(|p| p.zpuid).collect(),
    };
    apply_project(ctx, &b, &mut p, false)?;
    if ctx.store.projects.values().any(|x| !x.trashed && x.name.eq_ignore_ascii_case(&p.name)) {
        return Err(ApiErr::Rule("A project with this name already exists.".to_owned()));
    }
    // Every new project gets its "General" task list, as in Zoho.
    let tl = ctx.store.next_id();
    ctx.store.tasklists.insert(
        tl,
        Tasklist {
            id: tl,
            project: id,
            name: "General".to_owned(),
            flag: "internal".to_owned(),
            milestone: None,
            created_ms: ctx.now,
            modified_ms: ctx.now,
            sequence: 1,
            completed: false,
        },
    );
    ctx.store.projects.insert(id, p.clone());
    Ok(json(201, &ctx.store.project_v3(&p)))
}

fn project_update(ctx: &mut Ctx<'_>, pr: &str) -> ApiResult {
    ctx.need("projects", "UPDATE")?;
    let mut p = project(ctx, pr)?;
    let b = parse_body(ctx)?;
    b.allow(PROJECT_KEYS, &[], &[])?;
    apply_project(ctx, &b, &mut p, true)?;
    p.modified_ms = ctx.now;
    p.updated_by = ctx.me();
    ctx.store.projects.insert(p.id, p.clone());
    Ok(json(200, &ctx.store.project_v3(&p)))
}

// ---- task lists ----------------------------------------------------------------------------

fn apply_tasklist(ctx: &Ctx<'_>, b: &Body, t: &mut Tasklist) -> Result<(), ApiErr> {
    b.allow(&["name", "flag", "milestone", "status"], &["milestone_id"], &[])?;
    if let Some(n) = b.name_opt("name", 150)? {
        t.name = n;
    }
    if let Some(f) = b.enum_opt("flag", &["internal", "external"])? {
        t.flag = f;
    }
    if let Some(m) = b.ref_id("milestone", "id")? {
        match ctx.store.milestones.get(&m) {
            Some(ms) if ms.project == t.project => t.milestone = Some(m),
            _ => return Err(ApiErr::Invalid("milestone".to_owned())),
        }
    }
    if let Some(s) = b.enum_opt("status", &["active", "completed"])? {
        t.completed = s == "completed";
    }
    Ok(())
}

fn tasklist_create(ctx: &mut Ctx<'_>, pr: &str) -> ApiResult {
    ctx.need("tasklists", "CREATE")?;
    let p = project(ctx, pr)?;
    let b = parse_body(ctx)?;
    b.require(&["name"])?;
    let id = ctx.store.next_id();
    let seq = ctx.store.tasklists.values().filter(|t| t.project == p.id).count() as u32 + 1;
    let mut t = Tasklist {
        id,
        project: p.id,
        name: String::new(),
        flag: "internal".to_owned(),
        milestone: None,
        created_ms: ctx.now,
        modified_ms: ctx.now,
        sequence: seq,
        completed: false,
    };
    apply_tasklist(ctx, &b, &mut t)?;
    ctx.store.tasklists.insert(id, t.clone());
    Ok(json(201, &ctx.store.tasklist_v3(&t)))
}

fn tasklist_update(ctx: &mut Ctx<'_>, pr: &str, tl: &str) -> ApiResult {
    ctx.need("tasklists", "UPDATE")?;
    let mut t = tasklist(ctx, pr, tl)?;
    let b = parse_body(ctx)?;
    apply_tasklist(ctx, &b, &mut t)?;
    t.modified_ms = ctx.now;
    ctx.store.tasklists.insert(t.id, t.clone());
    Ok(json(200, &ctx.store.tasklist_v3(&t)))
}

// ---- tasks ---------------------------------------------------------------------------------

const TASK_KEYS: &[&str] = &[
    "name",
    "description",
    "tasklist",
    "start_date",
    "end_date",
    "priority",
    "status",
    "owners_and_work",
    "completion_percentage",
    "billing_type",
    "milestone",
    "tags",
    "duration",
    "attachments",
    "teams",
    "recurrence",
    "reminder",
    "budget_info",
    "is_completed",
];
/// Keys Zoho accepts and ignores (measured on live portals by third parties).
const TASK_IGNORED: &[&str] = &[
    "milestone_id",
    "tasklist_id",
    "owners",
    "owner",
    "depth",
    "parent_task_id",
    "parental_info",
    "association_info",
    "search",
];
/// Keys Zoho knows but refuses with INVALID_PARAMETER_VALUE.
const TASK_REFUSED: &[&str] = &["assignees", "parent_task", "custom_status"];

fn apply_task(ctx: &Ctx<'_>, b: &Body, t: &mut Task) -> Result<(), ApiErr> {
    b.allow(TASK_KEYS, TASK_IGNORED, TASK_REFUSED)?;
    if let Some(n) = b.name_opt("name", 250)? {
        t.name = n;
    }
    if let Some(d) = b.str_opt("description", 80_000)? {
        t.description = d;
    }
    if let Some(tl) = b.ref_id("tasklist", "id")? {
        match ctx.store.tasklists.get(&tl) {
            Some(x) if x.project == t.project => t.tasklist = tl,
            _ => return Err(ApiErr::Invalid("tasklist".to_owned())),
        }
    }
    if b.has("start_date") {
        t.start_ms = b.datetime_opt("start_date")?;
    }
    if b.has("end_date") {
        t.end_ms = b.datetime_opt("end_date")?;
    }
    if let (Some(s), Some(e)) = (t.start_ms, t.end_ms)
        && e < s
    {
        return Err(ApiErr::Invalid("end_date".to_owned()));
    }
    if let Some(p) = b.enum_opt("priority", &["none", "low", "medium", "high"])? {
        t.priority = p;
    }
    if let Some(s) = b.ref_id("status", "id")? {
        if !TASK_STATUSES.iter().any(|x| x.id == s) {
            return Err(ApiErr::Invalid("status".to_owned()));
        }
        t.status = s;
        if task_status(s).closed {
            t.percent = 100;
        }
    }
    if let Some(closed) = b.bool_opt("is_completed")? {
        t.status = if closed { TASK_STATUSES[2].id } else { TASK_STATUSES[0].id };
    }
    if let Some(v) = b.0.get("owners_and_work") {
        let Value::Object(o) = v else {
            return Err(ApiErr::Parse);
        };
        if let Some(owners) = o.get("owners") {
            let Value::Array(arr) = owners else {
                return Err(ApiErr::Parse);
            };
            let mut ids = Vec::new();
            for ow in arr {
                let z = ow.get("zpuid").and_then(id_of).ok_or_else(|| ApiErr::Invalid("owners_and_work".to_owned()))?;
                ids.push(person_ok(ctx, z, "owners_and_work")?);
            }
            t.owners = ids;
        }
    }
    if let Some(p) = b.u32_opt("completion_percentage", 100)? {
        t.percent = p;
    }
    if let Some(bt) = b.enum_opt("billing_type", &["none", "billable", "non_billable"])? {
        t.billing_type = bt;
    }
    if let Some(ids) = b.refs("tags", "id")? {
        if !ids.iter().all(|i| ctx.store.tags.contains_key(i)) {
            return Err(ApiErr::Invalid("tags".to_owned()));
        }
        t.tags = ids;
    }
    if let Some(m) = b.ref_id("milestone", "id")?
        && ctx.store.milestones.get(&m).is_none_or(|x| x.project != t.project)
    {
        return Err(ApiErr::Invalid("milestone".to_owned()));
    }
    task_duration(b)?;
    b.arr_opt("attachments")?;
    b.obj_opt("budget_info")?;
    Ok(())
}

/// `duration: {"value": "5", "type": "days"}` or `{"value": "100:30", "type": "hours"}`.
fn task_duration(b: &Body) -> Result<(), ApiErr> {
    let Some(d) = b.obj_opt("duration")? else {
        return Ok(());
    };
    if let Some(extra) = d.keys().find(|k| *k != "value" && *k != "type") {
        return Err(ApiErr::ExtraKey(extra.clone()));
    }
    let digits = |x: &str| (1..=5).contains(&x.len()) && x.bytes().all(|c| c.is_ascii_digit());
    let ok = match (d.get("type").and_then(Value::as_str), d.get("value").and_then(Value::as_str)) {
        (Some("days"), Some(v)) => digits(v),
        (Some("hours"), Some(v)) => {
            v.split_once(':').is_some_and(|(h, m)| digits(h) && m.len() == 2 && digits(m) && m < "60")
        }
        _ => false,
    };
    if ok { Ok(()) } else { Err(ApiErr::Invalid("duration".to_owned())) }
}

fn task_create(ctx: &mut Ctx<'_>, pr: &str) -> ApiResult {
    ctx.need("tasks", "CREATE")?;
    let p = project(ctx, pr)?;
    let b = parse_body(ctx)?;
    b.require(&["name"])?;
    let default_list = ctx
        .store
        .tasklists
        .values()
        .filter(|t| t.project == p.id)
        .find(|t| t.name == "General")
        .or_else(|| ctx.store.tasklists.values().find(|t| t.project == p.id))
        .map(|t| t.id);
    let me = ctx.me();
    let mut t = Task {
        id: 0,
        project: p.id,
        tasklist: default_list.unwrap_or(0),
        seq: 0,
        name: String::new(),
        description: String::new(),
        priority: "none".to_owned(),
        status: TASK_STATUSES[0].id,
        start_ms: None,
        end_ms: None,
        owners: Vec::new(),
        created_by: me,
        created_ms: ctx.now,
        modified_ms: ctx.now,
        percent: 0,
        parent: None,
        billing_type: "none".to_owned(),
        tags: Vec::new(),
    };
    apply_task(ctx, &b, &mut t)?;
    if t.tasklist == 0 {
        return Err(ApiErr::Missing("tasklist".to_owned()));
    }
    t.id = ctx.store.next_id();
    if let Some(x) = ctx.store.projects.get_mut(&p.id) {
        x.task_seq += 1;
        t.seq = x.task_seq;
    }
    ctx.store.tasks.insert(t.id, t.clone());
    Ok(json(201, &ctx.store.task_v3(&t)))
}

fn task_update(ctx: &mut Ctx<'_>, pr: &str, id: &str) -> ApiResult {
    ctx.need("tasks", "UPDATE")?;
    let mut t = task(ctx, pr, id)?;
    let b = parse_body(ctx)?;
    apply_task(ctx, &b, &mut t)?;
    t.modified_ms = ctx.now;
    ctx.store.tasks.insert(t.id, t.clone());
    Ok(json(200, &ctx.store.task_v3(&t)))
}

// ---- comments ------------------------------------------------------------------------------

fn comment_create(ctx: &mut Ctx<'_>, parent: u64) -> ApiResult {
    let b = parse_body(ctx)?;
    b.require(&["comment"])?;
    b.allow(&["comment", "attachments", "attachment_ids", "notify_users", "notify"], &[], &[])?;
    let text = b.name_opt("comment", 80_000)?.unwrap_or_default();
    let id = ctx.store.next_id();
    let c = Comment { id, parent, content: text, added_by: ctx.me(), created_ms: ctx.now, modified_ms: ctx.now };
    ctx.store.comments.insert(id, c.clone());
    // The reply is a bare array (measured on a live portal by a third party).
    Ok(json(201, &json!([ctx.store.comment_v3(&c)])))
}

fn comment_item(ctx: &mut Ctx<'_>, m: &Method, parent: u64, c: &str) -> ApiResult {
    let id = pid(c, "comment_id")?;
    let Some(mut cm) = ctx.store.comments.get(&id).filter(|x| x.parent == parent).cloned() else {
        return Err(ApiErr::NotFound("comment_id"));
    };
    match *m {
        Method::GET => Ok(json(200, &ctx.store.comment_v3(&cm))),
        Method::PATCH => {
            let b = parse_body(ctx)?;
            b.require(&["comment"])?;
            b.allow(&["comment", "attachments", "attachment_ids"], &[], &[])?;
            cm.content = b.name_opt("comment", 80_000)?.unwrap_or_default();
            cm.modified_ms = ctx.now;
            ctx.store.comments.insert(id, cm.clone());
            Ok(json(200, &ctx.store.comment_v3(&cm)))
        }
        _ => {
            ctx.store.comments.remove(&id);
            Ok(empty(204))
        }
    }
}

// ---- phases --------------------------------------------------------------------------------

const MILESTONE_KEYS: &[&str] = &[
    "name",
    "start_date",
    "end_date",
    "owner_zpuid",
    "owner",
    "flag",
    "status_id",
    "status",
    "tagIds",
    "next",
    "previous",
    "budget",
    "threshold",
    "hourly_budget",
    "hourly_budget_threshold",
    "revenue_budget",
];

fn apply_milestone(ctx: &Ctx<'_>, b: &Body, x: &mut Milestone) -> Result<(), ApiErr> {
    b.allow(MILESTONE_KEYS, &[], &[])?;
    if let Some(n) = b.name_opt("name", 100)? {
        x.name = n;
    }
    if b.has("start_date") {
        x.start_date = b.phase_date_opt("start_date")?;
    }
    if b.has("end_date") {
        x.end_date = b.phase_date_opt("end_date")?;
    }
    if let (Some(s), Some(e)) = (x.start_date, x.end_date)
        && e < s
    {
        return Err(ApiErr::Invalid("end_date".to_owned()));
    }
    if let Some(o) = b.id_opt("owner_zpuid")? {
        x.owner = person_ok(ctx, o, "owner_zpuid")?;
    }
    if let Some(o) = b.ref_id("owner", "zpuid")? {
        x.owner = person_ok(ctx, o, "owner")?;
    }
    if let Some(f) = b.enum_opt("flag", &["internal", "external"])? {
        x.flag = f;
    }
    if let Some(s) = b.enum_opt("status", &["completed", "notcompleted", "active"])? {
        x.completed = s == "completed";
    }
    Ok(())
}

fn milestone_create(ctx: &mut Ctx<'_>, pr: &str) -> ApiResult {
    ctx.need("milestones", "CREATE")?;
    let p = project(ctx, pr)?;
    let b = parse_body(ctx)?;
    b.require(&["name"])?;
    let mut x = Milestone {
        id: 0,
        project: p.id,
        name: String::new(),
        owner: ctx.me(),
        flag: "internal".to_owned(),
        start_date: None,
        end_date: None,
        completed: false,
        created_ms: ctx.now,
        modified_ms: ctx.now,
    };
    apply_milestone(ctx, &b, &mut x)?;
    x.id = ctx.store.next_id();
    ctx.store.milestones.insert(x.id, x.clone());
    Ok(json(201, &ctx.store.milestone_v3(&x)))
}

fn milestone_update(ctx: &mut Ctx<'_>, pr: &str, ms: &str) -> ApiResult {
    ctx.need("milestones", "UPDATE")?;
    let mut x = milestone(ctx, pr, ms)?;
    let b = parse_body(ctx)?;
    apply_milestone(ctx, &b, &mut x)?;
    x.modified_ms = ctx.now;
    ctx.store.milestones.insert(x.id, x.clone());
    Ok(json(200, &ctx.store.milestone_v3(&x)))
}

// ---- issues --------------------------------------------------------------------------------

const ISSUE_KEYS: &[&str] = &[
    "name",
    "description",
    "flag",
    "due_date",
    "assignee",
    "severity",
    "classification",
    "module",
    "tags",
    "status",
    "reproducible",
    "followers",
];

fn apply_issue(ctx: &Ctx<'_>, b: &Body, x: &mut Issue) -> Result<(), ApiErr> {
    b.allow(ISSUE_KEYS, &[], &[])?;
    if let Some(n) = b.name_opt("name", 250)? {
        x.name = n;
    }
    if let Some(d) = b.str_opt("description", 80_000)? {
        x.description = d;
    }
    if let Some(f) = b.enum_opt("flag", &["Internal", "External"])? {
        x.flag = f;
    }
    if b.has("due_date") {
        x.due_date = b.date_opt("due_date")?;
    }
    if b.has("assignee") {
        x.assignee = match b.ref_id("assignee", "zpuid")? {
            Some(z) => Some(person_ok(ctx, z, "assignee")?),
            None => None,
        };
    }
    if let Some(s) = b.ref_id("severity", "id")? {
        let name = SEVERITIES
            .iter()
            .find(|(id, _)| id.parse::<u64>().ok() == Some(s))
            .map(|(_, n)| *n)
            .ok_or_else(|| ApiErr::Invalid("severity".to_owned()))?;
        x.severity = name.to_owned();
    }
    b.ref_id("classification", "id")?;
    b.ref_id("module", "id")?;
    b.refs("tags", "id")?;
    if let Some(s) = b.ref_id("status", "id")? {
        if !ISSUE_STATUSES.iter().any(|st| st.id == s) {
            return Err(ApiErr::Invalid("status".to_owned()));
        }
        x.status = s;
    }
    Ok(())
}

fn issue_create(ctx: &mut Ctx<'_>, pr: &str) -> ApiResult {
    ctx.need("bugs", "CREATE")?;
    let p = project(ctx, pr)?;
    let b = parse_body(ctx)?;
    b.require(&["name"])?;
    let mut x = Issue {
        id: 0,
        project: p.id,
        seq: 0,
        name: String::new(),
        description: String::new(),
        flag: "Internal".to_owned(),
        status: ISSUE_STATUSES[0].id,
        severity: "None".to_owned(),
        assignee: None,
        reporter: ctx.me(),
        due_date: None,
        created_ms: ctx.now,
        modified_ms: ctx.now,
    };
    apply_issue(ctx, &b, &mut x)?;
    x.id = ctx.store.next_id();
    if let Some(pp) = ctx.store.projects.get_mut(&p.id) {
        pp.issue_seq += 1;
        x.seq = pp.issue_seq;
    }
    ctx.store.issues.insert(x.id, x.clone());
    Ok(json(201, &ctx.store.issue_v3(&x)))
}

fn issue_update(ctx: &mut Ctx<'_>, pr: &str, i: &str) -> ApiResult {
    ctx.need("bugs", "UPDATE")?;
    let mut x = issue(ctx, pr, i)?;
    let b = parse_body(ctx)?;
    apply_issue(ctx, &b, &mut x)?;
    x.modified_ms = ctx.now;
    let _ = issue_status(x.status);
    ctx.store.issues.insert(x.id, x.clone());
    Ok(json(200, &ctx.store.issue_v3(&x)))
}

// ---- time logs -----------------------------------------------------------------------------

fn module_from(ctx: &Ctx<'_>, v: &Value, project: u64, field: &str) -> Result<(String, Option<u64>), ApiErr> {
    let Value::Object(o) = v else {
        return Err(ApiErr::Invalid(field.to_owned()));
    };
    let ty = o.get("type").and_then(Value::as_str).ok_or_else(|| ApiErr::Invalid(field.to_owned()))?;
    let id = o.get("id").and_then(id_of);
    match ty {
        "general" => Ok((ty.to_owned(), None)),
        "task" => match id.and_then(|i| ctx.store.tasks.get(&i)) {
            Some(t) if t.project == project => Ok((ty.to_owned(), id)),
            _ => Err(ApiErr::Invalid(field.to_owned())),
        },
        "issue" => match id.and_then(|i| ctx.store.issues.get(&i)) {
            Some(t) if t.project == project => Ok(("issue".to_owned(), id)),
            _ => Err(ApiErr::Invalid(field.to_owned())),
        },
        _ => Err(ApiErr::Invalid(field.to_owned())),
    }
}

fn day_total(ctx: &Ctx<'_>, owner: u64, date: chrono::NaiveDate, except: u64) -> u32 {
    ctx.store
        .timelogs
        .values()
        .filter(|l| l.owner == owner && l.date == date && l.id != except)
        .map(|l| l.minutes)
        .sum()
}

const LOG_KEYS: &[&str] = &[
    "module",
    "date",
    "bill_status",
    "hours",
    "log_name",
    "notes",
    "start_time",
    "end_time",
    "owner_zpuid",
    "approver",
    "status",
    "cost_rate_per_hour",
    "for_timer",
    "approval_status",
    "extra_data",
    "is_draft",
];

fn apply_log(ctx: &Ctx<'_>, b: &Body, l: &mut TimeLog) -> Result<(), ApiErr> {
    b.allow(LOG_KEYS, &[], &[])?;
    if let Some(v) = b.0.get("module") {
        let (ty, id) = module_from(ctx, v, l.project, "module")?;
        l.module = ty;
        l.module_id = id;
    }
    if let Some(d) = b.date_opt("date")? {
        l.date = d;
    }
    if let Some(s) = b.enum_opt("bill_status", &["Billable", "Non Billable"])? {
        l.bill_status = s;
    }
    if let Some(h) = b.hours_opt("hours")? {
        l.minutes = h;
    }
    if let Some(n) = b.str_opt("log_name", 250)? {
        l.log_name = n;
    }
    if let Some(n) = b.str_opt("notes", 80_000)? {
        l.notes = n;
    }
    if let Some(o) = b.id_opt("owner_zpuid")? {
        l.owner = person_ok(ctx, o, "owner_zpuid")?;
    }
    let status = b.enum_opt("approval_status", &["Approved", "Unapproved", "Rejected"])?;
    let status = match status {
        Some(s) => Some(s),
        None => b.enum_opt("status", &["Approved", "Unapproved", "Rejected"])?,
    };
    if let Some(s) = status {
        l.approval = s;
    }
    let used = day_total(ctx, l.owner, l.date, l.id);
    if used + l.minutes > 24 * 60 {
        let left = (24 * 60u32).saturating_sub(used);
        return Err(ApiErr::Rule(format!("You are left with {} hour(s) to log", crate::render::hhmm(left))));
    }
    Ok(())
}

fn timelog_create(ctx: &mut Ctx<'_>, pr: &str) -> ApiResult {
    ctx.need("timesheets", "CREATE")?;
    let p = project(ctx, pr)?;
    let b = parse_body(ctx)?;
    // bill_status defaults to the portal's default billing status (Billable)
    b.require(&["module", "date", "hours"])?;
    let mut l = TimeLog {
        id: 0,
        project: p.id,
        module: "general".to_owned(),
        module_id: None,
        date: chrono::NaiveDate::default(),
        minutes: 0,
        bill_status: "Billable".to_owned(),
        log_name: String::new(),
        notes: String::new(),
        owner: ctx.me(),
        approval: "Unapproved".to_owned(),
        created_ms: ctx.now,
        modified_ms: ctx.now,
    };
    apply_log(ctx, &b, &mut l)?;
    l.id = ctx.store.next_id();
    ctx.store.timelogs.insert(l.id, l.clone());
    Ok(json(201, &ctx.store.timelog_v3(&l)))
}

fn timelog_item(ctx: &mut Ctx<'_>, m: &Method, pr: &str, lid: &str) -> ApiResult {
    let op = match *m {
        Method::GET => "READ",
        Method::PATCH => "UPDATE",
        Method::DELETE => "DELETE",
        _ => return Err(ApiErr::Method),
    };
    ctx.need("timesheets", op)?;
    let p = project(ctx, pr)?;
    let id = pid(lid, "log_id")?;
    let Some(mut l) = ctx.store.timelogs.get(&id).filter(|l| l.project == p.id).cloned() else {
        return Err(ApiErr::NotFound("log_id"));
    };
    match *m {
        Method::GET => Ok(json(200, &ctx.store.timelog_v3(&l))),
        Method::PATCH => {
            if l.approval == "Approved" {
                return Err(ApiErr::Rule("Cannot update approved timelogs".to_owned()));
            }
            let b = parse_body(ctx)?;
            apply_log(ctx, &b, &mut l)?;
            l.modified_ms = ctx.now;
            ctx.store.timelogs.insert(id, l.clone());
            Ok(json(200, &ctx.store.timelog_v3(&l)))
        }
        _ => {
            ctx.store.timelogs.remove(&id);
            Ok(empty(204))
        }
    }
}

fn timelogs_list(ctx: &Ctx<'_>, pr: &str) -> ApiResult {
    ctx.need("timesheets", "READ")?;
    let p = project(ctx, pr)?;
    let pg = Paging::from(ctx)?;
    let view = ctx.req.q("view_type").ok_or_else(|| ApiErr::Missing("view_type".to_owned()))?;
    let today = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ctx.now).unwrap_or_default().date_naive();
    let date_q = |k: &str| -> Result<Option<chrono::NaiveDate>, ApiErr> {
        match ctx.req.q(k) {
            None => Ok(None),
            Some(s) => parse_date(s).map(Some).ok_or_else(|| ApiErr::Invalid(k.to_owned())),
        }
    };
    let anchor = date_q("start_date")?.or(date_q("date")?).unwrap_or(today);
    let (from, to) = match view {
        "day" => (anchor, anchor),
        "week" => {
            use chrono::Datelike;
            let back = chrono::Days::new(u64::from(anchor.weekday().num_days_from_sunday()));
            let start = anchor.checked_sub_days(back).unwrap_or(anchor);
            (start, start.checked_add_days(chrono::Days::new(6)).unwrap_or(start))
        }
        "month" => {
            use chrono::Datelike;
            let start = anchor.with_day(1).unwrap_or(anchor);
            let next = start.checked_add_months(chrono::Months::new(1)).unwrap_or(start);
            (start, next.checked_sub_days(chrono::Days::new(1)).unwrap_or(start))
        }
        "customdate" => {
            let s = date_q("start_date")?.ok_or_else(|| ApiErr::Missing("start_date".to_owned()))?;
            let e = date_q("end_date")?.ok_or_else(|| ApiErr::Missing("end_date".to_owned()))?;
            if e < s {
                return Err(ApiErr::Invalid("end_date".to_owned()));
            }
            (s, e)
        }
        _ => return Err(ApiErr::Invalid("view_type".to_owned())),
    };
    let module = match ctx.req.q("module") {
        None => None,
        Some(s) => {
            let v: Value = serde_json::from_str(s).map_err(|_| ApiErr::Invalid("module".to_owned()))?;
            Some(module_from(ctx, &v, p.id, "module")?)
        }
    };
    let logs: Vec<&TimeLog> = ctx
        .store
        .timelogs
        .values()
        .filter(|l| l.project == p.id && l.date >= from && l.date <= to)
        .filter(|l| module.as_ref().is_none_or(|(ty, id)| *ty == l.module && (id.is_none() || *id == l.module_id)))
        .collect();
    let (logs, _) = pg.cut(logs);
    if logs.is_empty() {
        return Ok(empty(204));
    }
    let mut days: std::collections::BTreeMap<chrono::NaiveDate, Vec<&TimeLog>> = Default::default();
    for l in logs {
        days.entry(l.date).or_default().push(l);
    }
    let groups: Vec<Value> = days
        .into_iter()
        .map(|(d, ls)| {
            let total: u32 = ls.iter().map(|l| l.minutes).sum();
            json!({
                "date": crate::render::ymd(d),
                "total_hours": crate::render::hhmm(total),
                "log_details": ls.iter().map(|l| ctx.store.timelog_v3(l)).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(json(200, &json!({"time_logs": groups})))
}

// ---- search, tags --------------------------------------------------------------------------

fn search(ctx: &Ctx<'_>, project: Option<u64>) -> ApiResult {
    ctx.need("search", "READ")?;
    let term = ctx
        .req
        .q("search_term")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiErr::Missing("search_term".to_owned()))?
        .to_ascii_lowercase();
    let module = ctx.req.q("module").unwrap_or("all");
    if !["all", "tasks", "issues", "projects", "milestones"].contains(&module) {
        return Err(ApiErr::Invalid("module".to_owned()));
    }
    let pg = Paging::from(ctx)?;
    let s = &*ctx.store;
    let live = |pid: u64| s.projects.get(&pid).is_some_and(|p| ctx.sees(p)) && project.is_none_or(|x| x == pid);
    let hit = |name: &str| name.to_ascii_lowercase().contains(&term);
    let mut out = serde_json::Map::new();
    let mut more = false;
    if module == "all" || module == "projects" {
        let v: Vec<Value> =
            s.projects.values().filter(|p| live(p.id) && hit(&p.name)).map(|p| s.project_v3(p)).collect();
        let (v, next) = pg.cut(v);
        more |= next;
        out.insert("projects".into(), json!(v));
    }
    if module == "all" || module == "tasks" {
        let v: Vec<Value> =
            s.tasks.values().filter(|t| live(t.project) && hit(&t.name)).map(|t| s.task_v3(t)).collect();
        let (v, next) = pg.cut(v);
        more |= next;
        out.insert("tasks".into(), json!(v));
    }
    if module == "all" || module == "issues" {
        let v: Vec<Value> =
            s.issues.values().filter(|t| live(t.project) && hit(&t.name)).map(|t| s.issue_v3(t)).collect();
        let (v, next) = pg.cut(v);
        more |= next;
        out.insert("issues".into(), json!(v));
    }
    if module == "all" || module == "milestones" {
        let v: Vec<Value> =
            s.milestones.values().filter(|t| live(t.project) && hit(&t.name)).map(|t| s.milestone_v3(t)).collect();
        let (v, next) = pg.cut(v);
        more |= next;
        out.insert("milestones".into(), json!(v));
    }
    out.insert("page_info".into(), pg.info(ctx, more));
    Ok(json(200, &Value::Object(out)))
}

fn tags_create(ctx: &mut Ctx<'_>) -> ApiResult {
    ctx.need("tags", "CREATE")?;
    // JSON body {"tags":[…]}, a form field `tags` holding that JSON array, or the documented
    // multipart form: one text part `tags` holding it (V3.md §1 "Bodies").
    let tags_val = if attachments::is_multipart(ctx.req) {
        let parts = attachments::parse_form(ctx.req)?;
        if let Some(extra) = parts.iter().find(|p| p.name != "tags") {
            return Err(ApiErr::ExtraKey(extra.name.clone()));
        }
        let [part] = parts.as_slice() else {
            return Err(if parts.is_empty() {
                ApiErr::Missing("tags".to_owned())
            } else {
                ApiErr::Invalid("tags".to_owned())
            });
        };
        if part.file_name.is_some() {
            // A file where the JSON text belongs.
            return Err(ApiErr::Invalid("tags".to_owned()));
        }
        serde_json::from_slice::<Value>(&part.data).map_err(|_| ApiErr::Parse)?
    } else if ctx.req.content_type().starts_with("application/x-www-form-urlencoded") {
        let form = ctx.req.form_body();
        let raw = form
            .iter()
            .find(|(k, _)| k == "tags")
            .map(|(_, v)| v.clone())
            .ok_or_else(|| ApiErr::Missing("tags".to_owned()))?;
        serde_json::from_str::<Value>(&raw).map_err(|_| ApiErr::Parse)?
    } else {
        let b = parse_body(ctx)?;
        b.require(&["tags"])?;
        b.allow(&["tags"], &[], &[])?;
        match b.0.get("tags") {
            Some(Value::String(s)) => serde_json::from_str::<Value>(s).map_err(|_| ApiErr::Parse)?,
            Some(v) => v.clone(),
            None => Value::Null,
        }
    };
    let Value::Array(items) = tags_val else {
        return Err(ApiErr::Parse);
    };
    if items.is_empty() {
        return Err(ApiErr::Missing("tags".to_owned()));
    }
    let mut created = Vec::new();
    for it in &items {
        let name = it.get("name").and_then(Value::as_str).map(str::trim).filter(|n| !n.is_empty() && n.len() <= 50);
        let name = name.ok_or_else(|| ApiErr::Invalid("name".to_owned()))?;
        if ctx.store.tags.values().any(|t| t.name.eq_ignore_ascii_case(name)) {
            return Err(ApiErr::Rule(format!("Tag '{name}' already exists.")));
        }
        let color = it.get("color_class").and_then(Value::as_str).unwrap_or("bg-tag1").to_owned();
        let id = ctx.store.next_id();
        let t = Tag { id, name: name.to_owned(), color_class: color, created_by: ctx.me() };
        ctx.store.tags.insert(id, t);
        created.push(id);
    }
    let out: Vec<Value> = created.iter().filter_map(|id| ctx.store.tags.get(id)).map(|t| ctx.store.tag_v3(t)).collect();
    Ok(json(201, &json!({"tags": out})))
}

fn tag_update(ctx: &mut Ctx<'_>, t: &str) -> ApiResult {
    ctx.need("tags", "UPDATE")?;
    let id = tag(ctx, t)?;
    let b = parse_body(ctx)?;
    b.allow(&["name", "color_class"], &[], &[])?;
    let name = b.name_opt("name", 50)?;
    let color = b.str_opt("color_class", 30)?;
    if let Some(n) = &name
        && ctx.store.tags.values().any(|x| x.id != id && x.name.eq_ignore_ascii_case(n))
    {
        return Err(ApiErr::Rule(format!("Tag '{n}' already exists.")));
    }
    if let Some(x) = ctx.store.tags.get_mut(&id) {
        if let Some(n) = name {
            x.name = n;
        }
        if let Some(c) = color {
            x.color_class = c;
        }
    }
    let x = ctx.store.tags.get(&id).ok_or(ApiErr::NotFound("tag_id"))?;
    Ok(json(200, &json!({"tags": ctx.store.tag_v3(x)})))
}
