//! Every diagnosis of `trustfix check` against real TLS servers on loopback
//! with a fresh PKI, through the real binary, with `openssl verify` as the
//! referee: trustfix must reject exactly when OpenSSL does.

use crate::{common, support};

use common::*;
use rcgen::{BasicConstraints, ExtendedKeyUsagePurpose, IsCa};
use serde_json::Value;
use support::*;
use trustfix::demo::pki::{self, Ca, Leaf};
use trustfix::demo::server;

const HOST: &str = "mail.example.test";

struct Outcome {
    code: i32,
    json: Value,
    ids: Vec<String>,
    openssl_ok: bool,
}

/// Serves `sent` on loopback, checks it against a CA file holding `store`,
/// and asks openssl for its verdict on the same chain.
fn run(sent: Vec<Vec<u8>>, key: Vec<u8>, store: &[&[u8]], name: &str) -> Outcome {
    run_with(sent, key, store, name, &[])
}

fn run_with(
    sent: Vec<Vec<u8>>,
    key: Vec<u8>,
    store: &[&[u8]],
    name: &str,
    extra: &[&str],
) -> Outcome {
    let dir = tmp();
    let ca = p(dir.path(), "store.pem");
    write_pem(&ca, store);
    let addr = server::serve(sent.clone(), key).expect("loopback server");
    let target = format!("{name}:{}", addr.port());
    let mut args = vec!["check", &target, "--connect", "127.0.0.1", "--ca-file"];
    let ca_s = ca.to_string_lossy().into_owned();
    args.push(&ca_s);
    args.push("--json");
    args.extend_from_slice(extra);
    let out = trustfix(&args);
    let json = out.json();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["exit_code"], out.code, "exit code and JSON agree");
    let openssl_ok = openssl_accepts(dir.path(), &sent, store, Some(name));
    let o = Outcome {
        code: out.code,
        ids: ids(&json),
        json,
        openssl_ok,
    };
    // The referee: a chain trustfix calls rejected is one OpenSSL refuses, and
    // one trustfix accepts (with or without warnings) OpenSSL accepts.
    assert_eq!(
        o.code != 2,
        o.openssl_ok,
        "trustfix exit {} vs openssl accepts={} for findings {:?}",
        o.code,
        o.openssl_ok,
        o.ids
    );
    o
}

struct Pki {
    root: Ca,
    sub: Ca,
    leaf: Leaf,
}

fn pki() -> Pki {
    let root = Ca::root("Test Root CA").unwrap();
    let sub = root.intermediate("Test Subordinate CA").unwrap();
    let leaf = sub.leaf(&[HOST]).unwrap();
    Pki { root, sub, leaf }
}

#[test]
fn good_chain_without_root_is_trusted() {
    let k = pki();
    let o = run(
        vec![k.leaf.der.clone(), k.sub.der.clone()],
        k.leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 0, "{:?}", o.ids);
    assert_eq!(o.json["verdict"], "trusted");
    assert!(o.ids.is_empty(), "{:?}", o.ids);
    let path = &o.json["path"];
    assert_eq!(path["status"], "trusted");
    assert_eq!(path["certificates"][2]["origin"], "store");
    assert_eq!(path["certificates"][1]["origin"], "server");
    assert_eq!(o.json["tls"]["protocol"], "TLSv1.3");
}

#[test]
fn good_chain_with_root_sent_is_trusted_with_info() {
    let k = pki();
    let o = run(
        vec![k.leaf.der.clone(), k.sub.der.clone(), k.root.der.clone()],
        k.leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 0);
    assert_eq!(o.ids, vec!["chain.extra"]);
    assert_eq!(finding(&o.json, "chain.extra")["severity"], "info");
}

