//! `stack new service`: check every choice, write the skeleton, add the service to
//! stack.yaml as text, validate the result with the loader, and take everything back on
//! failure. `stack new` alone asks on a terminal.

use std::path::PathBuf;

use crate::cli::{NewKind, NewServiceArgs};
use crate::commands::project::{check_manifest_text, write_manifest};
use crate::commands::schema::write_schema;
use crate::detect::language::Language;
use crate::error::Error;
use crate::manifest::edit::add_service;
use crate::manifest::load::load;
use crate::manifest::locate::{display_path, locate};
use crate::manifest::project::Manifest;
use crate::manifest::recipe::{RECIPES, Recipe};
use crate::manifest::schema::MODELINE;
use crate::manifest::suggest::did_you_mean;
use crate::new::entry::{Entry, check_name, check_port, check_tag, check_volume_free, data_volume};
use crate::new::location::{Location, project_root};
use crate::new::scaffold::Scaffold;
use crate::new::skeleton::{self, Skeleton, Values};
use crate::settings::Settings;
use crate::ui::printer::Printer;
use crate::ui::prompt::Prompter;

/// The first lines of a stack.yaml that `stack new service` creates.
const NEW_MANIFEST: &str = "# yaml-language-server: $schema=.stack/schema.json\n# This project's services: `stack up` builds and starts them, `stack ps` lists them.\n# `stack schema` prints the JSON Schema editors use to complete this file.\n";

