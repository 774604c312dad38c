//! Zoho's API limit held by the client, against the sandbox on its virtual clock: one limiter
//! per user shared by every `Client` of the process, Zoho's 30-minute lockout after a 429
//! remembered, and the rate slot taken before the token.

#[path = "common/console.rs"]
mod console;
use console::sandbox_oauth;
use std::time::Duration;
use zoho_projects::Error;
use zoho_projects::prelude::*;
use zoho_projects::store::{MemoryStore, StoreKey};
use zoho_projects::v3::portals::ListPortals;
use zoho_projects::{RateKey, RateLimiter, RetryPolicy, TokenManager};
use zoho_sandbox::{Dc, Fault, Route, Sandbox};

scope_set! { struct Reader = ["ZohoProjects.portals.READ"]; }

/// A logged-in manager for the sandbox's demo user, on the sandbox's virtual clock, that
/// refreshes only when the token is about to expire (so that the tests decide when).
async fn manager(sb: &Sandbox) -> TokenManager<Reader> {
    let app = sb.demo_client();
    let (oauth, now) = sandbox_oauth(sb);
    let code = sb.self_client_code(&app.client_id, &[Reader::OAUTH[0]]).expect("code");
    let token = oauth.exchange_self_client_code::<Reader>(&code).await.expect("token");
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &app.client_id, "demo");
    let manager = TokenManager::builder::<Reader>(oauth, key)
        .store(MemoryStore::new())
        .clock(now)
        .refresh_before(Duration::ZERO)
        .jitter(Duration::ZERO)
        .build();
    manager.login(token).await.expect("login");
    manager
}

/// Installs the demo user's process-wide limiter, on the sandbox's virtual clock (a wait
/// advances it), before any client of the user is built. Zoho's limit, waiting up to `max_wait`.
fn virtual_limiter(sb: &Sandbox, max_wait: Duration) -> RateLimiter {
    let key = RateKey::new(sb.accounts_url(Dc::Us), "demo");
    let (clock, wait_clock) = (sb.clock(), sb.clock());
    RateLimiter::for_user_or(&key, || {
        RateLimiter::with_parts(
            100,
            Duration::from_secs(120),
            max_wait,
            move || clock.now_system(),
            move |d| {
                wait_clock.advance(d);
                async {}
            },
        )
    })
}

/// Built like any client: no limiter given, so it takes its user's.
fn client(sb: &Sandbox, tokens: &TokenManager<Reader>) -> Client<Reader> {
    Client::builder().api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never()).build(tokens.clone()).expect("client")
}

fn too_many(results: &[Result<serde_json::Value, Error>]) -> usize {
    results.iter().filter(|r| matches!(r, Err(Error::Api(e)) if e.status == 429)).count()
}

