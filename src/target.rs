//! What to connect to and which name to verify: `host`, `host:port`,
//! `[v6]:port`, bare IPv6, or a URL. SNI/verified name and the address
//! connected to are separate so `--connect` can pin an IP.

use std::net::IpAddr;

/// How TLS starts on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// TLS from the first byte (https, smtps, imaps, ldaps, ...).
    Direct,
    /// SMTP `STARTTLS` (RFC 3207).
    Smtp,
    /// IMAP `STARTTLS`.
    Imap,
    /// POP3 `STLS`.
    Pop3,
    /// FTP `AUTH TLS` (RFC 4217).
    Ftp,
    /// LDAP StartTLS extended operation.
    Ldap,
    /// PostgreSQL `SSLRequest`.
    Postgres,
    /// MySQL/MariaDB SSL request in the handshake.
    Mysql,
    /// XMPP client-to-server `<starttls/>` (`jabber:client`).
    Xmpp,
    /// XMPP server-to-server `<starttls/>` (`jabber:server`).
    XmppServer,
    /// SQL Server: TDS PRELOGIN, then TLS inside TDS packets.
    Mssql,
}

impl Proto {
    /// The `--starttls` value that selects it (`none` for `Direct`).
    pub fn name(self) -> &'static str {
        match self {
            Proto::Direct => "none",
            Proto::Smtp => "smtp",
            Proto::Imap => "imap",
            Proto::Pop3 => "pop3",
            Proto::Ftp => "ftp",
            Proto::Ldap => "ldap",
            Proto::Postgres => "postgres",
            Proto::Mysql => "mysql",
            Proto::Xmpp => "xmpp",
            Proto::XmppServer => "xmpp-server",
            Proto::Mssql => "mssql",
        }
    }

    /// `--starttls` values.
    pub fn from_name(s: &str) -> Option<Proto> {
        Some(match s.to_ascii_lowercase().as_str() {
            "none" | "tls" | "direct" => Proto::Direct,
            "smtp" => Proto::Smtp,
            "imap" => Proto::Imap,
            "pop3" => Proto::Pop3,
            "ftp" => Proto::Ftp,
            "ldap" => Proto::Ldap,
            "postgres" | "postgresql" => Proto::Postgres,
            "mysql" | "mariadb" => Proto::Mysql,
            "xmpp" => Proto::Xmpp,
            "xmpp-server" => Proto::XmppServer,
            "mssql" | "tds" => Proto::Mssql,
            _ => return None,
        })
    }
}

/// URL schemes with their default ports and how TLS starts.
pub const SCHEMES: &[(&str, u16, Proto)] = &[
    ("https", 443, Proto::Direct),
    ("tls", 443, Proto::Direct),
    ("smtp", 25, Proto::Smtp),
    ("submission", 587, Proto::Smtp),
    ("smtps", 465, Proto::Direct),
    ("imap", 143, Proto::Imap),
    ("imaps", 993, Proto::Direct),
    ("pop3", 110, Proto::Pop3),
    ("pop3s", 995, Proto::Direct),
    ("ftp", 21, Proto::Ftp),
    ("ftps", 990, Proto::Direct),
    ("ldap", 389, Proto::Ldap),
    ("ldaps", 636, Proto::Direct),
    ("postgres", 5432, Proto::Postgres),
    ("postgresql", 5432, Proto::Postgres),
    ("mysql", 3306, Proto::Mysql),
    ("mariadb", 3306, Proto::Mysql),
    ("xmpp", 5222, Proto::Xmpp),
    ("xmpp-server", 5269, Proto::XmppServer),
    ("mssql", 1433, Proto::Mssql),
    ("sqlserver", 1433, Proto::Mssql),
];

/// The protocol a bare `host:port` implies, by well-known port.
pub fn proto_for_port(port: u16) -> Proto {
    match port {
        25 | 587 | 2525 => Proto::Smtp,
        143 => Proto::Imap,
        110 => Proto::Pop3,
        21 => Proto::Ftp,
        389 => Proto::Ldap,
        5432 => Proto::Postgres,
        3306 => Proto::Mysql,
        5222 => Proto::Xmpp,
        5269 => Proto::XmppServer,
        1433 => Proto::Mssql,
        _ => Proto::Direct,
    }
}

