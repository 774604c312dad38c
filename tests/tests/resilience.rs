//! Retries under injected faults and the client-side rate limiter, against the sandbox.

#[path = "common/console.rs"]
mod console;
use console::console_token;

use std::time::Duration;
use zoho_projects::Error;
use zoho_projects::prelude::*;
use zoho_projects::{RateLimiter, RetryPolicy};
use zoho_sandbox::{Dc, Fault, Route, Sandbox};

scope_set! { struct Work = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"]; }

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = Vec<serde_json::Value>)]
struct ListPortals;

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks", scope = "ZohoProjects.tasks.CREATE",
       response = serde_json::Value)]
struct CreateTask {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(body)]
    body: serde_json::Value,
}

#[derive(Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.UPDATE", response = serde_json::Value)]
struct UpdateTask {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(path)]
    task: String,
    #[zoho(body)]
    body: serde_json::Value,
}

/// The same `PATCH`, declared idempotent (setting a name twice is setting it once).
#[derive(Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.UPDATE", response = serde_json::Value, idempotent)]
struct RenameTask {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(path)]
    task: String,
    #[zoho(body)]
    body: serde_json::Value,
}

#[derive(Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.DELETE", response = serde_json::Value)]
struct DeleteTask {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(path)]
    task: String,
}

const SCOPES: [&str; 2] = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"];

async fn token(sb: &Sandbox) -> Token<Work> {
    let access = console_token(sb, &SCOPES).await;
    Token::from_console(&access, &SCOPES.join(","), Duration::from_secs(3600)).expect("token")
}

/// Retries wait on nothing: the sandbox's faults do not depend on time.
fn instant_retries() -> RetryPolicy {
    RetryPolicy::default().sleeper(|_| async {})
}

#[tokio::test]
async fn transient_faults_are_retried_and_creates_are_not_repeated() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .retry(instant_retries())
        .build(token(&sb).await)
        .expect("client");

    // A GET survives two 503s and a dropped connection.
    sb.inject(Fault::status(503).on(Route::Api).times(2));
    sb.inject(Fault::drop_connection().on(Route::Api).times(1));
    let before = sb.counters().requests(&Route::Api);
    assert!(!client.send(ListPortals).await.expect("retried to success").is_empty());
    assert_eq!(sb.counters().requests(&Route::Api) - before, 4, "three failures, then success");

    // Four failures exhaust 3 retries: a typed error after exactly 4 requests, not a hang.
    sb.inject(Fault::status(500).on(Route::Api).times(4));
    let before = sb.counters().requests(&Route::Api);
    match client.send(ListPortals).await {
        Err(Error::Api(e)) => assert_eq!(e.status, 500),
        other => panic!("expected the 500 after retries, got {other:?}"),
    }
    assert_eq!(sb.counters().requests(&Route::Api) - before, 4, "one try and 3 retries");
    sb.clear_faults();

    // A create that failed with a 500 may have happened: it is not sent twice.
    let demo = sb.demo_portal(Dc::Us);
    let create = || CreateTask {
        portal: demo.id.clone(),
        project: demo.projects[0].id.clone(),
        body: serde_json::json!({"name": "Once"}),
    };
    sb.inject(Fault::status(500).on(Route::Api).times(1));
    let before = sb.counters().requests(&Route::Api);
    assert!(matches!(client.send(create()).await, Err(Error::Api(e)) if e.status == 500));
    assert_eq!(sb.counters().requests(&Route::Api) - before, 1);

    // But a create that Zoho refused with 429 (not processed) is retried, once the lockout
    // (here `Retry-After: 0`) is over.
    sb.inject(Fault::status(429).header("Retry-After", "0").on(Route::Api).times(1));
    let created = client.send(create()).await.expect("retried after 429");
    assert_eq!(created["name"], "Once");
    sb.shutdown().await;
}

/// After an ambiguous failure (a 500: the request may have been processed) a `PATCH` is not
/// repeated (V3 adds and removes tags with it, which is not idempotent), a `DELETE` is, and so is
/// a `PATCH` whose endpoint declares itself idempotent. Counted at the sandbox.
#[tokio::test]
async fn ambiguous_failures_repeat_only_idempotent_calls() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .retry(instant_retries())
        .build(token(&sb).await)
        .expect("client");
    let demo = sb.demo_portal(Dc::Us);
    let (portal, project) = (demo.id.clone(), demo.projects[0].id.clone());
    let task = demo.projects[0].tasks[0].clone();
    let update = || UpdateTask {
        portal: portal.clone(),
        project: project.clone(),
        task: task.clone(),
        body: serde_json::json!({"name": "Renamed"}),
    };

    sb.inject(Fault::status(500).on(Route::Api).times(1));
    let before = sb.counters().requests(&Route::Api);
    assert!(matches!(client.send(update()).await, Err(Error::Api(e)) if e.status == 500));
    assert_eq!(sb.counters().requests(&Route::Api) - before, 1, "a PATCH is not repeated after a 500");

    sb.inject(Fault::status(500).on(Route::Api).times(1));
    let before = sb.counters().requests(&Route::Api);
    let rename = RenameTask {
        portal: portal.clone(),
        project: project.clone(),
        task: task.clone(),
        body: serde_json::json!({"name": "Renamed"}),
    };
    const { assert!(RenameTask::IDEMPOTENT && !UpdateTask::IDEMPOTENT) };
    client.send(rename).await.expect("an idempotent PATCH is repeated");
    assert_eq!(sb.counters().requests(&Route::Api) - before, 2);

    // Refused with 429 (not processed): a PATCH is repeated.
    sb.inject(Fault::status(429).header("Retry-After", "0").on(Route::Api).times(1));
    let before = sb.counters().requests(&Route::Api);
    client.send(update()).await.expect("a PATCH refused with 429 is repeated");
    assert_eq!(sb.counters().requests(&Route::Api) - before, 2);

    sb.inject(Fault::status(503).on(Route::Api).times(1));
    let before = sb.counters().requests(&Route::Api);
    client.send(DeleteTask { portal, project, task }).await.expect("a DELETE is repeated");
    assert_eq!(sb.counters().requests(&Route::Api) - before, 2);
    sb.shutdown().await;
}

