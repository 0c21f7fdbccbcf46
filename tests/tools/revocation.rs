//! Revocation with real referees: `openssl ocsp` responders on loopback
//! (an index file with good, revoked and absent serials; signed by the
//! issuer, by a delegated responder, by wrong signers), CRLs made per run
//! by rcgen and served by the loopback HTTP server (current, expired,
//! wrongly signed), and `openssl s_server -status_file` stapling a fixed
//! response. OpenSSL's own client (`openssl ocsp`, `openssl verify
//! -crl_check`) is asked the same question wherever it can answer it.

use crate::{common, support};

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use rcgen::{
    CertificateParams, CertificateRevocationListParams, CrlDistributionPoint, CustomExtension,
    ExtendedKeyUsagePurpose, Issuer, KeyIdMethod, KeyPair, RevocationReason, RevokedCertParams,
    SerialNumber,
};
use serde_json::Value;
use support::http::{HttpServer, Reply};
use support::*;
use time::OffsetDateTime;
use trustfix::demo::pki;
use trustfix::demo::server;

const HOST: &str = "rev.example.test";
/// The revocation date the responders' index files carry.
const REVOKED_AT: &str = "2024-01-02 03:04:05 UTC";
/// Serial of every intermediate made here.
const SUB_SERIAL: u64 = 0x0500;

// ---------------------------------------------------------------- PKI

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

/// authorityInfoAccess with one OCSP responder URL (id-ad-ocsp).
fn aia_ocsp(url: &str) -> CustomExtension {
    let oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
    let mut desc = oid.to_vec();
    desc.extend(tlv(0x86, url.as_bytes()));
    let content = tlv(0x30, &tlv(0x30, &desc));
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], content)
}

fn cdp(urls: &[&str]) -> Vec<CrlDistributionPoint> {
    vec![CrlDistributionPoint {
        uris: urls.iter().map(|u| u.to_string()).collect(),
    }]
}

/// A CA that keeps its parameters and key, so it can sign certificates,
/// CRLs (rcgen) and, through PEM files, OCSP responses (openssl).
struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: Vec<u8>,
}

/// An end-entity certificate and its key.
struct Leaf {
    der: Vec<u8>,
    key: KeyPair,
}

impl Ca {
    fn root(cn: &str) -> Ca {
        let params = pki::ca_params(cn);
        let key = KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Ca { params, key, der }
    }

    /// Same name, different key: what a wrongly signed CRL comes from.
    fn impostor(&self) -> Ca {
        let key = KeyPair::generate().unwrap();
        let der = self.params.self_signed(&key).unwrap().der().to_vec();
        Ca {
            params: self.params.clone(),
            key,
            der,
        }
    }

    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    fn sub(&self, cn: &str, edit: impl FnOnce(&mut CertificateParams)) -> Ca {
        let mut params = pki::ca_params(cn);
        params.serial_number = Some(SerialNumber::from(SUB_SERIAL));
        edit(&mut params);
        let key = KeyPair::generate().unwrap();
        let der = params
            .signed_by(&key, &self.issuer())
            .unwrap()
            .der()
            .to_vec();
        Ca { params, key, der }
    }

