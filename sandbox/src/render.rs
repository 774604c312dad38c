//! JSON renderings of the data, V3 style (string ids, ISO times, nested references).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::data::{
    Comment, ISSUE_STATUSES, Issue, Milestone, PROJECT_STATUS_ACTIVE, Project, Status, Store, TASK_STATUSES, Tag, Task,
    Tasklist, TimeLog,
};

pub(crate) fn iso(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

pub(crate) fn status_ref(s: &Status) -> Value {
    json!({
        "id": s.id.to_string(),
        "name": s.name,
        "color": s.color,
        "color_hexcode": s.color,
        "is_closed_type": s.closed,
    })
}

pub(crate) fn task_status(id: u64) -> &'static Status {
    TASK_STATUSES.iter().find(|s| s.id == id).unwrap_or(&TASK_STATUSES[0])
}

pub(crate) fn issue_status(id: u64) -> &'static Status {
    ISSUE_STATUSES.iter().find(|s| s.id == id).unwrap_or(&ISSUE_STATUSES[0])
}

impl Store {
    pub(crate) fn user_ref(&self, zpuid: u64) -> Value {
        match self.person(zpuid) {
            Some(p) => json!({
                "zuid": p.zuid,
                "zpuid": p.zpuid.to_string(),
                "name": p.name,
                "email": p.email,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "full_name": p.name,
            }),
            None => json!({"zpuid": zpuid.to_string(), "name": "Unassigned"}),
        }
    }

    pub(crate) fn user_full(&self, zpuid: u64) -> Value {
        let mut v = self.user_ref(zpuid);
        if let Some(p) = self.person(zpuid) {
            v["id"] = json!(p.zpuid.to_string());
            v["is_active"] = json!(true);
            v["role"] = json!({"name": p.role});
            v["profile"] = json!({"name": p.profile});
        }
        v
    }

    pub(crate) fn portal_item(&self) -> Value {
        json!({
            "id": self.portal_id.to_string(),
            "portal_name": self.portal_name,
            "name": self.portal_name,
            "org_name": self.org_name,
            "is_default": true,
            "plan": "Enterprise",
            "time_zone": "UTC",
        })
    }

    pub(crate) fn portal_details(&self) -> Value {
        let owner = self.people.first().map(|p| self.user_ref(p.zpuid)).unwrap_or(Value::Null);
        json!({
            "id": self.portal_id.to_string(),
            "name": self.portal_name,
            "org_name": self.org_name,
            "owner": owner,
            "timezone": "UTC",
            "plan_details": {"projects_service_plan": "Enterprise"},
            "business_details": {"time_format": "hh:mm a", "date_format": "MM-dd-yyyy", "start_time": "09:00", "end_time": "18:00"},
        })
    }

    pub(crate) fn counts(&self, project: u64) -> (u64, u64, u64, u64, u64, u64) {
        let (mut to, mut tc, mut io, mut ic, mut mo, mut mc) = (0, 0, 0, 0, 0, 0);
        for t in self.tasks.values().filter(|t| t.project == project) {
            if task_status(t.status).closed { tc += 1 } else { to += 1 }
        }
        for i in self.issues.values().filter(|t| t.project == project) {
            if issue_status(i.status).closed { ic += 1 } else { io += 1 }
        }
        for m in self.milestones.values().filter(|t| t.project == project) {
            if m.completed { mc += 1 } else { mo += 1 }
        }
        (to, tc, io, ic, mo, mc)
    }

    pub(crate) fn project_v3(&self, p: &Project) -> Value {
        let (to, tc, io, ic, mo, mc) = self.counts(p.id);
        let pct = (tc * 100).checked_div(to + tc).unwrap_or(0);
        let mut v = json!({
            "id": p.id.to_string(),
            "key": p.key,
            "name": p.name,
            "project_type": p.project_type,
            "description": p.description,
            "owner": self.user_ref(p.owner),
            "is_public_project": p.is_public,
            "is_strict_project": false,
            "created_time": iso(p.created_ms),
            "created_by": self.user_ref(p.created_by),
            "modified_time": iso(p.modified_ms),
            "updated_by": self.user_ref(p.updated_by),
            "status": status_ref(&PROJECT_STATUS_ACTIVE),
            "layout": {"id": "2447529000000020008", "name": "Standard Layout", "is_default": true, "type": "public"},
            "is_rollup_project": false,
            "budget_info": {"currency": "USD", "tracking_method": "project_hours"},
            "percent_complete": pct,
            "tasks": {"open_count": to, "closed_count": tc},
            "issues": {"open_count": io, "closed_count": ic},
            "milestones": {"open_count": mo, "closed_count": mc},
            "is_completed": false,
            // As in the real V3 sample: the portal's business hours, the project's group and a
            // user-type custom field as a top-level key (here: the owner as reviewer).
            "business_hours_id": BUSINESS_HOURS_ID,
            "project_group": {"id": PROJECT_GROUP_ID, "name": "Ungrouped Projects", "type": "public"},
            "projects_cf_0001": [self.user_ref(p.owner)],
        });
        if let Some(d) = p.start_date {
            v["start_date"] = json!(ymd(d));
        }
        if let Some(d) = p.end_date {
            v["end_date"] = json!(ymd(d));
        }
        v
    }

