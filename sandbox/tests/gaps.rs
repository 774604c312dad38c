//! Issue 15 item 7, the smaller gaps: each answer below is the one Zoho documents.

mod common;

use common::*;
use serde_json::Value;
use zoho_sandbox::{ClientSpec, Dc};

async fn post_form(url: reqwest::Url, form: &[(&str, &str)]) -> (u16, Value) {
    status_and_json(http().post(url).form(form)).await
}

#[tokio::test]
async fn device_token_endpoint_takes_only_device_token_grants_with_code() {
    // [V A-DEV] polling is `grant_type=device_token` and `code=<device_code>` at
    // /oauth/v3/device/token; other grants there, or this grant at /oauth/v2/token, are refused.
    let sb = start().await;
    let c = sb.register_client(ClientSpec::device());
    let (s, d) = post_form(
        sb.accounts_url(Dc::Us).join("oauth/v3/device/code").unwrap(),
        &[("client_id", &c.client_id), ("grant_type", "device_request"), ("scope", "ZohoProjects.portals.READ")],
    )
    .await;
    assert_eq!(s, 200, "{d}");
    let code = d["device_code"].as_str().unwrap();
    sb.approve_device(d["user_code"].as_str().unwrap(), &sb.demo_user().email).unwrap();
    let device = sb.accounts_url(Dc::Us).join("oauth/v3/device/token").unwrap();
    let oauth = sb.accounts_url(Dc::Us).join("oauth/v2/token").unwrap();
    let with = |grant: &'static str, key: &'static str| {
        vec![
            ("client_id", c.client_id.clone()),
            ("client_secret", c.client_secret.clone()),
            ("grant_type", grant.to_owned()),
            (key, code.to_owned()),
        ]
    };
    let send = |url: reqwest::Url, form: Vec<(&'static str, String)>| async move {
        status_and_json(http().post(url).form(&form)).await
    };
    for grant in
        ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"]
    {
        let (s, b) = send(device.clone(), with(grant, "code")).await;
        assert_eq!((s, b["error"].as_str()), (200, Some("unsupported_grant_type")), "{grant}: {b}");
    }
    let (_, b) = send(oauth.clone(), with("device_token", "code")).await;
    assert_eq!(b["error"], "unsupported_grant_type", "device_token at /oauth/v2/token: {b}");
    let (_, b) = send(device.clone(), with("device_token", "device_code")).await;
    assert_eq!(b["error"], "invalid_code", "the device code travels as `code`: {b}");
    assert_eq!(sb.counters().access_tokens_minted, 0);
    // The documented request still works afterwards (the code was not used up).
    let (s, b) = send(device, with("device_token", "code")).await;
    assert_eq!(s, 200, "{b}");
    assert!(b["access_token"].is_string(), "{b}");
    assert_eq!(sb.counters().access_tokens_minted, 1);
}

#[tokio::test]
async fn newer_revoke_endpoint_needs_basic_auth_of_the_tokens_client() {
    // [V A-REV2] POST /oauth/v2/revoke/token?token=…&token_type=… with
    // `Authorization: Basic base64(client_id:client_secret)`; the classic endpoint needs none.
    let sb = start().await;
    let c = sb.demo_client();
    let other = sb.register_client(ClientSpec::web("http://127.0.0.1:9/cb"));
    let (_, rt) = login(&sb, "ZohoProjects.portals.READ").await;
    let url = sb.accounts_url(Dc::Us).join("oauth/v2/revoke/token").unwrap();
    let q = [("token", rt.as_str()), ("token_type", "refresh_token")];
    let (s, b) = status_and_json(http().post(url.clone()).query(&q)).await;
    assert_eq!((s, b["error"].as_str()), (401, Some("invalid_client")), "no Basic auth: {b}");
    let (s, b) = status_and_json(http().post(url.clone()).query(&q).basic_auth(&c.client_id, Some("wrong"))).await;
    assert_eq!((s, b["error"].as_str()), (401, Some("invalid_client")), "wrong secret: {b}");
    let (s, b) = status_and_json(http().post(url.clone()).query(&q).header("Authorization", "Basic %%%")).await;
    assert_eq!((s, b["error"].as_str()), (401, Some("invalid_client")), "not base64: {b}");
    let (s, b) =
        status_and_json(http().post(url.clone()).query(&q).basic_auth(&other.client_id, Some(&other.client_secret)))
            .await;
    assert_eq!((s, b["error"].as_str()), (400, Some("invalid_token")), "another client's credentials: {b}");
    assert_eq!(sb.counters().revocations, 0);
    assert!(refresh(&sb, Dc::Us, &c, &rt).await["access_token"].is_string(), "still alive");
    let (s, b) = status_and_json(http().post(url).query(&q).basic_auth(&c.client_id, Some(&c.client_secret))).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("success")), "{b}");
    assert_eq!(refresh(&sb, Dc::Us, &c, &rt).await["error"], "invalid_code", "revoked");
    // The classic endpoint takes no client credentials.
    let (_, rt2) = login(&sb, "ZohoProjects.portals.READ").await;
    let classic = sb.accounts_url(Dc::Us).join("oauth/v2/token/revoke").unwrap();
    let (s, b) = status_and_json(http().post(classic).query(&[("token", rt2.as_str())])).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("success")), "{b}");
    assert_eq!(sb.counters().revocations, 2);
}

