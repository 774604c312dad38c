//! Token stores: where a [`TokenManager`](crate::manager::TokenManager) keeps its tokens and how
//! it shares one refresh with other tasks, processes and machines.
//!
//! A [`TokenStore`] holds one [`TokenRecord`] per [`StoreKey`] (accounts server, client id,
//! user) and hands out a refresh [`StoreLock`] for a key, so that of all the managers sharing a
//! store only one asks Zoho for a new access token; the others re-read the record it saved.
//!
//! - [`MemoryStore`]: one process (managers sharing it refresh once between them);
//! - [`FileStore`]: the embedded default, one machine (atomic writes, mode 0600, a
//!   cross-process lock on a sidecar `.lock` file);
//! - `RedisStore` (cargo feature `redis`): a fleet of machines (a shared record and a refresh
//!   lease with an owner token).
//!
//! The trait is public: plug a database in by implementing it.

mod file;
mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use file::FileStore;
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{RedisRateWindow, RedisStore, RedisStoreBuilder};

use crate::scope::DynamicScopes;
use crate::token::{AccessToken, RefreshToken, TokenParts};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Which token a record holds: Zoho tokens belong to one accounts server (data centre), one
/// client and one user.
///
/// The accounts server of the key need not be the user's data centre's: [`SignIn`](crate::SignIn)
/// keys a user's token by the server where sign-ins *start* (the OAuth client's, known before
/// anyone signs in), and the record keeps the data centre's accounts server and `location`, so
/// that a later run finds the token without knowing the data centre. The record's accounts
/// server is used only if the OAuth client trusts it (see [`TokenRecord::accounts_server`]).
///
/// The accounts server is normalised (scheme and host lower-cased, no trailing `/`), so
/// `https://accounts.zoho.eu/` and `https://accounts.zoho.eu` are the same key.
///
/// ```
/// use zoho_oauth_core::store::StoreKey;
/// let a = StoreKey::new("https://accounts.zoho.eu/", "1000.CLIENT", "ana@example.com");
/// let b = StoreKey::new("https://Accounts.Zoho.eu", "1000.CLIENT", "ana@example.com");
/// assert_eq!(a, b);
/// assert_eq!(a.accounts_server(), "https://accounts.zoho.eu");
/// ```
///
/// Its `Display` and `Debug` name the user by [`user_tag`](StoreKey::user_tag), a short stable
/// hash, never by the user string itself (often an e-mail address): keys end up in logs and
/// error messages.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreKey {
    accounts_server: String,
    client_id: String,
    user: String,
}

impl StoreKey {
    /// A key; `user` is whatever names the user for you (e-mail, ZUID, `"default"`…).
    pub fn new(accounts_server: impl AsRef<str>, client_id: impl Into<String>, user: impl Into<String>) -> Self {
        StoreKey {
            accounts_server: normalise_server(accounts_server.as_ref()),
            client_id: client_id.into(),
            user: user.into(),
        }
    }

    /// The accounts server, normalised.
    pub fn accounts_server(&self) -> &str {
        &self.accounts_server
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The user.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// How logs and errors name the user: `#` and the first 8 hex digits of the SHA-256 of the
    /// user string. Stable across processes and machines (so a log line can be matched to a user
    /// by whoever knows the user), but it does not show the address itself. It is not
    /// anonymous: anyone who can guess the address can compute its tag.
    ///
    /// ```
    /// use zoho_oauth_core::store::StoreKey;
    /// let key = StoreKey::new("https://accounts.zoho.eu", "1000.CLIENT", "ana@example.com");
    /// assert_eq!(key.user_tag().len(), 9);
    /// assert!(!key.to_string().contains("ana@"));
    /// assert!(key.to_string().contains(&key.user_tag()));
    /// ```
    pub fn user_tag(&self) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.user.as_bytes());
        let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!("#{hex}")
    }

    /// A printable, injective encoding of the key (each part percent-escaped, joined by `|`):
    /// the entry name in a [`FileStore`] and the suffix of a Redis key.
    pub fn id(&self) -> String {
        use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
        const SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_').remove(b'@');
        [&self.accounts_server, &self.client_id, &self.user]
            .iter()
            .map(|p| utf8_percent_encode(p, SET).to_string())
            .collect::<Vec<_>>()
            .join("|")
    }
}

