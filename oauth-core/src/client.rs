//! [`Client<S>`]: sends [`Endpoint`]s with a token that carries the scope set `S`.

use crate::endpoint::{Body, Endpoint, Method};
use crate::error::{ApiError, Error, RefusalCause, ZohoError};
use crate::http::{Http, HttpSettings, HttpSetupError, UserAgent};
use crate::limit::{RateLimiter, RetryPolicy, ZOHO_LOCKOUT};
use crate::region::Region;
use crate::response::Answer;
use crate::scope::{Dynamic, GrantedBy, GrantsAll, RequiredScopes, ScopeSet};
use crate::service::Service;
use crate::token::{AccessToken, ScopedToken, TokenSource};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use url::Url;

/// The scope-erased token source a client holds; its scope set lives in the client's type.
#[async_trait::async_trait]
trait ErasedSource: Send + Sync {
    async fn access_token(&self) -> Result<AccessToken, Error>;
    fn cached_token(&self) -> Option<AccessToken>;
    async fn invalidate(&self, rejected: &AccessToken) -> bool;
    fn accepted(&self, accepted: &AccessToken);
    fn token_location(&self) -> Option<String>;
}

#[async_trait::async_trait]
impl<T: TokenSource> ErasedSource for T {
    async fn access_token(&self) -> Result<AccessToken, Error> {
        TokenSource::access_token(self).await.map(ScopedToken::into_access_token)
    }
    fn cached_token(&self) -> Option<AccessToken> {
        TokenSource::cached_token(self).map(ScopedToken::into_access_token)
    }
    async fn invalidate(&self, rejected: &AccessToken) -> bool {
        TokenSource::invalidate(self, rejected).await
    }
    fn accepted(&self, accepted: &AccessToken) {
        TokenSource::accepted(self, accepted)
    }
    fn token_location(&self) -> Option<String> {
        TokenSource::token_location(self)
    }
}

struct Inner {
    http: Http,
    source: Arc<dyn ErasedSource>,
    retry: RetryPolicy,
    limiter: Option<RateLimiter>,
    /// The data centre the builder named: it wins over the token's.
    region: Option<Region>,
    /// The data centre calls go to and Zoho Projects' base URL in it (the hot path): the
    /// builder's region, else the token's, fixed once the source has handed out a token.
    resolved: OnceLock<(Region, Url)>,
    /// Base URLs set on the builder: a service's in every data centre (`None`) or in one.
    /// Shared by every client built from one template (a [`Tenants`](crate::tenants::Tenants)
    /// registry builds thousands).
    bases: Arc<[(Service, Option<Region>, Url)]>,
    /// Counts the calls the rate limit held back or Zoho refused with 429 (a registry's
    /// counter), if anyone counts them.
    throttled: Option<Arc<AtomicU64>>,
    /// The most bytes of an answer read whole.
    max_response_bytes: u64,
}

impl Inner {
    /// `service`'s base URL in `region`: an override for every data centre, else one for
    /// `region`, else Zoho's host for `region` (<https://www.zoho.com/accounts/protocol/oauth/multi-dc.html>).
    fn base(&self, service: Service, region: Region) -> Url {
        let everywhere = self.bases.iter().find(|(s, r, _)| *s == service && r.is_none());
        let here = || self.bases.iter().find(|(s, r, _)| *s == service && *r == Some(region));
        match everywhere.or_else(here) {
            Some((_, _, url)) => url.clone(),
            None => service.base_url(region),
        }
    }

    /// Fixes the data centre to `region` (the first caller wins) and returns what was fixed.
    fn resolve(&self, region: Region) -> &(Region, Url) {
        self.resolved.get_or_init(|| (region, self.base(Service::PROJECTS, region)))
    }

    /// The data centre the source's current token names, if it names one this crate knows.
    fn token_region(&self) -> Option<Region> {
        self.source.token_location().as_deref().and_then(|l| Region::from_location(l.trim()))
    }
}

