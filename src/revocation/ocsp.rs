//! OCSP (RFC 6960): the request for one certificate (SHA-1 CertID, as
//! responders expect, and a nonce), and the verification of a response,
//! stapled or fetched: signed by the issuer or by a responder certificate
//! the issuer gave id-kp-OCSPSigning, covering this certificate, fresh.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::der::asn1::{Null, ObjectIdentifier, OctetString};
use x509_cert::der::oid::db::rfc6960::{ID_PKIX_OCSP_BASIC, ID_PKIX_OCSP_NONCE};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponderId, TbsRequest, Version,
};
use x509_parser::prelude::FromDer;

use super::{reason_name, Answer, Freshness, MAX_AGE_WITHOUT_NEXT, SKEW};
use crate::cert::{Cert, SigCheck};
use crate::util::time::fmt_date;

const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// A verified answer about one certificate, and who signed it.
#[derive(Debug, Clone)]
pub struct Verified {
    pub answer: Answer,
    pub fresh: Freshness,
    /// "the issuer" or "delegated responder 'CN=...'".
    pub signer: String,
}

/// The DER OCSPRequest for `cert` issued by `issuer`, with `nonce`.
pub fn request(cert: &Cert, issuer: &Cert, nonce: &[u8]) -> Result<Vec<u8>, String> {
    let err = |e: x509_cert::der::Error| format!("cannot encode the OCSP request: {e}");
    let key = issuer_key_bits(issuer)?;
    let cert_id = CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: SHA1,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(Sha1::digest(&issuer.subject_raw).to_vec())
            .map_err(err)?,
        issuer_key_hash: OctetString::new(Sha1::digest(&key).to_vec()).map_err(err)?,
        serial_number: SerialNumber::new(&serial_bytes(&cert.serial)).map_err(err)?,
    };
    // RFC 8954: the nonce extension's value is an OCTET STRING of the nonce.
    let nonce_value = OctetString::new(nonce.to_vec())
        .and_then(|o| o.to_der())
        .map_err(err)?;
    let req = OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: vec![Request {
                req_cert: cert_id,
                single_request_extensions: None,
            }],
            request_extensions: Some(vec![Extension {
                extn_id: ID_PKIX_OCSP_NONCE,
                critical: false,
                extn_value: OctetString::new(nonce_value).map_err(err)?,
            }]),
        },
        optional_signature: None,
    };
    req.to_der().map_err(err)
}

/// Verifies an OCSPResponse about `cert` (issued by `issuer`) at `now`.
/// With `nonce`, a nonce in the response must equal it (responders that
/// serve pre-signed responses leave it out, which is accepted).
pub fn verify(
    der: &[u8],
    cert: &Cert,
    issuer: &Cert,
    now: i64,
    nonce: Option<&[u8]>,
) -> Result<Verified, String> {
    let resp = OcspResponse::from_der(der).map_err(|e| format!("not an OCSP response ({e})"))?;
    match resp.response_status {
        OcspResponseStatus::Successful => {}
        other => {
            let s = match other {
                OcspResponseStatus::MalformedRequest => "malformedRequest",
                OcspResponseStatus::InternalError => "internalError",
                OcspResponseStatus::TryLater => "tryLater",
                OcspResponseStatus::SigRequired => "sigRequired",
                OcspResponseStatus::Unauthorized => "unauthorized (it does not serve this CA)",
                OcspResponseStatus::Successful => "successful",
            };
            return Err(format!("the responder answered {s}"));
        }
    }
    let bytes = resp
        .response_bytes
        .ok_or("a successful OCSP response without a body")?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(format!(
            "OCSP response type {} is not id-pkix-ocsp-basic",
            bytes.response_type
        ));
    }
    let basic_der = bytes.response.as_bytes();
    let basic = BasicOcspResponse::from_der(basic_der)
        .map_err(|e| format!("malformed BasicOCSPResponse ({e})"))?;
    let tbs = first_element(basic_der).ok_or("malformed BasicOCSPResponse")?;
    let data = &basic.tbs_response_data;

    // Who signed it: the issuer itself, or a certificate the issuer
    // authorized with id-kp-OCSPSigning.
    let alg = basic
        .signature_algorithm
        .to_der()
        .map_err(|e| format!("malformed signature algorithm ({e})"))?;
    let sig = basic.signature.raw_bytes();
    let mut why_not = Vec::new();
    let mut signer = None;
    match verify_sig(issuer, &alg, sig, tbs) {
        Ok(()) => signer = Some("the issuer".to_string()),
        Err(e) => {
            if responder_is(&data.responder_id, issuer) {
                why_not.push(format!("the issuer's signature does not verify: {e}"));
            }
        }
    }
    if signer.is_none() {
        for c in basic.certs.iter().flatten() {
            let Ok(c) = c
                .to_der()
                .map_err(|e| e.to_string())
                .and_then(|d| Cert::from_der(&d).map_err(|e| e.to_string()))
            else {
                continue;
            };
            if verify_sig(&c, &alg, sig, tbs).is_err() {
                continue;
            }
            match delegated(&c, issuer, now) {
                Ok(()) => {
                    signer = Some(format!("delegated responder '{}'", c.subject));
                    break;
                }
                Err(e) => why_not.push(format!("signed by '{}', {e}", c.subject)),
            }
        }
    }
    let Some(signer) = signer else {
        if why_not.is_empty() {
            why_not.push(format!(
                "the signature verifies neither with the key of the issuer '{}' nor with a responder certificate in the response",
                issuer.subject
            ));
        }
        return Err(format!(
            "unverifiable OCSP response: {}",
            why_not.join("; ")
        ));
    };

    if let Some(n) = nonce {
        if let Some(got) = data.nonce() {
            if got.0.as_bytes() != n {
                return Err(
                    "the response's nonce is not the one sent (replayed or wrong response)".into(),
                );
            }
        }
    }

    let key = issuer_key_bits(issuer)?;
    let serial = serial_bytes(&cert.serial);
    let single = data
        .responses
        .iter()
        .find(|s| cert_id_matches(&s.cert_id, &issuer.subject_raw, &key, &serial))
        .ok_or_else(|| {
            format!(
                "the response does not cover this certificate (serial {}, issuer '{}')",
                cert.serial, issuer.subject
            )
        })?;
    let this_update = unix(&single.this_update.0);
    let next_update = single.next_update.map(|t| unix(&t.0));
    let fresh = Freshness {
        this_update,
        next_update,
    };
    check_fresh(&fresh, now, "OCSP response")?;
    let answer = match single.cert_status {
        CertStatus::Good(_) => Answer::Good,
        CertStatus::Revoked(info) => Answer::Revoked {
            at: unix(&info.revocation_time.0),
            reason: info
                .revocation_reason
                .map(|r| reason_name(r as u8).to_string()),
        },
        CertStatus::Unknown(_) => Answer::Unknown,
    };
    Ok(Verified {
        answer,
        fresh,
        signer,
    })
}

