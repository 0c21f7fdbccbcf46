//! Path building: from the server's leaf up to a trust anchor, using the
//! certificates the server sent and those the store offers. Every candidate
//! issuer is tried (cross-signed intermediates give several paths), every
//! signature checked, and the paths ranked so the best one is diagnosed
//! and the others can be shown as alternatives.

use std::collections::HashMap;

use crate::cert::{Cert, SigCheck, SigHash};
use crate::store::TrustStore;

/// Where a certificate in a path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Sent by the server at this position; `in_store` when the store has it too.
    Sent {
        index: usize,
        in_store: bool,
    },
    StoreAnchor,
    StoreIntermediate,
    /// Fetched through an AIA caIssuers URL; neither sent nor in the store.
    Fetched,
    /// Given by the admin (`fix --cert FILE`).
    Supplied,
}

impl Origin {
    pub fn is_sent(&self) -> bool {
        matches!(self, Origin::Sent { .. })
    }
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub cert: Cert,
    pub origin: Origin,
}

/// How a path ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// At a certificate the store trusts.
    Trusted,
    /// At a self-signed certificate the store does not trust.
    UntrustedRoot,
    /// The issuer of the last certificate is nowhere to be found.
    Incomplete {
        issuer: String,
        aki: Option<Vec<u8>>,
    },
}

#[derive(Debug, Clone)]
pub struct Path {
    /// Indices into `Paths::pool`, leaf first.
    pub certs: Vec<usize>,
    /// `sigs[i]`: does `certs[i]` verify under `certs[i + 1]`'s key.
    pub sigs: Vec<SigCheck>,
    pub end: End,
}

#[derive(Debug, Clone)]
pub struct Paths {
    pub pool: Vec<Candidate>,
    /// Best first; never empty when built from a non-empty chain.
    pub ranked: Vec<Path>,
}

impl Paths {
    pub fn best(&self) -> &Path {
        &self.ranked[0]
    }

    pub fn cert(&self, idx: usize) -> &Cert {
        &self.pool[idx].cert
    }
}

const MAX_DEPTH: usize = 12;
const MAX_PATHS: usize = 64;

/// Builds every path from `sent[0]`. `sent` must not be empty.
pub fn build(sent: &[Cert], store: &TrustStore, now: i64) -> Paths {
    build_with(sent, &[], store, now)
}

/// `build` with extra candidate issuers from outside the chain and the
/// store (AIA, or certificates the admin supplied), tagged with `origin`.
pub fn build_with(sent: &[Cert], extra: &[(Cert, Origin)], store: &TrustStore, now: i64) -> Paths {
    let mut pool: Vec<Candidate> = Vec::new();
    for (i, c) in sent.iter().enumerate() {
        let in_store = store
            .anchors
            .iter()
            .chain(&store.intermediates)
            .any(|s| s.sha256 == c.sha256);
        pool.push(Candidate {
            cert: c.clone(),
            origin: Origin::Sent { index: i, in_store },
        });
    }
    for (list, origin) in [
        (&store.anchors, Origin::StoreAnchor),
        (&store.intermediates, Origin::StoreIntermediate),
    ] {
        for c in list {
            if !pool.iter().any(|p| p.cert.sha256 == c.sha256) {
                pool.push(Candidate {
                    cert: c.clone(),
                    origin,
                });
            }
        }
    }
    for (c, origin) in extra {
        if !pool.iter().any(|p| p.cert.sha256 == c.sha256) {
            pool.push(Candidate {
                cert: c.clone(),
                origin: *origin,
            });
        }
    }
    // Subject index so a 150-root system store is not scanned per step.
    let mut by_subject: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in pool.iter().enumerate() {
        by_subject
            .entry(p.cert.subject.to_ascii_lowercase())
            .or_default()
            .push(i);
    }
    let anchor: Vec<bool> = pool.iter().map(|p| store.is_anchor(&p.cert)).collect();
    let mut b = Builder {
        pool: &pool,
        by_subject: &by_subject,
        anchor: &anchor,
        sig_cache: HashMap::new(),
        out: Vec::new(),
    };
    if !pool.is_empty() {
        b.walk(vec![0], Vec::new());
    }
    let mut ranked = b.out;
    ranked.sort_by_key(|p| rank(p, &pool, now));
    Paths { pool, ranked }
}

struct Builder<'a> {
    pool: &'a [Candidate],
    by_subject: &'a HashMap<String, Vec<usize>>,
    anchor: &'a [bool],
    sig_cache: HashMap<(usize, usize), SigCheck>,
    out: Vec<Path>,
}

impl Builder<'_> {
    fn walk(&mut self, certs: Vec<usize>, sigs: Vec<SigCheck>) {
        if self.out.len() >= MAX_PATHS {
            return;
        }
        let Some(&last) = certs.last() else { return };
        let c = &self.pool[last].cert;
        if self.anchor[last] {
            self.out.push(Path {
                certs,
                sigs,
                end: End::Trusted,
            });
            return;
        }
        if c.is_self_issued() && c.signed_by(c) != SigCheck::Invalid {
            self.out.push(Path {
                certs,
                sigs,
                end: End::UntrustedRoot,
            });
            return;
        }
        let mut issuers: Vec<usize> = self
            .by_subject
            .get(&c.issuer.to_ascii_lowercase())
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&i| !certs.contains(&i) && c.names_issuer(&self.pool[i].cert))
                    .collect()
            })
            .unwrap_or_default();
        // Anchors first, the store's own copy before a sent look-alike (a
        // cross-certificate with the root's name and key): clients end the
        // path at the anchor they hold.
        issuers.sort_by_key(|&i| (!self.anchor[i], self.pool[i].origin.is_sent()));
        if issuers.is_empty() || certs.len() >= MAX_DEPTH {
            let end = End::Incomplete {
                issuer: c.issuer.clone(),
                aki: c.aki.clone(),
            };
            self.out.push(Path { certs, sigs, end });
            return;
        }
        for i in issuers {
            let sig = self
                .sig_cache
                .entry((last, i))
                .or_insert_with(|| self.pool[last].cert.signed_by(&self.pool[i].cert))
                .clone();
            let mut next = certs.clone();
            next.push(i);
            let mut next_sigs = sigs.clone();
            next_sigs.push(sig);
            self.walk(next, next_sigs);
        }
    }
}

/// Lower is better: trusted, then fewest broken signatures, then fewest
/// date problems, weak algorithms, unchecked signatures, then shortest.
fn rank(p: &Path, pool: &[Candidate], now: i64) -> (u8, usize, usize, usize, usize, usize) {
    let end = match p.end {
        End::Trusted => 0,
        End::UntrustedRoot => 1,
        End::Incomplete { .. } => 2,
    };
    let invalid = p.sigs.iter().filter(|s| **s == SigCheck::Invalid).count();
    let unchecked = p
        .sigs
        .iter()
        .filter(|s| matches!(s, SigCheck::Unchecked(_)))
        .count();
    let certs = p.certs.iter().map(|&i| &pool[i].cert);
    let dates = certs
        .clone()
        .filter(|c| now < c.not_before || now > c.not_after)
        .count();
    let weak = certs
        .filter(|c| matches!(c.sig_hash, SigHash::Sha1 | SigHash::Md5) && !c.is_self_issued())
        .count();
    (end, invalid, dates, weak, unchecked, p.certs.len())
}
