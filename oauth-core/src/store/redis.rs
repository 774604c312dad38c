//! `RedisStore`: tokens in Redis, shared by a fleet of machines.

use super::{LockRelease, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Compare-and-delete: release the lease only if this holder still owns it.
const RELEASE: &str =
    r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;

/// Extend the lease's time to live only while this holder still owns it.
const RENEW: &str =
    r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end"#;

/// How long one store operation may take by default, connecting included.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// Write the record only while the lease is still this holder's (a fenced write).
const SAVE_FENCED: &str =
    r#"if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("SET", KEYS[2], ARGV[2]); return 1 else return 0 end"#;

/// Tokens in Redis, for fleets that outgrow one machine: one shared record per key plus a
/// refresh **lease**, so that the whole fleet mints one access token per expiry.
///
/// - The record is a JSON string at `<prefix>:token:<key>` (the same versioned format as
///   [`TokenRecord::to_json`]).
/// - The lease is `SET <prefix>:lease:<key> <owner> NX PX <ttl>` with a random owner token;
///   it is released by a Lua compare-and-delete (a holder never deletes someone else's lease),
///   and it lapses by itself after its time to live when the holder dies. Waiters poll with a
///   short, growing pause and give up after the wait they were given.
/// - The manager re-reads the record after acquiring the lease, so a refresh done by another
///   machine is reused, and writes with [`TokenStore::save_locked`], which a Lua script fences
///   by the lease: a holder that was paused past its lease never overwrites the next holder's
///   token ([`StoreError::LeaseLost`] instead).
/// - The connection is the `redis` crate's reconnecting [`ConnectionManager`]: after Redis
///   restarts (failover, upgrade) the next operations reconnect by themselves. While Redis is
///   unreachable every operation fails within the store's [timeout](RedisStoreBuilder::timeout)
///   (default 2 s) with [`StoreError::Unavailable`]; no operation stalls for longer. Redis
///   unreachable at [`connect`](RedisStoreBuilder::connect) is the same typed error.
/// - The connection URL's password never appears in `Debug` output or errors.
///
/// ```no_run
/// use zoho_oauth_core::store::RedisStore;
/// # async fn f() -> Result<(), zoho_oauth_core::store::StoreError> {
/// let store = RedisStore::builder("redis://:secret@10.0.0.5:6379/0").prefix("billing").connect().await?;
/// assert!(!format!("{store:?}").contains("secret"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    conn: Conn,
    prefix: String,
}

/// The reconnecting connection, with what every operation needs: the bound on its time and the
/// URL to name in errors (redacted).
#[derive(Clone)]
struct Conn {
    manager: ConnectionManager,
    timeout: Duration,
    shown_url: String,
}

impl Conn {
    /// Runs one operation on the connection, bounded by the store's timeout.
    async fn run<T, F>(&self, op: impl FnOnce(ConnectionManager) -> F) -> Result<T, StoreError>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, op(self.manager.clone())).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(backend(&self.shown_url, &e)),
            Err(_) => Err(StoreError::Unavailable(format!(
                "Redis at {} did not answer within {:?}",
                self.shown_url, self.timeout
            ))),
        }
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore").field("url", &self.conn.shown_url).field("prefix", &self.prefix).finish()
    }
}

/// Builds a [`RedisStore`]; see [`RedisStore::builder`].
#[derive(Clone)]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    root_certificate: Option<Vec<u8>>,
    timeout: Duration,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("url", &redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("root_certificate", &self.root_certificate.is_some())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl RedisStoreBuilder {
    /// The key prefix (default `zoho-oauth`): separate applications sharing one Redis.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// For `rediss://` URLs: trust this CA certificate (PEM) instead of the operating system's
    /// trust store, e.g. for a Redis behind a private CA. Without it, `rediss://` checks the
    /// server against the system's roots.
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificate = Some(pem.into());
        self
    }

    /// How long one store operation may take, connecting or reconnecting included, before it
    /// fails with [`StoreError::Unavailable`] (default 2 s; at least 1 ms). Keep it well below
    /// the refresh lease's time to live.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Connects (one reconnecting, multiplexed connection, shared by clones of the store).
    /// Redis unreachable now is [`StoreError::Unavailable`]; a bad URL or a refused login is
    /// [`StoreError::Backend`].
    pub async fn connect(self) -> Result<RedisStore, StoreError> {
        let shown_url = redact_url(&self.url);
        let invalid =
            |e: redis::RedisError| StoreError::backend(format!("invalid Redis URL {shown_url}: {:?}", e.kind()));
        let client = match self.root_certificate {
            None => redis::Client::open(self.url.as_str()).map_err(invalid)?,
            Some(_) if !self.url.starts_with("rediss://") => {
                return Err(StoreError::backend(format!(
                    "a root certificate was given for {shown_url}, which does not use TLS: write rediss://"
                )));
            }
            Some(root_cert) => redis::Client::build_with_tls(
                self.url.as_str(),
                redis::TlsCertificates { client_tls: None, root_cert: Some(root_cert) },
            )
            .map_err(invalid)?,
        };
        // One quick retry per (re)connection: while Redis is down each operation fails fast and
        // the next one starts a new attempt, so the store is back as soon as Redis is.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(200))
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout));
        let timeout = self.timeout;
        let manager = match tokio::time::timeout(timeout, ConnectionManager::new_with_config(client, config)).await {
            Ok(Ok(manager)) => manager,
            Ok(Err(e)) => return Err(backend(&shown_url, &e)),
            Err(_) => {
                return Err(StoreError::Unavailable(format!("Redis at {shown_url} did not answer within {timeout:?}")));
            }
        };
        Ok(RedisStore { conn: Conn { manager, timeout, shown_url }, prefix: self.prefix })
    }
}