/// `err` (a refusal of the token) as [`Error::TokenRefused`] with `cause`.
fn refused(err: Error, cause: RefusalCause) -> Error {
    match err {
        Error::Api(api) => Error::TokenRefused { status: api.status, cause, api: Box::new(api) },
        other => other,
    }
}

/// A `Retry-After` value (RFC 9110 §10.2.3): seconds, or an HTTP date (a date in the past is no
/// wait).
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    match value.parse::<u64>() {
        Ok(secs) => Some(Duration::from_secs(secs)),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            Some(at.duration_since(std::time::SystemTime::now()).unwrap_or_default())
        }
    }
}

/// The future of [`Client::send`].
pub type Sending<'a, T> = std::pin::Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// A Zoho API client whose token carries the scope set `S`.
///
/// [`send`](Client::send) compiles only for endpoints whose scope `S` grants. The scope set is a
/// zero-sized marker: every `Client<_>` has the same size and the check costs nothing at run time.
pub struct Client<S> {
    inner: Arc<Inner>,
    _scopes: PhantomData<fn() -> S>,
}

impl<S> Clone for Client<S> {
    fn clone(&self) -> Self {
        Client { inner: Arc::clone(&self.inner), _scopes: PhantomData }
    }
}

impl<S> std::fmt::Debug for Client<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("scopes", &std::any::type_name::<S>())
            .field("data_centre", &self.inner.resolved.get().map(|(r, _)| r.location()))
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    bases: Vec<(Service, Option<Region>, Url)>,
    region: Option<Region>,
    http: HttpSettings,
    retry: RetryPolicy,
    limiter: Limit,
    max_response_bytes: u64,
}

/// Which rate limiter a built client uses.
#[derive(Debug, Clone)]
enum Limit {
    /// The process-wide limiter of the token source's user, or one of its own.
    PerUser,
    /// This one.
    Given(RateLimiter),
    /// None.
    Off,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            bases: Vec::new(),
            region: None,
            http: HttpSettings::new(Duration::from_secs(30), Duration::from_secs(10)),
            retry: RetryPolicy::default(),
            limiter: Limit::PerUser,
            max_response_bytes: crate::response::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl ClientBuilder {
    /// The data centre whose hosts to call, whatever the token's. By default the client follows
    /// its token: the data centre the source's token names ([`TokenSource::token_location`],
    /// read once, at the first call), else US. With a base URL override it still names the
    /// data centre the base belongs to, so that a token of another one is reported as such
    /// ([`RefusalCause::DataCentre`]).
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Overrides Zoho Projects' base URL in every data centre (e.g. a `zoho-sandbox`'s
    /// `api_url`): [`service_base`](ClientBuilder::service_base) for [`Service::PROJECTS`].
    pub fn api_base(self, base: Url) -> Self {
        self.service_base(Service::PROJECTS, base)
    }

    /// Overrides `service`'s base URL in every data centre: it wins over the token's data
    /// centre and over [`region_base`](ClientBuilder::region_base). The last call for a
    /// service wins.
    pub fn service_base(mut self, service: Service, base: Url) -> Self {
        self.bases.retain(|(s, r, _)| !(*s == service && r.is_none()));
        self.bases.push((service, None, base));
        self
    }

    /// Overrides `service`'s base URL in `region`'s data centre only (e.g. a sandbox's EU
    /// listener for [`Region::Eu`]): a client whose token belongs to `region` calls it, one of
    /// another data centre does not. The last call for a service and region wins.
    pub fn region_base(mut self, region: Region, service: Service, base: Url) -> Self {
        self.bases.retain(|(s, r, _)| !(*s == service && *r == Some(region)));
        self.bases.push((service, Some(region), base));
        self
    }

    /// Uses this HTTP client (a proxy, a private CA; share one per process: it holds the
    /// connection pool). A [`timeout`](ClientBuilder::timeout) set on this builder is applied to
    /// each request, and so is the `User-Agent` (see [`user_agent`](ClientBuilder::user_agent));
    /// a [`connect_timeout`](ClientBuilder::connect_timeout) cannot be, and `build` refuses it
    /// with [`Error::Config`]: set it on the client's own builder.
    ///
    /// Its redirect policy is kept: the client this builder makes follows none (a redirect is
    /// [`Error::Redirected`]), but one built with reqwest's default follows up to 10, sending a
    /// `PUT`'s or `POST`'s body again on a 307 or 308 and, on the same origin, the
    /// `Authorization` header with the token. Build it with
    /// `.redirect(reqwest::redirect::Policy::none())` unless you mean to follow them.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http.client = Some(http);
        self
    }

