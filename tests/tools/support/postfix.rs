//! A private Postfix instance on loopback for integration tests.
//!
//! Three smtpd listeners share one certificate chain:
//! - `smtp_port`: plain SMTP offering STARTTLS (`smtpd_tls_security_level=may`, like 25),
//! - `submission_port`: STARTTLS required (`encrypt`, like 587),
//! - `smtps_port`: implicit TLS (`smtpd_tls_wrappermode=yes`, like 465).
//!
//! Everything (config, queue, data, log, cert copies) lives in a `TempDir`
//! kept in the [`Handle`]; `Drop` runs `postfix -c DIR stop`, waits for the
//! master's process group to vanish (SIGKILL after a grace period) and then
//! removes the directory.
//!
//! Quirks handled here:
//! - `postfix -c DIR` with a non-default config directory is only accepted
//!   without `alternate_config_directories` because the tests run as root.
//! - `data_directory` must be owned by the mail owner (`postfix`), or the
//!   master cannot create its lock file; `queue_directory` stays root-owned
//!   and `postfix start` creates the queue layout inside it by itself.
//! - The temp dir is made 0755 so unprivileged daemons (tlsmgr, postlogd)
//!   can reach absolute paths under it.
//! - chroot is off for every service (the queue is not a prepared jail), and
//!   `proxymap` must exist because smtpd's default `local_recipient_maps`
//!   goes through it.
//! - Logging goes to `maillog_file` via `postlogd` (its path must match
//!   `maillog_file_prefixes`), so a failed start can show the log tail.
//! - Postfix waits for a freshly written main.cf to "cool down" (~2 s), so
//!   the config files are backdated.
//! - Keys are read by smtpd as root before it drops privileges, so the key
//!   copy can be root-owned 0600.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const PKG: &str = "postfix";

pub(crate) struct Handle {
    pub smtp_port: u16,
    pub submission_port: u16,
    pub smtps_port: u16,
    postfix: PathBuf,
    conf: PathBuf,
    queue: PathBuf,
    log: PathBuf,
    // Held (and declared last) so the instance directory is removed only
    // after `Drop::drop` has stopped Postfix.
    _dir: tempfile::TempDir,
}

fn postfix_bin() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/sbin/postfix");
    if fixed.is_file() {
        return Some(fixed);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("postfix"))
        .find(|p| p.is_file())
}

/// Whether Postfix is installed (the `postfix` command and its master daemon).
pub(crate) fn available() -> Result<(), String> {
    match postfix_bin() {
        Some(_) if Path::new("/usr/lib/postfix/sbin/master").is_file() => Ok(()),
        _ => Err(format!("postfix not installed: apt-get install {PKG}")),
    }
}

/// Starts Postfix serving `chain_pem` (leaf first) with `key_pem`, and waits
/// until all three ports accept connections. Retries once on a port clash.
pub(crate) fn start(chain_pem: &Path, key_pem: &Path) -> Result<Handle, String> {
    available()?;
    match start_once(chain_pem, key_pem) {
        Err(e) if e.contains("in use") => start_once(chain_pem, key_pem),
        r => r,
    }
}

/// Three distinct free ports: all bound at once, then released (a small
/// race with other binders remains; `start` retries once).
fn free_ports() -> Result<(u16, u16, u16), String> {
    let bind = || TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind 127.0.0.1:0: {e}"));
    let ls = [bind()?, bind()?, bind()?];
    let mut p = [0u16; 3];
    for (i, l) in ls.iter().enumerate() {
        p[i] = l
            .local_addr()
            .map_err(|e| format!("local_addr: {e}"))?
            .port();
    }
    Ok((p[0], p[1], p[2]))
}

/// uid/gid of a user from /etc/passwd (std has no getpwnam).
fn user_ids(name: &str) -> Result<(u32, u32), String> {
    let passwd = fs::read_to_string("/etc/passwd").map_err(|e| format!("read /etc/passwd: {e}"))?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == name)
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .ok_or_else(|| format!("no user {name:?} (reinstall: apt-get install {PKG})"))
}

