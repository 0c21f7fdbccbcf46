//! Per-platform trust store modules for trustfix.
//!
//! This crate grows the Linux anchor, Windows (schannel) and macOS
//! (security-framework) store writers. For now it only names the platform so
//! the CLI can say which OS store `--store system` means.

/// The operating-system family this binary was built for.
pub fn os_family() -> &'static str {
    if cfg!(target_os = "windows") {
        "windows"
    } else if cfg!(target_os = "macos") {
        "macos"
    } else if cfg!(target_os = "linux") {
        "linux"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn os_family_matches_build_target() {
        let f = super::os_family();
        #[cfg(target_os = "linux")]
        assert_eq!(f, "linux");
        assert_ne!(f, "");
    }
}
