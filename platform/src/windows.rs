//! Windows certificate stores through crypt32 ([`crate::wincrypt`]).
//!
//! Which store a role and scope go to, which stores a check reads and the
//! certutil / PowerShell equivalents are decided in [`crate::choice`]
//! (unit-tested on every OS); this module only talks to the OS, so it stays
//! thin.
//!
//! Reading opens every store with `CERT_STORE_READONLY_FLAG`: LocalMachine
//! stores then open without elevation (a read-write open fails with
//! ACCESS_DENIED for a normal user). `--store windows` (scope machine) reads
//! only LocalMachine Root, AuthRoot and CA: what the machine chain engine of
//! a service (SQL Server, IIS, SYSTEM tasks) consults. Scope user reads those
//! and CurrentUser Root and CA, as the user's chain engine does.
//!
//! Writing opens the store read-write, adds with `CERT_STORE_ADD_USE_EXISTING`
//! (never `REPLACE_EXISTING`: that returns ACCESS_DENIED when the certificate
//! sits in the GroupPolicy or Enterprise physical store) and deletes with
//! `CertDeleteCertificateFromStore`, then commits the store
//! (`CERT_STORE_CTRL_COMMIT`: some providers, Wine's among them, drop deletes
//! otherwise). Every write is verified by opening the store again: an add
//! that is not there or a delete that did not happen is an error.
//!
//! A [`Step::Call`] only carries a description, so every description ends in
//! a machine-readable tag `[location=LocalMachine store=Root sha256=<hex>]`
//! that [`OsStore::apply`] parses. The DER to add is kept by `plan_add` in a
//! process-wide pending map keyed by its SHA-256 (a static rather than a
//! field, so `WindowsStore { scope }` stays constructible, `Send` and `Sync`,
//! and a plan made by one `WindowsStore` value can be applied by another).
//!
//! CurrentUser\Root (and the other CurrentUser system stores) also show the
//! certificates of the LocalMachine store of the same name (its
//! `.LocalMachine` physical store). A certificate seen in both is reported
//! where it really is, in LocalMachine, and is never deleted through the
//! CurrentUser view (that could delete the machine's copy).

use std::io;
use std::sync::Mutex;

use crate::wincrypt::{Context, Location, Store};

use crate::choice::{
    windows_add_commands, windows_read_stores, windows_remove_commands, windows_target,
};
use crate::hex::hex;
use crate::{
    sha256, Applied, CertInput, JavaAliasRemover, Listed, OsStore, Plan, Role, Scope, Step,
};

/// The Windows system certificate stores of one scope (LocalMachine or
/// CurrentUser) for writing; reading covers the stores
/// [`windows_read_stores`] names for that scope.
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowsStore {
    /// LocalMachine or CurrentUser.
    pub scope: Scope,
}

const ADD_CALL: &str = "CertAddEncodedCertificateToStore";
const DELETE_CALL: &str = "CertDeleteCertificateFromStore";

/// DER waiting to be added, keyed by its SHA-256 (lowercase hex), with the
/// file name the printed certutil equivalent uses.
struct Pending {
    sha256: String,
    der: Vec<u8>,
    file: String,
}

static PENDING: Mutex<Vec<Pending>> = Mutex::new(Vec::new());

fn pending_put(p: Pending) {
    let mut v = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    v.retain(|x| x.sha256 != p.sha256);
    v.push(p);
}

fn pending_get(sha: &str) -> Option<(Vec<u8>, String)> {
    let v = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    v.iter()
        .find(|x| x.sha256 == sha)
        .map(|x| (x.der.clone(), x.file.clone()))
}

fn pending_drop(sha: &str) {
    PENDING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|x| x.sha256 != sha);
}

fn open_read_only(location: &str, store: &str) -> io::Result<Store> {
    Store::open_system(Location::parse(location), store, true)
}

fn open_writable(location: &str, store: &str) -> io::Result<Store> {
    Store::open_system(Location::parse(location), store, false)
}

fn scope_of(location: &str) -> Scope {
    if location == "LocalMachine" {
        Scope::Machine
    } else {
        Scope::User
    }
}

fn role_of(store: &str) -> Role {
    if store == "Root" {
        Role::Root
    } else {
        Role::Intermediate
    }
}