/// A Redis error as a store error: [`StoreError::Unavailable`] when Redis could not be reached
/// or the connection broke, [`StoreError::Backend`] for everything else.
fn backend(shown_url: &str, e: &redis::RedisError) -> StoreError {
    // Redis errors carry no credentials, but the URL shown is the redacted one all the same.
    let text = format!("Redis at {shown_url}: {}", redact_url(&e.to_string()));
    if e.is_connection_refusal() || e.is_connection_dropped() || e.is_timeout() {
        StoreError::Unavailable(text)
    } else {
        StoreError::backend(text)
    }
}

/// Replaces the password of a `redis://user:password@host` URL.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("redacted"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) if url.contains('@') => "[unparsable URL, redacted]".to_owned(),
        Err(_) => url.to_owned(),
    }
}

impl RedisStore {
    /// A builder for the store at `url` (`redis://[user:password@]host:port[/db]`, or
    /// `rediss://…` for TLS, checked against the system's roots or
    /// [`RedisStoreBuilder::root_certificate_pem`]).
    ///
    /// The store holds refresh and access tokens and sends them on every write: `redis://` sends
    /// them (and the password) in clear. Unlike the API and accounts URLs, a plain `redis://` to
    /// another host is not refused, since whether the network to Redis is private is the
    /// deployment's call; across any other network, write `rediss://`.
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: "zoho-oauth".to_owned(),
            root_certificate: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Connects to `url` with the default prefix.
    pub async fn connect(url: impl Into<String>) -> Result<RedisStore, StoreError> {
        Self::builder(url).connect().await
    }

    fn record_key(&self, key: &StoreKey) -> String {
        format!("{}:token:{}", self.prefix, key.id())
    }

    fn lease_key(&self, key: &StoreKey) -> String {
        format!("{}:lease:{}", self.prefix, key.id())
    }
}

struct Lease {
    conn: Conn,
    key: String,
    owner: String,
}

#[async_trait::async_trait]
impl LockRelease for Lease {
    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        let script = redis::Script::new(RELEASE);
        let mut call = script.key(&self.key);
        call.arg(&self.owner);
        self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(drop)
    }

    async fn renew(&self, ttl: Duration) -> Result<bool, StoreError> {
        let ttl_ms = ttl.as_millis().clamp(1, u128::from(u64::MAX)) as u64;
        let script = redis::Script::new(RENEW);
        let mut call = script.key(&self.key);
        call.arg(&self.owner).arg(ttl_ms);
        self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(|n| n == 1)
    }

    fn fencing_token(&self) -> Option<&str> {
        Some(&self.owner)
    }
}

