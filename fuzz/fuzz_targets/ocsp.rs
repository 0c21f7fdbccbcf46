#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trustfix::cert::Cert;

/// A fixed issuer and certificate the responses are judged against.
fn pair() -> &'static (Cert, Cert) {
    static P: OnceLock<(Cert, Cert)> = OnceLock::new();
    P.get_or_init(|| {
        let root = trustfix::demo::pki::Ca::root("Fuzz Root").expect("rcgen");
        let leaf = root.leaf(&["fuzz.example"]).expect("rcgen");
        (Cert::from_der(&leaf.der).expect("leaf"), Cert::from_der(&root.der).expect("root"))
    })
}

fuzz_target!(|data: &[u8]| {
    let (cert, issuer) = pair();
    let _ = trustfix::revocation::ocsp::verify(data, cert, issuer, 1_800_000_000, Some(b"nonce"));
    let _ = trustfix::revocation::crl::check(data, cert, issuer, 1_800_000_000);
});
