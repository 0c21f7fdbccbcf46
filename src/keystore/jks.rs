//! JKS and JCEKS keystores (Sun's formats), our own codec.
//!
//!   magic u32 (FEEDFEED JKS, CECECECE JCEKS) | version u32 (1|2) | count u32
//!   entry: tag u32 (1 key, 2 trusted cert, 3 secret) | alias writeUTF | time u64
//!     key:     len u32 + EncryptedPrivateKeyInfo | n u32 | n x cert
//!     trusted: cert
//!     cert:    [v2: type writeUTF] len u32 + DER
//!   SHA-1(password as UTF-16BE || "Mighty Aphrodite" || everything before)
//!
//! Every length is checked against the bytes left before anything is
//! allocated. Private-key entries are kept as opaque bytes and written back
//! unchanged. JCEKS secret-key entries are Java-serialized objects without a
//! length prefix; we refuse them rather than guess.

use sha1::{Digest, Sha1};

use super::KeystoreError;

/// The first four bytes of a JKS file.
pub const MAGIC_JKS: u32 = 0xfeed_feed;
/// The first four bytes of a JCEKS file.
pub const MAGIC_JCEKS: u32 = 0xcece_cece;
const WHITENER: &[u8] = b"Mighty Aphrodite";
const DIGEST_LEN: usize = 20;

/// What an entry holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A trusted certificate.
    Trusted {
        /// writeUTF bytes of the certificate type (v2 only), kept as found.
        cert_type: Option<Vec<u8>>,
        /// The certificate.
        der: Vec<u8>,
    },
    /// A private key, kept opaque, and its chain.
    PrivateKey {
        /// The EncryptedPrivateKeyInfo as stored.
        key: Vec<u8>,
        /// (certificate type as stored, DER) per certificate, leaf first.
        chain: Vec<(Option<Vec<u8>>, Vec<u8>)>,
    },
}

/// One keystore entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Modified UTF-8 as stored, so untouched entries round-trip exactly.
    pub alias_raw: Vec<u8>,
    /// `alias_raw` decoded.
    pub alias: String,
    /// Milliseconds since the epoch.
    pub timestamp: u64,
    /// Trusted certificate or private key.
    pub body: Body,
}

/// A JKS or JCEKS keystore, entries in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jks {
    /// JCEKS rather than JKS (only the magic differs for what we write).
    pub jceks: bool,
    /// Format version: 1 (no certificate types) or 2.
    pub version: u32,
    /// Entries in file order.
    pub entries: Vec<Entry>,
    /// Whether the integrity digest was checked (a password was given).
    pub verified: bool,
}

/// `Some(jceks)` when the bytes start with a JKS or JCEKS magic.
pub fn sniff(data: &[u8]) -> Option<bool> {
    match data
        .get(..4)
        .map(|m| u32::from_be_bytes([m[0], m[1], m[2], m[3]]))
    {
        Some(MAGIC_JKS) => Some(false),
        Some(MAGIC_JCEKS) => Some(true),
        _ => None,
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], KeystoreError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| KeystoreError::Truncated {
                what,
                need: n,
                offset: self.pos,
                left: self.data.len().saturating_sub(self.pos),
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, KeystoreError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, KeystoreError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, KeystoreError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }

    fn utf(&mut self, what: &'static str) -> Result<Vec<u8>, KeystoreError> {
        let n = self.u16(what)? as usize;
        Ok(self.take(n, what)?.to_vec())
    }

    fn blob(&mut self, what: &'static str) -> Result<Vec<u8>, KeystoreError> {
        let n = self.u32(what)? as usize;
        Ok(self.take(n, what)?.to_vec())
    }
}

/// UTF-16BE bytes of the password, as Java's `char[]` gives them.
fn password_bytes(password: &str) -> Vec<u8> {
    password
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect()
}

fn digest(password: &str, body: &[u8]) -> [u8; DIGEST_LEN] {
    let mut h = Sha1::new();
    h.update(password_bytes(password));
    h.update(WHITENER);
    h.update(body);
    h.finalize().into()
}

impl Jks {
    /// An empty version 2 store.
    pub fn new(jceks: bool) -> Jks {
        Jks {
            jceks,
            version: 2,
            entries: Vec::new(),
            verified: true,
        }
    }

