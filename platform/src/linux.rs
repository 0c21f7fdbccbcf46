//! Linux anchor directories: the admin-owned directory each distribution
//! family reads local anchors from, and the tool that rebuilds the bundles.
//! Never the vendor directories under /usr/share; tools by absolute path.
//!
//! Everything takes a root directory so plans can be tested against a fake
//! tree; the real store uses `/`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{pem, Applied, CertInput, JavaAliasRemover, Listed, OsStore, Plan, Role, Step};

/// Linux distribution family, by how it manages local anchors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Debian, Ubuntu and derivatives.
    Debian,
    /// Alpine Linux.
    Alpine,
    /// RHEL, Fedora, CentOS, Rocky, Alma, Amazon Linux.
    Rhel,
    /// SUSE Linux Enterprise and openSUSE.
    Suse,
    /// Arch Linux and Manjaro.
    Arch,
}

/// Where local anchors go and how the bundles are rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Relative to the root.
    pub anchors: &'static str,
    /// Absolute path of the refresh tool and its arguments.
    pub refresh: (&'static str, &'static [&'static str]),
}

/// Where `f` keeps local anchors and which tool rebuilds its bundles.
pub fn layout(f: Family) -> Layout {
    match f {
        // Debian's tool only picks up files ending in .crt, in PEM.
        Family::Debian | Family::Alpine => Layout {
            anchors: "usr/local/share/ca-certificates",
            refresh: ("/usr/sbin/update-ca-certificates", &[]),
        },
        Family::Rhel => Layout {
            anchors: "etc/pki/ca-trust/source/anchors",
            refresh: ("/usr/bin/update-ca-trust", &["extract"]),
        },
        Family::Suse => Layout {
            anchors: "etc/pki/trust/anchors",
            refresh: ("/usr/sbin/update-ca-certificates", &[]),
        },
        Family::Arch => Layout {
            anchors: "etc/ca-certificates/trust-source/anchors",
            refresh: ("/usr/bin/trust", &["extract-compat"]),
        },
    }
}

/// The family as messages name it (`Debian/Ubuntu`).
pub fn family_name(f: Family) -> &'static str {
    match f {
        Family::Debian => "Debian/Ubuntu",
        Family::Alpine => "Alpine",
        Family::Rhel => "RHEL/Fedora",
        Family::Suse => "SUSE",
        Family::Arch => "Arch",
    }
}

/// The family from `ID` and `ID_LIKE` of os-release (under `root`), then
/// from the tools present.
pub fn detect(root: &Path) -> Result<Family, String> {
    let text = fs::read_to_string(root.join("etc/os-release"))
        .or_else(|_| fs::read_to_string(root.join("usr/lib/os-release")))
        .unwrap_or_default();
    let mut ids = Vec::new();
    for line in text.lines() {
        if let Some(v) = line
            .strip_prefix("ID=")
            .or_else(|| line.strip_prefix("ID_LIKE="))
        {
            ids.extend(
                v.trim_matches('"')
                    .split_whitespace()
                    .map(str::to_ascii_lowercase),
            );
        }
    }
    for id in &ids {
        let f = match id.as_str() {
            "debian" | "ubuntu" => Some(Family::Debian),
            "alpine" => Some(Family::Alpine),
            "rhel" | "fedora" | "centos" | "rocky" | "almalinux" | "amzn" | "ol" => {
                Some(Family::Rhel)
            }
            "suse" | "opensuse" | "sles" | "opensuse-leap" | "opensuse-tumbleweed" => {
                Some(Family::Suse)
            }
            "arch" | "manjaro" => Some(Family::Arch),
            _ => None,
        };
        if let Some(f) = f {
            return Ok(f);
        }
    }
    let has = |p: &str| root.join(p.trim_start_matches('/')).exists();
    if has("/usr/bin/update-ca-trust") {
        Ok(Family::Rhel)
    } else if has("/usr/bin/trust") && has("/etc/ca-certificates/trust-source") {
        Ok(Family::Arch)
    } else if has("/usr/sbin/update-ca-certificates") && has("/etc/pki/trust") {
        Ok(Family::Suse)
    } else if has("/usr/sbin/update-ca-certificates") {
        Ok(Family::Debian)
    } else {
        Err(format!(
            "cannot tell the Linux family from {}etc/os-release (ID {:?}) or the tools present",
            root.display(),
            ids
        ))
    }
}

