//! The PFX's integrity MAC: HMAC keyed by the PKCS#12 KDF (Java's
//! `HmacPBESHA*`), verified on read and recomputed, with a fresh salt and
//! the file's digest and iteration count, on write.

use hmac::digest::OutputSizeUser;
use hmac::{KeyInit as MacKeyInit, Mac};
use pkcs12::kdf::{derive_key, Pkcs12KeyType};

use super::asn1::{bad, oid, reader};
use super::pbe::{bmp_password, parse_iterations};
use super::SALT_LEN;
use crate::keystore::KeystoreError;
use crate::util::der::{self, Tlv};

/// The MAC digests Java writes and reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MacAlg {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha512_224,
    Sha512_256,
}

impl MacAlg {
    pub(super) fn from_oid(o: &[u8]) -> Option<MacAlg> {
        Some(match o {
            x if x == oid::SHA1 => MacAlg::Sha1,
            x if x == oid::SHA224 => MacAlg::Sha224,
            x if x == oid::SHA256 => MacAlg::Sha256,
            x if x == oid::SHA384 => MacAlg::Sha384,
            x if x == oid::SHA512 => MacAlg::Sha512,
            x if x == oid::SHA512_224 => MacAlg::Sha512_224,
            x if x == oid::SHA512_256 => MacAlg::Sha512_256,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            MacAlg::Sha1 => "HmacPBESHA1",
            MacAlg::Sha224 => "HmacPBESHA224",
            MacAlg::Sha256 => "HmacPBESHA256",
            MacAlg::Sha384 => "HmacPBESHA384",
            MacAlg::Sha512 => "HmacPBESHA512",
            MacAlg::Sha512_224 => "HmacPBESHA512/224",
            MacAlg::Sha512_256 => "HmacPBESHA512/256",
        }
    }

    /// HMAC keyed with the PKCS#12 KDF (RFC 7292 B.2) output, as Java's
    /// `HmacPBESHA*` does.
    pub(super) fn compute(
        self,
        password: &str,
        salt: &[u8],
        iterations: u32,
        data: &[u8],
    ) -> Vec<u8> {
        macro_rules! hmac_pbe {
            ($d:ty) => {{
                let key = derive_key::<$d>(
                    &bmp_password(password),
                    salt,
                    Pkcs12KeyType::Mac,
                    iterations as i32,
                    <$d as OutputSizeUser>::output_size(),
                );
                let mut m = <hmac::Hmac<$d> as MacKeyInit>::new_from_slice(&key)
                    .expect("HMAC takes keys of any length");
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }};
        }
        match self {
            MacAlg::Sha1 => hmac_pbe!(sha1::Sha1),
            MacAlg::Sha224 => hmac_pbe!(sha2::Sha224),
            MacAlg::Sha256 => hmac_pbe!(sha2::Sha256),
            MacAlg::Sha384 => hmac_pbe!(sha2::Sha384),
            MacAlg::Sha512 => hmac_pbe!(sha2::Sha512),
            MacAlg::Sha512_224 => hmac_pbe!(sha2::Sha512_224),
            MacAlg::Sha512_256 => hmac_pbe!(sha2::Sha512_256),
        }
    }
}

/// How the file's MAC is computed, kept to recompute it on write.
#[derive(Clone)]
pub(super) struct MacParams {
    pub(super) alg: MacAlg,
    /// The DigestInfo's AlgorithmIdentifier as read (keeps NULL parameters or not).
    pub(super) alg_id: Vec<u8>,
    pub(super) salt_len: usize,
    pub(super) iterations: u32,
}

impl MacParams {
    /// MacData ::= SEQUENCE { DigestInfo, macSalt, iterations } with a fresh salt.
    pub(super) fn mac_data(&self, password: &str, data: &[u8]) -> Result<Vec<u8>, KeystoreError> {
        let mut salt = vec![0u8; self.salt_len];
        crate::util::rand::fill(&mut salt).map_err(KeystoreError::Random)?;
        let digest = self.alg.compute(password, &salt, self.iterations, data);
        let digest_info = der::tlv_of(
            der::SEQUENCE,
            &[&self.alg_id, &der::tlv(der::OCTET_STRING, &digest)],
        );
        Ok(der::tlv_of(
            der::SEQUENCE,
            &[
                &digest_info,
                &der::tlv(der::OCTET_STRING, &salt),
                &der::uint(u64::from(self.iterations)),
            ],
        ))
    }
}

/// The MacData read from a file, to verify.
pub(super) struct MacData {
    pub(super) params: MacParams,
    digest: Vec<u8>,
    salt: Vec<u8>,
}

impl MacData {
    pub(super) fn parse(t: &Tlv<'_>) -> Result<MacData, KeystoreError> {
        t.check_tag(der::SEQUENCE, "macData").map_err(bad)?;
        let mut r = reader(t.content);
        let digest_info = r.read_tag(der::SEQUENCE, "macData digest").map_err(bad)?;
        let salt = r.read_tag(der::OCTET_STRING, "macData salt").map_err(bad)?;
        let iterations = match r.read_if(der::INTEGER, "macData iterations").map_err(bad)? {
            Some(i) => parse_iterations(i.content, "MAC")?,
            None => 1,
        };
        r.finish("macData").map_err(bad)?;
        let mut dr = reader(digest_info.content);
        let alg_id = dr
            .read_tag(der::SEQUENCE, "MAC digest algorithm")
            .map_err(bad)?;
        let digest = dr.read_tag(der::OCTET_STRING, "MAC digest").map_err(bad)?;
        dr.finish("MAC DigestInfo").map_err(bad)?;
        let alg_oid = reader(alg_id.content)
            .read_tag(der::OID, "MAC digest algorithm")
            .map_err(bad)?;
        let alg = MacAlg::from_oid(alg_oid.content)
            .ok_or_else(|| KeystoreError::MacAlgorithm(der::oid_display(alg_oid.content)))?;
        let salt_len = if (8..=64).contains(&salt.content.len()) {
            salt.content.len()
        } else {
            SALT_LEN
        };
        Ok(MacData {
            params: MacParams {
                alg,
                alg_id: alg_id.raw.to_vec(),
                salt_len,
                iterations,
            },
            digest: digest.content.to_vec(),
            salt: salt.content.to_vec(),
        })
    }

    pub(super) fn verify(&self, password: &str, data: &[u8]) -> Result<(), KeystoreError> {
        let expected = self
            .params
            .alg
            .compute(password, &self.salt, self.params.iterations, data);
        let equal = expected.len() == self.digest.len()
            && expected
                .iter()
                .zip(&self.digest)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if equal {
            Ok(())
        } else {
            Err(KeystoreError::MacMismatch(self.params.alg.name()))
        }
    }
}
