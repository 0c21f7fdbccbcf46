//! Why a revocation source gave no usable answer. Every value is cloneable:
//! a CRL fetched once answers (or fails) for every certificate it covers.

use std::fmt;

use crate::net::HttpError;
use crate::util::time::fmt_date;

/// Why an OCSP response or a CRL was not fetched, not read or not trusted.
#[derive(Debug, Clone)]
pub enum RevocationError {
    /// `--no-fetch`: only the staple is consulted.
    NoFetch,
    /// The URL was refused or the fetch failed.
    Http(HttpError),
    /// The serial cannot be put in a request (over 20 octets).
    SerialTooLong,
    /// The issuer's SubjectPublicKeyInfo does not parse (the parser's words).
    IssuerKey(String),
    /// The body is not an OCSPResponse.
    NotOcsp(ParseError),
    /// The responder answered a responseStatus other than successful.
    ResponderStatus(&'static str),
    /// A successful responseStatus without responseBytes.
    NoBody,
    /// A responseType other than id-pkix-ocsp-basic (dotted OID).
    ResponseType(String),
    /// The BasicOCSPResponse does not parse.
    MalformedBasic(ParseError),
    /// No acceptable signer: why each candidate was not.
    Unverifiable(Vec<Rejection>),
    /// The response carries a nonce other than the one sent.
    NonceMismatch,
    /// No SingleResponse is about this certificate.
    NotCovered {
        /// The certificate's serial (hex).
        serial: String,
        /// The issuer's subject.
        issuer: String,
    },
    /// thisUpdate is in the future beyond the allowed skew.
    FromTheFuture {
        /// `OCSP response` or `CRL`.
        what: &'static str,
        /// thisUpdate (Unix seconds).
        this_update: i64,
    },
    /// nextUpdate has passed.
    Expired {
        /// `OCSP response` or `CRL`.
        what: &'static str,
        /// nextUpdate (Unix seconds).
        next_update: i64,
    },
    /// No nextUpdate, and thisUpdate is more than a week old.
    TooOld {
        /// `OCSP response` or `CRL`.
        what: &'static str,
        /// thisUpdate (Unix seconds).
        this_update: i64,
    },
    /// A PEM body whose blocks do not parse (the PEM reader's words).
    PemCrl(String),
    /// An `X509 CRL` block whose base64 does not decode (the PEM reader's words).
    PemCrlBody(String),
    /// Neither DER nor a PEM `X509 CRL` block.
    NotCrlBody,
    /// The DER is not a CRL (the parser's words).
    NotCrl(String),
    /// The CRL names another issuer than the certificate's.
    IndirectCrl {
        /// The CRL's issuer.
        crl_issuer: String,
        /// The certificate's issuer.
        issuer: String,
    },
    /// The issuer certificate does not parse (the parser's words).
    IssuerUnreadable(String),
    /// The issuer's keyUsage lacks cRLSign.
    NoCrlSign {
        /// The issuer's subject.
        issuer: String,
    },
    /// The CRL's signature cannot be checked.
    CrlSigUnsupported {
        /// Why, from `sig`.
        why: String,
        /// The issuer's key description.
        key: String,
    },
    /// The CRL's signature does not verify with the issuer's key.
    CrlSigInvalid {
        /// The issuer's subject.
        issuer: String,
    },
}

impl fmt::Display for RevocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RevocationError as E;
        match self {
            E::NoFetch => f.write_str("not fetched (--no-fetch)"),
            E::Http(e) => write!(f, "{e}"),
            E::SerialTooLong => write!(
                f,
                "cannot encode the OCSP request: the serial number is longer than {} octets",
                super::ocsp::MAX_SERIAL_WRITE
            ),
            E::IssuerKey(e) => write!(f, "cannot read the issuer's public key ({e})"),
            E::NotOcsp(e) => write!(f, "not an OCSP response ({e})"),
            E::ResponderStatus(s) => write!(f, "the responder answered {s}"),
            E::NoBody => f.write_str("a successful OCSP response without a body"),
            E::ResponseType(t) => write!(f, "OCSP response type {t} is not id-pkix-ocsp-basic"),
            E::MalformedBasic(e) => write!(f, "malformed BasicOCSPResponse ({e})"),
            E::Unverifiable(why) => {
                f.write_str("unverifiable OCSP response: ")?;
                for (i, w) in why.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{w}")?;
                }
                Ok(())
            }
            E::NonceMismatch => f.write_str(
                "the response's nonce is not the one sent (replayed or wrong response)",
            ),
            E::NotCovered { serial, issuer } => write!(
                f,
                "the response does not cover this certificate (serial {serial}, issuer '{issuer}')"
            ),
            E::FromTheFuture { what, this_update } => write!(
                f,
                "stale {what}: its thisUpdate {} is in the future (check the clocks)",
                fmt_date(*this_update)
            ),
            E::Expired { what, next_update } => write!(
                f,
                "stale {what}: its nextUpdate {} has passed",
                fmt_date(*next_update)
            ),
            E::TooOld { what, this_update } => write!(
                f,
                "stale {what}: produced {} without a nextUpdate, more than 7 days ago",
                fmt_date(*this_update)
            ),
            E::PemCrl(e) => write!(f, "malformed PEM CRL: {e}"),
            E::PemCrlBody(e) => write!(f, "PEM CRL with {e}"),
            E::NotCrlBody => f.write_str("the body is neither a DER nor a PEM CRL"),
            E::NotCrl(e) => write!(f, "not a CRL ({e})"),
            E::IndirectCrl { crl_issuer, issuer } => write!(
                f,
                "the CRL was issued by '{crl_issuer}', not by the certificate's issuer '{issuer}' (indirect CRLs are not supported)"
            ),
            E::IssuerUnreadable(e) => write!(f, "cannot read the issuer ({e})"),
            E::NoCrlSign { issuer } => write!(
                f,
                "the issuer '{issuer}' has a keyUsage without cRLSign: it may not sign CRLs"
            ),
            E::CrlSigUnsupported { why, key } => {
                write!(f, "unverifiable CRL: {why} (issuer key {key})")
            }
            E::CrlSigInvalid { issuer } => write!(
                f,
                "unverifiable CRL: its signature does not verify with the key of '{issuer}'"
            ),
        }
    }
}

