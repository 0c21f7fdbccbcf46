//! Just enough PEM for anchor files: encode one certificate, decode the
//! CERTIFICATE blocks of a file.

use base64::Engine;

pub fn encode(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    s.push_str("-----END CERTIFICATE-----\n");
    s
}

/// DER of every CERTIFICATE / TRUSTED CERTIFICATE block; a DER file (starts
/// with a SEQUENCE) is returned whole.
pub fn decode_all(data: &[u8]) -> Vec<Vec<u8>> {
    if data.first() == Some(&0x30) {
        return vec![data.to_vec()];
    }
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(end_label) = after.find("-----") else {
            break;
        };
        let label = after[..end_label].to_string();
        let body = &after[end_label + 5..];
        let marker = format!("-----END {label}-----");
        let Some(end) = body.find(&marker) else { break };
        if label == "CERTIFICATE" || label == "TRUSTED CERTIFICATE" {
            let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
            if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64) {
                out.push(der);
            }
        }
        rest = &body[end + marker.len()..];
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let der = vec![0x30, 0x03, 1, 2, 3];
        assert_eq!(
            super::decode_all(super::encode(&der).as_bytes()),
            vec![der.clone()]
        );
        assert_eq!(super::decode_all(&der), vec![der]);
        assert!(super::decode_all(b"junk").is_empty());
    }
}
