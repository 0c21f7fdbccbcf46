//! PKCS#12 keystores as Java reads and writes them (`-storetype PKCS12`,
//! JDK 18+ `cacerts`).
//!
//! What Java does, and so what this codec does:
//! - The file is a PFX: version 3, an authenticated safe of ContentInfos and
//!   an optional MAC. Each ContentInfo is either plain `data` or
//!   `encryptedData` (password-based encryption) holding a SafeContents.
//! - A *trusted certificate entry* is a CertBag carrying the Oracle attribute
//!   2.16.840.1.113894.746875.1.1; its friendlyName (BMPString) is the alias.
//!   Certificates without that attribute are never anchors for a JVM.
//! - A *private key entry* is a PKCS#8 shrouded key bag; its chain starts at
//!   the (non-trusted) certificate bag with the same localKeyId and continues
//!   by issuer name, as `PKCS12KeyStore` builds it.
//! - Aliases are case-insensitive and a later bag with the same alias hides an
//!   earlier one (Java keeps them in a map keyed by the lower-cased alias).
//! - JDK 18+ ships password-less stores: no MAC and certificate bags in plain
//!   `data`. A JVM without `javax.net.ssl.trustStorePassword` skips the MAC
//!   check but also skips every *encrypted* certificate safe, so rewriting a
//!   password-less store in the protected format makes it see no anchors.
//!   [`Pkcs12::write`] therefore always reproduces the format it read.
//!
//! The codec keeps every bag as the bytes it read. Writing an unmodified
//! store returns the original file; after an edit, untouched safes and bags
//! are carried over byte for byte, changed plain safes are re-encoded, changed
//! encrypted safes are re-encrypted (PBES2 safes with the JDK 17 defaults:
//! PBKDF2-HMAC-SHA256, AES-256-CBC, 10000 iterations; legacy PKCS#12 PBE safes
//! with their own algorithm and iteration count, so JDKs that predate PBES2
//! can still read them) and the MAC is recomputed with the digest and
//! iteration count the file had. Private keys are never decrypted unless the
//! store password changes.
//!
//! Parsing is a bounded DER walk: every length is checked against the bytes
//! that are actually there before anything is sliced or allocated, and
//! iteration counts are capped at Java's own limit.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use cbc::cipher::{
    block_padding::Pkcs7, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt,
    BlockModeEncrypt, KeyInit as CipherKeyInit, KeyIvInit,
};
use hmac::digest::OutputSizeUser;
use hmac::{KeyInit as MacKeyInit, Mac};
use pkcs12::kdf::{derive_key, Pkcs12KeyType};
use pkcs5::der::{Decode, Encode};
use sha2::{Digest, Sha256};

use crate::cert::Cert;

/// Java refuses PBE and MAC iteration counts above this (`MAX_ITERATION_COUNT`).
const MAX_ITERATIONS: u32 = 5_000_000;
/// Key-derivation iterations (MAC plus every encrypted safe) one file may
/// cost in all: twice what Java allows for a single one. 16 safes of 5M
/// iterations each would otherwise cost about 10 s (issue 14).
pub const MAX_TOTAL_ITERATIONS: u64 = 2 * MAX_ITERATIONS as u64;
/// JDK 17 `keystore.pkcs12.certPbeIterationCount` and `keyPbeIterationCount`.
const JDK_PBE_ITERATIONS: u32 = 10_000;
/// Java's salt length for PBE and MAC.
const SALT_LEN: usize = 20;

/// OIDs as DER content octets (checked against their dotted forms in tests).
mod oid {
    /// 1.2.840.113549.1.7.1
    pub const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    /// 1.2.840.113549.1.7.6
    pub const ENCRYPTED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
    /// 1.2.840.113549.1.12.10.1.2
    pub const SHROUDED_KEY_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
    ];
    /// 1.2.840.113549.1.12.10.1.3
    pub const CERT_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03,
    ];
    /// 1.2.840.113549.1.12.10.1.5
    pub const SECRET_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x05,
    ];
    /// 1.2.840.113549.1.9.22.1
    pub const X509_CERTIFICATE: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01];
    /// 1.2.840.113549.1.9.20
    pub const FRIENDLY_NAME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x14];
    /// 1.2.840.113549.1.9.21
    pub const LOCAL_KEY_ID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x15];
    /// 2.16.840.1.113894.746875.1.1 (Oracle trusted key usage)
    pub const ORACLE_TRUSTED_KEY_USAGE: &[u8] = &[
        0x60, 0x86, 0x48, 0x01, 0x86, 0xf9, 0x66, 0xad, 0xca, 0x7b, 0x01, 0x01,
    ];
    /// 2.5.29.37.0 (anyExtendedKeyUsage)
    pub const ANY_EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];
    /// 1.2.840.113549.1.5.13
    pub const PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
    /// 1.2.840.113549.1.12.1.3 (pbeWithSHAAnd3-KeyTripleDES-CBC)
    pub const PBE_SHA1_3DES: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x03];
    /// 1.2.840.113549.1.12.1.4 (pbeWithSHAAnd2-KeyTripleDES-CBC)
    pub const PBE_SHA1_2DES: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x04];
    /// 1.2.840.113549.1.12.1.5 (pbeWithSHAAnd128BitRC2-CBC)
    pub const PBE_SHA1_RC2_128: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x05];
    /// 1.2.840.113549.1.12.1.6 (pbewithSHAAnd40BitRC2-CBC)
    pub const PBE_SHA1_RC2_40: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x06];
    /// 1.3.14.3.2.26
    pub const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
    /// 2.16.840.1.101.3.4.2.4
    pub const SHA224: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04];
    /// 2.16.840.1.101.3.4.2.1
    pub const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    /// 2.16.840.1.101.3.4.2.2
    pub const SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
    /// 2.16.840.1.101.3.4.2.3
    pub const SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
    /// 2.16.840.1.101.3.4.2.5
    pub const SHA512_224: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x05];
    /// 2.16.840.1.101.3.4.2.6
    pub const SHA512_256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x06];
}

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OCTET_STRING_CONSTRUCTED: u8 = 0x24;
const TAG_OID: u8 = 0x06;
const TAG_BMP_STRING: u8 = 0x1e;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_CONTEXT_0: u8 = 0xa0;
const TAG_CONTEXT_0_PRIMITIVE: u8 = 0x80;

// ---------------------------------------------------------------------------
// Public API

/// A PKCS#12 keystore, kept close to the bytes it was read from.
#[derive(Clone)]
pub struct Pkcs12 {
    original: Vec<u8>,
    mac: Option<MacParams>,
    /// The password the store was read with (protected stores only).
    password: Option<String>,
    safes: Vec<Safe>,
    modified: bool,
}

/// A private key entry as a JVM sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEntry {
    pub alias: String,
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
}

impl fmt::Debug for Pkcs12 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs12")
            .field("protected", &self.protected())
            .field("mac", &self.mac.as_ref().map(|m| m.alg.name()))
            .field("safes", &self.safes.len())
            .field("trusted", &self.trusted().len())
            .field("modified", &self.modified)
            .finish()
    }
}

impl Pkcs12 {
    /// Quick format sniff: a DER SEQUENCE whose first element is INTEGER 3
    /// (PFX version). Looks at the first few bytes only; a BER
    /// indefinite-length PFX also matches, so `read` can say why it refuses it.
    pub fn sniff(data: &[u8]) -> bool {
        if data.first() != Some(&TAG_SEQUENCE) {
            return false;
        }
        let header = match data.get(1) {
            Some(&l) if l <= 0x80 => 2,
            Some(&l) if (0x81..=0x84).contains(&l) => 2 + usize::from(l & 0x7f),
            _ => return false,
        };
        data.get(header..header + 3) == Some(&[TAG_INTEGER, 0x01, 0x03][..])
    }

    /// Parses a keystore.
    ///
    /// `password` may be `None` only for a password-less store (no MAC, no
    /// encrypted safe); a protected store then gives an error saying it needs
    /// a password. A wrong password gives an error mentioning "password".
    pub fn read(data: &[u8], password: Option<&str>) -> Result<Pkcs12, String> {
        let (pfx, rest) = take_tlv(data, "PFX")?;
        expect_tag(&pfx, TAG_SEQUENCE, "PFX")?;
        if !rest.is_empty() {
            return Err(malformed("trailing data after the PFX"));
        }
        let mut r = Reader::new(pfx.body);
        let version = r.expect(TAG_INTEGER, "PFX version")?;
        if version.body != [3] {
            return Err(malformed("PFX version is not 3"));
        }
        let auth_safe = r.expect(TAG_SEQUENCE, "authSafe")?;
        let (content_type, content) = content_info(&auth_safe, "authSafe")?;
        if content_type != oid::DATA {
            return Err(
                "unsupported PKCS#12 keystore: public-key (signed) integrity mode; Java reads only password integrity"
                    .into(),
            );
        }
        let auth_octets = octets(&content.ok_or_else(|| malformed("authSafe has no content"))?)?;
        let mac = match r.next_opt("macData")? {
            Some(t) => Some(MacData::parse(&t)?),
            None => None,
        };
        r.finish("PFX")?;

        // AuthenticatedSafe ::= SEQUENCE OF ContentInfo
        let (seq, rest) = take_tlv(&auth_octets, "AuthenticatedSafe")?;
        expect_tag(&seq, TAG_SEQUENCE, "AuthenticatedSafe")?;
        if !rest.is_empty() {
            return Err(malformed("trailing data after the AuthenticatedSafe"));
        }
        let mut infos = Vec::new();
        let mut r = Reader::new(seq.body);
        while let Some(ci) = r.next_opt("ContentInfo")? {
            expect_tag(&ci, TAG_SEQUENCE, "ContentInfo")?;
            let (ct, content) = content_info(&ci, "ContentInfo")?;
            let kind = if ct == oid::DATA {
                false
            } else if ct == oid::ENCRYPTED_DATA {
                true
            } else {
                return Err(format!(
                    "unsupported PKCS#12 keystore: a safe of content type {} (Java reads only data and encryptedData)",
                    oid_string(ct)
                ));
            };
            let content = content.ok_or_else(|| malformed("ContentInfo without content"))?;
            infos.push((ci.raw, kind, content));
        }

        let protected = mac.is_some() || infos.iter().any(|(_, enc, _)| *enc);
        let password = if protected {
            Some(password.ok_or(
                "this PKCS#12 keystore is password-protected (integrity MAC and/or encrypted certificates): reading it needs a password",
            )?)
        } else {
            None
        };

        // Bound the work before doing any: the counts are read, not derived.
        if password.is_some() {
            let mut work = mac.as_ref().map_or(0, |m| u64::from(m.params.iterations));
            for (_, encrypted, content) in &infos {
                if *encrypted {
                    work += u64::from(encrypted_iterations(content).unwrap_or(0));
                }
            }
            if work > MAX_TOTAL_ITERATIONS {
                return Err(format!(
                    "refused: opening this PKCS#12 keystore would take {work} key-derivation iterations \
                     in all (MAC and encrypted safes), more than the {MAX_TOTAL_ITERATIONS} any keystore \
                     Java writes needs"
                ));
            }
        }
        let mac = match (mac, password) {
            (Some(m), Some(pw)) => {
                m.verify(pw, &auth_octets)?;
                Some(m.params)
            }
            _ => None,
        };

        let mut safes = Vec::new();
        for (raw, encrypted, content) in infos {
            let (scheme, bags) = if encrypted {
                let pw = password.ok_or("internal: encrypted safe without a password")?;
                let (scheme, plain) = decrypt_encrypted_data(&content, pw)?;
                let bags = parse_safe_contents(&plain).map_err(|e| {
                    format!("cannot read the decrypted certificate safe (wrong password or corrupted keystore): {e}")
                })?;
                (Some(scheme), bags)
            } else {
                (None, parse_safe_contents(&octets(&content)?)?)
            };
            safes.push(Safe {
                encrypted: scheme,
                raw: raw.to_vec(),
                bags,
                dirty: false,
            });
        }

        Ok(Pkcs12 {
            original: data.to_vec(),
            mac,
            password: password.map(str::to_owned),
            safes,
            modified: false,
        })
    }

