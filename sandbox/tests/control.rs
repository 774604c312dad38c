//! The control API (`/__sandbox/...`): every verb over real HTTP, checked against what the
//! sandbox then does on its Zoho routes and against the Rust API it shares its implementation with.

mod common;

use common::{api_get, authorize, exchange, get, http, status_and_json};
use reqwest::{Method, Url};
use serde_json::{Value, json};
use zoho_sandbox::{Dc, Profile, Route, Sandbox, Service};

async fn call(sb: &Sandbox, method: Method, verb: &str, body: Option<Value>) -> (u16, Value) {
    let base = sb.control_url().expect("control API on");
    let url = Url::parse(&format!("{base}{verb}")).unwrap();
    let mut rb = http().request(method, url);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    status_and_json(rb).await
}

async fn post(sb: &Sandbox, verb: &str, body: Value) -> (u16, Value) {
    call(sb, Method::POST, verb, Some(body)).await
}

async fn get_(sb: &Sandbox, verb: &str) -> (u16, Value) {
    call(sb, Method::GET, verb, None).await
}

#[tokio::test]
async fn info_lists_every_url_and_the_demo_data() {
    let sb = common::start().await;
    let (s, info) = get_(&sb, "").await;
    assert_eq!(s, 200);
    assert_eq!(info, sb.info(), "HTTP and Rust give the same answer");
    for dc in Dc::ALL {
        for svc in Service::ALL {
            assert_eq!(info["urls"][dc.location()][svc.name()], sb.url(dc, svc).as_str());
        }
        assert_eq!(info["portals"][dc.location()]["id"], sb.demo_portal(dc).id.as_str());
        assert_eq!(info["demo_files"][dc.location()], sb.demo_file(dc).as_str());
    }
    assert_eq!(info["client"]["client_id"], sb.demo_client().client_id.as_str());
    assert_eq!(info["user"]["email"], sb.demo_user().email.as_str());
    assert_eq!(info["limits"], "default");
    assert_eq!(info["control"], sb.control_url().unwrap().as_str());
    // control calls are not Zoho traffic
    assert!(sb.requests_seen().is_empty());
}

#[tokio::test]
async fn clock_read_advance_set_and_real_time() {
    let sb = common::start().await;
    let (s, c) = get_(&sb, "/clock").await;
    assert_eq!(s, 200);
    let t0 = c["now_ms"].as_i64().unwrap();
    assert_eq!(t0, sb.clock().now_ms());
    assert_eq!(c["mode"], "virtual");

    let (s, c) = post(&sb, "/clock/advance", json!({"seconds": 7200})).await;
    assert_eq!(s, 200);
    assert_eq!(c["now_ms"].as_i64().unwrap(), t0 + 7_200_000);
    assert_eq!(sb.clock().now_ms(), t0 + 7_200_000);
    let (_, c) = post(&sb, "/clock/advance", json!({"ms": 5})).await;
    assert_eq!(c["now_ms"].as_i64().unwrap(), t0 + 7_200_005);

    let (s, c) = post(&sb, "/clock/set", json!({"now_ms": t0 + 10_000_000})).await;
    assert_eq!(s, 200);
    assert_eq!(sb.clock().now_ms(), t0 + 10_000_000);
    assert_eq!(c["now_ms"].as_i64().unwrap(), t0 + 10_000_000);
    let (s, c) = post(&sb, "/clock/set", json!({"now": "2001-01-01T00:00:00Z"})).await;
    assert_eq!((s, c["error"].as_str()), (409, Some("clock_backwards")), "{c}");
    assert_eq!(sb.clock().now_ms(), t0 + 10_000_000, "a refused set changes nothing");
    let (s, _) = post(&sb, "/clock/set", json!({"now": "2999-01-01T00:00:00Z"})).await;
    assert_eq!(s, 200);
    assert_eq!(sb.clock().now().to_rfc3339(), "2999-01-01T00:00:00+00:00");

    for bad in [json!({"seconds": -1}), json!({"seconds": 1, "ms": 1}), json!({}), json!({"hours": 1})] {
        let (s, v) = post(&sb, "/clock/advance", bad.clone()).await;
        assert_eq!(s, 400, "{bad} -> {v}");
        assert!(v["error"].is_string() && v["message"].is_string());
    }
    let (s, _) = post(&sb, "/clock/set", json!({"now": "yesterday"})).await;
    assert_eq!(s, 400);

    let (s, c) = post(&sb, "/clock/mode", json!({"mode": "real"})).await;
    assert_eq!((s, c["mode"].as_str()), (200, Some("real")));
    assert!(sb.clock().is_real());
    let (_, c) = post(&sb, "/clock/mode", json!({"mode": "virtual"})).await;
    assert_eq!(c["mode"], "virtual");
    assert!(!sb.clock().is_real());
    assert_eq!(post(&sb, "/clock/mode", json!({"mode": "fast"})).await.0, 400);
}

