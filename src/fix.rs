//! `trustfix fix`: from a diagnosis to a proven-trusted chain. Computes the
//! minimal change (the untrusted root and the intermediates neither sent nor
//! in the store), refuses what no store change can fix, shows the plan,
//! applies it through `edit` (backup, atomic write), journals it for
//! `undo`, and checks again against the same store.

use std::fmt;

use base64::Engine;
use trustfix_platform::Role;

use crate::cert::Cert;
use crate::diagnose::{Severity, Verdict};
use crate::edit::{self, Action, EditError, EditOptions, Op};
use crate::journal::{self, EntryError, JournalError};
use crate::path::{End, Origin};
use crate::report::Report;
use crate::run::{self, CheckOptions};
use crate::store::{os::OsKind, StoreSpec};

/// What `fix` checks, the store it changes, and the guards it applies.
pub struct FixOptions {
    /// The check run before and after (for linux-anchors: the system bundle).
    pub check: CheckOptions,
    /// The store written.
    pub edit_store: StoreSpec,
    /// `--store` as typed, for the journal.
    pub store_arg: String,
    /// Java keystore password (`None`: the JVM options' trustStorePassword, else changeit).
    pub storepass: Option<String>,
    /// JVM options that name the truststore (`-Djavax.net.ssl.trustStore=...`).
    pub java_opts: Option<String>,
    /// Refuse when the root to be trusted has another SHA-256 (`--expect-sha256`).
    pub expect_sha256: Option<[u8; 32]>,
    /// Allow anchoring the server's own certificate (`--trust-leaf`): breaks at renewal.
    pub trust_leaf: bool,
    /// Plan and preview only; change nothing.
    pub dry_run: bool,
    /// Journal somewhere else than the user's state directory.
    pub journal_dir: Option<std::path::PathBuf>,
}

/// One certificate the fix adds.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The certificate to add.
    pub cert: Cert,
    /// Root for the untrusted end of the path and self-issued certificates, else intermediate.
    pub role: Role,
    /// Where it came from: `server`, `aia <url>`, `--cert`.
    pub source: String,
}

/// Everything `fix` found and did, for `cmd/fix.rs` to render.
pub struct FixOutcome {
    /// The check before any change, without the `--cert` candidates.
    pub before: Report,
    /// The check after applying; `None` when nothing was applied.
    pub after: Option<Report>,
    /// The certificates to add, in path order.
    pub plan: Vec<Planned>,
    /// Why nothing was (or could be) changed.
    pub refused: Option<String>,
    /// What each applied change did, roots first.
    pub applied: Vec<edit::Outcome>,
    /// Dry runs of each change: exact destination, alias, file, steps.
    pub previews: Vec<edit::Outcome>,
    /// The journal's id for this run's changes, for `undo`.
    pub journal_id: Option<String>,
    /// Whether a store was actually written.
    pub changed: bool,
    /// Remarks for the admin: warnings, `--expect-sha256` matched.
    pub notes: Vec<String>,
    /// The chain was already accepted: nothing to do (not a refusal).
    pub nothing_to_do: bool,
    /// The admin answered "no" at the prompt.
    pub declined: bool,
    /// A journal directory other than the user's (the demo, tests).
    pub journal_dir: Option<std::path::PathBuf>,
}

impl FixOutcome {
    /// The command that reverses this run, as the admin would type it.
    pub fn undo_command(&self) -> Option<String> {
        let id = self.journal_id.as_ref()?;
        Some(match &self.journal_dir {
            Some(d) => format!("TRUSTFIX_STATE_DIR={} trustfix undo {id}", d.display()),
            None => format!("trustfix undo {id}"),
        })
    }

    /// The plan is complete and nothing stands in the way of applying it.
    pub fn ready(&self) -> bool {
        self.refused.is_none()
            && !self.nothing_to_do
            && !self.plan.is_empty()
            && self.after.is_none()
    }

    /// The exit code of the check after applying, else of the one before.
    pub fn exit_code(&self) -> i32 {
        if let Some(a) = &self.after {
            return a.exit_code();
        }
        self.before.exit_code()
    }
}

