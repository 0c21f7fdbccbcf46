//! `demo`: the Database Mail -> Exchange case on loopback with a PKI
//! generated for this run (the lab of `crate::demo`). Opens with the real
//! situation (Exchange sends its certificate and the Subordinate CA, the
//! client does not trust the private Contoso root, the AIA URLs are
//! unreachable), then walks diagnose -> export -> fix (a Java truststore
//! and a PEM bundle) -> check -> undo, printing each command and its real
//! output; ends with the other cause (the server omits its intermediate).
//! `--serve` keeps the servers up for trying the commands by hand.

use std::path::Path;
use std::time::Duration;

use super::Outcome;
use crate::cli::DemoArgs;
use crate::demo::{io, Lab, HOST, STOREPASS};
use crate::diagnose::{FindingId, Verdict};
use crate::error::Error;
use crate::export;
use crate::fix;
use crate::report::text::{self, Style};
use crate::report::Report;
use crate::run;
use crate::store::StoreSpec;

/// `trustfix demo [--keep DIR] [--serve]`: exit 1 when a step did not turn
/// out as expected (the demo doubles as a smoke test).
pub(super) fn run(a: DemoArgs, style: &Style) -> Outcome {
    let result = if a.serve {
        serve(a.keep.as_deref()).map(|()| true)
    } else {
        walk(a.keep.as_deref(), style)
    };
    result.map(|ok| if ok { 0 } else { 1 })
}

/// The demo's command error: phase `demo`, the message prefixed `demo: `.
fn failed(e: impl std::fmt::Display) -> Error {
    Error::Check {
        phase: "demo".into(),
        message: format!("demo: {e}"),
    }
}

struct Steps<'a> {
    style: &'a Style,
    ok: bool,
}

impl Steps<'_> {
    fn title(&self, t: &str) {
        println!("==== {t}");
    }

    fn command(&self, c: &str) {
        println!("$ {c}\n");
    }

    fn expect(&mut self, what: &str, ok: bool) {
        if !ok {
            println!("demo: expected {what} here");
            self.ok = false;
        }
        println!();
    }
}

/// Runs the demo; `Ok(false)` when a step did not turn out as expected
/// (so the demo doubles as a smoke test).
fn walk(keep: Option<&Path>, style: &Style) -> Result<bool, Error> {
    let tmp;
    let dir = match keep {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| failed(io(d)(e)))?;
            d.to_path_buf()
        }
        None => {
            tmp = TempDir::new()?;
            tmp.0.clone()
        }
    };
    let lab = Lab::new(&dir).map_err(failed)?;
    let mut s = Steps { style, ok: true };
    println!(
        "trustfix demo: a fresh Contoso PKI and two loopback servers; files in {}",
        dir.display()
    );
    println!("  Exchange {HOST} is issued by CN=Contoso Subordinate CA, issued by CN=Contoso Offline Root CA\n");
    diagnose(&lab, &mut s)?;
    export(&lab, &mut s)?;
    fix(
        &lab,
        &mut s,
        "java",
        "a Java truststore (what a JDBC or mail client on a JVM reads)",
    )?;
    fix(
        &lab,
        &mut s,
        "bundle",
        "a PEM bundle (what OpenSSL, curl and Python read)",
    )?;
    undo(&lab, &mut s)?;
    other_cause(&lab, &mut s)?;
    if keep.is_none() {
        println!("(the demo's files are removed now; `trustfix demo --keep DIR` keeps them, `--serve` keeps the servers up)");
    }
    Ok(s.ok)
}

fn bundle_arg(lab: &Lab) -> String {
    format!("--ca-file {}", lab.bundle.display())
}

/// Prints and runs `trustfix check` of the seed server against the PEM
/// bundle, as the client on this host sees it.
fn check_seed_with_bundle(lab: &Lab, s: &mut Steps) -> Result<Report, Error> {
    s.command(&format!(
        "trustfix check {} --connect 127.0.0.1 {}",
        lab.target(lab.seed_port),
        bundle_arg(lab)
    ));
    Ok(run::check(
        &lab.check_opts(lab.seed_port, StoreSpec::CaFile(lab.bundle.clone()))
            .map_err(failed)?,
    ))
}

