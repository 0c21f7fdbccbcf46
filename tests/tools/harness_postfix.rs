//! Smoke test for the Postfix harness: every listener serves leaf + intermediate.
#![cfg(unix)]
use crate::support;

use std::path::Path;
use std::process::{Command, Stdio};
use support::postfix;

fn ossl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// root CA -> intermediate -> leaf (CN/SAN localhost), EC P-256, PKCS#8 keys.
fn make_chain(d: &Path) {
    for k in ["root", "int", "leaf"] {
        ossl(
            d,
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
    std::fs::write(
        d.join("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )
    .unwrap();
    std::fs::write(
        d.join("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n",
    )
    .unwrap();
    ossl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            "/CN=Postfix Smoke Root",
            "-days",
            "2",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
    );
    ossl(
        d,
        &[
            "req",
            "-new",
            "-key",
            "int.key",
            "-subj",
            "/CN=Postfix Smoke Intermediate",
            "-out",
            "int.csr",
        ],
    );
    ossl(
        d,
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
    ossl(
        d,
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
    ossl(
        d,
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
    let chain = std::fs::read_to_string(d.join("leaf.pem")).unwrap()
        + &std::fs::read_to_string(d.join("int.pem")).unwrap();
    std::fs::write(d.join("chain.pem"), chain).unwrap();
}

fn s_client(port: u16, starttls: bool) -> String {
    let mut cmd = Command::new("openssl");
    cmd.args([
        "s_client",
        "-connect",
        &format!("127.0.0.1:{port}"),
        "-showcerts",
    ]);
    if starttls {
        cmd.args(["-starttls", "smtp"]);
    }
    let o = cmd
        .stdin(Stdio::null())
        .output()
        .expect("run openssl s_client");
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

#[test]
fn postfix_serves_chain_on_all_ports() {
    if let Err(e) = postfix::available() {
        panic!("{e}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    make_chain(d);
    let t = std::time::Instant::now();
    let h =
        postfix::start(&d.join("chain.pem"), &d.join("leaf.key")).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("postfix started in {:?}", t.elapsed());
    for (port, starttls) in [
        (h.smtp_port, true),
        (h.submission_port, true),
        (h.smtps_port, false),
    ] {
        let out = s_client(port, starttls);
        assert!(
            out.contains("CN = localhost"),
            "port {port}: no leaf\n{out}"
        );
        assert!(
            out.contains("CN = Postfix Smoke Intermediate"),
            "port {port}: no intermediate\n{out}"
        );
    }
    let ports = [h.smtp_port, h.submission_port, h.smtps_port];
    let t = std::time::Instant::now();
    drop(h);
    eprintln!("postfix stopped in {:?}", t.elapsed());
    for p in ports {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", p)).is_err(),
            "port {p} still open after drop"
        );
    }
}

/// Two independent instances at once.
#[test]
fn postfix_two_instances_concurrently() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    make_chain(d);
    let (c, k) = (d.join("chain.pem"), d.join("leaf.key"));
    let a = postfix::start(&c, &k).unwrap_or_else(|e| panic!("{e}"));
    let b = postfix::start(&c, &k).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(a.smtp_port, b.smtp_port);
    for p in [a.smtps_port, b.smtps_port] {
        assert!(s_client(p, false).contains("CN = localhost"));
    }
}
