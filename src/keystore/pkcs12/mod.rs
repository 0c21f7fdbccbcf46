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

mod asn1;
mod mac;
mod model;
mod pbe;

use std::collections::HashMap;
use std::fmt;

use sha2::{Digest, Sha256};

use self::asn1::{
    data_content_info, encrypted_content_info, octets, parse_authenticated_safe, parse_pfx,
    parse_safe_contents, pfx, reencrypt_bag, trusted_cert_bag,
};
use self::mac::MacParams;
use self::model::{Bag, BagKind, Safe};
use self::pbe::{decrypt_encrypted_data, encrypted_iterations};
use super::{alias_key, same_alias, KeystoreError};
use crate::util::der;

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
    /// The alias as stored.
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
        if data.first() != Some(&der::SEQUENCE) {
            return false;
        }
        let header = match data.get(1) {
            Some(&l) if l <= 0x80 => 2,
            Some(&l) if (0x81..=0x84).contains(&l) => 2 + usize::from(l & 0x7f),
            _ => return false,
        };
        data.get(header..header + 3) == Some(&[der::INTEGER, 0x01, 0x03][..])
    }

    /// Parses a keystore.
    ///
    /// `password` may be `None` only for a password-less store (no MAC, no
    /// encrypted safe); a protected store then gives an error saying it needs
    /// a password. A wrong password gives an error mentioning "password".
    pub fn read(data: &[u8], password: Option<&str>) -> Result<Pkcs12, KeystoreError> {
        let (auth_octets, mac) = parse_pfx(data)?;
        let infos = parse_authenticated_safe(&auth_octets)?;

        let protected = mac.is_some() || infos.iter().any(|i| i.encrypted);
        let password = if protected {
            Some(password.ok_or(KeystoreError::ReadPasswordNeeded)?)
        } else {
            None
        };

        // Bound the work before doing any: the counts are read, not derived.
        if password.is_some() {
            let mut work = mac.as_ref().map_or(0, |m| u64::from(m.params.iterations));
            for info in infos.iter().filter(|i| i.encrypted) {
                work += u64::from(encrypted_iterations(&info.content).unwrap_or(0));
            }
            if work > MAX_TOTAL_ITERATIONS {
                return Err(KeystoreError::TooMuchWork(work));
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
        for asn1::SafeInfo {
            raw,
            encrypted,
            content,
        } in infos
        {
            let (scheme, bags) = if encrypted {
                let pw =
                    password.ok_or(KeystoreError::Internal("encrypted safe without a password"))?;
                let (scheme, plain) = decrypt_encrypted_data(&content, pw)?;
                let bags = parse_safe_contents(&plain)
                    .map_err(|e| KeystoreError::DecryptedSafe(Box::new(e)))?;
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
    /// `links` tells how a DER certificate chains (the codec parses no
    /// certificate); where it says `None` the chain stops there.
    pub fn keys(&self, links: impl Fn(&[u8]) -> Option<CertLinks>) -> Vec<KeyEntry> {
        let view = self.java_view();
        let all: Vec<(&[u8], CertLinks)> = view
            .all_certs
            .iter()
            .filter_map(|&loc| {
                let der = self.cert_der(loc)?;
                Some((der, links(der)?))
            })
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
                    chain: self.chain_for(&view, &all, &links, key_id, &e.alias),
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
    pub fn write(&self, password: Option<&str>) -> Result<Vec<u8>, KeystoreError> {
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

        let new_pw = password.ok_or(KeystoreError::WritePasswordNeeded)?;
        let old_pw = self.password.as_deref().ok_or(KeystoreError::Internal(
            "protected keystore without its password",
        ))?;
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
        all: &[(&[u8], CertLinks)],
        links: impl Fn(&[u8]) -> Option<CertLinks>,
        key_id: &[u8],
        alias: &str,
    ) -> Vec<Vec<u8>> {
        let same_alias = |a: &Option<String>| a.as_ref().is_some_and(|a| same_alias(a, alias));
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
        let Some(leaf_links) = links(leaf_der) else {
            // Unparseable here: report the certificate alone.
            return vec![leaf_der.to_vec()];
        };
        let mut cur = (leaf_der, &leaf_links);
        let mut chain: Vec<Vec<u8>> = Vec::new();
        while !chain.iter().any(|c| c == cur.0) {
            chain.push(cur.0.to_vec());
            if cur.1.self_signed {
                break;
            }
            match find_issuer(cur.1, all) {
                Some((der, l)) => cur = (der, l),
                None => break,
            }
        }
        chain
    }
}

/// What chain building needs to know of a certificate. The codec parses
/// no certificate: the caller says (`store::java` from a parsed `Cert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertLinks {
    /// The subject Name, as DER.
    pub subject: Vec<u8>,
    /// The issuer Name, as DER.
    pub issuer: Vec<u8>,
    /// The subject key identifier.
    pub ski: Option<Vec<u8>>,
    /// The authority key identifier's keyIdentifier.
    pub aki: Option<Vec<u8>>,
    /// Self-issued with a signature that verifies under its own key: a
    /// chain ends here.
    pub self_signed: bool,
}

/// Java's `findIssuer`: first certificate named as the issuer whose SKI
/// equals the AKI; one without a SKI is a fallback.
fn find_issuer<'a, 'd>(
    cert: &CertLinks,
    all: &'a [(&'d [u8], CertLinks)],
) -> Option<(&'d [u8], &'a CertLinks)> {
    let mut fallback = None;
    for (der, c) in all {
        if c.subject != cert.issuer {
            continue;
        }
        match (&cert.aki, &c.ski) {
            (None, _) => return Some((der, c)),
            (Some(aki), Some(ski)) if aki == ski => return Some((der, c)),
            (Some(_), Some(_)) => continue,
            (Some(_), None) => fallback = Some((*der, c)),
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
        self.owner.insert(alias_key(&alias), self.entries.len());
        self.entries.push(ViewEntry { alias, loc, kind });
    }

    fn is_live(&self, i: usize) -> bool {
        self.owner.get(&alias_key(&self.entries[i].alias)) == Some(&i)
    }
}

#[cfg(test)]
mod tests {
    /// 16 encrypted safes of 5M PBE iterations each (issue 14: 9.6 s for
    /// a 9 KB file): refused before any key is derived, naming the work.
    #[test]
    fn total_key_derivation_work_is_bounded() {
        let pbe = der::tlv_of(
            der::SEQUENCE,
            &[
                &der::tlv(der::OID, oid::PBE_SHA1_3DES),
                &der::tlv_of(
                    der::SEQUENCE,
                    &[
                        &der::tlv(der::OCTET_STRING, &[7; 8]),
                        &der::uint(u64::from(MAX_ITERATIONS)),
                    ],
                ),
            ],
        );
        let eci = der::tlv_of(
            der::SEQUENCE,
            &[
                &der::tlv(der::OID, der::oid::PKCS7_DATA),
                &pbe,
                &der::tlv(IMPLICIT_0, &[0; 16]),
            ],
        );
        let enc = der::tlv_of(der::SEQUENCE, &[&der::uint(0), &eci]);
        let ci = der::tlv_of(
            der::SEQUENCE,
            &[
                &der::tlv(der::OID, der::oid::PKCS7_ENCRYPTED_DATA),
                &der::tlv(EXPLICIT_0, &enc),
            ],
        );
        let auth = der::tlv(der::SEQUENCE, &ci.repeat(16));
        let pfx = der::tlv_of(
            der::SEQUENCE,
            &[
                &der::uint(3),
                &der::tlv_of(
                    der::SEQUENCE,
                    &[
                        &der::tlv(der::OID, der::oid::PKCS7_DATA),
                        &der::tlv(EXPLICIT_0, &der::tlv(der::OCTET_STRING, &auth)),
                    ],
                ),
            ],
        );
        let t = std::time::Instant::now();
        let e = Pkcs12::read(&pfx, Some("changeit"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("80000000 key-derivation iterations"), "{e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
    }
    use super::asn1::{oid, reader, EXPLICIT_0, IMPLICIT_0};
    use super::mac::MacAlg;
    use super::model::{LegacyPbe, Scheme};
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

    /// How certificates chain, from the crate's certificate parser.
    fn links(der: &[u8]) -> Option<CertLinks> {
        let c = crate::cert::Cert::from_der(der).ok()?;
        Some(CertLinks {
            self_signed: c.is_self_signed(),
            subject: c.subject_raw,
            issuer: c.issuer_raw,
            ski: c.ski,
            aki: c.aki,
        })
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
        v.extend(p.keys(links).into_iter().map(|k| Listed {
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
        let (pfx, _) = asn1::parse(data, "PFX").unwrap();
        let mut r = reader(pfx.content);
        let mut n = 0;
        while r.read("x").unwrap().is_some() {
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
        let keys = p.keys(links);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].alias, "mykey");
        assert_eq!(keys[0].chain.len(), 1);
        let aliases: Vec<String> = p.trusted().into_iter().map(|(a, _)| a).collect();
        assert_eq!(aliases, ["a", "b"]);

        let e = Pkcs12::read(&data, Some("wrong")).unwrap_err().to_string();
        assert!(e.contains("password"), "{e}");
        let e = Pkcs12::read(&data, None).unwrap_err().to_string();
        assert!(e.contains("needs a password"), "{e}");

        assert_eq!(
            p.write(Some(pw)).unwrap(),
            data,
            "unchanged store rewritten"
        );
        assert!(p.write(None).unwrap_err().to_string().contains("password"));

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
            .to_string()
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
            .to_string()
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
            .to_string()
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
                p.keys(links),
                [KeyEntry {
                    alias: "mykey".into(),
                    chain: vec![me_der.clone()]
                }]
            );
            assert!(Pkcs12::read(&data, Some("changeit"))
                .unwrap_err()
                .to_string()
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
            .to_string()
            .contains("needs a password"));
        assert!(Pkcs12::read(&data, Some("nope"))
            .unwrap_err()
            .to_string()
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
            .to_string()
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
            while let Ok((t, next)) = asn1::parse(rest, "walk") {
                let off = base + (buf.len() - rest.len());
                out.push(off + 1);
                let body_off = off + (t.raw.len() - t.content.len());
                match t.tag {
                    der::OID if first_oid.is_none() => first_oid = Some(t.content.to_vec()),
                    EXPLICIT_0 if first_oid.as_deref() == Some(oid::SHROUDED_KEY_BAG) => {
                        out.push(body_off + 1);
                    }
                    EXPLICIT_0 if first_oid.as_deref() == Some(oid::X509_CERTIFICATE) => {
                        // [0] { OCTET STRING { Certificate } }
                        out.push(body_off + 1);
                        let (os, _) = asn1::parse(t.content, "walk").unwrap();
                        out.push(body_off + (os.raw.len() - os.content.len()) + 1);
                    }
                    _ if t.tag & 0x20 != 0 => walk(t.content, body_off, out),
                    der::OCTET_STRING => {
                        if let Ok((inner, r)) = asn1::parse(t.content, "walk") {
                            if inner.tag == der::SEQUENCE && r.is_empty() {
                                walk(t.content, body_off, out);
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
        let (pfx, _) = asn1::parse(data, "PFX").unwrap();
        let mut r = reader(pfx.content);
        r.read("v").unwrap();
        r.read("authSafe").unwrap();
        let mac = r.read("mac").unwrap().unwrap();
        let di = reader(mac.content).read("di").unwrap().unwrap();
        let alg = reader(di.content).read("alg").unwrap().unwrap();
        let oid = reader(alg.content).read("oid").unwrap().unwrap();
        let start = oid.content.as_ptr() as usize + oid.content.len() - data.as_ptr() as usize;
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
                let _ = p.keys(links);
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
        assert!(Pkcs12::read(&huge, None)
            .unwrap_err()
            .to_string()
            .contains("truncated"));
        let ber = [0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00];
        assert!(Pkcs12::read(&ber, None)
            .unwrap_err()
            .to_string()
            .contains("indefinite"));
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
}
