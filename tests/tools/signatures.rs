//! Every signature algorithm OpenSSL 3, Java 17+ or Windows accept is
//! verified, not skipped: chains made by `openssl` with each key type and
//! digest, judged by `trustfix show` and by `openssl verify`; a tampered
//! signature is `sig.invalid`; a forged leaf naming a real system root as
//! its issuer, served over TLS, is refused with `--store system`.

use crate::{common, support};

use std::path::Path;

use common::*;
use serde_json::Value;
use support::sserver;
use support::*;

const HOST: &str = "sig.example.test";

struct Alg {
    name: &'static str,
    /// `openssl genpkey` arguments for the CA key.
    key: &'static [&'static str],
    /// Arguments to `openssl x509 -req` selecting digest and padding.
    sign: &'static [&'static str],
    /// What trustfix must say for a ca-file store: None = trusted, or the
    /// finding id that rejects it (the signature itself always verifies).
    rejected_by: Option<&'static str>,
}

const RSA2048: &[&str] = &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
const P256: &[&str] = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
const P384: &[&str] = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"];
const P521: &[&str] = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"];

const ALGS: &[Alg] = &[
    Alg {
        name: "sha224WithRSA",
        key: RSA2048,
        sign: &["-sha224"],
        rejected_by: None,
    },
    Alg {
        name: "sha256WithRSA",
        key: RSA2048,
        sign: &["-sha256"],
        rejected_by: None,
    },
    Alg {
        name: "sha384WithRSA",
        key: RSA2048,
        sign: &["-sha384"],
        rejected_by: None,
    },
    Alg {
        name: "sha512WithRSA",
        key: RSA2048,
        sign: &["-sha512"],
        rejected_by: None,
    },
    Alg {
        name: "sha1WithRSA",
        key: RSA2048,
        sign: &["-sha1"],
        rejected_by: Some("sig.weak"),
    },
    Alg {
        name: "RSA-PSS SHA-224",
        key: RSA2048,
        sign: &[
            "-sha224",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ],
        rejected_by: None,
    },
    Alg {
        name: "RSA-PSS SHA-256 salt 32",
        key: RSA2048,
        sign: &[
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
        ],
        rejected_by: None,
    },
    Alg {
        name: "RSA-PSS SHA-512 max salt",
        key: RSA2048,
        sign: &[
            "-sha512",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:max",
        ],
        rejected_by: None,
    },
    Alg {
        name: "RSA-1024 SHA-256",
        key: &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
        sign: &["-sha256"],
        rejected_by: Some("key.weak"),
    },
    Alg {
        name: "RSA-4096 SHA-256",
        key: &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"],
        sign: &["-sha256"],
        rejected_by: None,
    },
    Alg {
        name: "ecdsa P-256 SHA-256",
        key: P256,
        sign: &["-sha256"],
        rejected_by: None,
    },
    Alg {
        name: "ecdsa P-256 SHA-512",
        key: P256,
        sign: &["-sha512"],
        rejected_by: None,
    },
    Alg {
        name: "ecdsa P-256 SHA-224",
        key: P256,
        sign: &["-sha224"],
        rejected_by: None,
    },
    Alg {
        name: "ecdsa P-256 SHA-1",
        key: P256,
        sign: &["-sha1"],
        rejected_by: Some("sig.weak"),
    },
    Alg {
        name: "ecdsa P-384 SHA-384",
        key: P384,
        sign: &["-sha384"],
        rejected_by: None,
    },
    Alg {
        name: "ecdsa P-384 SHA-512",
        key: P384,
        sign: &["-sha512"],
        rejected_by: None,
    },
    Alg {
        name: "ecdsa P-384 SHA-256",
        key: P384,
        sign: &["-sha256"],
        rejected_by: None,
    },
    Alg {
        name: "ecdsa P-521 SHA-512",
        key: P521,
        sign: &["-sha512"],
        rejected_by: None,
    },
    Alg {
        name: "ecdsa P-521 SHA-256",
        key: P521,
        sign: &["-sha256"],
        rejected_by: None,
    },
    Alg {
        name: "ecdsa P-521 SHA-1",
        key: P521,
        sign: &["-sha1"],
        rejected_by: Some("sig.weak"),
    },
    Alg {
        name: "ecdsa P-224 SHA-256",
        key: &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-224"],
        sign: &["-sha256"],
        // OpenSSL accepts P-224; Java 17 and Windows know no such curve.
        rejected_by: Some("key.weak"),
    },
    Alg {
        name: "Ed25519",
        key: &["-algorithm", "ED25519"],
        sign: &[],
        rejected_by: None,
    },
    Alg {
        name: "Ed448",
        key: &["-algorithm", "ED448"],
        sign: &[],
        rejected_by: None,
    },
];

const EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
extendedKeyUsage=serverAuth\nsubjectAltName=DNS:sig.example.test\nauthorityKeyIdentifier=keyid\n";

/// root.key/root.pem (self-signed CA) and leaf.pem signed by it with `sign`.
fn make_chain(dir: &Path, key: &[&str], sign: &[&str]) {
    let mut gen = vec!["genpkey"];
    gen.extend_from_slice(key);
    gen.extend_from_slice(&["-out", "root.key"]);
    openssl(dir, &gen);
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            "/CN=Signature Test Root",
            "-days",
            "800",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
    );
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "leaf.key",
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
            &format!("/CN={HOST}"),
            "-out",
            "leaf.csr",
        ],
    );
    std::fs::write(dir.join("ext.cnf"), EXT).unwrap();
    let mut x = vec![
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "root.pem",
        "-CAkey",
        "root.key",
        "-set_serial",
        "7",
        "-days",
        "400",
        "-extfile",
        "ext.cnf",
        "-out",
        "leaf.pem",
    ];
    x.extend_from_slice(sign);
    openssl(dir, &x);
}

fn show(dir: &Path, leaf: &str) -> (i32, Value) {
    let o = trustfix(
        [
            "show",
            leaf,
            "--ca-file",
            "root.pem",
            "--servername",
            HOST,
            "--json",
        ]
        .iter()
        .map(|a| {
            if a.ends_with(".pem") {
                dir.join(a).into_os_string()
            } else {
                a.into()
            }
        }),
    );
    (o.code, o.json())
}

