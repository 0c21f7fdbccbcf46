//! Why a store could not be named, opened, read or written: one enum for
//! the whole tree, whose `Display` is the one-line message users see.

use std::fmt;
use std::path::PathBuf;

use super::os::OsKind;
use crate::keystore::KeystoreError;
use crate::load::LoadError;

/// A store that could not be named, opened, read or written.
#[derive(Debug)]
pub enum StoreError {
    /// `--store KIND` without the location the kind needs.
    NeedsLocation {
        /// The kind as given.
        kind: String,
        /// What the location is (`FILE`, `DIR`).
        what: &'static str,
    },
    /// `--store system:...`.
    SystemLocation,
    /// A `--store` kind trustfix does not know.
    UnknownKind(String),
    /// A `--scope` that is neither machine nor user.
    Scope(String),
    /// An OS store asked for on another OS.
    OtherOs {
        /// The store asked for.
        kind: OsKind,
        /// This OS family.
        os: &'static str,
        /// What a human would type there.
        how: String,
    },
    /// The OS store itself failed (`trustfix-platform`'s message).
    Platform(String),
    /// A certificate file could not be read.
    Load(LoadError),
    /// A file or directory could not be inspected, read or resolved.
    Io {
        /// The path as given.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A `--store ca-dir` holding no certificate.
    EmptyDir {
        /// The directory.
        path: PathBuf,
        /// How many files were read.
        files: usize,
    },
    /// The OS store as rustls-native-certs reads it gave only errors.
    System(rustls_native_certs::Error),
    /// No JVM to take the default truststore from.
    NoJvm,
    /// A Java keystore could not be read.
    Keystore(KeystoreError),
    /// A keystore entry a JVM would refuse.
    CorruptedEntry(String),
    /// Opening a keystore file failed; names the file.
    KeystoreFile {
        /// The keystore.
        path: PathBuf,
        /// Why.
        source: Box<StoreError>,
    },
    /// The store path has no directory to write a temp file in.
    NoParent(PathBuf),
    /// The store is not what trustfix read any more.
    ChangedSinceRead(PathBuf),
    /// The backup could not be written.
    Backup {
        /// The backup file.
        backup: PathBuf,
        /// The store.
        target: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The temp file could not be written.
    WriteTemp {
        /// The temp file.
        tmp: PathBuf,
        /// The store.
        target: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Another process replaced the store just before the rename.
    ChangedByOther(PathBuf),
    /// The rename over the store failed.
    Rename {
        /// The store.
        target: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The store could not be read back after the rename.
    Reread {
        /// The store.
        target: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Another process wrote the store right after trustfix did.
    RewrittenAfter {
        /// The store.
        target: PathBuf,
        /// Where the original is.
        backup: PathBuf,
    },
    /// The written store did not verify; the original was restored unless
    /// `restore_failed` says why not.
    Verify {
        /// The store.
        target: PathBuf,
        /// What the verification said.
        reason: String,
        /// Where the original is.
        backup: PathBuf,
        /// Why the restore failed, if it did.
        restore_failed: Option<std::io::Error>,
    },
    /// The lock file could not be opened or locked.
    Lock {
        /// The lock file.
        lock: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Another trustfix held the lock for too long.
    LockTimeout {
        /// The store.
        target: PathBuf,
        /// How long we waited, in seconds.
        secs: u64,
        /// The lock file.
        lock: PathBuf,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use StoreError as E;
        match self {
            E::NeedsLocation { kind, what } => {
                write!(f, "--store {kind} needs a location: --store {kind}:{what}")
            }
            E::SystemLocation => f.write_str("--store system takes no location"),
            E::UnknownKind(k) => write!(
                f,
                "--store '{k}': unknown store kind (known: system, ca-file:FILE, ca-dir:DIR, java[:KEYSTORE], linux-anchors, windows[:user], macos[:user])"
            ),
            E::Scope(s) => write!(
                f,
                "--scope '{s}': expected machine (local-machine) or user (current-user)"
            ),
            E::OtherOs { kind, os, how } => write!(
                f,
                "--store {} is only available on that OS (this is {os}); there, the manual equivalent is: {how}",
                kind.name()
            ),
            E::Platform(m) => f.write_str(m),
            E::Load(e) => write!(f, "{e}"),
            E::Io { path, source } => write!(f, "{}: {source}", path.display()),
            E::EmptyDir { path, files } => write!(
                f,
                "{}: no certificate found in {files} files",
                path.display()
            ),
            E::System(e) => write!(f, "system store: {e}"),
            E::NoJvm => f.write_str(
                "no JVM found (JAVA_HOME, java on PATH, /usr/lib/jvm): name the keystore with --store java:PATH",
            ),
            E::Keystore(e) => write!(f, "{e}"),
            E::CorruptedEntry(alias) => write!(
                f,
                "entry '{alias}' does not hold a valid certificate: the keystore is corrupted"
            ),
            E::KeystoreFile { path, source } => write!(f, "{}: {source}", path.display()),
            E::NoParent(t) => write!(f, "{}: has no parent directory", t.display()),
            E::ChangedSinceRead(t) => write!(
                f,
                "{} changed since trustfix read it; nothing written, run again",
                t.display()
            ),
            E::Backup {
                backup,
                target,
                source,
            } => write!(
                f,
                "backup {}: {source}; {} unchanged",
                backup.display(),
                target.display()
            ),
            E::WriteTemp {
                tmp,
                target,
                source,
            } => write!(
                f,
                "writing {}: {source}; {} unchanged",
                tmp.display(),
                target.display()
            ),
            E::ChangedByOther(t) => write!(
                f,
                "{} was changed by another process; nothing written",
                t.display()
            ),
            E::Rename { target, source } => {
                write!(f, "replacing {}: {source}; unchanged", target.display())
            }
            E::Reread { target, source } => {
                write!(f, "{}: re-reading: {source}", target.display())
            }
            E::RewrittenAfter { target, backup } => write!(
                f,
                "{} was rewritten by another process right after trustfix wrote it:              trustfix's change may be lost (the original is in {}); run again",
                target.display(),
                backup.display()
            ),
            E::Verify {
                target,
                reason,
                backup,
                restore_failed,
            } => {
                write!(
                    f,
                    "{}: verification after writing failed ({reason}); ",
                    target.display()
                )?;
                match restore_failed {
                    None => f.write_str("the original was restored"),
                    Some(r) => write!(
                        f,
                        "RESTORE FAILED ({r}): copy {} back by hand",
                        backup.display()
                    ),
                }
            }
            E::Lock { lock, source } => write!(f, "lock {}: {source}", lock.display()),
            E::LockTimeout { target, secs, lock } => write!(
                f,
                "{}: another trustfix has been changing it for {secs}s (lock {}); nothing written",
                target.display(),
                lock.display()
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        use StoreError as E;
        match self {
            E::Load(e) => Some(e),
            E::Keystore(e) => Some(e),
            E::System(e) => Some(e),
            E::KeystoreFile { source, .. } => Some(source.as_ref()),
            E::Io { source, .. }
            | E::Backup { source, .. }
            | E::WriteTemp { source, .. }
            | E::Rename { source, .. }
            | E::Reread { source, .. }
            | E::Lock { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<LoadError> for StoreError {
    fn from(e: LoadError) -> StoreError {
        StoreError::Load(e)
    }
}

impl From<KeystoreError> for StoreError {
    fn from(e: KeystoreError) -> StoreError {
        StoreError::Keystore(e)
    }
}
