//! The journal of store changes `fix` made, so `undo` can reverse them
//! exactly. One JSON object per line in `journal.jsonl` under the state
//! directory: $TRUSTFIX_STATE_DIR, else $XDG_STATE_HOME/trustfix, else
//! ~/.local/state/trustfix (%LOCALAPPDATA%\trustfix on Windows). Passwords
//! are never written.

use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// The run (all changes of one `fix` share it).
    pub id: String,
    pub time: String,
    /// `fix` or `undo`.
    pub command: String,
    /// `--store` as given (e.g. `java:/opt/app/truststore.jks`, `linux-anchors`).
    pub store: String,
    /// `add`, `remove`, or `undone` (marks run `undoes` as reversed).
    pub action: String,
    pub sha256: String,
    pub subject: String,
    /// Base64 DER, so a removal can be put back.
    pub der: String,
    pub alias: Option<String>,
    /// `root` or `intermediate`.
    pub role: String,
    pub undoes: Option<String>,
}

pub fn dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TRUSTFIX_STATE_DIR") {
        return PathBuf::from(d);
    }
    if cfg!(windows) {
        if let Some(d) = std::env::var_os("LOCALAPPDATA") {
            return PathBuf::from(d).join("trustfix");
        }
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(d).join("trustfix");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".local/state/trustfix")
}

pub fn path() -> PathBuf {
    dir().join("journal.jsonl")
}

/// A new run id: UTC time and process id, sortable.
pub fn new_id() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        std::process::id()
    )
}

pub fn now() -> String {
    crate::diagnose::fmt_date(crate::run::now())
}

/// Appends entries (one line each) and fsyncs.
pub fn append(entries: &[Entry]) -> Result<(), String> {
    append_in(&dir(), entries)
}

/// `append` into another state directory (the demo keeps its own).
pub fn append_in(d: &std::path::Path, entries: &[Entry]) -> Result<(), String> {
    if entries.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(d).map_err(|e| format!("journal {}: {e}", d.display()))?;
    let p = d.join("journal.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)
        .map_err(|e| format!("journal {}: {e}", p.display()))?;
    let mut text = String::new();
    for e in entries {
        text.push_str(&serde_json::to_string(e).map_err(|e| e.to_string())?);
        text.push('\n');
    }
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("journal {}: {e}", p.display()))
}

/// Every entry; malformed lines are skipped (a journal must never block undo).
pub fn read_all() -> Result<Vec<Entry>, String> {
    let p = path();
    match std::fs::read_to_string(&p) {
        Ok(t) => Ok(t
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("journal {}: {e}", p.display())),
    }
}

/// The changes of run `id` (or of the newest run not yet undone), in order.
pub fn select(all: &[Entry], id: Option<&str>) -> Result<(String, Vec<Entry>), String> {
    let undone: Vec<&str> = all
        .iter()
        .filter(|e| e.action == "undone")
        .filter_map(|e| e.undoes.as_deref())
        .collect();
    let id = match id {
        Some(i) => i.to_string(),
        None => all
            .iter()
            .rev()
            .filter(|e| e.action == "add" || e.action == "remove")
            .map(|e| e.id.clone())
            .find(|i| !undone.contains(&i.as_str()))
            .ok_or_else(|| format!("nothing to undo in {}", path().display()))?,
    };
    if undone.contains(&id.as_str()) {
        return Err(format!("run {id} was already undone"));
    }
    let changes: Vec<Entry> = all
        .iter()
        .filter(|e| e.id == id && (e.action == "add" || e.action == "remove"))
        .cloned()
        .collect();
    if changes.is_empty() {
        return Err(format!(
            "no journaled changes with id {id} in {}",
            path().display()
        ));
    }
    Ok((id, changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, action: &str, undoes: Option<&str>) -> Entry {
        Entry {
            id: id.into(),
            time: String::new(),
            command: "fix".into(),
            store: "java:/x".into(),
            action: action.into(),
            sha256: "aa".into(),
            subject: "CN=x".into(),
            der: String::new(),
            alias: None,
            role: "root".into(),
            undoes: undoes.map(String::from),
        }
    }

    #[test]
    fn last_skips_undone_runs() {
        let all = vec![
            e("1", "add", None),
            e("2", "add", None),
            e("2", "add", None),
            e("u", "undone", Some("2")),
        ];
        let (id, ch) = select(&all, None).unwrap();
        assert_eq!((id.as_str(), ch.len()), ("1", 1));
        assert!(select(&all, Some("2"))
            .unwrap_err()
            .contains("already undone"));
        assert!(select(&all, Some("9")).is_err());
        assert!(select(&[], None).unwrap_err().contains("nothing to undo"));
    }
}
