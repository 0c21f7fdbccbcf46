//! Signature verification: the one place trustfix checks that a key signed
//! some bytes (certificates, CRLs, OCSP responses). Covers what OpenSSL 3,
//! Java 17+ and Windows accept, so legacy chains are judged on their
//! strength rather than left unverified: RSA PKCS#1 v1.5 (MD5, SHA-1,
//! SHA-2), RSA-PSS, ECDSA on P-224/P-256/P-384/P-521 with SHA-1 or SHA-2,
//! Ed25519, Ed448 and DSA. Pure Rust (RustCrypto), so every target builds it.
//!
//! Work is bounded: RSA moduli up to 16,384 bits (OpenSSL's limit) and
//! public exponents up to 2^33-1 (ring's and the `rsa` crate's).

use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use signature::hazmat::PrehashVerifier;

use crate::util::der;

/// Outcome of one signature check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigCheck {
    /// The signature verifies.
    Valid,
    /// The signature does not verify: the bytes or the key are not the signer's.
    Invalid,
    /// trustfix cannot verify it (algorithm, curve or key it does not
    /// support); the reason says which. Never counts as verified.
    Unsupported(String),
}

impl SigCheck {
    /// Stable name for reports and JSON: `valid`, `invalid` or `unchecked`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SigCheck::Valid => "valid",
            SigCheck::Invalid => "invalid",
            SigCheck::Unsupported(_) => "unchecked",
        }
    }
}

/// Hash used by a signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// MD5 (RFC 1321).
    Md5,
    /// SHA-1 (FIPS 180-4).
    Sha1,
    /// SHA-224 (FIPS 180-4).
    Sha224,
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-384 (FIPS 180-4).
    Sha384,
    /// SHA-512 (FIPS 180-4).
    Sha512,
}

impl Hash {
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Md5 => md5::Md5::digest(data).to_vec(),
            Hash::Sha1 => Sha1::digest(data).to_vec(),
            Hash::Sha224 => Sha224::digest(data).to_vec(),
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha384 => Sha384::digest(data).to_vec(),
            Hash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    fn from_oid(oid: &str) -> Option<Hash> {
        Some(match oid {
            "1.2.840.113549.2.5" => Hash::Md5,
            "1.3.14.3.2.26" => Hash::Sha1,
            "2.16.840.1.101.3.4.2.4" => Hash::Sha224,
            "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
            "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
            "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
            _ => return None,
        })
    }

    /// Name as messages print it (`SHA-256`).
    pub fn name(self) -> &'static str {
        match self {
            Hash::Md5 => "MD5",
            Hash::Sha1 => "SHA-1",
            Hash::Sha224 => "SHA-224",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }
}

/// What a signature algorithm identifier asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5 with this hash.
    RsaPkcs1(Hash),
    /// RSASSA-PSS with its hash and salt length (MGF1 with the same hash).
    RsaPss {
        /// Hash of the message and of MGF1.
        hash: Hash,
        /// Salt length in bytes.
        salt: usize,
    },
    /// ECDSA with this hash; the curve comes from the key.
    Ecdsa(Hash),
    /// Ed25519 (pure, no prehash).
    Ed25519,
    /// Ed448 (pure, no prehash).
    Ed448,
    /// DSA with this hash.
    Dsa(Hash),
}

impl Scheme {
    /// The hash, for strength findings (`None` for EdDSA: intrinsic).
    pub fn hash(&self) -> Option<Hash> {
        match self {
            Scheme::RsaPkcs1(h) | Scheme::Ecdsa(h) | Scheme::Dsa(h) => Some(*h),
            Scheme::RsaPss { hash, .. } => Some(*hash),
            Scheme::Ed25519 | Scheme::Ed448 => None,
        }
    }
}

