//! Per-platform trust store modules for trustfix: one small API over the
//! Linux anchor directories, the Windows certificate stores (crypt32) and
//! the macOS keychains (security-framework); and the OS's own chain
//! validator as a second opinion ([`chain_engine`]).
//!
//! Every change is first a [`Plan`] (exact files, commands or API calls),
//! which `--dry-run` prints, then applied. Which store a role and scope
//! map to is decided by plain functions in [`choice`], unit-tested on every OS.

pub mod chain_engine;
pub mod choice;
pub mod hex;
pub mod linux;
#[cfg(target_os = "macos")]
pub mod macos;
pub mod pem;
pub mod terminal;
#[cfg(windows)]
mod wincrypt;
#[cfg(windows)]
pub mod windows;

use std::path::{Path, PathBuf};

/// The operating-system family this binary was built for.
pub fn os_family() -> &'static str {
    if cfg!(target_os = "windows") {
        "windows"
    } else if cfg!(target_os = "macos") {
        "macos"
    } else if cfg!(target_os = "linux") {
        "linux"
    } else {
        "other"
    }
}

/// A certificate as the platform modules need it; the caller parses.
#[derive(Debug, Clone)]
pub struct CertInput {
    /// The certificate's DER.
    pub der: Vec<u8>,
    /// SHA-256 of `der`: what removals and listings match on.
    pub sha256: [u8; 32],
    /// SHA-1 of `der`: the Windows thumbprint.
    pub sha1: [u8; 20],
    /// Subject for messages.
    pub subject: String,
    /// File-name-safe short name, e.g. `contoso-offline-root-ca`.
    pub short_name: String,
}

/// What a certificate in a store is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A trust anchor.
    Root,
    /// A CA certificate that only helps build paths.
    Intermediate,
}

/// Windows: LocalMachine vs CurrentUser; macOS: System vs login keychain.
/// Linux stores are machine-wide only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Windows LocalMachine, macOS System keychain, the Linux anchors.
    #[default]
    Machine,
    /// Windows CurrentUser, macOS login keychain.
    User,
}

/// One certificate in an OS store.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The certificate's DER.
    pub der: Vec<u8>,
    /// Where it lives: a file, `LocalMachine\Root`, a keychain path.
    pub location: String,
    /// Trust anchor or intermediate, by where it lives.
    pub role: Role,
}

/// One action of a plan, exactly as it will be carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Create or replace a file (atomically).
    WriteFile {
        /// Absolute path.
        path: PathBuf,
        /// The whole new content.
        contents: Vec<u8>,
    },
    /// Delete a file.
    RemoveFile {
        /// Absolute path.
        path: PathBuf,
    },
    /// Run a program with these arguments (no shell).
    Run {
        /// The program, by absolute path.
        program: PathBuf,
        /// Its arguments.
        args: Vec<String>,
    },
    /// An OS API call, described for the plan (Windows/macOS).
    Call {
        /// What will be called, in words.
        description: String,
    },
    /// Delete a Java keystore alias the OS tooling created (Debian's
    /// `debian:NAME.pem` in the Java cacerts); executed by the caller,
    /// which owns the keystore codecs.
    RemoveJavaAlias {
        /// The Java keystore.
        keystore: PathBuf,
        /// The alias to delete.
        alias: String,
    },
}

impl Step {
    /// One line for `--dry-run` and logs: `write PATH (N bytes)`, `run PROGRAM ARGS`.
    pub fn describe(&self) -> String {
        match self {
            Step::WriteFile { path, contents } => {
                format!("write {} ({} bytes)", path.display(), contents.len())
            }
            Step::RemoveFile { path } => format!("remove {}", path.display()),
            Step::Run { program, args } => format!("run {} {}", program.display(), args.join(" "))
                .trim_end()
                .to_string(),
            Step::Call { description } => description.clone(),
            Step::RemoveJavaAlias { keystore, alias } => {
                format!("remove alias '{alias}' from {}", keystore.display())
            }
        }
    }
}

/// A change to a store, computed before anything is touched (see the crate docs).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Which store, in words: `Linux anchors (Debian): /usr/local/share/ca-certificates`.
    pub store: String,
    /// Empty when there is nothing to do.
    pub steps: Vec<Step>,
    /// What a human would type to do the same.
    pub equivalent: Vec<String>,
    /// Caveats for the admin (skipped certificates, what the OS does next).
    pub notes: Vec<String>,
}

/// What applying a plan did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Each step carried out, as `Step::describe` puts it.
    pub done: Vec<String>,
    /// What the admin should know (deferred updates, aliases that were absent).
    pub notes: Vec<String>,
}

/// Executes a `RemoveJavaAlias` step: returns whether the alias existed.
pub type JavaAliasRemover<'a> = &'a mut dyn FnMut(&Path, &str) -> Result<bool, String>;

/// One OS trust store: list it, plan changes, apply a plan.
pub trait OsStore {
    /// The store in words, as plans and listings name it.
    fn name(&self) -> String;
    /// Every certificate the store holds, with where it lives.
    fn list(&self) -> Result<Vec<Listed>, String>;
    /// What adding `cert` in `role` would do; nothing is changed yet.
    fn plan_add(&self, cert: &CertInput, role: Role) -> Result<Plan, String>;
    /// Remove a certificate by SHA-256 from the places trustfix may write.
    fn plan_remove(&self, sha256: &[u8; 32]) -> Result<Plan, String>;
    /// Carries out `plan`'s steps in order, stopping at the first failure;
    /// `java` executes `RemoveJavaAlias` steps.
    fn apply(&self, plan: &Plan, java: JavaAliasRemover) -> Result<Applied, String>;
}

/// SHA-256 of `der`.
pub fn sha256(der: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(der).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn os_family_matches_build_target() {
        let f = super::os_family();
        #[cfg(target_os = "linux")]
        assert_eq!(f, "linux");
        assert_ne!(f, "");
    }
}
