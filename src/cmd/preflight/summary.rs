//! `trustfix preflight` output: the summary table, and the JSON document
//! holding every endpoint's full check result (check schema 1).

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::diagnose::Verdict;
use crate::preflight::{verdict_name, Outcome, Run};
use crate::report::json::SCHEMA;
use crate::report::text::{count as count_of, wrap};
use crate::util::escape::esc;
use crate::util::time::fmt_date;

/// Narrowest the endpoint and finding columns get when the table must
/// fit the width; the full texts are in `--json`.
const MIN_ENDPOINT: usize = 16;
const MIN_FINDING: usize = 16;

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(max - 1).collect();
        c.push('…');
        c
    }
}

fn verdict_cell(o: &Outcome) -> String {
    match o.expected {
        Some(x) if x != o.verdict => {
            format!("{} (expected {})", verdict_name(o.verdict), verdict_name(x))
        }
        _ => verdict_name(o.verdict).to_string(),
    }
}

/// The table's "first finding": the error, else the most severe finding's
/// id with how many more there are.
pub(super) fn first_finding(o: &Outcome) -> String {
    if let Some(e) = &o.error {
        return e.message.clone();
    }
    match o.first_finding() {
        None => "-".to_string(),
        Some(f) => {
            let more = o.findings.len() - 1;
            if more == 0 {
                f.id.to_string()
            } else {
                format!("{} (+{more})", f.id)
            }
        }
    }
}

fn days_cell(o: &Outcome) -> String {
    match o.days_left {
        Some(d) if d < 0 => format!("{d} (expired)"),
        Some(d) => d.to_string(),
        None => "-".to_string(),
    }
}

