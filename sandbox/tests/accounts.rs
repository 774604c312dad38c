//! Zoho Accounts behaviour: authorization, token grants, limits, revocation, DCs, device flow.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use zoho_sandbox::{ClientKind, ClientSpec, Dc, Limits, Sandbox};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn is_token(t: &str) -> bool {
    let parts: Vec<&str> = t.split('.').collect();
    parts.len() == 3
        && parts[0] == "1000"
        && parts[1..].iter().all(|p| p.len() == 32 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[tokio::test]
async fn web_flow_offline_gives_refresh_token_only_on_first_consent() {
    let sb = start().await;
    let c = sb.demo_client();
    let q =
        authorize(&sb, Dc::Us, &c, "ZohoProjects.portals.READ", &[("access_type", "offline"), ("state", "xyz")]).await;
    assert_eq!(get(&q, "state"), Some("xyz"));
    assert_eq!(get(&q, "location"), Some("us"));
    assert_eq!(get(&q, "accounts-server").unwrap(), sb.accounts_url(Dc::Us).as_str().trim_end_matches('/'));
    let t = exchange(&sb, Dc::Us, &c, get(&q, "code").unwrap()).await;
    assert_eq!(keys(&t), ["access_token", "api_domain", "expires_in", "refresh_token", "token_type"]);
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3600);
    assert!(is_token(t["access_token"].as_str().unwrap()));
    assert!(is_token(t["refresh_token"].as_str().unwrap()));

    // second offline consent without prompt=consent: no refresh token
    let q = authorize(&sb, Dc::Us, &c, "ZohoProjects.portals.READ", &[("access_type", "offline")]).await;
    let t = exchange(&sb, Dc::Us, &c, get(&q, "code").unwrap()).await;
    assert_eq!(keys(&t), ["access_token", "api_domain", "expires_in", "token_type"]);

    // with prompt=consent: a new one
    let q =
        authorize(&sb, Dc::Us, &c, "ZohoProjects.portals.READ", &[("access_type", "offline"), ("prompt", "consent")])
            .await;
    let t = exchange(&sb, Dc::Us, &c, get(&q, "code").unwrap()).await;
    assert!(t["refresh_token"].is_string());

    // online: never
    let q = authorize(&sb, Dc::Us, &c, "ZohoProjects.portals.READ", &[("prompt", "consent")]).await;
    let t = exchange(&sb, Dc::Us, &c, get(&q, "code").unwrap()).await;
    assert!(t.get("refresh_token").is_none());
    assert_eq!(sb.counters().codes_issued, 4);
    assert_eq!(sb.counters().refresh_tokens_issued, 2);
}

#[tokio::test]
async fn codes_are_single_use_expire_after_two_minutes_and_need_the_same_redirect_uri() {
    let sb = start().await;
    let c = sb.demo_client();
    let q = authorize(&sb, Dc::Us, &c, "ZohoProjects.portals.READ", &[]).await;
    let code = get(&q, "code").unwrap().to_owned();

    // wrong redirect_uri at the token step
    let t = token(
        &sb,
        Dc::Us,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
            ("redirect_uri", "http://localhost:9999/other"),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(t, serde_json::json!({"error": "invalid_redirect_uri"}));
    // wrong DC
    let t = exchange(&sb, Dc::Eu, &c, &code).await;
    assert_eq!(t, serde_json::json!({"error": "invalid_code"}));
    // ok once
    let t = exchange(&sb, Dc::Us, &c, &code).await;
    assert!(t["access_token"].is_string());
    let t = exchange(&sb, Dc::Us, &c, &code).await;
    assert_eq!(t, serde_json::json!({"error": "invalid_code"}));

    // expiry: valid at 119 s, gone at 120 s
    let q = authorize(&sb, Dc::Us, &c, "ZohoProjects.portals.READ", &[]).await;
    let q2 = authorize(&sb, Dc::Us, &c, "ZohoProjects.portals.READ", &[]).await;
    sb.clock().advance(Duration::from_secs(119));
    assert!(exchange(&sb, Dc::Us, &c, get(&q, "code").unwrap()).await["access_token"].is_string());
    sb.clock().advance(Duration::from_secs(1));
    assert_eq!(exchange(&sb, Dc::Us, &c, get(&q2, "code").unwrap()).await["error"], "invalid_code");
}

#[tokio::test]
async fn token_endpoint_errors() {
    let sb = start().await;
    let c = sb.demo_client();
    let t = token(
        &sb,
        Dc::Us,
        &[("grant_type", "authorization_code"), ("client_id", "1000.NOPE"), ("client_secret", "x"), ("code", "x")],
    )
    .await;
    assert_eq!(t, serde_json::json!({"error": "invalid_client"}));
    let t = token(
        &sb,
        Dc::Us,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c.client_id),
            ("client_secret", "wrong"),
            ("refresh_token", "x"),
        ],
    )
    .await;
    assert_eq!(t, serde_json::json!({"error": "invalid_client_secret"}));
    let t = token(
        &sb,
        Dc::Us,
        &[("grant_type", "password"), ("client_id", &c.client_id), ("client_secret", &c.client_secret)],
    )
    .await;
    assert_eq!(t, serde_json::json!({"error": "unsupported_grant_type"}));
    let t = token(&sb, Dc::Us, &[]).await;
    assert_eq!(t["error"], "unsupported_grant_type");
    let t = token(
        &sb,
        Dc::Us,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
            ("refresh_token", "1000.abc.def"),
        ],
    )
    .await;
    assert_eq!(t["error"], "invalid_code");
    let t = token(
        &sb,
        Dc::Us,
        &[("grant_type", "authorization_code"), ("client_id", &c.client_id), ("client_secret", &c.client_secret)],
    )
    .await;
    assert_eq!(t["error"], "invalid_code");

    // GET is refused
    let r = http().get(sb.accounts_url(Dc::Us).join("oauth/v2/token").unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 405);
    let b: Value = r.json().await.unwrap();
    assert!(b["error"].is_string());

    // parameters in the query string are tolerated
    let q = authorize(&sb, Dc::Us, &c, "ZohoProjects.portals.READ", &[]).await;
    let mut u = sb.accounts_url(Dc::Us).join("oauth/v2/token").unwrap();
    u.query_pairs_mut()
        .append_pair("grant_type", "authorization_code")
        .append_pair("client_id", &c.client_id)
        .append_pair("client_secret", &c.client_secret)
        .append_pair("redirect_uri", &c.redirect_uri)
        .append_pair("code", get(&q, "code").unwrap());
    let r = http().post(u).send().await.unwrap();
    let b: Value = r.json().await.unwrap();
    assert!(b["access_token"].is_string());
    // garbage body
    let r = http()
        .post(sb.accounts_url(Dc::Us).join("oauth/v2/token").unwrap())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0x00, b'&', b'=', b'=', 0xfe])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");
    assert!(sb.counters().token_errors >= 7);
}