    /// The whole-request timeout (default 30 s; with a [client of your
    /// own](ClientBuilder::http_client), that client's unless set here).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self.http.timeout_set = true;
        self
    }

    /// The connect timeout (default 10 s). Not with a [client of your
    /// own](ClientBuilder::http_client): set it on that client's builder.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = timeout;
        self.http.connect_timeout_set = true;
        self
    }

    /// The `User-Agent` header of every request (default
    /// [`DEFAULT_USER_AGENT`](crate::DEFAULT_USER_AGENT), `zoho-projects-rs/<version>`, also
    /// with a [client of your own](ClientBuilder::http_client)).
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.http.user_agent = UserAgent::Custom(value.into());
        self
    }

    /// Sends no `User-Agent` of this crate's: a [client of your own](ClientBuilder::http_client)
    /// sends its own, if it has one.
    pub fn no_user_agent(mut self) -> Self {
        self.http.user_agent = UserAgent::Off;
        self
    }

    /// The most bytes of an answer read whole (JSON, or `Bytes`; default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`](crate::response::DEFAULT_MAX_RESPONSE_BYTES), 16 MiB): a
    /// longer answer is [`Error::ResponseTooLarge`], refused on its `Content-Length` or as soon as
    /// the bytes read pass the limit, and not read further, so a broken or hostile server (or
    /// proxy) cannot make the program hold more. A [`Download`](crate::Download) is not limited:
    /// it holds one chunk at a time.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// How failed calls are retried (default: 3 retries, exponential backoff with jitter).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The client-side rate limiter. By default a client uses the process-wide limiter of its
    /// token source's user ([`RateLimiter::for_user`] with [`TokenSource::rate_key`]), so that
    /// every client of one user in the process stays under Zoho Projects' 100 calls per 2
    /// minutes together and honours Zoho's lockout after a 429 together; a source that names no
    /// user (a fixed [`Token`](crate::Token)) gets a limiter of its own, shared by the client's
    /// clones. Pass a limiter to choose, e.g. a [`RateLimiter::shared`] one for a fleet.
    pub fn rate_limit(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Limit::Given(limiter);
        self
    }

    /// Turns the client-side rate limiter off (for servers without Zoho's limit, such as a
    /// sandbox configured without one).
    pub fn no_rate_limit(mut self) -> Self {
        self.limiter = Limit::Off;
        self
    }

    /// Builds a client whose tokens come from `source`; its scope set is the source's. Every
    /// token the source hands out is a [`ScopedToken`], checked against that set.
    pub fn build<T: TokenSource>(self, source: T) -> Result<Client<T::Scopes>, Error> {
        let template = self.template()?;
        let limiter = match &template.limit {
            Limit::PerUser => {
                Some(source.rate_key().map_or_else(RateLimiter::zoho_projects, |key| RateLimiter::for_user(&key)))
            }
            Limit::Given(limiter) => Some(limiter.clone()),
            Limit::Off => None,
        };
        Ok(template.client(source, limiter, None))
    }

    /// What every client built from this builder shares: the HTTP client (made now unless one
    /// was given), the retry policy and the base URLs.
    pub(crate) fn template(self) -> Result<ClientTemplate, Error> {
        // Every call sends the access token to its base: never in clear across the network.
        for (service, region, base) in &self.bases {
            let what = || match region {
                Some(region) => format!("the ClientBuilder's base URL of {} in {}", service.name(), region.location()),
                None => format!("the ClientBuilder's base URL of {}", service.name()),
            };
            crate::error::InsecureUrl::check_lazily(base, what, "the access token")?;
        }
        // Zoho's APIs never redirect a call: a redirect would carry the body (and, on the same
        // origin, the token) where the endpoint never said; it becomes `Error::Redirected`.
        let http = Http::new(self.http, |builder| builder.redirect(reqwest::redirect::Policy::none())).map_err(
            |e| match e {
                HttpSetupError::Build(e) => Error::Transport(e),
                HttpSetupError::Config(message, source) => Error::Config { message: message.to_owned(), source },
            },
        )?;
        Ok(ClientTemplate {
            http,
            retry: self.retry,
            region: self.region,
            bases: self.bases.into(),
            limit: self.limiter,
            max_response_bytes: self.max_response_bytes,
        })
    }

    /// Whether the builder turned the rate limiter off.
    pub(crate) fn limiter_off(&self) -> bool {
        matches!(self.limiter, Limit::Off)
    }
}

