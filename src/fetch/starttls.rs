//! In-protocol upgrades to TLS, each as strict servers expect it: wait for
//! the whole greeting, ask, check the answer, and quote the server verbatim
//! when it refuses. Every read is bounded in size and by the phase deadline.

use super::{Conn, Deadline, FetchError, FetchOptions, Phase};
use crate::load::der_tlv;
use crate::target::{Proto, Target};

/// Longest line we accept from a server.
const MAX_LINE: usize = 8 * 1024;
/// Longest reply (all lines of a multi-line greeting, XMPP features).
const MAX_REPLY: usize = 64 * 1024;

/// Why a STARTTLS dialogue failed; `upgrade` prefixes the protocol and host.
#[derive(Debug)]
pub(crate) enum StarttlsError {
    /// The phase deadline passed (`timed out after ...`, from [`Deadline`]).
    TimedOut {
        /// The deadline's own words.
        after: String,
        /// What we were waiting for.
        waiting_for: String,
    },
    /// The server closed the connection before answering.
    Closed {
        /// What we were waiting for.
        waiting_for: String,
    },
    /// Reading from the socket failed.
    Read {
        /// What we were waiting for.
        waiting_for: String,
        /// The socket's error.
        source: std::io::Error,
    },
    /// Writing to the socket failed.
    Send {
        /// The target's authority.
        who: String,
        /// The socket's error.
        source: std::io::Error,
    },
    /// A line longer than [`MAX_LINE`].
    LineTooLong {
        /// What we were waiting for.
        waiting_for: String,
        /// The protocol's name.
        proto: &'static str,
    },
    /// A multi-line reply over [`MAX_REPLY`] bytes or 1000 lines.
    ReplyTooLong {
        /// What we were waiting for.
        waiting_for: String,
        /// Lines read so far.
        lines: usize,
    },
    /// [`MAX_REPLY`] bytes arrived without any of the awaited marks.
    NoAnswer {
        /// What we were waiting for.
        waiting_for: String,
    },
    /// IMAP: no line tagged with our tag within [`MAX_REPLY`] bytes.
    NoTaggedAnswer,
    /// The peer does not speak the protocol.
    NotServer {
        /// The kind expected, with its article (`a smtp`, `an IMAP`).
        kind: String,
        /// What gave it away, quoting the server where it said something.
        saw: String,
    },
    /// The greeting refused the session.
    SessionRefused {
        /// The server's words, clipped.
        said: String,
    },
    /// A command was refused (`STARTTLS`, `EHLO name`, `AUTH TLS`, `STLS`).
    Refused {
        /// The command as sent.
        command: String,
        /// The server's words, clipped.
        said: String,
    },
    /// PostgreSQL or MySQL answered with an error message.
    ServerRefused {
        /// The server's message, clipped.
        said: String,
    },
    /// XMPP: the stream was refused or is not an XMPP stream.
    StreamRefused {
        /// What the server sent, clipped.
        said: String,
    },
    /// SMTP: EHLO does not list STARTTLS.
    NoStarttls {
        /// The extensions EHLO offered, clipped, or `nothing`.
        offered: String,
    },
    /// XMPP: no `<starttls/>` in the stream features.
    NoXmppStarttls,
    /// PostgreSQL answered 'N' to SSLRequest.
    PostgresNoTls,
    /// MySQL's greeting lacks the CLIENT_SSL capability.
    MysqlNoTls {
        /// The server version from the greeting.
        version: String,
    },
    /// A reply that does not parse.
    Malformed(&'static str),
    /// LDAP: a response longer than [`MAX_REPLY`].
    LdapTooLarge {
        /// Its announced length.
        len: usize,
    },
    /// LDAP: a response other than an ExtendedResponse.
    LdapUnexpected {
        /// The operation's tag.
        tag: u8,
    },
    /// LDAP: StartTLS answered with a non-zero resultCode.
    LdapRefused {
        /// The resultCode.
        code: u32,
        /// The diagnosticMessage, clipped (may be empty).
        diag: String,
    },
}

impl std::fmt::Display for StarttlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use StarttlsError as E;
        match self {
            E::TimedOut { after, waiting_for } => write!(f, "{after} waiting for {waiting_for}"),
            E::Closed { waiting_for } => write!(
                f,
                "the server closed the connection while we waited for {waiting_for}"
            ),
            E::Read {
                waiting_for,
                source,
            } => write!(f, "reading {waiting_for}: {source}"),
            E::Send { who, source } => write!(f, "sending to {who}: {source}"),
            E::LineTooLong { waiting_for, proto } => write!(
                f,
                "{waiting_for}: a line longer than {MAX_LINE} bytes; is this a {proto} server?"
            ),
            E::ReplyTooLong { waiting_for, lines } => write!(
                f,
                "{waiting_for}: a reply of more than {lines} lines / {MAX_REPLY} bytes"
            ),
            E::NoAnswer { waiting_for } => write!(
                f,
                "{waiting_for}: more than {MAX_REPLY} bytes without an answer"
            ),
            E::NoTaggedAnswer => f.write_str("no tagged answer to STARTTLS"),
            E::NotServer { kind, saw } => write!(f, "not {kind} server: {saw}"),
            E::SessionRefused { said } => {
                write!(f, "the server refused the session: \"{said}\"")
            }
            E::Refused { command, said } => write!(f, "{command} refused: \"{said}\""),
            E::ServerRefused { said } => write!(f, "the server refused: \"{said}\""),
            E::StreamRefused { said } => write!(f, "the server refused the stream: \"{said}\""),
            E::NoStarttls { offered } => write!(
                f,
                "the server does not advertise STARTTLS (EHLO offered: {offered})"
            ),
            E::NoXmppStarttls => {
                f.write_str("the server does not offer <starttls/> in its stream features")
            }
            E::PostgresNoTls => f.write_str(
                "the server answered 'N': it does not accept TLS (ssl = off in postgresql.conf)",
            ),
            E::MysqlNoTls { version } => write!(
                f,
                "the server ({version}) does not offer TLS (have_ssl is off)"
            ),
            E::Malformed(what) => f.write_str(what),
            E::LdapTooLarge { len } => write!(f, "LDAP response of {len} bytes is too large"),
            E::LdapUnexpected { tag } => {
                write!(f, "unexpected LDAP response (tag 0x{tag:02x}) to StartTLS")
            }
            E::LdapRefused { code, diag } => {
                write!(
                    f,
                    "StartTLS refused: resultCode {code} ({})",
                    ldap_result_name(*code)
                )?;
                if !diag.is_empty() {
                    write!(f, ": \"{diag}\"")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for StarttlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StarttlsError::Read { source, .. } | StarttlsError::Send { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A step of a dialogue.
type Step<T> = Result<T, StarttlsError>;

pub(super) fn upgrade(
    target: &Target,
    sock: &mut dyn Conn,
    opts: &FetchOptions,
    deadline: Deadline,
) -> Result<(), FetchError> {
    let mut s = Session {
        sock,
        buf: Vec::new(),
        deadline,
        proto: target.proto.name(),
        who: target.authority(),
    };
    let r = match target.proto {
        Proto::Direct | Proto::Mssql => Ok(()),
        Proto::Smtp => smtp(&mut s, &opts.ehlo),
        Proto::Imap => imap(&mut s),
        Proto::Pop3 => pop3(&mut s),
        Proto::Ftp => ftp(&mut s),
        Proto::Ldap => ldap(&mut s),
        Proto::Postgres => postgres(&mut s),
        Proto::Mysql => mysql(&mut s),
        Proto::Xmpp => xmpp(&mut s, &target.servername, "jabber:client"),
        Proto::XmppServer => xmpp(&mut s, &target.servername, "jabber:server"),
    };
    r.map_err(|m| FetchError {
        phase: Phase::Starttls,
        message: format!(
            "{} starttls with {}: {m}",
            target.proto.name(),
            target.authority()
        ),
    })
}

struct Session<'a> {
    sock: &'a mut dyn Conn,
    /// Bytes read but not consumed. Servers send nothing after their "go
    /// ahead" until our ClientHello, so nothing TLS lands here.
    buf: Vec<u8>,
    deadline: Deadline,
    proto: &'static str,
    who: String,
}

impl Session<'_> {
    fn fill(&mut self, waiting_for: &str) -> Step<()> {
        let Some(left) = self.deadline.remaining() else {
            return Err(self.timed_out(waiting_for));
        };
        self.sock.set_timeout(left);
        let mut chunk = [0u8; 2048];
        match self.sock.read(&mut chunk) {
            Ok(0) => Err(StarttlsError::Closed {
                waiting_for: waiting_for.to_string(),
            }),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Err(self.timed_out(waiting_for))
            }
            Err(source) => Err(StarttlsError::Read {
                waiting_for: waiting_for.to_string(),
                source,
            }),
        }
    }

    fn timed_out(&self, waiting_for: &str) -> StarttlsError {
        StarttlsError::TimedOut {
            after: self.deadline.timed_out(),
            waiting_for: waiting_for.to_string(),
        }
    }

    /// One CRLF- or LF-terminated line, without the terminator.
    fn line(&mut self, waiting_for: &str) -> Step<String> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let mut l: Vec<u8> = self.buf.drain(..=pos).collect();
                l.pop();
                if l.last() == Some(&b'\r') {
                    l.pop();
                }
                return Ok(String::from_utf8_lossy(&l).into_owned());
            }
            if self.buf.len() > MAX_LINE {
                return Err(StarttlsError::LineTooLong {
                    waiting_for: waiting_for.to_string(),
                    proto: self.proto,
                });
            }
            self.fill(waiting_for)?;
        }
    }

    fn exact(&mut self, n: usize, waiting_for: &str) -> Step<Vec<u8>> {
        while self.buf.len() < n {
            self.fill(waiting_for)?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    fn send(&mut self, data: &[u8]) -> Step<()> {
        if let Some(left) = self.deadline.remaining() {
            self.sock.set_timeout(left);
        }
        self.sock
            .write_all(data)
            .map_err(|source| StarttlsError::Send {
                who: self.who.clone(),
                source,
            })
    }
}

/// A complete SMTP/FTP reply: all `NNN-` lines and the final `NNN ` line.
fn numeric_reply(s: &mut Session, waiting_for: &str) -> Step<(u16, Vec<String>)> {
    let mut lines = Vec::new();
    let mut total = 0;
    loop {
        let l = s.line(waiting_for)?;
        total += l.len();
        let code = l.get(..3).and_then(|c| c.parse::<u16>().ok());
        let sep = l.as_bytes().get(3).copied();
        let Some(code) = code.filter(|_| matches!(sep, None | Some(b' ') | Some(b'-'))) else {
            return Err(StarttlsError::NotServer {
                kind: format!("a {}", s.proto),
                saw: format!("it said \"{}\"", clip(&l)),
            });
        };
        lines.push(l);
        if sep != Some(b'-') {
            return Ok((code, lines));
        }
        if total > MAX_REPLY || lines.len() > 1000 {
            return Err(StarttlsError::ReplyTooLong {
                waiting_for: waiting_for.to_string(),
                lines: lines.len(),
            });
        }
    }
}

fn clip(s: &str) -> String {
    let t: String = s.chars().take(200).collect();
    if t.len() < s.len() {
        format!("{t}...")
    } else {
        t
    }
}

fn refused(command: &str, said: String) -> StarttlsError {
    StarttlsError::Refused {
        command: command.to_string(),
        said,
    }
}

fn verbatim(lines: &[String]) -> String {
    clip(&lines.join(" / "))
}

fn smtp(s: &mut Session, ehlo: &str) -> Step<()> {
    let (code, lines) = numeric_reply(s, "the 220 greeting")?;
    if code != 220 {
        return Err(StarttlsError::SessionRefused {
            said: verbatim(&lines),
        });
    }
    s.send(format!("EHLO {ehlo}\r\n").as_bytes())?;
    let (code, lines) = numeric_reply(s, "the EHLO reply")?;
    if code != 250 {
        return Err(refused(&format!("EHLO {ehlo}"), verbatim(&lines)));
    }
    let offers = lines.iter().skip(1).any(|l| {
        l.get(4..)
            .is_some_and(|k| k.trim().eq_ignore_ascii_case("STARTTLS"))
    });
    if !offers {
        let exts: Vec<&str> = lines.iter().skip(1).filter_map(|l| l.get(4..)).collect();
        return Err(StarttlsError::NoStarttls {
            offered: if exts.is_empty() {
                "nothing".to_string()
            } else {
                clip(&exts.join(", "))
            },
        });
    }
    s.send(b"STARTTLS\r\n")?;
    let (code, lines) = numeric_reply(s, "the STARTTLS reply")?;
    if code != 220 {
        return Err(refused("STARTTLS", verbatim(&lines)));
    }
    Ok(())
}

fn ftp(s: &mut Session) -> Step<()> {
    let (code, lines) = numeric_reply(s, "the 220 greeting")?;
    if code != 220 {
        return Err(StarttlsError::SessionRefused {
            said: verbatim(&lines),
        });
    }
    s.send(b"AUTH TLS\r\n")?;
    let (code, lines) = numeric_reply(s, "the AUTH TLS reply")?;
    if code != 234 {
        return Err(refused("AUTH TLS", verbatim(&lines)));
    }
    Ok(())
}

fn imap(s: &mut Session) -> Step<()> {
    let greeting = s.line("the IMAP greeting")?;
    if !(greeting.starts_with("* OK") || greeting.starts_with("* PREAUTH")) {
        if greeting.starts_with("* ") {
            return Err(StarttlsError::SessionRefused {
                said: clip(&greeting),
            });
        }
        return Err(StarttlsError::NotServer {
            kind: "an IMAP".into(),
            saw: format!("it said \"{}\"", clip(&greeting)),
        });
    }
    s.send(b"tf1 STARTTLS\r\n")?;
    let mut total = 0;
    loop {
        let l = s.line("the STARTTLS reply")?;
        total += l.len();
        if let Some(rest) = l.strip_prefix("tf1 ") {
            if rest.starts_with("OK") {
                return Ok(());
            }
            return Err(refused("STARTTLS", clip(&l)));
        }
        if total > MAX_REPLY {
            return Err(StarttlsError::NoTaggedAnswer);
        }
    }
}

fn pop3(s: &mut Session) -> Step<()> {
    let greeting = s.line("the POP3 greeting")?;
    if !greeting.starts_with("+OK") {
        if greeting.starts_with("-ERR") {
            return Err(StarttlsError::SessionRefused {
                said: clip(&greeting),
            });
        }
        return Err(StarttlsError::NotServer {
            kind: "a POP3".into(),
            saw: format!("it said \"{}\"", clip(&greeting)),
        });
    }
    s.send(b"STLS\r\n")?;
    let l = s.line("the STLS reply")?;
    if !l.starts_with("+OK") {
        return Err(refused("STLS", clip(&l)));
    }
    Ok(())
}

const LDAP_STARTTLS_OID: &[u8] = b"1.3.6.1.4.1.1466.20037";

fn ldap(s: &mut Session) -> Step<()> {
    // LDAPMessage { messageID 1, extendedReq [APPLICATION 23] { requestName [0] OID } }
    let mut req = vec![0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16];
    req.extend_from_slice(LDAP_STARTTLS_OID);
    s.send(&req)?;
    // Read one whole BER element, bounded.
    let head = s.exact(2, "the StartTLS response")?;
    if head[0] != 0x30 {
        return Err(StarttlsError::NotServer {
            kind: "an LDAP".into(),
            saw: format!("first byte 0x{:02x}", head[0]),
        });
    }
    let (len, extra) = match head[1] {
        n if n < 0x80 => (n as usize, Vec::new()),
        n => {
            let k = (n & 0x7f) as usize;
            if k == 0 || k > 3 {
                return Err(StarttlsError::Malformed("malformed LDAP response length"));
            }
            let b = s.exact(k, "the StartTLS response")?;
            (b.iter().fold(0usize, |a, &x| (a << 8) | x as usize), b)
        }
    };
    if len > MAX_REPLY {
        return Err(StarttlsError::LdapTooLarge { len });
    }
    let body = s.exact(len, "the StartTLS response")?;
    let mut msg = head;
    msg.extend(extra);
    msg.extend(&body);
    let bad = || StarttlsError::Malformed("malformed LDAP ExtendedResponse");
    let (_, seq, _) = der_tlv(&msg).ok_or_else(bad)?;
    let (_, _msgid, rest) = der_tlv(seq).ok_or_else(bad)?;
    let (tag, op, _) = der_tlv(rest).ok_or_else(bad)?;
    if tag != 0x78 {
        return Err(StarttlsError::LdapUnexpected { tag });
    }
    let (_, code, rest) = der_tlv(op).ok_or_else(bad)?;
    let result = code.iter().fold(0u32, |a, &b| (a << 8) | b as u32);
    if result == 0 {
        return Ok(());
    }
    let (_, _matched, rest) = der_tlv(rest).ok_or_else(bad)?;
    let diag = der_tlv(rest)
        .map(|(_, d, _)| String::from_utf8_lossy(d).into_owned())
        .unwrap_or_default();
    Err(StarttlsError::LdapRefused {
        code: result,
        diag: if diag.is_empty() {
            String::new()
        } else {
            clip(&diag)
        },
    })
}

fn ldap_result_name(code: u32) -> &'static str {
    match code {
        1 => "operationsError",
        2 => "protocolError",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        12 => "unavailableCriticalExtension",
        13 => "confidentialityRequired",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        80 => "other",
        _ => "see RFC 4511",
    }
}

