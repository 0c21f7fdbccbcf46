//! Hex for the whole crate: `hex` (lower case, SHA-256 fingerprints),
//! `hex_colon` (`AB:CD`, key identifiers as openssl prints them) and
//! `parse_hex` (checked: even length, hex digits only). The code is
//! `trustfix_platform::hex`, the workspace's one implementation, because
//! the platform crate needs it too and cannot depend on this one; this
//! module adds what only the main crate needs (fingerprint arguments).

pub use trustfix_platform::hex::{hex, hex_colon, parse_hex};

/// A fingerprint given on the command line or in a file: hex digits with
/// optional colons, either case, normalised to lower case without colons;
/// `None` unless what is left is only hex digits.
pub fn fingerprint_digits(s: &str) -> Option<String> {
    let h: String = s
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    h.bytes().all(|b| b.is_ascii_hexdigit()).then_some(h)
}

/// A full SHA-256 fingerprint (64 hex digits, colons allowed).
pub fn parse_sha256(s: &str) -> Option<[u8; 32]> {
    let h = fingerprint_digits(s)?;
    parse_hex(&h)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints() {
        let full = "AB:".repeat(31) + "AB";
        assert_eq!(parse_sha256(&full), Some([0xab; 32]));
        assert_eq!(parse_sha256(&"ab".repeat(32)), Some([0xab; 32]));
        assert_eq!(parse_sha256(&"ab".repeat(31)), None);
        assert_eq!(parse_sha256(&("ab".repeat(31) + "ag")), None);
        assert_eq!(fingerprint_digits("De:Ad").as_deref(), Some("dead"));
        assert_eq!(fingerprint_digits("de ad"), None);
        assert_eq!(fingerprint_digits("").as_deref(), Some(""));
    }
}
