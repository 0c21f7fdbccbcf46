//! The server's name: DNS and IP SANs (RFC 6125 wildcards), and the
//! subject CN fallback that OpenSSL, Java and .NET still apply when the
//! certificate has no DNS SAN.

use std::net::IpAddr;

use super::{clients, concerns, Context, Finding, FindingId, Severity, ACCEPTED, DOTNET_INVALID};
use crate::cert::Cert;
use crate::names::dns_matches;

pub(super) fn check(out: &mut Vec<Finding>, leaf: &Cert, name: &str, _ctx: &Context) {
    let ip = name
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok();
    let has_dns_san = !leaf.dns_names.is_empty();
    // A SAN that failed to parse is not "no SAN": no CN fallback then.
    let cn_fallback = !(has_dns_san || leaf.has_san && leaf.san.is_empty());
    let (matched, cn_only) = match ip {
        // IP addresses match iPAddress SAN entries only: no client falls back to the CN.
        Some(ip) => (leaf.ip_addrs.contains(&ip), false),
        None => {
            if leaf.dns_names.iter().any(|d| dns_matches(d, name)) {
                (true, false)
            } else if cn_fallback && leaf.common_names.iter().any(|cn| dns_matches(cn, name)) {
                (true, true)
            } else {
                (false, false)
            }
        }
    };
    if cn_only {
        out.push(Finding {
            id: FindingId::NameCnOnly,
            severity: Severity::Warning,
            certificate: concerns(0, leaf),
            message: format!("'{name}' matches only the subject CN; the certificate has no DNS subjectAltName"),
            fix: "reissue the certificate with the name in subjectAltName (Chrome, Go, rustls and Python ignore the CN)".into(),
            clients: clients(ACCEPTED, ACCEPTED, ACCEPTED),
        });
    }
    if matched {
        return;
    }
    let mut covered: Vec<String> = leaf.dns_names.clone();
    covered.extend(leaf.ip_addrs.iter().map(|i| i.to_string()));
    if cn_fallback {
        covered.extend(leaf.common_names.iter().map(|c| format!("CN={c}")));
    }
    let list = if covered.is_empty() {
        "no names".to_string()
    } else {
        covered.join(", ")
    };
    out.push(Finding {
        id: FindingId::NameMismatch,
        severity: Severity::Error,
        certificate: concerns(0, leaf),
        message: format!("'{name}' is not covered by the certificate, which covers: {list}"),
        fix: "connect using a name the certificate covers (e.g. the server's FQDN in the client's settings), \
              or reissue the certificate with this name in subjectAltName; no trust-store change fixes this"
            .into(),
        clients: clients(
            format!("RemoteCertificateNameMismatch: {DOTNET_INVALID}"),
            if ip.is_some() {
                format!("java.security.cert.CertificateException: No subject alternative names matching IP address {name} found")
            } else if has_dns_san {
                format!("java.security.cert.CertificateException: No subject alternative DNS name matching {name} found.")
            } else {
                format!("java.security.cert.CertificateException: No name matching {name} found")
            },
            if ip.is_some() {
                "verify error:num=64:IP address mismatch (only with -verify_ip; s_client does not check names by default)".to_string()
            } else {
                "verify error:num=62:hostname mismatch (only with -verify_hostname; s_client does not check names by default)".to_string()
            },
        ),
    });
}
