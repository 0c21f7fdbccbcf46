//! The one HTTP client for AIA (GET), OCSP (POST) and CRLs (GET): http and
//! https only, a size cap, a timeout per request, HTTP(S)_PROXY and
//! NO_PROXY honoured, loopback always direct.

use std::time::Duration;

/// OCSP responses are small; anything larger is not one.
pub const MAX_OCSP: u64 = 1024 * 1024;
/// CRLs of public CAs run to several MiB; more than this is refused.
pub const MAX_CRL: u64 = 10 * 1024 * 1024;

pub struct Http {
    direct: ureq::Agent,
    proxied: Option<ureq::Agent>,
}

fn agent(timeout: Duration, proxy: Option<ureq::Proxy>) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .max_redirects(3)
        .http_status_as_error(false)
        .proxy(proxy)
        .user_agent(concat!("trustfix/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// `Err` with the reason when `url` is not http or https.
pub fn check_scheme(url: &str) -> Result<(), String> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http") | Some("https") => Ok(()),
        Some(other) => Err(format!(
            "scheme '{other}:' refused: only http and https are fetched"
        )),
        None => Err("not a URL".into()),
    }
}

impl Http {
    pub fn new(timeout: Duration) -> Http {
        Http {
            direct: agent(timeout, None),
            proxied: ureq::Proxy::try_from_env().map(|p| agent(timeout, Some(p))),
        }
    }

    fn agent_for(&self, url: &str) -> &ureq::Agent {
        match (&self.proxied, is_loopback(url)) {
            (Some(p), false) => p,
            _ => &self.direct,
        }
    }

    /// GET `url`, at most `limit` bytes, within `timeout`.
    pub fn get(&self, url: &str, limit: u64, timeout: Duration) -> Result<Vec<u8>, String> {
        check_scheme(url)?;
        let resp = self
            .agent_for(url)
            .get(url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .call()
            .map_err(call_error)?;
        body(resp, limit)
    }

    /// POST `body` as `content_type` to `url`, at most `limit` bytes back.
    pub fn post(
        &self,
        url: &str,
        content_type: &str,
        data: &[u8],
        limit: u64,
        timeout: Duration,
    ) -> Result<Vec<u8>, String> {
        check_scheme(url)?;
        let resp = self
            .agent_for(url)
            .post(url)
            .header("Content-Type", content_type)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .send(data)
            .map_err(call_error)?;
        body(resp, limit)
    }
}

fn call_error(e: ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".to_string(),
        other => other.to_string(),
    }
}

fn body(resp: ureq::http::Response<ureq::Body>, limit: u64) -> Result<Vec<u8>, String> {
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    resp.into_body()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => format!("body larger than {limit} bytes"),
            ureq::Error::Timeout(_) => "timed out reading the body".to_string(),
            other => other.to_string(),
        })
}

/// 127.0.0.0/8, ::1 and localhost never go through a proxy.
fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(authority)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_loopback() {
        assert!(check_scheme("http://x/y.crl").is_ok());
        assert!(check_scheme("HTTPS://x/y.crl").is_ok());
        assert!(check_scheme("ldap:///CN=x?certificateRevocationList")
            .unwrap_err()
            .contains("ldap"));
        assert!(check_scheme("file:///etc/passwd").is_err());
        assert!(check_scheme("nonsense").is_err());
        assert!(is_loopback("http://127.0.0.1:8080/x"));
        assert!(is_loopback("http://[::1]/x"));
        assert!(is_loopback("http://LOCALHOST/x"));
        assert!(!is_loopback("http://ocsp.example.com/"));
    }
}
