//! Tags: `GET /portal/{P}/tags` (`{tags}`).

use serde::{Deserialize, Serialize};

use super::common::{Extra, UserRef};
use super::de;
use super::page::ListItem;
use crate::ids::TagId;

/// A V3 tag: `{id, name, color_class, color_hexcode, usage_count, created_by}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// Tag id.
    pub id: TagId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Colour class, e.g. `"bg-tag17"`.
    #[serde(default)]
    pub color_class: Option<String>,
    /// Colour as `#rrggbb`.
    #[serde(default)]
    pub color_hexcode: Option<String>,
    /// How many objects carry the tag.
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub usage_count: Option<u64>,
    /// Creator.
    #[serde(default)]
    pub created_by: Option<UserRef>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Tag {
    const LIST_KEYS: &'static [&'static str] = &["tags"];
    const SINGLE_KEYS: &'static [&'static str] = &["tag"];
}
