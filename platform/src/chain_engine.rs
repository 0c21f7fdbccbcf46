//! The OS's own verdict on a chain, as a second opinion next to trustfix's
//! diagnosis: Windows' chain engine (`CertGetCertificateChain` +
//! `CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL)`), macOS'
//! `SecTrustEvaluateWithError`.
//!
//! Windows: the machine engine (`HCCE_LOCAL_MACHINE`) for scope machine,
//! as a service sees the chain; the user engine for scope user. The
//! certificates the server sent go into the additional store, as a TLS
//! client passes them. The verdict is judged by the chain's
//! `dwErrorStatus` flags AND the SSL policy: Wine's policy returns 0 for a
//! partial chain, the flags are right. The flag names and their .NET
//! `X509ChainStatusFlags` names (the same bit values) are plain tables,
//! unit-tested on every OS.

use crate::Scope;

/// What the OS's validator said about one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsVerdict {
    /// `windows` or `macos`.
    pub os: &'static str,
    /// Which validator, in words.
    pub engine: String,
    /// The chain passed: no error flag and the SSL policy (with the name) passed.
    pub trusted: bool,
    /// Windows: the chain's `dwErrorStatus` / `dwInfoStatus`.
    pub error_status: u32,
    /// Windows: the chain's `dwInfoStatus` (informational bits).
    pub info_status: u32,
    /// `CERT_TRUST_*` names of `error_status`, e.g. `IS_PARTIAL_CHAIN`.
    pub flags: Vec<String>,
    /// The .NET `X509ChainStatus` names a .NET client on this host gets,
    /// e.g. `PartialChain`; on macOS derived from the error code.
    pub chain_status: Vec<String>,
    /// Windows: the SSL policy's `dwError` and its name (`CERT_E_CN_NO_MATCH`).
    pub policy_error: u32,
    /// Name of `policy_error` (`OK`, `CERT_E_CN_NO_MATCH`; on macOS the
    /// error code's name).
    pub policy: String,
    /// The chain the engine built, from the server's certificate up:
    /// SHA-256 (hex) and that element's error flags.
    pub elements: Vec<Element>,
    /// macOS: the CFError's description.
    pub message: Option<String>,
}

/// One certificate of the chain the OS built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// SHA-256 of the certificate, lower-case hex.
    pub sha256: String,
    /// `CERT_TRUST_*` error names for this element.
    pub flags: Vec<String>,
}

/// `CERT_TRUST_*` error bits, their names (as wincrypt-referee prints them)
/// and the .NET `X509ChainStatusFlags` of the same value.
const ERROR_FLAGS: &[(u32, &str, &str)] = &[
    (0x0000_0001, "IS_NOT_TIME_VALID", "NotTimeValid"),
    (0x0000_0002, "IS_NOT_TIME_NESTED", "NotTimeNested"),
    (0x0000_0004, "IS_REVOKED", "Revoked"),
    (0x0000_0008, "IS_NOT_SIGNATURE_VALID", "NotSignatureValid"),
    (0x0000_0010, "IS_NOT_VALID_FOR_USAGE", "NotValidForUsage"),
    (0x0000_0020, "IS_UNTRUSTED_ROOT", "UntrustedRoot"),
    (
        0x0000_0040,
        "REVOCATION_STATUS_UNKNOWN",
        "RevocationStatusUnknown",
    ),
    (0x0000_0080, "IS_CYCLIC", "Cyclic"),
    (0x0000_0100, "INVALID_EXTENSION", "InvalidExtension"),
    (
        0x0000_0200,
        "INVALID_POLICY_CONSTRAINTS",
        "InvalidPolicyConstraints",
    ),
    (
        0x0000_0400,
        "INVALID_BASIC_CONSTRAINTS",
        "InvalidBasicConstraints",
    ),
    (
        0x0000_0800,
        "INVALID_NAME_CONSTRAINTS",
        "InvalidNameConstraints",
    ),
    (
        0x0000_1000,
        "HAS_NOT_SUPPORTED_NAME_CONSTRAINT",
        "HasNotSupportedNameConstraint",
    ),
    (
        0x0000_2000,
        "HAS_NOT_DEFINED_NAME_CONSTRAINT",
        "HasNotDefinedNameConstraint",
    ),
    (
        0x0000_4000,
        "HAS_NOT_PERMITTED_NAME_CONSTRAINT",
        "HasNotPermittedNameConstraint",
    ),
    (
        0x0000_8000,
        "HAS_EXCLUDED_NAME_CONSTRAINT",
        "HasExcludedNameConstraint",
    ),
    (0x0001_0000, "IS_PARTIAL_CHAIN", "PartialChain"),
    (0x0002_0000, "CTL_IS_NOT_TIME_VALID", "CtlNotTimeValid"),
    (
        0x0004_0000,
        "CTL_IS_NOT_SIGNATURE_VALID",
        "CtlNotSignatureValid",
    ),
    (
        0x0008_0000,
        "CTL_IS_NOT_VALID_FOR_USAGE",
        "CtlNotValidForUsage",
    ),
    (0x0010_0000, "HAS_WEAK_SIGNATURE", "HasWeakSignature"),
    (0x0100_0000, "IS_OFFLINE_REVOCATION", "OfflineRevocation"),
    (
        0x0200_0000,
        "NO_ISSUANCE_CHAIN_POLICY",
        "NoIssuanceChainPolicy",
    ),
    (0x0400_0000, "IS_EXPLICIT_DISTRUST", "ExplicitDistrust"),
    (
        0x0800_0000,
        "HAS_NOT_SUPPORTED_CRITICAL_EXT",
        "HasNotSupportedCriticalExtension",
    ),
];

