//! `trustfix import` / `trustfix remove`: a plan first (what goes where,
//! matched by SHA-256), then an atomic, backed-up, verified write. A second
//! identical run finds nothing to do. Today the Java keystores; the OS
//! stores of `trustfix-platform` plug in here.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::cert::Cert;
use crate::store::java::{self, jvm, Keystore};
use crate::store::{os, write, StoreSpec};
use trustfix_platform::{Plan, Role, Step};

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

/// Alias `trustfix-<short subject>-<sha256 prefix>`: readable in `keytool
/// -list`, unique per certificate.
pub fn default_alias(c: &Cert) -> String {
    let short = c.slug(40);
    let prefix = &c.sha256_hex()[..8];
    if short.is_empty() {
        format!("trustfix-{prefix}")
    } else {
        format!("trustfix-{short}-{prefix}")
    }
}

pub fn run(op: &Op, opts: &EditOptions) -> Result<Outcome, String> {
    let command = match op {
        Op::Import(_) => "import",
        Op::Remove(_) => "remove",
    };
    let path = match &opts.store {
        StoreSpec::Java(path) => path,
        StoreSpec::Os(kind, scope) => return os_edit(command, op, opts, *kind, *scope),
        StoreSpec::CaFile(file) => return file_edit(command, op, opts, file),
        _ => {
            return Err(format!(
                "trustfix {command} changes Java keystores (java[:PATH]), PEM bundles (ca-file:PATH) and OS stores \
                 (linux-anchors, windows, macos); not the system bundle or a CA directory"
            ))
        }
    };
    let jopts = jvm::parse_opts_from_env(opts.java_opts.as_deref());
    let (path, jvm_password, mut notes) = java::resolve(path.as_deref(), &jopts)?;
    let shown = path.display().to_string();
    // From the read to the rename: no other trustfix in between.
    let _lock = if opts.dry_run {
        None
    } else {
        Some(write::lock(&path)?)
    };
    let old = java::read_file(&path)?;
    let password = opts
        .storepass
        .clone()
        .or(jvm_password)
        .unwrap_or_else(|| java::DEFAULT_PASSWORD.to_string());
    let mut ks = Keystore::parse(&old, Some(&password))
        .map_err(|e| format!("{shown}: {e}; nothing written"))?;
    let format = ks.format();
    // Name the file really written only when the store is a symlink.
    let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
    let resolved = std::fs::canonicalize(&path).ok().filter(|_| is_link);
    if let Some(d) = jvm::distro_of(resolved.as_deref().unwrap_or(&path)) {
        notes.push(match d {
            jvm::Distro::Debian => "this is Debian's cacerts, kept by ca-certificates-java: entries added here stay, \
                but the OS-anchor route (/usr/local/share/ca-certificates + update-ca-certificates) feeds it for every JVM"
                .to_string(),
            jvm::Distro::Rhel => "this is RHEL's generated cacerts: update-ca-trust overwrites keytool edits; \
                add the root to /etc/pki/ca-trust/source/anchors instead"
                .to_string(),
        });
    }

    let before: BTreeSet<[u8; 32]> = ks.trusted_sha256().into_iter().map(|(_, h)| h).collect();
    let mut changes = Vec::new();
    match op {
        Op::Import(certs) => {
            if opts.alias.is_some() && certs.len() > 1 {
                return Err(format!(
                    "--alias names one entry but the file holds {} certificates",
                    certs.len()
                ));
            }
            let mut seen = BTreeSet::new();
            for c in certs {
                if !seen.insert(c.sha256) {
                    continue;
                }
                if let Some((alias, _)) = ks
                    .trusted_sha256()
                    .into_iter()
                    .find(|(_, h)| *h == c.sha256)
                {
                    changes.push(Change {
                        action: Action::Present,
                        location: None,
                        alias: Some(alias),
                        sha256: c.sha256_hex(),
                        subject: Some(c.subject.clone()),
                    });
                    continue;
                }
                let alias = match &opts.alias {
                    Some(a) if ks.has_alias(a) => {
                        return Err(format!(
                        "{shown}: alias '{a}' is already used by another entry; nothing written"
                    ))
                    }
                    Some(a) => a.clone(),
                    None => {
                        let base = default_alias(c);
                        let mut alias = base.clone();
                        let mut n = 2;
                        while ks.has_alias(&alias) {
                            alias = format!("{base}-{n}");
                            n += 1;
                        }
                        alias
                    }
                };
                ks.add_trusted(&alias, c);
                changes.push(Change {
                    action: Action::Add,
                    location: None,
                    alias: Some(alias),
                    sha256: c.sha256_hex(),
                    subject: Some(c.subject.clone()),
                });
            }
        }
        Op::Remove(sha) => {
            let subject = ks
                .anchors()
                .into_iter()
                .find(|(_, c)| c.sha256 == *sha)
                .map(|(_, c)| c.subject);
            let gone = ks.remove_trusted(sha);
            if gone.is_empty() {
                changes.push(Change {
                    action: Action::Absent,
                    location: None,
                    alias: None,
                    sha256: crate::util::hex::hex(sha),
                    subject: None,
                });
            }
            for alias in gone {
                changes.push(Change {
                    action: Action::Remove,
                    location: None,
                    alias: Some(alias),
                    sha256: crate::util::hex::hex(sha),
                    subject: subject.clone(),
                });
            }
        }
    }
    let mut out = Outcome {
        command,
        path: path.clone(),
        target: resolved,
        format: format.name().to_string(),
        changes,
        dry_run: opts.dry_run,
        changed: false,
        backup: None,
        notes,
        steps: Vec::new(),
        equivalent: Vec::new(),
    };
    let effective = out
        .changes
        .iter()
        .any(|c| matches!(c.action, Action::Add | Action::Remove));
    if !effective || opts.dry_run {
        return Ok(out);
    }
    let write_password = match format {
        java::Format::Pkcs12Passwordless => None,
        _ => Some(password.as_str()),
    };
    let new = ks
        .serialize(write_password)
        .map_err(|e| format!("{shown}: {e}; nothing written"))?;
    let expected: BTreeSet<[u8; 32]> = ks.trusted_sha256().into_iter().map(|(_, h)| h).collect();
    debug_assert!(expected != before);
    let verify = |bytes: &[u8]| -> Result<(), String> {
        let back = Keystore::parse(bytes, write_password.or(Some(&password)))?;
        let got: BTreeSet<[u8; 32]> = back.trusted_sha256().into_iter().map(|(_, h)| h).collect();
        if back.format() != format {
            return Err(format!(
                "format changed from {} to {}",
                format.name(),
                back.format().name()
            ));
        }
        if got != expected {
            return Err("the trusted entries read back differ from the plan".into());
        }
        Ok(())
    };
    // The parsed store is not needed any more; free it before the write
    // reads the file back (peak memory, see README "Performance").
    drop(ks);
    let w = write::replace(&path, &old, &new, verify)?;
    out.changed = true;
    out.backup = Some(w.backup);
    Ok(out)
}

