//! Servers that are broken by definition: every one ends in a clear error
//! (exit 3) within the timeout, without a panic, and with trustfix's peak
//! memory (measured by GNU time) below MAX_RSS_KB.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use trustfix::demo::server::spawn;

/// 64 MiB: a 16 MiB Certificate message must not be buffered whole (measured: about 13 MiB).
const MAX_RSS_KB: u64 = 64 * 1024;
const TIMEOUT: u64 = 3;

struct Run {
    code: i32,
    stderr: String,
    rss_kb: u64,
    took: Duration,
}

fn run(port: u16, extra: &[&str]) -> Run {
    let d = common::tmp();
    let rss_file = d.path().join("rss");
    let t = Instant::now();
    let target = format!("127.0.0.1:{port}");
    let mut args = vec![
        "-f",
        "%M",
        "-o",
        rss_file.to_str().unwrap(),
        env!("CARGO_BIN_EXE_trustfix"),
        "check",
        &target,
        "--timeout",
    ];
    let to = TIMEOUT.to_string();
    args.push(&to);
    args.extend_from_slice(extra);
    let o = Command::new("/usr/bin/time")
        .args(&args)
        .output()
        .expect("GNU time (package time)");
    let took = t.elapsed();
    let rss_kb = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(0);
    Run {
        code: o.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        rss_kb,
        took,
    }
}

fn assert_clean_failure(name: &str, r: &Run, needle: &str) {
    assert_eq!(r.code, 3, "{name}: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
    assert!(
        r.stderr.contains(needle),
        "{name}: expected {needle:?} in {}",
        r.stderr
    );
    // Two attempts (rustls, then the legacy retry), each within the timeout.
    assert!(
        r.took < Duration::from_secs(2 * TIMEOUT + 3),
        "{name} took {:?}",
        r.took
    );
    assert!(
        r.rss_kb > 0 && r.rss_kb < MAX_RSS_KB,
        "{name}: peak RSS {} KiB",
        r.rss_kb
    );
}

/// Reads the ClientHello record (or gives up), as a real server would.
fn read_hello(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.read(&mut buf);
}

fn record(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![ty, 3, 3];
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

/// A TLS 1.2 ServerHello choosing ECDHE-RSA-AES128-GCM-SHA256.
fn server_hello() -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[0x11; 32]);
    body.extend_from_slice(&[0, 0xc0, 0x2f, 0, 0, 0]);
    let mut hs = vec![2, 0, 0, body.len() as u8];
    hs.extend(body);
    record(22, &hs)
}

/// A Certificate handshake message header claiming `len` bytes, then filler
/// records until the client goes away or `limit` bytes were sent.
fn huge_certificate(s: &mut TcpStream, len: u32, limit: usize) {
    let mut first = vec![11];
    first.extend_from_slice(&len.to_be_bytes()[1..]);
    first.extend_from_slice(&(len - 3).to_be_bytes()[1..]);
    first.extend(std::iter::repeat_n(0x30u8, 16_000));
    if s.write_all(&record(22, &first)).is_err() {
        return;
    }
    let filler = record(22, &[0x30; 16_000]);
    let mut sent = first.len();
    while sent < limit && s.write_all(&filler).is_ok() {
        sent += 16_000;
    }
}

/// What a hostile server does with one connection.
type Handler = Box<dyn Fn(TcpStream) + Send + Sync>;

#[test]
fn hostile_servers_end_cleanly() {
    // A real certificate, repeated 10,000 times in one Certificate message.
    let ca = trustfix::demo::pki::Ca::root("Hostile Root").unwrap();
    let one = ca.der.clone();
    let cases: Vec<(&str, Handler, &str)> = vec![
        (
            "garbage instead of a ServerHello",
            Box::new(|mut s| {
                read_hello(&mut s);
                let _ = s.write_all(&[0x99; 300]);
            }),
            "malformed",
        ),
        (
            "an HTTP server on the TLS port",
            Box::new(|mut s| {
                read_hello(&mut s);
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            }),
            "plain text",
        ),
        (
            "a TLS alert",
            Box::new(|mut s| {
                read_hello(&mut s);
                let _ = s.write_all(&[21, 3, 3, 0, 2, 2, 40]);
            }),
            "handshake_failure",
        ),
        (
            "a 16 MiB Certificate message",
            Box::new(|mut s| {
                read_hello(&mut s);
                let _ = s.write_all(&server_hello());
                huge_certificate(&mut s, 16 * 1024 * 1024, 16 * 1024 * 1024);
            }),
            "handshake",
        ),
        (
            "a chain of 10,000 certificates",
            Box::new(move |mut s| {
                read_hello(&mut s);
                let _ = s.write_all(&server_hello());
                let mut list = Vec::new();
                for _ in 0..10_000 {
                    list.extend_from_slice(&(one.len() as u32).to_be_bytes()[1..]);
                    list.extend_from_slice(&one);
                }
                let mut msg = vec![11];
                msg.extend_from_slice(&((list.len() + 3) as u32).to_be_bytes()[1..]);
                msg.extend_from_slice(&(list.len() as u32).to_be_bytes()[1..]);
                msg.extend(list);
                for chunk in msg.chunks(16_000) {
                    if s.write_all(&record(22, chunk)).is_err() {
                        return;
                    }
                }
                std::thread::sleep(Duration::from_secs(8));
            }),
            "handshake",
        ),
        (
            "a record with a lying length",
            Box::new(|mut s| {
                read_hello(&mut s);
                let _ = s.write_all(&[22, 3, 3, 0x40, 0x00, 2, 0, 0]);
                std::thread::sleep(Duration::from_secs(8));
            }),
            "timed out",
        ),
        (
            "a reset in the middle of the handshake",
            Box::new(|mut s| {
                // Unread input plus close makes the kernel send RST.
                let mut b = [0u8; 5];
                let _ = s.read_exact(&mut b);
                let hello = server_hello();
                let _ = s.write_all(&hello[..20]);
            }),
            "handshake",
        ),
        (
            "one byte per second",
            Box::new(|mut s| {
                read_hello(&mut s);
                for b in server_hello() {
                    if s.write_all(&[b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            }),
            "timed out",
        ),
    ];
    for (name, handler, needle) in cases {
        let port = spawn(handler).unwrap().port();
        let r = run(port, &[]);
        assert_clean_failure(name, &r, needle);
        eprintln!(
            "{name}: exit {} in {:?}, peak RSS {} KiB",
            r.code, r.took, r.rss_kb
        );
    }
}

#[test]
fn hostile_starttls_servers_end_cleanly() {
    let endless = spawn(|mut s| {
        let line = [b"220-".as_slice(), &[b'x'; 500], b"\r\n"].concat();
        while s.write_all(&line).is_ok() {}
    })
    .unwrap()
    .port();
    let r = run(endless, &["--starttls", "smtp"]);
    assert_clean_failure("an endless multi-line SMTP greeting", &r, "more than");
    let mute = spawn(|mut s| {
        let mut buf = [0u8; 512];
        let _ = s.write_all(b"220 ready\r\n");
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"250-x\r\n250 STARTTLS\r\n");
        let _ = s.read(&mut buf);
        std::thread::sleep(Duration::from_secs(8));
    })
    .unwrap()
    .port();
    let r = run(mute, &["--starttls", "smtp"]);
    assert_clean_failure("a server that never answers STARTTLS", &r, "timed out");
}
