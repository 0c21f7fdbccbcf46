//! Command-line definitions (clap derive). Parsing only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "trustfix",
    version,
    about = "Why does this client reject this server's certificate, and what must go into which trust store to fix it?",
    after_help = "Exit codes: 0 trusted, 1 warnings only, 2 a client would reject the chain, 3 could not check."
)]
pub struct Cli {
    /// Colour in text output: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub color: crate::report::text::ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Connect to a server, capture the chain it sends and diagnose it against a trust store.
    Check(CheckArgs),
    /// Render certificates from PEM/DER/PKCS#7 files; with a store, diagnose them as a chain.
    Show(ShowArgs),
    /// Run the Exchange/Database Mail scenario against loopback servers with a fresh PKI.
    Demo(DemoArgs),
    /// Add certificates from FILE as trusted entries (matched by SHA-256; already present = no change).
    Import(ImportArgs),
    /// Remove the trusted entries holding the certificate with this SHA-256.
    Remove(RemoveArgs),
    /// Inspect a trust store.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Print a shell completion script: bash, zsh, fish or powershell.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on standard output: `trustfix man | man -l -`.
    Man,
    /// List the JVMs found and the truststore each one really loads.
    Java(JavaArgs),
    /// Diagnose, then add the missing root and/or intermediates to the store and check again.
    Fix(FixArgs),
    /// Reverse the journaled changes of the last `fix` (or of run ID).
    Undo(UndoArgs),
    /// Write the certificates of a diagnosed path (what the store lacks, the chain, the root)
    /// to files, with the commands that import them on each platform.
    Export(ExportArgs),
    /// Check many endpoints at once (a TOML file and/or --targets): summary table, --json, --junit.
    Preflight(PreflightArgs),
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// List a store's entries (anchors, intermediates; keystore aliases and kinds).
    List(StoreListArgs),
    /// Find certificates by subject text or SHA-256/SHA-1 prefix (exit 1 when nothing matches).
    Find(StoreFindArgs),
}

#[derive(Args, Debug)]
pub struct StoreListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only the entries whose certificate has expired.
    #[arg(long)]
    pub expired: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct StoreFindArgs {
    /// Text in the subject (case-insensitive), or a SHA-256/SHA-1 hex prefix (colons allowed).
    /// Without a store, searches the system store, the default JVM's truststore and (Linux)
    /// linux-anchors.
    pub text: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A chain file (PEM, DER or PKCS#7; the server's certificate first), diagnosed offline,
    /// or a TARGET as for check.
    #[arg(value_name = "TARGET|FILE")]
    pub source: String,
    /// missing: what the store lacks; chain: the whole path; root: the root the path ends at.
    #[arg(long, value_enum)]
    pub what: crate::export::What,
    /// Directory to write to (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// pem (.pem files), der (.cer files, as Windows expects) or p7b (one PKCS#7 bundle).
    #[arg(long, value_enum, default_value = "pem")]
    pub format: crate::export::Format,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
    /// Name to send as SNI and to verify, when it differs from the host connected to.
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Connect to this address instead of resolving the host; the host name is still verified.
    #[arg(long, value_name = "ADDR")]
    pub connect: Option<String>,
    /// How TLS starts, as for check.
    #[arg(long, value_name = "PROTO")]
    pub starttls: Option<String>,
    /// Name to announce in SMTP EHLO [default: this host's name].
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,
    /// Seconds allowed for each phase: DNS, connect, STARTTLS, handshake.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// No AIA, OCSP or CRL requests at all (hosts where outbound
    /// requests are not wanted); a stapled OCSP response is still used.
    #[arg(long)]
    pub no_fetch: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// PEM, DER or PKCS#7 file with the certificate(s) to trust.
    pub file: PathBuf,
    #[command(flatten)]
    pub edit: EditArgs,
    /// OS stores: root or intermediate [default: root for self-signed certificates, else intermediate].
    #[arg(long, value_enum, value_name = "ROLE", default_value = "auto")]
    pub role: RoleArg,
    /// Linux: put an intermediate into the anchors directory (it becomes a trust anchor there).
    #[arg(long)]
    pub intermediate_as_anchor: bool,
    /// Alias for the new entry (one certificate only) [default: trustfix-<subject>-<sha256 prefix>].
    #[arg(long)]
    pub alias: Option<String>,
}

/// `--role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// Root for a self-signed certificate, else intermediate.
    Auto,
    #[value(alias = "anchor")]
    Root,
    #[value(alias = "ca")]
    Intermediate,
}

