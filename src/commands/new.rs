//! `stack new service`: check every choice, write the skeleton, add the service to
//! stack.yaml as text, validate the result with the loader, and take everything back on
//! failure. `stack new` alone asks on a terminal.

use std::path::{Component, Path, PathBuf};

use crate::cli::{NewKind, NewServiceArgs};
use crate::commands::project::{check_manifest_text, write_manifest};
use crate::detect::language::Language;
use crate::error::Error;
use crate::init::yaml::scalar;
use crate::manifest::edit::add_service;
use crate::manifest::load::load;
use crate::manifest::locate::{display_path, locate};
use crate::manifest::project::Manifest;
use crate::manifest::service::Source;
use crate::manifest::validate::{is_service_name, suggested_label};
use crate::new::scaffold::Scaffold;
use crate::new::skeleton::{self, Skeleton, Values};
use crate::settings::Settings;
use crate::ui::printer::Printer;
use crate::ui::prompt::Prompter;

/// The first lines of a stack.yaml that `stack new service` creates.
const NEW_MANIFEST: &str = "# This project's services: `stack up` builds and starts them, `stack ps` lists them.\n# `stack schema` prints the JSON Schema editors use to complete this file.\n";

/// Where services go when the project has no layout to follow.
const DEFAULT_PARENT: &str = "services";

pub(crate) fn new(
    settings: &Settings,
    printer: &Printer,
    kind: Option<NewKind>,
) -> Result<(), Error> {
    let args = match kind {
        Some(NewKind::Service(args)) => args,
        None if settings.can_prompt => {
            let kinds = ["service: a working skeleton, added to stack.yaml".to_string()];
            Prompter::new(settings.color).select("What do you want to create?", &kinds)?;
            NewServiceArgs::default()
        }
        None => {
            return Err(Error::Usage {
                message: "`stack new` asks what to create, but stdin is not a terminal".to_string(),
                hint: Some(format!(
                    "say it with flags: `stack new service NAME --lang LANGUAGE [--framework FRAMEWORK]`; {}",
                    skeleton::choices()
                )),
            });
        }
    };
    service(settings, printer, &args)
}

fn usage(message: String, hint: impl Into<Option<String>>) -> Error {
    Error::Usage {
        message,
        hint: hint.into(),
    }
}

/// A question only a terminal can answer, or the usage error that names the missing flag.
fn missing(settings: &Settings, what: &str) -> Result<Prompter, Error> {
    if settings.can_prompt {
        Ok(Prompter::new(settings.color))
    } else {
        Err(usage(
            format!("`stack new service` needs {what}, and stdin is not a terminal to ask on"),
            format!(
                "e.g. `stack new service api --lang python --framework fastapi`; {}",
                skeleton::choices()
            ),
        ))
    }
}

fn service(settings: &Settings, printer: &Printer, args: &NewServiceArgs) -> Result<(), Error> {
    let skeleton = choose_skeleton(settings, args)?;

    // The manifest, when there is one, must be valid before anything is asked or added.
    let file = locate(settings.manifest.as_deref(), &settings.cwd)
        .unwrap_or_else(|| settings.cwd.join("stack.yaml"));
    let shown = display_path(&file, &settings.cwd);
    let source = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => NEW_MANIFEST.to_string(),
        Err(source) => {
            return Err(Error::Io {
                action: "read",
                path: file,
                source,
            });
        }
    };
    let existed = file.is_file();
    let manifest = if existed {
        match load(&file, &shown, &settings.env) {
            Ok(manifest) => Some(manifest),
            Err(error) => {
                // Valid with a stand-in for the new service (which a gateway route may
                // already name), it only lacked that service: go on.
                let probe = add_service(
                    &source,
                    args.name.as_deref().unwrap_or("stack-new-probe"),
                    &[("image", "probe".to_string()), ("port", "80".to_string())],
                );
                if probe.map_or(true, |probe| {
                    check_manifest_text(&file, &shown, &probe, &settings.env).is_err()
                }) {
                    return Err(error.into());
                }
                None
            }
        }
    } else {
        None
    };
    let root = match &manifest {
        Some(manifest) => manifest.root.clone(),
        None => canonical_parent(&file)?,
    };

    let name = match &args.name {
        Some(name) => name.clone(),
        None => missing(settings, "a NAME")?.text("Name of the service", |answer| {
            check_name(answer, manifest.as_ref(), &shown)
                .and_then(|()| skeleton.check_name(answer))
                .map_err(|error| error_line(&error))
        })?,
    };
    check_name(&name, manifest.as_ref(), &shown)?;
    skeleton.check_name(&name)?;
    let version = args.version.clone();
    if let Some(version) = &version {
        skeleton.check_version(version)?;
    }
    let port = args.port.unwrap_or(skeleton.port);
    if port == 0 {
        return Err(usage(
            "port 0 is not a port a service can listen on".to_string(),
            "pick one from 1 to 65535".to_string(),
        ));
    }
    let dir = match &args.path {
        Some(path) => inside(&root, &settings.cwd.join(path)).ok_or_else(|| {
            usage(
                format!("`{}` is outside the project", path.display()),
                "service directories live inside the directory that holds stack.yaml".to_string(),
            )
        })?,
        None => root.join(default_parent(manifest.as_ref())).join(&name),
    };
    let relative = dir
        .strip_prefix(&root)
        .expect("`inside` and the default keep the directory in the project");
    if relative.as_os_str().is_empty() {
        return Err(usage(
            "a service cannot be the project directory itself".to_string(),
            "give it a directory of its own with `--path`".to_string(),
        ));
    }
    if dir.symlink_metadata().is_ok() {
        return Err(usage(
            format!(
                "{} already exists",
                display_path(&dir, &settings.cwd).display()
            ),
            "choose another name, or another directory with `--path`; stack new never writes into an existing directory"
                .to_string(),
        ));
    }
    let relative = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");

    let mut fields = vec![
        ("path", scalar(&relative)),
        ("port", port.to_string()),
        ("health", "{ http: /healthz }".to_string()),
    ];
    if let Some(version) = &version {
        fields.push(("version", format!("\"{version}\"")));
    }
    let text = add_service(&source, &name, &fields).map_err(|error| {
        let entry: String = fields
            .iter()
            .map(|(key, value)| format!("\n      {key}: {value}"))
            .collect();
        usage(
            format!("{}: {error}", shown.display()),
            format!("stack new adds to a block mapping only; rewrite `services:` one entry per line, or add this under it by hand:\n    {name}:{entry}"),
        )
    })?;

    let files = skeleton.render(&Values {
        name: name.clone(),
        port,
        version: version
            .clone()
            .unwrap_or_else(|| skeleton.default_version().to_string()),
        manifest_version: version.is_some(),
    });
    let scaffold = Scaffold::write(&dir, &files)?;
    if let Err(error) = write_manifest(&file, &shown, &text, &settings.env) {
        scaffold.remove();
        return Err(error);
    }

    let shown_dir = display_path(&dir, &settings.cwd);
    printer.status(&format!(
        "created {} ({} {} skeleton, {} files)",
        shown_dir.display(),
        skeleton.language,
        skeleton.framework,
        files.len()
    ));
    printer.status(&format!(
        "{} service `{name}` to {}: port {port}, health check GET /healthz",
        if existed { "added" } else { "wrote" },
        shown.display()
    ));
    printer.status(&format!(
        "next: `stack up -d`, then `stack ps` for its URL; {}/README.md says how to test it",
        shown_dir.display()
    ));
    Ok(())
}

