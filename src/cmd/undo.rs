//! `undo`: reverses the journaled changes of a run; renders what it did.

use std::fmt::Write as _;

use serde_json::json;

use super::{edit, pretty, prompt, Outcome};
use crate::cert::Cert;
use crate::cli::UndoArgs;
use crate::error::Error;
use crate::fix::{self, UndoOptions, UndoOutcome};
use crate::util::escape::esc;

/// `trustfix undo [ID|--last]`.
pub(super) fn run(a: UndoArgs) -> Outcome {
    let keystore = a.keystore.options()?;
    let opts = UndoOptions {
        id: if a.last { None } else { a.id.clone() },
        storepass: keystore.storepass,
        java_opts: keystore.java_opts,
        dry_run: a.dry_run,
        yes: a.yes,
        confirm: confirm_trust,
        journal_dir: None,
    };
    let u = fix::undo(&opts).map_err(|e| Error::Store(e.to_string()))?;
    if a.json.json {
        println!("{}", json(&u));
    } else {
        print!("{}", text(&u));
    }
    Ok(0)
}

/// Shows each certificate the run removed and asks to trust it again.
fn confirm_trust(certs: &[&Cert]) -> bool {
    prompt::confirm_certs(
        certs,
        &format!("Trust these {} certificate(s) again? [y/N] ", certs.len()),
    )
}

/// What `undo` did, as text.
pub(super) fn text(u: &UndoOutcome) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Undo of run {}{}",
        esc(&u.id),
        if u.dry_run { " (dry run)" } else { "" }
    );
    for e in &u.applied {
        s.push_str(&edit::text(e));
    }
    s
}

fn json(u: &UndoOutcome) -> String {
    pretty(&json!({
        "schema": 1,
        "command": "undo",
        "id": u.id,
        "dry_run": u.dry_run,
        "changed": u.applied.iter().any(|e| e.changed),
        "applied": u.applied.iter().map(edit::value).collect::<Vec<_>>(),
    }))
}
