#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = trustfix::store::java::pkcs12::Pkcs12::read(data, None);
    let _ = trustfix::store::java::pkcs12::Pkcs12::read(data, Some("changeit"));
});
