//! The legacy restapi (`/restapi/...`): numeric ids plus `id_string`, `MM-dd-yyyy` dates plus
//! `*_long` epoch ms, `link` objects, `index`/`range` paging, form bodies.

use axum::http::Method;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::api::{ApiErr, ApiResult, Ctx};
use crate::data::{Project, Store, TASK_STATUSES, Task, Tasklist, path_id};
use crate::input::parse_date;
use crate::render::task_status;
use crate::util::{empty, json};

/// Zoho's placeholder "None" milestone (the samples show `<portal prefix>000000000073`).
const NONE_MILESTONE: u64 = 2_447_529_000_000_000_073;

fn dt(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

fn mdy(ms: i64) -> String {
    dt(ms).format("%m-%d-%Y").to_string()
}

fn mdy_format(ms: i64) -> String {
    dt(ms).format("%m-%d-%Y %I:%M:%S %p").to_string()
}

/// Adds `<name>`, `<name>_long`, `<name>_format` to `v`.
fn stamp(v: &mut Value, name: &str, ms: i64) {
    v[name] = json!(mdy(ms));
    v[format!("{name}_long")] = json!(ms);
    v[format!("{name}_format")] = json!(mdy_format(ms));
}

fn date_ms(d: chrono::NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).map(|x| x.and_utc().timestamp_millis()).unwrap_or(0)
}

fn link(url: String) -> Value {
    json!({ "url": url })
}

struct R<'a> {
    s: &'a Store,
    base: String,
}