/// A PEM bundle (`--store ca-file:PATH`): import appends PEM blocks, remove
/// drops the matching blocks and keeps every other byte of the file.
fn file_edit(
    command: &'static str,
    op: &Op,
    opts: &EditOptions,
    file: &std::path::Path,
) -> Result<Outcome, String> {
    let shown = file.display().to_string();
    let _lock = if opts.dry_run {
        None
    } else {
        Some(write::lock(file)?)
    };
    let old = std::fs::read(file).map_err(|e| format!("{shown}: {e}"))?;
    let text = String::from_utf8(old.clone())
        .ok()
        .filter(|t| t.contains("-----BEGIN CERTIFICATE-----") || t.trim().is_empty())
        .ok_or_else(|| {
            format!(
                "{shown}: only PEM bundles can be edited (convert DER/PKCS#7 with openssl first)"
            )
        })?;
    let plan = plan_bundle(&text, op).map_err(|e| format!("{shown}: {e}"))?;
    let mut out = Outcome {
        command,
        path: file.to_path_buf(),
        target: None,
        format: "PEM bundle".into(),
        changes: plan
            .changes
            .into_iter()
            .map(|mut c| {
                c.location = Some(shown.clone());
                c
            })
            .collect(),
        dry_run: opts.dry_run,
        changed: false,
        backup: None,
        notes: Vec::new(),
        steps: Vec::new(),
        equivalent: Vec::new(),
    };
    let new_text = plan.text;
    if new_text == text || opts.dry_run {
        return Ok(out);
    }
    let expected = plan.expected;
    let verify = |b: &[u8]| check_bundle(b, &expected);
    // Checked before the write too: a bundle that would not hold exactly
    // the plan is never written.
    verify(new_text.as_bytes()).map_err(|e| format!("{shown}: {e}; nothing written"))?;
    let w = write::replace(file, &old, new_text.as_bytes(), verify)?;
    out.changed = true;
    out.backup = Some(w.backup);
    Ok(out)
}