fn normalise_server(s: &str) -> String {
    let s = s.trim().trim_end_matches('/');
    match s.find("://") {
        Some(i) => {
            let (scheme, rest) = s.split_at(i + 3);
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            format!("{}{}{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase(), path)
        }
        None => s.to_ascii_lowercase(),
    }
}

impl fmt::Display for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / client {} / user {}", self.accounts_server, self.client_id, self.user_tag())
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreKey")
            .field("accounts_server", &self.accounts_server)
            .field("client_id", &self.client_id)
            .field("user", &format_args!("{}", self.user_tag()))
            .finish()
    }
}

/// What a store keeps for one key: the access token with its absolute expiry and granted scopes,
/// the refresh token, `api_domain`, the accounts server and the data centre.
///
/// Its `Debug` output never shows a secret.
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenRecord {
    /// The access token (its [`expires_at`](AccessToken::expires_at) is absolute).
    pub access_token: AccessToken,
    /// The refresh token, if the token was obtained with offline access.
    pub refresh_token: Option<RefreshToken>,
    /// Zoho's `api_domain`.
    pub api_domain: Option<String>,
    /// The accounts server that minted the token and refreshes it (normalised, no trailing `/`).
    /// Whoever can write the store can write it too: an [`OAuthClient`](crate::OAuthClient)
    /// refreshes and revokes only at servers it was configured with (or Zoho's own), and
    /// [`SignIn`](crate::SignIn) refuses a record that names another before using it.
    pub accounts_server: String,
    /// The user's data centre (`us`, `eu`, …) when known.
    pub location: Option<String>,
    /// When the record was written.
    pub updated_at: SystemTime,
}

impl fmt::Debug for TokenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRecord")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("api_domain", &self.api_domain)
            .field("accounts_server", &self.accounts_server)
            .field("location", &self.location)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

impl TokenRecord {
    /// A record of `parts`, written at `now`. The accounts server is the one in `parts`, else
    /// the key's.
    pub fn from_parts(key: &StoreKey, parts: &TokenParts, now: SystemTime) -> Self {
        TokenRecord {
            access_token: parts.access_token.clone(),
            refresh_token: parts.refresh_token.clone(),
            api_domain: parts.api_domain.clone(),
            accounts_server: parts
                .accounts_server
                .as_ref()
                .map(|u| normalise_server(u.as_str()))
                .unwrap_or_else(|| key.accounts_server.clone()),
            location: parts.location.clone(),
            updated_at: now,
        }
    }

    /// The parts, e.g. to refresh them or to build a [`Token`](crate::Token).
    pub fn to_parts(&self) -> TokenParts {
        TokenParts {
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone(),
            api_domain: self.api_domain.clone(),
            accounts_server: url::Url::parse(&self.accounts_server).ok(),
            location: self.location.clone(),
        }
    }

    /// When the access token expires.
    pub fn expires_at(&self) -> SystemTime {
        self.access_token.expires_at()
    }

    /// Encodes the record in the versioned on-disk/Redis format (JSON, `"format": 1`).
    pub fn to_json(&self) -> String {
        let w = Wire {
            format: FORMAT,
            kind: Some(KIND.to_owned()),
            access_token: self.access_token.expose_secret().to_owned(),
            expires_at_ms: ms(self.access_token.expires_at()),
            scopes: self.access_token.scopes().iter().map(ToString::to_string).collect(),
            refresh_token: self.refresh_token.as_ref().map(|r| r.expose_secret().to_owned()),
            api_domain: self.api_domain.clone(),
            accounts_server: self.accounts_server.clone(),
            location: self.location.clone(),
            updated_at_ms: ms(self.updated_at),
        };
        // A struct of strings, numbers and vectors always serialises.
        serde_json::to_string(&w).unwrap_or_default()
    }

    /// Decodes [`to_json`](Self::to_json)'s format. A foreign document, a newer format or a
    /// damaged one is a typed [`StoreError`], never a panic.
    pub fn from_json(text: &str) -> Result<Self, StoreError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
            what: format!("not JSON (line {}, column {})", e.line(), e.column()),
        })?;
        check_header(&value, KIND)?;
        Self::from_value(value)
    }

    pub(crate) fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(&self.to_json()).unwrap_or(serde_json::Value::Null)
    }

    pub(crate) fn from_value(value: serde_json::Value) -> Result<Self, StoreError> {
        // serde's and the scope parser's messages quote the offending value, which may be a
        // token: the error says only what kind of damage it is.
        let w: Wire = serde_json::from_value(value)
            .map_err(|_| StoreError::Corrupt { what: "a record with missing or mistyped fields".into() })?;
        let scopes = DynamicScopes::parse(&w.scopes)
            .map_err(|_| StoreError::Corrupt { what: "a record with a malformed scope".into() })?;
        Ok(TokenRecord {
            access_token: AccessToken::new(w.access_token, from_ms(w.expires_at_ms), scopes),
            refresh_token: w.refresh_token.map(RefreshToken::new),
            api_domain: w.api_domain,
            accounts_server: w.accounts_server,
            location: w.location,
            updated_at: from_ms(w.updated_at_ms),
        })
    }
}

