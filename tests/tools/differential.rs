//! Differential test against `openssl verify`: a seeded generator builds
//! random chains (depth, validity windows, basicConstraints and pathLen,
//! keyUsage and EKU, SANs with wildcards and IPs, name constraints,
//! critical extensions, key types and signature algorithms, missing, extra
//! and reordered intermediates) and compares trustfix's verdict (in-process,
//! store read as `--ca-file`) with `openssl verify -purpose sslserver
//! -auth_level 2 -attime -verify_hostname/-verify_ip`.
//!
//! No chain may be accepted by trustfix and refused by OpenSSL. Where
//! trustfix refuses what OpenSSL accepts, the finding must be one of the
//! rules docs/divergences.md lists for the clients trustfix models.
//!
//! TRUSTFIX_DIFF_SEED replays a run; TRUSTFIX_DIFF_CASES sets the count
//! (default 1000).

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, CustomExtension, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    NameConstraints, SanType,
};
use time::{Duration, OffsetDateTime};
use trustfix::cert::Cert;
use trustfix::diagnose::{Severity, Verdict};
use trustfix::store::TrustStore;

/// splitmix64: small, seedable, good enough to pick shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True with probability `pct` percent.
    fn pct(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Signing keys made once per run: rcgen's ring backend generates EC and
/// Ed25519 keys; RSA keys come from openssl.
struct Keys {
    pool: Vec<(String, KeyPair)>,
}

impl Keys {
    fn new(dir: &Path) -> Keys {
        let mut pool = Vec::new();
        for _ in 0..5 {
            pool.push((
                "P-256".into(),
                KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap(),
            ));
            pool.push((
                "P-384".into(),
                KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap(),
            ));
            pool.push((
                "Ed25519".into(),
                KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(),
            ));
        }
        let algs = [
            ("RSA-2048 SHA-256", &rcgen::PKCS_RSA_SHA256),
            ("RSA-2048 SHA-384", &rcgen::PKCS_RSA_SHA384),
            ("RSA-2048 SHA-512", &rcgen::PKCS_RSA_SHA512),
        ];
        for (i, (name, alg)) in algs.iter().cycle().take(8).enumerate() {
            let f = dir.join(format!("rsa{i}.pem"));
            let ok = Command::new("openssl")
                .args([
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:2048",
                    "-out",
                ])
                .arg(&f)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            assert!(ok, "openssl genpkey");
            let pem = std::fs::read_to_string(&f).unwrap();
            if let Ok(k) = KeyPair::from_pem_and_sign_algo(&pem, alg) {
                pool.push((name.to_string(), k));
            }
        }
        Keys { pool }
    }
}

const NAMES: &[&str] = &[
    "mail.example.test",
    "www.example.test",
    "*.example.test",
    "a.b.example.test",
    "exchange01.int.contoso.test",
    "*.int.contoso.test",
    "w*.example.test",
    "other.invalid",
    "10.1.2.3",
    "192.0.2.7",
];

fn dns_subtree(r: &mut Rng) -> GeneralSubtree {
    match r.below(6) {
        0 => GeneralSubtree::DnsName("example.test".into()),
        1 => GeneralSubtree::DnsName(".example.test".into()),
        2 => GeneralSubtree::DnsName("contoso.test".into()),
        3 => GeneralSubtree::DnsName("mail.example.test".into()),
        4 => GeneralSubtree::IpAddress(CidrSubnet::V4([10, 0, 0, 0], [255, 0, 0, 0])),
        _ => GeneralSubtree::IpAddress(CidrSubnet::V4([192, 0, 2, 0], [255, 255, 255, 0])),
    }
}

fn validity(p: &mut CertificateParams, r: &mut Rng, now: OffsetDateTime) {
    let (from, to) = match r.below(100) {
        0..=1 => (-400, -10), // expired
        2 => (10, 400),       // not yet valid
        3..=5 => (-30, 20),   // expiring soon
        _ => (-30, 700),
    };
    p.not_before = now + Duration::days(from);
    p.not_after = now + Duration::days(to);
}

fn critical_ext(p: &mut CertificateParams, r: &mut Rng, pct: u64) {
    if r.pct(pct) {
        let mut e = CustomExtension::from_oid_content(
            &[1, 3, 6, 1, 4, 1, 55555, 1, r.next() % 5],
            vec![0x05, 0x00],
        );
        e.set_criticality(true);
        p.custom_extensions.push(e);
    }
}

fn ca_params(r: &mut Rng, cn: &str, now: OffsetDateTime, root: bool) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name
        .push(DnType::OrganizationName, "Differential");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = match r.below(100) {
        0..=1 if !root => IsCa::ExplicitNoCa,
        2..=3 if !root => IsCa::NoCa,
        7..=14 => IsCa::Ca(BasicConstraints::Constrained(0)),
        15..=22 => IsCa::Ca(BasicConstraints::Constrained(1)),
        _ => IsCa::Ca(BasicConstraints::Unconstrained),
    };
    p.key_usages = match r.below(100) {
        0..=2 => vec![KeyUsagePurpose::DigitalSignature],
        3..=10 => vec![],
        _ => vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
    };
    p.extended_key_usages = match r.below(100) {
        0..=7 => vec![ExtendedKeyUsagePurpose::ServerAuth],
        8..=9 => vec![ExtendedKeyUsagePurpose::ClientAuth],
        10 => vec![ExtendedKeyUsagePurpose::Any],
        _ => vec![],
    };
    if r.pct(12) {
        let mut nc = NameConstraints {
            permitted_subtrees: vec![],
            excluded_subtrees: vec![],
        };
        for _ in 0..1 + r.below(2) {
            if r.pct(60) {
                nc.permitted_subtrees.push(dns_subtree(r));
            } else {
                nc.excluded_subtrees.push(dns_subtree(r));
            }
        }
        p.name_constraints = Some(nc);
    }
    critical_ext(&mut p, r, 2);
    p.use_authority_key_identifier_extension = r.pct(90);
    validity(&mut p, r, now);
    p
}

