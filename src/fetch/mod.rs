//! Getting the chain off the wire. Knows sockets and TLS, nothing of stores
//! or diagnosis. Every phase runs against one deadline so a dead or slow
//! host costs at most `--timeout`.

mod modern;

use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::target::Target;

/// What the server sent, as sent.
#[derive(Debug, Clone)]
pub struct Captured {
    /// DER certificates in the order the server sent them.
    pub chain: Vec<Vec<u8>>,
    pub protocol: String,
    pub cipher_suite: String,
    pub ocsp_stapled: Option<Vec<u8>>,
    pub address: SocketAddr,
    /// Set when the handshake failed after the certificates arrived; the
    /// chain is still diagnosable.
    pub handshake_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Dns,
    Connect,
    Handshake,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Dns => "dns",
            Phase::Connect => "connect",
            Phase::Handshake => "handshake",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FetchError {
    pub phase: Phase,
    pub message: String,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A point in time every phase must finish by.
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

    pub(crate) fn total(&self) -> Duration {
        self.total
    }
}

/// Connects to the target and captures the certificate chain it sends.
/// Each phase (DNS, connect, handshake) gets `timeout` of its own.
pub fn fetch(target: &Target, timeout: Duration) -> Result<Captured, FetchError> {
    let addrs = resolve(target, Deadline::new(timeout))?;
    let (sock, addr) = connect(target, &addrs, Deadline::new(timeout))?;
    modern::handshake(target, sock, addr, Deadline::new(timeout))
}

fn resolve(target: &Target, deadline: Deadline) -> Result<Vec<SocketAddr>, FetchError> {
    let host = target
        .connect
        .clone()
        .unwrap_or_else(|| target.host.clone());
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    let err = |m: String| FetchError {
        phase: Phase::Dns,
        message: m,
    };
    // getaddrinfo has no timeout of its own: run it on a thread and stop
    // waiting when the deadline passes.
    let (tx, rx) = mpsc::channel();
    let port = target.port;
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
            "dns: resolving {host} timed out after {}s",
            deadline.total().as_secs_f32()
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
            last = format!("timed out after {}s", deadline.total().as_secs_f32());
            break;
        };
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok((s, *addr));
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = format!(
                    "{addr}: timed out after {}s",
                    deadline.total().as_secs_f32()
                )
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(FetchError {
        phase: Phase::Connect,
        message: format!("connect: cannot connect to {} ({last})", target.authority()),
    })
}