fn start_once(chain_pem: &Path, key_pem: &Path) -> Result<Handle, String> {
    let postfix =
        postfix_bin().ok_or_else(|| format!("postfix not installed: apt-get install {PKG}"))?;
    let dir = tempfile::Builder::new()
        .prefix("postfix-test")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    let root = dir.path().to_path_buf();
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755))
        .map_err(|e| io("chmod temp dir", e))?;
    let conf = root.join("conf");
    let queue = root.join("queue");
    let data = root.join("data");
    for d in [&conf, &queue, &data] {
        fs::create_dir(d).map_err(|e| io("mkdir", e))?;
    }
    let (uid, gid) = user_ids("postfix")?;
    std::os::unix::fs::chown(&data, Some(uid), Some(gid))
        .map_err(|e| io("chown data_directory", e))?;

    let chain = conf.join("chain.pem");
    let key = conf.join("key.pem");
    fs::copy(chain_pem, &chain).map_err(|e| io("copy chain", e))?;
    fs::copy(key_pem, &key).map_err(|e| io("copy key", e))?;
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).map_err(|e| io("chmod key", e))?;

    let log = root.join("maillog");
    let main_cf = format!(
        "compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
myhostname = mail.test.local
mydomain = test.local
mydestination = mail.test.local
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
maillog_file = {log}
maillog_file_prefixes = {root}
# Postfix >= 3.4: key first, then leaf, then intermediates.
smtpd_tls_chain_files = {key}, {chain}
smtpd_tls_security_level = may
",
        queue = queue.display(),
        data = data.display(),
        log = log.display(),
        root = root.display(),
        key = key.display(),
        chain = chain.display(),
    );
    fs::write(conf.join("main.cf"), main_cf).map_err(|e| io("write main.cf", e))?;

    let (smtp_port, submission_port, smtps_port) = free_ports()?;
    // Columns: service type private unpriv chroot wakeup maxproc command.
    // chroot is "n" everywhere: the temp queue is not a prepared jail.
    let master_cf = format!(
        "127.0.0.1:{smtp_port} inet n - n - - smtpd
127.0.0.1:{submission_port} inet n - n - - smtpd
  -o smtpd_tls_security_level=encrypt
127.0.0.1:{smtps_port} inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
error     unix - - n - - error
anvil     unix - - n - 1 anvil
proxymap  unix - - n - - proxymap
postlog   unix-dgram n - n - 1 postlogd
"
    );
    fs::write(conf.join("master.cf"), master_cf).map_err(|e| io("write master.cf", e))?;
    // Postfix re-reads a config file every 300 ms until its mtime is at
    // least ~2 s old ("let it cool down"); backdate both files to skip that.
    let old = std::time::SystemTime::now() - Duration::from_secs(60);
    for f in ["main.cf", "master.cf"] {
        fs::File::options()
            .write(true)
            .open(conf.join(f))
            .and_then(|h| h.set_modified(old))
            .map_err(|e| io("backdate config", e))?;
    }

    // From here on, Drop cleans up whatever got started.
    let handle = Handle {
        smtp_port,
        submission_port,
        smtps_port,
        postfix,
        conf,
        queue,
        log,
        _dir: dir,
    };

    // `start` runs `master -w`, which returns only after the master has
    // bound its listeners (or failed), with a non-zero exit on failure.
    let out = Command::new(&handle.postfix)
        .arg("-c")
        .arg(&handle.conf)
        .arg("start")
        .output()
        .map_err(|e| format!("run postfix start: {e}"))?;
    if !out.status.success() {
        // The master's own fatal message (e.g. a bind error) is lost: postlogd
        // is not up yet and its stderr is /dev/null. So probe the ports
        // ourselves; "in use" makes `start` retry with new ports.
        let busy: Vec<String> = [smtp_port, submission_port, smtps_port]
            .iter()
            .filter(|p| TcpListener::bind(("127.0.0.1", **p)).is_err())
            .map(|p| format!("127.0.0.1:{p} in use"))
            .collect();
        return Err(format!(
            "postfix start failed ({}): {} {}\n--- maillog tail ---\n{}",
            out.status,
            busy.join(", "),
            String::from_utf8_lossy(&out.stderr).trim(),
            handle.log_tail()
        ));
    }

    let deadline = Instant::now() + Duration::from_secs(20);
    for port in [smtp_port, submission_port, smtps_port] {
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!(
                    "postfix not accepting on 127.0.0.1:{port} after 20 s\n--- maillog tail ---\n{}",
                    handle.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // smtpd loads the chain/key per process and, if that fails, only logs a
    // warning and serves without TLS; catch that here via the EHLO reply.
    if let Err(e) = offers_starttls(smtp_port) {
        std::thread::sleep(Duration::from_millis(300)); // let postlogd flush
        return Err(format!("{e}\n--- maillog tail ---\n{}", handle.log_tail()));
    }
    Ok(handle)
}

/// Reads the greeting, sends EHLO and STARTTLS and requires "220" to the
/// latter (smtpd still advertises STARTTLS when its TLS setup failed, but
/// then answers "454 TLS not available"). Closes before the handshake.
fn offers_starttls(port: u16) -> Result<(), String> {
    let err = |e: std::io::Error| format!("SMTP dialogue with 127.0.0.1:{port}: {e}");
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(err)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(err)?;
    let mut r = BufReader::new(s.try_clone().map_err(err)?);
    // Reads one (possibly multi-line) reply: lines "NNN-..." then "NNN ...".
    let mut reply = || -> Result<String, String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).map_err(err)? == 0 {
                return Err(format!(
                    "127.0.0.1:{port} closed the connection after {all:?}"
                ));
            }
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(all);
            }
        }
    };
    let mut dialogue = reply()?;
    s.write_all(b"EHLO harness.test.local\r\n").map_err(err)?;
    dialogue += &reply()?;
    s.write_all(b"STARTTLS\r\n").map_err(err)?;
    let answer = reply()?;
    dialogue += &answer;
    if answer.starts_with("220") {
        Ok(())
    } else {
        Err(format!(
            "postfix refuses STARTTLS (chain/key not loadable?):\n{}",
            dialogue.trim_end()
        ))
    }
}

impl Handle {
    /// Last 40 lines of the instance's maillog.
    pub(crate) fn log_tail(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// The master's pid; it calls setsid(), so this is also the process
    /// group of every Postfix daemon of this instance.
    fn master_pid(&self) -> Option<u32> {
        fs::read_to_string(self.queue.join("pid/master.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

/// Whether any live (non-zombie) process is in process group `pgid`.
fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|e| {
        let Ok(stat) = fs::read_to_string(e.path().join("stat")) else {
            return false;
        };
        // Fields after "(comm)": state ppid pgrp ...
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            return false;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        f.len() > 2 && f[0] != "Z" && f[2].parse() == Ok(pgid)
    })
}

impl Drop for Handle {
    fn drop(&mut self) {
        let pid = self.master_pid();
        let _ = Command::new(&self.postfix)
            .arg("-c")
            .arg(&self.conf)
            .arg("stop")
            .output();
        if let Some(pid) = pid {
            let deadline = Instant::now() + Duration::from_secs(10);
            while group_alive(pid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if group_alive(pid) {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{pid}")])
                    .status();
                let deadline = Instant::now() + Duration::from_secs(5);
                while group_alive(pid) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        // `dir` (the TempDir) is removed when the fields drop.
    }
}
