//! What a check produced, as plain data, and its renderings. Renderers only
//! read a `Report`; they decide nothing.

pub mod json;
pub mod line;
pub mod text;

use crate::cert::Cert;
use crate::diagnose::{Finding, Verdict};
use crate::path::Paths;

/// The target checked, as given and as reached.
#[derive(Debug, Clone)]
pub struct TargetInfo {
    /// The target as given.
    pub input: String,
    /// `host:port` (IPv6 bracketed).
    pub authority: String,
    /// The name sent as SNI and verified.
    pub servername: String,
    /// The address connected to, once a connection was made.
    pub address: Option<String>,
}

/// The handshake that captured the chain.
#[derive(Debug, Clone)]
pub struct TlsInfo {
    /// The version negotiated (`TLSv1.3`, ...).
    pub protocol: String,
    /// The cipher suite negotiated.
    pub cipher_suite: String,
    /// The stapled OCSP response (DER), if the server sent one.
    pub ocsp_stapled: Option<Vec<u8>>,
    /// Why the handshake failed after the certificates arrived; the chain is still diagnosed.
    pub handshake_error: Option<String>,
    /// How TLS was started: `none` (direct TLS), `smtp`, `imap`, ...
    pub starttls: String,
    /// Why: `scheme smtp://`, `well-known port 25`, `port 443` or `--starttls`.
    pub starttls_reason: String,
    /// Captured with the legacy TLS <= 1.2 ClientHello.
    pub legacy: bool,
}

/// The store judged against, as loaded.
#[derive(Debug, Clone)]
pub struct StoreInfo {
    /// The store as messages name it.
    pub label: String,
    /// How many trust anchors it holds.
    pub anchors: usize,
    /// How many intermediates it holds: used to build paths, not trusted.
    pub intermediates: usize,
    /// Remarks from loading it.
    pub notes: Vec<String>,
    /// Physical store of each certificate, by SHA-256 (OS stores).
    pub locations: std::collections::HashMap<[u8; 32], String>,
}

/// Why a check could not be made (verdict `error`).
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// `usage`, `store`, `file`, `dns`, `connect`, `handshake`, `parse`.
    pub phase: String,
    /// One line naming the file, host or field at fault.
    pub message: String,
}

/// Everything a check (or `show`) produced; renderers read only this.
#[derive(Debug, Clone)]
pub struct Report {
    /// The command, as JSON's `command` names it.
    pub command: &'static str,
    /// The target; `None` for `show`.
    pub target: Option<TargetInfo>,
    /// The handshake; `None` for `show` and when none got as far as the certificates.
    pub tls: Option<TlsInfo>,
    /// The store; `None` when none was loaded.
    pub store: Option<StoreInfo>,
    /// Certificates as sent (or as read from the files for `show`).
    pub chain: Vec<Cert>,
    /// Every path built, ranked best first; `None` when none was built.
    pub paths: Option<Paths>,
    /// The findings of the best path and of the connection.
    pub findings: Vec<Finding>,
    /// What the findings come to; `Error` when the check could not be made.
    pub verdict: Verdict,
    /// Why the check could not be made.
    pub error: Option<ErrorInfo>,
    /// Unix seconds the chain was judged at (now, or `--at`).
    pub now: i64,
    /// `now` came from `--at`.
    pub at_given: bool,
    /// Unix seconds the command ran.
    pub checked_at: i64,
    /// Every AIA URL tried, with its result.
    pub aia: Vec<crate::aia::Attempt>,
    /// The URL each AIA-fetched certificate came from, by SHA-256.
    pub fetched_from: std::collections::HashMap<[u8; 32], String>,
    /// Revocation of the best path (`--revocation`), once checked.
    pub revocation: Option<crate::revocation::Summary>,
    /// The one time budget all HTTP fetches of this check share (AIA,
    /// then revocation).
    pub fetch_budget: Option<crate::net::Budget>,
    /// The OS chain engine's own answer (`--store windows|macos` on that OS).
    pub platform_verdict: Option<PlatformVerdict>,
}

impl Report {
    /// An empty report of `command` judged at `now` (Unix seconds): verdict
    /// trusted until the pipeline sets it.
    pub fn new(command: &'static str, now: i64) -> Report {
        Report {
            command,
            target: None,
            tls: None,
            store: None,
            chain: Vec::new(),
            paths: None,
            findings: Vec::new(),
            verdict: Verdict::Trusted,
            error: None,
            now,
            at_given: false,
            checked_at: crate::util::time::now(),
            aia: Vec::new(),
            fetched_from: Default::default(),
            revocation: None,
            fetch_budget: None,
            platform_verdict: None,
        }
    }

    /// Marks the check as not made: verdict `error`, with the phase and the message.
    pub fn fail(mut self, phase: &str, message: impl Into<String>) -> Report {
        self.verdict = Verdict::Error;
        self.error = Some(ErrorInfo {
            phase: phase.into(),
            message: message.into(),
        });
        self
    }

    /// The verdict's exit code: 0 trusted, 1 warnings, 2 rejected, 3 error.
    pub fn exit_code(&self) -> i32 {
        self.verdict.exit_code()
    }
}

/// Why the OS chain engine gave no answer, in the platform crate's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsEngineError(pub String);

impl std::fmt::Display for OsEngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OsEngineError {}

#[derive(Debug, Clone)]
/// The OS chain engine's answer next to trustfix's (`platform_verdict`
/// asks it; `--store windows|macos` on that OS).
pub struct PlatformVerdict {
    /// The OS store asked: machine or user.
    pub scope: trustfix_platform::Scope,
    /// The OS's answer, or why it could not be asked.
    pub answer: Result<trustfix_platform::chain_engine::OsVerdict, OsEngineError>,
    /// The .NET status tokens trustfix's own error findings claim.
    pub trustfix_status: Vec<String>,
    /// Whether trustfix accepts the chain (trusted or warnings only).
    pub trustfix_accepts: bool,
    /// What the OS says and what trustfix says, in one line.
    pub summary: String,
    /// `None` when they agree (or the OS could not be asked).
    pub disagreement: Option<String>,
}