    /// Whether the file was password-protected (MAC and/or encrypted
    /// certificate safes) or password-less.
    pub fn protected(&self) -> bool {
        self.mac.is_some() || self.safes.iter().any(|s| s.encrypted.is_some())
    }

    /// Trusted certificate entries a JVM sees: (alias, DER), in file order.
    pub fn trusted(&self) -> Vec<(String, Vec<u8>)> {
        let view = self.java_view();
        view.entries
            .iter()
            .enumerate()
            .filter(|(i, e)| e.kind == EntryKind::Trusted && view.is_live(*i))
            .filter_map(|(_, e)| {
                let der = self.cert_der(e.loc)?;
                Some((e.alias.clone(), der.to_vec()))
            })
            .collect()
    }

    /// The alias of every entry a JVM sees (trusted and key entries).
    pub fn aliases(&self) -> Vec<String> {
        let view = self.java_view();
        (0..view.entries.len())
            .filter(|&i| view.is_live(i))
            .map(|i| view.entries[i].alias.clone())
            .collect()
    }

    /// Private key entries with their certificate chains, as a JVM builds
    /// them (leaf by localKeyId, then issuers by name and key identifier).
    pub fn keys(&self) -> Vec<KeyEntry> {
        let view = self.java_view();
        let all: Vec<Option<Cert>> = view
            .all_certs
            .iter()
            .map(|&loc| self.cert_der(loc).and_then(|d| Cert::from_der(d).ok()))
            .collect();
        view.entries
            .iter()
            .enumerate()
            .filter(|(i, e)| view.is_live(*i) && matches!(e.kind, EntryKind::Key(_)))
            .map(|(_, e)| {
                let EntryKind::Key(key_id) = &e.kind else {
                    unreachable!("filtered to key entries")
                };
                KeyEntry {
                    alias: e.alias.clone(),
                    chain: self.chain_for(&view, &all, key_id, &e.alias),
                }
            })
            .collect()
    }

    /// Adds a trusted certificate entry (friendlyName = alias plus the Oracle
    /// trusted-key-usage attribute). The caller guarantees the alias is
    /// unused and the certificate not already present.
    pub fn add_trusted(&mut self, alias: &str, der: &[u8]) {
        let bag = Bag {
            raw: trusted_cert_bag(alias, der),
            kind: BagKind::Cert(der.to_vec()),
            alias: Some(alias.to_owned()),
            key_id: None,
            trusted: true,
        };
        let target = self.target_safe();
        let safe = &mut self.safes[target];
        safe.bags.push(bag);
        safe.dirty = true;
        self.modified = true;
    }

    /// Removes every trusted entry whose certificate's SHA-256 is `sha256`
    /// (including ones a later duplicate alias hides); returns their aliases.
    pub fn remove_trusted(&mut self, sha256: &[u8; 32]) -> Vec<String> {
        let view = self.java_view();
        let alias_of: HashMap<(usize, usize), String> = view
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::Trusted)
            .map(|e| (e.loc, e.alias.clone()))
            .collect();
        let mut removed = Vec::new();
        for (si, safe) in self.safes.iter_mut().enumerate() {
            let mut keep = Vec::with_capacity(safe.bags.len());
            for (bi, bag) in std::mem::take(&mut safe.bags).into_iter().enumerate() {
                let hit = bag.trusted
                    && matches!(&bag.kind, BagKind::Cert(d) if Sha256::digest(d).as_slice() == sha256);
                if hit {
                    let alias = alias_of
                        .get(&(si, bi))
                        .cloned()
                        .or_else(|| bag.alias.clone())
                        .unwrap_or_default();
                    if !removed.contains(&alias) {
                        removed.push(alias);
                    }
                    safe.dirty = true;
                    self.modified = true;
                } else {
                    keep.push(bag);
                }
            }
            safe.bags = keep;
        }
        removed
    }

    /// Serializes in the format the store was read in.
    ///
    /// Password-less: no MAC, plain certificate bags, everything else byte
    /// for byte; `password` is ignored. Protected: `password` is required;
    /// encrypted safes stay encrypted, the MAC (if there was one) is
    /// recomputed with the file's digest and iteration count, private keys
    /// are carried over unchanged, or re-encrypted when `password` differs
    /// from the one the store was read with.
    pub fn write(&self, password: Option<&str>) -> Result<Vec<u8>, String> {
        if !self.protected() {
            if !self.modified {
                return Ok(self.original.clone());
            }
            let infos: Vec<Vec<u8>> = self
                .safes
                .iter()
                .map(|s| {
                    if s.dirty {
                        data_content_info(&s.bags)
                    } else {
                        s.raw.clone()
                    }
                })
                .collect();
            return pfx(&infos, None);
        }

        let new_pw = password.ok_or(
            "this PKCS#12 keystore is password-protected: writing it needs the store password",
        )?;
        let old_pw = self
            .password
            .as_deref()
            .ok_or("internal: protected keystore without its password")?;
        let same_pw = old_pw == new_pw;
        if same_pw && !self.modified {
            return Ok(self.original.clone());
        }

        let mut infos = Vec::with_capacity(self.safes.len());
        for safe in &self.safes {
            let holds_keys = safe
                .bags
                .iter()
                .any(|b| matches!(b.kind, BagKind::ShroudedKey | BagKind::Secret));
            let rebuild = safe.dirty || (!same_pw && (safe.encrypted.is_some() || holds_keys));
            if !rebuild {
                infos.push(safe.raw.clone());
                continue;
            }
            let bags: Vec<Bag> = if same_pw {
                safe.bags.clone()
            } else {
                safe.bags
                    .iter()
                    .map(|b| reencrypt_bag(b, old_pw, new_pw))
                    .collect::<Result<_, _>>()?
            };
            infos.push(match &safe.encrypted {
                None => data_content_info(&bags),
                Some(scheme) => encrypted_content_info(&bags, scheme, new_pw)?,
            });
        }
        pfx(&infos, self.mac.clone().map(|m| (m, new_pw)))
    }

    // -----------------------------------------------------------------------

    fn cert_der(&self, (si, bi): (usize, usize)) -> Option<&[u8]> {
        match &self.safes.get(si)?.bags.get(bi)?.kind {
            BagKind::Cert(d) => Some(d),
            _ => None,
        }
    }

    /// Where a new trusted certificate goes: next to the other trusted
    /// certificates, else next to any certificate, else into a new safe
    /// protected like the rest of the file.
    fn target_safe(&mut self) -> usize {
        let has = |s: &Safe, trusted_only: bool| {
            s.bags
                .iter()
                .any(|b| matches!(b.kind, BagKind::Cert(_)) && (b.trusted || !trusted_only))
        };
        if let Some(i) = self.safes.iter().rposition(|s| has(s, true)) {
            return i;
        }
        if let Some(i) = self.safes.iter().position(|s| has(s, false)) {
            return i;
        }
        let encrypted = self.safes.iter().find_map(|s| s.encrypted.clone());
        self.safes.push(Safe {
            encrypted,
            raw: Vec::new(),
            bags: Vec::new(),
            dirty: true,
        });
        self.safes.len() - 1
    }

    /// Replays `PKCS12KeyStore.loadSafeContents`: which bags become entries
    /// under which alias.
    fn java_view(&self) -> JavaView {
        let mut view = JavaView::default();
        let mut counter = 0u32;
        let mut unfriendly = |alias: &Option<String>| {
            alias.clone().unwrap_or_else(|| {
                counter += 1;
                counter.to_string()
            })
        };
        let mut private_key_count = 0usize;
        for (si, safe) in self.safes.iter().enumerate() {
            for (bi, bag) in safe.bags.iter().enumerate() {
                let loc = (si, bi);
                match &bag.kind {
                    BagKind::ShroudedKey => {
                        private_key_count += 1;
                        // Java invents localKeyId "01" for a lone key without one
                        // and skips other keys that lack it.
                        let Some(key_id) = bag
                            .key_id
                            .clone()
                            .or_else(|| (private_key_count == 1).then(|| b"01".to_vec()))
                        else {
                            continue;
                        };
                        let alias = unfriendly(&bag.alias);
                        view.push(alias, loc, EntryKind::Key(key_id));
                    }
                    BagKind::Secret => {
                        let alias = unfriendly(&bag.alias);
                        view.push(alias, loc, EntryKind::Secret);
                    }
                    BagKind::Cert(_) => {
                        let key_id = bag.key_id.clone().or_else(|| {
                            (private_key_count == 1 && bi == 0).then(|| b"01".to_vec())
                        });
                        if bag.trusted {
                            let alias = unfriendly(&bag.alias);
                            view.push(alias, loc, EntryKind::Trusted);
                        } else {
                            view.cert_entries.push(CertEntry {
                                loc,
                                key_id,
                                alias: bag.alias.clone(),
                            });
                        }
                        view.all_certs.push(loc);
                    }
                    BagKind::Other => {}
                }
            }
        }
        view
    }

    /// `findMatchedCertificate` then `findIssuer` until a self-signed
    /// certificate, a loop or no issuer.
    fn chain_for(
        &self,
        view: &JavaView,
        all: &[Option<Cert>],
        key_id: &[u8],
        alias: &str,
    ) -> Vec<Vec<u8>> {
        let same_alias =
            |a: &Option<String>| a.as_ref().is_some_and(|a| super::same_alias(a, alias));
        let mut key_id_match = None;
        let mut alias_match = None;
        let mut leaf = None;
        for ce in &view.cert_entries {
            if ce.key_id.as_deref() == Some(key_id) {
                key_id_match = Some(ce.loc);
                if same_alias(&ce.alias) {
                    leaf = Some(ce.loc);
                    break;
                }
            } else if same_alias(&ce.alias) {
                alias_match = Some(ce.loc);
            }
        }
        let Some(leaf) = leaf.or(key_id_match).or(alias_match) else {
            return Vec::new();
        };
        let Some(leaf_der) = self.cert_der(leaf) else {
            return Vec::new();
        };
        let Ok(mut cur) = Cert::from_der(leaf_der) else {
            // Unparseable here: report the certificate alone.
            return vec![leaf_der.to_vec()];
        };
        let mut chain: Vec<Vec<u8>> = Vec::new();
        while !chain.contains(&cur.der) {
            chain.push(cur.der.clone());
            if cur.is_self_signed() {
                break;
            }
            match find_issuer(&cur, all) {
                Some(next) => cur = next.clone(),
                None => break,
            }
        }
        chain
    }
}

