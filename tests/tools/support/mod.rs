//! Helpers only the tool tests need: real servers from Debian packages,
//! a JVM client, an HTTP server for AIA/OCSP/CRL, Wine, and `openssl` as
//! an independent referee.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::write_pem;

/// Finding ids of a JSON report.
pub(crate) fn ids(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The finding with `id`, for checking its depth and texts.
pub(crate) fn finding<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["id"] == id))
        .unwrap_or_else(|| panic!("no finding {id} in {}", v["findings"]))
}

/// `openssl verify` as an independent referee, at security level 2 (Debian's
/// default for TLS clients) and for the TLS server purpose.
pub(crate) fn openssl_accepts(
    dir: &Path,
    sent: &[Vec<u8>],
    roots: &[&[u8]],
    hostname: Option<&str>,
) -> bool {
    let leaf = dir.join("referee-leaf.pem");
    let rest = dir.join("referee-untrusted.pem");
    let ca = dir.join("referee-roots.pem");
    write_pem(&leaf, &[&sent[0]]);
    write_pem(&ca, roots);
    let mut cmd = Command::new("openssl");
    cmd.args([
        "verify",
        "-auth_level",
        "2",
        "-purpose",
        "sslserver",
        "-CAfile",
    ])
    .arg(&ca);
    if sent.len() > 1 {
        let others: Vec<&[u8]> = sent[1..].iter().map(|d| d.as_slice()).collect();
        write_pem(&rest, &others);
        cmd.arg("-untrusted").arg(&rest);
    }
    if let Some(h) = hostname {
        if h.parse::<std::net::IpAddr>().is_ok() {
            cmd.args(["-verify_ip", h]);
        } else {
            cmd.args(["-verify_hostname", h]);
        }
    }
    let o = cmd
        .arg(&leaf)
        .output()
        .expect("openssl is installed (README test command installs it)");
    o.status.success()
}

/// Runs `openssl` with arguments in `dir`, panicking with its stderr on failure.
pub(crate) fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        o.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

pub(crate) fn read_pem_der(path: &Path) -> Vec<u8> {
    let certs = trustfix::load::certs_from_file(path).expect("openssl wrote a certificate");
    certs[0].der.clone()
}

pub(crate) mod jvm;
pub(crate) mod sserver;

// Real servers from Debian packages, each started privately on loopback.
#[cfg(unix)]
pub(crate) mod dovecot;
#[cfg(unix)]
pub(crate) mod mariadb;
#[cfg(unix)]
pub(crate) mod postfix;
#[cfg(unix)]
pub(crate) mod postgres;
#[cfg(unix)]
pub(crate) mod slapd;

/// Running as root (as CI does).
pub(crate) fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Whether the real server behind `available` can be used here. As root
/// (CI) a missing server is a failure, never a silent skip; otherwise the
/// test is skipped with a visible message.
pub(crate) fn real_server(name: &str, available: Result<(), String>) -> bool {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    match (available, root) {
        (Ok(()), true) => true,
        (Err(e), true) => panic!("{name}: {e} (the README test command installs it)"),
        (_, false) => {
            eprintln!("SKIPPED: {name} tests need root (run as root, as CI does)");
            false
        }
    }
}

/// PKCS#8 DER key as PEM, for daemons that read key files.
pub(crate) fn write_key_pem(path: &Path, pkcs8: &[u8]) {
    let s = trustfix::util::pem::encode_block("PRIVATE KEY", pkcs8);
    std::fs::write(path, s).expect("write key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}
pub(crate) mod http;

/// Runs `openssl` in `dir`; whether it succeeded (for optional seeds).
pub(crate) fn openssl_try(dir: &Path, args: &[&str]) -> bool {
    std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}
/// trustfix.exe under Wine and crypt32 as referee (tests/tools/windows_wine.rs).
pub(crate) mod wine;
