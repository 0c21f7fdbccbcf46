//! Certificates from files: PEM (any number of CERTIFICATE / TRUSTED
//! CERTIFICATE / PKCS7 blocks), DER, and DER or PEM PKCS#7 bundles (.p7b/.p7c).

use std::path::Path;

use crate::cert::Cert;
use crate::util::pem;

/// Files bigger than this are not certificate bundles; refuse before reading.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// PKCS#7 nesting and certificate counts are bounded so hostile input cannot
/// make us allocate without limit.
const MAX_CERTS: usize = 100_000;

/// Why certificates could not be read: one line, naming the file when
/// there is one.
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

fn certs_from_pem(data: &[u8]) -> Result<Vec<Cert>, String> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    for (i, block) in pem::blocks(&text)?.iter().enumerate() {
        let block_no = i + 1;
        let der = || pem::decode_body(block.body).map_err(|e| format!("PEM block {block_no}: {e}"));
        if pem::is_certificate(block.label) {
            let c = Cert::from_der(&der()?).map_err(|e| format!("PEM block {block_no}: {e}"))?;
            out.push(c);
        } else if pem::is_pkcs7(block.label) {
            match pkcs7_certs(&der()?)? {
                Some(certs) => out.extend(certs),
                None => return Err(format!("PEM block {block_no}: not a PKCS#7 SignedData")),
            }
        }
        // Keys, CRLs and requests may share a bundle; they are not ours.
        if out.len() > MAX_CERTS {
            return Err(format!("more than {MAX_CERTS} certificates"));
        }
    }
    if out.is_empty() {
        return Err("no CERTIFICATE or PKCS7 block found".into());
    }
    Ok(out)
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
