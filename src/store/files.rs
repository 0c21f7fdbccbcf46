//! `--ca-file` and `--ca-dir`: certificate files with OpenSSL semantics.

use std::path::PathBuf;

use super::{Store, StoreError, TrustStore};
use crate::load;

/// `--store ca-file:FILE`: the file's certificates.
pub struct FileStore(pub PathBuf);

impl Store for FileStore {
    fn describe(&self) -> String {
        format!("ca-file {}", self.0.display())
    }

    fn load(&self) -> Result<TrustStore, StoreError> {
        let certs = load::certs_from_file(&self.0)?;
        Ok(TrustStore::from_openssl_style(
            self.describe(),
            certs,
            Vec::new(),
        ))
    }
}

/// `--store ca-dir:DIR`: every certificate file in the directory.
pub struct DirStore(pub PathBuf);

/// A directory of thousands of files is fine; millions is a mistake.
const MAX_DIR_ENTRIES: usize = 100_000;

impl Store for DirStore {
    fn describe(&self) -> String {
        format!("ca-dir {}", self.0.display())
    }

    fn load(&self) -> Result<TrustStore, StoreError> {
        let shown = self.0.display();
        let rd = std::fs::read_dir(&self.0).map_err(|source| StoreError::Io {
            path: self.0.clone(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .take(MAX_DIR_ENTRIES)
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        let mut certs = Vec::new();
        let mut skipped = Vec::new();
        for p in &paths {
            match load::certs_from_file(p) {
                Ok(c) => certs.extend(c),
                Err(_) => skipped.push(
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
            }
        }
        if certs.is_empty() {
            return Err(StoreError::EmptyDir {
                path: self.0.clone(),
                files: paths.len(),
            });
        }
        let mut notes = Vec::new();
        if !skipped.is_empty() {
            let mut list = skipped
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if skipped.len() > 5 {
                list.push_str(", ...");
            }
            notes.push(format!(
                "{} files in {shown} hold no certificate and were skipped ({list})",
                skipped.len()
            ));
        }
        Ok(TrustStore::from_openssl_style(
            self.describe(),
            certs,
            notes,
        ))
    }
}
