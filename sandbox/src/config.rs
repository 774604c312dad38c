//! Data centres and configurable limits.

use std::fmt;
use std::time::Duration;

/// A Zoho data centre served by the sandbox. Each one has its own listener, accounts URL and data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dc {
    /// United States (`location=us`, accounts.zoho.com).
    Us,
    /// Europe (`location=eu`, accounts.zoho.eu).
    Eu,
    /// India (`location=in`, accounts.zoho.in).
    In,
}

impl Dc {
    /// Every data centre the sandbox serves.
    pub const ALL: [Dc; 3] = [Dc::Us, Dc::Eu, Dc::In];

    /// The `location` value Zoho uses for this DC (`us`, `eu`, `in`).
    pub fn location(self) -> &'static str {
        match self {
            Dc::Us => "us",
            Dc::Eu => "eu",
            Dc::In => "in",
        }
    }

    /// Parses a `location` value (case-insensitive).
    pub fn from_location(s: &str) -> Option<Dc> {
        match s.to_ascii_lowercase().as_str() {
            "us" | "com" => Some(Dc::Us),
            "eu" => Some(Dc::Eu),
            "in" => Some(Dc::In),
            _ => None,
        }
    }

    /// The real Zoho top-level domain of this DC (`com`, `eu`, `in`).
    pub fn tld(self) -> &'static str {
        match self {
            Dc::Us => "com",
            Dc::Eu => "eu",
            Dc::In => "in",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Dc::Us => 0,
            Dc::Eu => 1,
            Dc::In => 2,
        }
    }
}

impl fmt::Display for Dc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.location())
    }
}

/// Every documented limit, all configurable.
///
/// [`Limits::default`] is Zoho's documented behaviour with every limit on: the Zoho Projects FAQ
/// numbers plus the refresh throttle of the Accounts refresh page and the 5 refresh tokens per
/// minute of the Accounts notes (docs/zoho.md §5);
/// [`Limits::strict`] adds the Zoho CRM cap of 15 active access tokens (Kaizen #43 / CRM
/// token-validity page); [`Limits::relaxed`] turns the counting limits off for tests about
/// something else. Every window and expiry is measured on the sandbox's virtual
/// [`Clock`](crate::Clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// How long an authorization code stays valid (FAQ: 2 minutes).
    pub code_ttl: Duration,
    /// Authorization codes one client may obtain for one user within [`Limits::code_window`] (FAQ: 4).
    pub codes_per_window: u32,
    /// The window for [`Limits::codes_per_window`] (FAQ: 1 minute).
    pub code_window: Duration,
    /// How long code issuing stays blocked once the limit is passed (FAQ: 10 minutes).
    pub code_block: Duration,
    /// Live refresh tokens per user, counted across all of the user's clients (Projects FAQ:
    /// "a user can have 20 refresh tokens").
    pub refresh_tokens_per_user: u32,
    /// At most this many refresh tokens issued to one user (across all clients) in any minute,
    /// else "Access Denied" with Zoho's throttling description (default 5: the Zoho Accounts
    /// notes that Zoho's PDF Editor, Workerly and Recruit OAuth pages repeat; docs/zoho.md §5).
    /// `None` means no such throttle.
    pub refresh_tokens_per_minute: Option<u32>,
    /// What happens when one more refresh token is requested past the limit: `false` (FAQ)
    /// answers "Access Denied"; `true` (Accounts terminology page, CRM) deletes the oldest one
    /// together with its access tokens.
    pub refresh_overflow_replaces_oldest: bool,
    /// Access tokens kept per refresh token; minting one more deletes the oldest (FAQ: 30, CRM: 15).
    pub access_tokens_per_refresh_token: u32,
    /// At most this many access tokens per refresh token within
    /// [`Limits::access_token_mint_window`], else "Access Denied" (Accounts refresh page, docs/zoho.md §5,
    /// and CRM: 10 per 10 minutes; the default). `None` means no such throttle.
    pub access_token_mints_per_window: Option<u32>,
    /// The window for [`Limits::access_token_mints_per_window`] (10 minutes).
    pub access_token_mint_window: Duration,
    /// Access-token lifetime (1 hour everywhere); `expires_in` reports it in seconds.
    pub access_token_ttl: Duration,
    /// Device flow: how long a user code / device code stays valid (5 minutes).
    pub device_code_ttl: Duration,
    /// Device flow: minimum time between two polls, else `slow_down` (30 seconds).
    pub device_poll_interval: Duration,
    /// Projects API: requests per user within [`Limits::api_window`] (100).
    pub api_requests_per_window: u32,
    /// The window for [`Limits::api_requests_per_window`] (2 minutes).
    pub api_window: Duration,
    /// How long a user stays blocked (HTTP 429) after passing the API limit (30 minutes).
    pub api_block: Duration,
    /// Not a limit but a variance of Zoho's answers a client must survive: every `n`th V3 list
    /// answer carrying `page_info` (counted per data centre) sends its `page`, `per_page` and
    /// `has_next_page` as strings (`"2"`, `"true"`), as a third-party client saw them.
    /// Default 3; 0 never does it.
    pub page_info_as_strings_every: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            code_ttl: Duration::from_secs(120),
            codes_per_window: 4,
            code_window: Duration::from_secs(60),
            code_block: Duration::from_secs(600),
            refresh_tokens_per_user: 20,
            refresh_tokens_per_minute: Some(5),
            refresh_overflow_replaces_oldest: false,
            access_tokens_per_refresh_token: 30,
            access_token_mints_per_window: Some(10),
            access_token_mint_window: Duration::from_secs(600),
            access_token_ttl: Duration::from_secs(3600),
            device_code_ttl: Duration::from_secs(300),
            device_poll_interval: Duration::from_secs(30),
            api_requests_per_window: 100,
            api_window: Duration::from_secs(120),
            api_block: Duration::from_secs(1800),
            page_info_as_strings_every: 3,
        }
    }
}

impl Limits {
    /// The Zoho CRM numbers: 15 active access tokens per refresh token (instead of the Projects
    /// FAQ's 30); everything else, the refresh throttle included, as [`Limits::default`].
    pub fn strict() -> Self {
        Limits { access_tokens_per_refresh_token: 15, ..Limits::default() }
    }

    /// No API rate limit and no token throttles (for load-style tests and tests about something
    /// else; each test that uses it says why); expiries unchanged.
    pub fn relaxed() -> Self {
        Limits {
            codes_per_window: u32::MAX,
            refresh_tokens_per_user: u32::MAX,
            refresh_tokens_per_minute: None,
            access_tokens_per_refresh_token: u32::MAX,
            access_token_mints_per_window: None,
            api_requests_per_window: u32::MAX,
            ..Limits::default()
        }
    }
}
