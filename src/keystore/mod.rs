//! Java keystores as bytes: the JKS/JCEKS and PKCS12 codecs, one
//! [`Keystore`] over both, and which JVM loads which store ([`jvm`]).
//!
//! This tree depends on `crate::util` only: it reads and writes DER
//! certificates and aliases, never a parsed certificate. `store::java`
//! turns entries into `Cert`s and keystores into trust stores.
//!
//! Java semantics: every trusted-certificate entry is an anchor (roots,
//! intermediates and leaves alike); private-key entries play no part in
//! trust; aliases compare as Java compares them ([`same_alias`]).

mod error;
pub mod jks;
pub mod jvm;
pub mod pkcs12;

use std::path::Path;

pub use error::{KeystoreError, PbeError};

/// Largest keystore we read; the JDK's cacerts is about 150 KiB.
pub const MAX_KEYSTORE_BYTES: u64 = 64 * 1024 * 1024;
/// The password keytool and the JDK's cacerts use unless told otherwise.
pub const DEFAULT_PASSWORD: &str = "changeit";

/// A keystore's file format, as detected and as written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Sun's JKS.
    Jks,
    /// Sun's JCEKS (JKS with stronger key protection).
    Jceks,
    /// Password-protected PKCS#12: a MAC and/or encrypted safes.
    Pkcs12,
    /// JDK 18+ cacerts: no MAC, unencrypted certificate bags.
    Pkcs12Passwordless,
}

impl Format {
    /// The format's name in messages and `--json` output.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jks => "JKS",
            Format::Jceks => "JCEKS",
            Format::Pkcs12 => "PKCS12",
            Format::Pkcs12Passwordless => "PKCS12 (password-less)",
        }
    }
}

/// What an entry is to a JVM (secret-key entries are not listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A trusted certificate: an anchor.
    Trusted,
    /// A private key with its certificate chain; no part in trust.
    PrivateKey,
}

/// One entry a JVM sees, certificate as DER.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The alias as stored (case kept).
    pub alias: String,
    /// Trusted certificate or private key.
    pub kind: EntryKind,
    /// The trusted certificate, or a key entry's own certificate (none when
    /// its chain could not be found).
    pub der: Option<Vec<u8>>,
}

enum Inner {
    Jks(jks::Jks),
    P12(pkcs12::Pkcs12),
}

/// A parsed keystore, either codec behind one interface.
pub struct Keystore {
    inner: Inner,
}

impl Keystore {
    /// Parses JKS, JCEKS or PKCS12 (detected from the bytes).
    pub fn parse(data: &[u8], password: Option<&str>) -> Result<Keystore, KeystoreError> {
        if jks::sniff(data).is_some() {
            return Ok(Keystore {
                inner: Inner::Jks(jks::Jks::read(data, password)?),
            });
        }
        if pkcs12::Pkcs12::sniff(data) {
            return Ok(Keystore {
                inner: Inner::P12(pkcs12::Pkcs12::read(data, password)?),
            });
        }
        Err(KeystoreError::NotKeystore)
    }

    /// The format the store was read in (and is written back in).
    pub fn format(&self) -> Format {
        match &self.inner {
            Inner::Jks(j) if j.jceks => Format::Jceks,
            Inner::Jks(_) => Format::Jks,
            Inner::P12(p) if p.protected() => Format::Pkcs12,
            Inner::P12(_) => Format::Pkcs12Passwordless,
        }
    }

    /// Whether the store's integrity was checked with a password.
    pub fn verified(&self) -> bool {
        match &self.inner {
            Inner::Jks(j) => j.verified,
            Inner::P12(_) => true,
        }
    }

    /// The entries a JVM sees: trusted ones first for PKCS12, file order
    /// for JKS.
    pub fn entries(&self) -> Vec<Entry> {
        match &self.inner {
            Inner::Jks(j) => jks_visible(j)
                .map(|e| match &e.body {
                    jks::Body::Trusted { der, .. } => Entry {
                        alias: e.alias.clone(),
                        kind: EntryKind::Trusted,
                        der: Some(der.clone()),
                    },
                    jks::Body::PrivateKey { chain, .. } => Entry {
                        alias: e.alias.clone(),
                        kind: EntryKind::PrivateKey,
                        der: chain.first().map(|(_, d)| d.clone()),
                    },
                })
                .collect(),
            Inner::P12(p) => {
                let mut v: Vec<Entry> = p
                    .trusted()
                    .into_iter()
                    .map(|(alias, der)| Entry {
                        alias,
                        kind: EntryKind::Trusted,
                        der: Some(der),
                    })
                    .collect();
                // An entry shows its own certificate: the chain's issuers
                // are not needed, so no certificate is parsed.
                v.extend(p.keys(|_| None).into_iter().map(|k| Entry {
                    alias: k.alias,
                    kind: EntryKind::PrivateKey,
                    der: k.chain.into_iter().next(),
                }));
                v
            }
        }
    }