fn leaf_params(r: &mut Rng, now: OffsetDateTime) -> (CertificateParams, Vec<&'static str>) {
    let mut p = CertificateParams::default();
    let n = 1 + r.below(3);
    let names: Vec<&str> = (0..n).map(|_| *r.pick(NAMES)).collect();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    if !r.pct(6) {
        p.subject_alt_names = names
            .iter()
            .filter_map(|n| match n.parse::<IpAddr>() {
                Ok(ip) => Some(SanType::IpAddress(ip)),
                Err(_) => n.to_string().try_into().ok().map(SanType::DnsName),
            })
            .collect();
    }
    p.key_usages = match r.below(100) {
        0..=59 => vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ],
        60..=79 => vec![KeyUsagePurpose::DigitalSignature],
        80..=82 => vec![KeyUsagePurpose::KeyEncipherment],
        83..=84 => vec![KeyUsagePurpose::KeyCertSign],
        85 => vec![KeyUsagePurpose::KeyAgreement],
        _ => vec![],
    };
    p.extended_key_usages = match r.below(100) {
        0..=74 => vec![ExtendedKeyUsagePurpose::ServerAuth],
        75..=79 => vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ],
        80..=82 => vec![ExtendedKeyUsagePurpose::ClientAuth],
        83..=84 => vec![ExtendedKeyUsagePurpose::Any],
        _ => vec![],
    };
    p.is_ca = match r.below(100) {
        0..=4 => IsCa::Ca(BasicConstraints::Unconstrained),
        5..=19 => IsCa::ExplicitNoCa,
        _ => IsCa::NoCa,
    };
    critical_ext(&mut p, r, 2);
    p.use_authority_key_identifier_extension = r.pct(90);
    validity(&mut p, r, now);
    (p, names)
}

struct Case {
    /// DER, leaf first, as the "server" sends them.
    sent: Vec<Vec<u8>>,
    /// DER of the CA file.
    trusted: Vec<Vec<u8>>,
    name: String,
    shape: String,
}

