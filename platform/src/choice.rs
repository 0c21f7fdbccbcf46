//! Which store a role and scope go to, and what a human would type to do
//! the same: plain functions, unit-tested on every OS.

use crate::{Role, Scope};

/// Windows: (`LocalMachine` | `CurrentUser`, `Root` | `CA`). Services (SQL
/// Server, IIS, tasks running as SYSTEM) see only LocalMachine; roots go to
/// Root, intermediates to CA ("Intermediate Certification Authorities").
pub fn windows_target(role: Role, scope: Scope) -> (&'static str, &'static str) {
    let location = match scope {
        Scope::Machine => "LocalMachine",
        Scope::User => "CurrentUser",
    };
    let store = match role {
        Role::Root => "Root",
        Role::Intermediate => "CA",
    };
    (location, store)
}

/// Every store a Windows check of `scope` reads, in the order the chain
/// engine of that scope consults them. The machine engine (services: SQL
/// Server, IIS, tasks running as SYSTEM) sees only LocalMachine; a user's
/// engine sees CurrentUser and the LocalMachine stores CurrentUser shows
/// (read first, so a certificate in both is reported where it really is).
/// AuthRoot holds the roots Windows Update delivered so far (more are
/// fetched lazily, so reading it is not the whole story).
pub fn windows_read_stores(scope: Scope) -> &'static [(&'static str, &'static str, Role)] {
    const MACHINE: &[(&str, &str, Role)] = &[
        ("LocalMachine", "Root", Role::Root),
        ("LocalMachine", "AuthRoot", Role::Root),
        ("LocalMachine", "CA", Role::Intermediate),
    ];
    const USER: &[(&str, &str, Role)] = &[
        ("LocalMachine", "Root", Role::Root),
        ("LocalMachine", "AuthRoot", Role::Root),
        ("LocalMachine", "CA", Role::Intermediate),
        ("CurrentUser", "Root", Role::Root),
        ("CurrentUser", "CA", Role::Intermediate),
    ];
    match scope {
        Scope::Machine => MACHINE,
        Scope::User => USER,
    }
}

/// certutil and PowerShell commands equivalent to adding `file`.
pub fn windows_add_commands(role: Role, scope: Scope, file: &str) -> Vec<String> {
    let (location, store) = windows_target(role, scope);
    let user = if scope == Scope::User { "-user " } else { "" };
    vec![
        format!("certutil {user}-addstore -f {store} \"{file}\""),
        format!(
            "Import-Certificate -FilePath \"{file}\" -CertStoreLocation Cert:\\{location}\\{store}"
        ),
    ]
}

/// certutil and PowerShell commands equivalent to removing the certificate
/// with `thumbprint` from the store of `role` and `scope`.
pub fn windows_remove_commands(role: Role, scope: Scope, thumbprint: &str) -> Vec<String> {
    let (location, store) = windows_target(role, scope);
    let user = if scope == Scope::User { "-user " } else { "" };
    vec![
        format!("certutil {user}-delstore {store} {thumbprint}"),
        format!("Remove-Item Cert:\\{location}\\{store}\\{thumbprint}"),
    ]
}

/// macOS keychain for a scope: the System keychain for everything that
/// runs as a daemon, the login keychain for one user's apps.
pub fn macos_keychain(scope: Scope) -> &'static str {
    match scope {
        Scope::Machine => "/Library/Keychains/System.keychain",
        Scope::User => "~/Library/Keychains/login.keychain-db",
    }
}

/// `security` commands equivalent to adding `file`: roots with trust
/// settings (admin domain for the System keychain), intermediates without.
pub fn macos_add_commands(role: Role, scope: Scope, file: &str) -> Vec<String> {
    let kc = macos_keychain(scope);
    let (sudo, admin) = match scope {
        Scope::Machine => ("sudo ", "-d "),
        Scope::User => ("", ""),
    };
    match role {
        Role::Root => vec![format!(
            "{sudo}security add-trusted-cert {admin}-r trustRoot -k {kc} \"{file}\""
        )],
        Role::Intermediate => vec![format!(
            "{sudo}security add-certificates -k {kc} \"{file}\""
        )],
    }
}

/// Removal removes the trust settings and then the certificate itself.
pub fn macos_remove_commands(scope: Scope, file_or_sha1: &str, sha1_upper: &str) -> Vec<String> {
    let kc = macos_keychain(scope);
    let (sudo, admin) = match scope {
        Scope::Machine => ("sudo ", "-d "),
        Scope::User => ("", ""),
    };
    vec![
        format!("{sudo}security remove-trusted-cert {admin}\"{file_or_sha1}\""),
        format!("{sudo}security delete-certificate -Z {sha1_upper} {kc}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_get_local_machine_roots_and_ca() {
        assert_eq!(
            windows_target(Role::Root, Scope::Machine),
            ("LocalMachine", "Root")
        );
        assert_eq!(
            windows_target(Role::Intermediate, Scope::Machine),
            ("LocalMachine", "CA")
        );
        assert_eq!(
            windows_target(Role::Root, Scope::User),
            ("CurrentUser", "Root")
        );
        let c = windows_add_commands(Role::Root, Scope::Machine, "root.cer");
        assert_eq!(c[0], "certutil -addstore -f Root \"root.cer\"");
        assert_eq!(c[1], "Import-Certificate -FilePath \"root.cer\" -CertStoreLocation Cert:\\LocalMachine\\Root");
        let c = windows_add_commands(Role::Intermediate, Scope::User, "sub.cer");
        assert_eq!(c[0], "certutil -user -addstore -f CA \"sub.cer\"");
        let c = windows_remove_commands(Role::Root, Scope::Machine, "ABCD");
        assert_eq!(c[0], "certutil -delstore Root ABCD");
    }

    #[test]
    fn every_windows_store_a_check_reads() {
        // The machine engine (services) never sees CurrentUser (issue 15, bug 1).
        let m = windows_read_stores(Scope::Machine);
        assert!(m.contains(&("LocalMachine", "AuthRoot", Role::Root)));
        assert!(m.contains(&("LocalMachine", "CA", Role::Intermediate)));
        assert!(m.iter().all(|(loc, _, _)| *loc == "LocalMachine"), "{m:?}");
        let u = windows_read_stores(Scope::User);
        assert!(u.contains(&("CurrentUser", "CA", Role::Intermediate)));
        assert!(u.contains(&("CurrentUser", "Root", Role::Root)));
        // LocalMachine first, so the copy CurrentUser shows is attributed to it.
        let first_user = u.iter().position(|s| s.0 == "CurrentUser").unwrap();
        assert!(u[..first_user].iter().all(|s| s.0 == "LocalMachine"));
        assert!(u[first_user..].iter().all(|s| s.0 == "CurrentUser"));
    }

    #[test]
    fn macos_commands() {
        assert_eq!(
            macos_add_commands(Role::Root, Scope::Machine, "root.pem")[0],
            "sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain \"root.pem\""
        );
        assert_eq!(
            macos_add_commands(Role::Intermediate, Scope::Machine, "sub.pem")[0],
            "sudo security add-certificates -k /Library/Keychains/System.keychain \"sub.pem\""
        );
        assert!(macos_add_commands(Role::Root, Scope::User, "r.pem")[0]
            .starts_with("security add-trusted-cert -r trustRoot -k ~/Library"));
        let r = macos_remove_commands(Scope::Machine, "root.pem", "AB12");
        assert_eq!(
            r[1],
            "sudo security delete-certificate -Z AB12 /Library/Keychains/System.keychain"
        );
    }
}
