//! The PKCS#12 file's structure through `util::der`: PFX, AuthenticatedSafe,
//! ContentInfo and SafeBag decoding and encoding. Lengths are BER definite
//! (any form), as Java and OpenSSL write them; nothing is sliced or
//! allocated before its length is checked against the bytes there.

use std::borrow::Cow;

use super::mac::{MacData, MacParams};
use super::model::{Bag, BagKind, Scheme};
use super::pbe::{pbe_encrypt, reencrypt_epki};
use crate::keystore::KeystoreError;
use crate::util::der::{self, Lengths, Reader, Tlv};

/// PKCS#12 OIDs as DER content octets (checked against their dotted
/// forms in tests); PKCS#7 data and encryptedData are `util::der::oid`'s.
pub(super) mod oid {
    /// 1.2.840.113549.1.12.10.1.2
    pub(crate) const SHROUDED_KEY_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
    ];
    /// 1.2.840.113549.1.12.10.1.3
    pub(crate) const CERT_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03,
    ];
    /// 1.2.840.113549.1.12.10.1.5
    pub(crate) const SECRET_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x05,
    ];
    /// 1.2.840.113549.1.9.22.1
    pub(crate) const X509_CERTIFICATE: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01];
    /// 1.2.840.113549.1.9.20
    pub(crate) const FRIENDLY_NAME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x14];
    /// 1.2.840.113549.1.9.21
    pub(crate) const LOCAL_KEY_ID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x15];
    /// 2.16.840.1.113894.746875.1.1 (Oracle trusted key usage)
    pub(crate) const ORACLE_TRUSTED_KEY_USAGE: &[u8] = &[
        0x60, 0x86, 0x48, 0x01, 0x86, 0xf9, 0x66, 0xad, 0xca, 0x7b, 0x01, 0x01,
    ];
    /// 2.5.29.37.0 (anyExtendedKeyUsage)
    pub(crate) const ANY_EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];
    /// 1.2.840.113549.1.5.13
    pub(crate) const PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
    /// 1.2.840.113549.1.12.1.3 (pbeWithSHAAnd3-KeyTripleDES-CBC)
    pub(crate) const PBE_SHA1_3DES: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x03];
    /// 1.2.840.113549.1.12.1.4 (pbeWithSHAAnd2-KeyTripleDES-CBC)
    pub(crate) const PBE_SHA1_2DES: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x04];
    /// 1.2.840.113549.1.12.1.5 (pbeWithSHAAnd128BitRC2-CBC)
    pub(crate) const PBE_SHA1_RC2_128: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x05];
    /// 1.2.840.113549.1.12.1.6 (pbewithSHAAnd40BitRC2-CBC)
    pub(crate) const PBE_SHA1_RC2_40: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x06];
    /// 1.3.14.3.2.26
    pub(crate) const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
    /// 2.16.840.1.101.3.4.2.4
    pub(crate) const SHA224: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04];
    /// 2.16.840.1.101.3.4.2.1
    pub(crate) const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    /// 2.16.840.1.101.3.4.2.2
    pub(crate) const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
    /// 2.16.840.1.101.3.4.2.3
    pub(crate) const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
    /// 2.16.840.1.101.3.4.2.5
    pub(crate) const SHA512_224: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x05];
    /// 2.16.840.1.101.3.4.2.6
    pub(crate) const SHA512_256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x06];
}

/// Length forms the reader accepts: any definite one (the reader has always
/// taken a long form for a short length).
const BER: Lengths = Lengths::AnyDefinite;
/// `[0] EXPLICIT`: ContentInfo content, bag values.
pub(super) const EXPLICIT_0: u8 = der::context(0, true);
/// `[0] IMPLICIT OCTET STRING`: EncryptedContentInfo's encryptedContent.
pub(super) const IMPLICIT_0: u8 = der::context(0, false);
const OCTET_STRING_CONSTRUCTED: u8 = der::OCTET_STRING | der::CONSTRUCTED;

