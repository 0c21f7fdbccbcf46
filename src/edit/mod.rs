//! `trustfix import` / `trustfix remove`: a plan first (what goes where,
//! matched by SHA-256), then an atomic, backed-up, verified write. A second
//! identical run finds nothing to do. One backend per kind of store: Java
//! keystores ([`java`]), PEM bundles ([`pem`]) and the OS stores of
//! `trustfix-platform` ([`os`]); this module holds what they share.

mod java;
mod os;
mod pem;

use std::fmt;
use std::path::PathBuf;

use crate::cert::Cert;
use crate::store::StoreSpec;
use trustfix_platform::Role;

pub use java::{default_alias, remove_java_alias};
pub use pem::{bundle_set, check_bundle, comment, plan_bundle, BundlePlan};

/// Why an edit planned or wrote nothing (or, for the write, was rolled back).
#[derive(Debug)]
pub enum EditError {
    /// The store kind cannot be edited.
    Unsupported {
        /// `import` or `remove`.
        command: &'static str,
    },
    /// The Java truststore could not be found (the JVM's, or `java:PATH`).
    Resolve(String),
    /// Another trustfix holds the store's lock, or the lock failed.
    Lock(String),
    /// The store file could not be read.
    Read(String),
    /// The keystore does not parse or serialize (wrong password, damage).
    Keystore(String),
    /// A PEM bundle that does not parse as certificates.
    Load(String),
    /// The atomic, backed-up write failed (the original is kept).
    Write(String),
    /// The OS store could not be opened, planned or changed.
    Os(String),
    /// A file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A file that is no PEM bundle given as `ca-file:`.
    NotPem(PathBuf),
    /// `--alias` with more than one certificate.
    AliasForMany(usize),
    /// `--alias` names an entry that exists.
    AliasTaken {
        /// The keystore.
        path: PathBuf,
        /// The alias.
        alias: String,
    },
    /// The written keystore reads back in another format.
    FormatChanged {
        /// The format read.
        from: &'static str,
        /// The format read back.
        to: &'static str,
    },
    /// The written keystore's trusted entries are not the plan's.
    EntriesDiffer,
    /// The removed alias is still in the written keystore.
    AliasStillPresent(String),
    /// The bundle's certificates are not the plan's.
    BundleDiffers {
        /// Certificates read back that the plan does not hold.
        unexpected: usize,
        /// Certificates of the plan not read back.
        missing: usize,
    },
    /// An error about a file, named first.
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: Box<EditError>,
    },
    /// An error about a file before it was written: the file is unchanged.
    NothingWritten {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: Box<EditError>,
    },
}

impl EditError {
    /// `self` about `path`.
    fn in_file(self, path: &std::path::Path) -> EditError {
        EditError::InFile {
            path: path.to_path_buf(),
            source: Box::new(self),
        }
    }

    /// `self` about `path`, which was left unchanged.
    fn nothing_written(self, path: &std::path::Path) -> EditError {
        EditError::NothingWritten {
            path: path.to_path_buf(),
            source: Box::new(self),
        }
    }
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Unsupported { command } => write!(
                f,
                "trustfix {command} changes Java keystores (java[:PATH]), PEM bundles (ca-file:PATH) and OS stores \
                 (linux-anchors, windows, macos); not the system bundle or a CA directory"
            ),
            EditError::Resolve(m)
            | EditError::Lock(m)
            | EditError::Read(m)
            | EditError::Keystore(m)
            | EditError::Load(m)
            | EditError::Write(m)
            | EditError::Os(m) => f.write_str(m),
            EditError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            EditError::NotPem(p) => write!(
                f,
                "{}: only PEM bundles can be edited (convert DER/PKCS#7 with openssl first)",
                p.display()
            ),
            EditError::AliasForMany(n) => write!(
                f,
                "--alias names one entry but the file holds {n} certificates"
            ),
            EditError::AliasTaken { path, alias } => write!(
                f,
                "{}: alias '{alias}' is already used by another entry; nothing written",
                path.display()
            ),
            EditError::FormatChanged { from, to } => {
                write!(f, "format changed from {from} to {to}")
            }
            EditError::EntriesDiffer => {
                f.write_str("the trusted entries read back differ from the plan")
            }
            EditError::AliasStillPresent(a) => write!(f, "alias '{a}' still present"),
            EditError::BundleDiffers {
                unexpected,
                missing,
            } => write!(
                f,
                "the certificates read back differ from the plan ({unexpected} unexpected, {missing} missing)"
            ),
            EditError::InFile { path, source } => write!(f, "{}: {source}", path.display()),
            EditError::NothingWritten { path, source } => {
                write!(f, "{}: {source}; nothing written", path.display())
            }
        }
    }
}

