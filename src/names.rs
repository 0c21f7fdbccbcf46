//! Names in certificates: GeneralNames (SAN entries and name-constraint
//! bases) read strictly from DER, distinguished names in the canonical form
//! OpenSSL compares, host name matching (RFC 6125) and name constraints
//! (RFC 5280 4.2.1.10) with OpenSSL's matching rules and its work bound.

use std::net::IpAddr;

use crate::util::der;

/// One attribute of a distinguished name, canonical: the OID and the value
/// trimmed, inner white space folded, ASCII lower-cased (non-string values
/// keep their DER bytes), as OpenSSL's `X509_NAME` canonical encoding.
pub type Rdn = Vec<(String, Vec<u8>)>;

/// A distinguished name as a sequence of canonical RDNs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DistName(pub Vec<Rdn>);

impl DistName {
    /// Parses a DER Name (`SEQUENCE OF SET OF AttributeTypeAndValue`).
    pub fn parse(name_der: &[u8]) -> Option<DistName> {
        let mut rdns = Vec::new();
        let mut r = der::Reader::new(der::single(name_der, der::SEQUENCE)?);
        while !r.is_empty() {
            let set = r.expect(der::SET)?;
            let mut sr = der::Reader::new(set);
            let mut rdn = Rdn::new();
            while !sr.is_empty() {
                let mut atv = der::Reader::new(sr.expect(der::SEQUENCE)?);
                let oid = der::oid_string(atv.expect(der::OID)?)?;
                let v = atv.next_tlv()?;
                if !atv.is_empty() {
                    return None;
                }
                rdn.push((oid, canonical_value(v.tag, v.content, v.raw)));
            }
            if rdn.is_empty() {
                return None;
            }
            rdn.sort();
            rdns.push(rdn);
        }
        Some(DistName(rdns))
    }

    /// A Name with no RDNs (the empty sequence).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Values of attribute `oid` (e.g. emailAddress) as text.
    pub fn values(&self, oid: &str) -> Vec<String> {
        self.0
            .iter()
            .flatten()
            .filter(|(o, _)| o == oid)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }
}

const OID_EMAIL: &str = "1.2.840.113549.1.9.1";
/// OID of the commonName attribute.
pub const OID_CN: &str = "2.5.4.3";

fn canonical_value(tag: u8, content: &[u8], raw: &[u8]) -> Vec<u8> {
    let text: Option<String> = match tag {
        0x0c | 0x13 | 0x16 | 0x1a => std::str::from_utf8(content).ok().map(str::to_string),
        0x14 => Some(content.iter().map(|&b| b as char).collect()),
        0x1e if content.len().is_multiple_of(2) => String::from_utf16(
            &content
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect::<Vec<_>>(),
        )
        .ok(),
        0x1c if content.len().is_multiple_of(4) => content
            .chunks(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => None,
    };
    match text {
        Some(t) => t
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase()
            .into_bytes(),
        None => raw.to_vec(),
    }
}

/// A GeneralName, as far as trustfix needs to tell them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeneralName {
    /// dNSName, as written (IA5).
    Dns(String),
    /// rfc822Name, as written (IA5).
    Email(String),
    /// 4 or 16 bytes in a SAN; address + mask (8 or 32 bytes) in a constraint.
    Ip(Vec<u8>),
    /// uniformResourceIdentifier, as written (IA5).
    Uri(String),
    /// directoryName, canonical.
    Dir(DistName),
    /// otherName with its type OID.
    Other(String),
    /// x400Address, ediPartyName, registeredID: named by their tag number.
    Unhandled(u8),
}

impl GeneralName {
    /// The CHOICE tag number, which is also what subtrees are grouped by.
    pub fn kind(&self) -> u8 {
        match self {
            GeneralName::Other(_) => 0,
            GeneralName::Email(_) => 1,
            GeneralName::Dns(_) => 2,
            GeneralName::Dir(_) => 4,
            GeneralName::Uri(_) => 6,
            GeneralName::Ip(_) => 7,
            GeneralName::Unhandled(t) => *t,
        }
    }

