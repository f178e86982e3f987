//! Rate limits per client address: one for reads without a token, one for
//! writes. Each answers `RateLimit-Limit`, `RateLimit-Remaining`,
//! `RateLimit-Reset` and `RateLimit-Policy` (IETF draft
//! `ratelimit-headers`), and `429` with `Retry-After` once the window's
//! allowance is spent.
//!
//! Counts are kept in each instance's memory (fixed windows per address),
//! so behind a load balancer that spreads a client over N instances, it
//! gets up to N times the limit. Failed logins are limited separately and
//! across instances, in the database (`routes::auth`).
//!
//! The client's address is the connection's peer, or, when the peer is
//! one of `NASHR_TRUSTED_PROXIES`, the last address in `X-Forwarded-For`
//! that is not a trusted proxy. IPv6 clients are counted by their /64, as
//! one host usually holds a whole /64.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest};

use crate::error::ApiError;
use crate::metrics::{Limit, Metrics};

const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// Addresses remembered before expired windows are swept out.
const SWEEP_AT: usize = 10_000;

/// A list of addresses: the proxies whose `X-Forwarded-For` counts, or the
/// clients exempt from limits.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpAddr>);

impl TrustedProxies {
    /// A comma-separated list of addresses; `setting` names it in errors.
    pub fn parse(setting: &str, list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.parse::<IpAddr>()
                    .map_err(|_| format!("{setting}: `{a}` is not an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// The client's address: see the module docs.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.0.contains(&peer) {
            return Some(peer);
        }
        let mut hops: Vec<IpAddr> = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(value) = value.to_str() else {
                return Some(peer);
            };
            for hop in value.split(',').map(str::trim) {
                match hop.parse::<IpAddr>() {
                    Ok(ip) => hops.push(ip),
                    // Garbage from the client: trust nothing before it.
                    Err(_) => hops.clear(),
                }
            }
        }
        Some(
            hops.into_iter()
                .rev()
                .find(|ip| !self.0.contains(ip))
                .unwrap_or(peer),
        )
    }
}

/// The address a request comes from, as the rate limits and the login
/// limits see it.
pub fn client_address(req: &HttpRequest) -> String {
    let proxies = req
        .app_data::<web::Data<RateLimits>>()
        .map(|l| l.proxies.clone())
        .unwrap_or_default();
    proxies
        .client(req.peer_addr().map(|a| a.ip()), req.headers())
        .map(|ip| ip.to_string())
        .unwrap_or_default()
}

/// A limit's key for an address: IPv6 by its /64.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::from(octets)
        }
    }
}

/// One fixed-window limit.
#[derive(Debug)]
struct Limiter {
    limit: u32,
    window: Duration,
    policy: HeaderValue,
    clients: Mutex<HashMap<IpAddr, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// The answer of a limit to one request.
#[derive(Debug, PartialEq, Eq)]
struct Decision {
    allowed: bool,
    remaining: u32,
    /// Seconds until the window starts again.
    reset: u64,
}

impl Limiter {
    fn new(limit: u32, window: Duration) -> Option<Limiter> {
        (limit > 0 && !window.is_zero()).then(|| Limiter {
            limit,
            window,
            policy: HeaderValue::from_str(&format!("{limit};w={}", window.as_secs()))
                .expect("digits are a valid header"),
            clients: Mutex::new(HashMap::new()),
        })
    }

    fn check(&self, ip: IpAddr, now: Instant) -> Decision {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.len() >= SWEEP_AT {
            clients.retain(|_, w| now.duration_since(w.started) < self.window);
        }
        let window = clients.entry(key(ip)).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(window.started) >= self.window {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        let allowed = window.count < self.limit;
        if allowed {
            window.count += 1;
        }
        let left = self
            .window
            .saturating_sub(now.duration_since(window.started));
        Decision {
            allowed,
            remaining: self.limit - window.count,
            // Rounded up: retrying after `reset` seconds always succeeds.
            reset: left.as_secs() + u64::from(left.subsec_nanos() > 0),
        }
    }
}

/// The configured limits.
#[derive(Debug)]
pub struct RateLimits {
    reads: Option<Limiter>,
    writes: Option<Limiter>,
    proxies: TrustedProxies,
    /// Clients never limited: a frontend's own servers, say.
    exempt: TrustedProxies,
}

impl RateLimits {
    pub fn new(
        reads: u32,
        writes: u32,
        window: Duration,
        proxies: TrustedProxies,
        exempt: TrustedProxies,
    ) -> RateLimits {
        RateLimits {
            reads: Limiter::new(reads, window),
            writes: Limiter::new(writes, window),
            proxies,
            exempt,
        }
    }

