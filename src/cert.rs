//! One parsed certificate, owned, with everything path building and reports
//! need. Parsing happens once; signatures are checked on demand from the DER.
//!
//! Two readers look at every certificate: x509-parser for the fields it
//! renders well (names, dates, key usage, AIA), and our strict DER walk
//! (`der`, `names`) for what a validator must not get wrong: the outer vs
//! inner signature algorithm, the extension list (duplicates, criticality),
//! SAN entries and name constraints. Whatever does not parse cleanly is
//! recorded in `problems`, never silently dropped.

use std::net::IpAddr;
use std::ops::Range;

use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_parser::extensions::{GeneralName as XGeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::names::{self, DistName, GeneralName, NameConstraints};
pub use crate::sig::SigCheck;
use crate::sig::{self, Hash, Scheme};
use crate::util::der;
use crate::util::hex::hex;

/// Hash inside a certificate's signature algorithm, for strength findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigHash {
    /// MD5, broken by collisions.
    Md5,
    /// SHA-1, broken by chosen-prefix collisions.
    Sha1,
    /// SHA-224 and up.
    Sha2,
    /// Ed25519 and Ed448: no separate hash.
    Intrinsic,
    /// An algorithm trustfix does not know.
    Unknown,
}

/// Public key algorithm of a certificate's subjectPublicKeyInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA.
    Rsa,
    /// Elliptic curve (id-ecPublicKey); the curve size is `Cert::key_bits`.
    Ec,
    /// Ed25519 (RFC 8410).
    Ed25519,
    /// Ed448 (RFC 8410).
    Ed448,
    /// DSA; `Cert::key_bits` is the size of its prime p.
    Dsa,
    /// Any other algorithm, by dotted OID.
    Other(String),
}

/// keyUsage bits (RFC 5280 4.2.1.3), bit 0 = digitalSignature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUsage(pub u16);

impl KeyUsage {
    /// digitalSignature (bit 0).
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    /// keyEncipherment (bit 2).
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    /// keyAgreement (bit 4).
    pub const KEY_AGREEMENT: u16 = 1 << 4;
    /// keyCertSign (bit 5): the key may sign certificates.
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    /// cRLSign (bit 6): the key may sign CRLs.
    pub const CRL_SIGN: u16 = 1 << 6;

    /// Whether `bit` (one of the constants above) is set.
    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }
}

/// extendedKeyUsage purposes that matter for TLS servers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Eku {
    /// id-kp-serverAuth is listed.
    pub server_auth: bool,
    /// anyExtendedKeyUsage is listed.
    pub any: bool,
    /// Dotted OIDs of the other purposes, for messages.
    pub others: Vec<String>,
}

/// One extension as listed in the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtInfo {
    /// Dotted OID.
    pub oid: String,
    /// Marked critical.
    pub critical: bool,
}