/// The shared parts of many clients (one HTTP connection pool, one retry policy, one list of
/// base URLs): each client built from it costs its own small state only.
#[derive(Clone)]
pub(crate) struct ClientTemplate {
    http: Http,
    retry: RetryPolicy,
    region: Option<Region>,
    bases: Arc<[(Service, Option<Region>, Url)]>,
    limit: Limit,
    max_response_bytes: u64,
}

impl ClientTemplate {
    /// A client of `source`, paced by `limiter`, counting its throttled calls in `throttled`.
    pub(crate) fn client<T: TokenSource>(
        &self,
        source: T,
        limiter: Option<RateLimiter>,
        throttled: Option<Arc<AtomicU64>>,
    ) -> Client<T::Scopes> {
        let inner = Inner {
            http: self.http.clone(),
            source: Arc::new(source),
            retry: self.retry.clone(),
            limiter,
            region: self.region,
            resolved: OnceLock::new(),
            bases: Arc::clone(&self.bases),
            throttled,
            max_response_bytes: self.max_response_bytes,
        };
        // Fixed now when known now: the builder's region, or a token that names its own.
        if let Some(region) = inner.region.or_else(|| inner.token_region()) {
            inner.resolve(region);
        }
        Client { inner: Arc::new(inner), _scopes: PhantomData }
    }
}

