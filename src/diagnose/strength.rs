//! Signatures of the path (verified, invalid, or not verifiable: never
//! counted as fine), the two signature algorithm fields, weak hashes and
//! weak keys.

use super::{
    clients, concerns, Context, Finding, FindingId, Rejects, Severity, View, ACCEPTED,
    JAVA_VALIDATION,
};
use crate::cert::{Cert, KeyKind, SigCheck, SigHash};
use crate::store::Client;

pub(super) fn signatures(out: &mut Vec<Finding>, v: &View, ctx: &Context) {
    for (depth, sig) in v.path.sigs.iter().enumerate() {
        let (c, issuer) = (v.chain[depth], v.chain[depth + 1]);
        if c.sig_alg_mismatch {
            out.push(Finding {
                id: FindingId::SigAlgMismatch,
                severity: Rejects::ALL.severity(ctx.client),
                certificate: concerns(depth, c),
                message: format!(
                    "'{}' names one signature algorithm in its signed part and another ({}) outside it",
                    c.short_name(),
                    c.sig_alg
                ),
                fix: "the certificate is malformed or was tampered with: reissue it".into(),
                clients: clients(
                    "RemoteCertificateChainErrors, X509ChainStatus NotSignatureValid",
                    "java.security.cert.CertificateException: Signature algorithm mismatch",
                    "verify error:num=7:certificate signature failure",
                ),
            });
        }
        match sig {
            SigCheck::Valid => {}
            SigCheck::Invalid => out.push(Finding {
                id: FindingId::SigInvalid,
                severity: Severity::Error,
                certificate: concerns(depth, c),
                message: format!(
                    "the signature on '{}' does not verify with the key of its issuer '{}' (depth {})",
                    c.short_name(),
                    issuer.short_name(),
                    depth + 1
                ),
                fix: "the certificate was altered or the issuer certificate is a different one with the same name \
                      (e.g. a renewed CA key): install the matching issuer certificate on the server"
                    .into(),
                clients: clients(
                    "RemoteCertificateChainErrors, X509ChainStatus NotSignatureValid",
                    format!("{JAVA_VALIDATION}: signature check failed"),
                    "verify error:num=7:certificate signature failure",
                ),
            }),
            SigCheck::Unsupported(why) => out.push(Finding {
                id: FindingId::SigUnsupported,
                severity: Severity::Error,
                certificate: concerns(depth, c),
                message: format!(
                    "the signature on '{}' ({}, issuer key {}) could not be verified: {why}; an unverified signature \
                     is never counted as valid",
                    c.short_name(),
                    c.sig_alg,
                    issuer.key_desc()
                ),
                fix: "reissue the certificate with an RSA (PKCS#1 v1.5 or PSS), ECDSA P-256/P-384/P-521 or Ed25519 signature"
                    .into(),
                clients: clients(
                    "RemoteCertificateChainErrors, X509ChainStatus NotSignatureValid (algorithm not supported by CNG)",
                    format!("{JAVA_VALIDATION}: signature check failed (algorithm not supported)"),
                    "verify error:num=7:certificate signature failure (algorithm not supported)",
                ),
            }),
        }
    }
}

pub(super) fn weak(
    out: &mut Vec<Finding>,
    depth: usize,
    c: &Cert,
    is_anchor: bool,
    client: Client,
) {
    // Roots' own signatures are never checked by clients, so only issued certificates count.
    if !c.is_self_issued() && !is_anchor && matches!(c.sig_hash, SigHash::Sha1 | SigHash::Md5) {
        let md5 = c.sig_hash == SigHash::Md5;
        // JDK 17 refuses MD5 everywhere but SHA-1 only below its own cacerts
        // roots; Windows accepts SHA-1 below a private root.
        let rejects = Rejects {
            dotnet: md5,
            java: md5,
            openssl: true,
        };
        out.push(Finding {
            id: FindingId::SigWeak,
            severity: rejects.severity(client),
            certificate: concerns(depth, c),
            message: format!("'{}' is signed with {}, a broken hash", c.short_name(), c.sig_alg),
            fix: "reissue the certificate with a SHA-256 signature".into(),
            clients: clients(
                if md5 {
                    "RemoteCertificateChainErrors, X509ChainStatus NotSignatureValid"
                } else {
                    "usually accepted under a private root (Windows blocks SHA-1 TLS certificates from public roots)"
                },
                if md5 {
                    "PKIX path validation failed: Algorithm constraints check failed on signature algorithm: MD5withRSA"
                } else {
                    "accepted under a private root by JDK 17; rejected under a JDK cacerts root (jdk.certpath.disabledAlgorithms: SHA1 jdkCA & usage TLSServer)"
                },
                "verify error:num=68:CA signature digest algorithm too weak (security level 2, Debian's default)",
            ),
        });
    }
    let bits = c.key_bits;
    // jdk.certpath.disabledAlgorithms: RSA/DSA keySize < 1024; JDK 16+ and
    // Windows know no curve below P-256; OpenSSL at security level 2 wants
    // 112 bits: RSA/DSA 2048, P-224.
    let rejects = match c.key_kind {
        KeyKind::Rsa | KeyKind::Dsa if bits < 2048 => Rejects {
            dotnet: bits < 1024,
            java: bits < 1024,
            openssl: true,
        },
        KeyKind::Ec if bits < 256 => Rejects {
            dotnet: true,
            java: true,
            openssl: bits < 224,
        },
        _ => return,
    };
    out.push(Finding {
        id: FindingId::KeyWeak,
        severity: rejects.severity(client),
        certificate: concerns(depth, c),
        message: format!(
            "'{}' has a {} key; at least RSA-2048 or EC P-256 is expected",
            c.short_name(),
            c.key_desc()
        ),
        fix: "reissue the certificate (and its CA, if it is the CA's key) with an RSA-2048+ or EC P-256+ key".into(),
        clients: clients(
            if rejects.dotnet {
                "RemoteCertificateChainErrors (key or curve refused by CNG)"
            } else {
                "accepted down to RSA-1024 by default"
            },
            if rejects.java {
                "PKIX path validation failed: Algorithm constraints check failed on keysize limits"
            } else {
                "accepted by JDK 17 (jdk.certpath.disabledAlgorithms blocks RSA < 1024)"
            },
            if !rejects.openssl {
                ACCEPTED
            } else if depth == 0 {
                "verify error:num=66:EE certificate key too weak (security level 2)"
            } else {
                "verify error:num=67:CA certificate key too weak (security level 2)"
            },
        ),
    });
}