/// Why a signature AlgorithmIdentifier names no scheme this crate verifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeError {
    /// An algorithm OID outside the table (dotted).
    Unsupported(String),
    /// Parameters the algorithm does not take (its dotted OID).
    UnexpectedParams(String),
    /// RSASSA-PSS-params that do not decode.
    PssMalformed,
    /// RSASSA-PSS without parameters.
    PssNoParams,
    /// RSASSA-PSS with a hash outside the table.
    PssHash,
    /// RSASSA-PSS with a mask generation other than MGF1 (dotted OID).
    PssMgf(String),
    /// RSASSA-PSS with MGF1 over a hash outside the table.
    PssMgfHash,
    /// RSASSA-PSS with a trailer field other than 1.
    PssTrailer,
    /// RSASSA-PSS whose MGF1 hash differs from the message hash.
    PssHashMismatch {
        /// The message hash.
        hash: Hash,
        /// The MGF1 hash.
        mgf: Hash,
    },
}

impl std::fmt::Display for SchemeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemeError::Unsupported(oid) => {
                write!(f, "signature algorithm {oid} is not supported")
            }
            SchemeError::UnexpectedParams(oid) => {
                write!(f, "signature algorithm {oid} has unexpected parameters")
            }
            SchemeError::PssMalformed => f.write_str("RSA-PSS parameters are malformed"),
            SchemeError::PssNoParams => f.write_str("RSA-PSS without parameters is not supported"),
            SchemeError::PssHash => f.write_str("RSA-PSS with an unsupported hash"),
            SchemeError::PssMgf(oid) => {
                write!(f, "RSA-PSS mask generation {oid} is not supported")
            }
            SchemeError::PssMgfHash => f.write_str("RSA-PSS MGF1 with an unsupported hash"),
            SchemeError::PssTrailer => f.write_str("RSA-PSS trailer field other than 1"),
            SchemeError::PssHashMismatch { hash, mgf } => write!(
                f,
                "RSA-PSS with {} and MGF1-{} is not supported",
                hash.name(),
                mgf.name()
            ),
        }
    }
}

impl std::error::Error for SchemeError {}

/// Reads a signature AlgorithmIdentifier (OID and raw parameters).
pub fn scheme(oid: &str, params: Option<&[u8]>) -> Result<Scheme, SchemeError> {
    // PKCS#1 v1.5 takes NULL parameters (absent is tolerated, as OpenSSL
    // does); ECDSA, EdDSA and DSA take none.
    let null_or_absent = matches!(params, None | Some([0x05, 0x00]));
    let absent = params.is_none();
    let s = match oid {
        "1.2.840.113549.1.1.4" => Scheme::RsaPkcs1(Hash::Md5),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => Scheme::RsaPkcs1(Hash::Sha1),
        "1.2.840.113549.1.1.14" => Scheme::RsaPkcs1(Hash::Sha224),
        "1.2.840.113549.1.1.11" => Scheme::RsaPkcs1(Hash::Sha256),
        "1.2.840.113549.1.1.12" => Scheme::RsaPkcs1(Hash::Sha384),
        "1.2.840.113549.1.1.13" => Scheme::RsaPkcs1(Hash::Sha512),
        "1.2.840.113549.1.1.10" => return pss_params(params),
        "1.2.840.10045.4.1" => Scheme::Ecdsa(Hash::Sha1),
        "1.2.840.10045.4.3.1" => Scheme::Ecdsa(Hash::Sha224),
        "1.2.840.10045.4.3.2" => Scheme::Ecdsa(Hash::Sha256),
        "1.2.840.10045.4.3.3" => Scheme::Ecdsa(Hash::Sha384),
        "1.2.840.10045.4.3.4" => Scheme::Ecdsa(Hash::Sha512),
        "1.3.101.112" => Scheme::Ed25519,
        "1.3.101.113" => Scheme::Ed448,
        "1.2.840.10040.4.3" => Scheme::Dsa(Hash::Sha1),
        "2.16.840.1.101.3.4.3.1" => Scheme::Dsa(Hash::Sha224),
        "2.16.840.1.101.3.4.3.2" => Scheme::Dsa(Hash::Sha256),
        other => return Err(SchemeError::Unsupported(other.to_string())),
    };
    let params_ok = match s {
        Scheme::RsaPkcs1(_) => null_or_absent,
        _ => absent,
    };
    if !params_ok {
        return Err(SchemeError::UnexpectedParams(oid.to_string()));
    }
    Ok(s)
}

