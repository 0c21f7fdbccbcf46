//! Value parsers for flags whose values have a grammar.

/// `--scope`: machine (local-machine) or user (current-user).
pub fn scope(s: &str) -> Result<trustfix_platform::Scope, String> {
    crate::store::os::parse_scope(s)
}
