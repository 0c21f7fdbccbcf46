//! The plan of a preflight run: the TOML file (`[[endpoint]]` tables,
//! `[defaults]`) and `--targets` lines, every setting resolved per
//! endpoint (built-in defaults < command line < `[defaults]` < endpoint).

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::{parse_verdict, MAX_INPUT, MAX_TARGET_LINE};
use crate::diagnose::Verdict;
use crate::revocation::Mode;
use crate::store::{self, StoreOptions, StoreSpec};
use crate::target::{self, Target};

/// Why a preflight plan could not be built: every error names the file
/// (or `<stdin>`) and, where there is one, the line.
#[derive(Debug)]
pub enum PlanError {
    /// The file is not TOML of the expected shape.
    Toml {
        /// The file.
        file: String,
        /// The line, when the parser knows it.
        line: Option<usize>,
        /// The parser's message.
        message: String,
    },
    /// A setting or endpoint of the file is wrong.
    Setting {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// What is wrong.
        problem: Setting,
    },
    /// The file has no `[[endpoint]]`.
    NoEndpoints(String),
    /// A `--targets` line is longer than any target.
    LongLine {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// A `--targets` line is not a target.
    Target {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// Why.
        message: String,
    },
    /// The `--targets` input has no target.
    NoTargets(String),
    /// The input could not be opened or read.
    Io {
        /// The file.
        file: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The input is larger than `MAX_INPUT`.
    TooLarge(String),
    /// Neither a file nor `--targets` was given.
    NothingToCheck,
}

/// What is wrong with a setting of a preflight file.
#[derive(Debug)]
pub enum Setting {
    /// `store` does not parse.
    Store {
        /// As written.
        value: String,
        /// Why.
        message: String,
    },
    /// Both `storepass` and `storepass_env`.
    BothPasswords,
    /// `storepass_env` names an unset variable.
    EnvUnset(String),
    /// `revocation` is no mode.
    Revocation(String),
    /// `warn_days` out of range.
    WarnDays(i64),
    /// `timeout` is not a number.
    TimeoutNotNumber(String),
    /// `timeout` out of range.
    Timeout(String),
    /// `starttls` names no protocol.
    Starttls(String),
    /// `expected` is no verdict.
    Expected(String),
    /// An endpoint's own setting in `[defaults]`.
    NotInDefaults(&'static str),
    /// An `[[endpoint]]` without `target`.
    NoTarget,
    /// `target` does not parse.
    Target(String),
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Store { value, message } => write!(f, "store = \"{value}\": {message}"),
            Setting::BothPasswords => f.write_str("storepass and storepass_env: give one"),
            Setting::EnvUnset(name) => {
                write!(f, "storepass_env = \"{name}\": the variable is not set")
            }
            Setting::Revocation(v) => write!(
                f,
                "revocation = \"{v}\": expected auto, ocsp, crl or off"
            ),
            Setting::WarnDays(d) => write!(f, "warn_days = {d}: must be 0 to 36500"),
            Setting::TimeoutNotNumber(v) => {
                write!(f, "timeout = {v}: expected seconds (a number)")
            }
            Setting::Timeout(m) => write!(f, "timeout = {m}"),
            Setting::Starttls(v) => write!(
                f,
                "starttls = \"{v}\": unknown protocol (auto, none, smtp, imap, pop3, ftp, ldap, postgres, mysql, xmpp, xmpp-server, mssql)"
            ),
            Setting::Expected(v) => write!(
                f,
                "expected = \"{v}\": expected trusted, warning, rejected or error"
            ),
            Setting::NotInDefaults(what) => write!(
                f,
                "{what} belongs in an [[endpoint]] table, not in [defaults]"
            ),
            Setting::NoTarget => f.write_str("[[endpoint]] without target"),
            Setting::Target(m) => f.write_str(m),
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Toml {
                file,
                line: Some(l),
                message,
            } => write!(f, "{file}:{l}: {message}"),
            PlanError::Toml {
                file,
                line: None,
                message,
            } => write!(f, "{file}: {message}"),
            PlanError::Setting {
                file,
                line,
                problem,
            } => write!(f, "{file}:{line}: {problem}"),
            PlanError::NoEndpoints(file) => write!(
                f,
                "{file}: no endpoints: add [[endpoint]] tables with a target (see examples/preflight.toml)"
            ),
            PlanError::LongLine { file, line, len } => write!(
                f,
                "{file}:{line}: line of {len} bytes; a target is at most {MAX_TARGET_LINE}"
            ),
            PlanError::Target {
                file,
                line,
                message,
            } => write!(f, "{file}:{line}: {message}"),
            PlanError::NoTargets(file) => write!(f, "{file}: no targets (one per line expected)"),
            PlanError::Io { file, source } => write!(f, "{file}: {source}"),
            PlanError::TooLarge(file) => write!(f, "{file}: larger than {MAX_INPUT} bytes"),
            PlanError::NothingToCheck => {
                f.write_str("nothing to check: give a FILE and/or --targets FILE|-")
            }
        }
    }
}

impl std::error::Error for PlanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PlanError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The days a `cert.expiring_soon` threshold may be (a hundred years), on
/// the command line and in the file alike.
pub const WARN_DAYS: std::ops::RangeInclusive<i64> = 0..=36_500;

/// One endpoint to check, with every setting resolved.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `label` from the file, else the target as written.
    pub label: String,
    /// Where it was defined: `FILE:LINE` or `<stdin>:LINE`.
    pub source: String,
    /// The target, with the endpoint's servername, connect and starttls applied.
    pub target: Target,
    /// Index into `Plan::stores`.
    pub store: usize,
    /// How it is checked.
    pub checks: Checks,
}

