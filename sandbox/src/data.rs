//! The Projects data of one DC: one demo portal, deterministic seed.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::config::Dc;

/// The id a URL path segment names, if it is written exactly as Zoho writes ids: decimal digits
/// without a sign or a leading zero. `str::parse::<u64>` would also take `+7`, `07` and `007`
/// for `7`, letting a forged spelling reach a real resource.
pub(crate) fn path_id(s: &str) -> Option<u64> {
    let canonical = s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
    if canonical { s.parse().ok() } else { None }
}

/// 2025-03-05T11:00:00Z: seeded records are created from here on, one minute apart.
pub(crate) const SEED_BASE_MS: i64 = 1_741_172_400_000;

#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub(crate) zuid: u64,
    pub(crate) zpuid: u64,
    pub(crate) name: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) email: String,
    pub(crate) role: String,
    pub(crate) profile: String,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Status {
    pub(crate) id: u64,
    pub(crate) name: &'static str,
    pub(crate) color: &'static str,
    pub(crate) closed: bool,
}

pub(crate) const TASK_STATUSES: [Status; 3] = [
    Status { id: 2447529000000016068, name: "Open", color: "#74cb80", closed: false },
    Status { id: 2447529000000016071, name: "In Progress", color: "#08aeea", closed: false },
    Status { id: 2447529000000016074, name: "Closed", color: "#f56b62", closed: true },
];

pub(crate) const ISSUE_STATUSES: [Status; 3] = [
    Status { id: 2447529000000054087, name: "Open", color: "#2cc8ba", closed: false },
    Status { id: 2447529000000054090, name: "In progress", color: "#08aeea", closed: false },
    Status { id: 2447529000000054093, name: "Closed", color: "#f56b62", closed: true },
];

pub(crate) const PROJECT_STATUS_ACTIVE: Status =
    Status { id: 2447529000000020089, name: "Active", color: "#2cc8ba", closed: false };