fn diagnose(lab: &Lab, s: &mut Steps) -> Result<(), Error> {
    s.title("1. Database Mail on this host fails: \"The remote certificate is invalid according to the validation procedure.\"");
    println!("     Exchange sends its certificate and the Subordinate CA; this host does not trust the private root,");
    println!("     and the root's AIA URLs (ldap:///, then http://) cannot be reached from here.");
    let r = check_seed_with_bundle(lab, s)?;
    print!("{}", text::render(&r, s.style));
    let ok = r
        .findings
        .iter()
        .any(|f| f.id == FindingId::ChainUntrustedRoot)
        && !r
            .findings
            .iter()
            .any(|f| f.id == FindingId::ChainIncomplete);
    s.expect(
        "chain.untrusted_root (the root, not an intermediate, is missing)",
        ok,
    );
    Ok(())
}

fn export(lab: &Lab, s: &mut Steps) -> Result<(), Error> {
    s.title("2. Export what the client lacks: the root is not at hand, so nothing is written");
    let out = lab.dir.join("export");
    s.command(&format!(
        "trustfix export {} --connect 127.0.0.1 {} --what missing --out {}",
        lab.target(lab.seed_port),
        bundle_arg(lab),
        out.display()
    ));
    let src = export::Source::Server(
        lab.check_opts(lab.seed_port, StoreSpec::CaFile(lab.bundle.clone()))
            .map_err(failed)?,
    );
    let r = export::diagnose_source(&lab.target(lab.seed_port), &src).map_err(failed)?;
    let opts = export::Options {
        what: export::What::Missing,
        format: export::Format::Pem,
        out: out.clone(),
        force: false,
    };
    let refused = match export::export(&r, &lab.target(lab.seed_port), &opts) {
        Ok(o) => {
            print!("{}", super::export::text(&o));
            false
        }
        Err(e) => {
            println!("trustfix: {e}\n(exit 3)");
            true
        }
    };
    println!(
        "\n     The PKI admin hands over the root (on the CA: certutil -ca.cert root.cer); here it is {}.",
        lab.root_pem.display()
    );
    s.expect(
        "export to refuse: the root is not at hand",
        refused && !out.exists(),
    );
    Ok(())
}

fn fix(lab: &Lab, s: &mut Steps, kind: &str, what: &str) -> Result<(), Error> {
    let (spec, arg, number) = if kind == "java" {
        (
            StoreSpec::Java(Some(lab.truststore.clone())),
            format!("java:{}", lab.truststore.display()),
            3,
        )
    } else {
        (
            StoreSpec::CaFile(lab.bundle.clone()),
            format!("ca-file:{}", lab.bundle.display()),
            4,
        )
    };
    s.title(&format!(
        "{number}. Trust the Contoso root in {what}, then check again"
    ));
    let pass = if kind == "java" {
        format!(" --storepass {STOREPASS}")
    } else {
        String::new()
    };
    s.command(&format!(
        "TRUSTFIX_STATE_DIR={} trustfix fix {} --connect 127.0.0.1 --cert {} --store {arg}{pass} --yes",
        lab.state.display(),
        lab.target(lab.seed_port),
        lab.root_pem.display()
    ));
    let mut check = lab
        .check_opts(lab.seed_port, spec.clone())
        .map_err(failed)?;
    check.supplied = crate::load::certs_from_file(&lab.root_pem).map_err(failed)?;
    let opts = fix::FixOptions {
        check,
        edit_store: spec,
        store_arg: arg,
        storepass: Some(STOREPASS.into()),
        java_opts: None,
        expect_sha256: None,
        trust_leaf: false,
        dry_run: false,
        journal_dir: Some(lab.state.clone()),
    };
    let mut o = fix::plan(&opts);
    if o.ready() {
        fix::execute(&opts, &mut o);
    }
    print!("{}", super::fix::text(&o));
    let ok = o.changed
        && o.after
            .as_ref()
            .is_some_and(|a| a.verdict == Verdict::Trusted);
    s.expect("the fix to make the chain trusted", ok);
    Ok(())
}

