//! Revocation of the best path: for the server's certificate and each
//! intermediate (never the trust anchor), the OCSP response the server
//! stapled, then the OCSP responders the certificate names, then its CRL
//! distribution points (`--revocation auto`; `ocsp` and `crl` restrict the
//! sources, `off` skips it all). Every answer is verified against the
//! issuer in the path before it counts. HTTP follows `net`'s rules, at
//! most `MAX_URLS` URLs of each kind per certificate, all within the
//! check's one `net::Budget` (`--timeout`, shared with AIA); `--no-fetch`
//! leaves only the staple. `diagnose::revocation` turns the
//! result into findings.

pub mod crl;
mod error;
use crate::net as http;
pub mod ocsp;

pub use error::{Delegation, ParseError, Rejection, RevocationError, SigProblem};

use std::collections::HashMap;
use std::time::Duration;

use crate::cert::Cert;
use crate::path::{End, Paths};
use crate::util::time::fmt_date;

/// Clock skew tolerated on thisUpdate / nextUpdate.
pub const SKEW: i64 = 300;
/// A response or CRL without nextUpdate counts as stale after a week.
pub const MAX_AGE_WITHOUT_NEXT: i64 = 7 * 86_400;
/// Most URLs of one kind tried per certificate.
const MAX_URLS: usize = 4;

/// `--revocation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Stapled OCSP, then OCSP responders, then CRLs.
    Auto,
    /// Stapled OCSP and OCSP responders only.
    Ocsp,
    /// CRL distribution points only.
    Crl,
    /// No revocation checks.
    Off,
}

impl Mode {
    /// The `--revocation` value, also used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Ocsp => "ocsp",
            Mode::Crl => "crl",
            Mode::Off => "off",
        }
    }

    fn ocsp(self) -> bool {
        matches!(self, Mode::Auto | Mode::Ocsp)
    }

    fn crl(self) -> bool {
        matches!(self, Mode::Auto | Mode::Crl)
    }
}

/// How to check revocation, from the command line or a preflight plan.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which sources to consult.
    pub mode: Mode,
    /// `--revocation` was given: `revocation.no_info` is reported too.
    pub explicit: bool,
    /// For each request, and for the whole phase when there is no budget.
    pub timeout: Duration,
    /// The check's one budget for all its fetches (AIA's too); `None`
    /// starts one of `timeout`.
    pub budget: Option<http::Budget>,
    /// `false` with `--no-fetch`: only a stapled response is used.
    pub fetch: bool,
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The OCSP response the server stapled.
    Stapled,
    /// An OCSP responder the certificate names.
    Ocsp,
    /// A CRL distribution point the certificate names.
    Crl,
}

impl Source {
    /// Stable name for JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Stapled => "stapled",
            Source::Ocsp => "ocsp",
            Source::Crl => "crl",
        }
    }
}

/// What a verified response or CRL says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The certificate is not revoked.
    Good,
    /// The certificate is revoked.
    Revoked {
        /// revocationTime (Unix seconds).
        at: i64,
        /// RFC 5280 reason name, when the answer gives one.
        reason: Option<String>,
    },
    /// An OCSP responder that does not know the certificate.
    Unknown,
}

/// Validity window of a verified answer (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// thisUpdate.
    pub this_update: i64,
    /// nextUpdate, when given.
    pub next_update: Option<i64>,
}

/// The verdict for one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A verified source says it is not revoked.
    Good,
    /// A verified source says it is revoked.
    Revoked,
    /// Sources exist, but none gave a usable answer (unreachable, stale,
    /// unverifiable, or the responder does not know the certificate).
    Unknown,
    /// Nothing the certificate names to check against: no OCSP URL, no
    /// CRL distribution point (a staple, if any, was unusable).
    NoInfo,
}

impl Status {
    /// Stable name for JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Good => "good",
            Status::Revoked => "revoked",
            Status::Unknown => "unknown",
            Status::NoInfo => "no_info",
        }
    }
}

/// One source consulted.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Which kind of source.
    pub source: Source,
    /// `None` for the stapled response.
    pub url: Option<String>,
    /// The verified answer, or why there is none.
    pub result: Result<Answer, RevocationError>,
    /// Who signed a verified OCSP answer ("the issuer", "delegated
    /// responder 'CN=...'"); `None` for CRLs (always the issuer) and failures.
    pub signer: Option<String>,
}

