//! The one HTTP client for AIA (GET), OCSP (POST) and CRLs (GET), whose
//! URLs come from certificates a hostile server may have made: http and
//! https only, a size cap, one time budget for all fetches of a check
//! (`Budget`), no redirect to another host or port, never a link-local
//! address (169.254.0.0/16, fe80::/10: cloud metadata services), checked on
//! the addresses really connected to. HTTP(S)_PROXY and NO_PROXY honoured,
//! loopback always direct.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};

/// OCSP responses are small; anything larger is not one.
pub const MAX_OCSP: u64 = 1024 * 1024;
/// CRLs of public CAs run to several MiB; more than this is refused.
pub const MAX_CRL: u64 = 10 * 1024 * 1024;
/// Redirects followed, each to the same scheme, host and port.
const MAX_REDIRECTS: usize = 3;

/// Why an HTTP fetch failed or was not tried. Cloneable (the AIA cache
/// hands one failure to every asker), so sources are shared.
#[derive(Debug, Clone)]
pub enum HttpError {
    /// The check's [`Budget`] is used up.
    BudgetSpent {
        /// The whole budget.
        total: Duration,
    },
    /// A scheme other than http and https.
    Scheme(String),
    /// Not parseable as a URL.
    NotUrl,
    /// A link-local address literal.
    LinkLocal(IpAddr),
    /// The request's own timeout passed.
    TimedOut,
    /// Connecting or talking to the server failed.
    Io(Arc<std::io::Error>),
    /// ureq refused or failed the request.
    Transport(Arc<ureq::Error>),
    /// A redirect without a Location header.
    NoLocation(u16),
    /// A redirect whose Location does not resolve.
    BadLocation(u16),
    /// A redirect to another scheme, host or port (the target, clipped).
    OffOrigin(String),
    /// More than [`MAX_REDIRECTS`] redirects.
    TooManyRedirects,
    /// A status other than success.
    Status(u16),
    /// The body exceeded the limit of this many bytes.
    TooLarge(u64),
    /// The timeout passed while the body was read.
    BodyTimedOut,
    /// Reading the body failed.
    Body(Arc<ureq::Error>),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::BudgetSpent { total } => write!(
                f,
                "not tried: the fetches of this check used up --timeout ({}s)",
                total.as_secs_f32()
            ),
            HttpError::Scheme(other) => write!(
                f,
                "scheme '{other}:' refused: only http and https are fetched"
            ),
            HttpError::NotUrl => f.write_str("not a URL"),
            HttpError::LinkLocal(ip) => write!(
                f,
                "link-local address {ip} refused (cloud metadata services live there)"
            ),
            HttpError::TimedOut => f.write_str("timed out"),
            HttpError::Io(e) => write!(f, "{e}"),
            HttpError::Transport(e) | HttpError::Body(e) => write!(f, "{e}"),
            HttpError::NoLocation(status) => write!(f, "HTTP {status} without a Location"),
            HttpError::BadLocation(status) => write!(f, "HTTP {status}: bad Location"),
            HttpError::OffOrigin(to) => {
                write!(f, "redirect to another host or port refused: {to}")
            }
            HttpError::TooManyRedirects => write!(f, "more than {MAX_REDIRECTS} redirects"),
            HttpError::Status(status) => write!(f, "HTTP {status}"),
            HttpError::TooLarge(limit) => write!(f, "body larger than {limit} bytes"),
            HttpError::BodyTimedOut => f.write_str("timed out reading the body"),
        }
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HttpError::Io(e) => Some(e.as_ref()),
            HttpError::Transport(e) | HttpError::Body(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

/// The time all HTTP fetches of one check may take together (`--timeout`):
/// AIA, OCSP and CRLs draw from it, so a certificate naming many URLs
/// cannot multiply the wait. Starts with the first request; clones share it.
#[derive(Debug, Clone)]
pub struct Budget {
    total: Duration,
    start: Arc<OnceLock<Instant>>,
}

impl Budget {
    /// A budget of `total`; the clock starts at the first `left`.
    pub fn new(total: Duration) -> Budget {
        Budget {
            total,
            start: Arc::new(OnceLock::new()),
        }
    }

    /// The whole budget, as given.
    pub fn total(&self) -> Duration {
        self.total
    }

    /// The time left for one more request (starting the budget), or why
    /// there is none.
    pub fn left(&self) -> Result<Duration, HttpError> {
        let start = *self.start.get_or_init(Instant::now);
        (start + self.total)
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(HttpError::BudgetSpent { total: self.total })
    }
}

/// 169.254.0.0/16 and fe80::/10 (also as IPv4-mapped IPv6).
pub fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.is_link_local(),
            None => (v6.segments()[0] & 0xffc0) == 0xfe80,
        },
    }
}

