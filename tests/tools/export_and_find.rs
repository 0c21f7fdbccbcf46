//! `trustfix export`, `store list --expired` and `store find`, through the
//! real binary, with a fresh PKI per test and `openssl` as the reader of
//! what was written.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use trustfix::cert::Cert;
use trustfix::demo::pki::{self, Ca};
use trustfix::demo::server;

/// Root -> sub -> leaf, written as `chain.pem` (leaf, sub, root),
/// `root.pem`, and `other.pem` (an unrelated root, to stand for a store
/// that lacks the Contoso root).
struct Pki {
    dir: tempfile::TempDir,
    root: Vec<u8>,
    sub: Vec<u8>,
    leaf: Vec<u8>,
    leaf_key: Vec<u8>,
}

impl Pki {
    fn new() -> Pki {
        let dir = tmp();
        let root = Ca::root("Contoso Offline Root CA").unwrap();
        let sub = root.intermediate("Contoso Subordinate CA").unwrap();
        let leaf = sub.leaf(&["exchange01.int.contoso.com"]).unwrap();
        let other = Ca::root("Fabrikam Root CA").unwrap();
        write_pem(
            &p(dir.path(), "chain.pem"),
            &[&leaf.der, &sub.der, &root.der],
        );
        write_pem(&p(dir.path(), "root.pem"), &[&root.der]);
        write_pem(&p(dir.path(), "other.pem"), &[&other.der]);
        Pki {
            dir,
            root: root.der,
            sub: sub.der,
            leaf: leaf.der,
            leaf_key: leaf.key_pkcs8,
        }
    }

    fn path(&self, name: &str) -> String {
        p(self.dir.path(), name).to_string_lossy().into_owned()
    }

    fn out(&self, name: &str) -> PathBuf {
        p(self.dir.path(), name)
    }
}

fn sha(der: &[u8]) -> String {
    Cert::from_der(der).unwrap().sha256_hex()
}

