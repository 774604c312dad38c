//! Pagination as a [`Stream`](futures::Stream): every row of a list, page after page.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use zoho_projects::paginate::Paginate;
//! use zoho_projects::prelude::*;
//! use zoho_projects::v3::tasks::ListTasks;
//!
//! scope_set! { struct Reader = ["ZohoProjects.tasks.READ"]; }
//!
//! # async fn run(client: Client<Reader>) -> Result<(), zoho_projects::Error> {
//! // 200 rows per request; the stream yields tasks one by one and stops after the last page.
//! let mut tasks = client.paginate(ListTasks::new("815392601", "2447529000000057032").per_page(200));
//! while let Some(task) = tasks.try_next().await? {
//!     println!("{} {}", task.id, task.name);
//! }
//! # Ok(()) }
//! ```
//!
//! Both generations are covered, each by its own rule for "is there another page":
//!
//! | generation | request | next page | end |
//! |---|---|---|---|
//! | V3 with `page_info` | `page`, `per_page` | `page + 1` | `has_next_page: false`, an empty page, or HTTP 204 |
//! | V3 bare lists (projects, users, issues, tags) | `page`, `per_page` | `page + 1` | a short page (fewer rows than `per_page`), an empty page, or HTTP 204 |
//! | restapi | `index` (1-based row), `range` (≤ 200) | `index + rows received` | a short page, an empty page, or HTTP 204 |
//!
//! This is [`zoho_oauth_core::paginate`], the one public mechanism: the crate's own list
//! endpoints are made pageable by the derive's `paginate(item = …)` attribute (V3 ones with
//! `cursor = paging`, their flattened [`Paging`](crate::Paging)), exactly as an endpoint of your
//! own is; see there for the attribute's keys, the stream's rules and an example. A [`Page`]
//! answer (and `Option<Page<T>>`, where HTTP 204 is an empty last page) splits into rows by
//! itself.

pub use zoho_oauth_core::paginate::*;

use crate::model::Page;

/// `page_info.has_next_page` (or `has_more_page`) when the answer carried it; bare lists end on
/// a short page.
impl<T> From<Page<T>> for PageParts<T> {
    fn from(page: Page<T>) -> Self {
        let has_next = page.page_info.as_ref().and_then(|info| info.has_next());
        PageParts { items: page.items, has_next }
    }
}
