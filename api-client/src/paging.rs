//! [`Paging`]: the page number and size most V3 list endpoints share, flattened into each with
//! `#[zoho(flatten)]`.

use zoho_oauth_core::QueryParams;
use zoho_oauth_core::paginate::PageCursor;

/// The page to ask for (`page`, 1-based) and its size (`per_page`, Zoho accepts 1–200): sent
/// only when set. Flattened into the V3 list endpoints (`#[zoho(flatten)] paging: Paging`) and
/// their cursor (`paginate(item = …, cursor = paging)`); endpoints of your own can share it the
/// same way.
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

/// The position is the page number: `paginate(item = …, cursor = paging)` moves `page`.
impl PageCursor for Paging {
    fn position(&self) -> Option<u32> {
        self.page
    }

    fn size(&self) -> Option<u32> {
        self.per_page
    }

    fn set_position(&mut self, position: u32) {
        self.page = Some(position);
    }

    fn set_size(&mut self, size: u32) {
        self.per_page = Some(size);
    }
}