pub(crate) fn new(
    settings: &Settings,
    printer: &Printer,
    kind: Option<NewKind>,
) -> Result<(), Error> {
    let args = match kind {
        Some(NewKind::Service(args)) => args,
        None if settings.can_prompt => {
            let kinds = [
                "service: a working skeleton, added to stack.yaml".to_string(),
                format!(
                    "backing service: a well-known image from a recipe ({})",
                    recipe_names()
                ),
            ];
            let prompter = Prompter::new(settings.color);
            match prompter.select("What do you want to create?", &kinds)? {
                0 => NewServiceArgs::default(),
                _ => {
                    let items: Vec<String> = RECIPES
                        .iter()
                        .map(|r| format!("{}: {} ({})", r.name, r.title, r.image(None)))
                        .collect();
                    let chosen = prompter.select("Recipe", &items)?;
                    NewServiceArgs {
                        recipe: Some(RECIPES[chosen].name.to_string()),
                        ..NewServiceArgs::default()
                    }
                }
            }
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

/// A question only a terminal can answer, or the usage error that names the missing flag.
fn missing(settings: &Settings, what: &str) -> Result<Prompter, Error> {
    if settings.can_prompt {
        Ok(Prompter::new(settings.color))
    } else {
        Err(Error::Usage {
            message: format!(
                "`stack new service` needs {what}, and stdin is not a terminal to ask on"
            ),
            hint: Some(format!(
                "e.g. `stack new service api --lang python --framework fastapi`; {}",
                skeleton::choices()
            )),
        })
    }
}

fn service(settings: &Settings, printer: &Printer, args: &NewServiceArgs) -> Result<(), Error> {
    if let Some(recipe) = &args.recipe {
        return recipe_service(settings, printer, args, recipe);
    }
    let skeleton = choose_skeleton(settings, args)?;
    let project = open_manifest(settings, args.name.as_deref())?;
    let manifest = project.manifest.as_ref();
    let root = project_root(manifest, &project.file)?;

    let name = match &args.name {
        Some(name) => name.clone(),
        None => missing(settings, "a NAME")?.text("Name of the service", None, |answer| {
            check_name(answer, manifest, &project.shown)
                .and_then(|()| skeleton.check_name(answer))
                .map_err(|error| error_line(&error))
        })?,
    };
    check_name(&name, manifest, &project.shown)?;
    skeleton.check_name(&name)?;
    if let Some(version) = &args.version {
        skeleton.check_version(version)?;
    }
    let port = args.port.unwrap_or(skeleton.port);
    check_port(port)?;
    let location = Location::choose(&root, &settings.cwd, args.path.as_deref(), manifest, &name)?;
    let entry = Entry::skeleton(name, &location.relative, port, args.version.as_deref());
    let text = entry.add_to(&project.source, &project.shown)?;

    let files = skeleton.render(&Values {
        name: entry.name.clone(),
        port,
        version: args
            .version
            .clone()
            .unwrap_or_else(|| skeleton.default_version().to_string()),
        manifest_version: args.version.is_some(),
    });
    let scaffold = Scaffold::write(&location.dir, &files)?;
    if let Err(error) = save(settings, &project, &text) {
        scaffold.remove();
        return Err(error);
    }

    let shown_dir = display_path(&location.dir, &settings.cwd);
    printer.status(&format!(
        "created {} ({} {} skeleton, {} files)",
        shown_dir.display(),
        skeleton.language,
        skeleton.framework,
        files.len()
    ));
    printer.status(&format!(
        "{} service `{}` to {}: port {port}, health check GET /healthz",
        if project.existed { "added" } else { "wrote" },
        entry.name,
        project.shown.display()
    ));
    printer.status(&format!(
        "next: `stack up -d`, then `stack ps` for its URL; {}/README.md says how to test it",
        shown_dir.display()
    ));
    Ok(())
}

/// `stack new service NAME --recipe RECIPE`: the recipe's entry, added to stack.yaml.
fn recipe_service(
    settings: &Settings,
    printer: &Printer,
    args: &NewServiceArgs,
    recipe: &str,
) -> Result<(), Error> {
    let recipe = Recipe::named(recipe).ok_or_else(|| Error::Usage {
        message: format!("stack has no recipe `{recipe}`"),
        hint: Some(did_you_mean(
            recipe,
            RECIPES.iter().map(|r| r.name),
            "the recipes are",
        )),
    })?;
    if let Some(version) = &args.version {
        check_tag(version)?;
    }
    let project = open_manifest(settings, Some(args.name.as_deref().unwrap_or(recipe.name)))?;
    let manifest = project.manifest.as_ref();
    let free = |name: &str| {
        check_name(name, manifest, &project.shown)
            .and_then(|()| check_volume_free(name, manifest, &project.shown))
    };
    // The recipe's name is a fine service name (`redis`): the default, asked on a terminal.
    let name = match &args.name {
        Some(name) => name.clone(),
        None if settings.can_prompt => Prompter::new(settings.color).text(
            "Name of the service",
            Some(recipe.name),
            |answer| free(answer).map_err(|error| error_line(&error)),
        )?,
        None => recipe.name.to_string(),
    };
    free(&name)?;
    let entry = Entry::recipe(name, recipe, args.version.as_deref());
    let text = entry.add_to(&project.source, &project.shown)?;
    save(settings, &project, &text)?;

    let image = recipe.image(args.version.as_deref());
    let mut what = format!("{image}, port {}", recipe.port);
    if recipe.data(args.version.as_deref()).is_some() {
        what.push_str(&format!(", data in volume {}", data_volume(&entry.name)));
    }
    printer.status(&format!(
        "{} service `{}` to {}: {what}, health check {}",
        if project.existed { "added" } else { "wrote" },
        entry.name,
        project.shown.display(),
        recipe.check(|_| None).key(),
    ));
    printer.status(&format!(
        "next: `stack up -d`; other services reach it at {}{}",
        Recipe::fill(recipe.url, &entry.name),
        if !recipe.url.contains('@') {
            ""
        } else {
            " (development credentials: change them in its `env`)"
        }
    ));
    Ok(())
}

/// Writes the new manifest text (validated first), and the schema its modeline names.
fn save(settings: &Settings, project: &ManifestFile, text: &str) -> Result<(), Error> {
    write_manifest(&project.file, &project.shown, text, &settings.env)?;
    // The manifest's modeline points editors at the schema: keep it there and current.
    if text.starts_with(MODELINE)
        && let Some(root) = project.file.parent()
    {
        write_schema(root)?;
    }
    Ok(())
}

/// `postgres, mysql, …`, for listings.
fn recipe_names() -> String {
    let names: Vec<&str> = RECIPES.iter().map(|r| r.name).collect();
    names.join(", ")
}

/// The stack.yaml a service is added to, read before anything is asked or written.
struct ManifestFile {
    file: PathBuf,
    /// How messages name it.
    shown: PathBuf,
    /// Its text, or the first lines of a new one.
    source: String,
    existed: bool,
    /// What it holds, when it exists and is valid.
    manifest: Option<Manifest>,
}

/// The manifest, which must be valid when there is one, but for lacking the service
/// `name` (which a gateway route may already name).
fn open_manifest(settings: &Settings, name: Option<&str>) -> Result<ManifestFile, Error> {
    let file = locate(settings.files.first().map(PathBuf::as_path), &settings.cwd)
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
                // Valid with a stand-in for the new service, it only lacked that service: go on.
                let probe = add_service(
                    &source,
                    name.unwrap_or("stack-new-probe"),
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
    Ok(ManifestFile {
        file,
        shown,
        source,
        existed,
        manifest,
    })
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

/// The first line of an error, for a prompt's retry message.
fn error_line(error: &Error) -> String {
    match error.hint() {
        Some(hint) => format!("{error} ({hint})"),
        None => error.to_string(),
    }
}