fn postgres(s: &mut Session) -> Step<()> {
    // SSLRequest: length 8, code 80877103.
    s.send(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])?;
    let b = s.exact(1, "the answer to SSLRequest")?;
    match b[0] {
        b'S' => Ok(()),
        b'N' => Err(StarttlsError::PostgresNoTls),
        b'E' => {
            // ErrorResponse: Int32 length, then fields; show the 'M'essage field.
            let len = s.exact(4, "the error message")?;
            let n = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
            let body = s.exact(n.saturating_sub(4).min(MAX_LINE), "the error message")?;
            let text = body
                .split(|&c| c == 0)
                .find_map(|f| f.strip_prefix(b"M"))
                .map(|m| String::from_utf8_lossy(m).into_owned())
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
            Err(StarttlsError::ServerRefused { said: clip(&text) })
        }
        other => Err(StarttlsError::NotServer {
            kind: "a PostgreSQL".into(),
            saw: format!("answered 0x{other:02x} to SSLRequest"),
        }),
    }
}

const CLIENT_LONG_PASSWORD: u32 = 0x1;
const CLIENT_PROTOCOL_41: u32 = 0x200;
const CLIENT_SSL: u32 = 0x800;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;

fn mysql(s: &mut Session) -> Step<()> {
    let head = s.exact(4, "the server greeting")?;
    let len = head[0] as usize | (head[1] as usize) << 8 | (head[2] as usize) << 16;
    if len > MAX_REPLY {
        return Err(StarttlsError::NotServer {
            kind: "a MySQL".into(),
            saw: format!("greeting of {len} bytes"),
        });
    }
    let p = s.exact(len, "the server greeting")?;
    match p.first() {
        Some(0xff) => {
            // Error packet: 0xff, code (2), optional '#' + SQLSTATE (6), message.
            let msg = p.get(3..).unwrap_or_default();
            let msg = msg
                .strip_prefix(b"#")
                .map(|m| m.get(5..).unwrap_or_default())
                .unwrap_or(msg);
            return Err(StarttlsError::ServerRefused {
                said: clip(&String::from_utf8_lossy(msg)),
            });
        }
        Some(10) => {}
        Some(v) => {
            return Err(StarttlsError::NotServer {
                kind: "a MySQL".into(),
                saw: format!("protocol version {v}"),
            })
        }
        None => return Err(StarttlsError::Malformed("empty greeting")),
    }
    let nul = p
        .iter()
        .skip(1)
        .position(|&b| b == 0)
        .ok_or(StarttlsError::Malformed("malformed greeting"))?
        + 1;
    let version = String::from_utf8_lossy(&p[1..nul]).into_owned();
    // version NUL, thread id (4), auth data 1 (8), filler (1), capabilities low (2).
    let caps_at = nul + 1 + 4 + 8 + 1;
    let caps = p
        .get(caps_at..caps_at + 2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]) as u32)
        .ok_or(StarttlsError::Malformed("greeting too short"))?;
    if caps & CLIENT_SSL == 0 {
        return Err(StarttlsError::MysqlNoTls { version });
    }
    let flags = CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION;
    let mut pkt = vec![32, 0, 0, 1];
    pkt.extend_from_slice(&flags.to_le_bytes());
    pkt.extend_from_slice(&(16u32 * 1024 * 1024).to_le_bytes());
    pkt.push(45); // utf8mb4_general_ci
    pkt.extend_from_slice(&[0u8; 23]);
    s.send(&pkt)
}