#[tokio::test]
async fn restapi_lists_need_index_and_range() {
    // [V P-GLOSS] `index` and `range` "must be passed for all GET API": refused when missing,
    // not defaulted.
    let sb = start().await;
    let at = access(&sb).await;
    let d = sb.demo_portal(Dc::Us);
    let base = format!("/restapi/portal/{}/projects/{}", d.v2_id, d.projects[0].id);
    for (q, missing) in [("", "index"), ("?range=10", "index"), ("?index=1", "range"), ("?index=&range=10", "index")] {
        let (s, b) = api_get(&sb, &at, &format!("{base}/tasks/{q}")).await;
        assert_eq!(s, 400, "{q}: {b}");
        assert_eq!(b["error"]["code"], 6831, "{q}: {b}");
        assert_eq!(b["error"]["message"], format!("Input Parameter Missing: {missing}"), "{q}: {b}");
    }
    let (s, b) = api_get(&sb, &at, &format!("{base}/tasks/?index=1&range=2")).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["tasks"].as_array().map(Vec::len), Some(2), "{b}");
}

#[tokio::test]
async fn v3_projects_carry_group_business_hours_and_custom_fields() {
    // The real V3 project (samples/v3-projects-list-item0.json) carries `project_group`,
    // `business_hours_id` and custom fields as top-level keys (`projects_cf_0001`, users).
    let sb = start().await;
    let at = access(&sb).await;
    let d = sb.demo_portal(Dc::Us);
    let (s, list) = api_get(&sb, &at, &format!("/api/v3/portal/{}/projects", d.id)).await;
    assert_eq!(s, 200, "{list}");
    let p = &list[0];
    let group = p["project_group"]["id"].as_str().expect("project_group.id").to_owned();
    assert!(p["project_group"]["name"].is_string() && p["project_group"]["type"] == "public", "{p}");
    assert!(p["business_hours_id"].as_str().is_some_and(|b| b.len() == 19), "{p}");
    assert_eq!(p["projects_cf_0001"][0]["zpuid"], p["owner"]["zpuid"], "{p}");
    assert!(p["projects_cf_0001"][0]["zuid"].is_u64(), "{p}");
    // `project_group: {id}` on create must name a group of the portal.
    let path = format!("/api/v3/portal/{}/projects", d.id);
    let body = serde_json::json!({"name": "Grouped", "project_group": {"id": group}});
    let (s, b) = api_send(&sb, &at, reqwest::Method::POST, &path, Some(body)).await;
    assert_eq!((s, b["project_group"]["id"].as_str()), (201, Some(group.as_str())), "{b}");
    let body = serde_json::json!({"name": "Lost", "project_group": {"id": "1817452000005048337"}});
    let (s, b) = api_send(&sb, &at, reqwest::Method::POST, &path, Some(body)).await;
    assert_eq!((s, b["error"]["details"][0]["field_name"].as_str()), (400, Some("project_group")), "{b}");
}

#[tokio::test]
async fn client_credentials_without_the_portal_is_missing_org_info() {
    // [V A-CC] services with several organisations need `soid`; a Projects user may belong to
    // several portals, so the grant names one: `ZohoProjects.<V3 portal id>`.
    let sb = start().await;
    let sc = sb.register_client(ClientSpec::self_client());
    let portal = sb.demo_portal(Dc::Us).id;
    let good = format!("ZohoProjects.{portal}");
    let other = format!("ZohoProjects.{}", sb.other_portal().id);
    let v2 = format!("ZohoProjects.{}", sb.demo_portal(Dc::Us).v2_id);
    let cc = |soid: Option<String>| {
        let mut form = vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", sc.client_id.clone()),
            ("client_secret", sc.client_secret.clone()),
            ("scope", "ZohoProjects.portals.READ".to_owned()),
        ];
        form.extend(soid.map(|s| ("soid", s)));
        let url = sb.accounts_url(Dc::Us).join("oauth/v2/token").unwrap();
        async move { status_and_json(http().post(url).form(&form)).await }
    };
    // Missing, another service's, a portal the owner is not in, the restapi id, garbage.
    for soid in [None, Some(format!("ZohoCRM.{portal}")), Some(other), Some(v2), Some("ZohoProjects.+1".to_owned())] {
        let (s, b) = cc(soid.clone()).await;
        assert_eq!((s, b["error"].as_str()), (200, Some("missing_org_info")), "{soid:?}: {b}");
    }
    assert_eq!(sb.counters().access_tokens_minted, 0);
    let (s, b) = cc(Some(good)).await;
    assert_eq!(s, 200, "{b}");
    assert!(b["access_token"].is_string() && b.get("refresh_token").is_none(), "{b}");
    assert_eq!(sb.counters().access_tokens_minted, 1);
}