impl R<'_> {
    fn portal_url(&self) -> String {
        format!("{}/restapi/portal/{}", self.base, self.s.v2_portal_id)
    }

    /// The portal as the user `zuid` sees it (`role` is theirs, as in the real sample).
    fn portal(&self, zuid: u64) -> Value {
        let s = self.s;
        let role = s.person_by_zuid(zuid).map_or("admin", |p| p.role.as_str());
        let active = s.projects.values().filter(|p| !p.trashed && p.project_type == "active").count();
        json!({
            "id": s.v2_portal_id,
            "id_string": s.v2_portal_id.to_string(),
            "name": s.portal_name,
            "default": true,
            "role": role,
            "plan": "Enterprise",
            "trial_enabled": false,
            "gmt_time_zone": "(GMT 0:0) Coordinated Universal Time",
            "gmt_time_zone_offset": 0,
            "project_count": {"active": active},
            "avail_user_count": -1,
            "max_user_count": -1,
            "is_crm_partner": false,
            "bug_plural": "Bugs",
            "bug_singular": "Bug",
            "bug_plan": "Enterprise",
            "project_prefix": "ZY",
            "is_display_projectprefix": true,
            "is_display_taskprefix": true,
            "profile_id": 2447529000000054443u64,
            "is_new_plan": false,
            "new_user_plan": false,
            "available_projects": -1,
            "percentage_calculation": "based_on_status",
            "locale": {"country": "United States", "code": "en_US", "language": "English"},
            "layouts": {"projects": {"module_id": "2447529000000020005"}, "tasks": {"module_id": "2447529000000020009"}},
            "extensions": {},
            "settings": {
                "business_hours": {"business_start": 540, "business_end": 1080},
                "default_dependency_type": "finish-start",
                "working_days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
                "timelog_period": {"log_future_time": {"allowed": false}, "log_past_time": {"allowed": true}},
                "time_zone": "UTC",
                "date_format": "MM-dd-yyyy hh:mm aaa",
                "company_name": s.org_name,
            },
            "link": {"project": link(format!("{}/projects/", self.portal_url()))},
        })
    }

    fn project(&self, p: &Project) -> Value {
        let s = self.s;
        let (to, tc, io, ic, mo, mc) = s.counts(p.id);
        let owner = s.person(p.owner);
        let purl = format!("{}/projects/{}", self.portal_url(), p.id);
        let mut links = serde_json::Map::new();
        links.insert("self".into(), link(format!("{purl}/")));
        for (k, seg) in [
            ("folder", "folders"),
            ("milestone", "milestones"),
            ("forum", "forums"),
            ("document", "documents"),
            ("status", "statuses"),
            ("event", "events"),
            ("task", "tasks"),
            ("bug", "bugs"),
            ("timesheet", "logs"),
            ("user", "users"),
            ("tasklist", "tasklists"),
            ("activity", "activities"),
        ] {
            links.insert(k.into(), link(format!("{purl}/{seg}/")));
        }
        let mut v = json!({
            "id": p.id,
            "id_string": p.id.to_string(),
            "key": p.key,
            "name": p.name,
            "description": p.description,
            "status": p.project_type,
            "owner_name": owner.map(|o| o.name.clone()).unwrap_or_default(),
            "owner_id": owner.map(|o| o.zuid.to_string()).unwrap_or_default(),
            "owner_zpuid": p.owner.to_string(),
            "role": "admin",
            "is_public": if p.is_public { "yes" } else { "no" },
            "is_strict": "no",
            "IS_BUG_ENABLED": true,
            "project_percent": (tc * 100).checked_div(to + tc).unwrap_or(0).to_string(),
            "task_count": {"open": to, "closed": tc},
            "bug_count": {"open": io, "closed": ic},
            "milestone_count": {"open": mo, "closed": mc},
            "custom_status_name": "Active",
            "custom_status_color": "#2cc8ba",
            "taskbug_prefix": p.key,
            "bug_prefix": format!("{}-I", p.key),
            "custom_fields": [],
            "link": links,
        });
        stamp(&mut v, "created_date", p.created_ms);
        stamp(&mut v, "updated_date", p.modified_ms);
        if let Some(d) = p.start_date {
            stamp(&mut v, "start_date", date_ms(d));
        }
        if let Some(d) = p.end_date {
            stamp(&mut v, "end_date", date_ms(d));
        }
        v
    }

    fn tasklist(&self, t: &Tasklist) -> Value {
        let s = self.s;
        let (mut open, mut closed) = (0, 0);
        for x in s.tasks.values().filter(|x| x.tasklist == t.id) {
            if task_status(x.status).closed { closed += 1 } else { open += 1 }
        }
        let url = format!("{}/projects/{}/tasklists/{}", self.portal_url(), t.project, t.id);
        let ms = t.milestone.and_then(|m| s.milestones.get(&m));
        let mut v = json!({
            "id": t.id,
            "id_string": t.id.to_string(),
            "name": t.name,
            "flag": t.flag,
            "completed": t.completed,
            "rolled": false,
            "sequence": t.sequence,
            "view_type": t.flag,
            "task_count": {"open": open, "closed": closed},
            "milestone": match ms {
                Some(m) => json!({"id": m.id, "id_string": m.id.to_string(), "name": m.name}),
                None => json!({"id": NONE_MILESTONE, "id_string": NONE_MILESTONE.to_string(), "name": "None"}),
            },
            "link": {"self": link(format!("{url}/")), "task": link(format!("{url}/tasks/"))},
        });
        stamp(&mut v, "created_time", t.created_ms);
        stamp(&mut v, "last_updated_time", t.modified_ms);
        v
    }

    fn task(&self, t: &Task) -> Value {
        let s = self.s;
        let key = s.projects.get(&t.project).map(|p| p.key.clone()).unwrap_or_default();
        let st = task_status(t.status);
        let tl = s.tasklists.get(&t.tasklist);
        let creator = s.person(t.created_by);
        let owners: Vec<Value> = t
            .owners
            .iter()
            .filter_map(|z| s.person(*z))
            .map(|p| {
                json!({"zpuid": p.zpuid.to_string(), "id": p.zuid.to_string(), "name": p.name, "full_name": p.name,
                       "first_name": p.first_name, "last_name": p.last_name, "email": p.email, "work": "00:00"})
            })
            .collect();
        let (b, n) = s.log_minutes_for(t.id);
        let has_subtasks = s.tasks.values().any(|x| x.parent == Some(t.id));
        let url = format!("{}/projects/{}/tasks/{}", self.portal_url(), t.project, t.id);
        let mut prio = t.priority.clone();
        if let Some(f) = prio.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        let mut v = json!({
            "id": t.id,
            "id_string": t.id.to_string(),
            "key": format!("{key}-T{}", t.seq),
            "name": t.name,
            "description": t.description,
            "completed": st.closed,
            "priority": prio,
            "percent_complete": t.percent.to_string(),
            "created_by": creator.map(|c| c.zuid.to_string()).unwrap_or_default(),
            "created_by_zpuid": t.created_by.to_string(),
            "created_person": creator.map(|c| c.name.clone()).unwrap_or_default(),
            "created_by_email": creator.map(|c| c.email.clone()).unwrap_or_default(),
            "details": {"owners": owners},
            "tasklist": {"id": t.tasklist.to_string(), "id_string": t.tasklist.to_string(), "name": tl.map(|x| x.name.clone()).unwrap_or_default()},
            "status": {"id": st.id.to_string(), "name": st.name, "type": if st.closed { "closed" } else { "open" }, "color_code": st.color},
            "billingtype": match t.billing_type.as_str() { "billable" => "Billable", "non_billable" => "Non Billable", _ => "None" },
            "subtasks": has_subtasks,
            "isparent": has_subtasks,
            "order_sequence": t.seq,
            "work": "00:00",
            "duration": "0",
            "duration_type": "days",
            "log_hours": {"billable_hours": format!("{:.1}", f64::from(b) / 60.0), "non_billable_hours": format!("{:.1}", f64::from(n) / 60.0)},
            "link": {"self": link(format!("{url}/")), "timesheet": link(format!("{url}/logs/"))},
        });
        let m = tl.and_then(|x| x.milestone).unwrap_or(NONE_MILESTONE);
        v["milestone_id"] = json!(m.to_string());
        if let Some(p) = t.parent {
            v["parent_task_id"] = json!(p.to_string());
            v["root_task_id"] = json!(p.to_string());
        }
        stamp(&mut v, "created_time", t.created_ms);
        stamp(&mut v, "last_updated_time", t.modified_ms);
        if let Some(ms) = t.start_ms {
            stamp(&mut v, "start_date", ms);
        }
        if let Some(ms) = t.end_ms {
            stamp(&mut v, "end_date", ms);
        }
        v
    }

    fn user(&self, zpuid: u64) -> Value {
        match self.s.person(zpuid) {
            Some(p) => {
                json!({"id": p.zuid.to_string(), "zpuid": p.zpuid.to_string(), "name": p.name, "email": p.email,
                              "role": p.role, "active": true, "portal_profile_name": p.profile})
            }
            None => json!({"zpuid": zpuid.to_string()}),
        }
    }
}

