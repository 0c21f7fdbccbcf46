//! `preflight --junit FILE`: JUnit XML for CI systems. One testcase per
//! endpoint; a rejected endpoint or one whose verdict differs from its
//! `expected` is a `<failure>` carrying the findings, a check that could
//! not be done (verdict error) an `<error>`; warnings pass, with their
//! findings in `<system-out>`.

use std::fmt::Write as _;

use crate::diagnose::Verdict;
use crate::preflight::{severity_name, verdict_name, Outcome, Run};
use crate::util::time::fmt_date;

/// Escapes text for XML attributes and content; drops characters XML 1.0
/// cannot carry.
pub(super) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

/// Findings (and the error) as plain text lines.
fn details(o: &Outcome) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "target: {}{}",
        o.input,
        o.address
            .as_deref()
            .map(|a| format!(" at {a}"))
            .unwrap_or_default()
    );
    let _ = write!(s, "verdict: {}", verdict_name(o.verdict));
    if let Some(x) = o.expected {
        let _ = write!(s, " (expected {})", verdict_name(x));
    }
    let _ = writeln!(s, ", exit {}", o.code);
    if let Some(d) = o.days_left {
        let _ = writeln!(s, "earliest expiry in the path: {d} days");
    }
    if let Some(e) = &o.error {
        let _ = writeln!(s, "error ({}): {}", e.phase, e.message);
    }
    for f in &o.findings {
        let at = f
            .certificate
            .as_ref()
            .map(|c| format!(" (depth {}, {})", c.depth, c.subject))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{} {}{at}: {}",
            severity_name(f.severity),
            f.id,
            f.message
        );
        let _ = writeln!(s, "  fix: {}", f.fix);
        let _ = writeln!(s, "  .NET: {}", f.clients.dotnet);
        let _ = writeln!(s, "  Java: {}", f.clients.java);
        let _ = writeln!(s, "  OpenSSL: {}", f.clients.openssl);
    }
    s
}

/// Short message attribute: what failed.
fn message(o: &Outcome) -> String {
    let what = match (&o.error, o.first_finding()) {
        (Some(e), _) => e.message.clone(),
        (None, Some(f)) => format!("{}: {}", f.id, f.message),
        (None, None) => "no findings".to_string(),
    };
    match o.expected {
        Some(x) if x != o.verdict => format!(
            "expected {}, got {}: {what}",
            verdict_name(x),
            verdict_name(o.verdict)
        ),
        _ => what,
    }
}

pub(super) fn render(r: &Run) -> String {
    let tests = r.outcomes.len();
    let is_error = |o: &Outcome| !o.passed() && o.verdict == Verdict::Error && !o.mismatch();
    let errors = r.outcomes.iter().filter(|o| is_error(o)).count();
    let failures = r
        .outcomes
        .iter()
        .filter(|o| !o.passed() && !is_error(o))
        .count();
    let time = r.elapsed.as_secs_f64();
    let name = format!("trustfix preflight {}", r.sources.join(" "));
    let stamp = fmt_date(r.started)
        .trim_end_matches(" UTC")
        .replacen(' ', "T", 1);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">",
        escape(&name)
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{time:.3}\" timestamp=\"{stamp}\">",
        escape(&name)
    );
    // Where each endpoint is defined (FILE:LINE), as properties: the
    // common schema (Jenkins xunit's junit-10) has no file/line on testcase.
    if !r.outcomes.is_empty() {
        let _ = writeln!(x, "    <properties>");
        for o in &r.outcomes {
            let _ = writeln!(
                x,
                "      <property name=\"source:{}\" value=\"{}\"/>",
                escape(&o.label),
                escape(&o.source)
            );
        }
        let _ = writeln!(x, "    </properties>");
    }
    for o in &r.outcomes {
        let _ = write!(
            x,
            "    <testcase classname=\"trustfix.preflight\" name=\"{}\" time=\"{:.3}\"",
            escape(&o.label),
            o.elapsed.as_secs_f64()
        );
        let body = escape(&details(o));
        if o.passed() {
            let _ = writeln!(
                x,
                ">\n      <system-out>{body}</system-out>\n    </testcase>"
            );
        } else {
            let (tag, kind) = if is_error(o) {
                (
                    "error",
                    o.error
                        .as_ref()
                        .map(|e| e.phase.as_str())
                        .unwrap_or("error"),
                )
            } else if o.mismatch() {
                ("failure", "expected")
            } else {
                ("failure", verdict_name(o.verdict))
            };
            let _ = writeln!(
                x,
                ">\n      <{tag} type=\"{}\" message=\"{}\">{body}</{tag}>\n    </testcase>",
                escape(kind),
                escape(&message(o))
            );
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("a<b>&\"c\" 'd'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;\n"
        );
    }
}