impl Attempt {
    /// Stable name of the outcome: `good`, `revoked`, `unknown` or `failed`.
    pub fn result_str(&self) -> &'static str {
        match &self.result {
            Ok(Answer::Good) => "good",
            Ok(Answer::Revoked { .. }) => "revoked",
            Ok(Answer::Unknown) => "unknown",
            Err(_) => "failed",
        }
    }

    /// "the stapled OCSP response", "OCSP responder http://...", "CRL http://...".
    pub fn describe(&self) -> String {
        describe(self.source, self.url.as_deref())
    }

    /// The answer (and who signed it), or why there is none.
    pub fn detail(&self) -> String {
        match &self.result {
            Ok(a) => format!("{}{}", answer_text(a), self.signed_by()),
            Err(e) => e.to_string(),
        }
    }

    fn signed_by(&self) -> String {
        self.signer
            .as_deref()
            .map(|s| format!(", signed by {s}"))
            .unwrap_or_default()
    }
}

fn answer_text(a: &Answer) -> String {
    match a {
        Answer::Good => "good".to_string(),
        Answer::Revoked { at, reason } => format!(
            "revoked on {}{}",
            fmt_date(*at),
            reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        Answer::Unknown => {
            "the responder does not know this certificate (status unknown)".to_string()
        }
    }
}

fn describe(source: Source, url: Option<&str>) -> String {
    match source {
        Source::Stapled => "the OCSP response stapled by the server".to_string(),
        Source::Ocsp => format!("OCSP responder {}", url.unwrap_or("?")),
        Source::Crl => format!("CRL {}", url.unwrap_or("?")),
    }
}

/// Revocation verdict for one certificate, with every source tried.
#[derive(Debug, Clone)]
pub struct CertRevocation {
    /// The verdict.
    pub status: Status,
    /// The source of a good or revoked answer.
    pub source: Option<Source>,
    /// URL of the source of a good or revoked answer (`None` for a staple).
    pub url: Option<String>,
    /// RFC 5280 reason name, e.g. `keyCompromise`.
    pub reason: Option<String>,
    /// revocationTime of a revoked answer (Unix seconds).
    pub revoked_at: Option<i64>,
    /// thisUpdate / nextUpdate of the answer used.
    pub fresh: Option<Freshness>,
    /// One line for humans.
    pub detail: String,
    /// Every source consulted, in order.
    pub attempts: Vec<Attempt>,
}

/// One certificate of the best path.
#[derive(Debug, Clone)]
pub enum Entry {
    /// Checked, with the verdict.
    Checked(CertRevocation),
    /// Not checked, and why ("trust anchor", "issuer missing").
    Skipped(&'static str),
}

/// Revocation of the best path, certificate by certificate.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The mode the check ran with.
    pub mode: Mode,
    /// `--revocation` was given explicitly.
    pub explicit: bool,
    /// By depth in the best path; empty with `off`.
    pub certs: Vec<Entry>,
}

/// RFC 5280 CRLReason names.
pub fn reason_name(code: u8) -> &'static str {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => "unknown reason code",
    }
}

/// Checks the best path of `paths`. `staple` is the OCSP response the
/// server stapled (about its own certificate).
pub fn check_path(paths: &Paths, staple: Option<&[u8]>, now: i64, opts: &Options) -> Summary {
    let mut s = Summary {
        mode: opts.mode,
        explicit: opts.explicit,
        certs: Vec::new(),
    };
    if opts.mode == Mode::Off {
        return s;
    }
    let mut checker = Checker::new(opts);
    let best = paths.best();
    let last = best.certs.len().saturating_sub(1);
    for (depth, &i) in best.certs.iter().enumerate() {
        let cert = paths.cert(i);
        let entry = if depth == last {
            match best.end {
                End::Trusted => Entry::Skipped("trust anchor"),
                End::UntrustedRoot => Entry::Skipped("root at the top of the path"),
                End::Incomplete { .. } => Entry::Skipped("issuer missing"),
            }
        } else {
            let issuer = paths.cert(best.certs[depth + 1]);
            let staple = if depth == 0 { staple } else { None };
            Entry::Checked(checker.check(cert, issuer, staple, now))
        };
        s.certs.push(entry);
    }
    s
}

