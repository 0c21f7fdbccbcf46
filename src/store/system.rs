//! The operating system's store as OpenSSL-style clients read it, through
//! rustls-native-certs. Windows and macOS get their own modules in
//! `trustfix-platform`; this is what a rustls or OpenSSL client sees.

use super::{Store, StoreError, TrustStore};
use crate::cert::Cert;

/// `--store system`.
pub struct SystemStore;

impl Store for SystemStore {
    fn describe(&self) -> String {
        "system".into()
    }

    fn load(&self) -> Result<TrustStore, StoreError> {
        let mut notes = Vec::new();
        for var in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
            // Empty counts as unset, as rustls-native-certs reads it.
            if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
                notes.push(format!(
                    "{var}={} is set: OpenSSL- and rustls-based clients (and this check) read it instead of their built-in default",
                    v.to_string_lossy()
                ));
            }
        }
        let mut res = rustls_native_certs::load_native_certs();
        if !res.errors.is_empty() {
            notes.push(format!(
                "{} problem(s) reading the system store: {}",
                res.errors.len(),
                res.errors[0]
            ));
        }
        let mut bad = 0;
        let certs: Vec<Cert> = res
            .certs
            .iter()
            .filter_map(|d| Cert::from_der(d.as_ref()).map_err(|_| bad += 1).ok())
            .collect();
        if bad > 0 {
            notes.push(format!(
                "{bad} system store entries could not be parsed and were ignored"
            ));
        }
        if certs.is_empty() && !res.errors.is_empty() {
            return Err(StoreError::System(res.errors.swap_remove(0)));
        }
        let label = format!("system store ({})", trustfix_platform::os_family());
        Ok(TrustStore::from_openssl_style(label, certs, notes))
    }
}
