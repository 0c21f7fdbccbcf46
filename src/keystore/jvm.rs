//! Which JVMs exist on this machine, and which trust store each one really
//! loads.
//!
//! How JSSE picks the default trust store (sun.security.ssl.TrustStoreManager,
//! checked against JDK 17 and 25 on Debian):
//!
//! 1. `-Djavax.net.ssl.trustStore=PATH` replaces the default; nothing is
//!    merged. `trustStoreType` and `trustStorePassword` apply to whichever
//!    file ends up loaded. The value `NONE` means "no file" (a PKCS#11 token
//!    with `trustStoreType=PKCS11`; any other type gives an empty store).
//! 2. Otherwise `<java.home>/lib/security/jssecacerts` if it is a readable
//!    file. It hides cacerts completely.
//! 3. Otherwise `<java.home>/lib/security/cacerts`.
//!
//! A trap: when the trustStore property names a file that is missing or
//! unreadable, JDK 10+ and JDK 8 from the TLS 1.3 backport on (8u261 Oracle,
//! 8u272 OpenJDK) quietly load **cacerts** (never jssecacerts). Older JDK 8
//! builds load an empty store instead, which fails every handshake with "the
//! trustAnchors parameter must be non-empty". [`truststore_for`] reports the
//! file that actually gets loaded and explains the mix-up in a warning.
//!
//! `java.home` belongs to the JVM that runs, found from the real path of the
//! `java` executable. It is not the shell's JAVA_HOME: a bundled JRE or a
//! `java` on PATH may be a different JVM. On JDK 8 a JDK's java.home is
//! `<jdk>/jre`.
//!
//! Distro-managed stores: on Debian `cacerts` is a symlink to
//! /etc/ssl/certs/java/cacerts (JKS, password `changeit`). ca-certificates-java
//! keeps it in sync with the OS anchors through update-ca-certificates. On
//! RHEL/Fedora it links, through /etc/pki/java/cacerts, to
//! /etc/pki/ca-trust/extracted/java/cacerts, which update-ca-trust rewrites
//! (keytool edits there get overwritten).

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

/// Why the JVM loads the truststore it loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustSource {
    /// `-Djavax.net.ssl.trustStore` names it.
    Property,
    /// `<java.home>/lib/security/jssecacerts`, which hides cacerts.
    Jssecacerts,
    /// `<java.home>/lib/security/cacerts`.
    Cacerts,
}

/// A distribution that generates the JDK's cacerts from the OS anchors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Distro {
    /// ca-certificates-java keeps /etc/ssl/certs/java/cacerts in sync.
    Debian,
    /// update-ca-trust rewrites /etc/pki/ca-trust/extracted/java/cacerts.
    Rhel,
}

/// The truststore one JVM really loads.
#[derive(Debug, Clone)]
pub struct Truststore {
    /// As the JVM opens it (`NONE` for the PKCS#11 case).
    pub path: PathBuf,
    /// Symlink target (canonical) when different from `path`. For a dangling
    /// symlink this is the missing target.
    pub resolved: Option<PathBuf>,
    /// Why this file.
    pub source: TrustSource,
    /// From `javax.net.ssl.trustStoreType` (None: the JVM's default type).
    pub store_type: Option<String>,
    /// From `javax.net.ssl.trustStorePassword` (None: no password).
    pub password: Option<String>,
    /// The distribution whose tooling regenerates this file, if any.
    pub distro_managed: Option<Distro>,
    /// Things the user must know: jssecacerts hides cacerts, an ignored
    /// trustStore, `NONE`, a missing store.
    pub warnings: Vec<String>,
    /// `path` is an existing file (after following symlinks).
    pub exists: bool,
}

/// A JVM found on this machine.
#[derive(Debug, Clone)]
pub struct Jvm {
    /// Canonical java.home (`<jdk>/jre` for JDK 8).
    pub java_home: PathBuf,
    /// "JAVA_HOME", "java on PATH (/usr/bin/java -> ...)", "/usr/lib/jvm", ...
    pub found_via: Vec<String>,
    /// JAVA_VERSION from `<java_home>/release` (or `<jdk>/release` for a
    /// JDK 8 `jre`).
    pub version: Option<String>,
    /// What it loads by default.
    pub truststore: Truststore,
}

/// The `-D` options that decide the trust store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JavaOpts {
    /// `javax.net.ssl.trustStore`.
    pub trust_store: Option<String>,
    /// `javax.net.ssl.trustStoreType`.
    pub trust_store_type: Option<String>,
    /// `javax.net.ssl.trustStorePassword`.
    pub trust_store_password: Option<String>,
}

const TRUST_STORE: &str = "javax.net.ssl.trustStore";
const TRUST_STORE_TYPE: &str = "javax.net.ssl.trustStoreType";
const TRUST_STORE_PASSWORD: &str = "javax.net.ssl.trustStorePassword";

/// Reads the `-D` options that matter from the environment variables and then
/// from `opts`. Later definitions win. HotSpot reads JAVA_TOOL_OPTIONS first;
/// the `java` launcher puts JDK_JAVA_OPTIONS (JDK 9+) in front of the command
/// line; so explicit `opts` (the command line) override both.
pub fn parse_opts(
    opts: Option<&str>,
    env_tool_options: Option<&str>,
    env_jdk_options: Option<&str>,
) -> JavaOpts {
    parse_layers(&[env_tool_options, env_jdk_options, opts])
}

