//! Java truststores with the real `keytool` and a real JVM client: stores
//! keytool makes (JKS, PKCS12 with an ASCII and a non-ASCII password,
//! JDK 18-style password-less PKCS12) are read, checked against, patched by
//! `trustfix import`/`remove`, and a TLS client compiled here with javac
//! fails with PKIX before the import and connects after it.

use crate::{common, support};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::*;
use trustfix::demo::pki::Ca;
use trustfix::demo::server;

const HOST: &str = "localhost";

fn have_java() -> bool {
    let ok = Command::new("keytool").arg("-help").output().is_ok()
        && Command::new("javac").arg("-version").output().is_ok();
    if !ok {
        eprintln!("SKIPPED: keytool/javac not installed (the README test command installs a JDK)");
    }
    ok
}

fn keytool(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("keytool")
        .args(args)
        .current_dir(dir)
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .env_remove("JAVA_TOOL_OPTIONS")
        .output()
        .expect("keytool");
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "keytool {args:?} failed: {out}");
    out
}

/// The JVM client, compiled once per test process.
fn client_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("trustfix-java-client-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("TlsProbe.java"),
            r#"import javax.net.ssl.*;
public class TlsProbe {
    public static void main(String[] a) {
        try {
            SSLSocketFactory f = (SSLSocketFactory) SSLSocketFactory.getDefault();
            try (SSLSocket s = (SSLSocket) f.createSocket(a[0], Integer.parseInt(a[1]))) {
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                s.startHandshake();
                System.out.println("OK " + s.getSession().getProtocol());
            }
        } catch (Exception e) {
            System.out.println("FAIL " + e);
            System.exit(1);
        }
    }
}
"#,
        )
        .unwrap();
        let o = Command::new("javac")
            .arg("TlsProbe.java")
            .current_dir(&d)
            .output()
            .expect("javac");
        assert!(
            o.status.success(),
            "javac: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        d
    })
}

/// Runs the JVM client against 127.0.0.1:port with this truststore.
fn java_connects(
    store: &Path,
    password: Option<&str>,
    store_type: &str,
    port: u16,
) -> (bool, String) {
    let mut cmd = Command::new("java");
    cmd.env_remove("JAVA_TOOL_OPTIONS")
        .arg(format!("-Djavax.net.ssl.trustStore={}", store.display()))
        .arg(format!("-Djavax.net.ssl.trustStoreType={store_type}"));
    if let Some(p) = password {
        cmd.arg(format!("-Djavax.net.ssl.trustStorePassword={p}"));
    }
    let o = cmd
        .arg("-cp")
        .arg(client_dir())
        .args(["TlsProbe", HOST, &port.to_string()])
        .output()
        .expect("java");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

struct Lab {
    dir: tempfile::TempDir,
    root_pem: PathBuf,
    root_sha: String,
    port: u16,
}

/// A server on loopback that sends leaf + sub; the root is the one to import.
fn lab() -> Lab {
    let root = Ca::root("Java Test Root").unwrap();
    let sub = root.intermediate("Java Test Sub").unwrap();
    let leaf = sub.leaf(&[HOST, "127.0.0.1"]).unwrap();
    let addr = server::serve(
        vec![leaf.der.clone(), sub.der.clone()],
        leaf.key_pkcs8.clone(),
    )
    .unwrap();
    let dir = tmp();
    let root_pem = p(dir.path(), "root.pem");
    write_pem(&root_pem, &[&root.der]);
    Lab {
        root_sha: trustfix::util::hex::hex(&Sha256::digest(&root.der)),
        dir,
        root_pem,
        port: addr.port(),
    }
}

fn sha_file(p: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(p).unwrap()).to_vec()
}