impl std::error::Error for EditError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EditError::Io { source, .. } => Some(source),
            EditError::InFile { source, .. } | EditError::NothingWritten { source, .. } => {
                Some(source.as_ref())
            }
            _ => None,
        }
    }
}

/// What to do to a store.
#[derive(Debug, Clone)]
pub enum Op {
    /// Trust these certificates (duplicates and present ones are skipped).
    Import(Vec<Cert>),
    /// Remove the certificate with this SHA-256, under every alias.
    Remove([u8; 32]),
}

/// `certs` without repeats (by SHA-256), in the order given: what an
/// import plans, whatever the backend.
fn distinct(certs: &[Cert]) -> impl Iterator<Item = &Cert> {
    let mut seen = std::collections::BTreeSet::new();
    certs.iter().filter(move |c| seen.insert(c.sha256))
}

/// Which store to edit, and how.
#[derive(Debug, Clone)]
pub struct EditOptions {
    /// The store to change (`--store`).
    pub store: StoreSpec,
    /// Keystore password; else the JVM options' or `changeit`.
    pub storepass: Option<String>,
    /// JVM options (`-Djavax.net.ssl.trustStore=...`) that pick the default
    /// truststore, besides the environment's.
    pub java_opts: Option<String>,
    /// Alias for a single imported certificate.
    pub alias: Option<String>,
    /// Plan and report, write nothing.
    pub dry_run: bool,
    /// OS stores: root or intermediate; `None` decides per certificate
    /// (self-issued = root).
    pub role: Option<Role>,
    /// Linux: allow an intermediate into the anchors directory.
    pub intermediate_as_anchor: bool,
}

/// What an edit does to one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Import of a certificate the store lacks.
    Add,
    /// Removal of a certificate the store holds.
    Remove,
    /// Import of a certificate the store already trusts.
    Present,
    /// Removal of a certificate the store does not hold.
    Absent,
}

impl Action {
    /// The stable word in `--json` output and the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Remove => "remove",
            Action::Present => "present",
            Action::Absent => "absent",
        }
    }
}

/// One certificate's line in the plan.
#[derive(Debug, Clone)]
pub struct Change {
    /// What happens to it.
    pub action: Action,
    /// Java keystores: the entry's alias.
    pub alias: Option<String>,
    /// OS stores: where the certificate goes or lives (file, store name).
    pub location: Option<String>,
    /// SHA-256 of the certificate, lower-case hex.
    pub sha256: String,
    /// The certificate's subject, when known.
    pub subject: Option<String>,
}

/// What an edit planned and did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `import` or `remove`.
    pub command: &'static str,
    /// The store edited: a file, or an OS store's name.
    pub path: PathBuf,
    /// The file written when `path` is a symlink.
    pub target: Option<PathBuf>,
    /// The store's format (`JKS`, `PEM bundle`, `linux-anchors`, ...).
    pub format: String,
    /// One line per certificate.
    pub changes: Vec<Change>,
    /// Planned only.
    pub dry_run: bool,
    /// The store was written.
    pub changed: bool,
    /// The copy of the old file kept by the write.
    pub backup: Option<PathBuf>,
    /// What the user should know (distro-managed stores, refreshes).
    pub notes: Vec<String>,
    /// OS stores: the plan's steps, described.
    pub steps: Vec<String>,
    /// OS stores: the commands a human would type for the same edit.
    pub equivalent: Vec<String>,
}

impl Outcome {
    /// Whether the run changes (or, dry, would change) anything.
    pub fn would_change(&self) -> bool {
        self.changed
            || self
                .changes
                .iter()
                .any(|c| matches!(c.action, Action::Add | Action::Remove))
    }
}

/// Plans `op` on the store `opts` names and, unless a dry run, applies it.
pub fn run(op: &Op, opts: &EditOptions) -> Result<Outcome, EditError> {
    let command = match op {
        Op::Import(_) => "import",
        Op::Remove(_) => "remove",
    };
    let path = match &opts.store {
        StoreSpec::Java(path) => path,
        StoreSpec::Os(kind, scope) => return os::edit(command, op, opts, *kind, *scope),
        StoreSpec::CaFile(file) => return pem::edit(command, op, opts, file),
        _ => return Err(EditError::Unsupported { command }),
    };
    java::edit(command, op, opts, path.as_deref())
}
