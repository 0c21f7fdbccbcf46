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
