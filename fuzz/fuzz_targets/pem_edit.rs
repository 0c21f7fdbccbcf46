#![no_main]
//! The PEM bundle editor: edit arbitrary bundle text, then re-parse the
//! result as any reader would: the trusted set must equal the plan.
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trustfix::cert::Cert;
use trustfix::edit::{self, Op};

/// Certificates to import, some with subjects that try to break out of
/// their comment line.
fn certs() -> &'static Vec<Cert> {
    static C: OnceLock<Vec<Cert>> = OnceLock::new();
    C.get_or_init(|| {
        let hidden = trustfix::demo::pki::Ca::root("Hidden").unwrap();
        let block = Cert::from_der(&hidden.der).unwrap().to_pem();
        let orgs = [
            "Plain".to_string(),
            format!("x\n{block}"),
            format!("x\r{block}"),
            "\u{1b}[2J\u{202e}\u{85}".to_string(),
            "-----BEGIN CERTIFICATE-----".to_string(),
        ];
        orgs.iter()
            .map(|o| {
                let mut p = trustfix::demo::pki::ca_params("Fuzz Root");
                p.distinguished_name.push(rcgen::DnType::OrganizationName, o.as_str());
                let ca = trustfix::demo::pki::Ca::self_signed(p).unwrap();
                Cert::from_der(&ca.der).unwrap()
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let cs = certs();
    let mut text = String::from_utf8_lossy(rest).into_owned();
    // Often start from a real bundle with the fuzz text around it.
    if sel & 0x80 != 0 {
        text = format!("{text}{}{}", cs[0].to_pem(), cs[(sel as usize >> 4) % cs.len()].to_pem());
    }
    let op = match sel & 3 {
        0 | 1 => Op::Import(vec![cs[(sel as usize >> 2) % cs.len()].clone()]),
        2 => Op::Remove(cs[(sel as usize >> 2) % cs.len()].sha256),
        _ => match trustfix::load::certs_from_bytes(text.as_bytes()) {
            Ok(present) if !present.is_empty() => {
                Op::Remove(present[(sel as usize >> 2) % present.len()].sha256)
            }
            _ => return,
        },
    };
    let Ok(plan) = edit::plan_bundle(&text, &op) else {
        return;
    };
    if plan.text == text {
        return;
    }
    if let Err(e) = edit::check_bundle(plan.text.as_bytes(), &plan.expected) {
        panic!("edit result differs from the plan: {e}\n--- before\n{text:?}\n--- after\n{:?}", plan.text);
    }
});