/// Records that nothing was applied because nobody confirmed: "declined"
/// when the admin said no on a terminal, a refusal without a terminal.
pub fn decline(out: &mut FixOutcome, on_terminal: bool) {
    if on_terminal {
        out.declined = true;
    } else {
        out.refused = Some("not applied: no terminal to confirm on; pass --yes (or --dry-run to only see the plan)".into());
    }
}

/// Checks the server and plans the minimal change, previewing each step
/// (which proves the store readable and the password right); changes
/// nothing.
pub fn plan(opts: &FixOptions) -> FixOutcome {
    // The chain as the store judges it today: without the certificates
    // given with --cert, which are only candidates for the plan.
    let before = run::check(&without_supplied(&opts.check));
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
        nothing_to_do: false,
        declined: false,
        journal_dir: opts.journal_dir.clone(),
    };
    if let Some(e) = &out.before.error {
        out.refused = Some(if e.phase == "store" {
            format!("{}; nothing changed", e.message)
        } else {
            format!("could not check the server: {}; nothing changed", e.message)
        });
        return out;
    }
    if out.before.verdict != Verdict::Rejected {
        out.nothing_to_do = true;
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
    // Planned on a check that also offers the --cert certificates.
    let with_supplied;
    let basis = if opts.check.supplied.is_empty() {
        &out.before
    } else {
        with_supplied = run::check(&opts.check);
        &with_supplied
    };
    let Some(paths) = &basis.paths else {
        out.refused = Some("no path was built; nothing changed".into());
        return out;
    };
    let best = paths.best();
    if let End::Incomplete { issuer, .. } = &best.end {
        let advice = basis
            .findings
            .iter()
            .find(|f| f.certificate.as_ref().is_some_and(|c| c.sha256.is_none()))
            .map(|f| f.fix.clone())
            .unwrap_or_else(|| "get it from the CA or the PKI admin".into());
        out.refused = Some(format!(
            "'{issuer}' is not at hand (neither sent, nor in the store, nor reachable through AIA): {advice}; \
             then pass it with --cert FILE; nothing changed"
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
            Origin::Sent { .. } => "sent by the server".into(),
            // Only fetched and supplied certificates reach here.
            o => o.describe(
                "sent by the server",
                "the store",
                basis.fetched_from.get(&c.sha256).map(String::as_str),
            ),
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
                    crate::util::hex::hex(expect)
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
    if !opts.dry_run {
        if let Err(e) = journal::prepare(opts.journal_dir.as_deref()) {
            out.refused = Some(format!("{e}; nothing changed"));
        }
    }
    out
}

/// Applies a ready plan, journals it and checks again (on the store
/// alone, without the --cert candidates).
pub fn execute(opts: &FixOptions, out: &mut FixOutcome) {
    apply(opts, out);
    if out.refused.is_none() {
        out.after = Some(run::check(&without_supplied(&opts.check)));
    }
}

fn without_supplied(c: &CheckOptions) -> CheckOptions {
    CheckOptions {
        supplied: Vec::new(),
        ..c.clone()
    }
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
                        command: journal::Command::Fix,
                        store: opts.store_arg.clone(),
                        action: journal::Action::Add,
                        sha256: c.sha256.clone(),
                        subject: p.cert.subject.clone(),
                        der: base64::engine::general_purpose::STANDARD.encode(&p.cert.der),
                        alias: c.alias.clone(),
                        role: Some(p.role.into()),
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

/// The role's name in text and JSON output.
pub fn role_name(r: Role) -> &'static str {
    match r {
        Role::Root => "root",
        Role::Intermediate => "intermediate",
    }
}

/// What `undo` did.
pub struct UndoOutcome {
    /// The run reversed.
    pub id: String,
    /// Each reversal, newest change first (previews on a dry run).
    pub applied: Vec<edit::Outcome>,
    /// Nothing was written: `applied` holds previews.
    pub dry_run: bool,
}

/// Which run `undo` reverses, and how to open and confirm.
pub struct UndoOptions {
    /// The run to reverse; `None` = the newest not yet undone.
    pub id: Option<String>,
    /// Java keystore password (`None`: the JVM options' trustStorePassword, else changeit).
    pub storepass: Option<String>,
    /// JVM options that name the truststore (`-Djavax.net.ssl.trustStore=...`).
    pub java_opts: Option<String>,
    /// Preview the reversals; change nothing.
    pub dry_run: bool,
    /// Trust again what the run removed without asking.
    pub yes: bool,
    /// Asked (unless `yes`) before trusting again what the run removed:
    /// shows the certificates and says whether to go ahead.
    pub confirm: fn(&[&Cert]) -> bool,
    /// Another state directory than the user's (tests, the demo).
    pub journal_dir: Option<std::path::PathBuf>,
}

/// Why `undo` reversed nothing (or, when putting back failed, not all).
#[derive(Debug)]
pub enum UndoError {
    /// The journal could not be read or written, or holds no such run.
    Journal(JournalError),
    /// An entry names a store that does not parse.
    Store {
        /// The journal line, `FILE:LINE`.
        at: String,
        /// Why the store does not parse.
        message: String,
    },
    /// An entry does not carry its certificate.
    Damaged {
        /// The journal line, `FILE:LINE`.
        at: String,
        /// What is wrong with it.
        source: EntryError,
    },
    /// Previewing a reversal failed: nothing was written.
    Preview {
        /// The journal line, `FILE:LINE`.
        at: String,
        /// Why.
        source: EditError,
    },
    /// Trusting again what the run removed was not confirmed.
    Unconfirmed {
        /// The run.
        id: String,
        /// How many certificates would be trusted again.
        count: usize,
        /// The first one's subject, escaped.
        subject: String,
        /// Its SHA-256 in hex.
        sha256: String,
    },
    /// A reversal failed part-way; the earlier ones were put back (or not).
    Apply {
        /// The journal line, `FILE:LINE`.
        at: String,
        /// The run.
        id: String,
        /// Why the reversal failed.
        source: EditError,
        /// What became of the reversals before it.
        put_back: PutBack,
    },
}

/// What became of the reversals applied before one failed.
#[derive(Debug)]
pub enum PutBack {
    /// None had been applied.
    NothingApplied,
    /// They were reversed again.
    Done,
    /// Reversing them failed.
    Failed(Box<EditError>),
}

impl fmt::Display for UndoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UndoError::Journal(e) => write!(f, "{e}"),
            UndoError::Store { at, message } => write!(f, "{at}: {message}; nothing undone"),
            UndoError::Damaged { at, source } => {
                write!(f, "{at}: entry is damaged: {source}; nothing undone")
            }
            UndoError::Preview { at, source } => write!(f, "{at}: {source}; nothing undone"),
            UndoError::Unconfirmed {
                id,
                count,
                subject,
                sha256,
            } => write!(
                f,
                "undo of run {id} would trust again {count} certificate(s) the run removed (first: '{subject}', SHA-256 {sha256}): \
                 confirm on a terminal or pass --yes; nothing undone"
            ),
            UndoError::Apply {
                at,
                id,
                source,
                put_back,
            } => {
                write!(f, "{at}: {source}; ")?;
                match put_back {
                    PutBack::NothingApplied => f.write_str("nothing undone"),
                    PutBack::Done => f.write_str(
                        "the earlier reversals of this undo were put back: nothing undone",
                    ),
                    PutBack::Failed(r) => write!(
                        f,
                        "PUTTING BACK THE EARLIER REVERSALS FAILED ({r}): run `trustfix undo {id}` again"
                    ),
                }
            }
        }
    }
}

