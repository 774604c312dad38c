//! The ONE table of documented `ZohoProjects` modules and their operations.
//!
//! It drives both the compile-time validation of scope strings in this crate and, through the
//! hidden `__catalogue!` macro, the scope types generated in `zoho_oauth_core::scopes`.
//! Source: Zoho's scope list (<https://www.zoho.com/projects/developers/zohoprojectsapi.html>);
//! the operations of each module as Zoho's per-module API pages state them.

/// Every operation Zoho's scope syntax knows, in the order they are printed.
pub(crate) const OPERATIONS: [&str; 5] = ["READ", "CREATE", "UPDATE", "DELETE", "ALL"];

const FULL: &[&str] = &OPERATIONS;

/// The service prefix of every catalogued scope.
pub(crate) const SERVICE: &str = "ZohoProjects";

/// `(module, documented operations, one-line description)`.
pub(crate) const MODULES: &[(&str, &[&str], &str)] = &[
    ("portals", FULL, "Portals: the list of the user's portals and portal details."),
    ("projects", FULL, "Projects: list, details, create, update, trash."),
    ("activities", FULL, "Project activity streams."),
    ("feeds", FULL, "Feeds and status posts."),
    ("status", FULL, "Project status updates."),
    ("milestones", FULL, "Milestones, called phases in the V3 API."),
    ("tasklists", FULL, "Task lists."),
    ("tasks", FULL, "Tasks, subtasks and task comments."),
    ("timesheets", FULL, "Time logs (timesheets)."),
    ("bugs", FULL, "Bugs, called issues in the V3 API."),
    ("events", FULL, "Calendar events of a project."),
    ("forums", FULL, "Forums."),
    ("clients", FULL, "Client companies and client users."),
    ("users", FULL, "Portal and project users."),
    ("documents", FULL, "Documents and folders."),
    ("search", &["READ"], "Search across a portal or a project (read-only)."),
    ("tags", FULL, "Tags."),
    ("calendar", FULL, "The portal calendar."),
    ("integrations", FULL, "Integrations."),
    ("projectgroups", FULL, "Project groups."),
    ("entity_properties", FULL, "Entity properties (layouts, fields)."),
    ("custom_fields", &["READ"], "Custom field definitions (read-only)."),
];

/// Looks a module up.
pub(crate) fn module(name: &str) -> Option<&'static (&'static str, &'static [&'static str], &'static str)> {
    MODULES.iter().find(|(m, _, _)| *m == name)
}