#[derive(Clone, Debug)]
pub(crate) struct Project {
    pub(crate) id: u64,
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) description: String,
    /// `active`, `archived` or `template`.
    pub(crate) project_type: String,
    pub(crate) owner: u64,
    pub(crate) created_by: u64,
    pub(crate) updated_by: u64,
    pub(crate) created_ms: i64,
    pub(crate) modified_ms: i64,
    pub(crate) start_date: Option<NaiveDate>,
    pub(crate) end_date: Option<NaiveDate>,
    pub(crate) is_public: bool,
    pub(crate) trashed: bool,
    pub(crate) task_seq: u64,
    pub(crate) issue_seq: u64,
    pub(crate) members: Vec<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct Tasklist {
    pub(crate) id: u64,
    pub(crate) project: u64,
    pub(crate) name: String,
    pub(crate) flag: String,
    pub(crate) milestone: Option<u64>,
    pub(crate) created_ms: i64,
    pub(crate) modified_ms: i64,
    pub(crate) sequence: u32,
    pub(crate) completed: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Milestone {
    pub(crate) id: u64,
    pub(crate) project: u64,
    pub(crate) name: String,
    pub(crate) owner: u64,
    pub(crate) flag: String,
    pub(crate) start_date: Option<NaiveDate>,
    pub(crate) end_date: Option<NaiveDate>,
    pub(crate) completed: bool,
    pub(crate) created_ms: i64,
    pub(crate) modified_ms: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct Task {
    pub(crate) id: u64,
    pub(crate) project: u64,
    pub(crate) tasklist: u64,
    pub(crate) seq: u64,
    pub(crate) name: String,
    pub(crate) description: String,
    /// `none`, `low`, `medium`, `high`.
    pub(crate) priority: String,
    pub(crate) status: u64,
    pub(crate) start_ms: Option<i64>,
    pub(crate) end_ms: Option<i64>,
    pub(crate) owners: Vec<u64>,
    pub(crate) created_by: u64,
    pub(crate) created_ms: i64,
    pub(crate) modified_ms: i64,
    pub(crate) percent: u32,
    pub(crate) parent: Option<u64>,
    pub(crate) billing_type: String,
    pub(crate) tags: Vec<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct Issue {
    pub(crate) id: u64,
    pub(crate) project: u64,
    pub(crate) seq: u64,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) flag: String,
    pub(crate) status: u64,
    pub(crate) severity: String,
    pub(crate) assignee: Option<u64>,
    pub(crate) reporter: u64,
    pub(crate) due_date: Option<NaiveDate>,
    pub(crate) created_ms: i64,
    pub(crate) modified_ms: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct Comment {
    pub(crate) id: u64,
    /// The task or issue commented on.
    pub(crate) parent: u64,
    pub(crate) content: String,
    pub(crate) added_by: u64,
    pub(crate) created_ms: i64,
    pub(crate) modified_ms: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct TimeLog {
    pub(crate) id: u64,
    pub(crate) project: u64,
    /// `task`, `issue` or `general`.
    pub(crate) module: String,
    pub(crate) module_id: Option<u64>,
    pub(crate) date: NaiveDate,
    pub(crate) minutes: u32,
    pub(crate) bill_status: String,
    pub(crate) log_name: String,
    pub(crate) notes: String,
    pub(crate) owner: u64,
    pub(crate) approval: String,
    pub(crate) created_ms: i64,
    pub(crate) modified_ms: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct Tag {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) color_class: String,
    pub(crate) created_by: u64,
}

/// One portal's Projects data (the demo portal of a DC, or another account's portal).
#[derive(Clone, Debug)]
pub(crate) struct Store {
    /// The data centre whose Projects host serves this portal.
    pub(crate) dc: Dc,
    /// The V3 portal id (9 digits).
    pub(crate) portal_id: u64,
    /// The same portal's id in the older `/restapi` (7 digits): at Zoho the two differ, and each
    /// generation refuses the other's like a permission error (docs/zoho.md §8).
    pub(crate) v2_portal_id: u64,
    pub(crate) portal_name: String,
    pub(crate) org_name: String,
    pub(crate) people: Vec<Person>,
    pub(crate) projects: BTreeMap<u64, Project>,
    pub(crate) tasklists: BTreeMap<u64, Tasklist>,
    pub(crate) milestones: BTreeMap<u64, Milestone>,
    pub(crate) tasks: BTreeMap<u64, Task>,
    pub(crate) issues: BTreeMap<u64, Issue>,
    pub(crate) comments: BTreeMap<u64, Comment>,
    pub(crate) timelogs: BTreeMap<u64, TimeLog>,
    pub(crate) tags: BTreeMap<u64, Tag>,
    /// V3 answers that carried `page_info` so far (see `Limits::page_info_as_strings_every`).
    pub(crate) page_infos: std::cell::Cell<u64>,
    /// Task and issue attachments, with their bytes.
    pub(crate) attachments: BTreeMap<u64, crate::attachments::Attachment>,
    next_id: u64,
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

impl Store {
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 4;
        self.next_id
    }

    pub(crate) fn person(&self, zpuid: u64) -> Option<&Person> {
        self.people.iter().find(|p| p.zpuid == zpuid)
    }

    pub(crate) fn person_by_zuid(&self, zuid: u64) -> Option<&Person> {
        self.people.iter().find(|p| p.zuid == zuid)
    }

    pub(crate) fn add_person(&mut self, zuid: u64, name: &str, email: &str) -> u64 {
        if let Some(p) = self.person_by_zuid(zuid) {
            return p.zpuid;
        }
        let zpuid = self.next_id();
        let mut parts = name.splitn(2, ' ');
        let first = parts.next().unwrap_or(name).to_owned();
        let last = parts.next().unwrap_or("").to_owned();
        self.people.push(Person {
            zuid,
            zpuid,
            name: name.to_owned(),
            first_name: first,
            last_name: last,
            email: email.to_owned(),
            role: "Employee".to_owned(),
            profile: "Employee".to_owned(),
        });
        for p in self.projects.values_mut() {
            p.members.push(zpuid);
        }
        zpuid
    }

    /// A portal of `dc` with no people and no data; ids it gives start after `first_id`.
    pub(crate) fn blank(dc: Dc, ids: (u64, u64), name: &str, org: &str, first_id: u64) -> Store {
        Store {
            dc,
            portal_id: ids.0,
            v2_portal_id: ids.1,
            portal_name: name.to_owned(),
            org_name: org.to_owned(),
            people: Vec::new(),
            projects: BTreeMap::new(),
            tasklists: BTreeMap::new(),
            milestones: BTreeMap::new(),
            tasks: BTreeMap::new(),
            issues: BTreeMap::new(),
            comments: BTreeMap::new(),
            timelogs: BTreeMap::new(),
            tags: BTreeMap::new(),
            page_infos: std::cell::Cell::new(0),
            attachments: BTreeMap::new(),
            next_id: first_id,
        }
    }

    /// The deterministic demo portal of `dc`.
    pub(crate) fn seeded(dc: Dc) -> Store {
        let i = dc.index() as u64;
        let mut s =
            Store::blank(dc, (815_392_601 + i, 7_391_461 + i), "zylker", "Zylker Corp", 2_447_529_000_000_057_000);
        let people = [
            (869_457_870, "Dana Demo", "demo@zylker.example", "admin", "Portal Owner"),
            (869_454_928, "Lena Fischer", "lena@zylker.example", "Manager", "Manager"),
            (871_146_308, "Arjun Rao", "arjun@zylker.example", "Employee", "Employee"),
            (871_146_309, "Sam Lee", "sam@zylker.example", "Employee", "Employee"),
        ];
        for (zuid, name, email, role, profile) in people {
            let zpuid = s.next_id();
            let (first, last) = name.split_once(' ').unwrap_or((name, ""));
            s.people.push(Person {
                zuid,
                zpuid,
                name: name.to_owned(),
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                email: email.to_owned(),
                role: role.to_owned(),
                profile: profile.to_owned(),
            });
        }
        let z: Vec<u64> = s.people.iter().map(|p| p.zpuid).collect();
        let mut t = SEED_BASE_MS;
        let mut tick = || {
            t += 60_000;
            t
        };
        for tag in [("urgent", "bg-tag1"), ("backend", "bg-tag5"), ("ui", "bg-tag17")] {
            let id = s.next_id();
            s.tags.insert(id, Tag { id, name: tag.0.to_owned(), color_class: tag.1.to_owned(), created_by: z[0] });
        }
        let tag_ids: Vec<u64> = s.tags.keys().copied().collect();
        let plans = [
            (
                "ZY1",
                "Website Relaunch",
                "<div>Relaunch of zylker.example with the new brand.</div>",
                ["Design", "Build"],
                ["General", "Backend", "Frontend"],
                [
                    "Write the content brief",
                    "Design the home page",
                    "Set up the CMS",
                    "Migrate blog posts",
                    "Configure redirects",
                    "Launch checklist",
                ],
            ),
            (
                "ZY2",
                "Mobile App",
                "<div>First release of the Zylker mobile app.</div>",
                ["MVP", "Beta"],
                ["General", "iOS", "Android"],
                [
                    "Define the MVP scope",
                    "Login screen",
                    "Push notifications",
                    "Offline mode",
                    "App store listing",
                    "Beta feedback round",
                ],
            ),
        ];
        for (pi, (key, name, desc, phases, lists, tasks)) in plans.into_iter().enumerate() {
            let pid = s.next_id();
            let created = tick();
            s.projects.insert(
                pid,
                Project {
                    id: pid,
                    key: key.to_owned(),
                    name: name.to_owned(),
                    description: desc.to_owned(),
                    project_type: "active".to_owned(),
                    owner: z[0],
                    created_by: z[0],
                    updated_by: z[0],
                    created_ms: created,
                    modified_ms: created,
                    start_date: date(2025, 3, 5),
                    end_date: date(2025, 9, 30),
                    is_public: false,
                    trashed: false,
                    task_seq: 0,
                    issue_seq: 0,
                    members: z.clone(),
                },
            );
            let mut ms_ids = Vec::new();
            for (mi, ph) in phases.iter().enumerate() {
                let id = s.next_id();
                let c = tick();
                s.milestones.insert(
                    id,
                    Milestone {
                        id,
                        project: pid,
                        name: (*ph).to_owned(),
                        owner: z[1],
                        flag: "internal".to_owned(),
                        start_date: date(2025, 3 + 3 * mi as u32, 5),
                        end_date: date(2025, 5 + 3 * mi as u32, 30),
                        completed: false,
                        created_ms: c,
                        modified_ms: c,
                    },
                );
                ms_ids.push(id);
            }
            let mut tl_ids = Vec::new();
            for (li, ln) in lists.iter().enumerate() {
                let id = s.next_id();
                let c = tick();
                s.tasklists.insert(
                    id,
                    Tasklist {
                        id,
                        project: pid,
                        name: (*ln).to_owned(),
                        flag: "internal".to_owned(),
                        milestone: if li == 0 { None } else { Some(ms_ids[li - 1]) },
                        created_ms: c,
                        modified_ms: c,
                        sequence: li as u32 + 1,
                        completed: false,
                    },
                );
                tl_ids.push(id);
            }
            let prios = ["high", "medium", "low", "none", "medium", "high"];
            let mut task_ids = Vec::new();
            for (ti, tn) in tasks.iter().enumerate() {
                let id = s.next_id();
                let c = tick();
                let seq = {
                    let p = s.projects.get_mut(&pid).expect("seeded project");
                    p.task_seq += 1;
                    p.task_seq
                };
                let status = TASK_STATUSES[ti % 3].id;
                let day = 86_400_000;
                s.tasks.insert(
                    id,
                    Task {
                        id,
                        project: pid,
                        tasklist: tl_ids[ti % tl_ids.len()],
                        seq,
                        name: (*tn).to_owned(),
                        description: format!("<div>{tn}.</div>"),
                        priority: prios[ti].to_owned(),
                        status,
                        start_ms: Some(SEED_BASE_MS + ti as i64 * day),
                        end_ms: Some(SEED_BASE_MS + (ti as i64 + 3) * day),
                        owners: vec![z[ti % z.len()]],
                        created_by: z[0],
                        created_ms: c,
                        modified_ms: c,
                        percent: if status == TASK_STATUSES[2].id { 100 } else { 10 * ti as u32 },
                        parent: None,
                        billing_type: "billable".to_owned(),
                        tags: if ti == 0 { vec![tag_ids[0]] } else { Vec::new() },
                    },
                );
                task_ids.push(id);
            }
            // one subtask of the first task
            {
                let id = s.next_id();
                let c = tick();
                let seq = {
                    let p = s.projects.get_mut(&pid).expect("seeded project");
                    p.task_seq += 1;
                    p.task_seq
                };
                s.tasks.insert(
                    id,
                    Task {
                        id,
                        project: pid,
                        tasklist: tl_ids[0],
                        seq,
                        name: format!("{} (review)", tasks[0]),
                        description: String::new(),
                        priority: "none".to_owned(),
                        status: TASK_STATUSES[0].id,
                        start_ms: None,
                        end_ms: None,
                        owners: vec![z[1]],
                        created_by: z[0],
                        created_ms: c,
                        modified_ms: c,
                        percent: 0,
                        parent: Some(task_ids[0]),
                        billing_type: "none".to_owned(),
                        tags: Vec::new(),
                    },
                );
            }
            let bugs = [
                "Broken link on the contact page",
                "Typo in the footer",
                "Slow first load",
                "Crash when offline",
                "Wrong date format",
                "Logo blurry on retina screens",
            ];
            let sev = ["Critical", "Major", "Minor", "None", "Major", "Minor"];
            let mut issue_ids = Vec::new();
            for (bi, bn) in bugs.iter().enumerate() {
                let id = s.next_id();
                let c = tick();
                let seq = {
                    let p = s.projects.get_mut(&pid).expect("seeded project");
                    p.issue_seq += 1;
                    p.issue_seq
                };
                s.issues.insert(
                    id,
                    Issue {
                        id,
                        project: pid,
                        seq,
                        name: format!("{bn} ({key})"),
                        description: format!("<div>{bn}.</div>"),
                        flag: "Internal".to_owned(),
                        status: ISSUE_STATUSES[bi % 3].id,
                        severity: sev[bi].to_owned(),
                        assignee: if bi == 3 { None } else { Some(z[(bi + 1) % z.len()]) },
                        reporter: z[bi % z.len()],
                        due_date: date(2025, 4, 1 + bi as u32),
                        created_ms: c,
                        modified_ms: c,
                    },
                );
                issue_ids.push(id);
            }
            for (parent, text, by) in [
                (task_ids[0], "<div>First draft is in the shared folder.</div>", z[1]),
                (task_ids[0], "<div>Thanks, reviewing today.</div>", z[0]),
                (issue_ids[0], "<div>Reproduced on staging.</div>", z[2]),
            ] {
                let id = s.next_id();
                let c = tick();
                s.comments.insert(
                    id,
                    Comment { id, parent, content: text.to_owned(), added_by: by, created_ms: c, modified_ms: c },
                );
            }
            for (li, (module, mid, mins)) in [
                ("task", Some(task_ids[0]), 90u32),
                ("task", Some(task_ids[1]), 150),
                ("issue", Some(issue_ids[0]), 45),
                ("general", None, 30),
            ]
            .into_iter()
            .enumerate()
            {
                let id = s.next_id();
                let c = tick();
                s.timelogs.insert(
                    id,
                    TimeLog {
                        id,
                        project: pid,
                        module: module.to_owned(),
                        module_id: mid,
                        date: date(2025, 3, 6 + li as u32).unwrap_or_default(),
                        minutes: mins,
                        bill_status: if li % 2 == 0 { "Billable" } else { "Non Billable" }.to_owned(),
                        log_name: format!("Work log {}", li + 1),
                        notes: String::new(),
                        owner: z[li % z.len()],
                        approval: "Unapproved".to_owned(),
                        created_ms: c,
                        modified_ms: c,
                    },
                );
            }
            let _ = pi;
        }
        s
    }
}

impl Store {
    /// Appends `n` tasks to `project` (first task list), `Bulk task 1..n`.
    pub(crate) fn bulk_tasks(&mut self, project: u64, n: usize, now: i64) -> Vec<u64> {
        let tasklist = self.tasklists.values().find(|t| t.project == project).map(|t| t.id).unwrap_or(0);
        let owner = self.people.first().map(|p| p.zpuid).unwrap_or(0);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let id = self.next_id();
            let seq = match self.projects.get_mut(&project) {
                Some(p) => {
                    p.task_seq += 1;
                    p.task_seq
                }
                None => 0,
            };
            self.tasks.insert(
                id,
                Task {
                    id,
                    project,
                    tasklist,
                    seq,
                    name: format!("Bulk task {}", i + 1),
                    description: String::new(),
                    priority: "none".to_owned(),
                    status: TASK_STATUSES[0].id,
                    start_ms: None,
                    end_ms: None,
                    owners: vec![owner],
                    created_by: owner,
                    created_ms: now,
                    modified_ms: now,
                    percent: 0,
                    parent: None,
                    billing_type: "none".to_owned(),
                    tags: Vec::new(),
                },
            );
            out.push(id);
        }
        out
    }
}
