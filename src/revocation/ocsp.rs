//! OCSP (RFC 6960): the request for one certificate (SHA-1 CertID, as
//! responders expect, and a nonce), and the verification of a response,
//! stapled or fetched: signed by the issuer or by a responder certificate
//! the issuer gave id-kp-OCSPSigning, covering this certificate, fresh.
//!
//! Both directions use the crate's strict DER reader and writer
//! (`crate::util::der`): canonical lengths, every element bounded by the one
//! around it, nothing allocated from a length field, no trailing bytes.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_parser::prelude::FromDer;

use super::error::{Delegation, ParseError, Rejection, RevocationError, SigProblem};
use super::{reason_name, Answer, Freshness, MAX_AGE_WITHOUT_NEXT, SKEW};
use crate::cert::{Cert, SigCheck};
use crate::util::der::{
    self, context, Reader, Tlv, BIT_STRING, INTEGER, NULL, OCTET_STRING, OID, SEQUENCE,
};

const SHA1: &str = "1.3.14.3.2.26";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const SHA384: &str = "2.16.840.1.101.3.4.2.2";
const SHA512: &str = "2.16.840.1.101.3.4.2.3";
const ID_PKIX_OCSP_BASIC: &str = "1.3.6.1.5.5.7.48.1.1";
const ID_PKIX_OCSP_NONCE: &str = "1.3.6.1.5.5.7.48.1.2";
/// DER content octets of SHA1 and ID_PKIX_OCSP_NONCE, for writing.
const SHA1_OID: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
const NONCE_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02];
/// RFC 5280's limit on serial numbers: 20 octets written (what x509-cert
/// enforced), 21 read (a 20-octet value with its sign octet).
pub(super) const MAX_SERIAL_WRITE: usize = 20;
const MAX_SERIAL_READ: usize = 21;
/// Responder certificates tried as delegated signers (each costs a
/// signature check); real responses carry one or two.
pub(super) const MAX_RESPONSE_CERTS: usize = 32;
/// SingleResponses read from one response (the request asks about one).
pub(super) const MAX_SINGLE_RESPONSES: usize = 1024;

/// A verified answer about one certificate, and who signed it.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The certificate's status in the matching SingleResponse.
    pub answer: Answer,
    /// thisUpdate / nextUpdate of that SingleResponse.
    pub fresh: Freshness,
    /// "the issuer" or "delegated responder 'CN=...'".
    pub signer: String,
}

/// The DER OCSPRequest for `cert` issued by `issuer`, with `nonce`.
pub fn request(cert: &Cert, issuer: &Cert, nonce: &[u8]) -> Result<Vec<u8>, RevocationError> {
    let key = issuer_key_bits(issuer)?;
    encode_request(
        &Sha1::digest(&issuer.subject_raw),
        &Sha1::digest(&key),
        &serial_bytes(&cert.serial),
        nonce,
    )
}

