//! Human output: chain as sent, path built, findings with fixes, verdict.
//! Colour only on a terminal and never with NO_COLOR.

use std::fmt::Write as _;

use super::Report;
use crate::cert::Cert;
use crate::diagnose::{fmt_date, Severity, Verdict};
use crate::escape::esc;
use crate::path::{End, Origin};

pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour when stdout is a terminal and NO_COLOR is unset or empty.
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

pub fn render(r: &Report, st: &Style) -> String {
    let mut o = String::new();
    if let Some(t) = &r.target {
        let addr = t
            .address
            .as_deref()
            .map(|a| format!(" at {}", esc(a)))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "Target:  {}{addr}, verifying name {}",
            esc(&t.authority),
            esc(&t.servername)
        );
    }
    if let Some(t) = &r.tls {
        let staple = if t.ocsp_stapled.is_some() {
            "OCSP response stapled"
        } else {
            "no OCSP staple"
        };
        let how = if t.starttls == "none" {
            format!("direct TLS, by {}", esc(&t.starttls_reason))
        } else {
            format!(
                "STARTTLS {}, by {}",
                esc(&t.starttls),
                esc(&t.starttls_reason)
            )
        };
        let legacy = if t.legacy { ", legacy ClientHello" } else { "" };
        let _ = writeln!(
            o,
            "TLS:     {}, {}, {staple}{legacy}; {how}",
            esc(&t.protocol),
            esc(&t.cipher_suite)
        );
        if let Some(e) = &t.handshake_error {
            let _ = writeln!(
                o,
                "         handshake did not complete after the certificates arrived: {}",
                esc(e)
            );
        }
    }
    if let Some(s) = &r.store {
        let _ = writeln!(
            o,
            "Store:   {}: {} anchors, {} intermediates",
            esc(&s.label),
            s.anchors,
            s.intermediates
        );
        for n in &s.notes {
            let _ = writeln!(o, "         note: {}", esc(n));
        }
    }
    if r.error.is_some() {
        // main prints the one-line error on stderr.
        return o;
    }
    if !r.chain.is_empty() {
        let what = if r.command == "check" {
            "Chain as sent by the server"
        } else {
            "Certificates"
        };
        let _ = writeln!(o, "\n{what} ({}):", r.chain.len());
        for (i, c) in r.chain.iter().enumerate() {
            cert_block(&mut o, i, c, r.now);
        }
    }
    if let Some(p) = &r.paths {
        let store = r
            .store
            .as_ref()
            .map(|s| s.label.as_str())
            .unwrap_or("store");
        let best = p.best();
        let how = match &best.end {
            End::Trusted => "ends at a trusted anchor",
            End::UntrustedRoot => "ends at an untrusted root",
            End::Incomplete { .. } => "is incomplete",
        };
        let _ = writeln!(o, "\nPath built ({how}):");
        for (depth, &i) in best.certs.iter().enumerate() {
            let cand = &p.pool[i];
            let origin = match cand.origin {
                Origin::Sent {
                    index,
                    in_store: false,
                } => format!("sent by server (#{index})"),
                Origin::Sent {
                    index,
                    in_store: true,
                } => format!("sent by server (#{index}), also in {store}"),
                Origin::StoreAnchor => format!("trusted anchor in {store}"),
                Origin::StoreIntermediate => format!("intermediate found in {store}"),
                Origin::Fetched => format!(
                    "fetched via AIA from {}",
                    r.fetched_from
                        .get(&cand.cert.sha256)
                        .map(String::as_str)
                        .unwrap_or("?")
                ),
                Origin::Supplied => "supplied with --cert".to_string(),
            };
            let sig = match best.sigs.get(depth) {
                Some(s) if s.as_str() != "valid" => format!(", signature {}", s.as_str()),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "  {depth}  {}  [{}{sig}]",
                esc(&cand.cert.subject),
                esc(&origin)
            );
        }
        if let End::Incomplete { issuer, .. } = &best.end {
            let _ = writeln!(
                o,
                "  {}  {}  [{}]",
                best.certs.len(),
                esc(issuer),
                st.paint("1;31", "MISSING")
            );
        }
        if p.ranked.len() > 1 {
            let _ = writeln!(
                o,
                "  ({} other path(s) considered; --json lists them)",
                p.ranked.len() - 1
            );
        }
    }
    if let Some(s) = &r.revocation {
        revocation_block(&mut o, r, s, st);
    }
    if r.paths.is_some() {
        if r.findings.is_empty() {
            let _ = writeln!(o, "\nFindings: none");
        } else {
            let _ = writeln!(o, "\nFindings:");
        }
        for f in &r.findings {
            let sev = match f.severity {
                Severity::Error => st.paint("1;31", "ERROR  "),
                Severity::Warning => st.paint("1;33", "WARNING"),
                Severity::Info => st.paint("36", "INFO   "),
            };
            let at = f
                .certificate
                .as_ref()
                .map(|c| format!("  (depth {})", c.depth))
                .unwrap_or_default();
            let _ = writeln!(o, "  {sev} {}{at}", f.id);
            let _ = writeln!(o, "          {}", esc(&f.message));
            let _ = writeln!(o, "          fix:     {}", esc(&f.fix));
            if f.severity != Severity::Info {
                let _ = writeln!(o, "          .NET:    {}", esc(&f.clients.dotnet));
                let _ = writeln!(o, "          Java:    {}", esc(&f.clients.java));
                let _ = writeln!(o, "          OpenSSL: {}", esc(&f.clients.openssl));
            }
        }
        let line = match r.verdict {
            Verdict::Trusted => {
                st.paint("1;32", "TRUSTED: clients using this store accept the chain")
            }
            Verdict::Warning => st.paint("1;33", "WARNING: accepted today, but see the warnings"),
            Verdict::Rejected => st.paint(
                "1;31",
                "REJECTED: a client using this store refuses this chain",
            ),
            Verdict::Error => st.paint("1;31", "ERROR: could not check"),
        };
        let _ = writeln!(o, "\nVerdict: {line} (exit {})", r.exit_code());
    }
    o
}