/// ureq's resolver, refusing link-local results: the check is on the
/// addresses connected to, so a name resolving there is caught too.
#[derive(Debug, Default)]
struct NoLinkLocal(DefaultResolver);

impl Resolver for NoLinkLocal {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.0.resolve(uri, config, timeout)?;
        if let Some(a) = addrs.iter().find(|a: &&SocketAddr| is_link_local(a.ip())) {
            return Err(ureq::Error::Io(std::io::Error::other(format!(
                "{} resolves to the link-local address {}: refused (cloud metadata services live there)",
                uri.host().unwrap_or(""),
                a.ip()
            ))));
        }
        Ok(addrs)
    }
}

/// The HTTP client (see the module docs): a direct agent, and a proxied
/// one when the environment names a proxy.
pub struct Http {
    direct: ureq::Agent,
    proxied: Option<ureq::Agent>,
}

fn agent(timeout: Duration, proxy: Option<ureq::Proxy>) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        // Redirects are followed here, one hop at a time, after checking
        // each goes to the same scheme, host and port.
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(proxy)
        .user_agent(concat!("trustfix/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::new(),
        NoLinkLocal::default(),
    )
}

/// `Err` with the reason when `url` is not http or https.
pub fn check_scheme(url: &str) -> Result<(), HttpError> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http") | Some("https") => Ok(()),
        Some(other) => Err(HttpError::Scheme(other.to_string())),
        None => Err(HttpError::NotUrl),
    }
}

/// Scheme, host and port (default port filled in), lower-cased.
fn origin(url: &str) -> Option<(String, String, u16)> {
    let uri: ureq::http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.to_ascii_lowercase();
    let port = uri.port_u16().or(match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    })?;
    Some((scheme, host, port))
}

/// Refuses a URL whose host is a link-local address literal (names are
/// checked when resolved).
fn check_host(url: &str) -> Result<(), HttpError> {
    let host = host_of(url);
    let literal = host.parse::<IpAddr>().ok();
    match literal {
        Some(ip) if is_link_local(ip) => Err(HttpError::LinkLocal(ip)),
        _ => Ok(()),
    }
}

impl Http {
    /// A client whose every request must finish within `timeout`.
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
    pub fn get(&self, url: &str, limit: u64, timeout: Duration) -> Result<Vec<u8>, HttpError> {
        self.fetch(url, None, limit, timeout)
    }

    /// POST `body` as `content_type` to `url`, at most `limit` bytes back.
    pub fn post(
        &self,
        url: &str,
        content_type: &str,
        data: &[u8],
        limit: u64,
        timeout: Duration,
    ) -> Result<Vec<u8>, HttpError> {
        self.fetch(url, Some((content_type, data)), limit, timeout)
    }

    fn fetch(
        &self,
        url: &str,
        post: Option<(&str, &[u8])>,
        limit: u64,
        timeout: Duration,
    ) -> Result<Vec<u8>, HttpError> {
        check_scheme(url)?;
        check_host(url)?;
        let end = Instant::now() + timeout;
        let first = origin(url).ok_or(HttpError::NotUrl)?;
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let left = end
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .ok_or(HttpError::TimedOut)?;
            let agent = self.agent_for(&url);
            let resp = match post {
                None => agent
                    .get(&url)
                    .config()
                    .timeout_global(Some(left))
                    .build()
                    .call(),
                Some((ct, data)) => agent
                    .post(&url)
                    .header("Content-Type", ct)
                    .config()
                    .timeout_global(Some(left))
                    .build()
                    .send(data),
            }
            .map_err(call_error)?;
            if !resp.status().is_redirection() {
                return body(resp, limit);
            }
            let to = resp
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| HttpError::NoLocation(resp.status().as_u16()))?;
            let next = resolve_location(&url, to)
                .ok_or_else(|| HttpError::BadLocation(resp.status().as_u16()))?;
            if origin(&next).as_ref() != Some(&first) {
                return Err(HttpError::OffOrigin(clip(&next)));
            }
            url = next;
        }
        Err(HttpError::TooManyRedirects)
    }
}