/// OCSPRequest { TBSRequest { requestList { Request { CertID } },
/// requestExtensions [2] { nonce } } }: version v1 is the DEFAULT and so
/// left out, no requestorName, no signature. The serial's bytes are read as
/// an unsigned number.
fn encode_request(
    name_hash: &[u8],
    key_hash: &[u8],
    serial: &[u8],
    nonce: &[u8],
) -> Result<Vec<u8>, RevocationError> {
    let serial = der::unsigned_integer_content(serial);
    if serial.len() > MAX_SERIAL_WRITE {
        return Err(RevocationError::SerialTooLong);
    }
    let sha1 = der::tlv_of(
        SEQUENCE,
        &[&der::tlv_of(OID, &[SHA1_OID]), &der::tlv_of(NULL, &[])],
    );
    let cert_id = der::tlv_of(
        SEQUENCE,
        &[
            &sha1,
            &der::tlv_of(OCTET_STRING, &[name_hash]),
            &der::tlv_of(OCTET_STRING, &[key_hash]),
            &der::tlv_of(INTEGER, &[&serial]),
        ],
    );
    let request_list = der::tlv_of(SEQUENCE, &[&der::tlv_of(SEQUENCE, &[&cert_id])]);
    // RFC 8954: the nonce extension's value is an OCTET STRING of the nonce.
    let nonce_ext = der::tlv_of(
        SEQUENCE,
        &[
            &der::tlv_of(OID, &[NONCE_OID]),
            &der::tlv_of(OCTET_STRING, &[&der::tlv_of(OCTET_STRING, &[nonce])]),
        ],
    );
    let extensions = der::tlv_of(context(2, true), &[&der::tlv_of(SEQUENCE, &[&nonce_ext])]);
    let tbs = der::tlv_of(SEQUENCE, &[&request_list, &extensions]);
    Ok(der::tlv_of(SEQUENCE, &[&tbs]))
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
) -> Result<Verified, RevocationError> {
    let resp = parse_response(der).map_err(RevocationError::NotOcsp)?;
    match resp.status {
        0 => {}
        other => {
            let s = match other {
                1 => "malformedRequest",
                2 => "internalError",
                3 => "tryLater",
                5 => "sigRequired",
                _ => "unauthorized (it does not serve this CA)",
            };
            return Err(RevocationError::ResponderStatus(s));
        }
    }
    let (response_type, basic_der) = resp.bytes.ok_or(RevocationError::NoBody)?;
    if response_type != ID_PKIX_OCSP_BASIC {
        return Err(RevocationError::ResponseType(response_type));
    }
    let basic = parse_basic(basic_der).map_err(RevocationError::MalformedBasic)?;
    let data = &basic.data;

    // Who signed it: the issuer itself, or a certificate the issuer
    // authorized with id-kp-OCSPSigning.
    let (alg, sig, tbs) = (basic.signature_algorithm, basic.signature, basic.tbs);
    let mut why_not = Vec::new();
    let mut signer = None;
    match verify_sig(issuer, alg, sig, tbs) {
        Ok(()) => signer = Some("the issuer".to_string()),
        Err(e) => {
            if responder_is(&data.responder_id, issuer) {
                why_not.push(Rejection::IssuerSignature(e));
            }
        }
    }
    if signer.is_none() {
        for d in &basic.certs {
            let Ok(c) = Cert::from_der(d) else {
                continue;
            };
            if verify_sig(&c, alg, sig, tbs).is_err() {
                continue;
            }
            match delegated(&c, issuer, now) {
                Ok(()) => {
                    signer = Some(format!("delegated responder '{}'", c.subject));
                    break;
                }
                Err(why) => why_not.push(Rejection::Delegate {
                    subject: c.subject.clone(),
                    why,
                }),
            }
        }
    }
    let Some(signer) = signer else {
        if why_not.is_empty() {
            why_not.push(Rejection::NoSigner {
                issuer: issuer.subject.clone(),
            });
        }
        return Err(RevocationError::Unverifiable(why_not));
    };

    if let Some(n) = nonce {
        if let Some(got) = data.nonce {
            if got != n {
                return Err(RevocationError::NonceMismatch);
            }
        }
    }

    let key = issuer_key_bits(issuer)?;
    let serial = serial_bytes(&cert.serial);
    let single = data
        .responses
        .iter()
        .find(|s| cert_id_matches(&s.cert_id, &issuer.subject_raw, &key, &serial))
        .ok_or_else(|| RevocationError::NotCovered {
            serial: cert.serial.clone(),
            issuer: issuer.subject.clone(),
        })?;
    let fresh = Freshness {
        this_update: single.this_update,
        next_update: single.next_update,
    };
    check_fresh(&fresh, now, "OCSP response")?;
    let answer = match single.status {
        CertStatus::Good => Answer::Good,
        CertStatus::Revoked { at, reason } => Answer::Revoked {
            at,
            reason: reason.map(|r| reason_name(r).to_string()),
        },
        CertStatus::Unknown => Answer::Unknown,
    };
    Ok(Verified {
        answer,
        fresh,
        signer,
    })
}

