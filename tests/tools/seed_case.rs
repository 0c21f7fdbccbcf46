//! The Database Mail case in every variant, against real servers on
//! loopback (`openssl s_server`, Postfix with STARTTLS): the finding id,
//! the fix text (never "send ... root"), what `export --what missing` does,
//! and `fix` into a keytool-made JKS and a PEM bundle, proven by a real JVM
//! client and `openssl s_client -verify_return_error`. The prompt order of
//! `fix` and `import` on a pseudo-terminal.

use crate::{common, support};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;
use support::http::{HttpServer, Reply};
use support::sserver::{self, SServer};
use support::*;
use trustfix::demo::pki::{self, Ca};

const HOST: &str = "exchange01.int.contoso.test";
const PASS: &str = "changeit";

struct Lab {
    dir: tempfile::TempDir,
    root: Ca,
    /// Served by s_server; kept alive with the lab.
    server: Option<SServer>,
    http: Option<HttpServer>,
}

impl Lab {
    fn path(&self, f: &str) -> PathBuf {
        self.dir.path().join(f)
    }

    fn port(&self) -> u16 {
        self.server.as_ref().map(|s| s.port).unwrap_or(0)
    }

    fn target(&self) -> String {
        format!("{HOST}:{}", self.port())
    }

    /// trustfix with a private journal; (exit code, JSON or Null, stdout+stderr).
    fn tf(&self, args: &[&str]) -> (i32, Value, String) {
        let o = Command::new(env!("CARGO_BIN_EXE_trustfix"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("TRUSTFIX_STATE_DIR", self.path("state"))
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        (
            o.status.code().unwrap_or(-1),
            serde_json::from_str(&out).unwrap_or(Value::Null),
            format!("{out}{}", String::from_utf8_lossy(&o.stderr)),
        )
    }

    /// A client PEM bundle holding an unrelated root (and `extra`).
    fn bundle(&self, extra: &[&[u8]]) -> PathBuf {
        let other = Ca::root("Unrelated Root").unwrap();
        let mut all: Vec<&[u8]> = vec![&other.der];
        all.extend_from_slice(extra);
        let p = self.path("bundle.pem");
        write_pem(&p, &all);
        p
    }

    /// A keytool-made JKS holding an unrelated root (and `extra`).
    fn jks(&self, extra: &[&[u8]]) -> PathBuf {
        let other = Ca::root("Unrelated Java Root").unwrap();
        write_pem(&self.path("other.pem"), &[&other.der]);
        let ks = self.path("app.jks");
        jvm::keytool_jks(&ks, &self.path("other.pem"), PASS);
        for (i, der) in extra.iter().enumerate() {
            let f = self.path(&format!("extra{i}.pem"));
            write_pem(&f, &[der]);
            let o = Command::new("keytool")
                .args([
                    "-importcert",
                    "-noprompt",
                    "-alias",
                    &format!("extra{i}"),
                    "-file",
                ])
                .arg(&f)
                .arg("-keystore")
                .arg(&ks)
                .args(["-storepass", PASS])
                .output()
                .unwrap();
            assert!(o.status.success());
        }
        ks
    }

    fn s_client_ok(&self, cafile: &Path) -> bool {
        Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{}", self.port()),
            ])
            .args([
                "-servername",
                HOST,
                "-verify_hostname",
                HOST,
                "-verify_return_error",
                "-CAfile",
            ])
            .arg(cafile)
            .stdin(Stdio::null())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }
}

/// root -> sub -> leaf (HOST and localhost, for the JVM); `sub_aia` are the
/// subordinate CA's caIssuers URLs; the server sends `send(leaf, sub)`.
fn lab(sub_aia: &[String], send: impl Fn(&[u8], &[u8]) -> Vec<Vec<u8>>) -> Lab {
    let root = Ca::root("Contoso Offline Root CA").unwrap();
    lab_with(root, sub_aia, send)
}

fn lab_with(root: Ca, sub_aia: &[String], send: impl Fn(&[u8], &[u8]) -> Vec<Vec<u8>>) -> Lab {
    let sub = root
        .sub_ca(pki::ad_cs_sub_params("Contoso Subordinate CA", sub_aia))
        .unwrap();
    let leaf = sub.leaf(&[HOST, "localhost"]).unwrap();
    let dir = tmp();
    let chain = send(&leaf.der, &sub.der);
    write_pem(&dir.path().join("leaf.pem"), &[&chain[0]]);
    let rest: Vec<&[u8]> = chain[1..].iter().map(|d| d.as_slice()).collect();
    let mut args = Vec::new();
    if !rest.is_empty() {
        write_pem(&dir.path().join("chain.pem"), &rest);
        args = vec!["-cert_chain", "chain.pem"];
    }
    write_key_pem(&dir.path().join("leaf.key"), &leaf.key_pkcs8);
    let server = sserver::start(dir.path(), "leaf.pem", "leaf.key", &args);
    Lab {
        dir,
        root,
        server: Some(server),
        http: None,
    }
}

