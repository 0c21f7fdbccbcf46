//! `fix`: the plan, shown whole before the question, then the change and
//! the check after. Renders the outcome (text and JSON).

use std::fmt::Write as _;

use serde_json::json;

use super::{edit, pretty, prompt, Outcome};
use crate::cli::FixArgs;
use crate::diagnose::{Severity, Verdict};
use crate::error::Error;
use crate::fix::{self, FixOptions, FixOutcome};
use crate::report::text::Style;
use crate::report::Report;
use crate::run;
use crate::store::{os::OsKind, StoreSpec};
use crate::util::escape::esc;

/// `trustfix fix TARGET --store S`.
pub(super) fn run(a: FixArgs, _style: &Style) -> Outcome {
    let edit_store = a.store.spec()?;
    let target = a.connect.target(&a.target)?;
    let timeout = a.connect.timeout()?;
    let mut supplied = Vec::new();
    for f in &a.certs {
        supplied.extend(crate::load::certs_from_file(f).map_err(|e| Error::Usage(e.to_string()))?);
    }
    let expect_sha256 = a.expect_sha256;
    // linux-anchors holds only local additions; clients read the whole bundle.
    let check_store = match &edit_store {
        StoreSpec::Os(OsKind::LinuxAnchors, _) => StoreSpec::System,
        other => other.clone(),
    };
    let store_opts = a.store.keystore.options()?;
    let opts = FixOptions {
        check: run::CheckOptions {
            target,
            store: check_store,
            store_opts: store_opts.clone(),
            timeout,
            ehlo: a.connect.ehlo(),
            warn_days: a.warn_days.into(),
            aia: a.fetch.aia(),
            supplied,
            at: None,
        },
        edit_store,
        store_arg: a.store.store.clone(),
        storepass: store_opts.storepass,
        java_opts: store_opts.java_opts,
        expect_sha256,
        trust_leaf: a.trust_leaf,
        dry_run: a.apply.dry_run,
        journal_dir: None,
    };
    let o = if a.json.json || a.apply.yes || a.apply.dry_run {
        let mut o = fix::plan(&opts);
        if o.ready() && !opts.dry_run {
            if a.apply.yes || confirm(&o) {
                fix::execute(&opts, &mut o);
            } else {
                fix::decline(&mut o, prompt::terminal());
            }
        }
        if a.json.json {
            println!("{}", json(&o));
        } else {
            print!("{}", text(&o));
        }
        o
    } else {
        // The whole plan first, then the question, then what happened.
        let mut o = fix::plan(&opts);
        print!("{}", plan_text(&o, true));
        let _ = std::io::Write::flush(&mut std::io::stdout());
        if o.ready() {
            if confirm(&o) {
                fix::execute(&opts, &mut o);
            } else {
                fix::decline(&mut o, prompt::terminal());
            }
        }
        print!("{}", result_text(&o));
        o
    };
    if let Some(r) = &o.refused {
        eprintln!("trustfix: {}", esc(r));
    }
    Ok(o.exit_code() as u8)
}

fn confirm(o: &FixOutcome) -> bool {
    prompt::ask(&format!("Apply these {} change(s)? [y/N] ", o.plan.len()))
}

/// `REJECTED (exit 2): chain.untrusted_root`: a check in one line.
pub(super) fn verdict_line(r: &Report) -> String {
    let word = match r.verdict {
        Verdict::Trusted => "TRUSTED",
        Verdict::Warning => "WARNING",
        Verdict::Rejected => "REJECTED",
        Verdict::Error => "ERROR",
    };
    let ids: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .map(|f| f.id.as_str())
        .collect();
    let ids = if ids.is_empty() {
        String::new()
    } else {
        format!(": {}", ids.join(", "))
    };
    format!("{word} (exit {}){ids}", r.exit_code())
}

/// The whole outcome as text (without a prompt in between).
pub(super) fn text(o: &FixOutcome) -> String {
    plan_text(o, o.applied.is_empty()) + &result_text(o)
}

/// What `fix` found and plans (shown before it asks): the check, the plan
/// with fingerprints and, with `previews`, each exact destination.
fn plan_text(o: &FixOutcome, previews: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Before:  {}", verdict_line(&o.before));
    if let Some(e) = &o.before.error {
        let _ = writeln!(s, "         {}", esc(&e.message));
    }
    if !o.plan.is_empty() {
        let _ = writeln!(s, "Plan:");
        for p in &o.plan {
            let _ = writeln!(
                s,
                "  + {} {}\n      SHA-256 {}  ({})",
                fix::role_name(p.role),
                esc(&p.cert.subject),
                p.cert.sha256_hex(),
                esc(&p.source)
            );
        }
    }
    if previews {
        for e in &o.previews {
            for line in edit::text(e).lines() {
                let _ = writeln!(s, "  | {line}");
            }
        }
    }
    s
}

/// What `fix` did: the changes applied, refusals, the check after.
fn result_text(o: &FixOutcome) -> String {
    let mut s = String::new();
    for e in &o.applied {
        for line in edit::text(e).lines() {
            let _ = writeln!(s, "  | {line}");
        }
    }
    for n in &o.notes {
        let _ = writeln!(s, "Note:    {}", esc(n));
    }
    if o.nothing_to_do {
        let _ = writeln!(
            s,
            "Nothing to do: clients using this store already accept the chain."
        );
    }
    if o.declined {
        let _ = writeln!(s, "Declined: nothing changed.");
    }
    if let Some(r) = &o.refused {
        let _ = writeln!(s, "Refused: {}", esc(r));
    }
    if let Some(a) = &o.after {
        let _ = writeln!(s, "After:   {}", verdict_line(a));
    }
    if let (Some(id), Some(undo)) = (&o.journal_id, o.undo_command()) {
        let _ = writeln!(s, "Journal: {id} (reverse with: {})", esc(&undo));
    }
    let _ = writeln!(s, "Changed: {}", if o.changed { "yes" } else { "no" });
    s
}

fn json(o: &FixOutcome) -> String {
    let ids = |r: &Report| r.findings.iter().map(|f| f.id).collect::<Vec<_>>();
    pretty(&json!({
        "schema": 1,
        "command": "fix",
        "before": {"verdict": o.before.verdict, "exit_code": o.before.exit_code(), "findings": ids(&o.before),
                   "error": o.before.error.as_ref().map(|e| json!({"phase": e.phase, "message": e.message}))},
        "plan": o.plan.iter().map(|p| json!({
            "subject": p.cert.subject, "sha256": p.cert.sha256_hex(),
            "role": fix::role_name(p.role), "source": p.source,
        })).collect::<Vec<_>>(),
        "destinations": o.previews.iter().map(edit::value).collect::<Vec<_>>(),
        "applied": o.applied.iter().map(edit::value).collect::<Vec<_>>(),
        "refused": o.refused,
        "nothing_to_do": o.nothing_to_do,
        "would_change": o.changed || (o.ready() && o.refused.is_none()),
        "declined": o.declined,
        "notes": o.notes,
        "changed": o.changed,
        "journal_id": o.journal_id,
        "after": o.after.as_ref().map(|a| json!({"verdict": a.verdict, "exit_code": a.exit_code(), "findings": ids(a)})),
        "exit_code": o.exit_code(),
    }))
}
