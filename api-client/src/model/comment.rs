//! Comments on tasks, issues, task lists and phases: `{comments, page_info}`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{Extra, UserRef};
use super::de;
use super::page::ListItem;
use crate::ids::{AttachmentId, CommentId};

/// A V3 comment. Task and issue comments carry their HTML in `comment`, phase comments in
/// `content`; [`text`](Self::text) reads either.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    /// Comment id.
    pub id: CommentId,
    /// The comment (HTML).
    #[serde(default)]
    pub comment: Option<String>,
    /// The comment (HTML) where `content` is used (phases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub created_time: Option<DateTime<Utc>>,
    /// Last modification time.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub modified_time: Option<DateTime<Utc>>,
    /// Author.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Comment {
    /// The comment's HTML, from `comment` or `content`.
    pub fn text(&self) -> Option<&str> {
        self.comment.as_deref().or(self.content.as_deref())
    }
}

impl ListItem for Comment {
    const LIST_KEYS: &'static [&'static str] = &["comments"];
}

/// Body of `POST …/tasks/{T}/comments` and `…/issues/{I}/comments`: `{comment}` (V3 rejects
/// `content`, `text` and `body` there; phase comments want `content`, set it with
/// `custom_field`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NewComment {
    /// The comment (HTML).
    pub comment: String,
    /// Attachment ids (≤ 10; the key is `attachment_ids`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_ids: Option<Vec<AttachmentId>>,
    /// Other top-level keys (`notify_users`, …).
    #[serde(flatten)]
    pub custom_fields: Extra,
}

impl NewComment {
    /// A comment with the given HTML.
    pub fn new(comment: impl Into<String>) -> Self {
        Self { comment: comment.into(), ..Self::default() }
    }

    /// Sets `attachment_ids`.
    #[must_use]
    pub fn attachment_ids<T: Into<AttachmentId>>(mut self, ids: impl IntoIterator<Item = T>) -> Self {
        self.attachment_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }
}

custom_field_setter!(NewComment);