/// Certificates of an open store whose DER has this SHA-256.
fn find(store: &Store, want: &[u8; 32]) -> Vec<Context> {
    store
        .certs()
        .into_iter()
        .filter(|c| &sha256(c.der()) == want)
        .collect()
}

/// Whether `location`\`store` (opened again, read-only) holds the certificate;
/// `None` when the store cannot be opened.
fn holds(location: &str, store: &str, want: &[u8; 32]) -> Option<bool> {
    open_read_only(location, store)
        .ok()
        .map(|s| !find(&s, want).is_empty())
}

/// Whether LocalMachine\`store` (read-only) holds the certificate.
fn in_local_machine(store: &str, want: &[u8; 32]) -> bool {
    holds("LocalMachine", store, want).unwrap_or(false)
}

/// SHA-1 thumbprint as Windows prints it (uppercase hex).
fn thumbprint(der: &[u8]) -> String {
    use sha1::Digest;
    hex(&sha1::Sha1::digest(der)).to_uppercase()
}

fn tag(location: &str, store: &str, sha: &str) -> String {
    format!("[location={location} store={store} sha256={sha}]")
}

const ERROR_ACCESS_DENIED: i32 = 5;
const E_ACCESSDENIED: i32 = 0x8007_0005_u32 as i32;
const ERROR_CANCELLED: i32 = 1223;
const HRESULT_ERROR_CANCELLED: i32 = 0x8007_04C7_u32 as i32;

fn is_access_denied(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(ERROR_ACCESS_DENIED) | Some(E_ACCESSDENIED)
    ) || e.kind() == io::ErrorKind::PermissionDenied
}

fn is_cancelled(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(ERROR_CANCELLED) | Some(HRESULT_ERROR_CANCELLED)
    )
}

/// An OS error turned into advice; `what` says what failed, `command` is the
/// certutil equivalent.
fn explain(e: &io::Error, what: &str, location: &str, store: &str, command: &str) -> String {
    if is_cancelled(e) {
        format!(
            "{what}: {e}. Windows asks for confirmation before changing {location}\\{store}; the dialog was \
             canceled, or there is no desktop to show it (SSH, a service, CI). Run trustfix from an interactive \
             desktop session and confirm the dialog, or run there: {command}"
        )
    } else if is_access_denied(e) && location == "LocalMachine" {
        format!(
            "{what}: {e}. Changing {location}\\{store} needs an elevated prompt (Run as administrator); \
             or run from one: {command}. If the certificate comes from Group Policy (GroupPolicy or \
             Enterprise physical store), only the policy can change it."
        )
    } else if is_access_denied(e) {
        format!(
            "{what}: {e}. If the certificate comes from Group Policy (GroupPolicy or Enterprise physical \
             store), only the policy can change it; otherwise run: {command}"
        )
    } else {
        format!("{what}: {e}; the equivalent command is: {command}")
    }
}

enum Op {
    Add,
    Delete,
}

struct Call {
    op: Op,
    location: String,
    store: String,
    sha256: [u8; 32],
    sha256_hex: String,
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    crate::hex::parse_hex(s)?.try_into().ok()
}

/// Recovers what to do from a `Step::Call` description made by this module.
fn parse_call(description: &str) -> Result<Call, String> {
    let bad = || format!("not a Windows certificate-store step made by trustfix: {description}");
    let op = if description.starts_with(ADD_CALL) {
        Op::Add
    } else if description.starts_with(DELETE_CALL) {
        Op::Delete
    } else {
        return Err(bad());
    };
    let start = description.rfind(" [location=").ok_or_else(bad)?;
    let inner = description[start + 2..].strip_suffix(']').ok_or_else(bad)?;
    let (mut location, mut store, mut sha) = (None, None, None);
    for kv in inner.split_whitespace() {
        match kv.split_once('=') {
            Some(("location", v)) => location = Some(v),
            Some(("store", v)) => store = Some(v),
            Some(("sha256", v)) => sha = Some(v),
            _ => return Err(bad()),
        }
    }
    let location = location
        .filter(|l| *l == "LocalMachine" || *l == "CurrentUser")
        .ok_or_else(bad)?;
    // trustfix writes only Root and CA (choice::windows_target).
    let store = store
        .filter(|s| *s == "Root" || *s == "CA")
        .ok_or_else(bad)?;
    let sha_hex = sha.ok_or_else(bad)?.to_ascii_lowercase();
    let sha256 = parse_hex32(&sha_hex).ok_or_else(bad)?;
    Ok(Call {
        op,
        location: location.to_string(),
        store: store.to_string(),
        sha256,
        sha256_hex: sha_hex,
    })
}

