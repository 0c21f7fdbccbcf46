//! Command-line definitions (clap derive): parsing only. Flags several
//! commands share are declared once in [`args`] and flattened.

pub mod args;
pub mod parse;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use args::{
    ApplyArgs, ConnectArgs, EditStoreArgs, FetchArgs, Format, JsonArgs, KeystoreArgs, OutputArgs,
    StoreArgs,
};

/// The command line.
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
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
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

impl Command {
    /// The command's name, as reports and errors show it.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Check(_) => "check",
            Command::Show(_) => "show",
            Command::Demo(_) => "demo",
            Command::Import(_) => "import",
            Command::Remove(_) => "remove",
            Command::Store(StoreCommand::List(_)) => "store list",
            Command::Store(StoreCommand::Find(_)) => "store find",
            Command::Completions(_) => "completions",
            Command::Man => "man",
            Command::Java(_) => "java",
            Command::Fix(_) => "fix",
            Command::Undo(_) => "undo",
            Command::Export(_) => "export",
            Command::Preflight(_) => "preflight",
        }
    }

    /// Whether output is JSON, so that an error is a JSON report too.
    pub fn wants_json(&self) -> bool {
        match self {
            Command::Check(a) => a.output.wants_json(),
            Command::Show(a) => a.output.wants_json(),
            Command::Import(a) => a.json.json,
            Command::Remove(a) => a.json.json,
            Command::Store(StoreCommand::List(a)) => a.json.json,
            Command::Store(StoreCommand::Find(a)) => a.json.json,
            Command::Java(a) => a.json.json,
            Command::Fix(a) => a.json.json,
            Command::Undo(a) => a.json.json,
            Command::Export(a) => a.json.json,
            Command::Preflight(a) => a.json,
            Command::Demo(_) | Command::Completions(_) | Command::Man => false,
        }
    }
}

/// `completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `store`.
#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// List a store's entries (anchors, intermediates; keystore aliases and kinds).
    List(StoreListArgs),
    /// Find certificates by subject text or SHA-256/SHA-1 prefix (exit 1 when nothing matches).
    Find(StoreFindArgs),
}

/// `store list`.
#[derive(Args, Debug)]
pub struct StoreListArgs {
    /// The store to list.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only the entries whose certificate has expired.
    #[arg(long)]
    pub expired: bool,
    /// Print JSON instead of text.
    #[command(flatten)]
    pub json: JsonArgs,
}

/// `store find`.
#[derive(Args, Debug)]
pub struct StoreFindArgs {
    /// Text in the subject (case-insensitive), or a SHA-256/SHA-1 hex prefix (colons allowed).
    /// Without a store, searches the system store, the default JVM's truststore and (Linux)
    /// linux-anchors.
    pub text: String,
    /// The store to search; without one, the default stores.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print JSON instead of text.
    #[command(flatten)]
    pub json: JsonArgs,
}

/// `export`.
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
    /// How to reach the server, for a TARGET.
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Outbound requests besides the handshake.
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// The store the path is built against.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print JSON instead of text.
    #[command(flatten)]
    pub json: JsonArgs,
}

/// `import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// PEM, DER or PKCS#7 file with the certificate(s) to trust.
    pub file: PathBuf,
    /// The store to change.
    #[command(flatten)]
    pub store: EditStoreArgs,
    /// Show the plan only, or apply without asking.
    #[command(flatten)]
    pub apply: ApplyArgs,
    /// Print JSON instead of text.
    #[command(flatten)]
    pub json: JsonArgs,
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
    /// A trust anchor (Windows Root, macOS trustRoot).
    #[value(alias = "anchor")]
    Root,
    /// An intermediate (Windows CA); Linux and Java stores have no such place.
    #[value(alias = "ca")]
    Intermediate,
}

impl RoleArg {
    /// The role asked for; `None`: decided per certificate.
    pub fn role(self) -> Option<trustfix_platform::Role> {
        match self {
            RoleArg::Auto => None,
            RoleArg::Root => Some(trustfix_platform::Role::Root),
            RoleArg::Intermediate => Some(trustfix_platform::Role::Intermediate),
        }
    }
}

/// `remove`.
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
    /// The store to change.
    #[command(flatten)]
    pub store: EditStoreArgs,
    /// Show the plan only, or apply without asking.
    #[command(flatten)]
    pub apply: ApplyArgs,
    /// Print JSON instead of text.
    #[command(flatten)]
    pub json: JsonArgs,
}

