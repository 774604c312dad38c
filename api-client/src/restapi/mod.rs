//! Legacy restapi (`/restapi/...`), deprecated by Zoho in favour of V3.

pub mod endpoints;
pub mod model;
