//! Making server- and file-supplied text safe for a terminal.

use std::borrow::Cow;

/// A server- or file-supplied string made safe for a terminal: C0 and C1
/// controls (ESC, BEL, CR, LF, ...), DEL and the bidirectional overrides
/// and isolates become visible escapes (`\x1b`, `\u{202e}`), so a
/// certificate cannot forge a line, move the cursor or reorder text. The
/// one escaping function of every text output; JSON and JUnit escape on
/// their own.
pub fn esc(s: &str) -> Cow<'_, str> {
    fn bad(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if !bad(c) => o.push(c),
            c if (c as u32) < 0x80 => o.push_str(&format!("\\x{:02x}", c as u32)),
            c => o.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(o)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_controls_and_bidi_only() {
        use super::esc;
        assert_eq!(esc("CN=Contoso Root, O=Ä"), "CN=Contoso Root, O=Ä");
        assert_eq!(esc("a\x1b[2Jb\x07"), "a\\x1b[2Jb\\x07");
        assert_eq!(esc("x\r\nVerdict: TRUSTED"), "x\\x0d\\x0aVerdict: TRUSTED");
        assert_eq!(esc("\u{202e}gnp.exe"), "\\u{202e}gnp.exe");
        assert_eq!(esc("\u{9b}31m\t\u{7f}"), "\\u{9b}31m\\x09\\x7f");
    }
}