/// The point of the clock verb: from HTTP alone, a token expires and a refresh works.
#[tokio::test]
async fn advancing_the_clock_over_http_expires_tokens() {
    let sb = common::start().await;
    let (at, rt) = common::login(&sb, "ZohoProjects.portals.READ").await;
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 200);
    post(&sb, "/clock/advance", json!({"seconds": 3600})).await;
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 401);
    let t = common::refresh(&sb, Dc::Us, &sb.demo_client(), &rt).await;
    let fresh = t["access_token"].as_str().unwrap();
    assert_eq!(api_get(&sb, fresh, "/api/v3/portals").await.0, 200);
}

#[tokio::test]
async fn limits_profile_switches_while_running() {
    let sb = common::start().await;
    let (s, l) = get_(&sb, "/limits").await;
    assert_eq!(s, 200);
    assert_eq!(l["profile"], "default");
    assert_eq!(l["api_requests_per_window"], 100);
    let (s, l) = call(&sb, Method::PUT, "/limits", Some(json!({"profile": "relaxed"}))).await;
    assert_eq!((s, l["profile"].as_str()), (200, Some("relaxed")));
    assert_eq!(sb.limits(), &zoho_sandbox::Limits::relaxed());
    // 150 calls in one window pass under relaxed limits (100 would be the default's cap).
    let at = sb.mint_access_token(&sb.demo_user().email, &["ZohoProjects.portals.READ"]).unwrap();
    for _ in 0..150 {
        assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 200);
    }
    sb.set_limits(Profile::Strict);
    assert_eq!(get_(&sb, "/limits").await.1["profile"], "strict");
    let (s, v) = call(&sb, Method::PUT, "/limits", Some(json!({"profile": "lenient"}))).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("unknown_profile")));
    assert_eq!(sb.limits(), &zoho_sandbox::Limits::strict(), "a refused switch changes nothing");
}

