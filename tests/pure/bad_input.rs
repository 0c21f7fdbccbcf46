//! Bad input, bad files and badly behaved servers: the real binary must
//! refuse with exit code 3, one clear line on stderr naming what was wrong,
//! no panic, and within its timeout. Only loopback is ever contacted.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::thread;
use std::time::Duration;

use crate::common::{trustfix, Out};

/// Slack added to `--timeout` when bounding elapsed time.
const SLACK: Duration = Duration::from_secs(3);

/// Exit 3, no panic, exactly one `trustfix: ...` line on stderr containing
/// every needle.
fn assert_refused(o: &Out, needles: &[&str]) {
    assert_eq!(o.code, 3, "expected exit code 3: {o:?}");
    assert!(!o.stderr.contains("panicked"), "panic: {o:?}");
    assert!(!o.stdout.contains("panicked"), "panic: {o:?}");
    let lines: Vec<&str> = o.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr: {o:?}");
    assert!(
        lines[0].starts_with("trustfix: "),
        "stderr line should start with 'trustfix: ': {o:?}"
    );
    for n in needles {
        assert!(o.stderr.contains(n), "stderr should mention {n:?}: {o:?}");
    }
}

fn assert_within(o: &Out, limit: Duration) {
    assert!(
        o.elapsed < limit,
        "took {:?}, limit {limit:?}: {o:?}",
        o.elapsed
    );
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port(host: &str) -> std::io::Result<u16> {
    let l = TcpListener::bind((host, 0))?;
    let port = l.local_addr()?.port();
    drop(l);
    Ok(port)
}

/// Accepts one connection on 127.0.0.1 and hands it to `handler` on a
/// detached thread. Returns the port.
fn serve_once<F>(handler: F) -> u16
where
    F: FnOnce(TcpStream) + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = l.local_addr().expect("local_addr").port();
    thread::spawn(move || {
        if let Ok((s, _)) = l.accept() {
            handler(s);
        }
    });
    port
}

/// Reads and discards until the peer closes (or a long idle timeout), so
/// the client never sees a reset caused by unread data.
fn read_until_closed(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

/// A server that writes `bytes` on accept, then keeps reading.
fn serve_bytes(bytes: Vec<u8>) -> u16 {
    serve_once(move |mut s| {
        let _ = s.write_all(&bytes);
        let _ = s.flush();
        read_until_closed(s);
    })
}

/// A server that writes `bytes` on accept, then closes its sending side
/// (the client sees end of stream mid-record) and keeps reading.
fn serve_bytes_then_eof(bytes: Vec<u8>) -> u16 {
    serve_once(move |mut s| {
        let _ = s.write_all(&bytes);
        let _ = s.flush();
        let _ = s.shutdown(std::net::Shutdown::Write);
        read_until_closed(s);
    })
}

/// Deterministic pseudo-random bytes (xorshift64), no extra dependency.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn write_file(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write temp file");
    p
}

// 1. Targets that cannot be parsed.
#[test]
fn unparseable_targets_are_refused_with_the_target_named() {
    let cases: &[(&str, &[&str])] = &[
        ("bad host", &["'bad host'", "not a host name"]),
        ("host:0", &["'host:0'", "not a port"]),
        ("host:99999", &["'host:99999'", "not a port"]),
        ("gopher://x", &["'gopher://x'", "unknown scheme"]),
    ];
    for (target, needles) in cases {
        let o = trustfix(["check", target]);
        assert_refused(&o, needles);
        assert_within(&o, Duration::from_secs(10));
    }
}

// 2. An unknown --starttls protocol.
#[test]
fn unknown_starttls_protocol_is_refused() {
    let o = trustfix(["check", "127.0.0.1:25", "--starttls", "gopher"]);
    assert_refused(&o, &["--starttls 'gopher'", "unknown protocol"]);
}

// 3. Store kinds that are not available.
#[test]
fn unavailable_or_unknown_store_kinds_are_refused() {
    let o = trustfix(["check", "127.0.0.1:1", "--store", "windows"]);
    assert_refused(&o, &["--store windows", "only available on that OS"]);

    // A Java keystore that does not exist is named, before any connection.
    let o = trustfix([
        "check",
        "127.0.0.1:1",
        "--store",
        "java:/nonexistent/cacerts",
    ]);
    assert_refused(&o, &["/nonexistent/cacerts"]);

    let o = trustfix(["check", "127.0.0.1:1", "--store", "nope"]);
    assert_refused(&o, &["'nope'", "unknown store kind"]);

    // `show` parses --store the same way, before reading any file.
    let o = trustfix(["show", "/nonexistent/cert.pem", "--store", "nope"]);
    assert_refused(&o, &["'nope'", "unknown store kind"]);
}

