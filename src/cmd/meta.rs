//! `completions` and `man`: generated from the clap definitions.

use clap::CommandFactory;

use super::Outcome;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::Error;

/// `trustfix completions SHELL`.
pub(super) fn completions(a: CompletionsArgs) -> Outcome {
    let mut cmd = Cli::command();
    // Into a buffer first: clap_complete panics on a closed pipe.
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "trustfix", &mut out);
    let _ = std::io::Write::write_all(&mut std::io::stdout(), &out);
    Ok(0)
}

/// `trustfix man`.
pub(super) fn man() -> Outcome {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Error::Output(e.to_string()))?;
    let _ = std::io::Write::write_all(&mut std::io::stdout(), &out);
    Ok(0)
}