/// thisUpdate not in the future, nextUpdate (or, without one, thisUpdate
/// plus a week) not in the past; five minutes of clock skew allowed.
pub fn check_fresh(f: &Freshness, now: i64, what: &str) -> Result<(), String> {
    if f.this_update > now + SKEW {
        return Err(format!(
            "stale {what}: its thisUpdate {} is in the future (check the clocks)",
            fmt_date(f.this_update)
        ));
    }
    match f.next_update {
        Some(n) if n < now - SKEW => Err(format!(
            "stale {what}: its nextUpdate {} has passed",
            fmt_date(n)
        )),
        None if f.this_update < now - MAX_AGE_WITHOUT_NEXT => Err(format!(
            "stale {what}: produced {} without a nextUpdate, more than 7 days ago",
            fmt_date(f.this_update)
        )),
        _ => Ok(()),
    }
}

/// A delegated responder: issued and signed by the issuer, with
/// id-kp-OCSPSigning, valid now.
fn delegated(c: &Cert, issuer: &Cert, now: i64) -> Result<(), String> {
    if !c.names_issuer(issuer) || c.signed_by(issuer) != SigCheck::Valid {
        return Err(format!(
            "which was not issued by the certificate's issuer '{}'",
            issuer.subject
        ));
    }
    let ocsp_signing = x509_parser::certificate::X509Certificate::from_der(&c.der)
        .ok()
        .and_then(|(_, x)| {
            x.extended_key_usage()
                .ok()
                .flatten()
                .map(|e| e.value.ocsp_signing)
        })
        .unwrap_or(false);
    if !ocsp_signing {
        return Err("which lacks the extended key usage id-kp-OCSPSigning".into());
    }
    if now < c.not_before || now > c.not_after {
        return Err(format!(
            "whose validity {} .. {} does not cover now",
            fmt_date(c.not_before),
            fmt_date(c.not_after)
        ));
    }
    Ok(())
}

fn responder_is(id: &ResponderId, issuer: &Cert) -> bool {
    match id {
        ResponderId::ByName(n) => n.to_der().is_ok_and(|d| d == issuer.subject_raw),
        ResponderId::ByKey(k) => {
            issuer_key_bits(issuer).is_ok_and(|key| Sha1::digest(&key).as_slice() == k.as_bytes())
        }
    }
}

fn cert_id_matches(id: &CertId, issuer_name: &[u8], key: &[u8], serial: &[u8]) -> bool {
    let (name_hash, key_hash): (Vec<u8>, Vec<u8>) = match id.hash_algorithm.oid {
        o if o == SHA1 => (
            Sha1::digest(issuer_name).to_vec(),
            Sha1::digest(key).to_vec(),
        ),
        o if o == SHA256 => (
            Sha256::digest(issuer_name).to_vec(),
            Sha256::digest(key).to_vec(),
        ),
        o if o == SHA384 => (
            Sha384::digest(issuer_name).to_vec(),
            Sha384::digest(key).to_vec(),
        ),
        o if o == SHA512 => (
            Sha512::digest(issuer_name).to_vec(),
            Sha512::digest(key).to_vec(),
        ),
        _ => return false,
    };
    id.issuer_name_hash.as_bytes() == name_hash
        && id.issuer_key_hash.as_bytes() == key_hash
        && strip_zeros(id.serial_number.as_bytes()) == strip_zeros(serial)
}

