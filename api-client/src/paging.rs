//! [`Paging`]: the page number and size most V3 list endpoints share, flattened into each with
//! `#[zoho(flatten)]`.

use zoho_oauth_core::QueryParams;

/// The page to ask for (`page`, 1-based) and its size (`per_page`, Zoho accepts 1–200): sent
/// only when set. Flattened into the V3 list endpoints (`#[zoho(flatten)] paging: Paging`);
/// endpoints of your own can share it the same way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Paging {
    /// Page number (1-based).
    pub page: Option<u32>,
    /// Rows per page (1–200).
    pub per_page: Option<u32>,
}

impl QueryParams for Paging {
    fn push_query(&self, query: &mut Vec<(&'static str, String)>) {
        query.extend(self.page.map(|p| ("page", p.to_string())));
        query.extend(self.per_page.map(|n| ("per_page", n.to_string())));
    }
}
