//! `trustfix preflight` through the real binary against loopback servers:
//! a good chain, a broken one (intermediate not sent), one expiring soon,
//! an SMTP STARTTLS fake and a closed port, with a PKI made per run.

use crate::{common, support};

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, ToSocketAddrs};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};

use common::*;
use serde_json::Value;
use support::*;
use trustfix::demo::pki::{leaf_params, valid_days, Ca};
use trustfix::demo::server::{config, handshake_on, serve, spawn};

const HOST: &str = "preflight.test";

struct Lab {
    dir: tempfile::TempDir,
    root: String,
    good: u16,
    broken: u16,
    expiring: u16,
    smtp: u16,
    closed: u16,
}

/// One PKI and one set of servers for every test of this file.
fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| {
        let root = Ca::root("Preflight Root").unwrap();
        let sub = root.intermediate("Preflight Sub").unwrap();
        let leaf = sub.leaf(&[HOST, "localhost", "127.0.0.1"]).unwrap();
        let mut p = leaf_params(&[HOST, "localhost", "127.0.0.1"]);
        valid_days(&mut p, -1, 10);
        let soon = sub.issue(p).unwrap();
        let dir = tmp();
        let root_pem = dir.path().join("root.pem");
        write_pem(&root_pem, &[&root.der]);
        let good = serve(
            vec![leaf.der.clone(), sub.der.clone()],
            leaf.key_pkcs8.clone(),
        )
        .unwrap()
        .port();
        let broken = serve(vec![leaf.der.clone()], leaf.key_pkcs8.clone())
            .unwrap()
            .port();
        let expiring = serve(vec![soon.der.clone(), sub.der.clone()], soon.key_pkcs8)
            .unwrap()
            .port();
        let cfg = config(
            vec![leaf.der.clone(), sub.der.clone()],
            leaf.key_pkcs8.clone(),
            rustls::ALL_VERSIONS,
            Vec::new(),
        )
        .unwrap();
        let smtp = smtp_server(cfg);
        let closed = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        Lab {
            root: root_pem.display().to_string(),
            dir,
            good,
            broken,
            expiring,
            smtp,
            closed,
        }
    })
}

/// A scripted SMTP server: greeting, EHLO with STARTTLS, then TLS.
fn smtp_server(cfg: Arc<rustls::ServerConfig>) -> u16 {
    spawn(move |mut s| {
        let mut r = BufReader::new(s.try_clone().unwrap());
        let _ = s.write_all(b"220 preflight.test ESMTP\r\n");
        loop {
            let mut l = String::new();
            if r.read_line(&mut l).unwrap_or(0) == 0 {
                return;
            }
            let cmd = l.trim().to_ascii_uppercase();
            if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                let _ = s.write_all(b"250-preflight.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
            } else if cmd == "STARTTLS" {
                let _ = s.write_all(b"220 2.0.0 Ready to start TLS\r\n");
                let _ = handshake_on(cfg.clone(), &mut s);
                return;
            } else if cmd == "QUIT" {
                let _ = s.write_all(b"221 bye\r\n");
                return;
            } else {
                let _ = s.write_all(b"502 5.5.2 unknown command\r\n");
            }
        }
    })
    .unwrap()
    .port()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// An endpoint table for a loopback port, verified as `preflight.test`.
fn ep(label: &str, port: u16, extra: &str) -> String {
    format!(
        "[[endpoint]]\nlabel = \"{label}\"\ntarget = \"{HOST}:{port}\"\nconnect = \"127.0.0.1\"\n{extra}\n"
    )
}

fn mixed_file(l: &Lab) -> String {
    format!(
        "# a deployment\n[defaults]\nstore = \"ca-file:{}\"\ntimeout = 3\n\n{}{}{}{}",
        l.root,
        ep("good", l.good, "expected = \"trusted\""),
        ep("broken", l.broken, ""),
        ep("relay", l.smtp, "starttls = \"smtp\""),
        ep("closed", l.closed, "timeout = 2"),
    )
}

fn verdicts(v: &Value) -> Vec<(String, String, Vec<String>)> {
    v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["label"].as_str().unwrap().to_string(),
                e["verdict"].as_str().unwrap().to_string(),
                ids(&e["result"]),
            )
        })
        .collect()
}

