//! Password-based encryption as PKCS#12 keystores use it: PBES2 (PBKDF2,
//! AES-CBC) through `pkcs5`, and the legacy PKCS#12 PBE ciphers (the RFC
//! 7292 appendix B KDF with SHA-1, 3DES or RC2 in CBC mode).

use std::borrow::Cow;

use cbc::cipher::{
    block_padding::Pkcs7, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt,
    BlockModeEncrypt, KeyInit as CipherKeyInit, KeyIvInit,
};
use pkcs12::kdf::{derive_key, Pkcs12KeyType};
use pkcs5::der::{Decode, Encode};

use super::asn1::{bad, concat_octet_chunks, malformed, oid, reader, EXPLICIT_0, IMPLICIT_0};
use super::model::{LegacyPbe, Scheme};
use super::{JDK_PBE_ITERATIONS, MAX_ITERATIONS, SALT_LEN};
use crate::keystore::{KeystoreError, PbeError};
use crate::util::der::{self, Tlv};

impl LegacyPbe {
    pub(super) fn from_oid(o: &[u8]) -> Option<LegacyPbe> {
        Some(match o {
            x if x == oid::PBE_SHA1_3DES => LegacyPbe::TripleDes3Key,
            x if x == oid::PBE_SHA1_2DES => LegacyPbe::TripleDes2Key,
            x if x == oid::PBE_SHA1_RC2_128 => LegacyPbe::Rc2_128,
            x if x == oid::PBE_SHA1_RC2_40 => LegacyPbe::Rc2_40,
            _ => return None,
        })
    }

    pub(super) fn oid(self) -> &'static [u8] {
        match self {
            LegacyPbe::TripleDes3Key => oid::PBE_SHA1_3DES,
            LegacyPbe::TripleDes2Key => oid::PBE_SHA1_2DES,
            LegacyPbe::Rc2_128 => oid::PBE_SHA1_RC2_128,
            LegacyPbe::Rc2_40 => oid::PBE_SHA1_RC2_40,
        }
    }

    pub(super) fn key_len(self) -> usize {
        match self {
            LegacyPbe::TripleDes3Key => 24,
            LegacyPbe::TripleDes2Key => 16,
            LegacyPbe::Rc2_128 => 16,
            LegacyPbe::Rc2_40 => 5,
        }
    }
}

/// The iteration count an EncryptedData's key derivation would run
/// (PBES2's PBKDF2 or the legacy PBE's), read without deriving anything.
pub(super) fn encrypted_iterations(content: &Tlv<'_>) -> Option<u32> {
    let mut r = reader(content.content);
    r.read_tag(der::INTEGER, "EncryptedData version").ok()?;
    let eci = r.read_tag(der::SEQUENCE, "EncryptedContentInfo").ok()?;
    let mut r = reader(eci.content);
    r.read_tag(der::OID, "EncryptedContentInfo contentType")
        .ok()?;
    let alg = r
        .read_tag(der::SEQUENCE, "content encryption algorithm")
        .ok()?;
    let mut r = reader(alg.content);
    let alg_oid = r.read_tag(der::OID, "encryption algorithm").ok()?.content;
    let params = r.read("encryption parameters").ok()??;
    if alg_oid == oid::PBES2 {
        let p = pkcs5::pbes2::Parameters::from_der(params.raw).ok()?;
        return p.kdf.pbkdf2().map(|k| k.iteration_count);
    }
    let mut pr = reader(params.content);
    pr.read_tag(der::OCTET_STRING, "PBE salt").ok()?;
    let i = pr.read_tag(der::INTEGER, "PBE iterations").ok()?;
    parse_iterations(i.content, "PBE").ok()
}

/// Parameters that do not parse, as a decryption error.
fn bad_params(e: der::Error) -> PbeError {
    PbeError::Params(Box::new(bad(e)))
}