/// The anchors directory of one Linux family.
pub struct LinuxAnchors {
    /// Root of the file tree (`/` for the real system; a temporary tree in tests).
    pub root: PathBuf,
    /// Which layout applies.
    pub family: Family,
    /// Add intermediates to the anchors directory when asked: Linux bundles
    /// have no intermediate store, so they become anchors there.
    pub intermediates_as_anchors: bool,
    /// Extra arguments for the refresh tool (tests redirect Debian's
    /// directories with them).
    pub refresh_args: Vec<String>,
}

impl LinuxAnchors {
    /// The real system's anchors (root `/`, family detected from os-release).
    pub fn system() -> Result<LinuxAnchors, String> {
        let root = PathBuf::from("/");
        Ok(LinuxAnchors {
            family: detect(&root)?,
            root,
            intermediates_as_anchors: false,
            refresh_args: Vec::new(),
        })
    }

    /// The anchors directory under `root`.
    pub fn anchors_dir(&self) -> PathBuf {
        self.root.join(layout(self.family).anchors)
    }

    fn refresh_step(&self) -> Step {
        let (program, args) = layout(self.family).refresh;
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.extend(self.refresh_args.iter().cloned());
        Step::Run {
            program: PathBuf::from(program),
            args,
        }
    }

    /// Debian's Java cacerts, whose hook adds `debian:NAME.pem` aliases.
    fn debian_java_cacerts(&self) -> Option<PathBuf> {
        let p = self.root.join("etc/ssl/certs/java/cacerts");
        (self.family == Family::Debian && p.exists()).then_some(p)
    }

    /// Anchor files (recursively) with the certificates they hold.
    fn files(&self) -> Vec<(PathBuf, Vec<Vec<u8>>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.anchors_dir()];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = fs::read_dir(&dir) else { continue };
            let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(data) = fs::read(&p) {
                    if data.len() <= 16 * 1024 * 1024 {
                        out.push((p, pem::decode_all(&data)));
                    }
                }
            }
        }
        out
    }

    fn file_name(&self, cert: &CertInput) -> String {
        let name = if cert.short_name.is_empty() {
            "certificate"
        } else {
            &cert.short_name
        };
        format!(
            "trustfix-{name}-{}.crt",
            &crate::hex::hex(&cert.sha256)[..8]
        )
    }
}

impl OsStore for LinuxAnchors {
    fn name(&self) -> String {
        format!(
            "Linux anchors ({}): {}",
            family_name(self.family),
            self.anchors_dir().display()
        )
    }

    fn list(&self) -> Result<Vec<Listed>, String> {
        Ok(self
            .files()
            .into_iter()
            .flat_map(|(path, certs)| {
                certs.into_iter().map(move |der| Listed {
                    der,
                    location: path.display().to_string(),
                    role: Role::Root,
                })
            })
            .collect())
    }

    fn plan_add(&self, cert: &CertInput, role: Role) -> Result<Plan, String> {
        let mut plan = Plan {
            store: self.name(),
            ..Default::default()
        };
        if role == Role::Intermediate {
            if !self.intermediates_as_anchors {
                return Err(format!(
                    "'{}' is an intermediate, and Linux bundles have no intermediate store: everything in {} becomes \
                     a trust anchor. Make the server send it instead, or pass --intermediate-as-anchor to trust it as an anchor",
                    cert.subject,
                    self.anchors_dir().display()
                ));
            }
            plan.notes.push(format!(
                "'{}' is an intermediate: in {} it becomes a trust anchor (paths will end there)",
                cert.subject,
                self.anchors_dir().display()
            ));
        }
        if let Some((path, _)) = self
            .files()
            .into_iter()
            .find(|(_, certs)| certs.iter().any(|d| crate::sha256(d) == cert.sha256))
        {
            plan.notes.push(format!(
                "already present in {} (nothing to do)",
                path.display()
            ));
            return Ok(plan);
        }
        let path = self.anchors_dir().join(self.file_name(cert));
        plan.steps.push(Step::WriteFile {
            path: path.clone(),
            contents: pem::encode(&cert.der).into_bytes(),
        });
        plan.steps.push(self.refresh_step());
        let (tool, args) = layout(self.family).refresh;
        plan.equivalent = vec![
            format!("sudo cp root.pem {}", path.display()),
            format!("sudo {tool} {}", args.join(" "))
                .trim_end()
                .to_string(),
        ];
        Ok(plan)
    }

