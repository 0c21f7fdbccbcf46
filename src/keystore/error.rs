//! Why a keystore could not be read, decrypted or written: one enum for
//! the whole tree (JKS, PKCS#12, the file), whose `Display` is the one-line
//! message users see.

use std::fmt;
use std::path::PathBuf;

use crate::util::{der, rand};

/// A keystore that could not be read, decrypted or written.
#[derive(Debug)]
pub enum KeystoreError {
    /// The keystore file could not be inspected or read.
    Io {
        /// The file as given.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Larger than `MAX_KEYSTORE_BYTES`, refused before reading.
    FileTooLarge {
        /// The file as given.
        path: PathBuf,
        /// Its size in bytes.
        len: u64,
    },
    /// Neither JKS, JCEKS nor PKCS12.
    NotKeystore,
    /// A JKS store is always written under a password.
    JksNeedsPassword,

    /// A JKS field runs past the end of the data.
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Bytes it needs.
        need: usize,
        /// Where it starts.
        offset: usize,
        /// Bytes there are from there.
        left: usize,
    },
    /// Too short for a JKS header and digest.
    JksTooShort(usize),
    /// A magic that is neither JKS nor JCEKS.
    JksMagic(u32),
    /// A JKS version other than 1 or 2.
    JksVersion(u32),
    /// The JKS digest does not match under the password.
    JksIntegrity,
    /// A JCEKS secret-key entry, a serialized Java object.
    JceksSecretKey {
        /// The entry's alias.
        alias: String,
        /// Its position, from 0.
        index: usize,
    },
    /// An entry tag other than key, trusted certificate or secret key.
    JksEntryTag {
        /// The tag.
        tag: u32,
        /// The entry's position, from 0.
        index: usize,
    },
    /// Bytes between the last entry and the digest.
    JksTrailing(usize),

    /// PKCS#12 structure that does not parse, as a fixed phrase.
    Malformed(&'static str),
    /// PKCS#12 DER that does not parse.
    Der(der::Error),
    /// Something other than an OCTET STRING where one belongs.
    NotOctetString(u8),
    /// An iteration count that is zero, negative or above Java's limit.
    IterationCount(&'static str),
    /// Public-key integrity mode, which Java does not read.
    SignedIntegrity,
    /// A safe that is neither data nor encryptedData.
    SafeContentType(String),
    /// A MAC digest Java does not write.
    MacAlgorithm(String),
    /// The MAC does not verify: wrong password or corruption.
    MacMismatch(&'static str),
    /// A protected store read without a password.
    ReadPasswordNeeded,
    /// A protected store written without a password.
    WritePasswordNeeded,
    /// More key-derivation work than any store Java writes needs.
    TooMuchWork(u64),
    /// An invariant of the codec did not hold.
    Internal(&'static str),
    /// An encrypted certificate safe could not be decrypted.
    Safe(PbeError),
    /// A decrypted certificate safe does not parse.
    DecryptedSafe(Box<KeystoreError>),
    /// A private key could not be decrypted with the old password.
    Key(PbeError),
    /// A secret bag of a type Java does not write.
    SecretBagType {
        /// The entry's friendlyName.
        alias: Option<String>,
        /// The type, dotted.
        oid: String,
    },
    /// A key entry could not be re-encrypted under a new password.
    Reencrypt {
        /// The entry's friendlyName.
        alias: Option<String>,
        /// Why.
        source: Box<KeystoreError>,
    },
    /// No random bytes for a salt or an IV.
    Random(rand::Error),
    /// PBES2 parameters could not be generated.
    Pbes2Params(pkcs5::Error),
    /// PBES2 parameters could not be encoded.
    Pbes2Encode(pkcs5::der::Error),
    /// PBES2 encryption failed.
    Pbes2Encrypt(pkcs5::Error),
    /// Legacy PKCS#12 PBE encryption failed.
    LegacyEncrypt,
}

/// `key entry 'ALIAS'`, or `a key entry` without a friendlyName.
struct KeyEntry<'a>(&'a Option<String>);

impl fmt::Display for KeyEntry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(a) => write!(f, "key entry '{a}'"),
            None => f.write_str("a key entry"),
        }
    }
}

