//! `trustfix fix`: from a diagnosis to a proven-trusted chain. Computes the
//! minimal change (the untrusted root and the intermediates neither sent nor
//! in the store), refuses what no store change can fix, shows the plan,
//! applies it through `edit` (backup, atomic write), journals it for
//! `undo`, and checks again against the same store.

use std::io::{BufRead, IsTerminal, Write};

use base64::Engine;
use trustfix_platform::Role;

use crate::cert::Cert;
use crate::diagnose::{Severity, Verdict};
use crate::edit::{self, Action, EditOptions, Op};
use crate::journal;
use crate::path::{End, Origin};
use crate::report::Report;
use crate::run::{self, CheckOptions};
use crate::store::{os::OsKind, StoreSpec};

pub struct FixOptions {
    /// The check run before and after (for linux-anchors: the system bundle).
    pub check: CheckOptions,
    /// The store written.
    pub edit_store: StoreSpec,
    /// `--store` as typed, for the journal.
    pub store_arg: String,
    pub storepass: Option<String>,
    pub java_opts: Option<String>,
    pub expect_sha256: Option<[u8; 32]>,
    pub trust_leaf: bool,
    pub yes: bool,
    pub dry_run: bool,
    /// Journal somewhere else than the user's state directory.
    pub journal_dir: Option<std::path::PathBuf>,
}

/// One certificate the fix adds.
#[derive(Debug, Clone)]
pub struct Planned {
    pub cert: Cert,
    pub role: Role,
    /// Where it came from: `server`, `aia <url>`, `--cert`.
    pub source: String,
}

pub struct FixOutcome {
    pub before: Report,
    pub after: Option<Report>,
    pub plan: Vec<Planned>,
    /// Why nothing was (or could be) changed.
    pub refused: Option<String>,
    pub applied: Vec<edit::Outcome>,
    /// Dry runs of each change: exact destination, alias, file, steps.
    pub previews: Vec<edit::Outcome>,
    pub journal_id: Option<String>,
    pub changed: bool,
    pub notes: Vec<String>,
}

impl FixOutcome {
    pub fn exit_code(&self) -> i32 {
        if let Some(a) = &self.after {
            return a.exit_code();
        }
        self.before.exit_code()
    }
}

