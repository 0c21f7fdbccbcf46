//! TLS <= 1.2 without rustls: one ClientHello offering every suite a real
//! server might pick, then the server's clear-text flight (ServerHello,
//! Certificate, CertificateStatus, ServerHelloDone) is parsed and the
//! connection dropped. Before TLS 1.3 the Certificate message is not
//! encrypted, so no key exchange is needed to see the chain.

use std::io;
use std::net::SocketAddr;

use super::{Attempt, Captured, Conn, Deadline, FetchError, Phase};
use crate::target::Target;

/// Cipher suites offered, with IANA names. Anonymous, PSK and SRP suites
/// are left out: they send no certificate.
pub(crate) const SUITES: &[(u16, &str)] = &[
    (0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    (0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    (0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
    (0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
    (0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    (0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
    (0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    (0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    (0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    (0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"),
    (0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"),
    (0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"),
    (0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"),
    (0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"),
    (0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"),
    (0x006a, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"),
    (0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"),
    (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
    (0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
    (0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"),
    (0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"),
    (0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"),
    (0x009a, "TLS_DHE_RSA_WITH_SEED_CBC_SHA"),
    (0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"),
    (0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"),
    (0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA"),
    (0xc032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"),
    (0xc02e, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"),
    (0xc031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"),
    (0xc02d, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"),
    (0xc02a, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"),
    (0xc026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"),
    (0xc029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"),
    (0xc025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"),
    (0xc00f, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"),
    (0xc005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xc00e, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"),
    (0xc004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xc00d, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0xc003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    (0xc00c, "TLS_ECDH_RSA_WITH_RC4_128_SHA"),
    (0xc002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"),
    (0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    (0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    (0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"),
    (0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    (0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    (0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"),
    (0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA"),
    (0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x0005, "TLS_RSA_WITH_RC4_128_SHA"),
    (0x0004, "TLS_RSA_WITH_RC4_128_MD5"),
    (0x0009, "TLS_RSA_WITH_DES_CBC_SHA"),
    (0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"),
    (0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"),
    (0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"),
    (0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA"),
    (0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"),
    (0x003b, "TLS_RSA_WITH_NULL_SHA256"),
    (0x0002, "TLS_RSA_WITH_NULL_SHA"),
    (0x0001, "TLS_RSA_WITH_NULL_MD5"),
    (0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
];

pub(crate) fn suite_name(code: u16) -> String {
    SUITES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| format!("0x{code:04x}"))
}

pub(crate) fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv1.0".into(),
        0x0302 => "TLSv1.1".into(),
        0x0303 => "TLSv1.2".into(),
        v => format!("0x{v:04x}"),
    }
}

/// Largest TLS record (2^14 plus the expansion RFC 5246 allows).
const MAX_RECORD: usize = 16_384 + 2_048;
/// Largest handshake message we buffer: a Certificate message of a sane
/// chain is a few KiB; this bounds what a hostile server can make us hold.
const MAX_HANDSHAKE: usize = 1024 * 1024;

pub(crate) fn client_hello(servername: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&[0x03, 0x03]); // highest version: TLS 1.2
    body.extend_from_slice(&random32());
    body.push(0); // no session id
    let suites: Vec<u8> = SUITES.iter().flat_map(|(c, _)| c.to_be_bytes()).collect();
    body.extend_from_slice(&(suites.len() as u16).to_be_bytes());
    body.extend_from_slice(&suites);
    body.extend_from_slice(&[1, 0]); // compression: null only

    let mut ext = Vec::new();
    if servername.parse::<std::net::IpAddr>().is_err() && !servername.is_empty() {
        let name = servername.as_bytes();
        let mut sni = Vec::new();
        sni.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
        sni.push(0); // host_name
        sni.extend_from_slice(&(name.len() as u16).to_be_bytes());
        sni.extend_from_slice(name);
        push_ext(&mut ext, 0x0000, &sni);
    }
    // status_request (OCSP), so stapling servers send CertificateStatus.
    push_ext(&mut ext, 0x0005, &[1, 0, 0, 0, 0]);
    // supported_groups: x25519, P-256, P-384, P-521, and the old binary-free ones.
    let groups: [u16; 6] = [29, 23, 24, 25, 22, 21];
    let mut g = Vec::new();
    g.extend_from_slice(&((groups.len() * 2) as u16).to_be_bytes());
    for x in groups {
        g.extend_from_slice(&x.to_be_bytes());
    }
    push_ext(&mut ext, 0x000a, &g);
    push_ext(&mut ext, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
                                         // signature_algorithms, SHA-1 included so old servers can answer.
    let algs: [u16; 14] = [
        0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0807, 0x0203,
        0x0201, 0x0402, 0x0202,
    ];
    let mut a = Vec::new();
    a.extend_from_slice(&((algs.len() * 2) as u16).to_be_bytes());
    for x in algs {
        a.extend_from_slice(&x.to_be_bytes());
    }
    push_ext(&mut ext, 0x000d, &a);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);

    let mut hs = vec![1]; // ClientHello
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 0x03, 0x01]; // record version TLS 1.0 for the widest acceptance
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

fn push_ext(out: &mut Vec<u8>, ty: u16, data: &[u8]) {
    out.extend_from_slice(&ty.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

/// Not secret: the handshake is never completed.
fn random32() -> [u8; 32] {
    let mut r = [0u8; 32];
    crate::util::rand::unique(&mut r);
    r
}

/// Why the legacy handshake failed, before `handshake` names the host.
#[derive(Debug)]
pub(crate) enum LegacyError {
    /// The server sent a TLS alert.
    Alert {
        /// The alert's name, or `alert` when unknown.
        name: &'static str,
        /// The AlertDescription byte (255 when missing).
        desc: u8,
    },
    /// An application-data record before the handshake finished.
    ApplicationData,
    /// A record type outside 20..=23.
    RecordType(u8),
    /// A handshake message over [`MAX_HANDSHAKE`].
    TooLong {
        /// Its announced length.
        len: usize,
    },
    /// A handshake message shorter than its contents claim.
    Truncated {
        /// The HandshakeType.
        ty: u8,
    },
    /// The deadline passed (the [`Deadline`]'s words).
    TimedOut(String),
    /// The server closed the connection.
    Closed,
    /// Reading or writing the socket failed.
    Io(io::Error),
    /// A record header that is not TLS, or a record over [`MAX_RECORD`].
    NotRecord([u8; 5]),
    /// The flight ended without a Certificate message.
    NoCertificate,
}

impl std::fmt::Display for LegacyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LegacyError::Alert { name, desc } => write!(f, "server sent TLS alert {name} ({desc})"),
            LegacyError::ApplicationData => {
                f.write_str("application data before the handshake finished")
            }
            LegacyError::RecordType(t) => write!(f, "unexpected TLS record type {t}"),
            LegacyError::TooLong { len } => write!(
                f,
                "handshake message of {len} bytes exceeds the {MAX_HANDSHAKE}-byte limit"
            ),
            LegacyError::Truncated { ty } => write!(f, "truncated handshake message type {ty}"),
            LegacyError::TimedOut(m) => f.write_str(m),
            LegacyError::Closed => f.write_str("the server closed the connection"),
            LegacyError::Io(e) => write!(f, "{e}"),
            LegacyError::NotRecord(h) => write!(f, "not a TLS record (header {h:02x?})"),
            LegacyError::NoCertificate => f.write_str("the server sent no certificate"),
        }
    }
}

impl std::error::Error for LegacyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LegacyError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// What the server's flight told us.
#[derive(Debug, Default)]
pub(crate) struct Flight {
    pub version: Option<u16>,
    pub suite: Option<u16>,
    pub chain: Vec<Vec<u8>>,
    pub ocsp: Option<Vec<u8>>,
    pub done: bool,
}

/// Feeds handshake bytes, parsing every complete message. Bounded: an
/// over-long message is an error before anything is allocated for it.
#[derive(Default)]
pub(crate) struct Parser {
    hs: Vec<u8>,
    pub flight: Flight,
}

impl Parser {
    pub(crate) fn record(&mut self, ty: u8, body: &[u8]) -> Result<(), LegacyError> {
        match ty {
            22 => {
                self.hs.extend_from_slice(body);
                self.messages()
            }
            21 => Err(alert(body)),
            20 => Ok(()), // ChangeCipherSpec: nothing after it is readable to us
            23 => Err(LegacyError::ApplicationData),
            other => Err(LegacyError::RecordType(other)),
        }
    }

    fn messages(&mut self) -> Result<(), LegacyError> {
        loop {
            if self.hs.len() < 4 {
                return Ok(());
            }
            let len = u32::from_be_bytes([0, self.hs[1], self.hs[2], self.hs[3]]) as usize;
            if len > MAX_HANDSHAKE {
                return Err(LegacyError::TooLong { len });
            }
            if self.hs.len() < 4 + len {
                return Ok(());
            }
            let msg: Vec<u8> = self.hs.drain(..4 + len).collect();
            self.message(msg[0], &msg[4..])?;
            if self.flight.done {
                return Ok(());
            }
        }
    }

    fn message(&mut self, ty: u8, m: &[u8]) -> Result<(), LegacyError> {
        let short = || LegacyError::Truncated { ty };
        match ty {
            2 => {
                let v = m.get(..2).ok_or_else(short)?;
                let sid_len = *m.get(34).ok_or_else(short)? as usize;
                let s = m.get(35 + sid_len..37 + sid_len).ok_or_else(short)?;
                self.flight.version = Some(u16::from_be_bytes([v[0], v[1]]));
                self.flight.suite = Some(u16::from_be_bytes([s[0], s[1]]));
            }
            11 => {
                let total = m.get(..3).ok_or_else(short)?;
                let total = u32::from_be_bytes([0, total[0], total[1], total[2]]) as usize;
                let mut rest = m.get(3..3 + total).ok_or_else(short)?;
                while !rest.is_empty() {
                    let l = rest.get(..3).ok_or_else(short)?;
                    let l = u32::from_be_bytes([0, l[0], l[1], l[2]]) as usize;
                    let der = rest.get(3..3 + l).ok_or_else(short)?;
                    self.flight.chain.push(der.to_vec());
                    rest = &rest[3 + l..];
                }
            }
            // CertificateStatus: status_type ocsp(1), then a 24-bit length.
            22 if m.first() == Some(&1) => {
                let l = m.get(1..4).ok_or_else(short)?;
                let l = u32::from_be_bytes([0, l[0], l[1], l[2]]) as usize;
                self.flight.ocsp = Some(m.get(4..4 + l).ok_or_else(short)?.to_vec());
            }
            14 => self.flight.done = true,
            // ServerKeyExchange, CertificateRequest and the like.
            _ => {}
        }
        Ok(())
    }
}

fn alert(body: &[u8]) -> LegacyError {
    let desc = body.get(1).copied().unwrap_or(255);
    let name = match desc {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        40 => "handshake_failure",
        47 => "illegal_parameter",
        50 => "decode_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        112 => "unrecognized_name",
        _ => "alert",
    };
    LegacyError::Alert { name, desc }
}

pub(super) fn handshake(
    target: &Target,
    conn: &mut dyn Conn,
    addr: SocketAddr,
    where_: &str,
    deadline: Deadline,
) -> Attempt {
    match run(target, conn, deadline) {
        Ok(f) => Attempt::Done(Captured {
            chain: f.chain,
            protocol: f
                .version
                .map(version_name)
                .unwrap_or_else(|| "unknown".into()),
            cipher_suite: f.suite.map(suite_name).unwrap_or_else(|| "unknown".into()),
            ocsp_stapled: f.ocsp,
            address: addr,
            handshake_error: None,
            legacy: true,
            modern_error: None,
        }),
        Err((m, retry)) if retry => Attempt::Incompatible(m.to_string()),
        Err((m, _)) => Attempt::Failed(FetchError {
            phase: Phase::Handshake,
            message: format!("handshake with {where_} (legacy TLS <= 1.2): {m}"),
        }),
    }
}

/// The flight up to ServerHelloDone, or an error and whether it means "no
/// common parameters" rather than "broken".
fn run(
    target: &Target,
    conn: &mut dyn Conn,
    deadline: Deadline,
) -> Result<Flight, (LegacyError, bool)> {
    let timed_out = || (LegacyError::TimedOut(deadline.timed_out()), false);
    let io_err = |e: io::Error| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => timed_out(),
        io::ErrorKind::UnexpectedEof => (LegacyError::Closed, true),
        _ => (LegacyError::Io(e), true),
    };
    let left = deadline.remaining().ok_or_else(timed_out)?;
    conn.set_timeout(left);
    conn.write_all(&client_hello(&target.servername))
        .map_err(io_err)?;
    let _ = conn.flush();
    let mut p = Parser::default();
    while !p.flight.done {
        let left = deadline.remaining().ok_or_else(timed_out)?;
        conn.set_timeout(left);
        let mut h = [0u8; 5];
        conn.read_exact(&mut h).map_err(io_err)?;
        let len = u16::from_be_bytes([h[3], h[4]]) as usize;
        if h[1] != 3 || len > MAX_RECORD {
            return Err((LegacyError::NotRecord(h), false));
        }
        let mut body = vec![0u8; len];
        conn.read_exact(&mut body).map_err(io_err)?;
        if let Err(m) = p.record(h[0], &body) {
            let alert = h[0] == 21;
            return Err((m, alert));
        }
    }
    if p.flight.chain.is_empty() {
        return Err((LegacyError::NoCertificate, false));
    }
    Ok(p.flight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello_is_well_formed() {
        let h = client_hello("mail.example.com");
        assert_eq!(&h[..3], &[22, 3, 1]);
        let rec_len = u16::from_be_bytes([h[3], h[4]]) as usize;
        assert_eq!(rec_len, h.len() - 5);
        let hs_len = u32::from_be_bytes([0, h[6], h[7], h[8]]) as usize;
        assert_eq!(hs_len, h.len() - 9);
        assert!(h.windows(16).any(|w| w == b"mail.example.com"));
    }

    fn hs(ty: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![ty];
        v.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn flight_split_across_records_is_parsed() {
        let mut sh = vec![3, 1];
        sh.extend_from_slice(&[0; 32]);
        sh.push(0);
        sh.extend_from_slice(&[0xc0, 0x28, 0]);
        let mut cert = vec![0, 0, 7, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef];
        cert[2] = 7;
        let mut all = hs(2, &sh);
        all.extend(hs(11, &cert));
        all.extend(hs(14, &[]));
        let mut p = Parser::default();
        for chunk in all.chunks(5) {
            p.record(22, chunk).unwrap();
        }
        assert!(p.flight.done);
        assert_eq!(p.flight.version, Some(0x0301));
        assert_eq!(
            suite_name(p.flight.suite.unwrap()),
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"
        );
        assert_eq!(p.flight.chain, vec![vec![0xde, 0xad, 0xbe, 0xef]]);
    }

    #[test]
    fn lying_lengths_are_errors_not_panics() {
        let mut p = Parser::default();
        // Certificate message claiming 16 MiB.
        assert!(p
            .record(22, &[11, 0xff, 0xff, 0xff])
            .unwrap_err()
            .to_string()
            .contains("limit"));
        // Certificate list longer than the message.
        let mut p = Parser::default();
        assert!(p.record(22, &hs(11, &[0, 0, 9, 0, 0, 1])).is_err());
        // ServerHello too short.
        let mut p = Parser::default();
        assert!(p.record(22, &hs(2, &[3])).is_err());
        let mut p = Parser::default();
        assert!(p
            .record(21, &[2, 40])
            .unwrap_err()
            .to_string()
            .contains("handshake_failure"));
    }
}
