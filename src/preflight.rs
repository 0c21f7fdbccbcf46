//! `trustfix preflight`: check a whole deployment's endpoints at once.
//!
//! Endpoints come from a TOML file (`[[endpoint]]` tables, `[defaults]`)
//! and/or one target per line (`--targets -`). Each distinct store is
//! loaded once and shared, each host name is resolved once, and the checks
//! run on a bounded pool of std threads, each with the per-phase timeouts of
//! `check`. Renderings (summary table, JSON document, JUnit XML) live in
//! `report::preflight` and `report::junit`.

use std::io::{IsTerminal, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;
use toml::Spanned;

use crate::cli::PreflightArgs;
use crate::diagnose::{Finding, Severity, Verdict};
use crate::fetch::FetchError;
use crate::report::{self, ErrorInfo, Report};
use crate::revocation::{self, Mode};
use crate::run::{self, CheckOptions};
use crate::store::{self, StoreOptions, StoreSpec, TrustStore};
use crate::target::{self, Target};

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

fn parse_verdict(s: &str) -> Option<Verdict> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "trusted" => Verdict::Trusted,
        "warning" => Verdict::Warning,
        "rejected" => Verdict::Rejected,
        "error" => Verdict::Error,
        _ => return None,
    })
}

/// One endpoint to check, with every setting resolved.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `label` from the file, else the target as written.
    pub label: String,
    /// Where it was defined: `FILE:LINE` or `<stdin>:LINE`.
    pub source: String,
    pub target: Target,
    /// Index into `Plan::stores`.
    pub store: usize,
    pub warn_days: i64,
    pub timeout: Duration,
    pub ehlo: String,
    pub aia: bool,
    pub revocation: Mode,
    /// `revocation` was set (file or command line): `revocation.no_info` is reported too.
    pub revocation_explicit: bool,
    pub resolve_all: bool,
    pub expected: Option<Verdict>,
    /// Judge validity at this Unix time (`--at`).
    pub at: Option<i64>,
}

/// A distinct store: loaded once, shared by every endpoint naming it.
#[derive(Debug, Clone)]
pub struct StoreRef {
    /// As written (`system`, `ca-file:/x.pem`, `java`), paths made absolute
    /// relative to the file that named them.
    pub text: String,
    pub spec: StoreSpec,
    pub opts: StoreOptions,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The files read (`<stdin>` for `--targets -`).
    pub sources: Vec<String>,
    pub endpoints: Vec<Endpoint>,
    pub stores: Vec<StoreRef>,
    /// `--no-fetch`: no AIA, OCSP or CRL request for any endpoint,
    /// whatever the file says.
    pub no_fetch: bool,
}

/// Settings an endpoint inherits when it does not set them itself:
/// built-in defaults, overridden by the command line, overridden by the
/// file's `[defaults]`.
#[derive(Debug, Clone)]
pub struct Base {
    pub store_text: String,
    pub store: StoreSpec,
    pub storepass: Option<String>,
    pub java_opts: Option<String>,
    pub warn_days: i64,
    pub timeout: Duration,
    pub starttls: Option<String>,
    pub ehlo: String,
    pub aia: bool,
    pub revocation: Mode,
    pub revocation_explicit: bool,
    pub resolve_all: bool,
    pub expected: Option<Verdict>,
    pub at: Option<i64>,
}

impl Default for Base {
    fn default() -> Self {
        Base {
            store_text: "system".into(),
            store: StoreSpec::System,
            storepass: None,
            java_opts: None,
            warn_days: 30,
            timeout: Duration::from_secs(10),
            starttls: None,
            ehlo: "localhost".into(),
            aia: true,
            revocation: Mode::Auto,
            revocation_explicit: false,
            resolve_all: false,
            expected: None,
            at: None,
        }
    }
}

impl Plan {
    /// The index of `base`'s store (kind, location, password), adding it
    /// when new.
    fn store_index(&mut self, base: &Base) -> usize {
        if let Some(i) = self.stores.iter().position(|s| {
            s.spec == base.store
                && s.opts.storepass == base.storepass
                && s.opts.java_opts == base.java_opts
        }) {
            return i;
        }
        self.stores.push(StoreRef {
            text: base.store_text.clone(),
            spec: base.store.clone(),
            opts: StoreOptions {
                storepass: base.storepass.clone(),
                java_opts: base.java_opts.clone(),
            },
        });
        self.stores.len() - 1
    }
}

