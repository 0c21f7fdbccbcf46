//! Replacing a store file safely: backup, temp file in the same directory,
//! fsync, a check that nobody replaced the original meanwhile, atomic
//! rename over the symlink's target (owner and mode kept), re-read and
//! verify. A failure at any step leaves the original byte-identical.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Written {
    /// The file actually replaced (the symlink's target).
    pub target: PathBuf,
    pub backup: PathBuf,
}

/// Replaces `path` (following symlinks) with `new`, after checking that the
/// file still holds `expected_old`. `verify` re-reads the result; if it
/// fails, the original is restored from the backup.
pub fn replace(
    path: &Path,
    expected_old: &[u8],
    new: &[u8],
    verify: impl Fn(&[u8]) -> Result<(), String>,
) -> Result<Written, String> {
    let shown = path.display();
    let target = fs::canonicalize(path).map_err(|e| format!("{shown}: {e}"))?;
    let tshown = target.display().to_string();
    let dir = target
        .parent()
        .ok_or_else(|| format!("{tshown}: has no parent directory"))?;
    let meta = fs::metadata(&target).map_err(|e| format!("{tshown}: {e}"))?;
    let current = fs::read(&target).map_err(|e| format!("{tshown}: {e}"))?;
    if current != expected_old {
        return Err(format!(
            "{tshown} changed since trustfix read it; nothing written, run again"
        ));
    }
    drop(current);

    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temps(dir, &name);
    // The backup appears whole or not at all, like the store itself.
    let backup = backup_path(&target);
    let backup_tmp = dir.join(format!(".{name}.trustfix-{}-bak.tmp", std::process::id()));
    if let Err(e) =
        write_new(&backup_tmp, expected_old, &meta).and_then(|_| fs::rename(&backup_tmp, &backup))
    {
        let _ = fs::remove_file(&backup_tmp);
        return Err(format!(
            "backup {}: {e}; {tshown} unchanged",
            backup.display()
        ));
    }

    let tmp = dir.join(format!(".{name}.trustfix-{}.tmp", std::process::id()));
    if let Err(e) = write_new(&tmp, new, &meta) {
        let _ = fs::remove_file(&tmp);
        return Err(format!(
            "writing {}: {e}; {tshown} unchanged",
            tmp.display()
        ));
    }
    // Last look before the switch: another process may have replaced the store.
    match fs::read(&target) {
        Ok(now) if now == expected_old => {}
        _ => {
            let _ = fs::remove_file(&tmp);
            return Err(format!(
                "{tshown} was changed by another process; nothing written"
            ));
        }
    }
    if let Err(e) = fs::rename(&tmp, &target) {
        let _ = fs::remove_file(&tmp);
        return Err(format!("replacing {tshown}: {e}; unchanged"));
    }
    sync_dir(dir);

    let check = fs::read(&target).map_err(|e| e.to_string()).and_then(|b| {
        if b == new {
            verify(&b)
        } else {
            Err("content differs from what was written".into())
        }
    });
    if let Err(e) = check {
        let restored = restore(&backup, &target, &meta);
        return Err(format!(
            "{tshown}: verification after writing failed ({e}); {}",
            match restored {
                Ok(()) => "the original was restored".to_string(),
                Err(r) => format!(
                    "RESTORE FAILED ({r}): copy {} back by hand",
                    backup.display()
                ),
            }
        ));
    }
    Ok(Written { target, backup })
}

/// Temp files of earlier runs that were killed before their rename: their
/// process is gone (Linux: no /proc/PID), so nobody will finish them.
fn remove_stale_temps(dir: &Path, name: &str) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let prefix = format!(".{name}.trustfix-");
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let f = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = f.strip_prefix(&prefix).and_then(|r| r.strip_suffix(".tmp")) else {
            continue;
        };
        let pid = pid.strip_suffix("-bak").unwrap_or(pid);
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// `FILE.trustfix-YYYYMMDDTHHMMSSZ.bak`, with a counter if that exists.
fn backup_path(target: &Path) -> PathBuf {
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut p = target.with_file_name(format!("{name}.trustfix-{stamp}.bak"));
    let mut n = 2;
    while p.exists() {
        p = target.with_file_name(format!("{name}.trustfix-{stamp}-{n}.bak"));
        n += 1;
    }
    p
}

/// Creates `path` (must not exist), writes, fsyncs, and gives it the
/// original's mode and owner.
fn write_new(path: &Path, data: &[u8], like: &fs::Metadata) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(data)?;
    f.sync_all()?;
    copy_owner_and_mode(path, &f, like)
}

#[cfg(unix)]
fn copy_owner_and_mode(path: &Path, f: &File, like: &fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    f.set_permissions(fs::Permissions::from_mode(like.mode() & 0o7777))?;
    // Only root can give files away; as the owner this is a no-op.
    match std::os::unix::fs::chown(path, Some(like.uid()), Some(like.gid())) {
        Err(e) if e.kind() != std::io::ErrorKind::PermissionDenied => Err(e),
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
fn copy_owner_and_mode(_path: &Path, f: &File, like: &fs::Metadata) -> std::io::Result<()> {
    f.set_permissions(like.permissions())
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn restore(backup: &Path, target: &Path, like: &fs::Metadata) -> Result<(), String> {
    let data = fs::read(backup).map_err(|e| e.to_string())?;
    let tmp = target.with_extension("trustfix-restore.tmp");
    write_new(&tmp, &data, like).map_err(|e| e.to_string())?;
    fs::rename(&tmp, target).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_backs_up() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("store");
        fs::write(&f, b"old").unwrap();
        let w = replace(&f, b"old", b"new", |_| Ok(())).unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"new");
        assert_eq!(fs::read(&w.backup).unwrap(), b"old");
    }

    #[test]
    fn concurrent_change_and_failed_verify_leave_the_original() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("store");
        fs::write(&f, b"theirs").unwrap();
        let e = replace(&f, b"old", b"new", |_| Ok(())).unwrap_err();
        assert!(e.contains("changed since"), "{e}");
        assert_eq!(fs::read(&f).unwrap(), b"theirs");
        let e = replace(&f, b"theirs", b"new", |_| Err("bad".into())).unwrap_err();
        assert!(e.contains("original was restored"), "{e}");
        assert_eq!(fs::read(&f).unwrap(), b"theirs");
        // No temp files left behind.
        let left: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn follows_symlinks_and_keeps_mode() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real");
        fs::write(&real, b"old").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let w = replace(&link, b"old", b"new", |_| Ok(())).unwrap();
        assert_eq!(w.target, fs::canonicalize(&real).unwrap());
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&real).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }
}