pub(crate) const FORMAT: u32 = 1;
const KIND: &str = "zoho-oauth-core/token";

/// Checks a document's `kind` and `format`: a newer format and a foreign document are errors.
pub(crate) fn check_header(value: &serde_json::Value, kind: &str) -> Result<(), StoreError> {
    let format = value.get("format").and_then(serde_json::Value::as_u64);
    let found = value.get("kind").and_then(serde_json::Value::as_str);
    match (found, format) {
        (Some(k), Some(f)) if k == kind && f > u64::from(FORMAT) => {
            Err(StoreError::NewerFormat { found: f, supported: FORMAT })
        }
        (Some(k), Some(_)) if k == kind => Ok(()),
        (Some(k), None) if k == kind => Err(StoreError::Corrupt { what: "no format number".into() }),
        // The kind found is not quoted: it is the store's text, and could be anything.
        (Some(_), _) => Err(StoreError::Foreign { what: format!("a document of another kind, expected {kind:?}") }),
        _ => Err(StoreError::Foreign { what: format!("a document without kind {kind:?}") }),
    }
}

#[derive(Serialize, Deserialize)]
struct Wire {
    format: u32,
    kind: Option<String>,
    access_token: String,
    expires_at_ms: u64,
    scopes: Vec<String>,
    refresh_token: Option<String>,
    api_domain: Option<String>,
    accounts_server: String,
    location: Option<String>,
    updated_at_ms: u64,
}

pub(crate) fn ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

pub(crate) fn from_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// What can go wrong in a store. None of the messages contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing failed.
    #[error("token store I/O error on {path}")]
    Io {
        /// The file or resource.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The stored data is damaged (not JSON, or missing fields). It is left as it is.
    #[error(
        "the token store holds a damaged record ({what}); it was left untouched: fix or delete it and log in again"
    )]
    Corrupt {
        /// What is wrong.
        what: String,
    },
    /// The stored data was not written by this crate. It is left as it is.
    #[error("the token store holds data this crate did not write ({what}); it was left untouched")]
    Foreign {
        /// What was found.
        what: String,
    },
    /// The stored data was written by a newer version of this crate. It is left as it is.
    #[error("the token store uses format {found}, newer than this crate's {supported}; upgrade zoho-oauth-core")]
    NewerFormat {
        /// The format found.
        found: u64,
        /// The newest format this crate reads.
        supported: u32,
    },
    /// Another holder kept the refresh lock longer than the wait allowed.
    #[error("timed out after {waited:?} waiting for the refresh lock of {key}")]
    LockTimeout {
        /// The key.
        key: String,
        /// How long this caller waited.
        waited: Duration,
    },
    /// No platform data directory is known and no path was given.
    #[error("no data directory found for the token file; give FileStore a path")]
    NoDataDir,
    /// The token file, its folder or a lock file could be controlled by someone else (a symbolic
    /// link, a file owned by another user, a folder group or others may write): it was not used.
    #[error("refusing to use {path}: it {reason}")]
    Unsafe {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The backend (e.g. Redis, or a database behind a store of your own) failed; the cause is
    /// the [`source`](std::error::Error::source), shown redacted ([`BackendCause`]). Build it
    /// with [`StoreError::backend`].
    #[error("token store backend error")]
    Backend(#[source] BackendCause),
    /// The backend (e.g. Redis) cannot be reached right now (refused, reset, or no answer within
    /// the store's timeout). Nothing was read or written by this call; the store reconnects by
    /// itself, so a later call may succeed.
    #[error("token store unavailable: {0}")]
    Unavailable(String),
    /// The refresh lease lapsed before this holder wrote (it was paused or slow for longer than
    /// the lease's time to live) and another holder may have written since: nothing was written.
    #[error("the refresh lease of {key} lapsed before the write; nothing was written (raise the lease time to live)")]
    LeaseLost {
        /// The key.
        key: String,
    },
}

impl StoreError {
    /// A backend failure caused by `cause`: an error of your store's client library, or a
    /// message (`&str` and `String` convert too).
    pub fn backend(cause: impl Into<crate::error::BoxError>) -> StoreError {
        StoreError::Backend(BackendCause::new(cause.into()))
    }
}

/// The cause of a [`StoreError::Backend`]: the store's own error (a Redis error, a database
/// driver's), shown with anything token-like and the user and password of any URL redacted,
/// because such errors quote what they failed on (a database echoing the refresh token of a
/// violated unique key, a connection URL). The causes of that error are part of this message,
/// redacted the same way, and cut to 500 characters. The error itself stays reachable, unredacted,
/// with [`get_ref`](BackendCause::get_ref) and [`into_inner`](BackendCause::into_inner).
pub struct BackendCause {
    message: String,
    inner: crate::error::BoxError,
}

impl BackendCause {
    fn new(inner: crate::error::BoxError) -> BackendCause {
        let mut text = inner.to_string();
        let mut next = inner.source();
        while let Some(cause) = next {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            next = cause.source();
        }
        BackendCause { message: crate::error::redact_secrets(&text, 500), inner }
    }

    /// The store's own error, unredacted: its message may quote a secret.
    pub fn get_ref(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.inner
    }

    /// The store's own error, unredacted: its message may quote a secret.
    pub fn into_inner(self) -> crate::error::BoxError {
        self.inner
    }
}

impl std::fmt::Display for BackendCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Debug for BackendCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("BackendCause").field(&self.message).finish()
    }
}