#[test]
fn cross_signed_alternative_is_found_from_either_root() {
    let old = Ca::root("Old Root R1").unwrap();
    let new = Ca::root("New Root R2").unwrap();
    let cross = old.cross_sign(&new, pki::ca_params("New Root R2")).unwrap();
    let sub = new.intermediate("Issuing CA").unwrap();
    let leaf = sub.leaf(&[HOST]).unwrap();
    let sent = vec![leaf.der.clone(), sub.der.clone(), cross.clone()];
    // A modern store: the short path through R2 wins; the cross-cert is only an alternative.
    let o = run(sent.clone(), leaf.key_pkcs8.clone(), &[&new.der], HOST);
    assert_eq!(o.code, 0, "{:?}", o.ids);
    assert_eq!(o.json["path"]["certificates"].as_array().unwrap().len(), 3);
    assert_eq!(finding(&o.json, "chain.extra")["severity"], "info");
    assert!(!o.json["alternatives"].as_array().unwrap().is_empty());
    // An old store that only has R1: the path goes through the cross-certificate.
    let o = run(sent, leaf.key_pkcs8.clone(), &[&old.der], HOST);
    assert_eq!(o.code, 0, "{:?}", o.ids);
    let certs = o.json["path"]["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 4);
    assert_eq!(certs[3]["subject"], "CN=Old Root R1");
}

#[test]
fn missing_intermediate_is_named() {
    let k = pki();
    let o = run(
        vec![k.leaf.der.clone()],
        k.leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 2);
    assert_eq!(o.json["verdict"], "rejected");
    assert_eq!(o.ids, vec!["chain.incomplete"]);
    let f = finding(&o.json, "chain.incomplete");
    assert_eq!(f["certificate"]["subject"], "CN=Test Subordinate CA");
    assert!(f["certificate"]["sha256"].is_null());
    assert!(f["clients"]["dotnet"]
        .as_str()
        .unwrap()
        .contains("PartialChain"));
    assert!(f["clients"]["java"]
        .as_str()
        .unwrap()
        .contains("PKIX path building failed"));
    assert!(f["clients"]["openssl"].as_str().unwrap().contains("num=20"));
    assert_eq!(o.json["path"]["status"], "incomplete");
    assert_eq!(o.json["path"]["certificates"][1]["origin"], "missing");
}

#[test]
fn untrusted_root_is_told_apart_from_missing_intermediate() {
    let k = pki();
    let other = Ca::root("Some Other Root").unwrap();
    let o = run(
        vec![k.leaf.der.clone(), k.sub.der.clone(), k.root.der.clone()],
        k.leaf.key_pkcs8.clone(),
        &[&other.der],
        HOST,
    );
    assert_eq!(o.code, 2);
    assert_eq!(o.ids, vec!["chain.untrusted_root"]);
    let f = finding(&o.json, "chain.untrusted_root");
    assert_eq!(f["certificate"]["depth"], 2);
    assert!(f["clients"]["dotnet"]
        .as_str()
        .unwrap()
        .contains("UntrustedRoot"));
    assert!(f["fix"].as_str().unwrap().contains("LocalMachine\\Root"));
}

#[test]
fn self_signed_server_certificate() {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = pki::leaf_params(&[HOST]).self_signed(&key).unwrap();
    let other = Ca::root("Some Other Root").unwrap();
    let o = run(
        vec![cert.der().to_vec()],
        key.serialize_der(),
        &[&other.der],
        HOST,
    );
    assert_eq!(o.code, 2);
    assert_eq!(o.ids, vec!["chain.self_signed"]);
    assert!(finding(&o.json, "chain.self_signed")["fix"]
        .as_str()
        .unwrap()
        .contains("renewal"));
}

#[test]
fn expired_leaf_and_expired_intermediate() {
    let k = pki();
    let mut params = pki::leaf_params(&[HOST]);
    pki::valid_days(&mut params, -400, -35);
    let leaf = k.sub.issue(params).unwrap();
    let o = run(
        vec![leaf.der.clone(), k.sub.der.clone()],
        leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 2);
    assert_eq!(o.ids, vec!["cert.expired"]);
    let f = finding(&o.json, "cert.expired");
    assert_eq!(f["certificate"]["depth"], 0);
    assert!(f["message"].as_str().unwrap().contains("days ago"));
    assert!(f["clients"]["dotnet"]
        .as_str()
        .unwrap()
        .contains("NotTimeValid"));

    let mut sub_params = pki::ca_params("Expired Sub CA");
    pki::valid_days(&mut sub_params, -400, -2);
    let sub = k.root.sub_ca(sub_params).unwrap();
    let leaf = sub.leaf(&[HOST]).unwrap();
    let o = run(
        vec![leaf.der.clone(), sub.der.clone()],
        leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 2);
    assert_eq!(finding(&o.json, "cert.expired")["certificate"]["depth"], 1);
}

#[test]
fn not_yet_valid_leaf() {
    let k = pki();
    let mut params = pki::leaf_params(&[HOST]);
    pki::valid_days(&mut params, 5, 300);
    let leaf = k.sub.issue(params).unwrap();
    let o = run(
        vec![leaf.der.clone(), k.sub.der.clone()],
        leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 2);
    assert_eq!(o.ids, vec!["cert.not_yet_valid"]);
}

#[test]
fn expiring_soon_is_a_warning_and_warn_days_moves_it() {
    let k = pki();
    let mut params = pki::leaf_params(&[HOST]);
    pki::valid_days(&mut params, -1, 10);
    let leaf = k.sub.issue(params).unwrap();
    let sent = vec![leaf.der.clone(), k.sub.der.clone()];
    let o = run(sent.clone(), leaf.key_pkcs8.clone(), &[&k.root.der], HOST);
    assert_eq!(o.code, 1);
    assert_eq!(o.json["verdict"], "warning");
    assert_eq!(o.ids, vec!["cert.expiring_soon"]);
    let o = run_with(
        sent,
        leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
        &["--warn-days", "5"],
    );
    assert_eq!(o.code, 0, "{:?}", o.ids);
}

#[test]
fn name_mismatch_lists_covered_names() {
    let k = pki();
    let o = run(
        vec![k.leaf.der.clone(), k.sub.der.clone()],
        k.leaf.key_pkcs8.clone(),
        &[&k.root.der],
        "wrong.example.test",
    );
    assert_eq!(o.code, 2);
    assert_eq!(o.ids, vec!["name.mismatch"]);
    let f = finding(&o.json, "name.mismatch");
    assert!(f["message"].as_str().unwrap().contains(HOST));
    assert!(f["clients"]["java"]
        .as_str()
        .unwrap()
        .contains("No subject alternative DNS name"));
}

#[test]
fn wildcard_covers_one_label_and_ip_sans_match_ip_targets() {
    let k = pki();
    let leaf = k.sub.leaf(&["*.example.test", "127.0.0.1"]).unwrap();
    let sent = vec![leaf.der.clone(), k.sub.der.clone()];
    let o = run(
        sent.clone(),
        leaf.key_pkcs8.clone(),
        &[&k.root.der],
        "www.example.test",
    );
    assert_eq!(o.code, 0, "{:?}", o.ids);
    let o = run(
        sent.clone(),
        leaf.key_pkcs8.clone(),
        &[&k.root.der],
        "a.b.example.test",
    );
    assert_eq!(o.ids, vec!["name.mismatch"]);
    let o = run(sent, leaf.key_pkcs8.clone(), &[&k.root.der], "127.0.0.1");
    assert_eq!(o.code, 0, "{:?}", o.ids);
}

#[test]
fn broken_signature_is_reported() {
    let k = pki();
    let mut leaf = k.leaf.der.clone();
    let last = leaf.len() - 1;
    leaf[last] ^= 0x01;
    let o = run(
        vec![leaf, k.sub.der.clone()],
        k.leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 2);
    assert!(o.ids.contains(&"sig.invalid".to_string()), "{:?}", o.ids);
    assert_eq!(finding(&o.json, "sig.invalid")["certificate"]["depth"], 0);
}

#[test]
fn issuer_that_is_not_a_ca() {
    let k = pki();
    let fake = k
        .sub
        .sub_ca(pki::leaf_params(&["not-a-ca.example.test"]))
        .unwrap();
    let leaf = fake.leaf(&[HOST]).unwrap();
    let o = run(
        vec![leaf.der.clone(), fake.der.clone(), k.sub.der.clone()],
        leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 2);
    assert!(o.ids.contains(&"cert.not_ca".to_string()), "{:?}", o.ids);
    assert_eq!(finding(&o.json, "cert.not_ca")["certificate"]["depth"], 1);
}

#[test]
fn path_length_constraint_violated() {
    let root = Ca::root("PathLen Root").unwrap();
    let mut p0 = pki::ca_params("PathLen Zero CA");
    p0.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let ca0 = root.sub_ca(p0).unwrap();
    let ca1 = ca0.intermediate("Below PathLen Zero CA").unwrap();
    let leaf = ca1.leaf(&[HOST]).unwrap();
    let o = run(
        vec![leaf.der.clone(), ca1.der.clone(), ca0.der.clone()],
        leaf.key_pkcs8.clone(),
        &[&root.der],
        HOST,
    );
    assert_eq!(o.code, 2);
    let f = finding(&o.json, "cert.not_ca");
    assert_eq!(f["certificate"]["depth"], 2);
    assert!(f["clients"]["openssl"].as_str().unwrap().contains("num=25"));
}

#[test]
fn leaf_without_server_auth() {
    let k = pki();
    let mut params = pki::leaf_params(&[HOST]);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let leaf = k.sub.issue(params).unwrap();
    let o = run(
        vec![leaf.der.clone(), k.sub.der.clone()],
        leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 2);
    assert_eq!(o.ids, vec!["eku.no_server_auth"]);
}

#[test]
fn out_of_order_and_unrelated_certificates_warn() {
    let k = pki();
    let o = run(
        vec![k.leaf.der.clone(), k.root.der.clone(), k.sub.der.clone()],
        k.leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 1, "{:?}", o.ids);
    assert!(o.ids.contains(&"chain.order".to_string()), "{:?}", o.ids);

    let stranger = Ca::root("Unrelated CA").unwrap();
    let o = run(
        vec![k.leaf.der.clone(), k.sub.der.clone(), stranger.der.clone()],
        k.leaf.key_pkcs8.clone(),
        &[&k.root.der],
        HOST,
    );
    assert_eq!(o.code, 1, "{:?}", o.ids);
    let f = finding(&o.json, "chain.extra");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["certificate"]["subject"], "CN=Unrelated CA");
}

