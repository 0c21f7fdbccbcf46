//! A real `trustfix.exe` under Wine 8.0 and Windows' own crypt32 as the
//! referee (`../shared/tools/windows`: build-exe, wine-run and
//! wincrypt-referee). One private Wine prefix per test binary, created
//! fresh for each run under the target directory; the .exe is built once
//! (by scripts/test.sh, which passes it in TRUSTFIX_EXE, or here).
//!
//! Without Wine and MinGW the tests skip with a message, unless run as root
//! (CI), where the tools install what they need and a failure is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::common::Out;

pub(crate) struct Wine {
    /// WORKDIR of wine-run: the prefix, HOME and the .exe copies live here.
    pub dir: PathBuf,
    pub exe: PathBuf,
    tools: PathBuf,
}

/// One test at a time: the tests share the prefix's stores.
static LOCK: Mutex<()> = Mutex::new(());
static WINE: OnceLock<Option<Wine>> = OnceLock::new();

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout) == "install ok installed")
        .unwrap_or(false)
}

/// The shared Wine set-up with the lock held, or `None` (after a visible
/// SKIPPED message) where Wine cannot be had.
pub(crate) fn wine(test: &str) -> Option<(MutexGuard<'static, ()>, &'static Wine)> {
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    match WINE.get_or_init(set_up) {
        Some(w) => Some((guard, w)),
        None => {
            eprintln!("SKIPPED: {test}: needs Wine and MinGW-w64 (wine64, gcc-mingw-w64-x86-64); run as root, as CI does, to install them");
            None
        }
    }
}

fn set_up() -> Option<Wine> {
    let root = is_root();
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/windows");
    if !tools.join("wine-run").exists() {
        assert!(!root, "{} is missing", tools.display());
        return None;
    }
    let needed = [
        "wine64",
        "gcc-mingw-w64-x86-64",
        "rustc-web",
        "cargo-web",
        "rust-web-src",
    ];
    if !root && !needed.iter().all(|p| installed(p)) {
        return None;
    }
    let exe = match std::env::var_os("TRUSTFIX_EXE") {
        Some(p) => PathBuf::from(p),
        None => build_exe(&tools),
    };
    assert!(exe.is_file(), "{} is not a file", exe.display());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("windows_wine");
    let mut w = Wine { dir, exe, tools };
    // A fresh prefix each run: stores from an earlier run would mix in.
    if w.dir.exists() {
        let _ = w.run_tool(&["--stop"]);
        std::fs::remove_dir_all(&w.dir).expect("remove the old Wine prefix");
    }
    // wine-run runs a copy next to its DLL stand-in; one already there is
    // not copied again (12 MB a run otherwise).
    let bin = w.dir.join("bin");
    std::fs::create_dir_all(&bin).expect("create the Wine work dir");
    let copy = bin.join("trustfix.exe");
    std::fs::copy(&w.exe, &copy).expect("copy trustfix.exe");
    w.exe = copy;
    let t = std::time::Instant::now();
    let o = w.referee(&["list", "machine", "CA"]);
    assert_eq!(o.code, 0, "Wine prefix set-up failed: {}", o.stderr);
    eprintln!("wine: prefix ready in {:.1} s", t.elapsed().as_secs_f64());
    Some(w)
}

