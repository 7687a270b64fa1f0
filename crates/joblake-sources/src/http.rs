//! The HTTP client every source shares, polite by default.
//!
//! - one rate limiter per host (`governor`), conservative by default (1 request/s), slowed
//!   further by a robots.txt `Crawl-delay`;
//! - a bound on requests in flight across all hosts (a semaphore);
//! - timeouts, and retries with exponential backoff and jitter (`backon`) on network errors,
//!   timeouts, 408, 429 and 5xx, honouring `Retry-After`; other 4xx are never retried;
//! - robots.txt (`texting_robots`) fetched once per host and obeyed for scraped sites, by the
//!   rules of RFC 9309: a robots.txt answered with 4xx allows everything, one that cannot be
//!   fetched (5xx, no answer) disallows the site for the run, and says why
//!   ([`HttpError::RobotsUnavailable`], not "disallowed");
//! - a bound on every response body ([`HttpSettings::max_body_bytes`]), checked against
//!   `Content-Length` first and enforced while the body streams in, so an endless or huge
//!   answer never fills the memory;
//! - an identifying User-Agent, with optional rotation for boards that need it.
//!
//! Secrets travel in query strings (Adzuna's `app_key`, The Muse's `api_key`) or forms: every
//! URL that reaches an error message or a log goes through [`redact`] first. Headers (Reed's
//! Basic authentication, findwork's `Token`, France Travail's bearer) never reach a message.
//! A secret in a URL's path (Jooble's key) cannot be found by [`redact`]: such a source gives
//! [`Http::send`] the URL with `***` in the secret's place, for messages, rate limits and
//! bronze, and builds its request with the real one.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use bytes::{Bytes, BytesMut};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{HeaderMap, RETRY_AFTER, USER_AGENT};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Semaphore};
use url::Url;

/// The User-Agent sent unless the configuration says otherwise: it names the tool and where
/// to learn about it, as polite crawlers do.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "joblake/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/joblake/joblake; job-market research crawler)"
);

/// The product token matched against robots.txt `User-agent` lines.
pub const ROBOTS_AGENT: &str = "joblake";

/// Default of [`HttpSettings::max_body_bytes`]: 32 MiB, far above any page of a job API
/// (a few MB at most) or a job board.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;

/// How much of a robots.txt is read: RFC 9309 (2.5) asks crawlers to parse at least 500 KiB
/// and allows them to ignore the rest.
pub const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// How much of an error response's body is read (its start goes into the error message).
const ERROR_BODY_BYTES: u64 = 64 * 1024;

