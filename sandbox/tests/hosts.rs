//! Separate hosts per data centre (FACTS §DC table): accounts, the Projects API and the
//! `api_domain` family, as separate listeners or on one port told apart by path prefix or `Host`.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{authorize, exchange, get, http, status_and_json};
use reqwest::Url;
use serde_json::Value;
use zoho_sandbox::{Dc, Fault, Route, Sandbox, Service};

async fn get_json(url: Url, token: Option<&str>, host: Option<&str>) -> (u16, Value) {
    let mut rb = http().get(url);
    if let Some(t) = token {
        rb = rb.header("Authorization", format!("Zoho-oauthtoken {t}"));
    }
    if let Some(h) = host {
        rb = rb.header("Host", h);
    }
    status_and_json(rb).await
}

fn no_slash(u: &Url) -> String {
    u.as_str().trim_end_matches('/').to_owned()
}

/// Nine listeners on nine ports; each host serves only its own family's routes, and the sandbox
/// records which host a request reached.
#[tokio::test]
async fn each_host_family_is_its_own_listener() {
    let sb = common::start().await;
    let addrs = sb.local_addrs();
    assert_eq!(addrs.len(), 9);
    assert_eq!(addrs.iter().map(|a| a.port()).collect::<HashSet<_>>().len(), 9, "nine distinct ports");
    let urls: HashSet<String> =
        Dc::ALL.into_iter().flat_map(|dc| Service::ALL.map(|s| sb.url(dc, s).to_string())).collect();
    assert_eq!(urls.len(), 9);
    assert_eq!(sb.accounts_url(Dc::Eu), sb.url(Dc::Eu, Service::Accounts));
    assert_eq!(sb.api_url(Dc::Eu), sb.url(Dc::Eu, Service::Projects));
    assert_eq!(sb.api_domain_url(Dc::Eu), sb.url(Dc::Eu, Service::ApiDomain));

    let token = sb.mint_access_token(&sb.demo_user().email, &["ZohoProjects.portals.READ"]).unwrap();
    let (s, _) = get_json(sb.api_url(Dc::Us).join("api/v3/portals").unwrap(), Some(&token), None).await;
    assert_eq!(s, 200, "the Projects host serves the API");
    // The Projects API is not on the accounts server, nor on api_domain (a client that builds
    // Projects URLs from either fails here as at Zoho).
    let (s, _) = get_json(sb.accounts_url(Dc::Us).join("api/v3/portals").unwrap(), Some(&token), None).await;
    assert_eq!(s, 404);
    let (s, body) = get_json(sb.api_domain_url(Dc::Us).join("api/v3/portals").unwrap(), Some(&token), None).await;
    assert_eq!(s, 404);
    assert_eq!(body["code"], "INVALID_URL_PATTERN");
    // and the token endpoint is only on accounts
    let r = http().post(sb.api_url(Dc::Us).join("oauth/v2/token").unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 404);

    let seen = sb.requests_seen();
    let hosts: Vec<(Dc, Service, Route)> = seen.iter().map(|r| (r.dc, r.service, r.route.clone())).collect();
    assert_eq!(
        hosts,
        vec![
            (Dc::Us, Service::Projects, Route::Api),
            (Dc::Us, Service::Accounts, Route::Any),
            (Dc::Us, Service::ApiDomain, Route::Any),
            (Dc::Us, Service::Projects, Route::Any),
        ]
    );
    assert_eq!(sb.counters().api_requests, 1, "only the call on the Projects host reached the API");
}

/// The token answer's `api_domain` is the user's DC's `www.zohoapis` host, and the second
/// service there takes that DC's tokens only.
#[tokio::test]
async fn token_answers_carry_the_users_api_domain() {
    let sb = common::start().await;
    let eu = sb.add_user("ana@example.eu", Dc::Eu);
    sb.sign_in(&eu.email).unwrap();
    let c = sb.demo_client();
    let q =
        authorize(&sb, Dc::Eu, &c, "WorkDrive.users.READ,WorkDrive.files.READ", &[("access_type", "offline")]).await;
    assert_eq!(get(&q, "accounts-server"), Some(no_slash(&sb.accounts_url(Dc::Eu)).as_str()));
    let t = exchange(&sb, Dc::Eu, &c, get(&q, "code").unwrap()).await;
    assert_eq!(t["api_domain"], no_slash(&sb.api_domain_url(Dc::Eu)));
    let access = t["access_token"].as_str().unwrap();

    let me = sb.api_domain_url(Dc::Eu).join("workdrive/api/v1/users/me").unwrap();
    let (s, body) = get_json(me, Some(access), None).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["data"]["type"], "users");
    assert_eq!(body["data"]["attributes"]["email_id"], "ana@example.eu");
    let file = sb.demo_file(Dc::Eu);
    let (s, body) = get_json(
        sb.api_domain_url(Dc::Eu).join(&format!("workdrive/api/v1/files/{file}")).unwrap(),
        Some(access),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(body["data"]["id"], file.as_str());
    // An EU token is no good on the US api_domain host.
    let (s, body) =
        get_json(sb.api_domain_url(Dc::Us).join("workdrive/api/v1/users/me").unwrap(), Some(access), None).await;
    assert_eq!(s, 401);
    assert!(body["errors"][0]["id"].is_string());

    // The refresh answer carries it too.
    let rt = t["refresh_token"].as_str().unwrap();
    let r = common::refresh(&sb, Dc::Eu, &c, rt).await;
    assert_eq!(r["api_domain"], no_slash(&sb.api_domain_url(Dc::Eu)));
    let seen: Vec<(Dc, Service)> =
        sb.requests_seen().iter().filter(|r| r.route == Route::ApiDomain).map(|r| (r.dc, r.service)).collect();
    assert_eq!(seen, vec![(Dc::Eu, Service::ApiDomain), (Dc::Eu, Service::ApiDomain), (Dc::Us, Service::ApiDomain)]);
}