fn make_case(r: &mut Rng, keys: &Keys, now: OffsetDateTime) -> Option<Case> {
    let depth = r.below(4); // intermediates: 0..=3
    let mut used = Vec::new();
    let mut key = |r: &mut Rng| loop {
        let i = r.below(keys.pool.len());
        if !used.contains(&i) {
            used.push(i);
            return i;
        }
    };
    let mut shape = Vec::new();
    let root_key = key(r);
    let root_params = ca_params(r, "Differential Root", now, true);
    let root = root_params.self_signed(&keys.pool[root_key].1).ok()?;
    shape.push(keys.pool[root_key].0.clone());
    let mut issuer = Issuer::new(root_params, &keys.pool[root_key].1);
    let mut ints: Vec<Vec<u8>> = Vec::new();
    for d in 0..depth {
        let k = key(r);
        let params = ca_params(r, &format!("Differential Intermediate {d}"), now, false);
        let c = params.signed_by(&keys.pool[k].1, &issuer).ok()?;
        ints.push(c.der().to_vec());
        shape.push(keys.pool[k].0.clone());
        issuer = Issuer::new(params, &keys.pool[k].1);
    }
    let lk = key(r);
    let (lp, names) = leaf_params(r, now);
    let leaf = lp.signed_by(&keys.pool[lk].1, &issuer).ok()?;
    let mut sent = vec![leaf.der().to_vec()];
    ints.reverse(); // issuer of the leaf first
    let mut chain_ints = ints.clone();
    if !chain_ints.is_empty() && r.pct(8) {
        chain_ints.remove(r.below(chain_ints.len()));
        shape.push("missing-intermediate".into());
    }
    if chain_ints.len() > 1 && r.pct(5) {
        chain_ints.reverse();
        shape.push("reordered".into());
    }
    sent.extend(chain_ints);
    if r.pct(8) {
        sent.push(root.der().to_vec());
        shape.push("root-sent".into());
    }
    let mut trusted = vec![root.der().to_vec()];
    if r.pct(4) {
        let k = key(r);
        let other = ca_params(r, "Unrelated Root", now, true)
            .self_signed(&keys.pool[k].1)
            .ok()?;
        if r.pct(50) {
            sent.push(other.der().to_vec());
            shape.push("unrelated-sent".into());
        } else {
            trusted.push(other.der().to_vec());
        }
    }
    let name = if r.pct(88) {
        r.pick(&names).replace('*', "www")
    } else {
        r.pick(NAMES).replace('*', "x")
    };
    Some(Case {
        sent,
        trusted,
        name,
        shape: shape.join(" "),
    })
}

fn pem(ders: &[Vec<u8>]) -> String {
    ders.iter()
        .map(|d| {
            Cert::from_der(d)
                .expect("generated certificate parses")
                .to_pem()
        })
        .collect()
}

fn openssl_accepts(dir: &Path, c: &Case, at: i64) -> (bool, String) {
    std::fs::write(dir.join("leaf.pem"), pem(&c.sent[..1])).unwrap();
    std::fs::write(dir.join("ca.pem"), pem(&c.trusted)).unwrap();
    let mut cmd = Command::new("openssl");
    cmd.args([
        "verify",
        "-purpose",
        "sslserver",
        "-auth_level",
        "2",
        "-attime",
    ])
    .arg(at.to_string())
    .arg("-CAfile")
    .arg(dir.join("ca.pem"));
    if c.sent.len() > 1 {
        std::fs::write(dir.join("untrusted.pem"), pem(&c.sent[1..])).unwrap();
        cmd.arg("-untrusted").arg(dir.join("untrusted.pem"));
    }
    if c.name.parse::<IpAddr>().is_ok() {
        cmd.args(["-verify_ip", &c.name]);
    } else {
        cmd.args(["-verify_hostname", &c.name]);
    }
    let o = cmd.arg(dir.join("leaf.pem")).output().expect("openssl");
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    let err = text
        .lines()
        .find(|l| l.contains("error "))
        .unwrap_or("")
        .to_string();
    (o.status.success(), err)
}

