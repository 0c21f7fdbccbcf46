//! Findings from the revocation checks of the best path (`--revocation`).

use super::{clients, concerns, Finding, FindingId, Severity, DOTNET_INVALID};
use crate::path::Paths;
use crate::util::time::fmt_date;

/// Findings from the revocation checks of the best path (`--revocation`):
/// `cert.revoked`, `revocation.unknown`, and `revocation.no_info` when the
/// check was asked for explicitly. Most clients do not check revocation by
/// default; the per-client lines say what each does when it does.
pub fn revocation(paths: &Paths, s: &crate::revocation::Summary) -> Vec<Finding> {
    use crate::revocation::{Entry, Source, Status};
    let mut out = Vec::new();
    let best = paths.best();
    for (depth, e) in s.certs.iter().enumerate() {
        let (Entry::Checked(r), Some(&i)) = (e, best.certs.get(depth)) else {
            continue;
        };
        let c = paths.cert(i);
        let what = if depth == 0 {
            "the server's certificate"
        } else {
            "the CA certificate"
        };
        match r.status {
            Status::Good => {}
            Status::Revoked => {
                let reason = r.reason.as_deref().unwrap_or("unspecified");
                let java_reason = match reason {
                    "keyCompromise" => "KEY_COMPROMISE",
                    "cACompromise" => "CA_COMPROMISE",
                    "affiliationChanged" => "AFFILIATION_CHANGED",
                    "superseded" => "SUPERSEDED",
                    "cessationOfOperation" => "CESSATION_OF_OPERATION",
                    "certificateHold" => "CERTIFICATE_HOLD",
                    "privilegeWithdrawn" => "PRIVILEGE_WITHDRAWN",
                    "aACompromise" => "AA_COMPROMISE",
                    _ => "UNSPECIFIED",
                };
                let when = r.revoked_at.map(fmt_date).unwrap_or_default();
                let openssl = if r.source == Some(Source::Crl) {
                    "verify error:num=23:certificate revoked (with -crl_check and this CRL; OpenSSL does not check revocation by default)"
                } else {
                    "verify error:num=23:certificate revoked (with -crl_check and the CA's CRL; s_client -status only prints the staple; no check by default)"
                };
                out.push(Finding {
                    id: FindingId::CertRevoked,
                    severity: Severity::Error,
                    certificate: concerns(depth, c),
                    message: format!("{what} '{}' was {}", c.short_name(), r.detail),
                    fix: if depth == 0 {
                        "install a newly issued certificate (with its chain) on the server; a revoked certificate cannot be \
                         un-revoked and no trust-store change fixes this"
                            .into()
                    } else {
                        format!(
                            "the CA revoked '{}': the server needs a certificate issued under a valid CA certificate \
                             (often: install the CA's current intermediate and reissue); no trust-store change fixes this",
                            c.short_name()
                        )
                    },
                    clients: clients(
                        format!(
                            "RemoteCertificateChainErrors, X509ChainStatus Revoked: {DOTNET_INVALID} (when revocation checking is on: \
                             ServicePointManager.CheckCertificateRevocationList, SslStream checkCertificateRevocation, X509RevocationMode.Online)"
                        ),
                        format!(
                            "java.security.cert.CertPathValidatorException: Certificate has been revoked, reason: {java_reason}, \
                             revocation date: {when}, authority: {} (only with -Dcom.sun.net.ssl.checkRevocation=true; off by default)",
                            c.issuer
                        ),
                        openssl,
                    ),
                });
            }
            Status::Unknown => {
                let urls: Vec<&str> = r.attempts.iter().filter_map(|a| a.url.as_deref()).collect();
                out.push(Finding {
                    id: FindingId::RevocationUnknown,
                    severity: Severity::Warning,
                    certificate: concerns(depth, c),
                    message: format!(
                        "the revocation status of {what} '{}' could not be determined: {}",
                        c.short_name(),
                        r.detail
                    ),
                    fix: if urls.is_empty() {
                        "the server's stapled OCSP response is unusable: have it staple a current response signed by the CA".into()
                    } else {
                        format!(
                            "a client that checks revocation must reach {} over HTTP (firewall, proxy); if the responder or CRL itself \
                             is stale or wrongly signed, the CA must fix it; or have the server staple a current OCSP response",
                            urls.join(", ")
                        )
                    },
                    clients: clients(
                        "when revocation checking is on: RemoteCertificateChainErrors, X509ChainStatus RevocationStatusUnknown, OfflineRevocation \
                         (\"The revocation function was unable to check revocation because the revocation server was offline.\"), \
                         common on SQL Server hosts without outbound HTTP; accepted when checking is off",
                        "accepted by default; with -Dcom.sun.net.ssl.checkRevocation=true: java.security.cert.CertPathValidatorException: \
                         Could not determine revocation status",
                        "accepted by default; with -crl_check: verify error:num=3:unable to get certificate CRL \
                         (num=12:CRL has expired, num=8:CRL signature failure)",
                    ),
                });
            }
            Status::NoInfo if s.explicit => out.push(Finding {
                id: FindingId::RevocationNoInfo,
                severity: Severity::Info,
                certificate: concerns(depth, c),
                message: format!("{what} '{}' gives nothing to check revocation against: {}", c.short_name(), r.detail),
                fix: "none for clients that do not check revocation (the default); a client with checking on treats it as unknown, \
                      so the CA should publish an OCSP responder or CRL distribution point"
                    .into(),
                clients: clients(
                    "accepted when revocation checking is off; RevocationStatusUnknown when it is on",
                    "accepted by default; with -Dcom.sun.net.ssl.checkRevocation=true: Could not determine revocation status",
                    "accepted (with -crl_check: verify error:num=3:unable to get certificate CRL)",
                ),
            }),
            Status::NoInfo => {}
        }
    }
    out
}
