//! `trustfix demo`: the Database Mail -> Exchange case on loopback with a
//! PKI generated for this run. Opens with the real situation (Exchange
//! sends its certificate and the Subordinate CA, the client does not trust
//! the private Contoso root, the AIA URLs are unreachable), then walks
//! diagnose -> export -> fix (a Java truststore and a PEM bundle) -> check
//! -> undo, printing each command; ends with the other cause (the server
//! omits its intermediate). `--serve` keeps the servers up for trying the
//! commands by hand.

pub mod pki;
pub mod server;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::diagnose::{FindingId, Verdict};
use crate::report::text::{self, Style};
use crate::run::{self, CheckOptions};
use crate::store::StoreSpec;
use crate::target;

pub const HOST: &str = "exchange01.int.contoso.com";
/// The demo's keystore password (Java's default).
const STOREPASS: &str = "changeit";

/// The files and servers of one demo run.
pub struct Lab {
    pub dir: PathBuf,
    /// Serves exchange01 + Contoso Subordinate CA (the seed case).
    pub seed_port: u16,
    /// Serves exchange01 only (the intermediate is missing).
    pub bare_port: u16,
    /// The Contoso root, as the PKI admin would hand it over.
    pub root_pem: PathBuf,
    /// A client's PEM bundle that lacks the Contoso root.
    pub bundle: PathBuf,
    /// A client's Java truststore (JKS) that lacks it.
    pub truststore: PathBuf,
    pub state: PathBuf,
}

fn io(p: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", p.display())
}

