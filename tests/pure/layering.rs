//! The crate's layering, checked: each top-level module of `src/` may use
//! only modules of lower layers (or its own), so data flows one way and no
//! two modules depend on each other. A module missing from `LAYERS` fails
//! the test: a new module must be given its place.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. Modules on one line are one layer and may not use each
/// other.
const LAYERS: &[&[&str]] = &[
    &["util", "error"],
    &["keystore"],
    &["names"],
    &["sig"],
    &["cert"],
    &["target", "load"],
    &["net"],
    &["fetch"],
    &["store"],
    &["path"],
    &["aia", "revocation"],
    &["diagnose"],
    &["report"],
    &["platform_verdict"],
    &["run"],
    &["edit", "journal"],
    &["demo"],
    &["fix", "export", "inventory", "preflight"],
    &["cli"],
    &["cmd"],
];

fn layer_of(m: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&m))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs")
            // A module's unit tests in their own file (`mod tests;` under
            // `#[cfg(test)]`) may build fixtures from anywhere, like the
            // `#[cfg(test)]` blocks `uses` leaves out.
            && p.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(p);
        }
    }
}

/// `crate::X` uses of the file's code, unit tests left out (they may
/// build fixtures from anywhere).
fn uses(text: &str) -> BTreeSet<String> {
    let code = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `trustfix_platform::` etc. are other crates, not `crate::`.
            let before = rest[..i].chars().last();
            if !name.is_empty() && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.insert(name);
            }
            rest = after;
        }
    }
    out
}

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).expect("under src");
        let top = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("utf-8 name")
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read source");
        let deps = graph.entry(top.clone()).or_default();
        deps.extend(uses(&text).into_iter().filter(|d| *d != top));
    }
    graph
}

#[test]
fn every_module_uses_only_lower_layers() {
    let graph = module_graph();
    let mut wrong = Vec::new();
    for (m, deps) in &graph {
        let Some(lm) = layer_of(m) else {
            wrong.push(format!("{m}: not in LAYERS (give it its place)"));
            continue;
        };
        for d in deps {
            match layer_of(d) {
                None => wrong.push(format!("{m} uses {d}, which is not in LAYERS")),
                Some(ld) if ld < lm => {}
                Some(_) => wrong.push(format!(
                    "{m} (layer {lm}) uses {d} (layer {})",
                    layer_of(d).unwrap_or(0)
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "layering broken:\n  {}",
        wrong.join("\n  ")
    );
}

/// The Java keystore codecs are a library of their own: DER bytes and
/// aliases in and out, nothing of the crate but `util` (not even `error`,
/// which shares util's layer).
#[test]
fn keystore_uses_only_util() {
    let graph = module_graph();
    let deps: Vec<&str> = graph["keystore"].iter().map(String::as_str).collect();
    assert_eq!(deps, ["util"]);
}

#[test]
fn the_check_sees_real_uses() {
    // The scanner must find what it is meant to police.
    let graph = module_graph();
    assert!(graph["cmd"].contains("cli"), "{:?}", graph["cmd"]);
    assert!(graph["diagnose"].contains("cert"));
    let u = uses("use crate::a::b;\n// crate::comment\nlet x = trustfix_crate::z; crate::c::d();\n#[cfg(test)]\ncrate::t");
    assert_eq!(u.into_iter().collect::<Vec<_>>(), ["a", "c"]);
}
