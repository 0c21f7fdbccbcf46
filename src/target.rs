//! What to connect to and which name to verify: `host`, `host:port`,
//! `[v6]:port`, bare IPv6, or a URL. SNI/verified name and the address
//! connected to are separate so `--connect` can pin an IP.

use std::net::IpAddr;

/// URL schemes trustfix knows, with their default ports and whether TLS
/// starts immediately or via an in-protocol upgrade.
pub const SCHEMES: &[(&str, u16, &str)] = &[
    ("https", 443, "direct"),
    ("tls", 443, "direct"),
    ("smtp", 25, "starttls"),
    ("submission", 587, "starttls"),
    ("smtps", 465, "direct"),
    ("imap", 143, "starttls"),
    ("imaps", 993, "direct"),
    ("pop3", 110, "starttls"),
    ("pop3s", 995, "direct"),
    ("ftp", 21, "starttls"),
    ("ftps", 990, "direct"),
    ("ldap", 389, "starttls"),
    ("ldaps", 636, "direct"),
    ("postgres", 5432, "starttls"),
    ("postgresql", 5432, "starttls"),
    ("mysql", 3306, "starttls"),
    ("xmpp", 5222, "starttls"),
    ("xmpp-server", 5269, "starttls"),
    ("mssql", 1433, "starttls"),
];

/// Schemes this version can check. The rest are parsed so the user gets a
/// precise refusal instead of "invalid target".
const SUPPORTED: &[&str] = &["https", "tls"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// What the user typed.
    pub input: String,
    pub scheme: String,
    /// Host to resolve (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// Name sent as SNI and verified against the certificate.
    pub servername: String,
    /// Address to connect to instead of resolving `host`.
    pub connect: Option<String>,
}

impl Target {
    /// `host:port` for messages, with IPv6 bracketed.
    pub fn authority(&self) -> String {
        join_host_port(&self.host, self.port)
    }

    pub fn servername_is_ip(&self) -> bool {
        self.servername.parse::<IpAddr>().is_ok()
    }
}

pub fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Parses a target; errors are one line naming what was wrong.
pub fn parse(
    input: &str,
    servername: Option<&str>,
    connect: Option<&str>,
) -> Result<Target, String> {
    let raw = input.trim();
    if raw.is_empty() {
        return Err("target is empty: expected host, host:port or https://host".into());
    }
    let (scheme, rest) = match raw.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("https".to_string(), raw),
    };
    let Some(&(_, default_port, kind)) = SCHEMES.iter().find(|(s, _, _)| *s == scheme) else {
        return Err(format!(
            "target '{input}': unknown scheme '{scheme}://' (known: {})",
            SCHEMES.iter().map(|s| s.0).collect::<Vec<_>>().join(", ")
        ));
    };
    if !SUPPORTED.contains(&scheme.as_str()) {
        return Err(format!(
            "target '{input}': {scheme}:// ({kind} TLS on port {default_port}) is not supported by this version yet; \
             only https:// and host:port with direct TLS are"
        ));
    }
    // Drop path, query and user info of URLs.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or("");
    let (host, port) =
        split_host_port(authority, default_port).map_err(|e| format!("target '{input}': {e}"))?;
    let servername = match servername {
        Some(s) if s.trim().is_empty() => return Err("--servername is empty".into()),
        Some(s) => s.trim().trim_end_matches('.').to_string(),
        None => host.trim_end_matches('.').to_string(),
    };
    let connect = match connect {
        Some(c) => {
            let c = c.trim().trim_start_matches('[').trim_end_matches(']');
            if c.is_empty() || c.contains(char::is_whitespace) {
                return Err(format!("--connect '{c}': not an address"));
            }
            Some(c.to_string())
        }
        None => None,
    };
    Ok(Target {
        input: input.to_string(),
        scheme,
        host,
        port,
        servername,
        connect,
    })
}

fn split_host_port(s: &str, default_port: u16) -> Result<(String, u16), String> {
    if s.is_empty() {
        return Err("no host".into());
    }
    if let Some(inner) = s.strip_prefix('[') {
        let Some((addr, after)) = inner.split_once(']') else {
            return Err("'[' without ']' around an IPv6 address".into());
        };
        addr.parse::<std::net::Ipv6Addr>()
            .map_err(|_| format!("'{addr}' is not an IPv6 address"))?;
        let port = match after {
            "" => default_port,
            p => parse_port(p.strip_prefix(':').ok_or("junk after ']'")?)?,
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
        return Err("no host".into());
    }
    if host.contains(':') {
        return Err("IPv6 addresses with a port need brackets: [addr]:port".into());
    }
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(format!("'{host}' is not a host name (character '{bad}')"));
    }
    Ok((host.to_ascii_lowercase(), port))
}

fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("'{p}' is not a port (1-65535)")),
        Ok(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<(String, u16, String), String> {
        parse(s, None, None).map(|t| (t.host, t.port, t.servername))
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
        assert!(p("").unwrap_err().contains("empty"));
        assert!(p("host:0").unwrap_err().contains("not a port"));
        assert!(p("host:99999").unwrap_err().contains("not a port"));
        assert!(p("gopher://x").unwrap_err().contains("unknown scheme"));
        assert!(p("smtp://mail.example.com")
            .unwrap_err()
            .contains("not supported by this version"));
        assert!(p("[::1").unwrap_err().contains("brackets") || p("[::1").is_err());
        assert!(p("fe80::1::2:443").is_err());
        assert!(p("bad host").unwrap_err().contains("not a host name"));
    }

    #[test]
    fn servername_and_connect_are_separate() {
        let t = parse("10.0.0.5:25", Some("Mail.Example.com."), Some("[::1]")).unwrap();
        assert_eq!(t.servername, "Mail.Example.com");
        assert_eq!(t.connect.as_deref(), Some("::1"));
        assert_eq!(t.host, "10.0.0.5");
    }
}
