//! Taking certificates out: `export` (the certificates of a diagnosed path
//! written to files, with the commands that import them on each platform).
//! `cmd/export.rs` renders the outcome.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use trustfix_platform::{choice, Role, Scope};

use crate::cert::Cert;
use crate::diagnose::FindingId;
use crate::error::Error;
use crate::path::{End, Origin, Paths};
use crate::report::Report;
use crate::run;
use crate::util::der::{self, oid};

/// Why `export` wrote nothing (or, for a write error, not everything).
#[derive(Debug)]
pub enum ExportError {
    /// The report has no path (the check failed before building one).
    NoPathBuilt {
        /// The file or target exported from.
        source: String,
    },
    /// The path set is empty.
    NoPath,
    /// `--what root`: the path ends at a certificate that is not self-issued.
    RootUnknown {
        /// The last certificate's subject.
        subject: String,
        /// Its issuer, which nobody has.
        issuer: String,
    },
    /// `--what root`: the best path has no certificate.
    EmptyPath,
    /// `--what missing`: what the client lacks is not at hand.
    NotAtHand {
        /// The issuer nobody sent or holds.
        issuer: String,
        /// Where to get it.
        advice: String,
    },
    /// A file to write exists and `--force` was not given.
    Exists(PathBuf),
    /// The output directory could not be created.
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A file could not be written.
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::NoPathBuilt { source } => {
                write!(f, "{source}: no certification path was built")
            }
            ExportError::NoPath => f.write_str("no certification path: nothing to export"),
            ExportError::RootUnknown { subject, issuer } => write!(
                f,
                "the root is not known: the path ends at '{subject}', whose issuer '{issuer}' is neither in the file or chain sent nor in the store"
            ),
            ExportError::EmptyPath => f.write_str("the root is not known: empty path"),
            ExportError::NotAtHand { issuer, advice } => write!(
                f,
                "nothing exported: the client lacks '{issuer}', which is not at hand: {advice}"
            ),
            ExportError::Exists(p) => write!(
                f,
                "{}: already exists; pass --force to overwrite it",
                p.display()
            ),
            ExportError::CreateDir { path, source } => {
                write!(f, "{}: cannot create directory: {source}", path.display())
            }
            ExportError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for ExportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExportError::CreateDir { source, .. } | ExportError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `--what`: which certificates of the best path to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum What {
    /// What the store lacks: the untrusted root, intermediates not in the store.
    Missing,
    /// Every certificate of the path, the server's first.
    Chain,
    /// The self-issued certificate the path ends at.
    Root,
}

impl What {
    /// The value as `--what` takes it; also the `.p7b` file's name and JSON's `what`.
    pub fn as_str(self) -> &'static str {
        match self {
            What::Missing => "missing",
            What::Chain => "chain",
            What::Root => "root",
        }
    }
}

/// `--format`: PEM files, DER files (`.cer`), or one PKCS#7 bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One PEM file (.pem) per certificate.
    Pem,
    /// One DER file (.cer) per certificate, as Windows expects.
    Der,
    /// One PKCS#7 bundle (WHAT.p7b) with every certificate, in path order.
    P7b,
}

impl Format {
    /// The value as `--format` takes it, and JSON's `format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pem => "pem",
            Format::Der => "der",
            Format::P7b => "p7b",
        }
    }
}

/// What a certificate is for the one who imports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertRole {
    /// Self-issued: a trust anchor (Windows Root).
    Root,
    /// A CA certificate that only helps build paths (Windows CA).
    Intermediate,
    /// The server's own certificate: not for a trust store.
    Leaf,
}

impl CertRole {
    /// The role's name in text and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            CertRole::Root => "root",
            CertRole::Intermediate => "intermediate",
            CertRole::Leaf => "leaf",
        }
    }

    fn platform(self) -> Option<Role> {
        match self {
            CertRole::Root => Some(Role::Root),
            CertRole::Intermediate => Some(Role::Intermediate),
            CertRole::Leaf => None,
        }
    }
}

/// Where the chain to export comes from.
pub enum Source {
    /// A chain file, diagnosed offline like `show FILE --store S`.
    File(run::ShowOptions),
    /// A server, diagnosed like `check TARGET`.
    Server(run::CheckOptions),
}