#[tokio::test]
async fn authorization_request_validation_shows_error_pages_without_redirect() {
    let sb = start().await;
    let c = sb.demo_client();
    let base = sb.accounts_url(Dc::Us).join("oauth/v2/auth").unwrap();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("client_id", "1000.UNKNOWN"),
                ("response_type", "code"),
                ("redirect_uri", &c.redirect_uri),
                ("scope", "ZohoProjects.portals.READ"),
            ],
            "Invalid Client",
        ),
        (
            vec![
                ("client_id", &c.client_id),
                ("response_type", "code"),
                ("redirect_uri", "http://evil.example/cb"),
                ("scope", "ZohoProjects.portals.READ"),
            ],
            "Redirect URI passed does not match with the one configured",
        ),
        (
            vec![
                ("client_id", &c.client_id),
                ("response_type", "code"),
                ("redirect_uri", "http://localhost:8080/callback/"),
                ("scope", "ZohoProjects.portals.READ"),
            ],
            "Invalid Redirect Uri",
        ),
        (
            vec![
                ("client_id", &c.client_id),
                ("response_type", "token"),
                ("redirect_uri", &c.redirect_uri),
                ("scope", "ZohoProjects.portals.READ"),
            ],
            "Invalid Response Type",
        ),
        (
            vec![
                ("client_id", &c.client_id),
                ("response_type", "code"),
                ("redirect_uri", &c.redirect_uri),
                ("scope", "ZohoProjects.portals.READ,ZohoProjects.nothing.READ"),
            ],
            "Invalid OAuth Scope",
        ),
        (
            vec![("client_id", &c.client_id), ("response_type", "code"), ("redirect_uri", &c.redirect_uri)],
            "Invalid OAuth Scope",
        ),
        (
            vec![
                ("client_id", &c.client_id),
                ("response_type", "code"),
                ("redirect_uri", &c.redirect_uri),
                ("scope", "ZohoProjects.portals.READ"),
                ("access_type", "forever"),
            ],
            "Invalid Access Type",
        ),
        (
            vec![
                ("client_id", &c.client_id),
                ("response_type", "code"),
                ("redirect_uri", &c.redirect_uri),
                ("scope", "ZohoProjects.portals.READ"),
                ("prompt", "none"),
            ],
            "Invalid Prompt",
        ),
        (
            vec![
                ("client_id", &c.client_id),
                ("response_type", "code"),
                ("redirect_uri", &c.redirect_uri),
                ("scope", "ZohoProjects.portals.READ"),
                ("code_challenge", "abc"),
                ("code_challenge_method", "S512"),
            ],
            "Invalid Code Challenge Method",
        ),
    ];
    for (params, text) in cases {
        let r = http().get(base.clone()).query(&params).send().await.unwrap();
        assert_eq!(r.status(), 400, "{params:?}");
        assert!(r.headers().get("location").is_none());
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        let body = r.text().await.unwrap();
        assert!(body.contains(text), "{params:?}: {body}");
    }
    assert_eq!(sb.counters().codes_issued, 0);
}

