//! Smoke test for the slapd harness: a real OpenLDAP server must send leaf +
//! intermediate both after StartTLS (ldap_port) and on implicit TLS (ldaps_port).
#![cfg(unix)]

use crate::{common, support};

use std::path::Path;
use std::process::{Command, Stdio};

use support::slapd;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Root CA -> intermediate -> leaf (CN/SAN localhost), all EC P-256; the leaf
/// key is written as PKCS#8. Returns (chain.pem = leaf+intermediate, leaf.key).
fn make_chain(dir: &Path) {
    let ec = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    for k in ["root.key", "int.key", "leaf.key"] {
        let mut a = vec!["genpkey"];
        a.extend_from_slice(&ec);
        a.extend_from_slice(&["-out", k]);
        openssl(dir, &a);
    }
    std::fs::write(
        dir.join("ca.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            "/CN=Slapd Smoke Root",
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
            "/CN=Slapd Smoke Intermediate",
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
            "-set_serial",
            "2",
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
            "-set_serial",
            "3",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    let chain = std::fs::read_to_string(dir.join("leaf.pem")).unwrap()
        + &std::fs::read_to_string(dir.join("int.pem")).unwrap();
    std::fs::write(dir.join("chain.pem"), chain).unwrap();
}

fn s_client(port: u16, starttls: bool) -> String {
    let connect = format!("127.0.0.1:{port}");
    let mut args = vec!["s_client", "-connect", &connect, "-showcerts"];
    if starttls {
        args.extend_from_slice(&["-starttls", "ldap"]);
    }
    let out = Command::new("openssl")
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .expect("run openssl s_client");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn slapd_serves_leaf_and_intermediate_on_both_ports() {
    if let Err(e) = slapd::available() {
        panic!("{e}");
    }
    let tmp = common::tmp();
    make_chain(tmp.path());
    let t0 = std::time::Instant::now();
    let h = slapd::start(&tmp.path().join("chain.pem"), &tmp.path().join("leaf.key"))
        .unwrap_or_else(|e| panic!("start slapd: {e}"));
    eprintln!("slapd started in {:?}", t0.elapsed());

    for (port, starttls) in [(h.ldap_port, true), (h.ldaps_port, false)] {
        let out = s_client(port, starttls);
        for subject in ["CN = localhost", "CN = Slapd Smoke Intermediate"] {
            assert!(
                out.contains(subject),
                "port {port} (starttls={starttls}) did not send {subject:?}:\n{out}"
            );
        }
        assert!(
            !out.contains("s:CN = Slapd Smoke Root"),
            "root should not be sent:\n{out}"
        );
    }

    // A second, independent instance may run at the same time.
    let h2 = slapd::start(&tmp.path().join("chain.pem"), &tmp.path().join("leaf.key"))
        .unwrap_or_else(|e| panic!("start second slapd: {e}"));
    assert_ne!(h.ldap_port, h2.ldap_port);
    drop(h2);
    drop(h);
}