    fn plan_remove(&self, sha256: &[u8; 32]) -> Result<Plan, String> {
        let mut plan = Plan {
            store: self.name(),
            ..Default::default()
        };
        let hits: Vec<PathBuf> = self
            .files()
            .into_iter()
            .filter(|(_, certs)| certs.iter().any(|d| crate::sha256(d) == *sha256))
            .map(|(p, _)| p)
            .collect();
        if hits.is_empty() {
            plan.notes.push(format!(
                "no file in {} holds this certificate (nothing to do; vendor certificates under /usr/share are never touched)",
                self.anchors_dir().display()
            ));
            return Ok(plan);
        }
        for p in &hits {
            plan.steps.push(Step::RemoveFile { path: p.clone() });
            plan.equivalent.push(format!("sudo rm {}", p.display()));
        }
        plan.steps.push(self.refresh_step());
        let (tool, args) = layout(self.family).refresh;
        plan.equivalent.push(
            format!("sudo {tool} {}", args.join(" "))
                .trim_end()
                .to_string(),
        );
        if let Some(ks) = self.debian_java_cacerts() {
            // The Java hook added the certificate as debian:NAME.pem and does
            // not remove it when the file goes.
            for p in &hits {
                let stem = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let alias = format!("debian:{stem}.pem");
                plan.equivalent.push(format!(
                    "sudo keytool -delete -alias {alias} -keystore {} -storepass changeit",
                    ks.display()
                ));
                plan.steps.push(Step::RemoveJavaAlias {
                    keystore: ks.clone(),
                    alias,
                });
            }
        }
        Ok(plan)
    }

