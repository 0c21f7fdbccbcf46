//! `trustfix show` on files in every format (PEM bundle, DER, PKCS#7 in DER
//! and PEM) with and without a store, the system store's environment
//! overrides, and `trustfix demo` end to end.

use crate::{common, support};

use common::*;
use support::*;
use trustfix::demo::pki::Ca;

fn chain() -> (Ca, Ca, trustfix::demo::pki::Leaf) {
    let root = Ca::root("Show Root").unwrap();
    let sub = root.intermediate("Show Sub").unwrap();
    let leaf = sub.leaf(&["show.example.test"]).unwrap();
    (root, sub, leaf)
}

#[test]
fn show_renders_without_a_store_and_exits_zero() {
    let (_root, sub, leaf) = chain();
    let d = tmp();
    let f = p(d.path(), "chain.pem");
    write_pem(&f, &[&leaf.der, &sub.der]);
    let out = trustfix(["show", f.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("CN=show.example.test"));
    assert!(out.stdout.contains("CN=Show Sub"));
    assert!(out.stdout.contains("Windows thumbprint"));
    assert!(
        !out.stdout.contains("Verdict"),
        "no diagnosis without a store"
    );
}

#[test]
fn show_diagnoses_a_chain_file_offline_in_every_format() {
    let (root, sub, leaf) = chain();
    let d = tmp();
    let roots = p(d.path(), "root.pem");
    write_pem(&roots, &[&root.der]);
    let pem = p(d.path(), "chain.pem");
    write_pem(&pem, &[&leaf.der, &sub.der]);
    let leaf_der = p(d.path(), "leaf.der");
    std::fs::write(&leaf_der, &leaf.der).unwrap();
    let sub_pem = p(d.path(), "sub.pem");
    write_pem(&sub_pem, &[&sub.der]);
    // PKCS#7 made by openssl, in PEM and DER.
    openssl(
        d.path(),
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "chain.pem",
            "-out",
            "chain.p7b",
        ],
    );
    openssl(
        d.path(),
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "chain.pem",
            "-outform",
            "DER",
            "-out",
            "chain.p7c",
        ],
    );
    // The p7 files' certificate order is openssl's; the leaf is found by
    // path building only when it comes first, so give the leaf separately.
    let cases: Vec<Vec<String>> = vec![
        vec![pem.display().to_string()],
        vec![
            leaf_der.display().to_string(),
            sub_pem.display().to_string(),
        ],
        vec![p(d.path(), "chain.p7b").display().to_string()],
        vec![p(d.path(), "chain.p7c").display().to_string()],
    ];
    for files in cases {
        let mut args = vec!["show".to_string()];
        args.extend(files.clone());
        args.extend([
            "--ca-file".into(),
            roots.display().to_string(),
            "--json".into(),
        ]);
        args.extend(["--servername".into(), "show.example.test".into()]);
        let out = trustfix(&args);
        let v = out.json();
        assert_eq!(v["chain"].as_array().unwrap().len(), 2, "{files:?}");
        assert_eq!(out.code, 0, "{files:?}: {}", out.stdout);
        assert_eq!(v["verdict"], "trusted");
    }
    // Without the intermediate the same offline check names it.
    let out = trustfix([
        "show",
        leaf_der.to_str().unwrap(),
        "--ca-file",
        roots.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.code, 2);
    assert_eq!(ids(&out.json()), vec!["chain.incomplete"]);
    // And a name check happens only when asked for.
    let out = trustfix([
        "show",
        pem.to_str().unwrap(),
        "--ca-file",
        roots.to_str().unwrap(),
        "--servername",
        "other.test",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("name.mismatch"));
}

#[test]
fn ca_dir_skips_non_certificates_and_says_so() {
    let (root, sub, leaf) = chain();
    let d = tmp();
    let cadir = p(d.path(), "certs");
    std::fs::create_dir(&cadir).unwrap();
    write_pem(&cadir.join("root.crt"), &[&root.der]);
    std::fs::write(cadir.join("README"), "not a certificate").unwrap();
    let f = p(d.path(), "chain.pem");
    write_pem(&f, &[&leaf.der, &sub.der]);
    let out = trustfix([
        "show",
        f.to_str().unwrap(),
        "--ca-dir",
        cadir.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let v = out.json();
    assert_eq!(v["store"]["anchors"], 1);
    assert!(v["store"]["notes"][0].as_str().unwrap().contains("README"));
}

#[test]
fn system_store_reports_ssl_cert_file_override() {
    let (root, sub, leaf) = chain();
    let d = tmp();
    let bundle = p(d.path(), "bundle.pem");
    write_pem(&bundle, &[&root.der]);
    let f = p(d.path(), "chain.pem");
    write_pem(&f, &[&leaf.der, &sub.der]);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args(["show", f.to_str().unwrap(), "--store", "system", "--json"])
        .env("SSL_CERT_FILE", &bundle)
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{v}");
    assert_eq!(
        v["store"]["anchors"], 1,
        "the override replaced the system bundle"
    );
    assert!(v["store"]["notes"][0]
        .as_str()
        .unwrap()
        .contains("SSL_CERT_FILE"));
}

#[test]
fn demo_walks_the_seed_case_from_diagnosis_to_undo() {
    let d = tmp();
    let out = trustfix(["demo", "--keep", d.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let s = &out.stdout;
    // The seed case first: the root, not an intermediate, is what is missing.
    let steps = [
        "chain.untrusted_root",
        "trustfix export",
        "nothing exported",
        "--store java:",
        "After:   TRUSTED",
        "--store ca-file:",
        "trustfix undo --last",
        "Verdict: REJECTED (exit 2): chain.untrusted_root",
        "chain.incomplete",
    ];
    let mut at = 0;
    for step in steps {
        let i = s[at..]
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing or out of order:\n{s}"));
        at += i + step.len();
    }
    assert!(!s.contains("demo: expected"), "{s}");
    assert!(d.path().join("contoso-root.pem").exists());
    // The undo line the demo prints works as printed: the first one is the
    // Java truststore's fix, which the demo itself does not undo.
    let line = s
        .lines()
        .find(|l| l.starts_with("Journal:"))
        .expect("a journal line");
    let cmd = line
        .split("reverse with: ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')');
    let (env, rest) = cmd.split_once(' ').unwrap();
    let (_, dir) = env.split_once('=').unwrap();
    let args: Vec<&str> = rest.split_whitespace().skip(1).collect();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args(&args)
        .env("TRUSTFIX_STATE_DIR", dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{cmd}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("changed"));
}

#[test]
fn demo_serve_keeps_the_servers_up_with_commands_to_paste() {
    use std::io::{BufRead, BufReader};
    let d = tmp();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args(["demo", "--serve", "--keep", d.path().to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut check = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if check.is_none() && line.trim_start().starts_with("trustfix check ") {
            check = Some(line.trim().to_string());
        }
        if line.starts_with("Serving until interrupted") {
            break;
        }
    }
    let cmd = check.expect("a ready-to-paste check command");
    let args: Vec<&str> = cmd.split_whitespace().skip(1).chain(["--json"]).collect();
    let out = trustfix(&args);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.code, 2, "{cmd}: {}{}", out.stdout, out.stderr);
    assert_eq!(ids(&out.json())[0], "chain.untrusted_root");
}

#[test]
fn at_judges_validity_at_the_given_time() {
    let (root, sub, leaf) = chain();
    let d = tmp();
    let roots = p(d.path(), "root.pem");
    write_pem(&roots, &[&root.der]);
    let f = p(d.path(), "chain.pem");
    write_pem(&f, &[&leaf.der, &sub.der]);
    let show = |at: &str| {
        trustfix([
            "show",
            f.to_str().unwrap(),
            "--ca-file",
            roots.to_str().unwrap(),
            "--servername",
            "show.example.test",
            "--at",
            at,
            "--json",
        ])
    };
    let future = show("2099-06-01T12:00:00Z");
    assert_eq!(future.code, 2, "{}", future.stdout);
    let v = future.json();
    assert_eq!(v["judged_at"], "2099-06-01 12:00:00 UTC");
    assert_eq!(v["judged_at_given"], true);
    assert!(ids(&v).contains(&"cert.expired".to_string()), "{v}");
    let past = show("2001-02-03");
    assert_eq!(past.code, 2);
    assert!(ids(&past.json()).contains(&"cert.not_yet_valid".to_string()));
    // The text report says which time it used.
    let text = trustfix([
        "show",
        f.to_str().unwrap(),
        "--ca-file",
        roots.to_str().unwrap(),
        "--at",
        "2099-06-01",
    ]);
    assert!(
        text.stdout
            .contains("Judged:  as of 2099-06-01 00:00:00 UTC (--at)"),
        "{}",
        text.stdout
    );
    let bad = trustfix(["show", f.to_str().unwrap(), "--at", "next tuesday"]);
    assert_eq!(bad.code, 3);
    assert!(bad.stderr.contains("next tuesday"), "{}", bad.stderr);
}
