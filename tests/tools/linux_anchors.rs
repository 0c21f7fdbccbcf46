//! The Linux anchor store for real: inside a private mount namespace
//! (`unshare -m`) with tmpfs over the trust directories and a copy of the
//! dpkg database (so the Java hook's trigger runs on copies), trustfix adds
//! a generated root, the real `update-ca-certificates` runs, and `openssl
//! s_client -verify_return_error` against a loopback server fails before
//! and succeeds after; removal brings the failure back and deletes the
//! `debian:NAME.pem` alias the Java hook created. Root only.
#![cfg(target_os = "linux")]

use crate::{common, support};

use std::process::Command;

use common::*;
use trustfix::demo::pki::Ca;
use trustfix::demo::server;

const HOST: &str = "anchors.example.test";

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn debian_anchor_round_trip_in_a_mount_namespace() {
    if !is_root() {
        eprintln!(
            "SKIPPED: the Linux anchor test needs root (unshare -m, mounts); CI runs it as root"
        );
        return;
    }
    if !std::path::Path::new("/usr/sbin/update-ca-certificates").exists() {
        panic!("update-ca-certificates missing: apt-get install ca-certificates (the README test command does)");
    }
    let root = Ca::root("Namespace Test Root").unwrap();
    let sub = root.intermediate("Namespace Test Sub").unwrap();
    let leaf = sub.leaf(&[HOST]).unwrap();
    let addr = server::serve(
        vec![leaf.der.clone(), sub.der.clone()],
        leaf.key_pkcs8.clone(),
    )
    .unwrap();
    let d = tmp();
    let root_pem = p(d.path(), "root.pem");
    write_pem(&root_pem, &[&root.der]);
    let sha = trustfix::cert::Cert::from_der(&root.der)
        .unwrap()
        .sha256_hex();
    let bin = env!("CARGO_BIN_EXE_trustfix");
    let work = d.path().display().to_string();
    let port = addr.port();
    // Everything that could touch the host's trust or dpkg state is a copy
    // on tmpfs inside this mount namespace; it vanishes with the namespace.
    let script = format!(
        r#"set -u
W={work}
mount --make-rprivate / 
mkdir -p $W/certs $W/dpkg $W/cajava
cp -a /etc/ssl/certs/. $W/certs/
cp -a /var/lib/dpkg/. $W/dpkg/
cp -a /var/lib/ca-certificates-java/. $W/cajava/ 2>/dev/null || true
mount -t tmpfs tmpfs /usr/local/share/ca-certificates
mount --bind $W/certs /etc/ssl/certs
mount --bind $W/dpkg /var/lib/dpkg
mkdir -p /var/lib/ca-certificates-java && mount --bind $W/cajava /var/lib/ca-certificates-java
touch $W/dpkg.log && mount --bind $W/dpkg.log /var/log/dpkg.log
verify() {{ openssl s_client -connect 127.0.0.1:{port} -servername {HOST} -verify_hostname {HOST} -verify_return_error -CAfile /etc/ssl/certs/ca-certificates.crt </dev/null >/dev/null 2>&1 && echo VERIFY=ok || echo VERIFY=fail; }}
java_alias() {{ if [ -f /etc/ssl/certs/java/cacerts ]; then keytool -list -keystore /etc/ssl/certs/java/cacerts -storepass changeit 2>/dev/null | grep -c "^debian:trustfix-" ; else echo nojava; fi; }}
echo STEP=before; verify
echo JAVA=$(java_alias)
{bin} import --yes {root_pem} --store linux-anchors --json > $W/import.json; echo IMPORT_RC=$?
echo STEP=after-import; verify
echo JAVA=$(java_alias)
{bin} import --yes {root_pem} --store linux-anchors --json > $W/import2.json; echo IMPORT2_RC=$?
{bin} check {HOST}:{port} --connect 127.0.0.1 --store system --json > $W/check.json; echo CHECK_RC=$?
{bin} remove --yes --sha256 {sha} --store linux-anchors --json > $W/remove.json; echo REMOVE_RC=$?
echo STEP=after-remove; verify
echo JAVA=$(java_alias)
ls /usr/local/share/ca-certificates | wc -l | sed 's/^/FILES=/'
"#,
        root_pem = root_pem.display()
    );
    let o = Command::new("unshare")
        .args(["-m", "bash", "-c", &script])
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .output()
        .expect("unshare");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let lines: Vec<&str> = out.lines().collect();
    let after = |step: &str, key: &str| -> String {
        let i = lines
            .iter()
            .position(|l| *l == format!("STEP={step}"))
            .unwrap_or_else(|| panic!("no {step}:\n{out}\n{err}"));
        lines[i..]
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(after("before", "VERIFY"), "fail", "{out}\n{err}");
    assert!(out.contains("IMPORT_RC=0"), "{out}\n{err}");
    assert_eq!(after("after-import", "VERIFY"), "ok", "{out}\n{err}");
    assert!(
        out.contains("IMPORT2_RC=0") && out.contains("CHECK_RC=0"),
        "{out}\n{err}"
    );
    assert!(out.contains("REMOVE_RC=0"), "{out}\n{err}");
    assert_eq!(after("after-remove", "VERIFY"), "fail", "{out}\n{err}");
    assert!(out.contains("FILES=0"), "{out}");

    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.path().join(f)).unwrap()).unwrap()
    };
    let imp = read("import.json");
    assert_eq!(imp["changed"], true);
    assert!(imp["steps"][1]
        .as_str()
        .unwrap()
        .starts_with("run /usr/sbin/update-ca-certificates"));
    assert_eq!(
        read("import2.json")["changed"],
        false,
        "second import is a no-op"
    );
    assert_eq!(read("check.json")["verdict"], "trusted");
    let rm = read("remove.json");
    assert_eq!(rm["changed"], true);
    // The Java hook's alias appears with the import and goes with the removal.
    let java_after_import = after("after-import", "JAVA");
    if java_after_import != "nojava" {
        assert_eq!(
            java_after_import, "1",
            "the Java hook did not add the alias: {out}\n{err}\n{rm}"
        );
        assert_eq!(
            after("after-remove", "JAVA"),
            "0",
            "alias left behind: {out}\n{rm}"
        );
        assert!(
            rm["steps"]
                .to_string()
                .contains("remove alias 'debian:trustfix-namespace-test-root-"),
            "{rm}"
        );
    } else {
        eprintln!("note: no Java cacerts on this machine; the alias part was not exercised");
    }
}

