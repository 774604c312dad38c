//! Zoho Accounts: authorization (consent page), token, revoke, device flow, serverinfo.

use axum::http::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::Dc;
use crate::fault::Route;
use crate::scopes;
use crate::server::Shared;
use crate::state::{ClientKind, DeviceRec, DeviceState, MintError, PendingConsent, State};
use crate::util::{Params, Req, Resp, esc, json, page, redact_token, redirect};

pub(crate) const THROTTLE_DESCRIPTION: &str =
    "You have made too many requests continuously. Please try again after some time.";

pub(crate) fn access_denied_body() -> Value {
    json!({"error": "Access Denied", "error_description": THROTTLE_DESCRIPTION})
}

pub(crate) fn handle(sh: &Shared, route: &Route, req: &Req) -> Resp {
    match (route, &req.method) {
        (Route::ServerInfo, &Method::GET) => serverinfo(sh),
        (Route::Auth, &Method::GET) if req.path.trim_end_matches('/') == "/oauth/v2/auth" => authorize(sh, req),
        (Route::Auth, &Method::POST) if req.path.trim_end_matches('/') == "/oauth/v2/auth/consent" => consent(sh, req),
        (Route::Auth, &Method::POST) => authorize(sh, req),
        (Route::Token, &Method::POST) => token(sh, req, TokenEndpoint::OAuth),
        (Route::Revoke, &Method::POST) => revoke(sh, req),
        (Route::DeviceCode, &Method::POST) => device_code(sh, req),
        (Route::DeviceToken, &Method::POST) => token(sh, req, TokenEndpoint::Device),
        (Route::DeviceVerify, &Method::GET) => verify_page(sh, req),
        (Route::DeviceVerify, &Method::POST) => verify_submit(sh, req),
        (Route::Token | Route::Revoke | Route::DeviceCode | Route::DeviceToken, _) => {
            let mut r = json(
                405,
                &json!({"error": "invalid_request", "error_description": "Only POST is allowed on this endpoint"}),
            );
            r.headers_mut().insert(axum::http::header::ALLOW, axum::http::HeaderValue::from_static("POST"));
            r
        }
        _ => page(405, "Method not allowed", &format!("<p>{} is not supported here.</p>", esc(req.method.as_str()))),
    }
}

fn serverinfo(sh: &Shared) -> Resp {
    let mut locations = serde_json::Map::new();
    for dc in Dc::ALL {
        locations.insert(dc.location().to_owned(), json!(sh.accounts_server(dc)));
    }
    json(200, &json!({"result": "success", "locations": locations}))
}

fn error_page(title: &str, msg: &str) -> Resp {
    page(400, title, &format!("<p>{}</p>", esc(msg)))
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(base) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => base.to_owned(),
    }
}

