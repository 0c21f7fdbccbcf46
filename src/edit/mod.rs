//! `trustfix import` / `trustfix remove`: a plan first (what goes where,
//! matched by SHA-256), then an atomic, backed-up, verified write. A second
//! identical run finds nothing to do. One backend per kind of store: Java
//! keystores ([`java`]), PEM bundles ([`pem`]) and the OS stores of
//! `trustfix-platform` ([`os`]); this module holds what they share.

mod java;
mod os;
mod pem;

use std::path::PathBuf;

use crate::cert::Cert;
use crate::store::StoreSpec;
use trustfix_platform::Role;

pub use java::{default_alias, remove_java_alias};
pub use pem::{bundle_set, check_bundle, comment, plan_bundle, BundlePlan};

#[derive(Debug, Clone)]
pub enum Op {
    Import(Vec<Cert>),
    Remove([u8; 32]),
}

#[derive(Debug, Clone)]
pub struct EditOptions {
    pub store: StoreSpec,
    pub storepass: Option<String>,
    pub java_opts: Option<String>,
    /// Alias for a single imported certificate.
    pub alias: Option<String>,
    pub dry_run: bool,
    /// OS stores: root or intermediate; `None` decides per certificate
    /// (self-issued = root).
    pub role: Option<Role>,
    /// Linux: allow an intermediate into the anchors directory.
    pub intermediate_as_anchor: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Add,
    Remove,
    /// Import of a certificate the store already trusts.
    Present,
    /// Removal of a certificate the store does not hold.
    Absent,
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

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Remove => "remove",
            Action::Present => "present",
            Action::Absent => "absent",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Change {
    pub action: Action,
    pub alias: Option<String>,
    /// OS stores: where the certificate goes or lives (file, store name).
    pub location: Option<String>,
    pub sha256: String,
    pub subject: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub command: &'static str,
    pub path: PathBuf,
    /// The file written when `path` is a symlink.
    pub target: Option<PathBuf>,
    pub format: String,
    pub changes: Vec<Change>,
    pub dry_run: bool,
    pub changed: bool,
    pub backup: Option<PathBuf>,
    pub notes: Vec<String>,
    /// OS stores: the plan's steps, and what a human would type instead.
    pub steps: Vec<String>,
    pub equivalent: Vec<String>,
}

/// Plans `op` on the store `opts` names and, unless a dry run, applies it.
pub fn run(op: &Op, opts: &EditOptions) -> Result<Outcome, String> {
    let command = match op {
        Op::Import(_) => "import",
        Op::Remove(_) => "remove",
    };
    let path = match &opts.store {
        StoreSpec::Java(path) => path,
        StoreSpec::Os(kind, scope) => return os::edit(command, op, opts, *kind, *scope),
        StoreSpec::CaFile(file) => return pem::edit(command, op, opts, file),
        _ => {
            return Err(format!(
                "trustfix {command} changes Java keystores (java[:PATH]), PEM bundles (ca-file:PATH) and OS stores \
                 (linux-anchors, windows, macos); not the system bundle or a CA directory"
            ))
        }
    };
    java::edit(command, op, opts, path.as_deref())
}
