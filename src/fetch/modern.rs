//! TLS 1.2/1.3 through rustls with a verifier that records the chain and
//! accepts it, so invalid and weak chains are captured, not refused.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::{Attempt, Captured, Conn, Deadline, FetchError, Phase};
use crate::target::{Proto, Target};

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
    conn: &'a mut dyn Conn,
    first: Vec<u8>,
}

impl Read for Sniff<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.conn.read(buf)?;
        let room = 64usize.saturating_sub(self.first.len());
        self.first.extend_from_slice(&buf[..n.min(room)]);
        Ok(n)
    }
}

impl Write for Sniff<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.conn.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.conn.flush()
    }
}

/// Why the handshake stopped, when it did.
enum Stop {
    /// Worth retrying with the legacy ClientHello.
    Incompatible(String),
    Fatal(String),
}

pub(super) fn handshake(
    target: &Target,
    conn: &mut dyn Conn,
    addr: SocketAddr,
    where_: &str,
    deadline: Deadline,
) -> Attempt {
    let fail = |m: String| {
        Attempt::Failed(FetchError {
            phase: Phase::Handshake,
            message: format!("handshake with {where_}: {m}"),
        })
    };
    let Ok(server_name) = ServerName::try_from(target.servername.clone()) else {
        return fail(format!(
            "'{}' is not a valid server name",
            target.servername
        ));
    };
    let recorder = Arc::new(Recorder::default());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = match rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
    {
        Ok(b) => b,
        Err(e) => return fail(e.to_string()),
    };
    let mut config = config
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    if target.proto == Proto::Direct && target.scheme.starts_with("postgres") {
        // PostgreSQL 17's direct TLS requires this ALPN.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
    }
    let mut tls = match rustls::ClientConnection::new(Arc::new(config), server_name) {
        Ok(c) => c,
        Err(e) => return fail(e.to_string()),
    };
    let mut io = Sniff {
        conn,
        first: Vec::new(),
    };
    let mut stop: Option<Stop> = None;
    while tls.is_handshaking() || tls.wants_write() {
        let Some(left) = deadline.remaining() else {
            stop = Some(Stop::Fatal(deadline.timed_out()));
            break;
        };
        io.conn.set_timeout(left);
        if tls.wants_write() {
            if let Err(e) = tls.write_tls(&mut io) {
                stop = Some(io_stop(&e, deadline));
                break;
            }
            continue;
        }
        match tls.read_tls(&mut io) {
            Ok(0) => {
                stop = Some(Stop::Incompatible("server closed the connection".into()));
                break;
            }
            Ok(_) => {}
            Err(e) => {
                stop = Some(io_stop(&e, deadline));
                break;
            }
        }
        if let Err(e) = tls.process_new_packets() {
            let _ = tls.write_tls(&mut io);
            stop = Some(tls_stop(&e, &io.first));
            break;
        }
    }
    let recorded = recorder.0.lock().ok().and_then(|mut r| r.take());
    let error = stop.as_ref().map(|s| match s {
        Stop::Incompatible(m) | Stop::Fatal(m) => m.clone(),
    });
    match (recorded, stop) {
        (Some(r), _) if !r.chain.is_empty() => Attempt::Done(Captured {
            chain: r.chain,
            protocol: tls
                .protocol_version()
                .map(|v| format!("{v:?}").replace("TLSv1_", "TLSv1."))
                .unwrap_or_else(|| "unknown".into()),
            cipher_suite: tls
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite()))
                .unwrap_or_else(|| "unknown".into()),
            ocsp_stapled: (!r.ocsp.is_empty()).then_some(r.ocsp),
            address: addr,
            handshake_error: error,
            legacy: false,
            modern_error: None,
        }),
        (_, Some(Stop::Incompatible(m))) => Attempt::Incompatible(m),
        (_, Some(Stop::Fatal(m))) => fail(m),
        (_, None) => fail("no certificate received".into()),
    }
}

fn io_stop(e: &io::Error, deadline: Deadline) -> Stop {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Stop::Fatal(deadline.timed_out()),
        // Old stacks reset the connection on a ClientHello they dislike.
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
            Stop::Incompatible(e.to_string())
        }
        _ => Stop::Fatal(e.to_string()),
    }
}

fn tls_stop(e: &rustls::Error, first: &[u8]) -> Stop {
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
        return Stop::Fatal(format!(
            "the server answered in plain text, not TLS: \"{text}\""
        ));
    }
    use rustls::AlertDescription as A;
    match e {
        rustls::Error::AlertReceived(
            a @ (A::HandshakeFailure
            | A::ProtocolVersion
            | A::InsufficientSecurity
            | A::IllegalParameter
            | A::DecodeError),
        ) => Stop::Incompatible(format!("server sent TLS alert {a:?}")),
        rustls::Error::AlertReceived(a) => Stop::Fatal(format!("server sent TLS alert {a:?}")),
        rustls::Error::PeerIncompatible(p) => Stop::Incompatible(format!("{p:?}")),
        rustls::Error::InvalidMessage(m) => Stop::Fatal(format!(
            "the server sent a malformed TLS message ({m:?}): not a TLS port, or a broken server"
        )),
        rustls::Error::InappropriateHandshakeMessage { .. } | rustls::Error::PeerMisbehaved(_) => {
            Stop::Incompatible(e.to_string())
        }
        other => Stop::Fatal(other.to_string()),
    }
}
