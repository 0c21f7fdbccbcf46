//! Renderings of the store-editing and inventory commands: `import`,
//! `remove`, `store list`, `store find`, `export`, `java`.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::diagnose::fmt_date;
use crate::edit::{Action, Outcome};
use crate::export::{Found, Outcome as ExportOutcome};
use crate::run::Listing;
use crate::store::java::jvm::{Jvm, TrustSource};
use crate::util::escape::esc;

/// A path as text a terminal shows as it is.
fn shown(p: &std::path::Path) -> String {
    esc(&p.display().to_string()).into_owned()
}

pub fn edit_text(o: &Outcome) -> String {
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

pub fn edit_json(o: &Outcome) -> String {
    let v = json!({
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
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn listing_text(l: &Listing) -> String {
    let mut s = String::new();
    let fmt = l
        .format
        .as_deref()
        .map(|f| format!(" ({})", esc(f)))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "Store:   {}{fmt}: {} entries",
        esc(&l.label),
        l.entries.len()
    );
    for n in &l.notes {
        let _ = writeln!(s, "         note: {}", esc(n));
    }
    for e in &l.entries {
        let alias = e
            .alias
            .as_deref()
            .map(|a| format!("{}  ", esc(a)))
            .unwrap_or_default();
        let at = e
            .location
            .as_deref()
            .map(|l| format!("  in {l}"))
            .unwrap_or_default();
        match &e.cert {
            Some(c) => {
                let _ = writeln!(
                    s,
                    "  {:<12} {alias}{}\n               SHA-256 {}  expires {}{at}",
                    e.kind,
                    esc(&c.subject),
                    c.sha256_hex(),
                    fmt_date(c.not_after)
                );
            }
            None => {
                let _ = writeln!(s, "  {:<12} {alias}(certificate not parseable)", e.kind);
            }
        }
    }
    s
}

pub fn listing_json(l: &Listing) -> String {
    let v = json!({
        "schema": 1,
        "command": "store list",
        "store": {"label": l.label, "format": l.format, "notes": l.notes},
        "entries": l.entries.iter().map(|e| json!({
            "alias": e.alias,
            "kind": e.kind,
            "location": e.location,
            "subject": e.cert.as_ref().map(|c| c.subject.clone()),
            "sha256": e.cert.as_ref().map(|c| c.sha256_hex()),
            "sha1": e.cert.as_ref().map(|c| c.thumbprint()),
            "not_after": e.cert.as_ref().map(|c| fmt_date(c.not_after)),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// What `trustfix java` learned about one JVM's truststore file.
pub struct JvmStoreInfo {
    pub format: Option<String>,
    pub trusted: Option<usize>,
    pub error: Option<String>,
}

fn source_name(s: &TrustSource) -> &'static str {
    match s {
        TrustSource::Property => "javax.net.ssl.trustStore",
        TrustSource::Jssecacerts => "jssecacerts",
        TrustSource::Cacerts => "cacerts",
    }
}

pub fn jvms_text(jvms: &[(Jvm, JvmStoreInfo)], default: Option<usize>) -> String {
    let mut s = String::new();
    if jvms.is_empty() {
        let _ = writeln!(
            s,
            "No JVM found (JAVA_HOME, java on PATH, the usual install directories)."
        );
    }
    for (i, (j, info)) in jvms.iter().enumerate() {
        let mark = if Some(i) == default {
            "  [default: what a plain `java` runs]"
        } else {
            ""
        };
        let version = esc(j.version.as_deref().unwrap_or("unknown version"));
        let _ = writeln!(s, "JVM {} ({version}){mark}", shown(&j.java_home));
        let _ = writeln!(s, "  found via:  {}", esc(&j.found_via.join("; ")));
        let t = &j.truststore;
        let resolved = t
            .resolved
            .as_ref()
            .map(|r| format!(" -> {}", shown(r)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  truststore: {}{resolved}  (from {})",
            shown(&t.path),
            source_name(&t.source)
        );
        match (&info.format, info.trusted, &info.error) {
            (Some(f), Some(n), _) => {
                let _ = writeln!(s, "  format:     {}, {n} trusted entries", esc(f));
            }
            (_, _, Some(e)) => {
                let _ = writeln!(s, "  format:     unreadable: {}", esc(e));
            }
            _ => {}
        }
        if let Some(d) = &t.distro_managed {
            let _ = writeln!(
                s,
                "  managed:    {}",
                match d {
                    crate::store::java::jvm::Distro::Debian =>
                        "Debian ca-certificates-java keeps this file; the OS-anchor route (update-ca-certificates) feeds it; keytool edits stay but are not shared with other tools",
                    crate::store::java::jvm::Distro::Rhel =>
                        "generated by update-ca-trust: keytool edits are overwritten; add anchors to /etc/pki/ca-trust/source/anchors",
                }
            );
        }
        for w in &t.warnings {
            let _ = writeln!(s, "  WARNING:    {}", esc(w));
        }
    }
    s
}

pub fn jvms_json(jvms: &[(Jvm, JvmStoreInfo)], default: Option<usize>) -> String {
    let list: Vec<Value> = jvms
        .iter()
        .map(|(j, info)| {
            let t = &j.truststore;
            json!({
                "java_home": j.java_home.display().to_string(),
                "version": j.version,
                "found_via": j.found_via,
                "truststore": {
                    "path": t.path.display().to_string(),
                    "resolved": t.resolved.as_ref().map(|r| r.display().to_string()),
                    "source": source_name(&t.source),
                    "exists": t.exists,
                    "type": t.store_type,
                    "format": info.format,
                    "trusted_entries": info.trusted,
                    "error": info.error,
                    "distro_managed": t.distro_managed.as_ref().map(|d| format!("{d:?}").to_lowercase()),
                    "warnings": t.warnings,
                },
            })
        })
        .collect();
    serde_json::to_string_pretty(
        &json!({"schema": 1, "command": "java", "jvms": list, "default": default}),
    )
    .unwrap_or_default()
}

/// `trustfix export`: the files written and, per platform, the commands
/// that import them.
pub fn export_text(o: &ExportOutcome) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Source:  {}", esc(&o.source));
    if let Some(st) = &o.store {
        let _ = writeln!(s, "Store:   {}", esc(st));
    }
    let _ = writeln!(s, "Path:");
    for (d, p) in o.path.iter().enumerate() {
        let _ = writeln!(s, "  {d}  {}", esc(p));
    }
    for n in &o.notes {
        let _ = writeln!(s, "Note:    {}", esc(n));
    }
    if o.files.is_empty() {
        let _ = writeln!(
            s,
            "Nothing to export ({}): no file written.",
            o.what.as_str()
        );
        return s;
    }
    let _ = writeln!(s, "Written ({}, {}):", o.what.as_str(), o.format.as_str());
    for f in &o.files {
        let _ = writeln!(
            s,
            "  {:<12} {}\n               {}\n               SHA-256 {}",
            f.role.as_str(),
            shown(&f.path),
            esc(&f.cert.subject),
            f.cert.sha256_hex()
        );
    }
    let c = &o.commands;
    let groups: [(&str, &Vec<String>); 5] = [
        (
            "Windows (elevated prompt; LocalMachine, seen by services)",
            &c.windows,
        ),
        ("macOS (System keychain)", &c.macos),
        (
            "Java (the JVM's cacerts; `trustfix java` shows which file it loads)",
            &c.java,
        ),
        ("Debian/Ubuntu", &c.debian),
        ("RHEL/Fedora", &c.rhel),
    ];
    if groups.iter().all(|(_, v)| v.is_empty()) {
        return s;
    }
    let _ = writeln!(s, "To import:");
    for (title, cmds) in groups {
        if cmds.is_empty() {
            continue;
        }
        let _ = writeln!(s, "  {title}:");
        for cmd in cmds {
            let _ = writeln!(s, "    {}", esc(cmd));
        }
    }
    s
}

pub fn export_json(o: &ExportOutcome) -> String {
    let c = &o.commands;
    let v = json!({
        "schema": 1,
        "command": "export",
        "source": o.source,
        "store": o.store,
        "what": o.what.as_str(),
        "format": o.format.as_str(),
        "files": o.files.iter().map(|f| json!({
            "path": f.path.display().to_string(),
            "subject": f.cert.subject,
            "sha256": f.cert.sha256_hex(),
            "role": f.role.as_str(),
        })).collect::<Vec<_>>(),
        "commands": {
            "windows": c.windows,
            "macos": c.macos,
            "java": c.java,
            "debian": c.debian,
            "rhel": c.rhel,
        },
        "notes": o.notes,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// `trustfix store find`: which store holds each match.
pub fn found_text(f: &Found) -> String {
    let mut s = String::new();
    for st in &f.stores {
        match &st.error {
            Some(e) => {
                let _ = writeln!(s, "Skipped: {}: {}", esc(&st.label), esc(e));
            }
            None => {
                let _ = writeln!(s, "Store:   {}: {} entries", esc(&st.label), st.entries);
            }
        }
        for n in &st.notes {
            let _ = writeln!(s, "         note: {}", esc(n));
        }
    }
    for n in &f.notes {
        let _ = writeln!(s, "Note:    {}", esc(n));
    }
    if f.matches.is_empty() {
        let _ = writeln!(s, "No certificate matches '{}'.", esc(&f.query));
        return s;
    }
    let _ = writeln!(
        s,
        "{} match{} for '{}':",
        f.matches.len(),
        if f.matches.len() == 1 { "" } else { "es" },
        esc(&f.query)
    );
    for m in &f.matches {
        let alias = m
            .alias
            .as_deref()
            .map(|a| format!("alias '{}', ", esc(a)))
            .unwrap_or_default();
        let at = m
            .location
            .as_deref()
            .map(|l| format!(", {l}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {}\n    in {}{at} ({alias}{}; matched {})\n    SHA-256 {}  expires {}",
            esc(&m.cert.subject),
            esc(&m.store),
            m.kind,
            esc(m.matched),
            m.cert.sha256_hex(),
            fmt_date(m.cert.not_after)
        );
    }
    s
}

pub fn found_json(f: &Found) -> String {
    let v = json!({
        "schema": 1,
        "command": "store find",
        "query": f.query,
        "stores": f.stores.iter().map(|st| json!({
            "label": st.label,
            "entries": st.entries,
            "error": st.error,
            "notes": st.notes,
        })).collect::<Vec<_>>(),
        "notes": f.notes,
        "matches": f.matches.iter().map(|m| json!({
            "store": m.store,
            "location": m.location,
            "alias": m.alias,
            "kind": m.kind,
            "subject": m.cert.subject,
            "sha256": m.cert.sha256_hex(),
            "sha1": crate::cert::hex(&m.cert.sha1),
            "not_after": fmt_date(m.cert.not_after),
            "matched": m.matched,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn verdict_line(r: &crate::report::Report) -> String {
    use crate::diagnose::{Severity, Verdict};
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

pub fn fix_text(o: &crate::fix::FixOutcome, _st: &crate::report::text::Style) -> String {
    fix_plan_text(o, o.applied.is_empty()) + &fix_result_text(o)
}

/// What `fix` found and plans (shown before it asks): the check, the plan
/// with fingerprints and, with `previews`, each exact destination.
pub fn fix_plan_text(o: &crate::fix::FixOutcome, previews: bool) -> String {
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
                crate::fix::role_name(p.role),
                esc(&p.cert.subject),
                p.cert.sha256_hex(),
                esc(&p.source)
            );
        }
    }
    if previews {
        for e in &o.previews {
            for line in edit_text(e).lines() {
                let _ = writeln!(s, "  | {line}");
            }
        }
    }
    s
}

/// What `fix` did: the changes applied, refusals, the check after.
pub fn fix_result_text(o: &crate::fix::FixOutcome) -> String {
    let mut s = String::new();
    for e in &o.applied {
        for line in edit_text(e).lines() {
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

pub fn fix_json(o: &crate::fix::FixOutcome) -> String {
    let ids = |r: &crate::report::Report| r.findings.iter().map(|f| f.id).collect::<Vec<_>>();
    let v = json!({
        "schema": 1,
        "command": "fix",
        "before": {"verdict": o.before.verdict, "exit_code": o.before.exit_code(), "findings": ids(&o.before),
                   "error": o.before.error.as_ref().map(|e| json!({"phase": e.phase, "message": e.message}))},
        "plan": o.plan.iter().map(|p| json!({
            "subject": p.cert.subject, "sha256": p.cert.sha256_hex(),
            "role": crate::fix::role_name(p.role), "source": p.source,
        })).collect::<Vec<_>>(),
        "destinations": o.previews.iter().map(|e| serde_json::from_str::<Value>(&edit_json(e)).unwrap_or(Value::Null)).collect::<Vec<_>>(),
        "applied": o.applied.iter().map(|e| serde_json::from_str::<Value>(&edit_json(e)).unwrap_or(Value::Null)).collect::<Vec<_>>(),
        "refused": o.refused,
        "nothing_to_do": o.nothing_to_do,
        "would_change": o.changed || (o.ready() && o.refused.is_none()),
        "declined": o.declined,
        "notes": o.notes,
        "changed": o.changed,
        "journal_id": o.journal_id,
        "after": o.after.as_ref().map(|a| json!({"verdict": a.verdict, "exit_code": a.exit_code(), "findings": ids(a)})),
        "exit_code": o.exit_code(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

pub fn undo_text(u: &crate::fix::UndoOutcome) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Undo of run {}{}",
        esc(&u.id),
        if u.dry_run { " (dry run)" } else { "" }
    );
    for e in &u.applied {
        s.push_str(&edit_text(e));
    }
    s
}

pub fn undo_json(u: &crate::fix::UndoOutcome) -> String {
    let v = json!({
        "schema": 1,
        "command": "undo",
        "id": u.id,
        "dry_run": u.dry_run,
        "changed": u.applied.iter().any(|e| e.changed),
        "applied": u.applied.iter().map(|e| serde_json::from_str::<Value>(&edit_json(e)).unwrap_or(Value::Null)).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}
