//! Portals (scope `ZohoProjects.portals.READ`): `GET /api/v3/portals` (a bare array) and
//! `GET /api/v3/portal/{P}` (`{portal_details:{…}}`).

use crate::Endpoint;
use crate::ids::PortalId;
use crate::model::{Page, Portal, PortalDetails, Single};

/// `GET /api/v3/portals`: the portals of the token's user.
#[derive(Debug, Clone, Default, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = Page<Portal>)]
pub struct ListPortals;

/// `GET /api/v3/portal/{portal}`: one portal's details (answer `{portal_details:{…}}`).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}", scope = "ZohoProjects.portals.READ",
       response = Single<PortalDetails>)]
pub struct GetPortal {
    /// The portal (its V3 id, not the restapi `login_id`).
    #[zoho(path)]
    pub portal: PortalId,
}

impl GetPortal {
    /// The details of `portal`.
    pub fn new(portal: impl Into<PortalId>) -> Self {
        Self { portal: portal.into() }
    }
}