/// `openssl x509` reads `file` (in `form`) and prints its subject.
fn openssl_subject(file: &Path, form: &str) -> String {
    let o = Command::new("openssl")
        .args(["x509", "-noout", "-subject", "-inform", form, "-in"])
        .arg(file)
        .output()
        .expect("run openssl");
    assert!(
        o.status.success(),
        "openssl x509 cannot read {}: {}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn chain_as_pem_files_named_by_subject() {
    let k = Pki::new();
    let out = k.out("out");
    let o = trustfix([
        "export",
        &k.path("chain.pem"),
        "--what",
        "chain",
        "--out",
        out.to_str().unwrap(),
        "--store",
        &format!("ca-file:{}", k.path("root.pem")),
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_eq!(
        names_in(&out),
        [
            "contoso-offline-root-ca.pem",
            "contoso-subordinate-ca.pem",
            "exchange01-int-contoso-com.pem"
        ]
    );
    assert!(
        openssl_subject(&out.join("contoso-offline-root-ca.pem"), "PEM")
            .contains("Contoso Offline Root CA")
    );
    assert!(
        openssl_subject(&out.join("contoso-subordinate-ca.pem"), "PEM")
            .contains("Contoso Subordinate CA")
    );
    assert!(o.stdout.contains("certutil -addstore -f Root"));
    assert!(o.stdout.contains("certutil -addstore -f CA"));
    assert!(o.stdout.contains("keytool -importcert"));
    assert!(o.stdout.contains("update-ca-certificates"));
    // The leaf is written but no command imports it into a trust store.
    let cmds: Vec<&str> = o
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("To import:"))
        .collect();
    assert!(cmds.len() > 10, "{}", o.stdout);
    assert!(
        !cmds
            .iter()
            .any(|l| l.contains("exchange01-int-contoso-com")),
        "{}",
        o.stdout
    );
}

#[test]
fn root_as_der_cer_with_commands_per_platform() {
    let k = Pki::new();
    let out = k.out("der");
    let o = trustfix([
        "export",
        &k.path("chain.pem"),
        "--what",
        "root",
        "--format",
        "der",
        "--out",
        out.to_str().unwrap(),
        "--ca-file",
        &k.path("other.pem"),
        "--json",
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let cer = out.join("contoso-offline-root-ca.cer");
    assert_eq!(names_in(&out), ["contoso-offline-root-ca.cer"]);
    assert_eq!(std::fs::read(&cer).unwrap(), k.root, "DER written as is");
    assert!(openssl_subject(&cer, "DER").contains("Contoso Offline Root CA"));

    let v = o.json();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["command"], "export");
    assert_eq!(v["what"], "root");
    assert_eq!(v["format"], "der");
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["path"], cer.to_str().unwrap());
    assert_eq!(files[0]["subject"], "CN=Contoso Offline Root CA");
    assert_eq!(files[0]["sha256"], sha(&k.root));
    assert_eq!(files[0]["role"], "root");
    let c = &v["commands"];
    let f = cer.to_str().unwrap();
    assert_eq!(
        c["windows"][0],
        format!("certutil -addstore -f Root \"{f}\"")
    );
    assert_eq!(
        c["windows"][1],
        format!(
            "Import-Certificate -FilePath \"{f}\" -CertStoreLocation Cert:\\LocalMachine\\Root"
        )
    );
    assert!(c["macos"][0]
        .as_str()
        .unwrap()
        .contains("security add-trusted-cert -d -r trustRoot"));
    assert_eq!(
        c["java"][0],
        format!("keytool -importcert -noprompt -trustcacerts -alias contoso-offline-root-ca -file \"{f}\" -keystore \"$JAVA_HOME/lib/security/cacerts\" -storepass changeit")
    );
    let deb = c["debian"][0].as_str().unwrap();
    assert!(deb.starts_with("openssl x509 -inform DER -in "), "{deb}");
    assert!(deb.contains("/usr/local/share/ca-certificates/contoso-offline-root-ca.crt && sudo update-ca-certificates"));
    assert_eq!(
        c["rhel"][0],
        format!(
            "sudo cp \"{f}\" /etc/pki/ca-trust/source/anchors/ && sudo update-ca-trust extract"
        )
    );
}

#[test]
fn missing_is_what_the_store_lacks() {
    let k = Pki::new();
    // Against an unrelated store: the sent root only; the intermediate the
    // server (here the file) sends along is not lacking.
    let out = k.out("missing");
    let o = trustfix([
        "export",
        &k.path("chain.pem"),
        "--what",
        "missing",
        "--out",
        out.to_str().unwrap(),
        "--ca-file",
        &k.path("other.pem"),
        "--json",
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let v = o.json();
    let roles: Vec<(&str, &str)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["subject"].as_str().unwrap(), f["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles, [("CN=Contoso Offline Root CA", "root")]);
    assert_eq!(names_in(&out), ["contoso-offline-root-ca.pem"]);
    let win: Vec<&str> = v["commands"]["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        !win.iter().any(|c| c.contains("contoso-subordinate-ca")),
        "{win:?}"
    );
    assert!(win
        .iter()
        .any(|c| c.starts_with("certutil -addstore -f Root ")
            && c.contains("contoso-offline-root-ca.pem")));

    // A store holding the root and the intermediate: nothing is missing.
    let full = k.out("full.pem");
    write_pem(&full, &[&k.root, &k.sub]);
    let none = k.out("none");
    let o = trustfix([
        "export",
        &k.path("chain.pem"),
        "--what",
        "missing",
        "--out",
        none.to_str().unwrap(),
        "--ca-file",
        full.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("nothing is missing"), "{}", o.stdout);
    assert!(!none.exists() || names_in(&none).is_empty());
}

#[test]
fn p7b_bundles_read_by_openssl_and_by_trustfix() {
    let k = Pki::new();
    let out = k.out("p7");
    for what in ["chain", "missing", "root"] {
        let o = trustfix([
            "export",
            &k.path("chain.pem"),
            "--what",
            what,
            "--format",
            "p7b",
            "--out",
            out.to_str().unwrap(),
            "--ca-file",
            &k.path("other.pem"),
        ]);
        assert_eq!(o.code, 0, "{what}: {}{}", o.stdout, o.stderr);
    }
    assert_eq!(names_in(&out), ["chain.p7b", "missing.p7b", "root.p7b"]);
    let expect: [(&str, Vec<&[u8]>); 3] = [
        ("chain.p7b", vec![&k.leaf, &k.sub, &k.root]),
        ("missing.p7b", vec![&k.root]),
        ("root.p7b", vec![&k.root]),
    ];
    for (name, ders) in expect {
        let file = out.join(name);
        let o = Command::new("openssl")
            .args(["pkcs7", "-print_certs", "-inform", "DER", "-in"])
            .arg(&file)
            .output()
            .expect("run openssl");
        assert!(
            o.status.success(),
            "openssl pkcs7 {name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            text.matches("BEGIN CERTIFICATE").count(),
            ders.len(),
            "{name}"
        );
        let back = trustfix::load::certs_from_file(&file).expect("trustfix reads its p7b");
        let got: Vec<String> = back.iter().map(|c| c.sha256_hex()).collect();
        let want: Vec<String> = ders.iter().map(|d| sha(d)).collect();
        assert_eq!(got, want, "{name}: same certificates, same order");
    }
    // `show` diagnoses the bundle as a chain, too.
    let o = trustfix([
        "show",
        out.join("chain.p7b").to_str().unwrap(),
        "--ca-file",
        &k.path("root.pem"),
        "--json",
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

#[test]
fn refuses_to_overwrite_without_force() {
    let k = Pki::new();
    let out = k.out("o");
    let args = |force: bool| {
        let mut a = vec![
            "export".to_string(),
            k.path("chain.pem"),
            "--what".into(),
            "root".into(),
            "--out".into(),
            out.to_string_lossy().into_owned(),
            "--ca-file".into(),
            k.path("root.pem"),
        ];
        if force {
            a.push("--force".into());
        }
        a
    };
    assert_eq!(trustfix(args(false)).code, 0);
    let file = out.join("contoso-offline-root-ca.pem");
    std::fs::write(&file, "keep me").unwrap();
    let o = trustfix(args(false));
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert_eq!(o.stderr.lines().count(), 1, "one line: {}", o.stderr);
    assert!(o.stderr.contains(file.to_str().unwrap()), "{}", o.stderr);
    assert!(o.stderr.contains("--force"), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    let o = trustfix(args(true));
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(openssl_subject(&file, "PEM").contains("Contoso Offline Root CA"));
}

#[test]
fn unknown_root_and_unreadable_file_are_errors() {
    let k = Pki::new();
    // Only the leaf: the path is incomplete, its root unknown.
    let leaf_only = k.out("leaf.pem");
    write_pem(&leaf_only, &[&k.leaf]);
    let out = k.out("x");
    let o = trustfix([
        "export",
        leaf_only.to_str().unwrap(),
        "--what",
        "root",
        "--out",
        out.to_str().unwrap(),
        "--ca-file",
        &k.path("other.pem"),
    ]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("the root is not known"), "{}", o.stderr);
    assert!(!out.exists());

    let junk = k.out("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let o = trustfix([
        "export",
        junk.to_str().unwrap(),
        "--what",
        "chain",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.code, 3);
    assert!(o.stderr.contains(junk.to_str().unwrap()), "{}", o.stderr);
    assert_eq!(o.json()["error"]["phase"], "file");
}

#[test]
fn export_from_a_live_server() {
    let k = Pki::new();
    let addr = server::serve(
        vec![k.leaf.clone(), k.sub.clone(), k.root.clone()],
        k.leaf_key.clone(),
    )
    .expect("loopback server");
    let target = format!("exchange01.int.contoso.com:{}", addr.port());
    let out = k.out("live");
    let o = trustfix([
        "export",
        &target,
        "--connect",
        "127.0.0.1",
        "--what",
        "missing",
        "--out",
        out.to_str().unwrap(),
        "--ca-file",
        &k.path("other.pem"),
        "--json",
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_eq!(o.json()["files"].as_array().unwrap().len(), 1);
    assert_eq!(names_in(&out), ["contoso-offline-root-ca.pem"]);

    // A closed port: exit 3, one line naming the target.
    let o = trustfix([
        "export",
        "127.0.0.1:9",
        "--what",
        "chain",
        "--out",
        out.to_str().unwrap(),
        "--timeout",
        "2",
    ]);
    assert_eq!(o.code, 3);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(o.stderr.contains("127.0.0.1:9"), "{}", o.stderr);
}

#[test]
fn store_list_expired_only() {
    let dir = tmp();
    let mut params = pki::ca_params("Expired Old Root CA");
    pki::valid_days(&mut params, -30, -1);
    let expired = Ca::self_signed(params).unwrap();
    let fresh = Ca::root("Fresh Root CA").unwrap();
    let file = p(dir.path(), "cas.pem");
    write_pem(&file, &[&expired.der, &fresh.der]);
    let f = file.to_str().unwrap();

    let all = trustfix(["store", "list", "--ca-file", f, "--json"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert_eq!(all.json()["entries"].as_array().unwrap().len(), 2);

    let o = trustfix(["store", "list", "--ca-file", f, "--expired", "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v = o.json();
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["subject"], "CN=Expired Old Root CA");
    assert_eq!(entries[0]["sha256"], sha(&expired.der));

    let o = trustfix(["store", "list", "--ca-file", f, "--expired"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("Expired Old Root CA"));
    assert!(!o.stdout.contains("Fresh Root CA"));
    assert!(
        o.stdout.contains("1 of 2 entries have expired"),
        "{}",
        o.stdout
    );
}

#[test]
fn store_find_by_subject_and_fingerprint() {
    let k = Pki::new();
    let store = k.out("store.pem");
    write_pem(&store, &[&k.root, &k.sub]);
    let s = format!("ca-file:{}", store.display());

    // Subject text, case-insensitive.
    let o = trustfix(["store", "find", "contoso offline", "--store", &s, "--json"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let v = o.json();
    assert_eq!(v["command"], "store find");
    let m = v["matches"].as_array().unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["subject"], "CN=Contoso Offline Root CA");
    assert_eq!(m[0]["sha256"], sha(&k.root));
    assert_eq!(m[0]["kind"], "anchor");
    assert_eq!(m[0]["matched"], "subject");
    assert!(m[0]["store"].as_str().unwrap().contains("store.pem"));
    assert!(m[0]["not_after"].as_str().unwrap().ends_with("UTC"));

    let o = trustfix(["store", "find", "CONTOSO", "--store", &s]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains("2 matches"), "{}", o.stdout);

    // A SHA-256 prefix with colons, upper case.
    let hex = sha(&k.sub);
    let prefix: String = hex.as_bytes()[..8]
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap().to_uppercase())
        .collect::<Vec<_>>()
        .join(":");
    let o = trustfix(["store", "find", &prefix, "--store", &s, "--json"]);
    assert_eq!(o.code, 0, "{prefix}: {}{}", o.stdout, o.stderr);
    let v = o.json();
    let m = v["matches"].as_array().unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["subject"], "CN=Contoso Subordinate CA");
    assert_eq!(m[0]["matched"], "sha256");
    let o = trustfix(["store", "find", &hex[..8], "--store", &s]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains(&hex), "{}", o.stdout);

    // Nothing matches: exit 1, like grep.
    let o = trustfix(["store", "find", "Fabrikam", "--store", &s]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("No certificate matches"));
    let o = trustfix(["store", "find", "no such CA anywhere xyzzy"]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);

    // An unreadable store: exit 3.
    let o = trustfix([
        "store",
        "find",
        "Contoso",
        "--ca-file",
        k.out("nope.pem").to_str().unwrap(),
    ]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("nope.pem"), "{}", o.stderr);
}