    fn project_ref(&self, id: u64) -> Value {
        json!({"id": id.to_string(), "name": self.projects.get(&id).map(|p| p.name.clone()).unwrap_or_default()})
    }

    fn milestone_ref(&self, id: Option<u64>) -> Value {
        match id.and_then(|m| self.milestones.get(&m)) {
            Some(m) => json!({"id": m.id.to_string(), "name": m.name}),
            None => Value::Null,
        }
    }

    pub(crate) fn tasklist_v3(&self, t: &Tasklist) -> Value {
        let mut v = json!({
            "id": t.id.to_string(),
            "name": t.name,
            "flag": t.flag,
            "status": if t.completed { "completed" } else { "active" },
            "is_completed": t.completed,
            "sequence": t.sequence,
            "project": self.project_ref(t.project),
            "created_time": iso(t.created_ms),
            "modified_time": iso(t.modified_ms),
        });
        let m = self.milestone_ref(t.milestone);
        if !m.is_null() {
            v["milestone"] = m;
        }
        v
    }

    pub(crate) fn milestone_v3(&self, m: &Milestone) -> Value {
        let status = if m.completed {
            json!({"id": "2447529000000023003", "name": "Completed", "color_hexcode": "#f56b62", "is_closed_type": true})
        } else {
            json!({"id": "2447529000000023001", "name": "Active", "color_hexcode": "#2cc8ba", "is_closed_type": false})
        };
        let total = self
            .tasklists
            .values()
            .filter(|t| t.milestone == Some(m.id))
            .flat_map(|tl| self.tasks.values().filter(move |t| t.tasklist == tl.id))
            .map(|t| task_status(t.status).closed)
            .fold((0u64, 0u64), |(a, c), closed| (a + 1, c + u64::from(closed)));
        json!({
            "id": m.id.to_string(),
            "name": m.name,
            "owner": self.user_ref(m.owner),
            "flag": m.flag,
            "status": status,
            "start_date": m.start_date.map(ymd),
            "end_date": m.end_date.map(ymd),
            "completion_percent": (total.1 * 100).checked_div(total.0).unwrap_or(0),
            "project": self.project_ref(m.project),
            "created_time": iso(m.created_ms),
            "modified_time": iso(m.modified_ms),
        })
    }

    pub(crate) fn log_minutes_for(&self, module_id: u64) -> (u32, u32) {
        self.timelogs
            .values()
            .filter(|l| l.module_id == Some(module_id))
            .fold((0, 0), |(b, n), l| if l.bill_status == "Billable" { (b + l.minutes, n) } else { (b, n + l.minutes) })
    }

    pub(crate) fn tag_ref(&self, id: u64) -> Value {
        match self.tags.get(&id) {
            Some(t) => {
                json!({"id": t.id.to_string(), "name": t.name, "color_class": t.color_class})
            }
            None => json!({"id": id.to_string()}),
        }
    }

    pub(crate) fn task_v3(&self, t: &Task) -> Value {
        let key = self.projects.get(&t.project).map(|p| p.key.clone()).unwrap_or_default();
        let tl = self.tasklists.get(&t.tasklist);
        let st = task_status(t.status);
        let (b, n) = self.log_minutes_for(t.id);
        let owners: Vec<Value> = t
            .owners
            .iter()
            .map(|z| {
                let mut u = self.user_ref(*z);
                u["work_values"] = json!("00:00");
                u
            })
            .collect();
        let has_subtasks = self.tasks.values().any(|x| x.parent == Some(t.id));
        let mut v = json!({
            "id": t.id.to_string(),
            "prefix": format!("{key}-T{}", t.seq),
            "name": t.name,
            "description": t.description,
            "project": self.project_ref(t.project),
            "tasklist": {"id": t.tasklist.to_string(), "name": tl.map(|x| x.name.clone()).unwrap_or_default()},
            "status": status_ref(st),
            "priority": t.priority,
            "completion_percentage": t.percent,
            "is_completed": st.closed,
            "billing_type": t.billing_type,
            "created_time": iso(t.created_ms),
            "modified_time": iso(t.modified_ms),
            "created_by": self.user_ref(t.created_by),
            "owners_and_work": {"work_type": "standard", "unit": "hours", "total_work": "00:00", "owners": owners},
            "log_hours": {"billable_hours": hhmm(b), "non_billable_hours": hhmm(n), "total_hours": hhmm(b + n)},
            "tags": t.tags.iter().map(|id| self.tag_ref(*id)).collect::<Vec<_>>(),
            "depth": if t.parent.is_some() { 1 } else { 0 },
            "is_parent": has_subtasks,
            "association_info": {"has_subtasks": has_subtasks},
        });
        if let Some(s) = t.start_ms {
            v["start_date"] = json!(iso(s));
        }
        if let Some(e) = t.end_ms {
            v["end_date"] = json!(iso(e));
        }
        let m = self.milestone_ref(tl.and_then(|x| x.milestone));
        if !m.is_null() {
            v["milestone"] = m;
        }
        if let Some(p) = t.parent {
            v["parental_info"] = json!({"parent_task_id": p.to_string()});
            v["parent_task"] =
                json!({"id": p.to_string(), "name": self.tasks.get(&p).map(|x| x.name.clone()).unwrap_or_default()});
        }
        v
    }

