#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((&which, rest)) = data.split_first() {
        let _ = trustfix::fetch::fuzz::starttls(which, rest);
    }
});
