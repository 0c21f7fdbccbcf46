//! In-process tests of path building and diagnosis: certificates made with
//! rcgen, no sockets, no binary. Each false TRUSTED and false REJECTED that
//! 0.1.0 produced has its regression test here.

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, CustomExtension, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    NameConstraints, SanType,
};
use time::{Duration, OffsetDateTime};

use super::*;
use crate::cert::Cert;
use crate::path;
use crate::store::{Client, TrustStore};

const HOST: &str = "mail.contoso.test";

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

/// The demo PKI's CA parameters, valid around the fixed `now()`.
fn ca(cn: &str) -> CertificateParams {
    let mut p = crate::demo::pki::ca_params(cn);
    p.not_before = now() - Duration::days(30);
    p.not_after = now() + Duration::days(3650);
    p
}

fn leaf(names: &[&str]) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    p.subject_alt_names = names
        .iter()
        .map(|n| match n.parse() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(n.to_string().try_into().unwrap()),
        })
        .collect();
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    p.not_before = now() - Duration::days(1);
    p.not_after = now() + Duration::days(365);
    p
}

/// A CA: its parameters, key and certificate.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    cert: Cert,
}

fn root(p: CertificateParams) -> Ca {
    let key = KeyPair::generate().unwrap();
    let cert = Cert::from_der(p.self_signed(&key).unwrap().der()).unwrap();
    Ca {
        issuer: Issuer::new(p, key),
        cert,
    }
}

impl Ca {
    fn sub(&self, p: CertificateParams) -> Ca {
        let key = KeyPair::generate().unwrap();
        let cert = Cert::from_der(p.signed_by(&key, &self.issuer).unwrap().der()).unwrap();
        Ca {
            issuer: Issuer::new(p, key),
            cert,
        }
    }

    fn issue(&self, p: CertificateParams) -> Cert {
        let key = KeyPair::generate().unwrap();
        Cert::from_der(p.signed_by(&key, &self.issuer).unwrap().der()).unwrap()
    }
}

struct Judged {
    findings: Vec<Finding>,
    paths: Paths,
}

impl Judged {
    fn ids(&self) -> Vec<&str> {
        self.findings.iter().map(|f| f.id.as_str()).collect()
    }

    fn verdict(&self) -> Verdict {
        Verdict::from_findings(&self.findings)
    }

    fn get(&self, id: FindingId) -> &Finding {
        self.findings
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("no {id} in {:?}", self.ids()))
    }
}

fn judge_as(sent: &[Cert], anchors: &[&Cert], client: Client, name: Option<&str>) -> Judged {
    let store = TrustStore::new(
        "test store".into(),
        anchors.iter().map(|c| (*c).clone()).collect(),
        Vec::new(),
        client,
    );
    let mut paths = path::build(sent, &store);
    let empty = Default::default();
    let ctx = Context {
        servername: name,
        now: now().unix_timestamp(),
        warn_days: 30,
        store_label: "test store",
        client,
        fetched_from: &empty,
        aia_failures: &[],
    };
    let findings = diagnose(&mut paths, &ctx);
    Judged { findings, paths }
}

fn judge(sent: &[Cert], anchors: &[&Cert]) -> Judged {
    judge_as(sent, anchors, Client::Any, Some(HOST))
}

#[test]
fn verdict_is_worst_severity() {
    let f = |s| Finding {
        id: FindingId::ChainExtra,
        severity: s,
        certificate: None,
        message: String::new(),
        fix: String::new(),
        clients: clients("", "", ""),
    };
    assert_eq!(Verdict::from_findings(&[]), Verdict::Trusted);
    assert_eq!(
        Verdict::from_findings(&[f(Severity::Info)]),
        Verdict::Trusted
    );
    assert_eq!(
        Verdict::from_findings(&[f(Severity::Info), f(Severity::Warning)]),
        Verdict::Warning
    );
    assert_eq!(
        Verdict::from_findings(&[f(Severity::Error), f(Severity::Warning)]).exit_code(),
        2
    );
}