/// How an endpoint is checked, every setting resolved (built-in defaults <
/// command line < `[defaults]` < the endpoint): one struct, so an endpoint
/// takes its settings from `Base` as a whole.
#[derive(Debug, Clone)]
pub struct Checks {
    /// `cert.expiring_soon` within this many days (0 to 36500).
    pub warn_days: i64,
    /// Time allowed for each phase: DNS, connect, STARTTLS, handshake.
    pub timeout: Duration,
    /// Name to announce in SMTP EHLO.
    pub ehlo: String,
    /// Fetch missing issuers through AIA (unless [`Plan::no_fetch`]).
    pub aia: bool,
    /// Which revocation checks to make.
    pub revocation: Mode,
    /// `revocation` was set (file or command line): `revocation.no_info` is reported too.
    pub revocation_explicit: bool,
    /// Check every address the host name resolves to, separately.
    pub resolve_all: bool,
    /// The verdict expected; another one fails the endpoint.
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
    /// The store as parsed.
    pub spec: StoreSpec,
    /// The keystore password and JVM options to open it with.
    pub opts: StoreOptions,
}

/// Everything a preflight run checks: the endpoints and the distinct stores they use.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The files read (`<stdin>` for `--targets -`).
    pub sources: Vec<String>,
    /// In the order given: the file's, then `--targets`'.
    pub endpoints: Vec<Endpoint>,
    /// Each distinct store once (same kind, location, password and JVM options).
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
    /// The store as written, for reports (see [`spec_text`]).
    pub store_text: String,
    /// The store as parsed.
    pub store: StoreSpec,
    /// Keystore password (`storepass`, `storepass_env`, or the command line's).
    pub storepass: Option<String>,
    /// JVM options that name the Java truststore.
    pub java_opts: Option<String>,
    /// How TLS starts; `None` or `auto`: from the URL scheme or the port.
    pub starttls: Option<String>,
    /// How endpoints are checked.
    pub checks: Checks,
}