/// Java's `findIssuer`: first certificate named as the issuer whose SKI
/// equals the AKI; one without a SKI is a fallback.
fn find_issuer<'a>(cert: &Cert, all: &'a [Option<Cert>]) -> Option<&'a Cert> {
    let mut fallback = None;
    for c in all.iter().flatten() {
        if c.subject_raw != cert.issuer_raw {
            continue;
        }
        match (&cert.aki, &c.ski) {
            (None, _) => return Some(c),
            (Some(aki), Some(ski)) if aki == ski => return Some(c),
            (Some(_), Some(_)) => continue,
            (Some(_), None) => fallback = Some(c),
        }
    }
    fallback
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum EntryKind {
    Trusted,
    Key(Vec<u8>),
    Secret,
}

struct ViewEntry {
    alias: String,
    loc: (usize, usize),
    kind: EntryKind,
}

/// A certificate bag without the trusted attribute (Java's `certEntries`).
struct CertEntry {
    loc: (usize, usize),
    key_id: Option<Vec<u8>>,
    alias: Option<String>,
}

#[derive(Default)]
struct JavaView {
    entries: Vec<ViewEntry>,
    /// Lower-cased alias -> index of the entry that wins.
    owner: HashMap<String, usize>,
    /// Certificates without the trusted attribute, candidates for key chains.
    cert_entries: Vec<CertEntry>,
    all_certs: Vec<(usize, usize)>,
}

impl JavaView {
    fn push(&mut self, alias: String, loc: (usize, usize), kind: EntryKind) {
        self.owner
            .insert(super::alias_key(&alias), self.entries.len());
        self.entries.push(ViewEntry { alias, loc, kind });
    }

    fn is_live(&self, i: usize) -> bool {
        self.owner.get(&super::alias_key(&self.entries[i].alias)) == Some(&i)
    }
}

// ---------------------------------------------------------------------------
// Model

#[derive(Clone)]
struct Safe {
    /// `None`: plain `data`. `Some`: `encryptedData`, re-encrypted like this.
    encrypted: Option<Scheme>,
    /// The ContentInfo as read (empty for a safe we created).
    raw: Vec<u8>,
    bags: Vec<Bag>,
    dirty: bool,
}

#[derive(Clone)]
struct Bag {
    /// The SafeBag's DER, carried over unchanged.
    raw: Vec<u8>,
    kind: BagKind,
    alias: Option<String>,
    key_id: Option<Vec<u8>>,
    trusted: bool,
}

#[derive(Clone)]
enum BagKind {
    Cert(Vec<u8>),
    ShroudedKey,
    Secret,
    Other,
}

/// How an encrypted safe (or key) is re-encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Scheme {
    /// PBES2; written with the JDK 17 defaults.
    Pbes2,
    /// PKCS#12 PBE with SHA-1 (pre-JDK 8u301/11.0.12 defaults); written with
    /// the same algorithm and iteration count.
    Legacy(LegacyPbe, u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LegacyPbe {
    TripleDes3Key,
    TripleDes2Key,
    Rc2_128,
    Rc2_40,
}

impl LegacyPbe {
    fn from_oid(o: &[u8]) -> Option<LegacyPbe> {
        Some(match o {
            x if x == oid::PBE_SHA1_3DES => LegacyPbe::TripleDes3Key,
            x if x == oid::PBE_SHA1_2DES => LegacyPbe::TripleDes2Key,
            x if x == oid::PBE_SHA1_RC2_128 => LegacyPbe::Rc2_128,
            x if x == oid::PBE_SHA1_RC2_40 => LegacyPbe::Rc2_40,
            _ => return None,
        })
    }

    fn oid(self) -> &'static [u8] {
        match self {
            LegacyPbe::TripleDes3Key => oid::PBE_SHA1_3DES,
            LegacyPbe::TripleDes2Key => oid::PBE_SHA1_2DES,
            LegacyPbe::Rc2_128 => oid::PBE_SHA1_RC2_128,
            LegacyPbe::Rc2_40 => oid::PBE_SHA1_RC2_40,
        }
    }

    fn key_len(self) -> usize {
        match self {
            LegacyPbe::TripleDes3Key => 24,
            LegacyPbe::TripleDes2Key => 16,
            LegacyPbe::Rc2_128 => 16,
            LegacyPbe::Rc2_40 => 5,
        }
    }
}

// ---------------------------------------------------------------------------
// Bags

fn parse_safe_contents(data: &[u8]) -> Result<Vec<Bag>, String> {
    let (seq, rest) = take_tlv(data, "SafeContents")?;
    expect_tag(&seq, TAG_SEQUENCE, "SafeContents")?;
    if !rest.is_empty() {
        return Err(malformed("trailing data after SafeContents"));
    }
    let mut bags = Vec::new();
    let mut r = Reader::new(seq.body);
    while let Some(t) = r.next_opt("SafeBag")? {
        bags.push(parse_bag(&t)?);
    }
    Ok(bags)
}