#[tokio::test]
async fn two_clients_of_one_user_share_its_limit() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let installed = virtual_limiter(&sb, Duration::from_secs(600));
    let tokens = manager(&sb).await;
    let (a, b) = (client(&sb, &tokens), client(&sb, &tokens));
    assert!(a.rate_limiter().expect("a limiter").same_as(&installed));
    assert!(b.rate_limiter().expect("a limiter").same_as(&installed));

    let start = sb.clock().now_system();
    let calls = (0..150).map(|i| {
        let c = if i % 2 == 0 { &a } else { &b };
        async move { c.send(ListPortals).await.map(|p| serde_json::json!(p.len())) }
    });
    let results = futures::future::join_all(calls).await;
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(too_many(&results), 0);
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(sb.counters().api_requests, 150);
    assert_eq!(sb.counters().api_rate_limited, 0);
    // 150 calls at 100 per 2 minutes: the 101st waited for the first slot to age out.
    let elapsed = sb.clock().now_system().duration_since(start).expect("forward");
    assert!(elapsed >= Duration::from_secs(120), "{elapsed:?}");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_429_locks_every_client_of_the_user_out_for_30_virtual_minutes() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let _installed = virtual_limiter(&sb, Duration::from_secs(120));
    let tokens = manager(&sb).await;
    let (a, b) = (client(&sb, &tokens), client(&sb, &tokens));
    a.send(ListPortals).await.expect("a first call");

    // Zoho's 429 (no `Retry-After`, as Zoho sends it) reaches client a.
    sb.inject(Fault::status(429).on(Route::Api).times(1));
    let t0 = sb.clock().now_system();
    assert!(matches!(a.send(ListPortals).await, Err(Error::Api(e)) if e.status == 429));
    let sent = sb.counters().api_requests;

    // Client b is held back too, with the lockout's end, and nothing reaches Zoho; still so
    // 121 s before the end (more than the limiter waits).
    for at in [Duration::ZERO, Duration::from_secs(60), Duration::from_secs(1800 - 121)] {
        sb.clock().advance(at.saturating_sub(sb.clock().now_system().duration_since(t0).expect("forward")));
        match b.send(ListPortals).await {
            Err(Error::LockedOut { until, retry_after }) => {
                assert_eq!(until, t0 + Duration::from_secs(1800), "at {at:?}");
                assert_eq!(retry_after, Duration::from_secs(1800) - at);
            }
            other => panic!("at {at:?}: expected the lockout, got {other:?}"),
        }
    }
    assert_eq!(sb.counters().api_requests, sent, "no call was sent during the lockout");

    // 120 s before the end the call waits for it, and is sent the moment it ends.
    sb.clock().advance(Duration::from_secs(1));
    b.send(ListPortals).await.expect("after the lockout");
    assert_eq!(sb.clock().now_system(), t0 + Duration::from_secs(1800));
    assert_eq!(sb.counters().api_requests, sent + 1);
    sb.shutdown().await;
}

/// The slot is taken before the token: a call that waits two minutes for a slot is sent with a
/// token fetched after the wait, not one that expired meanwhile (which would cost a 401 and an
/// extra request).
#[tokio::test]
async fn a_call_that_waits_for_a_slot_takes_its_token_afterwards() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let _installed = virtual_limiter(&sb, Duration::from_secs(600));
    let tokens = manager(&sb).await;
    let client = client(&sb, &tokens);
    // 100 calls 90 s before the token expires (valid 1 hour) fill the window.
    sb.clock().advance(Duration::from_secs(3600 - 90));
    let results = futures::future::join_all((0..100).map(|_| client.send(ListPortals))).await;
    assert!(results.iter().all(Result::is_ok));
    let (requests, refreshes) = (sb.counters().api_requests, sb.counters().refresh_grants);

    // The 101st waits 120 s for a slot, past the token's expiry.
    client.send(ListPortals).await.expect("the 101st call");
    assert_eq!(sb.counters().api_requests - requests, 1, "sent once, with a valid token: no 401");
    assert_eq!(sb.counters().refresh_grants - refreshes, 1, "the token was refreshed before sending");
    sb.shutdown().await;
}

/// docs/RELIABILITY.md's rows for the limiter name tests that exist.
#[test]
fn every_limit_fault_row_names_a_test_that_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/RELIABILITY.md")).expect("RELIABILITY.md");
    let begin = doc.find("<!-- limit-faults:begin -->").expect("begin marker");
    let end = doc.find("<!-- limit-faults:end -->").expect("end marker");
    let rows: Vec<&str> =
        doc[begin..end].lines().filter(|l| l.starts_with("| ") && !l.starts_with("| fault")).collect();
    assert_eq!(rows.len(), 11);
    for row in rows {
        let cell = row.trim_end_matches(" |").rsplit(" | ").next().expect("a test cell");
        let parts: Vec<&str> = cell.split('`').filter(|p| !p.trim().is_empty()).collect();
        let [file, test] = parts[..] else { panic!("expected `file` `test` in {cell:?}") };
        let source = std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(source.contains(&format!("fn {test}(")), "{file} has no test {test}");
    }
}
