//! Wiring: target -> fetch -> path -> diagnose -> Report. No I/O of its own
//! beyond calling the stages; renderers take the Report from here.

use std::path::PathBuf;
use std::time::Duration;

use crate::aia;
use crate::cert::{Cert, SigCheck};
use crate::diagnose::rank;
use crate::diagnose::{self, Context, Verdict};
use crate::fetch;
use crate::load;
use crate::path;
use crate::path::{End, Origin};
use crate::report::{Report, StoreInfo, TargetInfo, TlsInfo};
use crate::store::{self, StoreOptions, StoreSpec, TrustStore};
use crate::target::Target;

/// Everything `check` needs, from the command line or a preflight plan.
#[derive(Clone)]
pub struct CheckOptions {
    /// The server to connect to.
    pub target: Target,
    /// The trust store to judge the chain against.
    pub store: StoreSpec,
    /// Credentials and JVM options for `store`.
    pub store_opts: StoreOptions,
    /// Deadline of each fetch phase, and the budget of all HTTP fetches.
    pub timeout: Duration,
    /// Name for SMTP EHLO.
    pub ehlo: String,
    /// Warn about certificates expiring within this many days.
    pub warn_days: i64,
    /// Fetch missing issuers through AIA (`--no-aia` turns it off).
    pub aia: bool,
    /// Certificates the admin supplied as issuer candidates (`fix --cert`).
    pub supplied: Vec<Cert>,
    /// Judge validity at this Unix time instead of now (`--at`).
    pub at: Option<i64>,
}

/// This host's name for EHLO, as mail clients announce themselves.
pub fn default_ehlo() -> String {
    let from_os = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        });
    from_os.unwrap_or_else(|| "localhost".to_string())
}

fn load_store(spec: &StoreSpec, opts: &StoreOptions) -> Result<TrustStore, String> {
    store::open(spec, opts).load().map_err(|e| e.to_string())
}

/// Counts of `s` and its notes, for the report.
pub fn store_info(s: &TrustStore) -> StoreInfo {
    StoreInfo {
        label: s.label.clone(),
        anchors: s.anchors.len(),
        intermediates: s.intermediates.len(),
        notes: s.notes.clone(),
        locations: s
            .locations
            .keys()
            .filter_map(|k| Some((*k, s.location_of(k)?)))
            .collect(),
    }
}

/// How many certificates AIA may add to one chain.
const MAX_AIA_DEPTH: usize = 6;

fn context<'a>(
    r: &'a Report,
    store: &'a TrustStore,
    servername: Option<&'a str>,
    warn_days: i64,
) -> Context<'a> {
    Context {
        servername,
        now: r.now,
        warn_days,
        store_label: &store.label,
        client: store.client,
        fetched_from: &r.fetched_from,
        aia_failures: &r.aia,
    }
}

/// Path building and diagnosis on certificates already in hand; with a
/// fetcher, the issuers a path lacks are fetched through AIA first (each
/// one used only if it really signed the certificate below it).
fn judge(
    mut r: Report,
    sent: Vec<Cert>,
    store: &TrustStore,
    servername: Option<&str>,
    warn_days: i64,
    mut aia: Option<&mut aia::Fetcher>,
    supplied: &[Cert],
) -> Report {
    let mut extra: Vec<(Cert, Origin)> = supplied
        .iter()
        .map(|c| (c.clone(), Origin::Supplied))
        .collect();
    let mut paths = path::build_with(&sent, &extra, store);
    for _ in 0..MAX_AIA_DEPTH {
        let Some(fetcher) = aia.as_deref_mut() else {
            break;
        };
        rank(&mut paths, &context(&r, store, servername, warn_days));
        let best = paths.best();
        if !matches!(best.end, End::Incomplete { .. }) {
            break;
        }
        let Some(&last) = best.certs.last() else {
            break;
        };
        let child = paths.cert(last).clone();
        let mut added = false;
        // Every URL in turn until one yields the issuer.
        for url in aia::ca_issuer_urls(&child) {
            let Ok(certs) = fetcher.get(url) else {
                continue;
            };
            for c in certs {
                let known = paths.pool.iter().any(|p| p.cert.sha256 == c.sha256);
                if !known && child.names_issuer(&c) && child.signed_by(&c) == SigCheck::Valid {
                    r.fetched_from.insert(c.sha256, url.to_string());
                    extra.push((c, Origin::Fetched));
                    added = true;
                }
            }
            if added {
                break;
            }
        }
        if !added {
            break;
        }
        paths = path::build_with(&sent, &extra, store);
    }
    if let Some(f) = aia {
        r.aia = f.attempts.clone();
    }
    r.findings = diagnose::diagnose(&mut paths, &context(&r, store, servername, warn_days));
    r.verdict = Verdict::from_findings(&r.findings);
    r.chain = sent;
    r.paths = Some(paths);
    r
}