    /// Whether a JVM would see `alias` as taken (Java compares aliases
    /// lower-cased, in Unicode: `ÄBC` is `äbc`).
    pub fn has_alias(&self, alias: &str) -> bool {
        match &self.inner {
            Inner::Jks(j) => j.entries.iter().any(|e| same_alias(&e.alias, alias)),
            Inner::P12(p) => p.aliases().iter().any(|a| same_alias(a, alias)),
        }
    }

    /// Alias and SHA-256 of every trusted entry, without parsing the
    /// certificates (what an edit needs to match and verify by SHA-256).
    pub fn trusted_sha256(&self) -> Vec<(String, [u8; 32])> {
        match &self.inner {
            Inner::Jks(j) => jks_visible(j)
                .filter_map(|e| match &e.body {
                    jks::Body::Trusted { der, .. } => Some((e.alias.clone(), sha2_256(der))),
                    jks::Body::PrivateKey { .. } => None,
                })
                .collect(),
            Inner::P12(p) => p
                .trusted()
                .into_iter()
                .map(|(alias, der)| (alias, sha2_256(&der)))
                .collect(),
        }
    }

    /// Adds a trusted entry for the DER certificate `der`; the caller
    /// checked that the alias is free.
    pub fn add_trusted(&mut self, alias: &str, der: &[u8]) {
        match &mut self.inner {
            Inner::Jks(j) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0);
                j.add_trusted(alias, der, now)
            }
            Inner::P12(p) => p.add_trusted(alias, der),
        }
    }

    /// Removes the trusted entry with this alias (case-insensitive, as Java
    /// compares aliases); PKCS12 entries go by their certificate.
    pub fn remove_alias(&mut self, alias: &str) -> bool {
        match &mut self.inner {
            Inner::Jks(j) => {
                let before = j.entries.len();
                j.entries.retain(|e| {
                    !(same_alias(&e.alias, alias) && matches!(e.body, jks::Body::Trusted { .. }))
                });
                j.entries.len() != before
            }
            Inner::P12(p) => {
                let hit = p.trusted().into_iter().find(|(a, _)| same_alias(a, alias));
                match hit {
                    Some((_, der)) => !p.remove_trusted(&sha2_256(&der)).is_empty(),
                    None => false,
                }
            }
        }
    }

    /// Removes trusted entries holding this certificate; returns their aliases.
    pub fn remove_trusted(&mut self, sha256: &[u8; 32]) -> Vec<String> {
        match &mut self.inner {
            Inner::Jks(j) => {
                let mut gone = Vec::new();
                j.entries.retain(|e| match &e.body {
                    jks::Body::Trusted { der, .. } if sha2_256(der) == *sha256 => {
                        gone.push(e.alias.clone());
                        false
                    }
                    _ => true,
                });
                gone
            }
            Inner::P12(p) => p.remove_trusted(sha256),
        }
    }

    /// Serializes in the format it was read in.
    pub fn serialize(&self, password: Option<&str>) -> Result<Vec<u8>, KeystoreError> {
        match &self.inner {
            Inner::Jks(j) => Ok(j.write(password.ok_or(KeystoreError::JksNeedsPassword)?)),
            Inner::P12(p) => p.write(password),
        }
    }
}

fn sha2_256(d: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(d).into()
}

/// The JKS entries a JVM sees: it loads them into a map keyed by
/// `alias_key`, so of two entries whose aliases differ only in case the
/// later one wins.
fn jks_visible(j: &jks::Jks) -> impl Iterator<Item = &jks::Entry> {
    let mut last = std::collections::HashMap::new();
    for (i, e) in j.entries.iter().enumerate() {
        last.insert(alias_key(&e.alias), i);
    }
    j.entries
        .iter()
        .enumerate()
        .filter(move |(i, e)| last.get(&alias_key(&e.alias)) == Some(i))
        .map(|(_, e)| e)
}

/// The key under which a JVM files an alias: `alias.toLowerCase(Locale.ENGLISH)`
/// in `JavaKeyStore` and `PKCS12KeyStore`, i.e. Unicode lower-casing.
pub fn alias_key(alias: &str) -> String {
    alias.to_lowercase()
}

/// Whether two aliases name the same entry for Java.
pub fn same_alias(a: &str, b: &str) -> bool {
    a == b || alias_key(a) == alias_key(b)
}

/// Reads a keystore file, bounded in size; errors name the file.
pub fn read_file(path: &Path) -> Result<Vec<u8>, KeystoreError> {
    let io = |source| KeystoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_KEYSTORE_BYTES {
        return Err(KeystoreError::FileTooLarge {
            path: path.to_path_buf(),
            len: meta.len(),
        });
    }
    std::fs::read(path).map_err(io)
}
