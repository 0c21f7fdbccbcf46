//! Path building: from the server's leaf up to a trust anchor, using the
//! certificates the server sent, those supplied or fetched through AIA, and
//! those the store offers. Every candidate issuer is tried (cross-signed
//! and renewed CAs give several paths) and every signature checked.
//! Choosing among the paths is diagnosis's job (`diagnose::rank`): a path
//! is only as good as the rules it passes.
//!
//! Store certificates enter the pool only when they are a candidate issuer,
//! found through the store's subject index, so a 20,000-certificate store
//! costs a few hash lookups per step, not a copy.

use std::collections::HashMap;

use crate::cert::{Cert, SigCheck};
use crate::store::TrustStore;

/// Where a certificate in a path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Sent by the server at this position; `in_store` when the store has it too.
    Sent {
        /// Position in the chain the server sent, leaf at 0.
        index: usize,
        /// The store holds this certificate too.
        in_store: bool,
    },
    /// A trust anchor of the store, not sent by the server.
    StoreAnchor,
    /// An intermediate the store holds (untrusted, but usable for chaining).
    StoreIntermediate,
    /// Fetched through an AIA caIssuers URL; neither sent nor in the store.
    Fetched,
    /// Given by the admin (`fix --cert FILE`).
    Supplied,
}

impl Origin {
    /// Where the certificate came from, in the words every text output
    /// uses (one rendering: the report, `fix`'s plan and `export`'s path).
    /// `sent` is how sent certificates are named ("sent by server", or
    /// "from file" for `show`), `store` the store (or its physical store)
    /// and `url` the AIA URL a fetched certificate came from.
    pub fn describe(&self, sent: &str, store: &str, url: Option<&str>) -> String {
        match self {
            Origin::Sent {
                index,
                in_store: false,
            } => format!("{sent} (#{index})"),
            Origin::Sent {
                index,
                in_store: true,
            } => format!("{sent} (#{index}), also in {store}"),
            Origin::StoreAnchor => format!("trusted anchor in {store}"),
            Origin::StoreIntermediate => format!("intermediate found in {store}"),
            Origin::Fetched => format!("fetched via AIA from {}", url.unwrap_or("?")),
            Origin::Supplied => "given with --cert".to_string(),
        }
    }

    /// Sent by the server, whether or not the store has it too.
    pub fn is_sent(&self) -> bool {
        matches!(self, Origin::Sent { .. })
    }

    /// The store holds this very certificate.
    pub fn in_store(&self) -> bool {
        matches!(
            self,
            Origin::StoreAnchor | Origin::StoreIntermediate | Origin::Sent { in_store: true, .. }
        )
    }
}

/// One certificate available to path building, with where it came from.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The parsed certificate.
    pub cert: Cert,
    /// Where it came from; the first origin wins when several offer it.
    pub origin: Origin,
    /// The store trusts this certificate (its SHA-256 is an anchor's).
    pub anchor: bool,
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
        /// Issuer name the last certificate asks for, as printed.
        issuer: String,
        /// Key identifier the last certificate's authorityKeyIdentifier names.
        aki: Option<Vec<u8>>,
        /// Pool indices of certificates with the issuer's name but another
        /// key (a CA renewed with a new key, a stale intermediate).
        same_name: Vec<usize>,
    },
}

/// One candidate path from the leaf upwards.
#[derive(Debug, Clone)]
pub struct Path {
    /// Indices into `Paths::pool`, leaf first.
    pub certs: Vec<usize>,
    /// `sigs[i]`: does `certs[i]` verify under `certs[i + 1]`'s key.
    pub sigs: Vec<SigCheck>,
    /// How the path ends.
    pub end: End,
}

/// All the paths built for one chain, over a shared pool of certificates.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Every distinct certificate any path may use, sent ones first.
    pub pool: Vec<Candidate>,
    /// Every path found; best first once `diagnose::rank` has ordered them.
    /// Never empty when built from a non-empty chain.
    pub ranked: Vec<Path>,
}

impl Paths {
    /// The best path (the first after ranking).
    pub fn best(&self) -> &Path {
        &self.ranked[0]
    }

    /// The certificate at pool index `idx`.
    pub fn cert(&self, idx: usize) -> &Cert {
        &self.pool[idx].cert
    }
}

/// Longest path followed (OpenSSL's default allows 100; real chains have 2-5).
pub const MAX_DEPTH: usize = 12;
/// Paths kept; each one is diagnosed when ranking.
pub const MAX_PATHS: usize = 64;
/// Signature verifications per build: a hostile server sending hundreds of
/// same-named certificates with huge RSA keys cannot make a check slow.
pub const MAX_SIG_CHECKS: usize = 256;

/// Builds every path from `sent[0]`. `sent` must not be empty.
pub fn build(sent: &[Cert], store: &TrustStore) -> Paths {
    build_with(sent, &[], store)
}