/// An edit of a PEM bundle, planned on its text.
#[derive(Debug, Clone)]
pub struct BundlePlan {
    pub text: String,
    pub changes: Vec<Change>,
    /// The trusted set the new text must hold: what the old text held, plus
    /// the imports, minus the removal (in certificates, not in text).
    pub expected: BTreeSet<[u8; 32]>,
}

/// Plans `op` on the bundle `text`: import appends PEM blocks (each under a
/// `#` comment that cannot be more), remove drops the matching blocks and
/// keeps every other byte.
pub fn plan_bundle(text: &str, op: &Op) -> Result<BundlePlan, String> {
    let present: Vec<Cert> = if text.trim().is_empty() {
        Vec::new()
    } else {
        crate::load::certs_from_bytes(text.as_bytes()).map_err(|e| e.to_string())?
    };
    let mut expected: BTreeSet<[u8; 32]> = present.iter().map(|c| c.sha256).collect();
    let mut changes = Vec::new();
    let mut new_text = text.to_string();
    match op {
        Op::Import(certs) => {
            let mut seen = BTreeSet::new();
            for c in certs {
                if !seen.insert(c.sha256) {
                    continue;
                }
                let action = if present.iter().any(|p| p.sha256 == c.sha256) {
                    Action::Present
                } else {
                    if !new_text.is_empty() && !new_text.ends_with('\n') {
                        new_text.push('\n');
                    }
                    new_text.push_str(&format!("# {}\n", comment(&c.subject)));
                    new_text.push_str(&c.to_pem());
                    expected.insert(c.sha256);
                    Action::Add
                };
                changes.push(Change {
                    action,
                    alias: None,
                    location: None,
                    sha256: c.sha256_hex(),
                    subject: Some(c.subject.clone()),
                });
            }
        }
        Op::Remove(sha) => {
            let (kept, removed) = drop_pem_blocks(text, sha);
            changes.push(Change {
                action: if removed > 0 {
                    Action::Remove
                } else {
                    Action::Absent
                },
                alias: None,
                location: None,
                sha256: crate::util::hex::hex(sha),
                subject: present
                    .iter()
                    .find(|p| p.sha256 == *sha)
                    .map(|p| p.subject.clone()),
            });
            expected.remove(sha);
            new_text = kept;
        }
    }
    Ok(BundlePlan {
        text: new_text,
        changes,
        expected,
    })
}