/// A parsed certificate (see the module docs), immutable once built.
#[derive(Debug, Clone)]
pub struct Cert {
    /// The DER of the certificate alone (input after its end is dropped).
    pub der: Vec<u8>,
    /// SHA-256 of `der`: the fingerprint that identifies it everywhere.
    pub sha256: [u8; 32],
    /// SHA-1 of `der`, for Windows thumbprints.
    pub sha1: [u8; 20],
    /// Subject as printed (`dn_string`).
    pub subject: String,
    /// Issuer as printed (`dn_string`).
    pub issuer: String,
    /// DER of the subject Name, compared byte for byte when chaining.
    pub subject_raw: Vec<u8>,
    /// DER of the issuer Name.
    pub issuer_raw: Vec<u8>,
    /// DER of the whole subjectPublicKeyInfo, as `sig::verify` takes it.
    pub spki_raw: Vec<u8>,
    /// Serial number in lower-case hex of its DER content octets.
    pub serial: String,
    /// X.509 version as people count it (v3 is 3, encoded as 2).
    pub version: u32,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub not_after: i64,
    /// subjectKeyIdentifier.
    pub ski: Option<Vec<u8>>,
    /// authorityKeyIdentifier's keyIdentifier.
    pub aki: Option<Vec<u8>>,
    /// authorityKeyIdentifier's authorityCertIssuer directory names (raw),
    /// which OpenSSL matches too.
    pub aki_issuers: Vec<Vec<u8>>,
    /// authorityKeyIdentifier's authorityCertSerialNumber (raw content octets).
    pub aki_serial: Option<Vec<u8>>,
    /// SAN dNSName entries.
    pub dns_names: Vec<String>,
    /// SAN iPAddress entries that are 4 or 16 bytes long.
    pub ip_addrs: Vec<IpAddr>,
    /// Every SAN entry, for name constraints.
    pub san: Vec<GeneralName>,
    /// The subject in canonical form, for directoryName constraints.
    pub subject_dn: DistName,
    /// The subject's CN attributes, for the legacy fallback some clients apply.
    pub common_names: Vec<String>,
    /// A subjectAltName extension is present (even an empty or malformed one).
    pub has_san: bool,
    /// `None` when the basicConstraints extension is absent.
    pub basic_ca: Option<bool>,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u32>,
    /// `None` when keyUsage is absent.
    pub key_usage: Option<KeyUsage>,
    /// `None` when extendedKeyUsage is absent.
    pub eku: Option<Eku>,
    /// `None` when nameConstraints is absent.
    pub name_constraints: Option<NameConstraints>,
    /// Every extension in certificate order, for criticality and duplicate checks.
    pub extensions: Vec<ExtInfo>,
    /// What does not parse cleanly (each a short phrase); clients refuse
    /// such certificates, so each becomes a `cert.malformed` finding.
    pub problems: Vec<String>,
    /// Outer signature algorithm as OpenSSL names it (dotted OID if unknown).
    pub sig_alg: String,
    /// Hash of the outer signature algorithm.
    pub sig_hash: SigHash,
    /// The outer signatureAlgorithm differs from the TBS `signature` field.
    pub sig_alg_mismatch: bool,
    /// Subject key algorithm.
    pub key_kind: KeyKind,
    /// Key size in bits: RSA modulus, DSA prime, EC curve, 256/448 for
    /// EdDSA; 0 if unknown.
    pub key_bits: usize,
    /// AIA caIssuers URIs, where the issuer may be downloaded.
    pub aia_ca_issuers: Vec<String>,
    /// AIA OCSP responder URIs.
    pub ocsp_urls: Vec<String>,
    /// CRL distribution point URIs (fullName entries only).
    pub crl_urls: Vec<String>,
    /// Byte ranges in `der`: the TBS, the outer AlgorithmIdentifier and the
    /// signature bits (without the unused-bits octet).
    tbs: Range<usize>,
    alg: Range<usize>,
    signature: Range<usize>,
}

/// Why some bytes are not a certificate, as a short phrase.
#[derive(Debug)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// The three parts of `Certificate ::= SEQUENCE { tbs, algorithm, signature }`.
struct Outer {
    len: usize,
    tbs: Range<usize>,
    alg: Range<usize>,
    signature: Range<usize>,
}

fn outer(input: &[u8]) -> Option<Outer> {
    let s = sig::signed_parts(input)?;
    let range = |s: &[u8]| {
        let start = s.as_ptr() as usize - input.as_ptr() as usize;
        start..start + s.len()
    };
    Some(Outer {
        len: s.len,
        tbs: range(s.tbs),
        alg: range(s.alg),
        signature: range(s.signature),
    })
}

/// Raw extensions (OID, critical, value) and the TBS signature algorithm,
/// from our strict walk of the TBS.
struct TbsWalk<'a> {
    tbs_alg: &'a [u8],
    extensions: Vec<(String, bool, &'a [u8])>,
}

