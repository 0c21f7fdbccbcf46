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
    pub der: Vec<u8>,
    pub sha256: [u8; 32],
    pub sha1: [u8; 20],
    /// Subject for messages.
    pub subject: String,
    /// File-name-safe short name, e.g. `contoso-offline-root-ca`.
    pub short_name: String,
}

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
    #[default]
    Machine,
    User,
}

/// One certificate in an OS store.
#[derive(Debug, Clone)]
pub struct Listed {
    pub der: Vec<u8>,
    /// Where it lives: a file, `LocalMachine\Root`, a keychain path.
    pub location: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    WriteFile {
        path: PathBuf,
        contents: Vec<u8>,
    },
    RemoveFile {
        path: PathBuf,
    },
    Run {
        program: PathBuf,
        args: Vec<String>,
    },
    /// An OS API call, described for the plan (Windows/macOS).
    Call {
        description: String,
    },
    /// Delete a Java keystore alias the OS tooling created (Debian's
    /// `debian:NAME.pem` in the Java cacerts); executed by the caller,
    /// which owns the keystore codecs.
    RemoveJavaAlias {
        keystore: PathBuf,
        alias: String,
    },
}

impl Step {
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

#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Which store, in words: `Linux anchors (Debian): /usr/local/share/ca-certificates`.
    pub store: String,
    /// Empty when there is nothing to do.
    pub steps: Vec<Step>,
    /// What a human would type to do the same.
    pub equivalent: Vec<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Applied {
    pub done: Vec<String>,
    pub notes: Vec<String>,
}

/// Executes a `RemoveJavaAlias` step: returns whether the alias existed.
pub type JavaAliasRemover<'a> = &'a mut dyn FnMut(&Path, &str) -> Result<bool, String>;

pub trait OsStore {
    fn name(&self) -> String;
    /// Every certificate the store holds, with where it lives.
    fn list(&self) -> Result<Vec<Listed>, String>;
    fn plan_add(&self, cert: &CertInput, role: Role) -> Result<Plan, String>;
    /// Remove a certificate by SHA-256 from the places trustfix may write.
    fn plan_remove(&self, sha256: &[u8; 32]) -> Result<Plan, String>;
    fn apply(&self, plan: &Plan, java: JavaAliasRemover) -> Result<Applied, String>;
}

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
