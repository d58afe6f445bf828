//! How services run: as built (`up`), or under `stack watch`, where an interpreted service
//! runs its framework's reloader (`uvicorn --reload`, Flask's debug mode, `node --watch`)
//! so the files watch syncs in are picked up. Moving between the two recreates those
//! services, and the plan says that this is why.

use std::collections::BTreeMap;

use crate::plan::plan::{ContainerAction, Observed, Plan};

/// The mode a command runs services in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum RunMode {
    /// The production start command of every image: `up`, `restart`.
    #[default]
    Production,
    /// Dev commands with reloaders where a service has one: `watch`, `up --watch`.
    Watch,
}

/// The entry of `Recreate::changed` for a container that ran the other mode's command.
pub(crate) const DEV_COMMAND: &str = "dev command";
pub(crate) const PRODUCTION_COMMAND: &str = "production command";

/// Says why a container is recreated: "env, image changed", or that it moves to the dev
/// command under watch or back to the production one after it.
pub(crate) fn recreate_reason(changed: &[String]) -> String {
    let others: Vec<&str> = changed
        .iter()
        .map(String::as_str)
        .filter(|c| *c != DEV_COMMAND && *c != PRODUCTION_COMMAND)
        .collect();
    let switch = if changed.iter().any(|c| c == DEV_COMMAND) {
        Some("runs its dev command under watch")
    } else if changed.iter().any(|c| c == PRODUCTION_COMMAND) {
        Some("back to its production command after watch")
    } else {
        None
    };
    match (switch, others.is_empty()) {
        (Some(switch), true) => switch.to_string(),
        (Some(switch), false) => format!("{switch}; {} changed", others.join(", ")),
        (None, _) => format!("{} changed", others.join(", ")),
    }
}

/// Names the mode switch in the plan: a recreate whose `command` changed only because the
/// container ran the other mode's command. `other_command` holds, per service that has a
/// dev command, the hash of the `command` part in the other mode.
pub(crate) fn explain_switch(
    plan: &mut Plan,
    mode: RunMode,
    other_command: &BTreeMap<String, String>,
    observed: &Observed,
) {
    for step in &mut plan.services {
        let ContainerAction::Recreate { changed } = &mut step.action else {
            continue;
        };
        let (Some(other), Some(container)) = (
            other_command.get(&step.service),
            observed.containers.get(&step.service),
        ) else {
            continue;
        };
        let ran_other = container
            .config_parts
            .as_deref()
            .unwrap_or("")
            .split(',')
            .any(|part| part.strip_prefix("command=") == Some(other.as_str()));
        if !ran_other {
            continue;
        }
        let name = match mode {
            RunMode::Watch => DEV_COMMAND,
            RunMode::Production => PRODUCTION_COMMAND,
        };
        for part in changed.iter_mut().filter(|part| *part == "command") {
            *part = name.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DEV_COMMAND, PRODUCTION_COMMAND, recreate_reason};

    #[test]
    fn reasons_name_the_switch_first() {
        let s = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(recreate_reason(&s(&["env", "image"])), "env, image changed");
        assert_eq!(
            recreate_reason(&s(&[DEV_COMMAND])),
            "runs its dev command under watch"
        );
        assert_eq!(
            recreate_reason(&s(&["image", PRODUCTION_COMMAND])),
            "back to its production command after watch; image changed"
        );
    }
}