struct Checker {
    http: http::Http,
    mode: Mode,
    budget: http::Budget,
    fetch: bool,
    crls: HashMap<String, Result<Vec<u8>, RevocationError>>,
}

impl Checker {
    fn new(opts: &Options) -> Checker {
        Checker {
            http: http::Http::new(opts.timeout),
            mode: opts.mode,
            budget: opts
                .budget
                .clone()
                .unwrap_or_else(|| http::Budget::new(opts.timeout)),
            fetch: opts.fetch,
            crls: HashMap::new(),
        }
    }

    /// Time left for one more request, or why there is none.
    fn budget(&self) -> Result<Duration, RevocationError> {
        if !self.fetch {
            return Err(RevocationError::NoFetch);
        }
        self.budget.left().map_err(RevocationError::from)
    }

    fn check(
        &mut self,
        cert: &Cert,
        issuer: &Cert,
        staple: Option<&[u8]>,
        now: i64,
    ) -> CertRevocation {
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut used: Option<(usize, Freshness)> = None;
        if self.mode.ocsp() {
            if let Some(der) = staple {
                let v = ocsp::verify(der, cert, issuer, now, None);
                let (a, f) = ocsp_attempt(Source::Stapled, None, v);
                record(&mut attempts, &mut used, a, f);
            }
            for url in by_scheme(&cert.ocsp_urls) {
                if used.is_some() {
                    break;
                }
                let v = self.ocsp(url, cert, issuer, now);
                let (a, f) = ocsp_attempt(Source::Ocsp, Some(url.clone()), v);
                record(&mut attempts, &mut used, a, f);
            }
        }
        if self.mode.crl() {
            for url in by_scheme(&cert.crl_urls) {
                if used.is_some() {
                    break;
                }
                let v = self.crl(url, cert, issuer, now);
                let fresh = v.as_ref().ok().map(|v| v.fresh);
                let a = Attempt {
                    source: Source::Crl,
                    url: Some(url.clone()),
                    result: v.map(|v| v.answer),
                    signer: None,
                };
                record(&mut attempts, &mut used, a, fresh);
            }
        }
        conclude(cert, self.mode, attempts, used)
    }

    fn ocsp(
        &self,
        url: &str,
        cert: &Cert,
        issuer: &Cert,
        now: i64,
    ) -> Result<ocsp::Verified, RevocationError> {
        http::check_scheme(url)?;
        let budget = self.budget()?;
        let nonce = nonce();
        let req = ocsp::request(cert, issuer, &nonce)?;
        let body = self.http.post(
            url,
            "application/ocsp-request",
            &req,
            http::MAX_OCSP,
            budget,
        )?;
        ocsp::verify(&body, cert, issuer, now, Some(&nonce))
    }

    /// Fetched once per run and URL; verified for each certificate.
    fn crl(
        &mut self,
        url: &str,
        cert: &Cert,
        issuer: &Cert,
        now: i64,
    ) -> Result<crl::Verified, RevocationError> {
        if !self.crls.contains_key(url) {
            let body = http::check_scheme(url)
                .map_err(RevocationError::from)
                .and_then(|_| self.budget())
                .and_then(|b| {
                    self.http
                        .get(url, http::MAX_CRL, b)
                        .map_err(RevocationError::from)
                });
            self.crls.insert(url.to_string(), body);
        }
        match &self.crls[url] {
            Ok(body) => crl::check(body, cert, issuer, now),
            Err(e) => Err(e.clone()),
        }
    }
}

/// Keeps `a`; a good or revoked answer becomes the one `used`.
fn record(
    attempts: &mut Vec<Attempt>,
    used: &mut Option<(usize, Freshness)>,
    a: Attempt,
    fresh: Option<Freshness>,
) {
    let definitive = matches!(a.result, Ok(Answer::Good) | Ok(Answer::Revoked { .. }));
    attempts.push(a);
    if let (true, Some(f)) = (definitive, fresh) {
        *used = Some((attempts.len() - 1, f));
    }
}

