//! `trustfix preflight`: check a whole deployment's endpoints at once.
//!
//! Endpoints come from a TOML file (`[[endpoint]]` tables, `[defaults]`)
//! and/or one target per line (`--targets -`). Each distinct store is
//! loaded once and shared, each host name is resolved once, and the checks
//! run on a bounded pool of std threads, each with the per-phase timeouts of
//! `check`. `plan` reads the file and the targets; `cmd/preflight`
//! renders the run (summary table, JSON document, JUnit XML).

mod plan;
mod pool;
mod progress;

pub use plan::{
    load, parse_file, parse_targets, read_capped, spec_text, Base, Checks, Endpoint, Plan,
    PlanError, Setting, StoreRef, WARN_DAYS,
};

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::diagnose::{Finding, Severity, Verdict};
use crate::fetch::FetchError;
use crate::report::{self, ErrorInfo, Report};
use crate::revocation::{self, Mode};
use crate::run::{self, CheckOptions};
use crate::store::{self, TrustStore};
use crate::target::Target;
use pool::pool_map;
use progress::Progress;

/// Default `--jobs`: most of a check is waiting on the network, so several
/// per CPU; bounded so a big file does not open hundreds of sockets at once.
pub fn default_jobs() -> usize {
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cpus * 16).clamp(16, 64)
}

/// Upper bound of `--jobs`.
pub const MAX_JOBS: usize = 256;
/// Longest `--targets` line: a URL with a long host name fits many times.
pub const MAX_TARGET_LINE: usize = 4096;
/// Largest `--targets` input or preflight file read (a million endpoints
/// fit; a runaway pipe does not fill memory).
pub const MAX_INPUT: u64 = 256 * 1024 * 1024;

/// Verdict names as in the check schema.
pub fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Trusted => "trusted",
        Verdict::Warning => "warning",
        Verdict::Rejected => "rejected",
        Verdict::Error => "error",
    }
}

/// The verdict a name stands for (`--expect`, `expected =`), case-insensitive.
pub fn parse_verdict(s: &str) -> Option<Verdict> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "trusted" => Verdict::Trusted,
        "warning" => Verdict::Warning,
        "rejected" => Verdict::Rejected,
        "error" => Verdict::Error,
        _ => return None,
    })
}

/// A store as loaded for the run.
#[derive(Debug, Clone)]
pub struct LoadedStore {
    /// The store as written in the plan ([`StoreRef::text`]).
    pub text: String,
    /// Loaded once, then shared read-only by every worker (never cloned
    /// per check: `run::check_resolved` borrows it).
    pub result: Result<Arc<TrustStore>, String>,
    /// How long loading took.
    pub load_time: Duration,
    /// Checks that used it.
    pub endpoints: usize,
}

/// What one checked endpoint came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The endpoint's label; with `resolve_all`, followed by ` [ADDRESS]`.
    pub label: String,
    /// Where the endpoint was defined: `FILE:LINE`.
    pub source: String,
    /// The target as written.
    pub input: String,
    /// `ip:port` connected to, when a connection was made.
    pub address: Option<String>,
    /// The check's verdict.
    pub verdict: Verdict,
    /// The verdict the file or `--expect` asks for, if any.
    pub expected: Option<Verdict>,
    /// The endpoint's code in the 0-3 convention: its verdict's, or 0 when
    /// it matches `expected`, or at least 2 when it does not.
    pub code: i32,
    /// The check's findings.
    pub findings: Vec<Finding>,
    /// Why the check could not be made, if it could not.
    pub error: Option<ErrorInfo>,
    /// Days to the earliest `not_after` in the path built.
    pub days_left: Option<i64>,
    /// How long the check took.
    pub elapsed: Duration,
    /// The full check result, in the check schema (only with `--json`).
    pub json: Option<serde_json::Value>,
}

impl Outcome {
    /// Trusted, warnings only, or the verdict expected: the code is below 2.
    pub fn passed(&self) -> bool {
        self.code < 2
    }

    /// A verdict was expected and the check came to another.
    pub fn mismatch(&self) -> bool {
        self.expected.is_some_and(|e| e != self.verdict)
    }