/// One parsed target: where to connect, which name to verify, how TLS starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// What the user typed.
    pub input: String,
    /// URL scheme, lower case; `https` when none was given.
    pub scheme: String,
    /// Host to resolve (IPv6 without brackets).
    pub host: String,
    /// Port given, else the scheme's default.
    pub port: u16,
    /// Name sent as SNI and verified against the certificate.
    pub servername: String,
    /// Address to connect to instead of resolving `host`.
    pub connect: Option<String>,
    /// Port of `--connect HOST:PORT`, when it differs from the target's.
    pub connect_port: Option<u16>,
    /// How TLS starts, and why that was chosen (for `--starttls auto`).
    pub proto: Proto,
    /// Human reason for `proto` (`scheme ldaps://`, `well-known port 25`, `--starttls`).
    pub proto_reason: String,
}

impl Target {
    /// `host:port` for messages, with IPv6 bracketed.
    pub fn authority(&self) -> String {
        join_host_port(&self.host, self.port)
    }

    /// The port connected to: `--connect`'s, else the target's.
    pub fn connect_port(&self) -> u16 {
        self.connect_port.unwrap_or(self.port)
    }

    /// The name to verify is an IP address (matched against SAN iPAddress entries).
    pub fn servername_is_ip(&self) -> bool {
        self.servername.parse::<IpAddr>().is_ok()
    }
}

/// `host:port`, with an IPv6 host bracketed.
pub fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Why a target or its flags do not parse; one line naming what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// Nothing but whitespace.
    Empty,
    /// A `scheme://` outside the table.
    UnknownScheme {
        /// The target as given.
        input: String,
        /// The scheme, lower-cased.
        scheme: String,
    },
    /// The host or port part is wrong.
    Authority {
        /// The target as given.
        input: String,
        /// What is wrong with it.
        why: AuthorityError,
    },
    /// `--servername` is empty.
    EmptyServername,
    /// `--connect` is not an address or host:port (the value, trimmed).
    Connect(String),
    /// `--connect`'s port is not 1-65535.
    ConnectPort {
        /// The value, trimmed.
        value: String,
        /// The port part.
        port: String,
    },
    /// `--starttls` names no protocol (the value, lower-cased).
    Starttls(String),
}

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetError::Empty => {
                f.write_str("target is empty: expected host, host:port or https://host")
            }
            TargetError::UnknownScheme { input, scheme } => write!(
                f,
                "target '{input}': unknown scheme '{scheme}://' (known: {})",
                SCHEMES.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
            ),
            TargetError::Authority { input, why } => write!(f, "target '{input}': {why}"),
            TargetError::EmptyServername => f.write_str("--servername is empty"),
            TargetError::Connect(c) => write!(f, "--connect '{c}': not an address or host:port"),
            TargetError::ConnectPort { value, port } => {
                write!(f, "--connect '{value}': port '{port}' is not 1-65535")
            }
            TargetError::Starttls(name) => write!(
                f,
                "--starttls '{name}': unknown protocol (auto, none, smtp, imap, pop3, ftp, ldap, postgres, mysql, xmpp, xmpp-server, mssql)"
            ),
        }
    }
}

impl std::error::Error for TargetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TargetError::Authority { why, .. } => Some(why),
            _ => None,
        }
    }
}

/// What is wrong with the `host[:port]` part of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorityError {
    /// No host at all.
    NoHost,
    /// `[` without its `]`.
    Unbracketed,
    /// Brackets around something that is not an IPv6 address.
    NotIpv6(String),
    /// Something other than `:port` after `]`.
    JunkAfterBracket,
    /// A port that is not 1-65535 (as given).
    Port(String),
    /// An IPv6 address with a port but without brackets.
    NeedsBrackets,
    /// A host name with a character outside letters, digits, `-`, `.`, `_`.
    HostChar {
        /// The host, as given.
        host: String,
        /// The first character refused.
        bad: char,
    },
}

impl std::fmt::Display for AuthorityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthorityError::NoHost => f.write_str("no host"),
            AuthorityError::Unbracketed => f.write_str("'[' without ']' around an IPv6 address"),
            AuthorityError::NotIpv6(addr) => write!(f, "'{addr}' is not an IPv6 address"),
            AuthorityError::JunkAfterBracket => f.write_str("junk after ']'"),
            AuthorityError::Port(p) => write!(f, "'{p}' is not a port (1-65535)"),
            AuthorityError::NeedsBrackets => {
                f.write_str("IPv6 addresses with a port need brackets: [addr]:port")
            }
            AuthorityError::HostChar { host, bad } => {
                write!(f, "'{host}' is not a host name (character '{bad}')")
            }
        }
    }
}