/// The summary table, fitted to `width` columns (80 when the terminal's
/// width is not known): long endpoints and findings are cut with `…`.
pub(super) fn text(r: &Run, width: usize) -> String {
    let full: Vec<[String; 4]> = r
        .outcomes
        .iter()
        .map(|o| {
            [
                esc(&o.label).into_owned(),
                verdict_cell(o),
                esc(&first_finding(o)).into_owned(),
                days_cell(o),
            ]
        })
        .collect();
    let head = ["ENDPOINT", "VERDICT", "FIRST FINDING", "DAYS"];
    let widest = |i: usize| {
        full.iter()
            .map(|r| r[i].chars().count())
            .chain([head[i].len()])
            .max()
            .unwrap_or(0)
    };
    // Verdict and days stay whole; the endpoint and finding share the rest.
    let room = width.saturating_sub(widest(1) + widest(3) + 6);
    let endpoint = widest(0).min((room / 2).max(MIN_ENDPOINT));
    let finding = widest(2).min(room.saturating_sub(endpoint).max(MIN_FINDING));
    let rows: Vec<[String; 4]> = full
        .into_iter()
        .map(|[e, v, f, d]| [cut(&e, endpoint), v, cut(&f, finding), d])
        .collect();
    let mut w = head.map(|h| h.chars().count());
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, c: &[String; 4]| {
        let pad = |s: &str, n: usize| format!("{s}{}", " ".repeat(n - s.chars().count()));
        let _ = writeln!(
            out,
            "{}  {}  {}  {}{}",
            pad(&c[0], w[0]),
            pad(&c[1], w[1]),
            pad(&c[2], w[2]),
            " ".repeat(w[3] - c[3].chars().count().min(w[3])),
            c[3]
        );
    };
    line(&mut out, &head.map(String::from));
    for row in &rows {
        line(&mut out, row);
    }
    let count = |v: Verdict| r.outcomes.iter().filter(|o| o.verdict == v).count();
    let failed = r.outcomes.iter().filter(|o| !o.passed()).count();
    let mismatches = r.outcomes.iter().filter(|o| o.mismatch()).count();
    let secs = r.elapsed.as_secs_f64();
    let took = if secs < 1.0 {
        format!("{} ms", r.elapsed.as_millis())
    } else {
        format!("{secs:.2} s")
    };
    // The summary lines wrap like every text report (the table above is
    // already fitted to the width).
    let mut sum = String::new();
    let _ = writeln!(
        sum,
        "\n{} in {took} ({:.0}/s, --jobs {}): {} trusted, {} warning, {} rejected, {} error; {} failed{}",
        count_of(r.outcomes.len(), "endpoint"),
        r.outcomes.len() as f64 / secs.max(1e-6),
        r.jobs,
        count(Verdict::Trusted),
        count(Verdict::Warning),
        count(Verdict::Rejected),
        count(Verdict::Error),
        failed,
        if mismatches > 0 {
            let verb = if mismatches == 1 { "differs" } else { "differ" };
            format!(" ({mismatches} {verb} from the expected verdict)")
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        sum,
        "Stores:  {} (each loaded once)",
        count_of(r.stores_loaded, "load")
    );
    for s in &r.stores {
        match &s.result {
            Ok(t) => {
                let _ = writeln!(
                    sum,
                    "  {}: {}, {}, {} ms, {}",
                    esc(&t.label),
                    count_of(t.anchors.len(), "anchor"),
                    count_of(t.intermediates.len(), "intermediate"),
                    s.load_time.as_millis(),
                    count_of(s.endpoints, "endpoint")
                );
            }
            Err(e) => {
                let _ = writeln!(
                    sum,
                    "  {}: {} ({})",
                    esc(&s.text),
                    esc(e),
                    count_of(s.endpoints, "endpoint")
                );
            }
        }
    }
    let _ = writeln!(
        sum,
        "Exit:    {} (the worst endpoint's: rejected 2 over could-not-check 3 over warning 1; details: trustfix check TARGET, or --json)",
        r.exit_code()
    );
    out.push_str(&wrap(&sum, width));
    out
}

/// The `--json` document (see docs/json.md, "preflight").
pub(super) fn json(r: &Run) -> String {
    let count = |v: Verdict| r.outcomes.iter().filter(|o| o.verdict == v).count();
    let stores: Vec<Value> = r
        .stores
        .iter()
        .map(|s| match &s.result {
            Ok(t) => json!({
                "spec": s.text,
                "label": t.label,
                "anchors": t.anchors.len(),
                "intermediates": t.intermediates.len(),
                "notes": t.notes,
                "load_ms": s.load_time.as_millis() as u64,
                "endpoints": s.endpoints,
                "error": null,
            }),
            Err(e) => json!({
                "spec": s.text,
                "label": null,
                "anchors": 0,
                "intermediates": 0,
                "notes": [],
                "load_ms": s.load_time.as_millis() as u64,
                "endpoints": s.endpoints,
                "error": e,
            }),
        })
        .collect();
    let endpoints: Vec<Value> = r
        .outcomes
        .iter()
        .map(|o| {
            json!({
                "label": o.label,
                "source": o.source,
                "target": o.input,
                "address": o.address,
                "expected": o.expected.map(verdict_name),
                "verdict": verdict_name(o.verdict),
                "passed": o.passed(),
                "exit_code": o.code,
                "first_finding": o.first_finding().map(|f| f.id),
                "days_left": o.days_left,
                "elapsed_ms": o.elapsed.as_millis() as u64,
                "result": o.json.clone().unwrap_or(Value::Null),
            })
        })
        .collect();
    let v = json!({
        "schema": SCHEMA,
        "tool": format!("trustfix {}", env!("CARGO_PKG_VERSION")),
        "command": "preflight",
        "sources": r.sources,
        "checked_at": fmt_date(r.started),
        "elapsed_ms": r.elapsed.as_millis() as u64,
        "jobs": r.jobs,
        "exit_code": r.exit_code(),
        "summary": {
            "endpoints": r.outcomes.len(),
            "passed": r.outcomes.iter().filter(|o| o.passed()).count(),
            "failed": r.outcomes.iter().filter(|o| !o.passed()).count(),
            "expected_mismatches": r.outcomes.iter().filter(|o| o.mismatch()).count(),
            "trusted": count(Verdict::Trusted),
            "warning": count(Verdict::Warning),
            "rejected": count(Verdict::Rejected),
            "error": count(Verdict::Error),
        },
        "stores_loaded": r.stores_loaded,
        "names_resolved": r.names_resolved,
        "stores": stores,
        "endpoints": endpoints,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// The document for a run that could not be done.
pub(super) fn failure_json(phase: &str, msg: &str) -> String {
    let v = json!({
        "schema": SCHEMA,
        "tool": format!("trustfix {}", env!("CARGO_PKG_VERSION")),
        "command": "preflight",
        "exit_code": 3,
        "error": {"phase": phase, "message": msg},
        "endpoints": [],
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::preflight::LoadedStore;
    use crate::report::ErrorInfo;

    fn outcome(label: &str, verdict: Verdict, error: Option<&str>) -> Outcome {
        Outcome {
            label: label.to_string(),
            source: "deploy.toml:3".into(),
            input: label.to_string(),
            address: None,
            verdict,
            expected: None,
            code: verdict.exit_code(),
            findings: Vec::new(),
            error: error.map(|m| ErrorInfo {
                phase: "connect".into(),
                message: m.to_string(),
            }),
            days_left: Some(364),
            elapsed: Duration::from_millis(3),
            json: None,
        }
    }

    /// Issue 17: the table and the summary under it fit 80 columns, long
    /// labels and errors included; counts are singular where they are one.
    #[test]
    fn fits_80_columns_and_counts_are_singular() {
        let long = "an endpoint label far longer than any column of the table could hold";
        let run = Run {
            sources: vec!["deploy.toml".into()],
            started: 0,
            elapsed: Duration::from_millis(5),
            jobs: 32,
            stores: vec![LoadedStore {
                text: "ca-file:/a/rather/long/path/to/the/contoso/ca/bundle/root.pem".into(),
                result: Err("ca-file /a/rather/long/path/to/the/contoso/ca/bundle/root.pem: no such file or directory".into()),
                load_time: Duration::ZERO,
                endpoints: 1,
            }],
            stores_loaded: 1,
            names_resolved: 1,
            outcomes: vec![outcome(
                long,
                Verdict::Error,
                Some("cannot connect to bench.test:9 (127.0.0.1:9: Connection refused (os error 111))"),
            )],
        };
        let t = text(&run, 80);
        for l in t.lines() {
            assert!(
                l.chars().count() <= 80,
                "{} columns: {l}\n{t}",
                l.chars().count()
            );
        }
        assert!(t.contains("1 endpoint in "), "{t}");
        assert!(t.contains("1 load (each"), "{t}");
        assert!(!t.contains("1 endpoints") && !t.contains("1 loads"), "{t}");
    }
}
