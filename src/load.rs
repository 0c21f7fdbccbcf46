//! Certificates from files: PEM (any number of CERTIFICATE / TRUSTED
//! CERTIFICATE / PKCS7 blocks), DER, and DER or PEM PKCS#7 bundles (.p7b/.p7c).

use std::path::Path;

use base64::Engine;

use crate::cert::Cert;

/// Files bigger than this are not certificate bundles; refuse before reading.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// PKCS#7 nesting and certificate counts are bounded so hostile input cannot
/// make us allocate without limit.
const MAX_CERTS: usize = 100_000;

#[derive(Debug)]
pub struct LoadError(pub String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads every certificate in `path`; the error names the file.
pub fn certs_from_file(path: &Path) -> Result<Vec<Cert>, LoadError> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| LoadError(format!("{shown}: {e}")))?;
    if meta.is_dir() {
        return Err(LoadError(format!("{shown}: is a directory (use --ca-dir)")));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError(format!(
            "{shown}: {} bytes is too large for a certificate file (limit {MAX_FILE_BYTES})",
            meta.len()
        )));
    }
    let data = std::fs::read(path).map_err(|e| LoadError(format!("{shown}: {e}")))?;
    certs_from_bytes(&data).map_err(|e| LoadError(format!("{shown}: {e}")))
}

/// Parses PEM, DER certificate or DER PKCS#7 data.
pub fn certs_from_bytes(data: &[u8]) -> Result<Vec<Cert>, String> {
    if data.is_empty() {
        return Err("empty file, no certificate".into());
    }
    if data.contains_subslice(b"-----BEGIN ") {
        return certs_from_pem(data);
    }
    if data.first() == Some(&0x30) {
        if let Ok(c) = Cert::from_der(data) {
            return Ok(vec![c]);
        }
        if let Some(certs) = pkcs7_certs(data)? {
            return Ok(certs);
        }
        return Err("DER data is neither an X.509 certificate nor a PKCS#7 bundle".into());
    }
    Err("not a certificate (expected PEM, DER or PKCS#7)".into())
}

/// One PEM block: `label` from `-----BEGIN label-----`, `body` between the
/// header and `-----END label-----`, `range` from the header's first dash to
/// just past the END line's last one.
pub struct PemBlock<'a> {
    pub label: &'a str,
    pub body: &'a str,
    pub range: std::ops::Range<usize>,
}

/// The PEM blocks of `text`, segmented the one way every reader here does
/// (the loader, and the bundle editor that must drop exactly the blocks
/// the loader sees).
pub fn pem_blocks(text: &str) -> Result<Vec<PemBlock<'_>>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(found) = text[pos..].find("-----BEGIN ") {
        let start = pos + found;
        let label_start = start + 11;
        let Some(label_len) = text[label_start..].find("-----") else {
            return Err("unterminated PEM header".into());
        };
        let label = &text[label_start..label_start + label_len];
        let body_start = label_start + label_len + 5;
        let end_marker = format!("-----END {label}-----");
        let Some(body_len) = text[body_start..].find(&end_marker) else {
            return Err(format!("PEM block '{label}' has no END line"));
        };
        let end = body_start + body_len + end_marker.len();
        out.push(PemBlock {
            label,
            body: &text[body_start..body_start + body_len],
            range: start..end,
        });
        pos = end;
    }
    Ok(out)
}

fn certs_from_pem(data: &[u8]) -> Result<Vec<Cert>, String> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    for (i, block) in pem_blocks(&text)?.iter().enumerate() {
        let block_no = i + 1;
        let body = block.body;
        match block.label {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                let der = pem_body(body).map_err(|e| format!("PEM block {block_no}: {e}"))?;
                let c = Cert::from_der(&der).map_err(|e| format!("PEM block {block_no}: {e}"))?;
                out.push(c);
            }
            "PKCS7" | "CMS" => {
                let der = pem_body(body).map_err(|e| format!("PEM block {block_no}: {e}"))?;
                match pkcs7_certs(&der)? {
                    Some(certs) => out.extend(certs),
                    None => return Err(format!("PEM block {block_no}: not a PKCS#7 SignedData")),
                }
            }
            // Keys, CRLs and requests may share a bundle; they are not ours.
            _ => {}
        }
        if out.len() > MAX_CERTS {
            return Err(format!("more than {MAX_CERTS} certificates"));
        }
    }
    if out.is_empty() {
        return Err("no CERTIFICATE or PKCS7 block found".into());
    }
    Ok(out)
}