#[test]
fn a_good_chain_is_trusted_and_every_signature_verified() {
    let r = root(ca("Root"));
    let sub = r.sub(ca("Sub"));
    let l = sub.issue(leaf(&[HOST]));
    let j = judge(&[l, sub.cert.clone()], &[&r.cert]);
    assert_eq!(j.ids(), Vec::<&str>::new());
    assert!(j
        .paths
        .best()
        .sigs
        .iter()
        .all(|s| *s == crate::cert::SigCheck::Valid));
}

#[test]
fn leaf_and_intermediate_sent_root_unknown_is_the_untrusted_root() {
    let r = root(ca("Contoso Offline Root CA"));
    let sub = r.sub(ca("Contoso Subordinate CA"));
    let l = sub.issue(leaf(&[HOST]));
    let j = judge(&[l.clone(), sub.cert.clone()], &[]);
    assert_eq!(j.ids(), vec!["chain.untrusted_root"]);
    let f = j.get(FindingId::ChainUntrustedRoot);
    assert!(
        f.message.contains("Contoso Offline Root CA") && f.message.contains("not sent"),
        "{}",
        f.message
    );
    assert!(!f.fix.contains("make the server send"), "{}", f.fix);
    assert!(f.clients.dotnet.contains("PartialChain"));
    // Leaf only: the intermediate is what is missing.
    let j = judge(&[l], &[&r.cert]);
    assert_eq!(j.ids(), vec!["chain.incomplete"]);
    assert!(j
        .get(FindingId::ChainIncomplete)
        .fix
        .contains("single-tier"));
}

#[test]
fn a_renewed_ca_key_is_named() {
    let old = root(ca("Contoso Offline Root CA"));
    let new = root(ca("Contoso Offline Root CA"));
    let sub = new.sub(ca("Contoso Subordinate CA"));
    let l = sub.issue(leaf(&[HOST]));
    let j = judge(&[l, sub.cert.clone()], &[&old.cert]);
    assert_eq!(j.ids(), vec!["chain.renewed_ca"]);
    let m = &j.get(FindingId::ChainRenewedCa).message;
    assert!(
        m.contains(&old.cert.sha256_hex()) && m.contains("renewed"),
        "{m}"
    );
}

#[test]
fn an_expired_anchor_is_judged_by_the_stores_copy_not_a_sent_look_alike() {
    let mut rp = ca("Root");
    rp.not_before = now() - Duration::days(4000);
    rp.not_after = now() - Duration::days(10);
    let key = KeyPair::generate().unwrap();
    let stored = Cert::from_der(rp.self_signed(&key).unwrap().der()).unwrap();
    // Same name and key, fresh dates, forged signature.
    let mut fresh = ca("Root");
    fresh.not_after = now() + Duration::days(100);
    let mut forged = fresh.self_signed(&key).unwrap().der().to_vec();
    let n = forged.len();
    forged[n - 5] ^= 0x55;
    let look_alike = Cert::from_der(&forged).unwrap();
    let issuer = Issuer::new(rp, key);
    let sub_key = KeyPair::generate().unwrap();
    let sub = Cert::from_der(ca("Sub").signed_by(&sub_key, &issuer).unwrap().der()).unwrap();
    let sub_issuer = Issuer::new(ca("Sub"), sub_key);
    let l = Cert::from_der(
        leaf(&[HOST])
            .signed_by(&KeyPair::generate().unwrap(), &sub_issuer)
            .unwrap()
            .der(),
    )
    .unwrap();
    let j = judge(&[l.clone(), sub.clone(), look_alike], &[&stored]);
    assert_eq!(j.verdict(), Verdict::Rejected, "{:?}", j.ids());
    let f = j.get(FindingId::CertExpired);
    assert_eq!(
        f.certificate.as_ref().unwrap().sha256.as_deref(),
        Some(stored.sha256_hex().as_str())
    );
    // Java ignores an anchor's dates: a warning there.
    let j = judge_as(&[l, sub], &[&stored], Client::Java, Some(HOST));
    assert_eq!(j.verdict(), Verdict::Warning, "{:?}", j.ids());
}

