//! `--json`: schema 1, documented in docs/json.md. Add fields freely;
//! renaming or removing one means schema 2.

use base64::Engine;
use serde_json::{json, Value};

use super::Report;
use crate::cert::Cert;
use crate::path::{End, Origin, Path, Paths};
use crate::util::hex::hex_colon;
use crate::util::time::fmt_date;

/// The schema version (`schema`): changes only when a field is renamed or removed.
pub const SCHEMA: u32 = 1;

/// The report as one pretty-printed JSON document of schema [`SCHEMA`].
pub fn render(r: &Report) -> String {
    let mut v = json!({
        "schema": SCHEMA,
        "tool": format!("trustfix {}", env!("CARGO_PKG_VERSION")),
        "command": r.command,
        "checked_at": fmt_date(r.checked_at),
        "judged_at": fmt_date(r.now),
        "judged_at_given": r.at_given,
        "verdict": r.verdict,
        "exit_code": r.exit_code(),
    });
    let o = v.as_object_mut().expect("json! object");
    if let Some(t) = &r.target {
        o.insert(
            "target".into(),
            json!({"input": t.input, "authority": t.authority, "servername": t.servername, "address": t.address}),
        );
    }
    if let Some(t) = &r.tls {
        o.insert(
            "tls".into(),
            json!({
                "protocol": t.protocol,
                "cipher_suite": t.cipher_suite,
                "ocsp_stapled": t.ocsp_stapled.as_ref().map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
                "handshake_error": t.handshake_error,
                "starttls": t.starttls,
                "starttls_reason": t.starttls_reason,
                "legacy": t.legacy,
            }),
        );
    }
    if let Some(s) = &r.store {
        o.insert(
            "store".into(),
            json!({"label": s.label, "anchors": s.anchors, "intermediates": s.intermediates, "notes": s.notes}),
        );
    }
    o.insert(
        "chain".into(),
        Value::Array(
            r.chain
                .iter()
                .enumerate()
                .map(|(i, c)| cert_json(c, i, r.now))
                .collect(),
        ),
    );
    if let Some(p) = &r.paths {
        let at = r.store.as_ref().map(|s| &s.locations);
        o.insert("path".into(), path_json(p, p.best(), r.now, at));
        o.insert(
            "alternatives".into(),
            Value::Array(
                p.ranked
                    .iter()
                    .skip(1)
                    .map(|a| path_json(p, a, r.now, at))
                    .collect(),
            ),
        );
    }
    if let Some(s) = &r.revocation {
        o.insert("revocation_mode".into(), json!(s.mode.as_str()));
        add_revocation(o.get_mut("path"), s);
    }
    o.insert(
        "findings".into(),
        serde_json::to_value(&r.findings).unwrap_or(Value::Null),
    );
    if let Some(p) = &r.platform_verdict {
        o.insert("platform_verdict".into(), platform_verdict_json(p));
    }
    if let Some(e) = &r.error {
        o.insert(
            "error".into(),
            json!({"phase": e.phase, "message": e.message}),
        );
    }
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

fn cert_json(c: &Cert, depth: usize, now: i64) -> Value {
    json!({
        "depth": depth,
        "subject": c.subject,
        "issuer": c.issuer,
        "serial": c.serial,
        "not_before": fmt_date(c.not_before),
        "not_after": fmt_date(c.not_after),
        "days_left": (c.not_after - now).div_euclid(86_400),
        "sha256": c.sha256_hex(),
        "sha1": c.thumbprint(),
        "key": c.key_desc(),
        "signature_algorithm": c.sig_alg,
        "is_ca": c.is_ca(),
        "self_issued": c.is_self_issued(),
        "dns_names": c.dns_names,
        "ip_addresses": c.ip_addrs.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
        "subject_key_id": c.ski.as_deref().map(hex_colon),
        "authority_key_id": c.aki.as_deref().map(hex_colon),
        "aia_ca_issuers": c.aia_ca_issuers,
        "ocsp": c.ocsp_urls,
        "crl": c.crl_urls,
    })
}

/// `locations`: the physical store of each store certificate (OS stores).
fn path_json(
    paths: &Paths,
    path: &Path,
    now: i64,
    locations: Option<&std::collections::HashMap<[u8; 32], String>>,
) -> Value {
    let mut certs: Vec<Value> = path
        .certs
        .iter()
        .enumerate()
        .map(|(depth, &i)| {
            let cand = &paths.pool[i];
            let mut v = cert_json(&cand.cert, depth, now);
            let (origin, sent_index) = match cand.origin {
                Origin::Sent {
                    index,
                    in_store: false,
                } => ("server", Some(index)),
                Origin::Sent {
                    index,
                    in_store: true,
                } => ("server+store", Some(index)),
                Origin::StoreAnchor => ("store", None),
                Origin::StoreIntermediate => ("store", None),
                Origin::Fetched => ("aia", None),
                Origin::Supplied => ("supplied", None),
            };
            if let Some(o) = v.as_object_mut() {
                o.insert("origin".into(), json!(origin));
                if let Some(l) = locations.and_then(|l| l.get(&cand.cert.sha256)) {
                    o.insert("store_location".into(), json!(l));
                }
                o.insert("sent_index".into(), json!(sent_index));
                o.insert(
                    "signature".into(),
                    json!(path.sigs.get(depth).map(|s| s.as_str())),
                );
            }
            v
        })
        .collect();
    let status = match &path.end {
        End::Trusted => "trusted",
        End::UntrustedRoot => "untrusted_root",
        End::Incomplete { issuer, aki, .. } => {
            certs.push(json!({
                "depth": path.certs.len(),
                "origin": "missing",
                "subject": issuer,
                "subject_key_id": aki.as_deref().map(hex_colon),
            }));
            "incomplete"
        }
    };
    json!({"status": status, "certificates": certs})
}

/// `revocation` on each certificate of `path` (not the missing issuer):
/// an object, or `null` for a certificate not checked. Nothing with `off`.
fn add_revocation(path: Option<&mut Value>, s: &crate::revocation::Summary) {
    use crate::revocation::Entry;
    if s.mode == crate::revocation::Mode::Off {
        return;
    }
    let Some(certs) = path
        .and_then(|p| p.get_mut("certificates"))
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for (cert, e) in certs.iter_mut().zip(&s.certs) {
        let v = match e {
            Entry::Skipped(_) => Value::Null,
            Entry::Checked(c) => json!({
                "status": c.status.as_str(),
                "source": c.source.map(|x| x.as_str()),
                "url": c.url,
                "reason": c.reason,
                "revoked_at": c.revoked_at.map(fmt_date),
                "this_update": c.fresh.map(|f| fmt_date(f.this_update)),
                "next_update": c.fresh.and_then(|f| f.next_update).map(fmt_date),
                "detail": c.detail,
                "attempts": c.attempts.iter().map(|a| json!({
                    "source": a.source.as_str(),
                    "url": a.url,
                    "result": a.result_str(),
                    "detail": a.detail(),
                })).collect::<Vec<_>>(),
            }),
        };
        if let Some(o) = cert.as_object_mut() {
            o.insert("revocation".into(), v);
        }
    }
}

/// `platform_verdict`: the OS chain engine's answer next to trustfix's.
fn platform_verdict_json(p: &super::PlatformVerdict) -> Value {
    let scope = match p.scope {
        trustfix_platform::Scope::Machine => "machine",
        trustfix_platform::Scope::User => "user",
    };
    let mut v = json!({
        "scope": scope,
        "trustfix_accepts": p.trustfix_accepts,
        "trustfix_chain_status": p.trustfix_status,
        "summary": p.summary,
        "agrees": p.answer.is_ok().then_some(p.disagreement.is_none()),
        "disagreement": p.disagreement,
    });
    let Some(o) = v.as_object_mut() else {
        return v;
    };
    match &p.answer {
        Ok(a) => {
            o.insert("os".into(), json!(a.os));
            o.insert("engine".into(), json!(a.engine));
            o.insert("trusted".into(), json!(a.trusted));
            o.insert("error_status".into(), json!(a.error_status));
            o.insert("info_status".into(), json!(a.info_status));
            o.insert("flags".into(), json!(a.flags));
            o.insert("chain_status".into(), json!(a.chain_status));
            o.insert("policy".into(), json!(a.policy));
            o.insert("policy_error".into(), json!(a.policy_error));
            o.insert("message".into(), json!(a.message));
            o.insert(
                "elements".into(),
                Value::Array(
                    a.elements
                        .iter()
                        .map(|e| json!({"sha256": e.sha256, "flags": e.flags}))
                        .collect(),
                ),
            );
        }
        Err(e) => {
            o.insert("error".into(), json!(e.to_string()));
        }
    }
    v
}