/// Diagnoses certificates already in hand (the server's first) against a
/// loaded store at `now`, with no network at all: what `show` does, for
/// callers that test path building and diagnosis in-process.
pub fn judge_offline(
    sent: Vec<Cert>,
    store: &TrustStore,
    servername: Option<&str>,
    now: i64,
) -> Report {
    let mut r = Report::new("show", now);
    r.store = Some(store_info(store));
    judge(r, sent, store, servername, 30, None, &[])
}

/// Fetches the server's chain and diagnoses it against the store.
/// Failures to load the store or to fetch become the report's error.
pub fn check(opts: &CheckOptions) -> Report {
    match load_store(&opts.store, &opts.store_opts) {
        Ok(store) => check_with_store(opts, &store),
        Err(e) => check_report(&opts.target, opts.at).fail("store", format!("store: {e}")),
    }
}

/// The report a check of `t` starts from: the target, nothing else yet;
/// judged at `at` (`--at`) or now.
pub fn check_report(t: &Target, at: Option<i64>) -> Report {
    let mut r = Report::new("check", at.unwrap_or_else(crate::util::time::now));
    r.at_given = at.is_some();
    r.target = Some(TargetInfo {
        input: t.input.clone(),
        authority: t.authority(),
        servername: t.servername.clone(),
        address: None,
    });
    r
}

/// `check` against a store already loaded (`opts.store` is not read), so
/// many checks can share one (`preflight`).
pub fn check_with_store(opts: &CheckOptions, store: &TrustStore) -> Report {
    check_resolved(opts, store, None)
}

/// `check_with_store` with the target's addresses already resolved (or the
/// resolution's failure); `None` resolves here as `check` does.
pub fn check_resolved(
    opts: &CheckOptions,
    store: &TrustStore,
    resolved: Option<Result<Vec<std::net::SocketAddr>, fetch::FetchError>>,
) -> Report {
    let t = &opts.target;
    let mut r = check_report(t, opts.at);
    r.store = Some(store_info(store));
    let fetch_opts = fetch::FetchOptions {
        timeout: opts.timeout,
        ehlo: opts.ehlo.clone(),
    };
    let fetched = match resolved {
        None => fetch::fetch(t, &fetch_opts),
        Some(Ok(addrs)) => fetch::fetch_addrs(t, &addrs, &fetch_opts),
        Some(Err(e)) => Err(e),
    };
    let cap = match fetched {
        Ok(c) => c,
        Err(e) => return r.fail(e.phase.as_str(), e.message),
    };
    if let Some(ti) = r.target.as_mut() {
        ti.address = Some(cap.address.to_string());
    }
    r.tls = Some(TlsInfo {
        protocol: cap.protocol.clone(),
        cipher_suite: cap.cipher_suite.clone(),
        ocsp_stapled: cap.ocsp_stapled.clone(),
        handshake_error: cap.handshake_error.clone(),
        starttls: t.proto.name().to_string(),
        starttls_reason: t.proto_reason.clone(),
        legacy: cap.legacy,
    });
    let tls_findings = diagnose::connection(
        &cap.protocol,
        &cap.cipher_suite,
        cap.legacy,
        cap.modern_error.as_deref(),
    );
    let mut sent = Vec::with_capacity(cap.chain.len());
    for (i, der) in cap.chain.iter().enumerate() {
        match Cert::from_der(der) {
            Ok(c) => sent.push(c),
            Err(e) => {
                return r.fail(
                    "parse",
                    format!(
                        "certificate #{i} sent by {} cannot be parsed: {e}",
                        t.authority()
                    ),
                );
            }
        }
    }
    let budget = crate::net::Budget::new(opts.timeout);
    r.fetch_budget = Some(budget.clone());
    let mut fetcher = opts.aia.then(|| aia::Fetcher::new(budget));
    let mut r = judge(
        r,
        sent,
        store,
        Some(&t.servername),
        opts.warn_days,
        fetcher.as_mut(),
        &opts.supplied,
    );
    r.findings.extend(tls_findings);
    r.verdict = Verdict::from_findings(&r.findings);
    r.platform_verdict = crate::platform_verdict::ask(&r, &opts.store, opts.timeout);
    r
}