impl WindowsStore {
    fn location(&self) -> &'static str {
        windows_target(Role::Root, self.scope).0
    }

    fn add(&self, call: &Call) -> Result<String, String> {
        let (der, file) = pending_get(&call.sha256_hex).ok_or_else(|| {
            format!(
                "no certificate with SHA-256 {} is waiting to be added: apply a plan made by plan_add in the same run",
                call.sha256_hex
            )
        })?;
        if sha256(&der) != call.sha256 {
            return Err(format!(
                "internal error: pending certificate does not match SHA-256 {}",
                call.sha256_hex
            ));
        }
        let (loc, st) = (call.location.as_str(), call.store.as_str());
        let command = windows_add_commands(role_of(st), scope_of(loc), &file).remove(0);
        Context::new(&der).map_err(|e| format!("Windows cannot decode the certificate: {e}"))?;
        let store = open_writable(loc, st).map_err(|e| {
            explain(
                &e,
                &format!("cannot open {loc}\\{st} for writing"),
                loc,
                st,
                &command,
            )
        })?;
        store.add_encoded(&der).map_err(|e| {
            explain(
                &e,
                &format!("{ADD_CALL}({loc}\\{st}) failed"),
                loc,
                st,
                &command,
            )
        })?;
        // Some providers only write on commit; an error here is judged by
        // the re-open below, not by itself.
        let _ = store.commit();
        drop(store);
        match holds(loc, st, &call.sha256) {
            Some(true) => {}
            Some(false) => {
                return Err(format!(
                    "{ADD_CALL}({loc}\\{st}) reported success, but {loc}\\{st} opened again does not hold the \
                     certificate (SHA-256 {}): not added; the equivalent command is: {command}",
                    call.sha256_hex
                ))
            }
            None => {
                return Err(format!(
                    "added to {loc}\\{st}, but the store cannot be opened again to verify it (SHA-256 {})",
                    call.sha256_hex
                ))
            }
        }
        pending_drop(&call.sha256_hex);
        Ok(format!(
            "added to {loc}\\{st} (SHA-256 {}), verified by opening the store again",
            call.sha256_hex
        ))
    }

    fn delete(&self, call: &Call) -> Result<String, String> {
        let (loc, st) = (call.location.as_str(), call.store.as_str());
        if loc == "CurrentUser" && in_local_machine(st, &call.sha256) {
            return Err(format!(
                "the certificate (SHA-256 {}) is also in LocalMachine\\{st}, which CurrentUser\\{st} shows; \
                 refusing to delete through CurrentUser\\{st} (it could remove the machine's copy): \
                 remove it with the LocalMachine scope",
                call.sha256_hex
            ));
        }
        let store = open_writable(loc, st).map_err(|e| {
            let command =
                windows_remove_commands(role_of(st), scope_of(loc), "<thumbprint>").remove(0);
            explain(
                &e,
                &format!("cannot open {loc}\\{st} for writing"),
                loc,
                st,
                &command,
            )
        })?;
        // Collect first: deleting while enumerating would free the context
        // the enumeration continues from.
        let hits = find(&store, &call.sha256);
        if hits.is_empty() {
            return Ok(format!(
                "{loc}\\{st}: already absent (SHA-256 {})",
                call.sha256_hex
            ));
        }
        let thumb = thumbprint(hits[0].der());
        let command = windows_remove_commands(role_of(st), scope_of(loc), &thumb).remove(0);
        for cx in hits {
            cx.delete().map_err(|e| {
                explain(
                    &e,
                    &format!("{DELETE_CALL}({loc}\\{st}) failed"),
                    loc,
                    st,
                    &command,
                )
            })?;
        }
        // Without a commit Wine keeps the delete in memory only; Windows'
        // registry provider has already written it (the commit is harmless).
        let committed = store.commit();
        drop(store);
        match holds(loc, st, &call.sha256) {
            Some(false) => Ok(format!(
                "removed {thumb} from {loc}\\{st}, verified by opening the store again"
            )),
            Some(true) => Err(format!(
                "{DELETE_CALL}({loc}\\{st}) reported success, but {loc}\\{st} opened again still holds \
                 {thumb} (SHA-256 {}){}: not removed; the equivalent command is: {command}",
                call.sha256_hex,
                match committed {
                    Ok(()) => String::new(),
                    Err(e) => format!(", and CertControlStore(CERT_STORE_CTRL_COMMIT) failed: {e}"),
                }
            )),
            None => Err(format!(
                "deleted {thumb} from {loc}\\{st}, but the store cannot be opened again to verify it"
            )),
        }
    }
}

