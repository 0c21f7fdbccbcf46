//! The one source of random bytes: the operating system's generator
//! (`getrandom`), for salts, IVs, nonces and ClientHello randoms.

use std::fmt;

/// The operating system gave no random bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(getrandom::Error);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no random bytes from the operating system: {}", self.0)
    }
}

impl std::error::Error for Error {}

/// Fills `buf` with secret-quality random bytes (salts, IVs).
pub fn fill(buf: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(buf).map_err(Error)
}

/// Bytes that must differ between uses but need not be secret (OCSP
/// nonces, a ClientHello random whose handshake is never finished): random
/// if the operating system gives any, else derived from the time, the
/// process id and a counter, which are unique just the same.
pub fn unique(buf: &mut [u8]) {
    if fill(buf).is_ok() {
        return;
    }
    use sha2::{Digest, Sha256};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    for (i, chunk) in buf.chunks_mut(32).enumerate() {
        let h = Sha256::digest(format!("{t}-{}-{n}-{i}", std::process::id()));
        chunk.copy_from_slice(&h[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_differ_between_calls() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        fill(&mut a).unwrap();
        fill(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
        let (mut c, mut d) = ([0u8; 40], [0u8; 40]);
        unique(&mut c);
        unique(&mut d);
        assert_ne!(c, d);
    }
}