/// `GET /oauth/v2/auth`.
fn authorize(sh: &Shared, req: &Req) -> Resp {
    let p = req.params();
    let dc = req.dc;
    let st = sh.lock();
    let Some(client) = p.get("client_id").and_then(|c| st.clients.get(c)).cloned() else {
        return error_page("Invalid Client", "Client ID passed is invalid or does not exist.");
    };
    let Some(redirect_uri) = p.get("redirect_uri").map(str::to_owned) else {
        return error_page("Invalid Redirect Uri", "Redirect URI passed does not match with the one configured");
    };
    if client.kind != ClientKind::Web || !client.redirect_uris.contains(&redirect_uri) {
        return error_page("Invalid Redirect Uri", "Redirect URI passed does not match with the one configured");
    }
    if p.get("response_type") != Some("code") {
        return error_page("Invalid Response Type", "response_type must be 'code'.");
    }
    let scopes = p.get("scope").map(scopes::split).unwrap_or_default();
    if scopes.is_empty() {
        return error_page("Invalid OAuth Scope", "No scope was passed.");
    }
    if let Some(bad) = scopes.iter().find(|s| !scopes::is_known(s)) {
        return error_page("Invalid OAuth Scope", &format!("Scope does not exist: {bad}"));
    }
    let offline = match p.get("access_type").map(str::to_ascii_lowercase).as_deref() {
        None | Some("online") => false,
        Some("offline") => true,
        Some(_) => {
            return error_page("Invalid Access Type", "access_type must be online or offline.");
        }
    };
    let force_consent = match p.get("prompt").map(str::to_ascii_lowercase).as_deref() {
        None => false,
        Some("consent") => true,
        Some(_) => {
            return error_page("Invalid Prompt", "The only supported prompt value is consent.");
        }
    };
    let challenge = match (p.get("code_challenge"), p.get("code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => {
            return error_page("Invalid Code Challenge", "code_challenge is missing.");
        }
        (Some(c), m) => {
            let m = m.unwrap_or("plain");
            if m != "S256" && m != "plain" {
                return error_page("Invalid Code Challenge Method", "code_challenge_method must be S256 or plain.");
            }
            Some((m.to_owned(), c.to_owned()))
        }
    };
    let user = st.signed_in_user();
    if user.dc != dc {
        // The user lives in another DC: Zoho sends the browser on to that DC's accounts server.
        // Relative to the accounts base, so that a single-port path prefix is kept.
        let home = sh.url(user.dc, crate::hosts::Service::Accounts);
        let mut target = home.join(req.path.trim_start_matches('/')).unwrap_or_else(|_| home.clone());
        target.set_query(None);
        {
            let mut q = target.query_pairs_mut();
            for (k, v) in &p.0 {
                q.append_pair(k, v);
            }
        }
        return redirect(target.as_str());
    }
    let pending = PendingConsent {
        dc,
        client_id: client.id.clone(),
        zuid: user.zuid,
        scopes,
        redirect_uri,
        state: p.get("state").map(str::to_owned),
        offline,
        force_consent,
        challenge,
    };
    drop(st);
    if sh.auto_approve() {
        return finish_consent(sh, pending, true);
    }
    let id = crate::util::hex(16);
    let mut st = sh.lock();
    let scope_items: String = pending.scopes.iter().map(|s| format!("<li>{}</li>", esc(s))).collect();
    st.pending.insert(id.clone(), pending);
    let html = format!(
        "<p><b>{app}</b> would like to access your Zoho account <b>{email}</b>:</p>\n<ul>{scope_items}</ul>\n\
<form method=\"post\" action=\"{action}\">\n\
<input type=\"hidden\" name=\"request_id\" value=\"{id}\">\n\
<button type=\"submit\" name=\"action\" value=\"accept\">Accept</button>\n\
<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\n</form>",
        app = esc(&client.name),
        email = esc(&user.email),
        action = form_action(sh, dc, "/oauth/v2/auth/consent"),
    );
    page(200, "Consent", &html)
}

/// `POST /oauth/v2/auth/consent` (the Accept/Deny form).
fn consent(sh: &Shared, req: &Req) -> Resp {
    let p = req.params();
    let pending = {
        let mut st = sh.lock();
        match p.get("request_id").and_then(|id| st.pending.remove(id)) {
            Some(pc) if pc.dc == req.dc => pc,
            _ => {
                return error_page("Invalid Request", "This consent request is unknown or was already answered.");
            }
        }
    };
    let accept = p.get("action") == Some("accept");
    finish_consent(sh, pending, accept)
}

fn finish_consent(sh: &Shared, pc: PendingConsent, accept: bool) -> Resp {
    let dc = pc.dc;
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if !accept {
        pairs.push(("error", "access_denied".to_owned()));
    } else {
        let now = sh.clock.now_ms();
        let mut st = sh.lock();
        let grants_refresh =
            pc.offline && (pc.force_consent || !st.got_refresh.contains(&(pc.client_id.clone(), pc.zuid)));
        match st.issue_code(
            now,
            &sh.limits,
            &pc.client_id,
            pc.zuid,
            dc,
            pc.scopes.clone(),
            Some(pc.redirect_uri.clone()),
            grants_refresh,
            pc.challenge.clone(),
        ) {
            Ok(code) => pairs.push(("code", code)),
            Err(()) => {
                st.counters.access_denied += 1;
                return page(200, "Access Denied", &format!("<p>{}</p>", THROTTLE_DESCRIPTION));
            }
        }
    }
    if let Some(s) = &pc.state {
        pairs.push(("state", s.clone()));
    }
    pairs.push(("location", dc.location().to_owned()));
    pairs.push(("accounts-server", sh.accounts_server(dc)));
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    redirect(&with_query(&pc.redirect_uri, &refs))
}

