//! What stores hold: `store list` (with `--expired`), `store find` across
//! stores, and the JVMs with the truststore each one loads. `cmd/store.rs`
//! and `cmd/java.rs` render these.

use std::fmt;

use trustfix_platform::Scope;

use crate::cert::Cert;
use crate::store::{self, StoreOptions, StoreSpec};

/// Why a store could not be listed.
#[derive(Debug)]
pub enum InventoryError {
    /// The Java keystore could not be found, read or opened.
    Keystore(String),
    /// The store could not be loaded.
    Load(String),
}

impl fmt::Display for InventoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InventoryError::Keystore(m) | InventoryError::Load(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for InventoryError {}

/// One line of `trustfix store list`.
#[derive(Debug, Clone)]
pub struct ListEntry {
    /// Keystore alias, for stores that have them.
    pub alias: Option<String>,
    /// `anchor`, `intermediate`, `trusted`, `private_key`.
    pub kind: &'static str,
    /// The entry's certificate (a key entry's own); `None` when it is missing or does not parse.
    pub cert: Option<Cert>,
    /// The physical store it is in (Windows: `LocalMachine\CA`).
    pub location: Option<String>,
}

/// A store's entries, as `store list` shows them.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The store as messages name it.
    pub label: String,
    /// The keystore format (`JKS`, `PKCS12`, ...); `None` for other stores.
    pub format: Option<String>,
    /// A keystore's entries in its order; otherwise the anchors, then the intermediates.
    pub entries: Vec<ListEntry>,
    /// Remarks from opening the store.
    pub notes: Vec<String>,
}

/// Every entry of the store: a Java keystore's with alias and kind, any other
/// store's as its anchors and intermediates.
pub fn store_list(spec: &StoreSpec, opts: &StoreOptions) -> Result<Listing, InventoryError> {
    if let StoreSpec::Java(path) = spec {
        let js = store::java::JavaStore {
            path: path.clone(),
            storepass: opts.storepass.clone(),
            java_opts: opts.java_opts.clone(),
        };
        let (path, ks, notes) = js
            .open()
            .map_err(|e| InventoryError::Keystore(e.to_string()))?;
        let entries = store::java::entries(&ks)
            .into_iter()
            .map(|e| ListEntry {
                alias: Some(e.alias),
                kind: match e.kind {
                    crate::keystore::EntryKind::Trusted => "trusted",
                    crate::keystore::EntryKind::PrivateKey => "private_key",
                },
                cert: e.cert,
                location: None,
            })
            .collect();
        return Ok(Listing {
            label: format!("java truststore {}", path.display()),
            format: Some(ks.format().name().to_string()),
            entries,
            notes,
        });
    }
    let s = store::open(spec, opts)
        .load()
        .map_err(|e| InventoryError::Load(e.to_string()))?;
    let mut entries: Vec<ListEntry> = s
        .anchors
        .iter()
        .map(|c| ListEntry {
            alias: None,
            kind: "anchor",
            cert: Some(c.clone()),
            location: s.location_of(&c.sha256),
        })
        .collect();
    entries.extend(s.intermediates.iter().map(|c| ListEntry {
        alias: None,
        kind: "intermediate",
        cert: Some(c.clone()),
        location: s.location_of(&c.sha256),
    }));
    Ok(Listing {
        label: s.label,
        format: None,
        entries,
        notes: s.notes,
    })
}

/// Every JVM found, with what its truststore file holds; the index of the
/// default JVM.
pub fn java_inventory(
    java_opts: Option<&str>,
) -> (
    Vec<(crate::keystore::jvm::Jvm, JvmStoreInfo)>,
    Option<usize>,
) {
    use crate::keystore::{self, jvm};
    use store::java;
    let opts = jvm::parse_opts_from_env(java_opts);
    let jvms = jvm::discover(&opts);
    let default =
        jvm::default_jvm(&jvms).and_then(|d| jvms.iter().position(|j| j.java_home == d.java_home));
    let list = jvms
        .into_iter()
        .map(|j| {
            let info = match keystore::read_file(&j.truststore.path)
                .map_err(store::StoreError::from)
                .and_then(|d| java::open_for_trust(&d, j.truststore.password.as_deref()))
            {
                Ok((ks, _)) => JvmStoreInfo {
                    format: Some(ks.format().name().to_string()),
                    trusted: Some(java::anchors(&ks).len()),
                    error: None,
                },
                Err(e) => JvmStoreInfo {
                    format: None,
                    trusted: None,
                    error: Some(e.to_string()),
                },
            };
            (j, info)
        })
        .collect();
    (list, default)
}

/// What `trustfix java` learned about one JVM's truststore file.
pub struct JvmStoreInfo {
    /// `JKS` or `PKCS12`, when readable.
    pub format: Option<String>,
    /// How many trusted entries it holds, when readable.
    pub trusted: Option<usize>,
    /// Why it could not be read.
    pub error: Option<String>,
}