impl OsStore for WindowsStore {
    fn name(&self) -> String {
        match self.scope {
            Scope::Machine => "Windows LocalMachine certificate stores".to_string(),
            Scope::User => {
                "Windows CurrentUser certificate stores (with the LocalMachine ones they show)"
                    .to_string()
            }
        }
    }

    /// Every certificate of every store a check of this scope reads, expired
    /// ones included, each with the store it really is in. Stores that
    /// cannot be opened are skipped; an error only when none could be opened.
    fn list(&self) -> Result<Vec<Listed>, String> {
        let mut out: Vec<Listed> = Vec::new();
        let mut failed = Vec::new();
        let stores = windows_read_stores(self.scope);
        for &(loc, st, role) in stores {
            let store = match open_read_only(loc, st) {
                Ok(s) => s,
                Err(e) => {
                    failed.push(format!("{loc}\\{st}: {e}"));
                    continue;
                }
            };
            let machine_copy = format!("LocalMachine\\{st}");
            for cx in store.certs() {
                let der = cx.der().to_vec();
                // CurrentUser\X also shows LocalMachine\X (read first): that
                // copy is in LocalMachine, and listed there already.
                if loc == "CurrentUser"
                    && out
                        .iter()
                        .any(|l| l.location == machine_copy && l.der == der)
                {
                    continue;
                }
                out.push(Listed {
                    der,
                    location: format!("{loc}\\{st}"),
                    role,
                });
            }
        }
        if !failed.is_empty() && failed.len() == stores.len() {
            return Err(format!(
                "cannot open any Windows certificate store: {}",
                failed.join("; ")
            ));
        }
        Ok(out)
    }

    fn plan_add(&self, cert: &CertInput, role: Role) -> Result<Plan, String> {
        let (loc, st) = windows_target(role, self.scope);
        let mut plan = Plan {
            store: format!("Windows certificate store {loc}\\{st}"),
            ..Plan::default()
        };
        Context::new(&cert.der).map_err(|e| {
            format!(
                "Windows cannot decode the certificate {}: {e}",
                cert.subject
            )
        })?;
        let thumb = hex(&cert.sha1).to_uppercase();
        // CurrentUser\X shows LocalMachine\X too: name the store it is really in.
        if self.scope == Scope::User && in_local_machine(st, &cert.sha256) {
            plan.store = format!("Windows certificate store LocalMachine\\{st}");
            plan.notes.push(format!(
                "already present in LocalMachine\\{st} (thumbprint {thumb}), which {loc}\\{st} shows: \
                 the user's chain engine trusts it already; nothing added to {loc}\\{st}"
            ));
            return Ok(plan);
        }
        match open_read_only(loc, st) {
            Ok(store) => {
                if !find(&store, &cert.sha256).is_empty() {
                    plan.notes.push(format!("already present in {loc}\\{st} (thumbprint {thumb})"));
                    return Ok(plan);
                }
            }
            Err(e) => plan.notes.push(format!(
                "could not read {loc}\\{st} to look for an existing copy ({e}); CERT_STORE_ADD_USE_EXISTING keeps one if it is there"
            )),
        }
        let sha = hex(&sha256(&cert.der));
        let file = format!("{}.cer", cert.short_name);
        pending_put(Pending {
            sha256: sha.clone(),
            der: cert.der.clone(),
            file: file.clone(),
        });
        plan.steps.push(Step::Call {
            description: format!(
                "{ADD_CALL}({loc}\\{st}, CERT_STORE_ADD_USE_EXISTING) for {} (thumbprint {thumb}) {}",
                cert.subject,
                tag(loc, st, &sha)
            ),
        });
        plan.equivalent = windows_add_commands(role, self.scope, &file);
        match self.scope {
            Scope::Machine => plan.notes.push(format!(
                "writing {loc}\\{st} needs an elevated prompt (Run as administrator)"
            )),
            Scope::User => {
                if role == Role::Root {
                    plan.notes.push(format!(
                        "Windows shows a confirmation dialog for {loc}\\{st}; without a desktop (SSH, a service, CI) \
                         the call fails with \"The operation was canceled by the user\""
                    ));
                }
                plan.notes.push(format!(
                    "services (IIS, SQL Server, tasks running as SYSTEM) do not see {loc}\\{st}, only LocalMachine"
                ));
            }
        }
        Ok(plan)
    }