/// Structure that does not parse, as the keystore reports it.
pub(super) fn malformed(what: &'static str) -> KeystoreError {
    KeystoreError::Malformed(what)
}

/// A DER error as the keystore reports it.
pub(super) fn bad(e: der::Error) -> KeystoreError {
    KeystoreError::Der(e)
}

/// A reader of PKCS#12 content ([`BER`] lengths).
pub(super) fn reader(content: &[u8]) -> Reader<'_> {
    Reader::with_lengths(content, BER)
}

/// The one element at the front of `data`, as `parse` does with `BER`.
pub(super) fn parse<'a>(
    data: &'a [u8],
    what: &'static str,
) -> Result<(Tlv<'a>, &'a [u8]), KeystoreError> {
    der::parse(data, BER, what).map_err(bad)
}

/// The PFX's authenticated-safe octets and MAC (not yet verified).
pub(super) fn parse_pfx(data: &[u8]) -> Result<(Cow<'_, [u8]>, Option<MacData>), KeystoreError> {
    let (pfx, rest) = parse(data, "PFX")?;
    pfx.check_tag(der::SEQUENCE, "PFX").map_err(bad)?;
    if !rest.is_empty() {
        return Err(malformed("trailing data after the PFX"));
    }
    let mut r = reader(pfx.content);
    let version = r.read_tag(der::INTEGER, "PFX version").map_err(bad)?;
    if version.content != [3] {
        return Err(malformed("PFX version is not 3"));
    }
    let auth_safe = r.read_tag(der::SEQUENCE, "authSafe").map_err(bad)?;
    let (content_type, content) = content_info(&auth_safe, "authSafe")?;
    if content_type != der::oid::PKCS7_DATA {
        return Err(KeystoreError::SignedIntegrity);
    }
    let auth_octets = octets(&content.ok_or_else(|| malformed("authSafe has no content"))?)?;
    let mac = match r.read("macData").map_err(bad)? {
        Some(t) => Some(MacData::parse(&t)?),
        None => None,
    };
    r.finish("PFX").map_err(bad)?;
    Ok((auth_octets, mac))
}

/// One ContentInfo of the AuthenticatedSafe.
pub(super) struct SafeInfo<'a> {
    /// The ContentInfo's DER, carried over when the safe is not changed.
    pub(super) raw: &'a [u8],
    /// `encryptedData` (else plain `data`).
    pub(super) encrypted: bool,
    /// The EncryptedData, or the OCTET STRING holding the SafeContents.
    pub(super) content: Tlv<'a>,
}

/// AuthenticatedSafe ::= SEQUENCE OF ContentInfo
pub(super) fn parse_authenticated_safe(
    auth_octets: &[u8],
) -> Result<Vec<SafeInfo<'_>>, KeystoreError> {
    let (seq, rest) = parse(auth_octets, "AuthenticatedSafe")?;
    seq.check_tag(der::SEQUENCE, "AuthenticatedSafe")
        .map_err(bad)?;
    if !rest.is_empty() {
        return Err(malformed("trailing data after the AuthenticatedSafe"));
    }
    let mut infos = Vec::new();
    let mut r = reader(seq.content);
    while let Some(ci) = r.read("ContentInfo").map_err(bad)? {
        ci.check_tag(der::SEQUENCE, "ContentInfo").map_err(bad)?;
        let (ct, content) = content_info(&ci, "ContentInfo")?;
        let encrypted = if ct == der::oid::PKCS7_DATA {
            false
        } else if ct == der::oid::PKCS7_ENCRYPTED_DATA {
            true
        } else {
            return Err(KeystoreError::SafeContentType(der::oid_display(ct)));
        };
        let content = content.ok_or_else(|| malformed("ContentInfo without content"))?;
        infos.push(SafeInfo {
            raw: ci.raw,
            encrypted,
            content,
        });
    }
    Ok(infos)
}

