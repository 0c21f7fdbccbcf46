//! One module per command: arguments -> options -> pipeline -> the
//! command's own rendering. [`run`] dispatches and is the one place where
//! a command error becomes output and an exit code (see [`crate::error`]).

mod check;
mod demo;
mod edit;
mod export;
mod fix;
mod java;
mod meta;
mod preflight;
mod prompt;
mod store;
mod undo;

use crate::cli::{Cli, Command, StoreCommand};
use crate::error::Error;
use crate::report::text::Style;
use crate::report::{self, Report};
use crate::util::escape::esc;

/// What every command's run returns: its exit code, or why it failed.
type Outcome = Result<u8, Error>;

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    let name = cli.command.name();
    let json = cli.command.wants_json();
    let style = Style::with(cli.color);
    let result = match cli.command {
        Command::Check(a) => check::check(a, &style),
        Command::Show(a) => check::show(a, &style),
        Command::Import(a) => edit::import(a),
        Command::Remove(a) => edit::remove(a),
        Command::Store(StoreCommand::List(a)) => store::list(a),
        Command::Store(StoreCommand::Find(a)) => store::find(a),
        Command::Export(a) => export::run(a),
        Command::Fix(a) => fix::run(a, &style),
        Command::Undo(a) => undo::run(a),
        Command::Java(a) => java::run(a),
        Command::Preflight(a) => preflight::run(a),
        Command::Demo(a) => demo::run(a, &style),
        Command::Completions(a) => meta::completions(a),
        Command::Man => meta::man(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if json {
                println!("{}", failure_json(name, &e));
            }
            eprintln!("trustfix: {}", esc(e.message()));
            e.exit_code()
        }
    }
}

/// The JSON document of a failed command: a report with `verdict: error`
/// and `error.phase`; preflight's own document shape for preflight.
fn failure_json(name: &'static str, e: &Error) -> String {
    if name == "preflight" {
        return preflight::failure_json(e);
    }
    let r = Report::new(name, crate::util::time::now()).fail(e.phase(), e.message());
    report::json::render(&r)
}

/// A path as text a terminal shows as it is.
fn shown(p: &std::path::Path) -> String {
    esc(&p.display().to_string()).into_owned()
}

/// Pretty JSON, as every command prints it.
fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}
