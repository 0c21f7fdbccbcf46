//! A throwaway PostgreSQL server on loopback with a test certificate chain,
//! for STARTTLS (`openssl s_client -starttls postgres`) tests.
//!
//! Debian package: `postgresql` (binaries in /usr/lib/postgresql/<ver>/bin).
//! Every instance gets its own temp dir (cluster, socket dir, cert, log), its
//! own port and its own process group; `Drop` shuts it down and deletes it.
//!
//! Quirks handled here:
//! - initdb and postgres refuse to run as root, so when we are root they run
//!   as the `postgres` OS user (created by the package) and the temp dir is
//!   chowned to it.
//! - PostgreSQL refuses a key file that is not 0600 and owned by the server
//!   user (or 0640 and owned by root).
//! - `ssl_cert_file` is loaded with SSL_CTX_use_certificate_chain_file, so
//!   the intermediates that follow the leaf in the file are sent.

use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PKG: &str = "postgresql";

pub(crate) struct Handle {
    /// TCP port on 127.0.0.1 speaking the PostgreSQL protocol (SSLRequest).
    pub port: u16,
    child: Child,
    // Dropped after `drop()` ran, which removes the cluster.
    _dir: tempfile::TempDir,
}

/// `Ok` when the PostgreSQL server binaries are installed.
pub(crate) fn available() -> Result<(), String> {
    bin_dir().map(|_| ())
}

/// The newest /usr/lib/postgresql/<ver>/bin holding both initdb and postgres.
fn bin_dir() -> Result<PathBuf, String> {
    let missing = || format!("PostgreSQL server not installed: apt-get install {PKG}");
    let mut best: Option<(u32, PathBuf)> = None;
    for e in fs::read_dir("/usr/lib/postgresql").map_err(|_| missing())? {
        let Ok(e) = e else { continue };
        let bin = e.path().join("bin");
        let ver = e.file_name().to_string_lossy().parse::<u32>().unwrap_or(0);
        if bin.join("initdb").is_file()
            && bin.join("postgres").is_file()
            && best.as_ref().is_none_or(|(v, _)| ver > *v)
        {
            best = Some((ver, bin));
        }
    }
    best.map(|(_, b)| b).ok_or_else(missing)
}

/// Starts a server whose TLS certificate is `chain_pem` (leaf first, then the
/// intermediates to send) with the PKCS#8 key `key_pem`.
pub(crate) fn start(chain_pem: &Path, key_pem: &Path) -> Result<Handle, String> {
    let bin = bin_dir()?;
    match start_once(&bin, chain_pem, key_pem) {
        // The free port we picked was taken in between: try once more.
        Err(e) if e.contains("Address already in use") => start_once(&bin, chain_pem, key_pem),
        r => r,
    }
}

fn start_once(bin: &Path, chain_pem: &Path, key_pem: &Path) -> Result<Handle, String> {
    let dir = tempfile::Builder::new()
        .prefix("pg-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    let root = dir.path();
    // As root, everything runs as (and belongs to) the `postgres` user.
    let ids = if is_root() {
        Some(user_ids("postgres")?)
    } else {
        None
    };
    let data = root.join("data");
    let sock = root.join("sock");
    let chain = root.join("chain.pem");
    let key = root.join("key.pem");
    let log = root.join("postgres.log");
    fs::create_dir(&sock).map_err(|e| format!("mkdir {}: {e}", sock.display()))?;
    fs::copy(chain_pem, &chain).map_err(|e| format!("copy {}: {e}", chain_pem.display()))?;
    fs::copy(key_pem, &key).map_err(|e| format!("copy {}: {e}", key_pem.display()))?;
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("chmod key: {e}"))?;
    if let Some((uid, gid)) = ids {
        for p in [root, &sock, &chain, &key] {
            std::os::unix::fs::chown(p, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", p.display()))?;
        }
    }

    // initdb: ~1 s with --no-sync; trust auth, no locale dependencies.
    let out = as_user(Command::new(bin.join("initdb")), ids, root)
        .args([
            "--no-sync",
            "--no-instructions",
            "--no-locale",
            "-E",
            "UTF8",
        ])
        .args(["-A", "trust", "-U", "postgres", "-D"])
        .arg(&data)
        .output()
        .map_err(|e| format!("run initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "initdb failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }

    let port = free_port()?;
    let logf = fs::File::create(&log).map_err(|e| format!("create log: {e}"))?;
    let logf2 = logf.try_clone().map_err(|e| format!("dup log: {e}"))?;
    let mut cmd = as_user(Command::new(bin.join("postgres")), ids, root);
    cmd.arg("-D")
        .arg(&data)
        .arg("-p")
        .arg(port.to_string())
        .arg("-k")
        .arg(&sock);
    for (k, v) in [
        ("listen_addresses", "127.0.0.1".to_string()),
        ("ssl", "on".to_string()),
        ("ssl_cert_file", chain.display().to_string()),
        ("ssl_key_file", key.display().to_string()),
        // Keep concurrent instances light.
        ("max_connections", "20".to_string()),
        ("shared_buffers", "16MB".to_string()),
        ("fsync", "off".to_string()),
    ] {
        cmd.arg("-c").arg(format!("{k}={v}"));
    }
    let child = cmd
        .stdin(Stdio::null())
        .stdout(logf)
        .stderr(logf2)
        // Own process group, so Drop can take the backends down too.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("spawn postgres: {e}"))?;
    // From here on, Drop stops the server whatever happens.
    let mut h = Handle {
        port,
        child,
        _dir: dir,
    };

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(st)) = h.child.try_wait() {
            return Err(format!(
                "postgres exited ({st}) during startup:\n{}",
                tail(&log)
            ));
        }
        // Listening starts before recovery ends; wait for the log line too.
        if read(&log).contains("ready to accept connections")
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
                "postgres did not accept connections on 127.0.0.1:{port} within 20 s:\n{}",
                tail(&log)
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let pid = self.child.id() as i32;
        // SIGINT = "fast shutdown": disconnect clients, exit cleanly.
        signal(pid, SIGINT);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Whatever is left of the group (nothing, normally).
        signal(-pid, SIGKILL);
        let _ = self.child.wait();
        // `_dir` is removed after this.
    }
}

// --- small std-only helpers -------------------------------------------------

const SIGINT: i32 = 2;
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

/// Runs `cmd` as `ids` (uid, gid) if given, from `cwd` (which that user can
/// enter), in the C locale.
fn as_user(mut cmd: Command, ids: Option<(u32, u32)>, cwd: &Path) -> Command {
    if let Some((uid, gid)) = ids {
        // std drops root's supplementary groups when setting uid.
        cmd.uid(uid).gid(gid);
    }
    cmd.current_dir(cwd).env("LC_ALL", "C").env_remove("PGDATA");
    cmd
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
