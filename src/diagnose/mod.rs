//! Findings: every problem of a path, per certificate, each with a stable
//! id, a severity, a one-line explanation, a fix hint and what each client
//! (.NET, Java, OpenSSL) says about it. Knows certificates and paths,
//! nothing of sockets or store formats.
//!
//! Each rule family has its module; each rule says which clients reject
//! (`Rejects`), and the store's client decides the severity. Paths are
//! ranked by their findings (`rank`): the path diagnosed is the one a
//! client would pick, the best one that exists, never one that merely
//! looks shorter.

mod chain;
mod constraints;
mod extensions;
mod name;
mod revocation;
mod strength;
mod usage;
mod validity;

use serde::Serialize;

use crate::cert::Cert;
use crate::path::{End, Path, Paths};
use crate::store::Client;

pub use crate::names::dns_matches;
pub use revocation::revocation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Trusted,
    Warning,
    Rejected,
    Error,
}

impl Verdict {
    /// Monitoring-plugin exit codes.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Trusted => 0,
            Verdict::Warning => 1,
            Verdict::Rejected => 2,
            Verdict::Error => 3,
        }
    }

    pub fn from_findings(f: &[Finding]) -> Verdict {
        match f.iter().map(|f| f.severity).max() {
            Some(Severity::Error) => Verdict::Rejected,
            Some(Severity::Warning) => Verdict::Warning,
            _ => Verdict::Trusted,
        }
    }
}

macro_rules! finding_ids {
    ($($variant:ident = $s:literal,)*) => {
        /// Stable finding ids: the strings are part of the JSON schema.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FindingId {
            $($variant,)*
        }

        impl FindingId {
            pub const ALL: &'static [FindingId] = &[$(FindingId::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(FindingId::$variant => $s,)*
                }
            }
        }
    };
}

finding_ids! {
    ChainIncomplete = "chain.incomplete",
    ChainUntrustedRoot = "chain.untrusted_root",
    ChainRenewedCa = "chain.renewed_ca",
    ChainSelfSigned = "chain.self_signed",
    ChainAnchorAkiMismatch = "chain.anchor_aki_mismatch",
    ChainOrder = "chain.order",
    ChainExtra = "chain.extra",
    CertExpired = "cert.expired",
    CertNotYetValid = "cert.not_yet_valid",
    CertExpiringSoon = "cert.expiring_soon",
    CertNotCa = "cert.not_ca",
    CertMalformed = "cert.malformed",
    CertRevoked = "cert.revoked",
    NameMismatch = "name.mismatch",
    NameCnOnly = "name.cn_only",
    NameNotPermitted = "name.not_permitted",
    NameExcluded = "name.excluded",
    NameUnsupportedConstraint = "name.unsupported_constraint",
    SigInvalid = "sig.invalid",
    SigUnsupported = "sig.unsupported",
    SigAlgMismatch = "sig.alg_mismatch",
    SigWeak = "sig.weak",
    KeyWeak = "key.weak",
    EkuNoServerAuth = "eku.no_server_auth",
    KuNoTlsUsage = "ku.no_tls_usage",
    ExtUnknownCritical = "ext.unknown_critical",
    TlsLegacyOnly = "tls.legacy_only",
    AiaFailed = "aia.failed",
    RevocationUnknown = "revocation.unknown",
    RevocationNoInfo = "revocation.no_info",
}

impl FindingId {
    /// What the server side must do when this finding is an error: no
    /// trust-store change fixes it. `None` for findings a store fixes.
    pub fn server_side_remedy(self) -> Option<&'static str> {
        use FindingId::*;
        Some(match self {
            CertExpired => "renew the certificate on the server",
            CertNotYetValid => "fix the clock, or wait until the certificate is valid",
            NameMismatch => "connect by a name the certificate covers, or reissue it with the right subjectAltName",
            SigInvalid => "install the matching issuer certificate on the server",
            SigUnsupported => "reissue the certificate with an RSA, ECDSA P-256/P-384 or Ed25519 signature",
            SigAlgMismatch => "reissue the certificate: its two signature algorithm fields differ",
            SigWeak => "reissue the certificate with SHA-256",
            KeyWeak => "reissue with an RSA-2048+ or EC P-256 key",
            CertNotCa => "reissue the issuing certificate as a proper CA",
            CertMalformed => "reissue the certificate with well-formed extensions",
            EkuNoServerAuth => "reissue the certificate with serverAuth",
            KuNoTlsUsage => "reissue the certificate with keyUsage digitalSignature",
            ExtUnknownCritical => "reissue the certificate without the unknown critical extension",
            NameNotPermitted | NameExcluded | NameUnsupportedConstraint => {
                "issue the server's certificate for names the CA is constrained to, or from another CA"
            }
            CertRevoked => "reissue the certificate",
            _ => return None,
        })
    }
}

