//! `RedisStore`: tokens in Redis, shared by a fleet of machines.

use super::{LockRelease, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore};
use redis::aio::MultiplexedConnection;
use std::fmt;
use std::time::Duration;

/// Compare-and-delete: release the lease only if this holder still owns it.
const RELEASE: &str =
    r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;

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
///   machine is reused.
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
    conn: MultiplexedConnection,
    prefix: String,
    shown_url: String,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore").field("url", &self.shown_url).field("prefix", &self.prefix).finish()
    }
}

/// Builds a [`RedisStore`]; see [`RedisStore::builder`].
#[derive(Clone)]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder").field("url", &redact_url(&self.url)).field("prefix", &self.prefix).finish()
    }
}

impl RedisStoreBuilder {
    /// The key prefix (default `zoho-oauth`): separate applications sharing one Redis.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Connects (one multiplexed connection, shared by clones of the store).
    pub async fn connect(self) -> Result<RedisStore, StoreError> {
        let shown_url = redact_url(&self.url);
        let client = redis::Client::open(self.url.as_str())
            .map_err(|e| StoreError::Backend(format!("invalid Redis URL {shown_url}: {:?}", e.kind())))?;
        let conn = client.get_multiplexed_async_connection().await.map_err(|e| backend(&shown_url, &e))?;
        Ok(RedisStore { conn, prefix: self.prefix, shown_url })
    }
}

fn backend(shown_url: &str, e: &redis::RedisError) -> StoreError {
    // Redis errors carry no credentials, but the URL shown is the redacted one all the same.
    StoreError::Backend(format!("Redis at {shown_url}: {}", redact_url(&e.to_string())))
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
    /// A builder for the store at `url` (`redis://[user:password@]host:port[/db]`).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder { url: url.into(), prefix: "zoho-oauth".to_owned() }
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

    fn err(&self, e: &redis::RedisError) -> StoreError {
        backend(&self.shown_url, e)
    }
}

struct Lease {
    conn: MultiplexedConnection,
    key: String,
    owner: String,
    shown_url: String,
}

#[async_trait::async_trait]
impl LockRelease for Lease {
    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        redis::Script::new(RELEASE)
            .key(&self.key)
            .arg(&self.owner)
            .invoke_async::<i64>(&mut conn)
            .await
            .map(drop)
            .map_err(|e| backend(&self.shown_url, &e))
    }
}

#[async_trait::async_trait]
impl TokenStore for RedisStore {
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        let mut conn = self.conn.clone();
        let text: Option<String> =
            redis::cmd("GET").arg(self.record_key(key)).query_async(&mut conn).await.map_err(|e| self.err(&e))?;
        text.map(|t| TokenRecord::from_json(&t)).transpose()
    }

    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        redis::cmd("SET")
            .arg(self.record_key(key))
            .arg(record.to_json())
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| self.err(&e))
    }

    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        redis::cmd("DEL").arg(self.record_key(key)).query_async::<()>(&mut conn).await.map_err(|e| self.err(&e))
    }

    async fn lock(&self, key: &StoreKey, ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError> {
        let mut conn = self.conn.clone();
        let lease_key = self.lease_key(key);
        let owner = format!("{:032x}", rand::random::<u128>());
        let ttl_ms = ttl.as_millis().clamp(1, u128::from(u64::MAX)) as u64;
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            let got: Option<String> = redis::cmd("SET")
                .arg(&lease_key)
                .arg(&owner)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms)
                .query_async(&mut conn)
                .await
                .map_err(|e| self.err(&e))?;
            if got.is_some() {
                return Ok(StoreLock::new(Lease { conn, key: lease_key, owner, shown_url: self.shown_url.clone() }));
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
