//! The Java keystore backend: JKS, JCEKS and PKCS12 edited through
//! `keystore::Keystore`, matched and verified by SHA-256 (no certificate is
//! X.509-parsed to match or verify), written in the format read.

use std::collections::BTreeSet;
use std::path::Path;

use super::{distinct, Action, Change, EditError, EditOptions, Op, Outcome};
use crate::cert::Cert;
use crate::keystore::{self, jvm, Format, Keystore, DEFAULT_PASSWORD};
use crate::store::{java, write};

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

/// Edits the keystore at `path`, or the default JVM's truststore.
pub(super) fn edit(
    command: &'static str,
    op: &Op,
    opts: &EditOptions,
    path: Option<&Path>,
) -> Result<Outcome, EditError> {
    let jopts = jvm::parse_opts_from_env(opts.java_opts.as_deref());
    let (path, jvm_password, mut notes) =
        java::resolve(path, &jopts).map_err(|e| EditError::Resolve(e.to_string()))?;
    // From the read to the rename: no other trustfix in between.
    let _lock = if opts.dry_run {
        None
    } else {
        Some(write::lock(&path).map_err(|e| EditError::Lock(e.to_string()))?)
    };
    let old = keystore::read_file(&path).map_err(|e| EditError::Read(e.to_string()))?;
    let password = opts
        .storepass
        .clone()
        .or(jvm_password)
        .unwrap_or_else(|| DEFAULT_PASSWORD.to_string());
    let mut ks = Keystore::parse(&old, Some(&password))
        .map_err(|e| EditError::Keystore(e.to_string()).nothing_written(&path))?;
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
                return Err(EditError::AliasForMany(certs.len()));
            }
            for c in distinct(certs) {
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
                        return Err(EditError::AliasTaken {
                            path: path.clone(),
                            alias: a.clone(),
                        })
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
                ks.add_trusted(&alias, &c.der);
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
            let subject = java::anchors(&ks)
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
        Format::Pkcs12Passwordless => None,
        _ => Some(password.as_str()),
    };
    let new = ks
        .serialize(write_password)
        .map_err(|e| EditError::Keystore(e.to_string()).nothing_written(&path))?;
    let expected: BTreeSet<[u8; 32]> = ks.trusted_sha256().into_iter().map(|(_, h)| h).collect();
    debug_assert!(expected != before);
    let verify = |bytes: &[u8]| -> Result<(), EditError> {
        let back = Keystore::parse(bytes, write_password.or(Some(&password)))
            .map_err(|e| EditError::Keystore(e.to_string()))?;
        let got: BTreeSet<[u8; 32]> = back.trusted_sha256().into_iter().map(|(_, h)| h).collect();
        if back.format() != format {
            return Err(EditError::FormatChanged {
                from: format.name(),
                to: back.format().name(),
            });
        }
        if got != expected {
            return Err(EditError::EntriesDiffer);
        }
        Ok(())
    };
    // The parsed store is not needed any more; free it before the write
    // reads the file back (peak memory, see README "Performance").
    drop(ks);
    let w =
        write::replace(&path, &old, &new, verify).map_err(|e| EditError::Write(e.to_string()))?;
    out.changed = true;
    out.backup = Some(w.backup);
    Ok(out)
}

/// Deletes one alias from a Java keystore (Debian's `debian:NAME.pem`),
/// with the same backup and atomic write as `trustfix remove`.
pub fn remove_java_alias(file: &Path, alias: &str) -> Result<bool, EditError> {
    let _lock = write::lock(file).map_err(|e| EditError::Lock(e.to_string()))?;
    let old = keystore::read_file(file).map_err(|e| EditError::Read(e.to_string()))?;
    let mut ks = Keystore::parse(&old, Some(DEFAULT_PASSWORD))
        .map_err(|e| EditError::Keystore(e.to_string()).in_file(file))?;
    if !ks.remove_alias(alias) {
        return Ok(false);
    }
    let format = ks.format();
    let password = match format {
        Format::Pkcs12Passwordless => None,
        _ => Some(DEFAULT_PASSWORD),
    };
    let new = ks
        .serialize(password)
        .map_err(|e| EditError::Keystore(e.to_string()).in_file(file))?;
    let verify = |b: &[u8]| -> Result<(), EditError> {
        let back = Keystore::parse(b, Some(DEFAULT_PASSWORD))
            .map_err(|e| EditError::Keystore(e.to_string()))?;
        if back.has_alias(alias) {
            return Err(EditError::AliasStillPresent(alias.to_string()));
        }
        Ok(())
    };
    write::replace(file, &old, &new, verify).map_err(|e| EditError::Write(e.to_string()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_short_and_unique_per_certificate() {
        let root = crate::demo::pki::Ca::root("Contoso Offline Root CA").unwrap();
        let c = Cert::from_der(&root.der).unwrap();
        let a = default_alias(&c);
        assert!(a.starts_with("trustfix-contoso-offline-root-ca-"), "{a}");
        assert_eq!(a.len(), "trustfix-contoso-offline-root-ca-".len() + 8);
    }
}