/// ContentInfo ::= SEQUENCE { contentType OID, [0] EXPLICIT content OPTIONAL }
fn content_info<'a>(
    t: &Tlv<'a>,
    what: &'static str,
) -> Result<(&'a [u8], Option<Tlv<'a>>), KeystoreError> {
    let mut r = reader(t.content);
    let ct = r.read_tag(der::OID, what).map_err(bad)?.content;
    let content = match r.read_if(EXPLICIT_0, what).map_err(bad)? {
        Some(c) => Some(single_inner(&c, what)?),
        None => None,
    };
    r.finish(what).map_err(bad)?;
    Ok((ct, content))
}

/// The one element inside an explicit tag.
pub(super) fn single_inner<'a>(t: &Tlv<'a>, what: &'static str) -> Result<Tlv<'a>, KeystoreError> {
    der::parse_single(t.content, BER, what).map_err(bad)
}

/// Contents of an OCTET STRING, primitive or (BER) constructed from chunks.
pub(super) fn octets<'a>(t: &Tlv<'a>) -> Result<Cow<'a, [u8]>, KeystoreError> {
    match t.tag {
        der::OCTET_STRING => Ok(Cow::Borrowed(t.content)),
        OCTET_STRING_CONSTRUCTED => Ok(Cow::Owned(concat_octet_chunks(t.content)?)),
        other => Err(KeystoreError::NotOctetString(other)),
    }
}

/// The chunks of a BER constructed OCTET STRING, joined.
pub(super) fn concat_octet_chunks(content: &[u8]) -> Result<Vec<u8>, KeystoreError> {
    let mut out = Vec::new();
    let mut r = reader(content);
    while let Some(chunk) = r.read("OCTET STRING chunk").map_err(bad)? {
        chunk
            .check_tag(der::OCTET_STRING, "OCTET STRING chunk")
            .map_err(bad)?;
        out.extend_from_slice(chunk.content);
    }
    Ok(out)
}

pub(super) fn parse_safe_contents(data: &[u8]) -> Result<Vec<Bag>, KeystoreError> {
    let (seq, rest) = parse(data, "SafeContents")?;
    seq.check_tag(der::SEQUENCE, "SafeContents").map_err(bad)?;
    if !rest.is_empty() {
        return Err(malformed("trailing data after SafeContents"));
    }
    let mut bags = Vec::new();
    let mut r = reader(seq.content);
    while let Some(t) = r.read("SafeBag").map_err(bad)? {
        bags.push(parse_bag(&t)?);
    }
    Ok(bags)
}