/// The WorkDrive subset checks token, expiry, scope and id, and takes faults on its own route.
#[tokio::test]
async fn api_domain_service_checks_scope_expiry_and_faults() {
    let sb = common::start().await;
    let email = sb.demo_user().email;
    let files_only = sb.mint_access_token(&email, &["WorkDrive.files.READ"]).unwrap();
    let all = sb.mint_access_token(&email, &["WorkDrive.users.ALL", "WorkDrive.files.ALL"]).unwrap();
    let base = sb.api_domain_url(Dc::Us);
    let me = base.join("workdrive/api/v1/users/me").unwrap();
    let file = base.join(&format!("workdrive/api/v1/files/{}", sb.demo_file(Dc::Us))).unwrap();

    assert_eq!(get_json(me.clone(), None, None).await.0, 401, "no token");
    assert_eq!(get_json(me.clone(), Some("1000.nope"), None).await.0, 401, "unknown token");
    assert_eq!(get_json(me.clone(), Some(&files_only), None).await.0, 403, "missing WorkDrive.users.READ");
    assert_eq!(get_json(me.clone(), Some(&all), None).await.0, 200, "ALL implies READ");
    assert_eq!(get_json(file.clone(), Some(&files_only), None).await.0, 200);
    let other = base.join(&format!("workdrive/api/v1/files/{}", sb.demo_file(Dc::Eu))).unwrap();
    assert_eq!(get_json(other, Some(&files_only), None).await.0, 404, "the EU file is not in the US");
    let r = http().delete(file.clone()).header("Authorization", format!("Zoho-oauthtoken {all}")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    let unknown = base.join("workdrive/api/v1/teams").unwrap();
    assert_eq!(get_json(unknown, Some(&all), None).await.0, 404);

    // A Projects fault does not touch the other service; its own route does.
    sb.inject(Fault::status(500).on(Route::Api));
    assert_eq!(get_json(file.clone(), Some(&files_only), None).await.0, 200);
    sb.clear_faults();
    sb.inject(Fault::status(503).on(Route::ApiDomain));
    let (s, body) = get_json(file.clone(), Some(&files_only), None).await;
    assert_eq!(s, 503);
    assert!(body["errors"][0]["title"].is_string());
    assert_eq!(get_json(file.clone(), Some(&files_only), None).await.0, 200, "the fault was used up");

    sb.clock().advance(Duration::from_secs(3600));
    assert_eq!(get_json(file, Some(&files_only), None).await.0, 401, "expired after an hour");
}

/// One port: path prefixes name the host (and the sandbox's redirects and forms keep them);
/// `Host` with Zoho's own names works too; a path that names no host is refused.
#[tokio::test]
async fn single_port_routes_by_prefix_and_by_host() {
    let sb = Sandbox::builder().single_port(true).start().await.unwrap();
    let addrs = sb.local_addrs();
    assert_eq!(addrs.len(), 1);
    let port = addrs[0].port();
    assert_eq!(sb.accounts_url(Dc::Eu).as_str(), format!("http://127.0.0.1:{port}/eu/accounts/"));
    assert_eq!(sb.api_url(Dc::In).as_str(), format!("http://127.0.0.1:{port}/in/projectsapi/"));
    assert_eq!(sb.api_domain_url(Dc::Us).as_str(), format!("http://127.0.0.1:{port}/us/zohoapis/"));

    // The consent page (no auto-approve) posts to the prefixed path, and the post works.
    let c = sb.demo_client();
    let auth = sb.accounts_url(Dc::Us).join("oauth/v2/auth").unwrap();
    let params = [
        ("client_id", c.client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", &c.redirect_uri),
        ("scope", "ZohoProjects.portals.READ,WorkDrive.users.READ"),
    ];
    let html = http().get(auth).query(&params).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("action=\"/us/accounts/oauth/v2/auth/consent\""), "{html}");
    let rid = html.split("name=\"request_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let post = Url::parse(&format!("http://127.0.0.1:{port}/us/accounts/oauth/v2/auth/consent")).unwrap();
    let r = http().post(post).form(&[("request_id", rid.as_str()), ("action", "accept")]).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let q = common::query_of(r.headers()["location"].to_str().unwrap());
    assert_eq!(get(&q, "accounts-server"), Some(format!("http://127.0.0.1:{port}/us/accounts").as_str()));
    let t = exchange(&sb, Dc::Us, &c, get(&q, "code").unwrap()).await;
    assert_eq!(t["api_domain"], format!("http://127.0.0.1:{port}/us/zohoapis"));
    let access = t["access_token"].as_str().unwrap();

    let (s, portals) = get_json(sb.api_url(Dc::Us).join("api/v3/portals").unwrap(), Some(access), None).await;
    assert_eq!(s, 200);
    assert_eq!(portals[0]["id"], sb.demo_portal(Dc::Us).id.as_str());
    // By Host, with the path Zoho would see.
    let root = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let (s, _) = get_json(root.join("api/v3/portals").unwrap(), Some(access), Some("projectsapi.zoho.com")).await;
    assert_eq!(s, 200);
    let (s, _) =
        get_json(root.join("workdrive/api/v1/users/me").unwrap(), Some(access), Some("www.zohoapis.com:443")).await;
    assert_eq!(s, 200);
    // A US token on the EU Projects host (by Host) is refused like at Zoho.
    let (s, _) = get_json(root.join("api/v3/portals").unwrap(), Some(access), Some("projectsapi.zoho.eu")).await;
    assert_eq!(s, 401);
    // Neither a prefix nor a Zoho host: refused, and not taken for any DC's request.
    let before = sb.requests_seen().len();
    let r = http().get(root.join("api/v3/portals").unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = http().get(root.join("de/accounts/oauth/serverinfo").unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(sb.requests_seen().len(), before);

    let seen: Vec<(Dc, Service, String)> =
        sb.requests_seen().into_iter().map(|r| (r.dc, r.service, r.path_and_query)).collect();
    assert_eq!(seen[seen.len() - 3], (Dc::Us, Service::Projects, "/api/v3/portals".to_owned()));
    assert_eq!(seen[seen.len() - 1], (Dc::Eu, Service::Projects, "/api/v3/portals".to_owned()));
    // serverinfo lists every DC's prefixed accounts server
    let (s, info) = get_json(sb.accounts_url(Dc::In).join("oauth/serverinfo").unwrap(), None, None).await;
    assert_eq!(s, 200);
    assert_eq!(info["locations"]["eu"], format!("http://127.0.0.1:{port}/eu/accounts"));
}

/// A public URL is what the sandbox advertises (redirects, token answers, accessors), while it
/// listens where it was bound; a URL that cannot be advertised is a typed error.
#[tokio::test]
async fn public_url_is_what_is_advertised() {
    let public = Url::parse("http://sandbox.internal:4000").unwrap();
    let sb = Sandbox::builder().single_port(true).public_base(public).auto_approve(true).start().await.unwrap();
    assert_eq!(sb.accounts_url(Dc::Us).as_str(), "http://sandbox.internal:4000/us/accounts/");
    let bound = Url::parse(&format!("http://{}/", sb.local_addrs()[0])).unwrap();
    let c = sb.demo_client();
    let auth = bound.join("us/accounts/oauth/v2/auth").unwrap();
    let params = [
        ("client_id", c.client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", &c.redirect_uri),
        ("scope", "ZohoProjects.portals.READ"),
    ];
    let r = http().get(auth).query(&params).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let q = common::query_of(r.headers()["location"].to_str().unwrap());
    assert_eq!(get(&q, "accounts-server"), Some("http://sandbox.internal:4000/us/accounts"));
    let r = http()
        .post(bound.join("us/accounts/oauth/v2/token").unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", c.client_id.as_str()),
            ("client_secret", c.client_secret.as_str()),
            ("redirect_uri", c.redirect_uri.as_str()),
            ("code", get(&q, "code").unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["api_domain"], "http://sandbox.internal:4000/us/zohoapis");

    // Separate listeners keep their ports under the public host; one URL can be set exactly.
    let exact = Url::parse("https://eu-projects.example/zoho").unwrap();
    let sb = Sandbox::builder()
        .public_base(Url::parse("http://10.1.2.3").unwrap())
        .public_url(Dc::Eu, Service::Projects, exact)
        .start()
        .await
        .unwrap();
    let port = sb.local_addrs()[0].port();
    assert_eq!(sb.accounts_url(Dc::Us).as_str(), format!("http://10.1.2.3:{port}/"));
    assert_eq!(sb.api_url(Dc::Eu).as_str(), "https://eu-projects.example/zoho/");

    for bad in ["ftp://x/", "http://x/?a=b", "http://x/#f", "mailto:a@b"] {
        let err = Sandbox::builder().public_base(Url::parse(bad).unwrap()).start().await.unwrap_err();
        assert!(matches!(err, zoho_sandbox::Error::PublicUrl(_)), "{bad}: {err}");
    }
}