/// A Location header made absolute against the URL it answered.
fn resolve_location(base: &str, loc: &str) -> Option<String> {
    if loc.contains("://") {
        return Some(loc.to_string());
    }
    let (scheme, rest) = base.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if let Some(net) = loc.strip_prefix("//") {
        return Some(format!("{scheme}://{net}"));
    }
    if loc.starts_with('/') {
        return Some(format!("{scheme}://{authority}{loc}"));
    }
    let path = &rest[authority.len()..];
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    Some(format!("{scheme}://{authority}{dir}/{loc}"))
}

fn clip(s: &str) -> String {
    let mut c: String = s.chars().take(200).collect();
    if c.len() < s.len() {
        c.push_str("...");
    }
    c
}

fn call_error(e: ureq::Error) -> HttpError {
    match e {
        ureq::Error::Timeout(_) => HttpError::TimedOut,
        ureq::Error::Io(io) => HttpError::Io(Arc::new(io)),
        other => HttpError::Transport(Arc::new(other)),
    }
}

fn body(resp: ureq::http::Response<ureq::Body>, limit: u64) -> Result<Vec<u8>, HttpError> {
    let status = resp.status();
    if !status.is_success() {
        return Err(HttpError::Status(status.as_u16()));
    }
    resp.into_body()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => HttpError::TooLarge(limit),
            ureq::Error::Timeout(_) => HttpError::BodyTimedOut,
            other => HttpError::Body(Arc::new(other)),
        })
}

/// The host of a URL (brackets of an IPv6 literal removed).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(authority)
    }
}

/// 127.0.0.0/8, ::1 and localhost never go through a proxy.
fn is_loopback(url: &str) -> bool {
    let host = host_of(url);
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
            .to_string()
            .contains("ldap"));
        assert!(check_scheme("file:///etc/passwd").is_err());
        assert!(check_scheme("nonsense").is_err());
        assert!(is_loopback("http://127.0.0.1:8080/x"));
        assert!(is_loopback("http://[::1]/x"));
        assert!(is_loopback("http://LOCALHOST/x"));
        assert!(!is_loopback("http://ocsp.example.com/"));
    }

    #[test]
    fn link_local_and_origins() {
        for ip in [
            "169.254.169.254",
            "fe80::1",
            "febf::1",
            "::ffff:169.254.1.1",
        ] {
            assert!(is_link_local(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["127.0.0.1", "10.0.0.1", "fec0::1", "::1", "169.255.0.1"] {
            assert!(!is_link_local(ip.parse().unwrap()), "{ip}");
        }
        assert!(check_host("http://169.254.169.254/latest/meta-data").is_err());
        assert!(check_host("http://[fe80::1]:80/x").is_err());
        assert!(check_host("http://127.0.0.1/x").is_ok());
        assert_eq!(
            origin("HTTP://Example.com/x"),
            Some(("http".into(), "example.com".into(), 80))
        );
        assert_eq!(
            resolve_location("http://h:81/a/b.crl", "c.crl").as_deref(),
            Some("http://h:81/a/c.crl")
        );
        assert_eq!(
            resolve_location("http://h:81/a/b.crl", "/z").as_deref(),
            Some("http://h:81/z")
        );
        assert_eq!(
            resolve_location("http://h:81/a", "//other:82/z").as_deref(),
            Some("http://other:82/z")
        );
    }

    #[test]
    fn one_budget_for_all_fetches() {
        let b = Budget::new(Duration::from_millis(50));
        let shared = b.clone();
        assert!(b.left().unwrap() <= Duration::from_millis(50));
        std::thread::sleep(Duration::from_millis(60));
        assert!(shared
            .left()
            .unwrap_err()
            .to_string()
            .contains("used up --timeout"));
    }
}
