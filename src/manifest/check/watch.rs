//! A service's `watch:` rules: each a path inside the project, an action, and what the
//! action needs (a `target` to copy to, a command to run), nothing it does not use.

use std::path::Path;

use crate::build::dockerignore::DockerIgnore;
use crate::manifest::check::command::check_command;
use crate::manifest::check::source::normalize;
use crate::manifest::checker::Checker;
use crate::manifest::list::List;
use crate::manifest::located::Located;
use crate::manifest::raw::RawWatch;
use crate::manifest::section::Section;
use crate::manifest::service::Source;
use crate::manifest::suggest::did_you_mean;
use crate::manifest::watch::{WatchAction, WatchRule};

/// The rules of a service whose source is `source` (when it is valid). `root` is the
/// project directory (canonical).
pub(crate) fn check_watch(
    checker: &mut Checker<'_>,
    value: &Located<List<Section<RawWatch>>>,
    source: Option<&Source>,
    task: bool,
    root: &Path,
) -> Option<Vec<WatchRule>> {
    let items = match &value.value {
        List::Items(items) => items,
        List::Other(shape) => {
            checker.error(
                value.pos,
                format!(
                    "`watch` must be a list of rules, found {}",
                    shape.describe()
                ),
                Some("write it like `watch: [{ path: ./api/src, action: sync }]`".to_string()),
            );
            return None;
        }
    };
    if task && !items.is_empty() {
        checker.error(
            value.pos,
            "`watch` does not apply to a task",
            Some(
                "a task runs once; `stack watch` updates long-running services. Remove `watch`"
                    .to_string(),
            ),
        );
        return None;
    }
    let mut rules = Vec::new();
    let mut ok = true;
    for item in items {
        match check_rule(checker, item, source, root) {
            Some(rule) => rules.push(rule),
            None => ok = false,
        }
    }
    ok.then_some(rules)
}

fn check_rule(
    checker: &mut Checker<'_>,
    item: &Located<Section<RawWatch>>,
    source: Option<&Source>,
    root: &Path,
) -> Option<WatchRule> {
    if let Section::Other(shape) = &item.value {
        checker.error(
            item.pos,
            format!(
                "a `watch` rule must be a mapping, found {}",
                shape.describe()
            ),
            Some("write it like `- { path: ./api/src, action: sync }`".to_string()),
        );
        return None;
    }
    let raw = checker.section(item, "watch", "- { path: ./api/src, action: sync }")?;
    let path = match &raw.path {
        Some(value) => check_rule_path(checker, value, root),
        None => {
            checker.error(
                item.pos,
                "a `watch` rule needs `path`",
                Some("add the file or folder to watch, relative to stack.yaml".to_string()),
            );
            None
        }
    };
    let action = match &raw.action {
        Some(value) => check_action(checker, value),
        None => {
            checker.error(
                item.pos,
                "a `watch` rule needs `action`",
                Some(actions_hint()),
            );
            None
        }
    };
    let ignore = match &raw.ignore {
        Some(value) => check_ignore(checker, value),
        None => Some(Vec::new()),
    };
    let exec = match &raw.exec {
        Some(value) => check_command(checker, value, "watch.exec").map(Some),
        None => Some(None),
    };
    let target = match &raw.target {
        Some(value) => check_target(checker, value).map(|t| Some(Located::new(t, value.pos))),
        None => Some(None),
    };
    let (path, action, ignore, exec, target) = (path?, action?, ignore?, exec?, target?);
    // What the action uses and needs, said at the key that is wrong.
    if let (Some(target), false) = (&target, action.syncs()) {
        checker.error(
            target.pos,
            format!("`target` does nothing with `action: {}`", action.name()),
            Some("only sync, sync+restart and sync+exec copy files; remove `target`".to_string()),
        );
        return None;
    }
    match (&raw.exec, &exec, action) {
        (Some(value), Some(_), other) if other != WatchAction::SyncExec => {
            checker.error(
                value.pos,
                format!("`exec` does nothing with `action: {}`", other.name()),
                Some("use `action: sync+exec` to run it after each sync".to_string()),
            );
            return None;
        }
        (_, None, WatchAction::SyncExec) => {
            checker.error(
                item.pos,
                "`action: sync+exec` needs `exec`, the command to run after each sync",
                Some("add e.g. `exec: npm run build:css`".to_string()),
            );
            return None;
        }
        _ => {}
    }
    if action.syncs() && target.is_none() {
        let needs = match source {
            Some(Source::Image(_)) => Some("an `image` service"),
            Some(Source::Build { dir, .. }) if dir.join("Dockerfile").is_file() => {
                Some("a service built from its own Dockerfile")
            }
            Some(Source::Build { dir, .. }) if !path.starts_with(dir) => {
                Some("a path outside the service's directory")
            }
            _ => None,
        };
        if let Some(needs) = needs {
            checker.error(
                item.pos,
                format!("`action: {}` on {needs} needs `target`", action.name()),
                Some(
                    "add `target:`, the absolute path in the container the files go to".to_string(),
                ),
            );
            return None;
        }
    }
    if let (WatchAction::Rebuild, Some(Source::Image(_))) = (action, source) {
        checker.error(
            item.pos,
            "`action: rebuild` on an `image` service: stack does not build it",
            Some("use `restart` or a sync action, or build the service from `path`".to_string()),
        );
        return None;
    }
    Some(WatchRule {
        path,
        action,
        target: target.map(|t| t.value),
        ignore,
        exec,
        line: item.pos.line,
    })
}

