//! Users: `/portal/{P}/users`, `…/projects/{PR}/users` (`{users}`), `…/users/{U}`.

use serde::{Deserialize, Serialize};

use super::common::{Extra, Ref};
use super::de;
use super::page::ListItem;
use crate::ids::{ProfileId, RoleId, UserId, Zuid};

/// A V3 portal or project user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Portal user id.
    #[serde(default)]
    pub zpuid: Option<UserId>,
    /// Zoho account id.
    #[serde(default)]
    pub zuid: Option<Zuid>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Full name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the user is active.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_active: Option<bool>,
    /// Role: `{id, name, …}`.
    #[serde(default)]
    pub role: Option<Ref<RoleId>>,
    /// Profile: `{id, name, …}`.
    #[serde(default)]
    pub profile: Option<Ref<ProfileId>>,
    /// Other fields (budget rates, `id`, …), kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl User {
    /// The best display name available: `full_name`, then `name`, then `email`.
    pub fn display_name(&self) -> Option<&str> {
        self.full_name.as_deref().or(self.name.as_deref()).or(self.email.as_deref())
    }
}

impl ListItem for User {
    const LIST_KEYS: &'static [&'static str] = &["users"];
    const SINGLE_KEYS: &'static [&'static str] = &["user"];
}