fn walk_tbs(tbs: &[u8]) -> Option<TbsWalk<'_>> {
    let mut r = der::Reader::new(der::single(tbs, der::SEQUENCE)?);
    let version = r.optional(der::context(0, true));
    r.expect(der::INTEGER)?; // serial
    let tbs_alg = r.next_tlv().filter(|t| t.tag == der::SEQUENCE)?.raw;
    for _ in 0..4 {
        // issuer, validity, subject, subjectPublicKeyInfo
        r.next_tlv().filter(|t| t.tag == der::SEQUENCE)?;
    }
    r.optional(der::context(1, false));
    r.optional(der::context(2, false));
    let mut extensions = Vec::new();
    if let Some(exts) = r.optional(der::context(3, true)) {
        // Extensions only in v3 certificates.
        let v = version
            .and_then(|v| der::single(v, der::INTEGER))
            .and_then(der::small_uint);
        if v != Some(2) {
            return None;
        }
        let mut er = der::Reader::new(der::single(exts, der::SEQUENCE)?);
        while !er.is_empty() {
            let mut e = der::Reader::new(er.expect(der::SEQUENCE)?);
            let oid = der::oid_string(e.expect(der::OID)?)?;
            let critical = match e.optional(der::BOOLEAN) {
                // DER: a DEFAULT FALSE value is never encoded.
                Some([0xff]) => true,
                Some(_) => return None,
                None => false,
            };
            let value = e.expect(der::OCTET_STRING)?;
            if !e.is_empty() {
                return None;
            }
            extensions.push((oid, critical, value));
        }
        if extensions.is_empty() {
            return None;
        }
    }
    r.is_empty().then_some(TbsWalk {
        tbs_alg,
        extensions,
    })
}

/// OID of the subjectAltName extension.
pub const OID_SAN: &str = "2.5.29.17";
/// OID of the nameConstraints extension.
pub const OID_NAME_CONSTRAINTS: &str = "2.5.29.30";

impl Cert {
    /// Parses one DER certificate; trailing bytes after it are ignored.
    /// Fails when x509-parser or the outer DER walk cannot read it; lesser
    /// defects go to `problems`.
    pub fn from_der(input: &[u8]) -> Result<Cert, ParseError> {
        let (_, x) = X509Certificate::from_der(input)
            .map_err(|e| ParseError(format!("not an X.509 certificate ({e})")))?;
        let o = outer(input).ok_or_else(|| {
            ParseError("not an X.509 certificate (malformed DER structure)".into())
        })?;
        let der = input[..o.len].to_vec();
        let mut problems = Vec::new();
        let walk = walk_tbs(&der[o.tbs.clone()]);
        if walk.is_none() {
            problems.push("the certificate body is not valid DER".to_string());
        }
        let sig_alg_mismatch = walk
            .as_ref()
            .is_some_and(|w| w.tbs_alg != &der[o.alg.clone()]);
        let scheme = sig::alg_id(&der[o.alg.clone()])
            .ok_or_else(|| "malformed".to_string())
            .and_then(|a| sig::scheme(&a.oid, a.params).map_err(|e| e.to_string()));
        let mut c = Cert {
            sha256: Sha256::digest(&der).into(),
            sha1: Sha1::digest(&der).into(),
            subject: dn_string(x.subject()),
            issuer: dn_string(x.issuer()),
            subject_raw: x.subject().as_raw().to_vec(),
            issuer_raw: x.issuer().as_raw().to_vec(),
            spki_raw: x.public_key().raw.to_vec(),
            serial: hex(x.raw_serial()),
            version: x.version().0 + 1,
            not_before: x.validity().not_before.timestamp(),
            not_after: x.validity().not_after.timestamp(),
            ski: None,
            aki: None,
            aki_issuers: Vec::new(),
            aki_serial: None,
            dns_names: Vec::new(),
            ip_addrs: Vec::new(),
            san: Vec::new(),
            subject_dn: DistName::parse(x.subject().as_raw()).unwrap_or_default(),
            common_names: x
                .subject()
                .iter_common_name()
                .filter_map(|a| a.as_str().ok().map(str::to_string))
                .collect(),
            has_san: false,
            basic_ca: None,
            path_len: None,
            key_usage: None,
            eku: None,
            name_constraints: None,
            extensions: Vec::new(),
            problems: Vec::new(),
            sig_alg: sig_alg_name(&x.signature_algorithm.algorithm.to_id_string(), &scheme),
            sig_hash: match &scheme {
                Ok(s) => match s.hash() {
                    Some(Hash::Md5) => SigHash::Md5,
                    Some(Hash::Sha1) => SigHash::Sha1,
                    Some(_) => SigHash::Sha2,
                    None => SigHash::Intrinsic,
                },
                Err(_) => SigHash::Unknown,
            },
            sig_alg_mismatch,
            key_kind: KeyKind::Other(x.public_key().algorithm.algorithm.to_id_string()),
            key_bits: 0,
            aia_ca_issuers: Vec::new(),
            ocsp_urls: Vec::new(),
            crl_urls: Vec::new(),
            tbs: o.tbs.clone(),
            alg: o.alg.clone(),
            signature: o.signature.clone(),
            der: Vec::new(),
        };
        if DistName::parse(x.subject().as_raw()).is_none() {
            problems.push("the subject name is malformed".into());
        }
        c.read_key(&x);
        c.read_extensions(&x, walk.as_ref(), &mut problems);
        c.problems = problems;
        c.der = der;
        Ok(c)
    }

