//! Front ends: which framework builds the app, where its static output goes or which
//! server runs it, the port its dev server uses (the static site is served there too, so
//! one `port:` fits both), and the dev-server command `stack watch` runs.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detect::error::DetectError;
use crate::detect::language::Framework;
use crate::detect::node::package::Package;
use crate::manifest::service::Service;

/// How a built front end is served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub(crate) enum Serve {
    /// nginx serves this build output directory, unknown paths falling back to index.html.
    Static { output: String },
    /// The framework's own server runs the built app (`next start`, Nuxt's Nitro server).
    Server {
        /// Directories the app writes at run time, owned by the app's user.
        writable: Vec<String>,
    },
}

/// A front end, as detection found it.
pub(super) struct Frontend {
    pub(super) serve: Serve,
    /// The build command: the `build` script, or the framework's own.
    pub(super) build: String,
    /// The start command of a server front end.
    pub(super) start: Vec<String>,
    /// The dev server bound to 0.0.0.0 on `port`, for `stack watch`.
    pub(super) dev: Vec<String>,
    pub(super) port: u16,
    pub(super) port_source: String,
}

static SCRIPT_PORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\bPORT=|--port[= ]|\s-p\s+)(\d{2,5})\b").expect("a valid pattern")
});
static CONFIG_PORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)(?:server|devServer|serve)\s*:\s*\{[^}]*?\bport\s*:\s*(\d{2,5})"#)
        .expect("a valid pattern")
});
static ANGULAR_PORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""port"\s*:\s*(\d{2,5})"#).expect("a valid pattern"));
static OUT_DIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(?:outDir|outputDir|distDir)\s*:\s*['"]([^'"]+)['"]"#).expect("a valid pattern")
});
static NEXT_EXPORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\boutput\s*:\s*['"]export['"]"#).expect("a valid pattern"));
static STATIC_PRESET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"preset\s*:\s*['"]static['"]|\bssr\s*:\s*false"#).expect("a valid pattern")
});

/// Server-side frameworks come first: a Next app is a Next app whatever else it uses.
const ORDER: [Framework; 7] = [
    Framework::Next,
    Framework::Nuxt,
    Framework::Svelte,
    Framework::Angular,
    Framework::Vue,
    Framework::React,
    Framework::Vite,
];

/// The front-end framework package.json uses, when it uses one.
pub(super) fn framework_of(package: &Package) -> Option<Framework> {
    ORDER.into_iter().find(|framework| match framework {
        Framework::Next => package.depends_on("next"),
        Framework::Nuxt => package.depends_on("nuxt") || package.depends_on("nuxt3"),
        Framework::Svelte => package.depends_on("@sveltejs/kit"),
        Framework::Angular => package.depends_on("@angular/core"),
        Framework::Vue => package.depends_on("@vue/cli-service"),
        Framework::React => package.depends_on("react-scripts"),
        Framework::Vite => package.depends_on("vite"),
        Framework::Flask
        | Framework::FastApi
        | Framework::Django
        | Framework::Express
        | Framework::None => false,
    })
}