#[derive(Args, Debug)]
#[group(id = "which", required = true, multiple = false)]
pub struct RemoveArgs {
    /// The certificate's SHA-256 (hex, colons allowed), or a prefix of at least 8 hex digits
    /// that only one entry has.
    #[arg(long, value_name = "HEX", group = "which")]
    pub sha256: Option<String>,
    /// The certificate's SHA-1 thumbprint, as certutil and the Windows MMC show it (or a unique
    /// prefix of at least 8 hex digits).
    #[arg(long, value_name = "HEX", group = "which")]
    pub sha1: Option<String>,
    /// The keystore alias of the entry (Java stores), compared as Java compares aliases.
    #[arg(long, value_name = "NAME", group = "which")]
    pub alias: Option<String>,
    #[command(flatten)]
    pub edit: EditArgs,
}

#[derive(Args, Debug)]
pub struct EditArgs {
    /// The store to change: java (the default JVM's truststore), java:KEYSTORE, ca-file:PEM,
    /// linux-anchors, windows[:user], macos[:user].
    #[arg(long, value_name = "KIND[:LOCATION]")]
    pub store: String,
    /// OS stores: machine (Windows LocalMachine, macOS System keychain; default) or user.
    #[arg(long, value_name = "SCOPE", value_parser = parse_scope)]
    pub scope: Option<trustfix_platform::Scope>,
    /// Keystore password [default: changeit, or javax.net.ssl.trustStorePassword from the JVM options].
    #[arg(long, value_name = "PASSWORD")]
    pub storepass: Option<String>,
    #[command(flatten)]
    pub pass: PassArgs,
    /// JVM options to honour (-Djavax.net.ssl.trustStore=...), besides JAVA_TOOL_OPTIONS.
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub java_opts: Option<String>,
    /// Show the plan only; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct JavaArgs {
    /// JVM options to honour (-Djavax.net.ssl.trustStore=...), besides JAVA_TOOL_OPTIONS.
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub java_opts: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// Trust store: system (default), ca-file:FILE, ca-dir:DIR, java (the default JVM's
    /// truststore), java:KEYSTORE, linux-anchors, windows[:user], macos[:user].
    #[arg(long, value_name = "KIND[:LOCATION]", conflicts_with_all = ["ca_file", "ca_dir"])]
    pub store: Option<String>,
    /// Trust exactly the certificates in FILE (PEM, DER or PKCS#7), as OpenSSL's -CAfile does.
    #[arg(long, value_name = "FILE", conflicts_with = "ca_dir")]
    pub ca_file: Option<PathBuf>,
    /// Trust the certificates in the files of DIR, as OpenSSL's -CApath does.
    #[arg(long, value_name = "DIR")]
    pub ca_dir: Option<PathBuf>,
    /// Keystore password for --store java [default: changeit; the JVM reads trusted entries without it].
    #[arg(long, value_name = "PASSWORD")]
    pub storepass: Option<String>,
    #[command(flatten)]
    pub pass: PassArgs,
    /// JVM options to honour for --store java (-Djavax.net.ssl.trustStore=...), besides JAVA_TOOL_OPTIONS.
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub java_opts: Option<String>,
}

#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Print the result as JSON (schema 1, see docs/json.md); the same as --format json.
    #[arg(long)]
    pub json: bool,
    /// One line: the verdict, the target, the first error (or warning) and its cause.
    #[arg(long, conflicts_with = "json")]
    pub brief: bool,
    /// Output format: text (default), json, or nagios (one monitoring-plugin line with perfdata).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub format: Format,
    /// Warn when a certificate in the path expires within DAYS.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub warn_days: u32,
    /// --format nagios: CRITICAL when a certificate in the path expires within DAYS.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub crit_days: u32,
    /// Judge validity as of TIME instead of now: RFC 3339 (2027-03-01T09:00:00Z) or a date (2027-03-01, midnight UTC).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub at: Option<i64>,
}

impl OutputArgs {
    /// `--json` or `--format json`.
    pub fn wants_json(&self) -> bool {
        self.json || self.format == Format::Json
    }
}

/// `--scope`: machine (local-machine) or user (current-user).
pub fn parse_scope(s: &str) -> Result<trustfix_platform::Scope, String> {
    crate::store::os::parse_scope(s)
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Nagios,
}

