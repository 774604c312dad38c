//! [`MemoryStore`]: tokens in this process's memory.

use super::{LockRelease, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Tokens kept in memory, for one process. Managers sharing one `MemoryStore` (clone it, or
/// wrap it in an `Arc`) refresh once between them; nothing survives a restart.
///
/// ```
/// use zoho_oauth_core::store::{MemoryStore, StoreKey, TokenStore};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new();
/// let key = StoreKey::new("https://accounts.zoho.com", "1000.CLIENT", "default");
/// assert!(store.load(&key).await?.is_none());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    records: Mutex<HashMap<StoreKey, TokenRecord>>,
    locks: Mutex<HashMap<StoreKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

struct Guard(#[allow(dead_code)] tokio::sync::OwnedMutexGuard<()>);

#[async_trait::async_trait]
impl LockRelease for Guard {
    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        Ok(())
    }
}

#[async_trait::async_trait]
impl TokenStore for MemoryStore {
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        Ok(self.inner.records.lock().unwrap_or_else(PoisonError::into_inner).get(key).cloned())
    }

    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError> {
        self.inner.records.lock().unwrap_or_else(PoisonError::into_inner).insert(key.clone(), record.clone());
        Ok(())
    }

    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        self.inner.records.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
        Ok(())
    }

    async fn lock(&self, key: &StoreKey, _ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError> {
        let mutex = {
            let mut locks = self.inner.locks.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(locks.entry(key.clone()).or_default())
        };
        match tokio::time::timeout(wait, mutex.lock_owned()).await {
            Ok(guard) => Ok(StoreLock::new(Guard(guard))),
            Err(_) => Err(StoreError::LockTimeout { key: key.to_string(), waited: wait }),
        }
    }
}