    fn read_key(&mut self, x: &X509Certificate) {
        match x.public_key().parsed() {
            Ok(PublicKey::RSA(k)) => {
                self.key_kind = KeyKind::Rsa;
                self.key_bits = sig::bit_length(k.modulus);
            }
            Ok(PublicKey::EC(p)) => {
                self.key_kind = KeyKind::Ec;
                self.key_bits = p.key_size();
            }
            Ok(PublicKey::DSA(_)) => {
                self.key_kind = KeyKind::Dsa;
                // The size of a DSA key is that of its prime p.
                self.key_bits = sig::spki(&self.spki_raw)
                    .and_then(|s| s.alg.params)
                    .and_then(|p| der::single(p, der::SEQUENCE))
                    .and_then(|seq| der::Reader::new(seq).expect(der::INTEGER))
                    .and_then(der::unsigned_integer)
                    .map(sig::bit_length)
                    .unwrap_or(0);
            }
            _ => match x.public_key().algorithm.algorithm.to_id_string().as_str() {
                "1.3.101.112" => {
                    self.key_kind = KeyKind::Ed25519;
                    self.key_bits = 256;
                }
                "1.3.101.113" => {
                    self.key_kind = KeyKind::Ed448;
                    self.key_bits = 448;
                }
                _ => {}
            },
        }
    }