/// thisUpdate not in the future, nextUpdate (or, without one, thisUpdate
/// plus a week) not in the past; five minutes of clock skew allowed.
pub fn check_fresh(f: &Freshness, now: i64, what: &'static str) -> Result<(), RevocationError> {
    if f.this_update > now + SKEW {
        return Err(RevocationError::FromTheFuture {
            what,
            this_update: f.this_update,
        });
    }
    match f.next_update {
        Some(n) if n < now - SKEW => Err(RevocationError::Expired {
            what,
            next_update: n,
        }),
        None if f.this_update < now - MAX_AGE_WITHOUT_NEXT => Err(RevocationError::TooOld {
            what,
            this_update: f.this_update,
        }),
        _ => Ok(()),
    }
}

/// A delegated responder: issued and signed by the issuer, with
/// id-kp-OCSPSigning, valid now.
fn delegated(c: &Cert, issuer: &Cert, now: i64) -> Result<(), Delegation> {
    if !c.names_issuer(issuer) || c.signed_by(issuer) != SigCheck::Valid {
        return Err(Delegation::NotIssued {
            issuer: issuer.subject.clone(),
        });
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
        return Err(Delegation::NoOcspSigning);
    }
    if now < c.not_before || now > c.not_after {
        return Err(Delegation::Validity {
            not_before: c.not_before,
            not_after: c.not_after,
        });
    }
    Ok(())
}

fn responder_is(id: &ResponderId, issuer: &Cert) -> bool {
    match id {
        ResponderId::ByName(name) => *name == issuer.subject_raw.as_slice(),
        ResponderId::ByKey(k) => {
            issuer_key_bits(issuer).is_ok_and(|key| Sha1::digest(&key).as_slice() == *k)
        }
    }
}

fn cert_id_matches(id: &CertId, issuer_name: &[u8], key: &[u8], serial: &[u8]) -> bool {
    let (name_hash, key_hash): (Vec<u8>, Vec<u8>) = match id.hash_algorithm.as_str() {
        SHA1 => (
            Sha1::digest(issuer_name).to_vec(),
            Sha1::digest(key).to_vec(),
        ),
        SHA256 => (
            Sha256::digest(issuer_name).to_vec(),
            Sha256::digest(key).to_vec(),
        ),
        SHA384 => (
            Sha384::digest(issuer_name).to_vec(),
            Sha384::digest(key).to_vec(),
        ),
        SHA512 => (
            Sha512::digest(issuer_name).to_vec(),
            Sha512::digest(key).to_vec(),
        ),
        _ => return false,
    };
    id.issuer_name_hash == name_hash
        && id.issuer_key_hash == key_hash
        && strip_zeros(id.serial) == strip_zeros(serial)
}

/// The subjectPublicKey bits of the issuer (what issuerKeyHash hashes).
fn issuer_key_bits(issuer: &Cert) -> Result<Vec<u8>, RevocationError> {
    x509_parser::x509::SubjectPublicKeyInfo::from_der(&issuer.spki_raw)
        .map(|(_, s)| s.subject_public_key.data.to_vec())
        .map_err(|e| RevocationError::IssuerKey(e.to_string()))
}

/// Verifies `sig` over `data` with `signer`'s key; `alg` is the DER
/// AlgorithmIdentifier.
fn verify_sig(signer: &Cert, alg: &[u8], sig: &[u8], data: &[u8]) -> Result<(), SigProblem> {
    match crate::sig::verify(&signer.spki_raw, alg, sig, data) {
        crate::sig::SigCheck::Valid => Ok(()),
        crate::sig::SigCheck::Invalid => Err(SigProblem::Bad),
        crate::sig::SigCheck::Unsupported(why) => Err(SigProblem::Unsupported {
            why,
            key: signer.key_desc(),
        }),
    }
}

/// Serial bytes from `Cert::serial` (hex of the DER INTEGER's content),
/// leading zeros dropped.
fn serial_bytes(hex: &str) -> Vec<u8> {
    let raw = crate::util::hex::parse_hex(hex).unwrap_or_default();
    strip_zeros(&raw).to_vec()
}

pub(super) fn strip_zeros(b: &[u8]) -> &[u8] {
    let mut b = b;
    while b.len() > 1 && b[0] == 0 {
        b = &b[1..];
    }
    b
}

// ---- Reading responses (RFC 6960 section 4.2.1). Each function takes the
// content of its structure and refuses what RFC 6960's DER does not allow.

