//! Findings: every problem of the best path, per certificate, each with a
//! stable id, a severity, a one-line explanation, a fix hint and what each
//! client (.NET, Java, OpenSSL) says about it. Knows certificates and paths,
//! nothing of sockets or store formats.

use std::net::IpAddr;

use serde::Serialize;

use crate::cert::{hex_colon, Cert, KeyKind, SigCheck, SigHash};
use crate::path::{End, Origin, Paths};
use crate::store::Client;

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
    pub id: &'static str,
    pub severity: Severity,
    pub certificate: Option<Concerns>,
    pub message: String,
    pub fix: String,
    pub clients: Clients,
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

const DOTNET_INVALID: &str =
    "\"The remote certificate is invalid according to the validation procedure.\"";
const JAVA_PKIX: &str = "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target";
const ACCEPTED: &str = "accepted";

fn clients(
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

fn concerns(depth: usize, c: &Cert) -> Option<Concerns> {
    Some(Concerns {
        depth,
        subject: c.subject.clone(),
        sha256: Some(c.sha256_hex()),
    })
}

pub fn diagnose(paths: &Paths, ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    let best = paths.best();
    let chain: Vec<&Cert> = best.certs.iter().map(|&i| paths.cert(i)).collect();
    let last = chain.len() - 1;

    match &best.end {
        End::Incomplete { issuer, aki } => {
            let c = chain[last];
            let from_store = !paths.pool[best.certs[last]].origin.is_sent();
            let aki_txt = aki
                .as_ref()
                .map(|k| format!(" with key identifier {}", hex_colon(k)))
                .unwrap_or_default();
            out.push(Finding {
                id: "chain.incomplete",
                severity: Severity::Error,
                certificate: Some(Concerns {
                    depth: last + 1,
                    subject: issuer.clone(),
                    sha256: None,
                }),
                message: format!(
                    "the issuer of '{}' (depth {last}), '{issuer}'{aki_txt}, is neither sent by the server nor in {}",
                    c.short_name(),
                    ctx.store_label
                ),
                fix: format!(
                    "make the server send its full chain including '{issuer}', or import that certificate into the client's store \
                     (an intermediate goes to the intermediate store, e.g. Windows LocalMachine\\CA; if it is a root, to the trusted roots)"
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
            });
        }
        End::UntrustedRoot if last == 0 => out.push(Finding {
            id: "chain.self_signed",
            severity: Severity::Error,
            certificate: concerns(0, chain[0]),
            message: format!(
                "the server's certificate '{}' is self-signed and {} does not trust it",
                chain[0].short_name(),
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
        End::UntrustedRoot => out.push(Finding {
            id: "chain.untrusted_root",
            severity: Severity::Error,
            certificate: concerns(last, chain[last]),
            message: format!(
                "the path ends at root '{}' ({}), which {} does not trust",
                chain[last].short_name(),
                match ctx.fetched_from.get(&chain[last].sha256) {
                    Some(url) => format!("not sent by the server; fetched via AIA from {url}"),
                    None => "sent by the server".to_string(),
                },
                ctx.store_label
            ),
            fix: format!(
                "if you trust this CA, import root '{}' (SHA-256 {}) as a trusted root into the store the client uses \
                 (Windows services: LocalMachine\\Root; Java: the JVM's truststore); compare the fingerprint out of band first",
                chain[last].short_name(),
                chain[last].sha256_hex()
            ),
            clients: clients(
                format!("RemoteCertificateChainErrors, X509ChainStatus UntrustedRoot: {DOTNET_INVALID}"),
                JAVA_PKIX,
                "verify error:num=19:self-signed certificate in certificate chain",
            ),
        }),
        End::Trusted => {}
    }

    aia_findings(&mut out, paths, ctx);
    let anchor_at_end = best.end == End::Trusted;
    for (depth, c) in chain.iter().enumerate() {
        let is_anchor = anchor_at_end && depth == last;
        dates(&mut out, depth, c, ctx, is_anchor);
        weak(&mut out, depth, c, is_anchor, ctx.client);
        if depth >= 1 && !(is_anchor && c.version == 1) {
            not_ca(&mut out, depth, c);
        }
        if !is_anchor && c.eku_server_auth == Some(false) {
            out.push(Finding {
                id: "eku.no_server_auth",
                severity: Severity::Error,
                certificate: concerns(depth, c),
                message: format!(
                    "'{}' has an extended key usage without serverAuth: it may not be used for TLS servers",
                    c.short_name()
                ),
                fix: "reissue the certificate with extendedKeyUsage serverAuth (1.3.6.1.5.5.7.3.1)".into(),
                clients: clients(
                    "RemoteCertificateChainErrors, X509ChainStatus NotValidForUsage",
                    "sun.security.validator.ValidatorException: Extended key usage does not permit use for TLS server authentication",
                    "verify error:num=26:unsupported certificate purpose",
                ),
            });
        }
    }
    for (depth, sig) in best.sigs.iter().enumerate() {
        match sig {
            SigCheck::Valid => {}
            SigCheck::Invalid => out.push(Finding {
                id: "sig.invalid",
                severity: Severity::Error,
                certificate: concerns(depth, chain[depth]),
                message: format!(
                    "the signature on '{}' does not verify with the key of its issuer '{}' (depth {})",
                    chain[depth].short_name(),
                    chain[depth + 1].short_name(),
                    depth + 1
                ),
                fix: "the certificate was altered or the issuer certificate is a different one with the same name \
                      (e.g. a renewed CA key): install the matching issuer certificate on the server"
                    .into(),
                clients: clients(
                    "RemoteCertificateChainErrors, X509ChainStatus NotSignatureValid",
                    "PKIX path validation failed: java.security.cert.CertPathValidatorException: signature check failed",
                    "verify error:num=7:certificate signature failure",
                ),
            }),
            SigCheck::Unchecked(why) => out.push(Finding {
                id: "sig.unchecked",
                severity: Severity::Info,
                certificate: concerns(depth, chain[depth]),
                message: format!("the signature on '{}' was not verified: {why}", chain[depth].short_name()),
                fix: "none needed if the other findings are resolved; the key or algorithm is reported separately when weak".into(),
                clients: clients(ACCEPTED, ACCEPTED, ACCEPTED),
            }),
        }
    }
    if let Some(name) = ctx.servername {
        name_check(&mut out, chain[0], name);
    }
    sent_order(&mut out, paths);
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
        id: "tls.legacy_only",
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

/// Intermediates the server does not send but AIA supplied: Windows
/// fetches them too (given outbound HTTP), Java and OpenSSL do not. And the
/// AIA URLs that could not be fetched.
fn aia_findings(out: &mut Vec<Finding>, paths: &Paths, ctx: &Context) {
    let best = paths.best();
    let last = best.certs.len().saturating_sub(1);
    for (depth, &i) in best.certs.iter().enumerate() {
        let cand = &paths.pool[i];
        if cand.origin != Origin::Fetched {
            continue;
        }
        // An AIA-fetched root at the end is reported as the untrusted root.
        if depth == last && best.end == End::UntrustedRoot {
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
            id: "chain.incomplete",
            severity: if windows { Severity::Warning } else { Severity::Error },
            certificate: concerns(depth, c),
            message: format!(
                "the server does not send intermediate '{}'; trustfix fetched it via AIA from {url}: \
                 Windows clients fetch it too when they can reach that URL, Java and OpenSSL do not",
                c.short_name()
            ),
            fix: format!(
                "configure the server to send '{}' with its certificate (best: fixes every client), \
                 or import it into the client's store as an intermediate",
                c.short_name()
            ),
            clients: clients(
                format!("accepted if this host can reach {url} (AIA fetching); RemoteCertificateChainErrors, PartialChain without outbound HTTP"),
                JAVA_PKIX,
                "verify error:num=20:unable to get local issuer certificate",
            ),
        });
    }
    for a in ctx.aia_failures {
        if let Err(why) = &a.result {
            out.push(Finding {
                id: "aia.failed",
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

fn days(secs: i64) -> i64 {
    secs / 86_400
}

pub fn fmt_date(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_else(|_| ts.to_string())
}

fn dates(out: &mut Vec<Finding>, depth: usize, c: &Cert, ctx: &Context, is_anchor: bool) {
    // The JDK's PKIX validator does not check a trust anchor's dates.
    let java_anchor = ctx.client == Client::Java && is_anchor;
    let date_severity = if java_anchor {
        Severity::Warning
    } else {
        Severity::Error
    };
    let java_anchor_note = if java_anchor {
        " (Java ignores the validity of trust anchors, so this store still accepts it)"
    } else {
        ""
    };
    let renew = if depth == 0 {
        "renew the server's certificate and install it on the server; no trust-store change fixes this"
    } else {
        "the CA certificate must be renewed (or the server must send a current one); no trust-store change fixes this"
    };
    if ctx.now > c.not_after {
        out.push(Finding {
            id: "cert.expired",
            severity: date_severity,
            certificate: concerns(depth, c),
            message: format!(
                "'{}' expired on {} ({} days ago){java_anchor_note}",
                c.short_name(),
                fmt_date(c.not_after),
                days(ctx.now - c.not_after)
            ),
            fix: renew.into(),
            clients: clients(
                "RemoteCertificateChainErrors, X509ChainStatus NotTimeValid: \"A required certificate is not within its validity period when verifying against the current system clock\"",
                "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed (CertificateExpiredException)",
                "verify error:num=10:certificate has expired",
            ),
        });
    } else if ctx.now < c.not_before {
        out.push(Finding {
            id: "cert.not_yet_valid",
            severity: date_severity,
            certificate: concerns(depth, c),
            message: format!(
                "'{}' is not valid before {} (in {} days); check the clocks of server and client",
                c.short_name(),
                fmt_date(c.not_before),
                days(c.not_before - ctx.now) + 1
            ),
            fix: "fix the clock that is wrong, or wait until the certificate becomes valid".into(),
            clients: clients(
                "RemoteCertificateChainErrors, X509ChainStatus NotTimeValid",
                "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed (CertificateNotYetValidException)",
                "verify error:num=9:certificate is not yet valid",
            ),
        });
    } else if c.not_after - ctx.now <= ctx.warn_days * 86_400 {
        out.push(Finding {
            id: "cert.expiring_soon",
            severity: Severity::Warning,
            certificate: concerns(depth, c),
            message: format!(
                "'{}' expires on {} (in {} days, warning threshold {} days)",
                c.short_name(),
                fmt_date(c.not_after),
                days(c.not_after - ctx.now),
                ctx.warn_days
            ),
            fix: "renew it before that date".into(),
            clients: clients(ACCEPTED, ACCEPTED, ACCEPTED),
        });
    }
}

fn weak(out: &mut Vec<Finding>, depth: usize, c: &Cert, is_anchor: bool, client: Client) {
    let java = client == Client::Java;
    // Roots' own signatures are never checked by clients, so only issued certificates count.
    if !c.is_self_issued() && !is_anchor && matches!(c.sig_hash, SigHash::Sha1 | SigHash::Md5) {
        let md5 = c.sig_hash == SigHash::Md5;
        out.push(Finding {
            id: "sig.weak",
            // JDK 17 refuses MD5 everywhere but SHA-1 only below its own cacerts roots.
            severity: if java && !md5 { Severity::Warning } else { Severity::Error },
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
    let (too_small, severe) = match c.key_kind {
        // jdk.certpath.disabledAlgorithms: RSA/DSA keySize < 1024, EC keySize < 224.
        KeyKind::Rsa | KeyKind::Dsa if java => (c.key_bits < 2048, c.key_bits < 1024),
        KeyKind::Rsa | KeyKind::Dsa => (c.key_bits < 2048, true),
        KeyKind::Ec => (c.key_bits < 256, c.key_bits < 224),
        _ => (false, false),
    };
    if too_small {
        out.push(Finding {
            id: "key.weak",
            severity: if severe { Severity::Error } else { Severity::Warning },
            certificate: concerns(depth, c),
            message: format!("'{}' has a {} key; at least RSA-2048 or EC P-256 is expected", c.short_name(), c.key_desc()),
            fix: "reissue the certificate (and its CA, if it is the CA's key) with an RSA-2048+ or EC P-256+ key".into(),
            clients: clients(
                "accepted down to RSA-1024 by default",
                if c.key_bits < 1024 {
                    "PKIX path validation failed: Algorithm constraints check failed on keysize limits"
                } else {
                    "accepted by JDK 17 (jdk.certpath.disabledAlgorithms blocks RSA < 1024)"
                },
                if c.key_kind == KeyKind::Ec && c.key_bits >= 224 {
                    ACCEPTED
                } else if depth == 0 {
                    "verify error:num=66:EE certificate key too weak (security level 2)"
                } else {
                    "verify error:num=67:CA certificate key too weak (security level 2)"
                },
            ),
        });
    }
}

fn not_ca(out: &mut Vec<Finding>, depth: usize, c: &Cert) {
    let problem = if c.basic_ca != Some(true) {
        Some(format!(
            "'{}' issues certificates but is not marked as a CA (basicConstraints CA:TRUE missing)",
            c.short_name()
        ))
    } else if c.key_cert_sign == Some(false) {
        Some(format!(
            "'{}' is a CA but its keyUsage lacks keyCertSign",
            c.short_name()
        ))
    } else {
        match c.path_len {
            // CAs between the leaf and this issuer.
            Some(n) if depth - 1 > n as usize => Some(format!(
                "'{}' allows {n} CA certificate(s) below it (pathlen:{n}) but the path has {}",
                c.short_name(),
                depth - 1
            )),
            _ => None,
        }
    };
    if let Some(message) = problem {
        let pathlen = message.contains("pathlen");
        out.push(Finding {
            id: "cert.not_ca",
            severity: Severity::Error,
            certificate: concerns(depth, c),
            message,
            fix: "the issuing certificate must be a CA certificate (CA:TRUE, keyCertSign, a path length that fits); \
                  reissue it, or have the server use a certificate issued by a proper CA"
                .into(),
            clients: clients(
                "RemoteCertificateChainErrors, X509ChainStatus InvalidBasicConstraints",
                if pathlen {
                    "PKIX path validation failed: java.security.cert.CertPathValidatorException: basic constraints check failed: pathLenConstraint violated"
                } else {
                    "PKIX path validation failed: java.security.cert.CertPathValidatorException: basic constraints check failed: this is not a CA certificate"
                },
                if pathlen {
                    "verify error:num=25:path length constraint exceeded"
                } else {
                    "verify error:num=24:invalid CA certificate"
                },
            ),
        });
    }
}

/// RFC 6125: a wildcard is the whole left-most label and matches exactly
/// one label; partial wildcards (`f*.example.com`) are refused as modern clients do.
pub fn dns_matches(pattern: &str, name: &str) -> bool {
    let p = pattern.trim_end_matches('.').to_ascii_lowercase();
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    if let Some(rest) = p.strip_prefix("*.") {
        if rest.contains('*') || !rest.contains('.') {
            return false;
        }
        match n.split_once('.') {
            Some((first, tail)) => !first.is_empty() && tail == rest,
            None => false,
        }
    } else {
        !p.contains('*') && p == n
    }
}

fn name_check(out: &mut Vec<Finding>, leaf: &Cert, name: &str) {
    let (matched, cn_only) = match name.parse::<IpAddr>() {
        Ok(ip) => (leaf.ip_addrs.contains(&ip), false),
        Err(_) => {
            if leaf.dns_names.iter().any(|d| dns_matches(d, name)) {
                (true, false)
            } else if !leaf.has_san && leaf.common_names.iter().any(|cn| dns_matches(cn, name)) {
                (true, true)
            } else {
                (false, false)
            }
        }
    };
    if cn_only {
        out.push(Finding {
            id: "name.cn_only",
            severity: Severity::Warning,
            certificate: concerns(0, leaf),
            message: format!("'{name}' matches only the subject CN; the certificate has no subjectAltName"),
            fix: "reissue the certificate with the name in subjectAltName (Chrome, Go, rustls and Python ignore the CN)".into(),
            clients: clients(ACCEPTED, ACCEPTED, ACCEPTED),
        });
    }
    if matched {
        return;
    }
    let mut covered: Vec<String> = leaf.dns_names.clone();
    covered.extend(leaf.ip_addrs.iter().map(|i| i.to_string()));
    if !leaf.has_san {
        covered.extend(leaf.common_names.iter().map(|c| format!("CN={c}")));
    }
    let list = if covered.is_empty() {
        "no names".to_string()
    } else {
        covered.join(", ")
    };
    let is_ip = name.parse::<IpAddr>().is_ok();
    out.push(Finding {
        id: "name.mismatch",
        severity: Severity::Error,
        certificate: concerns(0, leaf),
        message: format!("'{name}' is not covered by the certificate, which covers: {list}"),
        fix: "connect using a name the certificate covers (e.g. the server's FQDN in the client's settings), \
              or reissue the certificate with this name in subjectAltName; no trust-store change fixes this"
            .into(),
        clients: clients(
            format!("RemoteCertificateNameMismatch: {DOTNET_INVALID}"),
            if is_ip {
                format!("java.security.cert.CertificateException: No subject alternative names matching IP address {name} found")
            } else if leaf.has_san {
                format!("java.security.cert.CertificateException: No subject alternative DNS name matching {name} found.")
            } else {
                format!("java.security.cert.CertificateException: No name matching {name} found")
            },
            if is_ip {
                "verify error:num=64:IP address mismatch (only with -verify_ip; s_client does not check names by default)".into()
            } else {
                "verify error:num=62:hostname mismatch (only with -verify_hostname; s_client does not check names by default)".to_string()
            },
        ),
    });
}

/// Order and extras of what the server sent, judged against the best path.
fn sent_order(out: &mut Vec<Finding>, paths: &Paths) {
    let best = paths.best();
    let mut used_sent: Vec<usize> = Vec::new();
    for &i in &best.certs {
        if let Origin::Sent { index, .. } = paths.pool[i].origin {
            used_sent.push(index);
        }
    }
    if used_sent.windows(2).any(|w| w[0] > w[1]) {
        out.push(Finding {
            id: "chain.order",
            severity: Severity::Warning,
            certificate: None,
            message: format!(
                "the server sends its certificates out of order (path order uses sent positions {:?})",
                used_sent
            ),
            fix: "configure the server's chain file as: server certificate, then its issuer, then that issuer's issuer".into(),
            clients: clients(ACCEPTED, ACCEPTED, "accepted (OpenSSL reorders)"),
        });
    }
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
                    id: "chain.extra",
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
        let alternative = paths.ranked.iter().skip(1).any(|p| p.certs.contains(&i));
        out.push(Finding {
            id: "chain.extra",
            severity: if alternative { Severity::Info } else { Severity::Warning },
            certificate: Some(Concerns {
                depth: index,
                subject: c.subject.clone(),
                sha256: Some(c.sha256_hex()),
            }),
            message: if alternative {
                format!(
                    "sent certificate #{index} '{}' is used only by an alternative path (e.g. a cross-signed CA)",
                    c.short_name()
                )
            } else {
                format!("sent certificate #{index} '{}' is not part of the server's chain", c.short_name())
            },
            fix: if alternative {
                "none needed; it helps clients whose stores lack the newer root".into()
            } else {
                "remove it from the server's chain file".into()
            },
            clients: clients(ACCEPTED, ACCEPTED, ACCEPTED),
        });
    }
}

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
                    id: "cert.revoked",
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
                    id: "revocation.unknown",
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
                id: "revocation.no_info",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_follow_rfc6125() {
        assert!(dns_matches("*.example.com", "mail.example.com"));
        assert!(dns_matches("*.Example.com.", "MAIL.example.COM"));
        assert!(!dns_matches("*.example.com", "a.b.example.com"));
        assert!(!dns_matches("*.example.com", "example.com"));
        assert!(!dns_matches("f*.example.com", "foo.example.com"));
        assert!(!dns_matches("*.com", "example.com"));
        assert!(dns_matches(
            "exchange01.int.contoso.com",
            "exchange01.int.contoso.com"
        ));
        assert!(!dns_matches(
            "exchange01.int.contoso.com",
            "exchange02.int.contoso.com"
        ));
    }

    #[test]
    fn verdict_is_worst_severity() {
        let f = |s| Finding {
            id: "x",
            severity: s,
            certificate: None,
            message: String::new(),
            fix: String::new(),
            clients: clients("", "", ""),
        };
        assert_eq!(Verdict::from_findings(&[]), Verdict::Trusted);
        assert_eq!(
            Verdict::from_findings(&[f(Severity::Info)]),
            Verdict::Trusted
        );
        assert_eq!(
            Verdict::from_findings(&[f(Severity::Info), f(Severity::Warning)]),
            Verdict::Warning
        );
        assert_eq!(
            Verdict::from_findings(&[f(Severity::Error), f(Severity::Warning)]).exit_code(),
            2
        );
    }
}
