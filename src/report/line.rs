//! One-line renderings of a check: `--brief` for people and scripts that
//! want the gist, `--format nagios` for monitoring (the monitoring-plugins
//! guidelines: status word, one line, perfdata after `|`, exit 0-3).

use super::Report;
use crate::diagnose::{Finding, Severity, Verdict};
use crate::util::escape::esc;

/// The finding a one-line report names: the first error, else the first warning.
fn headline(r: &Report) -> Option<&Finding> {
    r.findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .or_else(|| r.findings.iter().find(|f| f.severity == Severity::Warning))
}

fn target(r: &Report) -> String {
    r.target
        .as_ref()
        .map(|t| t.authority.clone())
        .or_else(|| r.chain.first().map(|c| c.short_name()))
        .unwrap_or_else(|| r.command.to_string())
}

/// Whole days until the earliest expiry in the best path (or the chain).
pub fn days_left(r: &Report) -> Option<i64> {
    let not_after = match &r.paths {
        Some(p) => p.best().certs.iter().map(|&i| p.cert(i).not_after).min(),
        None => r.chain.iter().map(|c| c.not_after).min(),
    }?;
    Some((not_after - r.now).div_euclid(86_400))
}

/// `REJECTED exchange01.int.contoso.com:25: chain.untrusted_root: root 'CN=...' not trusted`
pub fn brief(r: &Report) -> String {
    let word = match r.verdict {
        Verdict::Trusted => "TRUSTED",
        Verdict::Warning => "WARNING",
        Verdict::Rejected => "REJECTED",
        Verdict::Error => "ERROR",
    };
    let what = match (&r.error, headline(r)) {
        (Some(e), _) => format!("{}: {}", e.phase, e.message),
        (None, Some(f)) => format!("{}: {}", f.id, f.short()),
        (None, None) => match days_left(r) {
            Some(d) => format!("accepted, {d} days left"),
            None => "accepted".into(),
        },
    };
    esc(&format!("{word} {}: {what}", target(r))).into_owned()
}

/// The Nagios status of a report with the expiry thresholds applied.
pub fn nagios_code(r: &Report, crit_days: i64) -> i32 {
    let mut code = r.exit_code();
    if code < 2 && days_left(r).is_some_and(|d| d <= crit_days) {
        code = 2;
    }
    code
}

/// `TRUSTFIX CRITICAL - host:25: chain.untrusted_root (root '...' not trusted) | days_left=364;30;7`
pub fn nagios(r: &Report, warn_days: i64, crit_days: i64) -> String {
    let code = nagios_code(r, crit_days);
    let word = ["OK", "WARNING", "CRITICAL", "UNKNOWN"][code.clamp(0, 3) as usize];
    let days = days_left(r);
    let what = match (&r.error, headline(r)) {
        (Some(e), _) => format!("could not check ({}): {}", e.phase, e.message),
        (None, Some(f)) => format!("{} ({})", f.id, f.short()),
        (None, None) => match days {
            Some(d) if d <= crit_days => format!("chain accepted, but it expires in {d} days"),
            Some(d) => format!("chain accepted, {d} days left"),
            None => "chain accepted".into(),
        },
    };
    // `|` separates perfdata: it may not appear in the text.
    let text = esc(&format!("{}: {what}", target(r))).replace('|', "/");
    let perf = days
        .map(|d| format!(" | days_left={d};{warn_days};{crit_days}"))
        .unwrap_or_default();
    format!("TRUSTFIX {word} - {text}{perf}")
}
