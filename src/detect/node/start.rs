//! How a Node app (not a front end) starts: the manifest's `command`, its production start
//! script, a development script's entry run by node, or its main file; and where it
//! listens, read from that entry first.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::detect::error::DetectError;
use crate::detect::listen::{self, Arg, Call, Listen};
use crate::detect::node::package::Package;
use crate::detect::source;
use crate::manifest::service::Service;

/// Calls that listen: `app.listen(…)`, hapi's `server({ port })`, `serve({ fetch, port })`
/// (Hono), gRPC's `bindAsync(address, …)`.
const CALLS: &[Call] = &[
    Call {
        pattern: r"\.listen\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\b[Hh]api\.server\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\bserve\(",
        arg: Arg::First,
    },
    Call {
        pattern: r"\.bindAsync\(",
        arg: Arg::First,
    },
];

/// HTTP server libraries: an app depending on one answers HTTP.
const HTTP_SERVERS: &[&str] = &[
    "express",
    "fastify",
    "koa",
    "@hapi/hapi",
    "@nestjs/core",
    "hono",
    "restify",
    "polka",
];

/// Development runners that restart on change: not how a container starts an app.
static WATCHER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:nodemon|ts-node-dev|tsx\s+watch|node\s+--watch|nest\s+start(?:\s+--watch)?$)")
        .expect("a valid pattern")
});
static NODE_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)(?:node|nodemon|node\s+--watch)\s+(?:--?[\w-]+(?:=\S+)?\s+)*([\w./-]+\.[cm]?js)\b")
        .expect("a valid pattern")
});

/// How the app starts and the file it starts from.
pub(super) struct Start {
    pub(super) argv: Vec<String>,
    /// The script file node runs, read first for the listen call.
    pub(super) entry: Option<String>,
    /// The script `argv` runs through the package manager, whose `PORT=` may set the port.
    pub(super) script: Option<String>,
}

/// The start command. `run` runs a script (`npm`); `build` says a build step makes files
/// `main` may name; Plug'n'Play apps start through yarn.
pub(super) fn start(
    service: &Service,
    dir: &Path,
    package: &Package,
    plug_n_play: bool,
    build: bool,
) -> Result<Start, DetectError> {
    if let Some(command) = &service.command {
        return Ok(Start {
            argv: command.clone(),
            entry: command
                .iter()
                .find(|w| w.ends_with(".js") || w.ends_with(".mjs"))
                .cloned(),
            script: None,
        });
    }
    let through = |script: &str| Start {
        argv: if plug_n_play {
            vec!["yarn".to_string(), script.to_string()]
        } else if script == "start" {
            // npm passes SIGTERM on to the script (yarn 1 does not); every image has it.
            vec!["npm".to_string(), "start".to_string()]
        } else {
            vec!["npm".to_string(), "run".to_string(), script.to_string()]
        },
        entry: package
            .script(script)
            .and_then(|s| NODE_FILE.captures(s))
            .map(|c| c[1].trim_start_matches("./").to_string()),
        script: Some(script.to_string()),
    };
    let node = |file: &str| {
        let file = file.trim_start_matches("./").to_string();
        Start {
            argv: if plug_n_play {
                vec!["yarn".to_string(), "node".to_string(), file.clone()]
            } else {
                vec!["node".to_string(), file.clone()]
            },
            entry: Some(file),
            script: None,
        }
    };
    // The production script: `start` unless it is a watcher, then the usual names for one.
    let production = ["start", "start:prod", "start:production", "prod", "serve"]
        .into_iter()
        .find(|name| {
            package
                .script(name)
                .is_some_and(|s| !WATCHER.is_match(s.trim()))
        });
    if let Some(name) = production {
        let script = package.script(name).unwrap_or_default();
        // A plain `node file` runs node directly, so signals reach it without npm between.
        return Ok(if is_plain_node(script) && !plug_n_play {
            let argv = shell_words::split(script).unwrap_or_default();
            let entry = NODE_FILE.captures(script).map(|c| c[1].to_string());
            Start {
                argv,
                entry,
                script: None,
            }
        } else {
            through(name)
        });
    }
    // A watcher's entry file, run by node.
    let watched = ["start", "dev", "serve"]
        .into_iter()
        .filter_map(|name| package.script(name))
        .find_map(|s| NODE_FILE.captures(s).map(|c| c[1].to_string()))
        .filter(|file| dir.join(file).is_file());
    if let Some(file) = watched {
        return Ok(node(&file));
    }
    let has = |name: &str| dir.join(name).is_file();
    // `main` may name a file the build step writes.
    let main = package
        .main()
        .filter(|m| build || has(m))
        .map(str::to_string);
    let entry = main.or_else(|| {
        [
            "index.js",
            "server.js",
            "app.js",
            "main.js",
            "src/index.js",
            "src/server.js",
            "src/app.js",
            "src/main.js",
        ]
        .into_iter()
        .find(|f| has(f))
        .map(str::to_string)
    });
    match entry {
        Some(entry) => Ok(node(&entry)),
        None if package.script("start").is_some() => Ok(through("start")),
        None => Err(DetectError::Invalid {
            service: service.name.clone(),
            message: "package.json has no `start` script or `main`, and there is no index.js, server.js or app.js".to_string(),
            hint: Some("add `\"start\": \"node server.js\"` to the scripts in package.json, or set `command:`".to_string()),
        }),
    }
}