/// build-exe, once per run when scripts/test.sh did not pass TRUSTFIX_EXE.
fn build_exe(tools: &Path) -> PathBuf {
    let t = std::time::Instant::now();
    let o = Command::new(tools.join("build-exe"))
        .arg(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run build-exe");
    assert!(
        o.status.success(),
        "build-exe failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!(
        "wine: trustfix.exe built in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let out = String::from_utf8_lossy(&o.stdout);
    PathBuf::from(
        out.lines()
            .last()
            .expect("build-exe prints the path")
            .trim(),
    )
}

impl Wine {
    fn run_tool(&self, args: &[&str]) -> Out {
        let start = std::time::Instant::now();
        let o = Command::new(self.tools.join("wine-run"))
            .arg(&self.dir)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run wine-run");
        Out::of(format!("wine-run {args:?}"), start.elapsed(), o)
    }

    /// `trustfix.exe ARGS` under Wine; file arguments are Unix paths
    /// (Wine maps `/` to drive Z:).
    pub(crate) fn trustfix(&self, args: &[&str]) -> Out {
        let exe = self.exe.to_string_lossy().into_owned();
        let mut all = vec![exe.as_str()];
        all.extend_from_slice(args);
        self.run_tool(&all)
    }

    /// wincrypt-referee.exe: crypt32's own view.
    pub(crate) fn referee(&self, args: &[&str]) -> Out {
        let mut all = vec!["--referee"];
        all.extend_from_slice(args);
        self.run_tool(&all)
    }

    /// Adds (`add`) or deletes and commits (`del`) through the referee, so
    /// a test's set-up never depends on trustfix.
    pub(crate) fn store(&self, op: &str, location: &str, store: &str, file: &Path) {
        let f = file.to_string_lossy();
        let mut args = vec![op, location, store, &f];
        if op == "del" {
            args.push("--commit");
        }
        let o = self.referee(&args);
        assert_eq!(o.code, 0, "referee {args:?}: {}{}", o.stdout, o.stderr);
    }

    /// Whether crypt32 shows the certificate in `location`\`store`.
    pub(crate) fn has(&self, location: &str, store: &str, file: &Path) -> bool {
        let o = self.referee(&["has", location, store, &file.to_string_lossy()]);
        assert!(o.code == 0 || o.code == 1, "referee has: {}", o.stderr);
        o.code == 0
    }

    /// SHA-1 thumbprints crypt32 lists for `location`\`store`.
    pub(crate) fn list(&self, location: &str, store: &str) -> Vec<String> {
        let o = self.referee(&["list", location, store]);
        assert_eq!(o.code, 0, "referee list: {}", o.stderr);
        let mut v: Vec<String> = o
            .stdout
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect();
        v.sort();
        v
    }

    /// What the chain engine says about `chain` (PEM, the server's first).
    pub(crate) fn verify(&self, chain: &Path, name: &str, engine: &str) -> Referee {
        let chain = chain.to_string_lossy();
        let args = ["verify", &chain, "--name", name, "--engine", engine];
        let mut o = self.referee(&args);
        // Under load Wine now and then loses a program's whole output; only
        // an empty answer is asked again, never one that says something.
        for _ in 0..2 {
            if o.stdout.contains("policy.ssl(") {
                break;
            }
            eprintln!(
                "wine: the referee printed nothing ({}), asking again",
                o.stderr.trim()
            );
            o = self.referee(&args);
        }
        assert!(
            o.code == 0 || o.code == 1,
            "referee verify: {}{}",
            o.stdout,
            o.stderr
        );
        Referee::parse(&o.stdout)
    }
}

/// The referee's `verify` output, parsed.
#[derive(Debug, Clone)]
pub(crate) struct Referee {
    /// `chain.error` flag names, e.g. `IS_PARTIAL_CHAIN`.
    pub flags: Vec<String>,
    /// `policy.ssl(...)` result name, e.g. `OK`, `CERT_E_CN_NO_MATCH`.
    pub policy: String,
    pub raw: String,
}

impl Referee {
    fn parse(out: &str) -> Referee {
        let mut flags = Vec::new();
        let mut policy = String::new();
        for l in out.lines() {
            if let Some(rest) = l.strip_prefix("chain.error=") {
                if let Some((_, names)) = rest.split_once(' ') {
                    if names != "(none)" {
                        flags = names.split('|').map(str::to_string).collect();
                    }
                }
            } else if l.starts_with("policy.ssl(") {
                policy = l.split_whitespace().nth(1).unwrap_or_default().to_string();
            }
        }
        assert!(
            !policy.is_empty(),
            "no policy line in referee output:\n{out}"
        );
        Referee {
            flags,
            policy,
            raw: out.to_string(),
        }
    }

    /// What a .NET client on this machine reports, as X509ChainStatus
    /// names (the four the issue maps) and RemoteCertificateNameMismatch.
    /// The name is only checked by the policy once the chain itself is good.
    pub(crate) fn dotnet(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .flags
            .iter()
            .filter_map(|f| MAP.iter().find(|m| m.0 == f).map(|m| m.1.to_string()))
            .collect();
        if self.flags.is_empty() && self.policy == "CERT_E_CN_NO_MATCH" {
            v.push("RemoteCertificateNameMismatch".into());
        }
        v.sort();
        v
    }

    /// Accepted by a client that judges by the flags and the policy.
    pub(crate) fn accepts(&self) -> bool {
        self.flags.is_empty() && self.policy == "OK"
    }
}

/// dwErrorStatus flags and the X509ChainStatus of the same bit.
pub(crate) const MAP: &[(&str, &str)] = &[
    ("IS_PARTIAL_CHAIN", "PartialChain"),
    ("IS_UNTRUSTED_ROOT", "UntrustedRoot"),
    ("IS_NOT_TIME_VALID", "NotTimeValid"),
    ("IS_NOT_SIGNATURE_VALID", "NotSignatureValid"),
];

/// The tokens of [`MAP`] (and the name mismatch) that trustfix's .NET
/// lines claim, over its error findings (`findings[].clients.dotnet`).
pub(crate) fn trustfix_dotnet(v: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in v["findings"].as_array().into_iter().flatten() {
        if f["severity"] != "error" {
            continue;
        }
        let line = f["clients"]["dotnet"].as_str().unwrap_or_default();
        let status = line
            .split_once("X509ChainStatus ")
            .map(|(_, r)| r)
            .unwrap_or_default();
        for (_, token) in MAP {
            let named = status
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == *token);
            if named && !out.iter().any(|t| t == token) {
                out.push(token.to_string());
            }
        }
        if line.starts_with("RemoteCertificateNameMismatch")
            && !out.iter().any(|t| t == "RemoteCertificateNameMismatch")
        {
            out.push("RemoteCertificateNameMismatch".into());
        }
    }
    out.sort();
    out
}
