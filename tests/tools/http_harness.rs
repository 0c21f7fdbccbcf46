//! Self-test of the loopback HTTP test server in tests/tools/support/http.rs.

use crate::support;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use support::http::{HttpServer, Reply};

const CER: &str = "application/pkix-cert";

/// A parsed response: status, headers (lower-cased names), body.
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Sends `raw` and reads until the server closes.
fn raw(addr: SocketAddr, raw: &[u8]) -> Vec<u8> {
    let mut s = connect(addr);
    s.write_all(raw).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read until close");
    out
}

fn get(srv: &HttpServer, path: &str) -> Resp {
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: t\r\n\r\n",
        srv.addr
    );
    parse(&raw(srv.addr, req.as_bytes()))
}

fn split_head(bytes: &[u8]) -> (u16, Vec<(String, String)>, usize) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response has an empty line");
    let head = std::str::from_utf8(&bytes[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
    let status = status_line[9..12].parse().unwrap();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    (status, headers, end + 4)
}

fn parse(bytes: &[u8]) -> Resp {
    let (status, headers, start) = split_head(bytes);
    Resp {
        status,
        headers,
        body: bytes[start..].to_vec(),
    }
}

/// Reads until the response head is complete; returns (head, extra bytes).
fn read_head(s: &mut TcpStream) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let (status, headers, start) = split_head(&buf[..end + 4]);
            assert_eq!(start, end + 4);
            return (status, headers, buf[start..].to_vec());
        }
        let n = s.read(&mut chunk).expect("read head");
        assert!(n > 0, "closed before the head was complete");
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

#[test]
fn ok_reply_with_body_and_headers() {
    let srv = HttpServer::start();
    let body = vec![0x30, 0x82, 0x01, 0x00, 0xff, 0x00, b'\r', b'\n'];
    srv.set(
        "/sub.cer",
        Reply::Ok {
            body: body.clone(),
            content_type: CER,
        },
    );
    let r = get(&srv, "/sub.cer");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some(CER));
    assert_eq!(r.header("content-length"), Some("8"));
    assert_eq!(r.header("connection"), Some("close"));
    assert_eq!(r.body, body);
    assert_eq!(srv.requests(), vec!["/sub.cer"]);
    assert_eq!(srv.url("/sub.cer"), format!("http://{}/sub.cer", srv.addr));
    assert!(srv.url("/x").starts_with("http://127.0.0.1:"));
}

#[test]
fn unknown_path_is_404_and_status_replies_are_empty() {
    let srv = HttpServer::start();
    let r = get(&srv, "/nope.cer");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-length"), Some("0"));
    assert!(r.body.is_empty());

    srv.set("/err", Reply::Status(500));
    let r = get(&srv, "/err");
    assert_eq!(r.status, 500);
    assert!(r.body.is_empty());
    assert_eq!(r.header("connection"), Some("close"));

    srv.set("/gone", Reply::Status(410));
    assert_eq!(get(&srv, "/gone").status, 410);
    assert_eq!(srv.requests(), vec!["/nope.cer", "/err", "/gone"]);
}

#[test]
fn set_after_start_and_replace() {
    let srv = HttpServer::start();
    let url = srv.url("/later.cer");
    assert_eq!(get(&srv, "/later.cer").status, 404);
    srv.set(
        "/later.cer",
        Reply::Ok {
            body: b"one".to_vec(),
            content_type: CER,
        },
    );
    assert_eq!(get(&srv, "/later.cer").body, b"one");
    srv.set(
        "/later.cer",
        Reply::Ok {
            body: b"two".to_vec(),
            content_type: "application/pkcs7-mime",
        },
    );
    let r = get(&srv, "/later.cer");
    assert_eq!(r.body, b"two");
    assert_eq!(r.header("content-type"), Some("application/pkcs7-mime"));
    assert!(url.ends_with("/later.cer"));
    assert_eq!(srv.requests(), vec!["/later.cer"; 3]);
}

#[test]
fn query_falls_back_to_bare_path_but_exact_wins() {
    let srv = HttpServer::start();
    srv.set("/c.crl", Reply::Status(204));
    srv.set("/c.crl?x=1", Reply::Status(500));
    assert_eq!(get(&srv, "/c.crl?y=2").status, 204);
    assert_eq!(get(&srv, "/c.crl?x=1").status, 500);
    assert_eq!(srv.requests(), vec!["/c.crl?y=2", "/c.crl?x=1"]);
}

#[test]
fn redirect_reply() {
    let srv = HttpServer::start();
    let to = srv.url("/real.cer");
    srv.set("/old.cer", Reply::Redirect(to.clone()));
    let r = get(&srv, "/old.cer");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some(to.as_str()));
    assert!(r.body.is_empty());
}

