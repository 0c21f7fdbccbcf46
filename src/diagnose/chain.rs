//! How the path ends (missing intermediate, unseen or untrusted root,
//! renewed CA, self-signed server certificate), what AIA supplied, and
//! the order and extras of what the server sent.

use super::{
    clients, concerns, Concerns, Context, Finding, FindingId, Severity, View, ACCEPTED,
    DOTNET_INVALID, JAVA_PKIX,
};
use crate::cert::Cert;
use crate::path::{End, Origin, Paths};
use crate::store::Client;
use crate::util::hex::hex_colon;

/// Where a root or intermediate goes in the store that was checked, and
/// the fleet-wide route where there is one.
fn destination(ctx: &Context, root: bool) -> String {
    match ctx.client {
        Client::Java => format!("the Java truststore the client loads ({})", ctx.store_label),
        Client::Windows => {
            let (store, ds) = if root { ("Root", "RootCA") } else { ("CA", "SubCA") };
            format!(
                "LocalMachine\\{store} (`certutil -addstore -f {store} FILE`; for every member of an AD domain at once: \
                 `certutil -dspublish -f FILE {ds}`, which Group Policy distributes)"
            )
        }
        Client::Any => format!(
            "the store the client uses ({}; Windows services: LocalMachine\\{}, domain-wide `certutil -dspublish -f FILE {}`; \
             Java: the JVM's truststore)",
            ctx.store_label,
            if root { "Root" } else { "CA" },
            if root { "RootCA" } else { "SubCA" }
        ),
    }
}

fn key_id(aki: &Option<Vec<u8>>) -> String {
    aki.as_ref()
        .map(|k| format!(" with key identifier {}", hex_colon(k)))
        .unwrap_or_default()
}

pub(super) fn end(out: &mut Vec<Finding>, v: &View, ctx: &Context) {
    let last = v.last();
    let c = v.chain[last];
    match &v.path.end {
        End::Incomplete {
            issuer,
            aki,
            same_name,
        } => {
            let renewed: Vec<&Cert> = same_name
                .iter()
                .map(|&i| &v.paths.pool[i])
                .filter(|cand| cand.origin.in_store() && !cand.origin.is_sent())
                .map(|cand| &cand.cert)
                .collect();
            if !renewed.is_empty() {
                out.push(renewed_ca(v, last, issuer, aki, &renewed, ctx));
            } else if last == 0 {
                out.push(missing_intermediate(v, issuer, aki, ctx));
            } else {
                out.push(unseen_root(v, last, issuer, aki, ctx));
            }
        }
        End::UntrustedRoot if last == 0 => out.push(Finding {
            id: FindingId::ChainSelfSigned,
            severity: Severity::Error,
            certificate: concerns(0, c),
            message: format!(
                "the server's certificate '{}' is self-signed and {} does not trust it",
                c.short_name(),
                ctx.store_label
            ),
            fix: "install a certificate issued by a CA the clients trust (Exchange: New-ExchangeCertificate, then \
                  Enable-ExchangeCertificate -Services SMTP); trusting this certificate itself is a workaround that breaks at renewal"
                .into(),
            clients: clients(
                format!("RemoteCertificateChainErrors, X509ChainStatus UntrustedRoot: {DOTNET_INVALID}"),
                JAVA_PKIX,
                "verify error:num=18:self-signed certificate",
            ),
        }),
        End::UntrustedRoot => {
            let fetched = ctx.fetched_from.get(&c.sha256);
            let how = match fetched {
                Some(url) => format!("not sent by the server; fetched via AIA from {url}"),
                None => "sent by the server".to_string(),
            };
            out.push(Finding {
                id: FindingId::ChainUntrustedRoot,
                severity: Severity::Error,
                certificate: concerns(last, c),
                message: format!(
                    "the path ends at root '{}' ({how}), which {} does not trust",
                    c.short_name(),
                    ctx.store_label
                ),
                fix: format!(
                    "if you trust this CA, import root '{}' (SHA-256 {}) as a trusted root into {}; compare the fingerprint \
                     with the PKI admin first. No server-side change fixes this: clients trust only roots in their own store",
                    c.short_name(),
                    c.sha256_hex(),
                    destination(ctx, true)
                ),
                clients: clients(
                    format!("RemoteCertificateChainErrors, X509ChainStatus UntrustedRoot: {DOTNET_INVALID}"),
                    JAVA_PKIX,
                    if fetched.is_some() {
                        // OpenSSL never fetches: the root is not in the chain it has.
                        "verify error:num=20:unable to get local issuer certificate"
                    } else {
                        "verify error:num=19:self-signed certificate in certificate chain"
                    },
                ),
            });
        }
        End::Trusted => {
            if c.is_self_issued() && !c.aki_matches(c) {
                out.push(anchor_aki(last, c, ctx));
            }
        }
    }
}