#[tokio::test]
async fn consent_page_accept_and_deny_are_real_form_posts() {
    let sb = Sandbox::builder().start().await.unwrap();
    let c = sb.demo_client();
    let url = sb.accounts_url(Dc::Us).join("oauth/v2/auth").unwrap();
    let params = [
        ("client_id", c.client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", &c.redirect_uri),
        ("scope", "ZohoProjects.portals.READ,ZohoProjects.tasks.ALL"),
        ("state", "s1"),
    ];
    let page = http().get(url.clone()).query(&params).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("ZohoProjects.tasks.ALL") && html.contains("ZohoProjects.portals.READ"));
    assert!(html.contains("<form method=\"post\" action=\"/oauth/v2/auth/consent\">"));
    assert!(!html.contains("<script"));
    let rid = html.split("name=\"request_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let post = |action: &'static str, rid: String| {
        let u = sb.accounts_url(Dc::Us).join("oauth/v2/auth/consent").unwrap();
        async move { http().post(u).form(&[("request_id", rid.as_str()), ("action", action)]).send().await.unwrap() }
    };
    let r = post("accept", rid.clone()).await;
    assert_eq!(r.status(), 302);
    let q = query_of(r.headers()["location"].to_str().unwrap());
    assert!(get(&q, "code").is_some());
    assert_eq!(get(&q, "state"), Some("s1"));
    // the same request cannot be answered twice
    let r = post("accept", rid).await;
    assert_eq!(r.status(), 400);

    let html = http().get(url).query(&params).send().await.unwrap().text().await.unwrap();
    let rid = html.split("name=\"request_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = post("deny", rid).await;
    assert_eq!(r.status(), 302);
    let q = query_of(r.headers()["location"].to_str().unwrap());
    assert_eq!(get(&q, "error"), Some("access_denied"));
    assert_eq!(get(&q, "state"), Some("s1"));
    assert!(get(&q, "code").is_none());
    assert_eq!(sb.counters().codes_issued, 1);
}

#[tokio::test]
async fn pkce_s256_and_plain() {
    use base64::Engine;
    use sha2::Digest;
    let sb = start().await;
    let c = sb.demo_client();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    for (method, chal) in [("S256", challenge.as_str()), ("plain", verifier)] {
        let q = authorize(
            &sb,
            Dc::Us,
            &c,
            "ZohoProjects.portals.READ",
            &[("code_challenge", chal), ("code_challenge_method", method)],
        )
        .await;
        let code = get(&q, "code").unwrap();
        let base = [
            ("grant_type", "authorization_code"),
            ("client_id", c.client_id.as_str()),
            ("client_secret", &c.client_secret),
            ("redirect_uri", &c.redirect_uri),
            ("code", code),
        ];
        let t = token(&sb, Dc::Us, &base).await;
        assert_eq!(t["error"], "invalid_code_verifier", "{method}: missing verifier");
        let mut wrong = base.to_vec();
        wrong.push(("code_verifier", "not-the-verifier-not-the-verifier-not-the-ver"));
        assert_eq!(token(&sb, Dc::Us, &wrong).await["error"], "invalid_code_verifier");
        let mut right = base.to_vec();
        right.push(("code_verifier", verifier));
        assert!(token(&sb, Dc::Us, &right).await["access_token"].is_string(), "{method}");
    }
}

#[tokio::test]
async fn refresh_grant_has_no_refresh_token_and_no_scope() {
    // [V A-REF] the refresh answer is access_token, api_domain, token_type, expires_in: no new
    // refresh token, and no `scope` (a client must not rely on one).
    let sb = start().await;
    let c = sb.demo_client();
    let (_, rt) = login(&sb, "ZohoProjects.portals.READ,ZohoProjects.tasks.ALL").await;
    let t = refresh(&sb, Dc::Us, &c, &rt).await;
    assert_eq!(keys(&t), ["access_token", "api_domain", "expires_in", "token_type"]);
    // The new token carries the grant's scopes all the same.
    let at = t["access_token"].as_str().unwrap();
    let portal = sb.demo_portal(Dc::Us);
    let tasks = format!("/api/v3/portal/{}/projects/{}/tasks", portal.id, portal.projects[0].id);
    assert_eq!(api_get(&sb, at, &tasks).await.0, 200);
    let n = sb.counters();
    assert_eq!(n.refresh_grants, 1);
    assert_eq!(n.access_tokens_minted_for(&rt), 2);
    assert_eq!(n.active_access_tokens(&rt), 2);
    // another client cannot use it
    let other = sb.register_client(ClientSpec::web("http://localhost:1/cb"));
    assert_eq!(refresh(&sb, Dc::Us, &other, &rt).await["error"], "invalid_code");
    // nor another DC
    assert_eq!(refresh(&sb, Dc::Eu, &c, &rt).await["error"], "invalid_code");
}

#[tokio::test]
async fn access_tokens_expire_after_an_hour_on_the_virtual_clock() {
    let sb = start().await;
    let (at, _) = login(&sb, "ZohoProjects.portals.READ").await;
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 200);
    sb.clock().advance(Duration::from_secs(3599));
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 200);
    sb.clock().advance(Duration::from_secs(1));
    let (s, b) = api_get(&sb, &at, "/api/v3/portals").await;
    assert_eq!(s, 401);
    assert_eq!(b["error"]["title"], "INVALID_OAUTHTOKEN");
}

