//! Golden outputs: the `--json` of check, show, fix, export, preflight and
//! store on fixed scenarios, compared byte for byte with tests/golden/.
//! The PKI is deterministic (Ed25519 keys from fixed seeds, fixed serials
//! and dates), validity is judged with `--at`, and what legitimately
//! changes between runs (temp paths, ports, wall-clock times, backup names)
//! is normalized. A refactor that changes any output fails here.
//!
//! `TRUSTFIX_GOLDEN=update cargo test --test pure golden` rewrites the files
//! (review the diff before committing it). The certificates are valid from
//! 2026 to 2040 and later, so commands judged "now" (export, fix, store)
//! give the same answers for years.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber,
};
use serde_json::Value;
use time::OffsetDateTime;

const HOST: &str = "exchange01.int.contoso.com";
const AT: &str = "2027-06-01T12:00:00Z";

/// An Ed25519 key from a fixed seed (PKCS#8 v1): the same key every run.
fn key(seed: u8) -> (KeyPair, Vec<u8>) {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend([seed; 32]);
    let k =
        KeyPair::from_pkcs8_der_and_sign_algo(&der.clone().into(), &rcgen::PKCS_ED25519).unwrap();
    (k, der)
}

fn date(y: i32) -> OffsetDateTime {
    time::Date::from_calendar_date(y, time::Month::January, 1)
        .unwrap()
        .midnight()
        .assume_utc()
}

fn params(cn: &str, serial: u8, ca: bool, from: i32, to: i32) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.serial_number = Some(SerialNumber::from(vec![serial]));
    p.not_before = date(from);
    p.not_after = date(to);
    p.use_authority_key_identifier_extension = true;
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.subject_alt_names = vec![SanType::DnsName(HOST.to_string().try_into().unwrap())];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    }
    p
}

struct Pki {
    dir: tempfile::TempDir,
    leaf: Vec<u8>,
    leaf_key: Vec<u8>,
    sub: Vec<u8>,
}

fn pki() -> Pki {
    let (root_key, _) = key(1);
    let root_p = params("Contoso Offline Root CA", 1, true, 2026, 2046);
    let root = root_p.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_p, root_key);
    let (sub_key, _) = key(2);
    let sub_p = params("Contoso Subordinate CA", 2, true, 2026, 2041);
    let sub = sub_p.signed_by(&sub_key, &root_issuer).unwrap();
    let sub_issuer = Issuer::new(sub_p, sub_key);
    let (leaf_key, leaf_der) = key(3);
    let leaf = params(HOST, 3, false, 2026, 2040)
        .signed_by(&leaf_key, &sub_issuer)
        .unwrap();
    let (other_key, _) = key(4);
    let other = params("Some Other Root CA", 4, true, 2026, 2046)
        .self_signed(&other_key)
        .unwrap();
    let dir = common::tmp();
    let w = |name: &str, ders: &[&[u8]]| common::write_pem(&dir.path().join(name), ders);
    w("root.pem", &[root.der()]);
    w("sub.pem", &[sub.der()]);
    w("leaf.pem", &[leaf.der()]);
    w("other.pem", &[other.der()]);
    w("sent.pem", &[leaf.der(), sub.der()]);
    w("chain.pem", &[leaf.der(), sub.der(), root.der()]);
    Pki {
        leaf: leaf.der().to_vec(),
        leaf_key: leaf_der,
        sub: sub.der().to_vec(),
        dir,
    }
}