impl std::error::Error for AuthorityError {}

/// Parses a target; errors are one line naming what was wrong. `starttls`
/// is the `--starttls` value: a protocol, `none`, or `auto`/`None` to decide
/// from the URL scheme or the port.
pub fn parse(
    input: &str,
    servername: Option<&str>,
    connect: Option<&str>,
    starttls: Option<&str>,
) -> Result<Target, TargetError> {
    let raw = input.trim();
    if raw.is_empty() {
        return Err(TargetError::Empty);
    }
    let (scheme, rest, has_scheme) = match raw.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r, true),
        None => ("https".to_string(), raw, false),
    };
    let Some(&(_, default_port, scheme_proto)) = SCHEMES.iter().find(|(s, _, _)| *s == scheme)
    else {
        return Err(TargetError::UnknownScheme {
            input: input.to_string(),
            scheme,
        });
    };
    // Drop path, query and user info of URLs.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or("");
    let (host, port) =
        split_host_port(authority, default_port).map_err(|why| TargetError::Authority {
            input: input.to_string(),
            why,
        })?;
    let servername = match servername {
        Some(s) if s.trim().is_empty() => return Err(TargetError::EmptyServername),
        Some(s) => s.trim().trim_end_matches('.').to_string(),
        None => host.trim_end_matches('.').to_string(),
    };
    // --connect ADDR, HOST:PORT, [V6]:PORT or a bare IPv6 address.
    let (connect, connect_port) = match connect {
        Some(c) => {
            let c = c.trim();
            let bad = || TargetError::Connect(c.to_string());
            if c.is_empty() || c.contains(char::is_whitespace) {
                return Err(bad());
            }
            let (host, port) = if let Some(rest) = c.strip_prefix('[') {
                let (h, after) = rest.split_once(']').ok_or_else(bad)?;
                match after.strip_prefix(':') {
                    Some(p) => (h, Some(p)),
                    None if after.is_empty() => (h, None),
                    None => return Err(bad()),
                }
            } else if c.matches(':').count() == 1 {
                let (h, p) = c.split_once(':').ok_or_else(bad)?;
                (h, Some(p))
            } else {
                (c, None)
            };
            let port = match port {
                Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p > 0).ok_or_else(|| {
                    TargetError::ConnectPort {
                        value: c.to_string(),
                        port: p.to_string(),
                    }
                })?),
                None => None,
            };
            if host.is_empty() {
                return Err(bad());
            }
            (Some(host.to_string()), port)
        }
        None => (None, None),
    };
    let (proto, proto_reason) = match starttls.map(str::to_ascii_lowercase).as_deref() {
        None | Some("auto") if has_scheme => (scheme_proto, format!("scheme {scheme}://")),
        None | Some("auto") => {
            let p = proto_for_port(port);
            let why = if p == Proto::Direct {
                format!("port {port}")
            } else {
                format!("well-known port {port}")
            };
            (p, why)
        }
        Some(name) => match Proto::from_name(name) {
            Some(p) => (p, "--starttls".to_string()),
            None => return Err(TargetError::Starttls(name.to_string())),
        },
    };
    Ok(Target {
        input: input.to_string(),
        scheme,
        host,
        port,
        servername,
        connect,
        connect_port,
        proto,
        proto_reason,
    })
}

fn split_host_port(s: &str, default_port: u16) -> Result<(String, u16), AuthorityError> {
    if s.is_empty() {
        return Err(AuthorityError::NoHost);
    }
    if let Some(inner) = s.strip_prefix('[') {
        let Some((addr, after)) = inner.split_once(']') else {
            return Err(AuthorityError::Unbracketed);
        };
        addr.parse::<std::net::Ipv6Addr>()
            .map_err(|_| AuthorityError::NotIpv6(addr.to_string()))?;
        let port = match after {
            "" => default_port,
            p => parse_port(
                p.strip_prefix(':')
                    .ok_or(AuthorityError::JunkAfterBracket)?,
            )?,
        };
        return Ok((addr.to_string(), port));
    }
    if s.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((s.to_string(), default_port));
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, parse_port(p)?),
        None => (s, default_port),
    };
    if host.is_empty() {
        return Err(AuthorityError::NoHost);
    }
    if host.contains(':') {
        return Err(AuthorityError::NeedsBrackets);
    }
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(AuthorityError::HostChar {
            host: host.to_string(),
            bad,
        });
    }
    Ok((host.to_ascii_lowercase(), port))
}