impl std::fmt::Display for FindingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FindingId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for FindingId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What each client family reports for a finding.
#[derive(Debug, Clone, Serialize)]
pub struct Clients {
    pub dotnet: String,
    pub java: String,
    pub openssl: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Concerns {
    /// Position in the built path (0 = the server's certificate).
    pub depth: usize,
    pub subject: String,
    /// `None` for a certificate that is missing.
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: FindingId,
    pub severity: Severity,
    pub certificate: Option<Concerns>,
    pub message: String,
    pub fix: String,
    pub clients: Clients,
}

impl Finding {
    /// The cause in a few words, for one-line output (`--brief`, Nagios).
    pub fn short(&self) -> String {
        use FindingId::*;
        let who = self
            .certificate
            .as_ref()
            .map(|c| c.subject.as_str())
            .unwrap_or("?");
        match self.id {
            ChainUntrustedRoot => format!("root '{who}' not trusted"),
            ChainIncomplete => format!("issuer '{who}' neither sent nor in the store"),
            ChainRenewedCa => format!("the store has '{who}' only with another key"),
            ChainSelfSigned => format!("self-signed '{who}' not trusted"),
            CertExpired => format!("'{who}' expired"),
            CertNotYetValid => format!("'{who}' not yet valid"),
            CertExpiringSoon => format!("'{who}' expires soon"),
            CertRevoked => format!("'{who}' revoked"),
            NameMismatch => "name not covered by the certificate".into(),
            SigInvalid => format!("bad signature on '{who}'"),
            SigUnsupported => format!("signature on '{who}' could not be verified"),
            _ => {
                let m = self.message.split("; ").next().unwrap_or(&self.message);
                let mut s: String = m.chars().take(120).collect();
                if m.chars().count() > 120 {
                    s.push('…');
                }
                s
            }
        }
    }
}

pub struct Context<'a> {
    /// Name the client asked for (SNI); `None` skips the name check.
    pub servername: Option<&'a str>,
    pub now: i64,
    pub warn_days: i64,
    pub store_label: &'a str,
    pub client: Client,
    /// Certificates fetched through AIA, by SHA-256, with their URL.
    pub fetched_from: &'a std::collections::HashMap<[u8; 32], String>,
    /// Every AIA URL tried, for `aia.failed`.
    pub aia_failures: &'a [crate::aia::Attempt],
}

/// Which client families refuse what a rule found. The store's client
/// decides the severity: an error when its client refuses, a warning when
/// only other clients do (so a Java store still hears what OpenSSL would
/// say), otherwise info.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejects {
    pub dotnet: bool,
    pub java: bool,
    pub openssl: bool,
}

impl Rejects {
    pub const ALL: Rejects = Rejects {
        dotnet: true,
        java: true,
        openssl: true,
    };
    pub const NONE: Rejects = Rejects {
        dotnet: false,
        java: false,
        openssl: false,
    };

    pub fn severity(self, client: Client) -> Severity {
        let own = match client {
            Client::Any => self.dotnet || self.java || self.openssl,
            Client::Java => self.java,
            Client::Windows => self.dotnet,
        };
        if own {
            Severity::Error
        } else if self.dotnet || self.java || self.openssl {
            Severity::Warning
        } else {
            Severity::Info
        }
    }
}

pub(crate) const DOTNET_INVALID: &str =
    "\"The remote certificate is invalid according to the validation procedure.\"";
pub(crate) const JAVA_PKIX: &str = "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target";
pub(crate) const JAVA_VALIDATION: &str =
    "PKIX path validation failed: java.security.cert.CertPathValidatorException";
pub(crate) const ACCEPTED: &str = "accepted";

pub(crate) fn clients(
    dotnet: impl Into<String>,
    java: impl Into<String>,
    openssl: impl Into<String>,
) -> Clients {
    Clients {
        dotnet: dotnet.into(),
        java: java.into(),
        openssl: openssl.into(),
    }
}

pub(crate) fn concerns(depth: usize, c: &Cert) -> Option<Concerns> {
    Some(Concerns {
        depth,
        subject: c.subject.clone(),
        sha256: Some(c.sha256_hex()),
    })
}

/// A path with the certificates resolved, as the rule families read it.
pub(crate) struct View<'p> {
    pub paths: &'p Paths,
    pub path: &'p Path,
    pub chain: Vec<&'p Cert>,
}

impl<'p> View<'p> {
    fn new(paths: &'p Paths, path: &'p Path) -> View<'p> {
        View {
            paths,
            path,
            chain: path.certs.iter().map(|&i| paths.cert(i)).collect(),
        }
    }

    pub fn last(&self) -> usize {
        self.chain.len() - 1
    }

    /// The certificate at `depth` is the store's trust anchor ending the path.
    pub fn is_anchor(&self, depth: usize) -> bool {
        self.path.end == End::Trusted && depth == self.last()
    }
}