fn token_error(st: &mut State, error: &str) -> Resp {
    st.counters.token_errors += 1;
    json(200, &json!({ "error": error }))
}

fn denied(st: &mut State) -> Resp {
    st.counters.token_errors += 1;
    st.counters.access_denied += 1;
    json(200, &access_denied_body())
}

fn token_json(sh: &Shared, dc: Dc, access: &str, refresh: Option<&str>, scope: Option<&[String]>) -> Value {
    let mut v = json!({
        "access_token": access,
        "api_domain": sh.api_domain(dc),
        "token_type": "Bearer",
        "expires_in": sh.limits.access_token_ttl.as_secs(),
    });
    if let Some(r) = refresh {
        v["refresh_token"] = json!(r);
    }
    if let Some(s) = scope {
        v["scope"] = json!(s.join(" "));
    }
    v
}

/// Checks client_id and client_secret.
#[allow(clippy::result_large_err)]
fn check_client(st: &mut State, p: &Params) -> Result<crate::state::Client, Resp> {
    let Some(client) = p.get("client_id").and_then(|c| st.clients.get(c)).cloned() else {
        return Err(token_error(st, "invalid_client"));
    };
    if p.get("client_secret") != Some(client.secret.as_str()) {
        return Err(token_error(st, "invalid_client_secret"));
    }
    Ok(client)
}

/// Which token endpoint was called: each takes only its own grants [V A-DEV].
#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenEndpoint {
    /// `/oauth/v2/token`: authorization code, refresh token, client credentials.
    OAuth,
    /// `/oauth/v3/device/token`: `device_token` only.
    Device,
}