pub(super) fn parse_bag(t: &Tlv<'_>) -> Result<Bag, KeystoreError> {
    t.check_tag(der::SEQUENCE, "SafeBag").map_err(bad)?;
    let mut r = reader(t.content);
    let bag_id = r.read_tag(der::OID, "SafeBag bagId").map_err(bad)?.content;
    let value = single_inner(
        &r.read_tag(EXPLICIT_0, "SafeBag bagValue").map_err(bad)?,
        "SafeBag bagValue",
    )?;
    let attrs = r.read_if(der::SET, "SafeBag attributes").map_err(bad)?;
    r.finish("SafeBag").map_err(bad)?;

    let mut alias = None;
    let mut key_id = None;
    let mut trusted = false;
    if let Some(attrs) = attrs {
        let mut ar = reader(attrs.content);
        while let Some(a) = ar.read("bag attribute").map_err(bad)? {
            a.check_tag(der::SEQUENCE, "bag attribute").map_err(bad)?;
            let mut r = reader(a.content);
            let id = r.read_tag(der::OID, "attribute type").map_err(bad)?.content;
            let values = r.read_tag(der::SET, "attribute values").map_err(bad)?;
            r.finish("bag attribute").map_err(bad)?;
            let first = reader(values.content)
                .read("attribute value")
                .map_err(bad)?;
            if id == oid::FRIENDLY_NAME {
                let v = first.ok_or_else(|| malformed("friendlyName without a value"))?;
                v.check_tag(der::BMP_STRING, "friendlyName").map_err(bad)?;
                alias = Some(decode_bmp(v.content)?);
            } else if id == oid::LOCAL_KEY_ID {
                let v = first.ok_or_else(|| malformed("localKeyId without a value"))?;
                v.check_tag(der::OCTET_STRING, "localKeyId").map_err(bad)?;
                key_id = Some(v.content.to_vec());
            } else if id == oid::ORACLE_TRUSTED_KEY_USAGE {
                // Java makes any bag with this attribute a trusted entry,
                // whatever usages it lists.
                trusted = true;
            }
        }
    }

    let kind = if bag_id == oid::CERT_BAG {
        value.check_tag(der::SEQUENCE, "CertBag").map_err(bad)?;
        let mut r = reader(value.content);
        let cert_id = r.read_tag(der::OID, "CertBag certId").map_err(bad)?.content;
        let cert_value = single_inner(
            &r.read_tag(EXPLICIT_0, "CertBag certValue").map_err(bad)?,
            "CertBag",
        )?;
        r.finish("CertBag").map_err(bad)?;
        if cert_id == oid::X509_CERTIFICATE {
            let cert_der = octets(&cert_value)?;
            let (cert, rest) = parse(&cert_der, "certificate")?;
            cert.check_tag(der::SEQUENCE, "certificate").map_err(bad)?;
            if !rest.is_empty() {
                return Err(malformed("trailing data after a certificate"));
            }
            BagKind::Cert(cert_der.into_owned())
        } else {
            BagKind::Other
        }
    } else if bag_id == oid::SHROUDED_KEY_BAG {
        value
            .check_tag(der::SEQUENCE, "EncryptedPrivateKeyInfo")
            .map_err(bad)?;
        BagKind::ShroudedKey
    } else if bag_id == oid::SECRET_BAG {
        BagKind::Secret
    } else {
        BagKind::Other
    };
    Ok(Bag {
        raw: t.raw.to_vec(),
        kind,
        alias,
        key_id,
        trusted,
    })
}

/// A trusted-certificate SafeBag the way keytool writes one.
pub(super) fn trusted_cert_bag(alias: &str, cert: &[u8]) -> Vec<u8> {
    let cert_bag = der::tlv_of(
        der::SEQUENCE,
        &[
            &der::tlv(der::OID, oid::X509_CERTIFICATE),
            &der::tlv(EXPLICIT_0, &der::tlv(der::OCTET_STRING, cert)),
        ],
    );
    let bmp: Vec<u8> = alias.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let friendly = der::tlv_of(
        der::SEQUENCE,
        &[
            &der::tlv(der::OID, oid::FRIENDLY_NAME),
            &der::tlv(der::SET, &der::tlv(der::BMP_STRING, &bmp)),
        ],
    );
    let usage = der::tlv_of(
        der::SEQUENCE,
        &[
            &der::tlv(der::OID, oid::ORACLE_TRUSTED_KEY_USAGE),
            &der::tlv(der::SET, &der::tlv(der::OID, oid::ANY_EXTENDED_KEY_USAGE)),
        ],
    );
    der::tlv_of(
        der::SEQUENCE,
        &[
            &der::tlv(der::OID, oid::CERT_BAG),
            &der::tlv(EXPLICIT_0, &cert_bag),
            &der::tlv_of(der::SET, &[&friendly, &usage]),
        ],
    )
}

