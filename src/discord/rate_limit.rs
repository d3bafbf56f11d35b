//! Discord's rate limits as this server obeys them: a 429 answer read into how
//! long to wait and whether the limit is global, and the gate that holds every
//! request of the process while a global limit lasts.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;
use tokio::time::Instant;

/// The wait when a 429 says nothing usable (no `retry_after`, no `Retry-After`).
pub const RETRY_AFTER_DEFAULT: Duration = Duration::from_secs(1);

/// What a 429 answer asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// How long to wait before the next request.
    pub retry_after: Duration,
    /// Whether every request of the bot is held, not only this route's.
    pub global: bool,
}

/// The JSON body of a 429 (`{"message", "retry_after": 0.35, "global": false}`).
#[derive(Deserialize)]
struct Body {
    retry_after: Option<f64>,
    #[serde(default)]
    global: bool,
}

impl RateLimit {
    /// Reads a 429: `retry_after` from the body (seconds, fractional), else the
    /// `Retry-After` header (seconds); global when the body or the
    /// `X-RateLimit-Global` header says so (or `X-RateLimit-Scope: global`).
    pub fn read(headers: &HeaderMap, body: &[u8]) -> RateLimit {
        let body: Option<Body> = serde_json::from_slice(body).ok();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let seconds = body
            .as_ref()
            .and_then(|b| b.retry_after)
            .or_else(|| header("retry-after").and_then(|v| v.trim().parse().ok()));
        let retry_after = seconds
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .unwrap_or(RETRY_AFTER_DEFAULT);
        let global = body.is_some_and(|b| b.global)
            || header("x-ratelimit-global").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || header("x-ratelimit-scope").is_some_and(|v| v.eq_ignore_ascii_case("global"));
        RateLimit {
            retry_after,
            global,
        }
    }
}

/// Holds every request of the process until a global limit has passed.
#[derive(Default)]
pub struct GlobalGate {
    /// Until when; written by a request that met a global 429, read by all.
    until: Mutex<Option<Instant>>,
}

impl GlobalGate {
    /// Holds every request for `wait` from now (a later end wins).
    pub fn hold(&self, wait: Duration) {
        let end = Instant::now() + wait;
        let mut until = self.until.lock().unwrap_or_else(|p| p.into_inner());
        if until.is_none_or(|at| at < end) {
            *until = Some(end);
        }
    }

    /// Waits until no global limit holds (one set while waiting is waited too).
    pub async fn pass(&self) {
        loop {
            let until = *self.until.lock().unwrap_or_else(|p| p.into_inner());
            match until {
                Some(at) if at > Instant::now() => tokio::time::sleep_until(at).await,
                _ => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_body_gives_the_fractional_wait_and_the_header_the_whole_one() {
        let body =
            br#"{"message": "You are being rate limited.", "retry_after": 0.35, "global": false}"#;
        let limit = RateLimit::read(&headers(&[("retry-after", "1")]), body);
        assert_eq!(limit.retry_after, Duration::from_millis(350));
        assert!(!limit.global);
        let limit = RateLimit::read(&headers(&[("retry-after", "2")]), b"");
        assert_eq!(limit.retry_after, Duration::from_secs(2));
        let limit = RateLimit::read(&headers(&[("retry-after", "1.5")]), b"not json");
        assert_eq!(limit.retry_after, Duration::from_millis(1500));
    }

    #[test]
    fn a_global_limit_is_read_from_the_body_or_the_headers() {
        let body = br#"{"retry_after": 0.1, "global": true}"#;
        assert!(RateLimit::read(&HeaderMap::new(), body).global);
        let header = headers(&[("x-ratelimit-global", "true"), ("retry-after", "1")]);
        assert!(RateLimit::read(&header, b"").global);
        let scope = headers(&[("x-ratelimit-scope", "global")]);
        assert!(RateLimit::read(&scope, b"{}").global);
        let user = headers(&[("x-ratelimit-scope", "user")]);
        assert!(!RateLimit::read(&user, b"{}").global);
    }

    #[test]
    fn an_unusable_wait_falls_back_to_the_default() {
        for body in [
            &br#"{"retry_after": -3}"#[..],
            br#"{"retry_after": null}"#,
            b"",
        ] {
            let limit = RateLimit::read(&HeaderMap::new(), body);
            assert_eq!(limit.retry_after, RETRY_AFTER_DEFAULT, "{body:?}");
        }
    }

    #[actix_web::test]
    async fn a_global_hold_keeps_the_longest_end() {
        let gate = GlobalGate::default();
        gate.hold(Duration::from_millis(60));
        gate.hold(Duration::from_millis(10));
        let start = Instant::now();
        gate.pass().await;
        assert!(start.elapsed() >= Duration::from_millis(50));
    }
}