#[tokio::test]
async fn thirty_first_access_token_deletes_the_oldest() {
    // [V P-FAQ] 30 access tokens per refresh token; the 31st deletes the oldest. The refresh
    // throttle [V A-REF] is on by default, so the refreshes are spread: 61 s apart, never more
    // than 10 in any 10 minutes, all 31 within the first token's hour.
    let sb = start().await;
    let c = sb.demo_client();
    let (first, rt) = login(&sb, "ZohoProjects.portals.READ").await;
    let mut second = String::new();
    for i in 0..30 {
        sb.clock().advance(Duration::from_secs(61));
        let t = refresh(&sb, Dc::Us, &c, &rt).await;
        assert!(t["access_token"].is_string(), "refresh {i}: {t}");
        if i == 0 {
            second = t["access_token"].as_str().unwrap().to_owned();
        }
    }
    let n = sb.counters();
    assert_eq!(n.access_tokens_minted_for(&rt), 31);
    assert_eq!(n.active_access_tokens(&rt), 30);
    assert_eq!(n.access_denied, 0);
    assert_eq!(api_get(&sb, &first, "/api/v3/portals").await.0, 401);
    assert_eq!(api_get(&sb, &second, "/api/v3/portals").await.0, 200);
}

#[tokio::test]
async fn strict_profile_keeps_fifteen_access_tokens() {
    // Limits::strict(): the CRM cap of 15 active access tokens per refresh token.
    let sb = start_with(Limits::strict()).await;
    let c = sb.demo_client();
    let (first, rt) = login(&sb, "ZohoProjects.portals.READ").await;
    for _ in 0..15 {
        sb.clock().advance(Duration::from_secs(61));
        assert!(refresh(&sb, Dc::Us, &c, &rt).await["access_token"].is_string());
    }
    let n = sb.counters();
    assert_eq!(n.access_tokens_minted_for(&rt), 16);
    assert_eq!(n.active_access_tokens(&rt), 15);
    assert_eq!(api_get(&sb, &first, "/api/v3/portals").await.0, 401);
}

#[tokio::test]
async fn default_limits_throttle_refreshes_within_ten_minutes() {
    // [V A-REF] at most 10 access tokens per refresh token in any 10 minutes, then blocked for
    // the rest of the window: the default, not an opt-in.
    let sb = start().await;
    let c = sb.demo_client();
    let (_, rt) = login(&sb, "ZohoProjects.portals.READ").await; // 1st token
    for _ in 0..9 {
        assert!(refresh(&sb, Dc::Us, &c, &rt).await["access_token"].is_string());
    }
    let t = refresh(&sb, Dc::Us, &c, &rt).await;
    assert_eq!(t["error"], "Access Denied");
    assert_eq!(
        t["error_description"],
        "You have made too many requests continuously. Please try again after some time."
    );
    assert_eq!(sb.counters().access_denied, 1);
    assert_eq!(sb.counters().access_tokens_minted_for(&rt), 10);
    sb.clock().advance(Duration::from_secs(599));
    assert_eq!(refresh(&sb, Dc::Us, &c, &rt).await["error"], "Access Denied");
    sb.clock().advance(Duration::from_secs(1));
    assert!(refresh(&sb, Dc::Us, &c, &rt).await["access_token"].is_string());
    assert_eq!(sb.counters().active_access_tokens(&rt), 11); // all still within their hour
}

#[tokio::test]
async fn four_codes_per_minute_then_blocked_for_ten_minutes() {
    let sb = start().await;
    let c = sb.demo_client();
    for _ in 0..4 {
        authorize(&sb, Dc::Us, &c, "ZohoProjects.portals.READ", &[]).await;
    }
    let url = sb.accounts_url(Dc::Us).join("oauth/v2/auth").unwrap();
    let params = [
        ("client_id", c.client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", &c.redirect_uri),
        ("scope", "ZohoProjects.portals.READ"),
    ];
    let r = http().get(url.clone()).query(&params).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Access Denied"));
    sb.clock().advance(Duration::from_secs(599));
    let r = http().get(url.clone()).query(&params).send().await.unwrap();
    assert_eq!(r.status(), 200, "still blocked");
    sb.clock().advance(Duration::from_secs(1));
    authorize(&sb, Dc::Us, &c, "ZohoProjects.portals.READ", &[]).await;
    assert_eq!(sb.counters().codes_issued, 5);
}

/// An offline sign-in with `prompt=consent` through client `c` as the browser's user; the token
/// answer as it came. First lets 15 virtual seconds pass, so a run of sign-ins stays within both
/// the 4 codes per minute per client and user and the 5 refresh tokens per minute per user.
async fn consent_via(sb: &Sandbox, c: &zoho_sandbox::ClientCredentials) -> Value {
    sb.clock().advance(Duration::from_secs(15));
    let q = authorize(sb, Dc::Us, c, "ZohoProjects.portals.READ", &[("access_type", "offline"), ("prompt", "consent")])
        .await;
    exchange(sb, Dc::Us, c, get(&q, "code").unwrap()).await
}

fn refresh_token_of(t: &Value) -> String {
    t["refresh_token"].as_str().unwrap_or_else(|| panic!("a refresh token, got {t}")).to_owned()
}

async fn revoke(sb: &Sandbox, token: &str) {
    let r = http()
        .post(sb.accounts_url(Dc::Us).join("oauth/v2/token/revoke").unwrap())
        .query(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), serde_json::json!({"status": "success"}));
}

