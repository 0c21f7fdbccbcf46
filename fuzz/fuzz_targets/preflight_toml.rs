#![no_main]
//! The preflight TOML parser: errors name the file and a line that exists.
use libfuzzer_sys::fuzz_target;
use trustfix::preflight::{parse_file, Base, Plan};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut plan = Plan::default();
    match parse_file("f.toml", src, std::path::Path::new("/nonexistent"), &Base::default(), &mut plan) {
        Ok(()) => assert!(!plan.endpoints.is_empty()),
        Err(e) => {
            let e = e.to_string();
            assert!(e.starts_with("f.toml"), "{e}");
            if let Some(n) = e
                .strip_prefix("f.toml:")
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse::<usize>().ok())
            {
                assert!(n >= 1 && n <= src.split('\n').count(), "{e}");
            }
        }
    }
});