    /// OpenSSL-like text for messages: `DNS:a.example`, `IP:10.0.0.0/255.0.0.0`.
    pub fn describe(&self) -> String {
        match self {
            GeneralName::Dns(d) => format!("DNS:{d}"),
            GeneralName::Email(e) => format!("email:{e}"),
            GeneralName::Ip(b) => match ip_of(b) {
                Some(ip) => format!("IP:{ip}"),
                None if b.len() == 8 || b.len() == 32 => {
                    let (a, m) = b.split_at(b.len() / 2);
                    match (ip_of(a), ip_of(m)) {
                        (Some(a), Some(m)) => format!("IP:{a}/{m}"),
                        _ => "IP:(malformed)".into(),
                    }
                }
                None => "IP:(malformed)".into(),
            },
            GeneralName::Uri(u) => format!("URI:{u}"),
            GeneralName::Dir(d) => format!("DirName:{}", render_dn(d)),
            GeneralName::Other(oid) => format!("othername:{oid}"),
            GeneralName::Unhandled(t) => format!("name type [{t}]"),
        }
    }
}

fn render_dn(d: &DistName) -> String {
    d.0.iter()
        .flatten()
        .map(|(o, v)| format!("{}={}", short_attr(o), String::from_utf8_lossy(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn short_attr(oid: &str) -> &str {
    match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "0.9.2342.19200300.100.1.25" => "DC",
        OID_EMAIL => "emailAddress",
        o => o,
    }
}

/// An iPAddress entry of 4 or 16 bytes as an address; `None` for other lengths.
pub fn ip_of(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Reads one GeneralName element. `None` when it is malformed.
fn general_name(t: der::Tlv) -> Option<GeneralName> {
    let ia5 = |c: &[u8]| {
        c.iter()
            .all(|b| b.is_ascii())
            .then(|| String::from_utf8_lossy(c).into_owned())
    };
    Some(match t.tag {
        0xa0 => {
            let mut r = der::Reader::new(t.content);
            let oid = der::oid_string(r.expect(der::OID)?)?;
            r.expect(der::context(0, true))?;
            r.is_empty().then_some(())?;
            GeneralName::Other(oid)
        }
        0x81 => GeneralName::Email(ia5(t.content)?),
        0x82 => GeneralName::Dns(ia5(t.content)?),
        0x86 => GeneralName::Uri(ia5(t.content)?),
        0x87 => GeneralName::Ip(t.content.to_vec()),
        0xa4 => {
            let mut r = der::Reader::new(t.content);
            let name = r.next_tlv()?;
            r.is_empty().then_some(())?;
            GeneralName::Dir(DistName::parse(name.raw)?)
        }
        0xa3 | 0xa5 => GeneralName::Unhandled(t.tag & 0x1f),
        0x88 => {
            der::oid_string(t.content)?;
            GeneralName::Unhandled(8)
        }
        _ => return None,
    })
}

/// Reads a SubjectAltName extension value (`SEQUENCE SIZE (1..MAX) OF GeneralName`).
pub fn parse_general_names(ext_value: &[u8]) -> Option<Vec<GeneralName>> {
    let mut r = der::Reader::new(der::single(ext_value, der::SEQUENCE)?);
    let mut out = Vec::new();
    while !r.is_empty() {
        out.push(general_name(r.next_tlv()?)?);
    }
    (!out.is_empty()).then_some(out)
}

/// One permitted or excluded subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtree {
    /// The name the subtree permits or excludes, with everything below it.
    pub base: GeneralName,
    /// `minimum` other than 0 or a `maximum`: RFC 5280 forbids both and
    /// OpenSSL refuses them (`X509_V_ERR_SUBTREE_MINMAX`).
    pub min_max: bool,
}

/// A nameConstraints extension (RFC 5280 4.2.1.10).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameConstraints {
    /// Subtrees names must fall in, grouped by name type when checked.
    pub permitted: Vec<Subtree>,
    /// Subtrees no name may fall in.
    pub excluded: Vec<Subtree>,
}

/// Reads a NameConstraints extension value. `None` when it is malformed.
pub fn parse_name_constraints(ext_value: &[u8]) -> Option<NameConstraints> {
    let mut r = der::Reader::new(der::single(ext_value, der::SEQUENCE)?);
    let subtrees = |c: &[u8]| -> Option<Vec<Subtree>> {
        let mut r = der::Reader::new(c);
        let mut out = Vec::new();
        while !r.is_empty() {
            let mut st = der::Reader::new(r.expect(der::SEQUENCE)?);
            let base = general_name(st.next_tlv()?)?;
            let mut min_max = false;
            if let Some(m) = st.optional(der::context(0, false)) {
                min_max |= der::small_uint(m)? != 0;
            }
            if let Some(m) = st.optional(der::context(1, false)) {
                der::small_uint(m)?;
                min_max = true;
            }
            st.is_empty().then_some(())?;
            out.push(Subtree { base, min_max });
        }
        // GeneralSubtrees is SIZE (1..MAX).
        (!out.is_empty()).then_some(out)
    };
    let mut nc = NameConstraints::default();
    if let Some(p) = r.optional(der::context(0, true)) {
        nc.permitted = subtrees(p)?;
    }
    if let Some(e) = r.optional(der::context(1, true)) {
        nc.excluded = subtrees(e)?;
    }
    r.is_empty().then_some(nc)
}

/// Why a certificate's names break a CA's name constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// The name is of a type the CA permits some subtrees of, and matches none.
    NotPermitted(String),
    /// The name falls in an excluded subtree; the text names both.
    Excluded(String),
    /// A constraint trustfix (and OpenSSL) cannot evaluate for this name:
    /// unsupported type, minimum/maximum, a malformed base or name.
    Unsupported(String),
    /// More name x constraint comparisons than OpenSSL allows (2^20).
    TooComplex(usize),
}

/// Why a name cannot be compared with a subtree base; becomes
/// [`Violation::Unsupported`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unevaluable {
    /// An iPAddress name of neither 4 nor 16 bytes (its length).
    IpLength(usize),
    /// A constraint type without rules here (the base, described).
    Type(String),
    /// An rfc822Name without `@`.
    Email(String),
    /// A URI without `://`.
    UriNoHost(String),
    /// A URI whose host is empty.
    UriEmptyHost(String),
}