/// Where the app listens, its entry file read first; a `PORT=` in the script that starts
/// it wins, since it overrides the environment.
pub(super) fn listen(
    dir: &Path,
    start: &Start,
    package: &Package,
) -> (Option<Listen>, Option<(u16, String)>) {
    let first: Vec<String> = start.entry.iter().cloned().collect();
    let files = source::read(dir, &["js", "mjs", "cjs", "ts", "mts"], &first);
    let from_script = start
        .script
        .as_deref()
        .and_then(|name| Some((name, package.script(name)?)))
        .and_then(|(name, text)| {
            let port = SCRIPT_PORT.captures(text)?[1].parse().ok()?;
            Some((
                port,
                format!("`PORT={port}` in package.json's `{name}` script"),
            ))
        });
    (listen::find(&files, CALLS), from_script)
}

static SCRIPT_PORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bPORT=(\d{2,5})\b").expect("a valid pattern"));

/// Whether the app answers HTTP: an HTTP server library, or a listen call that is not gRPC.
pub(super) fn speaks_http(package: &Package, listen: Option<&Listen>) -> bool {
    HTTP_SERVERS.iter().any(|name| package.depends_on(name))
        || listen.is_some_and(|l| !l.call.contains("bindAsync("))
}

/// `node server.js --flag=1`: no shell syntax, no environment assignments, no other program.
pub(super) fn is_plain_node(command: &str) -> bool {
    let shell = ['&', '|', ';', '>', '<', '$', '`', '(', '*', '~', '\\', '\n'];
    command.starts_with("node ") && !command.contains(shell)
}

#[cfg(test)]
mod tests {
    use super::{NODE_FILE, WATCHER, is_plain_node};

    #[test]
    fn start_scripts() {
        assert!(is_plain_node("node server.js"));
        assert!(is_plain_node(
            "node --enable-source-maps dist/index.js --port=3000"
        ));
        assert!(!is_plain_node("NODE_ENV=production node server.js"));
        assert!(!is_plain_node("node a.js && node b.js"));
        assert!(!is_plain_node("node server.js > log.txt"));
        assert!(!is_plain_node("nodemon server.js"));
        assert!(WATCHER.is_match("nodemon src/server.js"));
        assert!(WATCHER.is_match("node --watch index.js"));
        assert!(!WATCHER.is_match("node index.js"));
        let file = |s: &str| NODE_FILE.captures(s).map(|c| c[1].to_string());
        assert_eq!(
            file("nodemon src/server.js").as_deref(),
            Some("src/server.js")
        );
        assert_eq!(
            file("node --watch --inspect index.js").as_deref(),
            Some("index.js")
        );
        assert_eq!(
            file("NODE_ENV=production node ./bin/www.js").as_deref(),
            Some("./bin/www.js")
        );
    }
}
