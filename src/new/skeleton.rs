//! The service skeletons `stack new service` writes: which exist, and rendering one from
//! the templates embedded in the binary (`templates/skeletons/<language>-<framework>/`).

use std::cmp::Ordering;
use std::path::PathBuf;

use include_dir::{Dir, File};
use minijinja::{AutoEscape, context};

use crate::build::template::{self, TEMPLATES};
use crate::detect::detector::Detector;
use crate::detect::language::Language;
use crate::error::Error;
use crate::manifest::suggest::did_you_mean;

/// Where the skeletons are in the embedded `templates/`, one directory each. A file ending
/// in `.j2` is rendered (the suffix dropped); a name starting with `dot-` is written with a
/// leading `.` instead (`dot-gitignore`), so that the templates do not act on this
/// repository (a live .gitignore) and survive packaging.
const SKELETONS: &str = "skeletons";

/// The README every skeleton gets, filled with its own commands.
const README: &str = "skeletons/README.md.j2";

/// One service skeleton: a language and the framework its server uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Skeleton {
    pub(crate) language: Language,
    /// The name `--framework` takes.
    pub(crate) framework: &'static str,
    /// Other names `--framework` accepts.
    pub(crate) aliases: &'static [&'static str],
    /// What it is, for prompts, listings and the README.
    pub(crate) summary: &'static str,
    /// The port the server listens on unless `--port` says otherwise.
    pub(crate) port: u16,
    /// The oldest language version the code and its pinned dependencies run on.
    pub(crate) min_version: &'static str,
    /// The file the skeleton names its language version in.
    pub(crate) version_file: &'static str,
    /// How to run its unit test, shown in its README.
    pub(crate) test_command: &'static str,
}

/// Every skeleton; the first of each language is its default framework.
pub(crate) const ALL: &[Skeleton] = &[
    Skeleton {
        language: Language::Python,
        framework: "fastapi",
        aliases: &[],
        summary: "Python FastAPI",
        port: 8000,
        min_version: "3.11",
        version_file: ".python-version",
        test_command: "python -m venv .venv && .venv/bin/pip install -r requirements.txt\n.venv/bin/python -m unittest",
    },
    Skeleton {
        language: Language::Python,
        framework: "flask",
        aliases: &[],
        summary: "Python Flask",
        port: 5000,
        min_version: "3.10",
        version_file: ".python-version",
        test_command: "python -m venv .venv && .venv/bin/pip install -r requirements.txt\n.venv/bin/python -m unittest",
    },
    Skeleton {
        language: Language::Python,
        framework: "django",
        aliases: &[],
        summary: "Python Django",
        port: 8000,
        min_version: "3.11",
        version_file: ".python-version",
        test_command: "python -m venv .venv && .venv/bin/pip install -r requirements.txt\n.venv/bin/python manage.py test",
    },
    Skeleton {
        language: Language::Node,
        framework: "express",
        aliases: &[],
        summary: "Node express",
        port: 3000,
        min_version: "18",
        version_file: ".nvmrc",
        test_command: "npm ci\nnode --test",
    },
    Skeleton {
        language: Language::Go,
        framework: "stdlib",
        aliases: &["net/http", "nethttp", "none"],
        summary: "Go (standard library net/http)",
        port: 8080,
        min_version: "1.22",
        version_file: "go.mod",
        test_command: "go test ./...",
    },
    Skeleton {
        language: Language::Rust,
        framework: "axum",
        aliases: &[],
        summary: "Rust axum",
        port: 8080,
        min_version: "1.85",
        version_file: "Cargo.toml (rust-version)",
        test_command: "cargo test",
    },
    Skeleton {
        language: Language::Java,
        framework: "httpserver",
        aliases: &["jdk", "com.sun.net.httpserver"],
        summary: "Java (the JDK's com.sun.net.httpserver, built with javac)",
        port: 8080,
        min_version: "11",
        version_file: ".java-version",
        test_command: "javac -d out $(find src -name '*.java') && java -cp out app.MainTest",
    },
];

/// What a skeleton is filled with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Values {
    pub(crate) name: String,
    pub(crate) port: u16,
    pub(crate) version: String,
    /// The version is also pinned in stack.yaml (said in the README).
    pub(crate) manifest_version: bool,
}