/// `fix --store linux-anchors` with the intermediate fetched through AIA,
/// then `undo`, inside the same kind of namespace.
#[test]
fn fix_and_undo_through_the_linux_anchors() {
    if !is_root() {
        eprintln!(
            "SKIPPED: the Linux anchor test needs root (unshare -m, mounts); CI runs it as root"
        );
        return;
    }
    let http = support::http::HttpServer::start();
    let root = Ca::root("Namespace Fix Root").unwrap();
    let sub = root.intermediate("Namespace Fix Sub").unwrap();
    let mut lp = trustfix::demo::pki::leaf_params(&[HOST]);
    let url = http.url("/sub.cer");
    let oid = [0x06u8, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let mut desc = oid.to_vec();
    desc.push(0x86);
    desc.push(url.len() as u8);
    desc.extend_from_slice(url.as_bytes());
    let mut inner = vec![0x30, desc.len() as u8];
    inner.extend(desc);
    let mut outer = vec![0x30, inner.len() as u8];
    outer.extend(inner);
    lp.custom_extensions
        .push(rcgen::CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 5, 5, 7, 1, 1],
            outer,
        ));
    let leaf = sub.issue(lp).unwrap();
    http.set(
        "/sub.cer",
        support::http::Reply::Ok {
            body: sub.der.clone(),
            content_type: "application/pkix-cert",
        },
    );
    let addr = server::serve(vec![leaf.der.clone()], leaf.key_pkcs8.clone()).unwrap();
    let d = tmp();
    // The admin got the root out of band; AIA supplies the intermediate.
    let root_pem = p(d.path(), "root.pem");
    write_pem(&root_pem, &[&root.der]);
    let bin = env!("CARGO_BIN_EXE_trustfix");
    let work = d.path().display().to_string();
    let port = addr.port();
    let script = format!(
        r#"set -u
W={work}
export TRUSTFIX_STATE_DIR=$W/state
mount --make-rprivate /
mkdir -p $W/certs $W/dpkg $W/cajava
cp -a /etc/ssl/certs/. $W/certs/
cp -a /var/lib/dpkg/. $W/dpkg/
cp -a /var/lib/ca-certificates-java/. $W/cajava/ 2>/dev/null || true
mount -t tmpfs tmpfs /usr/local/share/ca-certificates
mount --bind $W/certs /etc/ssl/certs
mount --bind $W/dpkg /var/lib/dpkg
mkdir -p /var/lib/ca-certificates-java && mount --bind $W/cajava /var/lib/ca-certificates-java
touch $W/dpkg.log && mount --bind $W/dpkg.log /var/log/dpkg.log
verify() {{ openssl s_client -connect 127.0.0.1:{port} -servername {HOST} -verify_hostname {HOST} -verify_return_error -CAfile /etc/ssl/certs/ca-certificates.crt </dev/null >/dev/null 2>&1 && echo VERIFY=ok || echo VERIFY=fail; }}
echo STEP=before; verify
{bin} fix {HOST}:{port} --connect 127.0.0.1 --store linux-anchors --cert {root_pem} --yes --json > $W/fix.json; echo FIX_RC=$?
echo STEP=after-fix; verify
{bin} fix {HOST}:{port} --connect 127.0.0.1 --store linux-anchors --cert {root_pem} --yes --json > $W/fix2.json; echo FIX2_RC=$?
{bin} undo --json > $W/undo.json; echo UNDO_RC=$?
echo STEP=after-undo; verify
ls /usr/local/share/ca-certificates | wc -l | sed 's/^/FILES=/'
"#,
        root_pem = root_pem.display()
    );
    let o = Command::new("unshare")
        .args(["-m", "bash", "-c", &script])
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .output()
        .expect("unshare");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.path().join(f)).unwrap_or_default())
            .unwrap_or_default()
    };
    let step = |name: &str| -> bool {
        let i = out
            .find(&format!("STEP={name}\n"))
            .unwrap_or_else(|| panic!("{name}: {out}\n{err}"));
        out[i..].lines().nth(1) == Some("VERIFY=ok")
    };
    assert!(!step("before"), "{out}");
    let fix = read("fix.json");
    assert!(out.contains("FIX_RC=0"), "{out}\n{err}\n{fix}");
    assert_eq!(fix["after"]["verdict"], "trusted", "{fix}");
    assert!(
        step("after-fix"),
        "openssl still fails after the fix: {out}\n{fix}"
    );
    assert_eq!(read("fix2.json")["changed"], false, "{out}");
    assert!(
        out.contains("UNDO_RC=0"),
        "{out}\n{err}\n{}",
        read("undo.json")
    );
    assert!(!step("after-undo"), "{out}");
    assert!(out.contains("FILES=0"), "{out}");
}
