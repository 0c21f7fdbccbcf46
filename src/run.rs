//! Wiring: target -> fetch -> path -> diagnose -> Report. No I/O of its own
//! beyond calling the stages; renderers take the Report from here.

use std::path::PathBuf;
use std::time::Duration;

use crate::cert::Cert;
use crate::diagnose::{self, Context, Verdict};
use crate::fetch;
use crate::load;
use crate::path;
use crate::report::{Report, StoreInfo, TargetInfo, TlsInfo};
use crate::store::{self, StoreSpec, TrustStore};
use crate::target::Target;

pub struct CheckOptions {
    pub target: Target,
    pub store: StoreSpec,
    pub timeout: Duration,
    /// Name for SMTP EHLO.
    pub ehlo: String,
    pub warn_days: i64,
}

/// This host's name for EHLO, as mail clients announce themselves.
pub fn default_ehlo() -> String {
    let from_os = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        });
    from_os.unwrap_or_else(|| "localhost".to_string())
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn load_store(spec: &StoreSpec) -> Result<TrustStore, String> {
    store::open(spec).load()
}

fn store_info(s: &TrustStore) -> StoreInfo {
    StoreInfo {
        label: s.label.clone(),
        anchors: s.anchors.len(),
        intermediates: s.intermediates.len(),
        notes: s.notes.clone(),
    }
}

/// Path building and diagnosis on certificates already in hand.
fn judge(
    mut r: Report,
    sent: Vec<Cert>,
    store: &TrustStore,
    servername: Option<&str>,
    warn_days: i64,
) -> Report {
    let paths = path::build(&sent, store, r.now);
    let ctx = Context {
        servername,
        now: r.now,
        warn_days,
        store_label: &store.label,
    };
    r.findings = diagnose::diagnose(&paths, &ctx);
    r.verdict = Verdict::from_findings(&r.findings);
    r.chain = sent;
    r.paths = Some(paths);
    r
}

pub fn check(opts: &CheckOptions) -> Report {
    let t = &opts.target;
    let mut r = Report::new("check", now());
    r.target = Some(TargetInfo {
        input: t.input.clone(),
        authority: t.authority(),
        servername: t.servername.clone(),
        address: None,
    });
    let store = match load_store(&opts.store) {
        Ok(s) => s,
        Err(e) => return r.fail("store", format!("store: {e}")),
    };
    r.store = Some(store_info(&store));
    let fetch_opts = fetch::FetchOptions {
        timeout: opts.timeout,
        ehlo: opts.ehlo.clone(),
    };
    let cap = match fetch::fetch(t, &fetch_opts) {
        Ok(c) => c,
        Err(e) => return r.fail(e.phase.as_str(), e.message),
    };
    if let Some(ti) = r.target.as_mut() {
        ti.address = Some(cap.address.to_string());
    }
    r.tls = Some(TlsInfo {
        protocol: cap.protocol.clone(),
        cipher_suite: cap.cipher_suite.clone(),
        ocsp_stapled: cap.ocsp_stapled.clone(),
        handshake_error: cap.handshake_error.clone(),
        starttls: t.proto.name().to_string(),
        starttls_reason: t.proto_reason.clone(),
        legacy: cap.legacy,
    });
    let tls_findings = diagnose::connection(
        &cap.protocol,
        &cap.cipher_suite,
        cap.legacy,
        cap.modern_error.as_deref(),
    );
    let mut sent = Vec::with_capacity(cap.chain.len());
    for (i, der) in cap.chain.iter().enumerate() {
        match Cert::from_der(der) {
            Ok(c) => sent.push(c),
            Err(e) => {
                return r.fail(
                    "parse",
                    format!(
                        "certificate #{i} sent by {} cannot be parsed: {e}",
                        t.authority()
                    ),
                );
            }
        }
    }
    let mut r = judge(r, sent, &store, Some(&t.servername), opts.warn_days);
    r.findings.extend(tls_findings);
    r.verdict = Verdict::from_findings(&r.findings);
    r
}

pub struct ShowOptions {
    pub files: Vec<PathBuf>,
    pub store: Option<StoreSpec>,
    pub servername: Option<String>,
    pub warn_days: i64,
}

/// Renders certificate files; with a store, diagnoses them as a chain
/// (first certificate = the server's) without any network.
pub fn show(opts: &ShowOptions) -> Report {
    let mut r = Report::new("show", now());
    let mut certs = Vec::new();
    for f in &opts.files {
        match load::certs_from_file(f) {
            Ok(c) => certs.extend(c),
            Err(e) => return r.fail("file", e.to_string()),
        }
    }
    let Some(spec) = &opts.store else {
        r.chain = certs;
        return r;
    };
    let store = match load_store(spec) {
        Ok(s) => s,
        Err(e) => return r.fail("store", format!("store: {e}")),
    };
    r.store = Some(store_info(&store));
    judge(r, certs, &store, opts.servername.as_deref(), opts.warn_days)
}