    fn read_extensions(
        &mut self,
        x: &X509Certificate,
        walk: Option<&TbsWalk>,
        problems: &mut Vec<String>,
    ) {
        if let Some(w) = walk {
            let mut seen = std::collections::HashSet::new();
            for (oid, critical, value) in &w.extensions {
                if !seen.insert(oid.clone()) {
                    problems.push(format!("extension {} appears twice", ext_name(oid)));
                }
                self.extensions.push(ExtInfo {
                    oid: oid.clone(),
                    critical: *critical,
                });
                match oid.as_str() {
                    OID_SAN => {
                        self.has_san = true;
                        match names::parse_general_names(value) {
                            Some(n) => self.san = n,
                            None => {
                                problems.push("the subjectAltName extension is malformed".into())
                            }
                        }
                    }
                    OID_NAME_CONSTRAINTS => match names::parse_name_constraints(value) {
                        Some(nc) => self.name_constraints = Some(nc),
                        None => problems.push("the nameConstraints extension is malformed".into()),
                    },
                    _ => {}
                }
            }
        }
        for n in &self.san {
            match n {
                GeneralName::Dns(d) => self.dns_names.push(d.clone()),
                GeneralName::Ip(b) => match names::ip_of(b) {
                    Some(ip) => self.ip_addrs.push(ip),
                    None => {
                        problems.push(format!("a subjectAltName IP address has {} bytes", b.len()))
                    }
                },
                _ => {}
            }
        }
        for ext in x.extensions() {
            let oid = ext.oid.to_id_string();
            match ext.parsed_extension() {
                ParsedExtension::ParseError { .. } => {
                    problems.push(format!("the {} extension is malformed", ext_name(&oid)))
                }
                ParsedExtension::SubjectKeyIdentifier(k) => self.ski = Some(k.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    self.aki = a.key_identifier.as_ref().map(|k| k.0.to_vec());
                    self.aki_serial = a.authority_cert_serial.map(<[u8]>::to_vec);
                    for n in a.authority_cert_issuer.iter().flatten() {
                        if let XGeneralName::DirectoryName(d) = n {
                            self.aki_issuers.push(d.as_raw().to_vec());
                        }
                    }
                }
                ParsedExtension::BasicConstraints(bc) => {
                    self.basic_ca = Some(bc.ca);
                    self.path_len = bc.path_len_constraint;
                }
                ParsedExtension::KeyUsage(ku) => self.key_usage = Some(KeyUsage(ku.flags)),
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    let mut others: Vec<String> =
                        eku.other.iter().map(|o| o.to_id_string()).collect();
                    for (on, name) in [
                        (eku.client_auth, "clientAuth"),
                        (eku.code_signing, "codeSigning"),
                        (eku.email_protection, "emailProtection"),
                        (eku.time_stamping, "timeStamping"),
                        (eku.ocsp_signing, "OCSPSigning"),
                    ] {
                        if on {
                            others.push(name.to_string());
                        }
                    }
                    self.eku = Some(Eku {
                        server_auth: eku.server_auth,
                        any: eku.any,
                        others,
                    });
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for ad in &aia.accessdescs {
                        if let XGeneralName::URI(u) = &ad.access_location {
                            let m = ad.access_method.to_id_string();
                            if m == "1.3.6.1.5.5.7.48.2" {
                                self.aia_ca_issuers.push(u.to_string());
                            } else if m == "1.3.6.1.5.5.7.48.1" {
                                self.ocsp_urls.push(u.to_string());
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
                                if let XGeneralName::URI(u) = n {
                                    self.crl_urls.push(u.to_string());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if self
            .eku
            .as_ref()
            .is_some_and(|e| !e.server_auth && !e.any && e.others.is_empty())
        {
            problems.push("the extendedKeyUsage extension lists no purpose".into());
        }
    }

    /// Subject and issuer names are equal (the certificate claims to be its own issuer).
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// Self-issued and its signature verifies with its own key.
    pub fn is_self_signed(&self) -> bool {
        self.is_self_issued() && self.signed_by(self) == SigCheck::Valid
    }

    /// Whether `self`'s signature verifies under `issuer`'s public key.
    pub fn signed_by(&self, issuer: &Cert) -> SigCheck {
        sig::verify(
            &issuer.spki_raw,
            &self.der[self.alg.clone()],
            &self.der[self.signature.clone()],
            &self.der[self.tbs.clone()],
        )
    }

    /// Whether `issuer`'s subject and key identifier fit `self`'s issuer fields.
    pub fn names_issuer(&self, issuer: &Cert) -> bool {
        if self.issuer_raw != issuer.subject_raw && !names_equal(&self.issuer, &issuer.subject) {
            return false;
        }
        self.aki_matches(issuer)
    }

    /// OpenSSL's `X509_check_akid`: the key identifier must equal the
    /// issuer's SKI, the serial the issuer's serial, and a directory name
    /// the issuer's own issuer name. Absent fields match.
    pub fn aki_matches(&self, issuer: &Cert) -> bool {
        if let (Some(a), Some(s)) = (&self.aki, &issuer.ski) {
            if a != s {
                return false;
            }
        }
        if let Some(serial) = &self.aki_serial {
            if hex(serial) != issuer.serial {
                return false;
            }
        }
        self.aki_issuers.iter().all(|d| *d == issuer.issuer_raw)
    }

    /// The certificate is marked as a CA (basicConstraints CA:TRUE).
    pub fn is_ca(&self) -> bool {
        self.basic_ca == Some(true)
    }

    /// keyUsage allows keyCertSign; `None` when there is no keyUsage.
    pub fn key_cert_sign(&self) -> Option<bool> {
        self.key_usage.map(|k| k.has(KeyUsage::KEY_CERT_SIGN))
    }

    /// Dotted OIDs of the critical extensions trustfix does not process.
    pub fn critical_extensions(&self) -> impl Iterator<Item = &str> {
        self.extensions
            .iter()
            .filter(|e| e.critical)
            .map(|e| e.oid.as_str())
    }

    /// SHA-256 fingerprint in lower-case hex.
    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }

    /// Windows' thumbprint: upper-case SHA-1 without separators.
    pub fn thumbprint(&self) -> String {
        hex(&self.sha1).to_uppercase()
    }

    /// The key as reports print it: `RSA-2048`, `EC P-256`, `Ed25519`.
    pub fn key_desc(&self) -> String {
        match &self.key_kind {
            KeyKind::Rsa => format!("RSA-{}", self.key_bits),
            KeyKind::Ec => format!("EC P-{}", self.key_bits),
            KeyKind::Ed25519 => "Ed25519".to_string(),
            KeyKind::Ed448 => "Ed448".to_string(),
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

    /// One CERTIFICATE PEM block.
    pub fn to_pem(&self) -> String {
        trustfix_platform::pem::encode(&self.der)
    }
}

/// A distinguished name as admins read it: most specific first (`CN=...,
/// O=..., C=...`), as Windows, keytool and `openssl -nameopt RFC2253` print
/// it, with RFC 4514 escaping of the characters that would make it
/// ambiguous. One order everywhere trustfix prints a name.
pub fn dn_string(n: &x509_parser::x509::X509Name) -> String {
    let registry = x509_parser::objects::oid_registry();
    let rdns: Vec<_> = n.iter_rdn().collect();
    rdns.into_iter()
        .rev()
        .map(|rdn| {
            rdn.iter()
                .map(|a| {
                    let key = x509_parser::objects::oid2abbrev(a.attr_type(), registry)
                        .map(str::to_string)
                        .unwrap_or_else(|_| a.attr_type().to_id_string());
                    format!("{key}={}", attr_value(a.attr_value()))
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An attribute value as text (UTF-8, BMP, the other string types), or
/// `#hex` of its encoding when it is not a string (RFC 4514 2.4).
fn attr_value(v: &x509_parser::der_parser::asn1_rs::Any) -> String {
    use x509_parser::der_parser::asn1_rs::Tag;
    let data = v.data;
    let text = match v.tag() {
        Tag::BmpString if data.len().is_multiple_of(2) => String::from_utf16(
            &data
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        )
        .ok(),
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::T61String
        | Tag::VisibleString
        | Tag::NumericString
        | Tag::GeneralString
        | Tag::GraphicString
        | Tag::VideotexString => Some(String::from_utf8_lossy(data).into_owned()),
        _ => None,
    };
    let Some(t) = text else {
        return format!("#{}", hex(data));
    };
    let mut out = String::with_capacity(t.len());
    let last = t.chars().count().saturating_sub(1);
    for (i, ch) in t.chars().enumerate() {
        let special = matches!(ch, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && matches!(ch, ' ' | '#'))
            || (i == last && ch == ' ');
        if special {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Common extension names for messages.
pub fn ext_name(oid: &str) -> String {
    let n = match oid {
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.18" => "issuerAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.30" => "nameConstraints",
        "2.5.29.31" => "cRLDistributionPoints",
        "2.5.29.32" => "certificatePolicies",
        "2.5.29.33" => "policyMappings",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.36" => "policyConstraints",
        "2.5.29.37" => "extendedKeyUsage",
        "2.5.29.54" => "inhibitAnyPolicy",
        "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess",
        "1.3.6.1.5.5.7.1.24" => "TLS feature",
        "1.3.6.1.4.1.11129.2.4.2" => "CT precertificate SCTs",
        "1.3.6.1.4.1.11129.2.4.3" => "CT precertificate poison",
        _ => return oid.to_string(),
    };
    format!("{n} ({oid})")
}

/// Comparison used when the raw encodings differ (e.g. PrintableString vs
/// UTF8String): case-insensitive on the rendered form, as RFC 5280 7.1 allows.
fn names_equal(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn sig_alg_name(oid: &str, scheme: &Result<Scheme, String>) -> String {
    let name = match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => {
            return match scheme {
                Ok(Scheme::RsaPss { hash, .. }) => format!("rsassaPss ({})", hash.name()),
                _ => "rsassaPss".into(),
            }
        }
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        "2.16.840.1.101.3.4.3.1" => "dsa_with_SHA224",
        "2.16.840.1.101.3.4.3.2" => "dsa_with_SHA256",
        _ => oid,
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_length_ignores_leading_zero() {
        use crate::sig::bit_length;
        let mut m = vec![0u8];
        m.extend(std::iter::repeat_n(0xff, 256));
        assert_eq!(bit_length(&m), 2048);
        assert_eq!(bit_length(&[0x01, 0x00]), 9);
        assert_eq!(bit_length(&[]), 0);
    }

    #[test]
    fn garbage_is_a_parse_error() {
        assert!(Cert::from_der(b"not a certificate").is_err());
        assert!(Cert::from_der(&[0x30, 0x82, 0xff, 0xff]).is_err());
    }
}
