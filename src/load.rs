//! Certificates from files: PEM (any number of CERTIFICATE / TRUSTED
//! CERTIFICATE / PKCS7 blocks), DER, and DER or PEM PKCS#7 bundles (.p7b/.p7c).

use std::path::{Path, PathBuf};

use crate::cert::{Cert, ParseError};
use crate::util::pem;

/// Files bigger than this are not certificate bundles; refuse before reading.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// PKCS#7 nesting and certificate counts are bounded so hostile input cannot
/// make us allocate without limit.
const MAX_CERTS: usize = 100_000;

/// Why certificates could not be read: one line, naming the file when
/// there is one.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be inspected or read.
    Io {
        /// The file as given.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A directory where a file was expected.
    IsDir(PathBuf),
    /// Larger than [`MAX_FILE_BYTES`], refused before reading.
    TooLarge {
        /// The file as given.
        path: PathBuf,
        /// Its size in bytes.
        len: u64,
    },
    /// The file's content is not certificates.
    Content {
        /// The file as given.
        path: PathBuf,
        /// Why its bytes are not certificates.
        source: Box<LoadError>,
    },
    /// No bytes at all.
    Empty,
    /// Neither PEM nor DER.
    NotCertificate,
    /// DER, but neither a certificate nor a PKCS#7 bundle.
    DerNotCertificate,
    /// The text could not be split into PEM blocks.
    Pem(String),
    /// A PEM block's base64 body does not decode.
    PemBody {
        /// The block's number, from 1.
        block: usize,
        /// What the decoder said.
        reason: String,
    },
    /// A CERTIFICATE block does not hold a certificate.
    PemCert {
        /// The block's number, from 1.
        block: usize,
        /// Why the DER is not a certificate.
        source: ParseError,
    },
    /// A PKCS7 block does not hold SignedData.
    PemNotPkcs7 {
        /// The block's number, from 1.
        block: usize,
    },
    /// More than `MAX_CERTS` certificates.
    TooMany,
    /// PEM text without a block holding certificates.
    NoBlock,
    /// SignedData whose structure does not parse.
    MalformedPkcs7,
    /// A certificate inside SignedData does not parse.
    Pkcs7Cert(ParseError),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            LoadError::IsDir(path) => {
                write!(f, "{}: is a directory (use --ca-dir)", path.display())
            }
            LoadError::TooLarge { path, len } => write!(
                f,
                "{}: {len} bytes is too large for a certificate file (limit {MAX_FILE_BYTES})",
                path.display()
            ),
            LoadError::Content { path, source } => write!(f, "{}: {source}", path.display()),
            LoadError::Empty => f.write_str("empty file, no certificate"),
            LoadError::NotCertificate => {
                f.write_str("not a certificate (expected PEM, DER or PKCS#7)")
            }
            LoadError::DerNotCertificate => {
                f.write_str("DER data is neither an X.509 certificate nor a PKCS#7 bundle")
            }
            LoadError::Pem(reason) => f.write_str(reason),
            LoadError::PemBody { block, reason } => write!(f, "PEM block {block}: {reason}"),
            LoadError::PemCert { block, source } => write!(f, "PEM block {block}: {source}"),
            LoadError::PemNotPkcs7 { block } => {
                write!(f, "PEM block {block}: not a PKCS#7 SignedData")
            }
            LoadError::TooMany => write!(f, "more than {MAX_CERTS} certificates"),
            LoadError::NoBlock => f.write_str("no CERTIFICATE or PKCS7 block found"),
            LoadError::MalformedPkcs7 => f.write_str("malformed PKCS#7 SignedData"),
            LoadError::Pkcs7Cert(e) => write!(f, "PKCS#7 certificate: {e}"),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Io { source, .. } => Some(source),
            LoadError::Content { source, .. } => Some(source.as_ref()),
            LoadError::PemCert { source, .. } | LoadError::Pkcs7Cert(source) => Some(source),
            _ => None,
        }
    }
}

/// Reads every certificate in `path`; the error names the file.
pub fn certs_from_file(path: &Path) -> Result<Vec<Cert>, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(LoadError::IsDir(path.to_path_buf()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            len: meta.len(),
        });
    }
    let data = std::fs::read(path).map_err(io)?;
    certs_from_bytes(&data).map_err(|e| LoadError::Content {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}

/// Parses PEM, DER certificate or DER PKCS#7 data.
pub fn certs_from_bytes(data: &[u8]) -> Result<Vec<Cert>, LoadError> {
    if data.is_empty() {
        return Err(LoadError::Empty);
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
        return Err(LoadError::DerNotCertificate);
    }
    Err(LoadError::NotCertificate)
}

fn certs_from_pem(data: &[u8]) -> Result<Vec<Cert>, LoadError> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    for (i, block) in pem::blocks(&text)
        .map_err(LoadError::Pem)?
        .iter()
        .enumerate()
    {
        let block_no = i + 1;
        let der = || {
            pem::decode_body(block.body).map_err(|reason| LoadError::PemBody {
                block: block_no,
                reason,
            })
        };
        if pem::is_certificate(block.label) {
            let c = Cert::from_der(&der()?).map_err(|source| LoadError::PemCert {
                block: block_no,
                source,
            })?;
            out.push(c);
        } else if pem::is_pkcs7(block.label) {
            match pkcs7_certs(&der()?)? {
                Some(certs) => out.extend(certs),
                None => return Err(LoadError::PemNotPkcs7 { block: block_no }),
            }
        }
        // Keys, CRLs and requests may share a bundle; they are not ours.
        if out.len() > MAX_CERTS {
            return Err(LoadError::TooMany);
        }
    }
    if out.is_empty() {
        return Err(LoadError::NoBlock);
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
fn pkcs7_certs(der: &[u8]) -> Result<Option<Vec<Cert>>, LoadError> {
    let Some((0x30, content_info, _)) = der_tlv(der) else {
        return Ok(None);
    };
    let Some((0x06, oid, rest)) = der_tlv(content_info) else {
        return Ok(None);
    };
    if oid != OID_SIGNED_DATA {
        return Ok(None);
    }
    let bad = || LoadError::MalformedPkcs7;
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
            out.push(Cert::from_der(one).map_err(LoadError::Pkcs7Cert)?);
            if out.len() > MAX_CERTS {
                return Err(LoadError::TooMany);
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
        let e = certs_from_bytes(b"hello world\n").unwrap_err().to_string();
        assert!(e.contains("not a certificate"), "{e}");
        let e = certs_from_bytes(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("base64"), "{e}");
        let e = certs_from_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            .unwrap_err()
            .to_string();
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