/// Revocation checks on the best path of a `check` or `show` report
/// (`--revocation`): the status of each certificate, `cert.revoked`,
/// `revocation.unknown` and `revocation.no_info`, and the verdict again.
/// Reports that failed or have no path come back unchanged.
pub fn revocation(mut r: Report, opts: &crate::revocation::Options) -> Report {
    if r.error.is_some() {
        return r;
    }
    let Some(paths) = &r.paths else {
        return r;
    };
    let staple = r.tls.as_ref().and_then(|t| t.ocsp_stapled.clone());
    // The budget AIA drew from, so the check's fetches share one deadline.
    let mut opts = opts.clone();
    if opts.budget.is_none() {
        opts.budget = r.fetch_budget.clone();
    }
    let summary = crate::revocation::check_path(paths, staple.as_deref(), r.now, &opts);
    let found = diagnose::revocation(paths, &summary);
    r.findings.extend(found);
    r.verdict = Verdict::from_findings(&r.findings);
    r.revocation = Some(summary);
    r
}

/// Everything `show` needs.
pub struct ShowOptions {
    /// Certificate files, read in order; the first is the server's.
    pub files: Vec<PathBuf>,
    /// Store to diagnose the chain against; `None` only renders the certificates.
    pub store: Option<StoreSpec>,
    /// Credentials and JVM options for `store`.
    pub store_opts: StoreOptions,
    /// Name to verify the leaf against; `None` skips name checks.
    pub servername: Option<String>,
    /// Warn about certificates expiring within this many days.
    pub warn_days: i64,
    /// Fetch missing issuers through AIA.
    pub aia: bool,
    /// Budget of the AIA fetches; also the platform verifier's time limit.
    pub timeout: Duration,
    /// Judge validity at this Unix time instead of now (`--at`).
    pub at: Option<i64>,
}

/// Renders certificate files; with a store, diagnoses them as a chain
/// (first certificate = the server's) without any network.
pub fn show(opts: &ShowOptions) -> Report {
    let mut r = Report::new("show", opts.at.unwrap_or_else(crate::util::time::now));
    r.at_given = opts.at.is_some();
    let mut certs = Vec::new();
    for f in &opts.files {
        match load::certs_from_file(f) {
            Ok(c) => certs.extend(c),
            Err(e) => return r.fail("file", e.to_string()),
        }
    }
    let Some(spec) = &opts.store else {
        r.chain = certs;
        return r;
    };
    let store = match load_store(spec, &opts.store_opts) {
        Ok(s) => s,
        Err(e) => return r.fail("store", format!("store: {e}")),
    };
    r.store = Some(store_info(&store));
    let budget = crate::net::Budget::new(opts.timeout);
    r.fetch_budget = Some(budget.clone());
    let mut fetcher = opts.aia.then(|| aia::Fetcher::new(budget));
    let mut r = judge(
        r,
        certs,
        &store,
        opts.servername.as_deref(),
        opts.warn_days,
        fetcher.as_mut(),
        &[],
    );
    r.platform_verdict = crate::platform_verdict::ask(&r, spec, opts.timeout);
    r
}