/// Replaces what differs between runs: the temp dir, the port, wall-clock
/// times and the names made from them.
fn normalize(v: &mut Value, dir: &str, port: &str) {
    match v {
        Value::String(s) => {
            *s = s.replace(dir, "<DIR>");
            if !port.is_empty() {
                *s = s.replace(port, "<PORT>");
            }
            // Backup and journal names carry the time they were made.
            if let Some(i) = s.find(".trustfix-") {
                s.replace_range(i.., ".trustfix-<TIME>.bak");
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| normalize(x, dir, port)),
        Value::Object(o) => {
            // Judged now (no --at): the time and what is counted from it.
            let now_based = o.get("judged_at_given") == Some(&Value::Bool(false));
            for (k, x) in o.iter_mut() {
                if now_based && k == "judged_at" {
                    *x = Value::String("<NOW>".into());
                    continue;
                }
                if matches!(
                    k.as_str(),
                    "checked_at" | "elapsed_ms" | "duration_ms" | "seconds" | "journal_id"
                ) {
                    *x = Value::String("<VOLATILE>".into());
                } else {
                    normalize(x, dir, port);
                }
            }
        }
        _ => {}
    }
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn run(dir: &Path, args: &[String]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TRUSTFIX_STATE_DIR", dir.join("state"))
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn json_outputs_match_the_golden_files() {
    let k = pki();
    let d = k.dir.path();
    let ds = d.display().to_string();
    let port =
        trustfix::demo::server::serve(vec![k.leaf.clone(), k.sub.clone()], k.leaf_key.clone())
            .unwrap()
            .port()
            .to_string();
    let target = format!("{HOST}:{port}");
    std::fs::copy(d.join("other.pem"), d.join("bundle.pem")).unwrap();
    std::fs::write(
        d.join("preflight.toml"),
        format!(
            "[defaults]\nstore = \"ca-file:{ds}/root.pem\"\n\n[[endpoint]]\ntarget = \"{target}\"\nconnect = \"127.0.0.1\"\nlabel = \"exchange\"\n"
        ),
    )
    .unwrap();
    let f = |n: &str| format!("{ds}/{n}");
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "show-seed",
            vec![
                "show".into(),
                f("sent.pem"),
                "--ca-file".into(),
                f("other.pem"),
            ],
        ),
        (
            "show-bare",
            vec![
                "show".into(),
                f("leaf.pem"),
                "--ca-file".into(),
                f("root.pem"),
            ],
        ),
        (
            "show-trusted",
            vec![
                "show".into(),
                f("sent.pem"),
                "--ca-file".into(),
                f("root.pem"),
            ],
        ),
        (
            "check-seed",
            vec![
                "check".into(),
                target.clone(),
                "--connect".into(),
                "127.0.0.1".into(),
                "--ca-file".into(),
                f("other.pem"),
                "--no-aia".into(),
                "--revocation".into(),
                "off".into(),
            ],
        ),
        (
            "check-trusted",
            vec![
                "check".into(),
                target.clone(),
                "--connect".into(),
                "127.0.0.1".into(),
                "--ca-file".into(),
                f("root.pem"),
                "--revocation".into(),
                "off".into(),
            ],
        ),
        (
            "export-root",
            vec![
                "export".into(),
                f("chain.pem"),
                "--what".into(),
                "root".into(),
                "--out".into(),
                f("out-root"),
                "--ca-file".into(),
                f("other.pem"),
            ],
        ),
        (
            "export-missing-refused",
            vec![
                "export".into(),
                f("sent.pem"),
                "--what".into(),
                "missing".into(),
                "--out".into(),
                f("out-missing"),
                "--ca-file".into(),
                f("other.pem"),
            ],
        ),
        (
            "fix-dry-run",
            vec![
                "fix".into(),
                target.clone(),
                "--connect".into(),
                "127.0.0.1".into(),
                "--cert".into(),
                f("root.pem"),
                "--store".into(),
                format!("ca-file:{}", f("bundle.pem")),
                "--dry-run".into(),
                "--no-aia".into(),
            ],
        ),
        (
            "preflight",
            vec![
                "preflight".into(),
                f("preflight.toml"),
                "--revocation".into(),
                "off".into(),
            ],
        ),
        (
            "store-list",
            vec![
                "store".into(),
                "list".into(),
                "--ca-file".into(),
                f("chain.pem"),
            ],
        ),
        (
            "store-find",
            vec![
                "store".into(),
                "find".into(),
                "Contoso".into(),
                "--ca-file".into(),
                f("chain.pem"),
            ],
        ),
    ];
    let update = std::env::var("TRUSTFIX_GOLDEN").as_deref() == Ok("update");
    let mut diffs = Vec::new();
    for (name, mut args) in cases {
        // Validity as of a fixed time where the command takes one.
        if matches!(args[0].as_str(), "show" | "check" | "preflight") {
            args.extend(["--at".into(), AT.into()]);
        }
        args.push("--json".into());
        let (code, out) = run(d, &args);
        let mut v: Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {out}"));
        normalize(&mut v, &ds, &port);
        let text = format!(
            "{{\"exit\": {code}, \"output\": {}}}\n",
            serde_json::to_string_pretty(&v).unwrap()
        );
        let file = golden_dir().join(format!("{name}.json"));
        if update {
            std::fs::create_dir_all(golden_dir()).unwrap();
            std::fs::write(&file, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&file) {
            Ok(want) if want == text => {}
            Ok(want) => {
                let line = want
                    .lines()
                    .zip(text.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                diffs.push(format!(
                    "{name}: differs from {} at line {}:\n  golden: {}\n  now:    {}",
                    file.display(),
                    line + 1,
                    want.lines().nth(line).unwrap_or(""),
                    text.lines().nth(line).unwrap_or("")
                ));
            }
            Err(_) => diffs.push(format!(
                "{name}: no golden file {} (TRUSTFIX_GOLDEN=update)",
                file.display()
            )),
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