/// `java`.
#[derive(Args, Debug)]
pub struct JavaArgs {
    /// JVM options to honour (-Djavax.net.ssl.trustStore=...), besides JAVA_TOOL_OPTIONS.
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub java_opts: Option<String>,
    /// Print JSON instead of text.
    #[command(flatten)]
    pub json: JsonArgs,
}

/// `check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// host, host:port, [v6addr]:port, or a URL: https, smtp, submission, smtps, imap, imaps,
    /// pop3, pop3s, ftp, ftps, ldap, ldaps, postgres, mysql, xmpp, xmpp-server, mssql.
    pub target: String,
    /// How to reach the server.
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Outbound requests besides the handshake.
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// Check the revocation of the path built [default: auto].
    #[arg(long, value_enum, value_name = "MODE")]
    pub revocation: Option<crate::revocation::Mode>,
    /// The store to judge the chain against.
    #[command(flatten)]
    pub store: StoreArgs,
    /// How to print the report.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `show`.
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Certificate files: the server's certificate first when diagnosing.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Verify this name against the first certificate (only with a store).
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Outbound requests besides the handshake.
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// Check the revocation of the path built; needs a store [default: off].
    #[arg(long, value_enum, value_name = "MODE")]
    pub revocation: Option<crate::revocation::Mode>,
    /// The store to diagnose against; without one, the certificates are only shown.
    #[command(flatten)]
    pub store: StoreArgs,
    /// How to print the report.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep the generated PKI, client stores and journal in DIR instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Keep the loopback servers running (prints their ports and commands to try) until interrupted.
    #[arg(long)]
    pub serve: bool,
}

/// `fix`.
#[derive(Args, Debug)]
pub struct FixArgs {
    /// Like `check`: host, host:port, or a URL.
    pub target: String,
    /// The store to change.
    #[command(flatten)]
    pub store: EditStoreArgs,
    /// How to reach the server.
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Outbound requests besides the handshake.
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// Issuer certificates you obtained yourself (PEM, DER or PKCS#7); repeatable.
    #[arg(long = "cert", value_name = "FILE")]
    pub certs: Vec<PathBuf>,
    /// Refuse unless the root to be trusted has this SHA-256.
    #[arg(long, value_name = "HEX", value_parser = parse::sha256)]
    pub expect_sha256: Option<[u8; 32]>,
    /// Allow anchoring the server's own certificate (breaks at renewal).
    #[arg(long)]
    pub trust_leaf: bool,
    /// Show the plan only, or apply without asking.
    #[command(flatten)]
    pub apply: ApplyArgs,
    /// Warn when a certificate in the path expires within DAYS.
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = crate::cli::parse::days)]
    pub warn_days: u32,
    /// Print JSON instead of text.
    #[command(flatten)]
    pub json: JsonArgs,
}

/// `undo`.
#[derive(Args, Debug)]
pub struct UndoArgs {
    /// The run to reverse (from `fix`'s output or the journal); default: the last one.
    pub id: Option<String>,
    /// Reverse the last run (the default).
    #[arg(long, conflicts_with = "id")]
    pub last: bool,
    /// How to open the Java keystores the run changed.
    #[command(flatten)]
    pub keystore: KeystoreArgs,
    /// Show what would be reversed; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Trust again, without asking, certificates the run removed.
    #[arg(long)]
    pub yes: bool,
    /// Print JSON instead of text.
    #[command(flatten)]
    pub json: JsonArgs,
}

/// `preflight`.
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
    #[arg(long, value_name = "N", value_parser = parse::jobs)]
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
    /// Outbound requests besides the handshake, for every endpoint.
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// Check the revocation of each path built, for endpoints that do not set `revocation`
    /// [default: auto, as check].
    #[arg(long, value_enum, value_name = "MODE")]
    pub revocation: Option<crate::revocation::Mode>,
    /// Expected verdict (trusted, warning, rejected, error) for endpoints that do not set `expected`.
    #[arg(long, value_name = "VERDICT", value_parser = parse::verdict)]
    pub expect: Option<crate::diagnose::Verdict>,
    /// Store for endpoints that do not set `store`.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Warn when a certificate in the path expires within DAYS, unless the file sets `warn_days`.
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = crate::cli::parse::days)]
    pub warn_days: u32,
    /// Judge every endpoint's validity as of TIME instead of now (RFC 3339 or a date).
    #[arg(long, value_name = "TIME", value_parser = crate::util::time::parse_time)]
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