// ---------------------------------------------------------------- the file

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    defaults: Option<Spanned<RawEntry>>,
    #[serde(default)]
    endpoint: Vec<Spanned<RawEntry>>,
}

/// One `[[endpoint]]` table, or `[defaults]` (which may not name a target).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    target: Option<Spanned<String>>,
    label: Option<Spanned<String>>,
    servername: Option<Spanned<String>>,
    connect: Option<Spanned<String>>,
    starttls: Option<Spanned<String>>,
    store: Option<Spanned<String>>,
    storepass: Option<Spanned<String>>,
    storepass_env: Option<Spanned<String>>,
    revocation: Option<Spanned<String>>,
    warn_days: Option<Spanned<i64>>,
    timeout: Option<Spanned<toml::Value>>,
    ehlo: Option<Spanned<String>>,
    aia: Option<Spanned<bool>>,
    resolve_all: Option<Spanned<bool>>,
    expected: Option<Spanned<String>>,
}

/// Byte offsets where each line starts, built once per file, so naming
/// the line of each of 100,000 endpoints stays linear.
struct Lines(Vec<usize>);

impl Lines {
    fn new(src: &str) -> Lines {
        let mut v = vec![0];
        v.extend(
            src.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines(v)
    }

    /// 1-based line of byte offset `pos`.
    fn of(&self, pos: usize) -> usize {
        self.0.partition_point(|&start| start <= pos).max(1)
    }
}

struct FileCtx<'a> {
    name: &'a str,
    lines: Lines,
    dir: &'a Path,
}

impl FileCtx<'_> {
    fn err(&self, span: std::ops::Range<usize>, msg: impl std::fmt::Display) -> String {
        format!("{}:{}: {msg}", self.name, self.lines.of(span.start))
    }

    fn at(&self, span: std::ops::Range<usize>) -> String {
        format!("{}:{}", self.name, self.lines.of(span.start))
    }
}

/// Parses a store value from a file: paths relative to the file's directory.
fn file_store(ctx: &FileCtx, v: &Spanned<String>) -> Result<(String, StoreSpec), String> {
    let mut spec = store::parse_spec(v.get_ref().trim())
        .map_err(|e| ctx.err(v.span(), format!("store = \"{}\": {e}", v.get_ref())))?;
    let rel = |p: &mut PathBuf| {
        if p.is_relative() {
            *p = ctx.dir.join(&*p);
        }
    };
    match &mut spec {
        StoreSpec::CaFile(p) | StoreSpec::CaDir(p) | StoreSpec::Java(Some(p)) => rel(p),
        _ => {}
    }
    Ok((spec_text(&spec, v.get_ref()), spec))
}

/// The canonical text of a store spec, for reports.
fn spec_text(spec: &StoreSpec, written: &str) -> String {
    match spec {
        StoreSpec::System => "system".into(),
        StoreSpec::CaFile(p) => format!("ca-file:{}", p.display()),
        StoreSpec::CaDir(p) => format!("ca-dir:{}", p.display()),
        StoreSpec::Java(None) => "java".into(),
        StoreSpec::Java(Some(p)) => format!("java:{}", p.display()),
        StoreSpec::Os(..) => written.trim().to_string(),
    }
}

