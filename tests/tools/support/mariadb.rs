//! A throwaway MariaDB server on loopback with a test certificate chain, for
//! STARTTLS (`openssl s_client -starttls mysql`) tests.
//!
//! Debian package: `mariadb-server` (mariadbd, mariadb-install-db).
//! Every instance gets its own temp dir (datadir, socket, pid file, cert,
//! log), its own port and its own process group; `Drop` shuts it down and
//! deletes it.
//!
//! Quirks handled here:
//! - `--no-defaults` everywhere, so /etc/mysql/*.cnf (fixed socket, pid and
//!   log paths) never applies.
//! - As root, mariadbd needs `--user=mysql` and the datadir must belong to
//!   `mysql`; the temp dir, cert and key are chowned to it.
//! - mariadb-install-db takes ~0.6 s here, so each instance initializes its
//!   own datadir (no shared template). The InnoDB redo log is shrunk from
//!   its 96 MiB default to keep each instance at ~20 MiB of disk.
//! - MariaDB sends the intermediates that follow the leaf in `--ssl-cert`
//!   (no `--ssl-ca` needed).

use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PKG: &str = "mariadb-server";
const MARIADBD: &str = "/usr/sbin/mariadbd";
const INSTALL_DB: &str = "/usr/bin/mariadb-install-db";

/// Options given to both the bootstrap (install-db) and the server.
const INNODB_OPTS: [&str; 3] = [
    "--innodb-log-file-size=4M",
    "--innodb-buffer-pool-size=16M",
    // No io_uring/libaio: they fail under tight memlock limits or seccomp.
    "--innodb-use-native-aio=0",
];

pub(crate) struct Handle {
    /// TCP port on 127.0.0.1 speaking the MySQL protocol (SSL via STARTTLS).
    pub port: u16,
    child: Child,
    // Dropped after `drop()` ran, which removes the datadir.
    _dir: tempfile::TempDir,
}

/// `Ok` when the MariaDB server binaries are installed.
pub(crate) fn available() -> Result<(), String> {
    if Path::new(MARIADBD).is_file() && Path::new(INSTALL_DB).is_file() {
        Ok(())
    } else {
        Err(format!(
            "MariaDB server not installed: apt-get install {PKG}"
        ))
    }
}

/// Starts a server whose TLS certificate is `chain_pem` (leaf first, then the
/// intermediates to send) with the PKCS#8 key `key_pem`.
pub(crate) fn start(chain_pem: &Path, key_pem: &Path) -> Result<Handle, String> {
    available()?;
    match start_once(chain_pem, key_pem) {
        // The free port we picked was taken in between: try once more.
        Err(e) if e.contains("Address already in use") => start_once(chain_pem, key_pem),
        r => r,
    }
}

fn start_once(chain_pem: &Path, key_pem: &Path) -> Result<Handle, String> {
    let dir = tempfile::Builder::new()
        .prefix("mariadb-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    let root = dir.path();
    let data = root.join("data");
    let chain = root.join("chain.pem");
    let key = root.join("key.pem");
    let log = root.join("mariadbd.log");
    fs::copy(chain_pem, &chain).map_err(|e| format!("copy {}: {e}", chain_pem.display()))?;
    fs::copy(key_pem, &key).map_err(|e| format!("copy {}: {e}", key_pem.display()))?;
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("chmod key: {e}"))?;
    // As root, the server drops to `mysql`, which must own its files.
    let user_arg: &[&str] = if is_root() {
        let (uid, gid) = user_ids("mysql")?;
        for p in [root, &chain, &key] {
            std::os::unix::fs::chown(p, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", p.display()))?;
        }
        &["--user=mysql"]
    } else {
        &[]
    };

    let out = Command::new(INSTALL_DB)
        .arg("--no-defaults") // must come first
        .arg(format!("--datadir={}", data.display()))
        .args(user_arg)
        .args([
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        ])
        .args(INNODB_OPTS)
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("run mariadb-install-db: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "mariadb-install-db failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }

    let port = free_port()?;
    // Without --log-error, mariadbd logs to stderr, which goes to `log`.
    let logf = fs::File::create(&log).map_err(|e| format!("create log: {e}"))?;
    let logf2 = logf.try_clone().map_err(|e| format!("dup log: {e}"))?;
    let p = |flag: &str, path: &Path| format!("--{flag}={}", path.display());
    let child = Command::new(MARIADBD)
        .arg("--no-defaults") // must come first
        .arg(p("datadir", &data))
        .arg(p("socket", &root.join("mariadbd.sock")))
        .arg(p("pid-file", &root.join("mariadbd.pid")))
        .arg(p("tmpdir", root))
        .arg(format!("--port={port}"))
        .arg("--bind-address=127.0.0.1")
        .args(user_arg)
        .arg(p("ssl-cert", &chain))
        .arg(p("ssl-key", &key))
        .args(["--skip-name-resolve", "--skip-log-bin"])
        .args([
            "--innodb-buffer-pool-dump-at-shutdown=0",
            "--innodb-fast-shutdown=2",
        ])
        .args(INNODB_OPTS)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(logf)
        .stderr(logf2)
        .process_group(0) // own group, so Drop can kill everything
        .spawn()
        .map_err(|e| format!("spawn mariadbd: {e}"))?;
    // From here on, Drop stops the server whatever happens.
    let mut h = Handle {
        port,
        child,
        _dir: dir,
    };

    // The port is listening a moment before the server accepts: wait for
    // both the TCP connect and the "ready for connections" log line.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(st)) = h.child.try_wait() {
            return Err(format!(
                "mariadbd exited ({st}) during startup:\n{}",
                tail(&log)
            ));
        }
        if read(&log).contains("ready for connections")
            && TcpStream::connect_timeout(
                &([127, 0, 0, 1], port).into(),
                Duration::from_millis(200),
            )
            .is_ok()
        {
            return Ok(h);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "mariadbd did not accept connections on 127.0.0.1:{port} within 20 s:\n{}",
                tail(&log)
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let pid = self.child.id() as i32;
        // SIGTERM = normal shutdown.
        signal(pid, SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        signal(-pid, SIGKILL);
        let _ = self.child.wait();
        // `_dir` is removed after this.
    }
}

// --- small std-only helpers -------------------------------------------------

const SIGTERM: i32 = 15;
const SIGKILL: i32 = 9;

extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
    fn geteuid() -> u32;
}

fn signal(pid: i32, sig: i32) {
    // SAFETY: plain libc calls with integer arguments.
    unsafe {
        kill(pid, sig);
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { geteuid() == 0 }
}

/// uid and gid of `user` from /etc/passwd.
fn user_ids(user: &str) -> Result<(u32, u32), String> {
    let passwd = fs::read_to_string("/etc/passwd").map_err(|e| format!("/etc/passwd: {e}"))?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == user)
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .ok_or_else(|| format!("no OS user {user:?} (apt-get install {PKG} creates it)"))
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("pick free port: {e}"))
}

fn read(path: &Path) -> String {
    let mut s = String::new();
    if let Ok(mut f) = fs::File::open(path) {
        let _ = f.read_to_string(&mut s);
    }
    s
}

/// The last 30 lines of a log file.
fn tail(path: &Path) -> String {
    let s = read(path);
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