fn parse_bag(t: &Tlv<'_>) -> Result<Bag, String> {
    expect_tag(t, TAG_SEQUENCE, "SafeBag")?;
    let mut r = Reader::new(t.body);
    let bag_id = r.expect(TAG_OID, "SafeBag bagId")?.body;
    let value = single_inner(
        &r.expect(TAG_CONTEXT_0, "SafeBag bagValue")?,
        "SafeBag bagValue",
    )?;
    let attrs = r.optional(TAG_SET, "SafeBag attributes")?;
    r.finish("SafeBag")?;

    let mut alias = None;
    let mut key_id = None;
    let mut trusted = false;
    if let Some(attrs) = attrs {
        let mut ar = Reader::new(attrs.body);
        while let Some(a) = ar.next_opt("bag attribute")? {
            expect_tag(&a, TAG_SEQUENCE, "bag attribute")?;
            let mut r = Reader::new(a.body);
            let id = r.expect(TAG_OID, "attribute type")?.body;
            let values = r.expect(TAG_SET, "attribute values")?;
            r.finish("bag attribute")?;
            let first = Reader::new(values.body).next_opt("attribute value")?;
            if id == oid::FRIENDLY_NAME {
                let v = first.ok_or_else(|| malformed("friendlyName without a value"))?;
                expect_tag(&v, TAG_BMP_STRING, "friendlyName")?;
                alias = Some(decode_bmp(v.body)?);
            } else if id == oid::LOCAL_KEY_ID {
                let v = first.ok_or_else(|| malformed("localKeyId without a value"))?;
                expect_tag(&v, TAG_OCTET_STRING, "localKeyId")?;
                key_id = Some(v.body.to_vec());
            } else if id == oid::ORACLE_TRUSTED_KEY_USAGE {
                // Java makes any bag with this attribute a trusted entry,
                // whatever usages it lists.
                trusted = true;
            }
        }
    }

    let kind = if bag_id == oid::CERT_BAG {
        expect_tag(&value, TAG_SEQUENCE, "CertBag")?;
        let mut r = Reader::new(value.body);
        let cert_id = r.expect(TAG_OID, "CertBag certId")?.body;
        let cert_value = single_inner(&r.expect(TAG_CONTEXT_0, "CertBag certValue")?, "CertBag")?;
        r.finish("CertBag")?;
        if cert_id == oid::X509_CERTIFICATE {
            let der = octets(&cert_value)?;
            let (cert, rest) = take_tlv(&der, "certificate")?;
            expect_tag(&cert, TAG_SEQUENCE, "certificate")?;
            if !rest.is_empty() {
                return Err(malformed("trailing data after a certificate"));
            }
            BagKind::Cert(der.into_owned())
        } else {
            BagKind::Other
        }
    } else if bag_id == oid::SHROUDED_KEY_BAG {
        expect_tag(&value, TAG_SEQUENCE, "EncryptedPrivateKeyInfo")?;
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
fn trusted_cert_bag(alias: &str, der: &[u8]) -> Vec<u8> {
    let cert_bag = tlv(
        TAG_SEQUENCE,
        &cat(&[
            &tlv(TAG_OID, oid::X509_CERTIFICATE),
            &tlv(TAG_CONTEXT_0, &tlv(TAG_OCTET_STRING, der)),
        ]),
    );
    let bmp: Vec<u8> = alias.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let friendly = tlv(
        TAG_SEQUENCE,
        &cat(&[
            &tlv(TAG_OID, oid::FRIENDLY_NAME),
            &tlv(TAG_SET, &tlv(TAG_BMP_STRING, &bmp)),
        ]),
    );
    let usage = tlv(
        TAG_SEQUENCE,
        &cat(&[
            &tlv(TAG_OID, oid::ORACLE_TRUSTED_KEY_USAGE),
            &tlv(TAG_SET, &tlv(TAG_OID, oid::ANY_EXTENDED_KEY_USAGE)),
        ]),
    );
    tlv(
        TAG_SEQUENCE,
        &cat(&[
            &tlv(TAG_OID, oid::CERT_BAG),
            &tlv(TAG_CONTEXT_0, &cert_bag),
            &tlv(TAG_SET, &cat(&[&friendly, &usage])),
        ]),
    )
}

/// The bag with its key material encrypted under `new_pw` instead of `old_pw`.
fn reencrypt_bag(bag: &Bag, old_pw: &str, new_pw: &str) -> Result<Bag, String> {
    if !matches!(bag.kind, BagKind::ShroudedKey | BagKind::Secret) {
        return Ok(bag.clone());
    }
    let what = || match &bag.alias {
        Some(a) => format!("key entry '{a}'"),
        None => "a key entry".to_owned(),
    };
    let (t, _) = take_tlv(&bag.raw, "SafeBag")?;
    let mut r = Reader::new(t.body);
    let bag_id = r.expect(TAG_OID, "SafeBag bagId")?;
    let value = single_inner(&r.expect(TAG_CONTEXT_0, "SafeBag bagValue")?, "SafeBag")?;
    let attrs = r.optional(TAG_SET, "SafeBag attributes")?;
    let new_value = match bag.kind {
        BagKind::ShroudedKey => reencrypt_epki(&value, old_pw, new_pw),
        _ => {
            // SecretBag ::= SEQUENCE { secretTypeId, [0] EXPLICIT OCTET STRING }
            // and Java stores an EncryptedPrivateKeyInfo in that octet string.
            let mut r = Reader::new(value.body);
            let type_id = r.expect(TAG_OID, "SecretBag type")?;
            if type_id.body != oid::SHROUDED_KEY_BAG {
                return Err(format!(
                    "cannot change the password of {}: unknown secret bag type {}",
                    what(),
                    oid_string(type_id.body)
                ));
            }
            let inner = octets(&single_inner(
                &r.expect(TAG_CONTEXT_0, "SecretBag value")?,
                "SecretBag",
            )?)?;
            let (epki, _) = take_tlv(&inner, "EncryptedPrivateKeyInfo")?;
            reencrypt_epki(&epki, old_pw, new_pw).map(|e| {
                tlv(
                    TAG_SEQUENCE,
                    &cat(&[type_id.raw, &tlv(TAG_CONTEXT_0, &tlv(TAG_OCTET_STRING, &e))]),
                )
            })
        }
    }
    .map_err(|e| format!("cannot re-encrypt {} under the new password: {e}", what()))?;
    let mut body = cat(&[bag_id.raw, &tlv(TAG_CONTEXT_0, &new_value)]);
    if let Some(a) = attrs {
        body.extend_from_slice(a.raw);
    }
    Ok(Bag {
        raw: tlv(TAG_SEQUENCE, &body),
        ..bag.clone()
    })
}

/// EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
fn reencrypt_epki(epki: &Tlv<'_>, old_pw: &str, new_pw: &str) -> Result<Vec<u8>, String> {
    expect_tag(epki, TAG_SEQUENCE, "EncryptedPrivateKeyInfo")?;
    let mut r = Reader::new(epki.body);
    let alg = r.expect(TAG_SEQUENCE, "EncryptedPrivateKeyInfo algorithm")?;
    let data = r.expect(TAG_OCTET_STRING, "EncryptedPrivateKeyInfo data")?;
    let (scheme, plain) = pbe_decrypt(&alg, data.body, old_pw).map_err(|e| e.to_string())?;
    let (alg_id, ct) = pbe_encrypt(&scheme, &plain, new_pw)?;
    Ok(tlv(
        TAG_SEQUENCE,
        &cat(&[&alg_id, &tlv(TAG_OCTET_STRING, &ct)]),
    ))
}

fn decode_bmp(b: &[u8]) -> Result<String, String> {
    if !b.len().is_multiple_of(2) {
        return Err(malformed("BMPString of odd length"));
    }
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    Ok(String::from_utf16_lossy(&units))
}

// ---------------------------------------------------------------------------
// Encoding the file

fn safe_contents(bags: &[Bag]) -> Vec<u8> {
    let body: Vec<u8> = bags.iter().flat_map(|b| b.raw.iter().copied()).collect();
    tlv(TAG_SEQUENCE, &body)
}

fn data_content_info(bags: &[Bag]) -> Vec<u8> {
    tlv(
        TAG_SEQUENCE,
        &cat(&[
            &tlv(TAG_OID, oid::DATA),
            &tlv(TAG_CONTEXT_0, &tlv(TAG_OCTET_STRING, &safe_contents(bags))),
        ]),
    )
}

fn encrypted_content_info(
    bags: &[Bag],
    scheme: &Scheme,
    password: &str,
) -> Result<Vec<u8>, String> {
    let (alg_id, ct) = pbe_encrypt(scheme, &safe_contents(bags), password)?;
    // EncryptedData ::= SEQUENCE { version 0, EncryptedContentInfo }
    let eci = tlv(
        TAG_SEQUENCE,
        &cat(&[
            &tlv(TAG_OID, oid::DATA),
            &alg_id,
            &tlv(TAG_CONTEXT_0_PRIMITIVE, &ct),
        ]),
    );
    let encrypted_data = tlv(TAG_SEQUENCE, &cat(&[&tlv(TAG_INTEGER, &[0]), &eci]));
    Ok(tlv(
        TAG_SEQUENCE,
        &cat(&[
            &tlv(TAG_OID, oid::ENCRYPTED_DATA),
            &tlv(TAG_CONTEXT_0, &encrypted_data),
        ]),
    ))
}

fn pfx(content_infos: &[Vec<u8>], mac: Option<(MacParams, &str)>) -> Result<Vec<u8>, String> {
    let auth_octets = tlv(TAG_SEQUENCE, &content_infos.concat());
    let auth_safe = tlv(
        TAG_SEQUENCE,
        &cat(&[
            &tlv(TAG_OID, oid::DATA),
            &tlv(TAG_CONTEXT_0, &tlv(TAG_OCTET_STRING, &auth_octets)),
        ]),
    );
    let mut body = cat(&[&tlv(TAG_INTEGER, &[3]), &auth_safe]);
    if let Some((m, pw)) = mac {
        body.extend_from_slice(&m.mac_data(pw, &auth_octets)?);
    }
    Ok(tlv(TAG_SEQUENCE, &body))
}

// ---------------------------------------------------------------------------
// Integrity (MAC)

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MacAlg {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha512_224,
    Sha512_256,
}

impl MacAlg {
    fn from_oid(o: &[u8]) -> Option<MacAlg> {
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

    fn name(self) -> &'static str {
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
    fn compute(self, password: &str, salt: &[u8], iterations: u32, data: &[u8]) -> Vec<u8> {
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

#[derive(Clone)]
struct MacParams {
    alg: MacAlg,
    /// The DigestInfo's AlgorithmIdentifier as read (keeps NULL parameters or not).
    alg_id: Vec<u8>,
    salt_len: usize,
    iterations: u32,
}

impl MacParams {
    /// MacData ::= SEQUENCE { DigestInfo, macSalt, iterations } with a fresh salt.
    fn mac_data(&self, password: &str, data: &[u8]) -> Result<Vec<u8>, String> {
        let mut salt = vec![0u8; self.salt_len];
        crate::util::rand::fill(&mut salt).map_err(|e| e.to_string())?;
        let digest = self.alg.compute(password, &salt, self.iterations, data);
        let digest_info = tlv(
            TAG_SEQUENCE,
            &cat(&[&self.alg_id, &tlv(TAG_OCTET_STRING, &digest)]),
        );
        Ok(tlv(
            TAG_SEQUENCE,
            &cat(&[
                &digest_info,
                &tlv(TAG_OCTET_STRING, &salt),
                &encode_uint(self.iterations),
            ]),
        ))
    }
}

struct MacData {
    params: MacParams,
    digest: Vec<u8>,
    salt: Vec<u8>,
}

impl MacData {
    fn parse(t: &Tlv<'_>) -> Result<MacData, String> {
        expect_tag(t, TAG_SEQUENCE, "macData")?;
        let mut r = Reader::new(t.body);
        let digest_info = r.expect(TAG_SEQUENCE, "macData digest")?;
        let salt = r.expect(TAG_OCTET_STRING, "macData salt")?;
        let iterations = match r.optional(TAG_INTEGER, "macData iterations")? {
            Some(i) => parse_iterations(i.body, "MAC")?,
            None => 1,
        };
        r.finish("macData")?;
        let mut dr = Reader::new(digest_info.body);
        let alg_id = dr.expect(TAG_SEQUENCE, "MAC digest algorithm")?;
        let digest = dr.expect(TAG_OCTET_STRING, "MAC digest")?;
        dr.finish("MAC DigestInfo")?;
        let alg_oid = Reader::new(alg_id.body).expect(TAG_OID, "MAC digest algorithm")?;
        let alg = MacAlg::from_oid(alg_oid.body).ok_or_else(|| {
            format!(
                "unsupported PKCS#12 keystore: MAC digest algorithm {}",
                oid_string(alg_oid.body)
            )
        })?;
        let salt_len = if (8..=64).contains(&salt.body.len()) {
            salt.body.len()
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
            digest: digest.body.to_vec(),
            salt: salt.body.to_vec(),
        })
    }

    fn verify(&self, password: &str, data: &[u8]) -> Result<(), String> {
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
            Err(format!(
                "wrong keystore password: the PKCS#12 integrity check ({}) failed (or the file is corrupted)",
                self.params.alg.name()
            ))
        }
    }
}

/// The password as PKCS#12 KDFs take it: UTF-16BE plus two zero bytes
/// (what Java's `PKCS12PBECipherCore` does with the `char[]`).
fn bmp_password(password: &str) -> Vec<u8> {
    let mut v: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    v.extend_from_slice(&[0, 0]);
    v
}

// ---------------------------------------------------------------------------
// Password-based encryption

enum PbeError {
    /// Padding or structure wrong after decryption: most likely the password.
    Decrypt,
    Unsupported(String),
    Malformed(String),
}

impl fmt::Display for PbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PbeError::Decrypt => f.write_str("decryption failed (wrong password?)"),
            PbeError::Unsupported(s) | PbeError::Malformed(s) => f.write_str(s),
        }
    }
}

/// The iteration count an EncryptedData's key derivation would run
/// (PBES2's PBKDF2 or the legacy PBE's), read without deriving anything.
fn encrypted_iterations(content: &Tlv<'_>) -> Option<u32> {
    let mut r = Reader::new(content.body);
    r.expect(TAG_INTEGER, "EncryptedData version").ok()?;
    let eci = r.expect(TAG_SEQUENCE, "EncryptedContentInfo").ok()?;
    let mut r = Reader::new(eci.body);
    r.expect(TAG_OID, "EncryptedContentInfo contentType").ok()?;
    let alg = r
        .expect(TAG_SEQUENCE, "content encryption algorithm")
        .ok()?;
    let mut r = Reader::new(alg.body);
    let alg_oid = r.expect(TAG_OID, "encryption algorithm").ok()?.body;
    let params = r.next_opt("encryption parameters").ok()??;
    if alg_oid == oid::PBES2 {
        let p = pkcs5::pbes2::Parameters::from_der(params.raw).ok()?;
        return p.kdf.pbkdf2().map(|k| k.iteration_count);
    }
    let mut pr = Reader::new(params.body);
    pr.expect(TAG_OCTET_STRING, "PBE salt").ok()?;
    let i = pr.expect(TAG_INTEGER, "PBE iterations").ok()?;
    parse_iterations(i.body, "PBE").ok()
}

/// EncryptedData ::= SEQUENCE { version, EncryptedContentInfo, [1] attrs OPTIONAL }
fn decrypt_encrypted_data(content: &Tlv<'_>, password: &str) -> Result<(Scheme, Vec<u8>), String> {
    expect_tag(content, TAG_SEQUENCE, "EncryptedData")?;
    let mut r = Reader::new(content.body);
    r.expect(TAG_INTEGER, "EncryptedData version")?;
    let eci = r.expect(TAG_SEQUENCE, "EncryptedContentInfo")?;
    let mut r = Reader::new(eci.body);
    r.expect(TAG_OID, "EncryptedContentInfo contentType")?;
    let alg = r.expect(TAG_SEQUENCE, "content encryption algorithm")?;
    let ct = match r.next_opt("encryptedContent")? {
        Some(t) if t.tag == TAG_CONTEXT_0_PRIMITIVE => Cow::Borrowed(t.body),
        // BER constructed form: a series of OCTET STRINGs.
        Some(t) if t.tag == TAG_CONTEXT_0 => Cow::Owned(concat_octet_chunks(t.body)?),
        _ => return Err(malformed("EncryptedContentInfo without encryptedContent")),
    };
    pbe_decrypt(&alg, &ct, password).map_err(|e| match e {
        PbeError::Decrypt => {
            "wrong keystore password: cannot decrypt the certificate safe (or the file is corrupted)"
                .to_owned()
        }
        PbeError::Unsupported(s) => format!("unsupported PKCS#12 keystore: {s}"),
        PbeError::Malformed(s) => malformed(&s),
    })
}

