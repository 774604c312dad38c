//! The device ("non-browser") flow (<https://www.zoho.com/accounts/protocol/oauth/devices/initiation-request.html>): `/oauth/v3/device/code` and
//! `/oauth/v3/device/token`.

use super::OAuthClient;
use super::boundary::{Grant, RawToken, lifetime, post_form};
use super::web::AuthorizeOptions;
use crate::error::OAuthError;
use crate::scope::{Dynamic, DynamicScopes, ScopeSet};
use crate::token::{ScopeRequirement, Token};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, SystemTime};
use url::Url;

/// Zoho's minimum time between two polls: faster polling is answered with `slow_down`.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(30);

/// How much longer to wait after each `slow_down`.
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// The longest wait between polls, however often Zoho says `slow_down` (or a poll fails).
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(120);

/// How many polls in a row [`OAuthClient::device_wait`] lets fail transiently (a dropped
/// connection, a 5xx, Zoho's "Access Denied" throttling: [`OAuthError::is_transient`]) before it
/// gives up with the last failure.
pub const MAX_POLL_FAILURES: u32 = 5;

/// A started device authorization: show [`user_code`](Self::user_code) and
/// [`verification_url`](Self::verification_url) to the user, then poll with
/// [`OAuthClient::device_wait`] (or [`OAuthClient::device_poll`]). Its `Debug` hides the device
/// code.
pub struct DeviceAuthorization<S> {
    user_code: String,
    verification_url: String,
    verification_url_complete: Option<String>,
    device_code: SecretString,
    expires_at: SystemTime,
    interval: Duration,
    accounts: Url,
    location: Option<String>,
    /// What was asked for: the granted scopes when Zoho's answer does not report them.
    requested: DynamicScopes,
    _scopes: PhantomData<fn() -> S>,
}

impl<S> fmt::Debug for DeviceAuthorization<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("set", &std::any::type_name::<S>())
            .field("user_code", &self.user_code)
            .field("verification_url", &self.verification_url)
            .field("device_code", &format_args!("[redacted]"))
            .field("expires_at", &self.expires_at)
            .field("interval", &self.interval)
            .field("accounts", &self.accounts.as_str())
            .field("location", &self.location)
            .finish()
    }
}

impl<S> DeviceAuthorization<S> {
    /// The code the user types on the verification page.
    pub fn user_code(&self) -> &str {
        &self.user_code
    }

    /// The page where the user enters the code.
    pub fn verification_url(&self) -> &str {
        &self.verification_url
    }

    /// The verification page with the code filled in, when Zoho sends one.
    pub fn verification_url_complete(&self) -> Option<&str> {
        self.verification_url_complete.as_deref()
    }

    /// When the codes stop working (5 minutes after the start).
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// The current wait between polls (at least 30 s; longer after `slow_down`).
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The accounts server being polled (changes when Zoho answers `other_dc`).
    pub fn accounts_server(&self) -> &Url {
        &self.accounts
    }

    /// The user's data centre, once Zoho named it with `other_dc`.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
}

/// The outcome of one poll.
#[derive(Debug)]
#[non_exhaustive]
pub enum DevicePoll<S> {
    /// The user has not answered yet: poll again after [`DeviceAuthorization::interval`].
    Pending,
    /// Polled too soon: the interval was lengthened; wait before polling again.
    SlowDown,
    /// The user belongs to another data centre; polling continues there (after the interval).
    SwitchedDataCentre {
        /// The user's `location` code.
        location: String,
    },
    /// Approved: the token.
    Done(Token<S>),
}

impl OAuthClient {
    /// Starts the device flow for `S::OAUTH` (`access_type` and `prompt` from `options`; its
    /// PKCE and redirect settings do not apply). Show the user code and verification URL, then
    /// poll with [`device_wait`](Self::device_wait).
    pub async fn device_start<S: ScopeSet>(
        &self,
        options: &AuthorizeOptions,
    ) -> Result<DeviceAuthorization<S>, OAuthError> {
        self.start_device(S::OAUTH.join(","), super::requested_scopes::<S>(), options).await
    }