/// RSASSA-PSS-params (RFC 4055): hash [0], MGF1 [1], salt [2], trailer [3].
fn pss_params(params: Option<&[u8]>) -> Result<Scheme, SchemeError> {
    let bad = || SchemeError::PssMalformed;
    let Some(p) = params else {
        return Err(SchemeError::PssNoParams);
    };
    let seq = der::single(p, der::SEQUENCE).ok_or_else(bad)?;
    let mut r = der::Reader::new(seq);
    let mut hash = Hash::Sha1;
    let mut mgf_hash = Hash::Sha1;
    let mut salt = 20usize;
    if let Some(h) = r.optional(der::context(0, true)) {
        hash = alg_hash(h).ok_or(SchemeError::PssHash)?;
    }
    if let Some(m) = r.optional(der::context(1, true)) {
        let alg = der::single(m, der::SEQUENCE).ok_or_else(bad)?;
        let mut ar = der::Reader::new(alg);
        let oid = ar
            .expect(der::OID)
            .and_then(der::oid_string)
            .ok_or_else(bad)?;
        if oid != "1.2.840.113549.1.1.8" {
            return Err(SchemeError::PssMgf(oid));
        }
        let inner = ar.next_tlv().ok_or_else(bad)?;
        mgf_hash = alg_hash(inner.raw).ok_or(SchemeError::PssMgfHash)?;
    }
    if let Some(s) = r.optional(der::context(2, true)) {
        let v = der::single(s, der::INTEGER)
            .and_then(der::small_uint)
            .ok_or_else(bad)?;
        salt = v as usize;
    }
    if let Some(t) = r.optional(der::context(3, true)) {
        if der::single(t, der::INTEGER).and_then(der::small_uint) != Some(1) {
            return Err(SchemeError::PssTrailer);
        }
    }
    if !r.is_empty() {
        return Err(bad());
    }
    if mgf_hash != hash {
        return Err(SchemeError::PssHashMismatch {
            hash,
            mgf: mgf_hash,
        });
    }
    Ok(Scheme::RsaPss { hash, salt })
}

/// The hash of a DER AlgorithmIdentifier naming one (parameters NULL or absent).
fn alg_hash(alg_der: &[u8]) -> Option<Hash> {
    let seq = der::single(alg_der, der::SEQUENCE)?;
    let mut r = der::Reader::new(seq);
    let oid = der::oid_string(r.expect(der::OID)?)?;
    if !r.is_empty() && r.expect(der::NULL) != Some(&[]) {
        return None;
    }
    r.is_empty().then_some(())?;
    Hash::from_oid(&oid)
}

/// An AlgorithmIdentifier: OID and the raw parameters (tag included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgId<'a> {
    /// Dotted OID.
    pub oid: String,
    /// Parameters as a whole TLV; `None` when absent.
    pub params: Option<&'a [u8]>,
}

/// Reads a DER AlgorithmIdentifier.
pub fn alg_id(alg_der: &[u8]) -> Option<AlgId<'_>> {
    let mut r = der::Reader::new(der::single(alg_der, der::SEQUENCE)?);
    let oid = der::oid_string(r.expect(der::OID)?)?;
    let params = if r.is_empty() {
        None
    } else {
        Some(r.next_tlv()?.raw)
    };
    r.is_empty().then_some(AlgId { oid, params })
}

/// A SubjectPublicKeyInfo: its algorithm and the key bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spki<'a> {
    /// The key's AlgorithmIdentifier.
    pub alg: AlgId<'a>,
    /// Content of the subjectPublicKey BIT STRING.
    pub key: &'a [u8],
}

/// Reads a DER SubjectPublicKeyInfo (the BIT STRING must have no unused bits).
pub fn spki(spki_der: &[u8]) -> Option<Spki<'_>> {
    let mut r = der::Reader::new(der::single(spki_der, der::SEQUENCE)?);
    let alg = alg_id(r.next_tlv().filter(|t| t.tag == der::SEQUENCE)?.raw)?;
    let bits = r.expect(der::BIT_STRING)?;
    let (&unused, key) = bits.split_first()?;
    (unused == 0 && r.is_empty()).then_some(Spki { alg, key })
}

/// The parts of a signed structure `SEQUENCE { tbs, AlgorithmIdentifier,
/// BIT STRING }` (certificates, CRLs).
pub struct Signed<'a> {
    /// Length of the whole encoding (input may continue after it).
    pub len: usize,
    /// The TBS as a whole TLV: the signed bytes.
    pub tbs: &'a [u8],
    /// The AlgorithmIdentifier as a whole TLV.
    pub alg: &'a [u8],
    /// The signature bits.
    pub signature: &'a [u8],
}