/// OCSPResponse: the responseStatus, and responseBytes when present
/// (responseType as a dotted OID, the response's DER).
#[derive(Debug)]
struct Response<'a> {
    status: u32,
    bytes: Option<(String, &'a [u8])>,
}

/// BasicOCSPResponse, with the signed bytes exactly as the responder
/// encoded them.
#[derive(Debug)]
struct Basic<'a> {
    /// The whole tbsResponseData element (what the signature covers).
    tbs: &'a [u8],
    data: ResponseData<'a>,
    /// The whole AlgorithmIdentifier element, as `sig::verify` takes it.
    signature_algorithm: &'a [u8],
    signature: &'a [u8],
    /// The whole Certificate elements of `certs`.
    certs: Vec<&'a [u8]>,
}

#[derive(Debug)]
struct ResponseData<'a> {
    responder_id: ResponderId<'a>,
    responses: Vec<SingleResponse<'a>>,
    /// The nonce extension's OCTET STRING, when it holds one.
    nonce: Option<&'a [u8]>,
}

#[derive(Debug)]
enum ResponderId<'a> {
    /// The whole Name element.
    ByName(&'a [u8]),
    /// SHA-1 of the responder's subjectPublicKey bits.
    ByKey(&'a [u8]),
}

#[derive(Debug)]
struct SingleResponse<'a> {
    cert_id: CertId<'a>,
    status: CertStatus,
    this_update: i64,
    next_update: Option<i64>,
}

#[derive(Debug)]
struct CertId<'a> {
    /// Dotted OID of hashAlgorithm.
    hash_algorithm: String,
    issuer_name_hash: &'a [u8],
    issuer_key_hash: &'a [u8],
    /// The INTEGER's content octets.
    serial: &'a [u8],
}

#[derive(Debug)]
enum CertStatus {
    Good,
    Revoked { at: i64, reason: Option<u8> },
    Unknown,
}

/// A step of reading a response.
type Parsed<T> = Result<T, ParseError>;

/// The content of the next element if it has `tag`, else `what` as the error.
fn take<'a>(r: &mut Reader<'a>, tag: u8, what: &'static str) -> Parsed<&'a [u8]> {
    r.expect(tag).ok_or(ParseError::Missing(what))
}

/// The next element, whole, if it has `tag`.
fn take_tlv<'a>(r: &mut Reader<'a>, tag: u8, what: &'static str) -> Parsed<Tlv<'a>> {
    let mut probe = *r;
    match probe.next_tlv() {
        Some(t) if t.tag == tag => {
            *r = probe;
            Ok(t)
        }
        _ => Err(ParseError::Missing(what)),
    }
}

/// Nothing may follow the last field of `what`.
fn done(r: &Reader<'_>, what: &'static str) -> Parsed<()> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(ParseError::Trailing(what))
    }
}

fn oid(content: &[u8], what: &'static str) -> Parsed<String> {
    der::oid_string(content).ok_or(ParseError::Malformed(what))
}

fn time(r: &mut Reader<'_>, what: &'static str) -> Parsed<i64> {
    let c = take(r, der::GENERALIZED_TIME, what)?;
    der::generalized_time(c).ok_or(ParseError::Malformed(what))
}

/// An ENUMERATED value (canonical, non-negative, at most 32 bits).
fn enumerated(content: &[u8], what: &'static str) -> Parsed<u32> {
    der::small_uint(content).ok_or(ParseError::Malformed(what))
}

fn parse_response(input: &[u8]) -> Parsed<Response<'_>> {
    let body = der::single(input, SEQUENCE).ok_or(ParseError::NotSequence)?;
    let mut r = Reader::new(body);
    let status = enumerated(
        take(&mut r, der::ENUMERATED, "responseStatus")?,
        "responseStatus",
    )?;
    if !matches!(status, 0 | 1 | 2 | 3 | 5 | 6) {
        return Err(ParseError::UnknownStatus(status));
    }
    let bytes = match r.optional(context(0, true)) {
        None => None,
        Some(explicit) => {
            let rb =
                der::single(explicit, SEQUENCE).ok_or(ParseError::Malformed("responseBytes"))?;
            let mut rb = Reader::new(rb);
            let kind = oid(take(&mut rb, OID, "responseType")?, "responseType")?;
            let response = take(&mut rb, OCTET_STRING, "response")?;
            done(&rb, "responseBytes")?;
            Some((kind, response))
        }
    };
    done(&r, "responseBytes")?;
    Ok(Response { status, bytes })
}