/// The skeleton the flags name, asking on a terminal for what they leave out.
fn choose_skeleton(settings: &Settings, args: &NewServiceArgs) -> Result<&'static Skeleton, Error> {
    let language = match (&args.language, &args.framework) {
        (Some(typed), _) => skeleton::language(typed)?,
        // `--framework flask` alone says the language too.
        (None, Some(framework)) => Skeleton::by_framework(framework)?.language,
        (None, None) => {
            let prompter = missing(settings, "a language (`--lang`)")?;
            let items: Vec<String> = Language::ALL
                .iter()
                .map(|l| skeleton::listing(*l))
                .collect();
            Language::ALL[prompter.select("Language", &items)?]
        }
    };
    match &args.framework {
        Some(framework) => Skeleton::named(language, framework),
        None => {
            let options: Vec<&'static Skeleton> = Skeleton::of(language).collect();
            // On a terminal the choice is asked; elsewhere the language's first is the default.
            if options.len() > 1 && settings.can_prompt {
                let items: Vec<String> = options.iter().map(|s| s.summary.to_string()).collect();
                Ok(options[Prompter::new(settings.color).select("Framework", &items)?])
            } else {
                Ok(options[0])
            }
        }
    }
}

/// A DNS label that is not yet a service of the manifest.
fn check_name(name: &str, manifest: Option<&Manifest>, shown: &Path) -> Result<(), Error> {
    if !is_service_name(name) {
        return Err(usage(
            format!("`{name}` is not a valid service name"),
            format!(
                "services reach each other by name, so it must be a DNS label: lowercase letters, digits and `-`, at most 63, e.g. `{}`",
                suggested_label(name)
            ),
        ));
    }
    if let Some(existing) = manifest.and_then(|m| m.services.get(name)) {
        let names: Vec<&str> = manifest
            .map(|m| m.services.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return Err(usage(
            format!(
                "{}:{}: service `{name}` already exists",
                shown.display(),
                existing.line
            ),
            format!("choose another name; the services are {}", names.join(", ")),
        ));
    }
    Ok(())
}

/// The first line of an error, for a prompt's retry message.
fn error_line(error: &Error) -> String {
    match error.hint() {
        Some(hint) => format!("{error} ({hint})"),
        None => error.to_string(),
    }
}

/// Where new services go: the directory every built service already shares (`apps/`, or
/// the project root), else `services/`.
fn default_parent(manifest: Option<&Manifest>) -> PathBuf {
    let mut parents = manifest
        .into_iter()
        .flat_map(|m| m.services.values())
        .filter_map(|service| match &service.source {
            Source::Build { relative, .. } => {
                Some(relative.parent().map(Path::to_path_buf).unwrap_or_default())
            }
            _ => None,
        })
        .map(|parent| lexical(&parent));
    match parents.next() {
        Some(first) if parents.all(|p| p == first) => first,
        _ => PathBuf::from(DEFAULT_PARENT),
    }
}

/// `path` without `.` and with `..` applied, without touching the filesystem.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` (absolute, which may not exist yet) resolved, when it is inside the project
/// `root` (canonical): the deepest existing ancestor is resolved, so a symlink cannot lead
/// outside.
fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let path = lexical(path);
    let existing = path.ancestors().find(|a| a.exists())?;
    let rest = path.strip_prefix(existing).ok()?;
    let resolved = existing.canonicalize().ok()?.join(rest);
    resolved.starts_with(root).then_some(resolved)
}

fn canonical_parent(file: &Path) -> Result<PathBuf, Error> {
    let parent = file.parent().unwrap_or(Path::new("."));
    parent.canonicalize().map_err(|source| Error::Io {
        action: "resolve",
        path: parent.to_path_buf(),
        source,
    })
}
