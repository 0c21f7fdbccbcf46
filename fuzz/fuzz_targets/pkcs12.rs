#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = trustfix::keystore::pkcs12::Pkcs12::read(data, None);
    let _ = trustfix::keystore::pkcs12::Pkcs12::read(data, Some("changeit"));
});