#[tokio::test]
async fn faults_add_list_apply_and_clear() {
    let sb = common::start().await;
    let at = sb.mint_access_token(&sb.demo_user().email, &["ZohoProjects.portals.READ"]).unwrap();
    let (s, f) = post(&sb, "/faults", json!({"status": 500, "route": "api", "times": 2})).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["kind"], "status");
    let (s, list) = get_(&sb, "/faults").await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["left"], 2);
    assert_eq!(sb.faults().len(), 1, "the Rust API sees the fault added over HTTP");
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 500);
    assert_eq!(get_(&sb, "/faults").await.1[0]["left"], 1);
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 500);
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 200, "used up");
    assert_eq!(get_(&sb, "/faults").await.1, json!([]));

    let (s, _) = post(
        &sb,
        "/faults",
        json!({"kind": "respond", "status": 429, "body": "slow down", "content_type": "text/plain",
               "route": {"path": "/api/v3/portals"}, "times": "always", "headers": [["Retry-After", "7"]]}),
    )
    .await;
    assert_eq!(s, 201);
    for _ in 0..3 {
        let r = common::api(&sb, &at, Method::GET, "/api/v3/portals").await.send().await.unwrap();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "7");
        assert_eq!(r.text().await.unwrap(), "slow down");
    }
    let (s, _) = call(&sb, Method::DELETE, "/faults", None).await;
    assert_eq!(s, 200);
    assert!(sb.faults().is_empty());
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 200);

    for bad in [
        json!({"status": 99}),
        json!({"kind": "explode"}),
        json!({"status": 500, "route": "nowhere"}),
        json!({"status": 500, "route": {"path": "no-slash"}}),
        json!({"status": 500, "times": 0}),
        json!({"status": 500, "headers": [["Bad Header", "x"]]}),
        json!({"kind": "delay"}),
        json!({"status": 500, "extra": true}),
    ] {
        let (s, v) = post(&sb, "/faults", bad.clone()).await;
        assert_eq!(s, 400, "{bad} -> {v}");
    }
    assert!(sb.faults().is_empty(), "no refused fault was added");
}

