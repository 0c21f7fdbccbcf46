//! Fresh test PKIs (rcgen, EC P-256), used by `trustfix demo` and by the
//! integration tests. Nothing here is ever trusted outside a temp store.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use time::{Duration, OffsetDateTime};

/// What generating keys or certificates can fail with.
pub type Error = rcgen::Error;

/// A CA that can issue: its certificate and its signing key.
pub struct Ca {
    /// The CA certificate, DER.
    pub der: Vec<u8>,
    /// The CA certificate, PEM.
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// An end-entity certificate with the PKCS#8 DER of its key.
pub struct Leaf {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Its private key, PKCS#8 DER.
    pub key_pkcs8: Vec<u8>,
}

/// CA parameters: CA:TRUE, keyCertSign + cRLSign, valid from yesterday for ten years.
pub fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.use_authority_key_identifier_extension = true;
    valid_days(&mut p, -1, 3650);
    p
}

/// Server certificate parameters: DNS/IP SANs, serverAuth, valid for a year.
pub fn leaf_params(names: &[&str]) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = rcgen::DistinguishedName::new();
    if let Some(first) = names.first() {
        p.distinguished_name.push(DnType::CommonName, *first);
    }
    p.subject_alt_names = names
        .iter()
        .filter_map(|n| match n.parse::<std::net::IpAddr>() {
            Ok(ip) => Some(SanType::IpAddress(ip)),
            Err(_) => n.to_string().try_into().ok().map(SanType::DnsName),
        })
        .collect();
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    valid_days(&mut p, -1, 365);
    p
}

/// A subordinate CA as AD CS issues one, with an AIA extension listing
/// `ca_issuers` URLs (AD CS writes ldap:/// first).
pub fn ad_cs_sub_params(cn: &str, ca_issuers: &[String]) -> CertificateParams {
    let mut p = ca_params(cn);
    p.custom_extensions.push(aia_extension(ca_issuers));
    p
}

/// authorityInfoAccess with caIssuers URLs (RFC 5280 4.2.2.1).
pub fn aia_extension(ca_issuers: &[String]) -> rcgen::CustomExtension {
    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        match body.len() {
            n if n < 0x80 => v.push(n as u8),
            n if n < 0x100 => v.extend([0x81, n as u8]),
            n => v.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        v.extend_from_slice(body);
        v
    }
    // id-ad-caIssuers 1.3.6.1.5.5.7.48.2
    let ca_issuers_oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let mut descs = Vec::new();
    for u in ca_issuers {
        let mut d = ca_issuers_oid.to_vec();
        d.extend(tlv(0x86, u.as_bytes()));
        descs.extend(tlv(0x30, &d));
    }
    rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], tlv(0x30, &descs))
}

/// Sets validity relative to now, in days (negative = in the past).
pub fn valid_days(p: &mut CertificateParams, from: i64, to: i64) {
    let now = OffsetDateTime::now_utc();
    p.not_before = now + Duration::days(from);
    p.not_after = now + Duration::days(to);
}

impl Ca {
    /// A self-signed root CA named `cn`, with a new key.
    pub fn root(cn: &str) -> Result<Ca, Error> {
        Ca::self_signed(ca_params(cn))
    }

    /// A self-signed CA certificate with these parameters and a new key.
    pub fn self_signed(params: CertificateParams) -> Result<Ca, Error> {
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(Ca {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// An intermediate CA named `cn` under this CA, with a new key.
    pub fn intermediate(&self, cn: &str) -> Result<Ca, Error> {
        self.sub_ca(ca_params(cn))
    }

    /// A CA certificate signed by this CA with the given parameters and a new key.
    pub fn sub_ca(&self, params: CertificateParams) -> Result<Ca, Error> {
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Ca {
            der: cert.der().to_vec(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// Signs `other`'s subject and key again under this CA: a cross-certificate.
    pub fn cross_sign(&self, other: &Ca, params: CertificateParams) -> Result<Vec<u8>, Error> {
        Ok(params
            .signed_by(other.issuer.key(), &self.issuer)?
            .der()
            .to_vec())
    }

    /// A server certificate for `names` (DNS names or IP addresses) under this CA, with a new key.
    pub fn leaf(&self, names: &[&str]) -> Result<Leaf, Error> {
        self.issue(leaf_params(names))
    }

    /// An end-entity certificate with these parameters under this CA, with a new key.
    pub fn issue(&self, params: CertificateParams) -> Result<Leaf, Error> {
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Leaf {
            der: cert.der().to_vec(),
            key_pkcs8: key.serialize_der(),
        })
    }

    /// The CA's own key, for serving a CA certificate as a server's (tests of `cert.not_ca`).
    pub fn key_pkcs8(&self) -> Vec<u8> {
        self.issuer.key().serialize_der()
    }
}
