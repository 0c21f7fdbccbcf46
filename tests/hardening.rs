//! Issue 14: hostile certificates, servers and local users get a clear
//! error and nothing else. Each test reproduces one attack on loopback
//! with the real binary and checks that the store, the journal and the
//! terminal are left alone.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use common::{tmp, write_pem};
use rcgen::DnType;
use trustfix::cert::Cert;
use trustfix::demo::pki::{self, Ca};
use trustfix::demo::server;

const HOST: &str = "localhost";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The binary under test; TRUSTFIX_TEST_BIN runs these tests against
/// another build (how each was shown to fail on 0.1.0).
fn bin() -> String {
    std::env::var("TRUSTFIX_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_trustfix").into())
}

/// The binary with a private state directory, no proxy, no colour.
fn tf(state: &Path, args: &[&str]) -> Out {
    let o = Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .env("TRUSTFIX_STATE_DIR", state)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn set_of(path: &Path) -> Vec<[u8; 32]> {
    let mut v: Vec<[u8; 32]> = trustfix::load::certs_from_file(path)
        .map(|c| c.iter().map(|c| c.sha256).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// A server sending leaf + intermediate whose root the bundle lacks.
struct Lab {
    root: Ca,
    sub: Ca,
    port: u16,
    dir: tempfile::TempDir,
}

impl Lab {
    fn new(send_sub: bool) -> Lab {
        let root = Ca::root("Hardening Root").unwrap();
        let sub = root.intermediate("Hardening Issuing CA").unwrap();
        let leaf = sub.leaf(&[HOST]).unwrap();
        let mut chain = vec![leaf.der.clone()];
        if send_sub {
            chain.push(sub.der.clone());
        }
        let port = server::serve(chain, leaf.key_pkcs8.clone()).unwrap().port();
        let dir = tmp();
        let other = Ca::root("Unrelated Root").unwrap();
        write_pem(&dir.path().join("bundle.pem"), &[&other.der]);
        write_pem(&dir.path().join("root.pem"), &[&root.der]);
        write_pem(&dir.path().join("sub.pem"), &[&sub.der]);
        Lab {
            root,
            sub,
            port,
            dir,
        }
    }

    fn p(&self, f: &str) -> PathBuf {
        self.dir.path().join(f)
    }

    fn target(&self) -> String {
        format!("{HOST}:{}", self.port)
    }

    fn state(&self) -> PathBuf {
        self.p("state")
    }

    fn fix(&self, extra: &[&str]) -> Out {
        let store = format!("ca-file:{}", self.p("bundle.pem").display());
        let mut args = vec![
            "fix",
            self.target_str(),
            "--store",
            &store,
            "--yes",
            "--no-aia",
            "--timeout",
            "5",
        ];
        args.extend_from_slice(extra);
        tf(&self.state(), &args)
    }

    fn target_str(&self) -> &'static str {
        Box::leak(self.target().into_boxed_str())
    }
}

/// Point 1: a journal file planted as a symlink is never followed: `fix`
/// refuses before changing the store, and the symlink's target is intact.
#[cfg(unix)]
#[test]
fn a_planted_journal_symlink_is_refused_before_any_change() {
    let l = Lab::new(true);
    std::fs::create_dir(l.state()).unwrap();
    let victim = l.p("victim");
    std::fs::write(&victim, b"root's file").unwrap();
    std::os::unix::fs::symlink(&victim, l.state().join("journal.jsonl")).unwrap();
    let before = std::fs::read(l.p("bundle.pem")).unwrap();
    let root = l.p("root.pem");
    let o = l.fix(&["--cert", root.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("symlink"), "{}", o.stderr);
    assert!(o.stderr.contains("nothing changed"), "{}", o.stderr);
    assert_eq!(std::fs::read(&victim).unwrap(), b"root's file");
    assert_eq!(std::fs::read(l.p("bundle.pem")).unwrap(), before);
}

/// Point 1: a state directory others can write is refused.
#[cfg(unix)]
#[test]
fn a_shared_state_directory_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let l = Lab::new(true);
    std::fs::create_dir(l.state()).unwrap();
    std::fs::set_permissions(l.state(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let before = std::fs::read(l.p("bundle.pem")).unwrap();
    let root = l.p("root.pem");
    let o = l.fix(&["--cert", root.to_str().unwrap()]);
    assert!(
        o.stderr.contains("writable by group or others"),
        "{}",
        o.stderr
    );
    assert_eq!(std::fs::read(l.p("bundle.pem")).unwrap(), before);
}

fn entry(id: &str, action: &str, store: &str, der: &[u8], sha: &str) -> String {
    serde_json::json!({
        "id": id, "time": "", "command": "fix", "store": store, "action": action,
        "sha256": sha, "subject": "CN=x",
        "der": base64::engine::general_purpose::STANDARD.encode(der),
        "alias": null, "role": "root", "undoes": null,
    })
    .to_string()
        + "\n"
}

/// Point 1: a forged `remove` entry would make `undo` *import* a root. Undo
/// never adds trust without showing the certificate and asking: with no
/// terminal and no --yes it refuses in one line and changes nothing.
#[test]
fn undo_never_adds_trust_without_asking() {
    let d = tmp();
    let state = d.path().join("state");
    std::fs::create_dir(&state).unwrap();
    let bundle = d.path().join("bundle.pem");
    let other = Ca::root("Unrelated Root").unwrap();
    write_pem(&bundle, &[&other.der]);
    let evil = Ca::root("Attacker Root").unwrap();
    let sha = Cert::from_der(&evil.der).unwrap().sha256_hex();
    let store = format!("ca-file:{}", bundle.display());
    std::fs::write(
        state.join("journal.jsonl"),
        entry("forged", "remove", &store, &evil.der, &sha),
    )
    .unwrap();
    let before = std::fs::read(&bundle).unwrap();
    let o = tf(&state, &["undo", "--last"]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(o.stderr.contains("would trust again 1 certificate"), "{}", o.stderr);
    assert!(o.stderr.contains(&sha), "{}", o.stderr);
    assert_eq!(std::fs::read(&bundle).unwrap(), before);
    // --yes is the explicit consent.
    let o = tf(&state, &["undo", "--last", "--yes"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_eq!(set_of(&bundle).len(), 2);
}

/// Point 1: an entry whose SHA-256 is not its certificate's is not one
/// trustfix wrote.
#[test]
fn an_entry_that_does_not_prove_itself_is_refused() {
    let d = tmp();
    let state = d.path().join("state");
    std::fs::create_dir(&state).unwrap();
    let bundle = d.path().join("bundle.pem");
    let keep = Ca::root("Kept Root").unwrap();
    let other = Ca::root("Other Root").unwrap();
    write_pem(&bundle, &[&keep.der]);
    let keep_sha = Cert::from_der(&keep.der).unwrap().sha256_hex();
    let store = format!("ca-file:{}", bundle.display());
    // "add" of Kept Root's hash, carrying another certificate.
    std::fs::write(
        state.join("journal.jsonl"),
        entry("r1", "add", &store, &other.der, &keep_sha),
    )
    .unwrap();
    let o = tf(&state, &["undo", "r1"]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("journal.jsonl:1"), "{}", o.stderr);
    assert!(o.stderr.contains("nothing undone"), "{}", o.stderr);
    assert_eq!(set_of(&bundle).len(), 1);
}

/// Point 6: a damaged entry in the middle of a run: undo plans the whole
/// run first, names the entry (file and line) and applies nothing.
#[test]
fn a_damaged_journal_undoes_nothing_and_names_the_entry() {
    let l = Lab::new(false);
    let (root, sub) = (l.p("root.pem"), l.p("sub.pem"));
    let o = l.fix(&[
        "--cert",
        root.to_str().unwrap(),
        "--cert",
        sub.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let after_fix = set_of(&l.p("bundle.pem"));
    assert_eq!(after_fix.len(), 3);
    let jp = l.state().join("journal.jsonl");
    let text = std::fs::read_to_string(&jp).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    // Line 2 (the intermediate) loses its certificate.
    let mut v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    v["der"] = serde_json::Value::String("AAAA".into());
    std::fs::write(&jp, format!("{}\n{}\n", lines[0], v)).unwrap();
    let o = tf(&l.state(), &["undo", "--last"]);
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("journal.jsonl:2"), "{}", o.stderr);
    assert!(o.stderr.contains("nothing undone"), "{}", o.stderr);
    assert_eq!(set_of(&l.p("bundle.pem")), after_fix, "all or nothing");
    let _ = (&l.root, &l.sub);
}

/// Point 4: a subject holding a newline and a PEM block must not smuggle a
/// second root into a bundle. Checked with openssl as the referee.
#[test]
fn a_pem_block_in_a_subject_stays_a_comment() {
    let d = tmp();
    let hidden = Ca::root("Hidden Root").unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&hidden.der);
    let body: Vec<String> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let o_value = format!(
        "Evil\n-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        body.join("\n")
    );
    let mut p = pki::ca_params("Innocent Looking Root");
    p.distinguished_name.push(DnType::OrganizationName, o_value);
    let evil = Ca::self_signed(p).unwrap();
    let evil_file = d.path().join("evil.pem");
    write_pem(&evil_file, &[&evil.der]);
    let bundle = d.path().join("bundle.pem");
    let other = Ca::root("Unrelated Root").unwrap();
    write_pem(&bundle, &[&other.der]);
    let store = format!("ca-file:{}", bundle.display());
    let o = tf(
        &d.path().join("state"),
        &["import", evil_file.to_str().unwrap(), "--store", &store],
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let mut want = vec![
        Cert::from_der(&other.der).unwrap().sha256,
        Cert::from_der(&evil.der).unwrap().sha256,
    ];
    want.sort();
    assert_eq!(set_of(&bundle), want, "the trusted set is exactly the plan");
    let text = std::fs::read_to_string(&bundle).unwrap();
    assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 2, "{text}");
    // openssl, an independent reader, agrees.
    let s = Command::new("openssl")
        .args(["storeutl", "-noout", "-certs"])
        .arg(&bundle)
        .output()
        .unwrap();
    let so = String::from_utf8_lossy(&s.stdout);
    assert!(so.contains("Total found: 2"), "{so}");
    // Removing it leaves exactly the original.
    let sha = Cert::from_der(&evil.der).unwrap().sha256_hex();
    let o = tf(
        &d.path().join("state"),
        &["remove", "--sha256", &sha, "--store", &store],
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_eq!(
        set_of(&bundle),
        vec![Cert::from_der(&other.der).unwrap().sha256]
    );
}

/// Point 3: `import --alias ÄBC` next to an existing `äbc` would be a
/// duplicate for Java (which lower-cases aliases): refused, store intact.
#[test]
fn java_aliases_compare_case_insensitively_in_unicode() {
    let d = tmp();
    let a = Ca::root("Alias Root A").unwrap();
    let b = Ca::root("Alias Root B").unwrap();
    let mut j = trustfix::store::java::jks::Jks::new(false);
    j.add_trusted("äbc", &a.der, 1);
    let ks = d.path().join("trust.jks");
    std::fs::write(&ks, j.write("changeit")).unwrap();
    let bf = d.path().join("b.pem");
    write_pem(&bf, &[&b.der]);
    let before = std::fs::read(&ks).unwrap();
    let store = format!("java:{}", ks.display());
    let o = tf(
        &d.path().join("state"),
        &[
            "import",
            bf.to_str().unwrap(),
            "--store",
            &store,
            "--alias",
            "ÄBC",
        ],
    );
    assert_eq!(o.code, 3, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("already used"), "{}", o.stderr);
    assert_eq!(std::fs::read(&ks).unwrap(), before);
}

/// Point 13: non-hex UTF-8 of the right length is a usage error, not a panic.
#[test]
fn remove_with_non_hex_utf8_is_a_usage_error() {
    let d = tmp();
    let bundle = d.path().join("bundle.pem");
    write_pem(&bundle, &[&Ca::root("R").unwrap().der]);
    let store = format!("ca-file:{}", bundle.display());
    for bad in ["é".repeat(32), "ü".repeat(64), format!("{}é", "a".repeat(63))] {
        let o = tf(
            &d.path().join("state"),
            &["remove", "--sha256", &bad, "--store", &store],
        );
        assert_eq!(o.code, 3, "{bad}: {}", o.stderr);
        assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
        assert!(o.stderr.contains("expected 64 hex digits"), "{}", o.stderr);
    }
}

/// Point 5: two trustfix imports racing on one bundle: the advisory lock
/// serializes them, so both land and neither reports a conflict.
#[test]
fn concurrent_imports_both_land() {
    let d = tmp();
    let bundle = d.path().join("bundle.pem");
    let store = format!("ca-file:{}", bundle.display());
    let state = d.path().join("state");
    let mut files = Vec::new();
    for i in 0..2 {
        let f = d.path().join(format!("r{i}.pem"));
        write_pem(&f, &[&Ca::root(&format!("Race Root {i}")).unwrap().der]);
        files.push(f);
    }
    for round in 0..15 {
        write_pem(&bundle, &[&Ca::root("Base").unwrap().der]);
        let kids: Vec<_> = files
            .iter()
            .map(|f| {
                Command::new(bin())
                    .args(["import", f.to_str().unwrap(), "--store", &store])
                    .env("TRUSTFIX_STATE_DIR", &state)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for k in kids {
            let o = k.wait_with_output().unwrap();
            assert!(
                o.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        assert_eq!(set_of(&bundle).len(), 3, "round {round}");
    }
}