fn pem_body(body: &str) -> Result<Vec<u8>, String> {
    // Skip RFC 1421 headers ("Proc-Type: ...") that precede a blank line.
    let b64: String = body
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|e| format!("bad base64 ({e})"))
}

/// A bounded DER reader: tag, content, remainder.
pub fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// Certificates of a PKCS#7 SignedData (`certificates [0] IMPLICIT SET OF`).
/// `Ok(None)` when the data is not SignedData at all.
fn pkcs7_certs(der: &[u8]) -> Result<Option<Vec<Cert>>, String> {
    let Some((0x30, content_info, _)) = der_tlv(der) else {
        return Ok(None);
    };
    let Some((0x06, oid, rest)) = der_tlv(content_info) else {
        return Ok(None);
    };
    if oid != OID_SIGNED_DATA {
        return Ok(None);
    }
    let bad = || "malformed PKCS#7 SignedData".to_string();
    let (tag, explicit, _) = der_tlv(rest).ok_or_else(bad)?;
    if tag != 0xa0 {
        return Err(bad());
    }
    let (tag, mut sd, _) = der_tlv(explicit).ok_or_else(bad)?;
    if tag != 0x30 {
        return Err(bad());
    }
    let mut out = Vec::new();
    while !sd.is_empty() {
        let (tag, body, rest) = der_tlv(sd).ok_or_else(bad)?;
        sd = rest;
        if tag != 0xa0 {
            continue;
        }
        let mut set = body;
        while !set.is_empty() {
            let (_, _, rest) = der_tlv(set).ok_or_else(bad)?;
            let one = &set[..set.len() - rest.len()];
            out.push(Cert::from_der(one).map_err(|e| format!("PKCS#7 certificate: {e}"))?);
            if out.len() > MAX_CERTS {
                return Err(format!("more than {MAX_CERTS} certificates"));
            }
            set = rest;
        }
    }
    Ok(Some(out))
}

trait ContainsSubslice {
    fn contains_subslice(&self, needle: &[u8]) -> bool;
}

impl ContainsSubslice for [u8] {
    fn contains_subslice(&self, needle: &[u8]) -> bool {
        self.windows(needle.len()).any(|w| w == needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_tlv_refuses_lying_lengths() {
        assert!(der_tlv(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]).is_none());
        assert!(der_tlv(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none());
        assert!(der_tlv(&[0x30, 0x03, 0x01]).is_none());
        assert_eq!(
            der_tlv(&[0x04, 0x01, 0xaa, 0xbb]),
            Some((0x04, &[0xaa][..], &[0xbb][..]))
        );
    }

    #[test]
    fn text_without_pem_is_refused() {
        let e = certs_from_bytes(b"hello world\n").unwrap_err();
        assert!(e.contains("not a certificate"), "{e}");
        let e = certs_from_bytes(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
            .unwrap_err();
        assert!(e.contains("base64"), "{e}");
        let e = certs_from_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            .unwrap_err();
        assert!(e.contains("no CERTIFICATE"), "{e}");
    }

    #[test]
    fn truncated_pkcs7_is_an_error_not_a_panic() {
        let mut p7 = vec![0x30, 0x0f, 0x06, 0x09];
        p7.extend_from_slice(OID_SIGNED_DATA);
        p7.extend_from_slice(&[0xa0, 0x02, 0x30, 0x05]);
        assert!(certs_from_bytes(&p7).is_err());
    }
}