/// Like [`parse_opts`], but reads JAVA_TOOL_OPTIONS and JDK_JAVA_OPTIONS from
/// this process's environment. It also reads `_JAVA_OPTIONS`: HotSpot applies
/// that variable after the command line, so it overrides even `opts`.
pub fn parse_opts_from_env(opts: Option<&str>) -> JavaOpts {
    let var = |k: &str| std::env::var(k).ok();
    let tool = var("JAVA_TOOL_OPTIONS");
    let jdk = var("JDK_JAVA_OPTIONS");
    let underscore = var("_JAVA_OPTIONS");
    parse_layers(&[tool.as_deref(), jdk.as_deref(), opts, underscore.as_deref()])
}

fn parse_layers(layers: &[Option<&str>]) -> JavaOpts {
    let mut o = JavaOpts::default();
    for tok in layers.iter().flatten().flat_map(|s| split_args(s)) {
        let Some(def) = tok.strip_prefix("-D") else {
            continue;
        };
        // `-Dname` without `=` sets the property to "".
        let (key, value) = def.split_once('=').unwrap_or((def, ""));
        let slot = match key {
            TRUST_STORE => &mut o.trust_store,
            TRUST_STORE_TYPE => &mut o.trust_store_type,
            TRUST_STORE_PASSWORD => &mut o.trust_store_password,
            _ => continue,
        };
        *slot = Some(value.to_string());
    }
    o
}

/// Splits an option string at whitespace. Single or double quotes group a
/// value and are removed (`-Dx="a b"`, `'-Dx=a b'`). Backslashes stay as they
/// are, because Windows paths contain them.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_token = true;
            }
            None if c.is_whitespace() => {
                if in_token {
                    out.push(std::mem::take(&mut cur));
                    in_token = false;
                }
            }
            None => {
                cur.push(c);
                in_token = true;
            }
        }
    }
    if in_token {
        out.push(cur);
    }
    out
}

/// Every JVM found, in order: JAVA_HOME, the `java` on PATH (followed
/// through symlinks to its java.home), then the platform's install
/// directories. A JVM found in several places is listed once, under its
/// canonical java.home, with every `found_via`.
pub fn discover(opts: &JavaOpts) -> Vec<Jvm> {
    let java_home = std::env::var_os("JAVA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let path = std::env::var_os("PATH");
    discover_in(java_home, path, &default_roots(), opts)
}

/// Directories whose children (or `child/Contents/Home` on macOS) may be
/// java.homes. The roots the brief asks for come first, then common extras.
fn default_roots() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    let home = std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" })
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if cfg!(target_os = "linux") {
        roots.push("/usr/lib/jvm".into());
        roots.push("/usr/lib64/jvm".into());
        roots.push("/usr/java".into()); // Oracle RPMs
    }
    if cfg!(target_os = "macos") {
        roots.push("/Library/Java/JavaVirtualMachines".into());
        if let Some(h) = &home {
            roots.push(h.join("Library/Java/JavaVirtualMachines"));
        }
        roots.push("/opt/homebrew/opt".into());
        roots.push("/usr/local/opt".into());
    }
    if cfg!(unix) {
        if let Some(h) = &home {
            roots.push(h.join(".sdkman/candidates/java"));
        }
    }
    if cfg!(windows) {
        let mut bases: Vec<PathBuf> = ["ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"]
            .iter()
            .filter_map(std::env::var_os)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .collect();
        if bases.is_empty() {
            bases.push(r"C:\Program Files".into());
        }
        for vendor in [
            "Java",
            "Eclipse Adoptium",
            "Microsoft",
            "Zulu",
            "Amazon Corretto",
            "AdoptOpenJDK",
            "BellSoft",
        ] {
            for b in &bases {
                roots.push(b.join(vendor));
            }
        }
    }
    let mut seen = Vec::new();
    roots.retain(|r| {
        let new = !seen.contains(r);
        seen.push(r.clone());
        new
    });
    roots
}

/// [`discover`] with its inputs spelled out, for tests.
fn discover_in(
    java_home_env: Option<PathBuf>,
    path_env: Option<OsString>,
    roots: &[PathBuf],
    opts: &JavaOpts,
) -> Vec<Jvm> {
    let mut jvms: Vec<Jvm> = Vec::new();

    if let Some(jh) = java_home_env.filter(|p| !p.as_os_str().is_empty()) {
        // An invalid JAVA_HOME (missing, no bin/java) is simply not a JVM.
        if let Some(home) = home_from_dir(&jh) {
            let plain = canon(&jh)
                .map(|c| home == c || home == c.join("jre"))
                .unwrap_or(false);
            let via = if plain {
                "JAVA_HOME".to_string()
            } else {
                format!(
                    "JAVA_HOME ({}, whose bin/{} runs this JVM)",
                    jh.display(),
                    java_exe()
                )
            };
            add(&mut jvms, home, via, opts);
        }
    }

    if let Some(exe) = path_env.as_deref().and_then(find_on_path) {
        if let Some(home) = home_from_exe(&exe) {
            let via = match canon(&exe) {
                Some(real) if real != exe => {
                    format!("java on PATH ({} -> {})", exe.display(), real.display())
                }
                _ => format!("java on PATH ({})", exe.display()),
            };
            add(&mut jvms, home, via, opts);
        }
    }

    for root in roots {
        let Ok(rd) = fs::read_dir(root) else {
            continue;
        };
        let mut children: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        children.sort();
        for child in children {
            // macOS bundles keep java.home in Contents/Home.
            let candidate = if child.join("Contents").join("Home").is_dir() {
                child.join("Contents").join("Home")
            } else {
                child
            };
            if let Some(home) = home_from_dir(&candidate) {
                add(&mut jvms, home, root.display().to_string(), opts);
            }
        }
    }
    jvms
}