    /// The most severe finding (the first of those), or the error.
    pub fn first_finding(&self) -> Option<&Finding> {
        let worst = self.findings.iter().map(|f| f.severity).max()?;
        self.findings.iter().find(|f| f.severity == worst)
    }
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct Run {
    /// The files read (`<stdin>` for `--targets -`).
    pub sources: Vec<String>,
    /// Unix seconds the run started at.
    pub started: i64,
    /// How long the whole run took.
    pub elapsed: Duration,
    /// Threads each stage ran on.
    pub jobs: usize,
    /// Each distinct store, in [`Plan::stores`] order.
    pub stores: Vec<LoadedStore>,
    /// How many times a store was read from disk or the OS (once per
    /// distinct store).
    pub stores_loaded: usize,
    /// Distinct host names resolved (once each).
    pub names_resolved: usize,
    /// One per check, in plan order (several per endpoint with `resolve_all`).
    pub outcomes: Vec<Outcome>,
}

impl Run {
    /// The worst endpoint's code, ranked as Icinga ranks states: rejected
    /// (2, CRITICAL) over could not check (3, UNKNOWN) over warning (1).
    pub fn exit_code(&self) -> i32 {
        let rank = |c: i32| match c {
            2 => 3,
            3 => 2,
            c => c,
        };
        self.outcomes
            .iter()
            .map(|o| o.code)
            .max_by_key(|&c| rank(c))
            .unwrap_or(0)
    }
}

/// One check to run: an endpoint, or one address of it with `resolve_all`.
struct Job {
    endpoint: usize,
    label: String,
    target: Target,
    resolved: Option<Result<Vec<SocketAddr>, FetchError>>,
}

/// What the first stage does: load a store, or resolve a name.
enum Prep {
    Store(usize),
    Resolve(Target, Duration),
}

enum Prepared {
    Store(Result<Box<TrustStore>, String>, Duration),
    Resolved(Result<Vec<IpAddr>, FetchError>),
}

/// The name `fetch` would resolve for `t`, if it needs DNS at all.
fn dns_name(t: &Target) -> Option<String> {
    let host = t.connect.as_deref().unwrap_or(&t.host);
    if host.parse::<IpAddr>().is_ok() {
        None
    } else {
        Some(host.to_ascii_lowercase())
    }
}

/// Checks every endpoint of `plan`: stores loaded and names resolved once
/// (first stage), then the checks (second stage), both on `jobs` threads.
pub fn run(plan: &Plan, jobs: usize, progress: bool, want_json: bool) -> Run {
    let started = crate::util::time::now();
    let clock = Instant::now();
    // First stage: each distinct store, each distinct DNS name.
    let mut prep: Vec<Prep> = (0..plan.stores.len()).map(Prep::Store).collect();
    let mut names: Vec<String> = Vec::new();
    for e in &plan.endpoints {
        if let Some(n) = dns_name(&e.target) {
            if !names.contains(&n) {
                names.push(n);
                prep.push(Prep::Resolve(e.target.clone(), e.checks.timeout));
            }
        }
    }
    let loads = AtomicUsize::new(0);
    let prepared = pool_map(
        &prep,
        jobs,
        |p| match p {
            Prep::Store(i) => {
                let s = &plan.stores[*i];
                let t = Instant::now();
                loads.fetch_add(1, Ordering::Relaxed);
                let r = store::open(&s.spec, &s.opts).load();
                Prepared::Store(r.map(Box::new).map_err(|e| e.to_string()), t.elapsed())
            }
            Prep::Resolve(t, timeout) => {
                Prepared::Resolved(crate::fetch::resolve_target(t, *timeout).map(|addrs| {
                    // Each address once, in the resolver's order.
                    let mut ips: Vec<IpAddr> = Vec::new();
                    for a in addrs {
                        if !ips.contains(&a.ip()) {
                            ips.push(a.ip());
                        }
                    }
                    ips
                }))
            }
        },
        || {},
    );
    let mut stores: Vec<LoadedStore> = Vec::new();
    let mut dns: Vec<Result<Vec<IpAddr>, FetchError>> = Vec::new();
    for (p, r) in prep.iter().zip(prepared) {
        match (p, r) {
            (Prep::Store(i), Prepared::Store(result, load_time)) => stores.push(LoadedStore {
                text: plan.stores[*i].text.clone(),
                result: result
                    .map(|s| Arc::new(*s))
                    .map_err(|e| format!("store: {e}")),
                load_time,
                endpoints: 0,
            }),
            (Prep::Resolve(..), Prepared::Resolved(r)) => dns.push(r),
            _ => unreachable!("pool_map keeps the order"),
        }
    }
    // Second stage: the checks.
    let mut work: Vec<Job> = Vec::new();
    for (i, e) in plan.endpoints.iter().enumerate() {
        let Some(name) = dns_name(&e.target) else {
            work.push(Job {
                endpoint: i,
                label: e.label.clone(),
                target: e.target.clone(),
                resolved: None,
            });
            continue;
        };
        let k = names.iter().position(|n| *n == name).unwrap_or(0);
        let port = e.target.connect_port();
        match &dns[k] {
            Ok(ips) if e.checks.resolve_all && e.target.connect.is_none() => {
                for ip in ips {
                    let mut t = e.target.clone();
                    t.connect = Some(ip.to_string());
                    work.push(Job {
                        endpoint: i,
                        label: format!("{} [{ip}]", e.label),
                        target: t,
                        resolved: None,
                    });
                }
            }
            Ok(ips) => work.push(Job {
                endpoint: i,
                label: e.label.clone(),
                target: e.target.clone(),
                resolved: Some(Ok(ips
                    .iter()
                    .map(|ip| SocketAddr::new(*ip, port))
                    .collect())),
            }),
            Err(err) => work.push(Job {
                endpoint: i,
                label: e.label.clone(),
                target: e.target.clone(),
                resolved: Some(Err(err.clone())),
            }),
        }
    }
    for j in &work {
        stores[plan.endpoints[j.endpoint].store].endpoints += 1;
    }
    let bar = Progress::new(progress);
    bar.total.store(work.len(), Ordering::Relaxed);
    let outcomes = pool_map(
        &work,
        jobs,
        |j| check_one(plan, &stores, j, want_json),
        || bar.tick(),
    );
    bar.clear();
    Run {
        sources: plan.sources.clone(),
        started,
        elapsed: clock.elapsed(),
        jobs,
        stores_loaded: loads.load(Ordering::Relaxed),
        names_resolved: names.len(),
        stores,
        outcomes,
    }
}

fn check_one(plan: &Plan, stores: &[LoadedStore], j: &Job, want_json: bool) -> Outcome {
    let e = &plan.endpoints[j.endpoint];
    let t0 = Instant::now();
    let r = match &stores[e.store].result {
        Ok(store) => {
            let opts = CheckOptions {
                target: j.target.clone(),
                store: plan.stores[e.store].spec.clone(),
                store_opts: plan.stores[e.store].opts.clone(),
                timeout: e.checks.timeout,
                ehlo: e.checks.ehlo.clone(),
                warn_days: e.checks.warn_days,
                aia: e.checks.aia && !plan.no_fetch,
                supplied: Vec::new(),
                at: e.checks.at,
            };
            let rev = revocation::Options {
                mode: if plan.no_fetch && !e.checks.revocation_explicit {
                    Mode::Off
                } else {
                    e.checks.revocation
                },
                explicit: e.checks.revocation_explicit,
                timeout: e.checks.timeout,
                budget: None,
                fetch: !plan.no_fetch,
            };
            run::revocation(
                run::check_resolved(&opts, store.as_ref(), j.resolved.clone()),
                &rev,
            )
        }
        Err(msg) => run::check_report(&j.target, e.checks.at).fail("store", msg.clone()),
    };
    outcome(e, j, &r, t0.elapsed(), want_json)
}

fn outcome(e: &Endpoint, j: &Job, r: &Report, elapsed: Duration, want_json: bool) -> Outcome {
    let code = match e.checks.expected {
        None => r.exit_code(),
        Some(x) if x == r.verdict => 0,
        Some(_) => r.exit_code().max(2),
    };
    let days_left = r.paths.as_ref().and_then(|p| {
        p.best()
            .certs
            .iter()
            .map(|&i| (p.cert(i).not_after - r.now).div_euclid(86_400))
            .min()
    });
    let json = want_json
        .then(|| serde_json::from_str(&report::json::render(r)).unwrap_or(serde_json::Value::Null));
    Outcome {
        label: j.label.clone(),
        source: e.source.clone(),
        input: e.target.input.clone(),
        address: r.target.as_ref().and_then(|t| t.address.clone()),
        verdict: r.verdict,
        expected: e.checks.expected,
        code,
        findings: r.findings.clone(),
        error: r.error.clone(),
        days_left,
        elapsed,
        json,
    }
}

/// Severity name for texts.
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}
