//! Attachments: `GET …/tasks/{T}/attachments` (`{attachment: [...]}`, the singular key V3.md
//! records).

use serde::{Deserialize, Serialize};

use super::common::{Extra, UserRef};
use super::de;
use super::page::ListItem;
use crate::ids::AttachmentId;

/// A file on a task or an issue: `{id, name, type, size, third_party_file_id, created_by}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// Attachment id.
    pub id: AttachmentId,
    /// File name.
    #[serde(default)]
    pub name: String,
    /// Content type (Zoho's key is `type`).
    #[serde(default, rename = "type")]
    pub content_type: Option<String>,
    /// Size in bytes.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub size: Option<u64>,
    /// The file's WorkDrive id (only V3 gives it).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub third_party_file_id: Option<String>,
    /// Uploader.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Attachment {
    const LIST_KEYS: &'static [&'static str] = &["attachment", "attachments"];
    const SINGLE_KEYS: &'static [&'static str] = &["attachment"];
}