fn cert_block(o: &mut String, i: usize, c: &Cert, now: i64) {
    let left = (c.not_after - now).div_euclid(86_400);
    let state = if now > c.not_after {
        format!("EXPIRED {} days ago", -left)
    } else if now < c.not_before {
        "NOT YET VALID".into()
    } else {
        format!("{left} days left")
    };
    let _ = writeln!(o, "  #{i} {}", esc(&c.subject));
    let _ = writeln!(o, "     issuer:  {}", esc(&c.issuer));
    let _ = writeln!(
        o,
        "     valid:   {} .. {} ({state})",
        fmt_date(c.not_before),
        fmt_date(c.not_after)
    );
    let _ = writeln!(
        o,
        "     key:     {}, signed {}",
        esc(&c.key_desc()),
        esc(&c.sig_alg)
    );
    let mut names: Vec<String> = c.dns_names.clone();
    names.extend(c.ip_addrs.iter().map(|a| a.to_string()));
    if !names.is_empty() {
        let _ = writeln!(o, "     names:   {}", esc(&names.join(", ")));
    }
    let _ = writeln!(o, "     SHA-256: {}", c.sha256_hex());
    let _ = writeln!(o, "     SHA-1:   {} (Windows thumbprint)", c.thumbprint());
}

/// `Revocation (MODE):` and one line per certificate of the best path.
fn revocation_block(o: &mut String, r: &Report, s: &crate::revocation::Summary, st: &Style) {
    use crate::revocation::{Entry, Mode, Status};
    if s.mode == Mode::Off {
        return;
    }
    let Some(p) = &r.paths else {
        return;
    };
    let _ = writeln!(o, "\nRevocation ({}):", s.mode.as_str());
    for (depth, (e, &i)) in s.certs.iter().zip(&p.best().certs).enumerate() {
        let name = &p.pool[i].cert.subject;
        let line = match e {
            Entry::Skipped(why) => format!("not checked ({})", esc(why)),
            Entry::Checked(c) => {
                let word = match c.status {
                    Status::Good => st.paint("1;32", "GOOD"),
                    Status::Revoked => st.paint("1;31", "REVOKED"),
                    Status::Unknown => st.paint("1;33", "UNKNOWN"),
                    Status::NoInfo => "no information".to_string(),
                };
                format!("{word}: {}", esc(&c.detail))
            }
        };
        let _ = writeln!(o, "  {depth}  {}  {line}", esc(name));
    }
}
