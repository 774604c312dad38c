//! Search: `GET /portal/{P}/search`, `GET …/projects/{PR}/search`.

use serde::{Deserialize, Deserializer, Serialize};

use super::common::Extra;
use super::page::PageInfo;
use super::{Issue, Milestone, Project, Task};

/// Search results, one list per module searched (`module=all|tasks|issues|projects|milestones`).
///
/// The V3 answer shape is not documented publicly; this reads an object keyed by module
/// (`{"tasks": […], "issues": […], …}`), the shape the sandbox uses, and keeps any other key
/// in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchResults {
    /// Matching projects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projects: Option<Vec<Project>>,
    /// Matching tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<Task>>,
    /// Matching issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<Vec<Issue>>,
    /// Matching phases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<Milestone>>,
    /// Pagination info, if any (object or one-element array).
    #[serde(default, deserialize_with = "page_info", skip_serializing_if = "Option::is_none")]
    pub page_info: Option<PageInfo>,
    /// Other keys, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

fn page_info<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PageInfo>, D::Error> {
    super::page::page_info_field(d)
}

impl SearchResults {
    /// Total number of hits over all modules.
    pub fn len(&self) -> usize {
        self.projects.as_ref().map_or(0, Vec::len)
            + self.tasks.as_ref().map_or(0, Vec::len)
            + self.issues.as_ref().map_or(0, Vec::len)
            + self.milestones.as_ref().map_or(0, Vec::len)
    }

    /// Whether nothing matched.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