impl std::error::Error for BackendCause {}

/// A held refresh lock (or lease). Release it with [`StoreLock::release`]. Dropping it
/// releases it too, on every path (an error, a cancelled future, a panic): a lock that is
/// released by I/O (a Redis lease) is then released by a task spawned on the current Tokio
/// runtime; only without a runtime is it left to lapse when its time to live ends.
pub struct StoreLock {
    inner: Option<Box<dyn LockRelease>>,
}

impl fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreLock").field("held", &self.inner.is_some()).finish()
    }
}

/// How a [`TokenStore`] implementation releases its lock; see [`StoreLock::new`].
#[async_trait::async_trait]
pub trait LockRelease: Send + Sync {
    /// Releases the lock (only if this holder still owns it).
    async fn release(self: Box<Self>) -> Result<(), StoreError>;

    /// What identifies this holder to the store, for writes fenced by the lease
    /// ([`TokenStore::save_locked`]); `None` (the default) for locks that cannot lapse.
    fn fencing_token(&self) -> Option<&str> {
        None
    }

    /// Extends a lease that lapses by itself to `ttl` from now, if this holder still holds it;
    /// answers whether it does. The default, for locks that cannot lapse, is `Ok(true)`.
    async fn renew(&self, ttl: Duration) -> Result<bool, StoreError> {
        let _ = ttl;
        Ok(true)
    }
}

impl StoreLock {
    /// Wraps a store's lock guard.
    pub fn new(guard: impl LockRelease + 'static) -> Self {
        StoreLock { inner: Some(Box::new(guard)) }
    }

    /// What identifies this holder to its store (see [`LockRelease::fencing_token`]).
    pub fn fencing_token(&self) -> Option<&str> {
        self.inner.as_deref().and_then(LockRelease::fencing_token)
    }

    /// Extends the lock's time to live to `ttl` from now (the token manager does so while its
    /// refresh runs); answers whether this holder still holds it (see [`LockRelease::renew`]).
    pub async fn renew(&self, ttl: Duration) -> Result<bool, StoreError> {
        match self.inner.as_deref() {
            Some(g) => g.renew(ttl).await,
            None => Ok(false),
        }
    }

    /// Releases the lock now.
    pub async fn release(mut self) -> Result<(), StoreError> {
        match self.inner.take() {
            Some(g) => g.release().await,
            None => Ok(()),
        }
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let Some(guard) = self.inner.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = guard.release().await {
                        tracing::warn!(error = %e, "could not release a dropped refresh lock; it will lapse");
                    }
                });
            }
            // No runtime to release it on: a lock held in memory goes with `guard`, a lease lapses.
            Err(_) => drop(guard),
        }
    }
}

