//! Smoke test for tests/tools/support/postgres.rs: a real PostgreSQL sends leaf +
//! intermediate after STARTTLS.
#![cfg(unix)]

use crate::{common, support};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// root CA -> intermediate -> leaf (CN/SAN localhost), EC P-256, PKCS#8 key.
/// Returns (chain_pem = leaf + intermediate, key_pem).
fn make_chain(d: &Path) -> (PathBuf, PathBuf) {
    // Arguments contain no spaces, so one string per openssl call will do.
    let o = |args: &str| support::openssl(d, &args.split_whitespace().collect::<Vec<_>>());
    std::fs::write(
        d.join("ext.cnf"),
        "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n\
         [leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .unwrap();
    for k in ["root", "int", "leaf"] {
        // genpkey writes PKCS#8 "PRIVATE KEY".
        o(&format!(
            "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {k}.key"
        ));
    }
    o(
        "req -x509 -new -key root.key -subj /CN=Smoke-Root-CA -days 2 -out root.pem \
       -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
    );
    o("req -new -key int.key -subj /CN=Smoke-Intermediate-CA -out int.csr");
    o(
        "x509 -req -in int.csr -CA root.pem -CAkey root.key -CAcreateserial -days 2 \
       -extfile ext.cnf -extensions ca -out int.pem",
    );
    o("req -new -key leaf.key -subj /CN=localhost -out leaf.csr");
    o(
        "x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -days 2 \
       -extfile ext.cnf -extensions leaf -out leaf.pem",
    );
    let mut pem = std::fs::read_to_string(d.join("leaf.pem")).unwrap();
    pem += &std::fs::read_to_string(d.join("int.pem")).unwrap();
    std::fs::write(d.join("chain.pem"), pem).unwrap();
    (d.join("chain.pem"), d.join("leaf.key"))
}

#[test]
fn postgres_sends_leaf_and_intermediate() {
    if let Err(e) = support::postgres::available() {
        panic!("{e}");
    }
    let d = common::tmp();
    let (chain, key) = make_chain(d.path());
    let t = std::time::Instant::now();
    let h = support::postgres::start(&chain, &key).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("postgres started in {:?} on port {}", t.elapsed(), h.port);

    let out = Command::new("openssl")
        .args([
            "s_client",
            "-starttls",
            "postgres",
            "-showcerts",
            "-connect",
        ])
        .arg(format!("127.0.0.1:{}", h.port))
        .stdin(Stdio::null())
        .output()
        .expect("run openssl s_client");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("s:CN = localhost"), "no leaf in:\n{text}");
    assert!(
        text.contains("s:CN = Smoke-Intermediate-CA"),
        "no intermediate in:\n{text}"
    );
    // Exactly leaf + intermediate were sent (s: = subject lines).
    assert_eq!(
        text.matches("-----BEGIN CERTIFICATE-----").count(),
        2,
        "{text}"
    );
    let t = std::time::Instant::now();
    drop(h);
    eprintln!("postgres stopped in {:?}", t.elapsed());
}
