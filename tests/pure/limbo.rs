//! x509-limbo: every server-validation case of ../shared/x509-limbo/limbo.json
//! judged in-process at its validation time, against its expected result.
//! Each disagreement must be listed, with the client behaviour it models,
//! in docs/divergences.md; a listed case that agrees fails too, so the
//! table stays true.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use trustfix::diagnose::Verdict;
use trustfix::store::TrustStore;

fn limbo_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/x509-limbo/limbo.json")
}

/// `| \`id\` | expected | trustfix | ...` rows of the limbo table.
fn divergences() -> BTreeMap<String, String> {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/divergences.md"),
    )
    .expect("docs/divergences.md");
    let mut out = BTreeMap::new();
    let mut in_limbo = false;
    for line in doc.lines() {
        if line.starts_with("## ") {
            in_limbo = line.contains("x509-limbo");
        }
        if !in_limbo || !line.starts_with("| `") {
            continue;
        }
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        let id = cols[1].trim_matches('`').to_string();
        out.insert(id, cols[3].to_string());
    }
    out
}

fn certs(v: &Value) -> Vec<trustfix::cert::Cert> {
    let pems: Vec<&str> = match v {
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        Value::String(s) => vec![s.as_str()],
        _ => Vec::new(),
    };
    pems.iter()
        .flat_map(|p| trustfix::load::certs_from_bytes(p.as_bytes()).expect("limbo PEM parses"))
        .collect()
}

#[test]
fn x509_limbo_server_cases() {
    let path = limbo_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("SKIPPED x509-limbo: {} not found", path.display());
        return;
    };
    let limbo: Value = serde_json::from_str(&text).expect("limbo.json");
    let listed = divergences();
    let (mut total, mut agree) = (0, 0);
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for t in limbo["testcases"].as_array().expect("testcases") {
        if t["validation_kind"] != "SERVER" {
            continue;
        }
        total += 1;
        let id = t["id"].as_str().unwrap_or("?").to_string();
        let now = t["validation_time"]
            .as_str()
            .map(|s| trustfix::util::time::parse_time(s).expect("validation_time"))
            .unwrap_or_else(trustfix::util::time::now);
        let anchors = certs(&t["trusted_certs"]);
        let mut sent = certs(&t["peer_certificate"]);
        sent.extend(certs(&t["untrusted_intermediates"]));
        // As `--ca-file` reads them: OpenSSL-based clients anchor only
        // self-issued certificates (no X509_V_FLAG_PARTIAL_CHAIN).
        let store =
            TrustStore::from_openssl_style("limbo trusted_certs".into(), anchors, Vec::new());
        let name = t["expected_peer_name"]["value"].as_str();
        let r = trustfix::run::judge_offline(sent, &store, name, now);
        let ours = if matches!(r.verdict, Verdict::Trusted | Verdict::Warning) {
            "SUCCESS"
        } else {
            "FAILURE"
        };
        let expected = t["expected_result"].as_str().unwrap_or("?");
        let ids: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.severity != trustfix::diagnose::Severity::Info)
            .map(|f| f.id.as_str())
            .collect();
        match (ours == expected, listed.get(&id)) {
            (true, None) => agree += 1,
            (true, Some(_)) => problems.push(format!(
                "{id}: agrees now ({ours}) but is listed as a divergence"
            )),
            (false, Some(l)) if l == ours => seen.push(id.clone()),
            (false, Some(l)) => {
                problems.push(format!("{id}: trustfix says {ours}, the table says {l}"))
            }
            (false, None) => problems.push(format!(
                "{id}: expected {expected}, trustfix {ours} {ids:?} (not in docs/divergences.md)"
            )),
        }
    }
    for id in listed.keys() {
        if !seen.contains(id) && !problems.iter().any(|p| p.starts_with(&format!("{id}:"))) {
            problems.push(format!(
                "{id}: listed in docs/divergences.md but not a server case"
            ));
        }
    }
    println!(
        "x509-limbo: {total} server cases, trustfix agrees with {agree}, {} listed divergences",
        seen.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
