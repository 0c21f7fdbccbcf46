//! Certificates that do not parse cleanly, and critical extensions a
//! client does not process: both make clients refuse the certificate.

use super::{clients, concerns, Context, Finding, FindingId, Rejects, ACCEPTED};
use crate::cert::{ext_name, Cert};

/// Extensions OpenSSL 3 processes (`X509_supported_extension`); a critical
/// one outside this list is `X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION`.
const OPENSSL_KNOWN: &[&str] = &[
    "2.16.840.1.113730.1.1", // nsCertType
    "2.5.29.15",             // keyUsage
    "2.5.29.17",             // subjectAltName
    "2.5.29.19",             // basicConstraints
    "2.5.29.32",             // certificatePolicies
    "2.5.29.31",             // cRLDistributionPoints
    "2.5.29.37",             // extendedKeyUsage
    "1.3.6.1.5.5.7.1.7",     // RFC 3779 IP address blocks
    "1.3.6.1.5.5.7.1.8",     // RFC 3779 AS numbers
    "1.3.6.1.5.5.7.48.1.5",  // OCSP no-check
    "2.5.29.36",             // policyConstraints
    "1.3.6.1.5.5.7.1.14",    // proxyCertInfo
    "2.5.29.30",             // nameConstraints
    "2.5.29.33",             // policyMappings
    "2.5.29.54",             // inhibitAnyPolicy
];

/// Extensions the JDK's PKIX checkers process; others marked critical fail
/// with "Unrecognized critical extension(s)" (the trust anchor is exempt:
/// Java does not process it).
const JAVA_KNOWN: &[&str] = &[
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.19",
    "2.5.29.32",
    "2.5.29.37",
    "2.5.29.36",
    "2.5.29.30",
    "2.5.29.33",
    "2.5.29.54",
];

pub(super) fn malformed(out: &mut Vec<Finding>, depth: usize, c: &Cert, ctx: &Context) {
    if c.problems.is_empty() {
        return;
    }
    out.push(Finding {
        id: FindingId::CertMalformed,
        severity: Rejects::ALL.severity(ctx.client),
        certificate: concerns(depth, c),
        message: format!(
            "'{}' does not parse cleanly: {}",
            c.short_name(),
            c.problems.join("; ")
        ),
        fix: "the certificate is malformed: reissue it (the CA software or a hand-made certificate is at fault)".into(),
        clients: clients(
            "RemoteCertificateChainErrors, X509ChainStatus InvalidExtension",
            "java.security.cert.CertificateParsingException (the certificate cannot be read)",
            "verify error:num=41:invalid or inconsistent certificate extension (OpenSSL ignores malformed extensions it does not process)",
        ),
    });
}

pub(super) fn critical(
    out: &mut Vec<Finding>,
    depth: usize,
    c: &Cert,
    anchor: bool,
    ctx: &Context,
) {
    for oid in c.critical_extensions() {
        let openssl = !OPENSSL_KNOWN.contains(&oid);
        let rejects = Rejects {
            dotnet: openssl,
            java: !JAVA_KNOWN.contains(&oid) && !anchor,
            openssl,
        };
        if rejects == Rejects::NONE {
            continue;
        }
        let name = ext_name(oid);
        out.push(Finding {
            id: FindingId::ExtUnknownCritical,
            severity: rejects.severity(ctx.client),
            certificate: concerns(depth, c),
            message: format!(
                "'{}' has the critical extension {name}, which clients do not process and must therefore refuse",
                c.short_name()
            ),
            fix: "reissue the certificate without marking that extension critical".into(),
            clients: clients(
                if rejects.dotnet {
                    "RemoteCertificateChainErrors, X509ChainStatus HasNotSupportedCriticalExtension"
                } else {
                    ACCEPTED
                },
                if rejects.java {
                    format!(
                        "java.security.cert.CertPathValidatorException: Unrecognized critical extension(s) ({oid})"
                    )
                } else if anchor && !JAVA_KNOWN.contains(&oid) {
                    "accepted (Java does not process the extensions of a trust anchor)".to_string()
                } else {
                    ACCEPTED.to_string()
                },
                if rejects.openssl {
                    "verify error:num=34:unhandled critical extension"
                } else {
                    ACCEPTED
                },
            ),
        });
    }
}