fn parse_basic(input: &[u8]) -> Parsed<Basic<'_>> {
    let body = der::single(input, SEQUENCE).ok_or(ParseError::NotSequence)?;
    let mut r = Reader::new(body);
    let tbs = take_tlv(&mut r, SEQUENCE, "tbsResponseData")?;
    let data = parse_response_data(tbs.content)?;
    let alg = take_tlv(&mut r, SEQUENCE, "signatureAlgorithm")?;
    algorithm_identifier(alg.content)?;
    let signature = der::bit_string(take(&mut r, BIT_STRING, "signature")?)
        .ok_or(ParseError::Malformed("signature"))?;
    let mut certs = Vec::new();
    if let Some(explicit) = r.optional(context(0, true)) {
        let list = der::single(explicit, SEQUENCE).ok_or(ParseError::Malformed("certs"))?;
        let mut list = Reader::new(list);
        while !list.is_empty() {
            let c = take_tlv(&mut list, SEQUENCE, "certificate in certs")?;
            if certs.len() == MAX_RESPONSE_CERTS {
                return Err(ParseError::TooManyCerts);
            }
            certs.push(c.raw);
        }
    }
    done(&r, "certs")?;
    Ok(Basic {
        tbs: tbs.raw,
        data,
        signature_algorithm: alg.raw,
        signature,
        certs,
    })
}

/// AlgorithmIdentifier: an OID and at most one parameters element.
fn algorithm_identifier(content: &[u8]) -> Parsed<String> {
    let mut r = Reader::new(content);
    let id = oid(take(&mut r, OID, "algorithm")?, "algorithm")?;
    if !r.is_empty() {
        r.next_tlv()
            .ok_or(ParseError::Malformed("algorithm parameters"))?;
    }
    done(&r, "algorithm parameters")?;
    Ok(id)
}

fn parse_response_data(content: &[u8]) -> Parsed<ResponseData<'_>> {
    let mut r = Reader::new(content);
    // version [0] EXPLICIT Version DEFAULT v1: only v1 exists.
    if let Some(v) = r.optional(context(0, true)) {
        if der::single(v, INTEGER) != Some(&[0x00][..]) {
            return Err(ParseError::UnsupportedVersion);
        }
    }
    let responder_id = match r.next_tlv() {
        Some(t) if t.tag == context(1, true) => {
            let name = Reader::new(t.content).next_tlv();
            match name {
                Some(n) if n.tag == SEQUENCE && n.raw.len() == t.content.len() => {
                    ResponderId::ByName(n.raw)
                }
                _ => return Err(ParseError::Malformed("responderID")),
            }
        }
        Some(t) if t.tag == context(2, true) => ResponderId::ByKey(
            der::single(t.content, OCTET_STRING).ok_or(ParseError::Malformed("responderID"))?,
        ),
        _ => return Err(ParseError::Missing("responderID")),
    };
    time(&mut r, "producedAt")?;
    let mut list = Reader::new(take(&mut r, SEQUENCE, "responses")?);
    let mut responses = Vec::new();
    while !list.is_empty() {
        if responses.len() == MAX_SINGLE_RESPONSES {
            return Err(ParseError::TooManyResponses);
        }
        responses.push(parse_single(take(&mut list, SEQUENCE, "SingleResponse")?)?);
    }
    let mut nonce = None;
    if let Some(exts) = r.optional(context(1, true)) {
        nonce = nonce_of(exts)?;
    }
    done(&r, "responseExtensions")?;
    Ok(ResponseData {
        responder_id,
        responses,
        nonce,
    })
}

