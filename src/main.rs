//! The `trustfix` binary: parse, run, exit. Everything else is in the
//! library (`cmd` dispatches the commands).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match trustfix::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // Usage errors exit 3 like any other "could not check".
            let code = if e.use_stderr() {
                trustfix::error::EXIT_CODE
            } else {
                0
            };
            return ExitCode::from(code);
        }
    };
    ExitCode::from(trustfix::cmd::run(cli))
}
