//! A tiny HTTP/1.1 server on loopback for integration tests (std only).
//!
//! It serves AIA caIssuers certificates (and CRLs / OCSP responses) and a
//! few deliberately broken answers (lying lengths, slow drips, garbage) so
//! that fetch code can be tested against them.
//!
//! ```ignore
//! let srv = HttpServer::start();
//! let url = srv.url("/sub.cer"); // put this into the leaf's AIA extension
//! srv.set("/sub.cer", Reply::Ok { body: der, content_type: "application/pkix-cert" });
//! // ... run the code under test ...
//! assert_eq!(srv.requests(), vec!["/sub.cer"]);
//! ```
//!
//! Only what is needed is parsed: the request line (`GET`/`HEAD`/`POST`
//! with an origin-form `/path` or absolute-form `http://host/path` target),
//! headers up to the empty line (at most 64 KiB), and a `Content-Length`
//! body (kept for [`HttpServer::last_body`]). Every answer carries
//! `Connection: close`; one thread per connection, and every thread ends
//! when the client goes away, when the server is dropped, or after a
//! timeout.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the server answers a path.
#[derive(Clone, Debug)]
pub(crate) enum Reply {
    /// 200 with this body and Content-Type.
    Ok {
        body: Vec<u8>,
        content_type: &'static str,
    },
    /// A status with an empty body (404, 500, ...).
    Status(u16),
    /// 200 with a Content-Length of `claimed` bytes, then `actual` bytes of
    /// filler, then the connection is held open (to test size caps and
    /// lying lengths) until the client goes away or the server is dropped.
    Huge { claimed: u64, actual: usize },
    /// Sends the status line and headers (no Content-Length), then one byte
    /// per `interval` forever (to test timeouts); stops when the client
    /// disconnects or the server is dropped.
    Slow { interval: Duration },
    /// Garbage bytes that are not HTTP at all, then close.
    Garbage(Vec<u8>),
    /// 302 to the given URL.
    Redirect(String),
}

/// Most bytes of request line plus headers accepted before answering 431.
const MAX_HEAD: usize = 64 * 1024;
/// Most bytes of request body accepted before answering 413.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// How long a connection may stay silent while we wait for its request.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// Polling step while waiting (so that dropping the server is noticed).
const TICK: Duration = Duration::from_millis(50);
/// Safety net: `Huge` never holds a connection open longer than this.
const HOLD_MAX: Duration = Duration::from_secs(120);

struct Shared {
    routes: Mutex<HashMap<String, Reply>>,
    requests: Mutex<Vec<String>>,
    last_body: Mutex<Option<Vec<u8>>>,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread must not break the assertions of the test.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A loopback HTTP server; serves until dropped.
pub(crate) struct HttpServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Binds 127.0.0.1:0 and serves in background threads (one per
    /// connection) until dropped.
    pub(crate) fn start() -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr");
        let shared = Arc::new(Shared {
            routes: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            last_body: Mutex::new(None),
            stop: AtomicBool::new(false),
        });
        let sh = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name(format!("http-test-accept-{}", addr.port()))
            .spawn(move || accept_loop(listener, sh))
            .expect("spawn accept thread");
        HttpServer {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// Sets (or replaces) the reply for `path` (e.g. "/sub.cer"); unknown
    /// paths get 404. Works at any time after `start()`.
    ///
    /// Lookup is by the exact request target path (query included); if
    /// that is not set, the path without its `?query` is tried.
    pub(crate) fn set(&self, path: &str, reply: Reply) {
        lock(&self.shared.routes).insert(path.to_string(), reply);
    }

    /// "http://127.0.0.1:PORT{path}"
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Paths requested so far, in order (absolute-form targets are
    /// recorded as their path). Recorded before the answer is sent.
    pub(crate) fn requests(&self) -> Vec<String> {
        lock(&self.shared.requests).clone()
    }

    /// The body of the most recent request that had one (a POST, or any
    /// request with a Content-Length header); `None` if there was none.
    pub(crate) fn last_body(&self) -> Option<Vec<u8>> {
        lock(&self.shared.last_body).clone()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        // The listener is closed now; connection threads notice `stop`
        // within a tick (or end at their I/O timeout).
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else {
            // E.g. EMFILE; don't spin.
            std::thread::sleep(TICK);
            continue;
        };
        let sh = Arc::clone(&shared);
        let _ = std::thread::Builder::new()
            .name("http-test-conn".into())
            .spawn(move || {
                let _ = handle(stream, &sh);
            });
    }
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

enum Head {
    Request(Request, Vec<u8>),
    TooLarge,
    Bad,
    /// The client went away (or stayed silent) before sending a full head.
    Gone,
}

fn handle(mut s: TcpStream, sh: &Shared) -> std::io::Result<()> {
    s.set_read_timeout(Some(IO_TIMEOUT))?;
    s.set_write_timeout(Some(IO_TIMEOUT))?;
    let _ = s.set_nodelay(true);

    let (req, mut rest) = match read_head(&mut s) {
        Head::Request(r, rest) => (r, rest),
        Head::TooLarge => return finish(s, &status_head(431, &[]), sh),
        Head::Bad => return finish(s, &status_head(400, &[]), sh),
        Head::Gone => return Ok(()),
    };
    lock(&sh.requests).push(req.path.clone());

    // A body, if any (POST for OCSP).
    let len = match req.header("content-length") {
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) => Some(n),
            Err(_) => return finish(s, &status_head(400, &[]), sh),
        },
        None => None,
    };
    if len.is_some() || req.method == "POST" {
        let len = len.unwrap_or(0);
        if len > MAX_BODY {
            return finish(s, &status_head(413, &[]), sh);
        }
        if req
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            s.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        while rest.len() < len {
            let mut buf = vec![0u8; (len - rest.len()).min(64 * 1024)];
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return Ok(()),
                Ok(n) => rest.extend_from_slice(&buf[..n]),
            }
        }
        rest.truncate(len);
        *lock(&sh.last_body) = Some(rest);
    }

    let reply = {
        let routes = lock(&sh.routes);
        routes
            .get(&req.path)
            .or_else(|| {
                let bare = req.path.split('?').next().unwrap_or("");
                routes.get(bare)
            })
            .cloned()
    };
    let head_only = req.method == "HEAD";

    match reply.unwrap_or(Reply::Status(404)) {
        Reply::Ok { body, content_type } => {
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            if !head_only {
                out.extend_from_slice(&body);
            }
            finish(s, &out, sh)
        }
        Reply::Status(code) => finish(s, &status_head(code, &[]), sh),
        Reply::Redirect(to) => finish(s, &status_head(302, &[("Location", &to)]), sh),
        Reply::Garbage(bytes) => finish(s, &bytes, sh),
        Reply::Huge { claimed, actual } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                 Content-Length: {claimed}\r\nConnection: close\r\n\r\n"
            );
            s.write_all(head.as_bytes())?;
            if !head_only {
                let chunk = [b'A'; 16 * 1024];
                let mut left = actual;
                while left > 0 {
                    if sh.stop.load(Ordering::SeqCst) {
                        return Ok(());
                    }
                    let n = left.min(chunk.len());
                    s.write_all(&chunk[..n])?;
                    left -= n;
                }
            }
            s.flush()?;
            // Hold the connection open until the client goes away.
            wait_for_close(&mut s, sh, HOLD_MAX);
            Ok(())
        }
        Reply::Slow { interval } => {
            s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                  Connection: close\r\n\r\n",
            )?;
            s.flush()?;
            if head_only {
                return Ok(());
            }
            let interval = interval.max(Duration::from_millis(1));
            let mut next = Instant::now() + interval;
            let mut buf = [0u8; 1024];
            loop {
                if sh.stop.load(Ordering::SeqCst) {
                    return Ok(());
                }
                let now = Instant::now();
                if now >= next {
                    s.write_all(b".")?;
                    s.flush()?;
                    next += interval;
                    continue;
                }
                // Sleep by reading, so that a client that hangs up (EOF or
                // reset) ends this thread without waiting for a failed write.
                s.set_read_timeout(Some((next - now).clamp(Duration::from_millis(1), TICK)))?;
                match s.read(&mut buf) {
                    Ok(0) => return Ok(()),
                    Ok(_) => {}
                    Err(e) if is_timeout(&e) => {}
                    Err(_) => return Ok(()),
                }
            }
        }
    }
}

