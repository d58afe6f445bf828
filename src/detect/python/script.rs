//! The script a Python service without a web framework runs: an installed package's
//! console script, a module with a `__main__` guard (a server before its client), or the
//! usual main.py.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::error::DetectError;
use crate::detect::python::app::{Entry, module_of};
use crate::detect::python::project::Project;
use crate::detect::source::SourceFile;
use crate::manifest::service::Service;

/// Scripts a service without a framework or `__main__` guard is started with, in order.
const SCRIPTS: [&str; 4] = ["main.py", "app.py", "server.py", "run.py"];

static MAIN_GUARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^if\s+__name__\s*==\s*['"]__main__['"]\s*:"#).expect("a valid pattern")
});

/// The console script an installed package declares (`[project.scripts]`): the one named
/// like the service, else the only one, else one that serves.
pub(super) fn console_script(
    service: &Service,
    project: &Project<'_>,
    installable: bool,
) -> Option<Entry> {
    if !installable {
        return None;
    }
    let scripts = project.table(&["project", "scripts"])?;
    let names: Vec<&String> = scripts.keys().collect();
    let chosen = names
        .iter()
        .find(|n| **n == &service.name)
        .or_else(|| (names.len() == 1).then(|| &names[0]))
        .or_else(|| names.iter().find(|n| n.contains("serve")))?;
    // The module the entry point lives in, read first for the port.
    let target = scripts.get(chosen.as_str())?.as_str()?;
    let module = target.split(':').next().unwrap_or_default();
    let file = [
        format!("src/{}.py", module.replace('.', "/")),
        format!("{}.py", module.replace('.', "/")),
        format!("src/{}/__init__.py", module.replace('.', "/")),
    ]
    .into_iter()
    .find(|f| project.dir.join(f).is_file())
    .unwrap_or_default();
    Some(Entry::Script {
        argv: vec![(*chosen).clone()],
        file,
    })
}

/// The script a service without a framework runs: a module with a `__main__` guard (the
/// server rather than its client), else main.py, app.py, server.py or run.py.
pub(super) fn script(
    service: &Service,
    project: &Project<'_>,
    sources: &[SourceFile],
    installable: bool,
) -> Result<Entry, DetectError> {
    let guarded = sources
        .iter()
        .filter(|f| MAIN_GUARD.is_match(&f.text))
        .filter(|f| !matches!(f.path.as_str(), "setup.py" | "manage.py"))
        .min_by_key(|f| {
            (
                script_rank(&f.path),
                f.path.matches('/').count(),
                f.path.clone(),
            )
        });
    let file = match guarded {
        Some(file) => file.path.clone(),
        None => SCRIPTS
            .into_iter()
            .find(|name| project.has(name))
            .map(str::to_string)
            .ok_or_else(|| DetectError::Invalid {
                service: service.name.clone(),
                message: "a Python project without a web framework or a script to run".to_string(),
                hint: Some("looked for flask, fastapi or django imported by the code, and for a module with `if __name__ == \"__main__\":`; set `command:` to start it".to_string()),
            })?,
    };
    // A module inside a package may import its siblings relatively: run it as a module,
    // from the installed package in a `src/` layout.
    let parent = Path::new(&file)
        .parent()
        .filter(|p| !p.as_os_str().is_empty());
    let in_package = parent.is_some_and(|p| project.dir.join(p).join("__init__.py").is_file());
    let argv = match file.strip_prefix("src/") {
        Some(inside) if in_package && installable => {
            vec!["python".to_string(), "-m".to_string(), module_of(inside)]
        }
        None if in_package => vec!["python".to_string(), "-m".to_string(), module_of(&file)],
        _ => vec!["python".to_string(), file.clone()],
    };
    Ok(Entry::Script { argv, file })
}

/// How likely a `__main__` script is the service: servers first, clients and tools last.
fn script_rank(path: &str) -> u8 {
    let name = path.rsplit('/').next().unwrap_or(path).to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if has(&[
        "client", "test", "example", "demo", "bench", "migrat", "seed", "script", "cli",
    ]) {
        9
    } else if has(&["server"]) {
        0
    } else if has(&["main"]) {
        1
    } else if has(&["app"]) {
        2
    } else if has(&["service", "serve", "worker", "run", "start"]) {
        3
    } else {
        5
    }
}

#[cfg(test)]
mod tests {
    use super::script_rank;

    #[test]
    fn servers_rank_before_their_clients() {
        assert!(script_rank("email_server.py") < script_rank("email_client.py"));
        assert!(script_rank("main.py") < script_rank("logger.py"));
    }
}