fn undo(lab: &Lab, s: &mut Steps) -> Result<(), Error> {
    s.title("5. Undo the last fix (the PEM bundle), and the client refuses again");
    s.command(&format!(
        "TRUSTFIX_STATE_DIR={} trustfix undo --last",
        lab.state.display()
    ));
    let u = fix::undo(&fix::UndoOptions {
        id: None,
        storepass: Some(STOREPASS.into()),
        java_opts: None,
        dry_run: false,
        yes: false,
        confirm: |_| false,
        journal_dir: Some(lab.state.clone()),
    })
    .map_err(failed)?;
    print!("{}", super::undo::text(&u));
    let r = check_seed_with_bundle(lab, s)?;
    println!("Verdict: {}", super::fix::verdict_line(&r));
    s.expect(
        "the bundle to be rejected again",
        r.verdict == Verdict::Rejected,
    );
    Ok(())
}

fn other_cause(lab: &Lab, s: &mut Steps) -> Result<(), Error> {
    s.title("6. The other cause, same .NET message: the root is trusted, but the server omits its intermediate");
    s.command(&format!(
        "trustfix check {} --connect 127.0.0.1 --store java:{} --storepass {STOREPASS}",
        lab.target(lab.bare_port),
        lab.truststore.display()
    ));
    let mut opts = lab
        .check_opts(lab.bare_port, StoreSpec::Java(Some(lab.truststore.clone())))
        .map_err(failed)?;
    opts.aia = false;
    let r = run::check(&opts);
    print!("{}", text::render(&r, s.style));
    s.expect(
        "chain.incomplete (the intermediate is missing)",
        r.findings
            .iter()
            .any(|f| f.id == FindingId::ChainIncomplete),
    );
    Ok(())
}

/// `demo --serve`: the servers and files stay until interrupted.
fn serve(keep: Option<&Path>) -> Result<(), Error> {
    let dir = match keep {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("trustfix-demo-serve-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(|e| failed(io(&dir)(e)))?;
    let lab = Lab::new(&dir).map_err(failed)?;
    let seed = lab.target(lab.seed_port);
    println!("trustfix demo --serve: files in {}", dir.display());
    println!(
        "  port {}: exchange01 + Contoso Subordinate CA (the root is not sent)",
        lab.seed_port
    );
    println!(
        "  port {}: exchange01 only (the intermediate is missing)",
        lab.bare_port
    );
    println!(
        "  the client stores: {} (PEM bundle), {} (JKS, password {STOREPASS})",
        lab.bundle.display(),
        lab.truststore.display()
    );
    println!(
        "  the root, as the PKI admin would hand it over: {}\n",
        lab.root_pem.display()
    );
    println!("Try:");
    println!(
        "  trustfix check {seed} --connect 127.0.0.1 {}",
        bundle_arg(&lab)
    );
    println!(
        "  trustfix export {seed} --connect 127.0.0.1 {} --what missing --out {}",
        bundle_arg(&lab),
        dir.join("export").display()
    );
    println!(
        "  trustfix fix {seed} --connect 127.0.0.1 --cert {} --store ca-file:{} --dry-run",
        lab.root_pem.display(),
        lab.bundle.display()
    );
    println!(
        "  trustfix check {} --connect 127.0.0.1 --store java:{} --storepass {STOREPASS}",
        lab.target(lab.bare_port),
        lab.truststore.display()
    );
    println!(
        "\nServing until interrupted (Ctrl-C); then remove {} if you like.",
        dir.display()
    );
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// Minimal temp dir without pulling tempfile into the binary.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, Error> {
        let p = std::env::temp_dir().join(format!("trustfix-demo-{}", std::process::id()));
        std::fs::create_dir_all(&p).map_err(|e| failed(io(&p)(e)))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