/// Reads the request line and headers. Returns the parsed request plus any
/// bytes already read past the empty line (the start of a body).
fn read_head(s: &mut TcpStream) -> Head {
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = head_end(&buf) {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Head::TooLarge;
        }
        match s.read(&mut chunk) {
            Ok(0) => return Head::Gone,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Head::Gone,
        }
    };
    let (head_len, sep_len) = end;
    if head_len > MAX_HEAD {
        return Head::TooLarge;
    }
    let rest = buf[head_len + sep_len..].to_vec();
    let Ok(text) = std::str::from_utf8(&buf[..head_len]) else {
        return Head::Bad;
    };
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let Some(line) = lines.next() else {
        return Head::Bad;
    };
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Head::Bad;
    };
    if !version.starts_with("HTTP/1.") || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Head::Bad;
    }
    let Some(path) = target_path(target) else {
        return Head::Bad;
    };
    let mut headers = Vec::new();
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            return Head::Bad;
        };
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    Head::Request(
        Request {
            method: method.to_string(),
            path,
            headers,
        },
        rest,
    )
}

/// Position of the empty line ending the head: (head length, separator length).
fn head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// `/path` stays as is; `http://host[:port][/path][?q]` becomes `/path[?q]`.
fn target_path(target: &str) -> Option<String> {
    if target.starts_with('/') {
        return Some(target.to_string());
    }
    let lower = target.to_ascii_lowercase();
    let after = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return None;
    };
    match after.find(['/', '?']) {
        Some(i) if after[i..].starts_with('/') => Some(after[i..].to_string()),
        Some(i) => Some(format!("/{}", &after[i..])),
        None => Some("/".to_string()),
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A complete response with an empty body.
fn status_head(code: u16, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut h = format!("HTTP/1.1 {code} {}\r\n", reason(code));
    for (k, v) in extra {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
    h.into_bytes()
}

/// Writes `bytes`, half-closes, and waits (briefly) for the client to close
/// its side, so that unread request bytes can't turn our close into a reset
/// that destroys the answer before the client has read it.
fn finish(mut s: TcpStream, bytes: &[u8], sh: &Shared) -> std::io::Result<()> {
    s.write_all(bytes)?;
    s.flush()?;
    let _ = s.shutdown(Shutdown::Write);
    wait_for_close(&mut s, sh, IO_TIMEOUT);
    Ok(())
}

/// Reads and discards until EOF / error, the server stops, or `max` passes.
fn wait_for_close(s: &mut TcpStream, sh: &Shared, max: Duration) {
    let deadline = Instant::now() + max;
    if s.set_read_timeout(Some(TICK)).is_err() {
        return;
    }
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline && !sh.stop.load(Ordering::SeqCst) {
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => return,
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}
