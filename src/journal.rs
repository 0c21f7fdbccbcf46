//! The journal of store changes `fix` made, so `undo` can reverse them
//! exactly. One JSON object per line in `journal.jsonl` under the state
//! directory: $TRUSTFIX_STATE_DIR, else $XDG_STATE_HOME/trustfix, else
//! ~/.local/state/trustfix (%LOCALAPPDATA%\trustfix on Windows); as root
//! without HOME, /var/lib/trustfix. Never a shared temp directory. Passwords
//! are never written.
//!
//! Another local user must not be able to steer `undo` (issue 14): the state
//! directory and the journal must belong to the user and be writable by
//! nobody else, the journal is opened without following symlinks, and every
//! entry must prove itself (its SHA-256 is the SHA-256 of its certificate).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cert::{Cert, ParseError};

/// Why the journal could not be found, opened, read or written, or why
/// `undo` found no run to reverse.
#[derive(Debug)]
pub enum JournalError {
    /// No variable names a state directory and the process is not root.
    NoStateDir,
    /// The path is a symlink or of the wrong kind.
    NotPrivateKind {
        /// The directory or file.
        path: PathBuf,
        /// A directory was expected (else a regular file).
        dir: bool,
    },
    /// Another user owns it.
    ForeignOwner {
        /// The directory or file.
        path: PathBuf,
        /// Its owner.
        uid: u32,
        /// This process's effective uid.
        euid: u32,
    },
    /// Group or others may write it.
    SharedWritable {
        /// The directory or file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A system call on it failed.
    Io {
        /// The directory or file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The journal file could not be opened (maybe because it is a symlink).
    Open {
        /// The journal file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
        /// It is a symlink, which is never followed.
        symlink: bool,
    },
    /// Opening for append gave no file.
    CannotCreate(PathBuf),
    /// An entry could not be encoded as JSON.
    Encode(serde_json::Error),
    /// The journal is larger than any trustfix writes.
    TooLarge(PathBuf),
    /// No run is left to undo.
    NothingToUndo(PathBuf),
    /// The run was undone before.
    AlreadyUndone(String),
    /// A line of the run does not prove itself.
    DamagedRun {
        /// The journal file.
        path: PathBuf,
        /// The damaged line.
        line: usize,
        /// The run.
        id: String,
        /// Why the line is not an entry.
        reason: String,
    },
    /// The journal has no change of that run.
    NoSuchRun {
        /// The run asked for.
        id: String,
        /// The journal file.
        path: PathBuf,
    },
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JournalError::NoStateDir => f.write_str(
                "no state directory for the journal: HOME is not set; set TRUSTFIX_STATE_DIR \
                 to a directory only you can write",
            ),
            JournalError::NotPrivateKind { path, dir } => write!(
                f,
                "journal {}: not a {} (a symlink or something else); refusing to use it",
                path.display(),
                if *dir { "directory" } else { "regular file" }
            ),
            JournalError::ForeignOwner { path, uid, euid } => write!(
                f,
                "journal {}: owned by uid {uid}, not by you (uid {euid}); refusing to use it",
                path.display()
            ),
            JournalError::SharedWritable { path, mode } => write!(
                f,
                "journal {}: writable by group or others (mode {mode:o}); refusing to use it \
                 (chmod go-w)",
                path.display()
            ),
            JournalError::Io { path, source } => write!(f, "journal {}: {source}", path.display()),
            JournalError::Open {
                path,
                source,
                symlink,
            } => write!(
                f,
                "journal {}: {source}{}",
                path.display(),
                if *symlink {
                    " (it is a symlink; refusing to follow it)"
                } else {
                    ""
                }
            ),
            JournalError::CannotCreate(p) => {
                write!(f, "journal {}: cannot be created", p.display())
            }
            JournalError::Encode(e) => write!(f, "{e}"),
            JournalError::TooLarge(p) => write!(
                f,
                "journal {}: larger than {MAX_JOURNAL} bytes; not trustfix's",
                p.display()
            ),
            JournalError::NothingToUndo(p) => write!(f, "nothing to undo in {}", p.display()),
            JournalError::AlreadyUndone(id) => write!(f, "run {id} was already undone"),
            JournalError::DamagedRun {
                path,
                line,
                id,
                reason,
            } => write!(
                f,
                "{}:{line}: entry of run {id} is damaged: {reason}; nothing undone",
                path.display()
            ),
            JournalError::NoSuchRun { id, path } => {
                write!(f, "no journaled changes with id {id} in {}", path.display())
            }
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JournalError::Io { source, .. } | JournalError::Open { source, .. } => Some(source),
            JournalError::Encode(e) => Some(e),
            _ => None,
        }
    }
}

