//! `export`: the certificates of a diagnosed path written to files, with
//! the commands that import them on each platform.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::{pretty, shown, Outcome};
use crate::cli::ExportArgs;
use crate::error::Error;
use crate::export::{self, Outcome as ExportOutcome, Source};
use crate::run;
use crate::util::escape::esc;

/// `trustfix export TARGET|FILE --what W --out DIR`.
pub(super) fn run(a: ExportArgs) -> Outcome {
    let store = a.store.spec()?;
    let store_opts = a.store.keystore.options()?;
    let src = if Path::new(&a.source).exists() {
        Source::File(run::ShowOptions {
            files: vec![PathBuf::from(&a.source)],
            store: Some(store),
            store_opts,
            servername: a.connect.servername.clone(),
            warn_days: 30,
            aia: a.fetch.aia(),
            timeout: std::time::Duration::from_secs(10),
            at: None,
        })
    } else {
        let target = a
            .connect
            .target(&a.source)
            .map_err(|e| Error::Usage(format!("{}: {e}", a.source)))?;
        Source::Server(run::CheckOptions {
            target,
            store,
            store_opts,
            timeout: a.connect.timeout()?,
            ehlo: a.connect.ehlo(),
            warn_days: 30,
            aia: a.fetch.aia(),
            supplied: Vec::new(),
            at: None,
        })
    };
    let opts = export::Options {
        what: a.what,
        format: a.format,
        out: a.out,
        force: a.force,
    };
    let r = export::diagnose_source(&a.source, &src)?;
    let o = export::export(&r, &a.source, &opts).map_err(|e| Error::Export(e.to_string()))?;
    if a.json.json {
        println!("{}", json(&o));
    } else {
        print!("{}", text(&o));
    }
    Ok(0)
}

/// `trustfix export`: the files written and, per platform, the commands
/// that import them.
pub(super) fn text(o: &ExportOutcome) -> String {
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

fn json(o: &ExportOutcome) -> String {
    let c = &o.commands;
    pretty(&json!({
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
    }))
}
