//! CRLs (RFC 5280 section 5): parse (DER or PEM), check that the issuer
//! named and signed it and may sign CRLs, that it is fresh, then look the
//! serial up.

use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::error::RevocationError;
use super::ocsp::{check_fresh, strip_zeros};
use super::{reason_name, Answer, Freshness};
use crate::cert::Cert;
use crate::util::pem;

/// What a verified CRL says about one certificate.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Revoked if the serial is listed, else good.
    pub answer: Answer,
    /// thisUpdate / nextUpdate of the CRL.
    pub fresh: Freshness,
}

/// The DER of a CRL given as DER or as PEM (the first `X509 CRL` block,
/// found by the one PEM segmentation).
fn der_of(body: &[u8]) -> Result<Vec<u8>, RevocationError> {
    if body.first() == Some(&0x30) {
        return Ok(body.to_vec());
    }
    let text = String::from_utf8_lossy(body);
    for block in pem::iter_blocks(&text) {
        let block = block.map_err(|e| RevocationError::PemCrl(e.to_string()))?;
        if block.label == "X509 CRL" {
            return pem::decode_body(block.body)
                .map_err(|e| RevocationError::PemCrlBody(e.to_string()));
        }
    }
    Err(RevocationError::NotCrlBody)
}

/// Checks `cert` (issued by `issuer`) against the CRL in `body` at `now`.
pub fn check(
    body: &[u8],
    cert: &Cert,
    issuer: &Cert,
    now: i64,
) -> Result<Verified, RevocationError> {
    let der = der_of(body)?;
    let (_, crl) = CertificateRevocationList::from_der(&der)
        .map_err(|e| RevocationError::NotCrl(e.to_string()))?;
    let crl_issuer = crate::cert::dn_string(crl.issuer());
    if crl.issuer().as_raw() != issuer.subject_raw.as_slice()
        && !crl_issuer.eq_ignore_ascii_case(&issuer.subject)
    {
        return Err(RevocationError::IndirectCrl {
            crl_issuer,
            issuer: issuer.subject.clone(),
        });
    }
    let (_, issuer_x) = x509_parser::certificate::X509Certificate::from_der(&issuer.der)
        .map_err(|e| RevocationError::IssuerUnreadable(e.to_string()))?;
    if let Ok(Some(ku)) = issuer_x.key_usage() {
        if !ku.value.crl_sign() {
            return Err(RevocationError::NoCrlSign {
                issuer: issuer.subject.clone(),
            });
        }
    }
    match crate::sig::verify_signed(&der, &issuer.spki_raw) {
        crate::sig::SigCheck::Valid => {}
        crate::sig::SigCheck::Unsupported(why) => {
            return Err(RevocationError::CrlSigUnsupported {
                why,
                key: issuer.key_desc(),
            })
        }
        crate::sig::SigCheck::Invalid => {
            return Err(RevocationError::CrlSigInvalid {
                issuer: issuer.subject.clone(),
            })
        }
    }
    let fresh = Freshness {
        this_update: crl.last_update().timestamp(),
        next_update: crl.next_update().map(|t| t.timestamp()),
    };
    check_fresh(&fresh, now, "CRL")?;
    let serial = strip_zeros(&serial_of(cert)).to_vec();
    let hit = crl
        .iter_revoked_certificates()
        .find(|r| strip_zeros(r.raw_serial()) == serial.as_slice());
    let answer = match hit {
        None => Answer::Good,
        Some(r) => {
            let reason = r.reason_code().map(|(_, c)| c.0);
            if reason == Some(8) {
                // removeFromCRL: a delta CRL lifting a hold.
                Answer::Good
            } else {
                Answer::Revoked {
                    at: r.revocation_date.timestamp(),
                    reason: reason.map(|c| reason_name(c).to_string()),
                }
            }
        }
    };
    Ok(Verified { answer, fresh })
}

/// The serial's DER INTEGER content (`Cert::serial` is its hex).
fn serial_of(cert: &Cert) -> Vec<u8> {
    crate::util::hex::parse_hex(&cert.serial).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_and_garbage() {
        assert!(der_of(b"hello").is_err());
        assert_eq!(
            der_of(b"-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n").unwrap(),
            vec![0x30, 0x00]
        );
        assert!(der_of(b"-----BEGIN X509 CRL-----\nMAA=\n").is_err());
        let c = crate::demo::pki::Ca::root("R").unwrap();
        let c = Cert::from_der(&c.der).unwrap();
        assert!(check(&[0x30, 0x00], &c, &c, 0)
            .unwrap_err()
            .to_string()
            .contains("not a CRL"));
    }
}
