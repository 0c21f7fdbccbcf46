//! A real trustfix.exe under Wine 8.0 against Windows' own crypt32: its
//! LocalMachine/CurrentUser Root and CA stores (kept in the prefix's
//! registry) and its chain engine. Every step is checked by
//! wincrypt-referee (CertGetCertificateChain and the stores as crypt32 sees
//! them), never by trustfix alone; TLS peers are `openssl s_server` on
//! 127.0.0.1 with PKIs made per run. Regression tests for issue 15's bugs:
//! 1 (`--store windows` read CurrentUser), 2 (the physical store was
//! dropped), 3 (deletes were not committed nor verified), 4 (a CurrentUser
//! import named the wrong store).

use crate::{common, support};

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use support::wine::{trustfix_dotnet, wine, Referee, Wine};
use support::*;
use trustfix::demo::pki::{self, Ca};

const NAME: &str = "exchange01.int.contoso.com";

/// Root -> Subordinate -> leaf, as PEM files in a temp dir; CNs carry a
/// tag so the PKIs of different tests never meet in the shared stores.
struct Pki {
    dir: tempfile::TempDir,
    root: Ca,
    sub: Ca,
}

/// Whether Wine 8.0's crypt32 can verify this certificate's ECDSA P-256
/// signature: it rejects valid signatures whose r or s is shorter than 32
/// bytes (about 1 in 128; seen here with openssl- and rcgen-made ones,
/// which Windows and `openssl verify` accept). Test PKIs avoid them, so a
/// Wine bug never passes for a trustfix one.
fn wine_verifiable(der: &[u8]) -> bool {
    let Ok((_, c)) = x509_parser::parse_x509_certificate(der) else {
        return false;
    };
    let sig: &[u8] = &c.signature_value.data;
    // SEQUENCE { INTEGER r, INTEGER s }, short lengths only for P-256.
    let full = |b: &[u8]| -> Option<(usize, usize)> {
        if b.first() != Some(&0x02) {
            return None;
        }
        let len = *b.get(1)? as usize;
        let v = b.get(2..2 + len)?;
        let v = v.strip_prefix(&[0u8]).unwrap_or(v);
        Some((v.len(), 2 + len))
    };
    if sig.first() != Some(&0x30) || sig.len() < 2 {
        return false;
    }
    let body = &sig[2..];
    let Some((r, used)) = full(body) else {
        return false;
    };
    matches!((r, full(&body[used..])), (32, Some((32, _))))
}

/// `make` again until Wine can verify what it made (see [`wine_verifiable`]).
fn for_wine<T>(what: &str, make: impl Fn() -> T, der: impl Fn(&T) -> &[u8]) -> T {
    for _ in 0..64 {
        let t = make();
        if wine_verifiable(der(&t)) {
            return t;
        }
    }
    panic!("{what}: no Wine-verifiable signature in 64 tries");
}