/// EncryptedData ::= SEQUENCE { version, EncryptedContentInfo, [1] attrs OPTIONAL }
pub(super) fn decrypt_encrypted_data(
    content: &Tlv<'_>,
    password: &str,
) -> Result<(Scheme, Vec<u8>), KeystoreError> {
    content
        .check_tag(der::SEQUENCE, "EncryptedData")
        .map_err(bad)?;
    let mut r = reader(content.content);
    r.read_tag(der::INTEGER, "EncryptedData version")
        .map_err(bad)?;
    let eci = r
        .read_tag(der::SEQUENCE, "EncryptedContentInfo")
        .map_err(bad)?;
    let mut r = reader(eci.content);
    r.read_tag(der::OID, "EncryptedContentInfo contentType")
        .map_err(bad)?;
    let alg = r
        .read_tag(der::SEQUENCE, "content encryption algorithm")
        .map_err(bad)?;
    let ct = match r.read("encryptedContent").map_err(bad)? {
        Some(t) if t.tag == IMPLICIT_0 => Cow::Borrowed(t.content),
        // BER constructed form: a series of OCTET STRINGs.
        Some(t) if t.tag == EXPLICIT_0 => Cow::Owned(concat_octet_chunks(t.content)?),
        _ => return Err(malformed("EncryptedContentInfo without encryptedContent")),
    };
    pbe_decrypt(&alg, &ct, password).map_err(KeystoreError::Safe)
}

pub(super) fn pbe_decrypt(
    alg: &Tlv<'_>,
    ct: &[u8],
    password: &str,
) -> Result<(Scheme, Vec<u8>), PbeError> {
    let mut r = reader(alg.content);
    let alg_oid = r
        .read_tag(der::OID, "encryption algorithm")
        .map_err(bad_params)?
        .content;
    let params = r
        .read("encryption parameters")
        .map_err(bad_params)?
        .ok_or(PbeError::NoParameters)?;

    if alg_oid == oid::PBES2 {
        let p = pkcs5::pbes2::Parameters::from_der(params.raw).map_err(PbeError::Pbes2Params)?;
        match p.kdf.pbkdf2() {
            Some(k) if (1..=MAX_ITERATIONS).contains(&k.iteration_count) => {}
            Some(k) => return Err(PbeError::Pbkdf2Iterations(k.iteration_count)),
            None => return Err(PbeError::NoPbkdf2),
        }
        let plain = p.decrypt(password.as_bytes(), ct).map_err(|e| match e {
            pkcs5::Error::DecryptFailed => PbeError::Decrypt,
            e => PbeError::Pbes2(e),
        })?;
        return Ok((Scheme::Pbes2, plain));
    }

    let alg = LegacyPbe::from_oid(alg_oid)
        .ok_or_else(|| PbeError::Algorithm(der::oid_display(alg_oid)))?;
    // PBEParameter ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
    params
        .check_tag(der::SEQUENCE, "PBE parameters")
        .map_err(bad_params)?;
    let mut pr = reader(params.content);
    let salt = pr
        .read_tag(der::OCTET_STRING, "PBE salt")
        .map_err(bad_params)?;
    let iterations = pr
        .read_tag(der::INTEGER, "PBE iterations")
        .map_err(bad)
        .and_then(|i| parse_iterations(i.content, "PBE"))
        .map_err(|e| PbeError::Params(Box::new(e)))?;
    let plain = legacy_crypt(alg, salt.content, iterations, password, ct, false)
        .ok_or(PbeError::Decrypt)?;
    Ok((Scheme::Legacy(alg, iterations), plain))
}

/// Returns (AlgorithmIdentifier DER, ciphertext).
pub(super) fn pbe_encrypt(
    scheme: &Scheme,
    plain: &[u8],
    password: &str,
) -> Result<(Vec<u8>, Vec<u8>), KeystoreError> {
    let mut salt = [0u8; SALT_LEN];
    crate::util::rand::fill(&mut salt).map_err(KeystoreError::Random)?;
    match scheme {
        Scheme::Pbes2 => {
            let mut iv = [0u8; 16];
            crate::util::rand::fill(&mut iv).map_err(KeystoreError::Random)?;
            let params = pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
                JDK_PBE_ITERATIONS,
                &salt,
                iv,
            )
            .map_err(KeystoreError::Pbes2Params)?;
            let ct = params
                .encrypt(password.as_bytes(), plain)
                .map_err(KeystoreError::Pbes2Encrypt)?;
            let params_der = params.to_der().map_err(KeystoreError::Pbes2Encode)?;
            Ok((
                der::tlv_of(
                    der::SEQUENCE,
                    &[&der::tlv(der::OID, oid::PBES2), &params_der],
                ),
                ct,
            ))
        }
        Scheme::Legacy(alg, iterations) => {
            let ct = legacy_crypt(*alg, &salt, *iterations, password, plain, true)
                .ok_or(KeystoreError::LegacyEncrypt)?;
            let params = der::tlv_of(
                der::SEQUENCE,
                &[
                    &der::tlv(der::OCTET_STRING, &salt),
                    &der::uint(u64::from(*iterations)),
                ],
            );
            Ok((
                der::tlv_of(der::SEQUENCE, &[&der::tlv(der::OID, alg.oid()), &params]),
                ct,
            ))
        }
    }
}

