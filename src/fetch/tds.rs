//! SQL Server: TDS PRELOGIN (MS-TDS 2.2.6.5), then the TLS handshake
//! carried inside TDS packets of type PRELOGIN (MS-TDS 3.2.5.2/3.3.5.2).
//! After the handshake a real client switches to raw TLS; we stop there.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::{Conn, Deadline};

const TYPE_PRELOGIN: u8 = 0x12;
const TYPE_RESPONSE: u8 = 0x04;
const STATUS_EOM: u8 = 0x01;
const HEADER: usize = 8;
/// The largest packet size TDS negotiates; anything bigger is not TDS.
const MAX_PACKET: usize = 32_768;
const MAX_PAYLOAD_OUT: usize = 4096 - HEADER;

const ENCRYPT_OFF: u8 = 0x00;
const ENCRYPT_ON: u8 = 0x01;
const ENCRYPT_NOT_SUP: u8 = 0x02;
const ENCRYPT_REQ: u8 = 0x03;

/// Packets without a byte of payload a server may send in a row: a real
/// one never sends any, a hostile one could send them forever, each within
/// the read timeout, and hold the check past its deadline.
const MAX_EMPTY_PACKETS: usize = 16;

/// Why PRELOGIN failed; `attempt` names the host.
#[derive(Debug)]
pub(crate) enum TdsError {
    /// The deadline passed (the [`Deadline`]'s words).
    TimedOut(String),
    /// Reading or writing the socket failed.
    Io(io::Error),
    /// More than [`MAX_EMPTY_PACKETS`] empty packets in a row.
    EmptyPackets(usize),
    /// The answer was not a TDS response packet.
    PacketType(u8),
    /// The PRELOGIN response exceeded 64 KiB.
    TooLarge,
    /// The server answered ENCRYPT_NOT_SUP.
    NoEncryption,
    /// An ENCRYPTION value outside MS-TDS.
    UnknownEncryption(u8),
    /// The response has no ENCRYPTION option.
    MissingEncryption,
}

impl std::fmt::Display for TdsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TdsError::TimedOut(m) => f.write_str(m),
            TdsError::Io(e) => write!(f, "{e}"),
            TdsError::EmptyPackets(n) => write!(
                f,
                "the server sent {n} empty PRELOGIN packets in a row: not a SQL Server"
            ),
            TdsError::PacketType(ty) => write!(
                f,
                "not a SQL Server: answered TDS packet type 0x{ty:02x} to PRELOGIN"
            ),
            TdsError::TooLarge => f.write_str("PRELOGIN response too large"),
            TdsError::NoEncryption => f.write_str(
                "the server does not support encryption (PRELOGIN ENCRYPTION = ENCRYPT_NOT_SUP)",
            ),
            TdsError::UnknownEncryption(v) => {
                write!(f, "unknown PRELOGIN ENCRYPTION value 0x{v:02x}")
            }
            TdsError::MissingEncryption => {
                f.write_str("PRELOGIN response without an ENCRYPTION option")
            }
        }
    }
}

impl std::error::Error for TdsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TdsError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// TLS bytes in, TDS packets out, and back.
pub(crate) struct TdsStream {
    sock: TcpStream,
    pending: Vec<u8>,
    pos: usize,
    deadline: Deadline,
}

/// Sends PRELOGIN asking for encryption and checks the server agrees.
pub(super) fn prelogin(mut sock: TcpStream, deadline: Deadline) -> Result<TdsStream, TdsError> {
    let left = deadline
        .remaining()
        .ok_or_else(|| TdsError::TimedOut(deadline.timed_out()))?;
    sock.set_timeout(left);
    // Option table: token, offset, length; offsets count from the payload start.
    let mut payload = Vec::new();
    let data_start: u16 = 5 * 5 + 1;
    let opts: [(u8, u16); 5] = [(0x00, 6), (0x01, 1), (0x02, 1), (0x03, 4), (0x04, 1)];
    let mut off = data_start;
    for (token, len) in opts {
        payload.push(token);
        payload.extend_from_slice(&off.to_be_bytes());
        payload.extend_from_slice(&len.to_be_bytes());
        off += len;
    }
    payload.push(0xff);
    payload.extend_from_slice(&[0x10, 0x00, 0x00, 0x00, 0x00, 0x00]); // VERSION
    payload.push(ENCRYPT_ON); // ENCRYPTION
    payload.push(0x00); // INSTOPT: default instance
    payload.extend_from_slice(&[0, 0, 0, 0]); // THREADID
    payload.push(0x00); // MARS off
    write_packet(&mut sock, TYPE_PRELOGIN, &payload).map_err(TdsError::Io)?;

    let mut reply = Vec::new();
    let mut empty = 0;
    loop {
        let (ty, status, body) = read_packet(&mut Timed {
            sock: &mut sock,
            deadline,
        })
        .map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                TdsError::TimedOut(deadline.timed_out())
            }
            _ => TdsError::Io(e),
        })?;
        if body.is_empty() && status & STATUS_EOM == 0 {
            empty += 1;
            if empty > MAX_EMPTY_PACKETS {
                return Err(TdsError::EmptyPackets(empty));
            }
        } else {
            empty = 0;
        }
        if ty != TYPE_RESPONSE {
            return Err(TdsError::PacketType(ty));
        }
        reply.extend_from_slice(&body);
        if reply.len() > 64 * 1024 {
            return Err(TdsError::TooLarge);
        }
        if status & STATUS_EOM != 0 {
            break;
        }
    }
    match option(&reply, 0x01).and_then(|v| v.first().copied()) {
        Some(ENCRYPT_ON | ENCRYPT_REQ | ENCRYPT_OFF) => Ok(TdsStream {
            sock,
            pending: Vec::new(),
            pos: 0,
            deadline,
        }),
        Some(ENCRYPT_NOT_SUP) => Err(TdsError::NoEncryption),
        Some(v) => Err(TdsError::UnknownEncryption(v)),
        None => Err(TdsError::MissingEncryption),
    }
}