pub fn run(opts: &FixOptions) -> FixOutcome {
    let before = run::check(&opts.check);
    let mut out = FixOutcome {
        before,
        after: None,
        plan: Vec::new(),
        refused: None,
        applied: Vec::new(),
        previews: Vec::new(),
        journal_id: None,
        changed: false,
        notes: Vec::new(),
    };
    if out.before.error.is_some() {
        out.refused = Some("could not check the server (see the error); nothing changed".into());
        return out;
    }
    if out.before.verdict != Verdict::Rejected {
        out.refused = Some("the chain is already trusted by this store: nothing to fix".into());
        return out;
    }
    let blockers: Vec<String> = out
        .before
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .filter_map(|f| {
            f.id.server_side_remedy()
                .map(|remedy| format!("{}: {} (fix on the server: {remedy})", f.id, f.message))
        })
        .collect();
    if !blockers.is_empty() {
        out.refused = Some(format!(
            "no trust-store change fixes this: {}; nothing changed",
            blockers.join("; ")
        ));
        return out;
    }
    let Some(paths) = &out.before.paths else {
        out.refused = Some("no path was built; nothing changed".into());
        return out;
    };
    let best = paths.best();
    if let End::Incomplete { issuer, .. } = &best.end {
        out.refused = Some(format!(
            "the issuer '{issuer}' is neither sent, nor in the store, nor reachable through AIA: \
             get it from the CA and pass it with --cert FILE, or make the server send it; nothing changed"
        ));
        return out;
    }
    for (depth, &i) in best.certs.iter().enumerate() {
        let cand = &paths.pool[i];
        let terminal_untrusted = depth + 1 == best.certs.len() && best.end == End::UntrustedRoot;
        let needed = match cand.origin {
            Origin::Fetched | Origin::Supplied => true,
            Origin::Sent {
                in_store: false, ..
            } => terminal_untrusted,
            _ => false,
        };
        if !needed {
            continue;
        }
        let c = cand.cert.clone();
        let source = match cand.origin {
            Origin::Fetched => format!(
                "fetched via AIA from {}",
                out.before
                    .fetched_from
                    .get(&c.sha256)
                    .map(String::as_str)
                    .unwrap_or("?")
            ),
            Origin::Supplied => "given with --cert".into(),
            _ => "sent by the server".into(),
        };
        let role = if terminal_untrusted || c.is_self_issued() {
            Role::Root
        } else {
            Role::Intermediate
        };
        out.plan.push(Planned {
            cert: c,
            role,
            source,
        });
    }
    // What may be anchored: CA certificates; the server's own certificate only with --trust-leaf.
    for p in &out.plan {
        let leaf_like = p.role == Role::Root && (!p.cert.is_ca() || best.certs.len() == 1);
        if leaf_like && !opts.trust_leaf {
            out.refused = Some(format!(
                "'{}' is the server's own (self-signed or non-CA) certificate: anchoring it breaks at the next renewal. \
                 Install a CA-issued certificate on the server (Exchange: Enable-ExchangeCertificate -Services SMTP), \
                 or pass --trust-leaf to trust exactly this certificate anyway; nothing changed",
                p.cert.short_name()
            ));
            return out;
        }
        if leaf_like {
            out.notes.push(format!(
                "WARNING: trusting the server certificate '{}' itself (--trust-leaf): this breaks when it is renewed",
                p.cert.short_name()
            ));
        }
    }
    if let Some(expect) = &opts.expect_sha256 {
        match out.plan.iter().find(|p| p.role == Role::Root) {
            Some(r) if r.cert.sha256 != *expect => {
                out.refused = Some(format!(
                    "the root to be trusted has SHA-256 {}, not the expected {}; nothing changed",
                    r.cert.sha256_hex(),
                    crate::cert::hex(expect)
                ));
                return out;
            }
            Some(_) => out
                .notes
                .push("the root's SHA-256 matches --expect-sha256".into()),
            None => out
                .notes
                .push("--expect-sha256: no root needs to be trusted (only intermediates)".into()),
        }
    }
    if out.plan.is_empty() {
        out.refused = Some("nothing a store change would fix; nothing changed".into());
        return out;
    }
    // Preview every change (this also proves the store is writable with
    // the password given) before asking.
    for p in &out.plan.clone() {
        match edit::run(
            &Op::Import(vec![p.cert.clone()]),
            &edit_options(opts, &out, p.role, true),
        ) {
            Ok(o) => out.previews.push(o),
            Err(e) => {
                out.refused = Some(format!("{e}; nothing changed"));
                return out;
            }
        }
    }
    if opts.dry_run {
        return out;
    }
    if !opts.yes && !confirm(&out.plan) {
        out.refused = Some("not applied: confirm on a terminal or pass --yes".into());
        return out;
    }
    apply(opts, &mut out);
    if out.refused.is_none() {
        let after = run::check(&opts.check);
        out.after = Some(after);
    }
    out
}

/// Asks on the terminal; never on a pipe.
fn confirm(plan: &[Planned]) -> bool {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return false;
    }
    eprint!("Apply these {} change(s)? [y/N] ", plan.len());
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let ok = std::io::stdin().lock().read_line(&mut line).is_ok();
    ok && matches!(line.trim(), "y" | "Y" | "yes" | "YES")
}

fn edit_options(opts: &FixOptions, out: &FixOutcome, role: Role, dry_run: bool) -> EditOptions {
    let linux = matches!(opts.edit_store, StoreSpec::Os(OsKind::LinuxAnchors, _));
    let has_root = out.plan.iter().any(|p| p.role == Role::Root);
    let root_trusted = out
        .before
        .paths
        .as_ref()
        .is_some_and(|p| p.best().end == End::Trusted);
    EditOptions {
        store: opts.edit_store.clone(),
        storepass: opts.storepass.clone(),
        java_opts: opts.java_opts.clone(),
        alias: None,
        dry_run,
        role: Some(role),
        // On Linux an intermediate next to its (trusted) root only helps build paths.
        intermediate_as_anchor: linux && (has_root || root_trusted),
    }
}

