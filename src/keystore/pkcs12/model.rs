//! A PKCS#12 file as the codec keeps it: safes of bags, each with the bytes
//! it was read from, so untouched parts are written back unchanged.

/// One ContentInfo of the AuthenticatedSafe.
#[derive(Clone)]
pub(super) struct Safe {
    /// `None`: plain `data`. `Some`: `encryptedData`, re-encrypted like this.
    pub(super) encrypted: Option<Scheme>,
    /// The ContentInfo as read (empty for a safe we created).
    pub(super) raw: Vec<u8>,
    pub(super) bags: Vec<Bag>,
    /// Changed since read: re-encoded (and re-encrypted) on write.
    pub(super) dirty: bool,
}

/// One SafeBag and what Java reads from it.
#[derive(Clone)]
pub(super) struct Bag {
    /// The SafeBag's DER, carried over unchanged.
    pub(super) raw: Vec<u8>,
    pub(super) kind: BagKind,
    /// friendlyName.
    pub(super) alias: Option<String>,
    /// localKeyId: ties a key to its certificate.
    pub(super) key_id: Option<Vec<u8>>,
    /// Carries the Oracle trusted-key-usage attribute: a trusted entry.
    pub(super) trusted: bool,
}

/// The bag types Java tells apart.
#[derive(Clone)]
pub(super) enum BagKind {
    /// An X.509 certificate, as DER.
    Cert(Vec<u8>),
    /// A PKCS#8 shrouded key bag (a private key entry).
    ShroudedKey,
    /// A secret bag (a secret key entry).
    Secret,
    /// Anything else: carried over, never an entry.
    Other,
}

/// How an encrypted safe (or key) is re-encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Scheme {
    /// PBES2; written with the JDK 17 defaults.
    Pbes2,
    /// PKCS#12 PBE with SHA-1 (pre-JDK 8u301/11.0.12 defaults); written with
    /// the same algorithm and iteration count.
    Legacy(LegacyPbe, u32),
}

/// The PKCS#12 PBE ciphers (RFC 7292 appendix C) Java still reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LegacyPbe {
    TripleDes3Key,
    TripleDes2Key,
    Rc2_128,
    Rc2_40,
}