/// `CertVerifyCertificateChainPolicy` error codes worth naming.
const POLICY_ERRORS: &[(u32, &str)] = &[
    (0, "OK"),
    (0x800B_0101, "CERT_E_EXPIRED"),
    (0x800B_0103, "CERT_E_ROLE"),
    (0x800B_0104, "CERT_E_PATHLENCONST"),
    (0x800B_0105, "CERT_E_CRITICAL"),
    (0x800B_0106, "CERT_E_PURPOSE"),
    (0x800B_0107, "CERT_E_ISSUERCHAINING"),
    (0x800B_0108, "CERT_E_MALFORMED"),
    (0x800B_0109, "CERT_E_UNTRUSTEDROOT"),
    (0x800B_010A, "CERT_E_CHAINING"),
    (0x800B_010B, "TRUST_E_FAIL"),
    (0x800B_010C, "CERT_E_REVOKED"),
    (0x800B_010D, "CERT_E_UNTRUSTEDTESTROOT"),
    (0x800B_010E, "CERT_E_REVOCATION_FAILURE"),
    (0x800B_010F, "CERT_E_CN_NO_MATCH"),
    (0x800B_0110, "CERT_E_WRONG_USAGE"),
    (0x800B_0111, "TRUST_E_EXPLICIT_DISTRUST"),
    (0x800B_0114, "CERT_E_INVALID_NAME"),
    (0x8009_6004, "TRUST_E_CERT_SIGNATURE"),
    (0x8009_6019, "TRUST_E_BASIC_CONSTRAINTS"),
    (0x8009_2010, "CRYPT_E_REVOKED"),
    (0x8009_2012, "CRYPT_E_NO_REVOCATION_CHECK"),
    (0x8009_2013, "CRYPT_E_REVOCATION_OFFLINE"),
];

/// The SSL policy's answer for a name the certificate does not carry.
pub const CERT_E_CN_NO_MATCH: u32 = 0x800B_010F;

/// `CERT_TRUST_*` names of the bits set in `status` (unknown bits as hex).
pub fn flag_names(status: u32) -> Vec<String> {
    names(status, |&(_, n, _)| n)
}

/// .NET `X509ChainStatusFlags` names of the bits set in `status`.
pub fn dotnet_status_names(status: u32) -> Vec<String> {
    names(status, |&(_, _, n)| n)
}

fn names(
    status: u32,
    pick: impl Fn(&(u32, &'static str, &'static str)) -> &'static str,
) -> Vec<String> {
    let mut known = 0;
    let mut out: Vec<String> = ERROR_FLAGS
        .iter()
        .filter(|f| status & f.0 != 0)
        .map(|f| {
            known |= f.0;
            pick(f).to_string()
        })
        .collect();
    if status & !known != 0 {
        out.push(format!("0x{:x}", status & !known));
    }
    out
}

/// Name of an SSL policy error code (`OK`, `CERT_E_EXPIRED`), or the
/// code in hex.
pub fn policy_name(code: u32) -> String {
    POLICY_ERRORS
        .iter()
        .find(|p| p.0 == code)
        .map(|p| p.1.to_string())
        .unwrap_or_else(|| format!("0x{code:08x}"))
}

