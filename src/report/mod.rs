//! What a check produced, as plain data, and its renderings. Renderers only
//! read a `Report`; they decide nothing.

pub mod json;
pub mod line;
pub mod text;

use crate::cert::Cert;
use crate::diagnose::{Finding, Verdict};
use crate::path::Paths;

#[derive(Debug, Clone)]
pub struct TargetInfo {
    pub input: String,
    pub authority: String,
    pub servername: String,
    pub address: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TlsInfo {
    pub protocol: String,
    pub cipher_suite: String,
    pub ocsp_stapled: Option<Vec<u8>>,
    pub handshake_error: Option<String>,
    /// How TLS was started (`none`, `smtp`, ...) and why that was chosen.
    pub starttls: String,
    pub starttls_reason: String,
    /// Captured with the legacy TLS <= 1.2 ClientHello.
    pub legacy: bool,
}

#[derive(Debug, Clone)]
pub struct StoreInfo {
    pub label: String,
    pub anchors: usize,
    pub intermediates: usize,
    pub notes: Vec<String>,
    /// Physical store of each certificate, by SHA-256 (OS stores).
    pub locations: std::collections::HashMap<[u8; 32], String>,
}

#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// `usage`, `store`, `file`, `dns`, `connect`, `handshake`, `parse`.
    pub phase: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub command: &'static str,
    pub target: Option<TargetInfo>,
    pub tls: Option<TlsInfo>,
    pub store: Option<StoreInfo>,
    /// Certificates as sent (or as read from the files for `show`).
    pub chain: Vec<Cert>,
    pub paths: Option<Paths>,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
    pub error: Option<ErrorInfo>,
    /// Unix seconds the chain was judged at (now, or `--at`).
    pub now: i64,
    /// `now` came from `--at`.
    pub at_given: bool,
    /// Unix seconds the command ran.
    pub checked_at: i64,
    /// AIA URLs tried, and where each fetched certificate came from.
    pub aia: Vec<crate::aia::Attempt>,
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

    pub fn fail(mut self, phase: &str, message: impl Into<String>) -> Report {
        self.verdict = Verdict::Error;
        self.error = Some(ErrorInfo {
            phase: phase.into(),
            message: message.into(),
        });
        self
    }

    pub fn exit_code(&self) -> i32 {
        self.verdict.exit_code()
    }
}

#[derive(Debug, Clone)]
/// The OS chain engine's answer next to trustfix's (`platform_verdict`
/// asks it; `--store windows|macos` on that OS).
pub struct PlatformVerdict {
    pub scope: trustfix_platform::Scope,
    /// The OS's answer, or why it could not be asked.
    pub answer: Result<trustfix_platform::chain_engine::OsVerdict, String>,
    /// The .NET status tokens trustfix's own error findings claim.
    pub trustfix_status: Vec<String>,
    pub trustfix_accepts: bool,
    /// What the OS says and what trustfix says, in one line.
    pub summary: String,
    /// `None` when they agree (or the OS could not be asked).
    pub disagreement: Option<String>,
}