/// The front end `framework` makes of the project in `dir`; `run` runs a script (`npm`).
pub(super) fn frontend(
    service: &Service,
    dir: &Path,
    package: &Package,
    framework: Framework,
    run: &str,
) -> Result<Frontend, DetectError> {
    let read = |names: &[&str]| {
        names
            .iter()
            .filter_map(|name| std::fs::read_to_string(dir.join(name)).ok())
            .collect::<String>()
    };
    let (tool, mut default_port, mut dev_server) = tool(framework);
    // adapter-node's server listens on 3000 unless told otherwise, not on the dev port.
    if framework == Framework::Svelte && package.depends_on("@sveltejs/adapter-node") {
        (default_port, dev_server) = (3000, "adapter-node's default");
    }
    let build_script = package.script("build");
    let build = match build_script {
        Some(_) => format!("{run} run build"),
        None => format!("npx {tool} build"),
    };
    let (port, port_source) = port(dir, package, framework, default_port, dev_server);
    let p = port.to_string();
    let mut frontend = Frontend {
        serve: Serve::Static {
            output: "dist".to_string(),
        },
        build,
        start: Vec::new(),
        dev: Vec::new(),
        port,
        port_source,
    };
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    match framework {
        Framework::React => {
            frontend.serve = static_at("build");
            frontend.dev = words(&["env", "HOST=0.0.0.0", "BROWSER=none"]);
            frontend.dev.extend([
                format!("PORT={p}"),
                "npx".into(),
                "react-scripts".into(),
                "start".into(),
            ]);
        }
        Framework::Vite | Framework::Vue => {
            let config = read(&[
                "vite.config.js",
                "vite.config.ts",
                "vite.config.mjs",
                "vite.config.mts",
                "vue.config.js",
            ]);
            let output = OUT_DIR.captures(&config).map_or("dist".to_string(), |c| {
                c[1].trim_start_matches("./").to_string()
            });
            frontend.serve = static_at(&output);
            frontend.dev = if framework == Framework::Vue {
                words(&[
                    "npx",
                    "vue-cli-service",
                    "serve",
                    "--host",
                    "0.0.0.0",
                    "--port",
                    &p,
                ])
            } else {
                words(&["npx", "vite", "--host", "0.0.0.0", "--port", &p])
            };
        }
        Framework::Angular => {
            frontend.serve = static_at(&angular_output(&read(&["angular.json"])));
            frontend.dev = words(&["npx", "ng", "serve", "--host", "0.0.0.0", "--port", &p]);
        }
        Framework::Next => {
            let config = read(&["next.config.js", "next.config.mjs", "next.config.ts"]);
            frontend.dev = words(&["npx", "next", "dev", "-H", "0.0.0.0", "-p", &p]);
            if NEXT_EXPORT.is_match(&config)
                || build_script.is_some_and(|b| b.contains("next export"))
            {
                frontend.serve = static_at("out");
            } else {
                frontend.serve = Serve::Server {
                    writable: vec![".next/cache".to_string()],
                };
                frontend.start =
                    words(&["node_modules/.bin/next", "start", "-H", "0.0.0.0", "-p", &p]);
            }
        }
        Framework::Nuxt => {
            let config = read(&["nuxt.config.ts", "nuxt.config.js", "nuxt.config.mjs"]);
            let nuxt2 = package.major_of("nuxt").is_some_and(|m| m < 3);
            let generate = build_script.is_some_and(|b| b.contains("generate"))
                || (build_script.is_none() && package.script("generate").is_some())
                || STATIC_PRESET.is_match(&config);
            frontend.dev = words(&["npx", "nuxt", "dev", "--host", "0.0.0.0", "--port", &p]);
            if generate {
                frontend.build = match (build_script, package.script("generate")) {
                    (Some(b), _) if b.contains("generate") => format!("{run} run build"),
                    (_, Some(_)) => format!("{run} run generate"),
                    _ => "npx nuxt generate".to_string(),
                };
                frontend.serve = static_at(if nuxt2 { "dist" } else { ".output/public" });
            } else {
                frontend.serve = Serve::Server {
                    writable: Vec::new(),
                };
                frontend.start = if nuxt2 {
                    words(&[
                        "node_modules/.bin/nuxt",
                        "start",
                        "--hostname",
                        "0.0.0.0",
                        "--port",
                        &p,
                    ])
                } else {
                    words(&["node", ".output/server/index.mjs"])
                };
            }
        }
        Framework::Svelte => {
            frontend.dev = words(&["npx", "vite", "dev", "--host", "0.0.0.0", "--port", &p]);
            if package.depends_on("@sveltejs/adapter-static") {
                frontend.serve = static_at("build");
            } else if package.depends_on("@sveltejs/adapter-node") {
                frontend.serve = Serve::Server {
                    writable: Vec::new(),
                };
                frontend.start = words(&["node", "build"]);
            } else {
                return Err(DetectError::Invalid {
                    service: service.name.clone(),
                    message: "a SvelteKit app without adapter-node or adapter-static: its adapter builds for a hosting platform, not a container".to_string(),
                    hint: Some("add @sveltejs/adapter-node (a server) or @sveltejs/adapter-static (a static site) and use it in svelte.config.js".to_string()),
                });
            }
        }
        Framework::Flask
        | Framework::FastApi
        | Framework::Django
        | Framework::Express
        | Framework::None => {
            return Err(DetectError::Invalid {
                service: service.name.clone(),
                message: format!("framework `{}` is not a front end", framework.name()),
                hint: None,
            });
        }
    }
    Ok(frontend)
}

fn static_at(output: &str) -> Serve {
    Serve::Static {
        output: output.trim_end_matches('/').to_string(),
    }
}

