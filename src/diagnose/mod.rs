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

/// How much a finding matters to the store's client. Ordered: the worst
/// finding decides the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no client refuses the chain for it.
    Info,
    /// The store's client accepts the chain, but other clients refuse it or it is
    /// a risk (expiring soon, out of order, legacy TLS only).
    Warning,
    /// The store's client rejects the chain.
    Error,
}

/// What a check came to; its exit code is the monitoring-plugin convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No finding worse than info: every signature verified, every rule held.
    Trusted,
    /// Accepted by the store's client, with warnings.
    Warning,
    /// The store's client rejects the chain.
    Rejected,
    /// The check could not be made (usage, store, file, DNS, connect, handshake).
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

    /// The verdict the worst finding implies; never `Error`, which is for
    /// checks that could not be made.
    pub fn from_findings(f: &[Finding]) -> Verdict {
        match f.iter().map(|f| f.severity).max() {
            Some(Severity::Error) => Verdict::Rejected,
            Some(Severity::Warning) => Verdict::Warning,
            _ => Verdict::Trusted,
        }
    }
}

macro_rules! finding_ids {
    ($($(#[$doc:meta])* $variant:ident = $s:literal,)*) => {
        /// Stable finding ids: the strings are part of the JSON schema.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FindingId {
            $($(#[$doc])* $variant,)*
        }

        impl FindingId {
            /// Every id, in declaration order.
            pub const ALL: &'static [FindingId] = &[$(FindingId::$variant,)*];

            /// The stable id, as JSON and text output show it (`chain.incomplete`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(FindingId::$variant => $s,)*
                }
            }
        }
    };
}

finding_ids! {
    /// An issuer is neither sent nor in the store (a missing intermediate), or
    /// only AIA supplied it.
    ChainIncomplete = "chain.incomplete",
    /// The path ends at a root the store does not trust, sent or not.
    ChainUntrustedRoot = "chain.untrusted_root",
    /// The store has the issuer's name only with another key: the CA was renewed.
    ChainRenewedCa = "chain.renewed_ca",
    /// The server's certificate is self-signed and not trusted.
    ChainSelfSigned = "chain.self_signed",
    /// A trusted root's authority key identifier does not describe itself, so
    /// OpenSSL looks for its issuer.
    ChainAnchorAkiMismatch = "chain.anchor_aki_mismatch",
    /// The server sends its certificates out of order.
    ChainOrder = "chain.order",
    /// The server sends a certificate the path does not need (or the root).
    ChainExtra = "chain.extra",
    /// A certificate of the path has expired.
    CertExpired = "cert.expired",
    /// A certificate of the path is not valid yet.
    CertNotYetValid = "cert.not_yet_valid",
    /// A certificate of the path expires within the warning days.
    CertExpiringSoon = "cert.expiring_soon",
    /// An issuing certificate is not a CA (basicConstraints, keyUsage), or its
    /// pathLenConstraint is exceeded.
    CertNotCa = "cert.not_ca",
    /// A certificate does not parse cleanly (malformed extensions).
    CertMalformed = "cert.malformed",
    /// A certificate of the path is revoked (OCSP or CRL).
    CertRevoked = "cert.revoked",
    /// The server's certificate does not cover the name asked for.
    NameMismatch = "name.mismatch",
    /// The name matches only the subject CN: no DNS subjectAltName.
    NameCnOnly = "name.cn_only",
    /// A name is outside a CA's permitted name constraints.
    NameNotPermitted = "name.not_permitted",
    /// A name is inside a CA's excluded name constraints.
    NameExcluded = "name.excluded",
    /// Name constraints that cannot be checked (unsupported form, too many comparisons).
    NameUnsupportedConstraint = "name.unsupported_constraint",
    /// A signature does not verify with the issuer's key.
    SigInvalid = "sig.invalid",
    /// A signature could not be verified (algorithm not supported); never counted as valid.
    SigUnsupported = "sig.unsupported",
    /// A certificate's two signature algorithm fields differ.
    SigAlgMismatch = "sig.alg_mismatch",
    /// A certificate other than the root is signed with a broken hash (SHA-1, MD5).
    SigWeak = "sig.weak",
    /// A key too small: RSA or DSA under 2048 bits, EC under 256.
    KeyWeak = "key.weak",
    /// An extendedKeyUsage without serverAuth.
    EkuNoServerAuth = "eku.no_server_auth",
    /// The server's keyUsage does not allow the TLS handshake.
    KuNoTlsUsage = "ku.no_tls_usage",
    /// A critical extension some client does not process.
    ExtUnknownCritical = "ext.unknown_critical",
    /// rustls could not negotiate: the chain came from a legacy TLS <= 1.2 handshake.
    TlsLegacyOnly = "tls.legacy_only",
    /// An AIA caIssuers URL could not be fetched.
    AiaFailed = "aia.failed",
    /// The revocation status of a certificate could not be determined.
    RevocationUnknown = "revocation.unknown",
    /// A certificate names no OCSP responder or CRL (reported when `--revocation` is given).
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
    /// What a .NET client (SslStream, the Windows chain engine) reports.
    pub dotnet: String,
    /// What a Java client (JDK 17 PKIX) reports.
    pub java: String,
    /// What OpenSSL 3 (`s_client`, `verify`) reports.
    pub openssl: String,
}

/// The certificate a finding is about.
#[derive(Debug, Clone, Serialize)]
pub struct Concerns {
    /// Position in the built path (0 = the server's certificate); for a sent
    /// certificate outside it (`chain.extra`), its position as sent.
    pub depth: usize,
    /// Its subject; for a certificate nobody has, the issuer name it is known by.
    pub subject: String,
    /// `None` for a certificate that is missing.
    pub sha256: Option<String>,
}

/// One problem found: what, how bad for the store's client, how to fix it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable id (JSON `id`).
    pub id: FindingId,
    /// Decided by the store's client (see [`Rejects`]).
    pub severity: Severity,
    /// The certificate concerned; `None` for the chain or connection as a whole.
    pub certificate: Option<Concerns>,
    /// One-line explanation naming the certificates.
    pub message: String,
    /// What to change, and where.
    pub fix: String,
    /// What each client family says.
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

/// What [`diagnose`] judges a path against: the name, the time, the store,
/// and what AIA fetched.
pub struct Context<'a> {
    /// Name the client asked for (SNI); `None` skips the name check.
    pub servername: Option<&'a str>,
    /// Unix seconds to judge validity at (now, or `--at`).
    pub now: i64,
    /// `cert.expiring_soon` within this many days.
    pub warn_days: i64,
    /// The store as messages name it.
    pub store_label: &'a str,
    /// The store's client family: decides each finding's severity.
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
    /// .NET (the Windows chain engine) refuses.
    pub dotnet: bool,
    /// Java (JDK 17) refuses.
    pub java: bool,
    /// OpenSSL 3 refuses.
    pub openssl: bool,
}

impl Rejects {
    /// Every client refuses.
    pub const ALL: Rejects = Rejects {
        dotnet: true,
        java: true,
        openssl: true,
    };
    /// No client refuses.
    pub const NONE: Rejects = Rejects {
        dotnet: false,
        java: false,
        openssl: false,
    };

    /// Error when `client` refuses (`Any`: when any does), warning when only
    /// other clients do, else info.
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

    /// Depth of the path's last certificate.
    pub(crate) fn last(&self) -> usize {
        self.chain.len() - 1
    }

    /// The certificate at `depth` is the store's trust anchor ending the path.
    pub(crate) fn is_anchor(&self, depth: usize) -> bool {
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