// 4. `show` on files that are not certificates.
#[test]
fn show_refuses_non_certificate_files_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = write_file(
        dir.path(),
        "notes.txt",
        b"this is a text file, not a certificate\n",
    );
    let empty = write_file(dir.path(), "empty.pem", b"");
    let truncated = write_file(dir.path(), "truncated.der", &[0x30, 0x82, 0xff, 0xff]);
    let missing = dir.path().join("missing.pem");

    let cases: Vec<(&Path, &str)> = vec![
        (&text, "not a certificate"),
        (&empty, "empty"),
        (&truncated, "DER"),
        (dir.path(), "directory"),
        (&missing, ""),
    ];
    for (path, why) in cases {
        let o = trustfix([std::ffi::OsStr::new("show"), path.as_os_str()]);
        let shown = path.display().to_string();
        assert_refused(&o, &[&shown, why]);
    }
}

// 5. A --ca-file that is not a certificate fails before any connection.
#[test]
fn bad_ca_file_is_named_before_connecting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write_file(dir.path(), "roots.txt", b"hello, I am not a CA\n");
    let shown = bad.display().to_string();
    let o = trustfix([
        std::ffi::OsStr::new("check"),
        std::ffi::OsStr::new("127.0.0.1:1"),
        std::ffi::OsStr::new("--ca-file"),
        bad.as_os_str(),
    ]);
    assert_refused(&o, &[&shown, "store"]);
    assert!(
        !o.stderr.contains("connect"),
        "the store must be loaded (and refused) before connecting: {o:?}"
    );
}

// 6. Nothing listening: a connect error, immediately.
#[test]
fn closed_port_fails_fast_in_connect() {
    let port = closed_port("127.0.0.1").expect("bind 127.0.0.1:0");
    let authority = format!("127.0.0.1:{port}");
    let o = trustfix(["check", &authority, "--timeout", "5"]);
    assert_refused(&o, &["connect", &authority]);
    // Refused on loopback is immediate: it must not wait for the timeout.
    assert_within(&o, Duration::from_secs(5));
}

// 7. A plain-text (SMTP-like) server is recognised and quoted.
#[test]
fn plain_text_server_is_quoted() {
    let port = serve_bytes(b"220 mail.example.com ESMTP ready\r\n".to_vec());
    let authority = format!("127.0.0.1:{port}");
    let o = trustfix(["check", &authority, "--timeout", "5"]);
    assert_refused(
        &o,
        &[
            "handshake",
            &authority,
            "plain text",
            "\"220 mail.example.com ESMTP ready\"",
        ],
    );
    assert_within(&o, Duration::from_secs(5) + SLACK);
}

// 8. A server that accepts and never answers costs at most --timeout.
#[test]
fn silent_server_times_out_within_the_timeout() {
    let port = serve_once(read_until_closed);
    let authority = format!("127.0.0.1:{port}");
    let o = trustfix(["check", &authority, "--timeout", "1"]);
    assert_refused(&o, &["handshake", &authority, "timed out"]);
    assert_within(&o, Duration::from_secs(1) + SLACK);
}

