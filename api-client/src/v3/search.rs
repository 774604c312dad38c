//! Search (scope `ZohoProjects.search.READ`): portal-wide and per project. The answer holds one
//! list per module searched ([`SearchResults`]).

use crate::Paging;
use std::fmt;

use crate::Endpoint;
use crate::ids::{PortalId, ProjectId};
use crate::model::SearchResults;

/// Which module to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SearchModule {
    /// Every module (Zoho's default).
    #[default]
    All,
    /// Projects.
    Projects,
    /// Tasks.
    Tasks,
    /// Issues.
    Issues,
    /// Phases.
    Milestones,
}

impl fmt::Display for SearchModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::All => "all",
            Self::Projects => "projects",
            Self::Tasks => "tasks",
            Self::Issues => "issues",
            Self::Milestones => "milestones",
        })
    }
}

/// `GET /api/v3/portal/{portal}/search?search_term&module`. An empty term is refused
/// (`LESS_THAN_MIN_OCCURANCE`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/search", scope = "ZohoProjects.search.READ",
       response = SearchResults)]
pub struct Search {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// What to look for.
    #[zoho(query)]
    pub search_term: String,
    /// Where to look (default all).
    #[zoho(query)]
    pub module: Option<SearchModule>,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl Search {
    /// Searches `portal` for `term`.
    pub fn new(portal: impl Into<PortalId>, term: impl Into<String>) -> Self {
        Self { portal: portal.into(), search_term: term.into(), module: None, paging: Paging::default() }
    }

    /// Only this module.
    #[must_use]
    pub fn module(mut self, module: SearchModule) -> Self {
        self.module = Some(module);
        self
    }

    /// Asks for this page (1-based).
    #[must_use]
    pub fn page(mut self, page: u32) -> Self {
        self.paging.page = Some(page);
        self
    }

    /// Rows per page and module (1–200).
    #[must_use]
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.paging.per_page = Some(per_page);
        self
    }
}

/// `GET /api/v3/portal/{portal}/projects/{project}/search?search_term&module`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/search",
       scope = "ZohoProjects.search.READ", response = SearchResults)]
pub struct SearchProject {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The project.
    #[zoho(path)]
    pub project: ProjectId,
    /// What to look for.
    #[zoho(query)]
    pub search_term: String,
    /// Where to look (default all).
    #[zoho(query)]
    pub module: Option<SearchModule>,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl SearchProject {
    /// Searches `project` for `term`.
    pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, term: impl Into<String>) -> Self {
        Self {
            portal: portal.into(),
            project: project.into(),
            search_term: term.into(),
            module: None,
            paging: Paging::default(),
        }
    }

    /// Only this module.
    #[must_use]
    pub fn module(mut self, module: SearchModule) -> Self {
        self.module = Some(module);
        self
    }
}
