//! Java keystores as trust stores: JKS/JCEKS and PKCS12 codecs, which JVM
//! loads which store, and safe edits (match by SHA-256, never by alias).
//!
//! Java semantics: every trusted-certificate entry is an anchor (roots,
//! intermediates and leaves alike); private-key entries play no part in
//! trust; there is no AIA fetching.

pub mod jks;
pub mod jvm;
pub mod pkcs12;

use std::path::{Path, PathBuf};

use crate::cert::Cert;

/// Largest keystore we read; the JDK's cacerts is about 150 KiB.
pub const MAX_KEYSTORE_BYTES: u64 = 64 * 1024 * 1024;
pub const DEFAULT_PASSWORD: &str = "changeit";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jks,
    Jceks,
    Pkcs12,
    /// JDK 18+ cacerts: no MAC, unencrypted certificate bags.
    Pkcs12Passwordless,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Jks => "JKS",
            Format::Jceks => "JCEKS",
            Format::Pkcs12 => "PKCS12",
            Format::Pkcs12Passwordless => "PKCS12 (password-less)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Trusted,
    PrivateKey,
}

#[derive(Debug, Clone)]
pub struct EntryInfo {
    pub alias: String,
    pub kind: EntryKind,
    /// The trusted certificate, or a key entry's own certificate.
    pub cert: Option<Cert>,
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
    pub fn parse(data: &[u8], password: Option<&str>) -> Result<Keystore, String> {
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
        Err("not a Java keystore (neither JKS, JCEKS nor PKCS12)".into())
    }

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

    pub fn entries(&self) -> Vec<EntryInfo> {
        match &self.inner {
            Inner::Jks(j) => j
                .entries
                .iter()
                .map(|e| match &e.body {
                    jks::Body::Trusted { der, .. } => EntryInfo {
                        alias: e.alias.clone(),
                        kind: EntryKind::Trusted,
                        cert: Cert::from_der(der).ok(),
                    },
                    jks::Body::PrivateKey { chain, .. } => EntryInfo {
                        alias: e.alias.clone(),
                        kind: EntryKind::PrivateKey,
                        cert: chain.first().and_then(|(_, d)| Cert::from_der(d).ok()),
                    },
                })
                .collect(),
            Inner::P12(p) => {
                let mut v: Vec<EntryInfo> = p
                    .trusted()
                    .into_iter()
                    .map(|(alias, der)| EntryInfo {
                        alias,
                        kind: EntryKind::Trusted,
                        cert: Cert::from_der(&der).ok(),
                    })
                    .collect();
                v.extend(p.keys().into_iter().map(|k| EntryInfo {
                    alias: k.alias,
                    kind: EntryKind::PrivateKey,
                    cert: k.chain.first().and_then(|d| Cert::from_der(d).ok()),
                }));
                v
            }
        }
    }

    /// Trusted entries that parse as certificates: Java's anchors.
    pub fn anchors(&self) -> Vec<(String, Cert)> {
        self.entries()
            .into_iter()
            .filter(|e| e.kind == EntryKind::Trusted)
            .filter_map(|e| e.cert.map(|c| (e.alias, c)))
            .collect()
    }

    pub fn has_alias(&self, alias: &str) -> bool {
        match &self.inner {
            Inner::Jks(j) => j
                .entries
                .iter()
                .any(|e| e.alias.eq_ignore_ascii_case(alias)),
            Inner::P12(p) => p.aliases().iter().any(|a| a.eq_ignore_ascii_case(alias)),
        }
    }

    /// Alias and SHA-256 of every trusted entry, without parsing the
    /// certificates (what an edit needs to match and verify by SHA-256).
    pub fn trusted_sha256(&self) -> Vec<(String, [u8; 32])> {
        match &self.inner {
            Inner::Jks(j) => j
                .entries
                .iter()
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

    pub fn add_trusted(&mut self, alias: &str, cert: &Cert) {
        match &mut self.inner {
            Inner::Jks(j) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0);
                j.add_trusted(alias, &cert.der, now)
            }
            Inner::P12(p) => p.add_trusted(alias, &cert.der),
        }
    }

