//! macOS keychains through the security-framework crate.
//!
//! Roots go to the keychain of [`macos_keychain`] (the System keychain for
//! the machine, the login keychain for one user) with "always trust" trust
//! settings in the matching domain (admin / user); intermediates go to the
//! keychain without trust settings. Removal removes the trust settings AND
//! deletes the certificate. Which keychain and which commands are decided in
//! [`crate::choice`]; this file only talks to Security.framework.
//!
//! `Step::Call` only carries a description, so `plan_*` keep the certificate
//! each step acts on in a pending map keyed by that description, and `apply`
//! takes it from there.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::c_void;
use std::path::PathBuf;

use core_foundation::base::TCFType;
use core_foundation::data::CFData;
use security_framework::base::Error as SecError;
use security_framework::certificate::SecCertificate;
use security_framework::item::{ItemClass, ItemSearchOptions, Limit, Reference, SearchResult};
use security_framework::os::macos::digest_transform::{Builder as DigestBuilder, DigestType};
use security_framework::os::macos::keychain::SecKeychain;
use security_framework::trust_settings::{Domain, TrustSettings, TrustSettingsForCertificate};

use crate::choice::{macos_add_commands, macos_keychain, macos_remove_commands};
use crate::hex::hex;
use crate::{
    sha256, Applied, CertInput, JavaAliasRemover, Listed, OsStore, Plan, Role, Scope, Step,
};

// Not bound by security-framework 3.7 / security-framework-sys 2.17.
// `OSStatus SecTrustSettingsRemoveTrustSettings(SecCertificateRef, SecTrustSettingsDomain)`,
// macOS 10.5+, not deprecated.
#[link(name = "Security", kind = "framework")]
extern "C" {
    fn SecTrustSettingsRemoveTrustSettings(cert: *const c_void, domain: u32) -> i32;
}

// OSStatus values (SecBase.h, Authorization.h).
const ERR_SEC_ITEM_NOT_FOUND: i32 = -25300;
const ERR_SEC_DUPLICATE_ITEM: i32 = -25299;
const ERR_SEC_NO_TRUST_SETTINGS: i32 = -25263;
/// The change was refused for want of (interactive) authorization:
/// errSecAuthFailed, errSecInternalComponent (no GUI), errSecUserCanceled,
/// errSecWrPerm, errSecReadOnly, errSecNoAccessForItem,
/// errSecInteractionNotAllowed, errSecInteractionRequired,
/// errAuthorizationDenied / Canceled / InteractionNotAllowed.
const REFUSED: &[i32] = &[
    -25293, -2070, -128, -61, -25292, -25243, -25308, -25315, -60005, -60006, -60007,
];

const SYSTEM_ROOTS: &str =
    "macOS system roots (/System/Library/Keychains/SystemRootCertificates.keychain)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    AddToKeychain,
    SetTrust,
    RemoveTrust,
    Delete,
}

#[derive(Debug, Clone)]
struct Pending {
    action: Action,
    der: Vec<u8>,
}

/// The keychain and trust-settings domain of one scope.
#[derive(Debug, Default)]
pub struct MacStore {
    /// System or login keychain, with its trust-settings domain.
    pub scope: Scope,
    /// Step description -> what to do, filled by `plan_*`, consumed by `apply`.
    pending: RefCell<HashMap<String, Pending>>,
}

impl MacStore {
    /// A store of `scope` with nothing planned yet.
    pub fn new(scope: Scope) -> MacStore {
        MacStore {
            scope,
            pending: RefCell::new(HashMap::new()),
        }
    }

    /// The keychain file of [`macos_keychain`], `~` expanded from $HOME.
    pub fn keychain_path(&self) -> Result<PathBuf, String> {
        let kc = macos_keychain(self.scope);
        match kc.strip_prefix("~/") {
            Some(rest) => match std::env::var_os("HOME") {
                Some(home) if !home.is_empty() => Ok(PathBuf::from(home).join(rest)),
                _ => Err(format!("cannot locate {kc}: HOME is not set")),
            },
            None => Ok(PathBuf::from(kc)),
        }
    }