    pub(crate) fn issue_v3(&self, i: &Issue) -> Value {
        let key = self.projects.get(&i.project).map(|p| p.key.clone()).unwrap_or_default();
        let st = issue_status(i.status);
        json!({
            "id": i.id.to_string(),
            "prefix": format!("{key}-I{}", i.seq),
            "name": i.name,
            "description": i.description,
            "flag": i.flag,
            "status": status_ref(st),
            "is_closed": st.closed,
            "severity": {"id": severity_id(&i.severity), "name": i.severity, "value": i.severity},
            "assignee": i.assignee.map(|z| self.user_ref(z)),
            "reporter": self.user_ref(i.reporter),
            "due_date": i.due_date.map(ymd),
            "project": self.project_ref(i.project),
            "created_time": iso(i.created_ms),
            "modified_time": iso(i.modified_ms),
        })
    }

    pub(crate) fn comment_v3(&self, c: &Comment) -> Value {
        json!({
            "id": c.id.to_string(),
            "comment": c.content,
            "created_by": self.user_ref(c.added_by),
            "created_time": iso(c.created_ms),
            "modified_time": iso(c.modified_ms),
        })
    }

    pub(crate) fn timelog_v3(&self, l: &TimeLog) -> Value {
        let module_name = match l.module.as_str() {
            "task" => l.module_id.and_then(|i| self.tasks.get(&i)).map(|t| t.name.clone()),
            "issue" => l.module_id.and_then(|i| self.issues.get(&i)).map(|t| t.name.clone()),
            _ => None,
        };
        let mut module = json!({"type": l.module});
        if let Some(id) = l.module_id {
            module["id"] = json!(id.to_string());
        }
        if let Some(n) = module_name {
            module["name"] = json!(n);
        }
        json!({
            "id": l.id.to_string(),
            "log_name": l.log_name,
            "notes": l.notes,
            "date": ymd(l.date),
            "hours": hhmm(l.minutes),
            "bill_status": l.bill_status,
            "approval_status": l.approval,
            "module": module,
            "owner": self.user_ref(l.owner),
            "project": self.project_ref(l.project),
            "created_time": iso(l.created_ms),
            "modified_time": iso(l.modified_ms),
        })
    }

    pub(crate) fn tag_v3(&self, t: &Tag) -> Value {
        let usage = self.tasks.values().filter(|x| x.tags.contains(&t.id)).count();
        json!({
            "id": t.id.to_string(),
            "name": t.name,
            "color_class": t.color_class,
            "color_hexcode": "#5a8dee",
            "usage_count": usage,
            "created_by": self.user_ref(t.created_by),
        })
    }
}

/// The business hours every sandbox project uses (`business_hours_id`).
pub(crate) const BUSINESS_HOURS_ID: &str = "2447529000000031001";

/// The one project group of a sandbox portal; `project_group: {id}` in a project body must name it.
pub(crate) const PROJECT_GROUP_ID: &str = "2447529000000031003";

pub(crate) const SEVERITIES: [(&str, &str); 5] = [
    ("2447529000000054197", "None"),
    ("2447529000000054199", "Minor"),
    ("2447529000000054201", "Major"),
    ("2447529000000054203", "Critical"),
    ("2447529000000054205", "Show stopper"),
];

pub(crate) fn severity_id(name: &str) -> &'static str {
    SEVERITIES.iter().find(|(_, n)| n.eq_ignore_ascii_case(name)).map(|(id, _)| *id).unwrap_or(SEVERITIES[0].0)
}