/// Everything wrong with one path: how it ends, every certificate and
/// every signature in it, the name, the constraints.
fn path_findings(paths: &Paths, path: &Path, ctx: &Context) -> Vec<Finding> {
    let v = View::new(paths, path);
    let mut out = Vec::new();
    chain::end(&mut out, &v, ctx);
    chain::fetched(&mut out, &v, ctx);
    for (depth, c) in v.chain.iter().enumerate() {
        extensions::malformed(&mut out, depth, c, ctx);
        extensions::critical(&mut out, depth, c, v.is_anchor(depth), ctx);
        validity::dates(&mut out, depth, c, ctx, v.is_anchor(depth));
        strength::weak(&mut out, depth, c, v.is_anchor(depth), ctx.client);
        usage::issuer(&mut out, &v, depth, ctx);
        usage::eku(&mut out, depth, c, v.is_anchor(depth), ctx);
    }
    usage::leaf_key_usage(&mut out, v.chain[0], ctx);
    strength::signatures(&mut out, &v, ctx);
    constraints::check(&mut out, &v, ctx);
    if let Some(name) = ctx.servername {
        name::check(&mut out, v.chain[0], name, ctx);
    }
    out
}

/// Orders `paths.ranked` best first: fewest errors, then how it ends
/// (trusted, untrusted root, incomplete), fewest warnings, shortest.
/// This is the path a client that tries alternatives (OpenSSL with
/// alternative chains, Java's builder, the Windows chain engine) ends up
/// judging.
pub fn rank(paths: &mut Paths, ctx: &Context) {
    let list = std::mem::take(&mut paths.ranked);
    let mut keyed: Vec<((usize, u8, usize, usize), Path)> = list
        .into_iter()
        .map(|p| {
            let f = path_findings(paths, &p, ctx);
            let count = |s| f.iter().filter(|x| x.severity == s).count();
            let end = match p.end {
                End::Trusted => 0,
                End::UntrustedRoot => 1,
                End::Incomplete { .. } => 2,
            };
            (
                (
                    count(Severity::Error),
                    end,
                    count(Severity::Warning),
                    p.certs.len(),
                ),
                p,
            )
        })
        .collect();
    keyed.sort_by_key(|(k, _)| *k);
    paths.ranked = keyed.into_iter().map(|(_, p)| p).collect();
}

/// Ranks the paths and diagnoses the best one completely, adding what
/// concerns the chain as a whole (order, extra certificates, AIA).
pub fn diagnose(paths: &mut Paths, ctx: &Context) -> Vec<Finding> {
    rank(paths, ctx);
    let mut out = path_findings(paths, paths.best(), ctx);
    chain::aia_failures(&mut out, ctx);
    chain::sent_order(&mut out, paths);
    out
}

/// Findings about the connection rather than the chain: today only
/// `tls.legacy_only`, when rustls could not negotiate and the chain came
/// from the legacy ClientHello.
pub fn connection(
    protocol: &str,
    suite: &str,
    legacy: bool,
    modern_error: Option<&str>,
) -> Vec<Finding> {
    if !legacy {
        return Vec::new();
    }
    let old_version = matches!(protocol, "SSLv3" | "TLSv1.0" | "TLSv1.1");
    let broken_cipher = [
        "RC4", "3DES", "_DES_", "DES40", "EXPORT", "NULL", "IDEA", "SEED", "MD5",
    ]
    .iter()
    .any(|w| suite.contains(w));
    let what = if old_version {
        format!("{protocol} only")
    } else {
        format!("{protocol} with {suite} only")
    };
    let verdict = |refuses: bool, why: &str| {
        if refuses {
            format!("refused ({why})")
        } else {
            "accepted".to_string()
        }
    };
    let dotnet = if old_version {
        "refused by default on Windows Server 2022 / Windows 11 (TLS 1.0/1.1 disabled in SCHANNEL); older Windows still accepts it".to_string()
    } else {
        verdict(
            broken_cipher,
            "RC4, 3DES, NULL and export suites are disabled in SCHANNEL",
        )
    };
    let java = verdict(
        old_version || broken_cipher,
        "JDK 17 jdk.tls.disabledAlgorithms: SSLv3, TLSv1, TLSv1.1, RC4, DES, 3DES_EDE_CBC, NULL",
    );
    let openssl = verdict(
        old_version || broken_cipher,
        "OpenSSL 3 at security level 2 needs TLS 1.2 and excludes RC4, DES, 3DES, NULL suites",
    );
    vec![Finding {
        id: FindingId::TlsLegacyOnly,
        severity: Severity::Warning,
        certificate: None,
        message: format!(
            "the server speaks {what}: rustls could not negotiate ({}); the chain was read from a legacy TLS <= 1.2 handshake",
            modern_error.unwrap_or("no common version or suite")
        ),
        fix: "enable TLS 1.2 (or 1.3) with ECDHE and AES-GCM suites on the server (Windows/Exchange: the SCHANNEL \
              Protocols and Cipher Suites settings, then a reboot)"
            .into(),
        clients: clients(dotnet, java, openssl),
    }]
}

#[cfg(test)]
mod tests;