/// Builds the verdict from the engine's raw answer (plain, testable).
pub fn windows_verdict(
    scope: Scope,
    error_status: u32,
    info_status: u32,
    policy_error: u32,
    elements: Vec<Element>,
) -> OsVerdict {
    let engine = match scope {
        Scope::Machine => {
            "Windows machine chain engine (HCCE_LOCAL_MACHINE, as a service sees it) + CERT_CHAIN_POLICY_SSL"
        }
        Scope::User => "Windows user chain engine (HCCE_CURRENT_USER) + CERT_CHAIN_POLICY_SSL",
    };
    OsVerdict {
        os: "windows",
        engine: engine.to_string(),
        // Judged by the flags too: Wine's SSL policy passes partial chains.
        trusted: error_status == 0 && policy_error == 0,
        error_status,
        info_status,
        flags: flag_names(error_status),
        chain_status: dotnet_status_names(error_status),
        policy_error,
        policy: policy_name(policy_error),
        elements,
        message: None,
    }
}

/// Asks the OS's validator about `chain` (DER, the server's certificate
/// first) for `server_name`; `timeout_ms` bounds the engine's own AIA
/// fetching. An error when this OS has no validator trustfix can ask.
pub fn verify(
    chain: &[Vec<u8>],
    server_name: Option<&str>,
    scope: Scope,
    timeout_ms: u32,
) -> Result<OsVerdict, String> {
    if chain.is_empty() {
        return Err("no certificate to verify".into());
    }
    imp::verify(chain, server_name, scope, timeout_ms)
}

#[cfg(windows)]
mod imp {
    use std::ptr;

    use windows_sys::Win32::Security::Cryptography as C;

    use super::{windows_verdict, Element, OsVerdict};
    use crate::hex::hex;
    use crate::wincrypt::{Context, Store};
    use crate::{sha256, Scope};

    /// `HCCE_LOCAL_MACHINE` (wincrypt.h: `((HCERTCHAINENGINE)0x1)`);
    /// `HCCE_CURRENT_USER` is null.
    const HCCE_LOCAL_MACHINE: C::HCERTCHAINENGINE = 1 as C::HCERTCHAINENGINE;

    /// Owns the chain context.
    struct Chain(*mut C::CERT_CHAIN_CONTEXT);

    impl Drop for Chain {
        fn drop(&mut self) {
            // SAFETY: a context returned by CertGetCertificateChain.
            unsafe { C::CertFreeCertificateChain(self.0) }
        }
    }