/// The watched path: inside the project (it need not exist yet: a folder made later is
/// watched once it appears).
fn check_rule_path(
    checker: &mut Checker<'_>,
    value: &Located<crate::manifest::value::Value>,
    root: &Path,
) -> Option<std::path::PathBuf> {
    let text = checker.text(value, "watch.path")?;
    let joined = normalize(&root.join(&text.value));
    let resolved = joined.canonicalize().unwrap_or(joined);
    if !resolved.starts_with(root) {
        checker.error(
            text.pos,
            format!(
                "watch path `{}` is outside the project directory",
                text.value
            ),
            Some("watch files inside the directory holding stack.yaml".to_string()),
        );
        return None;
    }
    Some(resolved)
}

fn actions_hint() -> String {
    let names: Vec<&str> = WatchAction::ALL.iter().map(|a| a.name()).collect();
    format!("actions are {}", names.join(", "))
}

fn check_action(
    checker: &mut Checker<'_>,
    value: &Located<crate::manifest::value::Value>,
) -> Option<WatchAction> {
    let text = checker.text(value, "watch.action")?;
    if let Some(action) = WatchAction::ALL
        .into_iter()
        .find(|a| a.name() == text.value)
    {
        return Some(action);
    }
    checker.error(
        text.pos,
        format!("`{}` is not a watch action", text.value),
        Some(did_you_mean(
            &text.value,
            WatchAction::ALL.iter().map(|a| a.name()),
            "actions are",
        )),
    );
    None
}

fn check_target(
    checker: &mut Checker<'_>,
    value: &Located<crate::manifest::value::Value>,
) -> Option<String> {
    let text = checker.text(value, "watch.target")?;
    if !text.value.starts_with('/') {
        checker.error(
            text.pos,
            format!("watch target `{}` is not an absolute path", text.value),
            Some("write the path in the container, e.g. `/app/src`".to_string()),
        );
        return None;
    }
    Some(normalize(Path::new(&text.value)).display().to_string())
}

/// `.dockerignore` patterns, each checked as Docker would read it.
fn check_ignore(
    checker: &mut Checker<'_>,
    value: &Located<crate::manifest::value::Value>,
) -> Option<Vec<String>> {
    let mut patterns = Vec::new();
    let mut ok = true;
    for pattern in checker.texts(value, "watch.ignore")? {
        if DockerIgnore::parse(&pattern.value).is_err() || pattern.value.trim().is_empty() {
            ok = false;
            checker.error(
                pattern.pos,
                format!("`{}` is not a valid ignore pattern", pattern.value),
                Some(
                    "write `.dockerignore` patterns, e.g. `**/*.tmp` or `node_modules`".to_string(),
                ),
            );
            continue;
        }
        patterns.push(pattern.value);
    }
    ok.then_some(patterns)
}

#[cfg(test)]
mod tests {
    use crate::manifest::watch::WatchAction;

    #[test]
    fn actions_read_as_written() {
        let names: Vec<&str> = WatchAction::ALL.iter().map(|a| a.name()).collect();
        assert_eq!(
            names,
            ["sync", "rebuild", "restart", "sync+restart", "sync+exec"]
        );
        assert!(WatchAction::SyncExec.syncs() && !WatchAction::Restart.syncs());
    }
}
