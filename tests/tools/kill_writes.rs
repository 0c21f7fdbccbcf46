//! SIGKILL at random points during 200 repeated imports into a JKS and a
//! PKCS12 store: after every kill, keytool lists the store with either the
//! old or the new entry set, never a broken file; every backup is a whole
//! store too.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use trustfix::cert::Cert;
use trustfix::demo::pki::Ca;

const ROUNDS: usize = 200;

/// Small deterministic PRNG (seed printed on failure).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn keytool_aliases(store: &Path, pass: &str) -> Result<Vec<String>, String> {
    let o = Command::new("keytool")
        .args([
            "-J-XX:TieredStopAtLevel=1",
            "-J-XX:+UseSerialGC",
            "-list",
            "-keystore",
        ])
        .arg(store)
        .args(["-storepass", pass])
        .env_remove("JAVA_TOOL_OPTIONS")
        .output()
        .map_err(|e| e.to_string())?;
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    if !o.status.success() {
        return Err(format!("{out}{}", String::from_utf8_lossy(&o.stderr)));
    }
    let mut v: Vec<String> = out
        .lines()
        .filter(|l| l.contains("trustedCertEntry") || l.contains("PrivateKeyEntry"))
        .filter_map(|l| l.split(',').next().map(|a| a.trim().to_string()))
        .collect();
    v.sort();
    Ok(v)
}

fn kill_story(store_type: &str, file: &str) {
    if Command::new("keytool").arg("-help").output().is_err() {
        eprintln!("SKIPPED: no keytool");
        return;
    }
    let d = common::tmp();
    let store = d.path().join(file);
    let first = Ca::root("Kill Test Seed").unwrap();
    let seed_pem = d.path().join("seed.pem");
    common::write_pem(&seed_pem, &[&first.der]);
    let o = Command::new("keytool")
        .args(["-importcert", "-noprompt", "-alias", "seed", "-file"])
        .arg(&seed_pem)
        .arg("-keystore")
        .arg(&store)
        .args(["-storetype", store_type, "-storepass", "changeit"])
        .output()
        .unwrap();
    assert!(o.status.success());
    // How long one whole import takes here: kills land anywhere in it.
    let probe = Ca::root("Kill Test Probe").unwrap();
    let probe_pem = d.path().join("probe.pem");
    common::write_pem(&probe_pem, &[&probe.der]);
    let t = std::time::Instant::now();
    let ok = Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .arg("import")
        .arg("--yes")
        .arg(&probe_pem)
        .arg("--store")
        .arg(format!("java:{}", store.display()))
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let window = (t.elapsed().as_micros() as u64 * 12 / 10).max(1000);
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Lcg(seed);
    let mut entries = keytool_aliases(&store, "changeit").unwrap();
    let (mut completed, mut killed) = (0, 0);
    for round in 0..ROUNDS {
        let ca = Ca::root(&format!("Kill Test {round}")).unwrap();
        let c = Cert::from_der(&ca.der).unwrap();
        let pem = d.path().join("new.pem");
        common::write_pem(&pem, &[&ca.der]);
        let mut child = Command::new(env!("CARGO_BIN_EXE_trustfix"))
            .arg("import")
            .arg("--yes")
            .arg(&pem)
            .arg("--store")
            .arg(format!("java:{}", store.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.next() % window));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.success() {
            completed += 1;
        } else {
            killed += 1;
        }
        let now = keytool_aliases(&store, "changeit").unwrap_or_else(|e| {
            panic!("round {round} (seed {seed}): keytool cannot read the store: {e}")
        });
        let alias = trustfix::edit::default_alias(&c);
        let mut with_new = entries.clone();
        with_new.push(alias);
        with_new.sort();
        assert!(
            now == entries || now == with_new,
            "round {round} (seed {seed}): neither the old nor the new entry set: {now:?}"
        );
        entries = now;
    }
    eprintln!(
        "{store_type}: {completed} imports completed, {killed} killed (window {window} us), {} entries",
        entries.len()
    );
    assert!(
        killed > ROUNDS / 10 && entries.len() > 2,
        "kills did not spread over the run"
    );
    // Every backup is a whole store.
    let backups: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".bak"))
        .collect();
    assert!(!backups.is_empty());
    for (i, b) in backups.iter().enumerate() {
        let data = std::fs::read(b).unwrap();
        trustfix::keystore::Keystore::parse(&data, Some("changeit"))
            .unwrap_or_else(|e| panic!("backup {} is broken: {e}", b.display()));
        if i % 25 == 0 {
            keytool_aliases(b, "changeit")
                .unwrap_or_else(|e| panic!("keytool: backup {}: {e}", b.display()));
        }
    }
    // Temp files of killed runs are cleaned up by the next run; at most the last one may remain.
    let temps = std::fs::read_dir(d.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert!(temps <= 1, "{temps} temp files left");
}

#[test]
fn killed_imports_never_break_a_jks_store() {
    kill_story("JKS", "kill.jks");
}

#[test]
fn killed_imports_never_break_a_pkcs12_store() {
    kill_story("PKCS12", "kill.p12");
}