impl std::fmt::Display for Unevaluable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unevaluable::IpLength(n) => {
                write!(f, "malformed IP address in a name ({n} bytes)")
            }
            Unevaluable::Type(base) => {
                write!(f, "name constraints of type {base} cannot be evaluated")
            }
            Unevaluable::Email(name) => write!(f, "malformed email address '{name}' in a name"),
            Unevaluable::UriNoHost(uri) => write!(f, "URI '{uri}' has no host part"),
            Unevaluable::UriEmptyHost(uri) => write!(f, "URI '{uri}' has an empty host"),
        }
    }
}

impl std::error::Error for Unevaluable {}

/// OpenSSL's bound on name-constraint work (`NAME_CHECK_MAX`).
pub const MAX_CHECKS: usize = 1 << 20;

/// Checks every name in `names` against `nc` with OpenSSL's rules.
pub fn check(nc: &NameConstraints, names: &[GeneralName]) -> Result<(), Violation> {
    let work = names
        .len()
        .saturating_mul(nc.permitted.len() + nc.excluded.len());
    if work > MAX_CHECKS {
        return Err(Violation::TooComplex(work));
    }
    for name in names {
        let kind = name.kind();
        let mut permitted_of_kind = false;
        let mut permitted = false;
        for st in nc.permitted.iter().filter(|s| s.base.kind() == kind) {
            if st.min_max {
                return Err(Violation::Unsupported(format!(
                    "a permitted subtree {} has a minimum or maximum",
                    st.base.describe()
                )));
            }
            permitted_of_kind = true;
            if permitted {
                continue;
            }
            match matches(&st.base, name) {
                Ok(true) => permitted = true,
                Ok(false) => {}
                Err(why) => return Err(Violation::Unsupported(why.to_string())),
            }
        }
        if permitted_of_kind && !permitted {
            return Err(Violation::NotPermitted(name.describe()));
        }
        for st in nc.excluded.iter().filter(|s| s.base.kind() == kind) {
            if st.min_max {
                return Err(Violation::Unsupported(format!(
                    "an excluded subtree {} has a minimum or maximum",
                    st.base.describe()
                )));
            }
            match matches(&st.base, name) {
                Ok(true) => {
                    return Err(Violation::Excluded(format!(
                        "{} (excluded: {})",
                        name.describe(),
                        st.base.describe()
                    )))
                }
                Ok(false) => {}
                Err(why) => return Err(Violation::Unsupported(why.to_string())),
            }
        }
    }
    Ok(())
}

/// Whether `name` lies in the subtree `base` (both of the same kind).
fn matches(base: &GeneralName, name: &GeneralName) -> Result<bool, Unevaluable> {
    match (base, name) {
        (GeneralName::Dns(b), GeneralName::Dns(n)) => Ok(dns_in(b, n)),
        (GeneralName::Email(b), GeneralName::Email(n)) => email_in(b, n),
        (GeneralName::Uri(b), GeneralName::Uri(n)) => uri_in(b, n),
        (GeneralName::Ip(b), GeneralName::Ip(n)) => {
            if n.len() != 4 && n.len() != 16 {
                return Err(Unevaluable::IpLength(n.len()));
            }
            if b.len() != 2 * n.len() {
                return Ok(false);
            }
            let (addr, mask) = b.split_at(n.len());
            Ok(n.iter()
                .zip(addr)
                .zip(mask)
                .all(|((x, a), m)| x & m == a & m))
        }
        (GeneralName::Dir(b), GeneralName::Dir(n)) => {
            Ok(n.0.len() >= b.0.len() && n.0[..b.0.len()] == b.0[..])
        }
        (b, _) => Err(Unevaluable::Type(b.describe())),
    }
}