/// Diagnoses the source; an error names `input` (the file or the target
/// as given).
pub fn diagnose_source(input: &str, s: &Source) -> Result<Report, Error> {
    let r = match s {
        Source::File(o) => run::show(o),
        Source::Server(o) => run::check(o),
    };
    match &r.error {
        Some(e) => Err(Error::Check {
            phase: e.phase.clone(),
            message: if e.message.contains(input) {
                e.message.clone()
            } else {
                format!("{input}: {}", e.message)
            },
        }),
        None => Ok(r),
    }
}

/// What `export` writes, and where.
pub struct Options {
    /// Which certificates of the best path.
    pub what: What,
    /// The file format.
    pub format: Format,
    /// The directory to write to (created if needed).
    pub out: PathBuf,
    /// Overwrite existing files; without it, an existing file means nothing is written.
    pub force: bool,
}

/// One exported certificate; a `.p7b` bundle has one per certificate, all
/// with the same path.
#[derive(Debug, Clone)]
pub struct ExportedFile {
    /// The file written (for `.p7b`, the one bundle).
    pub path: PathBuf,
    /// The certificate written (one of the bundle's, for `.p7b`).
    pub cert: Cert,
    /// What the certificate is to a trust store: decides the import commands.
    pub role: CertRole,
}

/// What a human types to import the files, per platform.
#[derive(Debug, Clone, Default)]
pub struct Commands {
    /// `certutil` and `Import-Certificate`, into LocalMachine Root or CA by role.
    pub windows: Vec<String>,
    /// `security`, into the System keychain (roots as trustRoot).
    pub macos: Vec<String>,
    /// `keytool -importcert` into the JVM's cacerts.
    pub java: Vec<String>,
    /// Debian and Ubuntu: copy to /usr/local/share/ca-certificates, `update-ca-certificates`.
    pub debian: Vec<String>,
    /// RHEL and Fedora: copy to /etc/pki/ca-trust/source/anchors, `update-ca-trust extract`.
    pub rhel: Vec<String>,
}

/// What `export` did, for `cmd/export.rs` to render.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `--what`, as given.
    pub what: What,
    /// `--format`, as given.
    pub format: Format,
    /// The file or target exported from.
    pub source: String,
    /// The store the path was built against.
    pub store: Option<String>,
    /// The best path, leaf first, with each certificate's origin.
    pub path: Vec<String>,
    /// One entry per certificate written; empty when nothing is missing.
    pub files: Vec<ExportedFile>,
    /// The commands that import `files`, per platform.
    pub commands: Commands,
    /// Remarks for the user: what could not be exported, a leaf written too.
    pub notes: Vec<String>,
}

/// The certificates `--what` picked, with their roles, and notes for the user.
pub struct Selection {
    /// The certificates in path order, each with its role.
    pub certs: Vec<(Cert, CertRole)>,
    /// Remarks for the user, e.g. an issuer nobody has, so not exported.
    pub notes: Vec<String>,
}

