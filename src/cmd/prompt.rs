//! Questions on the terminal, never on a pipe: what `import`, `remove`,
//! `fix` and `undo` ask before they change a store.

use std::io::{BufRead, IsTerminal, Write};

use crate::cert::Cert;
use crate::util::escape::esc;
use crate::util::time::fmt_date;

/// Whether there is a person to ask: stdin and stderr are terminals.
pub(super) fn terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks `question`; false on a pipe or any answer but yes.
pub(super) fn ask(question: &str) -> bool {
    if !terminal() {
        return false;
    }
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let ok = std::io::stdin().lock().read_line(&mut line).is_ok();
    ok && matches!(line.trim(), "y" | "Y" | "yes" | "YES")
}

/// Shows `certs` (subject, issuer, validity, SHA-256, SHA-1, as keytool
/// does before importing) and asks `question`; false on a pipe.
pub(super) fn confirm_certs(certs: &[&Cert], question: &str) -> bool {
    if !terminal() {
        return false;
    }
    for c in certs {
        eprintln!("  subject: {}", esc(&c.subject));
        eprintln!("  issuer:  {}", esc(&c.issuer));
        eprintln!(
            "  valid:   {} .. {}",
            fmt_date(c.not_before),
            fmt_date(c.not_after)
        );
        eprintln!("  SHA-256: {}", c.sha256_hex());
        eprintln!("  SHA-1:   {}", c.thumbprint());
    }
    ask(question)
}