#[tokio::test]
async fn twenty_refresh_tokens_per_user_across_clients_then_access_denied() {
    // [V P-FAQ] "a user can have 20 refresh tokens": per user, whatever the client. Two apps of
    // one user share the 20.
    let sb = start().await;
    let a = sb.demo_client();
    let b = sb.register_client(ClientSpec::web("http://localhost:8081/cb"));
    let mut of_b = Vec::new();
    for _ in 0..10 {
        refresh_token_of(&consent_via(&sb, &a).await);
        of_b.push(refresh_token_of(&consent_via(&sb, &b).await));
    }
    for c in [&a, &b] {
        let t = consent_via(&sb, c).await;
        assert_eq!(t["error"], "Access Denied", "the 21st of the user, through either client");
        assert!(t.get("access_token").is_none());
    }
    assert_eq!(sb.counters().refresh_tokens_issued, 20);
    assert_eq!(sb.counters().access_denied, 2);

    // another user's tokens are not counted: Omar gets his through the same client
    sb.sign_in(&sb.other_user().email).unwrap();
    refresh_token_of(&consent_via(&sb, &a).await);
    sb.sign_in(&sb.demo_user().email).unwrap();
    assert_eq!(consent_via(&sb, &a).await["error"], "Access Denied", "Omar's token took no slot of ours");

    // revoking one of client B's makes room for one through client A, and only one
    revoke(&sb, &of_b[0]).await;
    refresh_token_of(&consent_via(&sb, &a).await);
    assert_eq!(consent_via(&sb, &b).await["error"], "Access Denied");
    assert_eq!(sb.counters().refresh_tokens_issued, 22);
}

#[tokio::test]
async fn two_clients_racing_for_the_twentieth_refresh_token_get_one() {
    let sb = start().await;
    let a = sb.demo_client();
    let b = sb.register_client(ClientSpec::web("http://localhost:8081/cb"));
    for i in 0..19 {
        refresh_token_of(&consent_via(&sb, if i % 2 == 0 { &a } else { &b }).await);
    }
    sb.clock().advance(Duration::from_secs(60));
    let scope = "ZohoProjects.portals.READ";
    let offline = [("access_type", "offline"), ("prompt", "consent")];
    let qa = authorize(&sb, Dc::Us, &a, scope, &offline).await;
    let qb = authorize(&sb, Dc::Us, &b, scope, &offline).await;
    let (ta, tb) = tokio::join!(
        exchange(&sb, Dc::Us, &a, get(&qa, "code").unwrap()),
        exchange(&sb, Dc::Us, &b, get(&qb, "code").unwrap())
    );
    let won = [&ta, &tb].iter().filter(|t| t["refresh_token"].is_string()).count();
    let denied = [&ta, &tb].iter().filter(|t| t["error"] == "Access Denied").count();
    assert_eq!((won, denied), (1, 1), "{ta} {tb}");
    assert_eq!(sb.counters().refresh_tokens_issued, 20);
}

/// An offline sign-in with `prompt=consent` through client `c` now, without moving the clock.
async fn consent_now(sb: &Sandbox, c: &zoho_sandbox::ClientCredentials) -> Value {
    let q = authorize(sb, Dc::Us, c, "ZohoProjects.portals.READ", &[("access_type", "offline"), ("prompt", "consent")])
        .await;
    exchange(sb, Dc::Us, c, get(&q, "code").unwrap()).await
}