/// `--at`: an RFC 3339 time or a date (midnight UTC), as Unix seconds.
pub fn parse_time(s: &str) -> Result<i64, String> {
    use time::format_description::well_known::Rfc3339;
    let t = s.trim();
    if let Ok(dt) = time::OffsetDateTime::parse(t, &Rfc3339) {
        return Ok(dt.unix_timestamp());
    }
    let d = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(t, d) {
        Ok(date) => Ok(date.midnight().assume_utc().unix_timestamp()),
        Err(_) => Err(format!(
            "'{s}': expected an RFC 3339 time (2027-03-01T09:00:00Z) or a date (2027-03-01)"
        )),
    }
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// host, host:port, [v6addr]:port, or a URL: https, smtp, submission, smtps, imap, imaps,
    /// pop3, pop3s, ftp, ftps, ldap, ldaps, postgres, mysql, xmpp, xmpp-server, mssql.
    pub target: String,
    /// Name to send as SNI and to verify, when it differs from the host connected to.
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Connect to this address instead of resolving the host; the host name is still verified.
    #[arg(long, value_name = "ADDR")]
    pub connect: Option<String>,
    /// How TLS starts: auto (from the URL scheme or the port), none (direct TLS), smtp, imap,
    /// pop3, ftp, ldap, postgres, mysql, xmpp, xmpp-server, mssql.
    #[arg(long, value_name = "PROTO")]
    pub starttls: Option<String>,
    /// Name to announce in SMTP EHLO [default: this host's name].
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,
    /// Seconds allowed for each phase: DNS, connect, STARTTLS, handshake.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Do not fetch missing issuers through their AIA caIssuers URL.
    #[arg(long)]
    pub no_aia: bool,
    /// No AIA, OCSP or CRL requests at all (hosts where outbound
    /// requests are not wanted); a stapled OCSP response is still used.
    #[arg(long)]
    pub no_fetch: bool,
    /// Check the revocation of the path built [default: auto].
    #[arg(long, value_enum, value_name = "MODE")]
    pub revocation: Option<crate::revocation::Mode>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Certificate files: the server's certificate first when diagnosing.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Verify this name against the first certificate (only with a store).
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Do not fetch missing issuers through their AIA caIssuers URL.
    #[arg(long)]
    pub no_aia: bool,
    /// No AIA, OCSP or CRL requests at all (hosts where outbound
    /// requests are not wanted); a stapled OCSP response is still used.
    #[arg(long)]
    pub no_fetch: bool,
    /// Check the revocation of the path built; needs a store [default: off].
    #[arg(long, value_enum, value_name = "MODE")]
    pub revocation: Option<crate::revocation::Mode>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep the generated PKI, client stores and journal in DIR instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Keep the loopback servers running (prints their ports and commands to try) until interrupted.
    #[arg(long)]
    pub serve: bool,
}