    /// The limit a request counts against: reads without a token, and
    /// writes. Reads with a token (editors at work), health probes and
    /// metrics are not limited.
    fn for_request(&self, req: &ServiceRequest) -> Option<(&Limiter, Limit)> {
        let path = req.path();
        if matches!(path, "/healthz" | "/readyz" | "/metrics") {
            return None;
        }
        match *req.method() {
            Method::GET | Method::HEAD => {
                if req.headers().contains_key(header::AUTHORIZATION) {
                    None
                } else {
                    self.reads.as_ref().map(|l| (l, Limit::Reads))
                }
            }
            Method::OPTIONS => None,
            _ => self.writes.as_ref().map(|l| (l, Limit::Writes)),
        }
    }
}

pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limits) = req.app_data::<web::Data<RateLimits>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some((limiter, which)) = limits.for_request(&req) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(ip) = limits
        .proxies
        .client(req.peer_addr().map(|a| a.ip()), req.headers())
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if limits.exempt.0.contains(&ip) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let decision = limiter.check(ip, Instant::now());
    let mut res = if decision.allowed {
        next.call(req).await?.map_into_boxed_body()
    } else {
        if let Some(metrics) = req.app_data::<web::Data<Metrics>>() {
            metrics.rate_limited(which);
        }
        let kind = match which {
            Limit::Reads => "reads",
            Limit::Writes => "writes",
        };
        let error = ApiError::TooManyRequests {
            message: format!(
                "too many {kind} from this address: {} per {} s; try again in {} s",
                limiter.limit,
                limiter.window.as_secs(),
                decision.reset
            ),
            retry_after: decision.reset,
        };
        req.error_response(error)
    };
    let headers = res.headers_mut();
    headers.insert(LIMIT, HeaderValue::from(limiter.limit));
    headers.insert(REMAINING, HeaderValue::from(decision.remaining));
    headers.insert(RESET, HeaderValue::from(decision.reset));
    headers.insert(POLICY, limiter.policy.clone());
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_allows_its_limit_then_refuses_until_it_restarts() {
        let limiter = Limiter::new(3, Duration::from_secs(60)).unwrap();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        let remaining: Vec<u32> = (0..3).map(|_| limiter.check(ip, t0).remaining).collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter.check(ip, t0 + Duration::from_millis(10_500));
        assert_eq!(
            refused,
            Decision {
                allowed: false,
                remaining: 0,
                reset: 50
            }
        );
        assert!(limiter.check(other, t0).allowed, "others are not affected");
        let later = limiter.check(ip, t0 + Duration::from_secs(60));
        assert!(later.allowed);
        assert_eq!(later.remaining, 2);
        assert!(Limiter::new(0, Duration::from_secs(60)).is_none());
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let limiter = Limiter::new(1, Duration::from_secs(60)).unwrap();
        let t0 = Instant::now();
        assert!(
            limiter
                .check("2001:db8:1:2::1".parse().unwrap(), t0)
                .allowed
        );
        assert!(
            !limiter
                .check("2001:db8:1:2::ffff".parse().unwrap(), t0)
                .allowed
        );
        assert!(
            limiter
                .check("2001:db8:1:3::1".parse().unwrap(), t0)
                .allowed
        );
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse("X", "10.0.0.1, 10.0.0.2").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_static("203.0.113.9, 198.51.100.7, 10.0.0.2"),
        );
        let client = |peer: &str, h: &HeaderMap| proxies.client(Some(peer.parse().unwrap()), h);
        // From a proxy: the last hop that is not a proxy (the first may be forged).
        assert_eq!(
            client("10.0.0.1", &headers),
            Some("198.51.100.7".parse().unwrap())
        );
        // Straight from a client: its header is ignored.
        assert_eq!(
            client("198.51.100.50", &headers),
            Some("198.51.100.50".parse().unwrap())
        );
        let mut garbage = HeaderMap::new();
        garbage.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_static("1.2.3.4, not-an-ip"),
        );
        assert_eq!(
            client("10.0.0.1", &garbage),
            Some("10.0.0.1".parse().unwrap())
        );
        assert!(TrustedProxies::parse("X", "10.0.0.1, nope").is_err());
    }
}