/// A PKI made with the openssl command: rcgen cannot sign with SHA-1 or make RSA keys.
struct WeakPki {
    dir: tempfile::TempDir,
}

impl WeakPki {
    fn new() -> WeakPki {
        let w = WeakPki { dir: tmp() };
        let d = w.dir.path();
        std::fs::write(
            d.join("ca.ext"),
            "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
        )
        .unwrap();
        std::fs::write(
            d.join("leaf.ext"),
            format!("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{HOST}\nauthorityKeyIdentifier=keyid\n"),
        )
        .unwrap();
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
                "/CN=Weak Test Root",
                "-days",
                "3650",
                "-sha256",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        openssl(
            d,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "leaf.key",
            ],
        );
        // rustls wants PKCS#8 DER.
        openssl(
            d,
            &[
                "pkcs8",
                "-topk8",
                "-nocrypt",
                "-in",
                "leaf.key",
                "-outform",
                "DER",
                "-out",
                "leaf.key.der",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-key",
                "leaf.key",
                "-subj",
                &format!("/CN={HOST}"),
                "-out",
                "leaf.csr",
            ],
        );
        w
    }

    fn path(&self, f: &str) -> std::path::PathBuf {
        self.dir.path().join(f)
    }

    fn der(&self, f: &str) -> Vec<u8> {
        read_pem_der(&self.path(f))
    }

    fn key(&self) -> Vec<u8> {
        std::fs::read(self.path("leaf.key.der")).unwrap()
    }
}

