//! `import` and `remove`: the plan, a confirmation on a terminal (as
//! keytool asks), then the edit. The rendering of an edit is shared with
//! `fix` and `undo`, which show the edits they make.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{pretty, prompt, shown, Outcome};
use crate::cert::Cert;
use crate::cli::{EditStoreArgs, ImportArgs, RemoveArgs};
use crate::edit::{self, Action, EditOptions, Op};
use crate::error::Error;
use crate::inventory::{self, InventoryError, ListEntry};
use crate::keystore::same_alias;
use crate::util::escape::esc;

/// `trustfix import FILE --store S`.
pub(super) fn import(a: ImportArgs) -> Outcome {
    let certs = crate::load::certs_from_file(&a.file).map_err(|e| Error::Usage(e.to_string()))?;
    let opts = EditOptions {
        role: a.role.role(),
        intermediate_as_anchor: a.intermediate_as_anchor,
        alias: a.alias.clone(),
        ..options(&a.store, a.apply.dry_run)?
    };
    apply(Op::Import(certs), &a.store, opts, a.apply.yes, a.json.json)
}

/// `trustfix remove --sha256|--sha1|--alias X --store S`.
pub(super) fn remove(a: RemoveArgs) -> Outcome {
    let opts = options(&a.store, a.apply.dry_run)?;
    let sha = which(&a, &opts)?;
    apply(Op::Remove(sha), &a.store, opts, a.apply.yes, a.json.json)
}

fn options(s: &EditStoreArgs, dry_run: bool) -> Result<EditOptions, Error> {
    let keystore = s.keystore.options()?;
    Ok(EditOptions {
        role: None,
        intermediate_as_anchor: false,
        store: s.spec()?,
        storepass: keystore.storepass,
        java_opts: keystore.java_opts,
        alias: None,
        dry_run,
    })
}

fn apply(op: Op, s: &EditStoreArgs, opts: EditOptions, yes: bool, json: bool) -> Outcome {
    if !opts.dry_run && !yes {
        // As keytool does: show what would change and ask; never on a pipe.
        if !prompt::terminal() {
            return Err(Error::Usage(format!(
                "{}: not applied: no terminal to confirm on; pass --yes (or --dry-run to only see the plan)",
                match op {
                    Op::Import(_) => "import",
                    Op::Remove(_) => "remove",
                }
            )));
        }
        let dry = EditOptions {
            dry_run: true,
            ..opts.clone()
        };
        let preview = edit::run(&op, &dry).map_err(|e| Error::Store(e.to_string()))?;
        print!("{}", text(&preview));
        if !preview.would_change() {
            return Ok(0);
        }
        let asked = match &op {
            Op::Import(certs) => {
                let list: Vec<&Cert> = certs.iter().collect();
                prompt::confirm_certs(
                    &list,
                    &format!("Trust {} certificate(s) in {}? [y/N] ", list.len(), s.store),
                )
            }
            Op::Remove(sha) => {
                // Show the certificate being removed, as found in the store.
                let found: Vec<Cert> = entries(&opts)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|e| e.cert)
                    .filter(|c| c.sha256 == *sha)
                    .take(1)
                    .collect();
                let question = format!("Remove from {}? [y/N] ", s.store);
                if found.is_empty() {
                    prompt::ask(&question)
                } else {
                    prompt::confirm_certs(&found.iter().collect::<Vec<_>>(), &question)
                }
            }
        };
        if !asked {
            println!("Declined: nothing changed.");
            return Ok(1);
        }
    }
    let o = edit::run(&op, &opts).map_err(|e| Error::Store(e.to_string()))?;
    if json {
        println!("{}", pretty(&value(&o)));
    } else {
        print!("{}", text(&o));
    }
    Ok(0)
}

fn entries(opts: &EditOptions) -> Result<Vec<ListEntry>, InventoryError> {
    let store_opts = crate::store::StoreOptions {
        storepass: opts.storepass.clone(),
        java_opts: opts.java_opts.clone(),
    };
    inventory::store_list(&opts.store, &store_opts).map(|l| l.entries)
}

type EntryFilter = Box<dyn Fn(&ListEntry) -> bool>;