    /// Removes the trusted entry with this alias (case-insensitive, as Java
    /// compares aliases); PKCS12 entries go by their certificate.
    pub fn remove_alias(&mut self, alias: &str) -> bool {
        match &mut self.inner {
            Inner::Jks(j) => {
                let before = j.entries.len();
                j.entries.retain(|e| {
                    !(e.alias.eq_ignore_ascii_case(alias)
                        && matches!(e.body, jks::Body::Trusted { .. }))
                });
                j.entries.len() != before
            }
            Inner::P12(p) => {
                let hit = p
                    .trusted()
                    .into_iter()
                    .find(|(a, _)| a.eq_ignore_ascii_case(alias));
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
    pub fn serialize(&self, password: Option<&str>) -> Result<Vec<u8>, String> {
        match &self.inner {
            Inner::Jks(j) => Ok(
                j.write(password.ok_or("writing a JKS store needs its password (--storepass)")?)
            ),
            Inner::P12(p) => p.write(password),
        }
    }
}

fn sha2_256(d: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(d).into()
}

/// Reads a keystore file, bounded in size; errors name the file.
pub fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    if meta.len() > MAX_KEYSTORE_BYTES {
        return Err(format!(
            "{shown}: {} bytes is too large for a keystore",
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("{shown}: {e}"))
}

/// Where a `--store java[:PATH]` points: the file, and the password the JVM
/// options give when no `--storepass` was passed.
pub fn resolve(
    path: Option<&Path>,
    opts: &jvm::JavaOpts,
) -> Result<(PathBuf, Option<String>, Vec<String>), String> {
    if let Some(p) = path {
        return Ok((p.to_path_buf(), None, Vec::new()));
    }
    let jvms = jvm::discover(opts);
    let j = jvm::default_jvm(&jvms).ok_or(
        "no JVM found (JAVA_HOME, java on PATH, /usr/lib/jvm): name the keystore with --store java:PATH",
    )?;
    let ts = &j.truststore;
    let mut notes = vec![format!(
        "JVM {} ({}) loads {} ({:?})",
        j.java_home.display(),
        j.found_via.join(", "),
        ts.path.display(),
        ts.source
    )];
    notes.extend(ts.warnings.iter().cloned());
    Ok((ts.path.clone(), ts.password.clone(), notes))
}

/// Opens a keystore for reading as a truststore: with the given password if
/// any; else `changeit`, falling back to no password where the format allows
/// (as the JVM reads trusted entries without one).
pub fn open_for_trust(
    data: &[u8],
    password: Option<&str>,
) -> Result<(Keystore, Option<String>), String> {
    let (ks, note) = if let Some(pw) = password {
        (Keystore::parse(data, Some(pw))?, None)
    } else {
        match Keystore::parse(data, Some(DEFAULT_PASSWORD)) {
            Ok(k) => (k, None),
            Err(first) => match Keystore::parse(data, None) {
                Ok(k) => (
                    k,
                    Some(
                        "the default password 'changeit' does not match: integrity not verified (pass --storepass)"
                            .to_string(),
                    ),
                ),
                Err(_) => return Err(first),
            },
        }
    };
    // The JVM refuses a store whose entries are not certificates; so do we,
    // which also catches corruption the skipped integrity check would have.
    if let Some(bad) = ks.entries().into_iter().find(|e| e.cert.is_none()) {
        return Err(format!(
            "entry '{}' does not hold a valid certificate: the keystore is corrupted",
            bad.alias
        ));
    }
    Ok((ks, note))
}

/// `--store java[:PATH]` for checking: the keystore's trusted entries are
/// the anchors, judged with Java's rules.
pub struct JavaStore {
    pub path: Option<PathBuf>,
    pub storepass: Option<String>,
    pub java_opts: Option<String>,
}

impl JavaStore {
    pub fn opts(&self) -> jvm::JavaOpts {
        jvm::parse_opts_from_env(self.java_opts.as_deref())
    }

    /// Path, parsed keystore and notes; shared by `check` and `store list`.
    pub fn open(&self) -> Result<(PathBuf, Keystore, Vec<String>), String> {
        let (path, jvm_password, mut notes) = resolve(self.path.as_deref(), &self.opts())?;
        let data = read_file(&path)?;
        let password = self.storepass.clone().or(jvm_password);
        let (ks, note) = open_for_trust(&data, password.as_deref())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        notes.extend(note);
        Ok((path, ks, notes))
    }
}

impl crate::store::Store for JavaStore {
    fn describe(&self) -> String {
        match &self.path {
            Some(p) => format!("java truststore {}", p.display()),
            None => "java truststore of the default JVM".into(),
        }
    }

    fn load(&self) -> Result<crate::store::TrustStore, String> {
        let (path, ks, notes) = self.open()?;
        let mut seen = std::collections::HashSet::new();
        let anchors: Vec<Cert> = ks
            .anchors()
            .into_iter()
            .map(|(_, c)| c)
            .filter(|c| seen.insert(c.sha256))
            .collect();
        Ok(crate::store::TrustStore {
            label: format!(
                "java truststore {} ({})",
                path.display(),
                ks.format().name()
            ),
            anchors,
            intermediates: Vec::new(),
            notes,
            client: crate::store::Client::Java,
            locations: Default::default(),
        })
    }
}
