//! A real JVM TLS client (compiled once per test process with javac) that
//! connects with HTTPS host name verification through a given truststore.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// keytool, javac and java are installed.
pub(crate) fn available() -> bool {
    ["keytool", "javac", "java"]
        .iter()
        .all(|t| Command::new(t).arg("-version").output().is_ok())
}

fn client_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("trustfix-jvm-probe-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("probe dir");
        std::fs::write(
            d.join("TlsProbe.java"),
            r#"import javax.net.ssl.*;
public class TlsProbe {
    public static void main(String[] a) {
        try {
            SSLSocketFactory f = (SSLSocketFactory) SSLSocketFactory.getDefault();
            try (SSLSocket s = (SSLSocket) f.createSocket(a[0], Integer.parseInt(a[1]))) {
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                s.startHandshake();
                System.out.println("OK " + s.getSession().getProtocol());
            }
        } catch (Exception e) {
            System.out.println("FAIL " + e);
            System.exit(1);
        }
    }
}
"#,
        )
        .expect("write probe");
        let o = Command::new("javac")
            .arg("TlsProbe.java")
            .current_dir(&d)
            .output()
            .expect("javac");
        assert!(
            o.status.success(),
            "javac: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        d
    })
}

/// Whether a JVM using truststore `store` (JKS or PKCS12, password `pass`)
/// completes a handshake with host name verification to `host:port`; the
/// probe's output.
pub(crate) fn connects(store: &Path, pass: &str, host: &str, port: u16) -> (bool, String) {
    let o = Command::new("java")
        .env_remove("JAVA_TOOL_OPTIONS")
        .arg(format!("-Djavax.net.ssl.trustStore={}", store.display()))
        .arg(format!("-Djavax.net.ssl.trustStorePassword={pass}"))
        .arg("-cp")
        .arg(client_dir())
        .args(["TlsProbe", host, &port.to_string()])
        .output()
        .expect("java");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

/// A keytool-made JKS at `path` holding one unrelated trusted certificate.
pub(crate) fn keytool_jks(path: &Path, other_pem: &Path, pass: &str) {
    let o = Command::new("keytool")
        .args([
            "-importcert",
            "-noprompt",
            "-alias",
            "unrelated",
            "-storetype",
            "JKS",
            "-file",
        ])
        .arg(other_pem)
        .arg("-keystore")
        .arg(path)
        .args(["-storepass", pass])
        .output()
        .expect("keytool");
    assert!(
        o.status.success(),
        "keytool: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}