/// Splits a signed structure; `None` unless it is exactly that shape.
pub fn signed_parts(input: &[u8]) -> Option<Signed<'_>> {
    let mut top = der::Reader::new(input);
    let whole = top.next_tlv().filter(|t| t.tag == der::SEQUENCE)?;
    let mut r = der::Reader::new(whole.content);
    let tbs = r.next_tlv().filter(|t| t.tag == der::SEQUENCE)?;
    let alg = r.next_tlv().filter(|t| t.tag == der::SEQUENCE)?;
    let bits = r.expect(der::BIT_STRING)?;
    let (&unused, sig) = bits.split_first()?;
    (unused == 0 && r.is_empty()).then_some(Signed {
        len: whole.raw.len(),
        tbs: tbs.raw,
        alg: alg.raw,
        signature: sig,
    })
}

/// Verifies a signed structure (a certificate or a CRL) with the key in
/// the DER SubjectPublicKeyInfo `spki_der`.
pub fn verify_signed(signed_der: &[u8], spki_der: &[u8]) -> SigCheck {
    match signed_parts(signed_der) {
        Some(s) => verify(spki_der, s.alg, s.signature, s.tbs),
        None => SigCheck::Unsupported("not a well-formed signed structure".into()),
    }
}

/// Verifies `signature` over `data` with the key in the DER
/// SubjectPublicKeyInfo `spki_der`, by the DER signature AlgorithmIdentifier `alg_der`.
pub fn verify(spki_der: &[u8], alg_der: &[u8], signature: &[u8], data: &[u8]) -> SigCheck {
    let Some(alg) = alg_id(alg_der) else {
        return SigCheck::Unsupported("malformed signature algorithm identifier".into());
    };
    let scheme = match scheme(&alg.oid, alg.params) {
        Ok(s) => s,
        Err(why) => return SigCheck::Unsupported(why.to_string()),
    };
    let Some(key) = spki(spki_der) else {
        return SigCheck::Unsupported("malformed public key".into());
    };
    verify_scheme(&key, &scheme, signature, data)
}

const ID_RSA: &str = "1.2.840.113549.1.1.1";
const ID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const ID_EC: &str = "1.2.840.10045.2.1";
const ID_DSA: &str = "1.2.840.10040.4.1";
const MAX_RSA_BITS: usize = 16_384;

fn verify_scheme(spki: &Spki, s: &Scheme, sig: &[u8], data: &[u8]) -> SigCheck {
    let key_oid = spki.alg.oid.as_str();
    let key = spki.key;
    let mismatch = || {
        SigCheck::Unsupported(format!(
            "a {} signature cannot come from a key of type {key_oid}",
            scheme_name(s)
        ))
    };
    match s {
        Scheme::RsaPkcs1(_) | Scheme::RsaPss { .. } => {
            let pss_key = key_oid == ID_RSA_PSS;
            if key_oid != ID_RSA && !(pss_key && matches!(s, Scheme::RsaPss { .. })) {
                return mismatch();
            }
            rsa_verify(key, s, sig, data)
        }
        Scheme::Ecdsa(h) => {
            if key_oid != ID_EC {
                return mismatch();
            }
            let curve = spki
                .alg
                .params
                .and_then(|p| der::single(p, der::OID))
                .and_then(der::oid_string);
            ecdsa_verify(curve.as_deref(), key, &h.digest(data), sig)
        }
        Scheme::Ed25519 => {
            if key_oid != "1.3.101.112" {
                return mismatch();
            }
            let (Ok(k), Ok(sg)) = (
                <[u8; 32]>::try_from(key),
                ed25519_dalek::Signature::from_slice(sig),
            ) else {
                return SigCheck::Invalid;
            };
            match ed25519_dalek::VerifyingKey::from_bytes(&k) {
                Ok(vk) => ok(signature::Verifier::verify(&vk, data, &sg).is_ok()),
                Err(_) => SigCheck::Invalid,
            }
        }
        Scheme::Ed448 => {
            if key_oid != "1.3.101.113" {
                return mismatch();
            }
            use ed448_goldilocks_plus as ed448;
            let (Ok(k), Ok(sg)) = (<[u8; 57]>::try_from(key), ed448::Signature::try_from(sig))
            else {
                return SigCheck::Invalid;
            };
            match ed448::VerifyingKey::from_bytes(&k) {
                Ok(vk) => ok(vk.verify_raw(&sg, data).is_ok()),
                Err(_) => SigCheck::Invalid,
            }
        }
        Scheme::Dsa(h) => {
            if key_oid != ID_DSA {
                return mismatch();
            }
            dsa_verify(spki, key, &h.digest(data), sig)
        }
    }
}