/// Politeness and robustness settings (`[http]` in `joblake.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// User-Agent of every request.
    pub user_agent: String,
    /// User-Agents to rotate through, for sources configured with `rotate_user_agent`.
    pub user_agents: Vec<String>,
    /// Requests per second to any one host (a source may lower or raise it for its host).
    pub requests_per_second: f64,
    /// Requests in flight at once, across all hosts.
    pub max_concurrency: usize,
    /// Whole-request timeout, in seconds.
    pub timeout_secs: f64,
    /// Connection timeout, in seconds.
    pub connect_timeout_secs: f64,
    /// Retries after the first attempt, for errors worth retrying.
    pub max_retries: usize,
    /// First backoff delay, in milliseconds (doubled at each retry, with jitter).
    pub backoff_initial_ms: u64,
    /// Longest backoff delay, in seconds.
    pub backoff_max_secs: f64,
    /// A `Retry-After` longer than this (seconds) fails the request instead of waiting.
    pub max_retry_after_secs: f64,
    /// Obey robots.txt for scraped sites. Turning it off is the user's responsibility.
    pub respect_robots: bool,
    /// Largest response body accepted, in bytes: a larger one fails the request
    /// ([`HttpError::TooLarge`]) as soon as its `Content-Length`, or the bytes received, say so.
    pub max_body_bytes: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            user_agent: DEFAULT_USER_AGENT.to_string(),
            user_agents: Vec::new(),
            requests_per_second: 1.0,
            max_concurrency: 4,
            timeout_secs: 30.0,
            connect_timeout_secs: 10.0,
            max_retries: 4,
            backoff_initial_ms: 500,
            backoff_max_secs: 30.0,
            max_retry_after_secs: 300.0,
            respect_robots: true,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Why a request failed, after retries. URLs in it are redacted.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    /// The server answered with an error status.
    #[error("{url}: HTTP {status}{detail}")]
    Status {
        /// The request's URL.
        url: String,
        /// Status code.
        status: u16,
        /// The start of the body, or a `Retry-After` that was too long, prefixed by ": ".
        detail: String,
        /// Seconds asked by `Retry-After`, when the server sent one.
        retry_after: Option<f64>,
    },
    /// The request timed out.
    #[error("{url}: timed out after {seconds} s")]
    Timeout {
        /// The request's URL.
        url: String,
        /// The timeout that expired.
        seconds: f64,
    },
    /// No answer: connection refused or reset, DNS failure, body cut short...
    #[error("{url}: {message}")]
    Network {
        /// The request's URL.
        url: String,
        /// What the client reported.
        message: String,
    },
    /// robots.txt forbids the URL to our User-Agent.
    #[error("{url}: disallowed by robots.txt")]
    RobotsDisallowed {
        /// The URL not fetched.
        url: String,
    },
    /// The site's robots.txt could not be fetched (a 5xx, no answer, a timeout): RFC 9309
    /// says to assume complete disallow, so the URL was not fetched; the run does not know
    /// whether the site allows it.
    #[error(
        "{url}: not fetched: robots.txt of {host} could not be fetched ({cause}), and a site \
         whose robots.txt is unavailable is treated as disallowed (RFC 9309)"
    )]
    RobotsUnavailable {
        /// The URL not fetched.
        url: String,
        /// The host (and port) whose robots.txt failed.
        host: String,
        /// What happened to the robots.txt request, e.g. "HTTP 503" or "connection refused".
        cause: String,
    },
    /// The response body is larger than [`HttpSettings::max_body_bytes`].
    #[error(
        "{url}: response body larger than the limit of {limit} bytes ([http] max_body_bytes){}",
        content_length.map_or_else(String::new, |n| format!(": Content-Length is {n} bytes"))
    )]
    TooLarge {
        /// The request's URL.
        url: String,
        /// The limit, in bytes.
        limit: u64,
        /// The size the server announced, when it did.
        content_length: Option<u64>,
    },
    /// The request could not be built (bad URL...).
    #[error("{url}: {message}")]
    Request {
        /// The URL at fault.
        url: String,
        /// Why.
        message: String,
    },
}

impl HttpError {
    /// Network errors, timeouts, 408, 429 and 5xx may succeed on a later attempt.
    pub fn is_retryable(&self) -> bool {
        match self {
            HttpError::Timeout { .. } | HttpError::Network { .. } => true,
            HttpError::Status { status, .. } => *status == 408 || *status == 429 || *status >= 500,
            HttpError::RobotsDisallowed { .. }
            | HttpError::RobotsUnavailable { .. }
            | HttpError::TooLarge { .. }
            | HttpError::Request { .. } => false,
        }
    }

    /// What went wrong, without the URL (which the message of every variant starts with).
    pub fn cause(&self) -> String {
        match self {
            HttpError::Status { status, detail, .. } => format!("HTTP {status}{detail}"),
            HttpError::Timeout { seconds, .. } => format!("timed out after {seconds} s"),
            HttpError::Network { message, .. } | HttpError::Request { message, .. } => {
                message.clone()
            }
            HttpError::RobotsDisallowed { .. } => "disallowed by robots.txt".to_string(),
            HttpError::RobotsUnavailable { host, cause, .. } => {
                format!("robots.txt of {host} could not be fetched ({cause})")
            }
            HttpError::TooLarge { limit, .. } => {
                format!("response body larger than the limit of {limit} bytes")
            }
        }
    }