/// `build` with extra candidate issuers from outside the chain and the
/// store (AIA, or certificates the admin supplied), tagged with `origin`.
pub fn build_with(sent: &[Cert], extra: &[(Cert, Origin)], store: &TrustStore) -> Paths {
    let mut b = Builder {
        store,
        pool: Vec::new(),
        by_sha: HashMap::new(),
        by_subject: HashMap::new(),
        sig_cache: HashMap::new(),
        sig_checks: 0,
        out: Vec::new(),
    };
    for (i, c) in sent.iter().enumerate() {
        let in_store = store.contains(&c.sha256);
        b.add(c.clone(), Origin::Sent { index: i, in_store });
    }
    for (c, origin) in extra {
        b.add(c.clone(), *origin);
    }
    if !b.pool.is_empty() {
        b.walk(vec![0], Vec::new());
    }
    Paths {
        pool: b.pool,
        ranked: b.out,
    }
}

struct Builder<'a> {
    store: &'a TrustStore,
    pool: Vec<Candidate>,
    by_sha: HashMap<[u8; 32], usize>,
    /// Lower-cased subject -> pool indices of the non-store certificates.
    by_subject: HashMap<String, Vec<usize>>,
    sig_cache: HashMap<(usize, usize), SigCheck>,
    sig_checks: usize,
    out: Vec<Path>,
}

impl Builder<'_> {
    /// Adds a certificate unless the pool has it; returns its index.
    fn add(&mut self, cert: Cert, origin: Origin) -> usize {
        if let Some(&i) = self.by_sha.get(&cert.sha256) {
            return i;
        }
        let i = self.pool.len();
        self.by_sha.insert(cert.sha256, i);
        if !origin.in_store() || origin.is_sent() {
            self.by_subject
                .entry(cert.subject.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
        let anchor = self.store.is_anchor(&cert);
        self.pool.push(Candidate {
            cert,
            origin,
            anchor,
        });
        i
    }

    /// Pool indices of every certificate that may have issued `child`
    /// (the store's are added to the pool now, then those sent or
    /// supplied), and of those with the issuer's name but another key.
    fn issuers(&mut self, child: usize) -> (Vec<usize>, Vec<usize>) {
        let issuer = self.pool[child].cert.issuer.to_ascii_lowercase();
        let mut found: Vec<usize> = self.by_subject.get(&issuer).cloned().unwrap_or_default();
        for (c, anchor) in self.store.by_subject(&issuer) {
            let origin = if anchor {
                Origin::StoreAnchor
            } else {
                Origin::StoreIntermediate
            };
            let i = self.add(c.clone(), origin);
            if !found.contains(&i) {
                found.push(i);
            }
        }
        let child_cert = &self.pool[child].cert;
        let (mut found, other_key): (Vec<usize>, Vec<usize>) = found
            .into_iter()
            .filter(|&i| i != child)
            .partition(|&i| child_cert.names_issuer(&self.pool[i].cert));
        // Anchors first, then store intermediates, then the rest, so the
        // path bound keeps the paths clients build first.
        found.sort_by_key(|&i| {
            let c = &self.pool[i];
            (!c.anchor, !c.origin.in_store(), i)
        });
        (found, other_key)
    }

    fn signature(&mut self, child: usize, issuer: usize) -> SigCheck {
        if let Some(s) = self.sig_cache.get(&(child, issuer)) {
            return s.clone();
        }
        let s = if self.sig_checks >= MAX_SIG_CHECKS {
            SigCheck::Unsupported(format!(
                "not verified: more than {MAX_SIG_CHECKS} candidate signatures in this chain"
            ))
        } else {
            self.sig_checks += 1;
            self.pool[child].cert.signed_by(&self.pool[issuer].cert)
        };
        self.sig_cache.insert((child, issuer), s.clone());
        s
    }

    fn walk(&mut self, certs: Vec<usize>, sigs: Vec<SigCheck>) {
        if self.out.len() >= MAX_PATHS {
            return;
        }
        let Some(&last) = certs.last() else { return };
        if self.pool[last].anchor {
            self.out.push(Path {
                certs,
                sigs,
                end: End::Trusted,
            });
            return;
        }
        if self.pool[last].cert.is_self_issued() && self.signature(last, last) != SigCheck::Invalid
        {
            self.out.push(Path {
                certs,
                sigs,
                end: End::UntrustedRoot,
            });
            return;
        }
        let (mut issuers, same_name) = self.issuers(last);
        issuers.retain(|i| !certs.contains(i));
        if issuers.is_empty() || certs.len() >= MAX_DEPTH {
            let c = &self.pool[last].cert;
            let end = End::Incomplete {
                issuer: c.issuer.clone(),
                aki: c.aki.clone(),
                same_name,
            };
            self.out.push(Path { certs, sigs, end });
            return;
        }
        for i in issuers {
            if self.out.len() >= MAX_PATHS {
                return;
            }
            let sig = self.signature(last, i);
            let mut next = certs.clone();
            next.push(i);
            let mut next_sigs = sigs.clone();
            next_sigs.push(sig);
            self.walk(next, next_sigs);
        }
    }
}