impl Client<()> {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl<S> Client<S> {
    /// Sends `endpoint`. Compiles only if the scope set `S` grants the endpoint's scope.
    ///
    /// The bound is written with the scope first ([`GrantedBy`]), so that a missing scope is
    /// named in the compiler's error even in a function generic over `S`, where the fix is the
    /// bound `S: HasScope<the::Scope>`. The future is `Send`, so calls can be spawned.
    // One line on purpose: the compiler quotes this line when the scope is missing, and a
    // one-line signature keeps that error short.
    #[rustfmt::skip]
    pub fn send<'a, E: Endpoint + Send + Sync + 'a>(&'a self, endpoint: E) -> Sending<'a, E::Response> where E::Scope: GrantedBy<S> {
        let span = tracing::debug_span!("zoho.send", endpoint = E::PATH, method = E::METHOD.as_str(), scope = ?<E::Scope as RequiredScopes>::OAUTH);
        Box::pin(tracing::Instrument::instrument(async move { self.execute(&endpoint).await }, span))
    }

    /// A client for a smaller scope set, sharing this one's token and connections. Compiles only
    /// if `S` grants every scope of `Sub`: hand a component only what it needs.
    pub fn narrow<Sub>(&self) -> Client<Sub>
    where
        Sub: ScopeSet,
        S: GrantsAll<Sub::Scopes>,
    {
        Client { inner: Arc::clone(&self.inner), _scopes: PhantomData }
    }

    /// Zoho Projects' base URL (that of [`Service::PROJECTS`]) in the client's data centre.
    pub fn base_url(&self) -> Url {
        self.base_for(Service::PROJECTS)
    }

    /// `service`'s base URL in the client's data centre: the builder's override, or the host
    /// of the data centre the client calls ([`ClientBuilder::region`], else its token's, else
    /// US before the first call has learnt the token's).
    pub fn base_for(&self, service: Service) -> Url {
        let region = self.region_now();
        self.inner.base(service, region)
    }

    /// The data centre the client calls: fixed at build or at the first call; before that,
    /// what the source says now, else US.
    pub fn data_centre(&self) -> Region {
        self.region_now()
    }

    fn region_now(&self) -> Region {
        match self.inner.resolved.get() {
            Some((region, _)) => *region,
            None => self.inner.token_region().unwrap_or(Region::Us),
        }
    }

    /// The data centre calls go to and Projects' base in it: known after the first call; at
    /// the first, the source's token is taken (a refresh or a store read, which the call needs
    /// anyway) so that its data centre is known before anything is sent.
    async fn resolve_at_first_call(&self) -> Result<&(Region, Url), Error> {
        let region = match self.inner.token_region() {
            Some(region) => region,
            None => {
                self.token().await?;
                self.inner.token_region().unwrap_or(Region::Us)
            }
        };
        Ok(self.inner.resolve(region))
    }

    /// The token's data centre, if the source knows it and it is not the client's.
    fn data_centre_mismatch(&self) -> Option<RefusalCause> {
        let token = self.inner.source.token_location()?;
        let client = self.region_now().location();
        (!token.trim().eq_ignore_ascii_case(client))
            .then(|| RefusalCause::DataCentre { client: client.to_owned(), token: token.trim().to_ascii_lowercase() })
    }

    /// The source's token: at hand, or awaited (a boxed future, so only when not at hand).
    async fn token(&self) -> Result<AccessToken, Error> {
        match self.inner.source.cached_token() {
            Some(token) => Ok(token),
            None => self.inner.source.access_token().await,
        }
    }

    fn count_throttled(&self) {
        if let Some(counter) = &self.inner.throttled {
            counter.fetch_add(1, Ordering::Relaxed);
            crate::tenants::count("zoho_tenants_throttled_total", 1);
        }
    }

    /// Whether anything but this handle holds the client: a clone handed out, or a call under
    /// way (a registry does not forget such a client).
    pub(crate) fn is_shared(&self) -> bool {
        Arc::strong_count(&self.inner) > 1
    }

    /// The rate limiter this client paces its calls with, if any (by default its user's
    /// process-wide one).
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.inner.limiter.as_ref()
    }

    /// The URL `endpoint` is sent to: the API base, the endpoint's path and its query.
    ///
    /// Errors: [`Error::Path`] when a path value is empty, `.` or `..` (or an encoded form, which
    /// the URL standard treats the same), or the final URL's path is not exactly the rendered
    /// one: such a call would reach another resource than its template names.
    pub fn url_for<E: Endpoint + ?Sized>(&self, endpoint: &E) -> Result<Url, Error> {
        let path = endpoint.path();
        crate::endpoint::check_path(endpoint.__template(), &path)?;
        Self::url_at(self.base_for(E::SERVICE), endpoint, &path)
    }

