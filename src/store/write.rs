//! Replacing a store file safely: backup, temp file in the same directory,
//! fsync, a check that nobody replaced the original meanwhile, atomic
//! rename over the symlink's target (owner and mode kept), re-read and
//! verify. A failure at any step leaves the original byte-identical.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::StoreError;

/// What a successful `replace` wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The file actually replaced (the symlink's target).
    pub target: PathBuf,
    /// The copy of the old file, beside it.
    pub backup: PathBuf,
}

/// Replaces `path` (following symlinks) with `new`, after checking that the
/// file still holds `expected_old` (callers hold `lock(path)` from their
/// read on). `verify` re-reads the result; if it
/// fails, the original is restored from the backup.
pub fn replace<E: std::fmt::Display>(
    path: &Path,
    expected_old: &[u8],
    new: &[u8],
    verify: impl Fn(&[u8]) -> Result<(), E>,
) -> Result<Written, StoreError> {
    let target = fs::canonicalize(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let io = |source| StoreError::Io {
        path: target.clone(),
        source,
    };
    let dir = target
        .parent()
        .ok_or_else(|| StoreError::NoParent(target.clone()))?;
    let meta = fs::metadata(&target).map_err(io)?;
    let current = fs::read(&target).map_err(io)?;
    if current != expected_old {
        return Err(StoreError::ChangedSinceRead(target));
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
        return Err(StoreError::Backup {
            backup,
            target,
            source: e,
        });
    }

    let tmp = dir.join(format!(".{name}.trustfix-{}.tmp", std::process::id()));
    if let Err(e) = write_new(&tmp, new, &meta) {
        let _ = fs::remove_file(&tmp);
        return Err(StoreError::WriteTemp {
            tmp,
            target,
            source: e,
        });
    }
    // Last look before the switch: another process may have replaced the store.
    match fs::read(&target) {
        Ok(now) if now == expected_old => {}
        _ => {
            let _ = fs::remove_file(&tmp);
            return Err(StoreError::ChangedByOther(target));
        }
    }
    if let Err(e) = fs::rename(&tmp, &target) {
        let _ = fs::remove_file(&tmp);
        return Err(StoreError::Rename { target, source: e });
    }
    sync_dir(dir);

    let back = match fs::read(&target) {
        Ok(b) => b,
        Err(source) => return Err(StoreError::Reread { target, source }),
    };
    if back != new {
        // Someone else (keytool, an editor) wrote in between: restoring the
        // backup would destroy their change, so say what happened instead.
        return Err(StoreError::RewrittenAfter { target, backup });
    }
    if let Err(e) = verify(&back) {
        let restore_failed = restore(&backup, &target, &meta).err();
        return Err(StoreError::Verify {
            target,
            reason: e.to_string(),
            backup,
            restore_failed,
        });
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

/// Creates `path` (must not exist, never through a symlink) already with
/// the original's owner and mode, then writes and fsyncs: the bytes of a
/// 0600 keystore are never readable by anyone else, not even for a moment.
fn write_new(path: &Path, data: &[u8], like: &fs::Metadata) -> std::io::Result<()> {
    let mut f = create_like(path, like)?;
    f.write_all(data)?;
    f.sync_all()
}

#[cfg(unix)]
fn create_like(path: &Path, like: &fs::Metadata) -> std::io::Result<File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    // Empty and private until owner and mode are those of the original.
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    // Only root can give files away; as the owner this is a no-op.
    match std::os::unix::fs::fchown(&f, Some(like.uid()), Some(like.gid())) {
        Err(e) if e.kind() != std::io::ErrorKind::PermissionDenied => return Err(e),
        _ => {}
    }
    // After chown, which clears set-id bits.
    f.set_permissions(fs::Permissions::from_mode(like.mode() & 0o7777))?;
    Ok(f)
}

#[cfg(not(unix))]
fn create_like(path: &Path, like: &fs::Metadata) -> std::io::Result<File> {
    let f = OpenOptions::new().write(true).create_new(true).open(path)?;
    f.set_permissions(like.permissions())?;
    Ok(f)
}

/// An advisory lock beside a store (`.NAME.trustfix.lock` in its
/// directory, there only while held) that serializes trustfix's own read-modify-write cycles; it
/// is released when dropped. Other writers (keytool) do not take it: for
/// them `replace` compares the file with what was read, just before the
/// rename.
pub struct Lock {
    _file: File,
    /// The lock file.
    pub path: PathBuf,
}

/// How long a second trustfix waits for the first one's write.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Takes the lock for `store` (following symlinks to the file written).
pub fn lock(store: &Path) -> Result<Lock, StoreError> {
    let target = fs::canonicalize(store).map_err(|source| StoreError::Io {
        path: store.to_path_buf(),
        source,
    })?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let path = target.with_file_name(format!(".{name}.trustfix.lock"));
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let start = std::time::Instant::now();
    loop {
        let locking = |source| StoreError::Lock {
            lock: path.clone(),
            source,
        };
        let file = o.open(&path).map_err(locking)?;
        if try_lock(&file).map_err(locking)? {
            // The holder before us removes the file when done: a lock on
            // that unlinked file guards nothing, so take the new one.
            if same_file(&file, &path) {
                return Ok(Lock { _file: file, path });
            }
            continue;
        }
        if start.elapsed() > LOCK_WAIT {
            return Err(StoreError::LockTimeout {
                target,
                secs: LOCK_WAIT.as_secs(),
                lock: path,
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

impl Drop for Lock {
    /// No lock file stays beside the store: removed while still held.
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
fn same_file(f: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_f: &File, _path: &Path) -> bool {
    true
}

#[cfg(unix)]
fn try_lock(f: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a file descriptor this File owns.
    let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
fn try_lock(_f: &File) -> std::io::Result<bool> {
    // Windows: the exclusive create of the temp file and the final
    // comparison with what was read remain the guard.
    Ok(true)
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn restore(backup: &Path, target: &Path, like: &fs::Metadata) -> std::io::Result<()> {
    let data = fs::read(backup)?;
    let tmp = target.with_extension("trustfix-restore.tmp");
    write_new(&tmp, &data, like)?;
    fs::rename(&tmp, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_backs_up() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("store");
        fs::write(&f, b"old").unwrap();
        let w = replace(&f, b"old", b"new", |_| Ok::<(), String>(())).unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"new");
        assert_eq!(fs::read(&w.backup).unwrap(), b"old");
    }

    #[test]
    fn concurrent_change_and_failed_verify_leave_the_original() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("store");
        fs::write(&f, b"theirs").unwrap();
        let e = replace(&f, b"old", b"new", |_| Ok::<(), String>(()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("changed since"), "{e}");
        assert_eq!(fs::read(&f).unwrap(), b"theirs");
        let e = replace(&f, b"theirs", b"new", |_| Err::<(), _>("bad"))
            .unwrap_err()
            .to_string();
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
        let w = replace(&link, b"old", b"new", |_| Ok::<(), String>(())).unwrap();
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

    #[cfg(unix)]
    #[test]
    fn temp_and_backup_files_are_never_wider_than_the_store() {
        use std::os::unix::fs::PermissionsExt;
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("keystore.p12");
        let old = vec![1u8; 48 << 20];
        fs::write(&f, &old).unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let watch = {
            let (dir, stop) = (d.path().to_path_buf(), stop.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    for e in fs::read_dir(&dir).unwrap().flatten() {
                        if e.file_name().to_string_lossy().ends_with(".tmp") {
                            if let Ok(m) = e.metadata() {
                                seen.push(m.permissions().mode() & 0o777);
                            }
                        }
                    }
                }
                seen
            })
        };
        replace(&f, &old, &vec![2u8; 48 << 20], |_| Ok::<(), String>(())).unwrap();
        stop.store(true, Ordering::Relaxed);
        let seen = watch.join().unwrap();
        assert!(!seen.is_empty(), "no temp file observed");
        assert!(
            seen.iter().all(|m| m & 0o077 == 0),
            "temp files were readable by others: modes {:?}",
            seen.iter().collect::<std::collections::BTreeSet<_>>()
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_serializes_writers() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("store");
        fs::write(&f, b"x").unwrap();
        let held = lock(&f).unwrap();
        assert!(held.path.ends_with(".store.trustfix.lock"));
        let (tx, rx) = std::sync::mpsc::channel();
        let f2 = f.clone();
        let t = std::thread::spawn(move || {
            let _l = lock(&f2).unwrap();
            tx.send(()).unwrap();
        });
        assert!(rx
            .recv_timeout(std::time::Duration::from_millis(300))
            .is_err());
        drop(held);
        rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        t.join().unwrap();
        let left: Vec<_> = fs::read_dir(d.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "only the store is left");
    }
}