    /// Starts the device flow for scopes known only at run time (a command-line tool's
    /// `--scopes`), as [`device_start`](Self::device_start) does for a scope set. The token it
    /// leads to is a [`Token<Dynamic>`](crate::Token): it claims no scope set, and its granted
    /// scopes (Zoho's answer, else `scopes`) are checked per call
    /// ([`Client::send_checked`](crate::Client::send_checked)) or when narrowed
    /// ([`Token::require`](crate::Token::require)).
    pub async fn device_start_dynamic(
        &self,
        scopes: &DynamicScopes,
        options: &AuthorizeOptions,
    ) -> Result<DeviceAuthorization<Dynamic>, OAuthError> {
        self.start_device(scopes.to_string(), scopes.clone(), options).await
    }

    async fn start_device<S>(
        &self,
        scope: String,
        requested: DynamicScopes,
        options: &AuthorizeOptions,
    ) -> Result<DeviceAuthorization<S>, OAuthError> {
        if scope.is_empty() {
            return Err(OAuthError::Config("the scope set is empty: Zoho needs at least one scope".to_owned()));
        }
        let mut form = vec![
            ("client_id", self.inner.client_id.as_str()),
            ("grant_type", "device_request"),
            ("scope", scope.as_str()),
            ("access_type", options.access().as_str()),
        ];
        if options.wants_consent() {
            form.push(("prompt", "consent"));
        }
        let accounts = self.inner.accounts.clone();
        let url = Self::endpoint(&accounts, "oauth/v3/device/code")?;
        let reply =
            post_form(&self.inner.http, url, &form, Grant::DeviceCode).await?.into_success(Grant::DeviceCode)?;
        let (Some(user_code), Some(device_code), Some(verification_url)) = (
            reply.str_field("user_code"),
            reply.str_field("device_code"),
            reply.str_field("verification_url").or_else(|| reply.str_field("verification_uri")),
        ) else {
            return Err(OAuthError::UnexpectedResponse { status: reply.status, snippet: reply.keys() });
        };
        let ttl = lifetime(&reply.body).unwrap_or(Duration::from_secs(300));
        let interval = reply
            .body
            .get("interval")
            .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())))
            .map(Duration::from_secs)
            .unwrap_or(MIN_POLL_INTERVAL)
            .clamp(MIN_POLL_INTERVAL, MAX_POLL_INTERVAL);
        tracing::debug!(expires_in_s = ttl.as_secs(), interval_s = interval.as_secs(), "device flow started");
        Ok(DeviceAuthorization {
            user_code: user_code.to_owned(),
            verification_url: verification_url.to_owned(),
            verification_url_complete: reply
                .str_field("verification_uri_complete")
                .or_else(|| reply.str_field("verification_url_complete"))
                .map(str::to_owned),
            device_code: SecretString::from(device_code),
            expires_at: self.inner.clock.now() + ttl,
            interval,
            location: self.location_of(&accounts),
            accounts,
            requested,
            _scopes: PhantomData,
        })
    }

    /// Polls once. Call it no more often than [`DeviceAuthorization::interval`]; `slow_down`
    /// lengthens the interval, `other_dc` switches `device` to the user's data centre.
    ///
    /// Errors: [`OAuthError::ConsentDenied`], [`OAuthError::DeviceCodeExpired`], and the usual
    /// client and transport errors.
    pub async fn device_poll<S: ScopeRequirement>(
        &self,
        device: &mut DeviceAuthorization<S>,
    ) -> Result<DevicePoll<S>, OAuthError> {
        let form = [
            ("client_id", self.inner.client_id.as_str()),
            ("client_secret", self.inner.secret.expose_secret()),
            ("grant_type", "device_token"),
            ("code", device.device_code.expose_secret()),
        ];
        let url = Self::endpoint(&device.accounts, "oauth/v3/device/token")?;
        let reply = post_form(&self.inner.http, url, &form, Grant::DeviceToken).await?;
        match reply.error_code().map(|e| e.to_ascii_lowercase()).as_deref() {
            Some("authorization_pending") => return Ok(DevicePoll::Pending),
            Some("slow_down") => {
                device.interval = (device.interval + SLOW_DOWN_STEP).min(MAX_POLL_INTERVAL);
                tracing::debug!(interval_s = device.interval.as_secs(), "device flow: slow_down");
                return Ok(DevicePoll::SlowDown);
            }
            Some("other_dc") => {
                let location = reply
                    .str_field("user_location")
                    .or_else(|| reply.str_field("location"))
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let Some(accounts) = self.accounts_for_location(&location).cloned() else {
                    return Err(OAuthError::Zoho {
                        error: "other_dc".to_owned(),
                        description: Some(format!(
                            "the user's data centre {:?} has no known accounts server; configure it with \
                             OAuthClientBuilder::location_accounts_url",
                            location.chars().take(20).collect::<String>()
                        )),
                    });
                };
                tracing::debug!(location = %location, "device flow: switching to the user's data centre");
                device.accounts = accounts;
                device.location = Some(location.clone());
                return Ok(DevicePoll::SwitchedDataCentre { location });
            }
            _ => {}
        }
        let reply = reply.into_success(Grant::DeviceToken)?;
        let raw = RawToken::from_reply(&reply)?;
        let token = self.mint_requested::<S>(raw, &device.requested, &device.accounts, device.location.clone())?;
        Ok(DevicePoll::Done(token))
    }

    /// Polls until the user answers or the codes expire, waiting
    /// [`DeviceAuthorization::interval`] (at least 30 s) before each poll with `sleep`.
    ///
    /// A poll that fails transiently ([`OAuthError::is_transient`]: the connection dropped or
    /// timed out, Accounts answered 5xx or throttled) does not end the wait: the next poll comes
    /// after a longer wait (twice the interval after one failure in a row, four times after two,
    /// at most 120 s: RFC 8628 §3.5 asks to poll less often), until [`MAX_POLL_FAILURES`] polls in a row have failed or
    /// the codes expire, which ends it with the last failure. A poll that gets an answer (even
    /// "pending") starts the count again. Any other error (consent denied, codes expired, a
    /// client Zoho does not know…) ends the wait at once.
    ///
    /// Pass `tokio::time::sleep` in programs; tests pass a closure that moves a virtual clock.
    /// Expiry is judged on this client's [`Clock`](crate::Clock) as well as by Zoho's
    /// `expired` answer, so the loop always ends.
    pub async fn device_wait<S, F, Fut>(
        &self,
        mut device: DeviceAuthorization<S>,
        mut sleep: F,
    ) -> Result<Token<S>, OAuthError>
    where
        S: ScopeRequirement,
        F: FnMut(Duration) -> Fut,
        Fut: Future<Output = ()>,
    {
        // The transient failures in a row, and the last of them.
        let mut failures = 0u32;
        let mut last_failure = None;
        loop {
            if self.inner.clock.now() >= device.expires_at + device.interval {
                return Err(last_failure.unwrap_or(OAuthError::DeviceCodeExpired));
            }
            sleep(backoff(device.interval, failures)).await;
            match self.device_poll(&mut device).await {
                Ok(DevicePoll::Done(token)) => return Ok(token),
                Ok(DevicePoll::Pending | DevicePoll::SlowDown | DevicePoll::SwitchedDataCentre { .. }) => {
                    failures = 0;
                    last_failure = None;
                }
                Err(e) if e.is_transient() && failures + 1 < MAX_POLL_FAILURES => {
                    failures += 1;
                    tracing::debug!(failures, error = %e, "device flow: a poll failed; polling again later");
                    last_failure = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// The wait before the next poll after `failures` transient failures in a row: the interval,
/// else twice the interval per failure, at most [`MAX_POLL_INTERVAL`] (never below the interval).
fn backoff(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    let factor = 1u32.checked_shl(failures.min(16)).unwrap_or(u32::MAX);
    interval.saturating_mul(factor).min(MAX_POLL_INTERVAL).max(interval)
}