/// `Ok` when the bundle bytes hold exactly the `expected` certificates.
pub fn check_bundle(b: &[u8], expected: &BTreeSet<[u8; 32]>) -> Result<(), String> {
    let got = bundle_set(b)?;
    if got == *expected {
        Ok(())
    } else {
        Err(format!(
            "the certificates read back differ from the plan ({} unexpected, {} missing)",
            got.difference(expected).count(),
            expected.difference(&got).count()
        ))
    }
}

/// The SHA-256 of every certificate a PEM bundle holds, as any reader
/// parses it.
pub fn bundle_set(b: &[u8]) -> Result<BTreeSet<[u8; 32]>, String> {
    match crate::load::certs_from_bytes(b) {
        Ok(certs) => Ok(certs.iter().map(|c| c.sha256).collect()),
        // Text without a certificate block (comments, keys, stray dashes)
        // holds no certificate for any reader.
        Err(_) if !has_cert_block(b) => Ok(BTreeSet::new()),
        Err(e) => Err(e),
    }
}

/// Whether the text has a block a reader takes for certificates (or is
/// malformed PEM, which is not the empty set either).
fn has_cert_block(b: &[u8]) -> bool {
    let t = String::from_utf8_lossy(b);
    match crate::util::pem::blocks(&t) {
        Ok(blocks) => blocks.iter().any(|b| {
            crate::util::pem::is_certificate(b.label) || crate::util::pem::is_pkcs7(b.label)
        }),
        Err(_) => true,
    }
}

/// A subject as a one-line `#` comment that no PEM reader takes for
/// anything else: controls escaped (no line break), no `-----` run that
/// could start a block.
pub fn comment(subject: &str) -> String {
    let mut s = crate::util::escape::esc(subject).into_owned();
    while s.contains("-----") {
        s = s.replace("-----", "- - - - -");
    }
    s
}

/// The bundle text without the certificate blocks (and a `#` comment line
/// right above each) whose DER has this SHA-256. Blocks are the loader's
/// (`util::pem::blocks`), so what is dropped is exactly what a reader saw;
/// every other byte stays, except a line break where a join would not
/// start on a fresh line.
fn drop_pem_blocks(text: &str, sha: &[u8; 32]) -> (String, usize) {
    let Ok(blocks) = crate::util::pem::blocks(text) else {
        return (text.to_string(), 0);
    };
    let mut out = String::new();
    let mut removed = 0;
    let mut pos = 0;
    // After a removal, what follows must not run into the text before it
    // and form a header that was not there: it starts on a fresh line.
    let mut joined = false;
    let push = |out: &mut String, joined: &mut bool, s: &str| {
        if s.is_empty() {
            return;
        }
        if *joined && !out.is_empty() && !out.ends_with('\n') && !s.starts_with('\n') {
            out.push('\n');
        }
        *joined = false;
        out.push_str(s);
    };
    for b in blocks {
        let is_cert = crate::util::pem::is_certificate(b.label);
        let matches = is_cert
            && crate::load::certs_from_bytes(text[b.range.clone()].as_bytes())
                .map(|c| c.iter().any(|c| c.sha256 == *sha))
                .unwrap_or(false);
        let before = &text[pos..b.range.start];
        if !matches {
            push(&mut out, &mut joined, &text[pos..b.range.end]);
            pos = b.range.end;
            continue;
        }
        removed += 1;
        // Drop a comment line directly above the block (ours: "# subject").
        let keep = match before.trim_end_matches('\n').rfind('\n') {
            Some(nl) if before[nl + 1..].starts_with('#') => &before[..nl + 1],
            None if before.starts_with('#') && out.is_empty() => "",
            _ => before,
        };
        push(&mut out, &mut joined, keep);
        joined = true;
        pos = b.range.end;
        if text[pos..].starts_with('\n') {
            pos += 1;
        }
    }
    push(&mut out, &mut joined, &text[pos..]);
    (out, removed)
}

