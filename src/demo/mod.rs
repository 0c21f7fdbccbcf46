//! The demo lab: a Contoso PKI generated for the run (`pki`), loopback
//! TLS servers (`server`) and the client stores of the Database Mail ->
//! Exchange case. `trustfix demo` (`cmd/demo.rs`) walks through it; the
//! tests and benchmarks build their scenarios from the same parts.

pub mod pki;
pub mod server;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::run::{self, CheckOptions};
use crate::store::StoreSpec;
use crate::target;

/// The Exchange server's name: its certificate's only subjectAltName.
pub const HOST: &str = "exchange01.int.contoso.com";
/// The demo's keystore password (Java's default).
pub const STOREPASS: &str = "changeit";

/// The files and servers of one demo run.
pub struct Lab {
    /// The directory holding every file of the run.
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
    /// The journal directory `fix` and `undo` use in the demo, not the user's.
    pub state: PathBuf,
}

/// Why the demo lab could not be set up.
#[derive(Debug)]
pub enum LabError {
    /// rcgen could not generate a certificate or key.
    Pki(pki::Error),
    /// No loopback port could be bound.
    Loopback(std::io::Error),
    /// A file or directory of the lab could not be written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A loopback TLS server did not start.
    Server(std::io::Error),
    /// The lab's target does not parse.
    Target(String),
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::Pki(e) => write!(f, "generating the demo PKI: {e}"),
            LabError::Loopback(e) => write!(f, "loopback: {e}"),
            LabError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            LabError::Server(e) => write!(f, "starting a loopback server: {e}"),
            LabError::Target(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for LabError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LabError::Pki(e) => Some(e),
            LabError::Loopback(e) | LabError::Server(e) | LabError::Io { source: e, .. } => Some(e),
            LabError::Target(_) => None,
        }
    }
}

/// An I/O error about `p`, as the lab reports it.
pub(crate) fn io(p: &Path) -> impl Fn(std::io::Error) -> LabError + '_ {
    move |source| LabError::Io {
        path: p.to_path_buf(),
        source,
    }
}

impl Lab {
    /// A fresh PKI, the client stores and the two loopback servers in `dir`.
    pub fn new(dir: &Path) -> Result<Lab, LabError> {
        let e = LabError::Pki;
        let root = pki::Ca::root("Contoso Offline Root CA").map_err(e)?;
        // As AD CS writes it: an ldap:/// URL first, then http, here to a
        // closed loopback port (the internal web server is not reachable).
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(LabError::Loopback)?
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
        let mut ks = crate::keystore::jks::Jks::new(false);
        ks.add_trusted("some-other-root-ca", &other.der, 0);
        std::fs::write(&truststore, ks.write(STOREPASS)).map_err(io(&truststore))?;
        let start = |chain: Vec<Vec<u8>>| {
            server::serve(chain, leaf.key_pkcs8.clone())
                .map(|a| a.port())
                .map_err(LabError::Server)
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

    /// `exchange01.int.contoso.com:PORT`.
    pub fn target(&self, port: u16) -> String {
        format!("{HOST}:{port}")
    }

    /// A check of the server on `port` against `store`, through loopback.
    pub fn check_opts(&self, port: u16, store: StoreSpec) -> Result<CheckOptions, LabError> {
        Ok(CheckOptions {
            target: target::parse(&self.target(port), None, Some("127.0.0.1"), None)
                .map_err(|e| LabError::Target(e.to_string()))?,
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
