//! Portal and project membership: which portal a request names, whether the caller may use it
//! and its projects, and the second seeded account (another Zoho user with a portal of their own).
//!
//! At Zoho a user sees only the portals they belong to, and in a portal only the projects they
//! are a member of, unless they administer the portal. Everyone else gets a permission error
//! (the sandbox's choice of shape: V3 403 `NO_PERMISSION`, restapi 400 code 6403; see the README).

use crate::config::Dc;
use crate::data::{Person, Project, SEED_BASE_MS, Store, Tasklist};

/// The second seeded account: another company's user, with a portal of their own.
pub(crate) const OTHER_EMAIL: &str = "omar@initech.example";
pub(crate) const OTHER_NAME: &str = "Omar Other";
pub(crate) const OTHER_ZUID: u64 = 869_460_112;

impl Store {
    /// The second account's portal `initech` in the US DC (V3 id 816204501, restapi id 7402201):
    /// its owner is the only person; one project `IN1` Intranet with a `General` task list and
    /// two tasks. Its ids are far from the demo portal's, as two portals' ids are at Zoho.
    pub(crate) fn other_portal() -> Store {
        let mut s = Store::blank(Dc::Us, (816_204_501, 7_402_201), "initech", "Initech", 3_112_090_000_000_041_000);
        let owner = s.add_person(OTHER_ZUID, OTHER_NAME, OTHER_EMAIL);
        if let Some(p) = s.people.first_mut() {
            p.role = "admin".to_owned();
            p.profile = "Portal Owner".to_owned();
        }
        let (pid, tl) = (s.next_id(), s.next_id());
        let at = SEED_BASE_MS;
        s.projects.insert(
            pid,
            Project {
                id: pid,
                key: "IN1".to_owned(),
                name: "Intranet".to_owned(),
                description: "<div>The Initech intranet.</div>".to_owned(),
                project_type: "active".to_owned(),
                owner,
                created_by: owner,
                updated_by: owner,
                created_ms: at,
                modified_ms: at,
                start_date: None,
                end_date: None,
                is_public: false,
                trashed: false,
                task_seq: 0,
                issue_seq: 0,
                members: vec![owner],
            },
        );
        s.tasklists.insert(
            tl,
            Tasklist {
                id: tl,
                project: pid,
                name: "General".to_owned(),
                flag: "internal".to_owned(),
                milestone: None,
                created_ms: at,
                modified_ms: at,
                sequence: 1,
                completed: false,
            },
        );
        for (id, name) in s.bulk_tasks(pid, 2, at).into_iter().zip(["Order staplers", "New cover sheets"]) {
            if let Some(t) = s.tasks.get_mut(&id) {
                t.name = name.to_owned();
            }
        }
        s
    }

    /// Whether the user `zuid` is one of this portal's people.
    pub(crate) fn is_member(&self, zuid: u64) -> bool {
        self.person_by_zuid(zuid).is_some()
    }

    /// Whether the user `zuid` may use project `p`: a portal admin may use every project, other
    /// people only those they are a member of, and users outside the portal none.
    pub(crate) fn can_see(&self, zuid: u64, p: &Project) -> bool {
        self.person_by_zuid(zuid).is_some_and(|u| u.role.eq_ignore_ascii_case("admin") || p.members.contains(&u.zpuid))
    }

    /// Makes a user a member of `project` (and so one of this portal's people, as an employee,
    /// if they were not). Returns their zpuid here, or `None` if no live project has that id.
    pub(crate) fn add_project_member(&mut self, project: u64, zuid: u64, name: &str, email: &str) -> Option<u64> {
        self.projects.get(&project).filter(|p| !p.trashed)?;
        let zpuid = match self.person_by_zuid(zuid) {
            Some(p) => p.zpuid,
            None => {
                let zpuid = self.next_id();
                let (first, last) = name.split_once(' ').unwrap_or((name, ""));
                self.people.push(Person {
                    zuid,
                    zpuid,
                    name: name.to_owned(),
                    first_name: first.to_owned(),
                    last_name: last.to_owned(),
                    email: email.to_owned(),
                    role: "Employee".to_owned(),
                    profile: "Employee".to_owned(),
                });
                zpuid
            }
        };
        let p = self.projects.get_mut(&project)?;
        if !p.members.contains(&zpuid) {
            p.members.push(zpuid);
        }
        Some(zpuid)
    }
}

/// The portal of `dc` that a path segment names: its V3 id, its restapi id (each API then refuses
/// the other's) or its name, compared as exact text. An index into `portals`.
pub(crate) fn portal_named(portals: &[Store], dc: Dc, segment: &str) -> Option<usize> {
    let id = crate::data::path_id(segment);
    portals.iter().position(|s| {
        s.dc == dc
            && (id.is_some_and(|i| i == s.portal_id || i == s.v2_portal_id)
                || (id.is_none() && segment == s.portal_name))
    })
}