    fn issue(&self, params: CertificateParams) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let der = params
            .signed_by(&key, &self.issuer())
            .unwrap()
            .der()
            .to_vec();
        Leaf { der, key }
    }

    /// A server certificate with this serial; `edit` adds OCSP/CRL URLs.
    fn leaf(&self, serial: u64, edit: impl FnOnce(&mut CertificateParams)) -> Leaf {
        let mut p = pki::leaf_params(&[HOST]);
        p.serial_number = Some(SerialNumber::from(serial));
        edit(&mut p);
        self.issue(p)
    }

    /// An OCSP signing certificate issued by this CA (with or without
    /// id-kp-OCSPSigning).
    fn responder_cert(&self, cn: &str, ocsp_signing: bool) -> Leaf {
        let mut p = pki::leaf_params(&[]);
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        p.extended_key_usages = vec![if ocsp_signing {
            ExtendedKeyUsagePurpose::OcspSigning
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        self.issue(p)
    }

    /// A CRL valid from `from_days` to `to_days` (relative to now) listing
    /// `revoked` serials with their reasons.
    fn crl(&self, revoked: &[(u64, RevocationReason)], from_days: i64, to_days: i64) -> Vec<u8> {
        self.crl_naming(None, revoked, from_days, to_days)
    }

    /// `crl`, with the authority key identifier of `as_key_of` (an
    /// impostor's CRL then points at the real CA's key).
    fn crl_naming(
        &self,
        as_key_of: Option<&Ca>,
        revoked: &[(u64, RevocationReason)],
        from_days: i64,
        to_days: i64,
    ) -> Vec<u8> {
        let now = OffsetDateTime::now_utc();
        let params = CertificateRevocationListParams {
            this_update: now + time::Duration::days(from_days),
            next_update: now + time::Duration::days(to_days),
            crl_number: SerialNumber::from(7u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|(serial, reason)| RevokedCertParams {
                    serial_number: SerialNumber::from(*serial),
                    revocation_time: OffsetDateTime::from_unix_timestamp(1_704_164_645).unwrap(),
                    reason_code: Some(*reason),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: match as_key_of {
                Some(ca) => KeyIdMethod::PreSpecified(
                    trustfix::cert::Cert::from_der(&ca.der)
                        .unwrap()
                        .ski
                        .unwrap(),
                ),
                None => KeyIdMethod::Sha256,
            },
        };
        params.signed_by(&self.issuer()).unwrap().der().to_vec()
    }

    fn write(&self, dir: &Path, name: &str) {
        write_pem(&dir.join(format!("{name}.pem")), &[&self.der]);
        std::fs::write(dir.join(format!("{name}.key")), self.key.serialize_pem()).unwrap();
    }
}

impl Leaf {
    fn write(&self, dir: &Path, name: &str) {
        write_pem(&dir.join(format!("{name}.pem")), &[&self.der]);
        std::fs::write(dir.join(format!("{name}.key")), self.key.serialize_pem()).unwrap();
    }
}

// ---------------------------------------------------------- referees

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process (openssl) that is killed when dropped.
struct Proc {
    child: Child,
    port: u16,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `openssl <args>` listening on `port` (chosen here; `args` gets
/// it through the closure) and waits until it accepts connections.
fn start(dir: &Path, args: impl Fn(u16) -> Vec<String>) -> Proc {
    for _ in 0..3 {
        let port = free_port();
        let child = Command::new("openssl")
            .current_dir(dir)
            .args(args(port))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl (package openssl)");
        let mut p = Proc { child, port };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                // A whole (meaningless) HTTP request: `openssl ocsp` waits
                // for one on every connection it accepts, and s_server
                // simply fails that handshake.
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = s.write_all(b"GET / HTTP/1.0\r\n\r\n");
                let _ = s.read_to_end(&mut Vec::new());
                return p;
            }
            if let Ok(Some(_)) = p.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = p.child.kill();
    }
    panic!("openssl did not start");
}

/// Index line for `openssl ocsp -index`: V (valid) or R (revoked, with
/// REVOKED_AT and a reason).
fn index(entries: &[(u64, Option<&str>)]) -> String {
    entries
        .iter()
        .map(|(serial, revoked)| match revoked {
            None => format!("V\t491231235959Z\t\t{serial:04X}\tunknown\t/CN=good-{serial:04X}\n"),
            Some(reason) => {
                format!("R\t491231235959Z\t240102030405Z,{reason}\t{serial:04X}\tunknown\t/CN=revoked-{serial:04X}\n")
            }
        })
        .collect()
}

/// `openssl ocsp` as a responder for certificates issued by `ca.pem` in
/// `dir`, signing with `signer`.pem/.key; unknown serials answer unknown.
fn responder(dir: &Path, tag: &str, entries: &[(u64, Option<&str>)], signer: &str) -> Proc {
    let idx = format!("index-{tag}.txt");
    std::fs::write(dir.join(&idx), index(entries)).unwrap();
    let signer = signer.to_string();
    start(dir, move |port| {
        [
            "ocsp",
            "-index",
            &idx,
            "-CA",
            "sub.pem",
            "-rsigner",
            &format!("{signer}.pem"),
            "-rkey",
            &format!("{signer}.key"),
            "-port",
            &port.to_string(),
            "-ignore_err",
            "-nmin",
            "60",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    })
}

/// What `openssl ocsp` (the client) says about `leaf`.pem: its status
/// line, or "verify failure".
fn openssl_ocsp_says(dir: &Path, leaf: &str, url: &str) -> String {
    let o = Command::new("openssl")
        .current_dir(dir)
        .args([
            "ocsp",
            "-issuer",
            "sub.pem",
            "-cert",
            &format!("{leaf}.pem"),
            "-url",
            url,
            "-CAfile",
            "root.pem",
            "-timeout",
            "5",
        ])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    if all.contains("Response Verify Failure") {
        return "verify failure".into();
    }
    all.lines()
        .find_map(|l| l.strip_prefix(&format!("{leaf}.pem: ")))
        .unwrap_or(&all)
        .trim()
        .to_string()
}

/// `openssl verify -crl_check` with `crl` for the leaf: "OK" or the error.
fn openssl_crl_says(dir: &Path, leaf: &str, crl: &[u8]) -> String {
    std::fs::write(dir.join("referee.crl"), crl).unwrap();
    let o = Command::new("openssl")
        .current_dir(dir)
        .args([
            "verify",
            "-crl_check",
            "-CRLfile",
            "referee.crl",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "sub.pem",
            &format!("{leaf}.pem"),
        ])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    if o.status.success() {
        "OK".into()
    } else {
        all
    }
}

// ------------------------------------------------------------- trustfix

struct Run {
    code: i32,
    json: Value,
    secs: f64,
}

fn tf(args: &[&str]) -> Run {
    let t = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let json = serde_json::from_str(&out)
        .unwrap_or_else(|_| Value::String(format!("{out}{}", String::from_utf8_lossy(&o.stderr))));
    Run {
        code: o.status.code().unwrap_or(-1),
        json,
        secs,
    }
}

/// `check` against a rustls server sending leaf + sub, root in the CA file.
fn check(dir: &Path, leaf: &Leaf, sub: &Ca, extra: &[&str]) -> Run {
    let addr = server::serve(
        vec![leaf.der.clone(), sub.der.clone()],
        leaf.key.serialize_der(),
    )
    .unwrap();
    let target = format!("{HOST}:{}", addr.port());
    let ca = dir.join("root.pem");
    let mut args = vec![
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--ca-file",
        ca.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    tf(&args)
}

/// `show leaf.pem sub.pem --ca-file root.pem --json` plus `extra`.
fn show(dir: &Path, leaf: &str, extra: &[&str]) -> Run {
    let leaf = dir.join(format!("{leaf}.pem"));
    let sub = dir.join("sub.pem");
    let ca = dir.join("root.pem");
    let mut args = vec![
        "show",
        leaf.to_str().unwrap(),
        sub.to_str().unwrap(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    tf(&args)
}

fn rev(r: &Run, depth: usize) -> &Value {
    &r.json["path"]["certificates"][depth]["revocation"]
}

/// root -> sub, written to `dir` as root.pem / sub.pem (+ keys).
fn pki_in(dir: &Path, sub_edit: impl FnOnce(&mut CertificateParams)) -> (Ca, Ca) {
    let root = Ca::root("Revocation Test Root");
    let sub = root.sub("Revocation Test Issuing CA", sub_edit);
    root.write(dir, "root");
    sub.write(dir, "sub");
    (root, sub)
}

// ------------------------------------------------------------------ OCSP

#[test]
fn ocsp_responder_good_revoked_and_unknown() {
    let d = tmp();
    let dir = d.path();
    let (_root, sub) = pki_in(dir, |_| {});
    let r = responder(
        dir,
        "issuer",
        &[(0x1001, None), (0x1002, Some("keyCompromise"))],
        "sub",
    );
    let url = format!("http://127.0.0.1:{}/", r.port);
    let good = sub.leaf(0x1001, |p| p.custom_extensions.push(aia_ocsp(&url)));
    let revoked = sub.leaf(0x1002, |p| p.custom_extensions.push(aia_ocsp(&url)));
    let absent = sub.leaf(0x1003, |p| p.custom_extensions.push(aia_ocsp(&url)));
    good.write(dir, "good");
    revoked.write(dir, "revoked");
    absent.write(dir, "absent");

    // The referee: OpenSSL's own OCSP client against the same responder.
    assert_eq!(openssl_ocsp_says(dir, "good", &url), "good");
    assert_eq!(openssl_ocsp_says(dir, "revoked", &url), "revoked");
    assert_eq!(openssl_ocsp_says(dir, "absent", &url), "unknown");

    // Good: trusted, exit 0; the sub names nothing to check, which is
    // recorded but (without an explicit --revocation) no finding.
    let o = check(dir, &good, &sub, &["--timeout", "5"]);
    assert_eq!(o.code, 0, "{}", o.json);
    assert_eq!(o.json["verdict"], "trusted");
    assert_eq!(o.json["revocation_mode"], "auto");
    assert!(ids(&o.json).is_empty(), "{:?}", ids(&o.json));
    let r0 = rev(&o, 0);
    assert_eq!(r0["status"], "good", "{r0}");
    assert_eq!(r0["source"], "ocsp");
    assert_eq!(r0["url"], url.as_str());
    assert!(r0["next_update"].is_string(), "{r0}");
    assert!(
        r0["detail"]
            .as_str()
            .unwrap()
            .contains("signed by the issuer"),
        "{r0}"
    );
    assert_eq!(rev(&o, 1)["status"], "no_info");
    assert!(rev(&o, 2).is_null(), "the trust anchor is not checked");

    // Revoked: rejected, exit 2, with reason and date.
    let o = check(dir, &revoked, &sub, &["--timeout", "5"]);
    assert_eq!(o.code, 2, "{}", o.json);
    assert_eq!(o.json["verdict"], "rejected");
    let f = finding(&o.json, "cert.revoked");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["certificate"]["depth"], 0);
    assert!(f["message"].as_str().unwrap().contains(REVOKED_AT), "{f}");
    assert!(
        f["clients"]["java"]
            .as_str()
            .unwrap()
            .contains("KEY_COMPROMISE"),
        "{f}"
    );
    let r0 = rev(&o, 0);
    assert_eq!(r0["status"], "revoked");
    assert_eq!(r0["reason"], "keyCompromise");
    assert_eq!(r0["revoked_at"], REVOKED_AT);

    // Unknown to the responder, nothing else to ask: warning, exit 1.
    let o = check(dir, &absent, &sub, &["--timeout", "5"]);
    assert_eq!(o.code, 1, "{}", o.json);
    let f = finding(&o.json, "revocation.unknown");
    assert_eq!(f["severity"], "warning");
    assert!(
        f["message"].as_str().unwrap().contains("does not know"),
        "{f}"
    );
    assert!(f["clients"]["dotnet"]
        .as_str()
        .unwrap()
        .contains("RevocationStatusUnknown"));
    assert_eq!(rev(&o, 0)["status"], "unknown");

    // Asked for explicitly: the sub's lack of information is reported (info).
    let o = check(
        dir,
        &good,
        &sub,
        &["--timeout", "5", "--revocation", "ocsp"],
    );
    assert_eq!(o.code, 0, "{}", o.json);
    let f = finding(&o.json, "revocation.no_info");
    assert_eq!(f["severity"], "info");
    assert_eq!(f["certificate"]["depth"], 1);

    // The text report has a revocation section.
    let leaf = dir.join("revoked.pem");
    let subp = dir.join("sub.pem");
    let ca = dir.join("root.pem");
    let t = trustfix([
        "show",
        leaf.to_str().unwrap(),
        subp.to_str().unwrap(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--revocation",
        "auto",
    ]);
    assert_eq!(t.code, 2, "{}", t.stdout);
    assert!(t.stdout.contains("Revocation (auto):"), "{}", t.stdout);
    assert!(t.stdout.contains("REVOKED"), "{}", t.stdout);
    assert!(t.stdout.contains("cert.revoked"), "{}", t.stdout);
}

#[test]
fn delegated_responder_and_wrong_signers() {
    let d = tmp();
    let dir = d.path();
    let (_root, sub) = pki_in(dir, |_| {});
    // Authorized: issued by the sub with id-kp-OCSPSigning.
    sub.responder_cert("Delegated OCSP Signer", true)
        .write(dir, "delegated");
    // Issued by the sub but without id-kp-OCSPSigning.
    sub.responder_cert("Not An OCSP Signer", false)
        .write(dir, "noeku");
    // With id-kp-OCSPSigning, but from another CA.
    let other = Ca::root("Some Other CA");
    other
        .responder_cert("Foreign OCSP Signer", true)
        .write(dir, "foreign");
    let entries = [(0x2001, None)];
    let cases = [
        ("delegated", "good", None),
        ("noeku", "verify failure", Some("id-kp-OCSPSigning")),
        (
            "foreign",
            "verify failure",
            Some("not issued by the certificate's issuer"),
        ),
    ];
    for (signer, referee, why) in cases {
        let r = responder(dir, signer, &entries, signer);
        let url = format!("http://127.0.0.1:{}/", r.port);
        let leaf = sub.leaf(0x2001, |p| p.custom_extensions.push(aia_ocsp(&url)));
        leaf.write(dir, "leaf");
        assert_eq!(openssl_ocsp_says(dir, "leaf", &url), referee, "{signer}");
        let o = check(dir, &leaf, &sub, &["--timeout", "5"]);
        match why {
            None => {
                assert_eq!(o.code, 0, "{signer}: {}", o.json);
                let r0 = rev(&o, 0);
                assert_eq!(r0["status"], "good");
                assert!(
                    r0["detail"]
                        .as_str()
                        .unwrap()
                        .contains("delegated responder 'CN=Delegated OCSP Signer'"),
                    "{r0}"
                );
            }
            Some(why) => {
                assert_eq!(o.code, 1, "{signer}: {}", o.json);
                let f = finding(&o.json, "revocation.unknown");
                let m = f["message"].as_str().unwrap();
                assert!(
                    m.contains("unverifiable OCSP response") && m.contains(why),
                    "{m}"
                );
            }
        }
    }
}

#[test]
fn responder_down_slow_or_broken_is_unknown_within_the_timeout() {
    let d = tmp();
    let dir = d.path();
    let (_root, sub) = pki_in(dir, |_| {});
    let http = HttpServer::start();
    http.set(
        "/slow",
        Reply::Slow {
            interval: Duration::from_millis(500),
        },
    );
    http.set("/error", Reply::Status(500));
    http.set(
        "/garbage",
        Reply::Garbage(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec()),
    );
    http.set(
        "/huge",
        Reply::Huge {
            claimed: 50 * 1024 * 1024,
            actual: 2 * 1024 * 1024,
        },
    );
    let closed = format!("http://127.0.0.1:{}/", free_port());
    let cases = [
        (closed.clone(), "127.0.0.1"),
        (http.url("/slow"), "timed out"),
        (http.url("/error"), "HTTP 500"),
        (http.url("/garbage"), "not an OCSP response"),
        (http.url("/huge"), "larger than"),
        (
            "ldap://dc01.contoso.test/CN=ocsp".to_string(),
            "only http and https",
        ),
    ];
    for (url, why) in cases {
        let leaf = sub.leaf(0x3001, |p| p.custom_extensions.push(aia_ocsp(&url)));
        let o = check(dir, &leaf, &sub, &["--timeout", "2"]);
        assert_eq!(o.code, 1, "{url}: {}", o.json);
        assert!(o.secs < 6.0, "{url}: took {}s", o.secs);
        let f = finding(&o.json, "revocation.unknown");
        let m = f["message"].as_str().unwrap();
        assert!(m.contains(why), "{url}: {m}");
        assert!(f["fix"].as_str().unwrap().contains(&url), "{f}");
        assert_eq!(rev(&o, 0)["attempts"][0]["result"], "failed");
    }

    // Slow OCSP and slow CRL: the whole phase stays within --timeout; what
    // is left untried says so.
    let leaf = sub.leaf(0x3002, |p| {
        p.custom_extensions.push(aia_ocsp(&http.url("/slow")));
        p.crl_distribution_points = cdp(&[&http.url("/slow")]);
    });
    let o = check(dir, &leaf, &sub, &["--timeout", "2"]);
    assert_eq!(o.code, 1, "{}", o.json);
    assert!(o.secs < 5.0, "took {}s", o.secs);
    let a = &rev(&o, 0)["attempts"];
    assert!(
        a[0]["detail"].as_str().unwrap().contains("timed out"),
        "{a}"
    );
    assert!(
        a[1]["detail"]
            .as_str()
            .unwrap()
            .contains("used up --timeout"),
        "{a}"
    );
}

/// The request is what responders expect (SHA-1 CertID, a nonce), and a
/// response carrying another nonce is refused; one without a nonce (a
/// pre-signed response) is accepted.
#[test]
fn request_format_and_nonce() {
    let d = tmp();
    let dir = d.path();
    let (_root, sub) = pki_in(dir, |_| {});
    let http = HttpServer::start();
    let leaf = sub.leaf(0x4001, |p| {
        p.custom_extensions.push(aia_ocsp(&http.url("/ocsp")))
    });
    leaf.write(dir, "leaf");
    std::fs::write(dir.join("index.txt"), index(&[(0x4001, None)])).unwrap();
    let canned = |name: &str, nonce: bool| -> Vec<u8> {
        let mut req = vec!["ocsp", "-issuer", "sub.pem", "-cert", "leaf.pem", "-reqout"];
        let reqf = format!("{name}.req");
        req.push(&reqf);
        if !nonce {
            req.push("-no_nonce");
        }
        openssl(dir, &req);
        let respf = format!("{name}.resp");
        openssl(
            dir,
            &[
                "ocsp",
                "-index",
                "index.txt",
                "-CA",
                "sub.pem",
                "-rsigner",
                "sub.pem",
                "-rkey",
                "sub.key",
                "-reqin",
                &reqf,
                "-respout",
                &respf,
                "-nmin",
                "60",
            ],
        );
        std::fs::read(dir.join(respf)).unwrap()
    };

    // A response to someone else's request with its own nonce: a replay.
    http.set(
        "/ocsp",
        Reply::Ok {
            body: canned("other", true),
            content_type: "application/ocsp-response",
        },
    );
    let o = check(dir, &leaf, &sub, &["--timeout", "5"]);
    assert_eq!(o.code, 1, "{}", o.json);
    assert!(finding(&o.json, "revocation.unknown")["message"]
        .as_str()
        .unwrap()
        .contains("nonce"));
    // What trustfix sent, read back by openssl.
    let body = http.last_body().expect("an OCSP POST");
    std::fs::write(dir.join("sent.req"), &body).unwrap();
    let o2 = Command::new("openssl")
        .current_dir(dir)
        .args(["ocsp", "-reqin", "sent.req", "-req_text"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o2.stdout);
    assert!(text.contains("Hash Algorithm: sha1"), "{text}");
    assert!(text.contains("Serial Number: 4001"), "{text}");
    assert!(text.contains("OCSP Nonce"), "{text}");

    // A pre-signed response without a nonce is fine.
    http.set(
        "/ocsp",
        Reply::Ok {
            body: canned("presigned", false),
            content_type: "application/ocsp-response",
        },
    );
    let o = check(dir, &leaf, &sub, &["--timeout", "5"]);
    assert_eq!(o.code, 0, "{}", o.json);
    assert_eq!(rev(&o, 0)["status"], "good");
}

// -------------------------------------------------------------- stapling

#[test]
fn stapled_response_from_openssl_s_server() {
    let d = tmp();
    let dir = d.path();
    let (_root, sub) = pki_in(dir, |_| {});
    let impostor = sub.impostor();
    impostor.write(dir, "impostor");
    // The responder URL in the certificates must not be needed.
    let http = HttpServer::start();
    let url = http.url("/ocsp");
    std::fs::write(
        dir.join("index.txt"),
        index(&[(0x5001, None), (0x5002, Some("superseded")), (0x5003, None)]),
    )
    .unwrap();
    let staple = |leaf: &str, signer: &str| -> String {
        let req = format!("{leaf}.req");
        let resp = format!("{leaf}-{signer}.resp");
        openssl(
            dir,
            &[
                "ocsp",
                "-issuer",
                "sub.pem",
                "-cert",
                &format!("{leaf}.pem"),
                "-reqout",
                &req,
                "-no_nonce",
            ],
        );
        openssl(
            dir,
            &[
                "ocsp",
                "-index",
                "index.txt",
                "-CA",
                "sub.pem",
                "-rsigner",
                &format!("{signer}.pem"),
                "-rkey",
                &format!("{signer}.key"),
                "-reqin",
                &req,
                "-respout",
                &resp,
                "-nmin",
                "60",
            ],
        );
        resp
    };
    let serve = |leaf: &str, resp: &str| -> Proc {
        let (leaf, resp) = (leaf.to_string(), resp.to_string());
        start(dir, move |port| {
            [
                "s_server",
                "-quiet",
                "-accept",
                &format!("127.0.0.1:{port}"),
                "-cert",
                &format!("{leaf}.pem"),
                "-key",
                &format!("{leaf}.key"),
                "-cert_chain",
                "sub.pem",
                "-status_file",
                &resp,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        })
    };
    let run_with = |port: u16, extra: &[&str]| {
        let target = format!("{HOST}:{port}");
        let ca = dir.join("root.pem");
        let mut args = vec![
            "check",
            &target,
            "--connect",
            "127.0.0.1",
            "--ca-file",
            ca.to_str().unwrap(),
            "--timeout",
            "5",
            "--json",
        ];
        args.extend_from_slice(extra);
        tf(&args)
    };
    let run = |port: u16| run_with(port, &[]);

    let good = sub.leaf(0x5001, |p| p.custom_extensions.push(aia_ocsp(&url)));
    good.write(dir, "good");
    let revoked = sub.leaf(0x5002, |p| p.custom_extensions.push(aia_ocsp(&url)));
    revoked.write(dir, "revoked");

    let s = serve("good", &staple("good", "sub"));
    let o = run(s.port);
    assert_eq!(o.code, 0, "{}", o.json);
    assert!(o.json["tls"]["ocsp_stapled"].is_string());
    assert_eq!(rev(&o, 0)["status"], "good");
    assert_eq!(rev(&o, 0)["source"], "stapled");
    assert!(
        http.requests().is_empty(),
        "the staple sufficed: {:?}",
        http.requests()
    );
    drop(s);

    let s = serve("revoked", &staple("revoked", "sub"));
    let o = run(s.port);
    assert_eq!(o.code, 2, "{}", o.json);
    let f = finding(&o.json, "cert.revoked");
    assert!(f["message"].as_str().unwrap().contains("stapled"), "{f}");
    assert_eq!(rev(&o, 0)["reason"], "superseded");
    drop(s);

    // A staple signed by a key that is not the issuer's: not trusted; the
    // responder URL is asked next (404 here), so the status is unknown.
    let s = serve("good", &staple("good", "impostor"));
    let o = run(s.port);
    assert_eq!(o.code, 1, "{}", o.json);
    let m = finding(&o.json, "revocation.unknown")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("stapled") && m.contains("unverifiable"), "{m}");
    assert!(m.contains("HTTP 404"), "{m}");
    assert_eq!(http.requests(), vec!["/ocsp"]);
    drop(s);

    // A genuine staple, but about another certificate.
    let s = serve("revoked", &staple("good", "sub"));
    let o = run(s.port);
    assert_eq!(o.code, 1, "{}", o.json);
    let a = &rev(&o, 0)["attempts"];
    assert_eq!(a[0]["source"], "stapled");
    assert!(
        a[0]["detail"]
            .as_str()
            .unwrap()
            .contains("does not cover this certificate"),
        "{a}"
    );
    drop(s);

    // An unusable staple for a certificate that names no responder and no
    // CRL: nothing a client could check either; said, but not a warning.
    let plain = sub.leaf(0x5003, |_| {});
    plain.write(dir, "plain");
    let s = serve("plain", &staple("plain", "impostor"));
    let o = run(s.port);
    assert_eq!(o.code, 0, "{}", o.json);
    assert_eq!(rev(&o, 0)["status"], "no_info");
    let o = run_with(s.port, &["--revocation", "auto"]);
    assert_eq!(o.code, 0, "{}", o.json);
    let f = &o.json["findings"][0];
    assert_eq!(f["id"], "revocation.no_info", "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("stapled OCSP response is unusable"),
        "{f}"
    );
}

// ------------------------------------------------------------------ CRLs

#[test]
fn crls_current_expired_and_wrongly_signed() {
    let d = tmp();
    let dir = d.path();
    let http = HttpServer::start();
    let root_crl = http.url("/root.crl");
    let sub_crl = http.url("/sub.crl");
    let (root, sub) = pki_in(dir, |p| p.crl_distribution_points = cdp(&[&root_crl]));
    let leaf = sub.leaf(0x6001, |p| p.crl_distribution_points = cdp(&[&sub_crl]));
    leaf.write(dir, "leaf");
    let serve = |path: &str, der: &[u8]| {
        http.set(
            path,
            Reply::Ok {
                body: der.to_vec(),
                content_type: "application/pkix-crl",
            },
        )
    };
    serve("/root.crl", &root.crl(&[], -1, 7));

    // Current, leaf not listed: good; OpenSSL agrees.
    let crl = sub.crl(&[(0x6999, RevocationReason::KeyCompromise)], -1, 7);
    assert_eq!(openssl_crl_says(dir, "leaf", &crl), "OK");
    serve("/sub.crl", &crl);
    let o = show(dir, "leaf", &["--revocation", "crl"]);
    assert_eq!(o.code, 0, "{}", o.json);
    assert_eq!(rev(&o, 0)["status"], "good");
    assert_eq!(rev(&o, 0)["source"], "crl");
    assert_eq!(
        rev(&o, 1)["status"],
        "good",
        "the sub is checked against the root's CRL"
    );
    assert!(rev(&o, 2).is_null());

    // Current, leaf listed: revoked (error 23 for OpenSSL).
    let crl = sub.crl(&[(0x6001, RevocationReason::KeyCompromise)], -1, 7);
    assert!(openssl_crl_says(dir, "leaf", &crl).contains("certificate revoked"));
    serve("/sub.crl", &crl);
    let o = show(dir, "leaf", &["--revocation", "crl"]);
    assert_eq!(o.code, 2, "{}", o.json);
    assert_eq!(rev(&o, 0)["reason"], "keyCompromise");
    assert_eq!(rev(&o, 0)["revoked_at"], REVOKED_AT);
    assert_eq!(finding(&o.json, "cert.revoked")["certificate"]["depth"], 0);

    // Expired: unknown (error 12 for OpenSSL).
    let crl = sub.crl(&[], -10, -2);
    assert!(openssl_crl_says(dir, "leaf", &crl).contains("CRL has expired"));
    serve("/sub.crl", &crl);
    let o = show(dir, "leaf", &["--revocation", "crl"]);
    assert_eq!(o.code, 1, "{}", o.json);
    let m = finding(&o.json, "revocation.unknown")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("stale CRL") && m.contains("nextUpdate"), "{m}");

    // Signed by another key under the issuer's name and key identifier:
    // unknown (error 8 for OpenSSL).
    let crl = sub.impostor().crl_naming(
        Some(&sub),
        &[(0x6001, RevocationReason::KeyCompromise)],
        -1,
        7,
    );
    let says = openssl_crl_says(dir, "leaf", &crl);
    assert!(says.contains("CRL signature failure"), "{says}");
    serve("/sub.crl", &crl);
    let o = show(dir, "leaf", &["--revocation", "crl"]);
    assert_eq!(o.code, 1, "{}", o.json);
    let m = finding(&o.json, "revocation.unknown")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("does not verify"), "{m}");

    // A CRL of another CA: unknown.
    serve("/sub.crl", &Ca::root("Unrelated CA").crl(&[], -1, 7));
    let o = show(dir, "leaf", &["--revocation", "crl"]);
    assert_eq!(o.code, 1, "{}", o.json);
    let m = finding(&o.json, "revocation.unknown")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("not by the certificate's issuer"), "{m}");

    // The intermediate revoked by the root.
    serve("/sub.crl", &sub.crl(&[], -1, 7));
    serve(
        "/root.crl",
        &root.crl(&[(SUB_SERIAL, RevocationReason::CaCompromise)], -1, 7),
    );
    let o = show(dir, "leaf", &["--revocation", "auto"]);
    assert_eq!(o.code, 2, "{}", o.json);
    let f = finding(&o.json, "cert.revoked");
    assert_eq!(f["certificate"]["depth"], 1);
    assert_eq!(rev(&o, 1)["reason"], "cACompromise");
    assert_eq!(rev(&o, 0)["status"], "good");

    // show without --revocation fetches nothing.
    let before = http.requests().len();
    let o = show(dir, "leaf", &[]);
    assert_eq!(o.code, 0, "{}", o.json);
    assert_eq!(http.requests().len(), before);
    assert_eq!(o.json["revocation_mode"], "off");
    assert!(o.json["path"]["certificates"][0]
        .get("revocation")
        .is_none());
}

#[test]
fn crl_is_fetched_once_per_run_and_check_uses_it() {
    let d = tmp();
    let dir = d.path();
    let http = HttpServer::start();
    let url = http.url("/sub.crl");
    // Two distribution points naming the same CRL, which is expired: each
    // use fails, but it is downloaded once.
    let (_root, sub) = pki_in(dir, |_| {});
    let leaf = sub.leaf(0x7001, |p| p.crl_distribution_points = cdp(&[&url, &url]));
    http.set(
        "/sub.crl",
        Reply::Ok {
            body: sub.crl(&[], -10, -2),
            content_type: "application/pkix-crl",
        },
    );
    let o = check(dir, &leaf, &sub, &["--timeout", "5"]);
    assert_eq!(o.code, 1, "{}", o.json);
    assert_eq!(rev(&o, 0)["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(http.requests(), vec!["/sub.crl"]);

    // A current CRL listing the leaf, through `check`: exit 2.
    http.set(
        "/sub.crl",
        Reply::Ok {
            body: sub.crl(&[(0x7001, RevocationReason::CessationOfOperation)], -1, 7),
            content_type: "application/pkix-crl",
        },
    );
    let o = check(dir, &leaf, &sub, &["--timeout", "5"]);
    assert_eq!(o.code, 2, "{}", o.json);
    assert_eq!(rev(&o, 0)["reason"], "cessationOfOperation");
}

// ----------------------------------------------------------------- modes

#[test]
fn modes_choose_the_sources() {
    let d = tmp();
    let dir = d.path();
    let http = HttpServer::start();
    let (_root, sub) = pki_in(dir, |_| {});
    let leaf = sub.leaf(0x8001, |p| {
        p.custom_extensions.push(aia_ocsp(&http.url("/ocsp")));
        p.crl_distribution_points = cdp(&[&http.url("/sub.crl")]);
    });
    leaf.write(dir, "leaf");
    http.set(
        "/sub.crl",
        Reply::Ok {
            body: sub.crl(&[], -1, 7),
            content_type: "application/pkix-crl",
        },
    );
    // /ocsp is 404: auto falls back to the CRL.
    let o = check(dir, &leaf, &sub, &["--timeout", "5"]);
    assert_eq!(o.code, 0, "{}", o.json);
    let r0 = rev(&o, 0);
    assert_eq!(r0["source"], "crl");
    assert_eq!(r0["attempts"][0]["source"], "ocsp");
    assert_eq!(r0["attempts"][0]["detail"], "HTTP 404");
    assert_eq!(http.requests(), vec!["/ocsp", "/sub.crl"]);

    let o = check(
        dir,
        &leaf,
        &sub,
        &["--timeout", "5", "--revocation", "ocsp"],
    );
    assert_eq!(o.code, 1, "{}", o.json);
    assert_eq!(http.requests(), vec!["/ocsp", "/sub.crl", "/ocsp"]);

    let o = check(dir, &leaf, &sub, &["--timeout", "5", "--revocation", "crl"]);
    assert_eq!(o.code, 0, "{}", o.json);
    assert_eq!(
        http.requests(),
        vec!["/ocsp", "/sub.crl", "/ocsp", "/sub.crl"]
    );

    let o = check(dir, &leaf, &sub, &["--timeout", "5", "--revocation", "off"]);
    assert_eq!(o.code, 0, "{}", o.json);
    assert_eq!(o.json["revocation_mode"], "off");
    assert!(o.json["path"]["certificates"][0]
        .get("revocation")
        .is_none());
    assert_eq!(http.requests().len(), 4, "off fetches nothing");

    // show needs a store to check revocation on.
    let leafp = dir.join("leaf.pem");
    let u = tf(&[
        "show",
        leafp.to_str().unwrap(),
        "--revocation",
        "auto",
        "--json",
    ]);
    assert_eq!(u.code, 3);
    assert_eq!(u.json["error"]["phase"], "usage");
}