fn add(jvms: &mut Vec<Jvm>, home: PathBuf, via: String, opts: &JavaOpts) {
    if let Some(j) = jvms.iter_mut().find(|j| j.java_home == home) {
        if !j.found_via.contains(&via) {
            j.found_via.push(via);
        }
        return;
    }
    jvms.push(Jvm {
        version: read_version(&home),
        truststore: truststore_for(&home, opts),
        java_home: home,
        found_via: vec![via],
    });
}

fn java_exe() -> &'static str {
    if cfg!(windows) {
        "java.exe"
    } else {
        "java"
    }
}

/// The first `java` a shell would run from this PATH value.
fn find_on_path(path_env: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path_env)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(java_exe()))
        .find(|p| p.is_file())
}

/// java.home of the JVM that `exe` starts: the launcher resolves its own real
/// path, so follow symlinks and go up from `bin/`.
fn home_from_exe(exe: &Path) -> Option<PathBuf> {
    let real = canon(exe)?;
    let home = normalize_home(real.parent()?.parent()?.to_path_buf());
    looks_like_java_home(&home).then_some(home)
}

/// java.home for a directory that should be one (JAVA_HOME, an install dir).
/// Only directories with bin/java(.exe) count.
fn home_from_dir(dir: &Path) -> Option<PathBuf> {
    let exe = dir.join("bin").join(java_exe());
    if !exe.is_file() {
        return None;
    }
    home_from_exe(&exe).or_else(|| {
        let home = normalize_home(canon(dir)?);
        looks_like_java_home(&home).then_some(home)
    })
}

/// JDK 8: `<jdk>/bin/java` runs with java.home = `<jdk>/jre`.
fn normalize_home(home: PathBuf) -> PathBuf {
    let jre = home.join("jre");
    if jre.join("bin").join(java_exe()).is_file() && jre.join("lib").is_dir() {
        jre
    } else {
        home
    }
}

/// Keeps stubs out: macOS's /usr/bin/java (not a symlink) would otherwise make
/// /usr a "java.home".
fn looks_like_java_home(home: &Path) -> bool {
    if !home.join("bin").join(java_exe()).is_file() {
        return false;
    }
    let lib = home.join("lib");
    [
        home.join("release"),
        lib.join("modules"),
        lib.join("jvm.cfg"),
        lib.join("rt.jar"),
        lib.join("security").join("java.security"),
        home.join("conf").join("security").join("java.security"),
    ]
    .iter()
    .any(|p| p.exists())
        || fs::symlink_metadata(lib.join("security").join("cacerts")).is_ok()
}

/// The key=value lines of `<home>/release`, or `<jdk>/release` for a JDK 8
/// `jre` java.home.
fn release_file(home: &Path) -> Option<String> {
    let direct = fs::read_to_string(home.join("release")).ok();
    direct.or_else(|| {
        if home.file_name()? == "jre" {
            fs::read_to_string(home.parent()?.join("release")).ok()
        } else {
            None
        }
    })
}