/// DNS subtree: empty base matches all; otherwise the name equals the base
/// or ends with "." + base (a base with a leading "." needs a subdomain).
fn dns_in(base: &str, name: &str) -> bool {
    if base.is_empty() {
        return true;
    }
    let (b, n) = (base.to_ascii_lowercase(), name.to_ascii_lowercase());
    if n.len() > b.len() {
        let tail = &n[n.len() - b.len()..];
        let before = n.as_bytes()[n.len() - b.len() - 1];
        tail == b && (b.starts_with('.') || before == b'.')
    } else {
        n == b
    }
}

fn email_in(base: &str, name: &str) -> Result<bool, Unevaluable> {
    let Some((local, host)) = name.rsplit_once('@') else {
        return Err(Unevaluable::Email(name.to_string()));
    };
    if let Some((blocal, bhost)) = base.rsplit_once('@') {
        return Ok(blocal == local && bhost.eq_ignore_ascii_case(host));
    }
    if base.starts_with('.') {
        let (b, h) = (base.to_ascii_lowercase(), host.to_ascii_lowercase());
        return Ok(h.len() > b.len() && h.ends_with(&b));
    }
    Ok(base.eq_ignore_ascii_case(host))
}

fn uri_in(base: &str, uri: &str) -> Result<bool, Unevaluable> {
    let Some((_, rest)) = uri.split_once("://") else {
        return Err(Unevaluable::UriNoHost(uri.to_string()));
    };
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host_port
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(host_port);
    let host = match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(']') || h.ends_with(']') => {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        }
        _ => host,
    };
    if host.is_empty() {
        return Err(Unevaluable::UriEmptyHost(uri.to_string()));
    }
    if base.starts_with('.') {
        let (b, h) = (base.to_ascii_lowercase(), host.to_ascii_lowercase());
        return Ok(h.ends_with(&b));
    }
    Ok(base.eq_ignore_ascii_case(host))
}

/// The names of a certificate that name constraints apply to: the subject
/// (if not empty), its emailAddress attributes, every SAN entry and, for
/// the server's certificate without a DNS SAN, each CN that looks like a
/// host name (OpenSSL's `NAME_CONSTRAINTS_check_CN`).
pub fn constrained_names(
    subject: &DistName,
    san: &[GeneralName],
    leaf_without_dns_san: bool,
) -> Vec<GeneralName> {
    let mut out = Vec::new();
    if !subject.is_empty() {
        out.push(GeneralName::Dir(subject.clone()));
    }
    out.extend(
        subject
            .values(OID_EMAIL)
            .into_iter()
            .map(GeneralName::Email),
    );
    out.extend(san.iter().cloned());
    if leaf_without_dns_san {
        out.extend(
            subject
                .values(OID_CN)
                .into_iter()
                .filter(|cn| looks_like_host(cn))
                .map(GeneralName::Dns),
        );
    }
    out
}