/// `user_type` = active | inactive | all (default active; FACTS §2.4): whether active users
/// are listed (the sandbox has no inactive ones).
fn user_type(ctx: &Ctx<'_>) -> Result<bool, ApiErr> {
    match ctx.req.q("user_type") {
        None | Some("" | "active" | "all") => Ok(true),
        Some("inactive") => Ok(false),
        Some(_) => Err(ApiErr::Invalid("user_type".to_owned())),
    }
}

/// `index` (1-based) and `range` (≤ 200): both "must be passed for all GET API" [V P-GLOSS], so a
/// list call without either is refused (`Input Parameter Missing`), not defaulted.
fn paging(ctx: &Ctx<'_>) -> Result<(usize, usize), ApiErr> {
    let num = |k: &str, max: usize| match ctx.req.q(k) {
        None | Some("") => Err(ApiErr::Missing(k.to_owned())),
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if n >= 1 && n <= max => Ok(n),
            _ => Err(ApiErr::Invalid(k.to_owned())),
        },
    };
    Ok((num("index", usize::MAX)?, num("range", 200)?))
}

fn page(ctx: &Ctx<'_>, key: &str, items: Vec<Value>) -> ApiResult {
    let (index, range) = paging(ctx)?;
    let items: Vec<Value> = items.into_iter().skip(index - 1).take(range).collect();
    if items.is_empty() {
        return Ok(empty(204));
    }
    Ok(json(200, &json!({ key: items })))
}

