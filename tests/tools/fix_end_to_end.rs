//! From diagnosis to a proven-trusted chain: a server with a private root
//! that omits its intermediate, the issuers published through AIA on a
//! loopback HTTP server. `check` fails, `fix --yes` changes the store, the
//! real consumer (a JVM client, `openssl s_client -verify_return_error`)
//! connects, a second `fix` changes nothing, `undo` restores the original.
//! Refusals and AIA misuse change nothing.

use crate::{common, support};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use rcgen::CustomExtension;
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::http::{HttpServer, Reply};
use support::*;
use trustfix::demo::pki::{self, Ca};
use trustfix::demo::server;

const HOST: &str = "aia.example.test";

fn der_len(n: usize) -> Vec<u8> {
    if n < 128 {
        vec![n as u8]
    } else if n < 256 {
        vec![0x81, n as u8]
    } else {
        vec![0x82, (n >> 8) as u8, n as u8]
    }
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend(der_len(body.len()));
    v.extend_from_slice(body);
    v
}

/// authorityInfoAccess with one caIssuers URL.
fn aia(url: &str) -> CustomExtension {
    let oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let mut desc = oid.to_vec();
    desc.extend(tlv(0x86, url.as_bytes()));
    let content = tlv(0x30, &tlv(0x30, &desc));
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], content)
}

struct Lab {
    http: HttpServer,
    root: Ca,
    sub: Ca,
    port: u16,
    dir: tempfile::TempDir,
}

impl Lab {
    /// root -> sub -> leaf; the leaf points (AIA) at /sub.cer, the sub at /root.cer.
    /// `leaf_aia` overrides the leaf's URL (for misuse tests).
    fn new(leaf_aia: Option<&str>, leaf_params: Option<rcgen::CertificateParams>) -> Lab {
        let http = HttpServer::start();
        let root = Ca::root("AIA Private Root").unwrap();
        let mut sp = pki::ca_params("AIA Issuing CA");
        sp.custom_extensions.push(aia(&http.url("/root.cer")));
        let sub = root.sub_ca(sp).unwrap();
        let mut lp = leaf_params.unwrap_or_else(|| pki::leaf_params(&[HOST]));
        lp.custom_extensions
            .push(aia(leaf_aia.unwrap_or(&http.url("/sub.cer"))));
        let leaf = sub.issue(lp).unwrap();
        http.set(
            "/sub.cer",
            Reply::Ok {
                body: sub.der.clone(),
                content_type: "application/pkix-cert",
            },
        );
        http.set(
            "/root.cer",
            Reply::Ok {
                body: root.der.clone(),
                content_type: "application/pkix-cert",
            },
        );
        // The server omits the intermediate.
        let port = server::serve(vec![leaf.der.clone()], leaf.key_pkcs8.clone())
            .unwrap()
            .port();
        Lab {
            http,
            root,
            sub,
            port,
            dir: tmp(),
        }
    }

    fn target(&self) -> String {
        format!("{HOST}:{}", self.port)
    }

    fn path(&self, f: &str) -> PathBuf {
        self.dir.path().join(f)
    }

    /// trustfix with a private journal directory.
    fn tf(&self, args: &[&str]) -> (i32, Value, String) {
        let o = Command::new(env!("CARGO_BIN_EXE_trustfix"))
            .args(args)
            .env("NO_COLOR", "1")
            .env("TRUSTFIX_STATE_DIR", self.path("state"))
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        let v = serde_json::from_str(&out).unwrap_or(Value::Null);
        (
            o.status.code().unwrap_or(-1),
            v,
            format!("{out}{}", String::from_utf8_lossy(&o.stderr)),
        )
    }

    /// A PEM bundle holding an unrelated root: a client store without ours.
    fn bundle(&self) -> PathBuf {
        let other = Ca::root("Unrelated Root").unwrap();
        let p = self.path("bundle.pem");
        write_pem(&p, &[&other.der]);
        p
    }