    /// `endpoint`'s URL under `base`, its path rendered (and checked) as `path`.
    fn url_at<E: Endpoint + ?Sized>(mut url: Url, endpoint: &E, path: &str) -> Result<Url, Error> {
        // Two pushes, not `format!`: this runs on every call (BENCHMARKS.md §2).
        let base_path = url.path().trim_end_matches('/');
        let mut full = String::with_capacity(base_path.len() + path.len());
        full.push_str(base_path);
        full.push_str(path);
        url.set_path(&full);
        if url.path() != full {
            // The URL parser rewrote the path (normalised a segment, read `\` as `/`…).
            return Err(Error::Path(crate::endpoint::PathError::rewritten(endpoint.__template())));
        }
        let query = endpoint.query();
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    async fn execute<E: Endpoint>(&self, endpoint: &E) -> Result<E::Response, Error> {
        // Checked before anything else: a refused path costs no token, no slot, no request.
        let path = endpoint.path();
        crate::endpoint::check_path(endpoint.__template(), &path)?;
        let headers = crate::endpoint::header_map(endpoint.headers())?;
        let url = self.url(endpoint, &path).await?;
        self.execute_with(endpoint, url, &headers).await
    }

    /// `endpoint`'s URL in the client's data centre (learnt from the token at the first call),
    /// its path already rendered and checked as `path`.
    async fn url<E: Endpoint>(&self, endpoint: &E, path: &str) -> Result<Url, Error> {
        let (region, projects) = match self.inner.resolved.get() {
            Some(resolved) => resolved,
            // Boxed: the first call only; keeps every call's future small (BENCHMARKS.md §2).
            None => Box::pin(self.resolve_at_first_call()).await?,
        };
        let base =
            if E::SERVICE == Service::PROJECTS { projects.clone() } else { self.inner.base(E::SERVICE, *region) };
        Self::url_at(base, endpoint, path)
    }

    async fn execute_with<E: Endpoint>(
        &self,
        endpoint: &E,
        url: Url,
        headers: &reqwest::header::HeaderMap,
    ) -> Result<E::Response, Error> {
        // Encoded once, before any slot or token: a body that does not encode costs nothing.
        let body = Prepared::of(endpoint.body()?)?;
        let policy = &self.inner.retry;
        let mut refreshed = false;
        let mut retries = 0;
        loop {
            // The slot first, then the token: a wait for a slot (up to minutes) must not outlive
            // the token it would be sent with.
            let permit = match &self.inner.limiter {
                Some(limiter) => match Box::pin(limiter.acquire()).await {
                    Ok(permit) => Some(permit),
                    Err(e) => {
                        self.count_throttled();
                        return Err(e);
                    }
                },
                None => None,
            };
            let token = match self.token().await {
                Ok(token) => token,
                Err(e) => {
                    if let Some(permit) = permit {
                        Box::pin(permit.unused()).await;
                    }
                    return Err(e);
                }
            };
            // Boxed on its own: the attempt's future (~750 bytes) would make the one `send` boxes
            // larger than glibc's per-thread cache serves (1,032 bytes), and every call would
            // take malloc's slow path (BENCHMARKS.md, per-call overhead).
            let result = Box::pin(self.attempt::<E>(&body, &url, headers, &token)).await;
            if let Some(permit) = permit {
                Box::pin(permit.release()).await; // the slot's window starts when the answer arrived
            }
            let err = match result {
                Ok(v) => {
                    self.inner.source.accepted(&token);
                    return Ok(v);
                }
                Err(e) => e,
            };
            if let Error::Api(api) = &err
                && api.is_invalid_token()
                && !refreshed
            {
                // Compare-and-invalidate: only the rejected token is dropped; retry once.
                refreshed = true;
                if self.inner.source.invalidate(&token).await && body.replayable() {
                    continue; // the next token is taken after the next slot
                }
                // The source will not fetch another (a fixed token, or one that was itself the
                // answer to a refusal): say why, when the data centres tell.
                return Err(match self.data_centre_mismatch() {
                    Some(cause) => refused(err, cause),
                    None => err,
                });
            }
            if let Error::Api(api) = &err
                && api.is_invalid_token()
            {
                // Refused again with a new token: another one would not help either.
                return Err(refused(err, self.data_centre_mismatch().unwrap_or(RefusalCause::Unknown)));
            }
            let lockout = match &err {
                // Zoho locks the user out after the limit: 30 minutes unless it says otherwise.
                // Every call of the user waits for it (a typed error says until when).
                Error::Api(api) if api.status == 429 => {
                    self.count_throttled();
                    let lockout = api.retry_after.unwrap_or(ZOHO_LOCKOUT);
                    if let Some(limiter) = &self.inner.limiter {
                        Box::pin(limiter.lock_out(lockout)).await;
                    }
                    Some(lockout)
                }
                _ => None,
            };
            // A multipart body is never repeated after an ambiguous failure (an upload Zoho may
            // have stored), and one holding a stream part cannot be repeated at all.
            let idempotent = E::IDEMPOTENT && !body.is_multipart();
            if retries >= policy.max_retries || !body.replayable() || !retryable(&err, idempotent) {
                return Err(err);
            }
            retries += 1;
            let delay = match lockout {
                // Do not sit on a call for as long as a lockout usually lasts.
                Some(wait) if wait > policy.max_delay => return Err(err),
                // The limiter waits for the lockout's end on its own clock.
                Some(_) if self.inner.limiter.is_some() => Duration::ZERO,
                Some(wait) => wait,
                None => policy.backoff(retries),
            };
            tracing::debug!(endpoint = E::PATH, retry = retries, delay_ms = delay.as_millis() as u64, error = %err, "retrying");
            if !delay.is_zero() {
                policy.sleeper.sleep(delay).await;
            }
        }
    }

    async fn attempt<E: Endpoint>(
        &self,
        body: &Prepared,
        url: &Url,
        headers: &reqwest::header::HeaderMap,
        token: &AccessToken,
    ) -> Result<E::Response, Error> {
        let started = Instant::now();
        let method = match E::METHOD {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut req = self
            .inner
            .http
            .request(method, url.clone())
            .header(reqwest::header::AUTHORIZATION, format!("Zoho-oauthtoken {}", token.expose_secret()));
        if !headers.is_empty() {
            req = req.headers(headers.clone());
        }
        req = match body {
            Prepared::None => req,
            Prepared::Bytes(bytes, content_type) => {
                req.header(reqwest::header::CONTENT_TYPE, *content_type).body(bytes.clone())
            }
            // reqwest writes the content type with its boundary.
            Prepared::Multipart(form) => req.multipart(form.to_form().await?),
        };
        let resp = req.send().await.map_err(Error::Transport)?;
        let status = resp.status().as_u16();
        tracing::debug!(
            endpoint = E::PATH,
            method = E::METHOD.as_str(),
            scope = ?<E::Scope as RequiredScopes>::OAUTH,
            status,
            latency_ms = started.elapsed().as_millis() as u64,
            "zoho call"
        );
        // The statuses reqwest would follow; another 3xx (a 304 to a conditional request) is an
        // error answer like any other.
        if matches!(status, 301 | 302 | 303 | 307 | 308) {
            return Err(redirected(status, url, &resp));
        }
        if !(200..300).contains(&status) {
            let retry_after =
                resp.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_after);
            // Read only to describe the error: a longer body is cut, the rest not read.
            let bytes = crate::response::read_prefix(resp, crate::response::MAX_ERROR_BODY_BYTES)
                .await
                .map_err(Error::Transport)?;
            return Err(Error::Api(ApiError { status, zoho: ZohoError::parse(&bytes), retry_after }));
        }
        E::decode(Answer::new(resp, E::PATH, self.inner.max_response_bytes)).await
    }
}

/// A 3xx answer to a call to `url` as [`Error::Redirected`]: the status and the origin its
/// `Location` points to (scheme, host and port only: a path or query could hold anything).
fn redirected(status: u16, url: &Url, resp: &reqwest::Response) -> Error {
    let target = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| url.join(location).ok())
        .map(|to| crate::error::redact_snippet(&to.origin().ascii_serialization(), 200));
    Error::Redirected { status, target }
}

/// A call's body, prepared once for every attempt: encoded bytes (shared, not copied, per
/// attempt) or a multipart description (encoded per attempt, files re-read).
enum Prepared {
    None,
    Bytes(bytes::Bytes, &'static str),
    Multipart(crate::multipart::Multipart),
}

impl Prepared {
    fn of(body: Option<Body>) -> Result<Prepared, crate::endpoint::BodyError> {
        Ok(match body {
            None => Prepared::None,
            Some(Body::Json(v)) => Prepared::Bytes(v.into(), "application/json"),
            Some(Body::Form(f)) => Prepared::Bytes(f.into(), "application/x-www-form-urlencoded"),
            Some(Body::Multipart(m)) => {
                m.check()?;
                Prepared::Multipart(m)
            }
        })
    }