#[tokio::test]
async fn five_refresh_tokens_per_user_per_minute_across_clients_then_access_denied() {
    // [V PDF Editor, Workerly, Recruit refresh pages: the Zoho Accounts notes] "You can only
    // generate a maximum of five refresh tokens in a minute": counted per user, whatever the
    // client, on a sliding minute; the answer is Zoho's throttling answer.
    let sb = start().await;
    let clients = [
        sb.demo_client(),
        sb.register_client(ClientSpec::web("http://localhost:8081/cb")),
        sb.register_client(ClientSpec::web("http://localhost:8082/cb")),
    ];
    let [a, b, c] = &clients;
    for _ in 0..3 {
        refresh_token_of(&consent_now(&sb, a).await); // t = 0 s
    }
    sb.clock().advance(Duration::from_secs(30));
    for _ in 0..2 {
        refresh_token_of(&consent_now(&sb, b).await); // t = 30 s
    }
    sb.clock().advance(Duration::from_secs(10));
    let t = consent_now(&sb, c).await; // t = 40 s: the 6th of the minute, through a third client
    assert_eq!(t["error"], "Access Denied");
    assert_eq!(
        t["error_description"],
        "You have made too many requests continuously. Please try again after some time."
    );
    assert!(t.get("access_token").is_none() && t.get("refresh_token").is_none());

    // another user is not counted
    sb.sign_in(&sb.other_user().email).unwrap();
    refresh_token_of(&consent_now(&sb, c).await);
    sb.sign_in(&sb.demo_user().email).unwrap();

    // the clock stepped across the minute mid-burst: one millisecond short is still refused,
    // then the three of t = 0 leave the window and exactly three fit
    sb.clock().advance(Duration::from_millis(19_999));
    assert_eq!(consent_now(&sb, c).await["error"], "Access Denied", "t = 59.999 s");
    sb.clock().advance(Duration::from_millis(1));
    let mut latest = Vec::new();
    for client in [c, c, b] {
        latest.push(refresh_token_of(&consent_now(&sb, client).await)); // t = 60 s
    }
    assert_eq!(consent_now(&sb, b).await["error"], "Access Denied", "t = 60 s: 30, 30, 60, 60, 60");
    let n = sb.counters();
    assert_eq!(n.refresh_tokens_issued, 9); // 5 + Omar's 1 + 3
    assert_eq!(n.access_denied, 3);

    // revoking frees a live slot, not a slot of the minute
    revoke(&sb, &latest[0]).await;
    sb.clock().advance(Duration::from_secs(29));
    assert_eq!(consent_now(&sb, a).await["error"], "Access Denied", "t = 89 s: still 5 in the minute");
    sb.clock().advance(Duration::from_secs(1));
    refresh_token_of(&consent_now(&sb, a).await); // t = 90 s: the two of t = 30 s have left
    assert_eq!(sb.counters().refresh_tokens_issued, 10);
}

#[tokio::test]
async fn a_throttled_request_deletes_no_refresh_token_under_replace_oldest() {
    // With replace-oldest, the 21st deletes the first; a request refused by the per-minute
    // throttle must not delete anything.
    let limits = Limits { refresh_overflow_replaces_oldest: true, ..Limits::default() };
    let sb = start_with(limits).await;
    let a = sb.demo_client();
    let b = sb.register_client(ClientSpec::web("http://localhost:8081/cb"));
    let mut tokens = Vec::new();
    for _ in 0..20 {
        tokens.push(refresh_token_of(&consent_via(&sb, &a).await));
    }
    sb.clock().advance(Duration::from_secs(60));
    for client in [&a, &a, &a, &b, &b] {
        refresh_token_of(&consent_now(&sb, client).await); // each deletes the oldest
    }
    assert_eq!(consent_now(&sb, &b).await["error"], "Access Denied");
    assert_eq!(refresh(&sb, Dc::Us, &a, &tokens[4]).await["error"], "invalid_code", "the 5th oldest went");
    assert!(refresh(&sb, Dc::Us, &a, &tokens[5]).await["access_token"].is_string(), "the 6th oldest stays");
}