/// `POST /oauth/v2/token` (and `/oauth/v3/device/token`).
fn token(sh: &Shared, req: &Req, at: TokenEndpoint) -> Resp {
    let p = req.params();
    let dc = req.dc;
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    st.counters.token_requests += 1;
    let grant = p.get("grant_type").unwrap_or("").to_owned();
    let client = match (at, grant.as_str()) {
        (TokenEndpoint::OAuth, "authorization_code" | "refresh_token" | "client_credentials")
        | (TokenEndpoint::Device, "device_token") => match check_client(&mut st, &p) {
            Ok(c) => c,
            Err(r) => return r,
        },
        _ => return token_error(&mut st, "unsupported_grant_type"),
    };
    match grant.as_str() {
        "authorization_code" => {
            let Some(code_str) = p.get("code").map(str::to_owned) else {
                return token_error(&mut st, "invalid_code");
            };
            let code = match st.codes.get(&code_str) {
                Some(c) if !c.used && c.expires_ms > now && c.dc == dc && c.client_id == client.id => c.clone(),
                _ => return token_error(&mut st, "invalid_code"),
            };
            if let Some(expected) = &code.redirect_uri
                && p.get("redirect_uri") != Some(expected.as_str())
            {
                return token_error(&mut st, "invalid_redirect_uri");
            }
            if let Some((method, challenge)) = &code.challenge {
                let Some(verifier) = p.get("code_verifier") else {
                    return token_error(&mut st, "invalid_code_verifier");
                };
                let computed = if method == "S256" {
                    use base64::Engine;
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
                } else {
                    verifier.to_owned()
                };
                if computed != *challenge {
                    return token_error(&mut st, "invalid_code_verifier");
                }
            }
            if let Some(c) = st.codes.get_mut(&code_str) {
                c.used = true;
            }
            let refresh = if code.grants_refresh {
                match st.new_refresh(now, &sh.limits, &client.id, code.zuid, dc, &code.scopes) {
                    Some(r) => Some(r),
                    None => return denied(&mut st),
                }
            } else {
                None
            };
            match st.mint_access(now, &sh.limits, &client.id, code.zuid, dc, &code.scopes, refresh.as_deref()) {
                Ok(at) => json(200, &token_json(sh, dc, &at, refresh.as_deref(), None)),
                Err(MintError::Throttled) => denied(&mut st),
            }
        }
        "refresh_token" => {
            let Some(rt) = p.get("refresh_token").map(str::to_owned) else {
                return token_error(&mut st, "invalid_code");
            };
            // Only what the grant needs: the record's token lists grow with every grant.
            let (zuid, scopes) = match st.refresh.get(&rt) {
                Some(r) if !r.revoked && r.dc == dc && r.client_id == client.id => (r.zuid, r.scopes.clone()),
                _ => return token_error(&mut st, "invalid_code"),
            };
            match st.mint_access(now, &sh.limits, &client.id, zuid, dc, &scopes, Some(&rt)) {
                Ok(at) => {
                    st.counters.refresh_grants += 1;
                    tracing::debug!(refresh_token = %redact_token(&rt), "refresh grant");
                    // No `scope` here: the refresh page documents none (docs/zoho.md §3).
                    json(200, &token_json(sh, dc, &at, None, None))
                }
                Err(MintError::Throttled) => denied(&mut st),
            }
        }
        "client_credentials" => {
            if client.kind != ClientKind::SelfClient {
                return token_error(&mut st, "unauthorized_client");
            }
            let scopes = p.get("scope").map(scopes::split).unwrap_or_default();
            if scopes.is_empty() || scopes.iter().any(|s| !scopes::is_known(s)) {
                return token_error(&mut st, "invalid_scope");
            }
            let owner_dc = st.user_by_zuid(client.owner_zuid).map(|u| u.dc).unwrap_or(Dc::Us);
            if owner_dc != dc {
                return token_error(&mut st, "invalid_client");
            }
            // [V A-CC] services with several organisations need `soid` = `{service}.{org id}`;
            // Projects is one (a user may belong to many portals): `ZohoProjects.<V3 portal id>`
            // of a portal of the client's owner in this DC, else `missing_org_info`.
            let org = p.get("soid").and_then(|s| s.strip_prefix("ZohoProjects.")).and_then(|id| {
                (id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.parse::<u64>().ok()).flatten()
            });
            let member = org.is_some_and(|id| {
                st.data.iter().any(|d| d.dc == dc && d.portal_id == id && d.person_by_zuid(client.owner_zuid).is_some())
            });
            if !member {
                return token_error(&mut st, "missing_org_info");
            }
            match st.mint_access(now, &sh.limits, &client.id, client.owner_zuid, dc, &scopes, None) {
                Ok(at) => json(200, &token_json(sh, dc, &at, None, Some(&scopes))),
                Err(MintError::Throttled) => denied(&mut st),
            }
        }
        _ => device_poll(sh, &mut st, &p, &client, dc, now),
    }
}

fn device_poll(sh: &Shared, st: &mut State, p: &Params, client: &crate::state::Client, dc: Dc, now: i64) -> Resp {
    // The device code travels as `code` [V A-DEV]; `device_code` (RFC 8628's name) is not read.
    let Some(code) = p.get("code").map(str::to_owned) else {
        return token_error(st, "invalid_code");
    };
    let Some(rec) = st.devices.get(&code).cloned() else {
        return token_error(st, "invalid_code");
    };
    if rec.client_id != client.id {
        return token_error(st, "invalid_code");
    }
    let serving_dc = match rec.state {
        DeviceState::Approved { user_dc, .. } => user_dc,
        _ => rec.dc,
    };
    if dc != rec.dc && dc != serving_dc {
        return token_error(st, "invalid_code");
    }
    if now >= rec.expires_ms {
        st.devices.remove(&code);
        return token_error(st, "expired");
    }
    let interval = crate::util::ms(sh.limits.device_poll_interval);
    let too_soon = rec.last_poll_ms.is_some_and(|t| now - t < interval);
    if let Some(r) = st.devices.get_mut(&code) {
        r.last_poll_ms = Some(now);
    }
    if too_soon {
        return token_error(st, "slow_down");
    }
    match rec.state {
        DeviceState::Pending => token_error(st, "authorization_pending"),
        DeviceState::Denied => {
            st.devices.remove(&code);
            token_error(st, "access_denied")
        }
        DeviceState::Approved { zuid, user_dc } => {
            if dc != user_dc {
                st.counters.token_errors += 1;
                return json(200, &json!({"error": "other_dc", "user_location": user_dc.location()}));
            }
            let wants_refresh =
                rec.offline && (rec.force_consent || !st.got_refresh.contains(&(client.id.clone(), zuid)));
            let refresh = if wants_refresh {
                match st.new_refresh(now, &sh.limits, &client.id, zuid, dc, &rec.scopes) {
                    Some(r) => Some(r),
                    None => return denied(st),
                }
            } else {
                None
            };
            st.devices.remove(&code);
            match st.mint_access(now, &sh.limits, &client.id, zuid, dc, &rec.scopes, refresh.as_deref()) {
                Ok(at) => json(200, &token_json(sh, dc, &at, refresh.as_deref(), None)),
                Err(MintError::Throttled) => denied(st),
            }
        }
    }
}