    /// The status code, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A response whose body was read in full.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Final URL (after redirects).
    pub url: Url,
    /// Status code (2xx or 304).
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl Fetched {
    /// A header as text, when present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How one request should behave.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestPolicy {
    /// Check robots.txt first (scraped sites).
    pub robots: bool,
    /// Pick the User-Agent from the rotation list.
    pub rotate_user_agent: bool,
}

/// Counters of what the client did, for reports and benchmarks.
#[derive(Debug, Default)]
pub struct HttpStats {
    /// Attempts sent (retries included).
    pub requests: AtomicU64,
    /// Attempts that were retries.
    pub retries: AtomicU64,
    /// Body bytes received.
    pub bytes: AtomicU64,
}

/// robots.txt of one origin, as understood.
enum Robots {
    /// Parsed rules.
    Rules(Box<texting_robots::Robot>),
    /// No usable file (4xx): everything is allowed.
    AllowAll,
    /// The server could not say (5xx, no answer): RFC 9309 says assume complete disallow.
    /// Holds what happened to the request.
    Unavailable(String),
}

/// How much of a response body to read.
#[derive(Debug, Clone, Copy)]
enum BodyLimit {
    /// At most this many bytes; more fails the request ([`HttpError::TooLarge`]).
    Refuse(u64),
    /// The first this many bytes; the rest is ignored.
    Truncate(u64),
}

/// The shared client.
pub struct Http {
    client: Client,
    settings: HttpSettings,
    in_flight: Semaphore,
    limiters: Mutex<HashMap<String, Arc<DefaultDirectRateLimiter>>>,
    host_rates: std::sync::Mutex<HashMap<String, f64>>,
    robots: Mutex<HashMap<String, Arc<Robots>>>,
    rotation: AtomicUsize,
    /// Credentials replaced by `***` in what a response brings into a message ([`Http::hide`]).
    hidden: std::sync::RwLock<Vec<String>>,
}

impl Http {
    /// A client with `settings`.
    pub fn new(settings: HttpSettings) -> Result<Http, HttpError> {
        let client = Client::builder()
            .timeout(secs(settings.timeout_secs))
            .connect_timeout(secs(settings.connect_timeout_secs))
            .build()
            .map_err(|e| HttpError::Request {
                url: String::new(),
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Http {
            client,
            in_flight: Semaphore::new(settings.max_concurrency.max(1)),
            settings,
            limiters: Mutex::new(HashMap::new()),
            host_rates: std::sync::Mutex::new(HashMap::new()),
            robots: Mutex::new(HashMap::new()),
            rotation: AtomicUsize::new(0),
            hidden: std::sync::RwLock::new(Vec::new()),
        })
    }

    /// Hides these credentials from the bodies of error responses quoted in messages: a server
    /// may echo the request (its URL, its key, its headers). Values shorter than 4 characters
    /// are not secrets worth garbling messages for.
    pub fn hide(&self, values: impl IntoIterator<Item = String>) {
        let Ok(mut hidden) = self.hidden.write() else {
            return;
        };
        for value in values.into_iter().filter(|v| v.len() >= 4) {
            let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
            for v in [value, encoded] {
                if !hidden.contains(&v) {
                    hidden.push(v);
                }
            }
        }
        // The longest first, so that a value inside another one never leaves a piece of it.
        hidden.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// `text` with the hidden credentials replaced by `***`.
    fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        if let Ok(hidden) = self.hidden.read() {
            for value in hidden.iter() {
                if text.contains(value.as_str()) {
                    text = text.replace(value.as_str(), "***");
                }
            }
        }
        text
    }

    /// The settings in force.
    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// Sets the request rate for one host (a source's own `requests_per_second`). Takes effect
    /// for requests not yet rate-limited.
    pub fn set_host_rate(&self, host: &str, requests_per_second: f64) {
        if let Ok(mut rates) = self.host_rates.lock() {
            rates.insert(host.to_string(), requests_per_second);
        }
    }

    /// GET `url`, with retries.
    pub async fn get(
        &self,
        url: &Url,
        policy: RequestPolicy,
        stats: &HttpStats,
    ) -> Result<Fetched, HttpError> {
        self.send(url, policy, stats, |client| client.get(url.clone()))
            .await
    }

    /// Sends the request built by `build` (called again for every attempt), with robots.txt
    /// checked when the policy asks, the host's rate limit, the global bound on requests in
    /// flight, and retries. A 304 is returned as a response; other non-2xx are errors.
    pub async fn send<F>(
        &self,
        url: &Url,
        policy: RequestPolicy,
        stats: &HttpStats,
        build: F,
    ) -> Result<Fetched, HttpError>
    where
        F: Fn(&Client) -> RequestBuilder,
    {
        if policy.robots && self.settings.respect_robots {
            self.check_robots(url, stats).await?;
        }
        let limit = BodyLimit::Refuse(self.settings.max_body_bytes);
        self.with_retries(url, policy, stats, &build, limit).await
    }

    async fn with_retries<F>(
        &self,
        url: &Url,
        policy: RequestPolicy,
        stats: &HttpStats,
        build: &F,
        limit: BodyLimit,
    ) -> Result<Fetched, HttpError>
    where
        F: Fn(&Client) -> RequestBuilder,
    {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(self.settings.backoff_initial_ms))
            .with_max_delay(secs(self.settings.backoff_max_secs))
            .with_max_times(self.settings.max_retries)
            .with_jitter();
        let max_wait = self.settings.max_retry_after_secs;
        let attempt = || async {
            let result = self.attempt(url, policy, stats, build, limit).await;
            stats.requests.fetch_add(1, Ordering::Relaxed);
            result
        };
        attempt
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(HttpError::is_retryable)
            // The server's Retry-After wins over our backoff; one too long ends the retries.
            .adjust(move |e: &HttpError, delay| match e {
                HttpError::Status {
                    retry_after: Some(wait),
                    ..
                } if *wait > max_wait => None,
                HttpError::Status {
                    retry_after: Some(wait),
                    ..
                } => Some(Duration::from_secs_f64(*wait)),
                _ => delay,
            })
            .notify(|e, delay| {
                stats.retries.fetch_add(1, Ordering::Relaxed);
                tracing::info!("retrying in {:.1} s: {e}", delay.as_secs_f64());
            })
            .await
    }

