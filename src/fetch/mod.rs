//! Getting the chain off the wire. Knows sockets, STARTTLS dialogues and
//! TLS, nothing of stores or diagnosis. Every phase (DNS, connect, STARTTLS,
//! handshake) has its own deadline so a dead or slow host costs seconds.
//!
//! rustls speaks first; when it cannot negotiate (TLS 1.0/1.1 only, CBC or
//! static-RSA suites) a hand-written TLS <= 1.2 ClientHello captures the
//! chain from the server's clear-text flight.

mod legacy;
mod modern;
mod starttls;
mod tds;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::target::{Proto, Target};

/// What the server sent, as sent.
#[derive(Debug, Clone)]
pub struct Captured {
    /// DER certificates in the order the server sent them.
    pub chain: Vec<Vec<u8>>,
    /// Negotiated version (`TLSv1.3`, `TLSv1.0`), or `unknown`.
    pub protocol: String,
    /// Negotiated cipher suite (`TLS13_AES_128_GCM_SHA256`), or `unknown`.
    pub cipher_suite: String,
    /// Stapled OCSP response (DER), if the server sent one.
    pub ocsp_stapled: Option<Vec<u8>>,
    /// The address the chain came from.
    pub address: SocketAddr,
    /// Set when the handshake failed after the certificates arrived; the
    /// chain is still diagnosable.
    pub handshake_error: Option<String>,
    /// The chain came from the legacy ClientHello because rustls could not
    /// negotiate; `modern_error` says why.
    pub legacy: bool,
    /// Why rustls could not negotiate, when `legacy` is set.
    pub modern_error: Option<String>,
}

/// Stage of a fetch, so errors say where a connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Resolving the host name.
    Dns,
    /// Opening the TCP connection.
    Connect,
    /// The plain-text dialogue before TLS (`--starttls`).
    Starttls,
    /// The TLS handshake up to the certificates.
    Handshake,
}

impl Phase {
    /// Stable name for JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Dns => "dns",
            Phase::Connect => "connect",
            Phase::Starttls => "starttls",
            Phase::Handshake => "handshake",
        }
    }
}

/// Why a fetch failed, and in which phase.
#[derive(Debug, Clone)]
pub struct FetchError {
    /// Phase that failed.
    pub phase: Phase,
    /// One line, naming the host or address.
    pub message: String,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FetchError {}

/// A phase timeout outside 0.01..=3600 seconds; reads after the flag or
/// key name (`--timeout 0: must be ...`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeoutRangeError(pub f64);

impl std::fmt::Display for TimeoutRangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: must be from 0.01 to 3600 seconds", self.0)
    }
}

impl std::error::Error for TimeoutRangeError {}

/// How to fetch: the per-phase deadline and protocol details.
pub struct FetchOptions {
    /// Per phase.
    pub timeout: Duration,
    /// Name announced in SMTP EHLO.
    pub ehlo: String,
}

/// Seconds allowed for one phase, checked: from 0.01 to 3600. The error
/// reads after the flag or key name (`--timeout 0: must be ...`).
pub fn phase_timeout(secs: f64) -> Result<Duration, TimeoutRangeError> {
    if secs.is_finite() && (0.01..=3600.0).contains(&secs) {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(TimeoutRangeError(secs))
    }
}

/// A point in time a phase must finish by.
#[derive(Clone, Copy)]
pub(crate) struct Deadline {
    end: Instant,
    total: Duration,
}

impl Deadline {
    pub(crate) fn new(total: Duration) -> Self {
        Deadline {
            end: Instant::now() + total,
            total,
        }
    }

    /// Time left, or `None` once expired.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        self.end
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }

    pub(crate) fn timed_out(&self) -> String {
        format!("timed out after {}s", self.total.as_secs_f32())
    }
}

/// A byte stream TLS can run over: a socket, or TDS packets on a socket.
pub(crate) trait Conn: Read + Write {
    fn set_timeout(&mut self, d: Duration);
}

impl Conn for TcpStream {
    fn set_timeout(&mut self, d: Duration) {
        let _ = self.set_read_timeout(Some(d));
        let _ = self.set_write_timeout(Some(d));
    }
}

/// Outcome of one handshake attempt.
pub(crate) enum Attempt {
    Done(Captured),
    /// The peer speaks TLS but not what this client offered: worth a retry
    /// with the legacy ClientHello.
    Incompatible(String),
    Failed(FetchError),
}

/// Connects to the target and captures the certificate chain it sends.
pub fn fetch(target: &Target, opts: &FetchOptions) -> Result<Captured, FetchError> {
    let addrs = resolve(target, Deadline::new(opts.timeout))?;
    fetch_addrs(target, &addrs, opts)
}

/// The addresses `fetch` would connect to (`--connect`, an IP, or DNS with
/// the timeout), for callers that resolve each name once (`preflight`).
pub fn resolve_target(target: &Target, timeout: Duration) -> Result<Vec<SocketAddr>, FetchError> {
    resolve(target, Deadline::new(timeout))
}

