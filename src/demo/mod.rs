//! `trustfix demo`: the Database Mail -> Exchange scenario on loopback with
//! a PKI generated for this run. Shows the two causes admins confuse
//! (untrusted root, missing intermediate) and the fixed state.

pub mod pki;
pub mod server;

use std::path::Path;
use std::time::Duration;

use crate::diagnose::Verdict;
use crate::report::text::{self, Style};
use crate::run::{self, CheckOptions};
use crate::store::StoreSpec;
use crate::target;

const HOST: &str = "exchange01.int.contoso.com";

struct Scenario {
    title: &'static str,
    story: &'static str,
    port: u16,
    store: StoreSpec,
    expect: &'static str,
}

/// Runs the demo; `Ok(false)` when a scenario did not produce the expected
/// diagnosis (so the demo doubles as a smoke test).
pub fn run(keep: Option<&Path>, style: &Style) -> Result<bool, String> {
    let tmp;
    let dir = match keep {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
            d.to_path_buf()
        }
        None => {
            tmp = TempDir::new()?;
            tmp.0.clone()
        }
    };
    let e = |x: pki::Error| format!("generating the demo PKI: {x}");
    let root = pki::Ca::root("Contoso Offline Root CA").map_err(e)?;
    let sub = root.intermediate("Contoso Subordinate CA").map_err(e)?;
    let leaf = sub.leaf(&[HOST]).map_err(e)?;
    let root_pem = dir.join("contoso-root.pem");
    std::fs::write(&root_pem, &root.pem).map_err(|x| format!("{}: {x}", root_pem.display()))?;
    std::fs::write(dir.join("contoso-sub.pem"), &sub.pem)
        .map_err(|x| format!("{}: {x}", dir.display()))?;

    let full = server::serve(
        vec![leaf.der.clone(), sub.der.clone(), root.der.clone()],
        leaf.key_pkcs8.clone(),
    )
    .map_err(|x| format!("starting loopback server: {x}"))?;
    let bare = server::serve(vec![leaf.der.clone()], leaf.key_pkcs8.clone())
        .map_err(|x| format!("starting loopback server: {x}"))?;

    let scenarios = [
        Scenario {
            title: "1. Exchange sends its whole chain; the client's store lacks the Contoso root",
            story: "Database Mail: \"The remote certificate is invalid according to the validation procedure.\"",
            port: full.port(),
            store: StoreSpec::System,
            expect: "chain.untrusted_root",
        },
        Scenario {
            title: "2. The root is trusted now, but Exchange sends only its own certificate",
            story: "Same .NET message, different cause: the intermediate is missing, not the root.",
            port: bare.port(),
            store: StoreSpec::CaFile(root_pem.clone()),
            expect: "chain.incomplete",
        },
        Scenario {
            title: "3. Root trusted and the server sends its chain: fixed",
            story: "What the check looks like once the root is imported.",
            port: full.port(),
            store: StoreSpec::CaFile(root_pem.clone()),
            expect: "",
        },
    ];
    println!("trustfix demo: a fresh Contoso PKI in {}", dir.display());
    println!("  root CN=Contoso Offline Root CA, sub CN=Contoso Subordinate CA, server {HOST}\n");
    let mut all_ok = true;
    for s in &scenarios {
        let store_arg = match &s.store {
            StoreSpec::System => "--store system".to_string(),
            StoreSpec::CaFile(p) => format!("--ca-file {}", p.display()),
            StoreSpec::CaDir(p) => format!("--ca-dir {}", p.display()),
            StoreSpec::Java(_) | StoreSpec::Os(..) => String::new(),
        };
        println!("==== {}", s.title);
        println!("     {}", s.story);
        println!(
            "$ trustfix check {HOST}:{} --connect 127.0.0.1 {store_arg}\n",
            s.port
        );
        let t = target::parse(&format!("{HOST}:{}", s.port), None, Some("127.0.0.1"), None)?;
        let r = run::check(&CheckOptions {
            target: t,
            store: s.store.clone(),
            store_opts: Default::default(),
            timeout: Duration::from_secs(10),
            ehlo: run::default_ehlo(),
            warn_days: 30,
            aia: false,
            supplied: Vec::new(),
            at: None,
        });
        print!("{}", text::render(&r, style));
        if let Some(e) = &r.error {
            println!("error: {}", e.message);
        }
        let ok = if s.expect.is_empty() {
            r.verdict == Verdict::Trusted
        } else {
            r.findings.iter().any(|f| f.id == s.expect)
        };
        if !ok {
            println!(
                "demo: expected {} here, got verdict {:?}",
                if s.expect.is_empty() {
                    "trusted"
                } else {
                    s.expect
                },
                r.verdict
            );
            all_ok = false;
        }
        println!();
    }
    all_ok &= fix_scenario(&dir, full.port(), style)?;
    Ok(all_ok)
}

/// Scenario 4: `trustfix fix` on a client store (a PEM bundle that lacks
/// the Contoso root), then the check passes.
fn fix_scenario(dir: &Path, port: u16, style: &Style) -> Result<bool, String> {
    let other = pki::Ca::root("Some Other Root").map_err(|e| e.to_string())?;
    let store = dir.join("client-store.pem");
    std::fs::write(&store, &other.pem).map_err(|e| format!("{}: {e}", store.display()))?;
    let spec = StoreSpec::CaFile(store.clone());
    println!("==== 4. Fix it: trust the Contoso root in the client's store, then check again");
    println!(
        "$ trustfix fix {HOST}:{port} --connect 127.0.0.1 --store ca-file:{} --yes\n",
        store.display()
    );
    let o = crate::fix::run(&crate::fix::FixOptions {
        check: CheckOptions {
            target: target::parse(&format!("{HOST}:{port}"), None, Some("127.0.0.1"), None)?,
            store: spec.clone(),
            store_opts: Default::default(),
            timeout: Duration::from_secs(10),
            ehlo: run::default_ehlo(),
            warn_days: 30,
            aia: false,
            supplied: Vec::new(),
            at: None,
        },
        edit_store: spec,
        store_arg: format!("ca-file:{}", store.display()),
        storepass: None,
        java_opts: None,
        expect_sha256: None,
        trust_leaf: false,
        yes: true,
        dry_run: false,
        journal_dir: Some(dir.join("state")),
    });
    print!("{}", crate::report::admin::fix_text(&o, style));
    let ok = o.changed
        && o.after
            .as_ref()
            .is_some_and(|a| a.verdict == Verdict::Trusted);
    if !ok {
        println!("demo: expected the fix to make the chain trusted");
    }
    println!();
    Ok(ok)
}

/// Minimal temp dir without pulling tempfile into the binary.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, String> {
        let p = std::env::temp_dir().join(format!("trustfix-demo-{}", std::process::id()));
        std::fs::create_dir_all(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