/// Applies the settings an entry sets to `base` (for `[defaults]`, and for
/// each endpoint on a copy of the defaults).
fn apply(ctx: &FileCtx, e: &RawEntry, base: &mut Base) -> Result<(), String> {
    if let Some(s) = &e.store {
        let (text, spec) = file_store(ctx, s)?;
        base.store_text = text;
        base.store = spec;
    }
    if let (Some(a), Some(b)) = (&e.storepass, &e.storepass_env) {
        let first = if a.span().start < b.span().start {
            a.span()
        } else {
            b.span()
        };
        return Err(ctx.err(first, "storepass and storepass_env: give one"));
    }
    if let Some(p) = &e.storepass {
        base.storepass = Some(p.get_ref().clone());
    }
    if let Some(v) = &e.storepass_env {
        let name = v.get_ref().trim();
        let pw = std::env::var(name).map_err(|_| {
            ctx.err(
                v.span(),
                format!("storepass_env = \"{name}\": the variable is not set"),
            )
        })?;
        base.storepass = Some(pw);
    }
    if let Some(r) = &e.revocation {
        let v = <Mode as clap::ValueEnum>::from_str(r.get_ref().trim(), true).map_err(|_| {
            ctx.err(
                r.span(),
                format!(
                    "revocation = \"{}\": expected auto, ocsp, crl or off",
                    r.get_ref()
                ),
            )
        })?;
        base.revocation = v;
        base.revocation_explicit = true;
    }
    if let Some(w) = &e.warn_days {
        let d = *w.get_ref();
        if !(0..=36_500).contains(&d) {
            return Err(ctx.err(w.span(), format!("warn_days = {d}: must be 0 to 36500")));
        }
        base.warn_days = d;
    }
    if let Some(t) = &e.timeout {
        let secs = match t.get_ref() {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            other => {
                return Err(ctx.err(
                    t.span(),
                    format!("timeout = {other}: expected seconds (a number)"),
                ))
            }
        };
        if !(secs.is_finite() && (0.01..=3600.0).contains(&secs)) {
            return Err(ctx.err(
                t.span(),
                format!("timeout = {secs}: must be from 0.01 to 3600 seconds"),
            ));
        }
        base.timeout = Duration::from_secs_f64(secs);
    }
    if let Some(s) = &e.starttls {
        let v = s.get_ref().trim().to_ascii_lowercase();
        if v != "auto" && target::Proto::from_name(&v).is_none() {
            return Err(ctx.err(
                s.span(),
                format!(
                    "starttls = \"{v}\": unknown protocol (auto, none, smtp, imap, pop3, ftp, ldap, postgres, mysql, xmpp, xmpp-server, mssql)"
                ),
            ));
        }
        base.starttls = Some(v);
    }
    if let Some(h) = &e.ehlo {
        base.ehlo = h.get_ref().trim().to_string();
    }
    if let Some(a) = &e.aia {
        base.aia = *a.get_ref();
    }
    if let Some(r) = &e.resolve_all {
        base.resolve_all = *r.get_ref();
    }
    if let Some(x) = &e.expected {
        let v = parse_verdict(x.get_ref()).ok_or_else(|| {
            ctx.err(
                x.span(),
                format!(
                    "expected = \"{}\": expected trusted, warning, rejected or error",
                    x.get_ref()
                ),
            )
        })?;
        base.expected = Some(v);
    }
    Ok(())
}

/// Reads a preflight TOML file into `plan`. Errors name the file and line.
pub fn parse_file(
    name: &str,
    src: &str,
    dir: &Path,
    cli: &Base,
    plan: &mut Plan,
) -> Result<(), String> {
    let lines = Lines::new(src);
    let raw: RawFile = toml::from_str(src).map_err(|e| {
        let line = e.span().map(|s| lines.of(s.start));
        let msg = e.message().trim().to_string();
        match line {
            Some(l) => format!("{name}:{l}: {msg}"),
            None => format!("{name}: {msg}"),
        }
    })?;
    let ctx = FileCtx { name, lines, dir };
    let mut defaults = cli.clone();
    if let Some(d) = &raw.defaults {
        let d_ref = d.get_ref();
        for (what, f) in [
            ("target", &d_ref.target),
            ("label", &d_ref.label),
            ("servername", &d_ref.servername),
            ("connect", &d_ref.connect),
        ] {
            if let Some(v) = f {
                return Err(ctx.err(
                    v.span(),
                    format!("{what} belongs in an [[endpoint]] table, not in [defaults]"),
                ));
            }
        }
        apply(&ctx, d_ref, &mut defaults)?;
    }
    if raw.endpoint.is_empty() {
        return Err(format!(
            "{name}: no endpoints: add [[endpoint]] tables with a target (see examples/preflight.toml)"
        ));
    }
    for e in &raw.endpoint {
        let er = e.get_ref();
        let Some(t) = &er.target else {
            return Err(ctx.err(e.span(), "[[endpoint]] without target"));
        };
        let mut b = defaults.clone();
        apply(&ctx, er, &mut b)?;
        let target = target::parse(
            t.get_ref(),
            er.servername.as_ref().map(|s| s.get_ref().as_str()),
            er.connect.as_ref().map(|s| s.get_ref().as_str()),
            b.starttls.as_deref(),
        )
        .map_err(|m| ctx.err(t.span(), m))?;
        let store = plan.store_index(&b);
        let label = er
            .label
            .as_ref()
            .map(|l| l.get_ref().trim().to_string())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| t.get_ref().trim().to_string());
        plan.endpoints.push(Endpoint {
            label,
            source: ctx.at(t.span()),
            target,
            store,
            warn_days: b.warn_days,
            timeout: b.timeout,
            ehlo: b.ehlo.clone(),
            aia: b.aia,
            revocation: b.revocation,
            revocation_explicit: b.revocation_explicit,
            resolve_all: b.resolve_all,
            expected: b.expected,
            at: b.at,
        });
    }
    plan.sources.push(name.to_string());
    Ok(())
}