/// The data of PRELOGIN option `token`, bounds-checked.
fn option(payload: &[u8], token: u8) -> Option<&[u8]> {
    let mut i = 0;
    while let Some(&t) = payload.get(i) {
        if t == 0xff {
            return None;
        }
        let entry = payload.get(i + 1..i + 5)?;
        let off = u16::from_be_bytes([entry[0], entry[1]]) as usize;
        let len = u16::from_be_bytes([entry[2], entry[3]]) as usize;
        if t == token {
            return payload.get(off..off + len);
        }
        i += 5;
    }
    None
}

fn write_packet(w: &mut impl Write, ty: u8, payload: &[u8]) -> io::Result<()> {
    let mut chunks = payload.chunks(MAX_PAYLOAD_OUT).peekable();
    let mut id: u8 = 1;
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        let len = (chunk.len() + HEADER) as u16;
        let mut pkt = vec![ty, if last { STATUS_EOM } else { 0 }];
        pkt.extend_from_slice(&len.to_be_bytes());
        pkt.extend_from_slice(&[0, 0, id, 0]);
        pkt.extend_from_slice(chunk);
        w.write_all(&pkt)?;
        id = id.wrapping_add(1);
    }
    Ok(())
}

/// A socket whose every read waits at most until the deadline, so a
/// server trickling a byte at a time cannot stretch one packet past it.
struct Timed<'a> {
    sock: &'a mut TcpStream,
    deadline: Deadline,
}

impl Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self
            .deadline
            .remaining()
            .ok_or_else(|| io::Error::new(io::ErrorKind::TimedOut, self.deadline.timed_out()))?;
        self.sock.set_timeout(left);
        self.sock.read(buf)
    }
}

fn read_packet(r: &mut impl Read) -> io::Result<(u8, u8, Vec<u8>)> {
    let mut h = [0u8; HEADER];
    r.read_exact(&mut h)?;
    let len = u16::from_be_bytes([h[2], h[3]]) as usize;
    if !(HEADER..=MAX_PACKET).contains(&len) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not TDS: packet length {len}"),
        ));
    }
    let mut body = vec![0u8; len - HEADER];
    r.read_exact(&mut body)?;
    Ok((h[0], h[1], body))
}

impl Read for TdsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut empty = 0;
        while self.pos >= self.pending.len() {
            // The handshake's deadline holds for every packet, however
            // many arrive; a stream of empty ones makes no progress.
            let (ty, _, body) = read_packet(&mut Timed {
                sock: &mut self.sock,
                deadline: self.deadline,
            })?;
            if body.is_empty() {
                empty += 1;
                if empty > MAX_EMPTY_PACKETS {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{empty} empty TDS packets in a row during the TLS handshake"),
                    ));
                }
            }
            if ty != TYPE_PRELOGIN && ty != TYPE_RESPONSE {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("unexpected TDS packet type 0x{ty:02x} during the TLS handshake"),
                ));
            }
            self.pending = body;
            self.pos = 0;
        }
        let n = buf.len().min(self.pending.len() - self.pos);
        buf[..n].copy_from_slice(&self.pending[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for TdsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        write_packet(&mut self.sock, TYPE_PRELOGIN, buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.sock.flush()
    }
}

impl Conn for TdsStream {
    fn set_timeout(&mut self, d: Duration) {
        let left = self
            .deadline
            .remaining()
            .unwrap_or(Duration::from_millis(1));
        self.sock.set_timeout(d.min(left));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_lookup_is_bounded() {
        let p = [0x01, 0x00, 0x06, 0x00, 0x01, 0xff, 0x03];
        assert_eq!(option(&p, 0x01), Some(&[0x03][..]));
        assert_eq!(option(&p, 0x00), None);
        // Offset past the end, truncated entry: no panic, no value.
        assert_eq!(option(&[0x01, 0x00, 0x60, 0x00, 0x01, 0xff], 0x01), None);
        assert_eq!(option(&[0x01, 0x00], 0x01), None);
    }

    #[test]
    fn packets_round_trip_and_lying_lengths_are_refused() {
        let mut out = Vec::new();
        write_packet(&mut out, TYPE_PRELOGIN, &[7u8; 5000]).unwrap();
        let mut r = &out[..];
        let (t1, s1, b1) = read_packet(&mut r).unwrap();
        let (_, s2, b2) = read_packet(&mut r).unwrap();
        assert_eq!(
            (t1, s1 & STATUS_EOM, s2 & STATUS_EOM),
            (TYPE_PRELOGIN, 0, 1)
        );
        assert_eq!(b1.len() + b2.len(), 5000);
        let bad = [0x04, 0x01, 0x00, 0x03, 0, 0, 1, 0];
        assert!(read_packet(&mut &bad[..]).is_err());
    }
}