#[tokio::test]
async fn the_replace_oldest_profile_deletes_the_users_oldest_refresh_token_of_any_client() {
    // The Accounts terminology page and CRM: the 21st replaces the first, with its access tokens.
    let limits = Limits { refresh_overflow_replaces_oldest: true, ..Limits::default() };
    let sb = start_with(limits).await;
    let a = sb.demo_client();
    let b = sb.register_client(ClientSpec::web("http://localhost:8081/cb"));
    let first = consent_via(&sb, &b).await;
    let (first_at, first_rt) = (first["access_token"].as_str().unwrap().to_owned(), refresh_token_of(&first));
    for _ in 0..19 {
        refresh_token_of(&consent_via(&sb, &a).await);
    }
    assert!(refresh(&sb, Dc::Us, &b, &first_rt).await["access_token"].is_string(), "20 live: still there");
    refresh_token_of(&consent_via(&sb, &a).await);
    assert_eq!(refresh(&sb, Dc::Us, &b, &first_rt).await["error"], "invalid_code");
    assert_eq!(api_get(&sb, &first_at, "/api/v3/portals").await.0, 401);
    assert_eq!(sb.counters().refresh_tokens_issued, 21);
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_its_access_tokens() {
    let sb = start().await;
    let c = sb.demo_client();
    let (at, rt) = login(&sb, "ZohoProjects.portals.READ").await;
    let at2 = refresh(&sb, Dc::Us, &c, &rt).await["access_token"].as_str().unwrap().to_owned();
    let revoke = sb.accounts_url(Dc::Us).join("oauth/v2/token/revoke").unwrap();
    // form body works too
    let r = http().post(revoke.clone()).form(&[("token", &rt)]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "success");
    for t in [&at, &at2] {
        assert_eq!(api_get(&sb, t, "/api/v3/portals").await.0, 401);
    }
    assert_eq!(refresh(&sb, Dc::Us, &c, &rt).await["error"], "invalid_code");
    assert_eq!(sb.counters().active_access_tokens(&rt), 0);
    // again: invalid now
    let r = http().post(revoke.clone()).query(&[("token", &rt)]).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = http().post(revoke.clone()).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // access tokens can be revoked alone
    let (at, rt) = login(&sb, "ZohoProjects.portals.READ").await;
    let r = http().post(revoke).query(&[("token", &at)]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 401);
    assert!(refresh(&sb, Dc::Us, &c, &rt).await["access_token"].is_string());
}

#[tokio::test]
async fn eu_user_starting_at_us_is_sent_to_eu_and_tokens_stay_in_their_dc() {
    let sb = start().await;
    let c = sb.demo_client();
    let u = sb.add_user("lea@eu.example", Dc::Eu);
    sb.sign_in(&u.email).unwrap();
    let mut url = sb.accounts_url(Dc::Us).join("oauth/v2/auth").unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &c.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &c.redirect_uri)
        .append_pair("scope", "ZohoProjects.portals.READ")
        .append_pair("state", "st")
        .append_pair("access_type", "offline");
    let r = http().get(url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let next = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(next.starts_with(sb.accounts_url(Dc::Eu).as_str()), "{next}");
    let r = http().get(&next).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let q = query_of(r.headers()["location"].to_str().unwrap());
    assert_eq!(get(&q, "location"), Some("eu"));
    assert_eq!(get(&q, "accounts-server").unwrap(), sb.accounts_url(Dc::Eu).as_str().trim_end_matches('/'));
    assert_eq!(get(&q, "state"), Some("st"));
    let code = get(&q, "code").unwrap();
    assert_eq!(exchange(&sb, Dc::Us, &c, code).await["error"], "invalid_code");
    let t = exchange(&sb, Dc::Eu, &c, code).await;
    let at = t["access_token"].as_str().unwrap();
    // token works at eu, not at us
    assert_eq!(api_get_at(&sb, Dc::Eu, at, "/api/v3/portals").await.0, 200);
    let (s, b) = api_get(&sb, at, "/api/v3/portals").await;
    assert_eq!(s, 401);
    assert_eq!(b["error"]["title"], "INVALID_OAUTHTOKEN");
}

#[tokio::test]
async fn self_client_code_and_client_credentials() {
    let sb = start().await;
    let sc = sb.register_client(ClientSpec::self_client());
    assert_eq!(sc.redirect_uri, "");
    let code = sb.self_client_code(&sc.client_id, &["ZohoProjects.portals.READ"]).unwrap();
    // no redirect_uri needed; a refresh token comes back
    let t = token(
        &sb,
        Dc::Us,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &sc.client_id),
            ("client_secret", &sc.client_secret),
            ("code", &code),
        ],
    )
    .await;
    assert!(t["refresh_token"].is_string() && t["access_token"].is_string());

    let t = token(
        &sb,
        Dc::Us,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sc.client_id),
            ("client_secret", &sc.client_secret),
            ("scope", "ZohoProjects.portals.READ,ZohoProjects.projects.READ"),
            ("soid", "ZohoProjects.815392601"),
        ],
    )
    .await;
    assert_eq!(keys(&t), ["access_token", "api_domain", "expires_in", "scope", "token_type"]);
    assert_eq!(t["scope"], "ZohoProjects.portals.READ ZohoProjects.projects.READ");
    assert_eq!(api_get(&sb, t["access_token"].as_str().unwrap(), "/api/v3/portals").await.0, 200);
    let t = token(
        &sb,
        Dc::Us,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sc.client_id),
            ("client_secret", &sc.client_secret),
            ("scope", "ZohoProjects.bogus.READ"),
        ],
    )
    .await;
    assert_eq!(t["error"], "invalid_scope");
    let web = sb.demo_client();
    let t = token(
        &sb,
        Dc::Us,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &web.client_id),
            ("client_secret", &web.client_secret),
            ("scope", "ZohoProjects.portals.READ"),
        ],
    )
    .await;
    assert_eq!(t["error"], "unauthorized_client");
    assert!(sb.self_client_code(&sc.client_id, &["Nope.x.READ"]).is_err());
    assert!(matches!(
        sb.register_client(ClientSpec { kind: ClientKind::Device, ..ClientSpec::default() }).client_id.len(),
        35
    ));
}

#[tokio::test]
async fn serverinfo_lists_every_dc() {
    let sb = start().await;
    let r = http().get(sb.accounts_url(Dc::Eu).join("oauth/serverinfo").unwrap()).send().await.unwrap();
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["result"], "success");
    for dc in Dc::ALL {
        assert_eq!(b["locations"][dc.location()], sb.accounts_url(dc).as_str().trim_end_matches('/'));
    }
}

