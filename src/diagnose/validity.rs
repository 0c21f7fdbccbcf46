//! Validity periods, judged at `Context::now` (`--at`) for every
//! certificate of the path; the anchor by the store's own copy.

use super::{clients, concerns, Context, Finding, FindingId, Rejects, Severity, ACCEPTED};
use crate::cert::Cert;
use crate::util::time::fmt_date;

fn days(secs: i64) -> i64 {
    secs / 86_400
}

pub(super) fn dates(
    out: &mut Vec<Finding>,
    depth: usize,
    c: &Cert,
    ctx: &Context,
    is_anchor: bool,
) {
    let now = ctx.now;
    // OpenSSL counts notAfter's own second as expired; .NET and Java do not.
    // Java's PKIX validator ignores a trust anchor's dates altogether.
    let expired = Rejects {
        dotnet: now > c.not_after,
        java: now > c.not_after && !is_anchor,
        openssl: now >= c.not_after,
    };
    let early = now < c.not_before;
    let not_yet = Rejects {
        dotnet: early,
        java: early && !is_anchor,
        openssl: early,
    };
    let java_note = if is_anchor {
        " (Java ignores the validity of trust anchors)"
    } else {
        ""
    };
    let renew = if depth == 0 {
        "renew the server's certificate and install it on the server; no trust-store change fixes this"
    } else if is_anchor {
        "import the CA's renewed root into the store (the old one can stay until nothing uses it); the servers' chains \
         must lead to the renewed root"
    } else {
        "the CA certificate must be renewed (or the server must send a current one); no trust-store change fixes this"
    };
    if expired != Rejects::NONE {
        out.push(Finding {
            id: FindingId::CertExpired,
            severity: expired.severity(ctx.client),
            certificate: concerns(depth, c),
            message: format!(
                "'{}' expired on {} ({} days ago){java_note}",
                c.short_name(),
                fmt_date(c.not_after),
                days(now - c.not_after)
            ),
            fix: renew.into(),
            clients: clients(
                "RemoteCertificateChainErrors, X509ChainStatus NotTimeValid: \"A required certificate is not within its validity period when verifying against the current system clock\"",
                if expired.java {
                    "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed (CertificateExpiredException)"
                } else {
                    ACCEPTED
                },
                "verify error:num=10:certificate has expired",
            ),
        });
    } else if not_yet != Rejects::NONE {
        out.push(Finding {
            id: FindingId::CertNotYetValid,
            severity: not_yet.severity(ctx.client),
            certificate: concerns(depth, c),
            message: format!(
                "'{}' is not valid before {} (in {} days); check the clocks of server and client{java_note}",
                c.short_name(),
                fmt_date(c.not_before),
                days(c.not_before - now) + 1
            ),
            fix: "fix the clock that is wrong, or wait until the certificate becomes valid".into(),
            clients: clients(
                "RemoteCertificateChainErrors, X509ChainStatus NotTimeValid",
                if not_yet.java {
                    "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed (CertificateNotYetValidException)"
                } else {
                    ACCEPTED
                },
                "verify error:num=9:certificate is not yet valid",
            ),
        });
    } else if c.not_after - now <= ctx.warn_days * 86_400 {
        out.push(Finding {
            id: FindingId::CertExpiringSoon,
            severity: Severity::Warning,
            certificate: concerns(depth, c),
            message: format!(
                "'{}' expires on {} (in {} days, warning threshold {} days)",
                c.short_name(),
                fmt_date(c.not_after),
                days(c.not_after - now),
                ctx.warn_days
            ),
            fix: "renew it before that date".into(),
            clients: clients(ACCEPTED, ACCEPTED, ACCEPTED),
        });
    }
}