#[test]
fn name_constraints_dns_ip_and_directory_names() {
    let mut rp = ca("Constrained Root");
    rp.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![
            GeneralSubtree::DnsName("contoso.test".into()),
            GeneralSubtree::IpAddress(CidrSubnet::V4([10, 0, 0, 0], [255, 0, 0, 0])),
            GeneralSubtree::IpAddress(CidrSubnet::V6(
                [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            )),
        ],
        excluded_subtrees: vec![GeneralSubtree::DnsName("secret.contoso.test".into())],
    });
    let r = root(rp);
    let sub = r.sub(ca("Sub"));
    let ok = sub.issue(leaf(&[HOST, "10.1.2.3", "2001:db8::5"]));
    assert_eq!(
        judge(&[ok, sub.cert.clone()], &[&r.cert]).ids(),
        Vec::<&str>::new()
    );
    let outside = sub.issue(leaf(&[HOST, "fabrikam.test"]));
    let j = judge(&[outside, sub.cert.clone()], &[&r.cert]);
    assert_eq!(j.ids(), vec!["name.not_permitted"]);
    let f = j.get(FindingId::NameNotPermitted);
    assert!(
        f.clients.dotnet.contains("HasNotPermittedNameConstraint")
            && f.clients.openssl.contains("num=47")
    );
    // Java does not apply a trust anchor's own constraints.
    assert_eq!(f.clients.java, ACCEPTED);
    let excluded = sub.issue(leaf(&["x.secret.contoso.test"]));
    let j = judge_as(
        &[excluded, sub.cert.clone()],
        &[&r.cert],
        Client::Any,
        Some("x.secret.contoso.test"),
    );
    assert_eq!(j.ids(), vec!["name.excluded"]);
    assert!(j
        .get(FindingId::NameExcluded)
        .clients
        .openssl
        .contains("num=48"));
    let v6 = sub.issue(leaf(&[HOST, "2001:db9::1"]));
    assert_eq!(
        judge(&[v6, sub.cert.clone()], &[&r.cert]).ids(),
        vec!["name.not_permitted"]
    );
    // Java does not apply a trust anchor's own constraints.
    let outside = sub.issue(leaf(&[HOST, "fabrikam.test"]));
    let j = judge_as(
        &[outside, sub.cert.clone()],
        &[&r.cert],
        Client::Java,
        Some(HOST),
    );
    assert_eq!(j.verdict(), Verdict::Warning);
    // An intermediate's constraints bind Java too.
    let mut sp = ca("Constrained Sub");
    sp.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DirectoryName({
            let mut dn = rcgen::DistinguishedName::new();
            dn.push(DnType::OrganizationName, "Contoso");
            dn
        })],
        excluded_subtrees: vec![],
    });
    let r2 = root(ca("Root 2"));
    let csub = r2.sub(sp);
    let l = csub.issue(leaf(&[HOST]));
    let j = judge_as(
        &[l, csub.cert.clone()],
        &[&r2.cert],
        Client::Java,
        Some(HOST),
    );
    assert_eq!(j.ids(), vec!["name.not_permitted"]);
    assert_eq!(j.verdict(), Verdict::Rejected);
    assert!(j
        .get(FindingId::NameNotPermitted)
        .clients
        .java
        .contains("name constraints check failed"));
}

#[test]
fn name_constraints_apply_to_a_host_name_cn_without_san() {
    let mut rp = ca("Constrained Root");
    rp.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName("contoso.test".into())],
        excluded_subtrees: vec![],
    });
    let r = root(rp);
    let mut lp = leaf(&["www.fabrikam.test"]);
    lp.subject_alt_names.clear();
    let l = r.issue(lp);
    let j = judge_as(&[l], &[&r.cert], Client::Any, Some("www.fabrikam.test"));
    assert!(j.ids().contains(&"name.not_permitted"), "{:?}", j.ids());
}

