//! AIA caIssuers fetching: the issuer a chain lacks, from the URL in the
//! certificate. HTTP and HTTPS only, 1 MiB cap, a timeout, HTTP(S)_PROXY and
//! NO_PROXY honoured (loopback always direct), one fetch per URL per run.
//! Callers verify signatures before using what comes back.

use std::collections::HashMap;
use std::time::Duration;

use crate::cert::Cert;
use crate::load;
use crate::net;

pub const MAX_BODY: u64 = 1024 * 1024;

/// One URL tried, for the report.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub url: String,
    /// Number of certificates the body held, or why there are none.
    pub result: Result<usize, String>,
}

pub struct Fetcher {
    http: net::Http,
    timeout: Duration,
    cache: HashMap<String, Result<Vec<Cert>, String>>,
    pub attempts: Vec<Attempt>,
}

impl Fetcher {
    pub fn new(timeout: Duration) -> Fetcher {
        Fetcher {
            http: net::Http::new(timeout),
            timeout,
            cache: HashMap::new(),
            attempts: Vec::new(),
        }
    }

    /// Certificates at `url` (cached within the run).
    pub fn get(&mut self, url: &str) -> Result<Vec<Cert>, String> {
        if let Some(r) = self.cache.get(url) {
            return r.clone();
        }
        let r = self.http.get(url, MAX_BODY, self.timeout).and_then(|body| {
            load::certs_from_bytes(&body).map_err(|e| format!("body is not a certificate: {e}"))
        });
        self.attempts.push(Attempt {
            url: url.to_string(),
            result: r.as_ref().map(|c| c.len()).map_err(|e| e.clone()),
        });
        self.cache.insert(url.to_string(), r.clone());
        r
    }
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
}