/// Why one journal line is not an entry trustfix can act on.
#[derive(Debug)]
pub enum EntryError {
    /// A field holds a word outside its closed set.
    UnknownWord {
        /// The field (`command`, `action`, `role`).
        what: &'static str,
        /// The word found.
        word: String,
    },
    /// `der` is not base64.
    NotBase64,
    /// `der` is not a certificate.
    Cert(ParseError),
    /// `sha256` is not the certificate's.
    WrongSha256 {
        /// The SHA-256 the entry states.
        stated: String,
        /// The certificate's.
        actual: String,
    },
    /// An `add` or `remove` without `role`.
    NoRole,
    /// An `undone` mark without `undoes`.
    NoUndoes,
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryError::UnknownWord { what, word } => write!(f, "unknown {what} '{word}'"),
            EntryError::NotBase64 => f.write_str("its certificate is not base64"),
            EntryError::Cert(e) => write!(f, "its certificate does not parse: {e}"),
            EntryError::WrongSha256 { stated, actual } => write!(
                f,
                "its SHA-256 {stated} is not that of its certificate ({actual})"
            ),
            EntryError::NoRole => f.write_str("a change without its role"),
            EntryError::NoUndoes => f.write_str("an undone mark without the run it undoes"),
        }
    }
}

impl std::error::Error for EntryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EntryError::Cert(e) => Some(e),
            _ => None,
        }
    }
}

/// One line of the journal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// The run (all changes of one `fix` share it).
    pub id: String,
    /// When, as `fmt_date` writes it.
    pub time: String,
    /// The command that wrote the line.
    pub command: Command,
    /// `--store` as given (e.g. `java:/opt/app/truststore.jks`, `linux-anchors`).
    pub store: String,
    /// What happened to the certificate (or, `undone`, to run `undoes`).
    pub action: Action,
    /// The certificate's SHA-256 in hex (empty on an `undone` mark).
    pub sha256: String,
    /// Its subject, for people reading the journal.
    pub subject: String,
    /// Base64 DER, so a removal can be put back.
    pub der: String,
    /// The keystore alias it was given or had.
    pub alias: Option<String>,
    /// The role it was trusted in; `None` (written `""`) on an `undone` mark.
    #[serde(with = "role_text")]
    pub role: Option<Role>,
    /// The run an `undone` mark reverses.
    pub undoes: Option<String>,
}

/// Declares a journal field's closed set of words: the enum, its text
/// (what the journal holds) and parsing that names an unknown word.
macro_rules! words {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $v:ident = $t:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// The word the journal holds.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $t),+ }
            }
        }

        impl TryFrom<String> for $name {
            type Error = EntryError;
            fn try_from(s: String) -> Result<Self, EntryError> {
                match s.as_str() {
                    $($t => Ok($name::$v),)+
                    _ => Err(EntryError::UnknownWord { what: $what, word: s }),
                }
            }
        }

        impl From<$name> for String {
            fn from(x: $name) -> String {
                x.as_str().to_string()
            }
        }
    };
}

words!(
    /// The command that wrote a journal line.
    Command, "command" {
        /// A change `fix` made.
        Fix = "fix",
        /// An `undone` mark.
        Undo = "undo",
    }
);

words!(
    /// What a journal line records.
    Action, "action" {
        /// The certificate was added (undo removes it).
        Add = "add",
        /// The certificate was removed (undo puts it back).
        Remove = "remove",
        /// Run `undoes` was reversed.
        Undone = "undone",
    }
);

words!(
    /// The role a certificate was trusted in.
    Role, "role" {
        /// A trust anchor.
        Root = "root",
        /// An intermediate (Windows CA store).
        Intermediate = "intermediate",
    }
);

impl From<trustfix_platform::Role> for Role {
    fn from(r: trustfix_platform::Role) -> Role {
        match r {
            trustfix_platform::Role::Root => Role::Root,
            trustfix_platform::Role::Intermediate => Role::Intermediate,
        }
    }
}

impl From<Role> for trustfix_platform::Role {
    fn from(r: Role) -> trustfix_platform::Role {
        match r {
            Role::Root => trustfix_platform::Role::Root,
            Role::Intermediate => trustfix_platform::Role::Intermediate,
        }
    }
}

