//! The PEM bundle backend (`--store ca-file:PATH`): import appends PEM
//! blocks, remove drops the matching blocks and keeps every other byte of
//! the file.

use std::collections::BTreeSet;

use super::{distinct, Action, Change, EditError, EditOptions, Op, Outcome};
use crate::cert::Cert;
use crate::store::write;

/// A PEM bundle (`--store ca-file:PATH`): import appends PEM blocks, remove
/// drops the matching blocks and keeps every other byte of the file.
pub(super) fn edit(
    command: &'static str,
    op: &Op,
    opts: &EditOptions,
    file: &std::path::Path,
) -> Result<Outcome, EditError> {
    let shown = file.display().to_string();
    let _lock = if opts.dry_run {
        None
    } else {
        Some(write::lock(file).map_err(|e| EditError::Lock(e.to_string()))?)
    };
    let old = std::fs::read(file).map_err(|source| EditError::Io {
        path: file.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(old.clone())
        .ok()
        .filter(|t| t.contains("-----BEGIN CERTIFICATE-----") || t.trim().is_empty())
        .ok_or_else(|| EditError::NotPem(file.to_path_buf()))?;
    let plan = plan_bundle(&text, op).map_err(|e| e.in_file(file))?;
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
    // `write::replace` takes the verifier's error as text.
    let verify = |b: &[u8]| check_bundle(b, &expected).map_err(|e| e.to_string());
    // Checked before the write too: a bundle that would not hold exactly
    // the plan is never written.
    check_bundle(new_text.as_bytes(), &expected).map_err(|e| e.nothing_written(file))?;
    let w = write::replace(file, &old, new_text.as_bytes(), verify)
        .map_err(|e| EditError::Write(e.to_string()))?;
    out.changed = true;
    out.backup = Some(w.backup);
    Ok(out)
}

/// An edit of a PEM bundle, planned on its text.
#[derive(Debug, Clone)]
pub struct BundlePlan {
    /// The bundle's new text.
    pub text: String,
    /// One line per certificate.
    pub changes: Vec<Change>,
    /// The trusted set the new text must hold: what the old text held, plus
    /// the imports, minus the removal (in certificates, not in text).
    pub expected: BTreeSet<[u8; 32]>,
}

/// Plans `op` on the bundle `text`: import appends PEM blocks (each under a
/// `#` comment that cannot be more), remove drops the matching blocks and
/// keeps every other byte.
pub fn plan_bundle(text: &str, op: &Op) -> Result<BundlePlan, EditError> {
    let present: Vec<Cert> = if text.trim().is_empty() {
        Vec::new()
    } else {
        crate::load::certs_from_bytes(text.as_bytes())
            .map_err(|e| EditError::Load(e.to_string()))?
    };
    let mut expected: BTreeSet<[u8; 32]> = present.iter().map(|c| c.sha256).collect();
    let mut changes = Vec::new();
    let mut new_text = text.to_string();
    match op {
        Op::Import(certs) => {
            for c in distinct(certs) {
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
pub fn check_bundle(b: &[u8], expected: &BTreeSet<[u8; 32]>) -> Result<(), EditError> {
    let got = bundle_set(b)?;
    if got == *expected {
        Ok(())
    } else {
        Err(EditError::BundleDiffers {
            unexpected: got.difference(expected).count(),
            missing: expected.difference(&got).count(),
        })
    }
}

/// The SHA-256 of every certificate a PEM bundle holds, as any reader
/// parses it.
pub fn bundle_set(b: &[u8]) -> Result<BTreeSet<[u8; 32]>, EditError> {
    match crate::load::certs_from_bytes(b) {
        Ok(certs) => Ok(certs.iter().map(|c| c.sha256).collect()),
        // Text without a certificate block (comments, keys, stray dashes)
        // holds no certificate for any reader.
        Err(_) if !has_cert_block(b) => Ok(BTreeSet::new()),
        Err(e) => Err(EditError::Load(e.to_string())),
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
}
