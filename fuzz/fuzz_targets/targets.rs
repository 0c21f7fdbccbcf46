#![no_main]
//! The `--targets` parser: one target per line, any bytes, no panic, and
//! errors name the line.
use libfuzzer_sys::fuzz_target;
use trustfix::preflight::{parse_targets, Base, Plan};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut plan = Plan::default();
    if let Err(e) = parse_targets("t.txt", &text, &Base::default(), &mut plan) {
        let e = e.to_string();
        assert!(e.starts_with("t.txt"), "{e}");
    }
});
