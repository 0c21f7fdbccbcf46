//! The OS's own validator as a second opinion: with `--store windows` or
//! `--store macos`, `check` and `show` also ask the chain engine a client on
//! this host uses (`trustfix_platform::chain_engine`) and report its status
//! next to trustfix's diagnosis, flagging where the two disagree. Nothing is
//! asked elsewhere (Linux has no OS validator; its stores are files).

use std::time::Duration;

use trustfix_platform::chain_engine::{self, OsVerdict, CERT_E_CN_NO_MATCH};
use trustfix_platform::Scope;

use crate::diagnose::{Finding, Severity, Verdict};
use crate::report::Report;
pub use crate::report::{OsEngineError, PlatformVerdict};
use crate::store::os::OsKind;
use crate::store::StoreSpec;

/// .NET's name for a host name the certificate does not carry.
pub const NAME_MISMATCH: &str = "RemoteCertificateNameMismatch";

/// Asks the OS about the chain of a finished `check` or `show` report, for
/// `--store windows|macos` on that OS only; `None` otherwise.
pub fn ask(r: &Report, spec: &StoreSpec, timeout: Duration) -> Option<PlatformVerdict> {
    let StoreSpec::Os(kind, scope) = spec else {
        return None;
    };
    let here = match kind {
        OsKind::Windows => cfg!(windows),
        OsKind::Macos => cfg!(target_os = "macos"),
        OsKind::LinuxAnchors => false,
    };
    if !here || r.error.is_some() || r.chain.is_empty() || r.paths.is_none() {
        return None;
    }
    let ders: Vec<Vec<u8>> = r.chain.iter().map(|c| c.der.clone()).collect();
    let name = r.target.as_ref().map(|t| t.servername.clone());
    let ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
    let answer = chain_engine::verify(&ders, name.as_deref(), *scope, ms)
        .map_err(|e| OsEngineError(e.to_string()));
    Some(compare(*scope, answer, &r.findings, r.verdict))
}

/// The .NET tokens an error finding's client line claims
/// (`X509ChainStatus PartialChain`, `RemoteCertificateNameMismatch`);
/// lines about what happens only with revocation checking on do not count
/// (the engine is asked without it).
pub fn dotnet_tokens(f: &Finding) -> Vec<String> {
    let line = &f.clients.dotnet;
    let mut out = Vec::new();
    if f.severity != Severity::Error || line.contains("when revocation checking is on") {
        return out;
    }
    if let Some((_, rest)) = line.split_once("X509ChainStatus ") {
        for word in rest.split([',', ' ', ':']).filter(|w| !w.is_empty()) {
            if !word.chars().all(|c| c.is_ascii_alphanumeric())
                || !word.starts_with(char::is_uppercase)
            {
                break;
            }
            out.push(word.to_string());
        }
    }
    if line.contains(NAME_MISMATCH) {
        out.push(NAME_MISMATCH.to_string());
    }
    out
}

/// What the OS's answer claims in the same tokens.
fn os_tokens(v: &OsVerdict) -> Vec<String> {
    let mut t = v.chain_status.clone();
    if v.os == "windows" && v.policy_error == CERT_E_CN_NO_MATCH {
        t.push(NAME_MISMATCH.to_string());
    }
    t
}

fn os_word(v: &OsVerdict) -> &'static str {
    if v.os == "macos" {
        "macOS"
    } else {
        "Windows"
    }
}

