//! Seed corpora for the fuzz targets in fuzz/, written by this test so they
//! are always made by the current code and tools: real keystores (our JKS
//! writer, keytool's PKCS12 when available), certificates in every file
//! format, a legacy TLS server flight, and STARTTLS conversations.
//! Written to $TRUSTFIX_FUZZ_SEEDS (scripts/fuzz.sh sets it), else to a
//! temp directory; the test checks every seed is accepted by its parser.

use crate::{common, support};

use std::path::{Path, PathBuf};

use trustfix::demo::pki::Ca;

fn out_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    match std::env::var_os("TRUSTFIX_FUZZ_SEEDS") {
        Some(d) => (PathBuf::from(d), None),
        None => {
            let t = common::tmp();
            (t.path().to_path_buf(), Some(t))
        }
    }
}

fn put(dir: &Path, target: &str, name: &str, data: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(name), data).unwrap();
}

#[test]
fn write_seed_corpora() {
    let (dir, _keep) = out_dir();
    let root = Ca::root("Seed Root").unwrap();
    let sub = root.intermediate("Seed Sub").unwrap();
    let leaf = sub.leaf(&["seed.example"]).unwrap();

    // JKS: two trusted entries, written by our codec, read back.
    let mut j = trustfix::keystore::jks::Jks::new(false);
    j.add_trusted("root", &root.der, 1);
    j.add_trusted("sub", &sub.der, 2);
    let jks = j.write("changeit");
    assert!(trustfix::keystore::jks::Jks::read(&jks, Some("changeit")).is_ok());
    put(&dir, "jks", "two-trusted.jks", &jks);
    if let Ok(data) = std::fs::read("/etc/ssl/certs/java/cacerts") {
        put(&dir, "jks", "debian-cacerts.jks", &data);
    }

    // PKCS12 from keytool, protected and password-less, when a JDK is present.
    let t = common::tmp();
    let pem = t.path().join("root.pem");
    common::write_pem(&pem, &[&root.der]);
    for (name, extra) in [
        ("protected.p12", vec![]),
        (
            "passwordless.p12",
            vec![
                "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE",
                "-J-Dkeystore.pkcs12.macAlgorithm=NONE",
            ],
        ),
    ] {
        let store = t.path().join(name);
        let ok = std::process::Command::new("keytool")
            .args(&extra)
            .args(["-importcert", "-noprompt", "-alias", "root", "-file"])
            .arg(&pem)
            .arg("-keystore")
            .arg(&store)
            .args(["-storetype", "PKCS12", "-storepass", "changeit"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            let data = std::fs::read(&store).unwrap();
            assert!(trustfix::keystore::pkcs12::Pkcs12::read(&data, Some("changeit")).is_ok());
            put(&dir, "pkcs12", name, &data);
        }
    }

    // Certificate files.
    let pem_chain = format!(
        "{}{}",
        trustfix::cert::Cert::from_der(&leaf.der).unwrap().to_pem(),
        root.pem
    );
    put(&dir, "load", "chain.pem", pem_chain.as_bytes());
    put(&dir, "load", "leaf.der", &leaf.der);
    let p7 = t.path().join("c.pem");
    std::fs::write(&p7, &pem_chain).unwrap();
    if support::openssl_try(
        t.path(),
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "c.pem",
            "-outform",
            "DER",
            "-out",
            "c.p7b",
        ],
    ) {
        put(
            &dir,
            "load",
            "chain.p7b",
            &std::fs::read(t.path().join("c.p7b")).unwrap(),
        );
    }
    for f in std::fs::read_dir(dir.join("load")).unwrap() {
        let data = std::fs::read(f.unwrap().path()).unwrap();
        assert!(trustfix::load::certs_from_bytes(&data).is_ok());
    }

    // A legacy server flight: ServerHello, Certificate (leaf, sub), ServerHelloDone.
    let hs = |ty: u8, body: &[u8]| {
        let mut v = vec![ty];
        v.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        v.extend_from_slice(body);
        v
    };
    let mut sh = vec![3, 1];
    sh.extend_from_slice(&[7; 32]);
    sh.extend_from_slice(&[0, 0xc0, 0x14, 0]);
    let mut list = Vec::new();
    for c in [&leaf.der, &sub.der] {
        list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(c);
    }
    let mut cert_msg = (list.len() as u32).to_be_bytes()[1..].to_vec();
    cert_msg.extend(list);
    let mut flight = Vec::new();
    for m in [hs(2, &sh), hs(11, &cert_msg), hs(14, &[])] {
        flight.extend_from_slice(&[22, 3, 1]);
        flight.extend_from_slice(&(m.len() as u16).to_be_bytes());
        flight.extend(m);
    }
    assert_eq!(trustfix::fetch::fuzz::legacy_flight(&flight), 2);
    put(&dir, "legacy_tls", "flight.bin", &flight);

    // STARTTLS conversations: first byte picks the protocol (see fetch::fuzz).
    let conv: [(u8, &[u8]); 8] = [
        (0, b"220-mail ESMTP\r\n220 ready\r\n250-mail\r\n250 STARTTLS\r\n220 go ahead\r\n"),
        (1, b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\ntf1 OK begin TLS\r\n"),
        (2, b"+OK POP3 ready\r\n+OK begin TLS\r\n"),
        (3, b"220 FTP\r\n234 AUTH TLS ok\r\n"),
        (4, &[0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]),
        (5, b"S"),
        (6, b"\x2e\x00\x00\x00\x0a10.11.6-MariaDB\x00\x01\x00\x00\x00abcdefgh\x00\xff\xff\x2d\x02\x00\xff\x81\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
        (7, b"<stream:stream><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
    ];
    for (which, reply) in conv {
        assert!(
            trustfix::fetch::fuzz::starttls(which, reply),
            "seed {which} is not a successful dialogue"
        );
        let mut seed = vec![which];
        seed.extend_from_slice(reply);
        put(&dir, "starttls", &format!("proto-{which}.bin"), &seed);
    }

    // Journal: a real `add` line of the root, and an `undone` mark.
    {
        use base64::Engine;
        let c = trustfix::cert::Cert::from_der(&root.der).unwrap();
        let e = trustfix::journal::Entry {
            id: "20261201T000000Z-1".into(),
            time: "2026-12-01 00:00:00 UTC".into(),
            command: trustfix::journal::Command::Fix,
            store: "ca-file:/tmp/bundle.pem".into(),
            action: trustfix::journal::Action::Add,
            sha256: c.sha256_hex(),
            subject: c.subject.clone(),
            der: base64::engine::general_purpose::STANDARD.encode(&root.der),
            alias: None,
            role: Some(trustfix::journal::Role::Root),
            undoes: None,
        };
        let mut mark = e.clone();
        mark.action = trustfix::journal::Action::Undone;
        mark.undoes = Some(e.id.clone());
        let text = format!(
            "{}\n{}\n",
            serde_json::to_string(&e).unwrap(),
            serde_json::to_string(&mark).unwrap()
        );
        let j = trustfix::journal::parse(&text);
        assert_eq!((j.entries.len(), j.damaged.len()), (2, 0));
        put(&dir, "journal", "add-and-undone.jsonl", text.as_bytes());
    }

    // PEM editor: first byte picks the edit (see the target), then a bundle.
    let bundle = format!(
        "# {}\n{}{}",
        "CN=Seed Root",
        pem_of(&root.der),
        pem_of(&sub.der)
    );
    for op in [0u8, 2, 3, 0x83] {
        let mut seed = vec![op];
        seed.extend_from_slice(bundle.as_bytes());
        put(&dir, "pem_edit", &format!("op-{op}.bin"), &seed);
    }

    // Preflight TOML and --targets.
    let toml = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/preflight.toml"
    ))
    .unwrap();
    put(&dir, "preflight_toml", "example.toml", &toml);
    put(
        &dir,
        "targets",
        "targets.txt",
        b"# comment\nmail.example.com:587\nsmtp://mx.example.com\nldaps://dc01:636\npostgres://db:5432\n\n[::1]:443\n",
    );

    // Path building: any bytes decode into a certificate set.
    put(&dir, "path_diagnose", "zeros.bin", &[0u8; 64]);
    put(
        &dir,
        "path_diagnose",
        "ramp.bin",
        &(0u8..=255).collect::<Vec<u8>>(),
    );
}

fn pem_of(der: &[u8]) -> String {
    trustfix::cert::Cert::from_der(der).unwrap().to_pem()
}