impl Skeleton {
    /// The skeletons of `language`, its default first.
    pub(crate) fn of(language: Language) -> impl Iterator<Item = &'static Skeleton> + Clone {
        ALL.iter().filter(move |s| s.language == language)
    }

    /// The skeleton of `language` called `framework` (or an alias of it).
    pub(crate) fn find(language: Language, framework: &str) -> Option<&'static Skeleton> {
        let framework = framework.to_ascii_lowercase();
        Skeleton::of(language)
            .find(|s| s.framework == framework || s.aliases.contains(&framework.as_str()))
    }

    /// `python-fastapi`: the template directory, and how listings name the skeleton.
    pub(crate) fn id(&self) -> String {
        format!("{}-{}", self.language, self.framework)
    }

    /// `templates/skeletons/<id>/`.
    fn templates(&self) -> Option<&'static Dir<'static>> {
        TEMPLATES.get_dir(format!("{SKELETONS}/{}", self.id()))
    }

    /// The version written when `--version` gives none: the one stack builds by default.
    pub(crate) fn default_version(&self) -> &'static str {
        Detector::of(self.language).default_version
    }

    /// The skeleton's files (path relative to the service directory, contents), sorted.
    pub(crate) fn render(&self, values: &Values) -> Vec<(PathBuf, String)> {
        let mut env = template::environment();
        // Files are source code, not markup: `package.json.j2` must not JSON-quote the name.
        env.set_auto_escape_callback(|_| AutoEscape::None);
        let language_title = match self.language {
            Language::Python => "Python",
            Language::Node => "Node",
            Language::Go => "Go",
            Language::Rust => "Rust",
            Language::Java => "Java",
        };
        let ctx = context! {
            name => &values.name,
            port => values.port,
            version => &values.version,
            manifest_version => values.manifest_version,
            summary => self.summary,
            language_title => language_title,
            version_file => self.version_file,
            test_command => self.test_command,
        };
        let dir = self
            .templates()
            .expect("every skeleton in ALL has a template directory: tested");
        let mut files = Vec::new();
        collect(dir, &mut files);
        let readme = TEMPLATES
            .get_file(README)
            .expect("the README template is embedded");
        files.push(readme);
        let mut rendered: Vec<(PathBuf, String)> = files
            .into_iter()
            .map(|file| {
                // Its own files sit in `skeletons/<id>/`, the README every skeleton shares in
                // `skeletons/`.
                let relative = file
                    .path()
                    .strip_prefix(dir.path())
                    .or_else(|_| file.path().strip_prefix(SKELETONS))
                    .expect("skeleton files are embedded under skeletons/");
                let text = file
                    .contents_utf8()
                    .expect("skeleton templates are UTF-8 text: tested");
                let name = relative.to_string_lossy();
                let (target, text) = match name.strip_suffix(".j2") {
                    Some(target) => (
                        target.to_string(),
                        env.render_named_str(&name, text, &ctx)
                            .expect("every skeleton template renders: tested"),
                    ),
                    None => (name.into_owned(), text.to_string()),
                };
                let target = target
                    .split('/')
                    .map(|part| match part.strip_prefix("dot-") {
                        Some(rest) => format!(".{rest}"),
                        None => part.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                let text = if target == "Cargo.lock" {
                    sort_cargo_lock(&text)
                } else {
                    text
                };
                (PathBuf::from(target), text)
            })
            .collect();
        rendered.sort();
        rendered
    }
}

/// The language `--lang` names, or a usage error that suggests the nearest.
pub(crate) fn language(typed: &str) -> Result<Language, Error> {
    typed.parse().map_err(|()| Error::Usage {
        message: format!("no skeleton for the language `{typed}`"),
        hint: Some(did_you_mean(
            &typed.to_ascii_lowercase(),
            Language::ALL.iter().map(|l| l.name()),
            "languages are",
        )),
    })
}

/// "languages and frameworks: python (fastapi, flask, django), node (express), …".
pub(crate) fn choices() -> String {
    let languages: Vec<String> = Language::ALL.iter().map(|l| listing(*l)).collect();
    format!("languages and frameworks: {}", languages.join(", "))
}

/// "python (fastapi, flask, django)": a language and its frameworks.
pub(crate) fn listing(language: Language) -> String {
    format!("{language} ({})", frameworks(language))
}

fn frameworks(language: Language) -> String {
    Skeleton::of(language)
        .map(|s| s.framework)
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_framework<'a>(
    typed: &str,
    candidates: impl Iterator<Item = &'a Skeleton> + Clone,
) -> Error {
    Error::Usage {
        message: format!("no skeleton for the framework `{typed}`"),
        hint: Some(did_you_mean(
            &typed.to_ascii_lowercase(),
            candidates.map(|s| s.framework),
            "frameworks are",
        )),
    }
}

impl Skeleton {
    /// The skeleton whose framework is `typed`, whatever its language (`--framework flask`
    /// alone).
    pub(crate) fn by_framework(typed: &str) -> Result<&'static Skeleton, Error> {
        Language::ALL
            .iter()
            .find_map(|language| Skeleton::find(*language, typed))
            .ok_or_else(|| unknown_framework(typed, ALL.iter()))
    }

    /// The skeleton of `language` called `typed`, or a usage error that says which
    /// language `typed` belongs to, or suggests the nearest of this language's.
    pub(crate) fn named(language: Language, typed: &str) -> Result<&'static Skeleton, Error> {
        Skeleton::find(language, typed).ok_or_else(|| match Skeleton::by_framework(typed) {
            Ok(other) => Error::Usage {
                message: format!(
                    "`{typed}` is a {} framework, not a {language} one",
                    other.language
                ),
                hint: Some(format!(
                    "use `--lang {}`, or one of {language}'s: {}",
                    other.language,
                    frameworks(language)
                )),
            },
            Err(_) => unknown_framework(typed, Skeleton::of(language)),
        })
    }

    /// What the language asks of a service name beyond a DNS label: Cargo refuses package
    /// names that start with a digit.
    pub(crate) fn check_name(&self, name: &str) -> Result<(), Error> {
        if self.language == Language::Rust && name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(Error::Usage {
                message: format!(
                    "`{name}` cannot name a Rust service: Cargo package names start with a letter"
                ),
                hint: Some(format!("e.g. `svc-{name}`")),
            });
        }
        Ok(())
    }

    /// `version` is numbers and dots, and not older than the skeleton runs on.
    pub(crate) fn check_version(&self, version: &str) -> Result<(), Error> {
        let numeric = version.split('.').count() <= 3
            && version
                .split('.')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
        if !numeric {
            return Err(Error::Usage {
                message: format!("`{version}` is not a {} version", self.language),
                hint: Some(format!(
                    "write it as numbers and dots, e.g. `{}`",
                    self.default_version()
                )),
            });
        }
        if compare_versions(version, self.min_version).is_lt() {
            return Err(Error::Usage {
                message: format!(
                    "the {} skeleton needs {} {} or newer, not {version}",
                    self.id(),
                    self.language,
                    self.min_version
                ),
                hint: Some(format!("pin `--version {}` or newer", self.min_version)),
            });
        }
        Ok(())
    }
}