#[test]
fn garbage_reply_is_sent_verbatim() {
    let srv = HttpServer::start();
    let junk = b"\x00\x01SSH-2.0-not-http\xff\xfe".to_vec();
    srv.set("/junk", Reply::Garbage(junk.clone()));
    let out = raw(srv.addr, b"GET /junk HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(out, junk);
    assert_eq!(srv.requests(), vec!["/junk"]);
}

#[test]
fn huge_reply_lies_about_length_and_holds_the_connection() {
    let srv = HttpServer::start();
    srv.set(
        "/big.crl",
        Reply::Huge {
            claimed: 50_000_000,
            actual: 100_000,
        },
    );
    let mut s = connect(srv.addr);
    s.write_all(b"GET /big.crl HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (status, headers, mut got) = read_head(&mut s);
    assert_eq!(status, 200);
    assert!(headers
        .iter()
        .any(|(k, v)| k == "content-length" && v == "50000000"));
    let mut chunk = [0u8; 65536];
    while got.len() < 100_000 {
        let n = s.read(&mut chunk).expect("filler");
        assert!(n > 0, "closed after {} filler bytes", got.len());
        got.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(got.len(), 100_000);
    // Then nothing more, but the connection stays open.
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    match s.read(&mut chunk) {
        Err(e) if is_timeout(&e) => {}
        other => panic!("expected the connection to be held open, got {other:?}"),
    }
}

#[test]
fn huge_reply_client_may_stop_reading_early() {
    let srv = HttpServer::start();
    srv.set(
        "/huge",
        Reply::Huge {
            claimed: 1 << 40,
            actual: 64 << 20,
        },
    );
    let mut s = connect(srv.addr);
    s.write_all(b"GET /huge HTTP/1.1\r\n\r\n").unwrap();
    let (status, _, got) = read_head(&mut s);
    assert_eq!(status, 200);
    let mut total = got.len();
    let mut chunk = [0u8; 65536];
    while total < 1 << 20 {
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0);
        total += n;
    }
    // A size cap kicks in: hang up mid-body. The server is still fine.
    drop(s);
    assert_eq!(get(&srv, "/other").status, 404);
}

#[test]
fn slow_reply_drips_bytes_until_the_client_leaves() {
    let srv = HttpServer::start();
    srv.set(
        "/slow",
        Reply::Slow {
            interval: Duration::from_millis(50),
        },
    );
    let mut s = connect(srv.addr);
    s.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (status, headers, mut got) = read_head(&mut s);
    assert_eq!(status, 200);
    assert!(!headers.iter().any(|(k, _)| k == "content-length"));
    let start = Instant::now();
    let mut chunk = [0u8; 64];
    while start.elapsed() < Duration::from_millis(600) {
        let n = s.read(&mut chunk).expect("drip");
        assert!(n > 0, "slow reply ended");
        got.extend_from_slice(&chunk[..n]);
    }
    // ~12 bytes expected; be generous for loaded machines.
    assert!(
        (3..=30).contains(&got.len()),
        "{} bytes in {:?}",
        got.len(),
        start.elapsed()
    );
    // A client with a short timeout sees it time out between bytes.
    srv.set(
        "/slower",
        Reply::Slow {
            interval: Duration::from_secs(3600),
        },
    );
    let mut t = connect(srv.addr);
    t.write_all(b"GET /slower HTTP/1.1\r\n\r\n").unwrap();
    let _ = read_head(&mut t);
    t.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    match t.read(&mut chunk) {
        Err(e) if is_timeout(&e) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    drop(s);
    drop(t);
}

#[test]
fn absolute_form_target_maps_to_path() {
    let srv = HttpServer::start();
    srv.set(
        "/aia/sub.cer",
        Reply::Ok {
            body: b"DER".to_vec(),
            content_type: CER,
        },
    );
    let r = parse(&raw(
        srv.addr,
        b"GET http://pki.example.invalid:8080/aia/sub.cer HTTP/1.1\r\n\
          Host: pki.example.invalid:8080\r\nProxy-Connection: keep-alive\r\n\r\n",
    ));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"DER");
    let r = parse(&raw(
        srv.addr,
        b"GET HTTP://pki.example.invalid HTTP/1.1\r\n\r\n",
    ));
    assert_eq!(r.status, 404);
    assert_eq!(srv.requests(), vec!["/aia/sub.cer", "/"]);
}

#[test]
fn post_body_is_kept() {
    let srv = HttpServer::start();
    assert_eq!(srv.last_body(), None);
    srv.set(
        "/ocsp",
        Reply::Ok {
            body: b"resp".to_vec(),
            content_type: "application/ocsp-response",
        },
    );
    let req_body: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let mut req = format!(
        "POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\n\
         Content-Length: {}\r\n\r\n",
        req_body.len()
    )
    .into_bytes();
    req.extend_from_slice(&req_body);
    let r = parse(&raw(srv.addr, &req));
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"resp");
    assert_eq!(srv.last_body(), Some(req_body));
    assert_eq!(srv.requests(), vec!["/ocsp"]);

    // Header and body in separate writes, with Expect: 100-continue.
    let mut s = connect(srv.addr);
    s.write_all(b"POST /ocsp HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let (status, _, extra) = read_head(&mut s);
    assert_eq!(status, 100);
    assert!(extra.is_empty());
    s.write_all(b"hello").unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert_eq!(parse(&rest).status, 200);
    assert_eq!(srv.last_body(), Some(b"hello".to_vec()));
}

#[test]
fn requests_are_recorded_in_order() {
    let srv = HttpServer::start();
    srv.set("/a", Reply::Status(200));
    for p in ["/a", "/b", "/a", "/c?d"] {
        let _ = get(&srv, p);
    }
    let head = raw(srv.addr, b"HEAD /a HTTP/1.0\r\n\r\n");
    assert_eq!(parse(&head).status, 200);
    assert_eq!(srv.requests(), vec!["/a", "/b", "/a", "/c?d", "/a"]);
    assert_eq!(srv.requests().iter().filter(|p| *p == "/a").count(), 3);
}

#[test]
fn bad_requests_are_rejected_and_not_recorded() {
    let srv = HttpServer::start();
    let r = parse(&raw(srv.addr, b"\x16\x03\x01\x00\x05hello\r\n\r\n"));
    assert_eq!(r.status, 400);
    let r = parse(&raw(srv.addr, b"GET relative/path HTTP/1.1\r\n\r\n"));
    assert_eq!(r.status, 400);
    // Headers beyond 64 KiB.
    let mut big = b"GET /a HTTP/1.1\r\n".to_vec();
    while big.len() < 70 * 1024 {
        big.extend_from_slice(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    big.extend_from_slice(b"\r\n");
    let r = parse(&raw(srv.addr, &big));
    assert_eq!(r.status, 431);
    assert!(srv.requests().is_empty());
    // A client that connects and leaves without a word.
    drop(connect(srv.addr));
    assert_eq!(get(&srv, "/fine").status, 404);
    assert_eq!(srv.requests(), vec!["/fine"]);
}

#[test]
fn drop_stops_the_server() {
    let srv = HttpServer::start();
    srv.set(
        "/slow",
        Reply::Slow {
            interval: Duration::from_millis(20),
        },
    );
    let addr = srv.addr;
    assert_eq!(get(&srv, "/x").status, 404);
    // An open slow connection must not keep drop() from returning.
    let mut s = connect(addr);
    s.write_all(b"GET /slow HTTP/1.1\r\n\r\n").unwrap();
    let _ = read_head(&mut s);
    let t = Instant::now();
    drop(srv);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // The slow connection ends too (EOF or reset, after at most a few drips).
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => assert!(Instant::now() < deadline, "slow reply outlived the server"),
        }
    }
    // New connections are refused (or at least never answered).
    match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
        Err(_) => {}
        Ok(mut c) => {
            c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            let _ = c.write_all(b"GET /x HTTP/1.1\r\n\r\n");
            let mut out = Vec::new();
            let _ = c.read_to_end(&mut out);
            assert!(out.is_empty(), "answered after drop: {out:?}");
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(None)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

#[test]
fn real_client_ureq() {
    let srv = HttpServer::start();
    srv.set(
        "/real.cer",
        Reply::Ok {
            body: b"certificate bytes".to_vec(),
            content_type: CER,
        },
    );
    srv.set("/old.cer", Reply::Redirect(srv.url("/real.cer")));
    let mut r = agent().get(&srv.url("/old.cer")).call().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.body_mut().read_to_vec().unwrap(),
        b"certificate bytes".to_vec()
    );
    let r = agent().get(&srv.url("/missing")).call().unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(srv.requests(), vec!["/old.cer", "/real.cer", "/missing"]);

    // A lying length: the client must not get the full body.
    srv.set(
        "/lie",
        Reply::Huge {
            claimed: 1000,
            actual: 10,
        },
    );
    let a = ureq::Agent::config_builder()
        .proxy(None)
        .timeout_global(Some(Duration::from_millis(700)))
        .build()
        .new_agent();
    let t = Instant::now();
    let res = a
        .get(&srv.url("/lie"))
        .call()
        .and_then(|mut r| r.body_mut().read_to_vec());
    assert!(res.is_err(), "{res:?}");
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn real_client_curl_if_installed() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("curl not installed; skipping");
        return;
    }
    let srv = HttpServer::start();
    srv.set(
        "/sub.cer",
        Reply::Ok {
            body: b"DER!".to_vec(),
            content_type: CER,
        },
    );
    let out = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "10", "--noproxy", "*"])
        .arg(srv.url("/sub.cer"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, b"DER!");
    // As a proxy: curl sends the absolute-form target.
    let out = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "10", "-x"])
        .arg(format!("http://{}", srv.addr))
        .arg("http://pki.example.invalid/sub.cer")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, b"DER!");
    // POST body, as an OCSP client would send it.
    srv.set("/ocsp", Reply::Status(200));
    let out = std::process::Command::new("curl")
        .args(["-sS", "--max-time", "10", "--noproxy", "*"])
        .args(["-H", "Content-Type: application/ocsp-request"])
        .args(["--data-binary", "REQ"])
        .arg(srv.url("/ocsp"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(srv.last_body(), Some(b"REQ".to_vec()));
    assert_eq!(srv.requests(), vec!["/sub.cer", "/sub.cer", "/ocsp"]);
}