pub(crate) fn route(ctx: &mut Ctx<'_>) -> ApiResult {
    let path = ctx.req.path.clone();
    // Segments are matched decoded (`%40` is `@`), as a web server would route them.
    let decoded = crate::util::path_segments(&path);
    let segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let m = ctx.req.method.clone();
    let known = matches!(
        segs.as_slice(),
        ["restapi", "portals"]
            | ["restapi", "portal", _]
            | ["restapi", "portal", _, "projects"]
            | ["restapi", "portal", _, "projects", _]
            | ["restapi", "portal", _, "projects", _, "tasklists"]
            | ["restapi", "portal", _, "projects", _, "tasklists", _, "tasks"]
            | ["restapi", "portal", _, "projects", _, "tasks"]
            | ["restapi", "portal", _, "projects", _, "tasks", _]
            | ["restapi", "portal", _, "projects", _, "tasks", _, "subtasks"]
            | ["restapi", "portal", _, "projects", _, "users"]
            | ["restapi", "portal", _, "users"]
    );
    if !known {
        return Err(ApiErr::NoRoute);
    }
    if let ["restapi", "portal", p, ..] = segs.as_slice()
        && *p != ctx.store.v2_portal_id.to_string()
        && *p != ctx.store.portal_name
    {
        // The V3 id of this same portal is refused like a permission error, as at Zoho.
        if *p == ctx.store.portal_id.to_string() {
            return Err(ApiErr::NoPortalAccess);
        }
        return Err(ApiErr::NotFound("portal_id"));
    }
    if let ["restapi", "portal", ..] = segs.as_slice() {
        ctx.member()?;
    }
    let r = R { s: &*ctx.store, base: ctx.base.clone() };
    let project = |pr: &str| -> Result<Project, ApiErr> {
        let p = path_id(pr)
            .and_then(|id| r.s.projects.get(&id))
            .filter(|p| !p.trashed)
            .ok_or(ApiErr::NotFound("project_id"))?;
        ctx.may_use(p)?;
        Ok(p.clone())
    };
    match (&segs[1..], m) {
        (["portals"], Method::GET) => {
            ctx.need("portals", "READ")?;
            let login = ctx.caller.zuid.to_string();
            // Only the caller's portals in this DC (none: 204, like every empty restapi list).
            let mine = ctx.store.is_member(ctx.caller.zuid).then_some(r.portal(ctx.caller.zuid));
            let others = ctx.other_portals.iter().map(|s| R { s, base: ctx.base.clone() }.portal(ctx.caller.zuid));
            let portals: Vec<Value> = mine.into_iter().chain(others).collect();
            if portals.is_empty() {
                return Ok(empty(204));
            }
            Ok(json(200, &json!({"login_id": login, "portals": portals})))
        }
        (["portal", _], Method::GET) => {
            ctx.need("portals", "READ")?;
            Ok(json(200, &json!({"portals": [r.portal(ctx.caller.zuid)]})))
        }
        (["portal", _, "projects"], Method::GET) => {
            ctx.need("projects", "READ")?;
            let status = match ctx.req.q("status") {
                None | Some("") => None,
                Some(s @ ("active" | "archived" | "template")) => Some(s),
                Some(_) => return Err(ApiErr::Invalid("status".to_owned())),
            };
            let items =
                r.s.projects
                    .values()
                    .filter(|p| ctx.sees(p) && status.is_none_or(|s| s == p.project_type))
                    .map(|p| r.project(p))
                    .collect();
            page(ctx, "projects", items)
        }
        (["portal", _, "projects", pr], Method::GET) => {
            ctx.need("projects", "READ")?;
            let p = project(pr)?;
            Ok(json(200, &json!({"projects": [r.project(&p)]})))
        }
        (["portal", _, "projects", pr, "tasklists"], Method::GET) => {
            ctx.need("tasklists", "READ")?;
            let p = project(pr)?;
            let flag = ctx.req.q("flag").unwrap_or("allflag");
            let items =
                r.s.tasklists
                    .values()
                    .filter(|t| t.project == p.id && (flag == "allflag" || flag.eq_ignore_ascii_case(&t.flag)))
                    .map(|t| r.tasklist(t))
                    .collect();
            page(ctx, "tasklists", items)
        }
        (["portal", _, "projects", pr, "tasks"], Method::GET) => {
            ctx.need("tasks", "READ")?;
            let p = project(pr)?;
            let status = ctx.req.q("status").unwrap_or("all");
            let priority = ctx.req.q("priority").unwrap_or("all").to_ascii_lowercase();
            let owner = ctx.req.q("owner").unwrap_or("all");
            let tl = ctx.req.q("tasklist_id").and_then(path_id);
            if !["all", "completed", "notcompleted"].contains(&status) {
                return Err(ApiErr::Invalid("status".to_owned()));
            }
            let items =
                r.s.tasks
                    .values()
                    .filter(|t| t.project == p.id && t.parent.is_none())
                    .filter(|t| match status {
                        "completed" => task_status(t.status).closed,
                        "notcompleted" => !task_status(t.status).closed,
                        _ => true,
                    })
                    .filter(|t| priority == "all" || t.priority == priority)
                    .filter(|t| {
                        owner == "all"
                            || t.owners.iter().any(|o| {
                                o.to_string() == owner || r.s.person(*o).is_some_and(|p| p.zuid.to_string() == owner)
                            })
                    })
                    .filter(|t| tl.is_none_or(|x| t.tasklist == x))
                    .map(|t| r.task(t))
                    .collect();
            page(ctx, "tasks", items)
        }
        (["portal", _, "projects", pr, "tasklists", tl, "tasks"], Method::GET) => {
            ctx.need("tasks", "READ")?;
            let p = project(pr)?;
            let tl = path_id(tl).ok_or(ApiErr::NotFound("tasklist_id"))?;
            if r.s.tasklists.get(&tl).is_none_or(|t| t.project != p.id) {
                return Err(ApiErr::NotFound("tasklist_id"));
            }
            let items =
                r.s.tasks.values().filter(|t| t.tasklist == tl && t.parent.is_none()).map(|t| r.task(t)).collect();
            page(ctx, "tasks", items)
        }
        (["portal", _, "projects", pr, "tasks", t], Method::GET) => {
            ctx.need("tasks", "READ")?;
            let p = project(pr)?;
            let t = path_id(t).and_then(|id| r.s.tasks.get(&id)).filter(|t| t.project == p.id);
            let t = t.ok_or(ApiErr::NotFound("task_id"))?;
            Ok(json(200, &json!({"tasks": [r.task(t)]})))
        }
        (["portal", _, "projects", pr, "tasks", t, "subtasks"], Method::GET) => {
            ctx.need("tasks", "READ")?;
            let p = project(pr)?;
            let parent = path_id(t).filter(|id| r.s.tasks.get(id).is_some_and(|t| t.project == p.id));
            let parent = parent.ok_or(ApiErr::NotFound("task_id"))?;
            let items = r.s.tasks.values().filter(|t| t.parent == Some(parent)).map(|t| r.task(t)).collect();
            page(ctx, "tasks", items)
        }
        (["portal", _, "projects", pr, "tasks", t, "subtasks"], Method::POST) => {
            ctx.need("tasks", "CREATE")?;
            let p = project(pr)?;
            let parent = path_id(t)
                .and_then(|id| r.s.tasks.get(&id))
                .filter(|t| t.project == p.id)
                .cloned()
                .ok_or(ApiErr::NotFound("task_id"))?;
            drop(r);
            create_subtask(ctx, &p, &parent)
        }
        (["portal", _, "projects", pr, "users"], Method::GET) => {
            ctx.need("users", "READ")?;
            let p = project(pr)?;
            // Every sandbox user is active: `inactive` lists nobody.
            let active = user_type(ctx)?;
            let items = if active { p.members.iter().map(|z| r.user(*z)).collect() } else { Vec::new() };
            page(ctx, "users", items)
        }
        // FACTS §users: `GET /portal/{P}/users/`, scope `ZohoProjects.users.READ`.
        (["portal", _, "users"], Method::GET) => {
            ctx.need("users", "READ")?;
            let active = user_type(ctx)?;
            let items = if active { r.s.people.iter().map(|p| r.user(p.zpuid)).collect() } else { Vec::new() };
            page(ctx, "users", items)
        }
        _ => Err(ApiErr::Method),
    }
}

