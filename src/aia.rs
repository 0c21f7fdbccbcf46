//! AIA caIssuers fetching: the issuer a chain lacks, from the URL in the
//! certificate. HTTP and HTTPS only, 1 MiB cap, a timeout, HTTP(S)_PROXY and
//! NO_PROXY honoured (loopback always direct), one fetch per URL per run.
//! Callers verify signatures before using what comes back.

use std::collections::HashMap;
use std::time::Duration;

use crate::cert::Cert;
use crate::load;

pub const MAX_BODY: u64 = 1024 * 1024;

/// One URL tried, for the report.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub url: String,
    /// Number of certificates the body held, or why there are none.
    pub result: Result<usize, String>,
}

pub struct Fetcher {
    direct: ureq::Agent,
    proxied: Option<ureq::Agent>,
    cache: HashMap<String, Result<Vec<Cert>, String>>,
    pub attempts: Vec<Attempt>,
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

impl Fetcher {
    pub fn new(timeout: Duration) -> Fetcher {
        Fetcher {
            direct: agent(timeout, None),
            proxied: ureq::Proxy::try_from_env().map(|p| agent(timeout, Some(p))),
            cache: HashMap::new(),
            attempts: Vec::new(),
        }
    }

    /// Certificates at `url` (cached within the run).
    pub fn get(&mut self, url: &str) -> Result<Vec<Cert>, String> {
        if let Some(r) = self.cache.get(url) {
            return r.clone();
        }
        let r = self.fetch(url);
        self.attempts.push(Attempt {
            url: url.to_string(),
            result: r.as_ref().map(|c| c.len()).map_err(|e| e.clone()),
        });
        self.cache.insert(url.to_string(), r.clone());
        r
    }

    fn fetch(&self, url: &str) -> Result<Vec<Cert>, String> {
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("http") | Some("https") => {}
            Some(other) => {
                return Err(format!(
                    "scheme '{other}:' refused: only http and https are fetched"
                ))
            }
            None => return Err("not a URL".into()),
        }
        let agent = match (&self.proxied, is_loopback(url)) {
            (Some(p), false) => p,
            _ => &self.direct,
        };
        let resp = agent.get(url).call().map_err(|e| match e {
            ureq::Error::Timeout(_) => "timed out".to_string(),
            other => other.to_string(),
        })?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("HTTP {}", status.as_u16()));
        }
        let body = resp
            .into_body()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => format!("body larger than {MAX_BODY} bytes"),
                ureq::Error::Timeout(_) => "timed out reading the body".to_string(),
                other => other.to_string(),
            })?;
        load::certs_from_bytes(&body).map_err(|e| format!("body is not a certificate: {e}"))
    }
}

/// 127.0.0.0/8, ::1 and localhost never go through a proxy.
fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
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
    fn only_http_and_https() {
        let mut f = Fetcher::new(Duration::from_secs(1));
        assert!(f.get("file:///etc/passwd").unwrap_err().contains("refused"));
        assert!(f.get("ldap://dc01/cn=x").unwrap_err().contains("refused"));
        assert!(f.get("nonsense").is_err());
        assert_eq!(f.attempts.len(), 3);
        // Cached: the second call does not try again.
        let _ = f.get("file:///etc/passwd");
        assert_eq!(f.attempts.len(), 3);
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback("http://127.0.0.1:8080/x"));
        assert!(is_loopback("http://localhost/x"));
        assert!(is_loopback("http://[::1]:80/x"));
        assert!(!is_loopback("http://crt.example.com/x.cer"));
    }
}
