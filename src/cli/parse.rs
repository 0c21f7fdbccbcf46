//! Value parsers for flags whose values have a grammar.

/// `--scope`: machine (local-machine) or user (current-user).
pub fn scope(s: &str) -> Result<trustfix_platform::Scope, String> {
    crate::store::os::parse_scope(s)
}

/// A whole SHA-256 in hex, colons allowed.
pub fn sha256(h: &str) -> Option<[u8; 32]> {
    let hex: String = h
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_lowercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_takes_colons_and_refuses_short_input() {
        let h = "AB:".repeat(31) + "AB";
        assert_eq!(super::sha256(&h), Some([0xab; 32]));
        assert_eq!(super::sha256("abcd"), None);
        assert_eq!(super::sha256(&"zz".repeat(32)), None);
    }
}