/// The bag with its key material encrypted under `new_pw` instead of `old_pw`.
pub(super) fn reencrypt_bag(bag: &Bag, old_pw: &str, new_pw: &str) -> Result<Bag, KeystoreError> {
    if !matches!(bag.kind, BagKind::ShroudedKey | BagKind::Secret) {
        return Ok(bag.clone());
    }
    let (t, _) = parse(&bag.raw, "SafeBag")?;
    let mut r = reader(t.content);
    let bag_id = r.read_tag(der::OID, "SafeBag bagId").map_err(bad)?;
    let value = single_inner(
        &r.read_tag(EXPLICIT_0, "SafeBag bagValue").map_err(bad)?,
        "SafeBag",
    )?;
    let attrs = r.read_if(der::SET, "SafeBag attributes").map_err(bad)?;
    let new_value = match bag.kind {
        BagKind::ShroudedKey => reencrypt_epki(&value, old_pw, new_pw),
        _ => {
            // SecretBag ::= SEQUENCE { secretTypeId, [0] EXPLICIT OCTET STRING }
            // and Java stores an EncryptedPrivateKeyInfo in that octet string.
            let mut r = reader(value.content);
            let type_id = r.read_tag(der::OID, "SecretBag type").map_err(bad)?;
            if type_id.content != oid::SHROUDED_KEY_BAG {
                return Err(KeystoreError::SecretBagType {
                    alias: bag.alias.clone(),
                    oid: der::oid_display(type_id.content),
                });
            }
            let inner = octets(&single_inner(
                &r.read_tag(EXPLICIT_0, "SecretBag value").map_err(bad)?,
                "SecretBag",
            )?)?;
            let (epki, _) = parse(&inner, "EncryptedPrivateKeyInfo")?;
            reencrypt_epki(&epki, old_pw, new_pw).map(|e| {
                der::tlv_of(
                    der::SEQUENCE,
                    &[
                        type_id.raw,
                        &der::tlv(EXPLICIT_0, &der::tlv(der::OCTET_STRING, &e)),
                    ],
                )
            })
        }
    }
    .map_err(|e| KeystoreError::Reencrypt {
        alias: bag.alias.clone(),
        source: Box::new(e),
    })?;
    let mut body = [bag_id.raw, &der::tlv(EXPLICIT_0, &new_value)[..]].concat();
    if let Some(a) = attrs {
        body.extend_from_slice(a.raw);
    }
    Ok(Bag {
        raw: der::tlv(der::SEQUENCE, &body),
        ..bag.clone()
    })
}

pub(super) fn decode_bmp(b: &[u8]) -> Result<String, KeystoreError> {
    if !b.len().is_multiple_of(2) {
        return Err(malformed("BMPString of odd length"));
    }
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    Ok(String::from_utf16_lossy(&units))
}

pub(super) fn safe_contents(bags: &[Bag]) -> Vec<u8> {
    let body: Vec<u8> = bags.iter().flat_map(|b| b.raw.iter().copied()).collect();
    der::tlv(der::SEQUENCE, &body)
}

pub(super) fn data_content_info(bags: &[Bag]) -> Vec<u8> {
    der::tlv_of(
        der::SEQUENCE,
        &[
            &der::tlv(der::OID, der::oid::PKCS7_DATA),
            &der::tlv(
                EXPLICIT_0,
                &der::tlv(der::OCTET_STRING, &safe_contents(bags)),
            ),
        ],
    )
}

pub(super) fn encrypted_content_info(
    bags: &[Bag],
    scheme: &Scheme,
    password: &str,
) -> Result<Vec<u8>, KeystoreError> {
    let (alg_id, ct) = pbe_encrypt(scheme, &safe_contents(bags), password)?;
    // EncryptedData ::= SEQUENCE { version 0, EncryptedContentInfo }
    let eci = der::tlv_of(
        der::SEQUENCE,
        &[
            &der::tlv(der::OID, der::oid::PKCS7_DATA),
            &alg_id,
            &der::tlv(IMPLICIT_0, &ct),
        ],
    );
    let encrypted_data = der::tlv_of(der::SEQUENCE, &[&der::tlv(der::INTEGER, &[0]), &eci]);
    Ok(der::tlv_of(
        der::SEQUENCE,
        &[
            &der::tlv(der::OID, der::oid::PKCS7_ENCRYPTED_DATA),
            &der::tlv(EXPLICIT_0, &encrypted_data),
        ],
    ))
}

