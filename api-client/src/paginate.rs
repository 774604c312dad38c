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
//! # async fn run(client: Client<Reader>) -> Result<(), Error> {
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
//! The page size is the endpoint's own `per_page` / `range` when set (clamped to
//! 1..=[`MAX_PAGE_SIZE`]), else [`DEFAULT_PAGE_SIZE`]; it is sent explicitly on every request
//! so that the short-page rule compares against what was really asked for. The stream starts
//! at the endpoint's `page` / `index` (default 1), never requests a page twice, and ends after
//! the first error it yields.
//!
//! Any [`Endpoint`] can be paged by implementing [`Paged`] for it.

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use zoho_oauth_core::{Client, Endpoint, Error, GrantedBy};

use crate::model::Page;

/// The page size used when the endpoint does not set one (Zoho's default for both generations).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The largest page size Zoho accepts (`per_page` / `range`).
pub const MAX_PAGE_SIZE: u32 = 200;

/// A stream of rows: what [`paginate`] returns.
pub type Items<T> = BoxStream<'static, Result<T, Error>>;

/// A stream of whole pages (non-empty `Vec`s of rows): what [`paginate_pages`] returns.
pub type Pages<T> = BoxStream<'static, Result<Vec<T>, Error>>;

/// How a list call addresses its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    /// V3: `page` is a 1-based page number; the next page is `page + 1`.
    PageNumber,
    /// restapi: `index` is the 1-based position of the first row; the next page starts at
    /// `index + rows received`.
    Index,
}

/// One page taken apart: its rows and, when the answer said so, whether another page follows.
#[derive(Debug, Clone, PartialEq)]
pub struct PageParts<T> {
    /// The rows, in order.
    pub items: Vec<T>,
    /// `page_info.has_next_page` (or `has_more_page`) when the answer carried it; `None` for
    /// bare lists, which end on a short page.
    pub has_next: Option<bool>,
}

impl<T> From<Page<T>> for PageParts<T> {
    fn from(page: Page<T>) -> Self {
        let has_next = page.page_info.as_ref().and_then(|info| info.has_next());
        PageParts { items: page.items, has_next }
    }
}

/// HTTP 204 (decoded as `None`) is an empty last page.
impl<T> From<Option<Page<T>>> for PageParts<T> {
    fn from(page: Option<Page<T>>) -> Self {
        page.map(PageParts::from).unwrap_or(PageParts { items: Vec::new(), has_next: Some(false) })
    }
}

/// A list call that can be paged: implemented by every list endpoint of [`crate::v3`] and
/// [`crate::restapi::endpoints`], and implementable for endpoints of your own.
pub trait Paged: Endpoint + Clone + Send + Sync + 'static {
    /// One row of the list.
    type Item: Send + 'static;
    /// How pages are addressed.
    const STYLE: PageStyle;

    /// The first page (V3) or row index (restapi) to ask for; 1 unless set.
    fn start(&self) -> u32;

    /// The page size the call asks for, if set.
    fn size(&self) -> Option<u32>;

    /// Points the call at `position` (page number or row index) with `size` rows.
    fn set_page(&mut self, position: u32, size: u32);

    /// Takes an answer apart into rows and the "another page follows" flag.
    fn split(response: Self::Response) -> PageParts<Self::Item>;
}

/// Every row of a list, page after page, as a stream. See the [module docs](self) for the rules.
///
/// Compiles only when the client's scope set grants the endpoint's scope, like
/// [`Client::send`]. The stream owns a clone of the client (a cheap `Arc` clone) and is `Send`,
/// so it can be moved into a task.
pub fn paginate<S, E>(client: &Client<S>, endpoint: E) -> Items<E::Item>
where
    S: 'static,
    E: Paged,
    E::Scope: GrantedBy<S>,
{
    paginate_pages(client, endpoint).map_ok(|rows| stream::iter(rows.into_iter().map(Ok))).try_flatten().boxed()
}