fn xmpp(s: &mut Session, domain: &str, ns: &str) -> Step<()> {
    let open = format!(
        "<?xml version='1.0'?><stream:stream xmlns='{ns}' xmlns:stream='http://etherx.jabber.org/streams' to='{domain}' version='1.0'>"
    );
    s.send(open.as_bytes())?;
    let features = read_until(
        s,
        &[
            "</stream:features>",
            "<stream:features/>",
            "</stream:stream>",
        ],
        "the stream features",
    )?;
    if features.contains("<stream:error") || !features.contains("stream:features") {
        return Err(StarttlsError::StreamRefused {
            said: clip(&features),
        });
    }
    if !features.contains("<starttls") {
        return Err(StarttlsError::NoXmppStarttls);
    }
    s.send(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")?;
    let answer = read_until(s, &["<proceed", "<failure"], "the answer to <starttls/>")?;
    if answer.contains("<proceed") {
        // Consume the rest of the <proceed .../> element.
        while !s.buf.contains(&b'>') {
            s.fill("the end of <proceed/>")?;
        }
        if let Some(pos) = s.buf.iter().position(|&b| b == b'>') {
            s.buf.drain(..=pos);
        }
        return Ok(());
    }
    Err(refused("STARTTLS", clip(&answer)))
}

/// Reads until one of `marks` appears; returns everything read up to and
/// including the mark, leaving the rest buffered.
fn read_until(s: &mut Session, marks: &[&str], waiting_for: &str) -> Step<String> {
    loop {
        let found = marks
            .iter()
            .filter_map(|m| find(&s.buf, m.as_bytes()).map(|p| p + m.len()))
            .min();
        if let Some(end) = found {
            let taken: Vec<u8> = s.buf.drain(..end).collect();
            return Ok(String::from_utf8_lossy(&taken).into_owned());
        }
        if s.buf.len() > MAX_REPLY {
            return Err(StarttlsError::NoAnswer {
                waiting_for: waiting_for.to_string(),
            });
        }
        s.fill(waiting_for)?;
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