/// Reads Extensions (inside its EXPLICIT tag); the value of the first
/// nonce extension, if that value is an OCTET STRING (some responders put
/// the bare nonce there: that counts as no nonce).
fn nonce_of(explicit: &[u8]) -> Parsed<Option<&[u8]>> {
    let mut nonce = None;
    let mut seen = false;
    for (id, value) in extensions(explicit)? {
        if id == ID_PKIX_OCSP_NONCE && !seen {
            seen = true;
            nonce = der::single(value, OCTET_STRING);
        }
    }
    Ok(nonce)
}

/// `Extensions` (SEQUENCE OF Extension) inside an EXPLICIT tag, as
/// (dotted extnID, extnValue content).
fn extensions(explicit: &[u8]) -> Parsed<Vec<(String, &[u8])>> {
    let list = der::single(explicit, SEQUENCE).ok_or(ParseError::Malformed("extensions"))?;
    let mut list = Reader::new(list);
    let mut out = Vec::new();
    while !list.is_empty() {
        let mut e = Reader::new(take(&mut list, SEQUENCE, "extension")?);
        let id = oid(take(&mut e, OID, "extnID")?, "extnID")?;
        if let Some(c) = e.optional(der::BOOLEAN) {
            der::boolean(c).ok_or(ParseError::Malformed("critical flag"))?;
        }
        let value = take(&mut e, OCTET_STRING, "extnValue")?;
        done(&e, "extnValue")?;
        out.push((id, value));
    }
    Ok(out)
}

fn parse_single(content: &[u8]) -> Parsed<SingleResponse<'_>> {
    let mut r = Reader::new(content);
    let cert_id = parse_cert_id(take(&mut r, SEQUENCE, "certID")?)?;
    let status = match r.next_tlv() {
        // good [0] IMPLICIT NULL, unknown [2] IMPLICIT NULL
        Some(t) if t.tag == context(0, false) && t.content.is_empty() => CertStatus::Good,
        Some(t) if t.tag == context(2, false) && t.content.is_empty() => CertStatus::Unknown,
        // revoked [1] IMPLICIT RevokedInfo
        Some(t) if t.tag == context(1, true) => {
            let mut info = Reader::new(t.content);
            let at = time(&mut info, "revocationTime")?;
            let reason = match info.optional(context(0, true)) {
                None => None,
                Some(explicit) => {
                    let c = der::single(explicit, der::ENUMERATED)
                        .ok_or(ParseError::Malformed("revocationReason"))?;
                    match enumerated(c, "revocationReason")? {
                        n @ (0..=6 | 8..=10) => Some(n as u8),
                        n => return Err(ParseError::UnknownReason(n)),
                    }
                }
            };
            done(&info, "revocationReason")?;
            CertStatus::Revoked { at, reason }
        }
        _ => return Err(ParseError::Missing("certStatus")),
    };
    let this_update = time(&mut r, "thisUpdate")?;
    let next_update = match r.optional(context(0, true)) {
        None => None,
        Some(explicit) => {
            let mut e = Reader::new(explicit);
            let t = time(&mut e, "nextUpdate")?;
            done(&e, "nextUpdate")?;
            Some(t)
        }
    };
    if let Some(exts) = r.optional(context(1, true)) {
        extensions(exts)?;
    }
    done(&r, "singleExtensions")?;
    Ok(SingleResponse {
        cert_id,
        status,
        this_update,
        next_update,
    })
}

