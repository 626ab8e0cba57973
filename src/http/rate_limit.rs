//! Per-client token-bucket rate limiting (governor's GCRA, one bucket per client).
//!
//! The client is the authenticated subject when there is one, else the peer's IP address; behind
//! `--trust-proxy` the last `X-Forwarded-For` entry (the address your proxy saw) stands in for the
//! peer. Over the limit: 429 with `Retry-After` in whole seconds. Idle buckets are dropped once a
//! minute, so the table stays as large as the set of recently active clients.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::app::AppState;
use super::auth::Principal;

/// Requests per second and burst, per client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl RateLimit {
    /// `off`, or a positive rate; the burst defaults to twice the rate.
    pub fn parse(rate: &str, burst: Option<u32>) -> Result<Option<Self>, String> {
        let rate = rate.trim();
        if rate.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let per_second: u32 = rate
            .trim_end_matches("/s")
            .parse()
            .map_err(|_| format!("{rate:?} is neither a number of requests per second nor off"))?;
        if per_second == 0 {
            return Err("the rate must be above 0 (use `off` to turn limiting off)".into());
        }
        let burst = burst.unwrap_or(per_second.saturating_mul(2));
        if burst == 0 {
            return Err("--rate-burst must be above 0".into());
        }
        Ok(Some(Self { per_second, burst }))
    }
}

/// The keyed limiter.
pub struct Limiter {
    inner: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Self {
        let per_second = NonZeroU32::new(limit.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
        Self {
            inner: DefaultKeyedRateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` to go on, or how long until the client's next request is allowed.
    pub fn check(&self, client: &str) -> Result<(), Duration> {
        self.inner
            .check_key(&client.to_string())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Drop buckets that are full again (clients idle long enough); returns how many remain.
    pub fn prune(&self) -> usize {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
        self.inner.len()
    }
}

/// The last X-Forwarded-For entry that parses as an address.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()?;
    last.trim().parse().ok()
}

/// The client a request counts against.
pub fn client_key(request: &Request, trust_proxy: bool) -> String {
    if let Some(principal) = request.extensions().get::<Principal>() {
        return format!("sub:{}", principal.subject);
    }
    if trust_proxy && let Some(ip) = forwarded_for(request.headers()) {
        return format!("ip:{ip}");
    }
    match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(addr)) => format!("ip:{}", addr.ip()),
        None => "ip:unknown".to_string(),
    }
}

/// Middleware: 429 with Retry-After when the client's bucket is empty.
pub async fn limit_rate(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limiter) = &state.limiter else {
        return next.run(request).await;
    };
    let client = client_key(&request, state.config.trust_proxy);
    match limiter.check(&client) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            state.metrics.reject("rate_limited");
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let seconds = seconds.max(1);
            tracing::info!(client = %client, retry_after = seconds, "rejected: rate limited");
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too Many Requests: retry after {seconds} s\n"),
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_rates_and_off() {
        assert_eq!(
            RateLimit::parse("50", None),
            Ok(Some(RateLimit {
                per_second: 50,
                burst: 100
            }))
        );
        assert_eq!(
            RateLimit::parse("10/s", Some(3)),
            Ok(Some(RateLimit {
                per_second: 10,
                burst: 3
            }))
        );
        assert_eq!(RateLimit::parse("OFF", None), Ok(None));
        assert!(RateLimit::parse("0", None).is_err());
        assert!(RateLimit::parse("fast", None).is_err());
        assert!(RateLimit::parse("5", Some(0)).is_err());
    }

    #[test]
    fn the_bucket_allows_the_burst_then_refuses_per_client() {
        let limiter = Limiter::new(RateLimit {
            per_second: 1,
            burst: 3,
        });
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        // Another client has its own bucket.
        assert!(limiter.check("b").is_ok());
        assert_eq!(limiter.prune(), 2);
    }

    #[test]
    fn forwarded_for_takes_the_last_entry() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 10.0.0.7"),
        );
        assert_eq!(forwarded_for(&headers), Some("10.0.0.7".parse().unwrap()));
        headers.insert("x-forwarded-for", HeaderValue::from_static("garbage"));
        assert_eq!(forwarded_for(&headers), None);
    }
}
