//! Name constraints (RFC 5280 4.2.1.10) of every CA in the path, applied
//! to every certificate below it as OpenSSL applies them: SAN entries, the
//! subject and its email addresses, and for the server's certificate
//! without a DNS SAN, a CN that looks like a host name. Self-issued
//! intermediates are exempt; the work per pair is bounded (`names::MAX_CHECKS`).

use super::{clients, concerns, Context, Finding, FindingId, Rejects, View, ACCEPTED};
use crate::names::{self, GeneralName, Violation};

/// The name the client asked for, when the certificate covers it only
/// through a wildcard: a constrained CA may have excluded exactly that host
/// (CVE-2025-61727). OpenSSL, Java and .NET check only the certificate's
/// own names and accept it; trustfix warns.
fn wildcard_peer_name(
    out: &mut Vec<Finding>,
    v: &View,
    ca: &crate::cert::Cert,
    d: usize,
    nc: &names::NameConstraints,
    ctx: &Context,
) {
    let Some(name) = ctx.servername else { return };
    let leaf = v.chain[0];
    if name.parse::<std::net::IpAddr>().is_ok()
        || leaf.dns_names.iter().any(|p| p.eq_ignore_ascii_case(name))
        || !leaf
            .dns_names
            .iter()
            .any(|p| p.starts_with("*.") && names::dns_matches(p, name))
    {
        return;
    }
    let Err(violation) = names::check(nc, &[GeneralName::Dns(name.to_string())]) else {
        return;
    };
    let why = match violation {
        Violation::NotPermitted(_) => "does not permit",
        Violation::Excluded(_) => "excludes",
        _ => return,
    };
    out.push(Finding {
        id: FindingId::NameExcluded,
        severity: crate::diagnose::Severity::Warning,
        certificate: concerns(0, leaf),
        message: format!(
            "'{name}' is covered only by a wildcard, and '{}' (depth {d}) {why} '{name}' in its name constraints",
            ca.short_name()
        ),
        fix: "issue the server a certificate naming its host explicitly, within what the CA may vouch for".into(),
        clients: clients(
            "accepted (.NET checks the certificate's own names only)",
            "accepted (Java checks the certificate's own names only)",
            "accepted (OpenSSL checks the certificate's own names only)",
        ),
    });
}

pub(super) fn check(out: &mut Vec<Finding>, v: &View, ctx: &Context) {
    for (d, ca) in v.chain.iter().enumerate().skip(1) {
        let Some(nc) = &ca.name_constraints else {
            continue;
        };
        let anchor = v.is_anchor(d);
        for (i, c) in v.chain.iter().enumerate().take(d) {
            if i > 0 && c.is_self_issued() {
                continue;
            }
            let no_dns_san = !c.san.iter().any(|n| matches!(n, GeneralName::Dns(_)));
            if i == 0 {
                wildcard_peer_name(out, v, ca, d, nc, ctx);
            }
            let names = names::constrained_names(&c.subject_dn, &c.san, i == 0 && no_dns_san);
            let Err(violation) = names::check(nc, &names) else {
                continue;
            };
            // The JDK applies a trust anchor's constraints only when the
            // TrustAnchor was built with them, which the default one is not.
            let rejects = Rejects {
                dotnet: true,
                java: !anchor,
                openssl: true,
            };
            let who = format!("'{}' (depth {d})", ca.short_name());
            let (id, what, dotnet, openssl) = match &violation {
                Violation::NotPermitted(n) => (
                    FindingId::NameNotPermitted,
                    format!("has the name {n}, which {who} does not permit"),
                    "HasNotPermittedNameConstraint",
                    "verify error:num=47:permitted subtree violation",
                ),
                Violation::Excluded(n) => (
                    FindingId::NameExcluded,
                    format!("has the name {n}, which {who} excludes"),
                    "HasExcludedNameConstraint",
                    "verify error:num=48:excluded subtree violation",
                ),
                Violation::Unsupported(why) => (
                    FindingId::NameUnsupportedConstraint,
                    format!("cannot be checked against the name constraints of {who}: {why}"),
                    "HasNotSupportedNameConstraint",
                    "verify error:num=49:name constraints minimum and maximum not supported (num=51 for an unsupported name type)",
                ),
                Violation::TooComplex(n) => (
                    FindingId::NameUnsupportedConstraint,
                    format!(
                        "cannot be checked against the name constraints of {who}: {n} comparisons, more than the {} OpenSSL allows",
                        names::MAX_CHECKS
                    ),
                    "HasNotSupportedNameConstraint",
                    "verify error:num=1:unspecified certificate verification error (name constraints too complex)",
                ),
            };
            out.push(Finding {
                id,
                severity: rejects.severity(ctx.client),
                certificate: concerns(i, c),
                message: format!("'{}' (depth {i}) {what}", c.short_name()),
                fix: format!(
                    "{who} may only vouch for the names its constraints allow: issue the server's certificate for such \
                     names, or from a CA without these constraints; no trust-store change fixes this"
                ),
                clients: clients(
                    format!("RemoteCertificateChainErrors, X509ChainStatus {dotnet}"),
                    if rejects.java {
                        "java.security.cert.CertPathValidatorException: name constraints check failed"
                    } else {
                        ACCEPTED
                    },
                    openssl,
                ),
            });
        }
    }
}