/// A self-issued anchor whose authority key identifier does not describe
/// itself: OpenSSL then does not take it for self-signed and looks for its
/// issuer; Java and .NET anchor it anyway.
fn anchor_aki(last: usize, c: &Cert, ctx: &Context) -> Finding {
    let rejects = super::Rejects {
        dotnet: false,
        java: false,
        openssl: true,
    };
    Finding {
        id: FindingId::ChainAnchorAkiMismatch,
        severity: rejects.severity(ctx.client),
        certificate: concerns(last, c),
        message: format!(
            "the trusted root '{}' has an authority key identifier that does not match the root itself \
             (key identifier, issuer name or serial), so OpenSSL does not treat it as self-signed",
            c.short_name()
        ),
        fix: "the root is malformed: ask the PKI admin for a correctly issued root, or trust it only in clients that \
              do not check this (Java, Windows)"
            .into(),
        clients: clients(
            ACCEPTED,
            ACCEPTED,
            "verify error:num=2:unable to get issuer certificate",
        ),
    }
}

/// The leaf's issuer is neither sent nor stored: almost always a missing
/// intermediate (or, in a single-tier PKI, the root itself).
fn missing_intermediate(v: &View, issuer: &str, aki: &Option<Vec<u8>>, ctx: &Context) -> Finding {
    let from_store = !v.paths.pool[v.path.certs[0]].origin.is_sent();
    Finding {
        id: FindingId::ChainIncomplete,
        severity: Severity::Error,
        certificate: Some(Concerns {
            depth: 1,
            subject: issuer.to_string(),
            sha256: None,
        }),
        message: format!(
            "the issuer of the server's certificate '{}', '{issuer}'{}, is neither sent by the server nor in {}",
            v.chain[0].short_name(),
            key_id(aki),
            ctx.store_label
        ),
        fix: format!(
            "configure the server to send its intermediate '{issuer}' with its certificate (fixes every client), or import \
             that intermediate into {}. In a single-tier PKI the issuer is the root itself: then import it as a trusted root",
            destination(ctx, false)
        ),
        clients: clients(
            format!("RemoteCertificateChainErrors, X509ChainStatus PartialChain: {DOTNET_INVALID}"),
            JAVA_PKIX,
            if from_store {
                "verify error:num=2:unable to get issuer certificate"
            } else {
                "verify error:num=20:unable to get local issuer certificate"
            },
        ),
    }
}

/// A CA certificate's issuer is nowhere: the root, which servers do not
/// send and this store does not have.
fn unseen_root(
    v: &View,
    last: usize,
    issuer: &str,
    aki: &Option<Vec<u8>>,
    ctx: &Context,
) -> Finding {
    let c = v.chain[last];
    let from_store = !v.paths.pool[v.path.certs[last]].origin.is_sent();
    let aia = match crate::aia::ca_issuer_urls(c).first() {
        Some(u) => format!("; the CA names {u} in its AIA"),
        None => String::new(),
    };
    Finding {
        id: FindingId::ChainUntrustedRoot,
        severity: Severity::Error,
        certificate: Some(Concerns {
            depth: last + 1,
            subject: issuer.to_string(),
            sha256: None,
        }),
        message: format!(
            "the root '{issuer}'{} is not trusted by {} and was not sent (normal: servers omit their root); '{}' \
             (depth {last}) is issued by it",
            key_id(aki),
            ctx.store_label,
            c.short_name()
        ),
        fix: format!(
            "obtain root '{issuer}' out of band (from the PKI admin; on the CA `certutil -ca.cert root.cer`; in an AD forest \
             `certutil -viewstore -enterprise Root`{aia}), compare its key identifier, and import it as a trusted root into {}. \
             No server-side change fixes this: clients trust only roots in their own store",
            destination(ctx, true)
        ),
        clients: clients(
            format!(
                "RemoteCertificateChainErrors, X509ChainStatus PartialChain (the chain engine never reaches a root): {DOTNET_INVALID}"
            ),
            JAVA_PKIX,
            if from_store {
                "verify error:num=2:unable to get issuer certificate"
            } else {
                "verify error:num=20:unable to get local issuer certificate"
            },
        ),
    }
}