    fn plan_remove(&self, sha256: &[u8; 32]) -> Result<Plan, String> {
        let loc = self.location();
        let targets: Vec<(Role, &str)> = [Role::Root, Role::Intermediate]
            .into_iter()
            .map(|r| (r, windows_target(r, self.scope).1))
            .collect();
        let mut plan = Plan {
            store: format!(
                "Windows certificate stores {}",
                targets
                    .iter()
                    .map(|(_, st)| format!("{loc}\\{st}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ..Plan::default()
        };
        let sha = hex(sha256);
        for &(role, st) in &targets {
            let store = match open_read_only(loc, st) {
                Ok(s) => s,
                Err(e) => {
                    plan.notes.push(format!("could not read {loc}\\{st}: {e}"));
                    continue;
                }
            };
            let Some(cx) = find(&store, sha256).into_iter().next() else {
                continue;
            };
            if self.scope == Scope::User && in_local_machine(st, sha256) {
                plan.notes.push(format!(
                    "{loc}\\{st} shows it from LocalMachine\\{st}: not removed here; remove it with the LocalMachine scope"
                ));
                continue;
            }
            let thumb = thumbprint(cx.der());
            plan.steps.push(Step::Call {
                description: format!(
                    "{DELETE_CALL}({loc}\\{st}) for thumbprint {thumb} {}",
                    tag(loc, st, &sha)
                ),
            });
            plan.equivalent
                .extend(windows_remove_commands(role, self.scope, &thumb));
            if self.scope == Scope::User && role == Role::Root {
                plan.notes.push(format!(
                    "Windows shows a confirmation dialog for deleting from {loc}\\{st}; without a desktop the call fails"
                ));
            }
        }
        if !plan.steps.is_empty() && self.scope == Scope::Machine {
            plan.notes.push(format!(
                "writing {loc} stores needs an elevated prompt (Run as administrator)"
            ));
        }
        // Where else it is, so nobody is surprised that it is still trusted.
        let targeted: Vec<String> = targets
            .iter()
            .map(|(_, st)| format!("{loc}\\{st}"))
            .collect();
        if let Ok(all) = self.list() {
            let mut seen: Vec<String> = Vec::new();
            for l in all.iter().filter(|l| crate::sha256(&l.der) == *sha256) {
                if !targeted.contains(&l.location) && !seen.contains(&l.location) {
                    seen.push(l.location.clone());
                }
            }
            if !seen.is_empty() {
                plan.notes.push(format!(
                    "also present in {} (not changed by this plan)",
                    seen.join(", ")
                ));
            }
        }
        if plan.steps.is_empty() {
            plan.notes
                .push(format!("not present in {}", targeted.join(" or ")));
        }
        Ok(plan)
    }

    fn apply(&self, plan: &Plan, java: JavaAliasRemover) -> Result<Applied, String> {
        let mut applied = Applied::default();
        for step in &plan.steps {
            let result = match step {
                Step::Call { description } => {
                    parse_call(description).and_then(|call| match call.op {
                        Op::Add => self.add(&call),
                        Op::Delete => self.delete(&call),
                    })
                }
                Step::RemoveJavaAlias { keystore, alias } => java(keystore, alias).map(|existed| {
                    if existed {
                        step.describe()
                    } else {
                        format!("alias '{alias}' was not in {}", keystore.display())
                    }
                }),
                other => Err(format!(
                    "the Windows certificate store cannot execute: {}",
                    other.describe()
                )),
            };
            match result {
                Ok(done) => applied.done.push(done),
                Err(e) if applied.done.is_empty() => return Err(e),
                Err(e) => return Err(format!("{e} (already done: {})", applied.done.join("; "))),
            }
        }
        Ok(applied)
    }
}
