//! What both test binaries share: run the real binary (killed if it
//! hangs), write certificates as PEM, temporary directories.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use trustfix::cert::Cert;

/// A run of the binary that takes longer than this is a hang: it is killed
/// and the test fails instead of blocking the suite.
pub(crate) const HANG_LIMIT: Duration = Duration::from_secs(120);

/// One run of the binary.
pub(crate) struct Out {
    /// The exit code; -1 when a signal ended it.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// The command line, for failure messages.
    pub what: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` -> exit {} after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.what, self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

impl Out {
    /// The result of a finished process that ran `what`.
    pub(crate) fn of(what: String, elapsed: Duration, o: std::process::Output) -> Out {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            elapsed,
            what,
        }
    }

    /// stdout as JSON; panics with both streams when it is not.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs the real binary with `args` (stdin closed, `NO_COLOR` set).
pub(crate) fn trustfix<I, S>(args: I) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().collect();
    let what = std::iter::once("trustfix".to_string())
        .chain(
            args.iter()
                .map(|a| format!("{:?}", a.as_ref().to_string_lossy())),
        )
        .collect::<Vec<_>>()
        .join(" ");
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args(&args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trustfix");
    let drain = |mut r: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out_t = drain(Box::new(child.stdout.take().expect("stdout")));
    let err_t = drain(Box::new(child.stderr.take().expect("stderr")));
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for trustfix") {
            break s;
        }
        if start.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{what}` hung: killed after {HANG_LIMIT:?}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    let output = std::process::Output {
        status,
        stdout: out_t.join().expect("stdout reader"),
        stderr: err_t.join().expect("stderr reader"),
    };
    Out::of(what, start.elapsed(), output)
}

/// Certificates (DER) as one PEM text.
pub(crate) fn pem_of(ders: &[&[u8]]) -> String {
    ders.iter()
        .map(|d| Cert::from_der(d).expect("test certificate parses").to_pem())
        .collect()
}

/// Writes certificates (DER) to `path` as PEM.
pub(crate) fn write_pem(path: &Path, ders: &[&[u8]]) {
    std::fs::write(path, pem_of(ders)).expect("write pem");
}

/// A temporary directory, removed when dropped.
pub(crate) fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// `dir/name`.
pub(crate) fn p(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
