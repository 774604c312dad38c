//! Scenario 6, sandbox throughput: requests per second that an in-process `zoho-sandbox`
//! (relaxed limits) serves on this machine, the load generator sharing the same 2 cores and the
//! same runtime (2 workers), as in the tests.

use std::io;
use std::time::{Duration, Instant};

use zoho_sandbox::{Dc, Limits, Sandbox};

use crate::common::{READ, http_client};

/// What scenario 6 measured: `(route, requests, requests per second)`.
#[derive(Debug, Clone, Default)]
pub struct SandboxResult {
    /// Per route.
    pub routes: Vec<(String, usize, f64)>,
    /// Concurrent connections.
    pub concurrency: usize,
    /// Failed requests.
    pub errors: usize,
}

/// Sends `requests` requests per route, `concurrency` at a time.
pub fn sandbox_throughput(requests: usize, concurrency: usize) -> io::Result<SandboxResult> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(run(requests, concurrency))
}

#[derive(Clone)]
enum Route {
    Get(String),
    Refresh,
}

async fn run(requests: usize, concurrency: usize) -> io::Result<SandboxResult> {
    // Relaxed: a throughput run makes far more than 100 calls per 2 minutes on purpose.
    let sb = Sandbox::builder().limits(Limits::relaxed()).start().await.map_err(io::Error::other)?;
    let base = sb.api_url(Dc::Us);
    let accounts = sb.accounts_url(Dc::Us);
    let user = sb.demo_user();
    let projects_scope = "ZohoProjects.projects.READ";
    let tasks_scope = "ZohoProjects.tasks.READ";
    let access = sb.mint_access_token(&user.email, &[READ, projects_scope, tasks_scope]).map_err(io::Error::other)?;
    let portal = sb.demo_portal(Dc::Us);
    let project = portal.projects.first().ok_or_else(|| io::Error::other("no demo project"))?.id.clone();
    // A refresh token, for the token endpoint's refresh grant.
    let app = sb.demo_client();
    let code = sb.self_client_code(&app.client_id, &[READ]).map_err(io::Error::other)?;
    let http = http_client();
    let exchanged: serde_json::Value = http
        .post(accounts.join("oauth/v2/token").map_err(io::Error::other)?)
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .map_err(io::Error::other)?
        .json()
        .await
        .map_err(io::Error::other)?;
    let refresh = exchanged["refresh_token"].as_str().ok_or_else(|| io::Error::other("no refresh token"))?.to_owned();

    let tasks_path = format!("api/v3/portal/{}/projects/{project}/tasks", portal.id);
    // The refresh grant in five consecutive batches on one refresh token: its cost grows with
    // the grants made before (see BENCHMARKS.md).
    let batch = requests.div_ceil(20).max(1);
    let mut routes = vec![
        ("GET /api/v3/portals".to_owned(), Route::Get("api/v3/portals".into()), requests),
        ("GET /api/v3/portal/{p}/projects/{q}/tasks".to_owned(), Route::Get(tasks_path), requests),
    ];
    for k in 0..5 {
        let name = format!("POST /oauth/v2/token (refresh grants {}–{})", k * batch + 1, (k + 1) * batch);
        routes.push((name, Route::Refresh, batch));
    }
    let mut result = SandboxResult { concurrency, ..SandboxResult::default() };
    for (name, route, requests) in routes {
        let per_task = requests.div_ceil(concurrency.max(1));
        let started = Instant::now();
        let handles: Vec<_> = (0..concurrency.max(1))
            .map(|_| {
                let (http, base, accounts) = (http.clone(), base.clone(), accounts.clone());
                let (access, refresh) = (access.clone(), refresh.clone());
                let (id, secret, route) = (app.client_id.clone(), app.client_secret.clone(), route.clone());
                tokio::spawn(async move {
                    let mut errors = 0;
                    for _ in 0..per_task {
                        let req = match &route {
                            Route::Get(path) => http
                                .get(base.join(path).expect("url"))
                                .header("Authorization", format!("Zoho-oauthtoken {access}")),
                            Route::Refresh => http.post(accounts.join("oauth/v2/token").expect("url")).form(&[
                                ("grant_type", "refresh_token"),
                                ("client_id", id.as_str()),
                                ("client_secret", secret.as_str()),
                                ("refresh_token", refresh.as_str()),
                            ]),
                        };
                        let ok = match req.send().await {
                            Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                            Err(_) => false,
                        };
                        errors += usize::from(!ok);
                    }
                    errors
                })
            })
            .collect();
        for h in handles {
            result.errors += h.await.map_err(io::Error::other)?;
        }
        let wall = started.elapsed().max(Duration::from_nanos(1));
        let n = per_task * concurrency.max(1);
        result.routes.push((name, n, n as f64 / wall.as_secs_f64()));
    }
    sb.shutdown().await;
    Ok(result)
}