fn parse_port(p: &str) -> Result<u16, AuthorityError> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(AuthorityError::Port(p.to_string())),
        Ok(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<(String, u16, String), TargetError> {
        parse(s, None, None, None).map(|t| (t.host, t.port, t.servername))
    }

    fn proto(s: &str, starttls: Option<&str>) -> Proto {
        parse(s, None, None, starttls).unwrap().proto
    }

    #[test]
    fn protocol_from_scheme_port_and_override() {
        assert_eq!(proto("smtp://mail.example.com", None), Proto::Smtp);
        assert_eq!(p("smtp://mail.example.com").unwrap().1, 25);
        assert_eq!(p("submission://mail.example.com").unwrap().1, 587);
        assert_eq!(proto("smtps://mail.example.com", None), Proto::Direct);
        assert_eq!(p("smtps://mail.example.com").unwrap().1, 465);
        assert_eq!(proto("mail.example.com:587", None), Proto::Smtp);
        assert_eq!(proto("mail.example.com:993", None), Proto::Direct);
        assert_eq!(proto("db:5432", Some("auto")), Proto::Postgres);
        assert_eq!(proto("db:5432", Some("none")), Proto::Direct);
        assert_eq!(proto("host:8443", Some("smtp")), Proto::Smtp);
        assert_eq!(proto("mssql://sql01", None), Proto::Mssql);
        assert_eq!(p("ldaps://dc01").unwrap().1, 636);
        assert!(parse("h", None, None, Some("gopher"))
            .unwrap_err()
            .to_string()
            .contains("unknown protocol"));
        let t = parse("mail:25", None, None, None).unwrap();
        assert_eq!(t.proto_reason, "well-known port 25");
    }

    #[test]
    fn forms() {
        assert_eq!(
            p("Example.COM").unwrap(),
            ("example.com".into(), 443, "example.com".into())
        );
        assert_eq!(p("mail.example.com:8443").unwrap().1, 8443);
        assert_eq!(
            p("https://a.example/x?y").unwrap(),
            ("a.example".into(), 443, "a.example".into())
        );
        assert_eq!(p("https://u@a.example:444/").unwrap().1, 444);
        assert_eq!(p("[::1]:4433").unwrap(), ("::1".into(), 4433, "::1".into()));
        assert_eq!(p("::1").unwrap().1, 443);
        assert_eq!(p("127.0.0.1:1").unwrap().0, "127.0.0.1");
    }

    #[test]
    fn refusals_name_the_problem() {
        assert!(p("").unwrap_err().to_string().contains("empty"));
        assert!(p("host:0").unwrap_err().to_string().contains("not a port"));
        assert!(p("host:99999")
            .unwrap_err()
            .to_string()
            .contains("not a port"));
        assert!(p("gopher://x")
            .unwrap_err()
            .to_string()
            .contains("unknown scheme"));
        assert!(p("[::1").unwrap_err().to_string().contains("']'"));
        assert!(p("fe80::1::2:443").is_err());
        assert!(p("bad host")
            .unwrap_err()
            .to_string()
            .contains("not a host name"));
    }

    #[test]
    fn connect_takes_host_and_port() {
        let t = parse("mail.contoso.test:25", None, Some("127.0.0.1:2525"), None).unwrap();
        assert_eq!(
            (t.connect.as_deref(), t.connect_port()),
            (Some("127.0.0.1"), 2525)
        );
        assert_eq!(t.port, 25, "STARTTLS and the name still follow the target");
        let t = parse("h:443", None, Some("[::1]:8443"), None).unwrap();
        assert_eq!(
            (t.connect.as_deref(), t.connect_port()),
            (Some("::1"), 8443)
        );
        let t = parse("h:443", None, Some("::1"), None).unwrap();
        assert_eq!((t.connect.as_deref(), t.connect_port()), (Some("::1"), 443));
        assert!(parse("h", None, Some("127.0.0.1:0"), None)
            .unwrap_err()
            .to_string()
            .contains("1-65535"));
        assert!(parse("h", None, Some("[::1"), None).is_err());
    }

    #[test]
    fn servername_and_connect_are_separate() {
        let t = parse(
            "10.0.0.5:25",
            Some("Mail.Example.com."),
            Some("[::1]"),
            None,
        )
        .unwrap();
        assert_eq!(t.servername, "Mail.Example.com");
        assert_eq!(t.connect.as_deref(), Some("::1"));
        assert_eq!(t.host, "10.0.0.5");
    }
}
