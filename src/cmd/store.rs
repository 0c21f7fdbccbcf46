//! `store list` and `store find`: what a store holds, where a certificate
//! is; rendered as text or JSON.

use std::fmt::Write as _;

use serde_json::json;

use super::{pretty, Outcome};
use crate::cli::{StoreFindArgs, StoreListArgs};
use crate::error::{Error, EXIT_CODE};
use crate::inventory::{self, Found, Listing};
use crate::util::escape::esc;
use crate::util::time::fmt_date;

/// `trustfix store list`.
pub(super) fn list(a: StoreListArgs) -> Outcome {
    let spec = a.store.spec()?;
    let mut l = inventory::store_list(&spec, &a.store.keystore.options()?)
        .map_err(|e| Error::Store(e.to_string()))?;
    if a.expired {
        inventory::keep_expired(&mut l, crate::util::time::now());
    }
    if a.json.json {
        println!("{}", listing_json(&l));
    } else {
        print!("{}", listing_text(&l));
    }
    Ok(0)
}

/// `trustfix store find TEXT`: grep's exit codes (0 found, 1 nothing
/// matched, 3 could not search).
pub(super) fn find(a: StoreFindArgs) -> Outcome {
    let opts = a.store.keystore.options()?;
    let (specs, notes, explicit) = match a.store.given()? {
        Some(s) => (vec![s], Vec::new(), true),
        None => {
            let (specs, notes) = inventory::default_find_stores(&opts);
            (specs, notes, false)
        }
    };
    let f = inventory::find(&a.text, &specs, &opts, notes);
    if a.json.json {
        println!("{}", found_json(&f));
    } else {
        print!("{}", found_text(&f));
    }
    let code = f.exit_code(explicit);
    if code == EXIT_CODE {
        for st in f.stores.iter().filter(|s| s.error.is_some()) {
            eprintln!(
                "trustfix: {}: {}",
                esc(&st.label),
                esc(st.error.as_deref().unwrap_or(""))
            );
        }
    }
    Ok(code)
}

fn listing_text(l: &Listing) -> String {
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

fn listing_json(l: &Listing) -> String {
    pretty(&json!({
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
    }))
}

/// `trustfix store find`: which store holds each match.
fn found_text(f: &Found) -> String {
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

fn found_json(f: &Found) -> String {
    pretty(&json!({
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
            "sha1": crate::util::hex::hex(&m.cert.sha1),
            "not_after": fmt_date(m.cert.not_after),
            "matched": m.matched,
        })).collect::<Vec<_>>(),
    }))
}
