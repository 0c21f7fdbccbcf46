//! Servers rustls cannot negotiate with — TLS 1.0 only, CBC only, static
//! RSA only, DHE only — played by real `openssl s_server` instances, each
//! sending an incomplete chain: the chain must be captured through the
//! legacy ClientHello and diagnosed exactly like a modern one. Also through
//! STARTTLS, with a scripted SMTP front that relays to s_server.

use crate::{common, support};

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;

use common::*;
use serde_json::Value;
use support::sserver::{self, SServer};
use support::*;

const HOST: &str = "legacy.example.test";

struct Pki {
    dir: tempfile::TempDir,
}

/// RSA root -> sub -> leaf made with openssl (s_server wants PEM files).
fn pki() -> Pki {
    let dir = tmp();
    let d = dir.path();
    std::fs::write(d.join("ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n").unwrap();
    std::fs::write(d.join("leaf.ext"), format!("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{HOST}\nauthorityKeyIdentifier=keyid\n")).unwrap();
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
            "/CN=Legacy Root",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "sub.key",
            "-subj",
            "/CN=Legacy Sub",
            "-out",
            "sub.csr",
        ],
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "sub.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "3650",
            "-extfile",
            "ca.ext",
            "-out",
            "sub.pem",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
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
            "sub.pem",
            "-CAkey",
            "sub.key",
            "-CAcreateserial",
            "-days",
            "365",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    openssl(
        d,
        &[
            "genpkey",
            "-genparam",
            "-algorithm",
            "DH",
            "-pkeyopt",
            "group:ffdhe2048",
            "-out",
            "dh.pem",
        ],
    );
    Pki { dir }
}

/// `openssl s_server` presenting only the leaf (the intermediate is missing).
fn s_server(k: &Pki, args: &[&str]) -> SServer {
    let mut all = vec!["-dhparam", "dh.pem"];
    all.extend_from_slice(args);
    sserver::start(k.dir.path(), "leaf.pem", "leaf.key", &all)
}

fn check(k: &Pki, port: u16, extra: &[&str]) -> (i32, Value) {
    let target = format!("{HOST}:{port}");
    let ca = k.dir.path().join("root.pem");
    let mut args = vec![
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--json",
        "--ca-file",
        ca.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = trustfix(&args);
    (out.code, out.json())
}

/// Captured via the legacy path and diagnosed like a modern chain.
fn assert_legacy(v: &Value, code: i32, protocol: &str, suite: &str) {
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["tls"]["legacy"], true, "{v}");
    assert_eq!(v["tls"]["protocol"], protocol);
    assert_eq!(v["tls"]["cipher_suite"], suite);
    assert_eq!(v["chain"].as_array().unwrap().len(), 1);
    assert_eq!(v["chain"][0]["subject"], format!("CN={HOST}"));
    let got = ids(v);
    assert!(got.contains(&"chain.incomplete".to_string()), "{got:?}");
    assert!(got.contains(&"tls.legacy_only".to_string()), "{got:?}");
    assert_eq!(
        finding(v, "chain.incomplete")["certificate"]["subject"],
        "CN=Legacy Sub"
    );
}

#[test]
fn tls10_only_server() {
    let k = pki();
    let s = s_server(&k, &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]);
    let (code, v) = check(&k, s.port, &[]);
    assert_legacy(&v, code, "TLSv1.0", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA");
    let f = finding(&v, "tls.legacy_only");
    assert!(f["clients"]["java"]
        .as_str()
        .unwrap()
        .starts_with("refused"));
}

#[test]
fn cbc_only_server_like_the_seed_exchange() {
    let k = pki();
    let s = s_server(&k, &["-tls1_2", "-cipher", "ECDHE-RSA-AES256-SHA384"]);
    let (code, v) = check(&k, s.port, &[]);
    assert_legacy(&v, code, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");
    // All three clients accept CBC on TLS 1.2; only rustls-style clients do not.
    let f = finding(&v, "tls.legacy_only");
    assert_eq!(f["clients"]["openssl"], "accepted");
}

#[test]
fn static_rsa_only_server() {
    let k = pki();
    let s = s_server(&k, &["-tls1_2", "-cipher", "AES256-SHA"]);
    let (code, v) = check(&k, s.port, &[]);
    assert_legacy(&v, code, "TLSv1.2", "TLS_RSA_WITH_AES_256_CBC_SHA");
}

#[test]
fn dhe_only_server() {
    let k = pki();
    let s = s_server(&k, &["-tls1_2", "-cipher", "DHE-RSA-AES256-GCM-SHA384"]);
    let (code, v) = check(&k, s.port, &[]);
    assert_legacy(&v, code, "TLSv1.2", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
}

#[test]
fn legacy_server_behind_smtp_starttls() {
    let k = pki();
    let s = s_server(&k, &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]);
    let backend = s.port;
    // A scripted SMTP front end; after "220 go ahead" it relays bytes to s_server.
    let front = trustfix::demo::server::spawn(move |mut c| {
        let mut r = BufReader::new(c.try_clone().unwrap());
        let mut line = String::new();
        let _ = c.write_all(b"220 legacy.example.test ESMTP\r\n");
        let _ = r.read_line(&mut line);
        let _ = c.write_all(b"250-legacy.example.test\r\n250 STARTTLS\r\n");
        line.clear();
        let _ = r.read_line(&mut line);
        let _ = c.write_all(b"220 2.0.0 Ready to start TLS\r\n");
        let Ok(b) = TcpStream::connect(("127.0.0.1", backend)) else {
            return;
        };
        let (mut c2, mut b2) = (c.try_clone().unwrap(), b.try_clone().unwrap());
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut b2, &mut c2);
        });
        let mut b = b;
        let _ = std::io::copy(&mut c, &mut b);
    })
    .unwrap();
    let (code, v) = check(&k, front.port(), &["--starttls", "smtp"]);
    assert_legacy(&v, code, "TLSv1.0", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA");
    assert_eq!(v["tls"]["starttls"], "smtp");
}