/// The client named by `Authorization: Basic base64(client_id:client_secret)` (the secret may be
/// left out only by clients without one; every sandbox client has one, so it is required).
fn basic_client(st: &State, req: &Req) -> Option<crate::state::Client> {
    use base64::Engine;
    let v = req.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    let pair = String::from_utf8(raw).ok()?;
    let (id, secret) = pair.split_once(':')?;
    st.clients.get(id).filter(|c| c.secret == secret).cloned()
}

/// `POST /oauth/v2/token/revoke?token=…` (classic, no client credentials) and
/// `POST /oauth/v2/revoke/token?token=…` (newer: Basic auth of the token's client) [V A-REV, A-REV2].
fn revoke(sh: &Shared, req: &Req) -> Resp {
    let p = req.params();
    let mut st = sh.lock();
    let Some(t) = p.get("token").map(str::to_owned) else {
        return json(400, &json!({"error": "invalid_request"}));
    };
    if req.path.trim_end_matches('/') == "/oauth/v2/revoke/token" {
        // The client the token was issued to (unknown for a client-credentials access token).
        let owner = st
            .refresh
            .get(&t)
            .or_else(|| st.access.get(&t).and_then(|a| a.refresh.as_ref()).and_then(|r| st.refresh.get(r)))
            .map(|r| r.client_id.clone());
        match basic_client(&st, req) {
            None => return json(401, &json!({"error": "invalid_client"})),
            Some(c) if owner.is_some_and(|o| o != c.id) => return json(400, &json!({"error": "invalid_token"})),
            Some(_) => {}
        }
    }
    let is_refresh = st.refresh.get(&t).is_some_and(|r| !r.revoked && r.dc == req.dc);
    if is_refresh {
        st.revoke_refresh(&t);
    } else if st.access.get(&t).is_some_and(|a| a.dc == req.dc) {
        if let Some(a) = st.access.remove(&t)
            && let Some(r) = a.refresh.and_then(|rt| st.refresh.get_mut(&rt))
        {
            r.access.retain(|x| *x != t);
        }
    } else {
        return json(400, &json!({"error": "invalid_token"}));
    }
    st.counters.revocations += 1;
    json(200, &json!({"status": "success"}))
}

/// `POST /oauth/v3/device/code`.
fn device_code(sh: &Shared, req: &Req) -> Resp {
    let p = req.params();
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    let Some(client) = p.get("client_id").and_then(|c| st.clients.get(c)).cloned() else {
        return json(200, &json!({"error": "invalid_client"}));
    };
    if client.kind != ClientKind::Device {
        return json(200, &json!({"error": "unauthorized_client"}));
    }
    if p.get("grant_type") != Some("device_request") {
        return json(200, &json!({"error": "unsupported_grant_type"}));
    }
    let scopes = p.get("scope").map(scopes::split).unwrap_or_default();
    if scopes.is_empty() || scopes.iter().any(|s| !scopes::is_known(s)) {
        return json(200, &json!({"error": "invalid_scope"}));
    }
    let user_code = {
        let c = crate::util::random_upper(8);
        format!("{}-{}", &c[..4], &c[4..])
    };
    let rec = DeviceRec {
        client_id: client.id.clone(),
        dc: req.dc,
        scopes,
        offline: p.get("access_type").is_some_and(|a| a.eq_ignore_ascii_case("offline")),
        force_consent: p.get("prompt").is_some_and(|a| a.eq_ignore_ascii_case("consent")),
        user_code: user_code.clone(),
        expires_ms: now.saturating_add(crate::util::ms(sh.limits.device_code_ttl)),
        last_poll_ms: None,
        state: DeviceState::Pending,
    };
    let device_code = st.new_device(rec);
    let verification_url = format!("{}/oauth/v3/device", sh.accounts_server(req.dc));
    json(
        200,
        &json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_url": verification_url,
            "verification_uri_complete": format!("{verification_url}?user_code={user_code}"),
            "expires_in": sh.limits.device_code_ttl.as_secs(),
            "interval": sh.limits.device_poll_interval.as_secs(),
        }),
    )
}