/// Picks the certificates of the best path that `what` asks for. For
/// `missing`: exactly what the client lacks, i.e. what neither the server
/// sends nor the store holds (fetched through AIA, supplied with `--cert`),
/// plus an untrusted root the path ends at. When the path ends at an issuer
/// nobody has, what the client lacks is not at hand: an error that says
/// where to get it (`unavailable`, the diagnosis's own advice).
pub fn select(
    paths: &Paths,
    what: What,
    unavailable: Option<&str>,
) -> Result<Selection, ExportError> {
    let Some(best) = paths.ranked.first() else {
        return Err(ExportError::NoPath);
    };
    let role = |depth: usize, c: &Cert| {
        if c.is_self_issued() {
            CertRole::Root
        } else if depth == 0 {
            CertRole::Leaf
        } else {
            CertRole::Intermediate
        }
    };
    let missing_issuer = match &best.end {
        End::Incomplete { issuer, .. } => Some(issuer.clone()),
        _ => None,
    };
    let mut notes = Vec::new();
    let picked: Vec<(Cert, CertRole)> = match what {
        What::Chain => best
            .certs
            .iter()
            .enumerate()
            .map(|(d, &i)| (paths.cert(i).clone(), role(d, paths.cert(i))))
            .collect(),
        What::Root => {
            let last = best.certs.last().map(|&i| paths.cert(i));
            match last {
                Some(c) if c.is_self_issued() => vec![(c.clone(), CertRole::Root)],
                Some(c) => {
                    return Err(ExportError::RootUnknown {
                        subject: c.subject.clone(),
                        issuer: c.issuer.clone(),
                    })
                }
                None => return Err(ExportError::EmptyPath),
            }
        }
        What::Missing => {
            if let Some(issuer) = &missing_issuer {
                return Err(ExportError::NotAtHand {
                    issuer: issuer.clone(),
                    advice: unavailable
                        .unwrap_or("get it from the CA or the PKI admin")
                        .to_string(),
                });
            }
            let last = best.certs.len() - 1;
            let mut v = Vec::new();
            for (d, &i) in best.certs.iter().enumerate() {
                let cand = &paths.pool[i];
                let untrusted_root = d == last && best.end == End::UntrustedRoot;
                let lacking = match cand.origin {
                    Origin::Fetched | Origin::Supplied => true,
                    // What the server sends the client has, except trust in the root.
                    Origin::Sent { in_store, .. } => !in_store && untrusted_root,
                    Origin::StoreAnchor | Origin::StoreIntermediate => false,
                };
                let r = if untrusted_root {
                    CertRole::Root
                } else {
                    role(d, &cand.cert)
                };
                // The server's own certificate never goes into a trust
                // store, unless it is self-signed and thus its own root.
                if lacking && r != CertRole::Leaf {
                    v.push((cand.cert.clone(), r));
                }
            }
            if !v.is_empty() && best.end == End::Trusted {
                notes.push(
                    "clients using this store already accept this chain; Java and OpenSSL clients lack the certificates \
                     trustfix fetched through AIA"
                        .into(),
                );
            }
            v
        }
    };
    if let Some(issuer) = missing_issuer {
        notes.push(format!(
            "the issuer '{issuer}' of the last certificate is neither in the file or chain sent nor in the store: it cannot be exported"
        ));
    }
    Ok(Selection {
        certs: picked,
        notes,
    })
}

/// A file-name-safe slug of the certificate's CN (or subject):
/// `CN=Contoso Offline Root CA` -> `contoso-offline-root-ca`.
pub fn slug(c: &Cert) -> String {
    let s = c.slug(64);
    if s.is_empty() {
        format!("certificate-{}", &c.sha256_hex()[..8])
    } else {
        s
    }
}

/// A degenerate PKCS#7 SignedData (no signers) holding `certs`, as
/// `openssl crl2pkcs7 -nocrl` writes it: the certificates stay in the
/// given order (OpenSSL does not sort them either).
pub fn p7b(certs: &[Cert]) -> Vec<u8> {
    let certs_der: Vec<u8> = certs.iter().flat_map(|c| c.der.iter().copied()).collect();
    let signed = der::tlv_of(
        der::SEQUENCE,
        &[
            &der::uint(1),                                                        // version 1
            &der::tlv(der::SET, &[]), // digestAlgorithms
            &der::tlv_of(der::SEQUENCE, &[&der::tlv(der::OID, oid::PKCS7_DATA)]), // contentInfo
            &der::tlv(der::context(0, true), &certs_der), // [0] IMPLICIT certificates
            &der::tlv(der::SET, &[]), // signerInfos
        ],
    );
    der::tlv_of(
        der::SEQUENCE,
        &[
            &der::tlv(der::OID, oid::PKCS7_SIGNED_DATA),
            &der::tlv(der::context(0, true), &signed),
        ],
    )
}

fn q(p: &Path) -> String {
    format!("\"{}\"", p.display())
}