/// Whether an error finding with which trustfix refuses what OpenSSL
/// accepts is one of the rules of another client that trustfix models
/// (docs/divergences.md, "openssl verify"): the rule's name, or `None`.
fn stricter_rule(id: &str, leaf: &Cert) -> Option<&'static str> {
    use trustfix::cert::KeyUsage;
    match id {
        // Java: ECDHE and TLS 1.3 need digitalSignature; OpenSSL takes
        // keyEncipherment or keyAgreement too.
        "ku.no_tls_usage"
            if leaf
                .key_usage
                .is_some_and(|k| !k.has(KeyUsage::DIGITAL_SIGNATURE)) =>
        {
            Some("java-digital-signature")
        }
        // Partial wildcards match nothing for trustfix (.NET, rustls);
        // OpenSSL accepts them by default.
        "name.mismatch" => {
            let names = if leaf.dns_names.is_empty() {
                &leaf.common_names
            } else {
                &leaf.dns_names
            };
            names
                .iter()
                .any(|d| d.contains('*') && !d.starts_with("*."))
                .then_some("partial-wildcard")
        }
        _ => None,
    }
}

#[test]
fn trustfix_never_accepts_what_openssl_refuses() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("SKIPPED differential: openssl not installed");
        return;
    }
    let seed = std::env::var("TRUSTFIX_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    let cases: usize = std::env::var("TRUSTFIX_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    println!("differential: seed {seed} (replay with TRUSTFIX_DIFF_SEED={seed}), {cases} cases");
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::new(dir.path());
    let mut r = Rng(seed);
    // One validation time for the run, whole seconds.
    let now = OffsetDateTime::from_unix_timestamp(trustfix::util::time::now()).unwrap();
    let at = now.unix_timestamp();
    let (mut made, mut both_ok, mut both_refuse, mut stricter) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut stricter_ids: std::collections::BTreeMap<String, usize> = Default::default();
    for i in 0..cases {
        let Some(c) = make_case(&mut r, &keys, now) else {
            continue;
        };
        made += 1;
        let sent: Vec<Cert> = c.sent.iter().map(|d| Cert::from_der(d).unwrap()).collect();
        let leaf = sent[0].clone();
        let anchors: Vec<Cert> = c
            .trusted
            .iter()
            .map(|d| Cert::from_der(d).unwrap())
            .collect();
        let store =
            TrustStore::from_openssl_style("differential ca-file".into(), anchors, Vec::new());
        let rep = trustfix::run::judge_offline(sent, &store, Some(&c.name), at);
        let ours = matches!(rep.verdict, Verdict::Trusted | Verdict::Warning);
        let errors: Vec<&str> = rep
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.id.as_str())
            .collect();
        let (theirs, err) = openssl_accepts(dir.path(), &c, at);
        match (ours, theirs) {
            (true, true) => both_ok += 1,
            (false, false) => both_refuse += 1,
            (true, false) => failures.push(format!(
                "case {i} [{}] name {}: trustfix {:?} ({:?}) but openssl refuses: {err}",
                c.shape,
                c.name,
                rep.verdict,
                rep.findings
                    .iter()
                    .map(|f| f.id.as_str())
                    .collect::<Vec<_>>()
            )),
            (false, true) => {
                stricter += 1;
                let rules: Vec<Option<&str>> =
                    errors.iter().map(|id| stricter_rule(id, &leaf)).collect();
                let explained = rules.iter().any(Option::is_some);
                for rule in rules.iter().flatten() {
                    *stricter_ids.entry(rule.to_string()).or_default() += 1;
                }
                if !explained {
                    failures.push(format!(
                        "case {i} [{}] name {}: trustfix refuses with {errors:?}, openssl accepts, and no finding is a listed stricter rule",
                        c.shape, c.name
                    ));
                }
            }
        }
        if failures.len() >= 20 {
            break;
        }
    }
    println!(
        "differential: {made} chains: both accept {both_ok}, both refuse {both_refuse}, trustfix stricter {stricter} {stricter_ids:?}, trustfix accepts what openssl refuses {}",
        failures.iter().filter(|f| f.contains("but openssl refuses")).count()
    );
    assert!(
        made >= cases * 9 / 10,
        "only {made} of {cases} chains could be made"
    );
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
}