/// The SHA-256 `remove` acts on: given in full, or found in the store by
/// a unique SHA-256 or SHA-1 prefix (8+ hex digits) or by alias.
fn which(a: &RemoveArgs, opts: &EditOptions) -> Result<[u8; 32], Error> {
    if let Some(full) = a.sha256.as_deref().and_then(crate::util::hex::parse_sha256) {
        return Ok(full);
    }
    let hex_of = |flag: &str, v: &str| -> Result<String, Error> {
        crate::util::hex::fingerprint_digits(v)
            .filter(|h| h.len() >= 8)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{flag} '{}': expected hex digits (at least 8; colons allowed)",
                    esc(v)
                ))
            })
    };
    let (what, matches): (String, EntryFilter) = match (&a.sha256, &a.sha1, &a.alias) {
        (Some(v), _, _) => {
            let h = hex_of("--sha256", v)?;
            (
                format!("SHA-256 {h}"),
                Box::new(move |e| {
                    e.cert
                        .as_ref()
                        .is_some_and(|c| c.sha256_hex().starts_with(&h))
                }),
            )
        }
        (_, Some(v), _) => {
            let h = hex_of("--sha1", v)?;
            (
                format!("SHA-1 {h}"),
                Box::new(move |e| {
                    e.cert
                        .as_ref()
                        .is_some_and(|c| crate::util::hex::hex(&c.sha1).starts_with(&h))
                }),
            )
        }
        (_, _, Some(name)) => {
            let n = name.clone();
            (
                format!("alias '{}'", esc(name)),
                Box::new(move |e| e.alias.as_deref().is_some_and(|x| same_alias(x, &n))),
            )
        }
        _ => {
            return Err(Error::Usage(
                "remove: give --sha256, --sha1 or --alias".into(),
            ))
        }
    };
    let store_opts = crate::store::StoreOptions {
        storepass: opts.storepass.clone(),
        java_opts: opts.java_opts.clone(),
    };
    let listing =
        inventory::store_list(&opts.store, &store_opts).map_err(|e| Error::Store(e.to_string()))?;
    let mut found: Vec<&Cert> = Vec::new();
    for e in listing.entries.iter().filter(|e| matches(e)) {
        if let Some(c) = &e.cert {
            if !found.iter().any(|f| f.sha256 == c.sha256) {
                found.push(c);
            }
        }
    }
    match found.as_slice() {
        [c] => Ok(c.sha256),
        [] => Err(Error::Store(format!(
            "no entry of {} matches {what}",
            esc(&listing.label)
        ))),
        many => Err(Error::Usage(format!(
            "{what} is ambiguous in {}: {}; give more digits",
            esc(&listing.label),
            many.iter()
                .map(|c| format!("{} ({})", c.sha256_hex(), esc(&c.subject)))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// An edit as text: the store, the plan, the steps, the result.
pub(super) fn text(o: &edit::Outcome) -> String {
    let mut s = String::new();
    let target = o
        .target
        .as_ref()
        .map(|t| format!(" -> {}", shown(t)))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "Store:   {}{target} ({})",
        shown(&o.path),
        esc(&o.format)
    );
    for n in &o.notes {
        let _ = writeln!(s, "         note: {}", esc(n));
    }
    let _ = writeln!(s, "Plan:");
    for c in &o.changes {
        let alias = esc(c.alias.as_deref().unwrap_or("-"));
        let subject = esc(c.subject.as_deref().unwrap_or(""));
        let loc = c.location.as_deref().map(esc);
        let line = match (&loc, c.action) {
            (Some(loc), Action::Add) => format!("  + add to {loc}: {subject}"),
            (Some(loc), Action::Remove) => format!("  - remove from {loc}"),
            (Some(_), Action::Present) => format!("  = already there: {subject} (nothing to do)"),
            (None, Action::Add) => format!("  + add trusted entry '{alias}': {subject}"),
            (None, Action::Remove) => format!("  - remove entry '{alias}': {subject}"),
            (None, Action::Present) => {
                format!("  = already trusted as '{alias}': {subject} (nothing to do)")
            }
            (_, Action::Absent) => "  = not in the store (nothing to do)".to_string(),
        };
        let _ = writeln!(s, "{line}\n      SHA-256 {}", esc(&c.sha256));
    }
    if !o.steps.is_empty() {
        let _ = writeln!(s, "Steps:");
        for st in &o.steps {
            let _ = writeln!(s, "  {}", esc(st));
        }
    }
    if !o.equivalent.is_empty() {
        let _ = writeln!(s, "By hand, the same would be:");
        for e in &o.equivalent {
            let _ = writeln!(s, "  {}", esc(e));
        }
    }
    if let Some(b) = &o.backup {
        let _ = writeln!(s, "Backup:  {}", shown(b));
    }
    let result = if o.dry_run {
        "dry run: nothing written".to_string()
    } else if o.changed {
        let n = o
            .changes
            .iter()
            .filter(|c| matches!(c.action, Action::Add | Action::Remove))
            .count();
        format!("changed ({n} entr{})", if n == 1 { "y" } else { "ies" })
    } else {
        "unchanged".to_string()
    };
    let _ = writeln!(s, "Result:  {result}");
    s
}

/// An edit as JSON (the document `import`/`remove --json` print; `fix`
/// and `undo` embed it).
pub(super) fn value(o: &edit::Outcome) -> Value {
    json!({
        "schema": 1,
        "command": o.command,
        "store": {
            "path": o.path.display().to_string(),
            "target": o.target.as_ref().map(|t| t.display().to_string()),
            "format": o.format,
        },
        "dry_run": o.dry_run,
        "changed": o.changed,
        "would_change": o.would_change(),
        "changes": o.changes.iter().map(|c| json!({
            "action": c.action.as_str(),
            "alias": c.alias,
            "location": c.location,
            "sha256": c.sha256,
            "subject": c.subject,
        })).collect::<Vec<_>>(),
        "backup": o.backup.as_ref().map(|b| b.display().to_string()),
        "notes": o.notes,
        "steps": o.steps,
        "equivalent": o.equivalent,
    })
}