fn openssl_verify(dir: &Path, leaf: &str) -> bool {
    std::process::Command::new("openssl")
        .current_dir(dir)
        .args([
            "verify",
            "-auth_level",
            "2",
            "-purpose",
            "sslserver",
            "-verify_hostname",
            HOST,
        ])
        .args(["-CAfile", "root.pem", leaf])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn tamper(dir: &Path) {
    let mut der = read_pem_der(&dir.join("leaf.pem"));
    let n = der.len();
    der[n - 3] ^= 0x5a;
    write_pem(&dir.join("tampered.pem"), &[&der]);
}

#[test]
fn every_algorithm_clients_accept_is_verified() {
    let mut failures = Vec::new();
    for a in ALGS {
        let d = tmp();
        make_chain(d.path(), a.key, a.sign);
        let (code, v) = show(d.path(), "leaf.pem");
        let sig = v["path"]["certificates"][0]["signature"].clone();
        let found = ids(&v);
        if sig != "valid"
            || found
                .iter()
                .any(|i| i == "sig.unsupported" || i == "sig.invalid")
        {
            failures.push(format!("{}: signature {sig}, findings {found:?}", a.name));
            continue;
        }
        let referee = openssl_verify(d.path(), "leaf.pem");
        match a.rejected_by {
            None if code == 0 && referee => {}
            None => failures.push(format!(
                "{}: trustfix exit {code} {found:?}, openssl accepts={referee}",
                a.name
            )),
            Some(id) if code == 2 && found.iter().any(|i| i == id) => {}
            Some(id) => failures.push(format!(
                "{}: expected {id}, got exit {code} {found:?}",
                a.name
            )),
        }
        tamper(d.path());
        let (code, v) = show(d.path(), "tampered.pem");
        if code != 2 || !ids(&v).contains(&"sig.invalid".to_string()) {
            failures.push(format!("{} tampered: exit {code}, {:?}", a.name, ids(&v)));
        }
        if openssl_verify(d.path(), "tampered.pem") {
            failures.push(format!("{} tampered: openssl accepts it", a.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dsa_2048_is_verified() {
    let d = tmp();
    let dir = d.path();
    openssl(
        dir,
        &[
            "genpkey",
            "-genparam",
            "-algorithm",
            "DSA",
            "-pkeyopt",
            "dsa_paramgen_bits:2048",
            "-pkeyopt",
            "dsa_paramgen_q_bits:256",
            "-out",
            "dsa.param",
        ],
    );
    openssl(
        dir,
        &["genpkey", "-paramfile", "dsa.param", "-out", "root.key"],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            "/CN=DSA Root",
            "-days",
            "800",
            "-sha256",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
            "-out",
            "root.pem",
        ],
    );
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "leaf.key",
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
            &format!("/CN={HOST}"),
            "-out",
            "leaf.csr",
        ],
    );
    std::fs::write(dir.join("ext.cnf"), EXT).unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-set_serial",
            "9",
            "-days",
            "400",
            "-sha256",
            "-extfile",
            "ext.cnf",
            "-out",
            "leaf.pem",
        ],
    );
    let (code, v) = show(dir, "leaf.pem");
    assert_eq!(v["path"]["certificates"][0]["signature"], "valid", "{v}");
    assert_eq!(
        (code, openssl_verify(dir, "leaf.pem")),
        (0, true),
        "{:?}",
        ids(&v)
    );
    tamper(dir);
    assert_eq!(show(dir, "tampered.pem").0, 2);
}

/// A leaf that names ACCVRAIZ1 (a real root of the system store) as its
/// issuer, signed with SHA-224 by a key of ours: 0.1.0 could not verify
/// SHA-224 and called it TRUSTED. Served over TLS, judged with --store
/// system semantics (SSL_CERT_FILE holding a copy of the real root).
#[test]
fn a_forged_leaf_under_a_real_system_root_is_refused_over_tls() {
    let real = Path::new("/etc/ssl/certs/ACCVRAIZ1.pem");
    if !real.exists() {
        eprintln!(
            "SKIPPED: {} not found (package ca-certificates)",
            real.display()
        );
        return;
    }
    let d = tmp();
    let dir = d.path();
    std::fs::copy(real, dir.join("system.pem")).unwrap();
    let accv = trustfix::load::certs_from_file(real).unwrap().remove(0);
    // The real root re-signed with a key of ours: its name, byte for byte.
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "fake.key",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-in",
            "system.pem",
            "-signkey",
            "fake.key",
            "-days",
            "800",
            "-out",
            "fake.pem",
        ],
    );
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "leaf.key",
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
            &format!("/CN={HOST}"),
            "-out",
            "leaf.csr",
        ],
    );
    // No authorityKeyIdentifier: the issuer is matched by name alone.
    std::fs::write(
        dir.join("ext.cnf"),
        EXT.replace("authorityKeyIdentifier=keyid\n", ""),
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "fake.pem",
            "-CAkey",
            "fake.key",
            "-set_serial",
            "11",
            "-days",
            "400",
            "-sha224",
            "-extfile",
            "ext.cnf",
            "-out",
            "leaf.pem",
        ],
    );
    let leaf = trustfix::load::certs_from_file(&dir.join("leaf.pem"))
        .unwrap()
        .remove(0);
    assert_eq!(
        leaf.issuer_raw, accv.subject_raw,
        "the forged leaf names the real root"
    );
    let s = sserver::start(dir, "leaf.pem", "leaf.key", &[]);
    let target = format!("{HOST}:{}", s.port);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args([
            "check",
            &target,
            "--connect",
            "127.0.0.1",
            "--store",
            "system",
            "--no-aia",
            "--json",
        ])
        .env("SSL_CERT_FILE", dir.join("system.pem"))
        .env("SSL_CERT_DIR", dir.join("no-such-dir"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(2), "{v}");
    assert!(
        ids(&v).contains(&"sig.invalid".to_string()),
        "{:?}",
        ids(&v)
    );
    assert_eq!(
        v["path"]["certificates"][1]["sha256"],
        accv.sha256_hex(),
        "the path reaches the real root"
    );
}