/// `role` as the journal has always held it: a word, or `""` for none.
mod role_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Role;

    pub(super) fn serialize<S: Serializer>(r: &Option<Role>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(r.map_or("", Role::as_str))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Role>, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty() {
            return Ok(None);
        }
        Role::try_from(s)
            .map(Some)
            .map_err(serde::de::Error::custom)
    }
}

/// A journal line that did not parse as an entry: its 1-based line number
/// and, when the line still names one, the run it belonged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    /// 1-based line number in the journal file.
    pub line: usize,
    /// The run id the line names, if it still parses that far.
    pub id: Option<String>,
    /// Why the line is not an entry.
    pub reason: String,
}

/// A parsed journal: the good entries (with their line numbers) and the
/// damaged lines.
#[derive(Debug, Clone, Default)]
pub struct Journal {
    /// The journal file read (it may not exist yet).
    pub path: PathBuf,
    /// Entries in file order, each with its 1-based line number.
    pub entries: Vec<(usize, Entry)>,
    /// Lines that are not entries, in file order.
    pub damaged: Vec<Damaged>,
}

/// A journal line longer than this is not one trustfix wrote (an entry
/// holds one certificate in base64).
const MAX_LINE: usize = 1024 * 1024;
/// The journal is read whole; one this large is not trustfix's.
const MAX_JOURNAL: u64 = 256 * 1024 * 1024;

/// The state directory from these variables (`None` = unset) and whether
/// the process runs as root. Pure, for tests.
pub fn dir_from(
    state: Option<PathBuf>,
    local_app_data: Option<PathBuf>,
    xdg: Option<PathBuf>,
    home: Option<PathBuf>,
    root: bool,
) -> Result<PathBuf, JournalError> {
    let nonempty = |p: Option<PathBuf>| p.filter(|p| !p.as_os_str().is_empty());
    if let Some(d) = nonempty(state) {
        return Ok(d);
    }
    if cfg!(windows) {
        if let Some(d) = nonempty(local_app_data) {
            return Ok(d.join("trustfix"));
        }
    }
    if let Some(d) = nonempty(xdg) {
        return Ok(d.join("trustfix"));
    }
    if let Some(h) = nonempty(home) {
        return Ok(h.join(".local/state/trustfix"));
    }
    if root {
        return Ok(PathBuf::from("/var/lib/trustfix"));
    }
    Err(JournalError::NoStateDir)
}

/// The journal's state directory: `TRUSTFIX_STATE_DIR`, else
/// `%LOCALAPPDATA%\trustfix` (Windows), `$XDG_STATE_HOME/trustfix`,
/// `~/.local/state/trustfix`, or `/var/lib/trustfix` for root.
pub fn dir() -> Result<PathBuf, JournalError> {
    let v = |k: &str| std::env::var_os(k).map(PathBuf::from);
    dir_from(
        v("TRUSTFIX_STATE_DIR"),
        v("LOCALAPPDATA"),
        v("XDG_STATE_HOME"),
        v("HOME"),
        is_root(),
    )
}

/// The journal file, `journal.jsonl` in `dir()`.
pub fn path() -> Result<PathBuf, JournalError> {
    Ok(dir()?.join("journal.jsonl"))
}

#[cfg(unix)]
fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

fn is_root() -> bool {
    #[cfg(unix)]
    return euid() == 0;
    #[cfg(not(unix))]
    return false;
}