/// A CN OpenSSL treats as a DNS name: LDH labels separated by dots, at
/// least two labels, no empty label, no leading or trailing hyphen.
fn looks_like_host(cn: &str) -> bool {
    let cn = cn.strip_suffix('.').unwrap_or(cn);
    let labels: Vec<&str> = cn.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// RFC 6125 host name matching: a wildcard is the whole left-most label,
/// matches exactly one label and needs at least two labels after it;
/// partial wildcards (`f*.example.com`) are refused as modern clients do.
pub fn dns_matches(pattern: &str, name: &str) -> bool {
    let p = pattern.trim_end_matches('.').to_ascii_lowercase();
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    if let Some(rest) = p.strip_prefix("*.") {
        if rest.contains('*') || !rest.contains('.') {
            return false;
        }
        match n.split_once('.') {
            Some((first, tail)) => !first.is_empty() && tail == rest,
            None => false,
        }
    } else {
        !p.contains('*') && p == n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nc(permitted: Vec<GeneralName>, excluded: Vec<GeneralName>) -> NameConstraints {
        let st = |base| Subtree {
            base,
            min_max: false,
        };
        NameConstraints {
            permitted: permitted.into_iter().map(st).collect(),
            excluded: excluded.into_iter().map(st).collect(),
        }
    }

    #[test]
    fn wildcards_follow_rfc6125() {
        assert!(dns_matches("*.example.com", "mail.example.com"));
        assert!(dns_matches("*.Example.com.", "MAIL.example.COM"));
        assert!(!dns_matches("*.example.com", "a.b.example.com"));
        assert!(!dns_matches("*.example.com", "example.com"));
        assert!(!dns_matches("f*.example.com", "foo.example.com"));
        assert!(!dns_matches("*.com", "example.com"));
        assert!(!dns_matches(
            "exchange01.contoso.com",
            "exchange02.contoso.com"
        ));
    }

    #[test]
    fn dns_subtrees() {
        assert!(dns_in("example.com", "example.com"));
        assert!(dns_in("example.com", "mail.example.com"));
        assert!(!dns_in("example.com", "badexample.com"));
        assert!(dns_in(".example.com", "mail.example.com"));
        assert!(!dns_in(".example.com", "example.com"));
        assert!(dns_in("", "anything.test"));
        assert!(dns_in("EXAMPLE.com", "Mail.Example.COM"));
    }

    #[test]
    fn permitted_and_excluded() {
        let c = nc(
            vec![GeneralName::Dns("contoso.com".into())],
            vec![GeneralName::Dns("secret.contoso.com".into())],
        );
        assert!(check(&c, &[GeneralName::Dns("mail.contoso.com".into())]).is_ok());
        assert!(matches!(
            check(&c, &[GeneralName::Dns("mail.fabrikam.com".into())]),
            Err(Violation::NotPermitted(_))
        ));
        assert!(matches!(
            check(&c, &[GeneralName::Dns("x.secret.contoso.com".into())]),
            Err(Violation::Excluded(_))
        ));
        // Another type is not restricted by DNS subtrees.
        assert!(check(&c, &[GeneralName::Ip(vec![10, 0, 0, 1])]).is_ok());
    }

    #[test]
    fn ip_subtrees_v4_and_v6() {
        let c = nc(
            vec![
                GeneralName::Ip(vec![10, 1, 0, 0, 255, 255, 0, 0]),
                GeneralName::Ip(
                    [
                        [0x20, 0x01, 0x0d, 0xb8].as_slice(),
                        &[0; 12],
                        &[0xff; 4],
                        &[0; 12],
                    ]
                    .concat(),
                ),
            ],
            vec![],
        );
        assert!(check(&c, &[GeneralName::Ip(vec![10, 1, 2, 3])]).is_ok());
        assert!(check(&c, &[GeneralName::Ip(vec![10, 2, 2, 3])]).is_err());
        let v6: Vec<u8> = [[0x20, 0x01, 0x0d, 0xb8].as_slice(), &[0; 11], &[1]].concat();
        assert!(check(&c, &[GeneralName::Ip(v6)]).is_ok());
        assert!(check(&c, &[GeneralName::Ip(vec![0xfe; 16])]).is_err());
    }

    #[test]
    fn emails_uris_and_the_work_bound() {
        assert_eq!(email_in("contoso.com", "a@contoso.com"), Ok(true));
        assert_eq!(email_in(".contoso.com", "a@mail.contoso.com"), Ok(true));
        assert_eq!(email_in(".contoso.com", "a@contoso.com"), Ok(false));
        assert_eq!(email_in("a@contoso.com", "A@contoso.com"), Ok(false));
        assert_eq!(
            uri_in("contoso.com", "https://contoso.com:8443/x"),
            Ok(true)
        );
        assert_eq!(uri_in(".contoso.com", "ldap://dc.contoso.com/x"), Ok(true));
        assert!(uri_in("contoso.com", "urn:x").is_err());
        let many: Vec<GeneralName> = (0..2000)
            .map(|i| GeneralName::Dns(format!("h{i}.test")))
            .collect();
        let c = nc(many.clone(), vec![]);
        assert!(matches!(check(&c, &many), Err(Violation::TooComplex(_))));
    }

    #[test]
    fn parses_constraints_with_min_max() {
        // SEQUENCE { [0] { SEQUENCE { [2] "a.test", maximum [1] 1 } } }
        let v = [
            0x30, 0x0f, 0xa0, 0x0d, 0x30, 0x0b, 0x82, 0x06, b'a', b'.', b't', b'e', b's', b't',
            0x81, 0x01, 0x01,
        ];
        let nc = parse_name_constraints(&v).expect("parses");
        assert_eq!(nc.permitted[0].base, GeneralName::Dns("a.test".into()));
        assert!(nc.permitted[0].min_max);
        assert!(parse_name_constraints(&[0x30, 0x02, 0xa0, 0x00]).is_none());
    }
}