    /// Parses a JKS/JCEKS store. With a password the integrity digest must
    /// match; without one it is not checked (as Java does for truststores
    /// loaded without a password).
    pub fn read(data: &[u8], password: Option<&str>) -> Result<Jks, KeystoreError> {
        if data.len() < 12 + DIGEST_LEN {
            return Err(KeystoreError::JksTooShort(data.len()));
        }
        let body_len = data.len() - DIGEST_LEN;
        let mut r = Reader {
            data: &data[..body_len],
            pos: 0,
        };
        let jceks = match r.u32("magic")? {
            MAGIC_JKS => false,
            MAGIC_JCEKS => true,
            m => return Err(KeystoreError::JksMagic(m)),
        };
        let version = r.u32("version")?;
        if version != 1 && version != 2 {
            return Err(KeystoreError::JksVersion(version));
        }
        if let Some(pw) = password {
            if digest(pw, &data[..body_len]) != data[body_len..] {
                return Err(KeystoreError::JksIntegrity);
            }
        }
        let count = r.u32("entry count")? as usize;
        // Each entry takes at least 18 bytes: do not trust `count` for capacity.
        let mut entries = Vec::with_capacity(count.min(body_len / 18));
        for i in 0..count {
            let tag = r.u32("entry tag")?;
            let alias_raw = r.utf("alias")?;
            let alias = decode_modified_utf8(&alias_raw);
            let timestamp = r.u64("timestamp")?;
            let cert = |r: &mut Reader| -> Result<(Option<Vec<u8>>, Vec<u8>), KeystoreError> {
                let ty = if version == 2 {
                    Some(r.utf("certificate type")?)
                } else {
                    None
                };
                Ok((ty, r.blob("certificate")?))
            };
            let body = match tag {
                1 => {
                    let key = r.blob("private key")?;
                    let n = r.u32("chain length")? as usize;
                    let mut chain = Vec::with_capacity(n.min(16));
                    for _ in 0..n {
                        chain.push(cert(&mut r)?);
                    }
                    Body::PrivateKey { key, chain }
                }
                2 => {
                    let (cert_type, der) = cert(&mut r)?;
                    Body::Trusted { cert_type, der }
                }
                3 if jceks => return Err(KeystoreError::JceksSecretKey { alias, index: i }),
                t => return Err(KeystoreError::JksEntryTag { tag: t, index: i }),
            };
            entries.push(Entry {
                alias_raw,
                alias,
                timestamp,
                body,
            });
        }
        if r.pos != body_len {
            return Err(KeystoreError::JksTrailing(body_len - r.pos));
        }
        Ok(Jks {
            jceks,
            version,
            entries,
            verified: password.is_some(),
        })
    }

    /// Serializes the store with its integrity digest under `password`.
    pub fn write(&self, password: &str) -> Vec<u8> {
        let mut o = Vec::new();
        o.extend_from_slice(&(if self.jceks { MAGIC_JCEKS } else { MAGIC_JKS }).to_be_bytes());
        o.extend_from_slice(&self.version.to_be_bytes());
        o.extend_from_slice(&(self.entries.len() as u32).to_be_bytes());
        let put_utf = |o: &mut Vec<u8>, b: &[u8]| {
            o.extend_from_slice(&(b.len() as u16).to_be_bytes());
            o.extend_from_slice(b);
        };
        let put_blob = |o: &mut Vec<u8>, b: &[u8]| {
            o.extend_from_slice(&(b.len() as u32).to_be_bytes());
            o.extend_from_slice(b);
        };
        let put_cert = |o: &mut Vec<u8>, ty: &Option<Vec<u8>>, der: &[u8]| {
            if self.version == 2 {
                put_utf(o, ty.as_deref().unwrap_or(b"X.509"));
            }
            put_blob(o, der);
        };
        for e in &self.entries {
            let tag: u32 = match e.body {
                Body::PrivateKey { .. } => 1,
                Body::Trusted { .. } => 2,
            };
            o.extend_from_slice(&tag.to_be_bytes());
            put_utf(&mut o, &e.alias_raw);
            o.extend_from_slice(&e.timestamp.to_be_bytes());
            match &e.body {
                Body::PrivateKey { key, chain } => {
                    put_blob(&mut o, key);
                    o.extend_from_slice(&(chain.len() as u32).to_be_bytes());
                    for (ty, der) in chain {
                        put_cert(&mut o, ty, der);
                    }
                }
                Body::Trusted { cert_type, der } => put_cert(&mut o, cert_type, der),
            }
        }
        let d = digest(password, &o);
        o.extend_from_slice(&d);
        o
    }

