//! The client-side authorization-code guard (FACTS.md §1.6): Zoho allows 4 authorization codes
//! per minute per client and user, then blocks the client for 10 minutes. Refusing the 5th
//! authorization URL here turns that block into a typed error with the time to wait.

use crate::error::OAuthError;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// A sliding-window counter of handed-out authorization URLs.
pub(crate) struct CodeGuard {
    max: u32,
    window: Duration,
    issued: Mutex<VecDeque<SystemTime>>,
}

impl CodeGuard {
    pub(crate) fn new(max: u32, window: Duration) -> Self {
        CodeGuard { max, window, issued: Mutex::new(VecDeque::new()) }
    }

    /// Records one more code at `now`, or says how long to wait.
    pub(crate) fn acquire(&self, now: SystemTime) -> Result<(), OAuthError> {
        let mut issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        // Forget codes older than the window (and any "from the future" if the clock went back).
        issued.retain(|t| now.duration_since(*t).is_ok_and(|age| age < self.window) || *t > now);
        if u32::try_from(issued.len()).unwrap_or(u32::MAX) < self.max {
            issued.push_back(now);
            return Ok(());
        }
        let oldest = issued.iter().min().copied().unwrap_or(now);
        let free_at = oldest + self.window;
        let retry_after = free_at.duration_since(now).unwrap_or(self.window);
        tracing::warn!(retry_after_ms = retry_after.as_millis() as u64, "authorization-code guard refused a code");
        Err(OAuthError::CodeRateLimited { retry_after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_per_minute() {
        let g = CodeGuard::new(4, Duration::from_secs(60));
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        for i in 0..4 {
            g.acquire(t0 + Duration::from_secs(i * 10)).expect("within the limit");
        }
        match g.acquire(t0 + Duration::from_secs(45)) {
            Err(OAuthError::CodeRateLimited { retry_after }) => assert_eq!(retry_after, Duration::from_secs(15)),
            other => panic!("expected CodeRateLimited, got {other:?}"),
        }
        g.acquire(t0 + Duration::from_secs(60)).expect("the first code left the window");
    }
}