fn parse_cert_id(content: &[u8]) -> Parsed<CertId<'_>> {
    let mut r = Reader::new(content);
    let hash_algorithm = algorithm_identifier(take(&mut r, SEQUENCE, "hashAlgorithm")?)?;
    let issuer_name_hash = take(&mut r, OCTET_STRING, "issuerNameHash")?;
    let issuer_key_hash = take(&mut r, OCTET_STRING, "issuerKeyHash")?;
    let serial = der::integer(take(&mut r, INTEGER, "serialNumber")?)
        .filter(|s| s.len() <= MAX_SERIAL_READ)
        .ok_or(ParseError::Malformed("serialNumber"))?;
    done(&r, "serialNumber")?;
    Ok(CertId {
        hash_algorithm,
        issuer_name_hash,
        issuer_key_hash,
        serial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        crate::util::hex::parse_hex(s).unwrap()
    }

    /// Requests byte for byte as x509-ocsp 0.2 encoded them (the vectors
    /// were recorded from it before it was replaced): v1 left out, SHA-1
    /// CertID with NULL parameters, serial as an unsigned INTEGER, the
    /// nonce as an OCTET STRING inside extnValue.
    #[test]
    fn request_encoding_is_unchanged() {
        let name: Vec<u8> = (0..20).collect();
        let key: Vec<u8> = (100..120).collect();
        let n16: Vec<u8> = (200..216).collect();
        let cert_id_head = "300906052b0e03021a05000414000102030405060708090a0b0c0d0e0f10111213\
                            04146465666768696a6b6c6d6e6f7071727374757677";
        let nonce16 = "a2233021301f06092b060105050730010204120410c8c9cacbcccdcecfd0d1d2d3d4d5d6d7";
        let cases = [
            (vec![0x01], format!("30673065303e303c303a{cert_id_head}020101{nonce16}")),
            (vec![0xff, 0x01], format!("306930673040303e303c{cert_id_head}020300ff01{nonce16}")),
            (vec![0x00], format!("30673065303e303c303a{cert_id_head}020100{nonce16}")),
            (
                std::iter::once(0x7f).chain(1..20).collect(),
                format!(
                    "307a30783051304f304d{cert_id_head}02147f0102030405060708090a0b0c0d0e0f10111213{nonce16}"
                ),
            ),
        ];
        for (serial, want) in cases {
            let got = encode_request(&name, &key, &serial, &n16).unwrap();
            assert_eq!(crate::util::hex::hex(&got), want, "serial {serial:02x?}");
        }
        // 20 octets with the top bit set need a sign octet: 21, too long.
        let s20hi: Vec<u8> = std::iter::once(0x80).chain(1..20).collect();
        assert!(encode_request(&name, &key, &s20hi, &n16)
            .unwrap_err()
            .to_string()
            .contains("cannot encode the OCSP request"));
        // A long nonce takes the long length forms all the way up.
        let big: Vec<u8> = (0..200).map(|i| i as u8).collect();
        let got = encode_request(&name, &key, &[0x10, 0x01], &big).unwrap();
        let want = format!(
            "3082012730820123303f303d303b{cert_id_head}02021001\
             a281df3081dc3081d906092b06010505073001020481cb0481c8{}",
            crate::util::hex::hex(&big)
        );
        assert_eq!(crate::util::hex::hex(&got), want);
    }

    /// The outer structure: statuses, bodies, and what DER forbids.
    #[test]
    fn response_structure() {
        let st = |b: &[u8]| parse_response(b).map(|r| (r.status, r.bytes.map(|b| b.0)));
        assert_eq!(st(&hex("30030a0100")), Ok((0, None)));
        assert_eq!(st(&hex("30030a0106")), Ok((6, None)));
        let with_body = hex("30140a0100a00f300d06092b0601050507300101040000");
        assert_eq!(
            st(&with_body).unwrap_err().to_string(),
            "not a single DER SEQUENCE"
        );
        assert_eq!(
            st(&with_body[..with_body.len() - 1]),
            Ok((0, Some("1.3.6.1.5.5.7.48.1.1".to_string())))
        );
        for bad in [
            "30030a0104",     // no status 4
            "30030a01ff",     // negative
            "30040a020001",   // non-minimal
            "3003020100",     // INTEGER, not ENUMERATED
            "30050a0100a100", // [1] is not responseBytes
            "30050a01000500", // trailing element
            "30030a010000",   // trailing byte
            "3081030a0100",   // long form for a short length
            "30800a01000000", // indefinite length
        ] {
            assert!(parse_response(&hex(bad)).is_err(), "{bad}");
        }
    }

    /// The signed part is taken exactly as sent, and every field of the
    /// basic response is read.
    #[test]
    fn basic_response_fields() {
        let name = der::tlv_of(SEQUENCE, &[]);
        let gt = |s: &str| der::tlv_of(der::GENERALIZED_TIME, &[s.as_bytes()]);
        let cert_id = der::tlv_of(
            SEQUENCE,
            &[
                &der::tlv_of(
                    SEQUENCE,
                    &[&der::tlv_of(OID, &[SHA1_OID]), &der::tlv_of(NULL, &[])],
                ),
                &der::tlv_of(OCTET_STRING, &[&[1; 20]]),
                &der::tlv_of(OCTET_STRING, &[&[2; 20]]),
                &der::tlv_of(INTEGER, &[&[0x00, 0x80]]),
            ],
        );
        let reason = der::tlv_of(context(0, true), &[&der::tlv_of(der::ENUMERATED, &[&[1]])]);
        let revoked = der::tlv_of(context(1, true), &[&gt("20240102030405Z"), &reason]);
        let single = der::tlv_of(
            SEQUENCE,
            &[
                &cert_id,
                &revoked,
                &gt("20300101000000Z"),
                &der::tlv_of(context(0, true), &[&gt("20300108000000Z")]),
            ],
        );
        let nonce = der::tlv_of(
            SEQUENCE,
            &[
                &der::tlv_of(OID, &[NONCE_OID]),
                &der::tlv_of(OCTET_STRING, &[&der::tlv_of(OCTET_STRING, &[b"abc"])]),
            ],
        );
        let tbs = der::tlv_of(
            SEQUENCE,
            &[
                &der::tlv_of(context(1, true), &[&name]),
                &gt("20300101000000Z"),
                &der::tlv_of(SEQUENCE, &[&single]),
                &der::tlv_of(context(1, true), &[&der::tlv_of(SEQUENCE, &[&nonce])]),
            ],
        );
        let alg = der::tlv_of(SEQUENCE, &[&der::tlv_of(OID, &[SHA1_OID])]);
        let basic = |certs: &[u8]| {
            der::tlv_of(
                SEQUENCE,
                &[&tbs, &alg, &der::tlv_of(BIT_STRING, &[&[0, 9, 9]]), certs],
            )
        };
        let b = basic(&[]);
        let p = parse_basic(&b).unwrap();
        assert_eq!(p.tbs, &tbs[..]);
        assert_eq!(p.signature_algorithm, &alg[..]);
        assert_eq!(p.signature, &[9, 9]);
        assert!(p.certs.is_empty());
        assert!(matches!(p.data.responder_id, ResponderId::ByName(n) if n == &name[..]));
        assert_eq!(p.data.nonce, Some(&b"abc"[..]));
        let s = &p.data.responses[0];
        assert_eq!(s.cert_id.hash_algorithm, SHA1);
        assert_eq!(s.cert_id.serial, &[0x00, 0x80]);
        assert!(matches!(
            s.status,
            CertStatus::Revoked {
                at: 1_704_164_645,
                reason: Some(1)
            }
        ));
        assert_eq!(s.next_update, Some(1_893_456_000 + 7 * 86_400));
        let one_cert = der::tlv_of(SEQUENCE, &[&der::tlv_of(SEQUENCE, &[])]);
        let b = basic(&der::tlv_of(context(0, true), &[&one_cert]));
        assert_eq!(parse_basic(&b).unwrap().certs.len(), 1);
        // Bounded: too many certificates is an error, not work.
        let many: Vec<u8> = (0..=MAX_RESPONSE_CERTS)
            .flat_map(|_| der::tlv_of(SEQUENCE, &[]))
            .collect();
        let b = basic(&der::tlv_of(
            context(0, true),
            &[&der::tlv_of(SEQUENCE, &[&many])],
        ));
        assert!(parse_basic(&b)
            .unwrap_err()
            .to_string()
            .contains("more than"));
        // Trailing bytes inside the signed part are refused.
        let mut bad = b.clone();
        bad.push(0);
        assert!(parse_basic(&bad).is_err());
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
            .to_string()
            .contains("nextUpdate"));
        assert!(check_fresh(&f(now + 3600, Some(now + 7200)), now, "x")
            .unwrap_err()
            .to_string()
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
            .to_string()
            .contains("not an OCSP response"));
        // tryLater: SEQUENCE { ENUMERATED 3 }
        assert!(verify(&[0x30, 0x03, 0x0a, 0x01, 0x03], &c, &c, 0, None)
            .unwrap_err()
            .to_string()
            .contains("tryLater"));
    }
}