#[async_trait::async_trait]
impl TokenStore for RedisStore {
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.record_key(key));
        let text: Option<String> = self.conn.run(|mut c| async move { cmd.query_async(&mut c).await }).await?;
        text.map(|t| TokenRecord::from_json(&t)).transpose()
    }

    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.record_key(key)).arg(record.to_json());
        self.conn.run(|mut c| async move { cmd.query_async::<()>(&mut c).await }).await
    }

    async fn save_locked(&self, key: &StoreKey, record: &TokenRecord, lock: &StoreLock) -> Result<(), StoreError> {
        let Some(owner) = lock.fencing_token() else { return self.save(key, record).await };
        let script = redis::Script::new(SAVE_FENCED);
        let mut call = script.key(self.lease_key(key));
        call.key(self.record_key(key)).arg(owner).arg(record.to_json());
        let written: i64 = self.conn.run(|mut c| async move { call.invoke_async(&mut c).await }).await?;
        if written == 1 { Ok(()) } else { Err(StoreError::LeaseLost { key: key.to_string() }) }
    }

    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.record_key(key));
        self.conn.run(|mut c| async move { cmd.query_async::<()>(&mut c).await }).await
    }

    async fn lock(&self, key: &StoreKey, ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError> {
        let lease_key = self.lease_key(key);
        let owner = format!("{:032x}", rand::random::<u128>());
        let ttl_ms = ttl.as_millis().clamp(1, u128::from(u64::MAX)) as u64;
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            let mut cmd = redis::cmd("SET");
            cmd.arg(&lease_key).arg(&owner).arg("NX").arg("PX").arg(ttl_ms);
            let got: Option<String> = self.conn.run(|mut c| async move { cmd.query_async(&mut c).await }).await?;
            if got.is_some() {
                return Ok(StoreLock::new(Lease { conn: self.conn.clone(), key: lease_key, owner }));
            }
            let waited = started.elapsed();
            if waited >= wait {
                return Err(StoreError::LockTimeout { key: key.to_string(), waited });
            }
            tokio::time::sleep(pause.min(wait - waited)).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact_url("redis://:hunter2@h:6379/0"), "redis://:redacted@h:6379/0");
        assert_eq!(redact_url("redis://u:hunter2@h/"), "redis://u:redacted@h/");
        assert_eq!(redact_url("redis://h:6379"), "redis://h:6379");
        assert!(!redact_url("red is://x:hunter2@").contains("hunter2"));
    }
}

/// Redis's own time in milliseconds (`TIME`), so that every process of a fleet reads the same
/// clock whatever its own says; `ARGV[1]`, when not empty, replaces it (tests on a virtual
/// clock).
const NOW: &str = r"
local now
if ARGV[1] ~= '' then
  now = tonumber(ARGV[1])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
";

/// Takes a slot in a sorted set of call stamps (score: milliseconds), or answers how long to
/// wait (`>= 0`), or how long Zoho's lockout (`KEYS[2]`, holding its end) still runs (`< -1`:
/// `-2 - ms`); `-1`: taken. A call under way is stamped in the future (`now + ARGV[5]`), so
/// that it counts until `finish` moves its stamp to the moment its answer arrived; when only
/// such calls fill the window, the answer is the polling interval `ARGV[6]`.
const RATE_TAKE: &str = r"
local window = tonumber(ARGV[2])
local in_flight = tonumber(ARGV[5])
local until_ms = tonumber(redis.call('GET', KEYS[2]) or '0')
if until_ms > now then return -2 - (until_ms - now) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + in_flight, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], (window + in_flight) * 2)
  return -1
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
if oldest > now then return tonumber(ARGV[6]) end
local wait = oldest + window - now
if wait < 1 then wait = 1 end
return wait
";

/// Moves an existing stamp (`XX`: a slot that already left the window stays gone) to now.
const RATE_FINISH: &str = r"
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[2])
return 0
";

/// Locks the window out until now + `ARGV[2]` ms, unless a lockout that ends later runs.
const RATE_LOCK_OUT: &str = r"
local until_ms = now + tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < until_ms then redis.call('SET', KEYS[1], until_ms, 'PX', math.max(1, tonumber(ARGV[2]))) end
return 0
";

/// How long a call may stay "under way" in the shared window before its stamp lapses: only a
/// process that died mid-call leaves one behind, and its slot (one of the window's 100) stays
/// taken this long. Far longer than any request timeout, so that a slow call is never dropped
/// from the count while Zoho may still be counting it.
const IN_FLIGHT_MS: i64 = 60 * 60 * 1000;

/// How often to look again when every slot is held by a call under way.
const POLL_MS: i64 = 50;

/// A rate window in Redis shared by every process calling as one user: see
/// [`RateLimiter::shared`](crate::RateLimiter::shared) and [`RedisStore::rate_window`]. Time is
/// Redis's (`TIME`), so the fleet's clocks need not agree; Zoho's lockout after a 429 is kept
/// beside the window, so every process honours it.
#[derive(Clone)]
pub struct RedisRateWindow {
    conn: Conn,
    key: String,
    lockout_key: String,
    clock: Option<Arc<dyn Fn() -> std::time::SystemTime + Send + Sync>>,
}

impl fmt::Debug for RedisRateWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateWindow").field("url", &self.conn.shown_url).field("key", &self.key).finish()
    }
}

impl RedisStore {
    /// The API-call window of `user` (e.g. the Zoho user or the store key's user), in this
    /// store's Redis under its prefix, for a fleet-wide [`RateLimiter`](crate::RateLimiter):
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use zoho_oauth_core::{RateLimiter, SystemClock, TokioSleeper, store::RedisStore};
    /// let store = RedisStore::connect("redis://127.0.0.1:6379").await?;
    /// let limiter = RateLimiter::shared(store.rate_window("reporting-user"), 100, Duration::from_secs(120),
    ///     Duration::from_secs(120), SystemClock, TokioSleeper);
    /// # let _ = limiter; Ok(()) }
    /// ```
    pub fn rate_window(&self, user: &str) -> RedisRateWindow {
        RedisRateWindow {
            conn: self.conn.clone(),
            key: format!("{}:rate:{user}", self.prefix),
            lockout_key: format!("{}:lockout:{user}", self.prefix),
            clock: None,
        }
    }
}

