//! Trust stores: where anchors and extra intermediates come from. A store
//! knows how to read itself; it knows nothing of servers or diagnosis.
//!
//! `--store KIND[:LOCATION]` picks one. Kinds that later versions add
//! (java, windows, macos, linux-anchors) are already parsed so users get a
//! clear "not in this version" instead of a usage error.

mod error;
mod files;
pub mod java;
pub mod os;
mod system;
pub mod write;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::cert::Cert;

pub use error::StoreError;
pub use files::{DirStore, FileStore};
pub use system::SystemStore;

/// What a store contributes to path building.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    /// Human name used in reports: "system", "ca-file /tmp/root.pem", ...
    pub label: String,
    /// Certificates a client trusts as the end of a path.
    pub anchors: Vec<Cert>,
    /// Certificates the store offers for building paths but does not trust
    /// by themselves (OpenSSL: non-self-signed entries; Windows: the CA store).
    pub intermediates: Vec<Cert>,
    /// Things the user should know about this store (environment overrides,
    /// unreadable entries).
    pub notes: Vec<String>,
    /// Whose rules judge the chain.
    pub client: Client,
    /// Built on first use and shared by every check against this store
    /// (preflight shares one store across its workers): do not change
    /// `anchors` or `intermediates` after the store has been used.
    index: OnceLock<Index>,
    /// Where each certificate really is, by SHA-256, for stores made of
    /// several (Windows: `LocalMachine\Root`, `LocalMachine\CA`,
    /// `CurrentUser\Root`); empty for single-file stores.
    pub locations: HashMap<[u8; 32], Vec<String>>,
}

/// Lookups path building needs, built once per store.
#[derive(Debug, Default, Clone)]
struct Index {
    /// SHA-256 -> is an anchor.
    by_sha: HashMap<[u8; 32], bool>,
    /// Lower-cased subject -> (is an anchor, position in its list).
    by_subject: HashMap<String, Vec<(bool, usize)>>,
}

/// The client family a store belongs to; it decides which findings make a
/// chain fail (e.g. JDK 17 accepts SHA-1 below a private root, OpenSSL at
/// security level 2 does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Client {
    /// OS stores and CA files: the strictest of .NET, Java and OpenSSL.
    #[default]
    Any,
    /// A Java truststore: judged as JDK 17 judges.
    Java,
    /// The Windows stores: the chain engine fetches missing intermediates
    /// through AIA.
    Windows,
}

impl TrustStore {
    /// A store of exactly these anchors and intermediates.
    pub fn new(
        label: String,
        anchors: Vec<Cert>,
        intermediates: Vec<Cert>,
        client: Client,
    ) -> TrustStore {
        TrustStore {
            label,
            anchors,
            intermediates,
            client,
            ..Default::default()
        }
    }

    /// Sorts certificates the way OpenSSL-based clients use a CA file or
    /// directory: self-issued ones are anchors, the rest only help build
    /// paths. Duplicates (by SHA-256) are dropped.
    pub fn from_openssl_style(label: String, certs: Vec<Cert>, notes: Vec<String>) -> TrustStore {
        let mut seen = HashSet::new();
        let mut s = TrustStore {
            label,
            notes,
            ..Default::default()
        };
        for c in certs {
            if !seen.insert(c.sha256) {
                continue;
            }
            if c.is_self_issued() {
                s.anchors.push(c);
            } else {
                s.intermediates.push(c);
            }
        }
        s
    }

    /// The physical stores holding `sha256`, joined for display.
    pub fn location_of(&self, sha256: &[u8; 32]) -> Option<String> {
        self.locations.get(sha256).map(|l| l.join(", "))
    }

    /// Whether the store trusts this very certificate. A look-alike with
    /// the same name and key but other bytes (other dates, a forged
    /// signature) is not the anchor: clients judge the copy they hold.
    pub fn is_anchor(&self, c: &Cert) -> bool {
        self.index().by_sha.get(&c.sha256) == Some(&true)
    }

    /// Whether the store holds this certificate (anchor or intermediate).
    pub fn contains(&self, sha256: &[u8; 32]) -> bool {
        self.index().by_sha.contains_key(sha256)
    }