    pub(super) fn verify(
        chain: &[Vec<u8>],
        server_name: Option<&str>,
        scope: Scope,
        timeout_ms: u32,
    ) -> Result<OsVerdict, String> {
        let leaf = Context::new(&chain[0])
            .map_err(|e| format!("crypt32 cannot decode the server's certificate: {e}"))?;
        let extra = Store::memory().map_err(|e| format!("CertOpenStore(memory): {e}"))?;
        for (i, der) in chain.iter().enumerate().skip(1) {
            extra
                .add_encoded(der)
                .map_err(|e| format!("crypt32 cannot decode certificate #{i}: {e}"))?;
        }
        let mut usage = [C::szOID_PKIX_KP_SERVER_AUTH as *mut u8];
        let mut para = C::CERT_CHAIN_PARA {
            cbSize: std::mem::size_of::<C::CERT_CHAIN_PARA>() as u32,
            ..Default::default()
        };
        para.RequestedUsage.dwType = C::USAGE_MATCH_TYPE_AND;
        para.RequestedUsage.Usage.cUsageIdentifier = 1;
        para.RequestedUsage.Usage.rgpszUsageIdentifier = usage.as_mut_ptr();
        para.dwUrlRetrievalTimeout = timeout_ms;
        let engine = match scope {
            Scope::Machine => HCCE_LOCAL_MACHINE,
            Scope::User => ptr::null_mut(),
        };
        let mut ctx: *mut C::CERT_CHAIN_CONTEXT = ptr::null_mut();
        // SAFETY: every pointer is valid for the call; `usage` and `para`
        // outlive it; the chain context is freed by `Chain`.
        let ok = unsafe {
            C::CertGetCertificateChain(
                engine,
                leaf.as_ptr(),
                ptr::null(),
                extra.handle(),
                &para,
                0,
                ptr::null(),
                &mut ctx,
            )
        };
        if ok == 0 || ctx.is_null() {
            return Err(format!(
                "CertGetCertificateChain failed: {}",
                std::io::Error::last_os_error()
            ));
        }
        let chain_ctx = Chain(ctx);
        // SAFETY: a valid chain context; its arrays hold cChain/cElement entries.
        let (status, elements) = unsafe {
            let c = &*chain_ctx.0;
            let mut elements = Vec::new();
            if c.cChain > 0 && !c.rgpChain.is_null() {
                let simple = &**c.rgpChain;
                for i in 0..simple.cElement as usize {
                    let e = &**simple.rgpElement.add(i);
                    let cert = &*e.pCertContext;
                    let der =
                        std::slice::from_raw_parts(cert.pbCertEncoded, cert.cbCertEncoded as usize);
                    elements.push(Element {
                        sha256: hex(&sha256(der)),
                        flags: super::flag_names(e.TrustStatus.dwErrorStatus),
                    });
                }
            }
            (c.TrustStatus, elements)
        };
        let mut name: Option<Vec<u16>> =
            server_name.map(|n| n.encode_utf16().chain(Some(0)).collect());
        let mut ssl = C::HTTPSPolicyCallbackData {
            dwAuthType: C::AUTHTYPE_SERVER,
            fdwChecks: 0,
            pwszServerName: name.as_mut().map_or(ptr::null_mut(), |n| n.as_mut_ptr()),
            ..Default::default()
        };
        ssl.Anonymous.cbSize = std::mem::size_of::<C::HTTPSPolicyCallbackData>() as u32;
        let policy_para = C::CERT_CHAIN_POLICY_PARA {
            cbSize: std::mem::size_of::<C::CERT_CHAIN_POLICY_PARA>() as u32,
            dwFlags: 0,
            pvExtraPolicyPara: &mut ssl as *mut _ as *mut std::ffi::c_void,
        };
        let mut policy_status = C::CERT_CHAIN_POLICY_STATUS {
            cbSize: std::mem::size_of::<C::CERT_CHAIN_POLICY_STATUS>() as u32,
            ..Default::default()
        };
        // SAFETY: the chain context and both structures are valid; `name`
        // outlives the call.
        let ok = unsafe {
            C::CertVerifyCertificateChainPolicy(
                C::CERT_CHAIN_POLICY_SSL,
                chain_ctx.0,
                &policy_para,
                &mut policy_status,
            )
        };
        if ok == 0 {
            return Err(format!(
                "CertVerifyCertificateChainPolicy(SSL) failed: {}",
                std::io::Error::last_os_error()
            ));
        }
        Ok(windows_verdict(
            scope,
            status.dwErrorStatus,
            status.dwInfoStatus,
            policy_status.dwError,
            elements,
        ))
    }
}

#[cfg(target_os = "macos")]
mod imp {
    use security_framework::certificate::SecCertificate;
    use security_framework::policy::SecPolicy;
    use security_framework::secure_transport::SslProtocolSide;
    use security_framework::trust::SecTrust;

    use super::OsVerdict;
    use crate::hex::hex;
    use crate::{sha256, Scope};

    /// OSStatus codes SecTrustEvaluateWithError reports (SecBase.h), with
    /// the nearest .NET X509ChainStatus (.NET on macOS maps them alike).
    const CODES: &[(i64, &str, &str)] = &[
        (-67843, "errSecNotTrusted", "UntrustedRoot"),
        (-67818, "errSecCertificateExpired", "NotTimeValid"),
        (-67819, "errSecCertificateNotValidYet", "NotTimeValid"),
        (-67602, "errSecHostNameMismatch", ""),
        (-67808, "errSecInvalidSignature", "NotSignatureValid"),
        (-67609, "errSecCreateChainFailed", "PartialChain"),
        (-67635, "errSecCertificateRevoked", "Revoked"),
    ];