/// The subjectPublicKey bits of the issuer (what issuerKeyHash hashes).
fn issuer_key_bits(issuer: &Cert) -> Result<Vec<u8>, String> {
    x509_parser::x509::SubjectPublicKeyInfo::from_der(&issuer.spki_raw)
        .map(|(_, s)| s.subject_public_key.data.to_vec())
        .map_err(|e| format!("cannot read the issuer's public key ({e})"))
}

/// Verifies `sig` over `data` with `signer`'s key; `alg` is the DER
/// AlgorithmIdentifier.
pub(super) fn verify_sig(signer: &Cert, alg: &[u8], sig: &[u8], data: &[u8]) -> Result<(), String> {
    match crate::sig::verify(&signer.spki_raw, alg, sig, data) {
        crate::sig::SigCheck::Valid => Ok(()),
        crate::sig::SigCheck::Invalid => Err("bad signature".to_string()),
        crate::sig::SigCheck::Unsupported(why) => {
            Err(format!("{why} (signer key {})", signer.key_desc()))
        }
    }
}

fn unix(t: &x509_cert::der::asn1::GeneralizedTime) -> i64 {
    t.to_unix_duration().as_secs() as i64
}

/// Serial bytes from `Cert::serial` (hex of the DER INTEGER's content).
fn serial_bytes(hex: &str) -> Vec<u8> {
    let raw: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    strip_zeros(&raw).to_vec()
}

pub(super) fn strip_zeros(b: &[u8]) -> &[u8] {
    let mut b = b;
    while b.len() > 1 && b[0] == 0 {
        b = &b[1..];
    }
    b
}

/// The whole first element (tag, length, content) inside a DER SEQUENCE:
/// the signed bytes (tbsResponseData) exactly as the responder encoded them.
fn first_element(seq: &[u8]) -> Option<&[u8]> {
    let (hdr, len) = header(seq)?;
    let content = seq.get(hdr..hdr.checked_add(len)?)?;
    let (h2, l2) = header(content)?;
    content.get(..h2.checked_add(l2)?)
}

/// (header length, content length) of a DER TLV with a one-byte tag.
fn header(b: &[u8]) -> Option<(usize, usize)> {
    let first = *b.get(1)?;
    if first < 0x80 {
        return Some((2, first as usize));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | *b.get(2 + i)? as usize;
    }
    Some((2 + n, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_headers() {
        assert_eq!(header(&[0x30, 0x03, 1, 2, 3]), Some((2, 3)));
        assert_eq!(header(&[0x30, 0x81, 0x80]), Some((3, 128)));
        assert_eq!(header(&[0x30, 0x82, 0x01, 0x00]), Some((4, 256)));
        assert_eq!(header(&[0x30]), None);
        assert_eq!(header(&[0x30, 0x80]), None);
        assert_eq!(
            first_element(&[0x30, 0x05, 0x04, 0x01, 0xaa, 0x05, 0x00]),
            Some(&[0x04, 0x01, 0xaa][..])
        );
        assert_eq!(first_element(&[0x30, 0x05, 0x04, 0x09, 0xaa]), None);
    }

    #[test]
    fn serials() {
        assert_eq!(serial_bytes("00ff01"), vec![0xff, 0x01]);
        assert_eq!(serial_bytes("1001"), vec![0x10, 0x01]);
        assert_eq!(serial_bytes("00"), vec![0x00]);
    }

    #[test]
    fn freshness() {
        let now = 1_800_000_000;
        let f = |t, n| Freshness {
            this_update: t,
            next_update: n,
        };
        assert!(check_fresh(&f(now - 3600, Some(now + 3600)), now, "x").is_ok());
        assert!(check_fresh(&f(now - 7200, Some(now - 3600)), now, "x")
            .unwrap_err()
            .contains("nextUpdate"));
        assert!(check_fresh(&f(now + 3600, Some(now + 7200)), now, "x")
            .unwrap_err()
            .contains("future"));
        assert!(check_fresh(&f(now - 86_400, None), now, "x").is_ok());
        assert!(check_fresh(&f(now - 8 * 86_400, None), now, "x").is_err());
        // Clock skew of a few minutes is tolerated.
        assert!(check_fresh(&f(now + 60, Some(now - 60)), now, "x").is_ok());
    }

    #[test]
    fn garbage_is_not_a_response() {
        let c = crate::demo::pki::Ca::root("R").unwrap();
        let c = Cert::from_der(&c.der).unwrap();
        assert!(verify(b"garbage", &c, &c, 0, None)
            .unwrap_err()
            .contains("not an OCSP response"));
        // tryLater: SEQUENCE { ENUMERATED 3 }
        assert!(verify(&[0x30, 0x03, 0x0a, 0x01, 0x03], &c, &c, 0, None)
            .unwrap_err()
            .contains("tryLater"));
    }
}