/// A form's target path on `dc`'s accounts server, keeping a single-port path prefix
/// (`/oauth/...` with separate listeners, `/us/accounts/oauth/...` on one port).
fn form_action(sh: &Shared, dc: Dc, path: &str) -> String {
    esc(&format!("{}{path}", sh.url(dc, crate::hosts::Service::Accounts).path().trim_end_matches('/')))
}

fn verify_form(sh: &Shared, dc: Dc, prefill: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{}\">\n<label>Code <input name=\"user_code\" value=\"{}\"></label>\n<button type=\"submit\">Next</button>\n</form>",
        form_action(sh, dc, "/oauth/v3/device"),
        esc(prefill)
    )
}

/// `GET /oauth/v3/device`: the page where a user types the code shown by the device.
fn verify_page(sh: &Shared, req: &Req) -> Resp {
    page(200, "Connect a device", &verify_form(sh, req.dc, req.q("user_code").unwrap_or("")))
}

/// `POST /oauth/v3/device`: code entered; show consent (or approve at once), or record the answer.
fn verify_submit(sh: &Shared, req: &Req) -> Resp {
    let p = req.params();
    let user_code = p.get("user_code").unwrap_or("").to_owned();
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    let user = st.signed_in_user();
    let client_name;
    let scopes;
    {
        let Some((_, rec)) = st.device_by_user_code(&user_code) else {
            return page(
                400,
                "Invalid Code",
                &format!("<p>The code is invalid or has expired.</p>{}", verify_form(sh, req.dc, "")),
            );
        };
        if now >= rec.expires_ms || rec.state != DeviceState::Pending {
            return page(
                400,
                "Invalid Code",
                &format!("<p>The code is invalid or has expired.</p>{}", verify_form(sh, req.dc, "")),
            );
        }
        match p.get("action") {
            Some("accept") => {
                rec.state = DeviceState::Approved { zuid: user.zuid, user_dc: user.dc };
                return page(200, "Device connected", "<p>You can return to your device now.</p>");
            }
            Some("deny") => {
                rec.state = DeviceState::Denied;
                return page(200, "Access denied", "<p>The device was not connected.</p>");
            }
            _ if sh.auto_approve() => {
                rec.state = DeviceState::Approved { zuid: user.zuid, user_dc: user.dc };
                return page(200, "Device connected", "<p>You can return to your device now.</p>");
            }
            _ => {}
        }
        scopes = rec.scopes.clone();
        client_name = rec.client_id.clone();
    }
    let app = st.clients.get(&client_name).map(|c| c.name.clone()).unwrap_or_default();
    let items: String = scopes.iter().map(|s| format!("<li>{}</li>", esc(s))).collect();
    page(
        200,
        "Consent",
        &format!(
            "<p><b>{}</b> (a device) would like to access your Zoho account <b>{}</b>:</p>\n<ul>{items}</ul>\n\
<form method=\"post\" action=\"{}\">\n<input type=\"hidden\" name=\"user_code\" value=\"{}\">\n\
<button type=\"submit\" name=\"action\" value=\"accept\">Accept</button>\n\
<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\n</form>",
            esc(&app),
            esc(&user.email),
            form_action(sh, req.dc, "/oauth/v3/device"),
            esc(&user_code)
        ),
    )
}
