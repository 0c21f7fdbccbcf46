//! Smoke test for tests/tools/support/dovecot.rs: a real Dovecot serves a
//! root -> intermediate -> leaf chain on all four ports.
#![cfg(unix)]
use crate::support;

use std::path::Path;
use std::process::{Command, Stdio};

fn openssl(dir: &Path, args: &[&str]) {
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

/// Writes root/intermediate/leaf (EC P-256) into `dir`; returns (chain, key).
fn make_chain(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    std::fs::write(
        dir.join("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n",
    )
    .unwrap();
    for k in ["root", "int", "leaf"] {
        openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &format!("{k}.key"),
            ],
        );
    }
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            "/CN=Dovecot Smoke Root",
            "-days",
            "2",
            "-out",
            "root.pem",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "int.key",
            "-subj",
            "/CN=Dovecot Smoke Intermediate",
            "-out",
            "int.csr",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "int.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ca.ext",
            "-out",
            "int.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=localhost",
            "-out",
            "leaf.csr",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "int.pem",
            "-CAkey",
            "int.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    // genpkey already writes PKCS#8 ("BEGIN PRIVATE KEY").
    let leaf = std::fs::read_to_string(dir.join("leaf.pem")).unwrap();
    let int = std::fs::read_to_string(dir.join("int.pem")).unwrap();
    std::fs::write(dir.join("chain.pem"), leaf + &int).unwrap();
    (dir.join("chain.pem"), dir.join("leaf.key"))
}

fn s_client(port: u16, starttls: Option<&str>) -> String {
    let mut cmd = Command::new("openssl");
    cmd.args([
        "s_client",
        "-connect",
        &format!("127.0.0.1:{port}"),
        "-showcerts",
    ]);
    if let Some(p) = starttls {
        cmd.args(["-starttls", p]);
    }
    let o = cmd
        .stdin(Stdio::null())
        .output()
        .expect("run openssl s_client");
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

#[test]
fn dovecot_serves_chain_on_all_ports() {
    if let Err(e) = support::dovecot::available() {
        panic!("{e}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let (chain, key) = make_chain(tmp.path());
    let t = std::time::Instant::now();
    let h = support::dovecot::start(&chain, &key).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("dovecot started in {:?}", t.elapsed());
    for (port, starttls) in [
        (h.imap_port, Some("imap")),
        (h.imaps_port, None),
        (h.pop3_port, Some("pop3")),
        (h.pop3s_port, None),
    ] {
        let out = s_client(port, starttls);
        assert!(
            out.contains("CN = localhost"),
            "port {port} {starttls:?}: leaf missing:\n{out}"
        );
        assert!(
            out.contains("CN = Dovecot Smoke Intermediate"),
            "port {port} {starttls:?}: intermediate missing:\n{out}"
        );
    }
    let t = std::time::Instant::now();
    drop(h);
    eprintln!("dovecot stopped in {:?}", t.elapsed());
}

#[test]
fn dovecot_two_instances_concurrently() {
    let tmp = tempfile::tempdir().unwrap();
    let (chain, key) = make_chain(tmp.path());
    let a = support::dovecot::start(&chain, &key).unwrap_or_else(|e| panic!("{e}"));
    let b = support::dovecot::start(&chain, &key).unwrap_or_else(|e| panic!("{e}"));
    assert!(s_client(a.imaps_port, None).contains("CN = localhost"));
    assert!(s_client(b.pop3s_port, None).contains("CN = localhost"));
}

#[test]
fn dovecot_reports_unusable_key() {
    let tmp = tempfile::tempdir().unwrap();
    let (chain, _key) = make_chain(tmp.path());
    // The intermediate's key does not match the leaf certificate.
    let err = match support::dovecot::start(&chain, &tmp.path().join("int.key")) {
        Ok(_) => panic!("dovecot accepted a key that does not match the certificate"),
        Err(e) => e,
    };
    assert!(err.contains("Failed to initialize SSL"), "{err}");
}