#[tokio::test]
async fn minted_shortcut_tokens_behave_like_real_ones() {
    let sb = start().await;
    let eu = sb.add_user("eve@eu.example", Dc::Eu);
    let at = sb.mint_access_token(&eu.email, &["ZohoProjects.portals.READ"]).unwrap();
    assert_eq!(api_get_at(&sb, Dc::Eu, &at, "/api/v3/portals").await.0, 200);
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 401, "an eu token at us");
    assert!(sb.mint_access_token("nobody@x", &["ZohoProjects.portals.READ"]).is_err());
    assert!(sb.mint_access_token(&eu.email, &["ZohoProjects.nope.READ"]).is_err());
    sb.clock().advance(Duration::from_secs(3600));
    assert_eq!(api_get_at(&sb, Dc::Eu, &at, "/api/v3/portals").await.0, 401);
}

#[tokio::test]
async fn revoke_alias_auto_approve_toggle_and_counters() {
    let sb = Sandbox::builder().start().await.unwrap();
    let c = sb.demo_client();
    let url = sb.accounts_url(Dc::Us).join("oauth/v2/auth").unwrap();
    let params = [
        ("client_id", c.client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", &c.redirect_uri),
        ("scope", "ZohoProjects.portals.READ"),
        ("access_type", "offline"),
    ];
    assert_eq!(http().get(url.clone()).query(&params).send().await.unwrap().status(), 200, "consent page");
    sb.set_auto_approve(true);
    let r = http().get(url).query(&params).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let q = query_of(r.headers()["location"].to_str().unwrap());
    let t = exchange(&sb, Dc::Us, &c, get(&q, "code").unwrap()).await;
    let rt = t["refresh_token"].as_str().unwrap();
    sb.inject(zoho_sandbox::Fault::throttled().on(zoho_sandbox::Route::Token));
    assert_eq!(refresh(&sb, Dc::Us, &c, rt).await["error"], "Access Denied");
    let r = http()
        .post(sb.accounts_url(Dc::Us).join("oauth/v2/revoke/token").unwrap())
        .query(&[("token", rt), ("token_type", "refresh_token")])
        .basic_auth(&c.client_id, Some(&c.client_secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "success");
    let n = sb.counters();
    assert_eq!((n.codes_issued, n.refresh_tokens_issued, n.revocations, n.faults_applied), (1, 1, 1, 1));
    assert_eq!(n.token_requests, 1, "the faulted request never reached the token logic");
    assert_eq!(n.requests(&zoho_sandbox::Route::Token), 2);
    assert_eq!(n.requests(&zoho_sandbox::Route::Revoke), 1);
    assert_eq!(n.requests(&zoho_sandbox::Route::Auth), 2);
}

#[tokio::test]
async fn scopes_are_comma_separated_only() {
    // [V A-AUTH] the scope list is comma-separated; a space-separated list (the default of most
    // OAuth libraries) is one unknown scope at every entry point, and nothing is issued.
    let sb = start().await;
    let spaced = "ZohoProjects.portals.READ ZohoProjects.tasks.READ";
    let c = sb.demo_client();
    let params = [
        ("client_id", c.client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", c.redirect_uri.as_str()),
        ("scope", spaced),
    ];
    let r = http().get(sb.accounts_url(Dc::Us).join("oauth/v2/auth").unwrap()).query(&params).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    assert!(r.text().await.unwrap().contains("Invalid OAuth Scope"));
    assert_eq!(sb.counters().codes_issued, 0);

    let selfc = sb.register_client(ClientSpec::self_client());
    let cc = |scope: &'static str| {
        let selfc = selfc.clone();
        let sb = &sb;
        async move {
            token(
                sb,
                Dc::Us,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &selfc.client_id),
                    ("client_secret", &selfc.client_secret),
                    ("scope", scope),
                    ("soid", "ZohoProjects.815392601"),
                ],
            )
            .await
        }
    };
    assert_eq!(
        cc("ZohoProjects.portals.READ ZohoProjects.tasks.READ").await,
        serde_json::json!({"error": "invalid_scope"})
    );
    assert_eq!(sb.counters().access_tokens_minted, 0);
    // The same scopes with a comma (and a space after it) are granted.
    let ok = cc("ZohoProjects.portals.READ, ZohoProjects.tasks.READ").await;
    assert!(ok["access_token"].is_string(), "{ok}");
    assert_eq!(sb.counters().access_tokens_minted, 1);

    let dev = sb.register_client(ClientSpec::device());
    let r = http()
        .post(sb.accounts_url(Dc::Us).join("oauth/v3/device/code").unwrap())
        .form(&[("client_id", dev.client_id.as_str()), ("grant_type", "device_request"), ("scope", spaced)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), serde_json::json!({"error": "invalid_scope"}));
    assert_eq!(sb.counters().device_codes_issued, 0);
}