    fn apply(&self, plan: &Plan, java: JavaAliasRemover) -> Result<Applied, String> {
        let mut applied = Applied::default();
        for step in &plan.steps {
            match step {
                Step::WriteFile { path, contents } => {
                    write_atomic(path, contents)?;
                    applied.done.push(step.describe());
                }
                Step::RemoveFile { path } => {
                    fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
                    applied.done.push(step.describe());
                }
                Step::Run { program, args } => {
                    let out = Command::new(program)
                        .args(args)
                        .output()
                        .map_err(|e| format!("{}: {e}", program.display()))?;
                    let text = format!(
                        "{}{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    );
                    if text.contains("lock") && text.contains("dpkg") {
                        applied.notes.push(
                            "the Java cacerts update was deferred: dpkg holds its lock; it runs when dpkg next \
                             processes triggers (or run: dpkg --triggers-only --pending)"
                                .into(),
                        );
                    }
                    if !out.status.success() && !text.contains("dpkg") {
                        let tail: Vec<&str> = text.lines().rev().take(3).collect();
                        return Err(format!(
                            "{} failed ({}): {}",
                            step.describe(),
                            out.status,
                            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
                        ));
                    }
                    applied.done.push(step.describe());
                }
                Step::RemoveJavaAlias { keystore, alias } => {
                    if java(keystore, alias)? {
                        applied.done.push(step.describe());
                    } else {
                        applied
                            .notes
                            .push(format!("no alias '{alias}' in {}", keystore.display()));
                    }
                }
                Step::Call { description } => {
                    return Err(format!("not a Linux step: {description}"))
                }
            }
        }
        Ok(applied)
    }
}

/// Temp file in the same directory, fsync, rename; mode 0644 as the
/// refresh tools expect.
fn write_atomic(path: &Path, data: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| format!("{}: no parent", path.display()))?;
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = dir.join(format!(".trustfix-{}.tmp", std::process::id()));
    let r = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(fs::Permissions::from_mode(0o644))?;
        }
        fs::rename(&tmp, path)
    })();
    if let Err(e) = r {
        let _ = fs::remove_file(&tmp);
        return Err(format!("{}: {e}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_root(os_release: &str) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("etc")).unwrap();
        fs::write(d.path().join("etc/os-release"), os_release).unwrap();
        d
    }

    fn cert(n: u8) -> CertInput {
        let der = vec![0x30, 0x03, 0x02, 0x01, n];
        CertInput {
            sha256: crate::sha256(&der),
            sha1: [0; 20],
            der,
            subject: format!("CN=Test {n}"),
            short_name: format!("test-{n}"),
        }
    }

    #[test]
    fn families_from_os_release() {
        for (text, f) in [
            ("ID=debian\n", Family::Debian),
            ("ID=ubuntu\nID_LIKE=debian\n", Family::Debian),
            ("ID=\"rhel\"\nID_LIKE=\"fedora\"\n", Family::Rhel),
            (
                "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n",
                Family::Rhel,
            ),
            ("ID=amzn\n", Family::Rhel),
            (
                "ID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n",
                Family::Suse,
            ),
            ("ID=arch\n", Family::Arch),
            ("ID=alpine\n", Family::Alpine),
        ] {
            let d = fake_root(text);
            assert_eq!(detect(d.path()).unwrap(), f, "{text}");
        }
        let d = fake_root("ID=plan9\n");
        assert!(detect(d.path()).is_err());
    }

    #[test]
    fn plans_name_the_admin_directory_and_the_tool() {
        for (family, dir, tool) in [
            (
                Family::Debian,
                "usr/local/share/ca-certificates",
                "/usr/sbin/update-ca-certificates",
            ),
            (
                Family::Rhel,
                "etc/pki/ca-trust/source/anchors",
                "/usr/bin/update-ca-trust",
            ),
            (
                Family::Suse,
                "etc/pki/trust/anchors",
                "/usr/sbin/update-ca-certificates",
            ),
            (
                Family::Arch,
                "etc/ca-certificates/trust-source/anchors",
                "/usr/bin/trust",
            ),
        ] {
            let d = tempfile::tempdir().unwrap();
            let s = LinuxAnchors {
                root: d.path().to_path_buf(),
                family,
                intermediates_as_anchors: false,
                refresh_args: Vec::new(),
            };
            let c = cert(1);
            let plan = s.plan_add(&c, Role::Root).unwrap();
            let expected = d.path().join(dir).join(format!(
                "trustfix-test-1-{}.crt",
                &crate::hex::hex(&c.sha256)[..8]
            ));
            assert_eq!(
                plan.steps[0],
                Step::WriteFile {
                    path: expected.clone(),
                    contents: pem::encode(&c.der).into_bytes()
                }
            );
            match &plan.steps[1] {
                Step::Run { program, args } => {
                    assert_eq!(program, Path::new(tool));
                    if family == Family::Rhel {
                        assert_eq!(args, &vec!["extract".to_string()]);
                    }
                    if family == Family::Arch {
                        assert_eq!(args, &vec!["extract-compat".to_string()]);
                    }
                }
                other => panic!("{other:?}"),
            }
            // Applying only the file step, a second plan finds it present and removal finds the file.
            write_atomic(&expected, &pem::encode(&c.der).into_bytes()).unwrap();
            assert!(s.plan_add(&c, Role::Root).unwrap().steps.is_empty());
            let rm = s.plan_remove(&c.sha256).unwrap();
            assert_eq!(rm.steps[0], Step::RemoveFile { path: expected });
            assert_eq!(s.list().unwrap().len(), 1);
        }
    }

    #[test]
    fn intermediates_need_consent_and_debian_removal_cleans_the_java_alias() {
        let d = tempfile::tempdir().unwrap();
        let mut s = LinuxAnchors {
            root: d.path().to_path_buf(),
            family: Family::Debian,
            intermediates_as_anchors: false,
            refresh_args: Vec::new(),
        };
        let c = cert(2);
        assert!(s
            .plan_add(&c, Role::Intermediate)
            .unwrap_err()
            .contains("--intermediate-as-anchor"));
        s.intermediates_as_anchors = true;
        let plan = s.plan_add(&c, Role::Intermediate).unwrap();
        assert!(plan.notes[0].contains("becomes a trust anchor"));
        let java = d.path().join("etc/ssl/certs/java/cacerts");
        fs::create_dir_all(java.parent().unwrap()).unwrap();
        fs::write(&java, b"x").unwrap();
        let mut removed = Vec::new();
        let mut remover = |ks: &Path, alias: &str| -> Result<bool, String> {
            removed.push((ks.to_path_buf(), alias.to_string()));
            Ok(true)
        };
        let file_only = Plan {
            steps: vec![plan.steps[0].clone()],
            ..Default::default()
        };
        s.apply(&file_only, &mut remover).unwrap();
        let rm = s.plan_remove(&c.sha256).unwrap();
        let stem = format!("trustfix-test-2-{}", &crate::hex::hex(&c.sha256)[..8]);
        assert!(rm.steps.contains(&Step::RemoveJavaAlias {
            keystore: java.clone(),
            alias: format!("debian:{stem}.pem")
        }));
        let no_refresh = Plan {
            steps: rm
                .steps
                .iter()
                .filter(|s| !matches!(s, Step::Run { .. }))
                .cloned()
                .collect(),
            ..Default::default()
        };
        s.apply(&no_refresh, &mut remover).unwrap();
        assert_eq!(removed, vec![(java, format!("debian:{stem}.pem"))]);
        assert!(s.list().unwrap().is_empty());
    }
}