impl Lab {
    /// A fresh PKI, the client stores and the two loopback servers in `dir`.
    pub fn new(dir: &Path) -> Result<Lab, String> {
        let e = |x: pki::Error| format!("generating the demo PKI: {x}");
        let root = pki::Ca::root("Contoso Offline Root CA").map_err(e)?;
        // As AD CS writes it: an ldap:/// URL first, then http, here to a
        // closed loopback port (the internal web server is not reachable).
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|x| format!("loopback: {x}"))?
            .port();
        let aia = [
            "ldap:///CN=Contoso%20Offline%20Root%20CA,CN=AIA,CN=Public%20Key%20Services,CN=Services,CN=Configuration,DC=contoso,DC=com?cACertificate?base?objectClass=certificationAuthority".to_string(),
            format!("http://127.0.0.1:{closed}/CertEnroll/Contoso%20Offline%20Root%20CA.crt"),
        ];
        let sub = root
            .sub_ca(pki::ad_cs_sub_params("Contoso Subordinate CA", &aia))
            .map_err(e)?;
        let leaf = sub.leaf(&[HOST]).map_err(e)?;
        let root_pem = dir.join("contoso-root.pem");
        std::fs::write(&root_pem, &root.pem).map_err(io(&root_pem))?;
        let other = pki::Ca::root("Some Other Root CA").map_err(e)?;
        let bundle = dir.join("client-bundle.pem");
        std::fs::write(&bundle, &other.pem).map_err(io(&bundle))?;
        let truststore = dir.join("truststore.jks");
        let mut ks = crate::store::java::jks::Jks::new(false);
        ks.add_trusted("some-other-root-ca", &other.der, 0);
        std::fs::write(&truststore, ks.write(STOREPASS)).map_err(io(&truststore))?;
        let start = |chain: Vec<Vec<u8>>| {
            server::serve(chain, leaf.key_pkcs8.clone())
                .map(|a| a.port())
                .map_err(|x| format!("starting a loopback server: {x}"))
        };
        Ok(Lab {
            seed_port: start(vec![leaf.der.clone(), sub.der.clone()])?,
            bare_port: start(vec![leaf.der.clone()])?,
            dir: dir.to_path_buf(),
            root_pem,
            bundle,
            truststore,
            state: dir.join("state"),
        })
    }

    fn target(&self, port: u16) -> String {
        format!("{HOST}:{port}")
    }

    fn check_opts(&self, port: u16, store: StoreSpec) -> Result<CheckOptions, String> {
        Ok(CheckOptions {
            target: target::parse(&self.target(port), None, Some("127.0.0.1"), None)?,
            store,
            store_opts: crate::store::StoreOptions {
                storepass: Some(STOREPASS.into()),
                java_opts: None,
            },
            timeout: Duration::from_secs(2),
            ehlo: run::default_ehlo(),
            warn_days: 30,
            aia: true,
            supplied: Vec::new(),
            at: None,
        })
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
pub fn run(keep: Option<&Path>, style: &Style) -> Result<bool, String> {
    let tmp;
    let dir = match keep {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(io(d))?;
            d.to_path_buf()
        }
        None => {
            tmp = TempDir::new()?;
            tmp.0.clone()
        }
    };
    let lab = Lab::new(&dir)?;
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

fn diagnose(lab: &Lab, s: &mut Steps) -> Result<(), String> {
    s.title("1. Database Mail on this host fails: \"The remote certificate is invalid according to the validation procedure.\"");
    println!("     Exchange sends its certificate and the Subordinate CA; this host does not trust the private root,");
    println!("     and the root's AIA URLs (ldap:///, then http://) cannot be reached from here.");
    s.command(&format!(
        "trustfix check {} --connect 127.0.0.1 {}",
        lab.target(lab.seed_port),
        bundle_arg(lab)
    ));
    let r = run::check(&lab.check_opts(lab.seed_port, StoreSpec::CaFile(lab.bundle.clone()))?);
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

fn export(lab: &Lab, s: &mut Steps) -> Result<(), String> {
    s.title("2. Export what the client lacks: the root is not at hand, so nothing is written");
    let out = lab.dir.join("export");
    s.command(&format!(
        "trustfix export {} --connect 127.0.0.1 {} --what missing --out {}",
        lab.target(lab.seed_port),
        bundle_arg(lab),
        out.display()
    ));
    let src = crate::export::Source {
        input: lab.target(lab.seed_port),
        store: StoreSpec::CaFile(lab.bundle.clone()),
        store_opts: Default::default(),
        servername: None,
        connect: Some("127.0.0.1".into()),
        starttls: None,
        ehlo: None,
        timeout: 2.0,
        fetch: true,
    };
    let r = crate::export::diagnose_source(&src).map_err(|(_, e)| e)?;
    let opts = crate::export::Options {
        what: crate::export::What::Missing,
        format: crate::export::Format::Pem,
        out: out.clone(),
        force: false,
    };
    let refused = match crate::export::export(&r, &lab.target(lab.seed_port), &opts) {
        Ok(o) => {
            print!("{}", crate::report::admin::export_text(&o));
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

fn fix(lab: &Lab, s: &mut Steps, kind: &str, what: &str) -> Result<(), String> {
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
    let mut check = lab.check_opts(lab.seed_port, spec.clone())?;
    check.supplied = crate::load::certs_from_file(&lab.root_pem).map_err(|e| e.to_string())?;
    let o = crate::fix::run(&crate::fix::FixOptions {
        check,
        edit_store: spec,
        store_arg: arg,
        storepass: Some(STOREPASS.into()),
        java_opts: None,
        expect_sha256: None,
        trust_leaf: false,
        yes: true,
        dry_run: false,
        journal_dir: Some(lab.state.clone()),
    });
    print!("{}", crate::report::admin::fix_text(&o, s.style));
    let ok = o.changed
        && o.after
            .as_ref()
            .is_some_and(|a| a.verdict == Verdict::Trusted);
    s.expect("the fix to make the chain trusted", ok);
    Ok(())
}

fn undo(lab: &Lab, s: &mut Steps) -> Result<(), String> {
    s.title("5. Undo the last fix (the PEM bundle), and the client refuses again");
    s.command(&format!(
        "TRUSTFIX_STATE_DIR={} trustfix undo --last",
        lab.state.display()
    ));
    let u = crate::fix::undo(&crate::fix::UndoOptions {
        id: None,
        storepass: Some(STOREPASS.into()),
        java_opts: None,
        dry_run: false,
        yes: false,
        journal_dir: Some(lab.state.clone()),
    })?;
    print!("{}", crate::report::admin::undo_text(&u));
    s.command(&format!(
        "trustfix check {} --connect 127.0.0.1 {}",
        lab.target(lab.seed_port),
        bundle_arg(lab)
    ));
    let r = run::check(&lab.check_opts(lab.seed_port, StoreSpec::CaFile(lab.bundle.clone()))?);
    println!("Verdict: {}", crate::report::admin::verdict_line(&r));
    s.expect(
        "the bundle to be rejected again",
        r.verdict == Verdict::Rejected,
    );
    Ok(())
}

fn other_cause(lab: &Lab, s: &mut Steps) -> Result<(), String> {
    s.title("6. The other cause, same .NET message: the root is trusted, but the server omits its intermediate");
    s.command(&format!(
        "trustfix check {} --connect 127.0.0.1 --store java:{} --storepass {STOREPASS}",
        lab.target(lab.bare_port),
        lab.truststore.display()
    ));
    let mut opts = lab.check_opts(lab.bare_port, StoreSpec::Java(Some(lab.truststore.clone())))?;
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
pub fn serve(keep: Option<&Path>) -> Result<(), String> {
    let dir = match keep {
        Some(d) => d.to_path_buf(),
        None => std::env::temp_dir().join(format!("trustfix-demo-serve-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let lab = Lab::new(&dir)?;
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
    fn new() -> Result<TempDir, String> {
        let p = std::env::temp_dir().join(format!("trustfix-demo-{}", std::process::id()));
        std::fs::create_dir_all(&p).map_err(io(&p))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
