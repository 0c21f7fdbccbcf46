//! TLS 1.2/1.3 through rustls with a verifier that records the chain and
//! accepts it, so invalid and weak chains are captured, not refused.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::{Captured, Deadline, FetchError, Phase};
use crate::target::Target;

#[derive(Debug, Default)]
struct Recorded {
    chain: Vec<Vec<u8>>,
    ocsp: Vec<u8>,
}

#[derive(Debug, Default)]
struct Recorder(Mutex<Option<Recorded>>);

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.to_vec()];
        chain.extend(intermediates.iter().map(|c| c.to_vec()));
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(Recorded {
                chain,
                ocsp: ocsp_response.to_vec(),
            });
        }
        Ok(ServerCertVerified::assertion())
    }

    // We judge the chain, not the handshake: accepting the proof of
    // possession lets servers with 1024-bit or SHA-1 keys finish.
    fn verify_tls12_signature(
        &self,
        _m: &[u8],
        _c: &CertificateDer<'_>,
        _d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _m: &[u8],
        _c: &CertificateDer<'_>,
        _d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        use SignatureScheme::*;
        vec![
            ECDSA_NISTP256_SHA256,
            ECDSA_NISTP384_SHA384,
            ECDSA_NISTP521_SHA512,
            ED25519,
            ED448,
            RSA_PSS_SHA256,
            RSA_PSS_SHA384,
            RSA_PSS_SHA512,
            RSA_PKCS1_SHA256,
            RSA_PKCS1_SHA384,
            RSA_PKCS1_SHA512,
            RSA_PKCS1_SHA1,
            ECDSA_SHA1_Legacy,
        ]
    }
}

/// Keeps the first bytes the server sent so a non-TLS answer can be quoted.
struct Sniff<'a> {
    sock: &'a mut TcpStream,
    first: Vec<u8>,
}

impl Read for Sniff<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.sock.read(buf)?;
        let room = 64usize.saturating_sub(self.first.len());
        self.first.extend_from_slice(&buf[..n.min(room)]);
        Ok(n)
    }
}

impl Write for Sniff<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sock.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.sock.flush()
    }
}

pub(super) fn handshake(
    target: &Target,
    mut sock: TcpStream,
    addr: SocketAddr,
    deadline: Deadline,
) -> Result<Captured, FetchError> {
    let where_ = if target.host.parse::<std::net::IpAddr>() == Ok(addr.ip()) {
        target.authority()
    } else {
        format!("{} ({addr})", target.authority())
    };
    let fail = |m: String| FetchError {
        phase: Phase::Handshake,
        message: format!("handshake with {where_}: {m}"),
    };
    let server_name = ServerName::try_from(target.servername.clone()).map_err(|_| {
        fail(format!(
            "'{}' is not a valid server name",
            target.servername
        ))
    })?;
    let recorder = Arc::new(Recorder::default());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| fail(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), server_name)
        .map_err(|e| fail(e.to_string()))?;
    let mut io = Sniff {
        sock: &mut sock,
        first: Vec::new(),
    };
    let mut error: Option<String> = None;
    while conn.is_handshaking() || conn.wants_write() {
        let Some(left) = deadline.remaining() else {
            error = Some(format!(
                "timed out after {}s",
                deadline.total().as_secs_f32()
            ));
            break;
        };
        let _ = io.sock.set_read_timeout(Some(left));
        let _ = io.sock.set_write_timeout(Some(left));
        if conn.wants_write() {
            if let Err(e) = conn.write_tls(&mut io) {
                error = Some(io_message(&e, deadline));
                break;
            }
            continue;
        }
        match conn.read_tls(&mut io) {
            Ok(0) => {
                error = Some("server closed the connection".into());
                break;
            }
            Ok(_) => {}
            Err(e) => {
                error = Some(io_message(&e, deadline));
                break;
            }
        }
        if let Err(e) = conn.process_new_packets() {
            let _ = conn.write_tls(&mut io);
            error = Some(tls_message(&e, &io.first));
            break;
        }
    }
    let recorded = recorder.0.lock().ok().and_then(|mut r| r.take());
    match recorded {
        Some(r) if !r.chain.is_empty() => Ok(Captured {
            chain: r.chain,
            protocol: conn
                .protocol_version()
                .map(|v| format!("{v:?}").replace("TLSv1_", "TLSv1."))
                .unwrap_or_else(|| "unknown".into()),
            cipher_suite: conn
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite()))
                .unwrap_or_else(|| "unknown".into()),
            ocsp_stapled: (!r.ocsp.is_empty()).then_some(r.ocsp),
            address: addr,
            handshake_error: error,
        }),
        _ => Err(fail(
            error.unwrap_or_else(|| "no certificate received".into()),
        )),
    }
}

fn io_message(e: &io::Error, deadline: Deadline) -> String {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            format!("timed out after {}s", deadline.total().as_secs_f32())
        }
        _ => e.to_string(),
    }
}

fn tls_message(e: &rustls::Error, first: &[u8]) -> String {
    let printable = !first.is_empty()
        && first
            .iter()
            .take(16)
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    if printable {
        let text: String = String::from_utf8_lossy(first)
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        return format!("the server answered in plain text, not TLS: \"{text}\"");
    }
    match e {
        rustls::Error::AlertReceived(a) => format!("server sent TLS alert {a:?}"),
        rustls::Error::PeerIncompatible(p) => format!(
            "no common TLS version or cipher suite with the server ({p:?}); legacy TLS 1.0/1.1 servers are not supported by this version yet"
        ),
        rustls::Error::InvalidMessage(m) => {
            format!("the server sent a malformed TLS message ({m:?}): not a TLS port, or a broken server")
        }
        other => other.to_string(),
    }
}
