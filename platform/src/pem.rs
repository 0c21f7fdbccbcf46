//! PEM, the one implementation for the whole workspace: the segmentation
//! into blocks every reader uses (the main crate's loader and bundle
//! editor, through `trustfix::util::pem`, and the anchor listing here),
//! the body decoder, and the CERTIFICATE encoder. It lives in this crate
//! because this crate cannot depend on the main one.

use base64::Engine;

/// One PEM block of a text: `label` from `-----BEGIN label-----`, `body`
/// between that header and `-----END label-----`, `range` from the
/// header's first dash to just past the END line's last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block<'a> {
    /// The label, e.g. `CERTIFICATE`.
    pub label: &'a str,
    /// The base64 between the lines, undecoded.
    pub body: &'a str,
    /// Byte range of the whole block in the text.
    pub range: std::ops::Range<usize>,
}

/// The blocks of a text in order; after a malformed one (an unterminated
/// header, a block without its END line) the error, then nothing.
pub struct Blocks<'a> {
    text: &'a str,
    pos: usize,
    failed: bool,
}

impl<'a> Iterator for Blocks<'a> {
    type Item = Result<Block<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let text = self.text;
        let start = self.pos + text[self.pos..].find("-----BEGIN ")?;
        let label_start = start + 11;
        let Some(label_len) = text[label_start..].find("-----") else {
            self.failed = true;
            return Some(Err("unterminated PEM header".into()));
        };
        let label = &text[label_start..label_start + label_len];
        let body_start = label_start + label_len + 5;
        let end_marker = format!("-----END {label}-----");
        let Some(body_len) = text[body_start..].find(&end_marker) else {
            self.failed = true;
            return Some(Err(format!("PEM block '{label}' has no END line")));
        };
        let end = body_start + body_len + end_marker.len();
        self.pos = end;
        Some(Ok(Block {
            label,
            body: &text[body_start..body_start + body_len],
            range: start..end,
        }))
    }
}

/// The blocks of `text`, lazily (see `Blocks`).
pub fn iter_blocks(text: &str) -> Blocks<'_> {
    Blocks {
        text,
        pos: 0,
        failed: false,
    }
}

/// Every block of `text`, or the first malformed one's error. This is the
/// one segmentation: whoever must agree with a reader on what a file holds
/// (the bundle editor dropping exactly the blocks the loader sees) uses it.
pub fn blocks(text: &str) -> Result<Vec<Block<'_>>, String> {
    iter_blocks(text).collect()
}

/// The DER of a block's body: RFC 1421 header lines (`Proc-Type: ...`,
/// any line with a colon) skipped, whitespace ignored, standard base64.
pub fn decode_body(body: &str) -> Result<Vec<u8>, String> {
    let b64: String = body
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| format!("bad base64 ({e})"))
}

/// One certificate as a CERTIFICATE block (64-column base64, `\n` endings).
pub fn encode(der: &[u8]) -> String {
    encode_block("CERTIFICATE", der)
}

/// `der` as one PEM block with this label (64-column base64, `\n` endings).
pub fn encode_block(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// For anchor files: the DER of every CERTIFICATE / TRUSTED CERTIFICATE
/// block up to the first malformed one, skipping bodies that do not
/// decode; a DER file (starts with a SEQUENCE) is returned whole.
pub fn decode_all(data: &[u8]) -> Vec<Vec<u8>> {
    if data.first() == Some(&0x30) {
        return vec![data.to_vec()];
    }
    let text = String::from_utf8_lossy(data);
    iter_blocks(&text)
        .map_while(Result::ok)
        .filter(|b| b.label == "CERTIFICATE" || b.label == "TRUSTED CERTIFICATE")
        .filter_map(|b| decode_body(b.body).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let der = vec![0x30, 0x03, 1, 2, 3];
        assert_eq!(decode_all(encode(&der).as_bytes()), vec![der.clone()]);
        assert_eq!(decode_all(&der), vec![der]);
        assert!(decode_all(b"junk").is_empty());
    }

    #[test]
    fn segmentation() {
        let t = "x-----BEGIN A-----\nQUFB\n-----END A-----\n-----BEGIN B-----\n-----END B-----";
        let b = blocks(t).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].label, b[0].body, b[0].range.clone()),
            ("A", "\nQUFB\n", 1..39)
        );
        assert_eq!(&t[b[1].range.clone()], "-----BEGIN B-----\n-----END B-----");
        assert_eq!(decode_body(b[0].body).unwrap(), b"AAA");
        assert_eq!(
            decode_body("Proc-Type: 4,ENCRYPTED\n\nQUFB\n").unwrap(),
            b"AAA"
        );
        assert!(decode_body("!!").unwrap_err().contains("bad base64"));
        assert_eq!(
            blocks("-----BEGIN A-----\n").unwrap_err(),
            "PEM block 'A' has no END line"
        );
        assert_eq!(
            blocks("-----BEGIN A").unwrap_err(),
            "unterminated PEM header"
        );
        // Blocks before a malformed one still count for the anchor listing.
        let cert = encode(&[0x30, 0x00]);
        assert_eq!(
            decode_all(format!("{cert}-----BEGIN CERTIFICATE-----\nMAA=").as_bytes()),
            vec![vec![0x30, 0x00]]
        );
    }
}