/// The import commands for one file holding one certificate.
fn commands_for(path: &Path, cert: &Cert, role: Role, format: Format, c: &mut Commands) {
    let file = path.display().to_string();
    let name = slug(cert);
    c.windows
        .extend(choice::windows_add_commands(role, Scope::Machine, &file));
    c.macos
        .extend(choice::macos_add_commands(role, Scope::Machine, &file));
    c.java.push(format!(
        "keytool -importcert -noprompt -trustcacerts -alias {name} -file {} -keystore \"$JAVA_HOME/lib/security/cacerts\" -storepass changeit",
        q(path)
    ));
    let debian_copy = format!(
        "sudo cp {{}} /usr/local/share/ca-certificates/{name}.crt && sudo update-ca-certificates"
    );
    match format {
        Format::Der => {
            let pem = path.with_extension("crt");
            c.debian.push(format!(
                "openssl x509 -inform DER -in {} -out {} && {}",
                q(path),
                q(&pem),
                debian_copy.replace("{}", &q(&pem))
            ));
        }
        _ => c.debian.push(debian_copy.replace("{}", &q(path))),
    }
    c.rhel.push(format!(
        "sudo cp {} /etc/pki/ca-trust/source/anchors/ && sudo update-ca-trust extract",
        q(path)
    ));
}

/// The commands for a `.p7b` bundle: Windows imports all of it into one
/// store; the other platforms take one certificate per file.
fn commands_for_bundle(path: &Path, certs: &[(Cert, CertRole)], c: &mut Commands) {
    let file = path.display().to_string();
    let has = |r: CertRole| certs.iter().any(|(_, x)| *x == r);
    if has(CertRole::Leaf) {
        c.windows.push(format!(
            "# {file} holds the server's own certificate too, which belongs in no trust store: export --what missing or --what root for a bundle to import"
        ));
    } else if has(CertRole::Root) && has(CertRole::Intermediate) {
        c.windows.push(format!(
            "# {file} holds a root and intermediates; certutil and Import-Certificate put every certificate of a .p7b into the one store named (here Root, so the intermediates become anchors too); export --format der for one file per certificate to keep intermediates in CA"
        ));
        c.windows.extend(choice::windows_add_commands(
            Role::Root,
            Scope::Machine,
            &file,
        ));
    } else if has(CertRole::Root) {
        c.windows.extend(choice::windows_add_commands(
            Role::Root,
            Scope::Machine,
            &file,
        ));
    } else {
        c.windows.extend(choice::windows_add_commands(
            Role::Intermediate,
            Scope::Machine,
            &file,
        ));
    }
    c.macos.push(
        "# security add-trusted-cert takes one certificate per file: export --format pem or der"
            .into(),
    );
    c.java.push(
        "# keytool -importcert imports only the first certificate of a PKCS#7 file as a trusted entry: export --format pem or der".into(),
    );
    c.debian.push(
        "# update-ca-certificates reads one PEM certificate per .crt file: export --format pem"
            .into(),
    );
    c.rhel.push(
        "# update-ca-trust reads PEM or DER certificates from the anchors directory: export --format pem or der".into(),
    );
}

