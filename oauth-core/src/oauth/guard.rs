//! The client-side authorization-code guard: Zoho allows 4 authorization codes per minute per
//! client and user (<https://help.zoho.com/portal/en/kb/projects/faqs/oauth-2-0>), then blocks
//! for 10 minutes. Refusing the 5th authorization URL here turns that block into a typed error
//! with the time to wait.
//!
//! Codes are counted per (client, user) when the application says who is signing in
//! ([`AuthorizeOptions::for_user`](super::AuthorizeOptions::for_user)), per client otherwise, in a
//! [`CodeLedger`]: the client's own memory by default, or one shared by a fleet (`RedisStore`
//! is one), so that N instances together hand out 4 codes a minute, not 4N.

use crate::error::OAuthError;
use crate::store::StoreError;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Where the authorization-code guard counts the codes it lets through.
///
/// Every [`OAuthClient`](super::OAuthClient) counts in its own memory unless it is given a shared
/// ledger with [`OAuthClientBuilder::code_ledger`](super::OAuthClientBuilder::code_ledger):
/// `RedisStore` (cargo feature `redis`) is one, so the token store a fleet already shares also
/// shares the count. Implement it to count in another shared database.
///
/// Whoever can write the ledger can make the guard refuse codes (a denial of sign-in, never a
/// leak): share it only within the fleet.
#[async_trait::async_trait]
pub trait CodeLedger: Send + Sync + 'static {
    /// Counts one code for `party` at `now`, if fewer than `max` were counted for `party` within
    /// `window` before `now` (codes stamped after `now`, from a clock that went back, count
    /// too); otherwise counts nothing and returns how long until the oldest leaves the window.
    ///
    /// `party` is an opaque, printable name of a (client, user) pair or of a client.
    async fn take_code(
        &self,
        party: &str,
        max: u32,
        window: Duration,
        now: SystemTime,
    ) -> Result<Result<(), Duration>, StoreError>;
}

/// The default ledger: this process's memory (shared by the clones of one client).
#[derive(Default)]
pub(crate) struct LocalCodes {
    issued: Mutex<HashMap<String, VecDeque<SystemTime>>>,
}

#[async_trait::async_trait]
impl CodeLedger for LocalCodes {
    async fn take_code(
        &self,
        party: &str,
        max: u32,
        window: Duration,
        now: SystemTime,
    ) -> Result<Result<(), Duration>, StoreError> {
        let in_window = |t: &SystemTime| now.duration_since(*t).is_ok_and(|age| age < window) || *t > now;
        let mut issued = self.issued.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget codes that left the window, and parties with none left (the map stays as small
        // as the number of parties seen within one window).
        issued.retain(|_, codes| {
            codes.retain(in_window);
            !codes.is_empty()
        });
        let codes = issued.entry(party.to_owned()).or_default();
        if u32::try_from(codes.len()).unwrap_or(u32::MAX) < max {
            codes.push_back(now);
            return Ok(Ok(()));
        }
        let oldest = codes.iter().min().copied().unwrap_or(now);
        Ok(Err((oldest + window).duration_since(now).unwrap_or(window)))
    }
}

/// The guard: how many codes per window, and where they are counted.
pub(crate) struct CodeGuard {
    max: u32,
    window: Duration,
    ledger: Arc<dyn CodeLedger>,
}

/// The ledger name of a client's codes (`user`: `None`) or of a (client, user) pair: each part
/// percent-escaped, so that no two pairs share a name.
pub(crate) fn party(client_id: &str, user: Option<&str>) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let client = utf8_percent_encode(client_id, NON_ALPHANUMERIC);
    match user {
        Some(user) => format!("{client}|user:{}", utf8_percent_encode(user, NON_ALPHANUMERIC)),
        None => format!("{client}|any"),
    }
}

impl CodeGuard {
    pub(crate) fn new(max: u32, window: Duration, ledger: Option<Arc<dyn CodeLedger>>) -> Self {
        CodeGuard { max, window, ledger: ledger.unwrap_or_else(|| Arc::new(LocalCodes::default())) }
    }

    /// Counts one more code for `client_id` (and `user`, when known) at `now`, or says how long
    /// to wait. A ledger that cannot answer refuses the code (Zoho's block is worse than a retry).
    pub(crate) async fn acquire(&self, client_id: &str, user: Option<&str>, now: SystemTime) -> Result<(), OAuthError> {
        let refused = |retry_after: Duration| {
            tracing::warn!(retry_after_ms = retry_after.as_millis() as u64, "authorization-code guard refused a code");
            Err(OAuthError::CodeRateLimited { retry_after })
        };
        if self.max == 0 {
            return refused(self.window);
        }
        match self.ledger.take_code(&party(client_id, user), self.max, self.window, now).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(retry_after)) => refused(retry_after),
            Err(e) => {
                tracing::warn!(error = %e, "authorization-code guard: the shared ledger failed; code refused");
                Err(OAuthError::CodeGuardUnavailable { reason: e.to_string() })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect_wait(r: Result<(), OAuthError>) -> Duration {
        match r {
            Err(OAuthError::CodeRateLimited { retry_after }) => retry_after,
            other => panic!("expected CodeRateLimited, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn four_per_minute_per_client_and_user() {
        let g = CodeGuard::new(4, Duration::from_secs(60), None);
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        for i in 0..4 {
            g.acquire("c", Some("ana"), t0 + Duration::from_secs(i * 10)).await.expect("within the limit");
        }
        assert_eq!(
            expect_wait(g.acquire("c", Some("ana"), t0 + Duration::from_secs(45)).await),
            Duration::from_secs(15)
        );
        // Another user, the anonymous bucket and another client are counted apart.
        g.acquire("c", Some("bo"), t0 + Duration::from_secs(45)).await.expect("another user");
        g.acquire("c", None, t0 + Duration::from_secs(45)).await.expect("unknown user");
        g.acquire("d", Some("ana"), t0 + Duration::from_secs(45)).await.expect("another client");
        g.acquire("c", Some("ana"), t0 + Duration::from_secs(60)).await.expect("the first code left the window");
    }

    #[tokio::test]
    async fn zero_forbids_and_names_are_injective() {
        let g = CodeGuard::new(0, Duration::from_secs(60), None);
        assert_eq!(expect_wait(g.acquire("c", None, SystemTime::UNIX_EPOCH).await), Duration::from_secs(60));
        assert_ne!(party("a|user:b", None), party("a", Some("b|any")));
        assert_ne!(party("a", Some("b")), party("a", None));
    }
}