impl fmt::Display for KeystoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use KeystoreError as E;
        const MALFORMED: &str = "malformed PKCS#12 keystore";
        match self {
            E::Io { path, source } => write!(f, "{}: {source}", path.display()),
            E::FileTooLarge { path, len } => write!(
                f,
                "{}: {len} bytes is too large for a keystore",
                path.display()
            ),
            E::NotKeystore => f.write_str("not a Java keystore (neither JKS, JCEKS nor PKCS12)"),
            E::JksNeedsPassword => {
                f.write_str("writing a JKS store needs its password (--storepass)")
            }
            E::Truncated {
                what,
                need,
                offset,
                left,
            } => write!(
                f,
                "truncated or corrupted keystore: {what} needs {need} bytes at offset {offset}, {left} left"
            ),
            E::JksTooShort(n) => write!(f, "not a JKS keystore: only {n} bytes"),
            E::JksMagic(m) => write!(f, "not a JKS or JCEKS keystore (magic {m:08x})"),
            E::JksVersion(v) => write!(f, "unsupported JKS version {v}"),
            E::JksIntegrity => f.write_str(
                "Keystore was tampered with, or password was incorrect (integrity check failed)",
            ),
            E::JceksSecretKey { alias, index } => write!(
                f,
                "JCEKS secret-key entry '{alias}' (#{index}) is a serialized Java object trustfix cannot read; \
                 convert the store with keytool -importkeystore"
            ),
            E::JksEntryTag { tag, index } => write!(
                f,
                "corrupted keystore: unknown entry tag {tag} (entry #{index})"
            ),
            E::JksTrailing(n) => write!(
                f,
                "corrupted keystore: {n} unexpected bytes after the last entry"
            ),
            E::Malformed(what) => write!(f, "{MALFORMED}: {what}"),
            E::Der(e) => write!(f, "{MALFORMED}: {e}"),
            E::NotOctetString(tag) => {
                write!(f, "{MALFORMED}: expected an OCTET STRING, found tag {tag:#04x}")
            }
            E::IterationCount(what) => write!(f, "{MALFORMED}: {what} iteration count out of range"),
            E::SignedIntegrity => f.write_str(
                "unsupported PKCS#12 keystore: public-key (signed) integrity mode; Java reads only password integrity",
            ),
            E::SafeContentType(oid) => write!(
                f,
                "unsupported PKCS#12 keystore: a safe of content type {oid} (Java reads only data and encryptedData)"
            ),
            E::MacAlgorithm(oid) => {
                write!(f, "unsupported PKCS#12 keystore: MAC digest algorithm {oid}")
            }
            E::MacMismatch(alg) => write!(
                f,
                "wrong keystore password: the PKCS#12 integrity check ({alg}) failed (or the file is corrupted)"
            ),
            E::ReadPasswordNeeded => f.write_str(
                "this PKCS#12 keystore is password-protected (integrity MAC and/or encrypted certificates): reading it needs a password",
            ),
            E::WritePasswordNeeded => f.write_str(
                "this PKCS#12 keystore is password-protected: writing it needs the store password",
            ),
            E::TooMuchWork(work) => write!(
                f,
                "refused: opening this PKCS#12 keystore would take {work} key-derivation iterations \
                 in all (MAC and encrypted safes), more than the {} any keystore \
                 Java writes needs",
                super::pkcs12::MAX_TOTAL_ITERATIONS
            ),
            E::Internal(what) => write!(f, "internal: {what}"),
            E::Safe(PbeError::Decrypt) => f.write_str(
                "wrong keystore password: cannot decrypt the certificate safe (or the file is corrupted)",
            ),
            E::Safe(e) if e.is_unsupported() => write!(f, "unsupported PKCS#12 keystore: {e}"),
            E::Safe(e) => write!(f, "{MALFORMED}: {e}"),
            E::DecryptedSafe(e) => write!(
                f,
                "cannot read the decrypted certificate safe (wrong password or corrupted keystore): {e}"
            ),
            E::Key(e) => write!(f, "{e}"),
            E::SecretBagType { alias, oid } => write!(
                f,
                "cannot change the password of {}: unknown secret bag type {oid}",
                KeyEntry(alias)
            ),
            E::Reencrypt { alias, source } => write!(
                f,
                "cannot re-encrypt {} under the new password: {source}",
                KeyEntry(alias)
            ),
            E::Random(e) => write!(f, "{e}"),
            E::Pbes2Params(e) => write!(f, "PBES2 parameters: {e}"),
            E::Pbes2Encode(e) => write!(f, "PBES2 parameters: {e}"),
            E::Pbes2Encrypt(e) => write!(f, "PBES2 encryption: {e}"),
            E::LegacyEncrypt => f.write_str("PBE encryption failed"),
        }
    }
}

impl std::error::Error for KeystoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        use KeystoreError as E;
        match self {
            E::Io { source, .. } => Some(source),
            E::Der(e) => Some(e),
            E::DecryptedSafe(e) => Some(e.as_ref()),
            E::Reencrypt { source, .. } => Some(source.as_ref()),
            E::Random(e) => Some(e),
            _ => None,
        }
    }
}

impl From<der::Error> for KeystoreError {
    fn from(e: der::Error) -> KeystoreError {
        KeystoreError::Der(e)
    }
}

/// Why a password-based decryption (of a safe or a private key) failed.
#[derive(Debug)]
pub enum PbeError {
    /// Padding or structure wrong after decryption: most likely the password.
    Decrypt,
    /// PBES2 parameters Java writes but we do not read.
    Pbes2Params(pkcs5::der::Error),
    /// PBES2 with a key derivation other than PBKDF2.
    NoPbkdf2,
    /// PBES2 decryption failed for another reason than the padding.
    Pbes2(pkcs5::Error),
    /// An encryption algorithm Java does not write.
    Algorithm(String),
    /// The parameters do not parse (the message names the keystore).
    Params(Box<KeystoreError>),
    /// An AlgorithmIdentifier without parameters.
    NoParameters,
    /// A PBKDF2 iteration count of zero or above Java's limit.
    Pbkdf2Iterations(u32),
}

impl PbeError {
    /// An algorithm or parameter Java writes but we do not read (else the
    /// data is malformed or the password wrong).
    fn is_unsupported(&self) -> bool {
        matches!(
            self,
            PbeError::Pbes2Params(_)
                | PbeError::NoPbkdf2
                | PbeError::Pbes2(_)
                | PbeError::Algorithm(_)
        )
    }
}

impl fmt::Display for PbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PbeError::Decrypt => f.write_str("decryption failed (wrong password?)"),
            PbeError::Pbes2Params(e) => write!(f, "PBES2 parameters: {e}"),
            PbeError::NoPbkdf2 => f.write_str("PBES2 without PBKDF2"),
            PbeError::Pbes2(e) => write!(f, "PBES2: {e}"),
            PbeError::Algorithm(oid) => write!(f, "encryption algorithm {oid}"),
            PbeError::Params(e) => write!(f, "{e}"),
            PbeError::NoParameters => f.write_str("encryption algorithm without parameters"),
            PbeError::Pbkdf2Iterations(n) => write!(f, "PBKDF2 iteration count {n} out of range"),
        }
    }
}

impl std::error::Error for PbeError {}