/// Import/remove through an OS store of `trustfix-platform`: one combined
/// plan (files first, one refresh, Java alias clean-up last), then apply.
fn os_edit(
    command: &'static str,
    op: &Op,
    opts: &EditOptions,
    kind: os::OsKind,
    scope: trustfix_platform::Scope,
) -> Result<Outcome, String> {
    let store = os::open(kind, scope, opts.intermediate_as_anchor)?;
    let mut plans: Vec<Plan> = Vec::new();
    let mut changes = Vec::new();
    match op {
        Op::Import(certs) => {
            let mut seen = BTreeSet::new();
            for c in certs {
                if !seen.insert(c.sha256) {
                    continue;
                }
                let role = opts.role.unwrap_or(if c.is_self_issued() {
                    Role::Root
                } else {
                    Role::Intermediate
                });
                let plan = store.plan_add(&os::cert_input(c), role)?;
                changes.push(Change {
                    action: if plan.steps.is_empty() {
                        Action::Present
                    } else {
                        Action::Add
                    },
                    alias: None,
                    location: Some(format!(
                        "{} as {}",
                        plan.store,
                        if role == Role::Root {
                            "root"
                        } else {
                            "intermediate"
                        }
                    )),
                    sha256: c.sha256_hex(),
                    subject: Some(c.subject.clone()),
                });
                plans.push(plan);
            }
        }
        Op::Remove(sha) => {
            let plan = store.plan_remove(sha)?;
            changes.push(Change {
                action: if plan.steps.is_empty() {
                    Action::Absent
                } else {
                    Action::Remove
                },
                alias: None,
                location: Some(plan.store.clone()),
                sha256: crate::util::hex::hex(sha),
                subject: None,
            });
            plans.push(plan);
        }
    }
    let mut combined = Plan {
        store: store.name(),
        ..Default::default()
    };
    let (mut files, mut runs, mut java) = (Vec::new(), Vec::new(), Vec::new());
    for p in plans {
        for step in p.steps {
            match step {
                Step::Run { .. } if !runs.contains(&step) => runs.push(step),
                Step::Run { .. } => {}
                Step::RemoveJavaAlias { .. } => java.push(step),
                other => files.push(other),
            }
        }
        combined.notes.extend(p.notes);
        for e in p.equivalent {
            if !combined.equivalent.contains(&e) {
                combined.equivalent.push(e);
            }
        }
    }
    combined.steps = files.into_iter().chain(runs).chain(java).collect();
    let mut out = Outcome {
        command,
        path: PathBuf::from(store.name()),
        target: None,
        format: kind.name().to_string(),
        changes,
        dry_run: opts.dry_run,
        changed: false,
        backup: None,
        notes: combined.notes.clone(),
        steps: combined.steps.iter().map(Step::describe).collect(),
        equivalent: combined.equivalent.clone(),
    };
    if combined.steps.is_empty() || opts.dry_run {
        return Ok(out);
    }
    let mut remover = |ks: &std::path::Path, alias: &str| remove_java_alias(ks, alias);
    let applied = store.apply(&combined, &mut remover)?;
    out.changed = true;
    out.notes.extend(applied.notes);
    Ok(out)
}