    /// One attempt: wait for the host's turn and a free slot, send, read the body (within
    /// `limit`).
    async fn attempt<F>(
        &self,
        url: &Url,
        policy: RequestPolicy,
        stats: &HttpStats,
        build: &F,
        limit: BodyLimit,
    ) -> Result<Fetched, HttpError>
    where
        F: Fn(&Client) -> RequestBuilder,
    {
        self.limiter(url).await.until_ready().await;
        let _slot = self
            .in_flight
            .acquire()
            .await
            .map_err(|e| HttpError::Request {
                url: redact(url),
                message: e.to_string(),
            })?;
        let agent = self.user_agent(policy);
        let response = build(&self.client)
            .header(USER_AGENT, agent)
            .send()
            .await
            .map_err(|e| self.classify(url, e))?;
        let status = response.status();
        let final_url = response.url().clone();
        let headers = response.headers().clone();
        let success = status.is_success() || status == StatusCode::NOT_MODIFIED;
        // An error's body only gives the start of its message.
        let limit = if success {
            limit
        } else {
            BodyLimit::Truncate(ERROR_BODY_BYTES)
        };
        let body = self.read_body(url, response, limit, stats).await?;
        if success {
            return Ok(Fetched {
                url: final_url,
                status,
                headers,
                body,
            });
        }
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let snippet: String = self
            .scrub(&String::from_utf8_lossy(&body))
            .chars()
            .take(200)
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let detail = match retry_after {
            Some(wait) if wait > self.settings.max_retry_after_secs => format!(
                ": Retry-After {wait:.0} s is longer than max_retry_after_secs ({:.0} s)",
                self.settings.max_retry_after_secs
            ),
            _ if snippet.is_empty() => String::new(),
            _ => format!(": {snippet}"),
        };
        Err(HttpError::Status {
            url: redact(url),
            status: status.as_u16(),
            detail,
            retry_after,
        })
    }

