//! A loopback TLS server that presents a given chain, for the demo and tests.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Serves `chain` (leaf first) with `key_pkcs8` on 127.0.0.1, one thread per
/// connection, until the process exits. Returns the bound address.
pub fn serve(chain: Vec<Vec<u8>>, key_pkcs8: Vec<u8>) -> std::io::Result<SocketAddr> {
    serve_with(chain, key_pkcs8, rustls::ALL_VERSIONS, Vec::new())
}

/// `serve` limited to some TLS versions and stapling `ocsp` when not empty.
pub fn serve_with(
    chain: Vec<Vec<u8>>,
    key_pkcs8: Vec<u8>,
    versions: &[&'static rustls::SupportedProtocolVersion],
    ocsp: Vec<u8>,
) -> std::io::Result<SocketAddr> {
    let certs: Vec<CertificateDer<'static>> = chain.into_iter().map(CertificateDer::from).collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pkcs8));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .and_then(|b| {
            b.with_no_client_auth()
                .with_single_cert_with_ocsp(certs, key, ocsp)
        })
        .map_err(std::io::Error::other)?;
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let config = config.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                if let Ok(mut conn) = rustls::ServerConnection::new(config) {
                    while conn.is_handshaking() {
                        if conn.complete_io(&mut stream).is_err() {
                            return;
                        }
                    }
                    conn.send_close_notify();
                    let _ = conn.complete_io(&mut stream);
                }
            });
        }
    });
    Ok(addr)
}