/// `POST …/tasks/{T}/subtasks/` with a form body (`name`, `person_responsible`, …).
fn create_subtask(ctx: &mut Ctx<'_>, p: &Project, parent: &Task) -> ApiResult {
    let mut form = ctx.req.form_body();
    form.extend(ctx.req.query.iter().cloned());
    let get = |k: &str| form.iter().find(|(a, _)| a == k).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty());
    let name = get("name").ok_or_else(|| ApiErr::Missing("name".to_owned()))?;
    if name.chars().count() > 250 {
        return Err(ApiErr::Invalid("name".to_owned()));
    }
    let mut owners = Vec::new();
    if let Some(list) = get("person_responsible") {
        for part in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let who = ctx
                .store
                .people
                .iter()
                .find(|x| x.zpuid.to_string() == part || x.zuid.to_string() == part)
                .map(|x| x.zpuid)
                .ok_or_else(|| ApiErr::Invalid("person_responsible".to_owned()))?;
            owners.push(who);
        }
    }
    let date = |k: &str| -> Result<Option<i64>, ApiErr> {
        match get(k) {
            None => Ok(None),
            Some(s) => parse_date(&s).map(|d| Some(date_ms(d))).ok_or_else(|| ApiErr::Invalid(k.to_owned())),
        }
    };
    let start_ms = date("start_date")?;
    let end_ms = date("end_date")?;
    let priority = match get("priority").map(|s| s.to_ascii_lowercase()) {
        None => "none".to_owned(),
        Some(s) if ["none", "low", "medium", "high"].contains(&s.as_str()) => s,
        Some(_) => return Err(ApiErr::Invalid("priority".to_owned())),
    };
    let me = ctx.me();
    let id = ctx.store.next_id();
    let seq = match ctx.store.projects.get_mut(&p.id) {
        Some(pp) => {
            pp.task_seq += 1;
            pp.task_seq
        }
        None => 0,
    };
    let t = Task {
        id,
        project: p.id,
        tasklist: parent.tasklist,
        seq,
        name,
        description: get("description").unwrap_or_default(),
        priority,
        status: TASK_STATUSES[0].id,
        start_ms,
        end_ms,
        owners,
        created_by: me,
        created_ms: ctx.now,
        modified_ms: ctx.now,
        percent: 0,
        parent: Some(parent.id),
        billing_type: "none".to_owned(),
        tags: Vec::new(),
    };
    ctx.store.tasks.insert(id, t.clone());
    let r = R { s: &*ctx.store, base: ctx.base.clone() };
    Ok(json(201, &json!({"tasks": [r.task(&t)]})))
}