/// `store list --expired`: keeps the entries whose certificate expired before
/// `now` and notes how many of all that is.
pub fn keep_expired(l: &mut Listing, now: i64) {
    let total = l.entries.len();
    l.entries
        .retain(|e| e.cert.as_ref().is_some_and(|c| c.not_after < now));
    l.notes.push(format!(
        "--expired: {} of {total} entries have expired",
        l.entries.len()
    ));
}

/// One hit of `store find`.
#[derive(Debug, Clone)]
pub struct FindMatch {
    /// The label of the store it is in.
    pub store: String,
    /// Keystore alias, for stores that have them.
    pub alias: Option<String>,
    /// As [`ListEntry::kind`].
    pub kind: &'static str,
    /// The certificate that matched.
    pub cert: Cert,
    /// `subject`, `sha256` or `sha1`.
    pub matched: &'static str,
    /// The physical store (Windows: `LocalMachine\Root`), when the store has several.
    pub location: Option<String>,
}

/// One store searched (or skipped because it could not be read).
#[derive(Debug, Clone)]
pub struct Searched {
    /// The store as messages name it.
    pub label: String,
    /// How many entries it holds (0 when it could not be read).
    pub entries: usize,
    /// Why it could not be read; it was skipped.
    pub error: Option<String>,
    /// Remarks from opening it.
    pub notes: Vec<String>,
}

/// What `store find` searched and what matched.
#[derive(Debug, Clone)]
pub struct Found {
    /// The text searched for, as given.
    pub query: String,
    /// Every store searched, in order, readable or not.
    pub stores: Vec<Searched>,
    /// Remarks on the search itself (e.g. no JVM found).
    pub notes: Vec<String>,
    /// Every matching entry, store by store.
    pub matches: Vec<FindMatch>,
}

impl Found {
    /// grep's convention: 0 found, 1 nothing matched, 3 could not search.
    pub fn exit_code(&self, explicit_store: bool) -> u8 {
        let failed = self.stores.iter().filter(|s| s.error.is_some()).count();
        if !self.matches.is_empty() {
            0
        } else if (explicit_store && failed > 0) || failed == self.stores.len() {
            3
        } else {
            1
        }
    }
}

/// Whether `cert` matches `query`: a case-insensitive substring of the
/// subject, or a prefix (4 hex digits at least, colons allowed) of the
/// SHA-256 or SHA-1.
pub fn matches(cert: &Cert, query: &str) -> Option<&'static str> {
    let q = query.trim();
    if q.is_empty() {
        return None;
    }
    let ql = q.to_lowercase();
    // The subject in either order: CN first (as trustfix, Windows and
    // keytool print it) or as encoded (as `openssl x509 -subject` does).
    let mut parts: Vec<&str> = cert.subject.split(", ").collect();
    parts.reverse();
    let encoded_order = parts.join(", ");
    if cert.subject.to_lowercase().contains(&ql) || encoded_order.to_lowercase().contains(&ql) {
        return Some("subject");
    }
    if let Some(hex) = crate::util::hex::fingerprint_digits(q).filter(|h| h.len() >= 4) {
        if cert.sha256_hex().starts_with(&hex) {
            return Some("sha256");
        }
        if crate::util::hex::hex(&cert.sha1).starts_with(&hex) {
            return Some("sha1");
        }
    }
    None
}

/// The stores `store find` searches without `--store`: the system store,
/// the default JVM's truststore when a JVM is found, and on Linux the
/// admin anchors directory.
pub fn default_find_stores(opts: &StoreOptions) -> (Vec<StoreSpec>, Vec<String>) {
    let mut specs = vec![StoreSpec::System];
    let mut notes = Vec::new();
    let jopts = crate::keystore::jvm::parse_opts_from_env(opts.java_opts.as_deref());
    if crate::keystore::jvm::discover(&jopts).is_empty() {
        notes.push("no JVM found: no Java truststore searched".into());
    } else {
        specs.push(StoreSpec::Java(None));
    }
    if cfg!(target_os = "linux") {
        specs.push(StoreSpec::Os(
            store::os::OsKind::LinuxAnchors,
            Scope::Machine,
        ));
    }
    (specs, notes)
}

/// Searches each store; a store that cannot be read is recorded with its
/// error and skipped.
pub fn find(query: &str, specs: &[StoreSpec], opts: &StoreOptions, notes: Vec<String>) -> Found {
    let mut f = Found {
        query: query.to_string(),
        stores: Vec::new(),
        notes,
        matches: Vec::new(),
    };
    for spec in specs {
        match store_list(spec, opts) {
            Ok(l) => {
                for e in &l.entries {
                    let Some(c) = &e.cert else { continue };
                    if let Some(m) = matches(c, query) {
                        f.matches.push(FindMatch {
                            store: l.label.clone(),
                            alias: e.alias.clone(),
                            kind: e.kind,
                            cert: c.clone(),
                            matched: m,
                            location: e.location.clone(),
                        });
                    }
                }
                f.stores.push(Searched {
                    label: l.label,
                    entries: l.entries.len(),
                    error: None,
                    notes: l.notes,
                });
            }
            Err(e) => f.stores.push(Searched {
                label: store::open(spec, opts).describe(),
                entries: 0,
                error: Some(e.to_string()),
                notes: Vec::new(),
            }),
        }
    }
    f
}
