//! Renderings of the store-editing and inventory commands: `import`,
//! `remove`, `store list`, `java`.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::diagnose::fmt_date;
use crate::edit::{Action, Outcome};
use crate::run::Listing;
use crate::store::java::jvm::{Jvm, TrustSource};

pub fn edit_text(o: &Outcome) -> String {
    let mut s = String::new();
    let target = o
        .target
        .as_ref()
        .map(|t| format!(" -> {}", t.display()))
        .unwrap_or_default();
    let _ = writeln!(s, "Store:   {}{target} ({})", o.path.display(), o.format);
    for n in &o.notes {
        let _ = writeln!(s, "         note: {n}");
    }
    let _ = writeln!(s, "Plan:");
    for c in &o.changes {
        let alias = c.alias.as_deref().unwrap_or("-");
        let subject = c.subject.as_deref().unwrap_or("");
        let line = match (&c.location, c.action) {
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
        let _ = writeln!(s, "{line}\n      SHA-256 {}", c.sha256);
    }
    if !o.steps.is_empty() {
        let _ = writeln!(s, "Steps:");
        for st in &o.steps {
            let _ = writeln!(s, "  {st}");
        }
    }
    if !o.equivalent.is_empty() {
        let _ = writeln!(s, "By hand, the same would be:");
        for e in &o.equivalent {
            let _ = writeln!(s, "  {e}");
        }
    }
    if let Some(b) = &o.backup {
        let _ = writeln!(s, "Backup:  {}", b.display());
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
        .map(|f| format!(" ({f})"))
        .unwrap_or_default();
    let _ = writeln!(s, "Store:   {}{fmt}: {} entries", l.label, l.entries.len());
    for n in &l.notes {
        let _ = writeln!(s, "         note: {n}");
    }
    for e in &l.entries {
        let alias = e
            .alias
            .as_deref()
            .map(|a| format!("{a}  "))
            .unwrap_or_default();
        match &e.cert {
            Some(c) => {
                let _ = writeln!(
                    s,
                    "  {:<12} {alias}{}\n               SHA-256 {}  expires {}",
                    e.kind,
                    c.subject,
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
            "subject": e.cert.as_ref().map(|c| c.subject.clone()),
            "sha256": e.cert.as_ref().map(|c| c.sha256_hex()),
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
        let version = j.version.as_deref().unwrap_or("unknown version");
        let _ = writeln!(s, "JVM {} ({version}){mark}", j.java_home.display());
        let _ = writeln!(s, "  found via:  {}", j.found_via.join("; "));
        let t = &j.truststore;
        let resolved = t
            .resolved
            .as_ref()
            .map(|r| format!(" -> {}", r.display()))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  truststore: {}{resolved}  (from {})",
            t.path.display(),
            source_name(&t.source)
        );
        match (&info.format, info.trusted, &info.error) {
            (Some(f), Some(n), _) => {
                let _ = writeln!(s, "  format:     {f}, {n} trusted entries");
            }
            (_, _, Some(e)) => {
                let _ = writeln!(s, "  format:     unreadable: {e}");
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
            let _ = writeln!(s, "  WARNING:    {w}");
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