impl std::error::Error for RevocationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RevocationError::Http(e) => Some(e),
            RevocationError::NotOcsp(e) | RevocationError::MalformedBasic(e) => Some(e),
            _ => None,
        }
    }
}

impl From<HttpError> for RevocationError {
    fn from(e: HttpError) -> Self {
        RevocationError::Http(e)
    }
}

/// Where the DER of an OCSP response breaks RFC 6960's structure; the
/// field names are ASN.1's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The input is not exactly one SEQUENCE.
    NotSequence,
    /// A required field is absent or has the wrong tag.
    Missing(&'static str),
    /// A field's content does not decode.
    Malformed(&'static str),
    /// Bytes follow the last field of a structure.
    Trailing(&'static str),
    /// A responseStatus RFC 6960 does not define.
    UnknownStatus(u32),
    /// A version other than v1.
    UnsupportedVersion,
    /// More than the bounded number of certificates.
    TooManyCerts,
    /// More than the bounded number of SingleResponses.
    TooManyResponses,
    /// A revocationReason RFC 5280 does not define.
    UnknownReason(u32),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NotSequence => f.write_str("not a single DER SEQUENCE"),
            ParseError::Missing(what) => write!(f, "bad or missing {what}"),
            ParseError::Malformed(what) => write!(f, "malformed {what}"),
            ParseError::Trailing(what) => write!(f, "unexpected data after {what}"),
            ParseError::UnknownStatus(s) => write!(f, "unknown responseStatus {s}"),
            ParseError::UnsupportedVersion => f.write_str("unsupported version"),
            ParseError::TooManyCerts => write!(
                f,
                "more than {} certificates",
                super::ocsp::MAX_RESPONSE_CERTS
            ),
            ParseError::TooManyResponses => write!(
                f,
                "more than {} responses",
                super::ocsp::MAX_SINGLE_RESPONSES
            ),
            ParseError::UnknownReason(n) => write!(f, "unknown revocationReason {n}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Why one candidate signer of an OCSP response was not accepted.
#[derive(Debug, Clone)]
pub enum Rejection {
    /// The responder ID names the issuer, but its signature fails.
    IssuerSignature(SigProblem),
    /// A certificate in the response signed it but may not answer for the issuer.
    Delegate {
        /// The responder certificate's subject.
        subject: String,
        /// What it lacks.
        why: Delegation,
    },
    /// Neither the issuer nor any certificate in the response signed it.
    NoSigner {
        /// The issuer's subject.
        issuer: String,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::IssuerSignature(e) => {
                write!(f, "the issuer's signature does not verify: {e}")
            }
            Rejection::Delegate { subject, why } => write!(f, "signed by '{subject}', {why}"),
            Rejection::NoSigner { issuer } => write!(
                f,
                "the signature verifies neither with the key of the issuer '{issuer}' nor with a responder certificate in the response"
            ),
        }
    }
}

/// Why a signature over a response did not verify.
#[derive(Debug, Clone)]
pub enum SigProblem {
    /// The signature is wrong for this key.
    Bad,
    /// The algorithm or key cannot be checked.
    Unsupported {
        /// Why, from `sig`.
        why: String,
        /// The signer's key description.
        key: String,
    },
}

impl fmt::Display for SigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigProblem::Bad => f.write_str("bad signature"),
            SigProblem::Unsupported { why, key } => write!(f, "{why} (signer key {key})"),
        }
    }
}

/// Why a responder certificate may not answer for the issuer; reads after
/// the responder's name (`signed by 'CN=x', which ...`).
#[derive(Debug, Clone)]
pub enum Delegation {
    /// Not issued and signed by the certificate's issuer.
    NotIssued {
        /// The issuer's subject.
        issuer: String,
    },
    /// No id-kp-OCSPSigning extended key usage.
    NoOcspSigning,
    /// Not valid now.
    Validity {
        /// notBefore (Unix seconds).
        not_before: i64,
        /// notAfter (Unix seconds).
        not_after: i64,
    },
}

impl fmt::Display for Delegation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delegation::NotIssued { issuer } => write!(
                f,
                "which was not issued by the certificate's issuer '{issuer}'"
            ),
            Delegation::NoOcspSigning => {
                f.write_str("which lacks the extended key usage id-kp-OCSPSigning")
            }
            Delegation::Validity {
                not_before,
                not_after,
            } => write!(
                f,
                "whose validity {} .. {} does not cover now",
                fmt_date(*not_before),
                fmt_date(*not_after)
            ),
        }
    }
}
