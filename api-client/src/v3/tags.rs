//! Tags (scope `ZohoProjects.tags.*`): list (`{tags}`), create (form field `tags` holding a JSON
//! array, as third-party clients send it; answer `{tags:[…]}`), update (PATCH; answer
//! `{tags:{…}}`), delete (204; the tag leaves every object carrying it).

use crate::Paging;
use serde::ser::{Error as _, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::Endpoint;
use crate::ids::{PortalId, TagId};
use crate::model::{Page, Single, Tag};

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

/// The form body of [`CreateTags`]: one field `tags` holding the tags as a JSON array.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagsForm {
    /// The tags to create.
    pub tags: Vec<NewTag>,
}

impl Serialize for TagsForm {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let json = serde_json::to_string(&self.tags).map_err(S::Error::custom)?;
        let mut form = s.serialize_struct("TagsForm", 1)?;
        form.serialize_field("tags", &json)?;
        form.end()
    }
}

/// `POST /api/v3/portal/{portal}/tags` (201, `{tags:[…]}` with the created tags). A name
/// already in use is refused (`INVALID_OPERATION`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/tags", scope = "ZohoProjects.tags.CREATE",
       response = Page<Tag>)]
pub struct CreateTags {
    /// The portal.
    #[zoho(path)]
    pub portal: PortalId,
    /// The tags.
    #[zoho(form)]
    pub form: TagsForm,
}

impl CreateTags {
    /// Creates `tags` in `portal`.
    pub fn new(portal: impl Into<PortalId>, tags: impl IntoIterator<Item = NewTag>) -> Self {
        Self { portal: portal.into(), form: TagsForm { tags: tags.into_iter().collect() } }
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