    /// Reads a response's body chunk by chunk, never holding more than the limit: a body
    /// announced larger (`Content-Length`) is refused before any of it is read, one that turns
    /// out larger is refused (or cut, for [`BodyLimit::Truncate`]) as soon as it passes it.
    async fn read_body(
        &self,
        url: &Url,
        mut response: reqwest::Response,
        limit: BodyLimit,
        stats: &HttpStats,
    ) -> Result<Bytes, HttpError> {
        let (max, refuse) = match limit {
            BodyLimit::Refuse(max) => (max, true),
            BodyLimit::Truncate(max) => (max, false),
        };
        let too_large = |content_length| HttpError::TooLarge {
            url: redact(url),
            limit: max,
            content_length,
        };
        let announced = response.content_length();
        if refuse && let Some(n) = announced.filter(|n| *n > max) {
            return Err(too_large(Some(n)));
        }
        // Reserve what was announced (within the limit), never more than 1 MiB up front.
        let reserve = announced.unwrap_or(0).min(max).min(1 << 20);
        let mut body = BytesMut::with_capacity(usize::try_from(reserve).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(url, e))? {
            stats.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            let room = usize::try_from(max.saturating_sub(body.len() as u64)).unwrap_or(usize::MAX);
            if chunk.len() > room {
                if refuse {
                    return Err(too_large(announced));
                }
                body.extend_from_slice(&chunk[..room]);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    fn classify(&self, url: &Url, e: reqwest::Error) -> HttpError {
        if e.is_timeout() {
            HttpError::Timeout {
                url: redact(url),
                seconds: self.settings.timeout_secs,
            }
        } else if e.is_builder() {
            // reqwest's message ends with the URL and its query (`for url (…)`): leave it out.
            let e = e.without_url();
            let mut message = e.to_string();
            let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(&e);
            while let Some(c) = cause {
                message.push_str(": ");
                message.push_str(&c.to_string());
                cause = c.source();
            }
            HttpError::Request {
                url: redact(url),
                message,
            }
        } else {
            // reqwest's message embeds the URL with its query: keep only the causes.
            let mut message = String::new();
            let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(&e);
            while let Some(c) = cause {
                if !message.is_empty() {
                    message.push_str(": ");
                }
                message.push_str(&c.to_string());
                cause = c.source();
            }
            if message.is_empty() {
                message = "request failed".to_string();
            }
            HttpError::Network {
                url: redact(url),
                message,
            }
        }
    }

    fn user_agent(&self, policy: RequestPolicy) -> String {
        let agents = &self.settings.user_agents;
        if policy.rotate_user_agent && !agents.is_empty() {
            let i = self.rotation.fetch_add(1, Ordering::Relaxed) % agents.len();
            agents[i].clone()
        } else {
            self.settings.user_agent.clone()
        }
    }

    /// The rate limiter of the URL's host, created on first use.
    async fn limiter(&self, url: &Url) -> Arc<DefaultDirectRateLimiter> {
        let host = host_key(url);
        let mut limiters = self.limiters.lock().await;
        if let Some(l) = limiters.get(&host) {
            return l.clone();
        }
        let rate = self
            .host_rates
            .lock()
            .ok()
            .and_then(|r| r.get(&host).copied())
            .unwrap_or(self.settings.requests_per_second);
        let limiter = Arc::new(RateLimiter::direct(quota(rate)));
        limiters.insert(host, limiter.clone());
        limiter
    }

    /// Whether robots.txt of the URL's origin allows it, fetching the file on first use: Ok
    /// when it does; [`HttpError::RobotsDisallowed`] when its rules forbid the URL;
    /// [`HttpError::RobotsUnavailable`] when the file could not be fetched.
    async fn check_robots(&self, url: &Url, stats: &HttpStats) -> Result<(), HttpError> {
        let origin = url.origin().ascii_serialization();
        let robots = {
            let cached = self.robots.lock().await.get(&origin).cloned();
            match cached {
                Some(r) => r,
                None => {
                    let r = Arc::new(self.fetch_robots(url, stats).await?);
                    self.robots.lock().await.insert(origin, r.clone());
                    r
                }
            }
        };
        match robots.as_ref() {
            Robots::Rules(robot) if !robot.allowed(url.as_str()) => {
                Err(HttpError::RobotsDisallowed { url: redact(url) })
            }
            Robots::Rules(_) | Robots::AllowAll => Ok(()),
            Robots::Unavailable(cause) => Err(HttpError::RobotsUnavailable {
                url: redact(url),
                host: host_key(url),
                cause: cause.clone(),
            }),
        }
    }

    async fn fetch_robots(&self, url: &Url, stats: &HttpStats) -> Result<Robots, HttpError> {
        let robots_url = url.join("/robots.txt").map_err(|e| HttpError::Request {
            url: redact(url),
            message: e.to_string(),
        })?;
        let policy = RequestPolicy::default();
        let build = |c: &Client| c.get(robots_url.clone());
        let limit = BodyLimit::Truncate(ROBOTS_MAX_BYTES);
        let fetched = self
            .with_retries(&robots_url, policy, stats, &build, limit)
            .await;
        Ok(match fetched {
            Ok(f) => match texting_robots::Robot::new(ROBOTS_AGENT, &f.body) {
                Ok(robot) => {
                    if let Some(delay) = robot.delay {
                        self.apply_crawl_delay(url, f64::from(delay)).await;
                    }
                    Robots::Rules(Box::new(robot))
                }
                // An unparsable file says nothing: treat it like a missing one.
                Err(e) => {
                    tracing::warn!("{}: unreadable robots.txt ({e})", redact(&robots_url));
                    Robots::AllowAll
                }
            },
            // RFC 9309 2.3.1.3: "unavailable" (4xx) means no rules: everything is allowed.
            Err(HttpError::Status { status, .. }) if (400..500).contains(&status) => {
                Robots::AllowAll
            }
            // 2.3.1.4: "unreachable" (5xx, no answer) means assume complete disallow.
            Err(e) => {
                tracing::warn!(
                    "{e}: robots.txt could not be fetched, the site is treated as disallowed \
                     for this run (RFC 9309)"
                );
                Robots::Unavailable(e.cause())
            }
        })
    }

    /// A `Crawl-delay` slower than the configured rate replaces the host's limiter.
    async fn apply_crawl_delay(&self, url: &Url, delay_secs: f64) {
        if delay_secs <= 0.0 {
            return;
        }
        let rate = 1.0 / delay_secs;
        let host = host_key(url);
        let current = self
            .host_rates
            .lock()
            .ok()
            .and_then(|r| r.get(&host).copied())
            .unwrap_or(self.settings.requests_per_second);
        if rate < current {
            self.set_host_rate(&host, rate);
            self.limiters
                .lock()
                .await
                .insert(host, Arc::new(RateLimiter::direct(quota(rate))));
        }
    }
}

/// The key of a URL's rate limiter: host and port.
pub fn host_key(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => url.as_str().to_string(),
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.001))
}

/// A quota of `rate` requests per second with no burst (a rate of 0 or less means "1 per
/// hour", the slowest sensible value, rather than a panic).
fn quota(rate: f64) -> Quota {
    let period = if rate > 0.0 {
        Duration::from_secs_f64(1.0 / rate)
    } else {
        Duration::from_secs(3600)
    };
    Quota::with_period(period.max(Duration::from_micros(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
}

/// `Retry-After` as seconds: either a number of seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<f64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds >= 0.0).then_some(seconds);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
    )
}

/// Query parameters whose values are secrets.
const SECRET_PARAMS: [&str; 9] = [
    "app_key",
    "app_id",
    "api_key",
    "apikey",
    "key",
    "token",
    "access_token",
    "client_secret",
    "password",
];

/// The URL as text with the values of secret query parameters replaced by `***`; a URL
/// without any is returned exactly as it is (it also keys what the state remembers).
pub fn redact(url: &Url) -> String {
    let secret = |key: &str| SECRET_PARAMS.iter().any(|s| key.eq_ignore_ascii_case(s));
    if !url.query_pairs().any(|(k, _)| secret(&k)) {
        return url.to_string();
    }
    let mut clean = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let value = if secret(&k) {
                "***".to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), value)
        })
        .collect();
    clean.query_pairs_mut().clear().extend_pairs(pairs);
    clean.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_query_strings_are_redacted() {
        let url = Url::parse("https://api.test/v1/search/1?app_id=abc&app_key=s3cr3t&what=data")
            .expect("url");
        let shown = redact(&url);
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("abc"),
            "{shown}"
        );
        assert!(shown.contains("what=data"), "{shown}");
        let plain = Url::parse("https://x.test/jobs").expect("url");
        assert_eq!(redact(&plain), "https://x.test/jobs");
        // Without a secret, the query keeps its exact spelling.
        let spelled = Url::parse("https://x.test/jobs?q=a%20b&tag=x+y").expect("url");
        assert_eq!(redact(&spelled), "https://x.test/jobs?q=a%20b&tag=x+y");
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(parse_retry_after("2"), Some(2.0));
        assert_eq!(parse_retry_after(" 0 "), Some(0.0));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(0.0)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-3"), None);
    }

    #[test]
    fn only_transient_failures_are_retried() {
        let status = |status| HttpError::Status {
            url: String::new(),
            status,
            detail: String::new(),
            retry_after: None,
        };
        assert!(status(429).is_retryable());
        assert!(status(503).is_retryable());
        assert!(status(408).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(!status(401).is_retryable());
        assert!(!HttpError::RobotsDisallowed { url: String::new() }.is_retryable());
        let unavailable = HttpError::RobotsUnavailable {
            url: "https://x.test/jobs".into(),
            host: "x.test".into(),
            cause: "HTTP 503".into(),
        };
        assert!(!unavailable.is_retryable());
        let too_large = HttpError::TooLarge {
            url: "https://x.test/jobs".into(),
            limit: 10,
            content_length: Some(11),
        };
        assert!(!too_large.is_retryable());
        assert_eq!(
            too_large.to_string(),
            "https://x.test/jobs: response body larger than the limit of 10 bytes \
             ([http] max_body_bytes): Content-Length is 11 bytes"
        );
    }
}