fn ok(b: bool) -> SigCheck {
    if b {
        SigCheck::Valid
    } else {
        SigCheck::Invalid
    }
}

/// The scheme as messages print it (`RSA-PSS SHA-256`).
pub fn scheme_name(s: &Scheme) -> String {
    match s {
        Scheme::RsaPkcs1(h) => format!("RSA PKCS#1 v1.5 {}", h.name()),
        Scheme::RsaPss { hash, .. } => format!("RSA-PSS {}", hash.name()),
        Scheme::Ecdsa(h) => format!("ECDSA {}", h.name()),
        Scheme::Ed25519 => "Ed25519".into(),
        Scheme::Ed448 => "Ed448".into(),
        Scheme::Dsa(h) => format!("DSA {}", h.name()),
    }
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
fn rsa_key(key: &[u8]) -> Result<rsa::PublicKey, SigCheck> {
    let malformed = || SigCheck::Unsupported("malformed RSA public key".into());
    let seq = der::single(key, der::SEQUENCE).ok_or_else(malformed)?;
    let mut r = der::Reader::new(seq);
    let n = r
        .expect(der::INTEGER)
        .and_then(der::unsigned_integer)
        .ok_or_else(malformed)?;
    let e = r
        .expect(der::INTEGER)
        .and_then(der::unsigned_integer)
        .ok_or_else(malformed)?;
    if !r.is_empty() {
        return Err(malformed());
    }
    let bits = bit_length(n);
    if bits > MAX_RSA_BITS {
        return Err(SigCheck::Unsupported(format!(
            "RSA-{bits} key: larger than the {MAX_RSA_BITS} bits clients verify"
        )));
    }
    let to_uint = |b: &[u8]| {
        let precision = (b.len() as u32 * 8).max(64).next_multiple_of(64);
        rsa::BoxedUint::from_be_slice(b, precision).map_err(|_| malformed())
    };
    let (n, e) = (to_uint(n)?, to_uint(e)?);
    rsa::PublicKey::new_with_size_limits(n, e, 256..=MAX_RSA_BITS).map_err(|err| {
        SigCheck::Unsupported(format!("RSA public key refused by the verifier ({err})"))
    })
}

fn rsa_verify(key: &[u8], s: &Scheme, sig: &[u8], data: &[u8]) -> SigCheck {
    let pk = match rsa_key(key) {
        Ok(k) => k,
        Err(e) => return e,
    };
    let r = match s {
        Scheme::RsaPkcs1(h) => {
            let hashed = h.digest(data);
            let pad = match h {
                Hash::Md5 => rsa::Pkcs1v15Sign::new::<md5::Md5>(),
                Hash::Sha1 => rsa::Pkcs1v15Sign::new::<Sha1>(),
                Hash::Sha224 => rsa::Pkcs1v15Sign::new::<Sha224>(),
                Hash::Sha256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                Hash::Sha384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                Hash::Sha512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
            };
            pk.verify(pad, &hashed, sig)
        }
        Scheme::RsaPss { hash, salt } => {
            let hashed = hash.digest(data);
            match hash {
                Hash::Md5 => return SigCheck::Unsupported("RSA-PSS with MD5".into()),
                Hash::Sha1 => pk.verify(rsa::pss::Pss::<Sha1>::new_with_salt(*salt), &hashed, sig),
                Hash::Sha224 => {
                    pk.verify(rsa::pss::Pss::<Sha224>::new_with_salt(*salt), &hashed, sig)
                }
                Hash::Sha256 => {
                    pk.verify(rsa::pss::Pss::<Sha256>::new_with_salt(*salt), &hashed, sig)
                }
                Hash::Sha384 => {
                    pk.verify(rsa::pss::Pss::<Sha384>::new_with_salt(*salt), &hashed, sig)
                }
                Hash::Sha512 => {
                    pk.verify(rsa::pss::Pss::<Sha512>::new_with_salt(*salt), &hashed, sig)
                }
            }
        }
        _ => return SigCheck::Invalid,
    };
    ok(r.is_ok())
}

fn ecdsa_verify(curve: Option<&str>, point: &[u8], hash: &[u8], sig: &[u8]) -> SigCheck {
    macro_rules! check {
        ($c:ident) => {{
            let Ok(vk) = $c::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
                return SigCheck::Invalid;
            };
            let Ok(sg) = $c::ecdsa::Signature::from_der(sig) else {
                return SigCheck::Invalid;
            };
            ok(vk.verify_prehash(hash, &sg).is_ok())
        }};
    }
    match curve {
        Some("1.2.840.10045.3.1.7") => check!(p256),
        Some("1.3.132.0.34") => check!(p384),
        Some("1.3.132.0.35") => check!(p521),
        Some("1.3.132.0.33") => check!(p224),
        Some(other) => SigCheck::Unsupported(format!("elliptic curve {other} is not supported")),
        None => SigCheck::Unsupported("EC key with explicit curve parameters".into()),
    }
}

