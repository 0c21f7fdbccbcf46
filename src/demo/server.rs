//! A loopback TLS server that presents a given chain, for the demo and tests.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

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
    let config = config(chain, key_pkcs8, versions, ocsp)?;
    spawn(move |mut stream| {
        let _ = handshake_on(config.clone(), &mut stream);
    })
}

/// A rustls server configuration presenting `chain`.
pub fn config(
    chain: Vec<Vec<u8>>,
    key_pkcs8: Vec<u8>,
    versions: &[&'static rustls::SupportedProtocolVersion],
    ocsp: Vec<u8>,
) -> std::io::Result<Arc<ServerConfig>> {
    let certs: Vec<CertificateDer<'static>> = chain.into_iter().map(CertificateDer::from).collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pkcs8));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .and_then(|b| {
            b.with_no_client_auth()
                .with_single_cert_with_ocsp(certs, key, ocsp)
        })
        .map_err(std::io::Error::other)?;
    Ok(Arc::new(config))
}

/// Runs the server side of a TLS handshake over any byte stream (a socket
/// after a STARTTLS dialogue, or a framing adapter), then closes cleanly.
pub fn handshake_on<S: Read + Write>(
    config: Arc<ServerConfig>,
    stream: &mut S,
) -> std::io::Result<()> {
    let mut conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    while conn.is_handshaking() {
        conn.complete_io(stream)?;
    }
    conn.send_close_notify();
    let _ = conn.complete_io(stream);
    Ok(())
}

/// Accepts on 127.0.0.1 and runs `handle` on a thread per connection, with
/// a 10 s read timeout so abandoned connections end.
pub fn spawn<F>(handle: F) -> std::io::Result<SocketAddr>
where
    F: Fn(std::net::TcpStream) + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
            let handle = handle.clone();
            std::thread::spawn(move || handle(stream));
        }
    });
    Ok(addr)
}