#[test]
fn unknown_critical_extensions_are_refused_except_on_a_java_anchor() {
    let crit = || {
        let mut e =
            CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 55555, 7], vec![0x05, 0x00]);
        e.set_criticality(true);
        e
    };
    let r = root(ca("Root"));
    let mut lp = leaf(&[HOST]);
    lp.custom_extensions.push(crit());
    let l = r.issue(lp);
    let j = judge(&[l], &[&r.cert]);
    assert_eq!(j.ids(), vec!["ext.unknown_critical"]);
    assert!(j
        .get(FindingId::ExtUnknownCritical)
        .clients
        .openssl
        .contains("num=34"));
    let mut rp = ca("Root With Extension");
    rp.custom_extensions.push(crit());
    let r = root(rp);
    let l = r.issue(leaf(&[HOST]));
    assert_eq!(
        judge(std::slice::from_ref(&l), &[&r.cert]).verdict(),
        Verdict::Rejected
    );
    let j = judge_as(&[l], &[&r.cert], Client::Java, Some(HOST));
    assert_eq!(j.verdict(), Verdict::Warning);
    assert!(j
        .get(FindingId::ExtUnknownCritical)
        .clients
        .java
        .contains("trust anchor"));
}

#[test]
fn leaf_key_usage_must_allow_tls() {
    let r = root(ca("Root"));
    let mut lp = leaf(&[HOST]);
    lp.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let j = judge(&[r.issue(lp)], &[&r.cert]);
    assert_eq!(j.ids(), vec!["ku.no_tls_usage"]);
    let f = j.get(FindingId::KuNoTlsUsage);
    assert!(f.clients.openssl.contains("num=26") && f.clients.java.contains("digital signatures"));
    // keyEncipherment alone: OpenSSL accepts, Java (ECDHE, TLS 1.3) refuses.
    let mut lp = leaf(&[HOST]);
    lp.key_usages = vec![KeyUsagePurpose::KeyEncipherment];
    let l = r.issue(lp);
    assert_eq!(
        judge(std::slice::from_ref(&l), &[&r.cert]).verdict(),
        Verdict::Rejected
    );
    let j = judge_as(&[l], &[&r.cert], Client::Java, Some(HOST));
    assert_eq!(j.verdict(), Verdict::Rejected);
    assert_eq!(j.get(FindingId::KuNoTlsUsage).clients.openssl, ACCEPTED);
}

#[test]
fn outer_signature_algorithm_must_equal_the_tbs_one() {
    let r = root(ca("Root"));
    let l = r.issue(leaf(&[HOST]));
    // ecdsa-with-SHA256 -> ecdsa-with-SHA384 in the outer AlgorithmIdentifier only.
    let oid = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let mut der = l.der.clone();
    let pos = der.windows(oid.len()).rposition(|w| w == oid).unwrap();
    der[pos + oid.len() - 1] = 0x03;
    let tampered = Cert::from_der(&der).unwrap();
    assert!(tampered.sig_alg_mismatch);
    let j = judge(&[tampered], &[&r.cert]);
    assert!(j.ids().contains(&"sig.alg_mismatch"), "{:?}", j.ids());
    assert_eq!(j.verdict(), Verdict::Rejected);
}

#[test]
fn malformed_san_and_duplicate_extensions_are_errors() {
    let r = root(ca("Root"));
    let mut lp = leaf(&[HOST]);
    lp.subject_alt_names.clear();
    lp.custom_extensions.push(CustomExtension::from_oid_content(
        &[2, 5, 29, 17],
        vec![0x30, 0x04, 0x82, 0x09, b'x', b'y'],
    ));
    let j = judge(&[r.issue(lp)], &[&r.cert]);
    assert!(j.ids().contains(&"cert.malformed"), "{:?}", j.ids());
    // The CN must not stand in for a SAN that failed to parse.
    assert!(!j.ids().contains(&"name.cn_only"));
    let mut lp = leaf(&[HOST]);
    lp.custom_extensions.push(CustomExtension::from_oid_content(
        &[2, 5, 29, 15],
        vec![0x03, 0x02, 0x07, 0x80],
    ));
    let j = judge(&[r.issue(lp)], &[&r.cert]);
    let f = j.get(FindingId::CertMalformed);
    assert!(f.message.contains("appears twice"), "{}", f.message);
}