/// The store holds the issuer's name, but with another key: the CA was
/// renewed with a new key (or the store has a stale intermediate).
fn renewed_ca(
    v: &View,
    last: usize,
    issuer: &str,
    aki: &Option<Vec<u8>>,
    stored: &[&Cert],
    ctx: &Context,
) -> Finding {
    let listed: Vec<String> = stored
        .iter()
        .map(|s| {
            format!(
                "SHA-256 {}, key identifier {}, expires {}",
                s.sha256_hex(),
                s.ski
                    .as_deref()
                    .map(hex_colon)
                    .unwrap_or_else(|| "none".into()),
                crate::util::time::fmt_date(s.not_after)
            )
        })
        .collect();
    let needed = aki
        .as_ref()
        .map(|k| hex_colon(k))
        .unwrap_or_else(|| "(not stated: the certificate has no authority key identifier)".into());
    let root = last > 0;
    Finding {
        id: FindingId::ChainRenewedCa,
        severity: Severity::Error,
        certificate: Some(Concerns {
            depth: last + 1,
            subject: issuer.to_string(),
            sha256: None,
        }),
        message: format!(
            "{} holds '{issuer}' ({}) but '{}' needs that CA's key {needed}: the CA was renewed with a new key and the \
             store has only the old certificate",
            ctx.store_label,
            listed.join("; "),
            v.chain[last].short_name()
        ),
        fix: format!(
            "import the CA's new certificate (key identifier {needed}) as {} into {}; keep the old one until nothing \
             it issued is in use",
            if root { "a trusted root" } else { "an intermediate" },
            destination(ctx, root)
        ),
        clients: clients(
            format!("RemoteCertificateChainErrors, X509ChainStatus PartialChain: {DOTNET_INVALID}"),
            JAVA_PKIX,
            "verify error:num=20:unable to get local issuer certificate",
        ),
    }
}

/// Intermediates the server does not send but AIA supplied: Windows
/// fetches them too (given outbound HTTP), Java and OpenSSL do not.
pub(super) fn fetched(out: &mut Vec<Finding>, v: &View, ctx: &Context) {
    let last = v.last();
    for (depth, &i) in v.path.certs.iter().enumerate() {
        let cand = &v.paths.pool[i];
        if cand.origin != Origin::Fetched {
            continue;
        }
        // An AIA-fetched root at the end is reported as the untrusted root.
        if depth == last && v.path.end == End::UntrustedRoot {
            continue;
        }
        let c = &cand.cert;
        let url = ctx
            .fetched_from
            .get(&c.sha256)
            .map(String::as_str)
            .unwrap_or("its AIA URL");
        let windows = ctx.client == Client::Windows;
        out.push(Finding {
            id: FindingId::ChainIncomplete,
            severity: if windows { Severity::Warning } else { Severity::Error },
            certificate: concerns(depth, c),
            message: format!(
                "the server does not send intermediate '{}'; trustfix fetched it via AIA from {url}: \
                 Windows clients fetch it too when they can reach that URL, Java and OpenSSL do not",
                c.short_name()
            ),
            fix: format!(
                "configure the server to send '{}' with its certificate (best: fixes every client), \
                 or import it into {}",
                c.short_name(),
                destination(ctx, false)
            ),
            clients: clients(
                format!("accepted if this host can reach {url} (AIA fetching); RemoteCertificateChainErrors, PartialChain without outbound HTTP"),
                JAVA_PKIX,
                "verify error:num=20:unable to get local issuer certificate",
            ),
        });
    }
}