/// Writes what `opts.what` selects from the report's best path into
/// `opts.out`. Refuses to overwrite an existing file unless `opts.force`;
/// in that case nothing at all is written.
pub fn export(r: &Report, source: &str, opts: &Options) -> Result<Outcome, ExportError> {
    let paths = r.paths.as_ref().ok_or_else(|| ExportError::NoPathBuilt {
        source: source.to_string(),
    })?;
    // The diagnosis's advice on where to get a certificate nobody sent.
    let advice = r
        .findings
        .iter()
        .find(|f| {
            matches!(
                f.id,
                FindingId::ChainUntrustedRoot
                    | FindingId::ChainIncomplete
                    | FindingId::ChainRenewedCa
            ) && f.certificate.as_ref().is_some_and(|c| c.sha256.is_none())
        })
        .map(|f| f.fix.clone());
    let Selection {
        certs: picked,
        notes,
    } = select(paths, opts.what, advice.as_deref())?;
    // As the report names them (`show` reads files: nothing was sent).
    let sent = if r.command == "check" {
        "sent by server"
    } else {
        "from file"
    };
    let store = r.store.as_ref().map_or("the store", |s| s.label.as_str());
    let mut out = Outcome {
        what: opts.what,
        format: opts.format,
        source: source.to_string(),
        store: r.store.as_ref().map(|s| s.label.clone()),
        path: paths
            .ranked
            .first()
            .map(|p| {
                p.certs
                    .iter()
                    .map(|&i| {
                        let url = r.fetched_from.get(&paths.cert(i).sha256);
                        let origin =
                            paths.pool[i]
                                .origin
                                .describe(sent, store, url.map(String::as_str));
                        format!("{}  [{origin}]", paths.cert(i).subject)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        files: Vec::new(),
        commands: Commands::default(),
        notes,
    };
    if picked.is_empty() {
        out.notes
            .push("nothing is missing: the store holds every certificate of the path".into());
        return Ok(out);
    }
    // Name every file first, so a refusal leaves nothing half written.
    let mut planned: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    match opts.format {
        Format::P7b => {
            let certs: Vec<Cert> = picked.iter().map(|(c, _)| c.clone()).collect();
            let path = opts.out.join(format!("{}.p7b", opts.what.as_str()));
            planned.push((path.clone(), p7b(&certs)));
            for (c, role) in &picked {
                out.files.push(ExportedFile {
                    path: path.clone(),
                    cert: c.clone(),
                    role: *role,
                });
            }
        }
        Format::Pem | Format::Der => {
            let ext = if opts.format == Format::Pem {
                "pem"
            } else {
                "cer"
            };
            let mut used: Vec<String> = Vec::new();
            for (c, role) in &picked {
                let mut name = slug(c);
                if used.contains(&name) {
                    // Same CN twice (a re-keyed or cross-signed CA).
                    name = format!("{name}-{}", &c.sha256_hex()[..8]);
                }
                used.push(name.clone());
                let path = opts.out.join(format!("{name}.{ext}"));
                let data = if opts.format == Format::Pem {
                    c.to_pem().into_bytes()
                } else {
                    c.der.clone()
                };
                planned.push((path.clone(), data));
                out.files.push(ExportedFile {
                    path,
                    cert: c.clone(),
                    role: *role,
                });
            }
        }
    }
    if !opts.force {
        if let Some((p, _)) = planned.iter().find(|(p, _)| p.exists()) {
            return Err(ExportError::Exists(p.clone()));
        }
    }
    std::fs::create_dir_all(&opts.out).map_err(|source| ExportError::CreateDir {
        path: opts.out.clone(),
        source,
    })?;
    for (p, data) in &planned {
        write_file(p, data, opts.force)?;
    }
    match opts.format {
        Format::P7b => commands_for_bundle(&planned[0].0, &picked, &mut out.commands),
        _ => {
            for f in &out.files {
                if let Some(role) = f.role.platform() {
                    commands_for(&f.path, &f.cert, role, opts.format, &mut out.commands);
                }
            }
        }
    }
    if out.files.iter().any(|f| f.role == CertRole::Leaf) {
        out.notes.push(
            "the server's own certificate was written too; it belongs in no trust store, so no command imports it".into(),
        );
    }
    Ok(out)
}

fn write_file(p: &Path, data: &[u8], force: bool) -> Result<(), ExportError> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    if force {
        o.create(true).truncate(true);
    } else {
        // Never overwrite silently, not even a file created meanwhile.
        o.create_new(true);
    }
    let io = |source| ExportError::Io {
        path: p.to_path_buf(),
        source,
    };
    let mut f = o.open(p).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ExportError::Exists(p.to_path_buf())
        } else {
            io(e)
        }
    })?;
    f.write_all(data).and_then(|_| f.sync_all()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p7b_reads_back_in_order() {
        let root = crate::demo::pki::Ca::root("Contoso Offline Root CA").unwrap();
        let sub = root.intermediate("Contoso Subordinate CA").unwrap();
        let certs = vec![
            Cert::from_der(&sub.der).unwrap(),
            Cert::from_der(&root.der).unwrap(),
        ];
        let back = crate::load::certs_from_bytes(&p7b(&certs)).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].sha256, certs[0].sha256);
        assert_eq!(back[1].sha256, certs[1].sha256);
        assert_eq!(slug(&certs[1]), "contoso-offline-root-ca");
    }

    #[test]
    fn empty_p7b_is_well_formed() {
        let d = p7b(&[]);
        assert_eq!(d[0], 0x30);
        assert_eq!(d[1] as usize, d.len() - 2);
        // The bytes the hand-written encoder of 0.1.0 produced.
        let expected =
            "302506092a864886f70d010702a01830160201013100300b06092a864886f70d010701a0003100";
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }
}
