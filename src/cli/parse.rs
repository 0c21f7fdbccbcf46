//! Value parsers for flags whose values have a grammar.

/// `--scope`: machine (local-machine) or user (current-user).
pub fn scope(s: &str) -> Result<trustfix_platform::Scope, String> {
    crate::store::os::parse_scope(s).map_err(|e| e.to_string())
}

/// `--expect`: a verdict word, as the preflight file's `expected`.
pub fn verdict(s: &str) -> Result<crate::diagnose::Verdict, String> {
    crate::preflight::parse_verdict(s)
        .ok_or_else(|| "expected trusted, warning, rejected or error".to_string())
}

/// `--expect-sha256`: a whole SHA-256 in hex, colons allowed.
pub fn sha256(s: &str) -> Result<[u8; 32], String> {
    crate::util::hex::parse_sha256(s).ok_or_else(|| "expected 64 hex digits".to_string())
}

/// `--warn-days`, `--crit-days`: 0 to 36500 days, as the preflight file's
/// `warn_days`.
pub fn days(s: &str) -> Result<u32, String> {
    let range = crate::preflight::WARN_DAYS;
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|d| range.contains(&i64::from(*d)))
        .ok_or_else(|| format!("must be {} to {}", range.start(), range.end()))
}

/// `--jobs`: 1 to [`crate::preflight::MAX_JOBS`].
pub fn jobs(s: &str) -> Result<usize, String> {
    let max = crate::preflight::MAX_JOBS;
    s.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| format!("must be 1 to {max}"))
}