// 9. Garbage that looks a little like TLS must not panic or hang.
#[test]
fn garbage_from_the_server_is_an_error_not_a_panic() {
    let mut oversized = vec![0x16, 0x03, 0x01, 0xff, 0xff];
    oversized.extend(noise(0x5eed_0001, 4096));
    let mut plausible = vec![0x16, 0x03, 0x03, 0x00, 0x40];
    plausible.extend(noise(0x5eed_0002, 64));
    let mut fake_cert_msg = vec![0x16, 0x03, 0x03, 0x01, 0x00, 0x0b, 0x00, 0x00, 0xfc];
    fake_cert_msg.extend(noise(0x5eed_0003, 252));
    let mut truncated = vec![0x16, 0x03, 0x03, 0x40, 0x00];
    truncated.extend(noise(0x5eed_0004, 10));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("oversized record", oversized),
        ("plausible record, random body", plausible),
        ("fake certificate message", fake_cert_msg),
        ("record cut short, connection left open", truncated),
        ("pure noise", noise(0x5eed_0005, 8192)),
        ("zeros", vec![0u8; 1024]),
    ];
    for (name, bytes) in cases {
        let port = serve_bytes(bytes);
        let authority = format!("127.0.0.1:{port}");
        let o = trustfix(["check", &authority, "--timeout", "3"]);
        eprintln!("case {name}: {}", o.stderr.trim());
        assert_refused(&o, &["handshake", &authority]);
        assert_within(&o, Duration::from_secs(3) + SLACK);
    }

    // A record cut short by end of stream: a clear "closed", not a hang.
    let mut cut = vec![0x16, 0x03, 0x03, 0x40, 0x00];
    cut.extend(noise(0x5eed_0006, 10));
    let port = serve_bytes_then_eof(cut);
    let authority = format!("127.0.0.1:{port}");
    let o = trustfix(["check", &authority, "--timeout", "3"]);
    assert_refused(&o, &["handshake", &authority, "closed"]);
    assert_within(&o, Duration::from_secs(3) + SLACK);
}

// 10. --json on a connect failure is still a schema-1 document.
#[test]
fn json_connect_failure_is_valid_json() {
    let port = closed_port("127.0.0.1").expect("bind 127.0.0.1:0");
    let authority = format!("127.0.0.1:{port}");
    let o = trustfix(["check", &authority, "--timeout", "5", "--json"]);
    assert_refused(&o, &["connect", &authority]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {o:?}"));
    assert_eq!(v["schema"], 1, "{o:?}");
    assert_eq!(v["verdict"], "error", "{o:?}");
    assert_eq!(v["exit_code"], 3, "{o:?}");
    assert_eq!(v["error"]["phase"], "connect", "{o:?}");
    let msg = v["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains(&authority),
        "error.message names the target: {o:?}"
    );
}

// 10b. --json on a usage error is JSON too, with the usage phase.
#[test]
fn json_usage_error_is_valid_json() {
    let o = trustfix(["check", "bad host", "--json"]);
    assert_refused(&o, &["'bad host'"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {o:?}"));
    assert_eq!(v["schema"], 1, "{o:?}");
    assert_eq!(v["verdict"], "error", "{o:?}");
    assert_eq!(v["exit_code"], 3, "{o:?}");
    assert_eq!(v["error"]["phase"], "usage", "{o:?}");
}

// 11. Timeouts outside (0, 3600] are refused before any work.
#[test]
fn invalid_timeouts_are_refused() {
    for t in ["0", "-1", "nan", "inf", "3601"] {
        let arg = format!("--timeout={t}");
        let o = trustfix(["check", "127.0.0.1:1", &arg]);
        assert_refused(&o, &["--timeout"]);
        assert!(
            o.stdout.is_empty(),
            "nothing should be attempted with --timeout {t}: {o:?}"
        );
    }
}

// 12. IPv6 loopback, when the host has it.
#[test]
fn closed_ipv6_port_fails_in_connect() {
    let port = match closed_port("::1") {
        Ok(p) => p,
        Err(e) => {
            eprintln!("skipping closed_ipv6_port_fails_in_connect: cannot bind [::1]:0 ({e})");
            return;
        }
    };
    let authority = format!("[::1]:{port}");
    let o = trustfix(["check", &authority, "--timeout", "5"]);
    assert_refused(&o, &["connect", &authority]);
    assert_within(&o, Duration::from_secs(5));
}

#[test]
fn completions_and_man_page() {
    // How each shell's script names the long option `--store`.
    for (shell, store_flag) in [
        ("bash", "--store"),
        ("zsh", "--store"),
        ("fish", "-l store"),
        ("powershell", "--store"),
    ] {
        let o = trustfix(["completions", shell]);
        assert_eq!(o.code, 0, "{shell}: {}", o.stderr);
        assert!(
            o.stdout.contains("preflight") && o.stdout.contains(store_flag),
            "{shell}"
        );
    }
    assert_eq!(trustfix(["completions", "tcsh"]).code, 3);
    let man = trustfix(["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH trustfix 1"),
        "{}",
        &man.stdout[..80]
    );
    assert!(man.stdout.contains("preflight"));
}