/// Puts the OS's answer next to trustfix's findings (plain, testable).
pub fn compare(
    scope: Scope,
    answer: Result<OsVerdict, OsEngineError>,
    findings: &[Finding],
    verdict: Verdict,
) -> PlatformVerdict {
    let trustfix_accepts = matches!(verdict, Verdict::Trusted | Verdict::Warning);
    let mut trustfix_status: Vec<String> = Vec::new();
    let mut said: Vec<String> = Vec::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        let tokens = dotnet_tokens(f);
        let what = match &f.certificate {
            Some(c) => format!("{} ('{}')", f.id, c.subject),
            None => f.id.to_string(),
        };
        said.push(what);
        for t in tokens {
            if !trustfix_status.contains(&t) {
                trustfix_status.push(t);
            }
        }
    }
    let trustfix_side = if said.is_empty() {
        "trustfix: trusted".to_string()
    } else {
        format!("trustfix: {}", said.join(", "))
    };
    let v = match &answer {
        Ok(v) => v,
        Err(e) => {
            return PlatformVerdict {
                scope,
                summary: format!("the OS chain engine could not be asked: {e}"),
                answer,
                trustfix_status,
                trustfix_accepts,
                disagreement: None,
            }
        }
    };
    let os = os_word(v);
    let mut theirs = os_tokens(v);
    let os_side = if v.trusted {
        format!("{os} says: trusted")
    } else if theirs.is_empty() {
        format!("{os} says: rejected ({})", v.policy)
    } else {
        format!("{os} says: {}", theirs.join(", "))
    };
    let summary = format!("{os_side}; {trustfix_side}");
    let mut ours = trustfix_status.clone();
    theirs.sort();
    ours.sort();
    let disagreement = if v.trusted != trustfix_accepts {
        Some(format!(
            "{os} {} the chain, trustfix {} it",
            if v.trusted { "accepts" } else { "rejects" },
            if trustfix_accepts {
                "accepts"
            } else {
                "rejects"
            }
        ))
    } else if v.os == "windows" && !v.trusted && theirs != ours {
        Some(format!(
            "Windows reports {}, trustfix's .NET line claims {}",
            list_or_none(&theirs),
            list_or_none(&ours)
        ))
    } else {
        None
    };
    PlatformVerdict {
        scope,
        answer,
        trustfix_status,
        trustfix_accepts,
        summary,
        disagreement,
    }
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Clients, Concerns};
    use trustfix_platform::chain_engine::windows_verdict;

    fn finding(id: crate::diagnose::FindingId, severity: Severity, dotnet: &str) -> Finding {
        Finding {
            id,
            severity,
            certificate: Some(Concerns {
                depth: 2,
                subject: "CN=Contoso Offline Root CA".into(),
                sha256: None,
            }),
            message: String::new(),
            fix: String::new(),
            clients: Clients {
                dotnet: dotnet.into(),
                java: String::new(),
                openssl: String::new(),
            },
        }
    }

    #[test]
    fn tokens_from_the_dotnet_line() {
        let f = finding(
            crate::diagnose::FindingId::ChainUntrustedRoot,
            Severity::Error,
            "RemoteCertificateChainErrors, X509ChainStatus PartialChain: \"The remote certificate is invalid\"",
        );
        assert_eq!(dotnet_tokens(&f), vec!["PartialChain"]);
        let f = finding(
            crate::diagnose::FindingId::NameMismatch,
            Severity::Error,
            "RemoteCertificateNameMismatch: \"x\"",
        );
        assert_eq!(dotnet_tokens(&f), vec![NAME_MISMATCH]);
        let f = finding(
            crate::diagnose::FindingId::ChainExtra,
            Severity::Warning,
            "X509ChainStatus PartialChain",
        );
        assert!(dotnet_tokens(&f).is_empty());
        let f = finding(
            crate::diagnose::FindingId::CertRevoked,
            Severity::Error,
            "RemoteCertificateChainErrors, X509ChainStatus Revoked: when revocation checking is on",
        );
        assert!(dotnet_tokens(&f).is_empty());
    }

    #[test]
    fn agreement_and_disagreement() {
        let partial = finding(
            crate::diagnose::FindingId::ChainUntrustedRoot,
            Severity::Error,
            "RemoteCertificateChainErrors, X509ChainStatus PartialChain: x",
        );
        let os = windows_verdict(Scope::Machine, 0x0001_0000, 0, 0, Vec::new());
        let p = compare(
            Scope::Machine,
            Ok(os.clone()),
            std::slice::from_ref(&partial),
            Verdict::Rejected,
        );
        assert_eq!(p.disagreement, None);
        assert_eq!(
            p.summary,
            "Windows says: PartialChain; trustfix: chain.untrusted_root ('CN=Contoso Offline Root CA')"
        );
        // Same rejection, another status: flagged.
        let untrusted = finding(
            crate::diagnose::FindingId::ChainUntrustedRoot,
            Severity::Error,
            "RemoteCertificateChainErrors, X509ChainStatus UntrustedRoot: x",
        );
        let p = compare(Scope::Machine, Ok(os), &[untrusted], Verdict::Rejected);
        assert_eq!(
            p.disagreement.as_deref(),
            Some("Windows reports PartialChain, trustfix's .NET line claims UntrustedRoot")
        );
        // trustfix trusts what the machine engine rejects (issue 15, bug 1).
        let os = windows_verdict(Scope::Machine, 0x0001_0000, 0, 0, Vec::new());
        let p = compare(Scope::Machine, Ok(os), &[], Verdict::Trusted);
        assert_eq!(
            p.disagreement.as_deref(),
            Some("Windows rejects the chain, trustfix accepts it")
        );
        // The name: the SSL policy's CN_NO_MATCH is .NET's name mismatch.
        let os = windows_verdict(Scope::Machine, 0, 0, CERT_E_CN_NO_MATCH, Vec::new());
        let name = finding(
            crate::diagnose::FindingId::NameMismatch,
            Severity::Error,
            "RemoteCertificateNameMismatch: x",
        );
        let p = compare(Scope::Machine, Ok(os), &[name], Verdict::Rejected);
        assert_eq!(p.disagreement, None, "{}", p.summary);
        let p = compare(
            Scope::User,
            Err(OsEngineError("no engine".into())),
            &[partial],
            Verdict::Rejected,
        );
        assert!(p.summary.contains("could not be asked: no engine"));
        assert_eq!(p.disagreement, None);
    }
}
