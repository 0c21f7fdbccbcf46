//! Human output: the chain at a glance, chain as sent, path built, findings
//! with fixes, verdict. Colour by `--color` (auto: only on a terminal,
//! never with NO_COLOR or TERM=dumb); long lines wrapped to the terminal's
//! width (80 columns when it is not known), indentation kept.

use std::fmt::Write as _;

use super::Report;
use crate::cert::Cert;
use crate::diagnose::{Severity, Verdict};
use crate::path::{End, Origin};
use crate::util::escape::esc;
use crate::util::time::fmt_date;

/// How text output looks: colour or not, and the width to wrap at.
pub struct Style {
    /// Paint with ANSI colour codes.
    pub color: bool,
    /// Wrap lines to this many columns.
    pub width: usize,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set or TERM is dumb.
    #[default]
    Auto,
    /// Colour even off a terminal or with NO_COLOR set.
    Always,
    /// No colour.
    Never,
}

impl Style {
    /// `--color auto` on standard output.
    pub fn detect() -> Style {
        Style::with(ColorChoice::Auto)
    }

    /// The style `choice` asks for on standard output, wrapped to the terminal's width (else 80).
    pub fn with(choice: ColorChoice) -> Style {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Style {
            color: match choice {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
            },
            width: trustfix_platform::terminal::width().unwrap_or(80),
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

/// "1 anchor", "2 anchors".
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else if let Some(stem) = what.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {what}s")
    }
}

/// The report for people, wrapped to `st.width`.
pub fn render(r: &Report, st: &Style) -> String {
    wrap(&render_lines(r, st), st.width)
}

fn render_lines(r: &Report, st: &Style) -> String {
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
    if r.at_given {
        let _ = writeln!(o, "Judged:  as of {} (--at), not now", fmt_date(r.now));
    }
    if let Some(s) = &r.store {
        let _ = writeln!(
            o,
            "Store:   {}: {}, {}",
            esc(&s.label),
            count(s.anchors, "anchor"),
            count(s.intermediates, "intermediate")
        );
        for n in &s.notes {
            let _ = writeln!(o, "         note: {}", esc(n));
        }
    }
    if r.error.is_some() {
        // main prints the one-line error on stderr.
        return o;
    }
    if let Some(line) = at_a_glance(r, st) {
        let _ = writeln!(o, "Chain:   {line}");
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
            // The physical store (LocalMachine\Root, ...) where the store has several.
            let store = r
                .store
                .as_ref()
                .and_then(|s| s.locations.get(&cand.cert.sha256))
                .map(String::as_str)
                .unwrap_or(store);
            // `show` reads files: nothing was sent by a server.
            let sent = if r.command == "check" {
                "sent by server"
            } else {
                "from file"
            };
            let url = r.fetched_from.get(&cand.cert.sha256).map(String::as_str);
            let origin = cand.origin.describe(sent, store, url);
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
        if let Some(p) = &r.platform_verdict {
            platform_block(&mut o, p, st);
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
        let unverified = r
            .findings
            .iter()
            .filter(|f| f.id == crate::diagnose::FindingId::SigUnsupported)
            .count();
        let note = if unverified > 0 {
            format!("; {unverified} signature(s) could not be verified and count as failed")
        } else {
            String::new()
        };
        let _ = writeln!(o, "\nVerdict: {line} (exit {}){note}", r.exit_code());
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

/// The OS chain engine's own answer next to trustfix's (`--store windows|macos`).
fn platform_block(o: &mut String, p: &super::PlatformVerdict, st: &Style) {
    let _ = writeln!(o, "\nOS verdict:");
    if let Ok(a) = &p.answer {
        let flags = if a.flags.is_empty() {
            String::new()
        } else {
            format!("flags {}; ", a.flags.join("|"))
        };
        let _ = writeln!(o, "  {}: {flags}policy {}", a.engine, a.policy);
    }
    let _ = writeln!(o, "  {}", esc(&p.summary));
    if let Some(d) = &p.disagreement {
        let _ = writeln!(
            o,
            "  {}",
            st.paint("1;33", &format!("DISAGREEMENT: {}", esc(d)))
        );
    }
}

/// The best path on one line, leaf first:
/// `exchange01 ← Contoso Subordinate CA (sent) ← Contoso Offline Root CA ✗ not in store`.
fn at_a_glance(r: &Report, st: &Style) -> Option<String> {
    let p = r.paths.as_ref()?;
    let best = p.ranked.first()?;
    let last = best.certs.len().saturating_sub(1);
    let mut parts: Vec<String> = Vec::new();
    for (depth, &i) in best.certs.iter().enumerate() {
        let cand = &p.pool[i];
        let short = cand.cert.short_name();
        let name = esc(&short);
        let from = match cand.origin {
            Origin::Sent { .. } if depth == 0 => "",
            Origin::Sent { in_store: true, .. } => " (sent, in store)",
            Origin::Sent { .. } if r.command == "check" => " (sent)",
            Origin::Sent { .. } => " (file)",
            Origin::StoreAnchor | Origin::StoreIntermediate => " (store)",
            Origin::Fetched => " (AIA)",
            Origin::Supplied => " (--cert)",
        };
        let mark = if depth == last {
            match best.end {
                End::Trusted => format!(" {}", st.paint("1;32", "✓ trusted")),
                End::UntrustedRoot => format!(" {}", st.paint("1;31", "✗ not trusted")),
                End::Incomplete { .. } => String::new(),
            }
        } else {
            String::new()
        };
        parts.push(format!("{name}{from}{mark}"));
    }
    if let End::Incomplete { issuer, .. } = &best.end {
        let short = issuer
            .split(", ")
            .find_map(|rdn| rdn.strip_prefix("CN="))
            .unwrap_or(issuer);
        parts.push(format!(
            "{} {}",
            esc(short),
            st.paint("1;31", "✗ not sent, not in store")
        ));
    }
    Some(parts.join(" ← "))
}

/// Visible width of `s`: characters, not counting colour escapes.
fn visible(s: &str) -> usize {
    let mut n = 0;
    let mut in_esc = false;
    for c in s.chars() {
        match (in_esc, c) {
            (false, '\x1b') => in_esc = true,
            (true, 'm') => in_esc = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// Wraps every line longer than `width` at spaces; continuation lines are
/// indented like the text of the first (after a `label:` and its padding),
/// so columns stay aligned. Words longer than the width (URLs,
/// fingerprints) are never split.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if visible(body) <= width {
            out.push_str(line);
            continue;
        }
        let indent = continuation_indent(body);
        let pad = " ".repeat(indent.min(width / 2));
        let mut col = 0;
        let mut first = true;
        for word in body.split(' ') {
            let w = visible(word);
            if first {
                out.push_str(word);
                col = w;
                first = false;
            } else if col + 1 + w > width && col > pad.len() {
                out.push('\n');
                out.push_str(&pad);
                out.push_str(word);
                col = pad.len() + w;
            } else {
                out.push(' ');
                out.push_str(word);
                col += 1 + w;
            }
        }
        out.push_str(nl);
    }
    out
}

/// Where a line's text starts: its leading spaces, plus a `label:` and the
/// spaces after it (`          fix:     ...`, `Store:   ...`).
fn continuation_indent(line: &str) -> usize {
    let lead = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[lead..];
    if let Some(colon) = rest.find(": ") {
        let label = &rest[..colon];
        if !label.is_empty() && label.len() <= 12 && !label.contains(' ') {
            let after = &rest[colon + 1..];
            let spaces = after.len() - after.trim_start_matches(' ').len();
            return lead + colon + 1 + spaces;
        }
    }
    // Findings' first lines (`  ERROR   id`) and list items keep their own indent + 2.
    lead + 2
}
