//! Argument groups shared by several commands, declared once and
//! flattened, each with the conversion to the options the pipeline takes.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::error::Error;
use crate::store::{self, StoreOptions, StoreSpec};
use crate::target::{self, Target};

/// How to reach the server: check, fix, export.
#[derive(Args, Debug, Clone)]
pub struct ConnectArgs {
    /// Name to send as SNI and to verify, when it differs from the host connected to.
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Connect to this address (or host:port) instead of resolving the host; the name is still verified.
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
}

impl ConnectArgs {
    /// The target to check, from its command-line form and these flags.
    pub fn target(&self, input: &str) -> Result<Target, Error> {
        target::parse(
            input,
            self.servername.as_deref(),
            self.connect.as_deref(),
            self.starttls.as_deref(),
        )
        .map_err(|e| Error::Usage(e.to_string()))
    }

    /// `--timeout`, checked.
    pub fn timeout(&self) -> Result<Duration, Error> {
        crate::fetch::phase_timeout(self.timeout)
            .map_err(|e| Error::Usage(format!("--timeout {e}")))
    }

    /// `--ehlo`, or this host's name.
    pub fn ehlo(&self) -> String {
        self.ehlo.clone().unwrap_or_else(crate::run::default_ehlo)
    }
}

/// Outbound requests besides the handshake: check, show, fix, export, preflight.
#[derive(Args, Debug, Clone)]
pub struct FetchArgs {
    /// Do not fetch missing issuers through their AIA caIssuers URL.
    #[arg(long)]
    pub no_aia: bool,
    /// No AIA, OCSP or CRL requests at all (hosts where outbound
    /// requests are not wanted); a stapled OCSP response is still used.
    #[arg(long)]
    pub no_fetch: bool,
}

impl FetchArgs {
    /// Whether missing issuers may be fetched through AIA.
    pub fn aia(&self) -> bool {
        !self.no_aia && !self.no_fetch
    }
}

/// How to open a Java keystore: every command that reads or writes one.
#[derive(Args, Debug, Clone, Default)]
pub struct KeystoreArgs {
    /// Keystore password for java stores [default: javax.net.ssl.trustStorePassword from the
    /// JVM options, else changeit; trusted entries are read even without it].
    #[arg(long, value_name = "PASSWORD")]
    pub storepass: Option<String>,
    /// Read the keystore password from the first line of FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "storepass_env")]
    pub storepass_file: Option<PathBuf>,
    /// Read the keystore password from the environment variable NAME.
    #[arg(long, value_name = "NAME")]
    pub storepass_env: Option<String>,
    /// JVM options to honour (-Djavax.net.ssl.trustStore=...), besides JAVA_TOOL_OPTIONS.
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub java_opts: Option<String>,
}

impl KeystoreArgs {
    /// The password (from `--storepass`, `--storepass-file` or
    /// `--storepass-env`) and the JVM options.
    pub fn options(&self) -> Result<StoreOptions, Error> {
        Ok(StoreOptions {
            storepass: self.password().map_err(Error::Usage)?,
            java_opts: self.java_opts.clone(),
        })
    }

    fn password(&self) -> Result<Option<String>, String> {
        let given = [
            self.storepass.is_some(),
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
        Ok(self.storepass.clone())
    }
}

/// The store a command reads: check, show, export, store list/find, preflight.
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
    /// How to open a Java keystore.
    #[command(flatten)]
    pub keystore: KeystoreArgs,
}

impl StoreArgs {
    /// The store given, if any.
    pub fn given(&self) -> Result<Option<StoreSpec>, Error> {
        if let Some(f) = &self.ca_file {
            return Ok(Some(StoreSpec::CaFile(f.clone())));
        }
        if let Some(d) = &self.ca_dir {
            return Ok(Some(StoreSpec::CaDir(d.clone())));
        }
        match &self.store {
            Some(s) => store::parse_spec(s)
                .map(Some)
                .map_err(|e| Error::Usage(e.to_string())),
            None => Ok(None),
        }
    }

    /// The store given, else the system store.
    pub fn spec(&self) -> Result<StoreSpec, Error> {
        Ok(self.given()?.unwrap_or(StoreSpec::System))
    }
}

/// The store a command changes: import, remove, fix.
#[derive(Args, Debug, Clone)]
pub struct EditStoreArgs {
    /// The store to change: java (the default JVM's truststore), java:KEYSTORE, ca-file:PEM,
    /// linux-anchors, windows[:user], macos[:user].
    #[arg(long, value_name = "KIND[:LOCATION]")]
    pub store: String,
    /// OS stores: machine (Windows LocalMachine, macOS System keychain; default) or user.
    #[arg(long, value_name = "SCOPE", value_parser = super::parse::scope)]
    pub scope: Option<trustfix_platform::Scope>,
    /// How to open a Java keystore.
    #[command(flatten)]
    pub keystore: KeystoreArgs,
}

impl EditStoreArgs {
    /// The store, with `--scope` applied.
    pub fn spec(&self) -> Result<StoreSpec, Error> {
        let mut spec = store::parse_spec(&self.store).map_err(|e| Error::Usage(e.to_string()))?;
        if let Some(scope) = self.scope {
            match &mut spec {
                StoreSpec::Os(_, s) => *s = scope,
                _ => {
                    return Err(Error::Usage(
                        "--scope applies to --store windows and macos".into(),
                    ))
                }
            }
        }
        Ok(spec)
    }
}

/// Confirmation: import, remove, fix.
#[derive(Args, Debug, Clone)]
pub struct ApplyArgs {
    /// Show the plan only; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
}

/// `--json` alone: the commands without other output formats.
#[derive(Args, Debug, Clone)]
pub struct JsonArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// How check and show print their report.
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
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = crate::cli::parse::days)]
    pub warn_days: u32,
    /// --format nagios: CRITICAL when a certificate in the path expires within DAYS.
    #[arg(long, value_name = "DAYS", default_value_t = 7, value_parser = crate::cli::parse::days)]
    pub crit_days: u32,
    /// Judge validity as of TIME instead of now: RFC 3339 (2027-03-01T09:00:00Z) or a date (2027-03-01, midnight UTC).
    #[arg(long, value_name = "TIME", value_parser = crate::util::time::parse_time)]
    pub at: Option<i64>,
}

impl OutputArgs {
    /// `--json` or `--format json`.
    pub fn wants_json(&self) -> bool {
        self.json || self.format == Format::Json
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for people.
    Text,
    /// JSON, schema 1.
    Json,
    /// One monitoring-plugin line.
    Nagios,
}
