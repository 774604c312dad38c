//! The V3 API (`/api/v3/...`).

use axum::http::Method;
use serde_json::json;

use crate::api::{ApiErr, ApiResult, Ctx};
use crate::util::json;

pub(crate) fn route(ctx: &mut Ctx<'_>) -> ApiResult {
    let path = ctx.req.path.clone();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let m = ctx.req.method.clone();
    match (segs.as_slice(), &m) {
        (["api", "v3", "portals"], &Method::GET) => {
            ctx.need("portals", "READ")?;
            Ok(json(
                200,
                &json!([{"id": ctx.store.portal_id.to_string(), "portal_name": ctx.store.portal_name}]),
            ))
        }
        (["api", "v3", "portals"], _) => Err(ApiErr::Method),
        _ => Err(ApiErr::NoRoute),
    }
}
