//! The sandbox's own reading of Zoho's scope list (the `ZohoProjects.<module>.<operation>` list of
//! <https://www.zoho.com/projects/developers/zohoprojectsapi.html>); independent of other crates.

/// Modules of `ZohoProjects.<module>.<op>`.
const PROJECTS_MODULES: &[&str] = &[
    "portals",
    "projects",
    "activities",
    "feeds",
    "status",
    "milestones",
    "tasklists",
    "tasks",
    "timesheets",
    "bugs",
    "events",
    "forums",
    "clients",
    "users",
    "documents",
    "search",
    "tags",
    "calendar",
    "integrations",
    "projectgroups",
    "entity_properties",
    "custom_fields",
];

const OPS: &[&str] = &["READ", "CREATE", "UPDATE", "DELETE", "ALL"];

/// Other services' scopes a Projects app commonly asks for.
const OTHER_SERVICES: &[(&str, &[&str])] = &[
    ("ZohoPC", &["files"]),
    ("WorkDrive", &["workspace", "files", "team", "users"]),
    ("ZohoSearch", &["securesearch"]),
    ("AaaServer", &["profile"]),
];

/// Whether `scope` exists (matching is case-insensitive, as Zoho's seems to be).
pub(crate) fn is_known(scope: &str) -> bool {
    let parts: Vec<&str> = scope.split('.').collect();
    let [service, module, op] = parts.as_slice() else {
        return false;
    };
    if !OPS.iter().any(|o| o.eq_ignore_ascii_case(op)) {
        return false;
    }
    if service.eq_ignore_ascii_case("ZohoProjects") {
        return PROJECTS_MODULES.iter().any(|m| m.eq_ignore_ascii_case(module));
    }
    OTHER_SERVICES
        .iter()
        .any(|(s, mods)| s.eq_ignore_ascii_case(service) && mods.iter().any(|m| m.eq_ignore_ascii_case(module)))
}

/// Splits a scope parameter at commas, the only separator Zoho documents (docs/zoho.md §2).
/// Spaces around an entry are trimmed, but a space-separated list (the default of most OAuth
/// libraries) stays one entry, `a.b.READ c.d.READ`, which is no known scope: refused like Zoho.
pub(crate) fn split(param: &str) -> Vec<String> {
    param.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Whether the granted scopes allow `ZohoProjects.<module>.<op>`; `ALL` implies every op.
pub(crate) fn allows(granted: &[String], module: &str, op: &str) -> bool {
    granted.iter().any(|g| {
        let parts: Vec<&str> = g.split('.').collect();
        matches!(parts.as_slice(), [s, m, o]
            if s.eq_ignore_ascii_case("ZohoProjects")
                && m.eq_ignore_ascii_case(module)
                && (o.eq_ignore_ascii_case(op) || o.eq_ignore_ascii_case("ALL")))
    })
}

/// Whether the granted scopes allow `<service>.<module>.<op>` of another service (`ZohoPC`,
/// `WorkDrive`); `ALL` implies every op.
pub(crate) fn allows_in(granted: &[String], service: &str, module: &str, op: &str) -> bool {
    granted.iter().any(|g| {
        let parts: Vec<&str> = g.split('.').collect();
        matches!(parts.as_slice(), [s, m, o]
            if s.eq_ignore_ascii_case(service)
                && m.eq_ignore_ascii_case(module)
                && (o.eq_ignore_ascii_case(op) || o.eq_ignore_ascii_case("ALL")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_allows() {
        assert!(is_known("ZohoProjects.tasks.ALL"));
        assert!(is_known("zohoprojects.portals.read"));
        assert!(!is_known("ZohoProjects.nope.READ"));
        assert!(!is_known("ZohoProjects.tasks.WRITE"));
        assert!(!is_known("ZohoCRM.modules.ALL"));
        let g = vec!["ZohoProjects.tasks.ALL".to_owned(), "ZohoProjects.portals.READ".to_owned()];
        assert!(allows(&g, "tasks", "DELETE"));
        assert!(allows(&g, "portals", "READ"));
        assert!(!allows(&g, "portals", "CREATE"));
        assert!(!allows(&g, "projects", "READ"));
        assert_eq!(split("a.b.C, d.e.F"), vec!["a.b.C", "d.e.F"]);
        assert_eq!(split("a.b.C d.e.F"), vec!["a.b.C d.e.F"]);
        assert!(!is_known("ZohoProjects.tasks.ALL ZohoProjects.portals.READ"));
    }
}