    fn keychain_display(&self) -> String {
        self.keychain_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| macos_keychain(self.scope).to_string())
    }

    /// The trust-settings domain trustfix writes for this scope.
    fn domain(&self) -> Domain {
        match self.scope {
            Scope::Machine => Domain::Admin,
            Scope::User => Domain::User,
        }
    }

    fn domain_word(&self) -> &'static str {
        domain_word(self.domain())
    }

    /// Every certificate in this scope's keychain.
    fn keychain_certs(&self) -> Result<Vec<SecCertificate>, String> {
        let path = self.keychain_path()?;
        let kc =
            SecKeychain::open(&path).map_err(|e| format!("{}: {}", path.display(), sec_text(e)))?;
        let found = ItemSearchOptions::new()
            .keychains(&[kc])
            .class(ItemClass::certificate())
            .load_refs(true)
            .limit(Limit::All)
            .search();
        match found {
            Ok(items) => Ok(items
                .into_iter()
                .filter_map(|r| match r {
                    SearchResult::Ref(Reference::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect()),
            Err(e) if e.code() == ERR_SEC_ITEM_NOT_FOUND => Ok(Vec::new()),
            Err(e) => Err(format!("{}: {}", path.display(), sec_text(e))),
        }
    }

    fn keychain_find(&self, sha: &[u8; 32]) -> Result<Option<SecCertificate>, String> {
        Ok(self
            .keychain_certs()?
            .into_iter()
            .find(|c| sha256(&c.to_der()) == *sha))
    }

    fn trusted_find(&self, sha: &[u8; 32]) -> Result<Option<SecCertificate>, String> {
        Ok(trusted_in(self.domain())?
            .into_iter()
            .find(|c| sha256(&c.to_der()) == *sha))
    }

    fn remember(&self, description: &str, action: Action, der: &[u8]) {
        self.pending.borrow_mut().insert(
            description.to_string(),
            Pending {
                action,
                der: der.to_vec(),
            },
        );
    }

    fn big_sur_note(&self) -> String {
        format!(
            "since macOS 11 (Big Sur), changing {}-domain trust settings needs interactive authorization \
             (an administrator password or Touch ID dialog; running as root is not enough): without a GUI \
             session (SSH, launchd, CI) the change is refused; then run the equivalent command in a Terminal \
             of a logged-in session",
            self.domain_word()
        )
    }

    fn run(&self, action: Action, cert: &SecCertificate) -> Result<Option<String>, SecError> {
        match action {
            Action::AddToKeychain => {
                let path = self
                    .keychain_path()
                    .map_err(|_| SecError::from_code(ERR_SEC_ITEM_NOT_FOUND))?;
                let kc = SecKeychain::open(&path)?;
                match cert.add_to_keychain(Some(kc)) {
                    Err(e) if e.code() == ERR_SEC_DUPLICATE_ITEM => {
                        Ok(Some(format!("already in {} (kept)", path.display())))
                    }
                    r => r.map(|_| None),
                }
            }
            Action::SetTrust => TrustSettings::new(self.domain())
                .set_trust_settings_always(cert)
                .map(|_| None),
            Action::RemoveTrust => {
                // SAFETY: a valid SecCertificateRef, kept alive by `cert`;
                // the function neither retains nor releases it.
                let status = unsafe {
                    SecTrustSettingsRemoveTrustSettings(cert.as_CFTypeRef(), self.domain() as u32)
                };
                match status {
                    0 => Ok(None),
                    ERR_SEC_ITEM_NOT_FOUND | ERR_SEC_NO_TRUST_SETTINGS => Ok(Some(format!(
                        "it had no {}-domain trust settings any more",
                        self.domain_word()
                    ))),
                    code => Err(SecError::from_code(code)),
                }
            }
            Action::Delete => {
                let sha = sha256(&cert.to_der());
                match self.keychain_find(&sha) {
                    Ok(Some(item)) => item.delete().map(|_| None),
                    Ok(None) => Ok(Some(format!(
                        "it was no longer in {}",
                        self.keychain_display()
                    ))),
                    Err(_) => Err(SecError::from_code(ERR_SEC_ITEM_NOT_FOUND)),
                }
            }
        }
    }
}

impl OsStore for MacStore {
    fn name(&self) -> String {
        format!(
            "macOS keychain: {} ({}-domain trust settings)",
            self.keychain_display(),
            self.domain_word()
        )
    }

    /// The scope's keychain (roots = with trust settings, the rest
    /// intermediates), certificates with admin (and for a user, user)
    /// trust settings kept elsewhere, and the system roots. A source that
    /// cannot be read is skipped.
    fn list(&self) -> Result<Vec<Listed>, String> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let domains: &[Domain] = match self.scope {
            Scope::Machine => &[Domain::Admin],
            Scope::User => &[Domain::User, Domain::Admin],
        };
        let mut trusted: Vec<(Domain, Vec<Vec<u8>>)> = Vec::new();
        for &d in domains {
            match trusted_in(d) {
                Ok(certs) => trusted.push((d, certs.iter().map(|c| c.to_der()).collect())),
                Err(e) => errors.push(e),
            }
        }
        let trusted_sha: HashSet<[u8; 32]> = trusted
            .iter()
            .flat_map(|(_, v)| v.iter().map(|d| sha256(d)))
            .collect();

        let mut in_keychain = HashSet::new();
        match self.keychain_certs() {
            Ok(certs) => {
                let location = self.keychain_display();
                for c in certs {
                    let der = c.to_der();
                    let sha = sha256(&der);
                    if !in_keychain.insert(sha) {
                        continue;
                    }
                    let role = if trusted_sha.contains(&sha) {
                        Role::Root
                    } else {
                        Role::Intermediate
                    };
                    out.push(Listed {
                        der,
                        location: location.clone(),
                        role,
                    });
                }
            }
            Err(e) => errors.push(e),
        }
        for (d, ders) in trusted {
            let location = format!("{}-domain trust settings", domain_word(d));
            for der in ders {
                if in_keychain.insert(sha256(&der)) {
                    out.push(Listed {
                        der,
                        location: location.clone(),
                        role: Role::Root,
                    });
                }
            }
        }
        match trusted_in(Domain::System) {
            Ok(certs) => out.extend(certs.into_iter().map(|c| Listed {
                der: c.to_der(),
                location: SYSTEM_ROOTS.to_string(),
                role: Role::Root,
            })),
            Err(e) => errors.push(e),
        }
        if out.is_empty() && !errors.is_empty() {
            return Err(errors.join("; "));
        }
        Ok(out)
    }

    fn plan_add(&self, cert: &CertInput, role: Role) -> Result<Plan, String> {
        let mut plan = Plan {
            store: self.name(),
            ..Default::default()
        };
        SecCertificate::from_der(&cert.der).map_err(|e| {
            format!(
                "'{}': Security.framework does not accept it: {}",
                cert.subject,
                sec_text(e)
            )
        })?;
        let kc = self.keychain_path()?;
        let in_kc = match self.keychain_find(&cert.sha256) {
            Ok(found) => found.is_some(),
            Err(e) => {
                plan.notes
                    .push(format!("could not read the keychain ({e}); adding anyway"));
                false
            }
        };
        let trusted = match self.trusted_find(&cert.sha256) {
            Ok(found) => found.is_some(),
            Err(e) => {
                if role == Role::Root {
                    plan.notes
                        .push(format!("could not read the trust settings ({e})"));
                }
                false
            }
        };
        let tag = format!("'{}' (SHA-256 {})", cert.subject, &hex(&cert.sha256)[..16]);
        if !in_kc {
            let d = format!("add {tag} to {}", kc.display());
            self.remember(&d, Action::AddToKeychain, &cert.der);
            plan.steps.push(Step::Call { description: d });
        }
        if role == Role::Root && !trusted {
            let d = format!(
                "set {}-domain trust settings for {tag}: always trust (trustRoot)",
                self.domain_word()
            );
            self.remember(&d, Action::SetTrust, &cert.der);
            plan.steps.push(Step::Call { description: d });
        }
        if plan.steps.is_empty() {
            let how = if role == Role::Root {
                format!(" with {}-domain trust settings", self.domain_word())
            } else {
                String::new()
            };
            plan.notes.push(format!(
                "already present in {}{how} (nothing to do)",
                kc.display()
            ));
            if role == Role::Intermediate && trusted {
                plan.notes.push(format!(
                    "it also has {}-domain trust settings, so macOS treats it as an anchor",
                    self.domain_word()
                ));
            }
            return Ok(plan);
        }
        let name = if cert.short_name.is_empty() {
            "certificate"
        } else {
            &cert.short_name
        };
        plan.equivalent = macos_add_commands(role, self.scope, &format!("{name}.pem"));
        if role == Role::Root && !trusted {
            plan.notes.push(self.big_sur_note());
        }
        if self.scope == Scope::Machine && !in_kc {
            plan.notes
                .push("writing the System keychain needs administrator rights".into());
        }
        Ok(plan)
    }

    fn plan_remove(&self, sha: &[u8; 32]) -> Result<Plan, String> {
        let mut plan = Plan {
            store: self.name(),
            ..Default::default()
        };
        let in_kc = self.keychain_find(sha)?;
        let trusted = match self.trusted_find(sha) {
            Ok(found) => found,
            Err(e) => {
                plan.notes
                    .push(format!("could not read the trust settings ({e})"));
                None
            }
        };
        let Some(cert) = in_kc.as_ref().or(trusted.as_ref()) else {
            plan.notes.push(format!(
                "not in {} and no {}-domain trust settings (nothing to do; the macOS system roots are never touched)",
                self.keychain_display(),
                self.domain_word()
            ));
            return Ok(plan);
        };
        let der = cert.to_der();
        let tag = format!("'{}' (SHA-256 {})", cert.subject_summary(), &hex(sha)[..16]);
        if trusted.is_some() {
            let d = format!(
                "remove {}-domain trust settings for {tag}",
                self.domain_word()
            );
            self.remember(&d, Action::RemoveTrust, &der);
            plan.steps.push(Step::Call { description: d });
            plan.notes.push(self.big_sur_note());
        }
        if in_kc.is_some() {
            let d = format!("delete {tag} from {}", self.keychain_display());
            self.remember(&d, Action::Delete, &der);
            plan.steps.push(Step::Call { description: d });
        }
        let file = format!("trustfix-{}.pem", &hex(sha)[..16]);
        let sha1 = sha1_upper(&der).unwrap_or_else(|| "<SHA-1>".into());
        plan.equivalent = macos_remove_commands(self.scope, &file, &sha1);
        plan.notes.push(format!(
            "`security remove-trusted-cert` reads the certificate from a file: save it as {file} first \
             (`security find-certificate -a -Z -p {}` prints each certificate with its hashes)",
            macos_keychain(self.scope)
        ));
        Ok(plan)
    }

    fn apply(&self, plan: &Plan, _java: JavaAliasRemover) -> Result<Applied, String> {
        let mut applied = Applied::default();
        for step in &plan.steps {
            let Step::Call { description } = step else {
                return Err(format!("not a macOS step: {}", step.describe()));
            };
            let pending = self
                .pending
                .borrow()
                .get(description)
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "{description}: this store did not plan that step (plan again, then apply)"
                    )
                })?;
            let cert = SecCertificate::from_der(&pending.der)
                .map_err(|e| format!("{description}: {}", sec_text(e)))?;
            match self.run(pending.action, &cert) {
                Ok(note) => {
                    self.pending.borrow_mut().remove(description);
                    applied.done.push(description.clone());
                    if let Some(n) = note {
                        applied.notes.push(format!("{description}: {n}"));
                    }
                }
                Err(e) => return Err(failure(description, e, plan, &applied)),
            }
        }
        Ok(applied)
    }
}