/// Where tokens live, shared by every [`TokenManager`](crate::manager::TokenManager) that uses
/// it. All methods take `&self`; implementations are shared behind an `Arc`.
///
/// A manager that finds its token due calls [`lock`](TokenStore::lock), then
/// [`load`](TokenStore::load)s again (another holder may have refreshed meanwhile), refreshes
/// only if the record is still due, [`save_locked`](TokenStore::save_locked)s, and releases the
/// lock.
#[async_trait::async_trait]
pub trait TokenStore: Send + Sync + 'static {
    /// The record for `key`, if any.
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError>;

    /// Writes the record for `key`, replacing any.
    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError>;

    /// Writes the record for `key` while holding `lock`, taken from this store for `key`. A store
    /// whose lease can lapse while its holder still runs writes only if `lock` is still held, else
    /// answers [`StoreError::LeaseLost`]: a holder paused past its lease never overwrites what the
    /// next holder wrote. The default, for locks that cannot lapse, is [`TokenStore::save`].
    async fn save_locked(&self, key: &StoreKey, record: &TokenRecord, lock: &StoreLock) -> Result<(), StoreError> {
        let _ = lock;
        self.save(key, record).await
    }

    /// Removes the record for `key`, if any.
    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError>;

    /// Takes the refresh lock for `key`, waiting at most `wait`
    /// ([`StoreError::LockTimeout`] after that). `ttl` bounds how long a lease may outlive a holder
    /// that died (stores whose lock dies with its holder, like a file lock, ignore it).
    async fn lock(&self, key: &StoreKey, ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError>;
}

#[async_trait::async_trait]
impl<T: TokenStore + ?Sized> TokenStore for std::sync::Arc<T> {
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        (**self).load(key).await
    }
    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError> {
        (**self).save(key, record).await
    }
    async fn save_locked(&self, key: &StoreKey, record: &TokenRecord, lock: &StoreLock) -> Result<(), StoreError> {
        (**self).save_locked(key, record, lock).await
    }
    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        (**self).remove(key).await
    }
    async fn lock(&self, key: &StoreKey, ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError> {
        (**self).lock(key, ttl, wait).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_reject_strangers() {
        let key = StoreKey::new("https://accounts.zoho.com/", "1000.C", "u");
        let scopes = DynamicScopes::parse_list("ZohoProjects.portals.READ").expect("valid");
        let at = AccessToken::new("1000.aaa.bbb", from_ms(1_700_000_000_000), scopes);
        let mut parts = TokenParts::new(at);
        parts.refresh_token = Some(RefreshToken::new("1000.rrr.sss"));
        let rec = TokenRecord::from_parts(&key, &parts, from_ms(1_600_000_000_000));
        let json = rec.to_json();
        let back = TokenRecord::from_json(&json).expect("round trip");
        assert_eq!(back.access_token.expose_secret(), "1000.aaa.bbb");
        assert_eq!(back.expires_at(), from_ms(1_700_000_000_000));
        assert_eq!(back.accounts_server, "https://accounts.zoho.com");
        assert!(back.access_token.scopes().grants("ZohoProjects.portals.READ"));
        assert!(!format!("{back:?}").contains("rrr"));
        assert!(matches!(TokenRecord::from_json("{"), Err(StoreError::Corrupt { .. })));
        assert!(matches!(TokenRecord::from_json(r#"{"a":1}"#), Err(StoreError::Foreign { .. })));
        assert!(matches!(TokenRecord::from_json("[1,2]"), Err(StoreError::Foreign { .. })));
        let newer = json.replace("\"format\":1", "\"format\":9");
        assert!(matches!(TokenRecord::from_json(&newer), Err(StoreError::NewerFormat { found: 9, .. })));
        let damaged = json.replace("\"expires_at_ms\"", "\"x\"");
        assert!(matches!(TokenRecord::from_json(&damaged), Err(StoreError::Corrupt { .. })));
    }

    #[test]
    fn key_ids_are_injective() {
        // Every key of three parts drawn from pieces that could fool a join or an escape: two
        // keys with the same id are the same key, and an id always has exactly two separators.
        let pieces =
            ["", "a", "|", "a|", "|a", "a|b", "%", "%7C", "%7c", "a%7Cb", "%25", ".", "@", "ü", "%C3%BC", "A", "a/"];
        let mut seen: std::collections::HashMap<String, StoreKey> = std::collections::HashMap::new();
        let mut keys = 0;
        for server in pieces {
            for client in pieces {
                for user in pieces {
                    let key = StoreKey::new(server, client, user);
                    let id = key.id();
                    assert_eq!(id.matches('|').count(), 2, "{id}");
                    if let Some(earlier) = seen.insert(id.clone(), key.clone()) {
                        assert_eq!(earlier, key, "two keys share the id {id}");
                    }
                    keys += 1;
                }
            }
        }
        assert_eq!(keys, pieces.len().pow(3));
        // And distinct keys have distinct ids: as many ids as keys (server names are normalised,
        // so "A", "a/" and "a" are one server).
        let servers: std::collections::HashSet<String> =
            pieces.iter().map(|p| StoreKey::new(p, "", "").accounts_server().to_owned()).collect();
        assert!(servers.len() < pieces.len());
        assert_eq!(seen.len(), servers.len() * pieces.len() * pieces.len());
    }
}