    /// The store's certificates whose lower-cased subject is `subject`,
    /// each with whether it is an anchor.
    pub fn by_subject(&self, subject: &str) -> Vec<(&Cert, bool)> {
        self.index()
            .by_subject
            .get(subject)
            .map(|v| {
                v.iter()
                    .filter_map(|&(anchor, i)| {
                        let list = if anchor {
                            &self.anchors
                        } else {
                            &self.intermediates
                        };
                        list.get(i).map(|c| (c, anchor))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut ix = Index::default();
            for (anchor, list) in [(true, &self.anchors), (false, &self.intermediates)] {
                for (i, c) in list.iter().enumerate() {
                    let e = ix.by_sha.entry(c.sha256).or_insert(anchor);
                    *e |= anchor;
                    ix.by_subject
                        .entry(c.subject.to_ascii_lowercase())
                        .or_default()
                        .push((anchor, i));
                }
            }
            ix
        })
    }
}

/// A source of trust that can be loaded for checking.
pub trait Store {
    /// Short description for messages before loading (`ca-file root.pem`).
    fn describe(&self) -> String;
    /// Reads the store; errors name the file or store.
    fn load(&self) -> Result<TrustStore, StoreError>;
}

/// `--store` values. Parsing is separate from opening so usage errors come
/// before any I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// The OS store as OpenSSL-style clients read it.
    System,
    /// A certificate file, read with OpenSSL semantics.
    CaFile(PathBuf),
    /// A hashed certificate directory, as `openssl rehash` makes.
    CaDir(PathBuf),
    /// A Java keystore; `None`: the default JVM's truststore.
    Java(Option<PathBuf>),
    /// An OS store through `trustfix-platform`.
    Os(os::OsKind, trustfix_platform::Scope),
}

/// Credentials and JVM options some stores need.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Keystore password (`--storepass` and friends).
    pub storepass: Option<String>,
    /// JVM options to honour besides the environment's (`--java-opts`).
    pub java_opts: Option<String>,
}

/// Parses a `--store KIND[:LOCATION]` value.
pub fn parse_spec(s: &str) -> Result<StoreSpec, StoreError> {
    let (kind, loc) = match s.split_once(':') {
        Some((k, l)) => (k, Some(l)),
        None => (s, None),
    };
    let need_loc = |what: &'static str| -> Result<PathBuf, StoreError> {
        match loc {
            Some(l) if !l.is_empty() => Ok(PathBuf::from(l)),
            _ => Err(StoreError::NeedsLocation {
                kind: kind.to_string(),
                what,
            }),
        }
    };
    match kind {
        "system" => match loc {
            None => Ok(StoreSpec::System),
            Some(_) => Err(StoreError::SystemLocation),
        },
        "ca-file" | "file" => Ok(StoreSpec::CaFile(need_loc("FILE")?)),
        "ca-dir" | "dir" => Ok(StoreSpec::CaDir(need_loc("DIR")?)),
        "java" => Ok(StoreSpec::Java(
            loc.filter(|l| !l.is_empty()).map(PathBuf::from),
        )),
        "windows" | "macos" | "linux-anchors" => {
            let kind = match kind {
                "windows" => os::OsKind::Windows,
                "macos" => os::OsKind::Macos,
                _ => os::OsKind::LinuxAnchors,
            };
            let scope = match loc {
                Some(l) if !l.is_empty() => os::parse_scope(l)?,
                _ => trustfix_platform::Scope::Machine,
            };
            Ok(StoreSpec::Os(kind, scope))
        }

        k => Err(StoreError::UnknownKind(k.to_string())),
    }
}

/// The store a spec names, not yet read.
pub fn open(spec: &StoreSpec, opts: &StoreOptions) -> Box<dyn Store> {
    match spec {
        StoreSpec::System => Box::new(SystemStore),
        StoreSpec::CaFile(p) => Box::new(FileStore(p.clone())),
        StoreSpec::CaDir(p) => Box::new(DirStore(p.clone())),
        StoreSpec::Os(kind, scope) => Box::new(os::OsTrust {
            kind: *kind,
            scope: *scope,
        }),
        StoreSpec::Java(p) => Box::new(java::JavaStore {
            path: p.clone(),
            storepass: opts.storepass.clone(),
            java_opts: opts.java_opts.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parsing() {
        assert_eq!(parse_spec("system").unwrap(), StoreSpec::System);
        assert_eq!(
            parse_spec("ca-file:/x/y.pem").unwrap(),
            StoreSpec::CaFile("/x/y.pem".into())
        );
        assert_eq!(
            parse_spec("ca-dir:/etc/ssl/certs").unwrap(),
            StoreSpec::CaDir("/etc/ssl/certs".into())
        );
        assert!(parse_spec("ca-file")
            .unwrap_err()
            .to_string()
            .contains("needs a location"));
        assert_eq!(
            parse_spec("java:/x").unwrap(),
            StoreSpec::Java(Some("/x".into()))
        );
        assert_eq!(parse_spec("java").unwrap(), StoreSpec::Java(None));
        assert_eq!(
            parse_spec("windows:current-user").unwrap(),
            StoreSpec::Os(os::OsKind::Windows, trustfix_platform::Scope::User)
        );
        assert_eq!(
            parse_spec("linux-anchors").unwrap(),
            StoreSpec::Os(os::OsKind::LinuxAnchors, trustfix_platform::Scope::Machine)
        );
        assert!(parse_spec("windows:elsewhere")
            .unwrap_err()
            .to_string()
            .contains("--scope"));
        assert!(parse_spec("nope")
            .unwrap_err()
            .to_string()
            .contains("unknown store kind"));
    }
}
