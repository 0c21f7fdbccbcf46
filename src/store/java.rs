//! `--store java[:PATH]`: a Java keystore as a trust store. The codecs
//! live in [`crate::keystore`] and work on DER; this glue finds the store
//! (the JVM's or a named file), opens it as a JVM would, and turns its
//! entries into certificates.
//!
//! Java semantics: every trusted-certificate entry is an anchor (roots,
//! intermediates and leaves alike); private-key entries play no part in
//! trust; there is no AIA fetching.

use std::path::{Path, PathBuf};

use crate::cert::Cert;
use crate::keystore::{jvm, read_file, EntryKind, Keystore, DEFAULT_PASSWORD};
use crate::store::StoreError;

/// One entry a JVM sees, its certificate parsed.
#[derive(Debug, Clone)]
pub struct EntryInfo {
    /// The alias as stored.
    pub alias: String,
    /// Trusted certificate or private key.
    pub kind: EntryKind,
    /// The trusted certificate, or a key entry's own certificate; `None`
    /// when it does not parse.
    pub cert: Option<Cert>,
}

/// The keystore's entries with their certificates parsed.
pub fn entries(ks: &Keystore) -> Vec<EntryInfo> {
    ks.entries()
        .into_iter()
        .map(|e| EntryInfo {
            cert: e.der.and_then(|d| Cert::from_der(&d).ok()),
            alias: e.alias,
            kind: e.kind,
        })
        .collect()
}

/// Trusted entries that parse as certificates: Java's anchors.
pub fn anchors(ks: &Keystore) -> Vec<(String, Cert)> {
    entries(ks)
        .into_iter()
        .filter(|e| e.kind == EntryKind::Trusted)
        .filter_map(|e| e.cert.map(|c| (e.alias, c)))
        .collect()
}

/// Where a `--store java[:PATH]` points: the file, and the password the JVM
/// options give when no `--storepass` was passed.
pub fn resolve(
    path: Option<&Path>,
    opts: &jvm::JavaOpts,
) -> Result<(PathBuf, Option<String>, Vec<String>), StoreError> {
    if let Some(p) = path {
        return Ok((p.to_path_buf(), None, Vec::new()));
    }
    let jvms = jvm::discover(opts);
    let j = jvm::default_jvm(&jvms).ok_or(StoreError::NoJvm)?;
    let ts = &j.truststore;
    let mut notes = vec![format!(
        "JVM {} ({}) loads {} ({:?})",
        j.java_home.display(),
        j.found_via.join(", "),
        ts.path.display(),
        ts.source
    )];
    notes.extend(ts.warnings.iter().cloned());
    Ok((ts.path.clone(), ts.password.clone(), notes))
}

/// Opens a keystore for reading as a truststore: with the given password if
/// any; else `changeit`, falling back to no password where the format allows
/// (as the JVM reads trusted entries without one).
pub fn open_for_trust(
    data: &[u8],
    password: Option<&str>,
) -> Result<(Keystore, Option<String>), StoreError> {
    let (ks, note) = if let Some(pw) = password {
        (Keystore::parse(data, Some(pw))?, None)
    } else {
        match Keystore::parse(data, Some(DEFAULT_PASSWORD)) {
            Ok(k) => (k, None),
            Err(first) => match Keystore::parse(data, None) {
                Ok(k) => (
                    k,
                    Some(
                        "the default password 'changeit' does not match: integrity not verified (pass --storepass)"
                            .to_string(),
                    ),
                ),
                Err(_) => return Err(first.into()),
            },
        }
    };
    // The JVM refuses a store whose entries are not certificates; so do we,
    // which also catches corruption the skipped integrity check would have.
    if let Some(bad) = entries(&ks).into_iter().find(|e| e.cert.is_none()) {
        return Err(StoreError::CorruptedEntry(bad.alias));
    }
    Ok((ks, note))
}

/// `--store java[:PATH]` for checking: the keystore's trusted entries are
/// the anchors, judged with Java's rules.
pub struct JavaStore {
    /// The keystore; `None`: the default JVM's truststore.
    pub path: Option<PathBuf>,
    /// `--storepass`; else the JVM options' password, else `changeit`.
    pub storepass: Option<String>,
    /// `--java-opts`, read after the environment's JVM options.
    pub java_opts: Option<String>,
}

impl JavaStore {
    /// The JVM options that pick the default truststore and its password.
    pub fn opts(&self) -> jvm::JavaOpts {
        jvm::parse_opts_from_env(self.java_opts.as_deref())
    }

    /// Path, parsed keystore and notes; shared by `check` and `store list`.
    pub fn open(&self) -> Result<(PathBuf, Keystore, Vec<String>), StoreError> {
        let (path, jvm_password, mut notes) = resolve(self.path.as_deref(), &self.opts())?;
        let data = read_file(&path)?;
        let password = self.storepass.clone().or(jvm_password);
        let (ks, note) =
            open_for_trust(&data, password.as_deref()).map_err(|e| StoreError::KeystoreFile {
                path: path.clone(),
                source: Box::new(e),
            })?;
        notes.extend(note);
        Ok((path, ks, notes))
    }
}

impl crate::store::Store for JavaStore {
    fn describe(&self) -> String {
        match &self.path {
            Some(p) => format!("java truststore {}", p.display()),
            None => "java truststore of the default JVM".into(),
        }
    }

    fn load(&self) -> Result<crate::store::TrustStore, StoreError> {
        let (path, ks, notes) = self.open()?;
        let mut seen = std::collections::HashSet::new();
        let anchors: Vec<Cert> = anchors(&ks)
            .into_iter()
            .map(|(_, c)| c)
            .filter(|c| seen.insert(c.sha256))
            .collect();
        Ok(crate::store::TrustStore {
            label: format!(
                "java truststore {} ({})",
                path.display(),
                ks.format().name()
            ),
            anchors,
            intermediates: Vec::new(),
            notes,
            client: crate::store::Client::Java,
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod alias_tests {
    use super::*;
    use crate::keystore::jks;

    /// `import --alias ÄBC` next to `äbc`: Java sees one entry, so the
    /// alias is taken; a file that already holds both shows the later one.
    #[test]
    fn aliases_compare_as_in_java() {
        let a = crate::demo::pki::Ca::root("Alias Root A").unwrap();
        let b = crate::demo::pki::Ca::root("Alias Root B").unwrap();
        let mut j = jks::Jks::new(false);
        j.add_trusted("äbc", &a.der, 1);
        let ks = Keystore::parse(&j.write("changeit"), Some("changeit")).unwrap();
        assert!(ks.has_alias("ÄBC"));
        assert!(ks.has_alias("äBc"));
        assert!(!ks.has_alias("abc"));
        // A duplicate written by hand (or by trustfix 0.1.0): Java keeps the last.
        let mut j = jks::Jks::new(false);
        j.add_trusted("äbc", &a.der, 1);
        j.entries.push(jks::Entry {
            alias_raw: "ÄBC".as_bytes().to_vec(),
            alias: "ÄBC".into(),
            ..j.entries[0].clone()
        });
        if let jks::Body::Trusted { der, .. } = &mut j.entries[1].body {
            *der = b.der.clone();
        }
        let ks = Keystore::parse(&j.write("changeit"), Some("changeit")).unwrap();
        let anchors = anchors(&ks);
        assert_eq!(
            anchors.len(),
            1,
            "{:?}",
            anchors.iter().map(|a| &a.0).collect::<Vec<_>>()
        );
        assert_eq!(anchors[0].1.der, b.der);
    }
}
