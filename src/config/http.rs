//! `[http]`: the address bound and the public URL links are built on.

use serde::Deserialize;

use super::values::lenient;
use super::{invalid, ConfigError};

#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// `host:port`; a host name (`localhost:8080`) is resolved when binding.
    pub bind: String,
    pub public_url: String,
}

/// `http.public_url` as shipped; left so, links follow the address actually bound.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

#[derive(Deserialize)]
pub(super) struct RawHttp {
    #[serde(deserialize_with = "lenient")]
    bind: String,
    #[serde(deserialize_with = "lenient")]
    public_url: String,
}

impl HttpConfig {
    pub(super) fn validate(raw: RawHttp) -> Result<Self, ConfigError> {
        Ok(HttpConfig {
            bind: bind_address(&raw.bind)?,
            public_url: raw.public_url.trim().trim_end_matches('/').to_owned(),
        })
    }
}

/// `http.bind`: `host:port` with a port number; the host is an IP address
/// (`[::1]` for IPv6) or a name resolved when the server binds.
fn bind_address(text: &str) -> Result<String, ConfigError> {
    let bind = text.trim();
    let refused = || invalid("http.bind", format!("{text:?} is not host:port"));
    let (host, port) = bind.rsplit_once(':').ok_or_else(refused)?;
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if host.is_empty() || (host.contains(':') && !bracketed) || host.contains(char::is_whitespace) {
        return Err(refused());
    }
    port.parse::<u16>().map_err(|_| refused())?;
    Ok(bind.to_owned())
}

/// An `http://` or `https://` URL with a host, trailing slashes trimmed.
pub(super) fn http_url(key: &str, text: &str) -> Result<String, ConfigError> {
    let trimmed = text.trim().trim_end_matches('/');
    match url::Url::parse(trimmed) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|host| !host.is_empty())
                && !trimmed.contains(char::is_whitespace) =>
        {
            Ok(trimmed.to_owned())
        }
        _ => Err(invalid(key, format!("{text:?} is not an http(s) URL"))),
    }
}
