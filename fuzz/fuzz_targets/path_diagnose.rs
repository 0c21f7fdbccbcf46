#![no_main]
//! Path building plus diagnosis over arbitrary certificate sets. The input
//! is decoded into up to six small certificates (names from a small set so
//! that issuers collide, CA flags, path lengths, key usages, EKUs, SANs,
//! validity, and raw extensions with fuzzed contents, some critical), each
//! really signed by the key the input picks; then which are sent and which
//! sit in the store; then `path::build` and `diagnose::diagnose`.
use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use trustfix::cert::Cert;
use trustfix::diagnose::{self, Context};
use trustfix::store::{Client, TrustStore};

fn keys() -> &'static Vec<KeyPair> {
    static K: OnceLock<Vec<KeyPair>> = OnceLock::new();
    K.get_or_init(|| (0..4).map(|_| KeyPair::generate().unwrap()).collect())
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, r)) => {
                self.0 = r;
                b
            }
            None => 0,
        }
    }
    fn take(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a.to_vec()
    }
}

const NAMES: &[&str] = &["Root", "Sub", "localhost", "Other", "*.example", ""];
const OIDS: &[&[u64]] = &[
    &[2, 5, 29, 35],             // authorityKeyIdentifier
    &[2, 5, 29, 14],             // subjectKeyIdentifier
    &[2, 5, 29, 30],             // nameConstraints
    &[2, 5, 29, 32],             // certificatePolicies
    &[2, 5, 29, 31],             // cRLDistributionPoints
    &[1, 3, 6, 1, 5, 5, 7, 1, 1], // authorityInfoAccess
    &[2, 5, 29, 36],             // policyConstraints
    &[1, 2, 3, 4, 5],            // unknown
];

fn params(b: &mut Bytes, now: i64) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    let name = NAMES[b.u8() as usize % NAMES.len()];
    if !name.is_empty() {
        p.distinguished_name.push(DnType::CommonName, name);
    }
    let f = b.u8();
    p.is_ca = match f & 3 {
        0 => IsCa::NoCa,
        1 => IsCa::Ca(BasicConstraints::Unconstrained),
        2 => IsCa::Ca(BasicConstraints::Constrained(f >> 6)),
        _ => IsCa::ExplicitNoCa,
    };
    let ku = b.u8();
    let all_ku = [
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::ContentCommitment,
    ];
    p.key_usages = all_ku
        .iter()
        .enumerate()
        .filter(|(i, _)| ku & (1 << i) != 0)
        .map(|(_, k)| k.clone())
        .collect();
    let eku = b.u8();
    let all_eku = [
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::CodeSigning,
        ExtendedKeyUsagePurpose::Any,
    ];
    p.extended_key_usages = all_eku
        .iter()
        .enumerate()
        .filter(|(i, _)| eku & (1 << i) != 0)
        .map(|(_, k)| k.clone())
        .collect();
    let san = b.u8();
    for (i, n) in ["localhost", "*.localhost", "example.com", "127.0.0.1"].iter().enumerate() {
        if san & (1 << i) != 0 {
            p.subject_alt_names.push(match n.parse() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*n).try_into().unwrap()),
            });
        }
    }
    // Validity around now: expired, current, not yet valid, inverted.
    let v = b.u8();
    let day = 86_400i64;
    let (from, to) = match v & 3 {
        0 => (now - 10 * day, now + 10 * day),
        1 => (now - 20 * day, now - day),
        2 => (now + day, now + 20 * day),
        _ => (now + 5 * day, now - 5 * day),
    };
    p.not_before = time::OffsetDateTime::from_unix_timestamp(from).unwrap();
    p.not_after = time::OffsetDateTime::from_unix_timestamp(to).unwrap();
    if v & 4 != 0 {
        p.use_authority_key_identifier_extension = true;
    }
    // Raw extensions with fuzzed contents.
    for _ in 0..(b.u8() % 3) {
        let oid = OIDS[b.u8() as usize % OIDS.len()];
        let len = b.u8() as usize % 48;
        let crit = b.u8() & 1 == 1;
        let mut e = CustomExtension::from_oid_content(oid, b.take(len));
        e.set_criticality(crit);
        p.custom_extensions.push(e);
    }
    p
}

fuzz_target!(|data: &[u8]| {
    let now = 1_800_000_000;
    let mut b = Bytes(data);
    let n = 1 + b.u8() as usize % 6;
    let ks = keys();
    let mut all: Vec<(CertificateParams, usize)> = Vec::new();
    let mut certs = Vec::new();
    for i in 0..n {
        let p = params(&mut b, now);
        let key = b.u8() as usize % ks.len();
        // Signed by itself or by an earlier certificate (its name and key).
        let signer = b.u8() as usize % (i + 1);
        let der = if signer == i {
            p.self_signed(&ks[key])
        } else {
            let (sp, sk) = &all[signer];
            p.signed_by(&ks[key], &Issuer::from_params(sp, &ks[*sk]))
        };
        let Ok(der) = der else { return };
        let Ok(c) = Cert::from_der(der.der()) else {
            return;
        };
        all.push((p, key));
        certs.push(c);
    }
    let roles = b.u8();
    let mut sent = vec![certs[n - 1].clone()];
    let mut in_store = Vec::new();
    for (i, c) in certs.iter().enumerate().take(n - 1).rev() {
        match (roles >> (i % 4 * 2)) & 3 {
            0 => sent.push(c.clone()),
            1 => in_store.push(c.clone()),
            2 => {
                sent.push(c.clone());
                in_store.push(c.clone());
            }
            _ => {}
        }
    }
    let mut store = TrustStore::from_openssl_style("fuzz".into(), in_store, Vec::new());
    store.client = match b.u8() % 3 {
        0 => Client::Any,
        1 => Client::Java,
        _ => Client::Windows,
    };
    let mut paths = trustfix::path::build(&sent, &store);
    let fetched = HashMap::new();
    let ctx = Context {
        servername: Some("localhost"),
        now,
        warn_days: 30,
        store_label: "fuzz",
        client: store.client,
        fetched_from: &fetched,
        aia_failures: &[],
    };
    let findings = diagnose::diagnose(&mut paths, &ctx);
    let v = trustfix::diagnose::Verdict::from_findings(&findings);
    // TRUSTED only on a path that ends at an anchor of the store.
    if v == trustfix::diagnose::Verdict::Trusted {
        assert_eq!(paths.best().end, trustfix::path::End::Trusted);
    }
});