#[derive(Args, Debug)]
pub struct FixArgs {
    /// Like `check`: host, host:port, or a URL.
    pub target: String,
    /// The store to fix: java[:KEYSTORE], ca-file:PEM, linux-anchors, windows[:user], macos[:user].
    #[arg(long, value_name = "KIND[:LOCATION]")]
    pub store: String,
    /// Name to send as SNI and to verify, when it differs from the host connected to.
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Connect to this address (or host:port) instead of resolving the host; the name is still verified.
    #[arg(long, value_name = "ADDR")]
    pub connect: Option<String>,
    /// How TLS starts: auto (from the URL scheme or the port), none, smtp, imap, pop3, ftp, ldap, postgres, mysql, xmpp, xmpp-server, mssql.
    #[arg(long, value_name = "PROTO")]
    pub starttls: Option<String>,
    /// Name to announce in SMTP EHLO [default: this host's name].
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,
    /// Seconds allowed for each phase: DNS, connect, STARTTLS, handshake.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Do not fetch missing issuers through AIA.
    #[arg(long)]
    pub no_aia: bool,
    /// No AIA, OCSP or CRL requests at all (hosts where outbound
    /// requests are not wanted); a stapled OCSP response is still used.
    #[arg(long)]
    pub no_fetch: bool,
    /// Issuer certificates you obtained yourself (PEM, DER or PKCS#7); repeatable.
    #[arg(long = "cert", value_name = "FILE")]
    pub certs: Vec<PathBuf>,
    /// Refuse unless the root to be trusted has this SHA-256.
    #[arg(long, value_name = "HEX")]
    pub expect_sha256: Option<String>,
    /// Allow anchoring the server's own certificate (breaks at renewal).
    #[arg(long)]
    pub trust_leaf: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// OS stores: machine (Windows LocalMachine, macOS System keychain; default) or user.
    #[arg(long, value_name = "SCOPE", value_parser = parse_scope)]
    pub scope: Option<trustfix_platform::Scope>,
    /// Keystore password [default: changeit, or javax.net.ssl.trustStorePassword from the JVM options].
    #[arg(long, value_name = "PASSWORD")]
    pub storepass: Option<String>,
    #[command(flatten)]
    pub pass: PassArgs,
    /// JVM options to honour (-Djavax.net.ssl.trustStore=...), besides JAVA_TOOL_OPTIONS.
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub java_opts: Option<String>,
    /// Show the plan only.
    #[arg(long)]
    pub dry_run: bool,
    /// Warn when a certificate in the path expires within DAYS.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub warn_days: u32,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct UndoArgs {
    /// The run to reverse (from `fix`'s output or the journal); default: the last one.
    pub id: Option<String>,
    /// Reverse the last run (the default).
    #[arg(long, conflicts_with = "id")]
    pub last: bool,
    /// Keystore password [default: changeit, or javax.net.ssl.trustStorePassword from the JVM options].
    #[arg(long, value_name = "PASSWORD")]
    pub storepass: Option<String>,
    #[command(flatten)]
    pub pass: PassArgs,
    /// JVM options to honour (-Djavax.net.ssl.trustStore=...), besides JAVA_TOOL_OPTIONS.
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub java_opts: Option<String>,
    /// Show what would be reversed; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Trust again, without asking, certificates the run removed.
    #[arg(long)]
    pub yes: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct PreflightArgs {
    /// TOML file listing the endpoints ([[endpoint]] tables; see README, "Preflight").
    #[arg(value_name = "FILE", required_unless_present = "targets")]
    pub file: Option<PathBuf>,
    /// Also check the targets in FILE, one per line (`-`: standard input).
    #[arg(long, value_name = "FILE|-")]
    pub targets: Option<String>,
    /// Check every address each host name resolves to, separately.
    #[arg(long)]
    pub resolve_all: bool,
    /// Checks running at once [default: 16 per CPU, from 16 to 64].
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Seconds allowed for each phase of each endpoint (DNS, connect, STARTTLS, handshake),
    /// unless the file sets `timeout`.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// How TLS starts, for endpoints that do not set `starttls` (default: auto).
    #[arg(long, value_name = "PROTO")]
    pub starttls: Option<String>,
    /// Name to announce in SMTP EHLO [default: this host's name].
    #[arg(long, value_name = "NAME")]
    pub ehlo: Option<String>,
    /// Do not fetch missing issuers through AIA.
    #[arg(long)]
    pub no_aia: bool,
    /// No AIA, OCSP or CRL requests at all (hosts where outbound
    /// requests are not wanted); a stapled OCSP response is still used.
    #[arg(long)]
    pub no_fetch: bool,
    /// Check the revocation of each path built, for endpoints that do not set `revocation`
    /// [default: auto, as check].
    #[arg(long, value_enum, value_name = "MODE")]
    pub revocation: Option<crate::revocation::Mode>,
    /// Expected verdict (trusted, warning, rejected, error) for endpoints that do not set `expected`.
    #[arg(long, value_name = "VERDICT")]
    pub expect: Option<String>,
    /// Store for endpoints that do not set `store`.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Warn when a certificate in the path expires within DAYS, unless the file sets `warn_days`.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub warn_days: u32,
    /// Judge every endpoint's validity as of TIME instead of now (RFC 3339 or a date).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub at: Option<i64>,
    /// Print one JSON document with every endpoint's check result (see docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// Also write JUnit XML to FILE (one testcase per endpoint).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    pub no_progress: bool,
}

/// Keystore passwords kept out of the process list.
#[derive(Args, Debug, Clone, Default)]
pub struct PassArgs {
    /// Read the keystore password from the first line of FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "storepass_env")]
    pub storepass_file: Option<PathBuf>,
    /// Read the keystore password from the environment variable NAME.
    #[arg(long, value_name = "NAME")]
    pub storepass_env: Option<String>,
}

impl PassArgs {
    /// The password from `--storepass`, `--storepass-file` or `--storepass-env`.
    pub fn resolve(&self, storepass: &Option<String>) -> Result<Option<String>, String> {
        let given = [
            storepass.is_some(),
            self.storepass_file.is_some(),
            self.storepass_env.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(
                "give the keystore password once: --storepass, --storepass-file or --storepass-env"
                    .into(),
            );
        }
        if let Some(f) = &self.storepass_file {
            let meta = std::fs::metadata(f)
                .map_err(|e| format!("--storepass-file {}: {e}", f.display()))?;
            if meta.len() > 4096 {
                return Err(format!(
                    "--storepass-file {}: larger than 4 KiB, not a password file",
                    f.display()
                ));
            }
            let text = std::fs::read_to_string(f)
                .map_err(|e| format!("--storepass-file {}: {e}", f.display()))?;
            return Ok(Some(text.lines().next().unwrap_or("").to_string()));
        }
        if let Some(name) = &self.storepass_env {
            return std::env::var(name)
                .map(Some)
                .map_err(|_| format!("--storepass-env {name}: the variable is not set"));
        }
        Ok(storepass.clone())
    }
}