/// Reads one target per line (`#` comments and blank lines skipped), with
/// the command line's settings.
pub fn parse_targets(name: &str, text: &str, cli: &Base, plan: &mut Plan) -> Result<(), String> {
    let before = plan.endpoints.len();
    for (n, line) in text.lines().enumerate() {
        if line.len() > MAX_TARGET_LINE {
            return Err(format!(
                "{name}:{}: line of {} bytes; a target is at most {MAX_TARGET_LINE}",
                n + 1,
                line.len()
            ));
        }
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let t = target::parse(l, None, None, cli.starttls.as_deref())
            .map_err(|m| format!("{name}:{}: {m}", n + 1))?;
        let store = plan.store_index(cli);
        plan.endpoints.push(Endpoint {
            label: l.to_string(),
            source: format!("{name}:{}", n + 1),
            target: t,
            store,
            warn_days: cli.warn_days,
            timeout: cli.timeout,
            ehlo: cli.ehlo.clone(),
            aia: cli.aia,
            revocation: cli.revocation,
            revocation_explicit: cli.revocation_explicit,
            resolve_all: cli.resolve_all,
            expected: cli.expected,
            at: cli.at,
        });
    }
    if plan.endpoints.len() == before {
        return Err(format!("{name}: no targets (one per line expected)"));
    }
    plan.sources.push(name.to_string());
    Ok(())
}

// ---------------------------------------------------------------- running

/// A store as loaded for the run.
#[derive(Debug, Clone)]
pub struct LoadedStore {
    pub text: String,
    /// Loaded once, then shared read-only by every worker (never cloned
    /// per check: `run::check_resolved` borrows it).
    pub result: Result<Arc<TrustStore>, String>,
    pub load_time: Duration,
    /// Checks that used it.
    pub endpoints: usize,
}

/// What one checked endpoint came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub label: String,
    pub source: String,
    pub input: String,
    /// `ip:port` connected to, when a connection was made.
    pub address: Option<String>,
    pub verdict: Verdict,
    pub expected: Option<Verdict>,
    /// The endpoint's code in the 0-3 convention: its verdict's, or 0 when
    /// it matches `expected`, or at least 2 when it does not.
    pub code: i32,
    pub findings: Vec<Finding>,
    pub error: Option<ErrorInfo>,
    /// Days to the earliest `not_after` in the path built.
    pub days_left: Option<i64>,
    pub elapsed: Duration,
    /// The full check result, in the check schema (only with `--json`).
    pub json: Option<serde_json::Value>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.code < 2
    }

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
    pub sources: Vec<String>,
    pub started: i64,
    pub elapsed: Duration,
    pub jobs: usize,
    pub stores: Vec<LoadedStore>,
    /// How many times a store was read from disk or the OS (once per
    /// distinct store).
    pub stores_loaded: usize,
    pub names_resolved: usize,
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