/// The framework's command-line tool (for `npx TOOL build`), its server's default port,
/// and how to say where that port came from.
fn tool(framework: Framework) -> (&'static str, u16, &'static str) {
    match framework {
        Framework::React => (
            "react-scripts",
            3000,
            "Create React App's dev-server default",
        ),
        Framework::Vite => ("vite", 5173, "Vite's dev-server default"),
        Framework::Angular => ("ng", 4200, "`ng serve`'s default"),
        Framework::Vue => ("vue-cli-service", 8080, "Vue CLI's dev-server default"),
        Framework::Next => ("next", 3000, "Next.js's default"),
        Framework::Nuxt => ("nuxt", 3000, "Nuxt's default"),
        Framework::Svelte => ("vite", 5173, "SvelteKit's dev-server default"),
        Framework::Flask
        | Framework::FastApi
        | Framework::Django
        | Framework::Express
        | Framework::None => ("", 3000, ""),
    }
}

/// The port: one a script or the framework's config sets, else the dev server's default.
fn port(
    dir: &Path,
    package: &Package,
    framework: Framework,
    default: u16,
    dev_server: &str,
) -> (u16, String) {
    for name in ["dev", "start", "serve"] {
        if let Some(found) = package
            .script(name)
            .and_then(|s| SCRIPT_PORT.captures(s))
            .and_then(|c| c[1].parse::<u16>().ok())
        {
            return (found, format!("package.json's `{name}` script"));
        }
    }
    let configs: &[&str] = match framework {
        Framework::Angular => &["angular.json"],
        Framework::Vue => &["vue.config.js"],
        Framework::Nuxt => &["nuxt.config.ts", "nuxt.config.js"],
        _ => &[
            "vite.config.js",
            "vite.config.ts",
            "vite.config.mjs",
            "vite.config.mts",
        ],
    };
    for name in configs {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        let pattern: &Regex = if *name == "angular.json" {
            &ANGULAR_PORT
        } else {
            &CONFIG_PORT
        };
        if let Some(found) = pattern.captures(&text).and_then(|c| c[1].parse().ok()) {
            return (found, (*name).to_string());
        }
    }
    (default, dev_server.to_string())
}

/// `dist/<project>`: angular.json's build output path of its default (or first) project.
/// The `browser` folder the application builder writes below it is found at build time.
fn angular_output(angular: &str) -> String {
    let fallback = "dist".to_string();
    let Ok(json) = serde_json::from_str::<serde_json::Value>(angular) else {
        return fallback;
    };
    let projects = json.get("projects").and_then(|p| p.as_object());
    let project = json
        .get("defaultProject")
        .and_then(|d| d.as_str())
        .and_then(|name| projects?.get(name))
        .or_else(|| projects?.values().next());
    let output = project
        .and_then(|p| p.pointer("/architect/build/options/outputPath"))
        .and_then(|o| o.as_str().or_else(|| o.get("base")?.as_str()));
    output.map_or(fallback, |o| o.trim_start_matches("./").to_string())
}

#[cfg(test)]
mod tests {
    use super::{angular_output, framework_of};
    use crate::detect::language::Framework;
    use crate::detect::node::package::Package;

    #[test]
    fn server_frameworks_win_over_the_tools_they_use() {
        let package = |deps: serde_json::Value| {
            Package::from_json(serde_json::json!({ "dependencies": deps }))
        };
        assert_eq!(
            framework_of(&package(serde_json::json!({"next": "14", "react": "18"}))),
            Some(Framework::Next)
        );
        assert_eq!(
            framework_of(&package(
                serde_json::json!({"@sveltejs/kit": "2", "vite": "5"})
            )),
            Some(Framework::Svelte)
        );
        assert_eq!(
            framework_of(&package(serde_json::json!({"react": "18", "vite": "5"}))),
            Some(Framework::Vite)
        );
        assert_eq!(
            framework_of(&package(serde_json::json!({"express": "4"}))),
            None
        );
    }

    #[test]
    fn angular_output_paths() {
        let json = r#"{"projects": {"shop": {"architect": {"build": {"options": {"outputPath": "dist/shop"}}}}}}"#;
        assert_eq!(angular_output(json), "dist/shop");
        let object = r#"{"defaultProject": "b", "projects": {"a": {}, "b": {"architect": {"build": {"options": {"outputPath": {"base": "out/b"}}}}}}}"#;
        assert_eq!(angular_output(object), "out/b");
        assert_eq!(angular_output("not json"), "dist");
    }
}