fn ids_of(v: &Value) -> Vec<String> {
    ids(v)
}

/// No finding's fix tells the admin to have the server send a root.
fn no_send_root_advice(v: &Value) {
    for f in v["findings"].as_array().unwrap() {
        let fix = f["fix"].as_str().unwrap().to_lowercase();
        for sentence in fix.split(". ") {
            if let Some(i) = sentence.find("send") {
                assert!(!sentence[i..].contains("root"), "{}: {fix}", f["id"]);
            }
        }
    }
}

/// `export --what missing`: exit 3 and nothing written, or the expected
/// certificates (by SHA-256) written.
fn export_missing(l: &Lab, store: &Path, expect: &[&[u8]]) {
    let out = l.path("export");
    let (code, v, all) = l.tf(&[
        "export",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--ca-file",
        store.to_str().unwrap(),
        "--what",
        "missing",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    if expect.is_empty() {
        assert_eq!(code, 3, "{all}");
        assert!(all.contains("nothing exported"), "{all}");
        assert!(
            !out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(),
            "{all}"
        );
    } else {
        assert_eq!(code, 0, "{all}");
        let written: Vec<String> = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["sha256"].as_str().unwrap().to_string())
            .collect();
        let want: Vec<String> = expect
            .iter()
            .map(|d| trustfix::cert::Cert::from_der(d).unwrap().sha256_hex())
            .collect();
        assert_eq!(written, want, "{all}");
    }
}

/// `fix --yes` into a keytool JKS and a PEM bundle (each starting as
/// `store_extra`), then the JVM client and `openssl s_client` connect.
fn fix_both(l: &Lab, cert: Option<&Path>, store_extra: &[&[u8]]) {
    let mut base = vec!["fix", "--connect", "127.0.0.1", "--yes", "--json"];
    let c;
    if let Some(p) = cert {
        c = p.to_str().unwrap().to_string();
        base.extend(["--cert", &c]);
    }
    let target = l.target();
    base.insert(1, &target);
    let bundle = l.bundle(store_extra);
    let spec = format!("ca-file:{}", bundle.display());
    let mut a = base.clone();
    a.extend(["--store", &spec]);
    let (code, v, all) = l.tf(&a);
    assert_eq!(code, 0, "{all}");
    assert_eq!(v["changed"], true, "{all}");
    assert!(
        l.s_client_ok(&bundle),
        "s_client refuses after the fix: {all}"
    );
    if jvm::available() {
        let ks = l.jks(store_extra);
        let (ok, msg) = jvm::connects(&ks, PASS, "localhost", l.port());
        assert!(!ok && msg.contains("PKIX"), "{msg}");
        let spec = format!("java:{}", ks.display());
        let mut a = base.clone();
        a.extend(["--store", &spec, "--storepass", PASS]);
        let (code, v, all) = l.tf(&a);
        assert_eq!(code, 0, "{all}");
        assert_eq!(v["changed"], true);
        let (ok, msg) = jvm::connects(&ks, PASS, "localhost", l.port());
        assert!(ok, "the JVM still refuses: {msg}");
    } else {
        eprintln!("SKIPPED the JVM half: no JDK");
    }
}

fn check(l: &Lab, store: &Path) -> (i32, Value, String) {
    l.tf(&[
        "check",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--ca-file",
        store.to_str().unwrap(),
        "--timeout",
        "3",
        "--json",
    ])
}

#[test]
fn unseen_root_without_aia() {
    let l = lab(&[], |leaf, sub| vec![leaf.to_vec(), sub.to_vec()]);
    let bundle = l.bundle(&[]);
    let (code, v, all) = check(&l, &bundle);
    assert_eq!(code, 2, "{all}");
    assert_eq!(ids_of(&v), vec!["chain.untrusted_root"], "{all}");
    let f = finding(&v, "chain.untrusted_root");
    assert_eq!(f["certificate"]["subject"], "CN=Contoso Offline Root CA");
    assert!(f["certificate"]["sha256"].is_null());
    assert!(f["fix"].as_str().unwrap().contains("certutil -ca.cert"));
    assert!(f["clients"]["dotnet"]
        .as_str()
        .unwrap()
        .contains("PartialChain"));
    assert!(f["clients"]["openssl"].as_str().unwrap().contains("num=20"));
    no_send_root_advice(&v);
    export_missing(&l, &bundle, &[]);
    write_pem(&l.path("root.pem"), &[&l.root.der]);
    fix_both(&l, Some(&l.path("root.pem")), &[]);
}

#[test]
fn unseen_root_with_an_unreachable_http_aia() {
    let closed = sserver::free_port();
    // As AD CS writes them: ldap:/// first, http second.
    let urls = vec![
        "ldap:///CN=Contoso%20Offline%20Root%20CA,CN=AIA?cACertificate?base?objectClass=certificationAuthority".to_string(),
        format!("http://127.0.0.1:{closed}/CertEnroll/root.crt"),
    ];
    let l = lab(&urls, |leaf, sub| vec![leaf.to_vec(), sub.to_vec()]);
    let bundle = l.bundle(&[]);
    let (code, v, all) = check(&l, &bundle);
    assert_eq!(code, 2, "{all}");
    let got = ids_of(&v);
    assert_eq!(
        got,
        vec!["chain.untrusted_root", "aia.failed", "aia.failed"],
        "{all}"
    );
    // The http URL is named in the advice and tried first; the ldap one is
    // not fetched, and the command that fetches it is named.
    assert!(v["findings"][0]["fix"].as_str().unwrap().contains(&urls[1]));
    assert!(v["findings"][1]["message"]
        .as_str()
        .unwrap()
        .contains(&urls[1]));
    assert!(
        v["findings"][2]["message"]
            .as_str()
            .unwrap()
            .contains("certutil -URL"),
        "{all}"
    );
    no_send_root_advice(&v);
    export_missing(&l, &bundle, &[]);
}

/// AD CS order: ldap:/// first (not fetched, the certutil command named),
/// then http, which serves the root as DER, or as a certs-only PKCS#7.
fn ldap_then_http(body: Vec<u8>, content_type: &'static str) {
    let http = HttpServer::start();
    let urls = vec![
        "ldap:///CN=Contoso%20Offline%20Root%20CA,CN=AIA?cACertificate?base?objectClass=certificationAuthority".to_string(),
        http.url("/CertEnroll/root.p7c"),
    ];
    let root = Ca::root("Contoso Offline Root CA").unwrap();
    let root_der = root.der.clone();
    http.set(
        "/CertEnroll/root.p7c",
        Reply::Ok {
            body: body_for(&root_der, body),
            content_type,
        },
    );
    let mut l = lab_with(root, &urls, |leaf, sub| vec![leaf.to_vec(), sub.to_vec()]);
    l.http = Some(http);
    let bundle = l.bundle(&[]);
    let (code, v, all) = check(&l, &bundle);
    assert_eq!(code, 2, "{all}");
    let got = ids_of(&v);
    assert!(got.contains(&"chain.untrusted_root".to_string()), "{all}");
    let f = finding(&v, "chain.untrusted_root");
    assert!(
        f["message"].as_str().unwrap().contains("fetched via AIA"),
        "{f}"
    );
    // OpenSSL never fetches: for it the root is not in the chain.
    assert!(f["clients"]["openssl"].as_str().unwrap().contains("num=20"));
    // The http URL yielded the root, so the ldap one was not needed.
    assert!(!got.contains(&"aia.failed".to_string()), "{all}");
    assert_eq!(
        l.http.as_ref().unwrap().requests(),
        vec!["/CertEnroll/root.p7c"],
        "only the http URL is fetched, once"
    );
    // What the client lacks is at hand now: the root.
    export_missing(&l, &bundle, &[&root_der]);
    fix_both(&l, None, &[]);
}

/// The body an AIA URL serves: the root's DER, or wrapped as PKCS#7.
fn body_for(root: &[u8], marker: Vec<u8>) -> Vec<u8> {
    if marker == b"p7c" {
        trustfix::export::p7b(&[trustfix::cert::Cert::from_der(root).unwrap()])
    } else {
        root.to_vec()
    }
}

#[test]
fn unseen_root_ldap_then_http_der() {
    ldap_then_http(b"der".to_vec(), "application/pkix-cert");
}

#[test]
fn unseen_root_ldap_then_http_p7c() {
    ldap_then_http(b"p7c".to_vec(), "application/pkcs7-mime");
}

#[test]
fn renewed_root_in_the_store() {
    let old = Ca::root("Contoso Offline Root CA").unwrap();
    let l = lab(&[], |leaf, sub| vec![leaf.to_vec(), sub.to_vec()]);
    let bundle = l.bundle(&[&old.der]);
    let (code, v, all) = check(&l, &bundle);
    assert_eq!(code, 2, "{all}");
    assert_eq!(ids_of(&v), vec!["chain.renewed_ca"], "{all}");
    let m = finding(&v, "chain.renewed_ca")["message"]
        .as_str()
        .unwrap()
        .to_string();
    let old_sha = trustfix::cert::Cert::from_der(&old.der)
        .unwrap()
        .sha256_hex();
    assert!(m.contains(&old_sha) && m.contains("renewed"), "{m}");
    no_send_root_advice(&v);
    export_missing(&l, &bundle, &[]);
    write_pem(&l.path("root.pem"), &[&l.root.der]);
    fix_both(&l, Some(&l.path("root.pem")), &[&old.der]);
}

#[test]
fn stale_intermediate_sent() {
    // Last year's issuing CA: same name, another key.
    let root = Ca::root("Contoso Offline Root CA").unwrap();
    let stale = root
        .sub_ca(pki::ad_cs_sub_params("Contoso Subordinate CA", &[]))
        .unwrap();
    let stale_der = stale.der.clone();
    let root_der = root.der.clone();
    let l = lab_with(root, &[], move |leaf, _sub| {
        vec![leaf.to_vec(), stale_der.clone()]
    });
    let bundle = l.bundle(&[&root_der]);
    let (code, v, all) = check(&l, &bundle);
    assert_eq!(code, 2, "{all}");
    assert_eq!(ids_of(&v), vec!["chain.incomplete", "chain.extra"], "{all}");
    assert_eq!(v["findings"][1]["severity"], "warning");
    no_send_root_advice(&v);
    export_missing(&l, &bundle, &[]);
}

#[test]
fn leaf_only_with_the_root_trusted() {
    let root = Ca::root("Contoso Offline Root CA").unwrap();
    let root_der = root.der.clone();
    let sub = root
        .sub_ca(pki::ad_cs_sub_params("Contoso Subordinate CA", &[]))
        .unwrap();
    let leaf = sub.leaf(&[HOST, "localhost"]).unwrap();
    let dir = tmp();
    write_pem(&dir.path().join("leaf.pem"), &[&leaf.der]);
    write_key_pem(&dir.path().join("leaf.key"), &leaf.key_pkcs8);
    write_pem(&dir.path().join("sub.pem"), &[&sub.der]);
    let server = sserver::start(dir.path(), "leaf.pem", "leaf.key", &[]);
    let l = Lab {
        dir,
        root,
        server: Some(server),
        http: None,
    };
    let bundle = l.bundle(&[&root_der]);
    let (code, v, all) = check(&l, &bundle);
    assert_eq!(code, 2, "{all}");
    assert_eq!(ids_of(&v), vec!["chain.incomplete"], "{all}");
    let f = finding(&v, "chain.incomplete");
    assert!(f["fix"].as_str().unwrap().contains("single-tier"));
    no_send_root_advice(&v);
    export_missing(&l, &bundle, &[]);
    fix_both(&l, Some(&l.path("sub.pem")), &[&root_der]);
}

/// The seed case through a real SMTP server with STARTTLS.
#[cfg(unix)]
#[test]
fn unseen_root_behind_postfix_starttls() {
    if !real_server("Postfix", postfix::available()) {
        return;
    }
    let root = Ca::root("Contoso Offline Root CA").unwrap();
    let sub = root
        .sub_ca(pki::ad_cs_sub_params("Contoso Subordinate CA", &[]))
        .unwrap();
    let leaf = sub.leaf(&[HOST]).unwrap();
    let d = tmp();
    let chain = d.path().join("chain.pem");
    write_pem(&chain, &[&leaf.der, &sub.der]);
    let key = d.path().join("key.pem");
    write_key_pem(&key, &leaf.key_pkcs8);
    let pf = postfix::start(&chain, &key).expect("start postfix");
    let bundle = d.path().join("bundle.pem");
    write_pem(&bundle, &[&Ca::root("Unrelated").unwrap().der]);
    let target = format!("smtp://{HOST}:{}", pf.smtp_port);
    let o = trustfix([
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--ca-file",
        bundle.to_str().unwrap(),
        "--json",
    ]);
    let v = o.json();
    assert_eq!(o.code, 2, "{v}");
    assert_eq!(v["tls"]["starttls"], "smtp");
    assert_eq!(ids(&v), vec!["chain.untrusted_root"]);
    let out = d.path().join("export");
    let o = trustfix([
        "export",
        &target,
        "--connect",
        "127.0.0.1",
        "--ca-file",
        bundle.to_str().unwrap(),
        "--what",
        "missing",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert!(!out.exists());
}

/// Runs `cmd` on a pseudo-terminal (util-linux `script`), typing `input`.
fn on_pty(cmd: &str, input: &str, dir: &Path) -> String {
    let o = Command::new("script")
        .args(["-qec", cmd, "/dev/null"])
        .env("NO_COLOR", "1")
        .env("TRUSTFIX_STATE_DIR", dir.join("state"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            // Let the program reach its prompt before answering.
            std::thread::sleep(std::time::Duration::from_millis(1500));
            c.stdin.take().unwrap().write_all(input.as_bytes())?;
            c.wait_with_output()
        })
        .expect("script (package util-linux)");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn fix_shows_the_plan_before_asking_and_a_no_is_declined() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: no script(1)");
        return;
    }
    let l = lab(&[], |leaf, sub| vec![leaf.to_vec(), sub.to_vec()]);
    write_pem(&l.path("root.pem"), &[&l.root.der]);
    let bundle = l.bundle(&[]);
    let before = std::fs::read(&bundle).unwrap();
    let bin = env!("CARGO_BIN_EXE_trustfix");
    let cmd = format!(
        "{bin} fix {} --connect 127.0.0.1 --cert {} --store ca-file:{}",
        l.target(),
        l.path("root.pem").display(),
        bundle.display()
    );
    let out = on_pty(&cmd, "n\n", l.dir.path());
    let plan = out
        .find("Plan:")
        .unwrap_or_else(|| panic!("no plan: {out}"));
    let sha = out.find("SHA-256").expect("fingerprints shown");
    let ask = out
        .find("Apply these")
        .unwrap_or_else(|| panic!("no prompt: {out}"));
    assert!(
        plan < ask && sha < ask,
        "the prompt came before the plan:\n{out}"
    );
    assert!(out.contains("Declined: nothing changed."), "{out}");
    assert!(!out.contains("confirm on a terminal"), "{out}");
    assert_eq!(std::fs::read(&bundle).unwrap(), before);
    // On a pipe: refused with one line, nothing changed.
    let (code, _, all) = l.tf(&[
        "fix",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--cert",
        l.path("root.pem").to_str().unwrap(),
        "--store",
        &format!("ca-file:{}", bundle.display()),
    ]);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains("pass --yes"), "{all}");
    assert_eq!(std::fs::read(&bundle).unwrap(), before);
    // import on a terminal shows the certificate and asks.
    let cmd = format!(
        "{bin} import {} --store ca-file:{}",
        l.path("root.pem").display(),
        bundle.display()
    );
    let out = on_pty(&cmd, "y\n", l.dir.path());
    let ask = out
        .find("Trust 1 certificate(s)")
        .unwrap_or_else(|| panic!("no prompt: {out}"));
    for field in [
        "subject: CN=Contoso Offline Root CA",
        "issuer:",
        "valid:",
        "SHA-256:",
        "SHA-1:",
    ] {
        let at = out
            .find(field)
            .unwrap_or_else(|| panic!("{field} not shown: {out}"));
        assert!(at < ask, "{field} after the prompt: {out}");
    }
    assert_ne!(
        std::fs::read(&bundle).unwrap(),
        before,
        "yes applies: {out}"
    );
}

#[test]
fn nothing_to_do_and_store_errors() {
    let l = lab(&[], |leaf, sub| vec![leaf.to_vec(), sub.to_vec()]);
    let bundle = l.bundle(&[&l.root.der]);
    let o = Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args(["fix", &l.target(), "--connect", "127.0.0.1", "--store"])
        .arg(format!("ca-file:{}", bundle.display()))
        .env("TRUSTFIX_STATE_DIR", l.path("state"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Nothing to do"));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A wrong keystore password is a store error, not "could not check the server".
    if !jvm::available() {
        eprintln!("SKIPPED the keystore half: no JDK");
        return;
    }
    let ks = l.jks(&[]);
    let (code, _, all) = l.tf(&[
        "fix",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--store",
        &format!("java:{}", ks.display()),
        "--storepass",
        "wrong",
        "--yes",
    ]);
    assert_eq!(code, 3, "{all}");
    assert!(!all.contains("could not check the server"), "{all}");
    assert!(all.to_lowercase().contains("password"), "{all}");
    // An import without a terminal and without --yes refuses with one line.
    write_pem(&l.path("root.pem"), &[&l.root.der]);
    let (code, _, all) = l.tf(&[
        "import",
        l.path("root.pem").to_str().unwrap(),
        "--store",
        &format!("ca-file:{}", bundle.display()),
    ]);
    assert_eq!(code, 3, "{all}");
    assert_eq!(all.trim().lines().count(), 1, "{all}");
    assert!(all.contains("--yes"), "{all}");
}
