//! Writes the filesystem refuses: a read-only mount and a full tmpfs
//! (inside a private mount namespace). trustfix must end with one clear
//! line, exit 3, and leave the store byte-identical. Root only.
#![cfg(target_os = "linux")]

use crate::common;

use std::process::Command;

use sha2::{Digest, Sha256};
use trustfix::demo::pki::Ca;

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn read_only_and_full_filesystems_leave_the_store_unchanged() {
    if !is_root() {
        eprintln!("SKIPPED: needs root for mount namespaces; CI runs it as root");
        return;
    }
    let d = common::tmp();
    let w = d.path();
    // A small JKS made by our codec, and a certificate to import.
    let mut j = trustfix::keystore::jks::Jks::new(false);
    let seed = Ca::root("Refused Seed").unwrap();
    j.add_trusted("seed", &seed.der, 1);
    std::fs::write(w.join("store.jks"), j.write("changeit")).unwrap();
    let newcomer = Ca::root("Refused Newcomer").unwrap();
    common::write_pem(&w.join("new.pem"), &[&newcomer.der]);
    let bin = env!("CARGO_BIN_EXE_trustfix");
    let script = format!(
        r#"set -u
W={w}
mount --make-rprivate /
mkdir -p $W/ro $W/full
cp $W/store.jks $W/ro/store.jks
mount --bind $W/ro $W/ro && mount -o remount,ro,bind $W/ro
{bin} import --yes $W/new.pem --store java:$W/ro/store.jks 2> $W/ro.err; echo RO_RC=$?
sha256sum $W/ro/store.jks | cut -c1-64 | sed 's/^/RO_SHA=/'
mount -t tmpfs -o size=64k tmpfs $W/full
cp $W/store.jks $W/full/store.jks
dd if=/dev/zero of=$W/full/filler bs=1k count=200 2>/dev/null
{bin} import --yes $W/new.pem --store java:$W/full/store.jks 2> $W/full.err; echo FULL_RC=$?
sha256sum $W/full/store.jks | cut -c1-64 | sed 's/^/FULL_SHA=/'
ls -a $W/full | grep -c trustfix | sed 's/^/FULL_LEFT=/'
"#,
        w = w.display()
    );
    let o = Command::new("unshare")
        .args(["-m", "bash", "-c", &script])
        .output()
        .expect("unshare");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let get = |k: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k}: {out}\n{}", String::from_utf8_lossy(&o.stderr)))
            .to_string()
    };
    let original =
        trustfix::util::hex::hex(&Sha256::digest(std::fs::read(w.join("store.jks")).unwrap()));
    let ro_err = std::fs::read_to_string(w.join("ro.err")).unwrap();
    assert_eq!(get("RO_RC"), "3", "{ro_err}");
    assert_eq!(ro_err.lines().count(), 1, "{ro_err}");
    assert!(ro_err.contains("Read-only file system"), "{ro_err}");
    assert_eq!(get("RO_SHA"), original);
    let full_err = std::fs::read_to_string(w.join("full.err")).unwrap();
    assert_eq!(get("FULL_RC"), "3", "{full_err}");
    assert_eq!(full_err.lines().count(), 1, "{full_err}");
    assert!(full_err.contains("No space left"), "{full_err}");
    assert_eq!(get("FULL_SHA"), original);
    assert_eq!(
        get("FULL_LEFT"),
        "0",
        "no temp or partial backup left behind"
    );
}