impl std::error::Error for UndoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UndoError::Journal(e) => Some(e),
            UndoError::Damaged { source, .. } => Some(source),
            UndoError::Preview { source, .. } | UndoError::Apply { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<JournalError> for UndoError {
    fn from(e: JournalError) -> UndoError {
        UndoError::Journal(e)
    }
}

/// One reversal, planned before anything is written.
struct UndoStep {
    line: usize,
    op: Op,
    opts: EditOptions,
    cert: Cert,
}

/// Reverses the journaled changes of a run, newest first, all or nothing:
/// every entry is checked and every change previewed before the first
/// write; a failure part-way puts the earlier reversals back. Removing
/// what `fix` added needs no question; trusting again what a run removed
/// shows each certificate and asks (or needs `--yes`).
pub fn undo(o: &UndoOptions) -> Result<UndoOutcome, UndoError> {
    let j = match &o.journal_dir {
        Some(d) => journal::read_in(d)?,
        None => journal::read()?,
    };
    let (id, changes) = journal::select(&j, o.id.as_deref())?;
    let at = |line: usize| format!("{}:{line}", j.path.display());
    let mut steps = Vec::new();
    for (line, e) in changes.iter().rev() {
        let spec = crate::store::parse_spec(&e.store).map_err(|x| UndoError::Store {
            at: at(*line),
            message: x.to_string(),
        })?;
        let cert = journal::entry_cert(e).map_err(|source| UndoError::Damaged {
            at: at(*line),
            source,
        })?;
        let op = if e.action == journal::Action::Add {
            Op::Remove(cert.sha256)
        } else {
            Op::Import(vec![cert.clone()])
        };
        let opts = EditOptions {
            store: spec,
            storepass: o.storepass.clone(),
            java_opts: o.java_opts.clone(),
            alias: (e.action == journal::Action::Remove)
                .then(|| e.alias.clone())
                .flatten(),
            dry_run: true,
            role: e.role.map(Role::from),
            intermediate_as_anchor: true,
        };
        steps.push(UndoStep {
            line: *line,
            op,
            opts,
            cert,
        });
    }
    // Previews prove every store is readable and writable with the
    // password given, before anything changes.
    let mut previews = Vec::new();
    for s in &steps {
        previews.push(
            edit::run(&s.op, &s.opts).map_err(|source| UndoError::Preview {
                at: at(s.line),
                source,
            })?,
        );
    }
    if o.dry_run {
        return Ok(UndoOutcome {
            id,
            applied: previews,
            dry_run: true,
        });
    }
    let readds: Vec<&Cert> = steps
        .iter()
        .zip(&previews)
        .filter(|(s, p)| {
            matches!(s.op, Op::Import(_)) && p.changes.iter().any(|c| c.action == Action::Add)
        })
        .map(|(s, _)| &s.cert)
        .collect();
    if !readds.is_empty() && !o.yes && !(o.confirm)(&readds) {
        return Err(UndoError::Unconfirmed {
            id,
            count: readds.len(),
            subject: crate::util::escape::esc(&readds[0].subject).into_owned(),
            sha256: readds[0].sha256_hex(),
        });
    }
    let mut applied: Vec<(usize, edit::Outcome)> = Vec::new();
    for (k, s) in steps.iter().enumerate() {
        let mut opts = s.opts.clone();
        opts.dry_run = false;
        match edit::run(&s.op, &opts) {
            Ok(out) => applied.push((k, out)),
            Err(source) => {
                let put_back = match roll_back(&steps, &applied) {
                    Ok(()) if applied.is_empty() => PutBack::NothingApplied,
                    Ok(()) => PutBack::Done,
                    Err(r) => PutBack::Failed(Box::new(r)),
                };
                return Err(UndoError::Apply {
                    at: at(s.line),
                    id,
                    source,
                    put_back,
                });
            }
        }
    }
    let mark = journal::Entry {
        id: journal::new_id(),
        time: journal::now(),
        command: journal::Command::Undo,
        store: changes
            .first()
            .map(|(_, c)| c.store.clone())
            .unwrap_or_default(),
        action: journal::Action::Undone,
        sha256: String::new(),
        subject: String::new(),
        der: String::new(),
        alias: None,
        role: None,
        undoes: Some(id.clone()),
    };
    match &o.journal_dir {
        Some(d) => journal::append_in(d, &[mark])?,
        None => journal::append(&[mark])?,
    }
    Ok(UndoOutcome {
        id,
        applied: applied.into_iter().map(|(_, o)| o).collect(),
        dry_run: false,
    })
}

/// Reverses the reversals already applied (newest first).
fn roll_back(steps: &[UndoStep], applied: &[(usize, edit::Outcome)]) -> Result<(), EditError> {
    for (k, out) in applied.iter().rev() {
        let s = &steps[*k];
        if !out.changed {
            continue;
        }
        let (op, alias) = match &s.op {
            Op::Remove(_) => (
                Op::Import(vec![s.cert.clone()]),
                out.changes.iter().find_map(|c| c.alias.clone()),
            ),
            Op::Import(_) => (Op::Remove(s.cert.sha256), None),
        };
        let mut opts = s.opts.clone();
        opts.dry_run = false;
        opts.alias = alias;
        edit::run(&op, &opts)?;
    }
    Ok(())
}
