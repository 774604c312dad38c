//! The legacy restapi (`/restapi/...`).

use crate::api::{ApiErr, ApiResult, Ctx};

pub(crate) fn route(_ctx: &mut Ctx<'_>) -> ApiResult {
    Err(ApiErr::NoRoute)
}
