use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use trustfix::cli::{Cli, Command, OutputArgs, StoreArgs};
use trustfix::report::{self, text::Style, Report};
use trustfix::run;
use trustfix::store::{self, StoreSpec};
use trustfix::target;

/// Usage errors exit 3 like any other "could not check".
const EXIT_UNKNOWN: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_UNKNOWN } else { 0 });
        }
    };
    match cli.command {
        Command::Check(a) => {
            let spec = match store_spec(&a.store, true) {
                Ok(s) => s.unwrap_or(StoreSpec::System),
                Err(e) => return usage("check", &e, a.output.json),
            };
            let t = match target::parse(
                &a.target,
                a.servername.as_deref(),
                a.connect.as_deref(),
                a.starttls.as_deref(),
            ) {
                Ok(t) => t,
                Err(e) => return usage("check", &e, a.output.json),
            };
            if !(a.timeout.is_finite() && (0.01..=3600.0).contains(&a.timeout)) {
                let msg = format!("--timeout {}: must be from 0.01 to 3600 seconds", a.timeout);
                return usage("check", &msg, a.output.json);
            }
            let opts = run::CheckOptions {
                target: t,
                store: spec,
                timeout: Duration::from_secs_f64(a.timeout),
                ehlo: a.ehlo.unwrap_or_else(run::default_ehlo),
                warn_days: a.output.warn_days.into(),
            };
            emit(&run::check(&opts), &a.output)
        }
        Command::Show(a) => {
            let spec = match store_spec(&a.store, false) {
                Ok(s) => s,
                Err(e) => return usage("show", &e, a.output.json),
            };
            let opts = run::ShowOptions {
                files: a.files,
                store: spec,
                servername: a.servername,
                warn_days: a.output.warn_days.into(),
            };
            emit(&run::show(&opts), &a.output)
        }
        Command::Demo(a) => match trustfix::demo::run(a.keep.as_deref(), &Style::detect()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("trustfix demo: {e}");
                ExitCode::from(EXIT_UNKNOWN)
            }
        },
    }
}

fn store_spec(a: &StoreArgs, default_system: bool) -> Result<Option<StoreSpec>, String> {
    if let Some(f) = &a.ca_file {
        return Ok(Some(StoreSpec::CaFile(f.clone())));
    }
    if let Some(d) = &a.ca_dir {
        return Ok(Some(StoreSpec::CaDir(d.clone())));
    }
    match &a.store {
        Some(s) => store::parse_spec(s).map(Some),
        None if default_system => Ok(Some(StoreSpec::System)),
        None => Ok(None),
    }
}

fn usage(command: &'static str, msg: &str, json: bool) -> ExitCode {
    let r = Report::new(command, run::now()).fail("usage", msg);
    if json {
        println!("{}", report::json::render(&r));
    }
    eprintln!("trustfix: {msg}");
    ExitCode::from(EXIT_UNKNOWN)
}

fn emit(r: &Report, out: &OutputArgs) -> ExitCode {
    if out.json {
        println!("{}", report::json::render(r));
    } else {
        print!("{}", report::text::render(r, &Style::detect()));
    }
    if let Some(e) = &r.error {
        // One line on stderr for scripts and humans alike.
        eprintln!("trustfix: {}", e.message);
    }
    ExitCode::from(r.exit_code() as u8)
}
