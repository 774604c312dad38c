//! Pagination as a [`Stream`](futures::Stream): every row of a list, page after page, for the
//! crate's own list endpoints and for endpoints of your own alike. This is the one mechanism:
//! `zoho-projects`' list endpoints use it exactly as an endpoint of yours does.
//!
//! A list endpoint becomes pageable with `paginate(...)` in its derive (which implements
//! [`Paged`]); [`paginate`] (or `client.paginate(...)` through [`Paginate`]) then streams it:
//!
//! ```
//! use zoho_oauth_core::paginate::{PageParts, PageStyle, Paged};
//!
//! /// The answer: `{"widgets": [...], "page_info": {"has_next_page": true}}`.
//! #[derive(serde::Deserialize)]
//! struct Widgets { widgets: Vec<String>, page_info: Info }
//! #[derive(serde::Deserialize)]
//! struct Info { has_next_page: bool }
//!
//! // How an answer splits into rows and "another page follows" (`Into<PageParts<Item>>`).
//! impl From<Widgets> for PageParts<String> {
//!     fn from(w: Widgets) -> Self { PageParts { items: w.widgets, has_next: Some(w.page_info.has_next_page) } }
//! }
//!
//! #[derive(Clone, zoho_oauth_core::Endpoint)]
//! #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portal/{portal}/widgets",
//!        scope = "ZohoProjects.projects.READ", response = Widgets, paginate(item = String))]
//! struct ListWidgets {
//!     #[zoho(path)] portal: u64,
//!     // The page-number style reads and writes these two fields (`page(n)` and
//!     // `per_page(n)` setters are generated).
//!     #[zoho(query)] page: Option<u32>,
//!     #[zoho(query)] per_page: Option<u32>,
//! }
//!
//! let mut call = ListWidgets { portal: 7, page: None, per_page: None }.per_page(50);
//! assert_eq!(ListWidgets::STYLE, PageStyle::PageNumber);
//! assert_eq!((call.start(), call.size()), (1, Some(50)));
//! call.set_page(3, 200);
//! assert_eq!((call.page, call.per_page), (Some(3), Some(200)));
//! ```
//!
//! `paginate(...)` takes:
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `item = Type` | one row of the list ([`Paged::Item`]) | required |
//! | `style = "page"` / `style = "index"` | V3 page numbers (setters `page`, `per_page`) or restapi row indexes (setters `index`, `range`) | `"page"` |
//! | `cursor = field` | the position and size live in `field`, whose type implements [`PageCursor`] (a paging struct shared by many endpoints, such as `zoho_projects::Paging`, flattened into the query) | two `Option<u32>` fields named after the style's setters |
//! | `split = path::to::fn` | `fn(Response) -> PageParts<Item>`: how an answer is taken apart | `Into::into` (implement `From<Response> for PageParts<Item>`) |
//!
//! The stream's rules:
//!
//! | style | request | next page | end |
//! |---|---|---|---|
//! | page numbers, `has_next` known | `page`, `per_page` | `page + 1` | `has_next: false`, an empty page, or HTTP 204 |
//! | page numbers, bare lists | `page`, `per_page` | `page + 1` | a short page (fewer rows than `per_page`), an empty page, or HTTP 204 |
//! | row indexes | `index` (1-based row), `range` (≤ 200) | `index + rows received` | a short page, an empty page, or HTTP 204 |
//!
//! The page size is the endpoint's own when set (clamped to 1..=[`MAX_PAGE_SIZE`]), else
//! [`DEFAULT_PAGE_SIZE`]; it is sent explicitly on every request so that the short-page rule
//! compares against what was really asked for. The stream starts at the endpoint's position
//! (default 1), never requests a page twice, and ends after the first error it yields.
//!
//! What a server cannot do to the stream: the next request is always the caller's own call with
//! only its position and size moved, so an answer cannot send it to another host, path or scope
//! (nothing in an answer is followed as a URL). A server that ignores the position and answers
//! the same full page again and again ends the stream with [`PaginationError::RepeatedPage`]
//! after the second copy, instead of looping forever.

use crate::client::Client;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::scope::GrantedBy;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

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

/// Why a pagination stream stopped on its own ([`Error::Pagination`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaginationError {
    /// The server answered the page at `position` with exactly the rows of the page before it
    /// while claiming more follow: it ignores the position, and reading on would never end.
    #[error(
        "{endpoint} answered page/row {position} with the same rows as the page before it; \
         the server ignores the position, so pagination stopped instead of looping forever"
    )]
    RepeatedPage {
        /// The endpoint's path template.
        endpoint: &'static str,
        /// The page number or row index whose answer repeated the previous page.
        position: u32,
    },
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

/// An answer that may be empty (HTTP 204, decoded as `None`): `None` is an empty last page.
impl<T, R: Into<PageParts<T>>> From<Option<R>> for PageParts<T> {
    fn from(page: Option<R>) -> Self {
        page.map(Into::into).unwrap_or(PageParts { items: Vec::new(), has_next: Some(false) })
    }
}

/// A list call that can be paged. Derived with `paginate(...)` (see the [module docs](self));
/// every list endpoint of `zoho-projects` implements it that way.
pub trait Paged: Endpoint + Clone + Send + Sync + 'static {
    /// One row of the list (kept and compared with the next page's rows, to stop a server that
    /// repeats a page forever).
    type Item: Clone + PartialEq + Send + 'static;
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

/// Where a pageable call keeps its position and page size when they live in a field of their
/// own (`paginate(cursor = field)`), such as a paging struct shared by many endpoints.
pub trait PageCursor {
    /// The page number or row index, if set.
    fn position(&self) -> Option<u32>;

    /// The page size, if set.
    fn size(&self) -> Option<u32>;

    /// Sets the page number or row index.
    fn set_position(&mut self, position: u32);

    /// Sets the page size.
    fn set_size(&mut self, size: u32);
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
    struct State<S, E: Paged> {
        client: Client<S>,
        call: E,
        next: Option<u32>,
        size: u32,
        /// The rows of the page before, to notice a server repeating it.
        previous: Option<Vec<E::Item>>,
    }

    let size = endpoint.size().unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let first = endpoint.start().max(1);
    let state = State { client: client.clone(), call: endpoint, next: Some(first), size, previous: None };
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
        if st.previous.as_ref() == Some(&parts.items) {
            let e = PaginationError::RepeatedPage { endpoint: E::PATH, position };
            return Some((Err(Error::Pagination(e)), st));
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
            st.previous = Some(parts.items.clone());
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
