//! Loopback servers for `bench/run.sh` (run on demand, never by the tests):
//! a fresh PKI and, on 127.0.0.1 only, one server for the single-check
//! benchmark plus N endpoints for the preflight benchmark: good chains,
//! broken ones (intermediate not sent, expired, self-signed, wrong name)
//! and SMTP STARTTLS fakes, each on its own port.
//!
//!     cargo run --release --example bench_lab -- DIR [ENDPOINTS] [STORE_CERTS]
//!
//! Writes DIR/root.pem, DIR/lab.json (ports and kinds), with STORE_CERTS
//! also DIR/big-store.pem (that many unrelated self-signed CAs, then the
//! lab's root: a large CA file for `bench/preflight_scale.py`), prints
//! `ready` and serves until its standard input closes (at most one hour).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use trustfix::demo::pki::{leaf_params, valid_days, Ca};
use trustfix::demo::server::{config, handshake_on, serve, spawn};

const NAMES: &[&str] = &["bench.test", "localhost", "127.0.0.1"];

fn smtp(cfg: Arc<rustls::ServerConfig>) -> std::io::Result<u16> {
    Ok(spawn(move |mut s| {
        let Ok(c) = s.try_clone() else { return };
        let mut r = BufReader::new(c);
        let _ = s.write_all(b"220 bench.test ESMTP\r\n");
        loop {
            let mut l = String::new();
            if r.read_line(&mut l).unwrap_or(0) == 0 {
                return;
            }
            let cmd = l.trim().to_ascii_uppercase();
            if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                let _ = s.write_all(b"250-bench.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
            } else if cmd == "STARTTLS" {
                let _ = s.write_all(b"220 2.0.0 Ready to start TLS\r\n");
                let _ = handshake_on(cfg.clone(), &mut s);
                return;
            } else if cmd == "QUIT" {
                let _ = s.write_all(b"221 2.0.0 bye\r\n");
                return;
            } else {
                let _ = s.write_all(b"502 5.5.2 unknown command\r\n");
            }
        }
    })?
    .port())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: bench_lab DIR [ENDPOINTS]")?);
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let store_certs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(0);
    std::fs::create_dir_all(&dir)?;

    let root = Ca::root("Bench Root CA")?;
    if store_certs > 0 {
        let mut pem = String::new();
        for i in 0..store_certs {
            pem.push_str(&Ca::root(&format!("Unrelated Bench CA {i}"))?.pem);
        }
        pem.push_str(&root.pem);
        std::fs::write(dir.join("big-store.pem"), pem)?;
    }
    let sub = root.intermediate("Bench Issuing CA")?;
    let leaf = sub.leaf(NAMES)?;
    let mut p = leaf_params(NAMES);
    valid_days(&mut p, -400, -35);
    let expired = sub.issue(p)?;
    let wrong = sub.leaf(&["elsewhere.test"])?;
    let selfsigned = Ca::self_signed(leaf_params(NAMES))?;
    std::fs::write(dir.join("root.pem"), &root.pem)?;

    let full = vec![leaf.der.clone(), sub.der.clone()];
    let single = serve(full.clone(), leaf.key_pkcs8.clone())?.port();
    let smtp_cfg = config(
        full.clone(),
        leaf.key_pkcs8.clone(),
        rustls::ALL_VERSIONS,
        Vec::new(),
    )?;
    // Of every 10 endpoints: 6 good, 2 STARTTLS (good), 2 broken in turn.
    let mut endpoints = Vec::new();
    for i in 0..n {
        let (kind, port) = match i % 10 {
            0..=5 => ("good", serve(full.clone(), leaf.key_pkcs8.clone())?.port()),
            6 | 7 => ("smtp", smtp(smtp_cfg.clone())?),
            _ => match (i / 10) % 4 {
                0 => (
                    "incomplete",
                    serve(vec![leaf.der.clone()], leaf.key_pkcs8.clone())?.port(),
                ),
                1 => (
                    "expired",
                    serve(
                        vec![expired.der.clone(), sub.der.clone()],
                        expired.key_pkcs8.clone(),
                    )?
                    .port(),
                ),
                2 => (
                    "self_signed",
                    serve(vec![selfsigned.der.clone()], selfsigned.key_pkcs8())?.port(),
                ),
                _ => (
                    "wrong_name",
                    serve(
                        vec![wrong.der.clone(), sub.der.clone()],
                        wrong.key_pkcs8.clone(),
                    )?
                    .port(),
                ),
            },
        };
        endpoints.push(serde_json::json!({"kind": kind, "port": port}));
    }
    let lab = serde_json::json!({
        "root": dir.join("root.pem"),
        "single": single,
        "endpoints": endpoints,
    });
    std::fs::write(dir.join("lab.json"), serde_json::to_string_pretty(&lab)?)?;
    println!("ready");
    std::io::stdout().flush()?;
    // Serve until the parent closes our stdin; never longer than an hour.
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(3600));
        std::process::exit(0);
    });
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    Ok(())
}
