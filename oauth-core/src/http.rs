//! The HTTP client that [`Client`](crate::Client) and [`OAuthClient`](crate::OAuthClient) send
//! with: built here (rustls, timeouts, the `User-Agent`), or handed in by the application (a
//! proxy, a private CA, its own pool), in which case the configured whole-request timeout and
//! the `User-Agent` are applied to every request, and a connect timeout, which only a client's
//! builder can set, is refused.

use reqwest::header::{HeaderValue, USER_AGENT};
use std::time::Duration;
use url::Url;

/// The `User-Agent` both clients send unless told otherwise: `zoho-projects-rs/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("zoho-projects-rs/", env!("CARGO_PKG_VERSION"));

/// What the application said about the `User-Agent` header.
#[derive(Debug, Clone, Default)]
pub(crate) enum UserAgent {
    /// [`DEFAULT_USER_AGENT`].
    #[default]
    Default,
    /// This value.
    Custom(String),
    /// No header from this crate (a given HTTP client's own, if it sets one).
    Off,
}

/// A builder's HTTP settings.
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    pub(crate) client: Option<reqwest::Client>,
    pub(crate) timeout: Duration,
    pub(crate) timeout_set: bool,
    pub(crate) connect_timeout: Duration,
    pub(crate) connect_timeout_set: bool,
    pub(crate) user_agent: UserAgent,
}

impl HttpSettings {
    pub(crate) fn new(timeout: Duration, connect_timeout: Duration) -> HttpSettings {
        HttpSettings {
            client: None,
            timeout,
            timeout_set: false,
            connect_timeout,
            connect_timeout_set: false,
            user_agent: UserAgent::Default,
        }
    }
}

/// Why the HTTP client could not be set up.
#[derive(Debug)]
pub(crate) enum HttpSetupError {
    /// reqwest could not build a client.
    Build(reqwest::Error),
    /// The settings contradict each other or a value is invalid.
    Config(&'static str, Option<crate::error::BoxError>),
}

/// The client and what is applied to each request.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    /// Set only for a client handed in: a built one has it already.
    timeout: Option<Duration>,
    /// Set only for a client handed in: a built one sends it already.
    user_agent: Option<HeaderValue>,
}

impl Http {
    /// The HTTP client of `settings`; `configure` adds what the caller's client needs when it is
    /// built here (e.g. no redirects for Zoho Accounts).
    pub(crate) fn new(
        settings: HttpSettings,
        configure: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
    ) -> Result<Http, HttpSetupError> {
        let user_agent =
            match settings.user_agent {
                UserAgent::Default => Some(HeaderValue::from_static(DEFAULT_USER_AGENT)),
                UserAgent::Custom(value) => Some(HeaderValue::from_str(&value).map_err(|e| {
                    HttpSetupError::Config("the User-Agent is not a valid header value", Some(e.into()))
                })?),
                UserAgent::Off => None,
            };
        match settings.client {
            Some(client) => {
                if settings.connect_timeout_set {
                    return Err(HttpSetupError::Config(
                        "a connect timeout cannot be applied to an HTTP client built elsewhere: set it on that \
                         reqwest::Client's builder (the whole-request timeout is applied to each request)",
                        None,
                    ));
                }
                Ok(Http { client, timeout: settings.timeout_set.then_some(settings.timeout), user_agent })
            }
            None => {
                let mut builder = configure(
                    reqwest::Client::builder().timeout(settings.timeout).connect_timeout(settings.connect_timeout),
                );
                if let Some(value) = user_agent {
                    builder = builder.user_agent(value);
                }
                Ok(Http { client: builder.build().map_err(HttpSetupError::Build)?, timeout: None, user_agent: None })
            }
        }
    }

    /// A request to `url`, with the per-request settings of a client handed in.
    pub(crate) fn request(&self, method: reqwest::Method, url: Url) -> reqwest::RequestBuilder {
        let mut request = self.client.request(method, url);
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        if let Some(value) = &self.user_agent {
            request = request.header(USER_AGENT, value.clone());
        }
        request
    }
}