/// Runs `f` over `items` on at most `jobs` threads, results in item order;
/// `done` is called after each item.
fn pool_map<T, R, F, D>(items: &[T], jobs: usize, f: F, done: D) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
    D: Fn() + Sync,
{
    let threads = jobs.clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                done();
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

/// A one-line progress bar on stderr, drawn only on a terminal.
struct Progress {
    enabled: bool,
    total: AtomicUsize,
    done: AtomicUsize,
    start: Instant,
    draw: Mutex<Instant>,
}

impl Progress {
    fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            start: Instant::now(),
            draw: Mutex::new(Instant::now() - Duration::from_secs(1)),
        }
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.enabled {
            return;
        }
        let total = self.total.load(Ordering::Relaxed).max(1);
        let mut last = self.draw.lock().unwrap_or_else(|e| e.into_inner());
        if done < total && last.elapsed() < Duration::from_millis(50) {
            return;
        }
        *last = Instant::now();
        const W: usize = 30;
        let fill = W * done.min(total) / total;
        let rate = done as f64 / self.start.elapsed().as_secs_f64().max(1e-3);
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "\r[{}{}] {done}/{total} endpoints  {rate:.1}/s ",
            "#".repeat(fill),
            ".".repeat(W - fill)
        );
        let _ = e.flush();
    }

    fn clear(&self) {
        if self.enabled {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[2K");
            let _ = e.flush();
        }
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
    let started = run::now();
    let clock = Instant::now();
    // First stage: each distinct store, each distinct DNS name.
    let mut prep: Vec<Prep> = (0..plan.stores.len()).map(Prep::Store).collect();
    let mut names: Vec<String> = Vec::new();
    for e in &plan.endpoints {
        if let Some(n) = dns_name(&e.target) {
            if !names.contains(&n) {
                names.push(n);
                prep.push(Prep::Resolve(e.target.clone(), e.timeout));
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
                Prepared::Store(r.map(Box::new), t.elapsed())
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
            Ok(ips) if e.resolve_all && e.target.connect.is_none() => {
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
                timeout: e.timeout,
                ehlo: e.ehlo.clone(),
                warn_days: e.warn_days,
                aia: e.aia && !plan.no_fetch,
                supplied: Vec::new(),
                at: e.at,
            };
            let rev = revocation::Options {
                mode: if plan.no_fetch && !e.revocation_explicit {
                    Mode::Off
                } else {
                    e.revocation
                },
                explicit: e.revocation_explicit,
                timeout: e.timeout,
                budget: None,
                fetch: !plan.no_fetch,
            };
            run::revocation(
                run::check_resolved(&opts, store.as_ref(), j.resolved.clone()),
                &rev,
            )
        }
        Err(msg) => run::check_report(&j.target, e.at).fail("store", msg.clone()),
    };
    outcome(e, j, &r, t0.elapsed(), want_json)
}

fn outcome(e: &Endpoint, j: &Job, r: &Report, elapsed: Duration, want_json: bool) -> Outcome {
    let code = match e.expected {
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
        expected: e.expected,
        code,
        findings: r.findings.clone(),
        error: r.error.clone(),
        days_left,
        elapsed,
        json,
    }
}

// ---------------------------------------------------------------- command

fn cli_base(a: &PreflightArgs) -> Result<Base, String> {
    let (store_text, store) = if let Some(f) = &a.store.ca_file {
        (
            format!("ca-file:{}", f.display()),
            StoreSpec::CaFile(f.clone()),
        )
    } else if let Some(d) = &a.store.ca_dir {
        (
            format!("ca-dir:{}", d.display()),
            StoreSpec::CaDir(d.clone()),
        )
    } else if let Some(s) = &a.store.store {
        let spec = store::parse_spec(s)?;
        (spec_text(&spec, s), spec)
    } else {
        ("system".to_string(), StoreSpec::System)
    };
    if !(a.timeout.is_finite() && (0.01..=3600.0).contains(&a.timeout)) {
        return Err(format!(
            "--timeout {}: must be from 0.01 to 3600 seconds",
            a.timeout
        ));
    }
    if let Some(s) = &a.starttls {
        if s != "auto" && target::Proto::from_name(s).is_none() {
            return Err(format!(
                "--starttls '{s}': unknown protocol (auto, none, smtp, imap, pop3, ftp, ldap, postgres, mysql, xmpp, xmpp-server, mssql)"
            ));
        }
    }
    let expected = match &a.expect {
        Some(x) => Some(parse_verdict(x).ok_or_else(|| {
            format!("--expect '{x}': expected trusted, warning, rejected or error")
        })?),
        None => None,
    };
    let storepass = a.store.pass.resolve(&a.store.storepass)?;
    Ok(Base {
        store_text,
        store,
        storepass,
        java_opts: a.store.java_opts.clone(),
        warn_days: a.warn_days.into(),
        timeout: Duration::from_secs_f64(a.timeout),
        starttls: a.starttls.clone(),
        ehlo: a.ehlo.clone().unwrap_or_else(run::default_ehlo),
        aia: !a.no_aia,
        revocation: a.revocation.unwrap_or(Mode::Auto),
        revocation_explicit: a.revocation.is_some(),
        resolve_all: a.resolve_all,
        expected,
        at: a.at,
    })
}

/// Reads text of at most `MAX_INPUT` bytes.
fn read_capped(name: &str, r: &mut dyn Read) -> Result<String, String> {
    let mut s = String::new();
    r.take(MAX_INPUT + 1)
        .read_to_string(&mut s)
        .map_err(|e| format!("{name}: {e}"))?;
    if s.len() as u64 > MAX_INPUT {
        return Err(format!("{name}: larger than {MAX_INPUT} bytes"));
    }
    Ok(s)
}

/// Builds the plan from the command line: the file, then `--targets`.
pub fn plan(a: &PreflightArgs, stdin: &mut dyn Read) -> Result<Plan, String> {
    let base = cli_base(a)?;
    let mut plan = Plan {
        no_fetch: a.no_fetch,
        ..Plan::default()
    };
    if let Some(f) = &a.file {
        let name = f.display().to_string();
        let mut file = std::fs::File::open(f).map_err(|e| format!("{name}: {e}"))?;
        let src = read_capped(&name, &mut file)?;
        let dir = f.parent().unwrap_or(Path::new("."));
        parse_file(&name, &src, dir, &base, &mut plan)?;
    }
    if let Some(t) = &a.targets {
        let (name, text) = if t == "-" {
            ("<stdin>".to_string(), read_capped("<stdin>", stdin)?)
        } else {
            let mut f = std::fs::File::open(t).map_err(|e| format!("{t}: {e}"))?;
            (t.clone(), read_capped(t, &mut f)?)
        };
        parse_targets(&name, &text, &base, &mut plan)?;
    }
    if plan.endpoints.is_empty() {
        return Err("nothing to check: give a FILE and/or --targets FILE|-".into());
    }
    Ok(plan)
}

/// `trustfix preflight`: returns the exit code.
pub fn command(a: PreflightArgs) -> u8 {
    let usage = |msg: &str| -> u8 {
        if a.json {
            println!("{}", report::preflight::usage_json(msg));
        }
        eprintln!("trustfix: {}", crate::util::escape::esc(msg));
        3
    };
    let jobs = match a.jobs {
        Some(0) => return usage("--jobs 0: must be at least 1"),
        Some(n) if n > MAX_JOBS => {
            return usage(&format!("--jobs {n}: at most {MAX_JOBS}"));
        }
        Some(n) => n,
        None => default_jobs(),
    };
    let plan = match plan(&a, &mut std::io::stdin().lock()) {
        Ok(p) => p,
        Err(e) => return usage(&e),
    };
    let progress = !a.no_progress && std::io::stderr().is_terminal();
    let r = run(&plan, jobs, progress, a.json);
    if let Some(path) = &a.junit {
        if let Err(e) = std::fs::write(path, report::junit::render(&r)) {
            eprintln!(
                "trustfix: {}",
                crate::util::escape::esc(&format!("--junit {}: {e}", path.display()))
            );
            return 3;
        }
    }
    if a.json {
        println!("{}", report::preflight::json(&r));
    } else {
        let width = trustfix_platform::terminal::width().unwrap_or(80);
        print!("{}", report::preflight::text(&r, width));
    }
    for s in &r.stores {
        if let Err(e) = &s.result {
            eprintln!(
                "trustfix: {}",
                crate::util::escape::esc(&format!("{}: {e}", s.text))
            );
        }
    }
    r.exit_code().clamp(0, 3) as u8
}

/// Severity name for texts.
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Plan, String> {
        let mut plan = Plan::default();
        parse_file(
            "f.toml",
            src,
            Path::new("/cfg"),
            &Base::default(),
            &mut plan,
        )
        .map(|_| plan)
    }

    #[test]
    fn file_with_defaults_and_overrides() {
        let p = parse(
            r#"
[defaults]
store = "ca-file:roots.pem"
warn_days = 14
timeout = 3
revocation = "off"

[[endpoint]]
target = "smtp://mail.example.com"
label = "relay"
expected = "trusted"

[[endpoint]]
target = "db.example.com:5432"
store = "system"
timeout = 0.5
servername = "db"
connect = "10.0.0.5"
"#,
        )
        .unwrap();
        assert_eq!(p.endpoints.len(), 2);
        assert_eq!(p.stores.len(), 2);
        let a = &p.endpoints[0];
        assert_eq!(a.label, "relay");
        assert_eq!(a.source, "f.toml:9");
        assert_eq!(a.warn_days, 14);
        assert_eq!(a.timeout, Duration::from_secs(3));
        assert_eq!(a.expected, Some(Verdict::Trusted));
        assert_eq!(a.revocation, Mode::Off);
        assert!(a.revocation_explicit);
        assert_eq!(a.target.proto, target::Proto::Smtp);
        assert_eq!(
            p.stores[a.store].spec,
            StoreSpec::CaFile("/cfg/roots.pem".into())
        );
        let b = &p.endpoints[1];
        assert_eq!(b.timeout, Duration::from_millis(500));
        assert_eq!(b.target.servername, "db");
        assert_eq!(b.target.connect.as_deref(), Some("10.0.0.5"));
        assert_eq!(p.stores[b.store].spec, StoreSpec::System);
    }

    #[test]
    fn same_store_is_one_entry() {
        let p = parse(
            "[[endpoint]]\ntarget = \"a:1\"\n[[endpoint]]\ntarget = \"b:2\"\nstore = \"system\"\n",
        )
        .unwrap();
        assert_eq!(p.stores.len(), 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            (
                "[[endpoint]]\ntarget = \"a\"\nstroe = \"x\"\n",
                "f.toml:3:",
                "unknown field",
            ),
            ("[[endpoint]]\ntarget = \n", "f.toml:2:", ""),
            (
                "\n[[endpoint]]\ntarget = \"a:99999\"\n",
                "f.toml:3:",
                "not a port",
            ),
            (
                "[[endpoint]]\ntarget = \"a\"\n\nstore = \"nope\"\n",
                "f.toml:4:",
                "unknown store kind",
            ),
            (
                "[[endpoint]]\ntarget = \"a\"\nexpected = \"fine\"\n",
                "f.toml:3:",
                "expected trusted",
            ),
            (
                "[[endpoint]]\ntarget = \"a\"\ntimeout = \"x\"\n",
                "f.toml:3:",
                "timeout",
            ),
            (
                "[[endpoint]]\ntarget = \"a\"\nwarn_days = -1\n",
                "f.toml:3:",
                "warn_days",
            ),
            (
                "[defaults]\ntarget = \"a\"\n[[endpoint]]\ntarget = \"a\"\n",
                "f.toml:2:",
                "[defaults]",
            ),
            (
                "[[endpoint]]\nlabel = \"x\"\n",
                "f.toml:1:",
                "without target",
            ),
            (
                "[[endpoint]]\ntarget = \"a\"\nrevocation = \"always\"\n",
                "f.toml:3:",
                "auto, ocsp, crl or off",
            ),
            (
                "[[endpoint]]\ntarget = \"a\"\nstorepass_env = \"TRUSTFIX_TEST_UNSET_VARIABLE\"\n",
                "f.toml:3:",
                "not set",
            ),
            (
                "[[endpoint]]\ntarget = \"a\"\nstorepass = \"x\"\nstorepass_env = \"Y\"\n",
                "f.toml:3:",
                "give one",
            ),
            ("# nothing\n", "f.toml:", "no endpoints"),
        ];
        for (src, at, what) in cases {
            let e = parse(src).unwrap_err();
            assert!(e.starts_with(at), "{src:?}: {e}");
            assert!(e.contains(what), "{src:?}: {e}");
        }
    }

    #[test]
    fn targets_lines() {
        let mut p = Plan::default();
        parse_targets(
            "<stdin>",
            "# comment\n\nexample.com\nsmtp://mail.example.com\n",
            &Base::default(),
            &mut p,
        )
        .unwrap();
        assert_eq!(p.endpoints.len(), 2);
        assert_eq!(p.endpoints[1].source, "<stdin>:4");
        let e = parse_targets("<stdin>", "ok\nbad host\n", &Base::default(), &mut p).unwrap_err();
        assert!(e.starts_with("<stdin>:2: "), "{e}");
    }

    #[test]
    fn pool_keeps_order() {
        let items: Vec<u32> = (0..100).collect();
        let n = AtomicUsize::new(0);
        let out = pool_map(
            &items,
            7,
            |x| x * 2,
            || {
                n.fetch_add(1, Ordering::Relaxed);
            },
        );
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(n.load(Ordering::Relaxed), 100);
    }
}