/// Refuses what another local user could have planted or can change: a
/// symlink, a file or directory owned by someone else, or one writable by
/// group or others.
#[cfg(unix)]
fn check_private(p: &Path, m: &std::fs::Metadata, dir: bool) -> Result<(), JournalError> {
    use std::os::unix::fs::MetadataExt;
    let kind_ok = if dir {
        m.file_type().is_dir()
    } else {
        m.file_type().is_file()
    };
    if !kind_ok {
        return Err(JournalError::NotPrivateKind {
            path: p.to_path_buf(),
            dir,
        });
    }
    if m.uid() != euid() {
        return Err(JournalError::ForeignOwner {
            path: p.to_path_buf(),
            uid: m.uid(),
            euid: euid(),
        });
    }
    if m.mode() & 0o022 != 0 {
        return Err(JournalError::SharedWritable {
            path: p.to_path_buf(),
            mode: m.mode() & 0o7777,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_p: &Path, _m: &std::fs::Metadata, _dir: bool) -> Result<(), JournalError> {
    Ok(())
}

/// The state directory, created private (0700) when missing, and checked.
fn private_dir(d: &Path, create: bool) -> Result<bool, JournalError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| JournalError::Io { path, source }
    };
    match std::fs::symlink_metadata(d) {
        Ok(m) => check_private(d, &m, true).map(|_| true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            if let Some(parent) = d.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            let b = {
                #[allow(unused_mut)]
                let mut b = std::fs::DirBuilder::new();
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
                b
            };
            b.create(d).map_err(io(d))?;
            let m = std::fs::symlink_metadata(d).map_err(io(d))?;
            check_private(d, &m, true).map(|_| true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(d)(e)),
    }
}

/// Opens the journal file without following a symlink, and checks it.
fn open(p: &Path, append: bool) -> Result<Option<std::fs::File>, JournalError> {
    let mut o = std::fs::OpenOptions::new();
    if append {
        o.create(true).append(true);
    } else {
        o.read(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let f = match o.open(p) {
        Ok(f) => f,
        Err(e) if !append && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(JournalError::Open {
                path: p.to_path_buf(),
                source,
                symlink: std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()),
            })
        }
    };
    let m = f.metadata().map_err(|source| JournalError::Io {
        path: p.to_path_buf(),
        source,
    })?;
    check_private(p, &m, false)?;
    Ok(Some(f))
}

/// A new run id: UTC time and process id, sortable.
/// A new run id: UTC time and process id, sortable; a second run in the
/// same process and second (the demo, tests) gets a `.N` suffix.
pub fn new_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static RUNS: AtomicU32 = AtomicU32::new(0);
    let t = time::OffsetDateTime::now_utc();
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    let suffix = if n == 0 {
        String::new()
    } else {
        format!(".{n}")
    };
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}{suffix}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        std::process::id()
    )
}

/// The current time as journal entries record it (`fmt_date`).
pub fn now() -> String {
    crate::util::time::fmt_date(crate::util::time::now())
}

/// Appends entries (one line each) and fsyncs.
pub fn append(entries: &[Entry]) -> Result<(), JournalError> {
    append_in(&dir()?, entries)
}

/// `append` into another state directory (the demo keeps its own).
pub fn append_in(d: &Path, entries: &[Entry]) -> Result<(), JournalError> {
    if entries.is_empty() {
        return Ok(());
    }
    private_dir(d, true)?;
    let p = d.join("journal.jsonl");
    let Some(mut f) = open(&p, true)? else {
        return Err(JournalError::CannotCreate(p));
    };
    let mut text = String::new();
    for e in entries {
        text.push_str(&serde_json::to_string(e).map_err(JournalError::Encode)?);
        text.push('\n');
    }
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|source| JournalError::Io { path: p, source })
}

/// Checks, before a store is changed, that the journal in `d` can be
/// written (creating the directory and file private when missing).
pub fn prepare(d: Option<&Path>) -> Result<(), JournalError> {
    let d = match d {
        Some(d) => d.to_path_buf(),
        None => dir()?,
    };
    private_dir(&d, true)?;
    open(&d.join("journal.jsonl"), true).map(|_| ())
}

/// The user's journal (empty when there is none yet).
pub fn read() -> Result<Journal, JournalError> {
    read_in(&dir()?)
}

/// The journal in state directory `d` (empty when there is none yet).
pub fn read_in(d: &Path) -> Result<Journal, JournalError> {
    let p = d.join("journal.jsonl");
    if !private_dir(d, false)? {
        return Ok(Journal {
            path: p,
            ..Default::default()
        });
    }
    let Some(f) = open(&p, false)? else {
        return Ok(Journal {
            path: p,
            ..Default::default()
        });
    };
    let mut text = String::new();
    use std::io::Read;
    if let Err(source) = f.take(MAX_JOURNAL + 1).read_to_string(&mut text) {
        return Err(JournalError::Io { path: p, source });
    }
    if text.len() as u64 > MAX_JOURNAL {
        return Err(JournalError::TooLarge(p));
    }
    let mut j = parse(&text);
    j.path = p;
    Ok(j)
}