/// `fetch` with the addresses already resolved (tried in order).
pub fn fetch_addrs(
    target: &Target,
    addrs: &[SocketAddr],
    opts: &FetchOptions,
) -> Result<Captured, FetchError> {
    let modern_error = match attempt(target, addrs, opts, false)? {
        Attempt::Done(c) => return Ok(c),
        Attempt::Failed(e) => return Err(e),
        Attempt::Incompatible(why) => why,
    };
    let failed = |retry: String| FetchError {
        phase: Phase::Handshake,
        message: format!(
            "handshake with {}: {modern_error}; a legacy TLS 1.0-1.2 retry failed too: {retry}",
            target.authority()
        ),
    };
    match attempt(target, addrs, opts, true) {
        Ok(Attempt::Done(mut c)) => {
            c.modern_error = Some(modern_error);
            Ok(c)
        }
        Ok(Attempt::Incompatible(why)) => Err(failed(why)),
        // The retry's own failure (even a refused reconnect) matters less
        // than why the first handshake failed; both are reported.
        Ok(Attempt::Failed(e)) | Err(e) => Err(failed(e.message)),
    }
}

/// One connection: connect, STARTTLS if needed, then a handshake.
fn attempt(
    target: &Target,
    addrs: &[SocketAddr],
    opts: &FetchOptions,
    legacy: bool,
) -> Result<Attempt, FetchError> {
    let (mut sock, addr) = connect(target, addrs, Deadline::new(opts.timeout))?;
    starttls::upgrade(target, &mut sock, opts, Deadline::new(opts.timeout))?;
    let deadline = Deadline::new(opts.timeout);
    let where_ = if target.host.parse::<IpAddr>() == Ok(addr.ip()) {
        target.authority()
    } else {
        format!("{} ({addr})", target.authority())
    };
    let mut conn: Box<dyn Conn> = if target.proto == Proto::Mssql {
        Box::new(tds::prelogin(sock, deadline).map_err(|m| FetchError {
            phase: Phase::Starttls,
            message: format!("mssql prelogin with {where_}: {m}"),
        })?)
    } else {
        Box::new(sock)
    };
    Ok(if legacy {
        legacy::handshake(target, conn.as_mut(), addr, &where_, deadline)
    } else {
        modern::handshake(target, conn.as_mut(), addr, &where_, deadline)
    })
}

fn resolve(target: &Target, deadline: Deadline) -> Result<Vec<SocketAddr>, FetchError> {
    let host = target
        .connect
        .clone()
        .unwrap_or_else(|| target.host.clone());
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, target.connect_port())]);
    }
    let err = |m: String| FetchError {
        phase: Phase::Dns,
        message: m,
    };
    // getaddrinfo has no timeout of its own: run it on a thread and stop
    // waiting when the deadline passes.
    let (tx, rx) = mpsc::channel();
    let port = target.connect_port();
    let name = host.clone();
    std::thread::spawn(move || {
        let _ = tx.send(
            (name.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<_>>()),
        );
    });
    let wait = deadline.remaining().unwrap_or_default();
    match rx.recv_timeout(wait) {
        Ok(Ok(a)) if !a.is_empty() => Ok(a),
        Ok(Ok(_)) => Err(err(format!("dns: {host} has no addresses"))),
        Ok(Err(e)) => Err(err(format!("dns: cannot resolve {host}: {e}"))),
        Err(_) => Err(err(format!(
            "dns: resolving {host} {}",
            deadline.timed_out()
        ))),
    }
}

fn connect(
    target: &Target,
    addrs: &[SocketAddr],
    deadline: Deadline,
) -> Result<(TcpStream, SocketAddr), FetchError> {
    let mut last = String::from("no address to try");
    for addr in addrs {
        let Some(left) = deadline.remaining() else {
            last = deadline.timed_out();
            break;
        };
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok((s, *addr));
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = format!("{addr}: {}", deadline.timed_out())
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(FetchError {
        phase: Phase::Connect,
        message: format!("connect: cannot connect to {} ({last})", target.authority()),
    })
}

/// Entry points for the fuzz targets in `fuzz/`: the parsers that read what
/// a server sends, fed from memory instead of a socket.
#[doc(hidden)]
pub mod fuzz {
    use super::*;

    /// A connection whose reads come from `input` and whose writes vanish.
    struct Mem<'a> {
        input: &'a [u8],
    }

    impl Read for Mem<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.input.len());
            buf[..n].copy_from_slice(&self.input[..n]);
            self.input = &self.input[n..];
            Ok(n)
        }
    }

    impl Write for Mem<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Conn for Mem<'_> {
        fn set_timeout(&mut self, _d: Duration) {}
    }

    const PROTOS: &[&str] = &[
        "smtp", "imap", "pop3", "ftp", "ldap", "postgres", "mysql", "xmpp",
    ];

    /// The STARTTLS dialogue of protocol `which % 8` against `data` as the
    /// server's whole answer.
    pub fn starttls(which: u8, data: &[u8]) -> bool {
        let proto = PROTOS[which as usize % PROTOS.len()];
        let Ok(t) = crate::target::parse("fuzz.example:1", None, None, Some(proto)) else {
            return false;
        };
        let opts = FetchOptions {
            timeout: Duration::from_secs(1),
            ehlo: "fuzz.example".into(),
        };
        starttls::upgrade(
            &t,
            &mut Mem { input: data },
            &opts,
            Deadline::new(Duration::from_secs(1)),
        )
        .is_ok()
    }

    /// The legacy handshake parser over `data` as a stream of TLS records.
    pub fn legacy_flight(data: &[u8]) -> usize {
        let mut p = legacy::Parser::default();
        let mut rest = data;
        while rest.len() >= 5 {
            let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
            let end = (5 + len).min(rest.len());
            if p.record(rest[0], &rest[5..end]).is_err() {
                break;
            }
            rest = &rest[end..];
        }
        p.flight.chain.len()
    }
}