    /// Adds a trusted entry. JKS aliases are case-insensitive and stored in
    /// lower case, as keytool does.
    pub fn add_trusted(&mut self, alias: &str, der: &[u8], timestamp_ms: u64) {
        let alias = super::alias_key(alias);
        self.entries.push(Entry {
            alias_raw: encode_modified_utf8(&alias),
            alias,
            timestamp: timestamp_ms,
            body: Body::Trusted {
                cert_type: Some(b"X.509".to_vec()),
                der: der.to_vec(),
            },
        });
    }
}

/// Java's DataInput.readUTF encoding: NUL as C0 80, supplementary
/// characters as surrogate pairs (CESU-8). Lossy on malformed input.
pub fn decode_modified_utf8(b: &[u8]) -> String {
    let mut units = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as u16;
        let (unit, len) = if c < 0x80 {
            (c, 1)
        } else if c & 0xe0 == 0xc0 && i + 1 < b.len() {
            (((c & 0x1f) << 6) | (b[i + 1] as u16 & 0x3f), 2)
        } else if c & 0xf0 == 0xe0 && i + 2 < b.len() {
            (
                ((c & 0x0f) << 12) | ((b[i + 1] as u16 & 0x3f) << 6) | (b[i + 2] as u16 & 0x3f),
                3,
            )
        } else {
            (0xfffd, 1)
        };
        units.push(unit);
        i += len;
    }
    String::from_utf16_lossy(&units)
}

/// Java's DataOutput.writeUTF encoding (without the length prefix).
pub fn encode_modified_utf8(s: &str) -> Vec<u8> {
    let mut o = Vec::with_capacity(s.len());
    for u in s.encode_utf16() {
        match u {
            0x0001..=0x007f => o.push(u as u8),
            0x0000 | 0x0080..=0x07ff => {
                o.push(0xc0 | (u >> 6) as u8);
                o.push(0x80 | (u & 0x3f) as u8);
            }
            _ => {
                o.push(0xe0 | (u >> 12) as u8);
                o.push(0x80 | ((u >> 6) & 0x3f) as u8);
                o.push(0x80 | (u & 0x3f) as u8);
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Jks {
        let mut j = Jks::new(false);
        j.add_trusted("Root-A", b"\x30\x03\x02\x01\x01", 1_700_000_000_000);
        j.entries.push(Entry {
            alias_raw: encode_modified_utf8("mykey"),
            alias: "mykey".into(),
            timestamp: 5,
            body: Body::PrivateKey {
                key: vec![1, 2, 3],
                chain: vec![(Some(b"X.509".to_vec()), vec![9, 9])],
            },
        });
        j
    }

    #[test]
    fn round_trip_and_password_check() {
        let j = sample();
        let bytes = j.write("pässwörd");
        let back = Jks::read(&bytes, Some("pässwörd")).unwrap();
        assert_eq!(back.entries, j.entries);
        assert_eq!(back.entries[0].alias, "root-a");
        assert_eq!(back.write("pässwörd"), bytes, "byte-identical rewrite");
        let e = Jks::read(&bytes, Some("passwort")).unwrap_err().to_string();
        assert!(e.contains("password was incorrect"), "{e}");
        assert!(Jks::read(&bytes, None).is_ok());
    }

    #[test]
    fn corruption_is_an_error_never_a_panic() {
        let bytes = sample().write("changeit");
        for cut in 0..bytes.len() {
            let _ = Jks::read(&bytes[..cut], None);
        }
        for i in 0..bytes.len() {
            for v in [0x00, 0xff, 0x7f] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = Jks::read(&b, None);
                let _ = Jks::read(&b, Some("changeit"));
            }
        }
        // A count of four billion entries does not allocate four billion slots.
        let mut b = bytes.clone();
        b[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(Jks::read(&b, None).is_err());
    }

    #[test]
    fn modified_utf8() {
        for s in ["abc", "é", "日本", "😀", "a\0b"] {
            assert_eq!(decode_modified_utf8(&encode_modified_utf8(s)), s);
        }
        assert_eq!(encode_modified_utf8("\0"), vec![0xc0, 0x80]);
        assert_eq!(encode_modified_utf8("😀").len(), 6);
    }
}

#[cfg(test)]
mod debian_cacerts {
    #[test]
    fn reads_and_rewrites_the_system_cacerts_identically() {
        let Ok(data) = std::fs::read("/etc/ssl/certs/java/cacerts") else {
            eprintln!("SKIPPED: no /etc/ssl/certs/java/cacerts");
            return;
        };
        let j = super::Jks::read(&data, Some("changeit")).unwrap();
        assert!(j.entries.len() > 50);
        assert_eq!(j.write("changeit"), data);
    }
}
