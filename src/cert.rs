//! One parsed certificate, owned, with everything path building and reports
//! need. Parsing happens once; signatures are checked on demand from the DER.

use std::fmt::Write as _;
use std::net::IpAddr;

use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{self, Oid};
use x509_parser::prelude::{FromDer, X509Certificate, X509Error};
use x509_parser::public_key::PublicKey;

/// Hash algorithm inside a certificate's signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigHash {
    Md5,
    Sha1,
    Sha2,
    /// Ed25519 and friends: no separate hash.
    Intrinsic,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    Ec,
    Ed25519,
    Dsa,
    Other(String),
}

#[derive(Debug, Clone)]
pub struct Cert {
    pub der: Vec<u8>,
    pub sha256: [u8; 32],
    pub sha1: [u8; 20],
    pub subject: String,
    pub issuer: String,
    pub subject_raw: Vec<u8>,
    pub issuer_raw: Vec<u8>,
    pub spki_raw: Vec<u8>,
    pub serial: String,
    pub version: u32,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub ski: Option<Vec<u8>>,
    pub aki: Option<Vec<u8>>,
    pub dns_names: Vec<String>,
    pub ip_addrs: Vec<IpAddr>,
    /// The subject's CN attributes, for the legacy fallback some clients apply.
    pub common_names: Vec<String>,
    pub has_san: bool,
    /// `None` when the basicConstraints extension is absent.
    pub basic_ca: Option<bool>,
    pub path_len: Option<u32>,
    /// `None` when keyUsage is absent.
    pub key_cert_sign: Option<bool>,
    /// `None` when extendedKeyUsage is absent; else (serverAuth, anyExtendedKeyUsage).
    pub eku_server_auth: Option<bool>,
    pub sig_alg: String,
    pub sig_hash: SigHash,
    pub key_kind: KeyKind,
    pub key_bits: usize,
    pub aia_ca_issuers: Vec<String>,
    pub ocsp_urls: Vec<String>,
    pub crl_urls: Vec<String>,
}

/// Outcome of checking that `issuer` signed `child`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigCheck {
    Valid,
    Invalid,
    /// We cannot check it (algorithm or key size our verifier lacks); the
    /// reason says which.
    Unchecked(String),
}

impl SigCheck {
    pub fn as_str(&self) -> &'static str {
        match self {
            SigCheck::Valid => "valid",
            SigCheck::Invalid => "invalid",
            SigCheck::Unchecked(_) => "unchecked",
        }
    }
}