#[test]
fn eku_rules_differ_per_client() {
    let r = root(ca("Root"));
    let mut lp = leaf(&[HOST]);
    lp.extended_key_usages = vec![ExtendedKeyUsagePurpose::Any];
    let l = r.issue(lp);
    let j = judge(std::slice::from_ref(&l), &[&r.cert]);
    assert_eq!(j.verdict(), Verdict::Rejected);
    let f = j.get(FindingId::EkuNoServerAuth);
    assert!(f.clients.openssl.contains("num=26") && f.clients.java == ACCEPTED);
    assert_eq!(
        judge_as(&[l], &[&r.cert], Client::Java, Some(HOST)).verdict(),
        Verdict::Warning
    );
    // A root restricted to clientAuth: OpenSSL refuses, Java accepts.
    let mut rp = ca("Client Root");
    rp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let r = root(rp);
    let l = r.issue(leaf(&[HOST]));
    assert_eq!(
        judge(std::slice::from_ref(&l), &[&r.cert]).ids(),
        vec!["eku.no_server_auth"]
    );
    assert_eq!(
        judge_as(&[l], &[&r.cert], Client::Java, Some(HOST)).verdict(),
        Verdict::Warning
    );
}

#[test]
fn the_valid_path_wins_over_a_broken_first_one() {
    // Two roots; the intermediate is cross-signed: by an expired old root
    // (first in the store) and by a valid new one.
    let mut op = ca("Old Root");
    op.not_after = now() - Duration::days(1);
    op.not_before = now() - Duration::days(4000);
    let old = root(op);
    let new = root(ca("New Root"));
    let sub_key = KeyPair::generate().unwrap();
    let by_old = Cert::from_der(ca("Sub").signed_by(&sub_key, &old.issuer).unwrap().der()).unwrap();
    let by_new = Cert::from_der(ca("Sub").signed_by(&sub_key, &new.issuer).unwrap().der()).unwrap();
    let sub = Issuer::new(ca("Sub"), sub_key);
    let l = Cert::from_der(
        leaf(&[HOST])
            .signed_by(&KeyPair::generate().unwrap(), &sub)
            .unwrap()
            .der(),
    )
    .unwrap();
    let j = judge(&[l, by_old, by_new.clone()], &[&old.cert, &new.cert]);
    assert_eq!(j.verdict(), Verdict::Trusted, "{:?}", j.ids());
    let best = j.paths.best();
    assert_eq!(j.paths.cert(best.certs[1]).sha256, by_new.sha256);
    assert!(
        j.paths.ranked.len() >= 2,
        "the broken path is kept as an alternative"
    );
}

#[test]
fn self_issued_intermediates_do_not_count_against_path_length() {
    // Root -> Sub (pathlen 0) -> Sub re-keyed (self-issued) -> leaf.
    let r = root(ca("Root"));
    let mut sp = ca("Sub");
    sp.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let sub = r.sub(sp);
    let rekeyed = sub.sub(ca("Sub"));
    assert!(rekeyed.cert.is_self_issued());
    let l = rekeyed.issue(leaf(&[HOST]));
    let j = judge(&[l, rekeyed.cert.clone(), sub.cert.clone()], &[&r.cert]);
    assert_eq!(j.verdict(), Verdict::Trusted, "{:?}", j.ids());
    // A real intermediate below pathlen 0 still breaks it.
    let sub2 = root(ca("Root 2")).sub({
        let mut p = ca("Sub 2");
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        p
    });
    let below = sub2.sub(ca("Below"));
    let l = below.issue(leaf(&[HOST]));
    let j = judge(&[l, below.cert.clone(), sub2.cert.clone()], &[]);
    assert!(j.ids().contains(&"cert.not_ca"), "{:?}", j.ids());
}

#[test]
fn every_rule_family_has_a_stable_id() {
    let mut seen = std::collections::HashSet::new();
    for id in FindingId::ALL {
        assert!(seen.insert(id.as_str()), "{id} twice");
        assert!(id.as_str().contains('.'));
    }
}
