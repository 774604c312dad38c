//! A fleet stays under one user's API limit when its processes share the rate window in Redis.
//! Each client below has its own Redis connection and its own limiter, as separate processes
//! would; time is the sandbox's virtual clock.

#[path = "common/redis.rs"]
mod redis;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use zoho_projects::Error;
use zoho_projects::prelude::*;
use zoho_projects::store::RedisStore;
use zoho_projects::v3::portals::ListPortals;
use zoho_projects::{RateLimiter, RetryPolicy, SleepFuture, Sleeper};
use zoho_sandbox::{Dc, Sandbox};

scope_set! { struct Reader = ["ZohoProjects.portals.READ"]; }

/// Waiting on the sandbox's virtual clock. A wait for a slot to age out moves the clock to
/// its deadline, once for all the waiters of that moment (one lock for the whole fleet). A
/// short poll (every slot held by a call still under way) only yields: calls take real
/// milliseconds, and moving virtual time meanwhile would make them look minutes long.
#[derive(Clone)]
struct VirtualSleep(zoho_sandbox::Clock, Arc<Mutex<()>>);

impl Sleeper for VirtualSleep {
    fn sleep(&self, d: Duration) -> SleepFuture {
        self.0.advance(d);
        Box::pin(async {})
    }

    fn sleep_until(&self, deadline: SystemTime, now: SystemTime) -> SleepFuture {
        if deadline.duration_since(now).unwrap_or_default() < Duration::from_secs(1) {
            return Box::pin(tokio::task::yield_now());
        }
        let _one_at_a_time = self.1.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Ok(step) = deadline.duration_since(self.0.now_system()) {
            self.0.advance(step);
        }
        Box::pin(async {})
    }
}

async fn worker_client(sb: &Sandbox, limiter: RateLimiter) -> Client<Reader> {
    let access = sb.mint_access_token(&sb.demo_user().email, Reader::OAUTH).expect("token");
    let token = Token::<Reader>::from_console(&access, "ZohoProjects.portals.READ", Duration::from_secs(3600 * 24))
        .expect("token");
    Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .retry(RetryPolicy::never())
        .rate_limit(limiter)
        .build(token)
        .expect("client")
}

async fn burst(clients: &[Client<Reader>], per_client: usize) -> (usize, usize) {
    let calls = clients.iter().flat_map(|c| (0..per_client).map(move |_| c.send(ListPortals)));
    let results = futures::future::join_all(calls).await;
    let too_many = results.iter().filter(|r| matches!(r, Err(Error::Api(e)) if e.status == 429)).count();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    (ok, too_many)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_sharing_a_redis_window_never_meet_a_429() {
    let Some(server) = redis::start() else { return };
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let sleeper = VirtualSleep(sb.clock(), Arc::new(Mutex::new(())));
    let mut clients = Vec::new();
    for _ in 0..3 {
        let store = RedisStore::builder(server.url())
            .prefix("fleet-limit")
            .timeout(std::time::Duration::from_secs(30))
            .connect()
            .await
            .expect("redis");
        let (clock, window_clock) = (sb.clock(), sb.clock());
        let limiter = RateLimiter::shared(
            store.rate_window("demo-user").virtual_clock(move || window_clock.now_system()),
            100,
            Duration::from_secs(120),
            Duration::from_secs(3600),
            move || clock.now_system(),
            sleeper.clone(),
        );
        clients.push(worker_client(&sb, limiter).await);
    }
    let (ok, too_many) = burst(&clients, 100).await;
    assert_eq!((ok, too_many), (300, 0));
    assert_eq!(sb.counters().api_rate_limited, 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn without_sharing_the_same_fleet_is_blocked() {
    // The control: one in-memory window per process lets the fleet pass Zoho's limit.
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let mut clients = Vec::new();
    for _ in 0..3 {
        let clock = sb.clock();
        let limiter = RateLimiter::with_parts(
            100,
            Duration::from_secs(120),
            Duration::from_secs(3600),
            move || clock.now_system(),
            VirtualSleep(sb.clock(), Arc::new(Mutex::new(()))),
        );
        clients.push(worker_client(&sb, limiter).await);
    }
    let (_, too_many) = burst(&clients, 100).await;
    assert!(too_many > 0, "three unshared windows of 100 let 300 calls through in one window");
    sb.shutdown().await;
}