#[derive(Debug)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Cert {
    pub fn from_der(der: &[u8]) -> Result<Cert, ParseError> {
        let (rest, x) = X509Certificate::from_der(der)
            .map_err(|e| ParseError(format!("not an X.509 certificate ({e})")))?;
        let used = der.len() - rest.len();
        let der = der[..used].to_vec();
        let mut c = Cert {
            sha256: Sha256::digest(&der).into(),
            sha1: Sha1::digest(&der).into(),
            subject: name_string(x.subject()),
            issuer: name_string(x.issuer()),
            subject_raw: x.subject().as_raw().to_vec(),
            issuer_raw: x.issuer().as_raw().to_vec(),
            spki_raw: x.public_key().raw.to_vec(),
            serial: hex(x.raw_serial()),
            version: x.version().0 + 1,
            not_before: x.validity().not_before.timestamp(),
            not_after: x.validity().not_after.timestamp(),
            ski: None,
            aki: None,
            dns_names: Vec::new(),
            ip_addrs: Vec::new(),
            common_names: x
                .subject()
                .iter_common_name()
                .filter_map(|a| a.as_str().ok().map(str::to_string))
                .collect(),
            has_san: false,
            basic_ca: None,
            path_len: None,
            key_cert_sign: None,
            eku_server_auth: None,
            sig_alg: sig_alg_name(&x.signature_algorithm.algorithm),
            sig_hash: sig_hash(&x.signature_algorithm.algorithm),
            key_kind: KeyKind::Other(x.public_key().algorithm.algorithm.to_id_string()),
            key_bits: 0,
            aia_ca_issuers: Vec::new(),
            ocsp_urls: Vec::new(),
            crl_urls: Vec::new(),
            der: Vec::new(),
        };
        c.der = der;
        match x.public_key().parsed() {
            Ok(PublicKey::RSA(k)) => {
                c.key_kind = KeyKind::Rsa;
                c.key_bits = rsa_bits(k.modulus);
            }
            Ok(PublicKey::EC(p)) => {
                c.key_kind = KeyKind::Ec;
                c.key_bits = p.key_size();
            }
            Ok(PublicKey::DSA(y)) => {
                c.key_kind = KeyKind::Dsa;
                c.key_bits = y.len() * 8;
            }
            _ => {
                if x.public_key().algorithm.algorithm == oid_registry::OID_SIG_ED25519 {
                    c.key_kind = KeyKind::Ed25519;
                    c.key_bits = 256;
                }
            }
        }
        for ext in x.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(k) => c.ski = Some(k.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    c.aki = a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    c.has_san = true;
                    for n in &san.general_names {
                        match n {
                            GeneralName::DNSName(d) => c.dns_names.push(d.to_string()),
                            GeneralName::IPAddress(b) => {
                                if let Some(ip) = ip_from_bytes(b) {
                                    c.ip_addrs.push(ip)
                                }
                            }
                            _ => {}
                        }
                    }
                }
                ParsedExtension::BasicConstraints(bc) => {
                    c.basic_ca = Some(bc.ca);
                    c.path_len = bc.path_len_constraint;
                }
                ParsedExtension::KeyUsage(ku) => c.key_cert_sign = Some(ku.key_cert_sign()),
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    c.eku_server_auth = Some(eku.server_auth || eku.any)
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for ad in &aia.accessdescs {
                        if let GeneralName::URI(u) = &ad.access_location {
                            if ad.access_method
                                == oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS
                            {
                                c.aia_ca_issuers.push(u.to_string());
                            } else if ad.access_method
                                == oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_OCSP
                            {
                                c.ocsp_urls.push(u.to_string());
                            }
                        }
                    }
                }
                ParsedExtension::CRLDistributionPoints(dps) => {
                    for dp in dps.iter() {
                        if let Some(x509_parser::extensions::DistributionPointName::FullName(
                            names,
                        )) = &dp.distribution_point
                        {
                            for n in names {
                                if let GeneralName::URI(u) = n {
                                    c.crl_urls.push(u.to_string());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(c)
    }

    /// Subject and issuer names are equal (the certificate claims to be its own issuer).
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// Self-issued and its signature verifies with its own key.
    pub fn is_self_signed(&self) -> bool {
        self.is_self_issued() && self.signed_by(self) != SigCheck::Invalid
    }

    /// Whether `self`'s signature verifies under `issuer`'s public key.
    pub fn signed_by(&self, issuer: &Cert) -> SigCheck {
        if issuer.key_kind == KeyKind::Rsa
            && issuer.key_bits < 2048
            && self.sig_hash != SigHash::Sha1
        {
            // ring only verifies SHA-2 RSA signatures from 2048-bit keys.
            return SigCheck::Unchecked(format!(
                "RSA-{} issuer key: too small for the signature verifier",
                issuer.key_bits
            ));
        }
        let (Ok((_, child)), Ok((_, parent))) = (
            X509Certificate::from_der(&self.der),
            X509Certificate::from_der(&issuer.der),
        ) else {
            return SigCheck::Invalid;
        };
        match child.verify_signature(Some(parent.public_key())) {
            Ok(()) => SigCheck::Valid,
            Err(X509Error::SignatureUnsupportedAlgorithm) => {
                SigCheck::Unchecked(format!("{} with a {} key", self.sig_alg, issuer.key_desc()))
            }
            Err(_) => SigCheck::Invalid,
        }
    }

    /// Whether `issuer`'s subject and key identifier fit `self`'s issuer fields.
    pub fn names_issuer(&self, issuer: &Cert) -> bool {
        if self.issuer_raw != issuer.subject_raw && !names_equal(&self.issuer, &issuer.subject) {
            return false;
        }
        match (&self.aki, &issuer.ski) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
    }

    /// The certificate is marked as a CA (basicConstraints CA:TRUE), or is an
    /// old v1 certificate which clients accept as an issuer only as a trust anchor.
    pub fn is_ca(&self) -> bool {
        self.basic_ca == Some(true)
    }

    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }

    /// Windows' thumbprint: upper-case SHA-1 without separators.
    pub fn thumbprint(&self) -> String {
        hex(&self.sha1).to_uppercase()
    }

    pub fn key_desc(&self) -> String {
        match &self.key_kind {
            KeyKind::Rsa => format!("RSA-{}", self.key_bits),
            KeyKind::Ec => format!("EC P-{}", self.key_bits),
            KeyKind::Ed25519 => "Ed25519".to_string(),
            KeyKind::Dsa => format!("DSA-{}", self.key_bits),
            KeyKind::Other(oid) => format!("key {oid}"),
        }
    }

    /// A short human name: the CN if any, else the whole subject.
    pub fn short_name(&self) -> String {
        self.common_names
            .first()
            .cloned()
            .unwrap_or_else(|| self.subject.clone())
    }

    /// File- and alias-safe name from the CN (or subject), at most `max`
    /// characters: `Contoso Offline Root CA` -> `contoso-offline-root-ca`.
    /// May be empty.
    pub fn slug(&self, max: usize) -> String {
        let mut s = String::new();
        for ch in self.short_name().chars().flat_map(char::to_lowercase) {
            if ch.is_ascii_alphanumeric() {
                s.push(ch);
            } else if !s.is_empty() && !s.ends_with('-') {
                s.push('-');
            }
        }
        let s: String = s.trim_matches('-').chars().take(max).collect();
        s.trim_end_matches('-').to_string()
    }

    pub fn to_pem(&self) -> String {
        trustfix_platform::pem::encode(&self.der)
    }
}

/// One-line name in encoded order (`C=.., O=.., CN=..`), as OpenSSL prints it.
fn name_string(n: &x509_parser::x509::X509Name) -> String {
    n.to_string()
}

/// Comparison used when the raw encodings differ (e.g. PrintableString vs
/// UTF8String): case-insensitive on the rendered form, as RFC 5280 7.1 allows.
fn names_equal(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn rsa_bits(modulus: &[u8]) -> usize {
    let m: &[u8] = {
        let mut m = modulus;
        while let [0, rest @ ..] = m {
            m = rest;
        }
        m
    };
    match m.first() {
        Some(b) => (m.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
        None => 0,
    }
}

fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
        _ => None,
    }
}

fn sig_alg_name(oid: &Oid) -> String {
    let s = oid.to_id_string();
    let name = match s.as_str() {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "ED25519",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        _ => return s,
    };
    name.to_string()
}

fn sig_hash(oid: &Oid) -> SigHash {
    match oid.to_id_string().as_str() {
        "1.2.840.113549.1.1.4" | "1.2.840.113549.1.1.2" => SigHash::Md5,
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => {
            SigHash::Sha1
        }
        "1.2.840.113549.1.1.11"
        | "1.2.840.113549.1.1.12"
        | "1.2.840.113549.1.1.13"
        | "1.2.840.113549.1.1.10"
        | "1.2.840.10045.4.3.2"
        | "1.2.840.10045.4.3.3"
        | "1.2.840.10045.4.3.4" => SigHash::Sha2,
        "1.3.101.112" | "1.3.101.113" => SigHash::Intrinsic,
        _ => SigHash::Unknown,
    }
}

pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

/// `ab:cd:...` form for key identifiers, as openssl prints them.
pub fn hex_colon(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_bits_ignores_leading_zero() {
        let mut m = vec![0u8];
        m.extend(std::iter::repeat_n(0xff, 256));
        assert_eq!(rsa_bits(&m), 2048);
        assert_eq!(rsa_bits(&[0x01, 0x00]), 9);
        assert_eq!(rsa_bits(&[]), 0);
    }

    #[test]
    fn garbage_is_a_parse_error() {
        assert!(Cert::from_der(b"not a certificate").is_err());
        assert!(Cert::from_der(&[0x30, 0x82, 0xff, 0xff]).is_err());
    }
}