impl Pki {
    fn new(tag: &str) -> Pki {
        let dir = tmp();
        let root = for_wine(
            "root",
            || Ca::root(&format!("Contoso Offline Root CA {tag}")).expect("root"),
            |c| &c.der,
        );
        let sub = for_wine(
            "sub",
            || {
                root.intermediate(&format!("Contoso Subordinate CA {tag}"))
                    .expect("sub")
            },
            |c| &c.der,
        );
        write_pem(&dir.path().join("root.pem"), &[&root.der]);
        write_pem(&dir.path().join("sub.pem"), &[&sub.der]);
        Pki { dir, root, sub }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A server certificate for [`NAME`] and 127.0.0.1 from the subordinate
    /// CA, written as `NAME.pem` / `NAME.key`; `days`: validity.
    fn leaf(&self, file: &str, days: (i64, i64), break_signature: bool) -> Vec<u8> {
        let leaf = for_wine(
            "leaf",
            || {
                let mut params = pki::leaf_params(&[NAME, "127.0.0.1"]);
                pki::valid_days(&mut params, days.0, days.1);
                self.sub.issue(params).expect("leaf")
            },
            |l| &l.der,
        );
        let mut der = leaf.der.clone();
        if break_signature {
            // The last byte of an ECDSA signature's s: still DER, no longer valid.
            if let Some(b) = der.last_mut() {
                *b ^= 0x01;
            }
        }
        write_pem(&self.path(&format!("{file}.pem")), &[&der]);
        write_key_pem(&self.path(&format!("{file}.key")), &leaf.key_pkcs8);
        der
    }

    /// The chain a server sends, as one PEM file (the referee's input).
    fn sent(&self, file: &str, ders: &[&[u8]]) -> PathBuf {
        let p = self.path(file);
        write_pem(&p, ders);
        p
    }
}

/// `openssl s_server` on a free 127.0.0.1 port, killed on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(k: &Pki, leaf: &str, chain: Option<&Path>) -> Server {
    for _ in 0..3 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut cmd = Command::new("openssl");
        cmd.current_dir(k.dir.path())
            .args(["s_server", "-quiet", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .args([
                "-cert",
                &format!("{leaf}.pem"),
                "-key",
                &format!("{leaf}.key"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(c) = chain {
            cmd.arg("-cert_chain").arg(c);
        }
        let child = cmd.spawn().expect("openssl s_server (package openssl)");
        let mut s = Server { child, port };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return s;
            }
            if let Ok(Some(_)) = s.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("openssl s_server did not start");
}

fn check(w: &Wine, port: u16, name: &str, store: &str) -> (i32, Value) {
    let target = format!("https://127.0.0.1:{port}");
    let o = w.trustfix(&[
        "check",
        &target,
        "--servername",
        name,
        "--store",
        store,
        "--json",
    ]);
    assert!(
        (0..=2).contains(&o.code),
        "check {store} exited {}: {}",
        o.code,
        o.stderr
    );
    (o.code, o.json())
}

/// The heart of the suite: what trustfix's .NET line claims must be what
/// the machine chain engine reports, token for token, and the verdicts
/// must agree.
fn assert_matches_referee(case: &str, code: i32, v: &Value, r: &Referee) {
    assert_eq!(
        trustfix_dotnet(v),
        r.dotnet(),
        "{case}: trustfix's .NET lines {:?} vs the Windows chain engine\n{}\nfindings: {}",
        v["findings"].as_array().map(|a| a
            .iter()
            .map(|f| f["clients"]["dotnet"].clone())
            .collect::<Vec<_>>()),
        r.raw,
        v["findings"]
    );
    assert_eq!(
        code < 2,
        r.accepts(),
        "{case}: trustfix exit {code}, referee:\n{}",
        r.raw
    );
}

/// trustfix's own platform_verdict must carry what the referee saw.
fn assert_platform_verdict(case: &str, v: &Value, r: &Referee, engine: &str) {
    let p = &v["platform_verdict"];
    assert_eq!(p["os"], "windows", "{case}: {p}");
    assert!(
        p["engine"].as_str().unwrap_or_default().contains(engine),
        "{case}: {p}"
    );
    let flags: Vec<String> = p["flags"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        flags, r.flags,
        "{case}: platform_verdict {p}\nreferee:\n{}",
        r.raw
    );
    assert_eq!(p["policy"], r.policy.as_str(), "{case}: {p}");
    assert_eq!(p["trusted"], r.accepts(), "{case}: {p}");
    assert_eq!(p["agrees"], true, "{case}: {p}");
}

/// One `check --store windows` scenario: set up, serve, check, referee.
struct Case<'a> {
    name: &'a str,
    pki: &'a Pki,
    leaf: &'a str,
    /// What the server sends besides the leaf.
    chain: Vec<&'a [u8]>,
    leaf_der: Vec<u8>,
    servername: &'a str,
    /// The referee's dwErrorStatus flags this scenario is built to produce.
    expect: &'a [&'a str],
    expect_policy: &'a str,
}

fn run_case(w: &Wine, c: &Case) -> Value {
    let rest = (!c.chain.is_empty()).then(|| c.pki.sent(&format!("{}-rest.pem", c.leaf), &c.chain));
    let mut all: Vec<&[u8]> = vec![&c.leaf_der];
    all.extend(c.chain.iter().copied());
    let sent = c.pki.sent(&format!("{}-sent.pem", c.leaf), &all);
    let s = serve(c.pki, c.leaf, rest.as_deref());
    let r = w.verify(&sent, c.servername, "machine");
    assert_eq!(
        r.flags, c.expect,
        "{}: the scenario itself:\n{}",
        c.name, r.raw
    );
    assert_eq!(
        r.policy, c.expect_policy,
        "{}: the scenario itself:\n{}",
        c.name, r.raw
    );
    let (code, v) = check(w, s.port, c.servername, "windows");
    assert_matches_referee(c.name, code, &v, &r);
    assert_platform_verdict(c.name, &v, &r, "HCCE_LOCAL_MACHINE");
    v
}

/// Path certificate at `depth` of a check report.
fn at_depth(v: &Value, depth: usize) -> &Value {
    &v["path"]["certificates"][depth]
}

#[test]
fn check_against_the_machine_chain_engine() {
    let Some((_g, w)) = wine("check_against_the_machine_chain_engine") else {
        return;
    };
    // Root unknown to Windows: leaf + subordinate sent (the seed case).
    let unknown = Pki::new("unknown");
    let leaf = unknown.leaf("leaf", (-1, 365), false);
    run_case(
        w,
        &Case {
            name: "leaf + intermediate sent, root untrusted",
            pki: &unknown,
            leaf: "leaf",
            chain: vec![&unknown.sub.der],
            leaf_der: leaf.clone(),
            servername: NAME,
            expect: &["IS_PARTIAL_CHAIN"],
            expect_policy: "OK", // Wine: the SSL policy passes partial chains
        },
    );
    // show: the same chain from a file, the same second opinion.
    let file = unknown.sent("show.pem", &[&leaf, &unknown.sub.der]);
    let o = w.trustfix(&[
        "show",
        &file.to_string_lossy(),
        "--store",
        "windows",
        "--servername",
        NAME,
        "--json",
    ]);
    assert_eq!(o.code, 2, "show: {}{}", o.stdout, o.stderr);
    let r = w.verify(&file, NAME, "machine");
    assert_matches_referee("show, root untrusted", o.code, &o.json(), &r);
    assert_platform_verdict("show, root untrusted", &o.json(), &r, "HCCE_LOCAL_MACHINE");
    // The server sends its root too: now the engine sees it, untrusted.
    run_case(
        w,
        &Case {
            name: "root sent, untrusted",
            pki: &unknown,
            leaf: "leaf",
            chain: vec![&unknown.sub.der, &unknown.root.der],
            leaf_der: leaf,
            servername: NAME,
            expect: &["IS_UNTRUSTED_ROOT"],
            expect_policy: "CERT_E_UNTRUSTEDROOT",
        },
    );

    // Root in LocalMachine\Root.
    let trusted = Pki::new("trusted");
    w.store("add", "machine", "Root", &trusted.path("root.pem"));
    let leaf = trusted.leaf("leaf", (-1, 365), false);
    let v = run_case(
        w,
        &Case {
            name: "root trusted",
            pki: &trusted,
            leaf: "leaf",
            chain: vec![&trusted.sub.der],
            leaf_der: leaf.clone(),
            servername: NAME,
            expect: &[],
            expect_policy: "OK",
        },
    );
    // Bug 2: the report names the physical store of the anchor.
    assert_eq!(
        at_depth(&v, 2)["store_location"],
        "LocalMachine\\Root",
        "{}",
        v["path"]
    );
    run_case(
        w,
        &Case {
            name: "wrong name",
            pki: &trusted,
            leaf: "leaf",
            chain: vec![&trusted.sub.der],
            leaf_der: leaf,
            servername: "mail.contoso.com",
            expect: &[],
            expect_policy: "CERT_E_CN_NO_MATCH",
        },
    );
    let expired = trusted.leaf("expired", (-30, -1), false);
    run_case(
        w,
        &Case {
            name: "expired leaf",
            pki: &trusted,
            leaf: "expired",
            chain: vec![&trusted.sub.der],
            leaf_der: expired,
            servername: NAME,
            expect: &["IS_NOT_TIME_VALID"],
            expect_policy: "CERT_E_EXPIRED",
        },
    );
    let bad = trusted.leaf("badsig", (-1, 365), true);
    run_case(
        w,
        &Case {
            name: "bad signature",
            pki: &trusted,
            leaf: "badsig",
            chain: vec![&trusted.sub.der],
            leaf_der: bad,
            servername: NAME,
            expect: &["IS_NOT_SIGNATURE_VALID"],
            expect_policy: "TRUST_E_CERT_SIGNATURE",
        },
    );

    // Intermediate not sent, but in LocalMachine\CA: Windows completes the chain.
    let in_ca = Pki::new("in-ca");
    w.store("add", "machine", "Root", &in_ca.path("root.pem"));
    w.store("add", "machine", "CA", &in_ca.path("sub.pem"));
    let leaf = in_ca.leaf("leaf", (-1, 365), false);
    let v = run_case(
        w,
        &Case {
            name: "intermediate not sent, in LocalMachine\\CA",
            pki: &in_ca,
            leaf: "leaf",
            chain: vec![],
            leaf_der: leaf,
            servername: NAME,
            expect: &[],
            expect_policy: "OK",
        },
    );
    assert_eq!(
        at_depth(&v, 1)["store_location"],
        "LocalMachine\\CA",
        "{}",
        v["path"]
    );
    assert_eq!(at_depth(&v, 1)["origin"], "store", "{}", v["path"]);
}

/// Bug 1: a root only in CurrentUser\Root is not trusted by the machine
/// engine (what a service uses), so `--store windows` must not trust it;
/// `--store windows:user` (the user's engine) does.
#[test]
fn root_only_in_current_user_root() {
    let Some((_g, w)) = wine("root_only_in_current_user_root") else {
        return;
    };
    let k = Pki::new("current-user");
    w.store("add", "user", "Root", &k.path("root.pem"));
    assert!(!w.has("machine", "Root", &k.path("root.pem")));
    let leaf = k.leaf("leaf", (-1, 365), false);
    let v = run_case(
        w,
        &Case {
            name: "root only in CurrentUser\\Root, machine engine",
            pki: &k,
            leaf: "leaf",
            chain: vec![&k.sub.der],
            leaf_der: leaf.clone(),
            servername: NAME,
            expect: &["IS_PARTIAL_CHAIN"],
            expect_policy: "OK",
        },
    );
    assert_eq!(
        v["store"]["label"], "Windows LocalMachine certificate stores",
        "{}",
        v["store"]
    );

    // The user's engine trusts it, and so does trustfix with scope user.
    let rest = k.sent("user-rest.pem", &[&k.sub.der]);
    let sent = k.sent("user-sent.pem", &[&leaf, &k.sub.der]);
    let s = serve(&k, "leaf", Some(&rest));
    let r = w.verify(&sent, NAME, "user");
    assert!(r.accepts(), "user engine:\n{}", r.raw);
    let (code, v) = check(w, s.port, NAME, "windows:user");
    assert_matches_referee("root only in CurrentUser\\Root, user engine", code, &v, &r);
    assert_platform_verdict("user engine", &v, &r, "HCCE_CURRENT_USER");
    assert_eq!(
        at_depth(&v, 2)["store_location"],
        "CurrentUser\\Root",
        "{}",
        v["path"]
    );
}

fn listing(w: &Wine, store: &str) -> Vec<Value> {
    let o = w.trustfix(&["store", "list", "--store", store, "--json"]);
    assert_eq!(o.code, 0, "store list {store}: {}", o.stderr);
    o.json()["entries"].as_array().cloned().unwrap_or_default()
}

/// SHA-1s of the entries whose location names `loc` (a certificate in
/// several stores lists them all).
fn at(entries: &[Value], loc: &str) -> Vec<String> {
    let mut v: Vec<String> = entries
        .iter()
        .filter(|e| {
            e["location"]
                .as_str()
                .is_some_and(|l| l.split(", ").any(|x| x == loc))
        })
        .filter_map(|e| e["sha1"].as_str().map(String::from))
        .collect();
    v.sort();
    v
}

/// `store list` per scope, Root and CA separately, against crypt32's own
/// listing (bugs 1 and 2), and `store find` naming the physical store.
#[test]
fn store_list_per_scope_and_store() {
    let Some((_g, w)) = wine("store_list_per_scope_and_store") else {
        return;
    };
    let k = Pki::new("listing");
    let user_root = Ca::root("Contoso User Root CA listing").expect("root");
    let user_sub = user_root
        .intermediate("Contoso User Sub CA listing")
        .expect("sub");
    write_pem(&k.path("user-root.pem"), &[&user_root.der]);
    write_pem(&k.path("user-sub.pem"), &[&user_sub.der]);
    w.store("add", "machine", "Root", &k.path("root.pem"));
    w.store("add", "machine", "CA", &k.path("sub.pem"));
    w.store("add", "user", "Root", &k.path("user-root.pem"));
    w.store("add", "user", "CA", &k.path("user-sub.pem"));
    let thumb = |der: &[u8]| {
        trustfix::cert::Cert::from_der(der)
            .expect("parses")
            .thumbprint()
    };

    let machine = listing(w, "windows");
    assert_eq!(
        at(&machine, "LocalMachine\\Root"),
        w.list("machine", "Root")
    );
    assert_eq!(at(&machine, "LocalMachine\\CA"), w.list("machine", "CA"));
    assert!(at(&machine, "LocalMachine\\CA").contains(&thumb(&k.sub.der)));
    // Nothing of CurrentUser in the machine's view (bug 1).
    assert!(
        machine.iter().all(|e| !e["location"]
            .as_str()
            .unwrap_or_default()
            .contains("CurrentUser")),
        "{machine:?}"
    );
    for e in &machine {
        let want = if e["location"].as_str().unwrap_or_default().contains("Root") {
            "anchor"
        } else {
            "intermediate"
        };
        assert_eq!(e["kind"], want, "{e}");
    }

    // The user's view: its own stores plus the machine's, each where it is.
    let user = listing(w, "windows:user");
    let mut user_root_view = at(&user, "LocalMachine\\Root");
    user_root_view.extend(at(&user, "CurrentUser\\Root"));
    user_root_view.sort();
    user_root_view.dedup();
    assert_eq!(user_root_view, w.list("user", "Root"));
    // What CurrentUser shows beyond LocalMachine is CurrentUser's own.
    let own = |st: &str| -> Vec<String> {
        let machine = w.list("machine", st);
        w.list("user", st)
            .into_iter()
            .filter(|t| !machine.contains(t))
            .collect()
    };
    assert_eq!(at(&user, "CurrentUser\\Root"), own("Root"));
    assert_eq!(at(&user, "CurrentUser\\CA"), own("CA"));
    assert!(at(&user, "CurrentUser\\Root").contains(&thumb(&user_root.der)));
    assert!(at(&user, "CurrentUser\\CA").contains(&thumb(&user_sub.der)));
    assert!(at(&user, "LocalMachine\\CA").contains(&thumb(&k.sub.der)));

    // store find names the physical store.
    let o = w.trustfix(&[
        "store",
        "find",
        "Contoso Subordinate CA listing",
        "--store",
        "windows",
        "--json",
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let m = &o.json()["matches"][0];
    assert_eq!(m["location"], "LocalMachine\\CA", "{m}");
    let o = w.trustfix(&[
        "store",
        "find",
        "Contoso User Root CA listing",
        "--store",
        "windows",
    ]);
    assert_eq!(o.code, 1, "not in the machine's stores: {}", o.stdout);
    let o = w.trustfix(&[
        "store",
        "find",
        "Contoso User Root CA listing",
        "--store",
        "windows:user",
    ]);
    assert_eq!(o.code, 0, "{}", o.stdout);
    assert!(o.stdout.contains("CurrentUser\\Root"), "{}", o.stdout);
}

/// Whether import/remove take `--yes` (builds that confirm on a terminal
/// and refuse to write without one need it; older builds reject it).
fn edit(w: &Wine, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    // No terminal under the test: import and remove need --yes.
    all.extend(["--yes", "--json"]);
    let o = w.trustfix(&all);
    assert_eq!(o.code, 0, "{args:?}: {}{}", o.stdout, o.stderr);
    o.json()
}

fn sha256_of(der: &[u8]) -> String {
    trustfix::cert::Cert::from_der(der)
        .expect("parses")
        .sha256_hex()
}

/// import (root -> LocalMachine\Root, intermediate -> LocalMachine\CA),
/// idempotence, remove (bug 3: committed and verified), each checked by
/// the referee.
#[test]
fn import_and_remove_in_local_machine() {
    let Some((_g, w)) = wine("import_and_remove_in_local_machine") else {
        return;
    };
    let k = Pki::new("import");
    let (root, sub) = (k.path("root.pem"), k.path("sub.pem"));
    let root_s = root.to_string_lossy().into_owned();
    let sub_s = sub.to_string_lossy().into_owned();

    let v = edit(w, &["import", &root_s, "--store", "windows"]);
    assert_eq!(v["changed"], true, "{v}");
    assert!(w.has("machine", "Root", &root));
    assert!(!w.has("machine", "CA", &root));
    let v = edit(w, &["import", &sub_s, "--store", "windows"]);
    assert_eq!(v["changed"], true, "{v}");
    assert!(w.has("machine", "CA", &sub));
    assert!(!w.has("machine", "Root", &sub));

    // Idempotence: nothing changes, crypt32's listing neither.
    let before = w.list("machine", "Root");
    let v = edit(w, &["import", &root_s, "--store", "windows"]);
    assert_eq!(v["changed"], false, "{v}");
    assert_eq!(v["changes"][0]["action"], "present", "{v}");
    assert_eq!(w.list("machine", "Root"), before);

    // Remove: gone for crypt32 too, from a fresh process (bug 3).
    let v = edit(
        w,
        &[
            "remove",
            "--sha256",
            &sha256_of(&k.root.der),
            "--store",
            "windows",
        ],
    );
    assert_eq!(v["changed"], true, "{v}");
    assert!(
        !w.has("machine", "Root", &root),
        "remove left the root in LocalMachine\\Root"
    );
    let v = edit(
        w,
        &[
            "remove",
            "--sha256",
            &sha256_of(&k.sub.der),
            "--store",
            "windows",
        ],
    );
    assert_eq!(v["changed"], true, "{v}");
    assert!(
        !w.has("machine", "CA", &sub),
        "remove left the intermediate in LocalMachine\\CA"
    );
    let v = edit(
        w,
        &[
            "remove",
            "--sha256",
            &sha256_of(&k.sub.der),
            "--store",
            "windows",
        ],
    );
    assert_eq!(v["changed"], false, "{v}");
    assert_eq!(v["changes"][0]["action"], "absent", "{v}");
}

/// CurrentUser scope: writes CurrentUser only; its guard never deletes the
/// machine's copy through the CurrentUser view; an import of a root that
/// is only in LocalMachine\Root names LocalMachine\Root (bug 4).
#[test]
fn current_user_scope_and_its_guard() {
    let Some((_g, w)) = wine("current_user_scope_and_its_guard") else {
        return;
    };
    let k = Pki::new("scope");
    let root = k.path("root.pem");
    let root_s = root.to_string_lossy().into_owned();

    let v = edit(
        w,
        &["import", &root_s, "--store", "windows", "--scope", "user"],
    );
    assert_eq!(v["changed"], true, "{v}");
    assert!(w.has("user", "Root", &root));
    assert!(
        !w.has("machine", "Root", &root),
        "a CurrentUser import reached LocalMachine"
    );
    let v = edit(
        w,
        &[
            "remove",
            "--sha256",
            &sha256_of(&k.root.der),
            "--store",
            "windows:user",
        ],
    );
    assert_eq!(v["changed"], true, "{v}");
    assert!(
        !w.has("user", "Root", &root),
        "remove left the root in CurrentUser\\Root"
    );

    // Only in LocalMachine\Root (put there by the referee).
    let m = Pki::new("machine-only");
    let mroot = m.path("root.pem");
    let mroot_s = mroot.to_string_lossy().into_owned();
    w.store("add", "machine", "Root", &mroot);
    let v = edit(w, &["import", &mroot_s, "--store", "windows:user"]);
    assert_eq!(v["changed"], false, "{v}");
    assert_eq!(v["changes"][0]["action"], "present", "{v}");
    let loc = v["changes"][0]["location"].as_str().unwrap_or_default();
    assert!(loc.contains("LocalMachine\\Root"), "bug 4: {v}");
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("already present in LocalMachine\\\\Root"),
        "bug 4: {notes}"
    );
    assert!(
        !notes.contains("already present in CurrentUser"),
        "bug 4: {notes}"
    );

    // The guard: removing through CurrentUser leaves the machine's copy.
    let v = edit(
        w,
        &[
            "remove",
            "--sha256",
            &sha256_of(&m.root.der),
            "--store",
            "windows:user",
        ],
    );
    assert_eq!(v["changed"], false, "{v}");
    assert!(
        v["notes"]
            .to_string()
            .contains("remove it with the LocalMachine scope"),
        "{v}"
    );
    assert!(
        w.has("machine", "Root", &mroot),
        "the guard let the machine's copy go"
    );
    w.store("del", "machine", "Root", &mroot);
}

/// `fix --store windows --yes`, then `undo`, each verified by the machine
/// chain engine and crypt32's store.
#[test]
fn fix_then_undo() {
    let Some((_g, w)) = wine("fix_then_undo") else {
        return;
    };
    let k = Pki::new("fix");
    let leaf = k.leaf("leaf", (-1, 365), false);
    let rest = k.sent("rest.pem", &[&k.sub.der]);
    let sent = k.sent("sent.pem", &[&leaf, &k.sub.der]);
    let root = k.path("root.pem");
    let s = serve(&k, "leaf", Some(&rest));
    let target = format!("https://127.0.0.1:{}", s.port);
    assert_eq!(w.verify(&sent, NAME, "machine").flags, ["IS_PARTIAL_CHAIN"]);

    let o = w.trustfix(&[
        "fix",
        &target,
        "--servername",
        NAME,
        "--store",
        "windows",
        "--cert",
        &root.to_string_lossy(),
        "--yes",
    ]);
    assert!(
        o.code < 2,
        "fix exited {}:\n{}{}",
        o.code,
        o.stdout,
        o.stderr
    );
    assert!(
        w.has("machine", "Root", &root),
        "fix: root not in LocalMachine\\Root:\n{}",
        o.stdout
    );
    let r = w.verify(&sent, NAME, "machine");
    assert!(r.accepts(), "after fix, the machine engine:\n{}", r.raw);
    let (code, v) = check(w, s.port, NAME, "windows");
    assert_matches_referee("after fix", code, &v, &r);

    let o = w.trustfix(&["undo", "--last"]);
    assert_eq!(o.code, 0, "undo:\n{}{}", o.stdout, o.stderr);
    assert!(
        !w.has("machine", "Root", &root),
        "undo left the root:\n{}",
        o.stdout
    );
    let r = w.verify(&sent, NAME, "machine");
    assert_eq!(r.flags, ["IS_PARTIAL_CHAIN"], "after undo:\n{}", r.raw);
    let (code, v) = check(w, s.port, NAME, "windows");
    assert_matches_referee("after undo", code, &v, &r);
}

/// Why the PKIs above go through [`for_wine`]: Wine's crypt32 rejects a
/// valid signature with a short r or s, which `openssl verify` accepts. If
/// a later Wine fixes this, the test says so and the filter can go.
#[test]
fn wine_rejects_short_ecdsa_signatures() {
    let Some((_g, w)) = wine("wine_rejects_short_ecdsa_signatures") else {
        return;
    };
    let dir = tmp();
    let root = for_wine(
        "root",
        || Ca::root("Short Sig Root CA").expect("root"),
        |c| &c.der,
    );
    let short = (0..4000)
        .map(|_| root.leaf(&[NAME]).expect("leaf"))
        .find(|l| !wine_verifiable(&l.der))
        .expect("a short r or s within 4000 signatures (about 1 in 128)");
    let chain = dir.path().join("short.pem");
    write_pem(&chain, &[&short.der, &root.der]);
    assert!(
        openssl_accepts(
            dir.path(),
            std::slice::from_ref(&short.der),
            &[&root.der],
            None
        ),
        "openssl verify rejects it too: not the Wine bug"
    );
    let r = w.verify(&chain, NAME, "machine");
    assert!(
        r.flags.iter().any(|f| f == "IS_NOT_SIGNATURE_VALID"),
        "Wine now verifies short ECDSA signatures; drop for_wine:\n{}",
        r.raw
    );
}
