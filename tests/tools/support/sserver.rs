//! `openssl s_server` on a free loopback port, presenting a chain from PEM
//! files in a directory; killed when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct SServer {
    child: Child,
    pub port: u16,
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts `openssl s_server -accept 127.0.0.1:PORT -cert CERT -key KEY ARGS`
/// in `dir` (CERT may hold the leaf only, or use `-cert_chain`), and waits
/// until it accepts connections.
pub(crate) fn start(dir: &Path, cert: &str, key: &str, args: &[&str]) -> SServer {
    for _ in 0..3 {
        let port = free_port();
        let child = Command::new("openssl")
            .current_dir(dir)
            .args([
                "s_server",
                "-quiet",
                "-accept",
                &format!("127.0.0.1:{port}"),
            ])
            .args(["-cert", cert, "-key", key])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server (package openssl)");
        let mut s = SServer { child, port };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return s;
            }
            if let Ok(Some(_)) = s.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = s.child.kill();
    }
    panic!("openssl s_server {cert} {args:?} did not start");
}