#[tokio::test]
async fn counters_and_requests_seen_redacted_unless_asked() {
    let sb = common::start().await;
    let c = sb.demo_client();
    let (at, rt) = common::login(&sb, "ZohoProjects.portals.READ").await;
    api_get(&sb, &at, "/api/v3/portals").await;
    // a secret in a query string (revocation accepts it there)
    let r = http()
        .post(sb.accounts_url(Dc::Us).join(&format!("oauth/v2/token/revoke?token={rt}")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let (s, n) = get_(&sb, "/counters").await;
    assert_eq!(s, 200);
    let rust = sb.counters();
    assert_eq!(n["codes_issued"], rust.codes_issued);
    assert_eq!(n["access_tokens_minted"], 1);
    assert_eq!(n["api_requests"], 1);
    assert_eq!(n["revocations"], 1);
    assert_eq!(n["requests"]["token"], 1);
    assert_eq!(n["requests"]["api"], 1);
    assert_eq!(n["requests"]["auth"], 1);

    let (s, seen) = get_(&sb, "/requests").await;
    assert_eq!(s, 200);
    let text = seen.to_string();
    assert_eq!(seen.as_array().unwrap().len(), sb.requests_seen().len());
    for secret in [&at, &rt, &c.client_secret] {
        assert!(!text.contains(secret.as_str()), "a secret leaked into the redacted list");
    }
    let api = seen.as_array().unwrap().iter().find(|r| r["route"] == "api").unwrap();
    assert_eq!(api["service"], "projectsapi");
    let auth = api["headers"].as_array().unwrap().iter().find(|h| h[0] == "authorization").unwrap();
    assert_eq!(auth[1], "Zoho-oauthtoken ***");
    let (_, revealed) = get_(&sb, "/requests?reveal=true").await;
    let text = revealed.to_string();
    // the access token in a header, the refresh token in the revoke query (bodies are not kept)
    assert!(text.contains(at.as_str()) && text.contains(rt.as_str()));
}

#[tokio::test]
async fn users_sign_in_codes_tokens() {
    let sb = common::start().await;
    let (s, u) = post(&sb, "/users", json!({"email": "eve@example.in", "dc": "in"})).await;
    assert_eq!(s, 201);
    assert_eq!(u["dc"], "in");
    assert!(sb.users().iter().any(|x| x.email == "eve@example.in" && x.dc == Dc::In));
    let (_, all) = get_(&sb, "/users").await;
    assert_eq!(all.as_array().unwrap().len(), sb.users().len());
    assert_eq!(post(&sb, "/users", json!({"email": "not-an-email"})).await.0, 400);
    assert_eq!(post(&sb, "/users", json!({"email": "a@b", "dc": "mars"})).await.0, 400);

    let (s, v) = post(&sb, "/sign-in", json!({"email": "nobody@example.com"})).await;
    assert_eq!((s, v["error"].as_str()), (404, Some("unknown_user")));
    assert_eq!(post(&sb, "/sign-in", json!({"email": "eve@example.in"})).await.0, 200);
    // the browser user is now Eve: authorizing at the US sends her home to IN
    let c = sb.demo_client();
    let mut url = sb.accounts_url(Dc::Us).join("oauth/v2/auth").unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &c.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &c.redirect_uri)
        .append_pair("scope", "ZohoProjects.portals.READ");
    let r = http().get(url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert!(r.headers()["location"].to_str().unwrap().starts_with(sb.accounts_url(Dc::In).as_str()));
    let q = authorize(&sb, Dc::In, &c, "ZohoProjects.portals.READ", &[]).await;
    assert_eq!(get(&q, "location"), Some("in"));

    let (s, code) = post(&sb, "/self-client-code", json!({"scopes": ["ZohoProjects.portals.READ"]})).await;
    assert_eq!(s, 201);
    let t = exchange(&sb, Dc::Us, &c, code["code"].as_str().unwrap()).await;
    assert!(t["access_token"].is_string(), "{t}");
    let (s, v) = post(&sb, "/self-client-code", json!({"scopes": "ZohoProjects.nope.READ"})).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("unknown_scope")));
    let (s, v) = post(&sb, "/self-client-code", json!({"client_id": "1000.NOPE", "scopes": []})).await;
    assert_eq!((s, v["error"].as_str()), (404, Some("unknown_client")));

    let (s, t) = post(&sb, "/tokens", json!({"scopes": "ZohoProjects.portals.READ"})).await;
    assert_eq!(s, 201);
    assert_eq!(t["expires_in"], 3600);
    assert_eq!(api_get(&sb, t["access_token"].as_str().unwrap(), "/api/v3/portals").await.0, 200);
    let (s, t) = post(&sb, "/tokens", json!({"email": "eve@example.in", "scopes": ["WorkDrive.users.READ"]})).await;
    assert_eq!(s, 201);
    let me = sb.api_domain_url(Dc::In).join("workdrive/api/v1/users/me").unwrap();
    let r = http()
        .get(me)
        .header("Authorization", format!("Zoho-oauthtoken {}", t["access_token"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "Eve's token works on her DC's api_domain");
}

#[tokio::test]
async fn device_codes_approved_or_denied_over_http() {
    let sb = common::start().await;
    let dev = sb.register_client(zoho_sandbox::ClientSpec::device());
    let start = |sb: &Sandbox| {
        let url = sb.accounts_url(Dc::Us).join("oauth/v3/device/code").unwrap();
        let id = dev.client_id.clone();
        async move {
            let v: Value = http()
                .post(url)
                .form(&[
                    ("client_id", id.as_str()),
                    ("grant_type", "device_request"),
                    ("scope", "ZohoProjects.portals.READ"),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (v["user_code"].as_str().unwrap().to_owned(), v["device_code"].as_str().unwrap().to_owned())
        }
    };
    let poll = |code: String| {
        let url = sb.accounts_url(Dc::Us).join("oauth/v3/device/token").unwrap();
        let (id, secret) = (dev.client_id.clone(), dev.client_secret.clone());
        async move {
            let v: Value = http()
                .post(url)
                .form(&[
                    ("client_id", id.as_str()),
                    ("client_secret", secret.as_str()),
                    ("grant_type", "device_token"),
                    ("code", code.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v
        }
    };
    let (user_code, device_code) = start(&sb).await;
    assert_eq!(poll(device_code.clone()).await["error"], "authorization_pending");
    let (s, _) = post(&sb, "/device/approve", json!({"user_code": user_code})).await;
    assert_eq!(s, 200);
    // 30 s between polls, else slow_down: step the clock over HTTP instead of waiting
    post(&sb, "/clock/advance", json!({"seconds": 30})).await;
    assert!(poll(device_code).await["access_token"].is_string());

    let (user_code, device_code) = start(&sb).await;
    assert_eq!(post(&sb, "/device/deny", json!({"user_code": user_code})).await.0, 200);
    post(&sb, "/clock/advance", json!({"seconds": 30})).await;
    assert_eq!(poll(device_code).await["error"], "access_denied");
    let (s, v) = post(&sb, "/device/approve", json!({"user_code": "NOPE-NOPE"})).await;
    assert_eq!((s, v["error"].as_str()), (404, Some("unknown_user_code")));
}

#[tokio::test]
async fn seed_tasks_and_reset() {
    let sb = common::start().await;
    let portal = sb.demo_portal(Dc::Eu);
    let project = &portal.projects[1];
    let (s, v) = post(&sb, "/tasks", json!({"dc": "eu", "project_id": project.id, "count": 7})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["ids"].as_array().unwrap().len(), 7);
    assert_eq!(sb.demo_portal(Dc::Eu).projects[1].tasks.len(), project.tasks.len() + 7);
    assert_eq!(post(&sb, "/tasks", json!({"project_id": "1", "count": 1})).await.0, 404);
    assert_eq!(post(&sb, "/tasks", json!({"count": 0})).await.0, 400);
    assert_eq!(post(&sb, "/tasks", json!({"count": 1_000_000})).await.0, 400);

    sb.add_user("tmp@example.com", Dc::Us);
    sb.inject(zoho_sandbox::Fault::status(500));
    let at = sb.mint_access_token(&sb.demo_user().email, &["ZohoProjects.portals.READ"]).unwrap();
    let before = sb.clock().now_ms();
    let (s, info) = post(&sb, "/reset", json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(info["portals"]["eu"]["projects"][1]["tasks"].as_array().unwrap().len(), project.tasks.len());
    assert!(!sb.users().iter().any(|u| u.email == "tmp@example.com"));
    assert!(sb.faults().is_empty());
    assert_eq!(sb.counters().access_tokens_minted, 0);
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 401, "tokens are gone");
    assert_eq!(sb.clock().now_ms(), before, "the clock stays");
}

#[tokio::test]
async fn bad_requests_get_typed_errors_and_the_api_can_be_off() {
    let sb = common::start().await;
    let (s, v) = get_(&sb, "/nope").await;
    assert_eq!((s, v["error"].as_str()), (404, Some("unknown_verb")));
    let (s, v) = call(&sb, Method::DELETE, "/clock", None).await;
    assert_eq!((s, v["error"].as_str()), (405, Some("method_not_allowed")));
    let base = sb.control_url().unwrap();
    let r = http()
        .post(Url::parse(&format!("{base}/users")).unwrap())
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_json");
    // Served on every listener, also the Projects and api_domain hosts.
    for svc in Service::ALL {
        let u = sb.url(Dc::Eu, svc).join("__sandbox/clock").unwrap();
        assert_eq!(http().get(u).send().await.unwrap().status(), 200);
    }
    // `/__sandboxes` is not the control API.
    let r = http().get(sb.accounts_url(Dc::Us).join("__sandboxes").unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(sb.requests_seen().iter().all(|r| r.route == Route::Any));

    let off = Sandbox::builder().control_api(false).start().await.unwrap();
    assert!(off.control_url().is_none());
    let r = http().get(off.accounts_url(Dc::Us).join("__sandbox/clock").unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = http()
        .post(off.accounts_url(Dc::Us).join("__sandbox/clock/advance").unwrap())
        .json(&json!({"seconds": 3600}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(off.requests_seen().len(), 2, "with the API off these are ordinary (unknown) requests");

    // single-port: at the root of the one port
    let one = Sandbox::builder().single_port(true).start().await.unwrap();
    let u = one.control_url().unwrap();
    assert_eq!(u.as_str(), format!("http://{}/__sandbox", one.local_addrs()[0]));
    assert_eq!(http().get(format!("{u}/clock")).send().await.unwrap().status(), 200);
}