fn trustfix_stdin(args: &[&str], input: &str) -> Out {
    let start = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    Out::of(format!("trustfix {args:?} <stdin"), start.elapsed(), o)
}

/// A small XML well-formedness check: balanced tags, quoted attributes,
/// known entities only. python3's parser is asked as well when present.
fn assert_well_formed_xml(path: &str) {
    let x = std::fs::read_to_string(path).unwrap();
    let body = x
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .expect("XML declaration");
    let entities_ok = |s: &str| {
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            rest = &rest[i + 1..];
            let end = rest.find(';').expect("entity ends with ;");
            let name = &rest[..end];
            assert!(
                ["amp", "lt", "gt", "quot", "apos"].contains(&name) || name.starts_with('#'),
                "unknown entity &{name};"
            );
        }
    };
    let mut stack: Vec<String> = Vec::new();
    let mut rest = body;
    let mut roots = 0;
    while let Some(i) = rest.find('<') {
        let text = &rest[..i];
        assert!(!text.contains('>'), "stray > in text");
        entities_ok(text);
        if stack.is_empty() {
            assert!(text.trim().is_empty(), "text outside the root element");
        }
        let end = rest[i..].find('>').expect("tag closes") + i;
        let tag = &rest[i + 1..end];
        assert!(!tag.contains('<'), "< inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "unbalanced </{name}>"
            );
        } else {
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let name = tag.split_whitespace().next().expect("tag name");
            let mut attrs = tag[name.len()..].trim();
            while !attrs.is_empty() {
                let (k, v) = attrs.split_once("=\"").expect("attribute name=\"value\"");
                assert!(!k.trim().is_empty() && !k.trim().contains(' '), "{k}");
                let close = v.find('"').expect("attribute value closes");
                entities_ok(&v[..close]);
                attrs = v[close + 1..].trim_start();
            }
            if stack.is_empty() {
                roots += 1;
            }
            if !self_closing {
                stack.push(name.to_string());
            }
        }
        rest = &rest[end + 1..];
    }
    assert!(
        rest.trim().is_empty() && stack.is_empty(),
        "unclosed {stack:?}"
    );
    assert_eq!(roots, 1, "one root element");
    if let Ok(o) = Command::new("python3")
        .args([
            "-c",
            "import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])",
            path,
        ])
        .output()
    {
        assert!(
            o.status.success(),
            "python3 rejects the XML: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // The structure CI servers read (tests/data/junit.xsd), by xmllint
    // (package libxml2-utils; the README test command installs it).
    let xsd = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/junit.xsd");
    match Command::new("xmllint")
        .args(["--noout", "--schema", xsd, path])
        .output()
    {
        Ok(o) => assert!(
            o.status.success(),
            "xmllint: the JUnit XML does not validate: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) if !support::is_root() => {
            eprintln!("SKIPPED the JUnit schema check: no xmllint (libxml2-utils)")
        }
        Err(e) => panic!("xmllint (libxml2-utils): {e}; the README test command installs it"),
    }
}

#[test]
fn mixed_endpoints_json_junit_and_worst_exit() {
    let l = lab();
    let file = write(l.dir.path(), "mixed.toml", &mixed_file(l));
    let junit = l.dir.path().join("mixed.xml").display().to_string();
    let out = trustfix(["preflight", &file, "--json", "--junit", &junit]);
    let v = out.json();
    // The rejected endpoint outranks the closed port (CRITICAL over UNKNOWN).
    assert_eq!(
        out.code, 2,
        "the rejected endpoint is the worst: {}",
        out.stdout
    );
    assert_eq!(v["exit_code"], 2);
    assert_eq!(v["schema"], 1);
    assert_eq!(v["command"], "preflight");
    assert_eq!(v["sources"][0], file.as_str());
    assert_eq!(v["stores_loaded"], 1, "one store for four endpoints");
    assert_eq!(v["stores"][0]["endpoints"], 4);
    assert_eq!(v["stores"][0]["anchors"], 1);
    let eps = v["endpoints"].as_array().unwrap();
    assert_eq!(eps.len(), 4);
    let labels: Vec<&str> = eps.iter().map(|e| e["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["good", "broken", "relay", "closed"], "file order");
    // Every result is a full check document.
    for e in eps {
        let r = &e["result"];
        assert_eq!(r["schema"], 1);
        assert_eq!(r["command"], "check");
        assert_eq!(r["verdict"], e["verdict"]);
        assert_eq!(r["target"]["servername"], HOST);
        assert!(r["findings"].is_array() && r["chain"].is_array());
        assert!(e["source"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{file}:")));
    }
    let good = &eps[0];
    assert_eq!(good["verdict"], "trusted");
    assert_eq!(good["expected"], "trusted");
    assert_eq!(good["passed"], true);
    assert_eq!(good["exit_code"], 0);
    assert_eq!(good["result"]["path"]["status"], "trusted");
    assert!(good["days_left"].as_i64().unwrap() >= 363);
    let broken = &eps[1];
    assert_eq!(broken["verdict"], "rejected");
    assert_eq!(broken["exit_code"], 2);
    assert_eq!(broken["first_finding"], "chain.incomplete");
    assert_eq!(broken["result"]["findings"][0]["id"], "chain.incomplete");
    let relay = &eps[2];
    assert_eq!(relay["verdict"], "trusted", "{relay}");
    assert_eq!(relay["result"]["tls"]["starttls"], "smtp");
    let closed = &eps[3];
    assert_eq!(closed["verdict"], "error");
    assert_eq!(closed["result"]["error"]["phase"], "connect");
    assert_eq!(closed["days_left"], Value::Null);
    assert_eq!(v["summary"]["endpoints"], 4);
    assert_eq!(v["summary"]["trusted"], 2);
    assert_eq!(v["summary"]["rejected"], 1);
    assert_eq!(v["summary"]["error"], 1);
    assert_eq!(v["summary"]["failed"], 2);

    assert_well_formed_xml(&junit);
    let x = std::fs::read_to_string(&junit).unwrap();
    assert!(x.contains("tests=\"4\" failures=\"1\" errors=\"1\""), "{x}");
    assert_eq!(x.matches("<testcase ").count(), 4);
    let broken_case = &x[x.find("name=\"broken\"").unwrap()..];
    let broken_case = &broken_case[..broken_case.find("</testcase>").unwrap()];
    assert!(
        broken_case.contains("<failure type=\"rejected\""),
        "{broken_case}"
    );
    assert!(broken_case.contains("chain.incomplete"));
    assert!(broken_case.contains("fix: "));
    let closed_case = &x[x.find("name=\"closed\"").unwrap()..];
    assert!(
        closed_case.contains("<error type=\"connect\""),
        "{closed_case}"
    );
}

#[test]
fn text_table_without_progress_when_piped() {
    let l = lab();
    let file = write(l.dir.path(), "table.toml", &mixed_file(l));
    let out = trustfix(["preflight", &file]);
    assert_eq!(out.code, 2);
    let head = out.stdout.lines().next().unwrap();
    for col in ["ENDPOINT", "VERDICT", "FIRST FINDING", "DAYS"] {
        assert!(head.contains(col), "{head}");
    }
    let row = |label: &str| {
        out.stdout
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no row {label}:\n{}", out.stdout))
            .to_string()
    };
    assert!(row("good").contains("trusted"));
    assert!(row("broken").contains("rejected") && row("broken").contains("chain.incomplete"));
    assert!(row("closed").contains("error") && row("closed").contains("connect"));
    assert!(out.stdout.contains("4 endpoints in "), "{}", out.stdout);
    assert!(
        out.stdout.contains("1 load (each loaded once)"),
        "{}",
        out.stdout
    );
    assert!(!out.stderr.contains('\r'), "no progress bar when piped");
    assert!(!out.stdout.contains('\r'));
}

#[test]
fn exit_code_is_the_worst_endpoints() {
    let l = lab();
    let store = format!("[defaults]\nstore = \"ca-file:{}\"\n", l.root);
    let cases = [
        (vec![("good", l.good)], 0),
        (vec![("good", l.good), ("soon", l.expiring)], 1),
        (
            vec![("soon", l.expiring), ("broken", l.broken), ("good", l.good)],
            2,
        ),
        (vec![("good", l.good), ("closed", l.closed)], 3),
        // Rejected outranks could-not-check, as CRITICAL outranks UNKNOWN.
        (
            vec![
                ("closed", l.closed),
                ("broken", l.broken),
                ("soon", l.expiring),
            ],
            2,
        ),
        (vec![("soon", l.expiring), ("closed", l.closed)], 3),
    ];
    for (i, (eps, code)) in cases.iter().enumerate() {
        let mut text = store.clone();
        for (label, port) in eps {
            text.push_str(&ep(label, *port, "timeout = 2"));
        }
        let file = write(l.dir.path(), &format!("worst{i}.toml"), &text);
        let out = trustfix(["preflight", &file, "--json"]);
        assert_eq!(out.code, *code, "{eps:?}: {}", out.stdout);
        assert_eq!(out.json()["exit_code"], *code);
    }
}

#[test]
fn expected_verdict_decides_pass_or_fail() {
    let l = lab();
    let file = write(
        l.dir.path(),
        "expect.toml",
        &format!(
            "[defaults]\nstore = \"ca-file:{}\"\n{}{}",
            l.root,
            ep("known-broken", l.broken, "expected = \"rejected\""),
            ep("must-be-broken", l.good, "expected = \"rejected\""),
        ),
    );
    let junit = l.dir.path().join("expect.xml").display().to_string();
    let out = trustfix(["preflight", &file, "--json", "--junit", &junit]);
    let v = out.json();
    assert_eq!(out.code, 2, "a mismatch fails: {}", out.stdout);
    let eps = v["endpoints"].as_array().unwrap();
    assert_eq!(eps[0]["verdict"], "rejected");
    assert_eq!(eps[0]["passed"], true, "rejected as expected");
    assert_eq!(eps[0]["exit_code"], 0);
    assert_eq!(eps[1]["verdict"], "trusted");
    assert_eq!(eps[1]["passed"], false);
    assert_eq!(eps[1]["exit_code"], 2);
    assert_eq!(v["summary"]["expected_mismatches"], 1);
    assert_well_formed_xml(&junit);
    let x = std::fs::read_to_string(&junit).unwrap();
    assert!(
        x.contains("<failure type=\"expected\" message=\"expected rejected, got trusted"),
        "{x}"
    );
    let text = trustfix(["preflight", &file]);
    assert!(
        text.stdout.contains("trusted (expected rejected)"),
        "{}",
        text.stdout
    );
}

#[test]
fn targets_from_stdin() {
    let l = lab();
    let input = format!(
        "# one per line\n127.0.0.1:{}\n\nhttps://127.0.0.1:{}/\n",
        l.good, l.broken
    );
    let out = trustfix_stdin(
        &[
            "preflight",
            "--targets",
            "-",
            "--ca-file",
            &l.root,
            "--json",
        ],
        &input,
    );
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(v["sources"][0], "<stdin>");
    let got = verdicts(&v);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, format!("127.0.0.1:{}", l.good));
    assert_eq!(got[0].1, "trusted");
    assert_eq!(got[1].1, "rejected");
    assert_eq!(v["endpoints"][1]["source"], "<stdin>:4");
    // A bad line names its line.
    let bad = trustfix_stdin(&["preflight", "--targets", "-"], "ok.example\nnot a host\n");
    assert_eq!(bad.code, 3);
    assert!(bad.stderr.contains("<stdin>:2: "), "{}", bad.stderr);
}

#[test]
fn file_errors_name_the_file_and_line() {
    let l = lab();
    let cases = [
        (
            "syntax.toml",
            "[[endpoint]]\ntarget = \"a:1\"\nlabel = \"x\n",
            ":3:",
            "",
        ),
        (
            "field.toml",
            "[[endpoint]]\ntarget = \"a:1\"\n\nstroe = \"system\"\n",
            ":4:",
            "unknown field `stroe`",
        ),
        (
            "store.toml",
            "[defaults]\nstore = \"nope\"\n[[endpoint]]\ntarget = \"a:1\"\n",
            ":2:",
            "unknown store kind",
        ),
        (
            "target.toml",
            "[[endpoint]]\ntarget = \"a:1\"\n[[endpoint]]\ntarget = \"gopher://x\"\n",
            ":4:",
            "unknown scheme",
        ),
        (
            "expected.toml",
            "[[endpoint]]\ntarget = \"a:1\"\nexpected = \"ok\"\n",
            ":3:",
            "expected trusted, warning, rejected or error",
        ),
        (
            "empty.toml",
            "# nothing here\n",
            "empty.toml: no endpoints",
            "no endpoints",
        ),
    ];
    for (name, text, at, what) in cases {
        let file = write(l.dir.path(), name, text);
        let out = trustfix(["preflight", &file]);
        assert_eq!(out.code, 3, "{name}");
        assert_eq!(out.stderr.lines().count(), 1, "{name}: {}", out.stderr);
        assert!(
            out.stderr.starts_with(&format!("trustfix: {file}")) && out.stderr.contains(at),
            "{name}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(what), "{name}: {}", out.stderr);
        assert!(out.stdout.is_empty());
        let j = trustfix(["preflight", &file, "--json"]);
        assert_eq!(j.json()["error"]["phase"], "usage");
    }
    let missing = trustfix(["preflight", "/nonexistent/preflight.toml"]);
    assert_eq!(missing.code, 3);
    assert!(missing.stderr.contains("/nonexistent/preflight.toml"));
}

#[test]
fn each_store_is_loaded_once() {
    let l = lab();
    // The same CA file spelled two ways, and the system store.
    let rel = "root.pem";
    let text = format!(
        "[defaults]\nstore = \"ca-file:{}\"\ntimeout = 2\n{}{}{}{}{}",
        l.root,
        ep("a", l.good, ""),
        ep("b", l.broken, ""),
        ep("c", l.good, &format!("store = \"ca-file:{rel}\"")),
        ep("d", l.good, "store = \"system\""),
        ep("e", l.expiring, "store = \"system\""),
    );
    let file = write(l.dir.path(), "stores.toml", &text);
    let out = trustfix(["preflight", &file, "--json"]);
    let v = out.json();
    assert_eq!(v["stores_loaded"], 2, "{}", v["stores"]);
    let stores = v["stores"].as_array().unwrap();
    assert_eq!(stores.len(), 2);
    assert_eq!(stores[0]["endpoints"], 3);
    assert_eq!(stores[1]["spec"], "system");
    assert_eq!(stores[1]["endpoints"], 2);
    let got = verdicts(&v);
    assert_eq!(
        got[2].1, "trusted",
        "relative path resolved beside the file"
    );
    assert_eq!(got[3].1, "rejected", "the system store lacks the test root");
}

#[test]
fn one_job_gives_the_same_results_as_many() {
    let l = lab();
    let mut text = format!("[defaults]\nstore = \"ca-file:{}\"\ntimeout = 2\n", l.root);
    for i in 0..3 {
        text.push_str(&ep(&format!("good{i}"), l.good, ""));
        text.push_str(&ep(&format!("broken{i}"), l.broken, ""));
        text.push_str(&ep(&format!("soon{i}"), l.expiring, ""));
        text.push_str(&ep(&format!("relay{i}"), l.smtp, "starttls = \"smtp\""));
    }
    text.push_str(&ep("closed", l.closed, ""));
    let file = write(l.dir.path(), "jobs.toml", &text);
    let one = trustfix(["preflight", &file, "--json", "--jobs", "1"]);
    let many = trustfix(["preflight", &file, "--json"]);
    let (v1, vn) = (one.json(), many.json());
    assert_eq!(v1["jobs"], 1);
    assert!(vn["jobs"].as_u64().unwrap() >= 16);
    assert_eq!(verdicts(&v1), verdicts(&vn));
    assert_eq!(verdicts(&v1).len(), 13);
    assert_eq!(one.code, many.code);
    assert_eq!(one.code, 2);
    let bad = trustfix(["preflight", &file, "--jobs", "0"]);
    assert_eq!(bad.code, 3);
    assert!(
        bad.stderr.contains("'--jobs <N>': must be 1 to 256"),
        "{bad:?}"
    );
    // The command line takes the file's warn_days range, by the same rule.
    let far = trustfix(["preflight", &file, "--warn-days", "36501"]);
    assert_eq!(far.code, 3);
    assert!(far.stderr.contains("must be 0 to 36500"), "{far:?}");
}

#[test]
fn resolve_all_checks_every_address() {
    let l = lab();
    let mut want: Vec<std::net::IpAddr> = ("localhost", l.good)
        .to_socket_addrs()
        .unwrap()
        .map(|a| a.ip())
        .collect();
    want.sort();
    want.dedup();
    let text = format!(
        "[[endpoint]]\nlabel = \"lb\"\ntarget = \"localhost:{}\"\nstore = \"ca-file:{}\"\ntimeout = 2\n",
        l.good, l.root
    );
    let file = write(l.dir.path(), "resolve.toml", &text);
    let out = trustfix(["preflight", &file, "--resolve-all", "--json"]);
    let v = out.json();
    let eps = v["endpoints"].as_array().unwrap();
    assert_eq!(eps.len(), want.len(), "{}", out.stdout);
    assert_eq!(v["names_resolved"], 1);
    let v4 = eps
        .iter()
        .find(|e| e["label"] == "lb [127.0.0.1]")
        .unwrap_or_else(|| panic!("no 127.0.0.1 member: {}", out.stdout));
    assert_eq!(v4["verdict"], "trusted");
    assert_eq!(v4["address"], format!("127.0.0.1:{}", l.good));
    // Without --resolve-all: one check of the name.
    let one = trustfix(["preflight", &file, "--json"]);
    assert_eq!(one.json()["endpoints"].as_array().unwrap().len(), 1);
}

#[test]
fn the_example_file_parses() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/preflight.toml");
    let mut plan = trustfix::preflight::Plan::default();
    let src = std::fs::read_to_string(example).unwrap();
    trustfix::preflight::parse_file(
        example,
        &src,
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples")),
        &trustfix::preflight::Base::default(),
        &mut plan,
    )
    .unwrap();
    assert!(plan.endpoints.len() >= 4);
}

/// `--at`: the same good endpoint, judged on a day after its expiry.
#[test]
fn at_judges_every_endpoint_at_the_given_time() {
    let l = lab();
    let text = format!(
        "[defaults]\nstore = \"ca-file:{}\"\n{}",
        l.root,
        ep("good", l.good, "timeout = 2")
    );
    let file = write(l.dir.path(), "at.toml", &text);
    let now = trustfix(["preflight", &file, "--json"]);
    assert_eq!(now.code, 0, "{}", now.stdout);
    let later = trustfix(["preflight", &file, "--json", "--at", "2099-01-01"]);
    assert_eq!(later.code, 2, "{}", later.stdout);
    let v = later.json();
    let result = &v["endpoints"][0]["result"];
    assert_eq!(result["judged_at"], "2099-01-01 00:00:00 UTC", "{v}");
    assert!(ids(result).contains(&"cert.expired".to_string()), "{v}");
}