    fn is_multipart(&self) -> bool {
        matches!(self, Prepared::Multipart(_))
    }

    /// Whether another attempt can send the same body.
    fn replayable(&self) -> bool {
        match self {
            Prepared::Multipart(m) => m.is_replayable(),
            _ => true,
        }
    }
}

/// Decodes `body`; on failure, where in the JSON it failed (`.` for the top) and serde's error.
/// The path is only tracked when decoding fails, by decoding again: a good answer costs nothing.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, (String, serde_json::Error)> {
    serde_json::from_slice(body).map_err(|plain| {
        let mut de = serde_json::Deserializer::from_slice(body);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(e) => (e.path().to_string(), e.into_inner()),
            // Decoded this time: the error was after the value (trailing characters).
            Ok(_) => (".".to_owned(), plain),
        }
    })
}

/// Whether a failed attempt may be repeated. A request that never left (the connection could not
/// be made) or that Zoho refused (429) may always be repeated; after an ambiguous failure (a
/// timeout, a reset, a cut-off body, a 5xx, an answer that does not decode) only an idempotent
/// call ([`Endpoint::IDEMPOTENT`]: `GET`, `PUT`, `DELETE`, or an endpoint that says so), never a
/// `POST` or `PATCH` that may have been processed.
fn retryable(err: &Error, idempotent: bool) -> bool {
    match err {
        // A body cut off mid-way surfaces from `bytes()` as a decode error wrapping the body error.
        Error::Transport(e) => {
            e.is_connect() || (idempotent && (e.is_timeout() || e.is_request() || e.is_body() || e.is_decode()))
        }
        Error::Api(api) => api.status == 429 || (idempotent && api.status >= 500),
        Error::Decode { .. } => idempotent,
        _ => false,
    }
}

impl Client<Dynamic> {
    /// Sends `endpoint` with a token whose scopes are only known at run time: the scope is
    /// checked against the token's granted scopes first, and a missing one is a typed error.
    pub async fn send_checked<E: Endpoint>(&self, endpoint: E) -> Result<E::Response, Error> {
        let path = endpoint.path();
        crate::endpoint::check_path(endpoint.__template(), &path)?;
        let headers = crate::endpoint::header_map(endpoint.headers())?;
        let url = self.url(&endpoint, &path).await?;
        let token = self.token().await?;
        for scope in <E::Scope as RequiredScopes>::OAUTH {
            token.scopes().require(scope)?;
        }
        self.execute_with(&endpoint, url, &headers).await
    }
}

#[cfg(test)]
mod tests {
    use super::retry_after;
    use std::time::{Duration, SystemTime};

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(" 120 "), Some(Duration::from_secs(120)));
        let in_two_minutes = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let wait = retry_after(&in_two_minutes).expect("an HTTP date");
        assert!(wait <= Duration::from_secs(120) && wait > Duration::from_secs(60), "{wait:?}");
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO), "in the past: no wait");
        assert_eq!(retry_after("soon"), None);
        assert_eq!(retry_after("-3"), None);
    }
}