/// Like [`paginate`], but yields whole pages (each a non-empty `Vec`).
pub fn paginate_pages<S, E>(client: &Client<S>, endpoint: E) -> Pages<E::Item>
where
    S: 'static,
    E: Paged,
    E::Scope: GrantedBy<S>,
{
    struct State<S, E> {
        client: Client<S>,
        call: E,
        next: Option<u32>,
        size: u32,
    }

    let size = endpoint.size().unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let first = endpoint.start().max(1);
    let state = State { client: client.clone(), call: endpoint, next: Some(first), size };
    stream::unfold(state, |mut st| async move {
        let position = st.next.take()?;
        let mut call = st.call.clone();
        call.set_page(position, st.size);
        let parts = match st.client.send(call).await {
            Ok(response) => E::split(response),
            // `next` stays `None`: the stream ends after yielding the error.
            Err(e) => return Some((Err(e), st)),
        };
        let received = parts.items.len();
        if received == 0 {
            return None;
        }
        let more = match parts.has_next {
            Some(flag) => flag,
            None => received >= st.size as usize,
        };
        if more {
            st.next = match E::STYLE {
                PageStyle::PageNumber => position.checked_add(1),
                PageStyle::Index => u32::try_from(received).ok().and_then(|n| position.checked_add(n)),
            };
        }
        Some((Ok(parts.items), st))
    })
    .boxed()
}

/// `client.paginate(endpoint)`: [`paginate`] as a method of [`Client`].
pub trait Paginate {
    /// The client's scope set.
    type Scopes;

    /// Every row of a list, page after page; see [`paginate`].
    fn paginate<E: Paged>(&self, endpoint: E) -> Items<E::Item>
    where
        E::Scope: GrantedBy<Self::Scopes>;

    /// Whole pages of a list; see [`paginate_pages`].
    fn paginate_pages<E: Paged>(&self, endpoint: E) -> Pages<E::Item>
    where
        E::Scope: GrantedBy<Self::Scopes>;
}

impl<S: 'static> Paginate for Client<S> {
    type Scopes = S;

    fn paginate<E: Paged>(&self, endpoint: E) -> Items<E::Item>
    where
        E::Scope: GrantedBy<S>,
    {
        paginate(self, endpoint)
    }

    fn paginate_pages<E: Paged>(&self, endpoint: E) -> Pages<E::Item>
    where
        E::Scope: GrantedBy<S>,
    {
        paginate_pages(self, endpoint)
    }
}

/// Implements [`Paged`] for an endpoint struct with `Option<u32>` position and size fields,
/// plus chained setters for them.
macro_rules! paged {
    ($ty:ty => $item:ty, PageNumber, |$r:ident| $split:expr) => {
        impl $ty {
            /// Asks for this page (1-based; default 1). With pagination, the first page to read.
            #[must_use]
            pub fn page(mut self, page: u32) -> Self {
                self.paging.page = Some(page);
                self
            }

            /// Rows per page (Zoho accepts 1–200, default 100): the page-size knob.
            #[must_use]
            pub fn per_page(mut self, per_page: u32) -> Self {
                self.paging.per_page = Some(per_page);
                self
            }
        }

        $crate::paginate::paged!(@impl $ty => $item, PageNumber, paging.page, paging.per_page, |$r| $split);
    };
    ($ty:ty => $item:ty, Index, |$r:ident| $split:expr) => {
        impl $ty {
            /// Starts at this row (1-based; default 1).
            #[must_use]
            pub fn index(mut self, index: u32) -> Self {
                self.index = Some(index);
                self
            }

            /// Rows per page (Zoho accepts 1–200, default 100): the page-size knob.
            #[must_use]
            pub fn range(mut self, range: u32) -> Self {
                self.range = Some(range);
                self
            }
        }

        $crate::paginate::paged!(@impl $ty => $item, Index, index, range, |$r| $split);
    };
    (@impl $ty:ty => $item:ty, $style:ident, $($pos:ident).+, $($size:ident).+, |$r:ident| $split:expr) => {
        impl $crate::paginate::Paged for $ty {
            type Item = $item;
            const STYLE: $crate::paginate::PageStyle = $crate::paginate::PageStyle::$style;

            fn start(&self) -> u32 {
                self.$($pos).+.unwrap_or(1)
            }

            fn size(&self) -> Option<u32> {
                self.$($size).+
            }

            fn set_page(&mut self, position: u32, size: u32) {
                self.$($pos).+ = Some(position);
                self.$($size).+ = Some(size);
            }

            fn split($r: Self::Response) -> $crate::paginate::PageParts<$item> {
                $split
            }
        }
    };
}
pub(crate) use paged;