/// Dss-Parms ::= SEQUENCE { p, q, g INTEGER } in the SPKI algorithm; the
/// key is INTEGER y; the signature SEQUENCE { r, s }.
fn dsa_verify(spki: &Spki, key: &[u8], hash: &[u8], sig: &[u8]) -> SigCheck {
    let unsupported = |w: &str| SigCheck::Unsupported(format!("DSA: {w}"));
    let Some(params) = spki.alg.params else {
        return unsupported("key without domain parameters");
    };
    let ints = |der_seq: &[u8], n: usize| -> Option<Vec<rsa::BoxedUint>> {
        let mut r = der::Reader::new(der::single(der_seq, der::SEQUENCE)?);
        let mut out = Vec::new();
        for _ in 0..n {
            let v = der::unsigned_integer(r.expect(der::INTEGER)?)?;
            let precision = (v.len() as u32 * 8).max(64).next_multiple_of(64);
            out.push(rsa::BoxedUint::from_be_slice(v, precision).ok()?);
        }
        r.is_empty().then_some(out)
    };
    let Some(pqg) = ints(params, 3) else {
        return unsupported("malformed domain parameters");
    };
    let Some(y) = der::single(key, der::INTEGER)
        .and_then(der::unsigned_integer)
        .and_then(|v| {
            let precision = (v.len() as u32 * 8).max(64).next_multiple_of(64);
            rsa::BoxedUint::from_be_slice(v, precision).ok()
        })
    else {
        return unsupported("malformed public key");
    };
    let Some(rs) = ints(sig, 2) else {
        return SigCheck::Invalid;
    };
    let [p, q, g]: [rsa::BoxedUint; 3] = match pqg.try_into() {
        Ok(a) => a,
        Err(_) => return unsupported("malformed domain parameters"),
    };
    let Ok(components) = dsa::Components::from_components(p, q, g) else {
        return unsupported(
            "domain parameter sizes other than 1024/160, 2048/224, 2048/256, 3072/256",
        );
    };
    let Ok(vk) = dsa::VerifyingKey::from_components(components, y) else {
        return SigCheck::Invalid;
    };
    let [r, s]: [rsa::BoxedUint; 2] = match rs.try_into() {
        Ok(a) => a,
        Err(_) => return SigCheck::Invalid,
    };
    let Some(sg) = dsa::Signature::from_components(r, s) else {
        return SigCheck::Invalid;
    };
    ok(vk.verify_prehash(hash, &sg).is_ok())
}

/// Bits of a big-endian unsigned number, leading zero octets ignored.
pub fn bit_length(n: &[u8]) -> usize {
    let mut m = n;
    while let [0, rest @ ..] = m {
        m = rest;
    }
    match m.first() {
        Some(b) => (m.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
        None => 0,
    }
}