fn collect<'a>(dir: &'a Dir<'a>, files: &mut Vec<&'a File<'a>>) {
    files.extend(dir.files());
    for sub in dir.dirs() {
        collect(sub, files);
    }
}

/// Cargo.lock with its packages in cargo's order (by name, then version), which the
/// service's own package, named at render time, must take: `cargo build --locked` fails on
/// a lockfile that differs from the one cargo would write.
fn sort_cargo_lock(text: &str) -> String {
    const SEPARATOR: &str = "\n[[package]]\n";
    let mut parts = text.split(SEPARATOR);
    let header = parts.next().unwrap_or_default();
    let mut packages: Vec<&str> = parts.collect();
    let field = |package: &str, key: &str| -> String {
        package
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .map(|v| v.trim_matches(|c| c == '"' || c == ' ' || c == '='))
            .unwrap_or_default()
            .to_string()
    };
    packages.sort_by(|a, b| {
        field(a, "name")
            .cmp(&field(b, "name"))
            .then_with(|| compare_versions(&field(a, "version"), &field(b, "version")))
    });
    let mut out = header.to_string();
    for package in packages {
        out.push_str(SEPARATOR);
        // The last package carries the file's final newline; every other ends before a blank line.
        out.push_str(package.trim_end_matches('\n'));
        out.push('\n');
    }
    out
}

/// Dotted versions compared number by number: `1.10` is newer than `1.9`.
pub(crate) fn compare_versions(a: &str, b: &str) -> Ordering {
    let numbers = |v: &str| -> Vec<u64> {
        v.split(['.', '-', '+'])
            .map_while(|part| part.parse().ok())
            .collect()
    };
    numbers(a).cmp(&numbers(b))
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;

    use super::{ALL, Skeleton, compare_versions, sort_cargo_lock};
    use crate::detect::language::Language;

    #[test]
    fn every_language_has_a_skeleton_with_a_template_directory() {
        for language in Language::ALL {
            assert!(Skeleton::of(language).next().is_some(), "{language}");
        }
        for skeleton in ALL {
            assert!(skeleton.templates().is_some(), "{}", skeleton.id());
        }
        assert_eq!(
            Skeleton::find(Language::Go, "net/http").map(|s| s.framework),
            Some("stdlib")
        );
        assert_eq!(Skeleton::find(Language::Python, "express"), None);
    }

    #[test]
    fn versions_compare_by_number() {
        assert_eq!(compare_versions("1.10", "1.9"), Ordering::Greater);
        assert_eq!(compare_versions("3.11", "3.11"), Ordering::Equal);
        assert_eq!(compare_versions("18", "20"), Ordering::Less);
    }

    #[test]
    fn the_service_package_takes_its_place_in_cargo_lock() {
        let lock = "version = 4\n\n[[package]]\nname = \"zebra\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"axum\"\nversion = \"0.8.0\"\n\n[[package]]\nname = \"axum\"\nversion = \"0.10.0\"\n";
        assert_eq!(
            sort_cargo_lock(lock),
            "version = 4\n\n[[package]]\nname = \"axum\"\nversion = \"0.8.0\"\n\n[[package]]\nname = \"axum\"\nversion = \"0.10.0\"\n\n[[package]]\nname = \"zebra\"\nversion = \"0.1.0\"\n"
        );
    }
}