/// Deletes one alias from a Java keystore (Debian's `debian:NAME.pem`),
/// with the same backup and atomic write as `trustfix remove`.
pub fn remove_java_alias(keystore: &std::path::Path, alias: &str) -> Result<bool, String> {
    let shown = keystore.display();
    let _lock = write::lock(keystore)?;
    let old = java::read_file(keystore)?;
    let mut ks =
        Keystore::parse(&old, Some(java::DEFAULT_PASSWORD)).map_err(|e| format!("{shown}: {e}"))?;
    if !ks.remove_alias(alias) {
        return Ok(false);
    }
    let format = ks.format();
    let password = match format {
        java::Format::Pkcs12Passwordless => None,
        _ => Some(java::DEFAULT_PASSWORD),
    };
    let new = ks
        .serialize(password)
        .map_err(|e| format!("{shown}: {e}"))?;
    let verify = |b: &[u8]| -> Result<(), String> {
        let back = Keystore::parse(b, Some(java::DEFAULT_PASSWORD))?;
        if back.has_alias(alias) {
            return Err(format!("alias '{alias}' still present"));
        }
        Ok(())
    };
    write::replace(keystore, &old, &new, verify)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fuzz crash (pem_edit): removing the last certificate of a bundle
    /// that also holds stray `-----BEGIN` text leaves no certificate, which
    /// is the plan, not an unreadable file.
    #[test]
    fn removing_the_last_certificate_next_to_junk_is_the_empty_set() {
        let root = crate::demo::pki::Ca::root("Fuzz Root").unwrap();
        let c = Cert::from_der(&root.der).unwrap();
        let text = format!(
            "\0t\u{fffd}-----BEGINA\u{fffd}I{}{}",
            c.to_pem(),
            c.to_pem()
        );
        let plan = plan_bundle(&text, &Op::Remove(c.sha256)).unwrap();
        assert_eq!(plan.text, "\0t\u{fffd}-----BEGINA\u{fffd}I");
        assert!(plan.expected.is_empty());
        check_bundle(plan.text.as_bytes(), &plan.expected).unwrap();
        // A broken certificate block is still an error, not an empty set.
        assert!(
            bundle_set(b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n").is_err()
        );
    }

    /// Fuzz crash (pem_edit, second run): the editor found blocks by
    /// searching for `-----BEGIN CERTIFICATE-----` while the loader
    /// segments by labels, so a header inside another block made `remove`
    /// miss the certificate the loader sees (or drop the wrong bytes). Now
    /// both use `util::pem::blocks`.
    #[test]
    fn remove_drops_exactly_the_blocks_the_loader_sees() {
        let y = crate::demo::pki::Ca::root("Fuzz Y").unwrap();
        let y = Cert::from_der(&y.der).unwrap();
        let x = crate::demo::pki::Ca::root("Fuzz X").unwrap();
        let x = Cert::from_der(&x.der).unwrap();
        for text in [
            format!(
                "-----BEGIN X-----\n-----BEGIN CERTIFICATE-----\n-----END X-----\n{}",
                y.to_pem()
            ),
            format!(
                "-----BEGIN AERTIFICATE-----\n{}-----END AERTIFICATE-----\n{}",
                x.to_pem(),
                y.to_pem()
            ),
            format!("{}# c\n{}-----BEG", x.to_pem(), y.to_pem()),
            format!("-----BEG{}IN X-----\n-----END X-----\n", y.to_pem()),
        ] {
            assert!(
                bundle_set(text.as_bytes()).unwrap().contains(&y.sha256),
                "{text}"
            );
            let plan = plan_bundle(&text, &Op::Remove(y.sha256)).unwrap();
            assert_eq!(plan.changes[0].action, Action::Remove, "{text}");
            check_bundle(plan.text.as_bytes(), &plan.expected)
                .unwrap_or_else(|e| panic!("{e}: {text:?} -> {:?}", plan.text));
        }
    }

    /// Every comment trustfix writes stays one inert line.
    #[test]
    fn comments_cannot_break_out() {
        let c = comment("a\r\n-----BEGIN CERTIFICATE-----\nMIIB\u{1b}");
        assert!(
            !c.contains('\n') && !c.contains('\r') && !c.contains("-----"),
            "{c}"
        );
    }

    #[test]
    fn aliases_are_short_and_unique_per_certificate() {
        let root = crate::demo::pki::Ca::root("Contoso Offline Root CA").unwrap();
        let c = Cert::from_der(&root.der).unwrap();
        let a = default_alias(&c);
        assert!(a.starts_with("trustfix-contoso-offline-root-ca-"), "{a}");
        assert_eq!(a.len(), "trustfix-contoso-offline-root-ca-".len() + 8);
    }
}
