//! AIA caIssuers fetching: the issuer a chain lacks, from the URL in the
//! certificate. HTTP and HTTPS only, 1 MiB cap, `net`'s rules (no redirect
//! to another host or port, no link-local address, HTTP(S)_PROXY and
//! NO_PROXY honoured, loopback always direct), one fetch per URL per run,
//! at most `MAX_URLS_PER_CERT` URLs of one certificate and `MAX_FETCHES`
//! in all, within the check's one `net::Budget`. Callers verify signatures
//! before using what comes back.

use std::collections::HashMap;

use crate::cert::Cert;
use crate::load;
use crate::net;

/// Largest body read from one URL (a certificate or PKCS#7 bundle is a few KiB).
pub const MAX_BODY: u64 = 1024 * 1024;
/// caIssuers URLs of one certificate worth trying (real ones name one or
/// two; a hostile one may name hundreds).
pub const MAX_URLS_PER_CERT: usize = 4;
/// URLs fetched in all by one check (a chain is a few levels deep).
pub const MAX_FETCHES: usize = 8;

/// The caIssuers URLs of `c` to try, http(s) first in the order given
/// (AD CS lists an `ldap:///` URL first and the `http://` one second),
/// then the others (reported, not fetched); at most `MAX_URLS_PER_CERT`.
pub fn ca_issuer_urls(c: &Cert) -> Vec<&str> {
    let web = |u: &&String| {
        let l = u.to_ascii_lowercase();
        l.starts_with("http://") || l.starts_with("https://")
    };
    let (mut urls, rest): (Vec<&String>, Vec<&String>) = c.aia_ca_issuers.iter().partition(web);
    urls.extend(rest);
    urls.into_iter()
        .take(MAX_URLS_PER_CERT)
        .map(String::as_str)
        .collect()
}

/// Why an `ldap://` URL is not fetched, and how to fetch it on a domain host.
/// Why no issuer came from a caIssuers URL. Cloneable: the cache hands
/// one failure to every asker.
#[derive(Debug, Clone)]
pub enum AiaError {
    /// An `ldap://` URL (this one), which trustfix does not fetch.
    Ldap(String),
    /// This check already fetched [`MAX_FETCHES`] URLs.
    TooManyFetches,
    /// The URL was refused or the fetch failed.
    Http(net::HttpError),
    /// The body held no certificate (the reader's reason).
    NotCertificate(String),
}

impl std::fmt::Display for AiaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AiaError::Ldap(url) => write!(
                f,
                "ldap:// URLs are not fetched by trustfix; on a domain member fetch it with `certutil -URL \"{url}\"` \
                 (or check the whole chain with `certutil -verify -urlfetch server.cer`)"
            ),
            AiaError::TooManyFetches => write!(
                f,
                "not tried: this check already fetched {MAX_FETCHES} AIA URLs"
            ),
            AiaError::Http(e) => write!(f, "{e}"),
            AiaError::NotCertificate(why) => write!(f, "body is not a certificate: {why}"),
        }
    }
}

impl std::error::Error for AiaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AiaError::Http(e) => Some(e),
            _ => None,
        }
    }
}

impl From<net::HttpError> for AiaError {
    fn from(e: net::HttpError) -> Self {
        AiaError::Http(e)
    }
}

/// One URL tried, for the report.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The URL as the certificate gives it.
    pub url: String,
    /// Number of certificates the body held, or why there are none.
    pub result: Result<usize, AiaError>,
}

/// Fetches caIssuers URLs for one check, with a cache and the limits above.
pub struct Fetcher {
    http: net::Http,
    budget: net::Budget,
    /// Requests really sent (refused schemes cost nothing).
    fetched: usize,
    cache: HashMap<String, Result<Vec<Cert>, AiaError>>,
    /// Every URL asked for, in order, cached ones once.
    pub attempts: Vec<Attempt>,
}

impl Fetcher {
    /// A fetcher drawing on the check's `budget` (shared with revocation).
    pub fn new(budget: net::Budget) -> Fetcher {
        Fetcher {
            http: net::Http::new(budget.total()),
            budget,
            fetched: 0,
            cache: HashMap::new(),
            attempts: Vec::new(),
        }
    }

    /// Certificates at `url` (cached within the run).
    pub fn get(&mut self, url: &str) -> Result<Vec<Cert>, AiaError> {
        if let Some(r) = self.cache.get(url) {
            return r.clone();
        }
        let r = if url.to_ascii_lowercase().starts_with("ldap") {
            Err(AiaError::Ldap(url.to_string()))
        } else if let Err(e) = net::check_scheme(url) {
            Err(e.into())
        } else if self.fetched >= MAX_FETCHES {
            Err(AiaError::TooManyFetches)
        } else {
            self.fetched += 1;
            self.budget
                .left()
                .and_then(|left| self.http.get(url, MAX_BODY, left))
                .map_err(AiaError::from)
                .and_then(|body| {
                    load::certs_from_bytes(&body)
                        .map_err(|e| AiaError::NotCertificate(e.to_string()))
                })
        };
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
    use std::time::Duration;

    #[test]
    fn only_http_and_https() {
        let mut f = Fetcher::new(net::Budget::new(Duration::from_secs(1)));
        assert!(f
            .get("file:///etc/passwd")
            .unwrap_err()
            .to_string()
            .contains("refused"));
        assert!(f
            .get("ldap://dc01/cn=x")
            .unwrap_err()
            .to_string()
            .contains("certutil -URL"));
        assert!(f.get("nonsense").is_err());
        assert_eq!(f.attempts.len(), 3);
        // Cached: the second call does not try again.
        let _ = f.get("file:///etc/passwd");
        assert_eq!(f.attempts.len(), 3);
    }

    #[test]
    fn http_urls_come_first_as_ad_cs_lists_ldap_first() {
        let mut c = crate::demo::pki::Ca::root("AIA")
            .map(|ca| Cert::from_der(&ca.der).unwrap())
            .unwrap();
        c.aia_ca_issuers = vec![
            "ldap:///CN=Contoso%20Offline%20Root%20CA,CN=AIA?cACertificate?base?objectClass=certificationAuthority".into(),
            "http://pki.contoso.test/CertEnroll/root.crt".into(),
            "https://pki.contoso.test/root.p7c".into(),
        ];
        let urls = ca_issuer_urls(&c);
        assert!(
            urls[0].starts_with("http://")
                && urls[1].starts_with("https://")
                && urls[2].starts_with("ldap:")
        );
        c.aia_ca_issuers = (0..50).map(|i| format!("http://x/{i}")).collect();
        assert_eq!(ca_issuer_urls(&c).len(), MAX_URLS_PER_CERT);
    }

    #[test]
    fn a_hostile_certificate_gets_a_bounded_number_of_fetches() {
        let mut f = Fetcher::new(net::Budget::new(Duration::from_secs(1)));
        for i in 0..20 {
            let _ = f.get(&format!("ldap://host/{i}"));
            // Port 1 on loopback: refused at once.
            let _ = f.get(&format!("http://127.0.0.1:1/{i}.cer"));
        }
        assert_eq!(f.cache.len(), 40);
        let fetched = f
            .attempts
            .iter()
            .filter(|a| a.url.starts_with("http"))
            .filter(|a| {
                !a.result
                    .as_ref()
                    .is_err_and(|e| e.to_string().contains("already fetched"))
            })
            .count();
        assert_eq!(fetched, MAX_FETCHES);
    }
}
