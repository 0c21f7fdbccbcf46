//! README.md cannot drift from the CLI: every `trustfix ...` command shown
//! in its code blocks (examples and the usage synopsis, with their
//! continuation lines) names a real subcommand, and every `--flag` it uses
//! is one that subcommand's `--help` lists.

use std::collections::HashMap;
use std::process::Command;

fn help(sub: &[&str]) -> Option<String> {
    let o = Command::new(env!("CARGO_BIN_EXE_trustfix"))
        .args(sub)
        .arg("--help")
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// The subcommand words after `trustfix` and the `--flags` of a line.
fn parse(after: &str) -> (Vec<String>, Vec<String>) {
    let words: Vec<&str> = after.split_whitespace().collect();
    let mut sub = Vec::new();
    if let Some(first) = words.first() {
        sub.push(first.to_string());
        if *first == "store" {
            if let Some(second) = words.get(1) {
                sub.push(second.to_string());
            }
        }
    }
    (sub, flags(after))
}

fn flags(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("--") {
        let tail = &rest[i + 2..];
        let name: String = tail
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let before = rest[..i].chars().last();
        // `--` inside a word (a path, `-----BEGIN`) is not a flag.
        if name.len() > 1 && !name.starts_with('-') && before.is_none_or(|c| " [|(`".contains(c)) {
            out.push(format!("--{name}"));
        }
        rest = &tail[name.len().min(tail.len())..];
    }
    out
}

#[test]
fn every_command_in_the_readme_parses() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut helps: HashMap<Vec<String>, Option<String>> = HashMap::new();
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut in_fence = false;
    let mut current: Option<Vec<String>> = None;
    for (n, line) in readme.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            current = None;
            continue;
        }
        let code = in_fence || line.starts_with("    ");
        if !code {
            current = None;
            continue;
        }
        let t = line.trim_start();
        let t = t
            .strip_prefix("$ ")
            .or_else(|| t.strip_prefix("> "))
            .unwrap_or(t);
        // Leading VAR=value assignments.
        let mut t = t;
        while let Some((word, rest)) = t.split_once(' ') {
            if word.contains('=') && !word.starts_with('-') {
                t = rest;
            } else {
                break;
            }
        }
        // A shell comment ends the command.
        let t = t.split(" #").next().unwrap_or(t);
        let (sub, fl) = if let Some(after) = t.strip_prefix("trustfix ") {
            // Output lines ("trustfix demo: ...") are not commands.
            if !after
                .split_whitespace()
                .next()
                .is_some_and(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            {
                current = None;
                continue;
            }
            let (sub, fl) = parse(after);
            current = Some(sub.clone());
            (sub, fl)
        } else if let (Some(sub), true) = (&current, t.starts_with('[')) {
            // A continuation line of the synopsis.
            (sub.clone(), flags(t))
        } else {
            current = None;
            continue;
        };
        let refs: Vec<&str> = sub.iter().map(String::as_str).collect();
        let h = helps.entry(sub.clone()).or_insert_with(|| help(&refs));
        let Some(h) = h else {
            problems.push(format!(
                "README.md:{}: `trustfix {}` is not a subcommand",
                n + 1,
                sub.join(" ")
            ));
            continue;
        };
        checked += 1;
        for f in fl {
            let listed = h.contains(&format!("{f} "))
                || h.contains(&format!("{f}\n"))
                || h.contains(&format!("{f},"));
            if !listed && f != "--color" && f != "--help" {
                problems.push(format!(
                    "README.md:{}: `trustfix {}` has no {f}",
                    n + 1,
                    sub.join(" ")
                ));
            }
        }
    }
    println!("README: {checked} command lines checked");
    assert!(checked > 50, "only {checked} command lines found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
