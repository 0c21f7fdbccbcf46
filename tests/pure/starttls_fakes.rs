//! STARTTLS dialogues and SQL Server's TDS framing against small scripted
//! servers on loopback (written from the protocol specifications), for the
//! protocols and misbehaviours no Debian package gives us on demand:
//! XMPP, FTP, TDS PRELOGIN, refusals, slow and endless greetings.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use trustfix::demo::pki::Ca;
use trustfix::demo::server::{config, handshake_on, spawn};

const HOST: &str = "mail.example.test";

struct Setup {
    cfg: Arc<rustls::ServerConfig>,
    _dir: tempfile::TempDir,
    ca: String,
}

/// A chain leaf <- sub <- root; the server sends leaf + sub, the store has the root.
fn setup() -> Setup {
    let root = Ca::root("Fake Root").unwrap();
    let sub = root.intermediate("Fake Sub").unwrap();
    let leaf = sub.leaf(&[HOST]).unwrap();
    let dir = tmp();
    let ca = p(dir.path(), "root.pem");
    write_pem(&ca, &[&root.der]);
    let cfg = config(
        vec![leaf.der, sub.der],
        leaf.key_pkcs8,
        rustls::ALL_VERSIONS,
        Vec::new(),
    )
    .unwrap();
    Setup {
        cfg,
        ca: ca.display().to_string(),
        _dir: dir,
    }
}

fn check(s: &Setup, port: u16, extra: &[&str]) -> (Out, Value) {
    let target = format!("{HOST}:{port}");
    let mut args = vec![
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--ca-file",
        &s.ca,
        "--json",
    ];
    if !extra.contains(&"--timeout") {
        args.extend_from_slice(&["--timeout", "3"]);
    }
    args.extend_from_slice(extra);
    let out = trustfix(&args);
    let v = out.json();
    (out, v)
}

fn lines(stream: &TcpStream) -> BufReader<TcpStream> {
    BufReader::new(stream.try_clone().unwrap())
}

fn read_line(r: &mut BufReader<TcpStream>) -> String {
    let mut l = String::new();
    let _ = r.read_line(&mut l);
    l
}

/// A scripted SMTP server: greeting, EHLO reply, STARTTLS reply; TLS only
/// when the STARTTLS reply is 220.
fn smtp(
    cfg: Arc<rustls::ServerConfig>,
    greeting: &'static str,
    ehlo: &'static str,
    starttls: &'static str,
) -> u16 {
    spawn(move |mut s| {
        let mut r = lines(&s);
        let _ = s.write_all(greeting.as_bytes());
        if !greeting.starts_with("220") {
            return;
        }
        let l = read_line(&mut r);
        if !l.starts_with("EHLO ") {
            let _ = s.write_all(b"503 5.5.1 EHLO first\r\n");
            return;
        }
        let _ = s.write_all(ehlo.as_bytes());
        if !read_line(&mut r).starts_with("STARTTLS") {
            return;
        }
        let _ = s.write_all(starttls.as_bytes());
        if starttls.starts_with("220") {
            let _ = handshake_on(cfg.clone(), &mut s);
        }
    })
    .unwrap()
    .port()
}

const EHLO_OK: &str = "250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n";

#[test]
fn smtp_multiline_greeting_then_starttls() {
    let s = setup();
    let port = smtp(
        s.cfg.clone(),
        "220-mail.example.test ESMTP\r\n220-Unauthorized access prohibited\r\n220 ready\r\n",
        EHLO_OK,
        "220 2.0.0 Ready to start TLS\r\n",
    );
    let (out, v) = check(
        &s,
        port,
        &["--starttls", "smtp", "--ehlo", "dbmail.example.test"],
    );
    assert_eq!(out.code, 0, "{v}");
    assert_eq!(v["tls"]["starttls"], "smtp");
    assert_eq!(v["tls"]["starttls_reason"], "--starttls");
    assert_eq!(v["chain"].as_array().unwrap().len(), 2);
}

