//! The V3 API (`/api/v3/...`): every endpoint is a struct written with the public
//! `#[derive(Endpoint)]`, carrying its OAuth scopes, so that [`Client::send`] compiles only
//! when the client's token grants it.
//!
//! ```no_run
//! use zoho_projects::model::{NewTask, Priority};
//! use zoho_projects::prelude::*;
//! use zoho_projects::Error;
//! use zoho_projects::v3::tasks::{CreateTask, ListTasks};
//!
//! scope_set! { struct Work = ["ZohoProjects.tasks.ALL"]; }
//!
//! # async fn run(client: Client<Work>) -> Result<(), Error> {
//! let (portal, project) = ("815392601", "2447529000000057032");
//! let page = client.send(ListTasks::new(portal, project).page(2).per_page(100)).await?;
//! let task = client.send(CreateTask::new(portal, project, NewTask::new("Ship it").priority(Priority::High))).await?;
//! # let _ = (page, task); Ok(()) }
//! ```
//!
//! One module per resource; paths, envelopes and scopes follow Zoho's V3 API
//! (<https://projects.zoho.com/api-docs>):
//!
//! | module | scope module | endpoints |
//! |---|---|---|
//! | [`portals`] | `portals` | list, details |
//! | [`projects`] | `projects` | list (status filter), get, create, update, trash (`POST …/trash`, DELETE scope) |
//! | [`tasklists`] | `tasklists` | list, portal-wide list, get, create, update, delete |
//! | [`tasks`] | `tasks` | list per project / task list / portal, my tasks, get, create, update, delete, move, comments |
//! | [`milestones`] | `milestones` | phases (paths `/phases`): list, portal-wide list, get, create, update, delete |
//! | [`issues`] | `bugs` | list, portal-wide list, get, create, update, delete, comments |
//! | [`users`] | `users` (a user's projects: `projects`) | portal users, project users, a user, a user's projects |
//! | [`timelogs`] | `timesheets` | list (`view_type`, `module` filters), add, get, update, delete |
//! | [`search`] | `search` | portal search, project search |
//! | [`tags`] | `tags` | list, create (multipart), update, delete |
//! | [`attachments`] | `tasks` / `bugs`, plus `ZohoPC.files.ALL` (and `WorkDrive.files.READ` to download) | task and issue files: upload (multipart), list, download (streamed), delete |
//!
//! Lists answer [`Page<T>`](crate::model::Page) (whatever the envelope) and implement
//! [`Paged`](crate::paginate::Paged), so [`paginate`](crate::paginate::paginate) streams their
//! rows. Single objects answer the model type itself, or [`Single<T>`](crate::model::Single)
//! where Zoho's envelope is not pinned down (portal details, issues, comment creation);
//! deletions answer `()` (HTTP 204). Ids in paths are the typed ids of [`crate::ids`]; every
//! constructor takes `impl Into<…Id>`, so literals, `String`s and `u64`s work too.
//!
//! [`Client::send`]: crate::Client::send

pub mod attachments;
pub mod issues;
pub mod milestones;
pub mod portals;
pub mod projects;
pub mod search;
mod shape;
pub mod tags;
pub mod tasklists;
pub mod tasks;
pub mod timelogs;
pub mod users;
