//! `trustfix check` against real servers from Debian packages, each started
//! on loopback with a PKI generated for the run: Postfix (SMTP STARTTLS on a
//! 25-style and a 587-style listener, implicit TLS on a 465-style one),
//! Dovecot (IMAP and POP3, STARTTLS and implicit), OpenLDAP slapd (StartTLS
//! and ldaps), PostgreSQL (SSLRequest) and MariaDB (SSL request).
//! As root (CI) a missing server fails the test; otherwise it is skipped
//! with a message.
#![cfg(unix)]

use crate::{common, support};

use common::*;
use serde_json::Value;
use support::*;
use trustfix::demo::pki::Ca;

const HOST: &str = "server.example.test";

struct Pki {
    _dir: tempfile::TempDir,
    /// leaf + sub (a complete chain) and leaf only (incomplete).
    full: std::path::PathBuf,
    bare: std::path::PathBuf,
    key: std::path::PathBuf,
    root: String,
}

fn pki() -> Pki {
    let root = Ca::root("Real Server Root").unwrap();
    let sub = root.intermediate("Real Server Sub").unwrap();
    let leaf = sub.leaf(&[HOST]).unwrap();
    let dir = tmp();
    let full = p(dir.path(), "full.pem");
    let bare = p(dir.path(), "bare.pem");
    let key = p(dir.path(), "key.pem");
    let rootf = p(dir.path(), "root.pem");
    write_pem(&full, &[&leaf.der, &sub.der]);
    write_pem(&bare, &[&leaf.der]);
    write_pem(&rootf, &[&root.der]);
    write_key_pem(&key, &leaf.key_pkcs8);
    Pki {
        root: rootf.display().to_string(),
        _dir: dir,
        full,
        bare,
        key,
    }
}

/// Checks `url`, connecting to 127.0.0.1 and verifying HOST.
fn check(k: &Pki, url: &str) -> (i32, Value) {
    let out = trustfix([
        "check",
        url,
        "--connect",
        "127.0.0.1",
        "--ca-file",
        &k.root,
        "--json",
        "--timeout",
        "10",
    ]);
    let v = out.json();
    (out.code, v)
}

fn assert_trusted(v: &Value, code: i32, starttls: &str) {
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["tls"]["starttls"], starttls, "{v}");
    let chain = v["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2, "{v}");
    assert_eq!(chain[0]["subject"], format!("CN={HOST}"));
    assert_eq!(chain[1]["subject"], "CN=Real Server Sub");
}

#[test]
fn postfix_smtp_submission_and_smtps() {
    if !real_server("Postfix", postfix::available()) {
        return;
    }
    let k = pki();
    let pf = postfix::start(&k.full, &k.key).expect("start postfix");
    let (code, v) = check(&k, &format!("smtp://{HOST}:{}", pf.smtp_port));
    assert_trusted(&v, code, "smtp");
    let (code, v) = check(&k, &format!("submission://{HOST}:{}", pf.submission_port));
    assert_trusted(&v, code, "smtp");
    let (code, v) = check(&k, &format!("smtps://{HOST}:{}", pf.smtps_port));
    assert_trusted(&v, code, "none");
    // The same SMTP port named by --starttls instead of a URL.
    let target = format!("{HOST}:{}", pf.smtp_port);
    let out = trustfix([
        "check",
        &target,
        "--starttls",
        "smtp",
        "--connect",
        "127.0.0.1",
        "--ca-file",
        &k.root,
        "--json",
    ]);
    assert_trusted(&out.json(), out.code, "smtp");
}

#[test]
fn postfix_with_an_incomplete_chain_is_diagnosed() {
    if !real_server("Postfix", postfix::available()) {
        return;
    }
    let k = pki();
    let pf = postfix::start(&k.bare, &k.key).expect("start postfix");
    let (code, v) = check(&k, &format!("smtp://{HOST}:{}", pf.smtp_port));
    assert_eq!(code, 2, "{v}");
    assert_eq!(ids(&v), vec!["chain.incomplete"]);
    assert_eq!(
        finding(&v, "chain.incomplete")["certificate"]["subject"],
        "CN=Real Server Sub"
    );
}

#[test]
fn dovecot_imap_pop3_starttls_and_implicit() {
    if !real_server("Dovecot", dovecot::available()) {
        return;
    }
    let k = pki();
    let d = dovecot::start(&k.full, &k.key).expect("start dovecot");
    let (code, v) = check(&k, &format!("imap://{HOST}:{}", d.imap_port));
    assert_trusted(&v, code, "imap");
    let (code, v) = check(&k, &format!("imaps://{HOST}:{}", d.imaps_port));
    assert_trusted(&v, code, "none");
    let (code, v) = check(&k, &format!("pop3://{HOST}:{}", d.pop3_port));
    assert_trusted(&v, code, "pop3");
    let (code, v) = check(&k, &format!("pop3s://{HOST}:{}", d.pop3s_port));
    assert_trusted(&v, code, "none");
}

#[test]
fn slapd_starttls_and_ldaps() {
    if !real_server("OpenLDAP slapd", slapd::available()) {
        return;
    }
    let k = pki();
    let s = slapd::start(&k.full, &k.key).expect("start slapd");
    let (code, v) = check(&k, &format!("ldap://{HOST}:{}", s.ldap_port));
    assert_trusted(&v, code, "ldap");
    let (code, v) = check(&k, &format!("ldaps://{HOST}:{}", s.ldaps_port));
    assert_trusted(&v, code, "none");
}

#[test]
fn postgresql_sslrequest() {
    if !real_server("PostgreSQL", postgres::available()) {
        return;
    }
    let k = pki();
    let pg = postgres::start(&k.full, &k.key).expect("start postgres");
    let (code, v) = check(&k, &format!("postgres://{HOST}:{}", pg.port));
    assert_trusted(&v, code, "postgres");
}

#[test]
fn mariadb_ssl_request() {
    if !real_server("MariaDB", mariadb::available()) {
        return;
    }
    let k = pki();
    let m = mariadb::start(&k.full, &k.key).expect("start mariadb");
    let (code, v) = check(&k, &format!("mysql://{HOST}:{}", m.port));
    assert_trusted(&v, code, "mysql");
}
