//! What each certificate may be used for: issuers must be CAs (basic
//! constraints, keyCertSign, path length with self-issued certificates not
//! counted), every certificate's EKU must allow TLS servers, and the
//! server's keyUsage must allow the handshake.

use super::{
    clients, concerns, Context, Finding, FindingId, Rejects, View, ACCEPTED, JAVA_VALIDATION,
};
use crate::cert::{Cert, KeyUsage};

/// OpenSSL's `X509_check_ca` != 0: CA:TRUE, or (no basicConstraints) a
/// keyUsage with keyCertSign, or a v1 self-signed root.
fn openssl_ca(c: &Cert) -> bool {
    if c.key_cert_sign() == Some(false) {
        return false;
    }
    match c.basic_ca {
        Some(ca) => ca,
        None => (c.version == 1 && c.is_self_issued()) || c.key_usage.is_some(),
    }
}

/// Checks the certificate at `depth` (>= 1) as the issuer of the one below.
pub(super) fn issuer(out: &mut Vec<Finding>, v: &View, depth: usize, ctx: &Context) {
    if depth == 0 {
        return;
    }
    let c = v.chain[depth];
    let anchor = v.is_anchor(depth);
    // Java and .NET do not check a trust anchor's extensions; OpenSSL does.
    let (problem, rejects, pathlen) = if !openssl_ca(c) || c.basic_ca != Some(true) {
        let what = if c.key_cert_sign() == Some(false) {
            "its keyUsage lacks keyCertSign"
        } else if c.basic_ca == Some(false) {
            "basicConstraints says CA:FALSE"
        } else {
            "basicConstraints CA:TRUE is missing"
        };
        let openssl = !openssl_ca(c);
        let rejects = Rejects {
            dotnet: !anchor,
            java: !anchor,
            openssl,
        };
        (
            format!(
                "'{}' issues certificates but is not a CA: {what}",
                c.short_name()
            ),
            rejects,
            false,
        )
    } else if let Some(n) = c.path_len {
        // RFC 5280 6.1.4(l): self-issued intermediates below do not count.
        let below = (1..depth).filter(|&d| !v.chain[d].is_self_issued()).count();
        if below <= n as usize {
            return;
        }
        (
            format!(
                "'{}' allows {n} CA certificate(s) below it (pathlen:{n}) but the path has {below}",
                c.short_name()
            ),
            Rejects {
                dotnet: true,
                java: !anchor,
                openssl: true,
            },
            true,
        )
    } else {
        return;
    };
    if rejects == Rejects::NONE {
        return;
    }
    out.push(Finding {
        id: FindingId::CertNotCa,
        severity: rejects.severity(ctx.client),
        certificate: concerns(depth, c),
        message: problem,
        fix: "the issuing certificate must be a CA certificate (CA:TRUE, keyCertSign, a path length that fits); \
              reissue it, or have the server use a certificate issued by a proper CA"
            .into(),
        clients: clients(
            if rejects.dotnet {
                "RemoteCertificateChainErrors, X509ChainStatus InvalidBasicConstraints"
            } else {
                ACCEPTED
            },
            if !rejects.java {
                ACCEPTED.to_string()
            } else if pathlen {
                format!("{JAVA_VALIDATION}: basic constraints check failed: pathLenConstraint violated")
            } else {
                format!("{JAVA_VALIDATION}: basic constraints check failed: this is not a CA certificate")
            },
            if !rejects.openssl {
                ACCEPTED
            } else if pathlen {
                "verify error:num=25:path length constraint exceeded"
            } else {
                "verify error:num=24:invalid CA certificate"
            },
        ),
    });
}

/// extendedKeyUsage without serverAuth. OpenSSL refuses it at every depth,
/// the anchor included, and does not count anyExtendedKeyUsage; Java checks
/// only the server's certificate and accepts anyExtendedKeyUsage there;
/// Windows intersects the usages of the chain, where "any" passes.
pub(super) fn eku(out: &mut Vec<Finding>, depth: usize, c: &Cert, anchor: bool, ctx: &Context) {
    let Some(e) = &c.eku else { return };
    if e.server_auth {
        return;
    }
    let rejects = Rejects {
        dotnet: !e.any || depth == 0,
        java: depth == 0 && !e.any,
        openssl: true,
    };
    let listed = if e.any {
        let mut v = vec!["anyExtendedKeyUsage".to_string()];
        v.extend(e.others.iter().cloned());
        v
    } else {
        e.others.clone()
    };
    let role = if depth == 0 {
        "it may not be used for TLS servers"
    } else if anchor {
        "the trusted root restricts what it vouches for to other purposes"
    } else {
        "the CA restricts what it vouches for to other purposes"
    };
    out.push(Finding {
        id: FindingId::EkuNoServerAuth,
        severity: rejects.severity(ctx.client),
        certificate: concerns(depth, c),
        message: format!(
            "'{}' has an extended key usage without serverAuth ({}): {role}",
            c.short_name(),
            listed.join(", ")
        ),
        fix: "reissue the certificate with extendedKeyUsage serverAuth (1.3.6.1.5.5.7.3.1)".into(),
        clients: clients(
            if rejects.dotnet {
                "RemoteCertificateChainErrors, X509ChainStatus NotValidForUsage"
            } else {
                ACCEPTED
            },
            if rejects.java {
                "sun.security.validator.ValidatorException: Extended key usage does not permit use for TLS server authentication"
            } else {
                ACCEPTED
            },
            "verify error:num=26:unsupported certificate purpose",
        ),
    });
}

/// The server's keyUsage must allow the handshake: OpenSSL wants one of
/// digitalSignature, keyEncipherment or keyAgreement; Java (ECDHE and TLS
/// 1.3 key exchange, i.e. every modern server) wants digitalSignature.
pub(super) fn leaf_key_usage(out: &mut Vec<Finding>, leaf: &Cert, ctx: &Context) {
    let Some(ku) = leaf.key_usage else { return };
    let ds = ku.has(KeyUsage::DIGITAL_SIGNATURE);
    let tls = ds || ku.has(KeyUsage::KEY_ENCIPHERMENT) || ku.has(KeyUsage::KEY_AGREEMENT);
    let rejects = Rejects {
        dotnet: !tls,
        java: !ds,
        openssl: !tls,
    };
    if rejects == Rejects::NONE {
        return;
    }
    out.push(Finding {
        id: FindingId::KuNoTlsUsage,
        severity: rejects.severity(ctx.client),
        certificate: concerns(0, leaf),
        message: format!(
            "the server's certificate '{}' has a keyUsage without {}",
            leaf.short_name(),
            if tls {
                "digitalSignature, which ECDHE and TLS 1.3 handshakes need"
            } else {
                "digitalSignature, keyEncipherment or keyAgreement: it may not be used for TLS"
            }
        ),
        fix: "reissue the certificate with keyUsage digitalSignature (and keyEncipherment for RSA keys)".into(),
        clients: clients(
            if rejects.dotnet {
                "RemoteCertificateChainErrors, X509ChainStatus NotValidForUsage"
            } else {
                ACCEPTED
            },
            if rejects.java {
                "sun.security.validator.ValidatorException: KeyUsage does not allow digital signatures"
            } else {
                ACCEPTED
            },
            if rejects.openssl {
                "verify error:num=26:unsupported certificate purpose"
            } else {
                ACCEPTED
            },
        ),
    });
}
