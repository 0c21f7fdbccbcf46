#![no_main]
//! The journal reader: any bytes parse into entries and damaged lines
//! (named by line) without a panic, and selecting a run never panics.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let j = trustfix::journal::parse(&text);
    let lines = text.split('\n').count();
    for d in &j.damaged {
        assert!(d.line >= 1 && d.line <= lines);
    }
    for (line, e) in &j.entries {
        assert!(*line >= 1 && *line <= lines);
        if matches!(
            e.action,
            trustfix::journal::Action::Add | trustfix::journal::Action::Remove
        ) {
            // An accepted entry proves itself.
            let c = trustfix::journal::entry_cert(e).expect("accepted entries carry their certificate");
            assert!(c.sha256_hex().eq_ignore_ascii_case(e.sha256.trim()));
        }
    }
    let _ = trustfix::journal::select(&j, None);
    if let Some((_, e)) = j.entries.first() {
        let _ = trustfix::journal::select(&j, Some(&e.id));
    }
});