/// Parses journal text: every line is an entry or a `Damaged` line; an
/// entry that names a certificate must carry that certificate's SHA-256.
pub fn parse(text: &str) -> Journal {
    let mut j = Journal::default();
    for (n, l) in text.split('\n').enumerate() {
        let line = n + 1;
        if l.trim().is_empty() {
            continue;
        }
        if l.len() > MAX_LINE {
            j.damaged.push(Damaged {
                line,
                id: None,
                reason: format!("longer than {MAX_LINE} bytes"),
            });
            continue;
        }
        match serde_json::from_str::<Entry>(l) {
            Ok(e) => match prove(&e) {
                Ok(()) => j.entries.push((line, e)),
                Err(reason) => j.damaged.push(Damaged {
                    line,
                    id: Some(e.id),
                    reason: reason.to_string(),
                }),
            },
            Err(err) => {
                let id = serde_json::from_str::<serde_json::Value>(l)
                    .ok()
                    .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(String::from));
                j.damaged.push(Damaged {
                    line,
                    id,
                    reason: format!("not a journal entry ({err})"),
                });
            }
        }
    }
    j
}

/// The certificate of an `add`/`remove` entry, checked against its SHA-256.
pub fn entry_cert(e: &Entry) -> Result<Cert, EntryError> {
    use base64::Engine;
    let der = base64::engine::general_purpose::STANDARD
        .decode(&e.der)
        .map_err(|_| EntryError::NotBase64)?;
    let cert = Cert::from_der(&der).map_err(EntryError::Cert)?;
    if !cert.sha256_hex().eq_ignore_ascii_case(e.sha256.trim()) {
        return Err(EntryError::WrongSha256 {
            stated: e.sha256.clone(),
            actual: cert.sha256_hex(),
        });
    }
    Ok(cert)
}

fn prove(e: &Entry) -> Result<(), EntryError> {
    match e.action {
        Action::Add | Action::Remove => {
            entry_cert(e)?;
            match e.role {
                Some(_) => Ok(()),
                None => Err(EntryError::NoRole),
            }
        }
        Action::Undone if e.undoes.is_some() => Ok(()),
        Action::Undone => Err(EntryError::NoUndoes),
    }
}

