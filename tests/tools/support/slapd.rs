//! Private OpenLDAP `slapd` instance on loopback for STARTTLS (`ldap://`) and
//! implicit TLS (`ldaps://`) tests.
//!
//! Quirks worth knowing:
//! - `-d LEVEL` keeps slapd in the foreground (no fork), so the child we spawn
//!   *is* the daemon. `-d 0` would be silent even on fatal errors; `-d none`
//!   prints only the "always" messages (bind failures, TLS errors, start/stop),
//!   which is exactly what we want in the log file.
//! - Old-style `slapd.conf` (`-f`) is used; no database is configured: slapd
//!   2.5 starts fine without one and StartTLS/LDAPS work regardless.
//! - Debian's slapd is built against GnuTLS; it sends every certificate in
//!   `TLSCertificateFile` (leaf first, then intermediates), so no
//!   `TLSCACertificateFile` is needed to get the intermediate on the wire.
//! - No `-u`/`-g`: slapd runs as the current user (root in CI), so a 0600 key
//!   owned by us is readable.

use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SLAPD: &str = "/usr/sbin/slapd";
const CORE_SCHEMA: &str = "/etc/ldap/schema/core.schema";
const MISSING: &str = "slapd not installed: apt-get install slapd";

pub(crate) struct Handle {
    /// Plain LDAP port; clients upgrade with the StartTLS extended operation.
    pub ldap_port: u16,
    /// Implicit-TLS LDAPS port.
    pub ldaps_port: u16,
    child: Child,
    // Dropped after `child` is killed (see Drop), removing config/cert/log.
    _dir: tempfile::TempDir,
}

impl Drop for Handle {
    fn drop(&mut self) {
        // Single foreground process (no fork with -d), so killing the child is
        // enough. Nothing to flush: there is no database.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn available() -> Result<(), String> {
    if !Path::new(SLAPD).is_file() || !Path::new(CORE_SCHEMA).is_file() {
        return Err(MISSING.to_string());
    }
    Ok(())
}

pub(crate) fn start(chain_pem: &Path, key_pem: &Path) -> Result<Handle, String> {
    available()?;
    match start_once(chain_pem, key_pem) {
        // Lost the free-port race: pick new ports and try exactly once more.
        Err(e) if e.contains("Address already in use") => start_once(chain_pem, key_pem),
        r => r,
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind 127.0.0.1:0: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("local_addr: {e}"))
}

fn log_tail(path: &Path) -> String {
    let mut s = String::new();
    if let Ok(mut f) = fs::File::open(path) {
        let _ = f.read_to_string(&mut s);
    }
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn start_once(chain_pem: &Path, key_pem: &Path) -> Result<Handle, String> {
    let dir = tempfile::Builder::new()
        .prefix("slapd-")
        .tempdir()
        .map_err(|e| format!("tempdir: {e}"))?;
    let d = dir.path();
    let p = |n: &str| -> PathBuf { d.join(n) };

    let (cert, key, conf, log) = (
        p("chain.pem"),
        p("key.pem"),
        p("slapd.conf"),
        p("slapd.log"),
    );
    fs::copy(chain_pem, &cert).map_err(|e| format!("copy {}: {e}", chain_pem.display()))?;
    fs::copy(key_pem, &key).map_err(|e| format!("copy {}: {e}", key_pem.display()))?;
    // slapd does not insist on key permissions, but keep it private anyway.
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("chmod key: {e}"))?;

    // Paths in slapd.conf must not contain whitespace unquoted; the temp dir
    // never does, but quote them anyway.
    let config = format!(
        "include \"{CORE_SCHEMA}\"\n\
         pidfile \"{}\"\n\
         argsfile \"{}\"\n\
         TLSCertificateFile \"{}\"\n\
         TLSCertificateKeyFile \"{}\"\n",
        p("slapd.pid").display(),
        p("slapd.args").display(),
        cert.display(),
        key.display(),
    );
    fs::write(&conf, config).map_err(|e| format!("write slapd.conf: {e}"))?;

    let ldap_port = free_port()?;
    let mut ldaps_port = free_port()?;
    while ldaps_port == ldap_port {
        ldaps_port = free_port()?;
    }
    let urls = format!("ldap://127.0.0.1:{ldap_port}/ ldaps://127.0.0.1:{ldaps_port}/");

    let logf = fs::File::create(&log).map_err(|e| format!("create log: {e}"))?;
    let logf2 = logf.try_clone().map_err(|e| format!("dup log: {e}"))?;
    let child = Command::new(SLAPD)
        .args(["-d", "none", "-h", &urls, "-f"])
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(logf)
        .stderr(logf2)
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                MISSING.to_string()
            } else {
                format!("spawn {SLAPD}: {e}")
            }
        })?;
    // From here on the Handle owns the child, so an early return kills it.
    let mut h = Handle {
        ldap_port,
        ldaps_port,
        child,
        _dir: dir,
    };

    let deadline = Instant::now() + Duration::from_secs(20);
    for port in [ldap_port, ldaps_port] {
        loop {
            if let Ok(Some(st)) = h.child.try_wait() {
                return Err(format!(
                    "slapd exited early ({st}); log tail:\n{}",
                    log_tail(&log)
                ));
            }
            let addr = ("127.0.0.1", port);
            if TcpStream::connect(addr).is_ok() {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "slapd did not listen on 127.0.0.1:{port} within 20 s; log tail:\n{}",
                    log_tail(&log)
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Ok(h)
}
