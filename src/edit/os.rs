//! The OS store backend: `trustfix-platform`'s stores (Linux anchors,
//! Windows, macOS) planned and applied through its `Plan` and `Step`s.

use std::path::PathBuf;

use super::{distinct, Action, Change, EditError, EditOptions, Op, Outcome};
use crate::store::os;
use trustfix_platform::{Plan, Role, Step};

/// Import/remove through an OS store of `trustfix-platform`: one combined
/// plan (files first, one refresh, Java alias clean-up last), then apply.
pub(super) fn edit(
    command: &'static str,
    op: &Op,
    opts: &EditOptions,
    kind: os::OsKind,
    scope: trustfix_platform::Scope,
) -> Result<Outcome, EditError> {
    // The platform crate's errors are text.
    let os_err = |e: String| EditError::Os(e);
    let store = os::open(kind, scope, opts.intermediate_as_anchor)
        .map_err(|e| EditError::Os(e.to_string()))?;
    let mut plans: Vec<Plan> = Vec::new();
    let mut changes = Vec::new();
    match op {
        Op::Import(certs) => {
            for c in distinct(certs) {
                let role = opts.role.unwrap_or(if c.is_self_issued() {
                    Role::Root
                } else {
                    Role::Intermediate
                });
                let plan = store.plan_add(&os::cert_input(c), role).map_err(os_err)?;
                changes.push(Change {
                    action: if plan.steps.is_empty() {
                        Action::Present
                    } else {
                        Action::Add
                    },
                    alias: None,
                    location: Some(format!(
                        "{} as {}",
                        plan.store,
                        if role == Role::Root {
                            "root"
                        } else {
                            "intermediate"
                        }
                    )),
                    sha256: c.sha256_hex(),
                    subject: Some(c.subject.clone()),
                });
                plans.push(plan);
            }
        }
        Op::Remove(sha) => {
            let plan = store.plan_remove(sha).map_err(os_err)?;
            changes.push(Change {
                action: if plan.steps.is_empty() {
                    Action::Absent
                } else {
                    Action::Remove
                },
                alias: None,
                location: Some(plan.store.clone()),
                sha256: crate::util::hex::hex(sha),
                subject: None,
            });
            plans.push(plan);
        }
    }
    let mut combined = Plan {
        store: store.name(),
        ..Default::default()
    };
    let (mut files, mut runs, mut java) = (Vec::new(), Vec::new(), Vec::new());
    for p in plans {
        for step in p.steps {
            match step {
                Step::Run { .. } if !runs.contains(&step) => runs.push(step),
                Step::Run { .. } => {}
                Step::RemoveJavaAlias { .. } => java.push(step),
                other => files.push(other),
            }
        }
        combined.notes.extend(p.notes);
        for e in p.equivalent {
            if !combined.equivalent.contains(&e) {
                combined.equivalent.push(e);
            }
        }
    }
    combined.steps = files.into_iter().chain(runs).chain(java).collect();
    let mut out = Outcome {
        command,
        path: PathBuf::from(store.name()),
        target: None,
        format: kind.name().to_string(),
        changes,
        dry_run: opts.dry_run,
        changed: false,
        backup: None,
        notes: combined.notes.clone(),
        steps: combined.steps.iter().map(Step::describe).collect(),
        equivalent: combined.equivalent.clone(),
    };
    if combined.steps.is_empty() || opts.dry_run {
        return Ok(out);
    }
    let mut remover = |ks: &std::path::Path, alias: &str| {
        super::remove_java_alias(ks, alias).map_err(|e| e.to_string())
    };
    let applied = store.apply(&combined, &mut remover).map_err(os_err)?;
    out.changed = true;
    out.notes.extend(applied.notes);
    Ok(out)
}
