use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use trustfix::cli::{Cli, Command, EditArgs, OutputArgs, RoleArg, StoreArgs, StoreCommand};
use trustfix::edit::{self, EditOptions, Op};
use trustfix::report::admin;
use trustfix::report::{self, text::Style, Report};
use trustfix::run;
use trustfix::store::StoreOptions;
use trustfix::store::{self, StoreSpec};
use trustfix::target;
use trustfix::util::escape::esc;

/// Usage errors exit 3 like any other "could not check".
const EXIT_UNKNOWN: u8 = 3;

/// `--color`, for every text rendering of this run.
static COLOR: std::sync::OnceLock<report::text::ColorChoice> = std::sync::OnceLock::new();

fn style() -> Style {
    Style::with(COLOR.get().copied().unwrap_or_default())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_UNKNOWN } else { 0 });
        }
    };
    let _ = COLOR.set(cli.color);
    match cli.command {
        Command::Completions(a) => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            // Into a buffer first: clap_complete panics on a closed pipe.
            let mut out = Vec::new();
            clap_complete::generate(a.shell, &mut cmd, "trustfix", &mut out);
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &out);
            ExitCode::SUCCESS
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => {
                    let _ = std::io::Write::write_all(&mut std::io::stdout(), &out);
                    ExitCode::SUCCESS
                }
                Err(e) => fail("man", "output", &e.to_string(), false),
            }
        }
        Command::Check(a) => {
            let spec = match store_spec(&a.store, true) {
                Ok(s) => s.unwrap_or(StoreSpec::System),
                Err(e) => return usage("check", &e, a.output.wants_json()),
            };
            let t = match target::parse(
                &a.target,
                a.servername.as_deref(),
                a.connect.as_deref(),
                a.starttls.as_deref(),
            ) {
                Ok(t) => t,
                Err(e) => return usage("check", &e, a.output.wants_json()),
            };
            if !(a.timeout.is_finite() && (0.01..=3600.0).contains(&a.timeout)) {
                let msg = format!("--timeout {}: must be from 0.01 to 3600 seconds", a.timeout);
                return usage("check", &msg, a.output.wants_json());
            }
            let opts = run::CheckOptions {
                target: t,
                store: spec,
                store_opts: store_opts(&a.store),
                timeout: Duration::from_secs_f64(a.timeout),
                ehlo: a.ehlo.unwrap_or_else(run::default_ehlo),
                aia: !a.no_aia && !a.no_fetch,
                supplied: Vec::new(),
                warn_days: a.output.warn_days.into(),
                at: a.output.at,
            };
            let rev = trustfix::revocation::Options {
                // --no-fetch: only what the server stapled, when asked for.
                mode: a.revocation.unwrap_or(if a.no_fetch {
                    trustfix::revocation::Mode::Off
                } else {
                    trustfix::revocation::Mode::Auto
                }),
                explicit: a.revocation.is_some(),
                timeout: opts.timeout,
                budget: None,
                fetch: !a.no_fetch,
            };
            emit(&run::revocation(run::check(&opts), &rev), &a.output)
        }
        Command::Show(a) => {
            let spec = match store_spec(&a.store, false) {
                Ok(s) => s,
                Err(e) => return usage("show", &e, a.output.wants_json()),
            };
            let opts = run::ShowOptions {
                files: a.files,
                store: spec,
                store_opts: store_opts(&a.store),
                servername: a.servername,
                aia: !a.no_aia && !a.no_fetch,
                timeout: Duration::from_secs(10),
                warn_days: a.output.warn_days.into(),
                at: a.output.at,
            };
            if a.revocation.is_some() && opts.store.is_none() {
                let msg = "--revocation needs a store (--store, --ca-file or --ca-dir): revocation is checked on the path built";
                return usage("show", msg, a.output.wants_json());
            }
            let rev = trustfix::revocation::Options {
                mode: a.revocation.unwrap_or(trustfix::revocation::Mode::Off),
                explicit: a.revocation.is_some(),
                timeout: opts.timeout,
                budget: None,
                fetch: !a.no_fetch,
            };
            emit(&run::revocation(run::show(&opts), &rev), &a.output)
        }
        Command::Import(a) => {
            let certs = match trustfix::load::certs_from_file(&a.file) {
                Ok(c) => c,
                Err(e) => return usage("import", &e.to_string(), a.edit.json),
            };
            edit_cmd(Op::Import(certs), &a.edit, Some(&a))
        }
        Command::Remove(a) => match remove_target(&a) {
            Ok(sha) => edit_cmd(Op::Remove(sha), &a.edit, None),
            Err((phase, msg)) => fail("remove", phase, &msg, a.edit.json),
        },
        Command::Store(StoreCommand::List(a)) => {
            let spec = match store_spec(&a.store, true) {
                Ok(s) => s.unwrap_or(StoreSpec::System),
                Err(e) => return usage("store list", &e, a.json),
            };
            match run::store_list(&spec, &store_opts(&a.store)) {
                Ok(mut l) => {
                    if a.expired {
                        trustfix::export::keep_expired(&mut l, run::now());
                    }
                    if a.json {
                        println!("{}", admin::listing_json(&l));
                    } else {
                        print!("{}", admin::listing_text(&l));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail("store list", "store", &e, a.json),
            }
        }
        Command::Store(StoreCommand::Find(a)) => {
            let opts = store_opts(&a.store);
            let (specs, notes, explicit) = match store_spec(&a.store, false) {
                Ok(Some(s)) => (vec![s], Vec::new(), true),
                Ok(None) => {
                    let (specs, notes) = trustfix::export::default_find_stores(&opts);
                    (specs, notes, false)
                }
                Err(e) => return usage("store find", &e, a.json),
            };
            let f = trustfix::export::find(&a.text, &specs, &opts, notes);
            if a.json {
                println!("{}", admin::found_json(&f));
            } else {
                print!("{}", admin::found_text(&f));
            }
            let code = f.exit_code(explicit);
            if code == EXIT_UNKNOWN {
                for st in f.stores.iter().filter(|s| s.error.is_some()) {
                    eprintln!(
                        "trustfix: {}: {}",
                        esc(&st.label),
                        esc(st.error.as_deref().unwrap_or(""))
                    );
                }
            }
            ExitCode::from(code)
        }
        Command::Export(a) => {
            let spec = match store_spec(&a.store, true) {
                Ok(s) => s.unwrap_or(StoreSpec::System),
                Err(e) => return usage("export", &e, a.json),
            };
            let src = trustfix::export::Source {
                input: a.source.clone(),
                store: spec,
                store_opts: store_opts(&a.store),
                servername: a.servername,
                connect: a.connect,
                starttls: a.starttls,
                ehlo: a.ehlo,
                timeout: a.timeout,
                fetch: !a.no_fetch,
            };
            let opts = trustfix::export::Options {
                what: a.what,
                format: a.format,
                out: a.out,
                force: a.force,
            };
            let r = match trustfix::export::diagnose_source(&src) {
                Ok(r) => r,
                Err((phase, e)) => return fail("export", &phase, &e, a.json),
            };
            match trustfix::export::export(&r, &a.source, &opts) {
                Ok(o) => {
                    if a.json {
                        println!("{}", admin::export_json(&o));
                    } else {
                        print!("{}", admin::export_text(&o));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail("export", "export", &e, a.json),
            }
        }
        Command::Fix(a) => fix_cmd(a),
        Command::Preflight(a) => ExitCode::from(trustfix::preflight::command(a)),
        Command::Undo(a) => {
            let opts = trustfix::fix::UndoOptions {
                id: if a.last { None } else { a.id.clone() },
                storepass: password(&a.storepass, &a.pass),
                java_opts: a.java_opts.clone(),
                dry_run: a.dry_run,
                yes: a.yes,
                journal_dir: None,
            };
            match trustfix::fix::undo(&opts) {
                Ok(u) => {
                    if a.json {
                        println!("{}", admin::undo_json(&u));
                    } else {
                        print!("{}", admin::undo_text(&u));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail("undo", "store", &e, a.json),
            }
        }
        Command::Java(a) => {
            let (jvms, default) = run::java_inventory(a.java_opts.as_deref());
            if a.json {
                println!("{}", admin::jvms_json(&jvms, default));
            } else {
                print!("{}", admin::jvms_text(&jvms, default));
            }
            ExitCode::SUCCESS
        }
        Command::Demo(a) if a.serve => match trustfix::demo::serve(a.keep.as_deref()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("trustfix demo: {}", esc(&e));
                ExitCode::from(EXIT_UNKNOWN)
            }
        },
        Command::Demo(a) => match trustfix::demo::run(a.keep.as_deref(), &style()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("trustfix demo: {}", esc(&e));
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

fn fix_cmd(a: trustfix::cli::FixArgs) -> ExitCode {
    let mut edit_store = match store::parse_spec(&a.store) {
        Ok(s) => s,
        Err(e) => return usage("fix", &e, a.json),
    };
    if let Some(scope) = a.scope {
        match &mut edit_store {
            StoreSpec::Os(_, s) => *s = scope,
            _ => {
                return usage(
                    "fix",
                    "--scope applies to --store windows and macos",
                    a.json,
                )
            }
        }
    }
    let t = match target::parse(
        &a.target,
        a.servername.as_deref(),
        a.connect.as_deref(),
        a.starttls.as_deref(),
    ) {
        Ok(t) => t,
        Err(e) => return usage("fix", &e, a.json),
    };
    if !(a.timeout.is_finite() && (0.01..=3600.0).contains(&a.timeout)) {
        let msg = format!("--timeout {}: must be from 0.01 to 3600 seconds", a.timeout);
        return usage("fix", &msg, a.json);
    }
    let mut supplied = Vec::new();
    for f in &a.certs {
        match trustfix::load::certs_from_file(f) {
            Ok(c) => supplied.extend(c),
            Err(e) => return usage("fix", &e.to_string(), a.json),
        }
    }
    let expect = match &a.expect_sha256 {
        Some(h) => match parse_sha256(h) {
            Some(x) => Some(x),
            None => {
                return usage(
                    "fix",
                    &format!("--expect-sha256 '{h}': expected 64 hex digits"),
                    a.json,
                )
            }
        },
        None => None,
    };
    // linux-anchors holds only local additions; clients read the whole bundle.
    let check_store = match &edit_store {
        StoreSpec::Os(store::os::OsKind::LinuxAnchors, _) => StoreSpec::System,
        other => other.clone(),
    };
    let opts = trustfix::fix::FixOptions {
        check: run::CheckOptions {
            target: t,
            store: check_store,
            store_opts: StoreOptions {
                storepass: password(&a.storepass, &a.pass),
                java_opts: a.java_opts.clone(),
            },
            timeout: Duration::from_secs_f64(a.timeout),
            ehlo: a.ehlo.clone().unwrap_or_else(run::default_ehlo),
            warn_days: a.warn_days.into(),
            aia: !a.no_aia && !a.no_fetch,
            supplied,
            at: None,
        },
        edit_store,
        store_arg: a.store.clone(),
        storepass: password(&a.storepass, &a.pass),
        java_opts: a.java_opts.clone(),
        expect_sha256: expect,
        trust_leaf: a.trust_leaf,
        yes: a.yes,
        dry_run: a.dry_run,
        journal_dir: None,
    };
    let o = if a.json || opts.yes || opts.dry_run {
        let o = trustfix::fix::run(&opts);
        if a.json {
            println!("{}", admin::fix_json(&o));
        } else {
            print!("{}", admin::fix_text(&o, &style()));
        }
        o
    } else {
        // The whole plan first, then the question, then what happened.
        let mut o = trustfix::fix::plan(&opts);
        print!("{}", admin::fix_plan_text(&o, true));
        let _ = std::io::Write::flush(&mut std::io::stdout());
        if o.ready() {
            if trustfix::fix::confirm(&o.plan) {
                trustfix::fix::execute(&opts, &mut o);
            } else {
                trustfix::fix::decline(&mut o);
            }
        }
        print!("{}", admin::fix_result_text(&o));
        o
    };
    if let Some(r) = &o.refused {
        eprintln!("trustfix: {}", esc(r));
    }
    ExitCode::from(o.exit_code() as u8)
}

type EntryFilter = Box<dyn Fn(&trustfix::run::ListEntry) -> bool>;

/// The SHA-256 `remove` acts on: given in full, or found in the store by
/// a unique SHA-256 or SHA-1 prefix (8+ hex digits) or by alias.
fn remove_target(a: &trustfix::cli::RemoveArgs) -> Result<[u8; 32], (&'static str, String)> {
    if let Some(full) = a.sha256.as_deref().and_then(parse_sha256) {
        return Ok(full);
    }
    let hex_of = |flag: &str, v: &str| -> Result<String, (&'static str, String)> {
        let h: String = v
            .chars()
            .filter(|c| *c != ':')
            .collect::<String>()
            .to_ascii_lowercase();
        if h.len() < 8 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err((
                "usage",
                format!(
                    "{flag} '{}': expected hex digits (at least 8; colons allowed)",
                    esc(v)
                ),
            ));
        }
        Ok(h)
    };
    let (what, matches): (String, EntryFilter) = match (&a.sha256, &a.sha1, &a.alias) {
        (Some(v), _, _) => {
            let h = hex_of("--sha256", v)?;
            (
                format!("SHA-256 {h}"),
                Box::new(move |e| {
                    e.cert
                        .as_ref()
                        .is_some_and(|c| c.sha256_hex().starts_with(&h))
                }),
            )
        }
        (_, Some(v), _) => {
            let h = hex_of("--sha1", v)?;
            (
                format!("SHA-1 {h}"),
                Box::new(move |e| {
                    e.cert
                        .as_ref()
                        .is_some_and(|c| trustfix::cert::hex(&c.sha1).starts_with(&h))
                }),
            )
        }
        (_, _, Some(name)) => {
            let n = name.clone();
            (
                format!("alias '{}'", esc(name)),
                Box::new(move |e| {
                    e.alias
                        .as_deref()
                        .is_some_and(|x| trustfix::store::java::same_alias(x, &n))
                }),
            )
        }
        _ => return Err(("usage", "remove: give --sha256, --sha1 or --alias".into())),
    };
    let spec = store::parse_spec(&a.edit.store).map_err(|e| ("usage", e))?;
    let opts = StoreOptions {
        storepass: password(&a.edit.storepass, &a.edit.pass),
        java_opts: a.edit.java_opts.clone(),
    };
    let listing = run::store_list(&spec, &opts).map_err(|e| ("store", e))?;
    let mut found: Vec<&trustfix::cert::Cert> = Vec::new();
    for e in listing.entries.iter().filter(|e| matches(e)) {
        if let Some(c) = &e.cert {
            if !found.iter().any(|f| f.sha256 == c.sha256) {
                found.push(c);
            }
        }
    }
    match found.as_slice() {
        [c] => Ok(c.sha256),
        [] => Err((
            "store",
            format!("no entry of {} matches {what}", esc(&listing.label)),
        )),
        many => Err((
            "usage",
            format!(
                "{what} is ambiguous in {}: {}; give more digits",
                esc(&listing.label),
                many.iter()
                    .map(|c| format!("{} ({})", c.sha256_hex(), esc(&c.subject)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn parse_sha256(h: &str) -> Option<[u8; 32]> {
    let hex: String = h
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_lowercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn store_opts(a: &StoreArgs) -> StoreOptions {
    StoreOptions {
        storepass: password(&a.storepass, &a.pass),
        java_opts: a.java_opts.clone(),
    }
}

/// The keystore password from --storepass, --storepass-file or
/// --storepass-env; a bad option is a usage error (exit 3).
fn password(storepass: &Option<String>, pass: &trustfix::cli::PassArgs) -> Option<String> {
    match pass.resolve(storepass) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("trustfix: {}", esc(&e));
            std::process::exit(EXIT_UNKNOWN.into());
        }
    }
}

fn edit_cmd(op: Op, a: &EditArgs, import: Option<&trustfix::cli::ImportArgs>) -> ExitCode {
    let command = match op {
        Op::Import(_) => "import",
        Op::Remove(_) => "remove",
    };
    let mut spec = match store::parse_spec(&a.store) {
        Ok(s) => s,
        Err(e) => return usage(command, &e, a.json),
    };
    if let Some(scope) = a.scope {
        match &mut spec {
            StoreSpec::Os(_, s) => *s = scope,
            _ => {
                return usage(
                    command,
                    "--scope applies to --store windows and macos",
                    a.json,
                )
            }
        }
    }
    let (role, intermediate_as_anchor, alias) = match import {
        Some(i) => (
            match i.role {
                RoleArg::Auto => None,
                RoleArg::Root => Some(trustfix_platform::Role::Root),
                RoleArg::Intermediate => Some(trustfix_platform::Role::Intermediate),
            },
            i.intermediate_as_anchor,
            i.alias.clone(),
        ),
        None => (None, false, None),
    };
    let opts = EditOptions {
        role,
        intermediate_as_anchor,
        store: spec,
        storepass: password(&a.storepass, &a.pass),
        java_opts: a.java_opts.clone(),
        alias,
        dry_run: a.dry_run,
    };
    if !a.dry_run && !a.yes {
        // As keytool does: show what would change and ask; never on a pipe.
        use std::io::IsTerminal;
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            let msg = format!(
                "{command}: not applied: no terminal to confirm on; pass --yes (or --dry-run to only see the plan)"
            );
            return fail(command, "usage", &msg, a.json);
        }
        let preview = match edit::run(
            &op,
            &EditOptions {
                dry_run: true,
                ..opts.clone()
            },
        ) {
            Ok(p) => p,
            Err(e) => return fail(command, "store", &e, a.json),
        };
        print!("{}", admin::edit_text(&preview));
        if !preview.would_change() {
            return ExitCode::SUCCESS;
        }
        let asked = match &op {
            Op::Import(certs) => {
                let list: Vec<&trustfix::cert::Cert> = certs.iter().collect();
                trustfix::fix::confirm_certs(
                    &list,
                    &format!("Trust {} certificate(s) in {}? [y/N] ", list.len(), a.store),
                )
            }
            Op::Remove(sha) => {
                // Show the certificate being removed, as found in the store.
                let found: Vec<trustfix::cert::Cert> =
                    run::store_list(&opts.store, &store_opts_of(a))
                        .map(|l| {
                            l.entries
                                .into_iter()
                                .filter_map(|e| e.cert)
                                .filter(|c| c.sha256 == *sha)
                                .collect()
                        })
                        .unwrap_or_default();
                let question = format!("Remove from {}? [y/N] ", a.store);
                if found.is_empty() {
                    trustfix::fix::ask(&question)
                } else {
                    trustfix::fix::confirm_certs(
                        &found.iter().take(1).collect::<Vec<_>>(),
                        &question,
                    )
                }
            }
        };
        if !asked {
            println!("Declined: nothing changed.");
            return ExitCode::from(1);
        }
    }
    match edit::run(&op, &opts) {
        Ok(o) => {
            if a.json {
                println!("{}", admin::edit_json(&o));
            } else {
                print!("{}", admin::edit_text(&o));
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(command, "store", &e, a.json),
    }
}

fn store_opts_of(a: &EditArgs) -> StoreOptions {
    StoreOptions {
        storepass: password(&a.storepass, &a.pass),
        java_opts: a.java_opts.clone(),
    }
}

/// A command other than check/show could not do its job: exit 3, one line.
fn fail(command: &'static str, phase: &str, msg: &str, json: bool) -> ExitCode {
    let r = Report::new(command, run::now()).fail(phase, msg);
    if json {
        println!("{}", report::json::render(&r));
    }
    eprintln!("trustfix: {}", esc(msg));
    ExitCode::from(EXIT_UNKNOWN)
}

fn usage(command: &'static str, msg: &str, json: bool) -> ExitCode {
    let r = Report::new(command, run::now()).fail("usage", msg);
    if json {
        println!("{}", report::json::render(&r));
    }
    eprintln!("trustfix: {}", esc(msg));
    ExitCode::from(EXIT_UNKNOWN)
}

fn emit(r: &Report, out: &OutputArgs) -> ExitCode {
    use trustfix::cli::Format;
    if out.format == Format::Nagios {
        // Monitoring plugins print exactly one line, on stdout.
        println!(
            "{}",
            report::line::nagios(r, out.warn_days.into(), out.crit_days.into())
        );
        return ExitCode::from(report::line::nagios_code(r, out.crit_days.into()) as u8);
    }
    if out.wants_json() {
        println!("{}", report::json::render(r));
    } else if out.brief {
        println!("{}", report::line::brief(r));
    } else {
        print!("{}", report::text::render(r, &style()));
    }
    if let Some(e) = &r.error {
        // One line on stderr for scripts and humans alike.
        eprintln!("trustfix: {}", esc(&e.message));
    }
    ExitCode::from(r.exit_code() as u8)
}