    pub(super) fn verify(
        chain: &[Vec<u8>],
        server_name: Option<&str>,
        scope: Scope,
        _timeout_ms: u32,
    ) -> Result<OsVerdict, String> {
        let mut certs = Vec::with_capacity(chain.len());
        for (i, der) in chain.iter().enumerate() {
            certs.push(
                SecCertificate::from_der(der).map_err(|e| {
                    format!("Security.framework cannot decode certificate #{i}: {e}")
                })?,
            );
        }
        let policy = SecPolicy::create_ssl(SslProtocolSide::SERVER, server_name);
        let trust = SecTrust::create_with_certificates(&certs, &[policy])
            .map_err(|e| format!("SecTrustCreateWithCertificates: {e}"))?;
        let result = trust.evaluate_with_error();
        let engine = match scope {
            // Daemons run outside any login session: the user's trust
            // settings do not apply to them, the admin and system ones do.
            Scope::Machine => "macOS SecTrustEvaluateWithError (SSL policy; as this user, login keychain included)",
            Scope::User => "macOS SecTrustEvaluateWithError (SSL policy, this user's trust settings)",
        };
        // chain() needs the macos-12 feature; these work from 10.7 on.
        #[allow(deprecated)]
        let elements = (0..trust.certificate_count())
            .filter_map(|i| trust.certificate_at_index(i))
            .map(|c| super::Element {
                sha256: hex(&sha256(&c.to_der())),
                flags: Vec::new(),
            })
            .collect();
        let (trusted, message, code) = match result {
            Ok(()) => (true, None, 0i64),
            Err(e) => (false, Some(e.description().to_string()), e.code() as i64),
        };
        let (name, status) = CODES
            .iter()
            .find(|c| c.0 == code)
            .map(|c| (c.1.to_string(), c.2))
            .unwrap_or_else(|| {
                (
                    if trusted {
                        "OK".into()
                    } else {
                        format!("OSStatus {code}")
                    },
                    "",
                )
            });
        Ok(OsVerdict {
            os: "macos",
            engine: engine.to_string(),
            trusted,
            error_status: 0,
            info_status: 0,
            flags: Vec::new(),
            chain_status: if status.is_empty() {
                Vec::new()
            } else {
                vec![status.to_string()]
            },
            policy_error: code as u32,
            policy: name,
            elements,
            message,
        })
    }
}

#[cfg(not(any(windows, target_os = "macos")))]
mod imp {
    use super::OsVerdict;
    use crate::Scope;

    pub(super) fn verify(
        _chain: &[Vec<u8>],
        _server_name: Option<&str>,
        _scope: Scope,
        _timeout_ms: u32,
    ) -> Result<OsVerdict, String> {
        Err(format!(
            "no OS chain engine to ask on {} (Windows and macOS have one)",
            crate::os_family()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_their_dotnet_names() {
        assert_eq!(flag_names(0), Vec::<String>::new());
        assert_eq!(flag_names(0x0001_0000), vec!["IS_PARTIAL_CHAIN"]);
        assert_eq!(dotnet_status_names(0x0001_0000), vec!["PartialChain"]);
        assert_eq!(
            dotnet_status_names(0x21),
            vec!["NotTimeValid", "UntrustedRoot"]
        );
        assert_eq!(dotnet_status_names(0x8), vec!["NotSignatureValid"]);
        assert_eq!(
            flag_names(0x4000_0001),
            vec!["IS_NOT_TIME_VALID", "0x40000000"]
        );
        assert_eq!(policy_name(CERT_E_CN_NO_MATCH), "CERT_E_CN_NO_MATCH");
        assert_eq!(policy_name(0x1234), "0x00001234");
    }

    #[test]
    fn a_partial_chain_is_not_trusted_even_when_the_policy_passes() {
        // Wine's SSL policy returns 0 for a partial chain: the flags decide.
        let v = windows_verdict(Scope::Machine, 0x0001_0000, 0, 0, Vec::new());
        assert!(!v.trusted);
        assert_eq!(v.chain_status, vec!["PartialChain"]);
        assert!(v.engine.contains("HCCE_LOCAL_MACHINE"));
        let v = windows_verdict(Scope::User, 0, 0x100, CERT_E_CN_NO_MATCH, Vec::new());
        assert!(!v.trusted);
        assert_eq!(v.policy, "CERT_E_CN_NO_MATCH");
        assert!(windows_verdict(Scope::User, 0, 0x100, 0, Vec::new()).trusted);
    }

    #[cfg(not(any(windows, target_os = "macos")))]
    #[test]
    fn elsewhere_there_is_no_engine_to_ask() {
        let e = verify(&[vec![0x30]], None, Scope::Machine, 1000).unwrap_err();
        assert!(e.contains("no OS chain engine"), "{e}");
    }
}