fn release_value(release: &str, key: &str) -> Option<String> {
    release.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

fn read_version(home: &Path) -> Option<String> {
    release_value(&release_file(home)?, "JAVA_VERSION").filter(|v| !v.is_empty())
}

/// The JVM a plain `java` command runs: the `java` on PATH if there is one,
/// else JAVA_HOME, else the first one discovered. Build tools (mvn, gradle,
/// most service scripts) use JAVA_HOME instead; look for the entry whose
/// `found_via` starts with "JAVA_HOME" when diagnosing those. On macOS,
/// /usr/bin/java is a stub that does not count as a JVM here; it runs
/// JAVA_HOME if set (matching this fallback), else the newest installed JDK.
pub fn default_jvm(jvms: &[Jvm]) -> Option<&Jvm> {
    let via = |prefix: &str| {
        jvms.iter()
            .find(|j| j.found_via.iter().any(|v| v.starts_with(prefix)))
    };
    via("java on PATH")
        .or_else(|| via("JAVA_HOME"))
        .or_else(|| jvms.first())
}

/// The trust store that a JVM with this java_home loads under these options.
/// A JDK 8 root (`<jdk>`) is treated as its `<jdk>/jre`.
pub fn truststore_for(java_home: &Path, opts: &JavaOpts) -> Truststore {
    let home = normalize_home(java_home.to_path_buf());
    let sec = home.join("lib").join("security");
    let cacerts = sec.join("cacerts");
    let jssecacerts = sec.join("jssecacerts");
    let mut warnings = Vec::new();

    if let Some(prop) = &opts.trust_store {
        if prop == "NONE" {
            let pkcs11 = opts
                .trust_store_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("PKCS11"));
            warnings.push(format!(
                "-D{TRUST_STORE}=NONE: the trust store is not a file; with \
                 trustStoreType=PKCS11 the anchors come from a PKCS#11 token, which \
                 trustfix cannot inspect"
            ));
            if !pkcs11 {
                warnings.push(format!(
                    "-D{TRUST_STORE}=NONE without -D{TRUST_STORE_TYPE}=PKCS11 gives an \
                     EMPTY trust store: this JVM rejects every server certificate"
                ));
            }
            return Truststore {
                path: PathBuf::from("NONE"),
                resolved: None,
                source: TrustSource::Property,
                store_type: opts.trust_store_type.clone(),
                password: opts.trust_store_password.clone(),
                distro_managed: None,
                warnings,
                exists: false,
            };
        }
        let p = PathBuf::from(prop);
        if prop.starts_with('~') {
            warnings.push(format!(
                "-D{TRUST_STORE}={prop}: Java does not expand '~'; use an absolute path"
            ));
        } else if !prop.is_empty() && p.is_relative() {
            warnings.push(format!(
                "-D{TRUST_STORE}={prop} is relative: the JVM resolves it against its own \
                 working directory; trustfix checked it against its current directory"
            ));
        }
        if readable_file(&p) {
            return finish(p, TrustSource::Property, opts, warnings);
        }
        let why = if prop.is_empty() {
            "is empty"
        } else if !p.exists() {
            "does not exist"
        } else if p.is_dir() {
            "is a directory"
        } else {
            "is not readable (by trustfix)"
        };
        if old_jdk8_empty_fallback(&home) {
            warnings.push(format!(
                "-D{TRUST_STORE}={prop} {why}: this JDK 8 build (before the 8u261/8u272 \
                 TLS 1.3 backport) then loads an EMPTY trust store and every handshake \
                 fails with \"the trustAnchors parameter must be non-empty\""
            ));
            let mut t = finish(p, TrustSource::Property, opts, warnings);
            t.exists = false;
            return t;
        }
        warnings.push(format!(
            "-D{TRUST_STORE}={prop} {why}: the JVM silently ignores it and loads {} \
             instead (never jssecacerts); fix the option or create that file",
            cacerts.display()
        ));
        return finish(cacerts, TrustSource::Cacerts, opts, warnings);
    }

    if readable_file(&jssecacerts) {
        warnings.push(format!(
            "{} exists, so this JVM loads it INSTEAD of {}: certificates in cacerts \
             (including those kept there by update-ca-certificates / update-ca-trust) \
             are not trusted at all. Often a stale copy left by InstallCert; remove it \
             unless it is meant to be there",
            jssecacerts.display(),
            cacerts.display()
        ));
        return finish(jssecacerts, TrustSource::Jssecacerts, opts, warnings);
    }
    if jssecacerts.exists() {
        warnings.push(format!(
            "{} exists but trustfix cannot read it; a JVM user that can read it loads it \
             instead of cacerts",
            jssecacerts.display()
        ));
    }
    finish(cacerts, TrustSource::Cacerts, opts, warnings)
}

/// Fills in the file facts of the store the JVM loads.
fn finish(
    path: PathBuf,
    source: TrustSource,
    opts: &JavaOpts,
    mut warnings: Vec<String>,
) -> Truststore {
    let exists = path.is_file();
    let resolved = match canon(&path) {
        Some(c) => (Some(&c) != absolute(&path).as_ref()).then_some(c),
        None => link_target(&path),
    };
    let distro_managed = resolved
        .as_deref()
        .and_then(distro_of)
        .or_else(|| distro_of(&path));
    if !exists {
        let mut w = match &resolved {
            Some(target) => format!(
                "{} is a symlink to {}, which does not exist: this JVM has no trust \
                 store and rejects every server certificate",
                path.display(),
                target.display()
            ),
            None => format!(
                "{} does not exist: this JVM has no trust store and rejects every \
                 server certificate",
                path.display()
            ),
        };
        match distro_managed {
            Some(Distro::Debian) => {
                w.push_str(" (install ca-certificates-java, then run `update-ca-certificates -f`)")
            }
            Some(Distro::Rhel) => {
                w.push_str(" (reinstall ca-certificates, then run `update-ca-trust`)")
            }
            None => {}
        }
        // For an unusable property the caller has already explained.
        if source != TrustSource::Property {
            warnings.push(w);
        }
    }
    Truststore {
        path,
        resolved,
        source,
        store_type: opts.trust_store_type.clone(),
        password: opts.trust_store_password.clone(),
        distro_managed,
        warnings,
        exists,
    }
}

/// JDK 8 before the TLS 1.3 backport (Oracle 8u261, OpenJDK 8u272) used an
/// empty store when the trustStore file was missing; later JDKs fall back to
/// cacerts. An unknown version counts as a current JDK.
fn old_jdk8_empty_fallback(home: &Path) -> bool {
    let Some(release) = release_file(home) else {
        return false;
    };
    let Some(version) = release_value(&release, "JAVA_VERSION") else {
        return false;
    };
    let Some(update) = version.strip_prefix("1.8.0_") else {
        return false;
    };
    let digits: String = update.chars().take_while(|c| c.is_ascii_digit()).collect();
    let Ok(update) = digits.parse::<u32>() else {
        return false;
    };
    let oracle = release_value(&release, "IMPLEMENTOR").is_some_and(|i| i.contains("Oracle"));
    update < if oracle { 261 } else { 272 }
}

/// Debian or RHEL, if this (resolved) path is a store their tools generate.
/// Matches the end of the path, so a mounted image's root also works.
pub fn distro_of(path: &Path) -> Option<Distro> {
    let ends_with = |suffix: &[&str]| {
        let comps: Vec<&OsStr> = path
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => Some(s),
                _ => None,
            })
            .collect();
        comps.len() >= suffix.len()
            && comps[comps.len() - suffix.len()..]
                .iter()
                .zip(suffix)
                .all(|(a, b)| *a == OsStr::new(b))
    };
    if ends_with(&["etc", "ssl", "certs", "java", "cacerts"]) {
        Some(Distro::Debian)
    } else if ends_with(&["etc", "pki", "ca-trust", "extracted", "java", "cacerts"])
        || ends_with(&["etc", "pki", "java", "cacerts"])
    {
        Some(Distro::Rhel)
    } else {
        None
    }
}