fn ocsp_attempt(
    source: Source,
    url: Option<String>,
    v: Result<ocsp::Verified, RevocationError>,
) -> (Attempt, Option<Freshness>) {
    match v {
        Ok(v) => (
            Attempt {
                source,
                url,
                result: Ok(v.answer),
                signer: Some(v.signer),
            },
            Some(v.fresh),
        ),
        Err(e) => (
            Attempt {
                source,
                url,
                result: Err(e),
                signer: None,
            },
            None,
        ),
    }
}

/// http(s) URLs first (an AD CS CDP lists ldap:// before http://), at most
/// `MAX_URLS`.
fn by_scheme(urls: &[String]) -> Vec<&String> {
    let (mut web, other): (Vec<&String>, Vec<&String>) =
        urls.iter().partition(|u| http::check_scheme(u).is_ok());
    web.extend(other);
    web.truncate(MAX_URLS);
    web
}

fn nonce() -> Vec<u8> {
    let mut n = vec![0u8; 16];
    crate::util::rand::unique(&mut n);
    n
}

fn conclude(
    cert: &Cert,
    mode: Mode,
    attempts: Vec<Attempt>,
    used: Option<(usize, Freshness)>,
) -> CertRevocation {
    let mut r = CertRevocation {
        status: Status::NoInfo,
        source: None,
        url: None,
        reason: None,
        revoked_at: None,
        fresh: None,
        detail: String::new(),
        attempts: Vec::new(),
    };
    if let Some((i, fresh)) = used {
        let a = &attempts[i];
        r.source = Some(a.source);
        r.url = a.url.clone();
        r.fresh = Some(fresh);
        let dates = format!(
            "this update {}{}",
            fmt_date(fresh.this_update),
            fresh
                .next_update
                .map(|n| format!(", next update {}", fmt_date(n)))
                .unwrap_or_default()
        );
        if let Ok(Answer::Revoked { at, reason }) = &a.result {
            r.status = Status::Revoked;
            r.revoked_at = Some(*at);
            r.reason = reason.clone();
        } else {
            r.status = Status::Good;
        }
        if let Ok(answer) = &a.result {
            r.detail = format!(
                "{} according to {}{} ({dates})",
                answer_text(answer),
                a.describe(),
                a.signed_by()
            );
        }
    } else if attempts.iter().all(|a| a.source == Source::Stapled) {
        // Nothing the certificate names was tried: no responder, no CRL.
        // An unusable staple alone leaves a client just as much to check
        // as no staple, so it is said here but does not make it unknown.
        let staple = attempts
            .first()
            .map(|a| format!("the stapled OCSP response is unusable ({}); ", a.detail()))
            .unwrap_or_else(|| "no stapled OCSP response, ".to_string());
        r.detail = match mode {
            Mode::Crl if !cert.ocsp_urls.is_empty() => {
                "no CRL distribution point (its OCSP responder is not consulted with --revocation crl)".into()
            }
            Mode::Crl => "no CRL distribution point".into(),
            Mode::Ocsp if !cert.crl_urls.is_empty() => format!(
                "{staple}no OCSP responder (its CRL is not consulted with --revocation ocsp)"
            ),
            _ => format!("{staple}no OCSP responder and no CRL distribution point"),
        };
    } else {
        r.status = Status::Unknown;
        r.detail = attempts
            .iter()
            .map(|a| format!("{}: {}", a.describe(), a.detail()))
            .collect::<Vec<_>>()
            .join("; ");
    }
    r.attempts = attempts;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_first_and_bounded() {
        let urls: Vec<String> = [
            "ldap:///CN=Contoso,CN=CDP?certificateRevocationList",
            "http://pki.contoso.com/a.crl",
            "http://1/",
            "http://2/",
            "http://3/",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let got = by_scheme(&urls);
        assert_eq!(got.len(), MAX_URLS);
        assert_eq!(got[0], "http://pki.contoso.com/a.crl");
        assert!(got.iter().all(|u| u.starts_with("http")));
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), 16);
    }

    #[test]
    fn reasons() {
        assert_eq!(reason_name(1), "keyCompromise");
        assert_eq!(reason_name(6), "certificateHold");
        assert_eq!(reason_name(7), "unknown reason code");
    }
}