fn pbe_decrypt(alg: &Tlv<'_>, ct: &[u8], password: &str) -> Result<(Scheme, Vec<u8>), PbeError> {
    let mut r = Reader::new(alg.body);
    let alg_oid = r
        .expect(TAG_OID, "encryption algorithm")
        .map_err(PbeError::Malformed)?
        .body;
    let params = r
        .next_opt("encryption parameters")
        .map_err(PbeError::Malformed)?
        .ok_or_else(|| PbeError::Malformed("encryption algorithm without parameters".into()))?;

    if alg_oid == oid::PBES2 {
        let p = pkcs5::pbes2::Parameters::from_der(params.raw)
            .map_err(|e| PbeError::Unsupported(format!("PBES2 parameters: {e}")))?;
        match p.kdf.pbkdf2() {
            Some(k) if (1..=MAX_ITERATIONS).contains(&k.iteration_count) => {}
            Some(k) => {
                return Err(PbeError::Malformed(format!(
                    "PBKDF2 iteration count {} out of range",
                    k.iteration_count
                )))
            }
            None => return Err(PbeError::Unsupported("PBES2 without PBKDF2".into())),
        }
        let plain = p.decrypt(password.as_bytes(), ct).map_err(|e| match e {
            pkcs5::Error::DecryptFailed => PbeError::Decrypt,
            e => PbeError::Unsupported(format!("PBES2: {e}")),
        })?;
        return Ok((Scheme::Pbes2, plain));
    }

    let alg = LegacyPbe::from_oid(alg_oid).ok_or_else(|| {
        PbeError::Unsupported(format!("encryption algorithm {}", oid_string(alg_oid)))
    })?;
    // PBEParameter ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
    expect_tag(&params, TAG_SEQUENCE, "PBE parameters").map_err(PbeError::Malformed)?;
    let mut pr = Reader::new(params.body);
    let salt = pr
        .expect(TAG_OCTET_STRING, "PBE salt")
        .map_err(PbeError::Malformed)?;
    let iterations = pr
        .expect(TAG_INTEGER, "PBE iterations")
        .and_then(|i| parse_iterations(i.body, "PBE"))
        .map_err(PbeError::Malformed)?;
    let plain =
        legacy_crypt(alg, salt.body, iterations, password, ct, false).ok_or(PbeError::Decrypt)?;
    Ok((Scheme::Legacy(alg, iterations), plain))
}

/// Returns (AlgorithmIdentifier DER, ciphertext).
fn pbe_encrypt(
    scheme: &Scheme,
    plain: &[u8],
    password: &str,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let mut salt = [0u8; SALT_LEN];
    crate::util::rand::fill(&mut salt).map_err(|e| e.to_string())?;
    match scheme {
        Scheme::Pbes2 => {
            let mut iv = [0u8; 16];
            crate::util::rand::fill(&mut iv).map_err(|e| e.to_string())?;
            let params = pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
                JDK_PBE_ITERATIONS,
                &salt,
                iv,
            )
            .map_err(|e| format!("PBES2 parameters: {e}"))?;
            let ct = params
                .encrypt(password.as_bytes(), plain)
                .map_err(|e| format!("PBES2 encryption: {e}"))?;
            let params_der = params
                .to_der()
                .map_err(|e| format!("PBES2 parameters: {e}"))?;
            Ok((
                tlv(
                    TAG_SEQUENCE,
                    &cat(&[&tlv(TAG_OID, oid::PBES2), &params_der]),
                ),
                ct,
            ))
        }
        Scheme::Legacy(alg, iterations) => {
            let ct = legacy_crypt(*alg, &salt, *iterations, password, plain, true)
                .ok_or("PBE encryption failed")?;
            let params = tlv(
                TAG_SEQUENCE,
                &cat(&[&tlv(TAG_OCTET_STRING, &salt), &encode_uint(*iterations)]),
            );
            Ok((
                tlv(TAG_SEQUENCE, &cat(&[&tlv(TAG_OID, alg.oid()), &params])),
                ct,
            ))
        }
    }
}

/// PKCS#12 PBE (RFC 7292 B.2 key and IV derivation with SHA-1, CBC, PKCS#7
/// padding). `None` on a padding error.
fn legacy_crypt(
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
fn parse_iterations(body: &[u8], what: &str) -> Result<u32, String> {
    let bad = || malformed(&format!("{what} iteration count out of range"));
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

fn encode_uint(n: u32) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(3);
    let mut body = Vec::with_capacity(5);
    if bytes[start] & 0x80 != 0 {
        body.push(0);
    }
    body.extend_from_slice(&bytes[start..]);
    tlv(TAG_INTEGER, &body)
}

// ---------------------------------------------------------------------------
// Bounded DER

#[derive(Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    /// Header and body.
    raw: &'a [u8],
    body: &'a [u8],
}

fn malformed(what: &str) -> String {
    format!("malformed PKCS#12 keystore: {what}")
}

/// One TLV off the front of `input`; the length must fit in what is there.
fn take_tlv<'a>(input: &'a [u8], what: &str) -> Result<(Tlv<'a>, &'a [u8]), String> {
    let truncated = || malformed(&format!("{what}: truncated"));
    let tag = *input.first().ok_or_else(truncated)?;
    if tag & 0x1f == 0x1f {
        return Err(malformed(&format!("{what}: unsupported multi-byte tag")));
    }
    let first = *input.get(1).ok_or_else(truncated)?;
    let (len, header) = match first {
        l if l < 0x80 => (usize::from(l), 2),
        0x80 => {
            return Err(malformed(&format!(
                "{what}: indefinite length (BER) is not supported"
            )))
        }
        l => {
            let n = usize::from(l & 0x7f);
            if n > 4 {
                return Err(malformed(&format!("{what}: length too large")));
            }
            let bytes = input.get(2..2 + n).ok_or_else(truncated)?;
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, 2 + n)
        }
    };
    let end = header
        .checked_add(len)
        .filter(|&e| e <= input.len())
        .ok_or_else(truncated)?;
    Ok((
        Tlv {
            tag,
            raw: &input[..end],
            body: &input[header..end],
        },
        &input[end..],
    ))
}

fn expect_tag(t: &Tlv<'_>, tag: u8, what: &str) -> Result<(), String> {
    if t.tag == tag {
        Ok(())
    } else {
        Err(malformed(&format!(
            "{what}: expected tag {tag:#04x}, found {:#04x}",
            t.tag
        )))
    }
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(body: &'a [u8]) -> Reader<'a> {
        Reader { rest: body }
    }

    fn next_opt(&mut self, what: &str) -> Result<Option<Tlv<'a>>, String> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (t, rest) = take_tlv(self.rest, what)?;
        self.rest = rest;
        Ok(Some(t))
    }

    fn expect(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, String> {
        let t = self
            .next_opt(what)?
            .ok_or_else(|| malformed(&format!("{what}: missing")))?;
        expect_tag(&t, tag, what)?;
        Ok(t)
    }

    fn optional(&mut self, tag: u8, what: &str) -> Result<Option<Tlv<'a>>, String> {
        if self.rest.first() == Some(&tag) {
            self.next_opt(what)
        } else {
            Ok(None)
        }
    }

    fn finish(&self, what: &str) -> Result<(), String> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(malformed(&format!("{what}: unexpected trailing data")))
        }
    }
}

/// ContentInfo ::= SEQUENCE { contentType OID, [0] EXPLICIT content OPTIONAL }
fn content_info<'a>(t: &Tlv<'a>, what: &str) -> Result<(&'a [u8], Option<Tlv<'a>>), String> {
    let mut r = Reader::new(t.body);
    let ct = r.expect(TAG_OID, what)?.body;
    let content = match r.optional(TAG_CONTEXT_0, what)? {
        Some(c) => Some(single_inner(&c, what)?),
        None => None,
    };
    r.finish(what)?;
    Ok((ct, content))
}

/// The one TLV inside an explicit tag.
fn single_inner<'a>(t: &Tlv<'a>, what: &str) -> Result<Tlv<'a>, String> {
    let (inner, rest) = take_tlv(t.body, what)?;
    if !rest.is_empty() {
        return Err(malformed(&format!("{what}: unexpected trailing data")));
    }
    Ok(inner)
}

/// Contents of an OCTET STRING, primitive or (BER) constructed from chunks.
fn octets<'a>(t: &Tlv<'a>) -> Result<Cow<'a, [u8]>, String> {
    match t.tag {
        TAG_OCTET_STRING => Ok(Cow::Borrowed(t.body)),
        TAG_OCTET_STRING_CONSTRUCTED => Ok(Cow::Owned(concat_octet_chunks(t.body)?)),
        other => Err(malformed(&format!(
            "expected an OCTET STRING, found tag {other:#04x}"
        ))),
    }
}

