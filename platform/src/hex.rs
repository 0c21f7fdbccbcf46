//! Hex, the one implementation for the whole workspace: fingerprints and
//! file names here, and (through `trustfix::util::hex`) everything the main
//! crate prints or parses. It lives in this crate because this crate cannot
//! depend on the main one.

use std::fmt::Write;

/// Lower-case hex without separators (`3fa0…`), as SHA-256 fingerprints
/// are shown and stored.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// Upper-case hex with colons (`AB:CD:…`), as openssl prints key
/// identifiers.
pub fn hex_colon(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{x:02X}");
    }
    s
}

/// The bytes of `s`, an even number of hex digits of either case and
/// nothing else (no separators, no sign, no whitespace); `None` otherwise.
/// Allocates at most `s.len() / 2` bytes.
pub fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    b.chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses() {
        assert_eq!(hex(&[0x00, 0xab, 0x10]), "00ab10");
        assert_eq!(hex_colon(&[0x00, 0xab, 0x10]), "00:AB:10");
        assert_eq!(hex_colon(&[]), "");
        assert_eq!(parse_hex("00Ab10"), Some(vec![0x00, 0xab, 0x10]));
        assert_eq!(parse_hex(""), Some(vec![]));
        for bad in ["0", "0g", "+1", " 01", "ab:cd", "éé"] {
            assert_eq!(parse_hex(bad), None, "{bad}");
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(parse_hex(&hex(&all)), Some(all));
    }
}