impl RedisRateWindow {
    /// For tests on a virtual clock: the window reads `now()` instead of Redis's `TIME`. Every
    /// process sharing the window must use the same clock.
    #[doc(hidden)]
    pub fn virtual_clock(mut self, now: impl Fn() -> std::time::SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(now));
        self
    }

    /// The script's `ARGV[1]`: empty (Redis's `TIME`), or the virtual clock's milliseconds.
    fn now_arg(&self) -> String {
        self.clock.as_ref().map_or_else(String::new, |now| {
            now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis()).to_string()
        })
    }

    fn script(body: &str) -> redis::Script {
        redis::Script::new(&format!("{NOW}{body}"))
    }
}

fn millis(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn ms_i64(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[async_trait::async_trait]
impl crate::SharedWindow for RedisRateWindow {
    async fn try_take(&self, slot: &str, max_calls: usize, window: Duration) -> Result<crate::Take, StoreError> {
        let script = Self::script(RATE_TAKE);
        let mut call = script.key(&self.key);
        call.key(&self.lockout_key);
        call.arg(self.now_arg()).arg(ms_i64(window)).arg(max_calls).arg(slot).arg(IN_FLIGHT_MS).arg(POLL_MS);
        let answer: i64 = self.conn.run(|mut c| async move { call.invoke_async(&mut c).await }).await?;
        Ok(match answer {
            -1 => crate::Take::Taken,
            a if a < -1 => crate::Take::LockedOut(Duration::from_millis((-2 - a).unsigned_abs())),
            a => crate::Take::Wait(Duration::from_millis(a.unsigned_abs())),
        })
    }

    async fn finish(&self, slot: &str) -> Result<(), StoreError> {
        let script = Self::script(RATE_FINISH);
        let mut call = script.key(&self.key);
        call.arg(self.now_arg()).arg(slot);
        self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(drop)
    }

    async fn give_back(&self, slot: &str) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("ZREM");
        cmd.arg(&self.key).arg(slot);
        self.conn.run(|mut c| async move { cmd.query_async::<i64>(&mut c).await }).await.map(drop)
    }

    async fn lock_out(&self, duration: Duration) -> Result<(), StoreError> {
        let script = Self::script(RATE_LOCK_OUT);
        let mut call = script.key(&self.lockout_key);
        call.arg(self.now_arg()).arg(ms_i64(duration));
        self.conn.run(|mut c| async move { call.invoke_async::<i64>(&mut c).await }).await.map(drop)
    }
}

/// Counts one authorization code in a sorted set of code stamps (ms), if fewer than `max` are
/// within the window; else answers how long until the oldest leaves it. The set lapses by itself
/// two windows after its last code.
const CODE_TAKE: &str = r#"
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now - window)
if redis.call("ZCARD", KEYS[1]) < tonumber(ARGV[3]) then
  redis.call("ZADD", KEYS[1], now, ARGV[4])
  redis.call("PEXPIRE", KEYS[1], 2 * window)
  return -1
end
local oldest = redis.call("ZRANGE", KEYS[1], 0, 0, "WITHSCORES")
return tonumber(oldest[2]) + window - now
"#;

/// The authorization-code guard's count, in this store's Redis under its prefix
/// (`<prefix>:codes:<client and user>`): every instance of a fleet whose
/// [`OAuthClient`](crate::oauth::OAuthClient) is built with
/// [`code_ledger`](crate::oauth::OAuthClientBuilder::code_ledger)`(store.clone())` counts against
/// one window per client and user.
#[async_trait::async_trait]
impl crate::oauth::CodeLedger for RedisStore {
    async fn take_code(
        &self,
        party: &str,
        max: u32,
        window: Duration,
        now: std::time::SystemTime,
    ) -> Result<Result<(), Duration>, StoreError> {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX).max(1);
        let member = format!("{}-{:016x}", millis(now), rand::random::<u64>());
        let script = redis::Script::new(CODE_TAKE);
        let mut call = script.key(format!("{}:codes:{party}", self.prefix));
        call.arg(millis(now)).arg(window_ms).arg(max).arg(member);
        let answer: i64 = self.conn.run(|mut c| async move { call.invoke_async(&mut c).await }).await?;
        Ok(if answer < 0 { Ok(()) } else { Err(Duration::from_millis(answer.unsigned_abs())) })
    }
}