/// PKCS#12 PBE (RFC 7292 B.2 key and IV derivation with SHA-1, CBC, PKCS#7
/// padding). `None` on a padding error.
pub(super) fn legacy_crypt(
    alg: LegacyPbe,
    salt: &[u8],
    iterations: u32,
    password: &str,
    data: &[u8],
    encrypt: bool,
) -> Option<Vec<u8>> {
    let pw = bmp_password(password);
    let rounds = iterations as i32;
    let key = derive_key::<sha1::Sha1>(
        &pw,
        salt,
        Pkcs12KeyType::EncryptionKey,
        rounds,
        alg.key_len(),
    );
    let iv = derive_key::<sha1::Sha1>(&pw, salt, Pkcs12KeyType::Iv, rounds, 8);

    fn run<C: BlockCipherEncrypt + BlockCipherDecrypt + CipherKeyInit>(
        key: &[u8],
        iv: &[u8],
        data: &[u8],
        encrypt: bool,
    ) -> Option<Vec<u8>> {
        if encrypt {
            let c = cbc::Encryptor::<C>::new_from_slices(key, iv).ok()?;
            Some(c.encrypt_padded_vec::<Pkcs7>(data))
        } else {
            let c = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
            c.decrypt_padded_vec::<Pkcs7>(data).ok()
        }
    }
    match alg {
        LegacyPbe::TripleDes3Key => run::<des::TdesEde3>(&key, &iv, data, encrypt),
        LegacyPbe::TripleDes2Key => run::<des::TdesEde2>(&key, &iv, data, encrypt),
        // RC2's effective key length is the key length (40 or 128 bits).
        LegacyPbe::Rc2_128 | LegacyPbe::Rc2_40 => run::<rc2::Rc2>(&key, &iv, data, encrypt),
    }
}

/// A positive INTEGER no larger than Java's iteration limit.
pub(super) fn parse_iterations(body: &[u8], what: &'static str) -> Result<u32, KeystoreError> {
    let bad = || KeystoreError::IterationCount(what);
    if body.is_empty() || body[0] & 0x80 != 0 {
        return Err(bad());
    }
    let digits = match body {
        [0, rest @ ..] => rest,
        b => b,
    };
    if digits.len() > 4 {
        return Err(bad());
    }
    let n = digits
        .iter()
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    if n == 0 || n > MAX_ITERATIONS {
        return Err(bad());
    }
    Ok(n)
}

/// EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
pub(super) fn reencrypt_epki(
    epki: &Tlv<'_>,
    old_pw: &str,
    new_pw: &str,
) -> Result<Vec<u8>, KeystoreError> {
    epki.check_tag(der::SEQUENCE, "EncryptedPrivateKeyInfo")
        .map_err(bad)?;
    let mut r = reader(epki.content);
    let alg = r
        .read_tag(der::SEQUENCE, "EncryptedPrivateKeyInfo algorithm")
        .map_err(bad)?;
    let data = r
        .read_tag(der::OCTET_STRING, "EncryptedPrivateKeyInfo data")
        .map_err(bad)?;
    let (scheme, plain) = pbe_decrypt(&alg, data.content, old_pw).map_err(KeystoreError::Key)?;
    let (alg_id, ct) = pbe_encrypt(&scheme, &plain, new_pw)?;
    Ok(der::tlv_of(
        der::SEQUENCE,
        &[&alg_id, &der::tlv(der::OCTET_STRING, &ct)],
    ))
}

/// The password as PKCS#12 KDFs take it: UTF-16BE plus two zero bytes
/// (what Java's `PKCS12PBECipherCore` does with the `char[]`).
pub(super) fn bmp_password(password: &str) -> Vec<u8> {
    let mut v: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    v.extend_from_slice(&[0, 0]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_counts_are_positive_and_bounded() {
        assert_eq!(parse_iterations(&[0x27, 0x10], "t").unwrap(), 10_000);
        assert!(parse_iterations(&[0xff, 0x10], "t").is_err());
        assert!(parse_iterations(&[0], "t").is_err());
        assert!(parse_iterations(&[0x7f, 0xff, 0xff, 0xff], "t").is_err());
    }
}