/// keytool -list -v, normalised to (alias, entry type, SHA-256) lines.
fn keytool_entries(dir: &Path, store: &Path, pass: &str) -> Vec<(String, String, String)> {
    let out = keytool(
        dir,
        &[
            "-list",
            "-v",
            "-keystore",
            store.to_str().unwrap(),
            "-storepass",
            pass,
        ],
    );
    let mut v = Vec::new();
    let (mut alias, mut kind) = (String::new(), String::new());
    let mut first_sha_seen = false;
    for l in out.lines() {
        if let Some(a) = l.strip_prefix("Alias name: ") {
            alias = a.trim().to_string();
            first_sha_seen = false;
        } else if let Some(k) = l.strip_prefix("Entry type: ") {
            kind = k.trim().to_string();
        } else if let Some(s) = l.trim().strip_prefix("SHA256: ") {
            if !first_sha_seen {
                v.push((
                    alias.clone(),
                    kind.clone(),
                    s.replace(':', "").to_lowercase(),
                ));
                first_sha_seen = true;
            }
        }
    }
    v.sort();
    v
}

/// `trustfix store list`, in the same shape as `keytool_entries`.
fn trustfix_entries(store: &Path, pass: &str) -> Vec<(String, String, String)> {
    let (code, v, err) = tf(&[
        "store",
        "list",
        "--store",
        &format!("java:{}", store.display()),
        "--storepass",
        pass,
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut out: Vec<(String, String, String)> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let kind = if e["kind"] == "trusted" {
                "trustedCertEntry"
            } else {
                "PrivateKeyEntry"
            };
            (
                e["alias"].as_str().unwrap().to_string(),
                kind.to_string(),
                e["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The private key of entry `mykey`, via a PKCS12 export and openssl.
fn private_key_of(dir: &Path, store: &Path, pass: &str) -> String {
    let out = dir.join(format!("key-export-{}.p12", rand_suffix()));
    keytool(
        dir,
        &[
            "-importkeystore",
            "-noprompt",
            "-srckeystore",
            store.to_str().unwrap(),
            "-srcstorepass",
            pass,
            "-srcalias",
            "mykey",
            "-destkeystore",
            out.to_str().unwrap(),
            "-deststoretype",
            "PKCS12",
            "-deststorepass",
            "exportpw",
        ],
    );
    let o = Command::new("openssl")
        .args([
            "pkcs12",
            "-in",
            out.to_str().unwrap(),
            "-nocerts",
            "-nodes",
            "-passin",
            "pass:exportpw",
        ])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&o.stdout).into_owned();
    s.lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// A store made by keytool: one private key `mykey`, one unrelated trusted CA.
fn keytool_store(l: &Lab, name: &str, store_type: &str, pass: &str, passwordless: bool) -> PathBuf {
    let d = l.dir.path();
    let store = p(d, name);
    let s = store.to_str().unwrap();
    let mut extra: Vec<&str> = Vec::new();
    if passwordless {
        extra.extend([
            "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE",
            "-J-Dkeystore.pkcs12.macAlgorithm=NONE",
        ]);
    }
    let other = Ca::root("Unrelated Java CA").unwrap();
    let other_pem = p(d, &format!("{name}-other.pem"));
    write_pem(&other_pem, &[&other.der]);
    let mut args = extra.clone();
    args.extend([
        "-genkeypair",
        "-alias",
        "mykey",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=me",
        "-validity",
        "30",
        "-keystore",
        s,
        "-storetype",
        store_type,
        "-storepass",
        pass,
        "-keypass",
        pass,
    ]);
    keytool(d, &args);
    let mut args = extra;
    args.extend([
        "-importcert",
        "-noprompt",
        "-alias",
        "other",
        "-file",
        other_pem.to_str().unwrap(),
        "-keystore",
        s,
        "-storetype",
        store_type,
        "-storepass",
        pass,
    ]);
    keytool(d, &args);
    store
}

fn tf(args: &[&str]) -> (i32, Value, String) {
    let out = trustfix(args);
    let v = out.json();
    (out.code, v, out.stderr)
}

/// The whole story for one store: PKIX failure, diagnosis, import, success,
/// idempotence, keytool agreement, key untouched, removal.
fn patch_story(l: &Lab, store: &Path, pass: &str, store_type: &str, java_pass: Option<&str>) {
    let d = l.dir.path();
    let s = store.to_str().unwrap();
    let spec = format!("java:{s}");
    let (ok, msg) = java_connects(store, java_pass, store_type, l.port);
    assert!(!ok && msg.contains("PKIX path building failed"), "{msg}");

    let target = format!("{HOST}:{}", l.port);
    let (code, v, _) = tf(&[
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--storepass",
        pass,
        "--json",
    ]);
    assert_eq!(code, 2, "{v}");
    // Leaf and intermediate sent, root unknown: the root is what is missing.
    assert_eq!(ids(&v), vec!["chain.untrusted_root"]);
    assert!(finding(&v, "chain.untrusted_root")["clients"]["java"]
        .as_str()
        .unwrap()
        .contains("PKIX path building failed"));

    let before_entries = keytool_entries(d, store, pass);
    assert_eq!(
        trustfix_entries(store, pass),
        before_entries,
        "trustfix and keytool disagree"
    );
    let key_before = private_key_of(d, store, pass);
    let (code, v, err) = tf(&[
        "import",
        "--yes",
        l.root_pem.to_str().unwrap(),
        "--store",
        &spec,
        "--storepass",
        pass,
        "--json",
    ]);
    assert_eq!(code, 0, "{v} {err}");
    assert_eq!(v["changed"], true);
    assert_eq!(v["changes"][0]["action"], "add");
    let backup = v["backup"].as_str().unwrap().to_string();
    assert!(Path::new(&backup).exists());

    let (ok, msg) = java_connects(store, java_pass, store_type, l.port);
    assert!(ok, "after import the JVM still fails: {msg}");
    let (code, v, _) = tf(&[
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--storepass",
        pass,
        "--json",
    ]);
    assert_eq!(code, 0, "{v}");

    // keytool sees the old entries unchanged plus one trustedCertEntry.
    let after_entries = keytool_entries(d, store, pass);
    let added: Vec<_> = after_entries
        .iter()
        .filter(|e| !before_entries.contains(e))
        .collect();
    assert_eq!(added.len(), 1, "{after_entries:?}");
    assert_eq!(added[0].1, "trustedCertEntry");
    assert_eq!(added[0].2, l.root_sha);
    assert!(before_entries.iter().all(|e| after_entries.contains(e)));
    assert_eq!(
        private_key_of(d, store, pass),
        key_before,
        "the private key changed"
    );

    // Idempotent: the second import changes nothing, not even the file.
    let h = sha_file(store);
    let (code, v, _) = tf(&[
        "import",
        "--yes",
        l.root_pem.to_str().unwrap(),
        "--store",
        &spec,
        "--storepass",
        pass,
        "--json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["changed"], false);
    assert_eq!(v["changes"][0]["action"], "present");
    assert_eq!(sha_file(store), h);

    // Removal by fingerprint brings the PKIX failure back.
    let (code, v, _) = tf(&[
        "remove",
        "--yes",
        "--sha256",
        &l.root_sha,
        "--store",
        &spec,
        "--storepass",
        pass,
        "--json",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["changes"][0]["action"], "remove");
    let (ok, _) = java_connects(store, java_pass, store_type, l.port);
    assert!(!ok);
    assert_eq!(keytool_entries(d, store, pass), before_entries);
}

#[test]
fn jks_store_patched_for_a_real_jvm() {
    if !have_java() {
        return;
    }
    let l = lab();
    let store = keytool_store(&l, "store.jks", "JKS", "changeit", false);
    patch_story(&l, &store, "changeit", "JKS", Some("changeit"));
}

#[test]
fn jks_store_with_a_non_ascii_password() {
    if !have_java() {
        return;
    }
    let l = lab();
    let store = keytool_store(&l, "umlaut.jks", "JKS", "pässwörd", false);
    patch_story(&l, &store, "pässwörd", "JKS", Some("pässwörd"));
}

/// keytool (JDK 17) refuses non-ASCII PKCS12 passwords ("Password is not
/// ASCII"), so the PKCS12 story runs with an ASCII one; the codec's own
/// tests cover non-ASCII PKCS12 passwords against openssl.
#[test]
fn pkcs12_store_with_a_password() {
    if !have_java() {
        return;
    }
    let l = lab();
    let store = keytool_store(&l, "store.p12", "PKCS12", "s3cret!x", false);
    patch_story(&l, &store, "s3cret!x", "PKCS12", Some("s3cret!x"));
    let (_, v, _) = tf(&[
        "store",
        "list",
        "--store",
        &format!("java:{}", store.display()),
        "--storepass",
        "s3cret!x",
        "--json",
    ]);
    assert_eq!(v["store"]["format"], "PKCS12");
}

#[test]
fn passwordless_pkcs12_stays_passwordless() {
    if !have_java() {
        return;
    }
    let l = lab();
    let store = keytool_store(&l, "cacerts.p12", "PKCS12", "changeit", true);
    let spec = format!("java:{}", store.display());
    let (code, v, _) = tf(&["store", "list", "--store", &spec, "--json"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["store"]["format"], "PKCS12 (password-less)");
    // The JVM reads it without any trustStorePassword, before and after.
    patch_story(&l, &store, "changeit", "PKCS12", None);
    let (_, v, _) = tf(&["store", "list", "--store", &spec, "--json"]);
    assert_eq!(v["store"]["format"], "PKCS12 (password-less)");
    let (_, v, _) = tf(&[
        "import",
        "--yes",
        l.root_pem.to_str().unwrap(),
        "--store",
        &spec,
        "--json",
    ]);
    assert_eq!(v["changed"], true);
    let (ok, msg) = java_connects(&store, None, "PKCS12", l.port);
    assert!(ok, "{msg}");
}

#[test]
fn wrong_password_changes_nothing() {
    if !have_java() {
        return;
    }
    let l = lab();
    for (name, ty) in [("w.jks", "JKS"), ("w.p12", "PKCS12")] {
        let store = keytool_store(&l, name, ty, "rightpass", false);
        let h = sha_file(&store);
        let out = trustfix([
            "import",
            "--yes",
            l.root_pem.to_str().unwrap(),
            "--store",
            &format!("java:{}", store.display()),
            "--storepass",
            "wrongpass",
        ]);
        assert_eq!(out.code, 3, "{}", out.stdout);
        assert!(out.stderr.contains("password"), "{}", out.stderr);
        assert!(out.stderr.contains(name), "names the file: {}", out.stderr);
        assert_eq!(sha_file(&store), h, "file changed");
        let backups = std::fs::read_dir(l.dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".bak")
            })
            .count();
        assert_eq!(backups, 0);
    }
}

#[test]
fn dry_run_shows_the_plan_and_writes_nothing() {
    if !have_java() {
        return;
    }
    let l = lab();
    let store = keytool_store(&l, "d.jks", "JKS", "changeit", false);
    let h = sha_file(&store);
    let out = trustfix([
        "import",
        "--yes",
        l.root_pem.to_str().unwrap(),
        "--store",
        &format!("java:{}", store.display()),
        "--dry-run",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("+ add trusted entry 'trustfix-java-test-root-"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("dry run: nothing written"));
    assert_eq!(sha_file(&store), h);
}

#[test]
fn corrupted_stores_are_errors_not_crashes() {
    if !have_java() {
        return;
    }
    let l = lab();
    for (name, ty) in [("c.jks", "JKS"), ("c.p12", "PKCS12")] {
        let store = keytool_store(&l, name, ty, "changeit", false);
        let good = std::fs::read(&store).unwrap();
        let bad = p(l.dir.path(), &format!("bad-{name}"));
        let mut variants: Vec<Vec<u8>> = vec![
            good[..good.len() / 2].to_vec(),
            good[..7].to_vec(),
            Vec::new(),
        ];
        let mut flipped = good.clone();
        flipped[good.len() / 3] ^= 0xff;
        variants.push(flipped);
        let mut huge = good.clone();
        huge[8..12].copy_from_slice(&[0xff; 4]);
        variants.push(huge);
        for v in variants {
            std::fs::write(&bad, &v).unwrap();
            // With the password, the integrity check must catch every change.
            let out = trustfix([
                "store",
                "list",
                "--store",
                &format!("java:{}", bad.display()),
                "--storepass",
                "changeit",
            ]);
            assert_eq!(out.code, 3, "{name}: {}", out.stdout);
            assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
            assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        }
    }
}

#[test]
fn java_command_finds_the_debian_jvm_and_its_cacerts() {
    if !Path::new("/usr/lib/jvm").exists() {
        eprintln!("SKIPPED: no /usr/lib/jvm");
        return;
    }
    let out = trustfix(["java", "--json"]);
    assert_eq!(out.code, 0);
    let v = out.json();
    let jvms = v["jvms"].as_array().unwrap();
    assert!(!jvms.is_empty(), "{v}");
    let debian = jvms
        .iter()
        .find(|j| j["truststore"]["resolved"] == "/etc/ssl/certs/java/cacerts");
    if let Some(j) = debian {
        assert_eq!(j["truststore"]["distro_managed"], "debian");
        assert_eq!(j["truststore"]["format"], "JKS");
        assert!(j["truststore"]["trusted_entries"].as_u64().unwrap() > 50);
    }
    // -Djavax.net.ssl.trustStore replaces the default store...
    let d = tmp();
    let own = p(d.path(), "own.jks");
    std::fs::copy("/etc/ssl/certs/java/cacerts", &own).ok();
    if own.exists() {
        let opt = format!("-Djavax.net.ssl.trustStore={}", own.display());
        let v = trustfix(["java", "--json", "--java-opts", &opt]).json();
        assert_eq!(
            v["jvms"][0]["truststore"]["path"],
            own.display().to_string()
        );
        assert_eq!(
            v["jvms"][0]["truststore"]["source"],
            "javax.net.ssl.trustStore"
        );
    }
    // ...but one that does not exist makes modern JDKs fall back to cacerts, with a warning.
    let v = trustfix([
        "java",
        "--json",
        "--java-opts",
        "-Djavax.net.ssl.trustStore=/nonexistent/x.jks",
    ])
    .json();
    assert_eq!(v["jvms"][0]["truststore"]["source"], "cacerts");
    assert!(v["jvms"][0]["truststore"]["warnings"]
        .to_string()
        .contains("/nonexistent/x.jks"));
}

#[test]
fn check_against_the_default_jvm_truststore_uses_java_rules() {
    if !Path::new("/usr/lib/jvm").exists() {
        eprintln!("SKIPPED: no /usr/lib/jvm");
        return;
    }
    let l = lab();
    let target = format!("{HOST}:{}", l.port);
    let out = trustfix([
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--store",
        "java",
        "--json",
    ]);
    let v = out.json();
    assert_eq!(out.code, 2, "{v}");
    assert!(
        v["store"]["label"]
            .as_str()
            .unwrap()
            .starts_with("java truststore "),
        "{v}"
    );
    assert!(
        v["store"]["notes"][0].as_str().unwrap().starts_with("JVM "),
        "{v}"
    );
    assert_eq!(ids(&v), vec!["chain.untrusted_root"]);
}

/// JDK 17 accepts a SHA-1 certificate below a private root, OpenSSL at
/// security level 2 does not: the same chain is a warning against a Java
/// store and a rejection against a CA file.
#[test]
fn sha1_below_a_private_root_is_judged_as_java_judges_it() {
    if !have_java() {
        return;
    }
    let t = tmp();
    let d = t.path();
    std::fs::write(d.join("leaf.ext"), format!("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{HOST}\n")).unwrap();
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "root.key",
            "-out",
            "root.pem",
            "-subj",
            "/CN=SHA1 Test Root",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
        ],
    );
    openssl(
        d,
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
        d,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "leaf.key",
            "-outform",
            "DER",
            "-out",
            "leaf.key.der",
        ],
    );
    openssl(
        d,
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
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "365",
            "-sha1",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    let leaf = read_pem_der(&d.join("leaf.pem"));
    let addr = server::serve(vec![leaf], std::fs::read(d.join("leaf.key.der")).unwrap()).unwrap();
    let jks = d.join("t.jks");
    keytool(
        d,
        &[
            "-importcert",
            "-noprompt",
            "-alias",
            "root",
            "-file",
            "root.pem",
            "-keystore",
            jks.to_str().unwrap(),
            "-storetype",
            "JKS",
            "-storepass",
            "changeit",
        ],
    );
    let target = format!("{HOST}:{}", addr.port());
    let (code, v, _) = tf(&[
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--store",
        &format!("java:{}", jks.display()),
        "--json",
    ]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(finding(&v, "sig.weak")["severity"], "warning");
    let (ok, msg) = java_connects(&jks, Some("changeit"), "JKS", addr.port());
    assert!(ok, "the JVM accepts it, as trustfix said: {msg}");
    let (code, v, _) = tf(&[
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--ca-file",
        d.join("root.pem").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 2, "{v}");
    assert_eq!(finding(&v, "sig.weak")["severity"], "error");
}

#[test]
fn jceks_trusted_entries_are_read() {
    if !have_java() {
        return;
    }
    let l = lab();
    let store = p(l.dir.path(), "s.jceks");
    keytool(
        l.dir.path(),
        &[
            "-importcert",
            "-noprompt",
            "-alias",
            "Root",
            "-file",
            l.root_pem.to_str().unwrap(),
            "-keystore",
            store.to_str().unwrap(),
            "-storetype",
            "JCEKS",
            "-storepass",
            "changeit",
        ],
    );
    let (code, v, err) = tf(&[
        "store",
        "list",
        "--store",
        &format!("java:{}", store.display()),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["store"]["format"], "JCEKS");
    assert_eq!(v["entries"][0]["sha256"], l.root_sha);
    assert_eq!(
        trustfix_entries(&store, "changeit"),
        keytool_entries(l.dir.path(), &store, "changeit")
    );
}

/// Passwords from a file or the environment work like --storepass and never
/// show up in any output.
#[test]
fn storepass_file_and_env_and_no_password_in_output() {
    if !have_java() {
        return;
    }
    let l = lab();
    let secret = "Sup3r-s3cret-pw";
    let store = keytool_store(&l, "pw.jks", "JKS", secret, false);
    let spec = format!("java:{}", store.display());
    let pwfile = p(l.dir.path(), "pw.txt");
    std::fs::write(&pwfile, format!("{secret}\n")).unwrap();
    let out = trustfix([
        "import",
        "--yes",
        l.root_pem.to_str().unwrap(),
        "--store",
        &spec,
        "--storepass-file",
        pwfile.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret));
    let o = Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args([
            "remove",
            "--yes",
            "--sha256",
            &l.root_sha,
            "--store",
            &spec,
            "--storepass-env",
            "TF_TEST_PW",
            "--json",
        ])
        .env("TF_TEST_PW", secret)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains(secret));
    let out = trustfix([
        "store",
        "list",
        "--store",
        &spec,
        "--storepass-env",
        "TF_UNSET_VAR_X",
    ]);
    assert_eq!(out.code, 3);
    assert!(out.stderr.contains("TF_UNSET_VAR_X"), "{}", out.stderr);
    let out = trustfix([
        "store",
        "list",
        "--store",
        &spec,
        "--storepass",
        "a",
        "--storepass-file",
        pwfile.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
}
