#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = trustfix::keystore::jks::Jks::read(data, None);
    if let Ok(k) = trustfix::keystore::jks::Jks::read(data, Some("changeit")) {
        // What we read, we write back identically.
        assert_eq!(k.write("changeit"), data);
    }
});