#[test]
fn smtp_refusals_are_quoted_verbatim() {
    let s = setup();
    let cases: [(&'static str, &'static str, &'static str, &str); 4] = [
        (
            "421 4.3.2 too many connections, try later\r\n",
            EHLO_OK,
            "",
            "421 4.3.2 too many connections",
        ),
        (
            "220 ready\r\n",
            EHLO_OK,
            "454 4.7.0 TLS not available due to local problem\r\n",
            "454 4.7.0 TLS not available",
        ),
        (
            "220 ready\r\n",
            "250-mail.example.test\r\n250 PIPELINING\r\n",
            "",
            "does not advertise STARTTLS",
        ),
        (
            "HTTP/1.1 400 Bad Request\r\n\r\n",
            EHLO_OK,
            "",
            "not a smtp server",
        ),
    ];
    for (greeting, ehlo, starttls, expect) in cases {
        let port = smtp(s.cfg.clone(), greeting, ehlo, starttls);
        let (out, v) = check(&s, port, &["--starttls", "smtp"]);
        assert_eq!(out.code, 3, "{v}");
        assert_eq!(v["error"]["phase"], "starttls");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(expect), "{msg}");
        assert!(
            out.stderr.lines().count() == 1 && out.stderr.contains(expect),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn slow_and_endless_greetings_end_within_the_timeout() {
    let s = setup();
    // One greeting line per second, forever.
    let slow = spawn(|mut s| {
        for i in 0..30 {
            if s.write_all(format!("220-line {i}\r\n").as_bytes()).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    })
    .unwrap()
    .port();
    let t = Instant::now();
    let (out, v) = check(&s, slow, &["--starttls", "smtp", "--timeout", "2"]);
    assert_eq!(out.code, 3);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("timed out after 2s waiting for the 220 greeting"),
        "{v}"
    );
    assert!(t.elapsed() < Duration::from_secs(6));
    // A greeting that never ends, as fast as the socket takes it.
    let endless = spawn(|mut s| {
        let line = [b"220-".as_slice(), &[b'x'; 200], b"\r\n"].concat();
        while s.write_all(&line).is_ok() {}
    })
    .unwrap()
    .port();
    let (out, v) = check(&s, endless, &["--starttls", "smtp"]);
    assert_eq!(out.code, 3);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than"),
        "{v}"
    );
    // A STARTTLS that is never answered.
    let mute = smtp(s.cfg.clone(), "220 ready\r\n", EHLO_OK, "");
    let t = Instant::now();
    let (out, v) = check(&s, mute, &["--starttls", "smtp", "--timeout", "2"]);
    assert_eq!(out.code, 3);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("STARTTLS reply"),
        "{v}"
    );
    assert!(t.elapsed() < Duration::from_secs(6));
}

#[test]
fn port_picks_the_protocol_and_says_so() {
    // A bare host:port on 25 means SMTP; on other ports --starttls auto means direct TLS.
    let t = trustfix::target::parse("mail.example.test:25", None, None, Some("auto")).unwrap();
    assert_eq!(t.proto, trustfix::target::Proto::Smtp);
    let s = setup();
    let port = spawn({
        let cfg = s.cfg.clone();
        move |mut st| {
            let _ = handshake_on(cfg.clone(), &mut st);
        }
    })
    .unwrap()
    .port();
    let (out, v) = check(&s, port, &["--starttls", "auto"]);
    assert_eq!(out.code, 0, "{v}");
    assert_eq!(v["tls"]["starttls"], "none");
    assert_eq!(v["tls"]["starttls_reason"], format!("port {port}"));
}

#[test]
fn ftp_auth_tls() {
    let s = setup();
    let cfg = s.cfg.clone();
    let port = spawn(move |mut st| {
        let mut r = lines(&st);
        let _ = st.write_all(b"220-Welcome\r\n220 FTP ready\r\n");
        if read_line(&mut r).trim() == "AUTH TLS" {
            let _ = st.write_all(b"234 Proceed with negotiation.\r\n");
            let _ = handshake_on(cfg.clone(), &mut st);
        } else {
            let _ = st.write_all(b"500 what\r\n");
        }
    })
    .unwrap()
    .port();
    let (out, v) = check(&s, port, &["--starttls", "ftp"]);
    assert_eq!(out.code, 0, "{v}");
    assert_eq!(v["tls"]["starttls"], "ftp");
}

fn xmpp_server(cfg: Arc<rustls::ServerConfig>, ns: &'static str, offer: bool) -> u16 {
    spawn(move |mut st| {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        while !String::from_utf8_lossy(&buf).contains("version='1.0'>") {
            match st.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        if !String::from_utf8_lossy(&buf).contains(&format!("xmlns='{ns}'")) {
            let _ = st.write_all(b"<stream:error><invalid-namespace/></stream:error>");
            return;
        }
        let features = if offer {
            "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"
        } else {
            "<stream:features><mechanisms/></stream:features>"
        };
        let _ = st.write_all(format!("<?xml version='1.0'?><stream:stream from='example.test' id='1' version='1.0' xmlns='{ns}' xmlns:stream='http://etherx.jabber.org/streams'>{features}").as_bytes());
        let n = st.read(&mut chunk).unwrap_or(0);
        if String::from_utf8_lossy(&chunk[..n]).contains("<starttls") {
            let _ = st.write_all(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
            let _ = handshake_on(cfg.clone(), &mut st);
        }
    })
    .unwrap()
    .port()
}

#[test]
fn xmpp_client_and_server_streams() {
    let s = setup();
    let port = xmpp_server(s.cfg.clone(), "jabber:client", true);
    let (out, v) = check(&s, port, &["--starttls", "xmpp"]);
    assert_eq!(out.code, 0, "{v}");
    let port = xmpp_server(s.cfg.clone(), "jabber:server", true);
    let (out, v) = check(&s, port, &["--starttls", "xmpp-server"]);
    assert_eq!(out.code, 0, "{v}");
    let port = xmpp_server(s.cfg.clone(), "jabber:client", false);
    let (out, v) = check(&s, port, &["--starttls", "xmpp"]);
    assert_eq!(out.code, 3);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not offer <starttls/>"),
        "{v}"
    );
}

#[test]
fn imap_pop3_ldap_postgres_mysql_refusals() {
    let s = setup();
    let imap = spawn(|mut st| {
        let mut r = lines(&st);
        let _ = st.write_all(b"* OK [CAPABILITY IMAP4rev1] ready\r\n");
        let l = read_line(&mut r);
        let tag = l.split(' ').next().unwrap_or("*").to_string();
        let _ =
            st.write_all(format!("{tag} NO [PRIVACYREQUIRED] TLS is disabled here\r\n").as_bytes());
    })
    .unwrap()
    .port();
    let pop3 = spawn(|mut st| {
        let mut r = lines(&st);
        let _ = st.write_all(b"+OK POP3 ready\r\n");
        let _ = read_line(&mut r);
        let _ = st.write_all(b"-ERR Command not permitted when TLS active\r\n");
    })
    .unwrap()
    .port();
    let ldap = spawn(|mut st| {
        let mut req = [0u8; 64];
        let _ = st.read(&mut req);
        // ExtendedResponse, resultCode 2 (protocolError), diagnosticMessage.
        let diag = b"unsupported extended operation";
        let mut op = vec![0x0a, 0x01, 0x02, 0x04, 0x00, 0x04, diag.len() as u8];
        op.extend_from_slice(diag);
        let mut msg = vec![0x02, 0x01, 0x01, 0x78, op.len() as u8];
        msg.extend(op);
        let mut out = vec![0x30, msg.len() as u8];
        out.extend(msg);
        let _ = st.write_all(&out);
    })
    .unwrap()
    .port();
    let pg = spawn(|mut st| {
        let mut req = [0u8; 8];
        let _ = st.read_exact(&mut req);
        let _ = st.write_all(if req == [0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f] {
            b"N"
        } else {
            b"?"
        });
    })
    .unwrap()
    .port();
    let mysql = spawn(|mut st| {
        // Greeting without CLIENT_SSL in the capability flags.
        let mut p = vec![10];
        p.extend_from_slice(b"10.11.6-MariaDB\0");
        p.extend_from_slice(&[1, 0, 0, 0]);
        p.extend_from_slice(b"abcdefgh\0");
        p.extend_from_slice(&0xf7ffu16.to_le_bytes()); // every flag but CLIENT_SSL (0x0800)
        p.extend_from_slice(&[45, 2, 0, 0xff, 0x81, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let mut out = vec![p.len() as u8, 0, 0, 0];
        out.extend(p);
        let _ = st.write_all(&out);
        let _ = st.read(&mut [0u8; 64]);
    })
    .unwrap()
    .port();
    let cases = [
        (
            imap,
            "imap",
            "tf1 NO [PRIVACYREQUIRED] TLS is disabled here",
        ),
        (pop3, "pop3", "-ERR Command not permitted"),
        (
            ldap,
            "ldap",
            "resultCode 2 (protocolError): \"unsupported extended operation\"",
        ),
        (pg, "postgres", "answered 'N'"),
        (mysql, "mysql", "does not offer TLS"),
    ];
    for (port, proto, expect) in cases {
        let (out, v) = check(&s, port, &["--starttls", proto]);
        assert_eq!(out.code, 3, "{proto}: {v}");
        assert_eq!(v["error"]["phase"], "starttls", "{proto}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with(&format!("{proto} starttls with")), "{msg}");
        assert!(msg.contains(expect), "{proto}: {msg}");
    }
}

/// A SQL Server PRELOGIN responder written from MS-TDS 2.2.6.5: answers
/// PRELOGIN with ENCRYPTION = `encryption`, then runs TLS inside TDS
/// packets of type 0x12 until the handshake is done.
fn tds_server(cfg: Arc<rustls::ServerConfig>, encryption: u8) -> u16 {
    spawn(move |mut st| {
        let Some((ty, body)) = tds_read(&mut st) else {
            return;
        };
        if ty != 0x12 || body.len() < 6 {
            return;
        }
        // Response options: VERSION (6 bytes), ENCRYPTION (1 byte), terminator.
        let mut p = vec![
            0x00, 0x00, 0x0b, 0x00, 0x06, 0x01, 0x00, 0x11, 0x00, 0x01, 0xff,
        ];
        p.extend_from_slice(&[0x0f, 0x00, 0x07, 0xd0, 0x00, 0x00]);
        p.push(encryption);
        tds_write(&mut st, 0x04, &p);
        if encryption == 0x02 {
            return;
        }
        let mut framed = TdsFramed {
            sock: st,
            inbuf: Vec::new(),
        };
        let _ = handshake_on(cfg.clone(), &mut framed);
    })
    .unwrap()
    .port()
}

fn tds_read(st: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut h = [0u8; 8];
    st.read_exact(&mut h).ok()?;
    let len = u16::from_be_bytes([h[2], h[3]]) as usize;
    let mut body = vec![0u8; len.checked_sub(8)?];
    st.read_exact(&mut body).ok()?;
    Some((h[0], body))
}

fn tds_write(st: &mut TcpStream, ty: u8, payload: &[u8]) {
    let mut pkt = vec![ty, 0x01];
    pkt.extend_from_slice(&((payload.len() + 8) as u16).to_be_bytes());
    pkt.extend_from_slice(&[0, 0, 1, 0]);
    pkt.extend_from_slice(payload);
    let _ = st.write_all(&pkt);
}

struct TdsFramed {
    sock: TcpStream,
    inbuf: Vec<u8>,
}

impl Read for TdsFramed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.inbuf.is_empty() {
            match tds_read(&mut self.sock) {
                Some((_, body)) => self.inbuf = body,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.inbuf.len());
        buf[..n].copy_from_slice(&self.inbuf[..n]);
        self.inbuf.drain(..n);
        Ok(n)
    }
}

impl Write for TdsFramed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        tds_write(&mut self.sock, 0x12, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn sql_server_prelogin_carries_the_handshake() {
    let s = setup();
    let port = tds_server(s.cfg.clone(), 0x01);
    let (out, v) = check(&s, port, &["--starttls", "mssql"]);
    assert_eq!(out.code, 0, "{v}");
    assert_eq!(v["tls"]["starttls"], "mssql");
    assert_eq!(v["chain"][1]["subject"], "CN=Fake Sub");
    let target = format!("mssql://{HOST}:{port}");
    let out = trustfix([
        "check",
        &target,
        "--connect",
        "127.0.0.1",
        "--ca-file",
        &s.ca,
        "--json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stdout);

    let port = tds_server(s.cfg.clone(), 0x02);
    let (out, v) = check(&s, port, &["--starttls", "mssql"]);
    assert_eq!(out.code, 3);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ENCRYPT_NOT_SUP"),
        "{v}"
    );
}