fn domain_word(d: Domain) -> &'static str {
    match d {
        Domain::Admin => "admin",
        Domain::User => "user",
        Domain::System => "system",
    }
}

/// Certificates with trust settings in `d`, except explicitly distrusted ones.
fn trusted_in(d: Domain) -> Result<Vec<SecCertificate>, String> {
    let ts = TrustSettings::new(d);
    let it = ts
        .iter()
        .map_err(|e| format!("{}-domain trust settings: {}", domain_word(d), sec_text(e)))?;
    Ok(it
        .filter(|c| {
            !matches!(
                ts.tls_trust_settings_for_certificate(c),
                Ok(Some(TrustSettingsForCertificate::Deny))
            )
        })
        .collect())
}

fn sha1_upper(der: &[u8]) -> Option<String> {
    let digest = DigestBuilder::new()
        .type_(DigestType::sha1())
        .execute(&CFData::from_buffer(der))
        .ok()?;
    Some(hex(digest.bytes()).to_uppercase())
}

fn sec_text(e: SecError) -> String {
    match e.message() {
        Some(m) => format!("{m} (OSStatus {})", e.code()),
        None => format!("OSStatus {}", e.code()),
    }
}

fn failure(description: &str, e: SecError, plan: &Plan, applied: &Applied) -> String {
    let mut s = format!("{description}: failed: {}", sec_text(e));
    if REFUSED.contains(&e.code()) {
        s.push_str(
            ". macOS refused the change: since Big Sur, trust settings and System keychain changes need an \
             administrator to authorize them interactively, and no dialog could be shown or it was cancelled \
             (no GUI session: SSH, launchd, CI)",
        );
    }
    if !applied.done.is_empty() {
        s.push_str(&format!(". Already done: {}", applied.done.join("; ")));
    }
    if !plan.equivalent.is_empty() {
        s.push_str(&format!(
            ". Run instead, in a Terminal of a logged-in session:\n  {}",
            plan.equivalent.join("\n  ")
        ));
    }
    s
}