/// What the JVM's `File.isFile() && canRead()` would say (as trustfix's user).
fn readable_file(p: &Path) -> bool {
    p.is_file() && fs::File::open(p).is_ok()
}

fn absolute(p: &Path) -> Option<PathBuf> {
    std::path::absolute(p).ok()
}

/// `fs::canonicalize` without Windows' `\\?\` prefix, so paths compare and
/// print the way users write them.
fn canon(p: &Path) -> Option<PathBuf> {
    let c = fs::canonicalize(p).ok()?;
    if cfg!(windows) {
        if let Some(s) = c.to_str().and_then(strip_verbatim) {
            return Some(PathBuf::from(s));
        }
    }
    Some(c)
}

fn strip_verbatim(s: &str) -> Option<String> {
    if let Some(rest) = s.strip_prefix(r"\\?\UNC\") {
        return Some(format!(r"\\{rest}"));
    }
    let rest = s.strip_prefix(r"\\?\")?;
    (rest.as_bytes().get(1) == Some(&b':')).then(|| rest.to_string())
}

/// Where a symlink chain ends even when the target is missing (a dangling
/// Debian cacerts link when ca-certificates-java is not installed).
fn link_target(p: &Path) -> Option<PathBuf> {
    let mut cur = absolute(p)?;
    let mut followed = false;
    for _ in 0..40 {
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let t = fs::read_link(&cur).ok()?;
                cur = if t.is_absolute() {
                    t
                } else {
                    cur.parent()?.join(t)
                };
                followed = true;
            }
            _ => break,
        }
    }
    followed.then_some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, b"x").unwrap();
    }

    /// A fake JDK 9+ java.home: bin/java, release, lib/security/cacerts.
    fn fake_jdk(home: &Path, version: &str) {
        touch(&home.join("bin").join(java_exe()));
        fs::write(
            home.join("release"),
            format!("IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"{version}\"\n"),
        )
        .unwrap();
        touch(&home.join("lib/security/cacerts"));
    }

    fn c(p: &Path) -> PathBuf {
        canon(p).unwrap()
    }

    fn no_opts() -> JavaOpts {
        JavaOpts::default()
    }

    #[test]
    fn opts_parsing_and_precedence() {
        let o = parse_opts(
            Some(r#"-Xmx1g -Djavax.net.ssl.trustStore="/opt/my store.jks" -Dfoo"#),
            Some("-Djavax.net.ssl.trustStore=/tool -Djavax.net.ssl.trustStorePassword=secret"),
            Some("-Djavax.net.ssl.trustStore=/jdk '-Djavax.net.ssl.trustStoreType=PKCS12'"),
        );
        assert_eq!(o.trust_store.as_deref(), Some("/opt/my store.jks"));
        assert_eq!(o.trust_store_type.as_deref(), Some("PKCS12"));
        assert_eq!(o.trust_store_password.as_deref(), Some("secret"));

        // JDK_JAVA_OPTIONS comes after JAVA_TOOL_OPTIONS.
        let o = parse_opts(
            None,
            Some("-Djavax.net.ssl.trustStore=/tool"),
            Some("-Djavax.net.ssl.trustStore=/jdk"),
        );
        assert_eq!(o.trust_store.as_deref(), Some("/jdk"));

        // Later definitions in one string win; backslashes are kept; `-Dx` is "".
        let o = parse_opts(
            Some(
                r"-Djavax.net.ssl.trustStore=C:\a -Djavax.net.ssl.trustStore=C:\b\c.jks -Djavax.net.ssl.trustStorePassword",
            ),
            None,
            None,
        );
        assert_eq!(o.trust_store.as_deref(), Some(r"C:\b\c.jks"));
        assert_eq!(o.trust_store_password.as_deref(), Some(""));

        // Similar names are not the trust store.
        let o = parse_opts(
            Some("-Djavax.net.ssl.trustStoreProvider=SUN -Djavax.net.ssl.keyStore=/k -Djavax.net.ssl.trustStores=/x"),
            Some(""),
            None,
        );
        assert_eq!(o, JavaOpts::default());
    }

    #[test]
    fn split_args_quotes() {
        assert_eq!(
            split_args(r#"  -Da="x y"  '-Db=1 2' -Dc=it's"#),
            vec!["-Da=x y", "-Db=1 2", "-Dc=its"]
        );
        assert_eq!(split_args(r#"-Dd="""#), vec!["-Dd="]);
        assert!(split_args("   ").is_empty());
    }

    #[test]
    fn plain_cacerts() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("jdk17");
        fake_jdk(&home, "17.0.15");
        let jvms = discover_in(Some(home.clone()), None, &[], &no_opts());
        assert_eq!(jvms.len(), 1);
        let j = &jvms[0];
        assert_eq!(j.java_home, c(&home));
        assert_eq!(j.found_via, vec!["JAVA_HOME"]);
        assert_eq!(j.version.as_deref(), Some("17.0.15"));
        let ts = &j.truststore;
        assert_eq!(ts.source, TrustSource::Cacerts);
        assert_eq!(ts.path, c(&home).join("lib/security/cacerts"));
        assert!(ts.exists);
        assert_eq!(ts.resolved, None);
        assert_eq!(ts.distro_managed, None);
        assert!(ts.warnings.is_empty(), "{:?}", ts.warnings);
    }

    #[cfg(unix)]
    #[test]
    fn debian_symlink_resolves_and_dangling_link_warns() {
        let t = tempfile::tempdir().unwrap();
        let etc_store = t.path().join("etc/ssl/certs/java/cacerts");
        touch(&etc_store);
        let home = t.path().join("usr/lib/jvm/java-17-openjdk-amd64");
        fake_jdk(&home, "17.0.15");
        let cacerts = home.join("lib/security/cacerts");
        fs::remove_file(&cacerts).unwrap();
        std::os::unix::fs::symlink(&etc_store, &cacerts).unwrap();

        let ts = truststore_for(&home, &no_opts());
        assert_eq!(ts.source, TrustSource::Cacerts);
        assert_eq!(ts.path, cacerts);
        assert_eq!(ts.resolved, Some(c(&etc_store)));
        assert_eq!(ts.distro_managed, Some(Distro::Debian));
        assert!(ts.exists);
        assert!(ts.warnings.is_empty(), "{:?}", ts.warnings);

        // ca-certificates-java missing: dangling link.
        fs::remove_file(&etc_store).unwrap();
        let ts = truststore_for(&home, &no_opts());
        assert!(!ts.exists);
        assert_eq!(ts.resolved, Some(etc_store.clone()));
        assert_eq!(ts.distro_managed, Some(Distro::Debian));
        assert_eq!(ts.warnings.len(), 1);
        assert!(ts.warnings[0].contains("does not exist"));
        assert!(ts.warnings[0].contains("ca-certificates-java"));
    }

    #[test]
    fn jssecacerts_hides_cacerts() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("jdk");
        fake_jdk(&home, "21.0.2");
        touch(&home.join("lib/security/jssecacerts"));
        let ts = truststore_for(&home, &no_opts());
        assert_eq!(ts.source, TrustSource::Jssecacerts);
        assert_eq!(ts.path, home.join("lib/security/jssecacerts"));
        assert!(ts.exists);
        assert_eq!(ts.warnings.len(), 1);
        assert!(ts.warnings[0].contains("INSTEAD of"), "{:?}", ts.warnings);
    }

    #[test]
    fn trust_store_property_overrides() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("jdk");
        fake_jdk(&home, "17.0.1");
        touch(&home.join("lib/security/jssecacerts"));
        let mine = t.path().join("my.p12");
        touch(&mine);
        let opts = parse_opts(
            Some(&format!(
                "-Djavax.net.ssl.trustStore=\"{}\" -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=pw",
                mine.display()
            )),
            None,
            None,
        );
        let ts = truststore_for(&home, &opts);
        assert_eq!(ts.source, TrustSource::Property);
        assert_eq!(ts.path, mine);
        assert!(ts.exists);
        assert_eq!(ts.store_type.as_deref(), Some("PKCS12"));
        assert_eq!(ts.password.as_deref(), Some("pw"));
        assert!(ts.warnings.is_empty(), "{:?}", ts.warnings);

        // Through discovery too.
        let jvms = discover_in(Some(home.clone()), None, &[], &opts);
        assert_eq!(jvms[0].truststore.source, TrustSource::Property);
    }

    #[test]
    fn missing_trust_store_falls_back_to_cacerts() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("jdk");
        fake_jdk(&home, "17.0.1");
        // jssecacerts is NOT used in the fallback.
        touch(&home.join("lib/security/jssecacerts"));
        let missing = t.path().join("nope.jks");
        let opts = JavaOpts {
            trust_store: Some(missing.display().to_string()),
            trust_store_type: Some("JKS".into()),
            ..Default::default()
        };
        let ts = truststore_for(&home, &opts);
        assert_eq!(ts.source, TrustSource::Cacerts);
        assert_eq!(ts.path, home.join("lib/security/cacerts"));
        assert!(ts.exists);
        assert_eq!(ts.store_type.as_deref(), Some("JKS"));
        assert_eq!(ts.warnings.len(), 1);
        assert!(ts.warnings[0].contains("does not exist"));
        assert!(ts.warnings[0].contains("silently ignores"));

        // A directory is not a store either.
        let opts = JavaOpts {
            trust_store: Some(t.path().display().to_string()),
            ..Default::default()
        };
        let ts = truststore_for(&home, &opts);
        assert_eq!(ts.source, TrustSource::Cacerts);
        assert!(ts.warnings[0].contains("is a directory"));
    }

    #[test]
    fn old_jdk8_missing_trust_store_is_empty() {
        let t = tempfile::tempdir().unwrap();
        let jdk = t.path().join("jdk1.8.0_202");
        touch(&jdk.join("bin").join(java_exe()));
        touch(&jdk.join("jre").join("bin").join(java_exe()));
        touch(&jdk.join("jre/lib/security/cacerts"));
        fs::write(
            jdk.join("release"),
            "JAVA_VERSION=\"1.8.0_202\"\nIMPLEMENTOR=\"Oracle Corporation\"\n",
        )
        .unwrap();
        let opts = JavaOpts {
            trust_store: Some("/definitely/missing.jks".into()),
            ..Default::default()
        };
        let ts = truststore_for(&jdk, &opts);
        assert_eq!(ts.source, TrustSource::Property);
        assert!(!ts.exists);
        assert!(ts.warnings.iter().any(|w| w.contains("EMPTY")));
    }

    #[test]
    fn none_is_reported() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("jdk");
        fake_jdk(&home, "17");
        let opts = parse_opts(Some("-Djavax.net.ssl.trustStore=NONE"), None, None);
        let ts = truststore_for(&home, &opts);
        assert_eq!(ts.path, PathBuf::from("NONE"));
        assert_eq!(ts.source, TrustSource::Property);
        assert!(!ts.exists);
        assert_eq!(ts.warnings.len(), 2);
        assert!(ts.warnings[1].contains("EMPTY"));

        let opts = parse_opts(
            Some("-Djavax.net.ssl.trustStore=NONE -Djavax.net.ssl.trustStoreType=PKCS11"),
            None,
            None,
        );
        let ts = truststore_for(&home, &opts);
        assert_eq!(ts.warnings.len(), 1);
        assert!(ts.warnings[0].contains("PKCS#11"));
    }

    #[test]
    fn relative_and_tilde_trust_store_warn() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("jdk");
        fake_jdk(&home, "17");
        let opts = JavaOpts {
            trust_store: Some("~/store.jks".into()),
            ..Default::default()
        };
        let ts = truststore_for(&home, &opts);
        assert!(ts.warnings[0].contains("does not expand"));
        let opts = JavaOpts {
            trust_store: Some("certs/nothing-here.jks".into()),
            ..Default::default()
        };
        let ts = truststore_for(&home, &opts);
        assert!(ts.warnings[0].contains("relative"));
        assert_eq!(ts.source, TrustSource::Cacerts);
    }

    #[test]
    fn jdk8_jre_layout() {
        let t = tempfile::tempdir().unwrap();
        let jdk = t.path().join("jdk1.8.0_392");
        touch(&jdk.join("bin").join(java_exe()));
        touch(&jdk.join("jre").join("bin").join(java_exe()));
        touch(&jdk.join("jre/lib/rt.jar"));
        touch(&jdk.join("jre/lib/security/cacerts"));
        fs::write(jdk.join("release"), "JAVA_VERSION=\"1.8.0_392\"\n").unwrap();

        let jvms = discover_in(Some(jdk.clone()), None, &[], &no_opts());
        assert_eq!(jvms.len(), 1);
        let j = &jvms[0];
        assert_eq!(j.java_home, c(&jdk).join("jre"));
        assert_eq!(j.found_via, vec!["JAVA_HOME"]);
        assert_eq!(j.version.as_deref(), Some("1.8.0_392"));
        assert_eq!(
            j.truststore.path,
            c(&jdk).join("jre").join("lib/security/cacerts")
        );
        assert!(j.truststore.exists);

        // truststore_for accepts the JDK root too.
        let ts = truststore_for(&jdk, &no_opts());
        assert_eq!(ts.path, jdk.join("jre/lib/security/cacerts"));

        // A PATH entry of <jdk>/jre/bin lands on the same JVM.
        let path = std::env::join_paths([jdk.join("jre").join("bin")]).unwrap();
        let jvms = discover_in(Some(jdk.clone()), Some(path), &[], &no_opts());
        assert_eq!(jvms.len(), 1);
        assert_eq!(jvms[0].found_via.len(), 2);
    }

    #[test]
    fn invalid_java_home_is_ignored() {
        let t = tempfile::tempdir().unwrap();
        let empty = t.path().join("not-a-jdk");
        fs::create_dir_all(empty.join("bin")).unwrap();
        // A stub: bin/java but nothing that makes it a java.home.
        let stub = t.path().join("usr");
        touch(&stub.join("bin").join(java_exe()));
        for jh in [
            Some(t.path().join("missing")),
            Some(empty.clone()),
            Some(stub.clone()),
            Some(PathBuf::new()),
            None,
        ] {
            let path = std::env::join_paths([t.path().join("nothing"), stub.join("bin")]).unwrap();
            let jvms = discover_in(jh, Some(path), &[t.path().to_path_buf()], &no_opts());
            assert!(jvms.is_empty(), "{jvms:?}");
        }
        assert!(default_jvm(&[]).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn path_java_symlinked_into_java_home_is_deduplicated() {
        let t = tempfile::tempdir().unwrap();
        let home = t.path().join("jvm/jdk-21");
        fake_jdk(&home, "21.0.3");
        let other = t.path().join("jvm/jdk-11");
        fake_jdk(&other, "11.0.22");
        // /usr/lib/jvm style alias symlink to the same JDK.
        std::os::unix::fs::symlink(&home, t.path().join("jvm/jdk-21-alias")).unwrap();
        // /usr/bin/java -> /etc/alternatives/java -> <home>/bin/java
        let alt = t.path().join("etc/alternatives");
        fs::create_dir_all(&alt).unwrap();
        std::os::unix::fs::symlink(home.join("bin/java"), alt.join("java")).unwrap();
        let bin = t.path().join("usr/bin");
        fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(alt.join("java"), bin.join("java")).unwrap();

        let path = std::env::join_paths([t.path().join("empty"), bin.clone()]).unwrap();
        let root = t.path().join("jvm");
        let jvms = discover_in(
            Some(home.clone()),
            Some(path),
            std::slice::from_ref(&root),
            &no_opts(),
        );
        assert_eq!(jvms.len(), 2, "{jvms:?}");
        assert_eq!(jvms[0].java_home, c(&home));
        assert_eq!(jvms[0].found_via.len(), 3, "{:?}", jvms[0].found_via);
        assert_eq!(jvms[0].found_via[0], "JAVA_HOME");
        assert!(jvms[0].found_via[1].starts_with("java on PATH ("));
        assert!(jvms[0].found_via[1].contains(" -> "));
        assert_eq!(jvms[0].found_via[2], root.display().to_string());
        assert_eq!(jvms[1].java_home, c(&other));
        assert_eq!(jvms[1].version.as_deref(), Some("11.0.22"));

        // PATH wins for a plain `java`.
        let path = std::env::join_paths([bin]).unwrap();
        let jvms = discover_in(Some(other.clone()), Some(path), &[], &no_opts());
        assert_eq!(default_jvm(&jvms).unwrap().java_home, c(&home));
        // Without PATH java, JAVA_HOME.
        let jvms = discover_in(Some(other.clone()), None, &[root], &no_opts());
        assert_eq!(default_jvm(&jvms).unwrap().java_home, c(&other));

        // JAVA_HOME=/usr style: bin/java links into the real JDK.
        let jvms = discover_in(Some(t.path().join("usr")), None, &[], &no_opts());
        assert_eq!(jvms.len(), 1);
        assert_eq!(jvms[0].java_home, c(&home));
        assert!(jvms[0].found_via[0].starts_with("JAVA_HOME ("));
    }

    #[test]
    fn macos_bundle_layout_under_root() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("JavaVirtualMachines");
        let home = root.join("temurin-21.jdk/Contents/Home");
        fake_jdk(&home, "21.0.1");
        fs::create_dir_all(root.join("junk")).unwrap();
        let jvms = discover_in(
            None,
            None,
            &[root.clone(), t.path().join("nope")],
            &no_opts(),
        );
        assert_eq!(jvms.len(), 1);
        assert_eq!(jvms[0].java_home, c(&home));
        assert_eq!(jvms[0].found_via, vec![root.display().to_string()]);
        assert_eq!(default_jvm(&jvms).unwrap().java_home, c(&home));
    }

    #[test]
    fn distro_detection() {
        assert_eq!(
            distro_of(Path::new("/etc/ssl/certs/java/cacerts")),
            Some(Distro::Debian)
        );
        assert_eq!(
            distro_of(Path::new("/etc/pki/ca-trust/extracted/java/cacerts")),
            Some(Distro::Rhel)
        );
        assert_eq!(
            distro_of(Path::new("/etc/pki/java/cacerts")),
            Some(Distro::Rhel)
        );
        assert_eq!(
            distro_of(Path::new("/mnt/image/etc/ssl/certs/java/cacerts")),
            Some(Distro::Debian)
        );
        assert_eq!(
            distro_of(Path::new("/usr/lib/jvm/x/lib/security/cacerts")),
            None
        );
        assert_eq!(distro_of(Path::new("/etc/ssl/certs/java")), None);
        assert_eq!(distro_of(Path::new("cacerts")), None);
    }

    #[test]
    fn verbatim_prefix_stripping() {
        assert_eq!(
            strip_verbatim(r"\\?\C:\Program Files\Java").as_deref(),
            Some(r"C:\Program Files\Java")
        );
        assert_eq!(
            strip_verbatim(r"\\?\UNC\server\share\jdk").as_deref(),
            Some(r"\\server\share\jdk")
        );
        assert_eq!(strip_verbatim(r"\\?\Volume{x}\jdk"), None);
        assert_eq!(strip_verbatim("/usr/lib/jvm"), None);
    }

    /// Against this machine: Debian's OpenJDK 17 uses the ca-certificates-java
    /// store.
    #[test]
    fn real_machine_openjdk17() {
        let jvm_dir = Path::new("/usr/lib/jvm");
        if !jvm_dir.is_dir() {
            eprintln!("skipped: /usr/lib/jvm is absent");
            return;
        }
        let has17 = fs::read_dir(jvm_dir)
            .map(|rd| {
                rd.flatten().any(|e| {
                    let n = e.file_name().to_string_lossy().to_string();
                    n.contains("17") && n.contains("openjdk") && e.path().join("bin/java").is_file()
                })
            })
            .unwrap_or(false);
        if !has17 {
            eprintln!("skipped: no OpenJDK 17 under /usr/lib/jvm");
            return;
        }
        let jvms = discover(&JavaOpts::default());
        for j in &jvms {
            eprintln!(
                "{} {:?} via {:?}: {:?} -> {:?} {:?} {:?}",
                j.java_home.display(),
                j.version,
                j.found_via,
                j.truststore.source,
                j.truststore.resolved,
                j.truststore.distro_managed,
                j.truststore.warnings
            );
        }
        let j = jvms
            .iter()
            .find(|j| {
                j.java_home.starts_with(jvm_dir)
                    && j.version.as_deref().is_some_and(|v| v.starts_with("17"))
            })
            .unwrap_or_else(|| panic!("no OpenJDK 17 in {jvms:#?}"));
        assert!(j.found_via.iter().any(|v| v == "/usr/lib/jvm"), "{j:?}");
        let ts = &j.truststore;
        if Path::new("/etc/debian_version").exists() {
            assert_eq!(ts.source, TrustSource::Cacerts, "{ts:?}");
            assert_eq!(ts.path, j.java_home.join("lib/security/cacerts"));
            assert_eq!(
                ts.resolved.as_deref(),
                Some(Path::new("/etc/ssl/certs/java/cacerts")),
                "{ts:?}"
            );
            assert_eq!(ts.distro_managed, Some(Distro::Debian));
            assert!(ts.exists);
        } else {
            eprintln!("not Debian; found {j:?}");
        }
    }
}
