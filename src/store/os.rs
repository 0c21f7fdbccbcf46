//! The OS stores of `trustfix-platform` as trust sources for `check` and as
//! targets for `import`/`remove`.

use trustfix_platform::{CertInput, OsStore, Role, Scope};

use super::{Client, Store, StoreError, TrustStore};
use crate::cert::Cert;

/// Which OS store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsKind {
    /// The admin anchors directory of this Linux family.
    LinuxAnchors,
    /// The Windows certificate stores (Root, CA).
    Windows,
    /// The macOS keychains with their trust settings.
    Macos,
}

impl OsKind {
    /// The `--store` word for this store.
    pub fn name(self) -> &'static str {
        match self {
            OsKind::LinuxAnchors => "linux-anchors",
            OsKind::Windows => "windows",
            OsKind::Macos => "macos",
        }
    }
}

/// `--scope` values: machine (LocalMachine / System keychain) or user.
pub fn parse_scope(s: &str) -> Result<Scope, StoreError> {
    match s.to_ascii_lowercase().as_str() {
        "machine" | "local-machine" | "localmachine" | "system" => Ok(Scope::Machine),
        "user" | "current-user" | "currentuser" | "login" => Ok(Scope::User),
        other => Err(StoreError::Scope(other.to_string())),
    }
}

/// Opens the OS store of `kind` on this machine, or explains why not and
/// what a human would type on the right machine.
pub fn open(
    kind: OsKind,
    scope: Scope,
    intermediates_as_anchors: bool,
) -> Result<Box<dyn OsStore>, StoreError> {
    let _ = (scope, intermediates_as_anchors);
    match kind {
        #[cfg(target_os = "linux")]
        OsKind::LinuxAnchors => {
            let mut s =
                trustfix_platform::linux::LinuxAnchors::system().map_err(StoreError::Platform)?;
            s.intermediates_as_anchors = intermediates_as_anchors;
            Ok(Box::new(s))
        }
        #[cfg(windows)]
        OsKind::Windows => Ok(Box::new(trustfix_platform::windows::WindowsStore { scope })),
        #[cfg(target_os = "macos")]
        OsKind::Macos => Ok(Box::new(trustfix_platform::macos::MacStore::new(scope))),
        #[allow(unreachable_patterns)]
        other => {
            let (how, _) = match other {
                OsKind::Windows => (
                    trustfix_platform::choice::windows_add_commands(Role::Root, scope, "root.cer")
                        .join("  or  "),
                    (),
                ),
                OsKind::Macos => (
                    trustfix_platform::choice::macos_add_commands(Role::Root, scope, "root.pem")
                        .join("  or  "),
                    (),
                ),
                OsKind::LinuxAnchors => {
                    ("update-ca-certificates / update-ca-trust".to_string(), ())
                }
            };
            Err(StoreError::OtherOs {
                kind: other,
                os: trustfix_platform::os_family(),
                how,
            })
        }
    }
}

/// A certificate as `trustfix-platform` takes it.
pub fn cert_input(c: &Cert) -> CertInput {
    CertInput {
        der: c.der.clone(),
        sha256: c.sha256,
        sha1: c.sha1,
        subject: c.subject.clone(),
        short_name: c.slug(40),
    }
}

/// `--store linux-anchors|windows|macos` for checking.
pub struct OsTrust {
    /// Which OS store.
    pub kind: OsKind,
    /// Machine or user.
    pub scope: Scope,
}

impl Store for OsTrust {
    fn describe(&self) -> String {
        format!("{} store", self.kind.name())
    }

    fn load(&self) -> Result<TrustStore, StoreError> {
        let os = open(self.kind, self.scope, false)?;
        let mut s = TrustStore {
            label: os.name(),
            client: if self.kind == OsKind::Windows {
                Client::Windows
            } else {
                Client::Any
            },
            ..Default::default()
        };
        let mut bad = 0;
        let mut seen = std::collections::HashSet::new();
        for l in os.list().map_err(StoreError::Platform)? {
            let Ok(c) = Cert::from_der(&l.der) else {
                bad += 1;
                continue;
            };
            // Windows: the physical store (LocalMachine\Root vs \CA vs
            // CurrentUser\Root) is the first thing an admin needs to know.
            if self.kind != OsKind::LinuxAnchors {
                let at = s.locations.entry(c.sha256).or_default();
                if !at.contains(&l.location) {
                    at.push(l.location.clone());
                }
            }
            if !seen.insert(c.sha256) {
                continue;
            }
            match l.role {
                Role::Root => s.anchors.push(c),
                Role::Intermediate => s.intermediates.push(c),
            }
        }
        if bad > 0 {
            s.notes.push(format!(
                "{bad} entries are not parseable certificates and were skipped"
            ));
        }
        if self.kind == OsKind::Windows {
            s.notes.push(
                "AuthRoot roots arrive lazily from Windows Update: a root missing here may still be fetched by the chain engine"
                    .into(),
            );
        }
        if self.kind == OsKind::LinuxAnchors {
            s.notes.push(
                "only the locally added anchors; --store system reads the whole bundle".into(),
            );
        }
        Ok(s)
    }
}