#[test]
fn sha1_signature_is_weak() {
    let w = WeakPki::new();
    let d = w.dir.path();
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "365",
            "-sha1",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf-sha1.pem",
        ],
    );
    let root = w.der("root.pem");
    let o = run(vec![w.der("leaf-sha1.pem")], w.key(), &[&root], HOST);
    assert_eq!(o.code, 2, "{:?}", o.ids);
    assert_eq!(o.ids, vec!["sig.weak"]);
    assert!(finding(&o.json, "sig.weak")["message"]
        .as_str()
        .unwrap()
        .contains("sha1WithRSAEncryption"));
}

#[test]
fn rsa_1024_intermediate_is_a_weak_key() {
    let w = WeakPki::new();
    let d = w.dir.path();
    openssl(
        d,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-keyout",
            "sub.key",
            "-subj",
            "/CN=Weak 1024 Sub",
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
            "365",
            "-sha256",
            "-extfile",
            "ca.ext",
            "-out",
            "sub.pem",
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
            "300",
            "-sha256",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    let root = w.der("root.pem");
    let o = run(
        vec![w.der("leaf.pem"), w.der("sub.pem")],
        w.key(),
        &[&root],
        HOST,
    );
    assert_eq!(o.code, 2, "{:?}", o.ids);
    let f = finding(&o.json, "key.weak");
    assert_eq!(f["certificate"]["depth"], 1);
    assert!(f["message"].as_str().unwrap().contains("RSA-1024"));
    assert!(f["clients"]["openssl"].as_str().unwrap().contains("num=67"));
}

#[test]
fn tls12_server_and_stapled_ocsp_are_recorded() {
    let k = pki();
    let staple = b"not really an OCSP response".to_vec();
    let addr = server::serve_with(
        vec![k.leaf.der.clone(), k.sub.der.clone()],
        k.leaf.key_pkcs8.clone(),
        &[&rustls::version::TLS12],
        staple.clone(),
    )
    .unwrap();
    let dir = tmp();
    let ca = p(dir.path(), "store.pem");
    write_pem(&ca, &[&k.root.der]);
    let target = format!("{HOST}:{}", addr.port());
    let out = trustfix([
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--ca-file",
        ca.to_str().unwrap(),
        "--json",
    ]);
    let v = out.json();
    assert_eq!(out.code, 0, "{v}");
    assert_eq!(v["tls"]["protocol"], "TLSv1.2");
    assert!(v["tls"]["cipher_suite"]
        .as_str()
        .unwrap()
        .starts_with("TLS_ECDHE_"));
    use base64::Engine;
    let got = base64::engine::general_purpose::STANDARD
        .decode(v["tls"]["ocsp_stapled"].as_str().expect("staple recorded"))
        .unwrap();
    assert_eq!(got, staple);
}