/// The changes of run `id` (or of the newest run not yet undone), in order,
/// each with its line number. A damaged line of that run refuses the whole
/// undo, naming the line.
pub fn select(
    j: &Journal,
    id: Option<&str>,
) -> Result<(String, Vec<(usize, Entry)>), JournalError> {
    let undone: Vec<&str> = j
        .entries
        .iter()
        .filter(|(_, e)| e.action == Action::Undone)
        .filter_map(|(_, e)| e.undoes.as_deref())
        .collect();
    let is_change = |e: &Entry| matches!(e.action, Action::Add | Action::Remove);
    let id = match id {
        Some(i) => i.to_string(),
        None => j
            .entries
            .iter()
            .rev()
            .filter(|(_, e)| is_change(e))
            .map(|(_, e)| e.id.clone())
            .find(|i| !undone.contains(&i.as_str()))
            .ok_or_else(|| JournalError::NothingToUndo(j.path.clone()))?,
    };
    if undone.contains(&id.as_str()) {
        return Err(JournalError::AlreadyUndone(id));
    }
    if let Some(d) = j.damaged.iter().find(|d| d.id.as_deref() == Some(&id)) {
        return Err(JournalError::DamagedRun {
            path: j.path.clone(),
            line: d.line,
            id,
            reason: d.reason.clone(),
        });
    }
    let changes: Vec<(usize, Entry)> = j
        .entries
        .iter()
        .filter(|(_, e)| e.id == id && is_change(e))
        .cloned()
        .collect();
    if changes.is_empty() {
        return Err(JournalError::NoSuchRun {
            id,
            path: j.path.clone(),
        });
    }
    Ok((id, changes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn cert() -> (String, String) {
        let root = crate::demo::pki::Ca::root("Journal Test Root").unwrap();
        let c = Cert::from_der(&root.der).unwrap();
        (
            c.sha256_hex(),
            base64::engine::general_purpose::STANDARD.encode(&root.der),
        )
    }

    fn e(id: &str, action: &str, undoes: Option<&str>, c: &(String, String)) -> Entry {
        Entry {
            id: id.into(),
            time: String::new(),
            command: Command::Fix,
            store: "java:/x".into(),
            action: Action::try_from(action.to_string()).unwrap(),
            sha256: c.0.clone(),
            subject: "CN=x".into(),
            der: c.1.clone(),
            alias: None,
            role: Some(Role::Root),
            undoes: undoes.map(String::from),
        }
    }

    fn text(es: &[Entry]) -> String {
        es.iter()
            .map(|e| serde_json::to_string(e).unwrap() + "\n")
            .collect()
    }

    #[test]
    fn last_skips_undone_runs() {
        let c = cert();
        let j = parse(&text(&[
            e("1", "add", None, &c),
            e("2", "add", None, &c),
            e("2", "add", None, &c),
            e("u", "undone", Some("2"), &c),
        ]));
        let (id, ch) = select(&j, None).unwrap();
        assert_eq!((id.as_str(), ch.len()), ("1", 1));
        assert!(select(&j, Some("2"))
            .unwrap_err()
            .to_string()
            .contains("already undone"));
        assert!(select(&j, Some("9")).is_err());
        assert!(select(&parse(""), None)
            .unwrap_err()
            .to_string()
            .contains("nothing to undo"));
    }

    #[test]
    fn never_a_temp_directory() {
        let d = dir_from(None, None, None, None, false)
            .unwrap_err()
            .to_string();
        assert!(d.contains("TRUSTFIX_STATE_DIR"), "{d}");
        assert_eq!(
            dir_from(None, None, None, None, true).unwrap(),
            PathBuf::from("/var/lib/trustfix")
        );
        assert_eq!(
            dir_from(None, None, None, Some("/home/a".into()), false).unwrap(),
            PathBuf::from("/home/a/.local/state/trustfix")
        );
        assert_eq!(
            dir_from(Some("".into()), None, None, Some("/h".into()), true).unwrap(),
            PathBuf::from("/h/.local/state/trustfix")
        );
    }

    #[test]
    fn entries_prove_their_certificate_and_damage_is_named() {
        let c = cert();
        let mut forged = e("r", "remove", None, &c);
        forged.sha256 = "00".repeat(32);
        let mut bad_der = e("r", "add", None, &c);
        bad_der.der = "!!!".into();
        let t = format!(
            "{}{}{}{{\"id\":\"r\",\"action\":\"add\"}}\nnot json\n",
            text(&[e("r", "add", None, &c)]),
            text(&[forged]),
            text(&[bad_der])
        );
        let j = parse(&t);
        assert_eq!(j.entries.len(), 1);
        let lines: Vec<usize> = j.damaged.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
        assert!(j.damaged[0].reason.contains("SHA-256"), "{:?}", j.damaged);
        assert_eq!(j.damaged[3].id, None);
        let err = select(&j, Some("r")).unwrap_err().to_string();
        assert!(err.contains(":2: entry of run r is damaged"), "{err}");
        assert!(err.contains("nothing undone"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlinks_and_shared_directories() {
        use std::os::unix::fs::PermissionsExt;
        let c = cert();
        let t = tempfile::tempdir().unwrap();
        let victim = t.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let state = t.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::os::unix::fs::symlink(&victim, state.join("journal.jsonl")).unwrap();
        let err = append_in(&state, &[e("1", "add", None, &c)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("symlink"), "{err}");
        assert!(read_in(&state).is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");

        let shared = t.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let err = append_in(&shared, &[e("1", "add", None, &c)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("writable by group or others"), "{err}");
        assert!(!shared.join("journal.jsonl").exists());

        // A fresh state directory is created private, the journal 0600.
        let fresh = t.path().join("a/b/trustfix");
        append_in(&fresh, &[e("1", "add", None, &c)]).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), 0o700);
        assert_eq!(mode(&fresh.join("journal.jsonl")), 0o600);
        assert_eq!(read_in(&fresh).unwrap().entries.len(), 1);
    }

    #[test]
    fn words_are_typed_and_the_format_is_unchanged() {
        let c = cert();
        let mut mark = e("u", "undone", Some("r"), &c);
        mark.role = None;
        let line = serde_json::to_string(&mark).unwrap();
        assert!(
            line.contains(r#""role":"""#) && line.contains(r#""action":"undone""#),
            "{line}"
        );
        assert_eq!(parse(&line).entries.len(), 1);
        let odd = serde_json::to_string(&e("r", "add", None, &c))
            .unwrap()
            .replace(r#""action":"add""#, r#""action":"moved""#);
        let j = parse(&odd);
        assert_eq!(j.entries.len(), 0);
        assert!(
            j.damaged[0].reason.contains("unknown action 'moved'"),
            "{:?}",
            j.damaged
        );
        assert_eq!(j.damaged[0].id.as_deref(), Some("r"));
        let no_role = serde_json::to_string(&e("r", "add", None, &c))
            .unwrap()
            .replace(r#""role":"root""#, r#""role":"""#);
        assert!(parse(&no_role).damaged[0]
            .reason
            .contains("without its role"));
    }
}
