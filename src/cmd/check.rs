//! `check` and `show`: the diagnosis pipeline, rendered as text, one
//! line (`--brief`), JSON or a monitoring-plugin line.

use super::Outcome;
use crate::cli::{CheckArgs, Format, OutputArgs, ShowArgs};
use crate::error::Error;
use crate::report::text::Style;
use crate::report::{self, Report};
use crate::revocation::{self, Mode};
use crate::run;
use crate::util::escape::esc;

/// `trustfix check TARGET`.
pub(super) fn check(a: CheckArgs, style: &Style) -> Outcome {
    let store = a.store.spec()?;
    let target = a.connect.target(&a.target)?;
    let opts = run::CheckOptions {
        target,
        store,
        store_opts: a.store.keystore.options()?,
        timeout: a.connect.timeout()?,
        ehlo: a.connect.ehlo(),
        aia: a.fetch.aia(),
        supplied: Vec::new(),
        warn_days: a.output.warn_days.into(),
        at: a.output.at,
    };
    let rev = revocation::Options {
        // --no-fetch: only what the server stapled, when asked for.
        mode: a.revocation.unwrap_or(if a.fetch.no_fetch {
            Mode::Off
        } else {
            Mode::Auto
        }),
        explicit: a.revocation.is_some(),
        timeout: opts.timeout,
        budget: None,
        fetch: !a.fetch.no_fetch,
    };
    Ok(emit(
        &run::revocation(run::check(&opts), &rev),
        &a.output,
        style,
    ))
}

/// `trustfix show FILE...`.
pub(super) fn show(a: ShowArgs, style: &Style) -> Outcome {
    let store = a.store.given()?;
    if a.revocation.is_some() && store.is_none() {
        return Err(Error::Usage(
            "--revocation needs a store (--store, --ca-file or --ca-dir): revocation is checked on the path built".into(),
        ));
    }
    let opts = run::ShowOptions {
        files: a.files,
        store,
        store_opts: a.store.keystore.options()?,
        servername: a.servername,
        aia: a.fetch.aia(),
        timeout: std::time::Duration::from_secs(10),
        warn_days: a.output.warn_days.into(),
        at: a.output.at,
    };
    let rev = revocation::Options {
        mode: a.revocation.unwrap_or(Mode::Off),
        explicit: a.revocation.is_some(),
        timeout: opts.timeout,
        budget: None,
        fetch: !a.fetch.no_fetch,
    };
    Ok(emit(
        &run::revocation(run::show(&opts), &rev),
        &a.output,
        style,
    ))
}

/// Prints the report as asked; the exit code is its verdict's.
fn emit(r: &Report, out: &OutputArgs, style: &Style) -> u8 {
    if out.format == Format::Nagios {
        // Monitoring plugins print exactly one line, on stdout.
        println!(
            "{}",
            report::line::nagios(r, out.warn_days.into(), out.crit_days.into())
        );
        return report::line::nagios_code(r, out.crit_days.into()) as u8;
    }
    if out.wants_json() {
        println!("{}", report::json::render(r));
    } else if out.brief {
        println!("{}", report::line::brief(r));
    } else {
        print!("{}", report::text::render(r, style));
    }
    if let Some(e) = &r.error {
        // One line on stderr for scripts and humans alike.
        eprintln!("trustfix: {}", esc(&e.message));
    }
    r.exit_code() as u8
}