fn apply(opts: &FixOptions, out: &mut FixOutcome) {
    let id = journal::new_id();
    let mut entries = Vec::new();
    // Roots first: a store is never left with an intermediate whose root is missing.
    let mut ordered = out.plan.clone();
    ordered.sort_by_key(|p| p.role != Role::Root);
    for p in &ordered {
        let eopts = edit_options(opts, out, p.role, false);
        match edit::run(&Op::Import(vec![p.cert.clone()]), &eopts) {
            Ok(o) => {
                for c in o.changes.iter().filter(|c| c.action == Action::Add) {
                    entries.push(journal::Entry {
                        id: id.clone(),
                        time: journal::now(),
                        command: "fix".into(),
                        store: opts.store_arg.clone(),
                        action: "add".into(),
                        sha256: c.sha256.clone(),
                        subject: p.cert.subject.clone(),
                        der: base64::engine::general_purpose::STANDARD.encode(&p.cert.der),
                        alias: c.alias.clone(),
                        role: role_name(p.role).into(),
                        undoes: None,
                    });
                }
                out.changed |= o.changed;
                out.applied.push(o);
            }
            Err(e) => {
                out.refused = Some(format!(
                    "applying failed: {e}{}",
                    if entries.is_empty() {
                        ""
                    } else {
                        " (earlier changes of this run are journaled; `trustfix undo` reverses them)"
                    }
                ));
                break;
            }
        }
    }
    let written = match &opts.journal_dir {
        Some(d) => journal::append_in(d, &entries),
        None => journal::append(&entries),
    };
    match written {
        Ok(()) if !entries.is_empty() => out.journal_id = Some(id),
        Ok(()) => {}
        Err(e) => out.notes.push(format!(
            "WARNING: the change was made but not journaled: {e}"
        )),
    }
}

pub fn role_name(r: Role) -> &'static str {
    match r {
        Role::Root => "root",
        Role::Intermediate => "intermediate",
    }
}

/// What `undo` did.
pub struct UndoOutcome {
    pub id: String,
    pub applied: Vec<edit::Outcome>,
    pub dry_run: bool,
}

/// Reverses the journaled changes of run `id` (or the last one), newest first.
pub fn undo(
    id: Option<&str>,
    storepass: Option<String>,
    java_opts: Option<String>,
    dry_run: bool,
) -> Result<UndoOutcome, String> {
    let all = journal::read_all()?;
    let (id, changes) = journal::select(&all, id)?;
    let mut applied = Vec::new();
    let mut marks = Vec::new();
    for e in changes.iter().rev() {
        let spec = crate::store::parse_spec(&e.store)?;
        let der = base64::engine::general_purpose::STANDARD
            .decode(&e.der)
            .map_err(|_| format!("journal entry for {} is damaged", e.subject))?;
        let cert = Cert::from_der(&der).map_err(|x| x.to_string())?;
        let op = if e.action == "add" {
            Op::Remove(cert.sha256)
        } else {
            Op::Import(vec![cert])
        };
        let eopts = EditOptions {
            store: spec,
            storepass: storepass.clone(),
            java_opts: java_opts.clone(),
            alias: if e.action == "remove" {
                e.alias.clone()
            } else {
                None
            },
            dry_run,
            role: Some(if e.role == "root" {
                Role::Root
            } else {
                Role::Intermediate
            }),
            intermediate_as_anchor: true,
        };
        applied.push(edit::run(&op, &eopts)?);
    }
    if !dry_run {
        marks.push(journal::Entry {
            id: journal::new_id(),
            time: journal::now(),
            command: "undo".into(),
            store: changes.first().map(|c| c.store.clone()).unwrap_or_default(),
            action: "undone".into(),
            sha256: String::new(),
            subject: String::new(),
            der: String::new(),
            alias: None,
            role: String::new(),
            undoes: Some(id.clone()),
        });
        journal::append(&marks)?;
    }
    Ok(UndoOutcome {
        id,
        applied,
        dry_run,
    })
}