    fn openssl_ok(&self, cafile: &Path) -> bool {
        Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{}", self.port),
                "-servername",
                HOST,
                "-verify_hostname",
                HOST,
                "-verify_return_error",
                "-CAfile",
            ])
            .arg(cafile)
            .stdin(std::process::Stdio::null())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }
}

fn sha(p: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(p).unwrap()).to_vec()
}

#[test]
fn aia_tells_the_missing_intermediate_from_the_untrusted_root() {
    let l = Lab::new(None, None);
    let bundle = l.bundle();
    let (code, v, all) = l.tf(&[
        "check",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--ca-file",
        bundle.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 2, "{all}");
    let got = ids(&v);
    assert!(got.contains(&"chain.untrusted_root".to_string()), "{got:?}");
    assert!(got.contains(&"chain.incomplete".to_string()), "{got:?}");
    assert!(finding(&v, "chain.untrusted_root")["message"]
        .as_str()
        .unwrap()
        .contains("fetched via AIA"));
    let inc = finding(&v, "chain.incomplete");
    assert!(
        inc["clients"]["dotnet"].as_str().unwrap().contains("AIA"),
        "{inc}"
    );
    let certs = v["path"]["certificates"].as_array().unwrap();
    assert_eq!(certs[1]["origin"], "aia");
    assert_eq!(certs[2]["origin"], "aia");
    assert_eq!(
        l.http.requests(),
        vec!["/sub.cer", "/root.cer"],
        "each URL fetched once"
    );

    // With the root trusted, the intermediate is still missing for Java and OpenSSL.
    let with_root = l.path("root.pem");
    write_pem(&with_root, &[&l.root.der]);
    let (code, v, _) = l.tf(&[
        "check",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--ca-file",
        with_root.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 2);
    assert_eq!(ids(&v), vec!["chain.incomplete"]);
    assert_eq!(v["path"]["status"], "trusted");

    // --no-aia: nothing fetched, the ambiguity stays.
    let before = l.http.requests().len();
    let (code, v, _) = l.tf(&[
        "check",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--ca-file",
        bundle.to_str().unwrap(),
        "--json",
        "--no-aia",
    ]);
    assert_eq!(code, 2);
    assert_eq!(ids(&v), vec!["chain.incomplete"]);
    assert_eq!(l.http.requests().len(), before);
}

#[test]
fn fix_a_pem_bundle_then_undo() {
    let l = Lab::new(None, None);
    let bundle = l.bundle();
    let original = sha(&bundle);
    assert!(!l.openssl_ok(&bundle));
    let spec = format!("ca-file:{}", bundle.display());
    let (code, v, all) = l.tf(&[
        "fix",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--yes",
        "--json",
    ]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(v["changed"], true);
    assert_eq!(v["before"]["verdict"], "rejected");
    assert_eq!(v["after"]["verdict"], "trusted");
    let plan = v["plan"].as_array().unwrap();
    assert_eq!(plan.len(), 2, "{v}");
    assert!(plan.iter().any(|p| p["role"] == "root"
        && p["sha256"] == trustfix::util::hex::hex(&Sha256::digest(&l.root.der))));
    assert!(plan
        .iter()
        .any(|p| p["role"] == "intermediate" && p["subject"] == "CN=AIA Issuing CA"));
    assert!(l.openssl_ok(&bundle), "openssl still refuses after the fix");

    let (code, v, _) = l.tf(&[
        "fix",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--yes",
        "--json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["changed"], false, "{v}");

    let (code, v, all) = l.tf(&["undo", "--json"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(v["changed"], true);
    assert_eq!(
        sha(&bundle),
        original,
        "undo restored the bundle byte for byte"
    );
    assert!(!l.openssl_ok(&bundle));
    let (code, _, all) = l.tf(&["undo"]);
    assert_eq!(code, 3, "nothing left to undo: {all}");
}

fn have_java() -> bool {
    Command::new("keytool").arg("-help").output().is_ok()
        && Command::new("javac").arg("-version").output().is_ok()
}

#[test]
fn fix_a_java_keystore_for_a_real_jvm_then_undo() {
    if !have_java() {
        eprintln!("SKIPPED: no JDK");
        return;
    }
    let l = Lab::new(None, None);
    let d = l.dir.path();
    let other = Ca::root("Unrelated Java Root").unwrap();
    let other_pem = l.path("other.pem");
    write_pem(&other_pem, &[&other.der]);
    let ks = l.path("app.jks");
    let kt = |args: &[&str]| {
        let o = Command::new("keytool")
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    kt(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "other",
        "-file",
        other_pem.to_str().unwrap(),
        "-keystore",
        ks.to_str().unwrap(),
        "-storetype",
        "JKS",
        "-storepass",
        "changeit",
    ]);
    let list_before = kt(&[
        "-list",
        "-keystore",
        ks.to_str().unwrap(),
        "-storepass",
        "changeit",
    ]);
    // The JVM client from the Java tests, compiled here.
    std::fs::write(l.path("Probe.java"), "import javax.net.ssl.*;\npublic class Probe { public static void main(String[] a) throws Exception { try (SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket(a[0], Integer.parseInt(a[1]))) { SSLParameters p = s.getSSLParameters(); p.setEndpointIdentificationAlgorithm(\"HTTPS\"); s.setSSLParameters(p); s.startHandshake(); System.out.println(\"OK\"); } catch (Exception e) { System.out.println(\"FAIL \" + e); System.exit(1); } } }\n").unwrap();
    assert!(Command::new("javac")
        .arg("Probe.java")
        .current_dir(d)
        .status()
        .unwrap()
        .success());
    // The JVM connects by name, so this server's certificate names localhost.
    let jvm = |port: u16| {
        Command::new("java")
            .arg(format!("-Djavax.net.ssl.trustStore={}", ks.display()))
            .arg("-Djavax.net.ssl.trustStorePassword=changeit")
            .args([
                "-cp",
                d.to_str().unwrap(),
                "Probe",
                "localhost",
                &port.to_string(),
            ])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    // A server whose leaf names localhost, same PKI and AIA.
    let lp = pki::leaf_params(&["localhost"]);
    let mut lp2 = lp;
    lp2.custom_extensions.push(aia(&l.http.url("/sub.cer")));
    let leaf = l.sub.issue(lp2).unwrap();
    let port = server::serve(vec![leaf.der.clone()], leaf.key_pkcs8.clone())
        .unwrap()
        .port();
    assert!(!jvm(port), "the JVM trusts it before the fix");
    let spec = format!("java:{}", ks.display());
    let target = format!("localhost:{port}");
    let (code, v, all) = l.tf(&[
        "fix",
        &target,
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--yes",
        "--json",
    ]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(v["after"]["verdict"], "trusted");
    assert!(jvm(port), "the JVM still fails after the fix");
    let (_, v, _) = l.tf(&[
        "fix",
        &target,
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--yes",
        "--json",
    ]);
    assert_eq!(v["changed"], false);
    let (code, _, all) = l.tf(&["undo", "--last"]);
    assert_eq!(code, 0, "{all}");
    let list_after = kt(&[
        "-list",
        "-keystore",
        ks.to_str().unwrap(),
        "-storepass",
        "changeit",
    ]);
    let entries = |s: &str| {
        s.lines()
            .filter(|l| l.contains("Entry") || l.contains("fingerprint"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        entries(&list_after),
        entries(&list_before),
        "undo left other entries"
    );
    assert!(!jvm(port));
}

#[test]
fn refusals_change_nothing() {
    // Expired server certificate.
    let mut p = pki::leaf_params(&[HOST]);
    pki::valid_days(&mut p, -100, -5);
    let l = Lab::new(None, Some(p));
    let bundle = l.bundle();
    let h = sha(&bundle);
    let spec = format!("ca-file:{}", bundle.display());
    let (code, v, all) = l.tf(&[
        "fix",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--yes",
        "--json",
    ]);
    assert_eq!(code, 2, "{all}");
    assert!(v["refused"].as_str().unwrap().contains("renew"), "{v}");
    assert_eq!(sha(&bundle), h);

    // Name mismatch.
    let l = Lab::new(None, None);
    let bundle = l.bundle();
    let h = sha(&bundle);
    let spec = format!("ca-file:{}", bundle.display());
    let target = format!("wrong.example.test:{}", l.port);
    let (code, v, _) = l.tf(&[
        "fix",
        &target,
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--yes",
        "--json",
    ]);
    assert_eq!(code, 2);
    assert!(
        v["refused"].as_str().unwrap().contains("name.mismatch"),
        "{v}"
    );
    assert_eq!(sha(&bundle), h);

    // Fingerprint mismatch.
    let (code, v, _) = l.tf(&[
        "fix",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--yes",
        "--json",
        "--expect-sha256",
        &"ab".repeat(32),
    ]);
    assert_eq!(code, 2);
    assert!(
        v["refused"].as_str().unwrap().contains("not the expected"),
        "{v}"
    );
    assert_eq!(sha(&bundle), h);

    // Without --yes on a pipe: the plan is shown, nothing applied.
    let (code, v, _) = l.tf(&[
        "fix",
        &l.target(),
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--json",
    ]);
    assert_eq!(code, 2);
    assert!(v["refused"].as_str().unwrap().contains("--yes"), "{v}");
    assert_eq!(v["plan"].as_array().unwrap().len(), 2);
    assert_eq!(sha(&bundle), h);

    // A self-signed server certificate: refused unless --trust-leaf.
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = pki::leaf_params(&[HOST]).self_signed(&key).unwrap();
    let port = server::serve(vec![cert.der().to_vec()], key.serialize_der())
        .unwrap()
        .port();
    let target = format!("{HOST}:{port}");
    let (code, v, _) = l.tf(&[
        "fix",
        &target,
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--yes",
        "--json",
    ]);
    assert_eq!(code, 2);
    assert!(
        v["refused"].as_str().unwrap().contains("--trust-leaf"),
        "{v}"
    );
    assert_eq!(sha(&bundle), h);
    let (code, v, _) = l.tf(&[
        "fix",
        &target,
        "--connect",
        "127.0.0.1",
        "--store",
        &spec,
        "--yes",
        "--json",
        "--trust-leaf",
    ]);
    assert_eq!(code, 0, "{v}");
    assert!(v["notes"].to_string().contains("breaks when it is renewed"));
}

#[test]
fn aia_misuse_is_a_finding_not_a_crash() {
    let cases: Vec<(&str, Option<Reply>, &str)> = vec![
        ("file:///etc/passwd", None, "refused"),
        (
            "/huge.cer",
            Some(Reply::Huge {
                claimed: 50 * 1024 * 1024,
                actual: 2 * 1024 * 1024,
            }),
            "larger than",
        ),
        (
            "/garbage.cer",
            Some(Reply::Ok {
                body: b"<html>not a cert</html>".to_vec(),
                content_type: "text/html",
            }),
            "not a certificate",
        ),
        (
            "/slow.cer",
            Some(Reply::Slow {
                interval: Duration::from_secs(1),
            }),
            "timed out",
        ),
        ("/missing.cer", None, "HTTP 404"),
    ];
    for (path, reply, expect) in cases {
        let http = HttpServer::start();
        let url = if path.starts_with('/') {
            http.url(path)
        } else {
            path.to_string()
        };
        if let Some(r) = reply {
            http.set(path, r);
        }
        let l = Lab::new(Some(&url), None);
        let bundle = l.bundle();
        let t = Instant::now();
        let (code, v, all) = l.tf(&[
            "check",
            &l.target(),
            "--connect",
            "127.0.0.1",
            "--ca-file",
            bundle.to_str().unwrap(),
            "--json",
            "--timeout",
            "2",
        ]);
        assert_eq!(code, 2, "{path}: {all}");
        assert!(!all.contains("panicked"));
        let f = finding(&v, "aia.failed");
        assert!(
            f["message"].as_str().unwrap().contains(expect),
            "{path}: {f}"
        );
        assert!(ids(&v).contains(&"chain.incomplete".to_string()));
        assert!(
            t.elapsed() < Duration::from_secs(8),
            "{path} took {:?}",
            t.elapsed()
        );
    }
}