/// The AIA URLs that could not be fetched.
pub(super) fn aia_failures(out: &mut Vec<Finding>, ctx: &Context) {
    for a in ctx.aia_failures {
        if let Err(why) = &a.result {
            out.push(Finding {
                id: FindingId::AiaFailed,
                severity: Severity::Info,
                certificate: None,
                message: format!("could not fetch the missing issuer from {}: {why}", a.url),
                fix: "get the issuer certificate from the CA or the server admin and pass it with --cert FILE".into(),
                clients: clients(
                    "the chain engine fails to fetch it too (PartialChain)",
                    ACCEPTED,
                    ACCEPTED,
                ),
            });
        }
    }
}

/// Order and extras of what the server sent, judged against the best path.
pub(super) fn sent_order(out: &mut Vec<Finding>, paths: &Paths) {
    let best = paths.best();
    let mut used_sent: Vec<usize> = Vec::new();
    for &i in &best.certs {
        if let Origin::Sent { index, .. } = paths.pool[i].origin {
            used_sent.push(index);
        }
    }
    if used_sent.windows(2).any(|w| w[0] > w[1]) {
        out.push(Finding {
            id: FindingId::ChainOrder,
            severity: Severity::Warning,
            certificate: None,
            message: format!(
                "the server sends its certificates out of order (path order uses sent positions {used_sent:?})"
            ),
            fix: "configure the server's chain file as: server certificate, then its issuer, then that issuer's issuer".into(),
            clients: clients(ACCEPTED, ACCEPTED, "accepted (OpenSSL reorders)"),
        });
    }
    let anchor = best
        .certs
        .last()
        .filter(|_| best.end == End::Trusted)
        .map(|&i| paths.cert(i));
    for (i, cand) in paths.pool.iter().enumerate() {
        let Origin::Sent { index, .. } = cand.origin else {
            continue;
        };
        let c = &cand.cert;
        if let Some(pos) = best.certs.iter().position(|&p| p == i) {
            if index > 0
                && best.end == End::Trusted
                && pos == best.certs.len() - 1
                && c.is_self_issued()
            {
                out.push(Finding {
                    id: FindingId::ChainExtra,
                    severity: Severity::Info,
                    certificate: concerns(pos, c),
                    message: format!(
                        "the server also sends the root '{}'; clients must have it already",
                        c.short_name()
                    ),
                    fix: "optional: leave the root out of the server's chain to save bytes".into(),
                    clients: clients(ACCEPTED, ACCEPTED, ACCEPTED),
                });
            }
            continue;
        }
        // A sent copy of the anchor with other bytes: clients use their own copy.
        let root_copy =
            anchor.is_some_and(|a| a.subject_raw == c.subject_raw && a.spki_raw == c.spki_raw);
        let alternative = paths.ranked.iter().skip(1).any(|p| p.certs.contains(&i));
        let (severity, message, fix) = if root_copy {
            (
                Severity::Info,
                format!(
                    "sent certificate #{index} '{}' has the name and key of the trusted root but is another certificate; \
                     clients judge the store's own copy",
                    c.short_name()
                ),
                "leave the root out of the server's chain".to_string(),
            )
        } else if alternative {
            (
                Severity::Info,
                format!(
                    "sent certificate #{index} '{}' is used only by an alternative path (e.g. a cross-signed CA)",
                    c.short_name()
                ),
                "none needed; it helps clients whose stores lack the newer root".to_string(),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "sent certificate #{index} '{}' is not part of the server's chain",
                    c.short_name()
                ),
                "remove it from the server's chain file".to_string(),
            )
        };
        out.push(Finding {
            id: FindingId::ChainExtra,
            severity,
            certificate: Some(Concerns {
                depth: index,
                subject: c.subject.clone(),
                sha256: Some(c.sha256_hex()),
            }),
            message,
            fix,
            clients: clients(ACCEPTED, ACCEPTED, ACCEPTED),
        });
    }
}
