//! Tags (scope `ZohoProjects.tags.*`): list (`{tags}`), create (multipart text part `tags`
//! holding a JSON array, the form V3.md documents; answer `{tags:[…]}`), update (PATCH; answer
//! `{tags:{…}}`), delete (204; the tag leaves every object carrying it).

use crate::Paging;
use serde::Serialize;

use crate::Endpoint;
use crate::ids::{PortalId, TagId};
use crate::model::{Page, Single, Tag};
use crate::multipart::Multipart;

/// `GET /api/v3/portal/{portal}/tags[?name]`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/tags", scope = "ZohoProjects.tags.READ", response = Page<Tag>, paginate(item = Tag, cursor = paging))]
pub struct ListTags {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// Only tags whose name contains this.
    #[zoho(query)]
    pub name: Option<String>,
    /// The page to ask for and its size (`page`, `per_page`).
    #[zoho(flatten)]
    pub paging: Paging,
}

impl ListTags {
    /// The tags of `portal`.
    pub fn new(portal: impl Into<PortalId>) -> Self {
        Self { portal: portal.into(), name: None, paging: Paging::default() }
    }

    /// Only tags whose name contains `name`.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// One tag to create: `{name, color_class}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NewTag {
    /// Name (unique in the portal, ≤ 50 characters).
    pub name: String,
    /// Colour class, e.g. `bg-tag17`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_class: Option<String>,
}

impl NewTag {
    /// A tag with a name and Zoho's default colour.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), color_class: None }
    }

    /// Sets `color_class`, e.g. `bg-tag17`.
    #[must_use]
    pub fn color_class(mut self, class: impl Into<String>) -> Self {
        self.color_class = Some(class.into());
        self
    }
}

/// `POST /api/v3/portal/{portal}/tags` (201, `{tags:[…]}` with the created tags), sent as the
/// documented `multipart/form-data` form: one text part `tags` holding the tags as a JSON array
/// (V3.md §1 "Bodies"). A name already in use is refused (`INVALID_OPERATION`). Like every
/// multipart call it is never repeated after an ambiguous failure.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/tags", scope = "ZohoProjects.tags.CREATE",
       response = Page<Tag>)]
pub struct CreateTags {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The body: one text part `tags` (see [`CreateTags::new`]).
    #[zoho(multipart)]
    pub form: Multipart,
}

impl CreateTags {
    /// Creates `tags` in `portal`.
    pub fn new(portal: impl Into<PortalId>, tags: impl IntoIterator<Item = NewTag>) -> Self {
        let items: Vec<serde_json::Value> = tags
            .into_iter()
            .map(|t| {
                let mut item = serde_json::Map::new();
                item.insert("name".to_owned(), t.name.into());
                if let Some(c) = t.color_class {
                    item.insert("color_class".to_owned(), c.into());
                }
                serde_json::Value::Object(item)
            })
            .collect();
        // `Value`'s `Display` is its JSON text (it cannot fail).
        let json = serde_json::Value::Array(items).to_string();
        Self { portal: portal.into(), form: Multipart::new().text("tags", json) }
    }
}

/// Body of [`UpdateTag`]; only the fields set are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TagUpdate {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New colour class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_class: Option<String>,
}

impl TagUpdate {
    /// An empty update.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name`.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `color_class`.
    #[must_use]
    pub fn color_class(mut self, class: impl Into<String>) -> Self {
        self.color_class = Some(class.into());
        self
    }
}

/// `PATCH /api/v3/portal/{portal}/tags/{tag}` (answer `{tags:{…}}`, read by [`Single`]).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/tags/{tag}", scope = "ZohoProjects.tags.UPDATE",
       response = Single<Tag>)]
pub struct UpdateTag {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The tag.
    #[zoho(path)]
    pub tag: TagId,
    /// The changes.
    #[zoho(body)]
    pub body: TagUpdate,
}

impl UpdateTag {
    /// Applies `body` to `tag`.
    pub fn new(portal: impl Into<PortalId>, tag: impl Into<TagId>, body: TagUpdate) -> Self {
        Self { portal: portal.into(), tag: tag.into(), body }
    }
}

/// `DELETE /api/v3/portal/{portal}/tags/{tag}` (204).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{portal}/tags/{tag}", scope = "ZohoProjects.tags.DELETE",
       response = ())]
pub struct DeleteTag {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The tag.
    #[zoho(path)]
    pub tag: TagId,
}

impl DeleteTag {
    /// Deletes `tag` everywhere.
    pub fn new(portal: impl Into<PortalId>, tag: impl Into<TagId>) -> Self {
        Self { portal: portal.into(), tag: tag.into() }
    }
}
