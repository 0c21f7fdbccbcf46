//! No input may panic (issue 14, point 13): a seeded generator feeds random
//! values to every option of every subcommand (read from the binary's own
//! `--help`, so new options are covered as they appear) and asserts exit
//! codes 0-3 and no panic message. The seed is printed on failure;
//! TRUSTFIX_CLI_FUZZ_SEED=N reproduces a run, TRUSTFIX_CLI_FUZZ_RUNS=N
//! makes it longer.
//!
//! Every run happens in a network namespace of its own (`unshare -n`: not
//! even loopback is up), so no value can make it reach a real host, and
//! in a temp directory: every path a value names is inside it (relative
//! values included) or is /dev/null. No value is a valid
//! certificate, so no store can gain trust.

#![cfg(unix)]

use crate::common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The binary under test; TRUSTFIX_TEST_BIN runs this against another
/// build (how it was shown to find 0.1.0's panic).
fn bin() -> String {
    std::env::var("TRUSTFIX_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_trustfix").into())
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The options of a subcommand, from `trustfix SUB --help`.
struct Sub {
    /// `(long option, takes a value)`.
    opts: Vec<(String, bool)>,
    /// Options the usage line requires: always given, with random values.
    required: Vec<String>,
    positional: usize,
}

fn options(sub: &[&str]) -> Sub {
    let o = Command::new(bin())
        .args(sub)
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let mut opts = Vec::new();
    let mut positional = 0;
    let usage = text
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .unwrap_or("")
        .to_string();
    let required: Vec<String> = usage
        .split_whitespace()
        .filter(|w| w.starts_with("--"))
        .map(String::from)
        .collect();
    let mut in_args = false;
    for line in text.lines() {
        if line.starts_with("Arguments:") {
            in_args = true;
            continue;
        }
        if line.starts_with("Options:") {
            in_args = false;
            continue;
        }
        let t = line.trim_start();
        if in_args && (t.starts_with('<') || t.starts_with('[')) {
            positional += 1;
        }
        if !t.starts_with('-') {
            continue;
        }
        let Some(i) = t.find("--") else { continue };
        let t = &t[i + 2..];
        let name: String = t
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        // `demo --serve` serves until interrupted, by design.
        if name.is_empty() || name == "help" || name == "version" || name == "serve" {
            continue;
        }
        let rest = &t[name.len()..];
        opts.push((format!("--{name}"), rest.starts_with(" <")));
    }
    Sub {
        opts,
        required,
        positional,
    }
}

/// Values chosen to break parsers: none is a valid certificate or a name
/// that would resolve anywhere but here.
fn value(r: &mut Rng, dir: &Path) -> OsString {
    let p = |f: &str| dir.join(f).into_os_string();
    match r.below(24) {
        0 => "".into(),
        1 => "é".repeat(32).into(),
        2 => format!("a{}b", "é".repeat(31)).into(),
        3 => "x".repeat(70_000).into(),
        4 => OsString::from_vec(vec![0xff, 0xfe, b'a', 0x80]),
        5 => "-1".into(),
        6 => "0".into(),
        7 => "1e309".into(),
        8 => "NaN".into(),
        9 => "18446744073709551616".into(),
        10 => p("missing"),
        11 => "/dev/null".into(),
        12 => dir.as_os_str().to_owned(),
        13 => p("garbage.pem"),
        14 => p("empty.txt"),
        15 => "localhost:99999".into(),
        16 => "smtp://[::1".into(),
        17 => "127.0.0.1:1".into(),
        18 => format!("java:{}", dir.join("garbage.pem").display()).into(),
        19 => format!("ca-file:{}", dir.join("missing").display()).into(),
        20 => "\u{1b}[2J\r\n\u{202e}\u{7}".into(),
        21 => "ldap://[fe80::1%25eth0]:636".into(),
        22 => "-".into(),
        _ => {
            // Relative (never starting with '/'): it lands in the temp
            // directory the commands run in.
            let n = r.below(12);
            let s: String = (0..n)
                .map(|_| char::from(b"aZ09:/.-_@[]%?#*~"[r.below(17)]))
                .collect();
            format!("r{s}").into()
        }
    }
}

#[test]
fn random_options_never_panic() {
    if Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .map(|s| !s.success())
        .unwrap_or(true)
    {
        eprintln!("SKIPPED random_options_never_panic: `unshare -n` needs root (CI runs as root)");
        return;
    }
    let seed: u64 = std::env::var("TRUSTFIX_CLI_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    let runs: usize = std::env::var("TRUSTFIX_CLI_FUZZ_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let d = common::tmp();
    std::fs::write(
        d.path().join("garbage.pem"),
        b"-----BEGIN CERTIFICATE-----\n!!!\n",
    )
    .unwrap();
    std::fs::write(d.path().join("empty.txt"), b"").unwrap();
    let subs: Vec<Vec<&str>> = vec![
        vec!["check"],
        vec!["show"],
        vec!["demo"],
        vec!["import"],
        vec!["remove"],
        vec!["store", "list"],
        vec!["store", "find"],
        vec!["java"],
        vec!["fix"],
        vec!["undo"],
        vec!["export"],
        vec!["preflight"],
    ];
    let table: Vec<(Vec<&str>, Sub)> = subs
        .into_iter()
        .map(|s| {
            let o = options(&s);
            assert!(!o.opts.is_empty(), "no options parsed for {s:?}");
            (s, o)
        })
        .collect();
    let mut rng = Rng(seed);
    let started = std::time::Instant::now();
    for run in 0..runs {
        let (sub, s) = &table[rng.below(table.len())];
        let opts = &s.opts;
        let mut args: Vec<OsString> = sub.iter().map(OsString::from).collect();
        // Mostly well-formed (required options and positionals there), so
        // the values reach the code behind the parser.
        let n = if rng.below(4) == 0 {
            rng.below(s.positional + 2)
        } else {
            s.positional
        };
        for _ in 0..n {
            args.push(value(&mut rng, d.path()));
        }
        if rng.below(4) != 0 {
            for r in &s.required {
                args.push(r.into());
                args.push(value(&mut rng, d.path()));
            }
        }
        for _ in 0..rng.below(6) {
            let (name, takes) = &opts[rng.below(opts.len())];
            args.push(name.into());
            if *takes {
                args.push(value(&mut rng, d.path()));
            }
        }
        // Short timeouts keep any slow path bounded.
        if opts.iter().any(|(n, _)| n == "--timeout") && !args.iter().any(|a| a == "--timeout") {
            args.extend(["--timeout".into(), "1".into()]);
        }
        // A run that hangs is a failure too (coreutils timeout exits 124).
        let o = Command::new("timeout")
            .args(["60", "unshare", "-n", "--"])
            .arg(bin())
            .args(&args)
            .current_dir(d.path())
            .env("NO_COLOR", "1")
            .env("TRUSTFIX_STATE_DIR", d.path().join("state"))
            .env_remove("JAVA_HOME")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let code = o.status.code();
        let stderr = String::from_utf8_lossy(&o.stderr);
        let ok = matches!(code, Some(0..=3)) && !stderr.contains("panicked");
        assert!(
            ok,
            "seed {seed} (run {run}): exit {code:?} for trustfix {:?}\n{stderr}",
            args.iter()
                .map(|a| a.to_string_lossy().chars().take(80).collect::<String>())
                .collect::<Vec<_>>()
        );
    }
    eprintln!(
        "cli fuzz: {runs} runs, seed {seed}, {:.1}s",
        started.elapsed().as_secs_f64()
    );
}