impl Default for Base {
    fn default() -> Self {
        Base {
            store_text: "system".into(),
            store: StoreSpec::System,
            storepass: None,
            java_opts: None,
            starttls: None,
            checks: Checks {
                warn_days: 30,
                timeout: Duration::from_secs(10),
                ehlo: "localhost".into(),
                aia: true,
                revocation: Mode::Auto,
                revocation_explicit: false,
                resolve_all: false,
                expected: None,
                at: None,
            },
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
    fn err(&self, span: std::ops::Range<usize>, problem: Setting) -> PlanError {
        PlanError::Setting {
            file: self.name.to_string(),
            line: self.lines.of(span.start),
            problem,
        }
    }

    fn at(&self, span: std::ops::Range<usize>) -> String {
        format!("{}:{}", self.name, self.lines.of(span.start))
    }
}

/// Parses a store value from a file: paths relative to the file's directory.
fn file_store(ctx: &FileCtx, v: &Spanned<String>) -> Result<(String, StoreSpec), PlanError> {
    let mut spec = store::parse_spec(v.get_ref().trim()).map_err(|e| {
        ctx.err(
            v.span(),
            Setting::Store {
                value: v.get_ref().clone(),
                message: e.to_string(),
            },
        )
    })?;
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
pub fn spec_text(spec: &StoreSpec, written: &str) -> String {
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
fn apply(ctx: &FileCtx, e: &RawEntry, base: &mut Base) -> Result<(), PlanError> {
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
        return Err(ctx.err(first, Setting::BothPasswords));
    }
    if let Some(p) = &e.storepass {
        base.storepass = Some(p.get_ref().clone());
    }
    if let Some(v) = &e.storepass_env {
        let name = v.get_ref().trim();
        let pw = std::env::var(name)
            .map_err(|_| ctx.err(v.span(), Setting::EnvUnset(name.to_string())))?;
        base.storepass = Some(pw);
    }
    if let Some(r) = &e.revocation {
        let v = <Mode as clap::ValueEnum>::from_str(r.get_ref().trim(), true)
            .map_err(|_| ctx.err(r.span(), Setting::Revocation(r.get_ref().clone())))?;
        base.checks.revocation = v;
        base.checks.revocation_explicit = true;
    }
    if let Some(w) = &e.warn_days {
        let d = *w.get_ref();
        if !WARN_DAYS.contains(&d) {
            return Err(ctx.err(w.span(), Setting::WarnDays(d)));
        }
        base.checks.warn_days = d;
    }
    if let Some(t) = &e.timeout {
        let secs = match t.get_ref() {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            other => {
                return Err(ctx.err(t.span(), Setting::TimeoutNotNumber(other.to_string())));
            }
        };
        base.checks.timeout = crate::fetch::phase_timeout(secs)
            .map_err(|e| ctx.err(t.span(), Setting::Timeout(e.to_string())))?;
    }
    if let Some(s) = &e.starttls {
        let v = s.get_ref().trim().to_ascii_lowercase();
        if v != "auto" && target::Proto::from_name(&v).is_none() {
            return Err(ctx.err(s.span(), Setting::Starttls(v)));
        }
        base.starttls = Some(v);
    }
    if let Some(h) = &e.ehlo {
        base.checks.ehlo = h.get_ref().trim().to_string();
    }
    if let Some(a) = &e.aia {
        base.checks.aia = *a.get_ref();
    }
    if let Some(r) = &e.resolve_all {
        base.checks.resolve_all = *r.get_ref();
    }
    if let Some(x) = &e.expected {
        let v = parse_verdict(x.get_ref())
            .ok_or_else(|| ctx.err(x.span(), Setting::Expected(x.get_ref().clone())))?;
        base.checks.expected = Some(v);
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
) -> Result<(), PlanError> {
    let lines = Lines::new(src);
    let raw: RawFile = toml::from_str(src).map_err(|e| PlanError::Toml {
        file: name.to_string(),
        line: e.span().map(|s| lines.of(s.start)),
        message: e.message().trim().to_string(),
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
                return Err(ctx.err(v.span(), Setting::NotInDefaults(what)));
            }
        }
        apply(&ctx, d_ref, &mut defaults)?;
    }
    if raw.endpoint.is_empty() {
        return Err(PlanError::NoEndpoints(name.to_string()));
    }
    for e in &raw.endpoint {
        let er = e.get_ref();
        let Some(t) = &er.target else {
            return Err(ctx.err(e.span(), Setting::NoTarget));
        };
        let mut b = defaults.clone();
        apply(&ctx, er, &mut b)?;
        let target = target::parse(
            t.get_ref(),
            er.servername.as_ref().map(|s| s.get_ref().as_str()),
            er.connect.as_ref().map(|s| s.get_ref().as_str()),
            b.starttls.as_deref(),
        )
        .map_err(|m| ctx.err(t.span(), Setting::Target(m.to_string())))?;
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
            checks: b.checks.clone(),
        });
    }
    plan.sources.push(name.to_string());
    Ok(())
}

/// Reads one target per line (`#` comments and blank lines skipped), with
/// the command line's settings.
pub fn parse_targets(name: &str, text: &str, cli: &Base, plan: &mut Plan) -> Result<(), PlanError> {
    let before = plan.endpoints.len();
    for (n, line) in text.lines().enumerate() {
        if line.len() > MAX_TARGET_LINE {
            return Err(PlanError::LongLine {
                file: name.to_string(),
                line: n + 1,
                len: line.len(),
            });
        }
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let t = target::parse(l, None, None, cli.starttls.as_deref()).map_err(|m| {
            PlanError::Target {
                file: name.to_string(),
                line: n + 1,
                message: m.to_string(),
            }
        })?;
        let store = plan.store_index(cli);
        plan.endpoints.push(Endpoint {
            label: l.to_string(),
            source: format!("{name}:{}", n + 1),
            target: t,
            store,
            checks: cli.checks.clone(),
        });
    }
    if plan.endpoints.len() == before {
        return Err(PlanError::NoTargets(name.to_string()));
    }
    plan.sources.push(name.to_string());
    Ok(())
}

/// Reads text of at most `MAX_INPUT` bytes.
pub fn read_capped(name: &str, r: &mut dyn Read) -> Result<String, PlanError> {
    let mut s = String::new();
    r.take(MAX_INPUT + 1)
        .read_to_string(&mut s)
        .map_err(|source| PlanError::Io {
            file: name.to_string(),
            source,
        })?;
    if s.len() as u64 > MAX_INPUT {
        return Err(PlanError::TooLarge(name.to_string()));
    }
    Ok(s)
}

/// Builds the plan: the file, then the `--targets` input (`-`: `stdin`),
/// each endpoint inheriting from `base`.
pub fn load(
    base: &Base,
    file: Option<&Path>,
    targets: Option<&str>,
    no_fetch: bool,
    stdin: &mut dyn Read,
) -> Result<Plan, PlanError> {
    let mut plan = Plan {
        no_fetch,
        ..Plan::default()
    };
    if let Some(f) = file {
        let name = f.display().to_string();
        let mut file = std::fs::File::open(f).map_err(|source| PlanError::Io {
            file: name.clone(),
            source,
        })?;
        let src = read_capped(&name, &mut file)?;
        let dir = f.parent().unwrap_or(Path::new("."));
        parse_file(&name, &src, dir, base, &mut plan)?;
    }
    if let Some(t) = targets {
        let (name, text) = if t == "-" {
            ("<stdin>".to_string(), read_capped("<stdin>", stdin)?)
        } else {
            let mut f = std::fs::File::open(t).map_err(|source| PlanError::Io {
                file: t.to_string(),
                source,
            })?;
            (t.to_string(), read_capped(t, &mut f)?)
        };
        parse_targets(&name, &text, base, &mut plan)?;
    }
    if plan.endpoints.is_empty() {
        return Err(PlanError::NothingToCheck);
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Plan, PlanError> {
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
        assert_eq!(a.checks.warn_days, 14);
        assert_eq!(a.checks.timeout, Duration::from_secs(3));
        assert_eq!(a.checks.expected, Some(Verdict::Trusted));
        assert_eq!(a.checks.revocation, Mode::Off);
        assert!(a.checks.revocation_explicit);
        assert_eq!(a.target.proto, target::Proto::Smtp);
        assert_eq!(
            p.stores[a.store].spec,
            StoreSpec::CaFile("/cfg/roots.pem".into())
        );
        let b = &p.endpoints[1];
        assert_eq!(b.checks.timeout, Duration::from_millis(500));
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
            let e = parse(src).unwrap_err().to_string();
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
        let e = parse_targets("<stdin>", "ok\nbad host\n", &Base::default(), &mut p)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("<stdin>:2: "), "{e}");
    }
}
