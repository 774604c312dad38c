//! Portals: `GET /api/v3/portals` (bare array) and `GET /api/v3/portal/{P}`
//! (`{portal_details:{…}}`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{Extra, UserRef};
use super::de;
use super::page::ListItem;
use crate::ids::PortalId;

/// A portal as listed by `GET /api/v3/portals`. Only `id` and `portal_name` are known for
/// sure; everything else is kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portal {
    /// Portal id (the V3 id, not the restapi `login_id`).
    pub id: PortalId,
    /// Portal name (the URL name).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub portal_name: Option<String>,
    /// Display name, when given.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    /// Organisation name, when given.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub org_name: Option<String>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for Portal {
    const LIST_KEYS: &'static [&'static str] = &["portals"];
}

/// Details of one portal, the content of `{portal_details:{…}}` (read it through
/// [`Single`](super::Single) or [`PortalDetailsResponse`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalDetails {
    /// Portal id.
    pub id: PortalId,
    /// Portal name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    /// Organisation name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub org_name: Option<String>,
    /// Portal owner.
    #[serde(default)]
    pub owner: Option<UserRef>,
    /// Time zone (shape not pinned down: a name or an object).
    #[serde(default)]
    pub timezone: Option<Value>,
    /// Plan details, e.g. `{projects_service_plan}`.
    #[serde(default)]
    pub plan_details: Option<Extra>,
    /// Business details: `{time_format, date_format, start_time, end_time}`.
    #[serde(default)]
    pub business_details: Option<Extra>,
    /// Other fields, kept as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ListItem for PortalDetails {
    const LIST_KEYS: &'static [&'static str] = &["portals"];
    const SINGLE_KEYS: &'static [&'static str] = &["portal_details"];
}

/// The `GET /api/v3/portal/{P}` envelope: `{portal_details:{…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalDetailsResponse {
    /// The portal.
    pub portal_details: PortalDetails,
}