fn concat_octet_chunks(body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut r = Reader::new(body);
    while let Some(chunk) = r.next_opt("OCTET STRING chunk")? {
        expect_tag(&chunk, TAG_OCTET_STRING, "OCTET STRING chunk")?;
        out.extend_from_slice(chunk.body);
    }
    Ok(out)
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 6);
    out.push(tag);
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let start = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - start) as u8);
        out.extend_from_slice(&bytes[start..]);
    }
    out.extend_from_slice(body);
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Dotted form of OID content octets, for messages.
fn oid_string(body: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for &b in body {
        if acc > (u64::MAX >> 7) {
            return format!("(invalid OID {})", crate::util::hex::hex(body));
        }
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    /// 16 encrypted safes of 5M PBE iterations each (issue 14: 9.6 s for
    /// a 9 KB file): refused before any key is derived, naming the work.
    #[test]
    fn total_key_derivation_work_is_bounded() {
        let pbe = tlv(
            TAG_SEQUENCE,
            &cat(&[
                &tlv(TAG_OID, oid::PBE_SHA1_3DES),
                &tlv(
                    TAG_SEQUENCE,
                    &cat(&[
                        &tlv(TAG_OCTET_STRING, &[7; 8]),
                        &encode_uint(MAX_ITERATIONS),
                    ]),
                ),
            ]),
        );
        let eci = tlv(
            TAG_SEQUENCE,
            &cat(&[
                &tlv(TAG_OID, oid::DATA),
                &pbe,
                &tlv(TAG_CONTEXT_0_PRIMITIVE, &[0; 16]),
            ]),
        );
        let enc = tlv(TAG_SEQUENCE, &cat(&[&encode_uint(0), &eci]));
        let ci = tlv(
            TAG_SEQUENCE,
            &cat(&[
                &tlv(TAG_OID, oid::ENCRYPTED_DATA),
                &tlv(TAG_CONTEXT_0, &enc),
            ]),
        );
        let auth = tlv(TAG_SEQUENCE, &ci.repeat(16));
        let pfx = tlv(
            TAG_SEQUENCE,
            &cat(&[
                &encode_uint(3),
                &tlv(
                    TAG_SEQUENCE,
                    &cat(&[
                        &tlv(TAG_OID, oid::DATA),
                        &tlv(TAG_CONTEXT_0, &tlv(TAG_OCTET_STRING, &auth)),
                    ]),
                ),
            ]),
        );
        let t = std::time::Instant::now();
        let e = Pkcs12::read(&pfx, Some("changeit")).err().unwrap();
        assert!(e.contains("80000000 key-derivation iterations"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
    }
    use super::*;
    use std::fs;
    use std::path::Path;
    use std::process::{Command, Output, Stdio};

    const PASSWORDLESS: [&str; 2] = [
        "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE",
        "-J-Dkeystore.pkcs12.macAlgorithm=NONE",
    ];

    fn tools_available() -> bool {
        let runs = |c: &str, a: &str| {
            Command::new(c)
                .arg(a)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok()
        };
        runs("keytool", "-help") && runs("openssl", "version")
    }

    macro_rules! require_tools {
        () => {
            if !tools_available() {
                eprintln!("skipped: keytool and openssl are needed for this test");
                return;
            }
        };
    }

    fn keytool(dir: &Path, args: &[&str]) -> Output {
        Command::new("keytool")
            .current_dir(dir)
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .args(["-J-Duser.language=en", "-J-Duser.country=US"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run keytool")
    }

    fn text(o: &Output) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    }

    fn keytool_ok(dir: &Path, args: &[&str]) -> String {
        let o = keytool(dir, args);
        assert!(o.status.success(), "keytool {args:?} failed:\n{}", text(&o));
        text(&o)
    }

    fn openssl_ok(dir: &Path, args: &[&str]) -> String {
        let o = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run openssl");
        assert!(o.status.success(), "openssl {args:?} failed:\n{}", text(&o));
        text(&o)
    }

    /// A self-signed EC CA; writes NAME.pem and returns the DER.
    fn make_ca(dir: &Path, name: &str, cn: &str) -> Vec<u8> {
        let (key, pem, der) = (
            format!("{name}.key"),
            format!("{name}.pem"),
            format!("{name}.der"),
        );
        openssl_ok(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &pem,
                "-days",
                "30",
                "-subj",
                &format!("/CN={cn}"),
            ],
        );
        openssl_ok(dir, &["x509", "-in", &pem, "-outform", "DER", "-out", &der]);
        fs::read(dir.join(der)).unwrap()
    }

    /// keytool store with trusted `a` (ca1), `b` (ca2) and key entry `mykey`.
    fn build_store(dir: &Path, file: &str, pw: &str, flags: &[&str]) -> Vec<u8> {
        for (alias, pem) in [("a", "ca1.pem"), ("b", "ca2.pem")] {
            let mut args = flags.to_vec();
            args.extend([
                "-importcert",
                "-noprompt",
                "-trustcacerts",
                "-alias",
                alias,
                "-file",
                pem,
                "-keystore",
                file,
                "-storetype",
                "PKCS12",
                "-storepass",
                pw,
            ]);
            keytool_ok(dir, &args);
        }
        let mut args = flags.to_vec();
        args.extend([
            "-genkeypair",
            "-alias",
            "mykey",
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            "CN=me",
            "-keystore",
            file,
            "-storetype",
            "PKCS12",
            "-storepass",
            pw,
        ]);
        keytool_ok(dir, &args);
        fs::read(dir.join(file)).unwrap()
    }

    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    struct Listed {
        alias: String,
        kind: String,
        sha256: Vec<u8>,
    }

    fn parse_listing(out: &str) -> Vec<Listed> {
        let mut v = Vec::new();
        let mut lines = out.lines();
        while let Some(line) = lines.next() {
            let t = line.trim_end().trim_end_matches(',');
            let Some((rest, kind)) = ["trustedCertEntry", "PrivateKeyEntry"]
                .iter()
                .find_map(|k| t.strip_suffix(&format!(", {k}")).map(|r| (r, *k)))
            else {
                continue;
            };
            // "alias, Nov 28, 2026"
            let alias = rest.rsplitn(3, ", ").last().unwrap().to_lowercase();
            // Key entries whose chain Java could not load have no fingerprint.
            let sha256 = match lines
                .next()
                .and_then(|l| l.strip_prefix("Certificate fingerprint (SHA-256): "))
            {
                Some(hex) => hex
                    .split(':')
                    .map(|b| u8::from_str_radix(b, 16).unwrap())
                    .collect(),
                None => Vec::new(),
            };
            v.push(Listed {
                alias,
                kind: kind.to_owned(),
                sha256,
            });
        }
        v.sort();
        v
    }

    /// `keytool -list`; `None` answers the password prompt with EOF (a null
    /// password, as a JVM without trustStorePassword).
    fn list(dir: &Path, file: &str, pw: Option<&str>) -> Vec<Listed> {
        let mut args = vec!["-list", "-keystore", file];
        if let Some(pw) = pw {
            args.extend(["-storepass", pw]);
        }
        parse_listing(&keytool_ok(dir, &args))
    }

    fn fp(der: &[u8]) -> Vec<u8> {
        Sha256::digest(der).to_vec()
    }

    fn fp32(der: &[u8]) -> [u8; 32] {
        Sha256::digest(der).into()
    }

    /// What our reader says, in `Listed` form.
    fn ours(p: &Pkcs12) -> Vec<Listed> {
        let mut v: Vec<Listed> = p
            .trusted()
            .into_iter()
            .map(|(alias, der)| Listed {
                alias: alias.to_lowercase(),
                kind: "trustedCertEntry".into(),
                sha256: fp(&der),
            })
            .collect();
        v.extend(p.keys().into_iter().map(|k| Listed {
            alias: k.alias.to_lowercase(),
            kind: "PrivateKeyEntry".into(),
            sha256: fp(&k.chain[0]),
        }));
        v.sort();
        v
    }

    fn trusted_entry(alias: &str, der: &[u8]) -> Listed {
        Listed {
            alias: alias.into(),
            kind: "trustedCertEntry".into(),
            sha256: fp(der),
        }
    }

    fn with(mut v: Vec<Listed>, extra: Listed) -> Vec<Listed> {
        v.push(extra);
        v.sort();
        v
    }

    fn without(v: &[Listed], alias: &str) -> Vec<Listed> {
        v.iter().filter(|l| l.alias != alias).cloned().collect()
    }

    /// The PFX's top-level elements (version, authSafe[, macData]).
    fn pfx_elements(data: &[u8]) -> usize {
        let (pfx, _) = take_tlv(data, "PFX").unwrap();
        let mut r = Reader::new(pfx.body);
        let mut n = 0;
        while r.next_opt("x").unwrap().is_some() {
            n += 1;
        }
        n
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn fixture() -> (tempfile::TempDir, Vec<u8>, Vec<u8>, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let ca1 = make_ca(dir.path(), "ca1", "Test CA 1");
        let ca2 = make_ca(dir.path(), "ca2", "Test CA 2");
        let ca3 = make_ca(dir.path(), "ca3", "Test CA 3");
        (dir, ca1, ca2, ca3)
    }

    #[test]
    fn protected_store_round_trip() {
        require_tools!();
        let pw = "changeit";
        let (dir, ca1, _ca2, ca3) = fixture();
        let d = dir.path();
        let data = build_store(d, "s.p12", pw, &[]);
        assert!(Pkcs12::sniff(&data));
        assert_eq!(pfx_elements(&data), 3);
        let listed = list(d, "s.p12", Some(pw));
        assert_eq!(listed.len(), 3, "{listed:?}");

        let p = Pkcs12::read(&data, Some(pw)).unwrap();
        assert!(p.protected());
        assert_eq!(ours(&p), listed);
        let keys = p.keys();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].alias, "mykey");
        assert_eq!(keys[0].chain.len(), 1);
        let aliases: Vec<String> = p.trusted().into_iter().map(|(a, _)| a).collect();
        assert_eq!(aliases, ["a", "b"]);

        let e = Pkcs12::read(&data, Some("wrong")).unwrap_err();
        assert!(e.contains("password"), "{e}");
        let e = Pkcs12::read(&data, None).unwrap_err();
        assert!(e.contains("needs a password"), "{e}");

        assert_eq!(
            p.write(Some(pw)).unwrap(),
            data,
            "unchanged store rewritten"
        );
        assert!(p.write(None).unwrap_err().contains("password"));

        // Add a trusted certificate: keytool sees it, the key entry survives.
        let mut p2 = p.clone();
        p2.add_trusted("c", &ca3);
        let out = p2.write(Some(pw)).unwrap();
        fs::write(d.join("out.p12"), &out).unwrap();
        let expected = with(listed.clone(), trusted_entry("c", &ca3));
        assert_eq!(list(d, "out.p12", Some(pw)), expected);
        keytool_ok(
            d,
            &[
                "-certreq",
                "-alias",
                "mykey",
                "-keystore",
                "out.p12",
                "-storepass",
                pw,
                "-file",
                "req.csr",
            ],
        );
        let info = openssl_ok(
            d,
            &[
                "pkcs12",
                "-in",
                "out.p12",
                "-info",
                "-noout",
                "-passin",
                &format!("pass:{pw}"),
            ],
        );
        assert!(info.contains("MAC: sha256, Iteration 10000"), "{info}");
        assert!(
            info.contains("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256"),
            "{info}"
        );
        // An independent implementation verifies our MAC and decrypts.
        let archive = p12_keystore::Pkcs12Archive::from_pkcs12(&out, pw).unwrap();
        assert_eq!(archive.certs.iter().filter(|c| c.trusted).count(), 3);
        assert_eq!(archive.keys.len(), 1);
        let back = Pkcs12::read(&out, Some(pw)).unwrap();
        assert_eq!(ours(&back), expected);
        assert!(Pkcs12::read(&out, Some("wrong"))
            .unwrap_err()
            .contains("password"));
        // Without the password a JVM sees no trusted entries here (certificates
        // are encrypted) -- the reason password-less stores must stay so.
        let no_pw = list(d, "out.p12", None);
        assert!(
            no_pw.iter().all(|l| l.kind != "trustedCertEntry"),
            "{no_pw:?}"
        );

        // Remove by fingerprint.
        let mut p3 = back.clone();
        assert_eq!(p3.remove_trusted(&fp32(&ca1)), ["a"]);
        assert!(p3.remove_trusted(&fp32(&ca1)).is_empty());
        let out = p3.write(Some(pw)).unwrap();
        fs::write(d.join("removed.p12"), &out).unwrap();
        assert_eq!(list(d, "removed.p12", Some(pw)), without(&expected, "a"));

        // A new password re-encrypts the key as well.
        let new_pw = "n3w-passw0rd";
        let out = p3.write(Some(new_pw)).unwrap();
        fs::write(d.join("newpw.p12"), &out).unwrap();
        assert_eq!(list(d, "newpw.p12", Some(new_pw)), without(&expected, "a"));
        keytool_ok(
            d,
            &[
                "-certreq",
                "-alias",
                "mykey",
                "-keystore",
                "newpw.p12",
                "-storepass",
                new_pw,
                "-file",
                "req2.csr",
            ],
        );
        assert!(
            !keytool(d, &["-list", "-keystore", "newpw.p12", "-storepass", pw])
                .status
                .success()
        );
        assert!(Pkcs12::read(&out, Some(pw))
            .unwrap_err()
            .contains("password"));
    }

    #[test]
    fn non_ascii_passwords() {
        // JDK 17's PKCS12 cannot use a non-ASCII password at all (SunJCE's
        // PBEKey: "Password is not ASCII"), so OpenSSL is the reference here:
        // UTF-16BE for the MAC and PKCS#12 PBE, UTF-8 for PBES2.
        require_tools!();
        let nx = "pässwörd";
        let (dir, _ca1, _ca2, ca3) = fixture();
        let d = dir.path();
        let data = build_store(d, "s.p12", "changeit", &[]);
        let listed = list(d, "s.p12", Some("changeit"));
        let p = Pkcs12::read(&data, Some("changeit")).unwrap();

        // Re-keyed to a non-ASCII password: OpenSSL verifies and decrypts.
        let out = p.write(Some(nx)).unwrap();
        fs::write(d.join("nx.p12"), &out).unwrap();
        let info = openssl_ok(
            d,
            &[
                "pkcs12",
                "-in",
                "nx.p12",
                "-info",
                "-nodes",
                "-passin",
                &format!("pass:{nx}"),
            ],
        );
        assert_eq!(info.matches("BEGIN CERTIFICATE").count(), 3, "{info}");
        assert!(info.contains("BEGIN PRIVATE KEY"), "{info}");
        let wrong = Command::new("openssl")
            .current_dir(d)
            .args([
                "pkcs12",
                "-in",
                "nx.p12",
                "-info",
                "-noout",
                "-passin",
                "pass:passwörd",
            ])
            .output()
            .unwrap();
        assert!(!wrong.status.success());
        // keytool refuses it ("keystore password was incorrect"); should a
        // later JDK accept it, it must see the same entries.
        let o = keytool(d, &["-list", "-keystore", "nx.p12", "-storepass", nx]);
        if o.status.success() {
            assert_eq!(parse_listing(&text(&o)), listed);
        }
        let back = Pkcs12::read(&out, Some(nx)).unwrap();
        assert_eq!(ours(&back), listed);
        assert!(Pkcs12::read(&out, Some("passwörd"))
            .unwrap_err()
            .contains("password"));
        assert!(p12_keystore::Pkcs12Archive::from_pkcs12(&out, nx).is_ok());
        // ... and back to ASCII: keytool can use the key again.
        let out = back.write(Some("changeit")).unwrap();
        fs::write(d.join("back.p12"), &out).unwrap();
        assert_eq!(list(d, "back.p12", Some("changeit")), listed);
        keytool_ok(
            d,
            &[
                "-certreq",
                "-alias",
                "mykey",
                "-keystore",
                "back.p12",
                "-storepass",
                "changeit",
                "-file",
                "r.csr",
            ],
        );

        // Stores OpenSSL made with that password, modern and legacy algorithms.
        openssl_ok(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "me.key",
                "-out",
                "me.pem",
                "-days",
                "30",
                "-subj",
                "/CN=me",
            ],
        );
        let me_der = crate::load::certs_from_file(&d.join("me.pem")).unwrap()[0]
            .der
            .clone();
        for legacy in [false, true] {
            let mut args = vec![
                "pkcs12",
                "-export",
                "-in",
                "me.pem",
                "-inkey",
                "me.key",
                "-name",
                "mykey",
                "-certfile",
                "ca1.pem",
                "-out",
                "o.p12",
            ];
            let pass = format!("pass:{nx}");
            args.extend(["-passout", &pass]);
            if legacy {
                args.push("-legacy");
            }
            let o = Command::new("openssl")
                .current_dir(d)
                .args(&args)
                .output()
                .unwrap();
            if !o.status.success() {
                assert!(legacy, "openssl pkcs12 -export failed: {}", text(&o));
                eprintln!("openssl has no legacy provider; skipping its legacy store");
                continue;
            }
            let data = fs::read(d.join("o.p12")).unwrap();
            let mut p = Pkcs12::read(&data, Some(nx)).unwrap();
            // OpenSSL's CA certificate lacks the Oracle attribute: not trusted.
            assert!(p.trusted().is_empty());
            assert_eq!(
                p.keys(),
                [KeyEntry {
                    alias: "mykey".into(),
                    chain: vec![me_der.clone()]
                }]
            );
            assert!(Pkcs12::read(&data, Some("changeit"))
                .unwrap_err()
                .contains("password"));
            p.add_trusted("c", &ca3);
            let out = p.write(Some(nx)).unwrap();
            fs::write(d.join("o2.p12"), &out).unwrap();
            let mut args = vec![
                "pkcs12", "-in", "o2.p12", "-info", "-nodes", "-passin", &pass,
            ];
            if legacy {
                args.push("-legacy");
            }
            let info = openssl_ok(d, &args);
            assert_eq!(info.matches("BEGIN CERTIFICATE").count(), 3, "{info}");
            let back = Pkcs12::read(&out, Some(nx)).unwrap();
            assert_eq!(back.trusted(), [("c".to_owned(), ca3.clone())]);
        }
    }

    #[test]
    fn passwordless_store_keeps_its_format() {
        require_tools!();
        let (dir, _ca1, ca2, ca3) = fixture();
        let d = dir.path();
        let data = build_store(d, "np.p12", "changeit", &PASSWORDLESS);
        assert!(Pkcs12::sniff(&data));
        assert_eq!(pfx_elements(&data), 2, "keytool wrote a MAC");
        let listed = list(d, "np.p12", None);
        assert_eq!(listed.len(), 3, "{listed:?}");
        assert_eq!(list(d, "np.p12", Some("anything")), listed);

        let p = Pkcs12::read(&data, None).unwrap();
        assert!(!p.protected());
        assert_eq!(ours(&p), listed);
        let with_pw = Pkcs12::read(&data, Some("whatever")).unwrap();
        assert_eq!(ours(&with_pw), listed);
        assert_eq!(p.write(None).unwrap(), data);
        assert_eq!(p.write(Some("x")).unwrap(), data);

        let key_bags: Vec<Vec<u8>> = p
            .safes
            .iter()
            .flat_map(|s| &s.bags)
            .filter(|b| matches!(b.kind, BagKind::ShroudedKey))
            .map(|b| b.raw.clone())
            .collect();
        assert_eq!(key_bags.len(), 1);

        let mut p2 = p.clone();
        p2.add_trusted("c", &ca3);
        for out in [p2.write(None).unwrap(), p2.write(Some("ignored")).unwrap()] {
            assert_eq!(pfx_elements(&out), 2, "a MAC was added");
            let back = Pkcs12::read(&out, None).unwrap();
            assert!(!back.protected());
            assert!(contains(&out, &key_bags[0]), "key bag not carried over");
            fs::write(d.join("out.p12"), &out).unwrap();
            let expected = with(listed.clone(), trusted_entry("c", &ca3));
            assert_eq!(ours(&back), expected);
            // The JVM's view without a password, and with any password.
            assert_eq!(list(d, "out.p12", None), expected);
            assert_eq!(list(d, "out.p12", Some("anything")), expected);
            let info = openssl_ok(
                d,
                &[
                    "pkcs12", "-in", "out.p12", "-info", "-noout", "-passin", "pass:",
                ],
            );
            assert!(!info.contains("MAC:"), "{info}");
            assert!(!info.contains("Encrypted data"), "{info}");
        }
        // The key is still the key keytool made (its password is the one it used).
        keytool_ok(
            d,
            &[
                "-certreq",
                "-alias",
                "mykey",
                "-keystore",
                "out.p12",
                "-storepass",
                "changeit",
                "-file",
                "r.csr",
            ],
        );

        let mut p3 = Pkcs12::read(&fs::read(d.join("out.p12")).unwrap(), None).unwrap();
        assert_eq!(p3.remove_trusted(&fp32(&ca2)), ["b"]);
        let out = p3.write(None).unwrap();
        assert_eq!(pfx_elements(&out), 2);
        fs::write(d.join("removed.p12"), &out).unwrap();
        let expected = without(&with(listed, trusted_entry("c", &ca3)), "b");
        assert_eq!(list(d, "removed.p12", None), expected);
    }

    #[test]
    fn mac_only_store_keeps_plain_certificates() {
        // A MAC but no certificate encryption: a JVM without a password still
        // sees the anchors, so the rewrite must not encrypt them.
        require_tools!();
        let (dir, _ca1, _ca2, ca3) = fixture();
        let d = dir.path();
        let data = build_store(
            d,
            "m.p12",
            "changeit",
            &["-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE"],
        );
        assert_eq!(pfx_elements(&data), 3);
        assert!(Pkcs12::read(&data, None)
            .unwrap_err()
            .contains("needs a password"));
        assert!(Pkcs12::read(&data, Some("nope"))
            .unwrap_err()
            .contains("password"));
        let mut p = Pkcs12::read(&data, Some("changeit")).unwrap();
        assert!(p.protected());
        assert!(p.safes.iter().all(|s| s.encrypted.is_none()));
        p.add_trusted("c", &ca3);
        let out = p.write(Some("changeit")).unwrap();
        assert_eq!(pfx_elements(&out), 3);
        let back = Pkcs12::read(&out, Some("changeit")).unwrap();
        assert!(back.safes.iter().all(|s| s.encrypted.is_none()));
        fs::write(d.join("out.p12"), &out).unwrap();
        let with_pw = list(d, "out.p12", Some("changeit"));
        assert_eq!(with_pw.len(), 4);
        assert_eq!(ours(&back), with_pw);
        let no_pw = list(d, "out.p12", None);
        assert_eq!(no_pw, with_pw);
    }

    #[test]
    fn legacy_store_keeps_its_algorithms() {
        require_tools!();
        let (dir, _ca1, _ca2, ca3) = fixture();
        let d = dir.path();
        let data = build_store(d, "l.p12", "changeit", &["-J-Dkeystore.pkcs12.legacy"]);
        let listed = list(d, "l.p12", Some("changeit"));
        let mut p = Pkcs12::read(&data, Some("changeit")).unwrap();
        assert_eq!(ours(&p), listed);
        assert_eq!(p.mac.as_ref().unwrap().alg, MacAlg::Sha1);
        let scheme = p.safes.iter().find_map(|s| s.encrypted.clone());
        assert_eq!(scheme, Some(Scheme::Legacy(LegacyPbe::Rc2_40, 50_000)));
        assert!(Pkcs12::read(&data, Some("wrong"))
            .unwrap_err()
            .contains("password"));

        p.add_trusted("c", &ca3);
        let out = p.write(Some("changeit")).unwrap();
        let back = Pkcs12::read(&out, Some("changeit")).unwrap();
        assert_eq!(back.mac.as_ref().unwrap().alg, MacAlg::Sha1);
        assert_eq!(back.mac.as_ref().unwrap().iterations, 100_000);
        assert_eq!(back.safes.iter().find_map(|s| s.encrypted.clone()), scheme);
        fs::write(d.join("out.p12"), &out).unwrap();
        let expected = with(listed, trusted_entry("c", &ca3));
        assert_eq!(list(d, "out.p12", Some("changeit")), expected);

        // Password change re-encrypts the 3DES key with 3DES.
        let out = back.write(Some("other")).unwrap();
        fs::write(d.join("new.p12"), &out).unwrap();
        assert_eq!(list(d, "new.p12", Some("other")), expected);
        keytool_ok(
            d,
            &[
                "-certreq",
                "-alias",
                "mykey",
                "-keystore",
                "new.p12",
                "-storepass",
                "other",
                "-file",
                "r.csr",
            ],
        );
    }

    #[test]
    fn later_alias_hides_earlier_one_as_in_java() {
        require_tools!();
        let (dir, _ca1, ca2, ca3) = fixture();
        let d = dir.path();
        let data = build_store(d, "s.p12", "changeit", &PASSWORDLESS);
        let mut p = Pkcs12::read(&data, None).unwrap();
        p.add_trusted("A", &ca3);
        let trusted: Vec<(String, Vec<u8>)> = p.trusted();
        assert_eq!(
            trusted,
            [("b".into(), ca2.clone()), ("A".into(), ca3.clone())]
        );
        fs::write(d.join("dup.p12"), p.write(None).unwrap()).unwrap();
        assert_eq!(
            list(d, "dup.p12", None)
                .into_iter()
                .filter(|l| l.kind == "trustedCertEntry")
                .collect::<Vec<_>>(),
            [trusted_entry("a", &ca3), trusted_entry("b", &ca2)]
        );
    }

    /// Offsets of the length byte of every TLV the reader itself checks
    /// (certificate and encrypted-key internals excluded).
    fn checked_length_bytes(data: &[u8]) -> Vec<usize> {
        fn walk(buf: &[u8], base: usize, out: &mut Vec<usize>) {
            let mut rest = buf;
            let mut first_oid: Option<Vec<u8>> = None;
            while let Ok((t, next)) = take_tlv(rest, "walk") {
                let off = base + (buf.len() - rest.len());
                out.push(off + 1);
                let body_off = off + (t.raw.len() - t.body.len());
                match t.tag {
                    TAG_OID if first_oid.is_none() => first_oid = Some(t.body.to_vec()),
                    TAG_CONTEXT_0 if first_oid.as_deref() == Some(oid::SHROUDED_KEY_BAG) => {
                        out.push(body_off + 1);
                    }
                    TAG_CONTEXT_0 if first_oid.as_deref() == Some(oid::X509_CERTIFICATE) => {
                        // [0] { OCTET STRING { Certificate } }
                        out.push(body_off + 1);
                        let (os, _) = take_tlv(t.body, "walk").unwrap();
                        out.push(body_off + (os.raw.len() - os.body.len()) + 1);
                    }
                    _ if t.tag & 0x20 != 0 => walk(t.body, body_off, out),
                    TAG_OCTET_STRING => {
                        if let Ok((inner, r)) = take_tlv(t.body, "walk") {
                            if inner.tag == TAG_SEQUENCE && r.is_empty() {
                                walk(t.body, body_off, out);
                            }
                        }
                    }
                    _ => {}
                }
                rest = next;
            }
        }
        let mut out = Vec::new();
        walk(data, 0, &mut out);
        out
    }

    /// The bytes of the MAC's AlgorithmIdentifier after its OID (the NULL
    /// parameters, which Java and we ignore).
    fn mac_params_range(data: &[u8]) -> std::ops::Range<usize> {
        let (pfx, _) = take_tlv(data, "PFX").unwrap();
        let mut r = Reader::new(pfx.body);
        r.next_opt("v").unwrap();
        r.next_opt("authSafe").unwrap();
        let mac = r.next_opt("mac").unwrap().unwrap();
        let di = Reader::new(mac.body).next_opt("di").unwrap().unwrap();
        let alg = Reader::new(di.body).next_opt("alg").unwrap().unwrap();
        let oid = Reader::new(alg.body).next_opt("oid").unwrap().unwrap();
        let start = oid.body.as_ptr() as usize + oid.body.len() - data.as_ptr() as usize;
        let end = alg.raw.as_ptr() as usize + alg.raw.len() - data.as_ptr() as usize;
        start..end
    }

    #[test]
    fn corrupted_stores_are_errors_not_panics() {
        require_tools!();
        let (dir, _ca1, _ca2, ca3) = fixture();
        let d = dir.path();
        let plain = build_store(d, "np.p12", "changeit", &PASSWORDLESS);
        let protected = build_store(d, "s.p12", "changeit", &[]);

        // Password-less: exhaustive.
        for cut in 0..plain.len() {
            assert!(
                Pkcs12::read(&plain[..cut], None).is_err(),
                "truncated at {cut}"
            );
        }
        for i in 0..plain.len() {
            let mut m = plain.clone();
            m[i] ^= 0xff;
            if let Ok(p) = Pkcs12::read(&m, None) {
                // Whatever parsed must also serialize and read back.
                let mut p = p;
                p.add_trusted("zz", &ca3);
                let _ = p.trusted();
                let _ = p.keys();
                let _ = p.write(None);
            }
        }
        let positions = checked_length_bytes(&plain);
        assert!(positions.len() > 40, "{}", positions.len());
        for &i in &positions {
            let mut m = plain.clone();
            m[i] = 0xff;
            assert!(Pkcs12::read(&m, None).is_err(), "length byte at {i}");
        }

        // Protected: the MAC catches everything but the digest algorithm's
        // NULL parameters. Sampled, since every read runs the MAC KDF.
        let ignored = mac_params_range(&protected);
        for cut in (0..protected.len()).step_by(17) {
            assert!(Pkcs12::read(&protected[..cut], Some("changeit")).is_err());
        }
        for i in (0..protected.len()).step_by(11).chain(ignored.clone()) {
            let mut m = protected.clone();
            m[i] ^= 0xff;
            let r = Pkcs12::read(&m, Some("changeit"));
            assert_eq!(r.is_ok(), ignored.contains(&i), "flip at {i}: {r:?}");
        }
        for &i in checked_length_bytes(&protected).iter().step_by(3) {
            let mut m = protected.clone();
            m[i] = 0xff;
            assert!(
                Pkcs12::read(&m, Some("changeit")).is_err(),
                "length byte at {i}"
            );
        }
    }

    #[test]
    fn hostile_lengths_are_rejected_before_allocating() {
        // A 4-byte length claiming 4 GiB, and an indefinite length.
        let huge = [0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x03];
        assert!(Pkcs12::sniff(&huge));
        assert!(Pkcs12::read(&huge, None).unwrap_err().contains("truncated"));
        let ber = [0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00];
        assert!(Pkcs12::read(&ber, None).unwrap_err().contains("indefinite"));
        assert!(Pkcs12::read(&[], None).is_err());
        assert!(Pkcs12::read(&[0x30, 0x85, 1, 1, 1, 1, 1], None).is_err());
    }

    #[test]
    fn sniff_recognises_pfx_only() {
        assert!(Pkcs12::sniff(&[0x30, 0x82, 0x08, 0x41, 0x02, 0x01, 0x03]));
        assert!(Pkcs12::sniff(&[0x30, 0x10, 0x02, 0x01, 0x03]));
        assert!(Pkcs12::sniff(&[0x30, 0x80, 0x02, 0x01, 0x03]));
        assert!(!Pkcs12::sniff(&[0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
        assert!(!Pkcs12::sniff(b"-----BEGIN CERTIFICATE-----"));
        assert!(!Pkcs12::sniff(&[0x30, 0x82, 0x08, 0x41, 0x02, 0x01, 0x02]));
        assert!(!Pkcs12::sniff(&[0x30, 0x82, 0x08]));
        assert!(!Pkcs12::sniff(&[]));
    }

    #[test]
    fn oid_constants_match_their_dotted_forms() {
        let check = |bytes: &[u8], dotted: &str| {
            let o = pkcs5::ObjectIdentifier::new_unwrap(dotted);
            assert_eq!(bytes, o.as_bytes(), "{dotted}");
            assert_eq!(oid_string(bytes), dotted);
        };
        check(oid::DATA, "1.2.840.113549.1.7.1");
        check(oid::ENCRYPTED_DATA, "1.2.840.113549.1.7.6");
        check(oid::SHROUDED_KEY_BAG, "1.2.840.113549.1.12.10.1.2");
        check(oid::CERT_BAG, "1.2.840.113549.1.12.10.1.3");
        check(oid::SECRET_BAG, "1.2.840.113549.1.12.10.1.5");
        check(oid::X509_CERTIFICATE, "1.2.840.113549.1.9.22.1");
        check(oid::FRIENDLY_NAME, "1.2.840.113549.1.9.20");
        check(oid::LOCAL_KEY_ID, "1.2.840.113549.1.9.21");
        check(
            oid::ORACLE_TRUSTED_KEY_USAGE,
            "2.16.840.1.113894.746875.1.1",
        );
        check(oid::ANY_EXTENDED_KEY_USAGE, "2.5.29.37.0");
        check(oid::PBES2, "1.2.840.113549.1.5.13");
        check(oid::PBE_SHA1_3DES, "1.2.840.113549.1.12.1.3");
        check(oid::PBE_SHA1_2DES, "1.2.840.113549.1.12.1.4");
        check(oid::PBE_SHA1_RC2_128, "1.2.840.113549.1.12.1.5");
        check(oid::PBE_SHA1_RC2_40, "1.2.840.113549.1.12.1.6");
        check(oid::SHA1, "1.3.14.3.2.26");
        check(oid::SHA224, "2.16.840.1.101.3.4.2.4");
        check(oid::SHA256, "2.16.840.1.101.3.4.2.1");
        check(oid::SHA384, "2.16.840.1.101.3.4.2.2");
        check(oid::SHA512, "2.16.840.1.101.3.4.2.3");
        check(oid::SHA512_224, "2.16.840.1.101.3.4.2.5");
        check(oid::SHA512_256, "2.16.840.1.101.3.4.2.6");
    }

    #[test]
    fn integers_and_lengths_encode_minimally() {
        assert_eq!(encode_uint(1), [2, 1, 1]);
        assert_eq!(encode_uint(128), [2, 2, 0, 128]);
        assert_eq!(encode_uint(10_000), [2, 2, 0x27, 0x10]);
        assert_eq!(parse_iterations(&[0x27, 0x10], "t").unwrap(), 10_000);
        assert!(parse_iterations(&[0xff, 0x10], "t").is_err());
        assert!(parse_iterations(&[0], "t").is_err());
        assert!(parse_iterations(&[0x7f, 0xff, 0xff, 0xff], "t").is_err());
        assert_eq!(tlv(4, &[0; 200])[..3], [4, 0x81, 200]);
        assert_eq!(tlv(4, &[0; 300])[..4], [4, 0x82, 1, 44]);
    }
}
