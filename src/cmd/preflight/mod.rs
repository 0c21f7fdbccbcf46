//! `preflight`: the command line and the file become a plan; the run is
//! rendered as the summary table (`summary`), one JSON document
//! (`summary`) and JUnit XML (`junit`).

mod junit;
mod summary;

use std::io::IsTerminal;

use super::Outcome;
use crate::cli::PreflightArgs;
use crate::error::Error;
use crate::preflight::{self, Base, Checks};
use crate::revocation::Mode;
use crate::target;
use crate::util::escape::esc;

/// `trustfix preflight [FILE] [--targets FILE|-]`.
pub(super) fn run(a: PreflightArgs) -> Outcome {
    let jobs = a.jobs.unwrap_or_else(preflight::default_jobs);
    let base = base(&a)?;
    let plan = preflight::load(
        &base,
        a.file.as_deref(),
        a.targets.as_deref(),
        a.fetch.no_fetch,
        &mut std::io::stdin().lock(),
    )
    .map_err(|e| Error::Usage(e.to_string()))?;
    let progress = !a.no_progress && std::io::stderr().is_terminal();
    let r = preflight::run(&plan, jobs, progress, a.json);
    if let Some(path) = &a.junit {
        std::fs::write(path, junit::render(&r))
            .map_err(|e| Error::Output(format!("--junit {}: {e}", path.display())))?;
    }
    if a.json {
        println!("{}", summary::json(&r));
    } else {
        let width = trustfix_platform::terminal::width().unwrap_or(80);
        print!("{}", summary::text(&r, width));
    }
    for s in &r.stores {
        if let Err(e) = &s.result {
            eprintln!("trustfix: {}", esc(&format!("{}: {e}", s.text)));
        }
    }
    Ok(r.exit_code().clamp(0, 3) as u8)
}

/// The JSON document of a run that could not be done.
pub(super) fn failure_json(e: &Error) -> String {
    summary::failure_json(e.phase(), e.message())
}

/// What the command line sets for every endpoint that does not set it
/// itself.
fn base(a: &PreflightArgs) -> Result<Base, Error> {
    let store = a.store.spec()?;
    let store_text = match (&a.store.ca_file, &a.store.ca_dir, &a.store.store) {
        (Some(f), _, _) => format!("ca-file:{}", f.display()),
        (_, Some(d), _) => format!("ca-dir:{}", d.display()),
        (_, _, Some(s)) => preflight::spec_text(&store, s),
        _ => "system".to_string(),
    };
    let timeout = crate::fetch::phase_timeout(a.timeout)
        .map_err(|e| Error::Usage(format!("--timeout {e}")))?;
    if let Some(s) = &a.starttls {
        if s != "auto" && target::Proto::from_name(s).is_none() {
            return Err(Error::Usage(format!(
                "--starttls '{s}': unknown protocol (auto, none, smtp, imap, pop3, ftp, ldap, postgres, mysql, xmpp, xmpp-server, mssql)"
            )));
        }
    }
    let expected = a.expect;
    let keystore = a.store.keystore.options()?;
    Ok(Base {
        store_text,
        store,
        storepass: keystore.storepass,
        java_opts: keystore.java_opts,
        starttls: a.starttls.clone(),
        checks: Checks {
            warn_days: a.warn_days.into(),
            timeout,
            ehlo: a.ehlo.clone().unwrap_or_else(crate::run::default_ehlo),
            aia: !a.fetch.no_aia,
            revocation: a.revocation.unwrap_or(Mode::Auto),
            revocation_explicit: a.revocation.is_some(),
            resolve_all: a.resolve_all,
            expected,
            at: a.at,
        },
    })
}