pub(super) fn pfx(
    content_infos: &[Vec<u8>],
    mac: Option<(MacParams, &str)>,
) -> Result<Vec<u8>, KeystoreError> {
    let auth_octets = der::tlv(der::SEQUENCE, &content_infos.concat());
    let auth_safe = der::tlv_of(
        der::SEQUENCE,
        &[
            &der::tlv(der::OID, der::oid::PKCS7_DATA),
            &der::tlv(EXPLICIT_0, &der::tlv(der::OCTET_STRING, &auth_octets)),
        ],
    );
    let mut body = [der::uint(3), auth_safe].concat();
    if let Some((m, pw)) = mac {
        body.extend_from_slice(&m.mac_data(pw, &auth_octets)?);
    }
    Ok(der::tlv(der::SEQUENCE, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each OID constant is the DER of its dotted form, by an independent encoder.
    pub(crate) fn check_oid(bytes: &[u8], dotted: &str) {
        let o = pkcs5::ObjectIdentifier::new_unwrap(dotted);
        assert_eq!(bytes, o.as_bytes(), "{dotted}");
        assert_eq!(der::oid_display(bytes), dotted);
    }

    #[test]
    fn oid_constants_match_their_dotted_forms() {
        check_oid(der::oid::PKCS7_DATA, "1.2.840.113549.1.7.1");
        check_oid(der::oid::PKCS7_ENCRYPTED_DATA, "1.2.840.113549.1.7.6");
        check_oid(oid::SHROUDED_KEY_BAG, "1.2.840.113549.1.12.10.1.2");
        check_oid(oid::CERT_BAG, "1.2.840.113549.1.12.10.1.3");
        check_oid(oid::SECRET_BAG, "1.2.840.113549.1.12.10.1.5");
        check_oid(oid::X509_CERTIFICATE, "1.2.840.113549.1.9.22.1");
        check_oid(oid::FRIENDLY_NAME, "1.2.840.113549.1.9.20");
        check_oid(oid::LOCAL_KEY_ID, "1.2.840.113549.1.9.21");
        check_oid(
            oid::ORACLE_TRUSTED_KEY_USAGE,
            "2.16.840.1.113894.746875.1.1",
        );
        check_oid(oid::ANY_EXTENDED_KEY_USAGE, "2.5.29.37.0");
        check_oid(oid::PBES2, "1.2.840.113549.1.5.13");
        check_oid(oid::PBE_SHA1_3DES, "1.2.840.113549.1.12.1.3");
        check_oid(oid::PBE_SHA1_2DES, "1.2.840.113549.1.12.1.4");
        check_oid(oid::PBE_SHA1_RC2_128, "1.2.840.113549.1.12.1.5");
        check_oid(oid::PBE_SHA1_RC2_40, "1.2.840.113549.1.12.1.6");
        check_oid(oid::SHA1, "1.3.14.3.2.26");
        check_oid(oid::SHA224, "2.16.840.1.101.3.4.2.4");
        check_oid(oid::SHA256, "2.16.840.1.101.3.4.2.1");
        check_oid(oid::SHA384, "2.16.840.1.101.3.4.2.2");
        check_oid(oid::SHA512, "2.16.840.1.101.3.4.2.3");
        check_oid(oid::SHA512_224, "2.16.840.1.101.3.4.2.5");
        check_oid(oid::SHA512_256, "2.16.840.1.101.3.4.2.6");
    }

    #[test]
    fn integers_and_lengths_encode_minimally() {
        assert_eq!(der::uint(1), [2, 1, 1]);
        assert_eq!(der::uint(128), [2, 2, 0, 128]);
        assert_eq!(der::uint(10_000), [2, 2, 0x27, 0x10]);
        assert_eq!(der::tlv(4, &[0; 200])[..3], [4, 0x81, 200]);
        assert_eq!(der::tlv(4, &[0; 300])[..4], [4, 0x82, 1, 44]);
    }
}