/// Zoho documents no `Retry-After`, but a 429 that carries one is honoured: the client waits
/// exactly that long (not its own backoff) for the lockout to end, on the limiter's clock, and
/// gives up at once when the wait is longer than the policy's longest (Zoho's lockout after the
/// limit lasts 30 minutes); the next calls are then refused without reaching Zoho.
#[tokio::test]
async fn a_retry_after_on_429_sets_the_wait_or_ends_the_call() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let waits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (recorded, clock, wait_clock) = (std::sync::Arc::clone(&waits), sb.clock(), sb.clock());
    let limiter = RateLimiter::with_parts(
        100,
        Duration::from_secs(120),
        Duration::from_secs(120),
        move || clock.now_system(),
        move |d: Duration| {
            recorded.lock().expect("waits").push(d);
            wait_clock.advance(d);
            async {}
        },
    );
    let client = Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .retry(instant_retries())
        .rate_limit(limiter)
        .build(token(&sb).await)
        .expect("client");

    sb.inject(Fault::status(429).header("Retry-After", "7").on(Route::Api).times(1));
    assert!(!client.send(ListPortals).await.expect("retried after the wait").is_empty());
    assert_eq!(*waits.lock().expect("waits"), [Duration::from_secs(7)], "waited what the server said");

    waits.lock().expect("waits").clear();
    sb.inject(Fault::status(429).header("Retry-After", "1800").on(Route::Api).times(1));
    let before = sb.counters().requests(&Route::Api);
    match client.send(ListPortals).await {
        Err(Error::Api(e)) => {
            assert_eq!(e.status, 429);
            assert_eq!(e.retry_after, Some(Duration::from_secs(1800)), "the wait is reported to the caller");
        }
        other => panic!("expected the 429, got {other:?}"),
    }
    assert!(waits.lock().expect("waits").is_empty(), "no sitting on a 30-minute lockout");
    assert_eq!(sb.counters().requests(&Route::Api) - before, 1, "not retried");
    match client.send(ListPortals).await {
        Err(Error::LockedOut { retry_after, .. }) => assert_eq!(retry_after, Duration::from_secs(1800)),
        other => panic!("expected the lockout, got {other:?}"),
    }
    assert_eq!(sb.counters().requests(&Route::Api) - before, 1, "the lockout is kept here, not sent to Zoho");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_burst_of_500_calls_never_meets_a_429() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    // The limiter measures the sandbox's virtual time and waits by advancing it.
    let (clock, wait_clock) = (sb.clock(), sb.clock());
    let limiter = RateLimiter::with_parts(
        100,
        Duration::from_secs(120),
        Duration::from_secs(600),
        move || clock.now_system(),
        move |d| {
            wait_clock.advance(d);
            async {}
        },
    );
    let client = Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .retry(RetryPolicy::never())
        .rate_limit(limiter)
        .build(token(&sb).await)
        .expect("client");
    let start = sb.clock().now_system();
    let calls = (0..500).map(|_| client.send(ListPortals));
    let results = futures::future::join_all(calls).await;
    let too_many = results.iter().filter(|r| matches!(r, Err(Error::Api(e)) if e.status == 429)).count();
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(too_many, 0);
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(sb.counters().requests(&Route::Api), 500);
    // 500 calls at 100 per 2 minutes need at least 4 more windows of virtual time.
    let elapsed = sb.clock().now_system().duration_since(start).expect("time moves forward");
    assert!(elapsed >= Duration::from_secs(4 * 120), "{elapsed:?}");

    // Without the limiter the sandbox (like Zoho) answers 429 after 100 calls: on a fresh
    // sandbox (the window above still holds the limited burst), 100 of 150 calls succeed and
    // the other 50 are 429s.
    let fresh = Sandbox::builder().start().await.expect("sandbox");
    let unlimited = Client::builder()
        .api_base(fresh.api_url(Dc::Us))
        .retry(RetryPolicy::never())
        .no_rate_limit()
        .build(token(&fresh).await)
        .expect("client");
    let mut outcomes = Vec::new();
    for _ in 0..150 {
        outcomes.push(match unlimited.send(ListPortals).await {
            Ok(_) => "ok".to_owned(),
            Err(Error::Api(e)) => e.status.to_string(),
            Err(e) => e.to_string(),
        });
    }
    let first_429 = outcomes.iter().position(|o| o == "429");
    assert_eq!(first_429, Some(100), "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| *o == "ok").count(), 100, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| *o == "429").count(), 50, "{outcomes:?}");
    assert_eq!(fresh.counters().api_requests, 150);
    fresh.shutdown().await;
    sb.shutdown().await;
}
